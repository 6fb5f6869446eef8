#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "caps.h"
#include "clone.h"
#include "container.h"
#include "limits.h"
#include "log.h"
#include "mounts.h"
#include "notify.h"
#include "seccomp.h"
#include "timeline.h"
#include "util.h"

/* libmount and libcap run on it: generous, and only touched pages cost. */
#define CHILD_STACK_SIZE (256 * 1024)

/* The first process's steps, reported to the helper when one fails. */
enum child_step {
        STEP_START,
        STEP_LIMITS,
        STEP_CGROUP_NS,
        STEP_API_MOUNTS,
        STEP_LOOPBACK,
        STEP_NOTIFY_SOCKET,     /* carries the sd_notify socket, or why there is none */
        STEP_PIVOT_ROOT,
        STEP_USER_NS,
        STEP_IDS,
        STEP_NAMESPACES,
        STEP_HOSTNAME,
        STEP_CONSOLE,
        STEP_CAPS,
        STEP_SECCOMP,
        STEP_TRAP_LISTENER,     /* not a failure: carries the seccomp listener */
        STEP_EXEC,
};

static const char *const step_names[] = {
        [STEP_START] = "start the container",
        [STEP_LIMITS] = "enter the cgroups of its limits",
        [STEP_CGROUP_NS] = "create a cgroup namespace",
        [STEP_API_MOUNTS] = "mount /proc and /sys",
        [STEP_LOOPBACK] = "bring up the loopback interface",
        [STEP_NOTIFY_SOCKET] = "open the notify socket",
        [STEP_PIVOT_ROOT] = "change into the image's root",
        [STEP_USER_NS] = "enter the user namespace",
        [STEP_IDS] = "become root of the user namespace",
        [STEP_NAMESPACES] = "create mount, UTS and IPC namespaces",
        [STEP_HOSTNAME] = "set the hostname",
        [STEP_CONSOLE] = "open /dev/console",
        [STEP_CAPS] = "drop capabilities",
        [STEP_SECCOMP] = "install the seccomp filter",
        [STEP_TRAP_LISTENER] = "pass on the seccomp listener",
        [STEP_EXEC] = "execute init",
};

struct child_report {
        int step;
        int error;              /* errno */
        char detail[160];
};

/* What the first process starts from; it lives in the helper's memory. */
struct child_context {
        const struct container_config *cfg;
        const struct sock_fprog *seccomp_program;
        int user_ns_fd;
        int helper_alive_fd;    /* a pipe's read end: hangs up when the helper is gone */
        int report_fd;
        int helper_ends[2];     /* the helper's ends of both: not this process's to hold */
};

static void report(int fd, enum child_step step, int error, const char *detail)
{
        struct child_report rep = { .step = step, .error = error };
        snprintf(rep.detail, sizeof(rep.detail), "%s", detail ?: "");
        (void) write_all(fd, &rep, sizeof(rep));
}

static void __attribute__((noreturn)) fail(int fd, enum child_step step, int error, const char *detail)
{
        report(fd, step, error < 0 ? -error : error, detail);
        _exit(127);
}

static int loopback_up(void)
{
        struct ifreq ifr = { .ifr_name = "lo" };
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return negative_errno();
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return negative_errno();
        return 0;
}

/* As the kernel starts init: /dev/console on stdin, stdout and stderr, and (as
 * systemd expects) as the controlling terminal of a session of its own, never the
 * user's terminal. */
