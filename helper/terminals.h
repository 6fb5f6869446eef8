/* The container's terminals: /dev/console, /dev/tty1..N (/dev/tty0 is the active
 * virtual terminal, tty1), /dev/ttyS0. Each is a pseudo-terminal of the container's
 * own devpts instance whose slave is bind-mounted onto the device path; the
 * helper keeps the master. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "ring.h"

struct ids;

struct terminal {
        char name[16];          /* "console", "tty1", "ttyS0" */
        int master;
        int holder;             /* our own slave fd: the master does not see EOF between gettys */
        int log_fd;             /* -1: not logged */
        bool hung;              /* slave hung up (vhangup): poll again later */
        long long retry_ms;
        long long first_output_ms;  /* 0: nothing yet */
        struct ring output;
};

struct terminals {
        struct terminal *items; /* [0] console, [1..vts] ttyN, [vts+1] ttyS0 */
        size_t count;
        unsigned vts;
};

int terminals_create(struct terminals *ts, const char *root_dir, unsigned vts, const struct winsize *ws,
                     const struct ids *ids);
void terminals_free(struct terminals *ts);
int terminals_open_logs(struct terminals *ts, const char *dir);
void terminals_set_winsize(struct terminals *ts, const struct winsize *ws);
struct terminal *terminals_find(struct terminals *ts, const char *name);
/* Is fd of process pid one of the terminals that stand for the machine's screen (the
 * console, tty0..N), i.e. what the kernel would call a virtual terminal? */
bool terminals_is_virtual(const struct terminals *ts, pid_t pid, int fd);

/* Read what the terminal printed: >0 bytes, 0 nothing now (or hung up: retried
 * later), <0 -errno. Appends to the terminal's ring and log. */
ssize_t terminal_read(struct terminal *t, char *buf, size_t size, long long now);
/* Terminals whose retry time has come are polled again. */
void terminals_retry_hung(struct terminals *ts, long long now);
