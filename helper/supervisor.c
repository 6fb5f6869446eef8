#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/kd.h>
#include <linux/reboot.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "blockmounts.h"
#include "blocktraps.h"
#include "log.h"
#include "seccomp.h"
#include "supervisor.h"
#include "util.h"

/* Commands as PID 1 rarely handle SIGTERM (and a PID 1 ignores signals it has no
 * handler for): they get a short grace only. */
#define COMMAND_STOP_MS 2000
#define REPLAY_BYTES 4096

static const char help_text[] =
        "\r\n[rescue-spawn] escape key: Ctrl-] followed by\r\n"
        "  0 or c   the screen: console and tty1 (tty0)\r\n"
        "  1 .. 9   tty1 .. tty9\r\n"
        "  s        ttyS0 (serial)\r\n"
        "  p        power off (asks the image's init)\r\n"
        "  q        quit now (kills the container)\r\n"
        "  Ctrl-]   send Ctrl-] itself\r\n";

static void signals_block(sigset_t *set)
{
        sigemptyset(set);
        sigaddset(set, SIGCHLD);
        sigaddset(set, SIGINT);
        sigaddset(set, SIGTERM);
        sigaddset(set, SIGHUP);
        sigaddset(set, SIGWINCH);
        sigaddset(set, SIGQUIT);
}

static int signal_fd = -1;

int supervisor_init(struct supervisor *s)
{
        sigset_t set;

        signals_block(&set);
        signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (signal_fd < 0)
                return negative_errno();
        int r = seccomp_listener_init(&s->traps, take_fd(&s->container->listener_fd));
        if (r < 0)
                return r;
        sleeps_init(&s->sleeps, s->container->cgroup_path, s->skip_sleeps);
        s->start_ms = s->container->exec_ms;
        s->screen_input = 0;
        if (s->console == CONSOLE_INTERACTIVE) {
                struct termios raw;
                if (tcgetattr(STDIN_FILENO, &s->saved_termios) < 0)
                        return negative_errno();
                raw = s->saved_termios;
                cfmakeraw(&raw);
                if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
                        return negative_errno();
                s->raw = true;
                log_set_raw_terminal(true);
                log_info("booting; press Ctrl-] ? for the escape keys");
        }
        return 0;
}

void supervisor_free(struct supervisor *s)
{
        sleeps_free(&s->sleeps);
        seccomp_listener_free(&s->traps);
        closep(&signal_fd);
}

void supervisor_restore_terminal(struct supervisor *s)
{
        if (!s->raw)
                return;
        /* Programs inside may have left the alternate screen, a hidden cursor, application
         * cursor keys or colours on: switch them off, the user's shell is next. */
        static const char modes_off[] = "\033[?1049l\033[?25h\033[?1l\033[0m\n";
        (void) write_all(STDOUT_FILENO, modes_off, sizeof(modes_off) - 1);
        (void) tcsetattr(STDIN_FILENO, TCSADRAIN, &s->saved_termios);
        s->raw = false;
        log_set_raw_terminal(false);
}

static void kill_container(struct supervisor *s)
{
        /* SIGKILL to a PID namespace's init takes every process of the namespace with it. */
        if (!s->init_gone)
                kill(s->container->pid, SIGKILL);
        s->kill_at_ms = 0;
        s->force_at_ms = 0;
}

void supervisor_request_stop(struct supervisor *s, enum stop_cause cause)
{
        long long now = now_ms();

        if (cause == STOP_QUIT || s->stop_cause != STOP_NONE) {
                if (s->stop_cause == STOP_NONE)
                        s->stop_cause = cause;
                kill_container(s);
                return;
        }
        s->stop_cause = cause;
        s->stop_requested_ms = now;
        s->kill_at_ms = now + (long long) s->stop_timeout_s * 1000;

        switch (s->init_kind) {
        case INIT_SYSTEMD:
                kill(s->container->pid, SIGRTMIN + 4);  /* systemd: poweroff.target */
                /* An image whose poweroff.target cannot finish (ReaR's poweroff.service
                 * needs systemctl, which an image built on a host without systemd lacks)
                 * gets systemd's immediate power off half way to the kill. */
                s->force_at_ms = now + (long long) s->stop_timeout_s * 500;
                break;
        case INIT_BUSYBOX:
                kill(s->container->pid, SIGUSR2);       /* busybox init: power off */
                break;
        case INIT_SYSVINIT: {
                static char *const poweroff_argv[] = { "poweroff", NULL };
                int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                s->poweroff_helper = container_exec(s->container, poweroff_argv, null_fd);
                closep(&null_fd);
                if (s->poweroff_helper < 0)
                        kill(s->container->pid, SIGTERM);
                break;
        }
        case INIT_COMMAND:
                kill(s->container->pid, SIGTERM);
                if (s->kill_at_ms > now + COMMAND_STOP_MS)
                        s->kill_at_ms = now + COMMAND_STOP_MS;
                break;
        }
}

