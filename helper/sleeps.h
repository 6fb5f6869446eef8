/* The image's sleeps. seccomp hands every nanosleep(2) and clock_nanosleep(2) of the
 * container to the helper, which ends each one at its deadline, or, while skipping is
 * on, as soon as nothing in the container has run for a moment (QUIET_MS): a boot
 * script's "sleep 2 so that the user can read this" then costs milliseconds, while a
 * sleep that waits for other processes (udevd to start, a daemon to fork) still
 * lasts until they are done. Idle means: the container's cgroup used (almost) no CPU
 * and none of its processes waited for a CPU or for I/O. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seccomp.h"

/* Longer sleeps are left to the kernel: "sleep infinity" keeps something alive on
 * purpose, and no boot script waits longer for a reader (ReaR: "sleep 10" after a
 * failed md5 check). */
#define SLEEPS_MAX_HELD_S 10
#define SLEEPS_MAX_HELD 64

struct held_sleep {
        uint64_t id;            /* the seccomp notification */
        long long start_us;
        long long deadline_us;
};

struct sleeps {
        bool skip;              /* end sleeps early while the container idles */
        int cpu_stat_fd;        /* the container cgroup's cpu.stat; -1: no skipping */
        int cpu_pressure_fd;    /* its cpu.pressure and io.pressure; -1 without */
        int io_pressure_fd;
        struct held_sleep held[SLEEPS_MAX_HELD];
        size_t count;

        /* idle detection */
        long long sample_us;
        unsigned long long cpu_usec, cpu_wait_usec, io_wait_usec;
        long long busy_us;      /* when the container was last seen doing something */

        /* what the image asked for and what it got */
        unsigned held_total;
        long long requested_us;
        long long taken_us;
};

/* cgroup_path: the container's cgroup (NULL: sleeps take their full time). */
void sleeps_init(struct sleeps *s, const char *cgroup_path, bool skip);
void sleeps_free(struct sleeps *s);
/* l->req is a SECCOMP_TRAP_SLEEP: hold it, or let the kernel run it. */
void sleeps_hold(struct sleeps *s, struct seccomp_listener *l, long long now_us);
/* Ends the sleeps that are due. Returns the milliseconds until it wants to be called
 * again, or -1 when no sleep is held. */
int sleeps_tick(struct sleeps *s, struct seccomp_listener *l, long long now_us);
/* From now on sleeps take their full time (a person has started to type). */
void sleeps_stop_skipping(struct sleeps *s);
