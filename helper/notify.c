#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "notify.h"
#include "util.h"

int notify_open(void)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        const char *name = &NOTIFY_SOCKET_ADDRESS[1];     /* after the '@' */
        int one = 1;

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return negative_errno();
        memcpy(addr.sun_path + 1, name, strlen(name));
        if (bind(fd, (struct sockaddr *) &addr, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return negative_errno();
        return take_fd(&fd);
}

void notify_parse(const char *text, size_t len, struct notify_message *m)
{
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t line = nl ? (size_t) (nl - p) : (size_t) (end - p);

                if (line == 7 && memcmp(p, "READY=1", 7) == 0)
                        m->ready = true;
                else if (line == 10 && memcmp(p, "STOPPING=1", 10) == 0)
                        m->stopping = true;
                else if (line > 7 && memcmp(p, "STATUS=", 7) == 0)
                        snprintf(m->status, sizeof(m->status), "%.*s", (int) (line - 7), p + 7);
                p += line + 1;
        }
}

int notify_receive(int fd, pid_t init_pid, struct notify_message *m)
{
        char buf[4096];
        union {
                struct cmsghdr header;
                char space[CMSG_SPACE(sizeof(struct ucred))];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1,
                .msg_control = &control, .msg_controllen = sizeof(control),
        };
        ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
        *m = (struct notify_message) {};
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS)
                return 0;
        struct ucred cred;
        memcpy(&cred, CMSG_DATA(c), sizeof(cred));
        /* Only PID 1 speaks for the container; anything else inside could lie. */
        if (cred.pid != init_pid)
                return 0;
        notify_parse(buf, (size_t) n, m);
        return 1;
}
