#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "ids.h"
#include "mounts.h"
#include "terminals.h"
#include "util.h"

/* How long a hung-up terminal is left alone before it is polled again: a getty's
 * vhangup() makes the master report EIO/POLLHUP until the next open. */
#define HANGUP_RETRY_MS 50

/* The pty's slave on /dev/DEVICE, root's and the group tty's (5) in the container. */
static int bind_slave(const char *root_dir, unsigned pty_number, const char *device, const struct ids *ids)
{
        char slave[PATH_MAX], dev[PATH_MAX], target[PATH_MAX];
        char pts[32];
        int r;

        snprintf(pts, sizeof(pts), "pts/%u", pty_number);
        if ((r = path_join(dev, sizeof(dev), root_dir, "dev")) < 0 ||
            (r = path_join(target, sizeof(target), dev, device)) < 0 ||
            (r = path_join(slave, sizeof(slave), dev, pts)) < 0)
                return r;
        if ((r = make_mount_point_file(target)) < 0 || (r = mount_fs(slave, target, NULL, MS_BIND, NULL)) < 0)
                return r;
        return ids_own(ids, AT_FDCWD, target, 0, 5);
}

static int allocate_pty(const char *root_dir, struct terminal *t, const struct winsize *ws, unsigned *number)
{
        char ptmx[PATH_MAX];
        int unlock = 0, r;

        if ((r = path_join(ptmx, sizeof(ptmx), root_dir, "dev/pts/ptmx")) < 0)
                return r;
        _cleanup_close_ int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (master < 0)
                return negative_errno();
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, number) < 0)
                return negative_errno();
        int holder = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (holder < 0)
                return negative_errno();
        (void) ioctl(master, TIOCSWINSZ, ws);
        t->holder = holder;
        t->master = take_fd(&master);
        return 0;
}

int terminals_create(struct terminals *ts, const char *root_dir, unsigned vts, const struct winsize *ws,
                     const struct ids *ids)
{
        unsigned numbers[vts + 2];
        int r;

        *ts = (struct terminals) { .vts = vts, .count = vts + 2 };
        ts->items = calloc(ts->count, sizeof(*ts->items));
        if (!ts->items)
                return -ENOMEM;
        for (size_t i = 0; i < ts->count; i++) {
                struct terminal *t = &ts->items[i];
                t->master = t->holder = t->log_fd = -1;
                if (i == 0)
                        snprintf(t->name, sizeof(t->name), "console");
                else if (i <= vts)
                        snprintf(t->name, sizeof(t->name), "tty%zu", i);
                else
                        snprintf(t->name, sizeof(t->name), "ttyS0");
        }
        for (size_t i = 0; i < ts->count; i++) {
                if ((r = allocate_pty(root_dir, &ts->items[i], ws, &numbers[i])) < 0 ||
                    (r = bind_slave(root_dir, numbers[i], ts->items[i].name, ids)) < 0)
                        return r;
        }
        /* /dev/tty0 is the active virtual terminal; at boot that is tty1. */
        return bind_slave(root_dir, numbers[1], "tty0", ids);
}

void terminals_free(struct terminals *ts)
{
        for (size_t i = 0; i < ts->count; i++) {
                closep(&ts->items[i].master);
                closep(&ts->items[i].holder);
                closep(&ts->items[i].log_fd);
        }
        free(ts->items);
        *ts = (struct terminals) {};
}

int terminals_open_logs(struct terminals *ts, const char *dir)
{
        char name[32], path[PATH_MAX];
        int r;

        for (size_t i = 0; i < ts->count; i++) {
                snprintf(name, sizeof(name), "tty-%s.log", ts->items[i].name);
                if ((r = path_join(path, sizeof(path), dir, name)) < 0)
                        return r;
                ts->items[i].log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (ts->items[i].log_fd < 0)
                        return negative_errno();
        }
        return 0;
}

void terminals_set_winsize(struct terminals *ts, const struct winsize *ws)
{
        for (size_t i = 0; i < ts->count; i++)
                (void) ioctl(ts->items[i].master, TIOCSWINSZ, ws);
}

struct terminal *terminals_find(struct terminals *ts, const char *name)
{
        if (strcmp(name, "tty0") == 0)
                name = "tty1";
        for (size_t i = 0; i < ts->count; i++)
                if (strcmp(ts->items[i].name, name) == 0)
                        return &ts->items[i];
        return NULL;
}

/* The controlling terminal of pid (what its /dev/tty stands for), 0: none. */
static dev_t controlling_terminal(pid_t pid)
{
        char path[64], buf[1024];
        unsigned long tty_nr = 0;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* "pid (comm) state ppid pgrp session tty_nr ...": comm may hold anything but ')' last */
        const char *after_comm = strrchr(buf, ')');
        if (!after_comm || sscanf(after_comm + 1, " %*c %*d %*d %*d %lu", &tty_nr) != 1)
                return 0;
        /* the kernel's encoding of tty_nr */
        return makedev((tty_nr >> 8) & 0xfff, (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00));
}

bool terminals_is_virtual(const struct terminals *ts, pid_t pid, int fd)
{
        char path[64];
        struct stat opened, ours;

        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int) pid, fd);
        if (stat(path, &opened) < 0 || !S_ISCHR(opened.st_mode))
                return false;
        /* /dev/tty: the caller's controlling terminal, one of ours if any (inside the
         * container no other terminal can be one). */
        bool via_dev_tty = opened.st_rdev == makedev(5, 0);
        dev_t terminal = via_dev_tty ? controlling_terminal(pid) : opened.st_rdev;
        /* The console and tty1..N; not ttyS0, the last one. */
        for (size_t i = 0; terminal && i + 1 < ts->count; i++)
                if (fstat(ts->items[i].holder, &ours) == 0 && ours.st_rdev == terminal &&
                    (via_dev_tty || ours.st_dev == opened.st_dev))
                        return true;
        return false;
}

ssize_t terminal_read(struct terminal *t, char *buf, size_t size, long long now)
{
        ssize_t n = read(t->master, buf, size);

        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                if (errno == EIO) {
                        t->hung = true;
                        t->retry_ms = now + HANGUP_RETRY_MS;
                        return 0;
                }
                return negative_errno();
        }
        if (n == 0)
                return 0;
        if (!t->first_output_ms)
                t->first_output_ms = now;
        ring_append(&t->output, buf, (size_t) n);
        if (t->log_fd >= 0)
                (void) write_all(t->log_fd, buf, (size_t) n);
        return n;
}

void terminals_retry_hung(struct terminals *ts, long long now)
{
        for (size_t i = 0; i < ts->count; i++)
                if (ts->items[i].hung && now >= ts->items[i].retry_ms)
                        ts->items[i].hung = false;
}
