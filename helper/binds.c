#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "binds.h"
#include "util.h"

/* The directory PATH below root_fd, created (0755) where missing; -ELOOP when a
 * component is a symlink, -ENOTDIR when it is no directory. */
static int open_mount_point(int root_fd, const char *path)
{
        char component[NAME_MAX + 1];
        _cleanup_close_ int dir = dup(root_fd);

        if (dir < 0)
                return negative_errno();
        for (const char *p = path; *p;) {
                size_t len = strcspn(p, "/");
                if (len == 0 || (len == 1 && p[0] == '.')) {
                        p += len + (p[len] == '/');
                        continue;
                }
                if (len > NAME_MAX)
                        return -ENAMETOOLONG;
                memcpy(component, p, len);
                component[len] = '\0';
                if (mkdirat(dir, component, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                struct open_how how = {
                        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
                };
                int next = (int) syscall(SYS_openat2, dir, component, &how, sizeof(how));
                if (next < 0)
                        return negative_errno();
                closep(&dir);
                dir = next;
                p += len + (p[len] == '/');
        }
        return take_fd(&dir);
}

int binds_apply(const char *root_dir, const struct bind_spec *binds, size_t count, const struct ids *ids,
                char *error, size_t error_size)
{
        _cleanup_close_ int root_fd = -1;
        struct stat st;
        int r;

        if (count == 0)
                return 0;
        if ((root_fd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
                r = negative_errno();
                snprintf(error, error_size, "cannot open the container's root: %s", strerror(-r));
                return r;
        }
        for (size_t i = 0; i < count; i++) {
                const struct bind_spec *b = &binds[i];
                if (stat(b->source, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        snprintf(error, error_size, "--bind%s=%s:%s: %s is not a directory", b->read_only ? "-ro" : "",
                                 b->source, b->target, b->source);
                        return -EINVAL;
                }
                _cleanup_close_ int fd = open_mount_point(root_fd, b->target);
                if (fd < 0) {
                        snprintf(error, error_size, "--bind%s=%s:%s: cannot make %s inside: %s", b->read_only ? "-ro" : "",
                                 b->source, b->target,
                                 b->target, fd == -ELOOP || fd == -EXDEV ? "a symlink is on the way" : strerror(-fd));
                        return fd == -ELOOP || fd == -EXDEV || fd == -ENOTDIR ? -EINVAL : fd;
                }
                /* A detached copy of HOSTDIR (not recursive: what is mounted below it on
                 * the host stays out), made read-only before it is attached. */
                _cleanup_close_ int tree = (int) syscall(SYS_open_tree, AT_FDCWD, b->source,
                                                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                struct mount_attr attr = {
                        .attr_set = (b->read_only ? MOUNT_ATTR_RDONLY : 0) | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                };
                if (ids && ids->base) {
                        attr.attr_set |= MOUNT_ATTR_IDMAP;
                        attr.userns_fd = (uint64_t) ids->userns_fd;
                }
                if (tree < 0 || syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 ||
                    syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
                        r = negative_errno();
                        snprintf(error, error_size, "--bind%s=%s:%s: cannot bind it: %s", b->read_only ? "-ro" : "",
                                 b->source, b->target, strerror(-r));
                        return r;
                }
        }
        return 0;
}
