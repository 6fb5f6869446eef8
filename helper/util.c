#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "util.h"

int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int write_file(const char *path, const char *content, int mode)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return negative_errno();
        return write_all(fd, content, strlen(content));
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();

        _cleanup_free_ char *buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;

        size_t len = 0;
        while (len < max) {
                ssize_t n = read(fd, buf + len, max - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = take_ptr(&buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

long long now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long now_ms(void)
{
        return now_us() / 1000;
}

int path_join(char *buf, size_t size, const char *a, const char *b)
{
        int n = snprintf(buf, size, "%s/%s", a, b);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

const char *subdirs_next(struct subdirs *d)
{
        for (;;) {
                if (d->off >= d->len) {
                        d->len = getdents64(d->fd, d->buf, sizeof(d->buf));
                        d->off = 0;
                        if (d->len <= 0)
                                return NULL;
                }
                const struct dirent64 *de = (const struct dirent64 *) (d->buf + d->off);
                d->off += de->d_reclen;
                if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        return de->d_name;
        }
}

int rmdir_tree(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct subdirs d = { .fd = fd };
        char child[PATH_MAX];

        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        for (const char *name; (name = subdirs_next(&d));)
                if (path_join(child, sizeof(child), path, name) == 0)
                        (void) rmdir_tree(child);
        if (rmdir(path) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}
