/* The helper's main loop while the container runs: relays the terminals, handles
 * signals, sd_notify, the timeout and the power-off sequence. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "container.h"
#include "escape.h"
#include "limits.h"
#include "lines.h"
#include "notify.h"
#include "ring.h"
#include "rootfs.h"
#include "scratch.h"
#include "seccomp.h"
#include "sleeps.h"
#include "terminals.h"

enum console_mode {
        CONSOLE_INTERACTIVE,    /* the user's terminal shows one tty at a time and types into it */
        CONSOLE_PASSIVE,        /* the screen (console + tty1) is copied to stdout, no input */
        CONSOLE_NONE,           /* nothing on stdout (--check) */
};

enum end_reason {
        END_NONE,
        END_POWEROFF,           /* reboot(2) from inside: power off */
        END_HALT,
        END_REBOOT,             /* restart or kexec */
        END_EXITED,             /* PID 1 exited */
        END_DIED,               /* PID 1 was killed by a signal we did not send */
        END_KILLED,             /* we killed it: no clean power off within the stop timeout */
};

enum stop_cause {
        STOP_NONE,
        STOP_USER,              /* escape key, SIGINT/SIGTERM/SIGHUP */
        STOP_TIMEOUT,
        STOP_CHECK_DONE,        /* --check finished its work */
        STOP_QUIT,              /* kill at once */
};

struct supervisor;

struct supervisor_hooks {
        void *userdata;
        void (*on_output)(void *userdata, struct terminal *t, const char *bytes, size_t n, long long now);
        void (*on_notify)(void *userdata, const struct notify_message *m, long long now);
        /* A process other than PID 1 ended (probes). */
        void (*on_child_exit)(void *userdata, pid_t pid, int status, long long now);
        /* Called at least every TICK_MS while the container runs. */
        void (*on_tick)(void *userdata, struct supervisor *s, long long now);
};

#define SUPERVISOR_TICK_MS 100

struct supervisor {
        struct terminals *terminals;
        struct container *container;
        enum init_kind init_kind;
        enum console_mode console;
        unsigned timeout_s;
        unsigned stop_timeout_s;
        bool skip_sleeps;       /* end the image's sleeps early while it idles and nobody types */
        bool keys_to_console;   /* typed keys always go to the console (--keys-to-console) */
        /* The container's limits and where to read what it used (limits.h). */
        const struct limits *limits;
        const struct limits_cgroups *limit_groups;
        const char *writable_dir;       /* NULL: none */
        struct supervisor_hooks hooks;
        struct scratch_set *scratch;    /* the scratch disks (possibly none) */

        struct seccomp_listener traps;  /* reboot(2), sleeps, the keyboard-mode ioctl, block devices */
        struct sleeps sleeps;

        /* interactive view */
        size_t active;          /* index into terminals; 0 = the screen (console + tty1) */
        size_t screen_input;    /* console or tty1: who printed last on the screen */
        struct ring screen;
        struct line_reader console_lines;
        char poweroff_failure[200];     /* systemd's line saying its power off failed, "" */
        struct escape_state escape;
        struct termios saved_termios;
        bool raw;

        /* life cycle */
        long long start_ms;
        long long ready_ms;     /* READY=1 from systemd, 0: not yet */
        enum stop_cause stop_cause;
        long long stop_requested_ms;
        long long kill_at_ms;
        long long force_at_ms;  /* systemd: ask for the immediate power off (0: not pending) */
        bool forced;            /* the helper asked for it: the power off did not finish in time */
        bool init_gone;
        int init_status;        /* wait status */
        enum end_reason end;
        long long end_ms;
        pid_t poweroff_helper;  /* a "poweroff" run inside, for inits without a signal for it */
        enum end_reason reboot_request; /* what the image asked reboot(2) for; END_NONE: nothing */
};

/* Takes the container's seccomp listener. */
int supervisor_init(struct supervisor *s);
void supervisor_free(struct supervisor *s);
int supervisor_run(struct supervisor *s);
void supervisor_request_stop(struct supervisor *s, enum stop_cause cause);
void supervisor_restore_terminal(struct supervisor *s);
const char *end_reason_describe(enum end_reason end, int status, char *buf, size_t size);
