/* The sd_notify socket: systemd as the container's PID 1 says READY=1 when the
 * boot is done. An abstract socket in the container's network namespace, so that
 * no file of the image is covered to make room for it. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define NOTIFY_SOCKET_ADDRESS "@rescue-spawn/notify"

/* The socket, bound in the calling process's network namespace (the container's
 * first process opens it and hands it to the helper). -errno. */
int notify_open(void);

struct notify_message {
        bool ready;
        bool stopping;
        char status[256];
};

/* 1: a message from the container's PID 1 (host PID init_pid) was parsed;
 * 0: nothing (or from another process); <0 -errno. */
int notify_receive(int fd, pid_t init_pid, struct notify_message *m);

/* Parse a datagram of "KEY=VALUE" lines. Pure. */
void notify_parse(const char *text, size_t len, struct notify_message *m);