static int console_as_stdio(void)
{
        if (setsid() < 0)
                return negative_errno();
        int fd = open("/dev/console", O_RDWR);
        if (fd < 0)
                return negative_errno();
        if (ioctl(fd, TIOCSCTTY, 0) < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
                return negative_errno();
        if (fd > 2)
                close(fd);
        return 0;
}

/* Restrictions every process of the container lives under; the last step before exec. */
static int restrict_self(enum child_step *step, const struct sock_fprog *seccomp_program, int *listener_fd)
{
        int r;

        *step = STEP_CAPS;
        if ((r = caps_restrict()) < 0)
                return r;
        *step = STEP_SECCOMP;
        return seccomp_load_program(seccomp_program, listener_fd);
}

/* A report that hands an fd (fd >= 0) to the helper: the seccomp listener, whose
 * trapped calls it answers, or the notify socket. */
static int send_fd(int sock, enum child_step step, int error, int fd)
{
        union {
                struct cmsghdr header;
                char space[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct child_report rep = { .step = step, .error = error };
        struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (fd >= 0) {
                msg.msg_control = &control;
                msg.msg_controllen = sizeof(control);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? negative_errno() : 0;
}

static void become_root(int report_fd)
{
        if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
                fail(report_fd, STEP_IDS, errno, NULL);
}

/* Signals blocked or ignored by the helper must not stay so in the container. */
static void reset_signals(void)
{
        sigset_t none;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
}

/* execvp() with the PATH of envp, leaving this process's environment alone: the
 * first process shares the helper's memory until its exec. */
static void exec_argv(char *const *argv, char *const *envp)
{
        const char *search = "/usr/sbin:/usr/bin:/sbin:/bin";
        char path[PATH_MAX];
        int error = ENOENT;

        if (strchr(argv[0], '/')) {
                execve(argv[0], argv, envp);
                return;
        }
        for (char *const *e = envp; *e; e++)
                if (strncmp(*e, "PATH=", 5) == 0)
                        search = *e + 5;
        for (const char *dir = search;; dir++) {
                size_t len = strcspn(dir, ":");
                if (len > 0 && (size_t) snprintf(path, sizeof(path), "%.*s/%s", (int) len, dir, argv[0]) < sizeof(path)) {
                        execve(path, argv, envp);
                        if (errno != ENOENT && errno != ENOTDIR)
                                error = errno;  /* found but not runnable: that is the news */
                }
                dir += len;
                if (!*dir)
                        break;
        }
        errno = error;
}

/* PID 1 until its exec, in the helper's memory (see clone.h): it only reads what
 * the helper prepared, and reports through its socket. */
static int child_main(void *data)
{
        const struct child_context *ctx = data;
        const struct container_config *cfg = ctx->cfg;
        int to_parent = ctx->report_fd;
        const char *failed_path = NULL;
        enum child_step step;
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(ctx->helper_ends); i++)
                close(ctx->helper_ends[i]);
        /* The container must not outlive the helper, even a SIGKILLed one. Should the
         * helper have died before this, its pipe tells before the exec. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        reset_signals();
        timeline_mark(step_names[STEP_START]);

        if (cfg->limits && (r = limits_cgroups_enter(cfg->limits)) < 0)
                fail(to_parent, STEP_LIMITS, r, NULL);
        timeline_mark(step_names[STEP_LIMITS]);
        if (cfg->cgroup_path && unshare(CLONE_NEWCGROUP) < 0)
                fail(to_parent, STEP_CGROUP_NS, errno, NULL);
        timeline_mark(step_names[STEP_CGROUP_NS]);
        r = mounts_setup_api(cfg->root_dir, cfg->cmdline_file, cfg->cgroup_path != NULL, cfg->view_dir, &failed_path);
        if (r < 0)
                fail(to_parent, STEP_API_MOUNTS, r, failed_path);
        timeline_mark(step_names[STEP_API_MOUNTS]);
        if ((r = loopback_up()) < 0)
                fail(to_parent, STEP_LOOPBACK, r, NULL);
        timeline_mark(step_names[STEP_LOOPBACK]);
        /* Bound before init starts, which may use it at once. */
        _cleanup_close_ int notify_fd = notify_open();
        if ((r = send_fd(to_parent, STEP_NOTIFY_SOCKET, notify_fd < 0 ? -notify_fd : 0, notify_fd)) < 0)
                fail(to_parent, STEP_NOTIFY_SOCKET, r, NULL);
        closep(&notify_fd);
        timeline_mark(step_names[STEP_NOTIFY_SOCKET]);

        /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves
         * nothing of the host's tree in this mount namespace. umount2 directly: libmount
         * would look the target up in a mount table that now holds two "/". */
        if (chdir(cfg->root_dir) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
            umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                fail(to_parent, STEP_PIVOT_ROOT, errno, NULL);
        timeline_mark(step_names[STEP_PIVOT_ROOT]);

        if (setns(ctx->user_ns_fd, CLONE_NEWUSER) < 0)
                fail(to_parent, STEP_USER_NS, errno, NULL);
        become_root(to_parent);
        /* New IDs (the private range's root is another host uid) clear the parent-death
         * signal (prctl(2)): set it again, or a helper killed with its guard would leave
         * the image running. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        timeline_mark(step_names[STEP_USER_NS]);

        /* Owned by the new user namespace: every mount inherited here is locked. */
        if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
                fail(to_parent, STEP_NAMESPACES, errno, NULL);
        timeline_mark(step_names[STEP_NAMESPACES]);
        if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
                fail(to_parent, STEP_HOSTNAME, errno, NULL);
        timeline_mark(step_names[STEP_HOSTNAME]);
        if ((r = console_as_stdio()) < 0)
                fail(to_parent, STEP_CONSOLE, r, NULL);
        timeline_mark(step_names[STEP_CONSOLE]);
        _cleanup_close_ int listener_fd = -1;
        if ((r = restrict_self(&step, ctx->seccomp_program, &listener_fd)) < 0)
                fail(to_parent, step, r, NULL);
        if ((r = send_fd(to_parent, STEP_TRAP_LISTENER, 0, listener_fd)) < 0)
                fail(to_parent, STEP_TRAP_LISTENER, r, NULL);
        closep(&listener_fd);
        timeline_mark(step_names[STEP_SECCOMP]);

        struct pollfd pfd = { .fd = ctx->helper_alive_fd, .events = POLLIN };
        if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
                _exit(127);

        exec_argv(cfg->argv, cfg->envp);
        fail(to_parent, STEP_EXEC, errno, cfg->argv[0]);
}

static ssize_t receive_report(int sock, struct child_report *rep, int *fd)
{
        union {
                struct cmsghdr header;
                char space[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = { .iov_base = rep, .iov_len = sizeof(*rep) };
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1,
                .msg_control = &control, .msg_controllen = sizeof(control),
        };
        ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;

        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(fd, CMSG_DATA(c), sizeof(int));
        return n;
}

static void format_failure(const struct child_report *rep, char *error, size_t size)
{
        const char *what = rep->step >= 0 && (size_t) rep->step < ARRAY_SIZE(step_names) ? step_names[rep->step] : "start";
        if (rep->detail[0])
                snprintf(error, size, "could not %s (%s): %s", what, rep->detail, strerror(rep->error));
        else
                snprintf(error, size, "could not %s: %s", what, strerror(rep->error));
}

/* Reads what PID 1 sends until its exec closes the socket: the notify socket, the seccomp
 * listener, or the step it failed at. 0 after the exec, 1 with the failure in rep, or
 * -errno with the reason in error. */
static int wait_for_exec(int from_child_r, struct container *c, struct child_report *rep, char *error, size_t error_size)
{
        for (;;) {
                int fd = -1, r;
                ssize_t n = receive_report(from_child_r, rep, &fd);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0) {   /* EOF: the socket was closed by a successful exec */
                        c->exec_us = now_us();
                        timeline_mark(step_names[STEP_EXEC]);
                        c->exec_ms = c->exec_us / 1000;
                        /* For the processes the helper runs inside: no traps, nobody
                         * would answer them. */
                        if ((r = seccomp_compile(false, &c->spawn_program)) < 0) {
                                snprintf(error, error_size, "could not compile the seccomp filter: %s", strerror(-r));
                                return r;
                        }
                        return 0;
                }
                if (n != sizeof(*rep)) {
                        snprintf(error, error_size, "the container's first process died while starting");
                        return -EPIPE;
                }
                if (rep->step == STEP_NOTIFY_SOCKET) {
                        c->notify_fd = fd;
                        if (fd < 0)
                                log_debug("no notify socket: %s", strerror(rep->error));
                        continue;
                }
                if (rep->step == STEP_TRAP_LISTENER) {
                        c->listener_fd = fd;
                        continue;
                }
                return 1;
        }
}

int container_start(const struct container_config *cfg, struct container *c,
                    enum container_failure *failure, char *error, size_t error_size)
{
        _cleanup_close_ int alive_r = -1, alive_w = -1, from_child_r = -1, from_child_w = -1;
        _cleanup_close_ int cgroup_fd = -1;
        _cleanup_(clone_stack_free) struct clone_stack stack = {};
        _cleanup_(seccomp_program_free) struct sock_fprog init_program = {};
        struct child_report rep;
        int fds[2], r;

        *c = (struct container) { .pid = -1, .notify_fd = -1, .listener_fd = -1 };
        *failure = CONTAINER_FAILED_HERE;
        if ((r = clone_stack_new(&stack, CHILD_STACK_SIZE)) < 0)
                return r;

        if ((r = seccomp_compile(true, &init_program)) < 0) {
                snprintf(error, error_size, "could not compile the seccomp filter: %s", strerror(-r));
                return r;
        }
        timeline_mark("compile the seccomp filter");
        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        alive_r = fds[0], alive_w = fds[1];
        /* A socket, not a pipe: it also carries the notify socket and the seccomp listener. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return negative_errno();
        from_child_r = fds[0], from_child_w = fds[1];

        /* The child is PID 1 of a new PID namespace, with its own mount and network
         * namespaces, and born in its cgroup: moving it there afterwards would make
         * the kernel wait for an RCU grace period. Where it can, it runs in the
         * helper's memory while the helper waits for its exec (see clone.h). */
        struct clone_args args = {
                .flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET,
                .exit_signal = SIGCHLD,
        };
        if (CLONE3_CAN_SHARE_MEMORY)
                args.flags |= CLONE_VM | CLONE_VFORK;
        if (cfg->cgroup_path) {
                cgroup_fd = open(cfg->cgroup_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (cgroup_fd < 0) {
                        r = negative_errno();
                        snprintf(error, error_size, "could not open the container's cgroup: %s", strerror(-r));
                        return r;
                }
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (unsigned) cgroup_fd;
        }
        struct child_context ctx = {
                .cfg = cfg,
                .seccomp_program = &init_program,
                .user_ns_fd = cfg->user_ns_fd,
                .helper_alive_fd = alive_r,
                .report_fd = from_child_w,
                .helper_ends = { alive_w, from_child_r },
        };
        pid_t pid = clone3_run(&args, &stack, child_main, &ctx);
        if (pid < 0) {
                r = pid;
                snprintf(error, error_size, "could not create PID, mount and network namespaces in the container's cgroup: %s%s",
                         strerror(-r), r == -ENOSYS ? " (needs Linux 5.7 or later)"
                         : r == -EPERM || r == -EINVAL ? " (namespaces are not available to this process)" : "");
                return r;
        }
        closep(&from_child_w);
        c->pid = pid;
        c->cgroup_path = cfg->cgroup_path;

        if ((r = wait_for_exec(from_child_r, c, &rep, error, error_size)) <= 0)
                return r;

        format_failure(&rep, error, error_size);
        if (rep.step == STEP_EXEC)
                *failure = CONTAINER_FAILED_IMAGE;
        return -rep.error;
}

void container_release(struct container *c)
{
        closep(&c->notify_fd);
        closep(&c->listener_fd);
        seccomp_program_free(&c->spawn_program);
}

pid_t container_spawn(const struct container *c, int out_fd)
{
        /* Namespaces owned by the host first, the user namespace last: once in it,
         * the host's namespaces are out of reach. */
        static const struct {
                const char *name;
                int type;
        } namespaces[] = {
                { "cgroup", CLONE_NEWCGROUP }, { "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID },
                { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "mnt", CLONE_NEWNS },
                { "user", CLONE_NEWUSER },
        };
        int ns_fds[ARRAY_SIZE(namespaces)];
        char path[64];

        for (size_t i = 0; i < ARRAY_SIZE(namespaces); i++) {
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) c->pid, namespaces[i].name);
                ns_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
                if (ns_fds[i] < 0) {
                        int r = negative_errno();
                        while (i-- > 0)
                                close(ns_fds[i]);
                        return r;
                }
        }

        pid_t pid = fork();
        if (pid != 0) {
                for (size_t i = 0; i < ARRAY_SIZE(namespaces); i++)
                        close(ns_fds[i]);
                return pid < 0 ? negative_errno() : pid;
        }

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        reset_signals();
        for (size_t i = 0; i < ARRAY_SIZE(namespaces); i++)
                if (setns(ns_fds[i], namespaces[i].type) < 0)
                        _exit(126);
        /* The PID namespace applies to children: fork once more to be inside it. */
        pid_t inner = fork();
        if (inner < 0)
                _exit(126);
        if (inner > 0) {
                int status;
                while (waitpid(inner, &status, 0) < 0 && errno == EINTR)
                        ;
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        enum child_step step;
        int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
                _exit(126);
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || restrict_self(&step, &c->spawn_program, NULL) < 0)
                _exit(126);
        return 0;
}

pid_t container_exec(const struct container *c, char *const *argv, int out_fd)
{
        static char *const probe_env[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME=/root", "LANG=C", "TERM=dumb", NULL,
        };
        pid_t pid = container_spawn(c, out_fd);

        if (pid != 0)
                return pid;
        exec_argv(argv, probe_env);
        _exit(127);
}