/* systemd's power off cannot finish (or did not in time): its immediate power off. */
static void force_poweroff(struct supervisor *s, const char *why)
{
        if (!s->force_at_ms || s->init_gone)
                return;
        log_info("%s: asking systemd to power off at once", why);
        kill(s->container->pid, SIGRTMIN + 14);
        s->force_at_ms = 0;
        s->forced = true;
}

const char *end_reason_describe(enum end_reason end, int status, char *buf, size_t size)
{
        switch (end) {
        case END_POWEROFF:
                return "powered off";
        case END_HALT:
                return "halted";
        case END_REBOOT:
                return "rebooted";
        case END_EXITED:
                snprintf(buf, size, "init exited with status %d", WEXITSTATUS(status));
                return buf;
        case END_DIED:
                snprintf(buf, size, "init was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
                return buf;
        case END_KILLED:
                return "killed (it did not power off in time)";
        case END_NONE:
                break;
        }
        return "still running";
}

static void record_init_end(struct supervisor *s, int status, long long now)
{
        log_debug("init ended: wait status 0x%x", (unsigned) status);
        s->init_gone = true;
        s->init_status = status;
        s->end_ms = now;
        if (s->reboot_request != END_NONE)
                s->end = s->reboot_request;
        else if (WIFEXITED(status))
                s->end = END_EXITED;
        else if (WTERMSIG(status) == SIGINT)
                s->end = END_POWEROFF;          /* reboot(2) in a PID namespace: halt/power off */
        else if (WTERMSIG(status) == SIGHUP)
                s->end = END_REBOOT;
        else if (WTERMSIG(status) == SIGKILL && s->stop_cause != STOP_NONE)
                s->end = END_KILLED;
        else
                s->end = END_DIED;
}

static void reap_children(struct supervisor *s, long long now)
{
        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);
                if (pid <= 0)
                        return;
                if (pid == s->container->pid)
                        record_init_end(s, status, now);
                else if (pid == s->poweroff_helper)
                        s->poweroff_helper = 0;
                else if (s->hooks.on_child_exit)
                        s->hooks.on_child_exit(s->hooks.userdata, pid, status, now);
        }
}

static bool on_screen(size_t index)
{
        return index == 0 || index == 1;        /* the console and tty1 share the screen */
}

/* What the user's screen shows: the active terminal, plus the console on every virtual
 * terminal (the kernel's console is tty0, the foreground one), as a real screen does. */
static bool shown_in_view(const struct supervisor *s, size_t index)
{
        bool serial_view = s->active == s->terminals->count - 1;

        if (index == s->active)
                return true;
        if (s->active == 0)
                return on_screen(index);
        return index == 0 && !serial_view;
}

static void show_view(struct supervisor *s)
{
        const struct ring *ring = s->active == 0 ? &s->screen : &s->terminals->items[s->active].output;
        char banner[128];
        size_t len;
        const char *tail = ring_tail(ring, REPLAY_BYTES, &len);

        snprintf(banner, sizeof(banner), "\033[H\033[2J[rescue-spawn] %s (Ctrl-] ? for help)\r\n",
                 s->active == 0 ? "screen: console + tty1" : s->terminals->items[s->active].name);
        (void) write_all(STDOUT_FILENO, banner, strlen(banner));
        (void) write_all(STDOUT_FILENO, tail, len);
}

static void switch_view(struct supervisor *s, int target)
{
        size_t index;

        if (target == ESCAPE_TARGET_SERIAL)
                index = s->terminals->count - 1;
        else if (target >= 0 && (unsigned) target <= s->terminals->vts)
                index = (size_t) target;
        else
                return;
        s->active = index;
        show_view(s);
}

