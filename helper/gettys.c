#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "gettys.h"
#include "util.h"

static const char *const unit_dirs[] = {
        "/etc/systemd/system",
        "/usr/lib/systemd/system",
        "/lib/systemd/system",
};

static const struct unit_prefix {
        const char *prefix;
        int serial;
} unit_prefixes[] = {
        { "getty@", 0 },
        { "serial-getty@", 1 },
};

static size_t add_getty(struct getty *out, size_t n, size_t max, const struct getty *g)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(out[i].tty, g->tty) == 0)
                        return n;
        if (n < max)
                out[n++] = *g;
        return n;
}

int getty_from_unit_name(const char *name, struct getty *out)
{
        const char *suffix = ".service";

        *out = (struct getty) {};
        if (strcmp(name, "console-getty.service") == 0) {
                snprintf(out->tty, sizeof(out->tty), "console");
                snprintf(out->source, sizeof(out->source), "%s", name);
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(unit_prefixes); i++) {
                size_t plen = strlen(unit_prefixes[i].prefix), len = strlen(name), slen = strlen(suffix);
                if (strncmp(name, unit_prefixes[i].prefix, plen) != 0 || len <= plen + slen ||
                    strcmp(name + len - slen, suffix) != 0 || len - plen - slen >= sizeof(out->tty))
                        continue;
                snprintf(out->tty, sizeof(out->tty), "%.*s", (int) (len - plen - slen), name + plen);
                snprintf(out->source, sizeof(out->source), "%s", name);
                out->serial_unit = unit_prefixes[i].serial;
                return 0;
        }
        return -EINVAL;
}

static int is_tty_word(const char *w, size_t len)
{
        if (len > 5 && strncmp(w, "/dev/", 5) == 0)
                w += 5, len -= 5;
        if (len == 7 && strncmp(w, "console", 7) == 0)
                return 1;
        if (len < 4 || strncmp(w, "tty", 3) != 0)
                return 0;
        size_t i = 3;
        if (w[i] == 'S')
                i++;
        if (i >= len)
                return 0;
        for (; i < len; i++)
                if (w[i] < '0' || w[i] > '9')
                        return 0;
        return 1;
}

static void set_tty(struct getty *g, const char *w, size_t len)
{
        if (len > 5 && strncmp(w, "/dev/", 5) == 0)
                w += 5, len -= 5;
        snprintf(g->tty, sizeof(g->tty), "%.*s", (int) len, w);
}

size_t gettys_from_inittab(const char *text, struct getty *out, size_t n, size_t max)
{
        unsigned line_no = 0;

        for (const char *line = text; *line;) {
                size_t len = strcspn(line, "\n");
                char buf[512];
                /* init skips leading blanks, also before a comment's '#'. */
                size_t blanks = strspn(line, " \t");
                blanks = blanks < len ? blanks : len;
                snprintf(buf, sizeof(buf), "%.*s", (int) (len - blanks), line + blanks);
                line += len + (line[len] == '\n');
                line_no++;

                /* id:runlevels:action:process (busybox: tty::action:process) */
                char *fields[4], *p = buf;
                size_t nf = 0;
                while (nf < 3 && (fields[nf] = p) && (p = strchr(p, ':')))
                        *p++ = '\0', nf++;
                if (nf < 3 || buf[0] == '#' || strcmp(fields[2], "respawn") != 0)
                        continue;
                fields[3] = p;
                if (!strstr(fields[3], "getty") && !strstr(fields[3], "login"))
                        continue;

                struct getty g = {};
                snprintf(g.source, sizeof(g.source), "/etc/inittab line %u", line_no);
                /* The last tty-like word of the command names the terminal ... */
                for (const char *w = fields[3]; *w;) {
                        w += strspn(w, " \t");
                        size_t wl = strcspn(w, " \t");
                        if (wl && is_tty_word(w, wl))
                                set_tty(&g, w, wl);
                        w += wl;
                }
                /* ... else busybox's first field does. */
                if (!g.tty[0] && is_tty_word(fields[0], strlen(fields[0])))
                        set_tty(&g, fields[0], strlen(fields[0]));
                if (g.tty[0])
                        n = add_getty(out, n, max, &g);
        }
        return n;
}

/* Read through rootfs_open: the image's absolute symlinks must resolve inside the image. */
static DIR *open_image_dir(int root_fd, const char *path)
{
        int fd = rootfs_open(root_fd, path, O_RDONLY | O_DIRECTORY);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;

        if (fd >= 0 && !dir)
                close(fd);
        return dir;
}

static size_t gettys_from_units(int root_fd, struct getty *out, size_t n, size_t max)
{
        for (size_t d = 0; d < ARRAY_SIZE(unit_dirs); d++) {
                DIR *dir = open_image_dir(root_fd, unit_dirs[d]);
                if (!dir)
                        continue;
                struct dirent *de;
                while ((de = readdir(dir))) {
                        size_t len = strlen(de->d_name);
                        char wants[PATH_MAX];
                        if (len < 6 || strcmp(de->d_name + len - 6, ".wants") != 0 ||
                            path_join(wants, sizeof(wants), unit_dirs[d], de->d_name) < 0)
                                continue;
                        DIR *w = open_image_dir(root_fd, wants);
                        if (!w)
                                continue;
                        struct dirent *we;
                        while ((we = readdir(w))) {
                                struct getty g;
                                if (getty_from_unit_name(we->d_name, &g) == 0)
                                        n = add_getty(out, n, max, &g);
                        }
                        closedir(w);
                }
                closedir(dir);
        }
        return n;
}

size_t image_gettys(const char *rootfs, enum init_kind kind, struct getty *out, size_t max)
{
        _cleanup_close_ int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return 0;
        if (kind == INIT_SYSTEMD)
                return gettys_from_units(root_fd, out, 0, max);

        _cleanup_close_ int fd = rootfs_open(root_fd, "/etc/inittab", O_RDONLY);
        char text[65536];
        ssize_t len = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
        if (len <= 0)
                return 0;
        text[len] = '\0';
        return gettys_from_inittab(text, out, 0, max);
}
