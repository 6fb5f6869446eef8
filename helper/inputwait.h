/* Is the boot waiting for someone to type? A process of the image blocked reading one
 * of its terminals (a setup script's `select` menu, `read`) while nothing in the
 * container has used the CPU for INPUT_IDLE_MS: a boot that is slow but busy never
 * matches (its CPU time grows), nor one waiting in a sleep (nobody reads a terminal). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "terminals.h"

/* How long the container must have been idle; documented in the README (at most 20 s). */
#define INPUT_IDLE_MS 8000
/* CPU time below which an interval counts as idle (the helper's own probes of /proc are not
 * the container's, but a getty's respawn or journald's flush may be). */
#define INPUT_IDLE_CPU_US 20000

struct input_wait {
        const char *cgroup;             /* the container's cgroup2 directory */
        long long idle_since_ms;        /* 0: not idle */
        unsigned long long cpu_us;      /* usage at the last look */
        long long last_look_ms;
};

struct input_waiter {
        pid_t pid;
        char comm[32];
        const struct terminal *terminal;
};

/* Call once a second or so; true (and who) when the container waits for input on a terminal. */
bool input_wait_poll(struct input_wait *w, const struct terminals *ts, long long now, struct input_waiter *who);