static size_t input_target(const struct supervisor *s)
{
        if (s->keys_to_console)
                return 0;
        if (s->active != 0)
                return s->active;
        /* On the screen, keys go to tty1 once a getty has shown itself there; before
         * that the boot scripts own the console (and may ask questions on it). */
        return s->terminals->items[1].first_output_ms ? 1 : 0;
}

static void send_input(struct supervisor *s, const char *buf, size_t len)
{
        if (len == 0)
                return;
        /* Someone works in the rescue system now: a "sleep 5" typed at its shell
         * must last five seconds. Not so for the answers a program types on the
         * console in passive mode (--keys-to-console: 'rear testrecover' answering
         * ReaR's questions with their defaults): nobody works there, the sleeps of
         * the recovery that follows are skipped as before it. */
        if (s->console == CONSOLE_INTERACTIVE)
                sleeps_stop_skipping(&s->sleeps);
        (void) write_all(s->terminals->items[input_target(s)].master, buf, len);
}

static void handle_stdin(struct supervisor *s, bool *stdin_open)
{
        char in[512], out[512];
        size_t out_len = 0;
        int target = 0;
        ssize_t n = read(STDIN_FILENO, in, sizeof(in));

        if (n <= 0) {
                if (n == 0 || (errno != EINTR && errno != EAGAIN))
                        *stdin_open = false;
                return;
        }
        for (ssize_t i = 0; i < n; i++) {
                enum escape_action action = escape_feed(&s->escape, (unsigned char) in[i], &target);
                if (action == ESCAPE_PASS) {
                        out[out_len++] = in[i];
                        continue;
                }
                send_input(s, out, out_len);
                out_len = 0;
                switch (action) {
                case ESCAPE_SWITCH:
                        switch_view(s, target);
                        break;
                case ESCAPE_POWEROFF:
                        log_info("asking the image to power off");
                        supervisor_request_stop(s, STOP_USER);
                        break;
                case ESCAPE_QUIT:
                        log_info("quitting: killing the container");
                        supervisor_request_stop(s, STOP_QUIT);
                        break;
                case ESCAPE_HELP:
                        (void) write_all(STDOUT_FILENO, help_text, sizeof(help_text) - 1);
                        break;
                default:
                        break;
                }
        }
        send_input(s, out, out_len);
}

/* systemd's targets of a shutdown, the signal of its immediate variant, and what they are. */
static const struct shutdown_target {
        const char *failed_line;        /* "[DEPEND] Dependency failed for poweroff.target - Power-Off." */
        int immediate_signal;           /* SIGRTMIN + N */
        const char *what;
} shutdown_targets[] = {
        { "Dependency failed for poweroff.target", 14, "power off" },
        { "Dependency failed for reboot.target",   15, "reboot" },
        { "Dependency failed for halt.target",     13, "halt" },
        /* systemd 247 (Debian 11) names the target by its description alone. */
        { "Dependency failed for Power-Off.",      14, "power off" },
        { "Dependency failed for Reboot.",         15, "reboot" },
        { "Dependency failed for Halt.",           13, "halt" },
};

/* How long the immediate variant may take before the container is killed. */
#define FAILED_SHUTDOWN_KILL_MS 1000

/* A shutdown target that cannot be reached: systemd gets no further by itself (ReaR's
 * poweroff.service needs systemctl, which an image built on a host without systemd lacks),
 * whoever asked for it, the user inside or the helper. One line says why; the immediate
 * variant ends the container, else the kill a second later. The exit is that of a power off. */
static void on_console_line(void *userdata, const char *line)
{
        struct supervisor *s = userdata;

        if (s->init_kind != INIT_SYSTEMD || s->init_gone || s->poweroff_failure[0] || !strstr(line, "Dependency failed for "))
                return;
        for (size_t i = 0; i < ARRAY_SIZE(shutdown_targets); i++) {
                const struct shutdown_target *t = &shutdown_targets[i];
                if (!strstr(line, t->failed_line))
                        continue;
                long long now = now_ms();
                snprintf(s->poweroff_failure, sizeof(s->poweroff_failure), "%s", line);
                log_info("the image's %s failed (systemd: \"%s\"): ending the container", t->what,
                         strstr(line, t->failed_line));
                kill(s->container->pid, SIGRTMIN + t->immediate_signal);
                s->force_at_ms = 0;
                if (!s->kill_at_ms || s->kill_at_ms > now + FAILED_SHUTDOWN_KILL_MS)
                        s->kill_at_ms = now + FAILED_SHUTDOWN_KILL_MS;
                return;
        }
}

static void handle_output(struct supervisor *s, size_t index, long long now)
{
        struct terminal *t = &s->terminals->items[index];
        char buf[8192];

        for (;;) {
                ssize_t n = terminal_read(t, buf, sizeof(buf), now);
                if (n <= 0)
                        break;
                if (on_screen(index))
                        ring_append(&s->screen, buf, (size_t) n);
                if (index == 0)
                        line_reader_feed(&s->console_lines, buf, (size_t) n, on_console_line, s);
                if ((s->console == CONSOLE_INTERACTIVE && shown_in_view(s, index)) ||
                    (s->console == CONSOLE_PASSIVE && on_screen(index)))
                        (void) write_all(STDOUT_FILENO, buf, (size_t) n);
                if (s->hooks.on_output)
                        s->hooks.on_output(s->hooks.userdata, t, buf, (size_t) n, now);
        }
}

static void handle_signals(struct supervisor *s, long long now)
{
        struct signalfd_siginfo si;

        while (read(signal_fd, &si, sizeof(si)) == sizeof(si)) {
                switch (si.ssi_signo) {
                case SIGCHLD:
                        reap_children(s, now);
                        break;
                case SIGWINCH: {
                        struct winsize ws;
                        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                                terminals_set_winsize(s->terminals, &ws);
                        break;
                }
                default:
                        if (s->stop_cause == STOP_NONE)
                                log_info("got %s: asking the image to power off (again to kill it)", strsignal((int) si.ssi_signo));
                        supervisor_request_stop(s, STOP_USER);
                        break;
                }
        }
}

static void handle_notify(struct supervisor *s, long long now)
{
        struct notify_message m;

        while (notify_receive(s->container->notify_fd, s->container->pid, &m) > 0) {
                if (m.ready && !s->ready_ms) {
                        s->ready_ms = now;
                        log_debug("init reports READY=1 after %.2f s", (double) (now - s->start_ms) / 1000);
                }
                if (m.stopping)
                        log_debug("init reports STOPPING=1: it is shutting down");
                if (m.status[0])
                        log_debug("init's status: %s", m.status);
                if (s->hooks.on_notify)
                        s->hooks.on_notify(s->hooks.userdata, &m, now);
        }
}

/* The image called reboot(2): the machine would now be off (or restarting). The
 * call is held; ending the container is the power going off. */
static void handle_reboot(struct supervisor *s)
{
        unsigned cmd = (unsigned) s->traps.req->data.args[2];

        s->reboot_request = cmd == LINUX_REBOOT_CMD_POWER_OFF ? END_POWEROFF
                : cmd == LINUX_REBOOT_CMD_HALT ? END_HALT : END_REBOOT;
        log_debug("the image called reboot(2) (0x%x)", cmd);
        kill_container(s);
}

/* ioctl(KDGKBMODE) is how a getty (agetty) tells a virtual terminal from a serial
 * line. Answered for the console and tty0..N as a Debian machine's screen would
 * (Unicode keyboard mode), so that gettys behave there as on the screen: a serial
 * line would cost agetty a second of sleep before each prompt. */
static void handle_vt_mode(struct supervisor *s)
{
        const struct seccomp_notif *req = s->traps.req;
        static const int keyboard_mode = K_UNICODE;

        if (terminals_is_virtual(s->terminals, (pid_t) req->pid, (int) req->data.args[0]) &&
            seccomp_listener_write(&s->traps, req->data.args[2], &keyboard_mode, sizeof(keyboard_mode)) == 0)
                (void) seccomp_listener_reply(&s->traps, req->id, 0, 0);
        else
                (void) seccomp_listener_continue(&s->traps, req->id);
}

static void handle_trap(struct supervisor *s)
{
        enum seccomp_trap trap;

        if (seccomp_listener_receive(&s->traps, &trap) < 0)
                return;         /* the caller was interrupted meanwhile */
        switch (trap) {
        case SECCOMP_TRAP_REBOOT:
                handle_reboot(s);
                break;
        case SECCOMP_TRAP_SLEEP:
                sleeps_hold(&s->sleeps, &s->traps, now_us());
                break;
        case SECCOMP_TRAP_VT_MODE:
                handle_vt_mode(s);
                break;
        case SECCOMP_TRAP_BLOCK_IOCTL:
                blocktraps_ioctl(&s->traps, s->scratch);
                break;
        case SECCOMP_TRAP_MOUNT:
                blockmounts_mount(&s->traps, s->scratch);
                break;
        case SECCOMP_TRAP_SWAP:
                blocktraps_swap(&s->traps, s->scratch);
                break;
        case SECCOMP_TRAP_OTHER:
                (void) seccomp_listener_continue(&s->traps, s->traps.req->id);
                break;
        }
}

/* What is still buffered in the masters after PID 1 is gone. */
static void drain_terminals(struct supervisor *s, long long now)
{
        for (size_t i = 0; i < s->terminals->count; i++)
                handle_output(s, i, now);
}

int supervisor_run(struct supervisor *s)
{
        size_t n_terms = s->terminals->count;
        /* the last: the watch of the scratch disks' nodes (scratch.h) */
        struct pollfd pfds[4 + n_terms + 1];
        /* Passive: stdin is read only to be typed on the console (--keys-to-console). */
        bool stdin_open = s->console == CONSOLE_INTERACTIVE || (s->keys_to_console && s->console == CONSOLE_PASSIVE);

        while (!s->init_gone) {
                long long now = now_ms();

                terminals_retry_hung(s->terminals, now);
                if (s->timeout_s && s->stop_cause == STOP_NONE && now >= s->start_ms + (long long) s->timeout_s * 1000) {
                        log_info("timeout: no end after %u s, asking the image to power off", s->timeout_s);
                        supervisor_request_stop(s, STOP_TIMEOUT);
                }
                if (s->force_at_ms && now >= s->force_at_ms)
                        force_poweroff(s, "the image's power off does not finish");
                if (s->kill_at_ms && now >= s->kill_at_ms) {
                        if (!s->poweroff_failure[0])
                                log_info("the image did not power off within %u s: killing it", s->stop_timeout_s);
                        kill_container(s);
                }
                if (s->hooks.on_tick)
                        s->hooks.on_tick(s->hooks.userdata, s, now);
                int wait_ms = sleeps_tick(&s->sleeps, &s->traps, now_us());
                if (wait_ms < 0 || wait_ms > SUPERVISOR_TICK_MS)
                        wait_ms = SUPERVISOR_TICK_MS;

                pfds[0] = (struct pollfd) { .fd = signal_fd, .events = POLLIN };
                pfds[1] = (struct pollfd) { .fd = s->container->notify_fd, .events = POLLIN };
                pfds[2] = (struct pollfd) { .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN };
                pfds[3] = (struct pollfd) { .fd = s->traps.fd, .events = POLLIN };
                for (size_t i = 0; i < n_terms; i++) {
                        struct terminal *t = &s->terminals->items[i];
                        pfds[4 + i] = (struct pollfd) { .fd = t->hung ? -1 : t->master, .events = POLLIN };
                }
                pfds[4 + n_terms] = (struct pollfd) { .fd = s->scratch ? s->scratch->watch_fd : -1, .events = POLLIN };
                if (poll(pfds, 4 + n_terms + 1, wait_ms) < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                now = now_ms();
                if (pfds[1].revents & POLLIN)
                        handle_notify(s, now);
                if (pfds[2].revents & (POLLIN | POLLHUP | POLLERR))
                        handle_stdin(s, &stdin_open);
                if (pfds[3].revents & POLLIN)
                        handle_trap(s);
                else if (pfds[3].revents & (POLLHUP | POLLERR))
                        closep(&s->traps.fd);   /* no process of the container is left */
                for (size_t i = 0; i < n_terms; i++) {
                        short revents = pfds[4 + i].revents;
                        if (revents & POLLIN)
                                handle_output(s, i, now);
                        else if (revents & (POLLHUP | POLLERR)) {
                                /* No slave open (a getty's vhangup, or between two gettys). */
                                s->terminals->items[i].hung = true;
                                s->terminals->items[i].retry_ms = now + 50;
                        }
                }
                if (pfds[4 + n_terms].revents & POLLIN)
                        scratch_restore_nodes(s->scratch);
                if (pfds[0].revents & POLLIN)
                        handle_signals(s, now);
        }
        drain_terminals(s, now_ms());
        return 0;
}
