/* Resource limits of the container: how many processes, how much memory, how big its
 * writable layer, and a low CPU weight, so that a runaway rescue image (a fork bomb,
 * a service that eats memory, a dd in a setup script) cannot take the host down.
 *
 * Processes, memory and CPU are cgroup controllers. Each goes through the cgroup v2
 * group of the container where the controller is delegated to it (enabled in the
 * helper's own group's cgroup.subtree_control: the helper never changes the host's
 * cgroup configuration), else through a "rescue-spawn-PID" group in the controller's
 * v1 hierarchy (hybrid hosts such as Debian 12 booted with systemd.unified_cgroup_hierarchy=0
 * or this project's machine), which PID 1 enters itself before anything else. The
 * writable layer is the size of the overlay's tmpfs upper layer (mounts.c); its pages
 * count as the container's memory as well.
 *
 * Making and writing the groups costs about 0.6 ms on a hybrid host (the mount table
 * read, three v1 groups made and written), a tenth of the helper's start: the helper
 * does it in a thread of its own while it mounts the tree (main.c).
 *
 * After the run, limits_judge tells whether the image ran into one: the kernel's own
 * counters (pids.events, memory.events or memory.oom_control) and the free space of
 * the writable layer. */
#pragma once

#include <limits.h>
#include <linux/limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIMIT_DEFAULT UINT64_MAX        /* in struct limits: the helper's default */
#define LIMIT_NONE 0                    /* in struct limits: no limit */

#define DEFAULT_PIDS_MAX 4096
#define DEFAULT_MEMORY_MAX (4ULL << 30)         /* or half of the host's memory if less */
#define DEFAULT_WRITABLE_MAX (2ULL << 30)
#define DEFAULT_CPU_WEIGHT 50                   /* cgroup v2 scale 1..10000, 100 is a normal process */
#define MAX_CPU_WEIGHT 10000

struct limits {
        uint64_t pids_max;              /* processes (and threads) */
        uint64_t memory_max;            /* bytes */
        uint64_t writable_max;          /* bytes of the overlay's upper layer */
        uint64_t cpu_weight;            /* 1..10000 */
};

/* Fill every LIMIT_DEFAULT with the default (the memory one reads /proc/meminfo). */
void limits_resolve(struct limits *l);

enum limit_kind { LIMIT_PIDS, LIMIT_MEMORY, LIMIT_CPU, N_CGROUP_LIMITS };

/* Where the cgroup limits of one run live. */
struct limits_cgroups {
        const char *v2_path;                    /* the container's cgroup2 group, NULL: none */
        bool in_v2[N_CGROUP_LIMITS];            /* set through v2_path */
        char v1_path[N_CGROUP_LIMITS][PATH_MAX]; /* a v1 group made for it, "" none (the guard's, cgroup.h) */
        int v1_procs_fd[N_CGROUP_LIMITS];       /* its tasks file, for PID 1 to enter (-1) */
        /* What the setup came to, logged once init runs (limits_cgroups_after_exec): */
        const struct limits *limits;
        char value[N_CGROUP_LIMITS][32];        /* as written */
        int v2_error[N_CGROUP_LIMITS];          /* why not through v2_path (then v1), 0 */
        int error[N_CGROUP_LIMITS];             /* why not at all (a warning then), 0 */
};

/* Set the cgroup limits of l for the container whose v2 group is v2_path (NULL: none).
 * It logs nothing (a limit that cannot be set is a warning later) and touches nothing
 * of the helper's but lc: it may run in a thread of its own while the helper mounts the
 * tree (main.c); l and v2_path must stay as they are until then. */
void limits_cgroups_setup(struct limits_cgroups *lc, const struct limits *l, const char *v2_path);
/* The container's first process, still single-threaded: enter the v1 groups (write "0"
 * to each tasks file).
 * Only system calls: it runs in the helper's memory. -errno. */
int limits_cgroups_enter(const struct limits_cgroups *lc);
/* Once init runs: say where each limit was set, one warning for each that could not be,
 * and set the limits that must not slow the helper's own start (the CPU weight; a normal
 * process's until then). Messages wait until then because writing them (with -v) would
 * cost the start as much as a limit. A failure is a warning. */
void limits_cgroups_after_exec(const struct limits_cgroups *lc, const struct limits *l);
/* Close the fds; the groups themselves are removed by the guard (cgroup.h). */
void limits_cgroups_close(struct limits_cgroups *lc);

/* What the run came to, read after the container ended. */
struct limits_usage {
        uint64_t pids_refused;          /* forks refused at pids.max */
        uint64_t pids_peak;             /* 0: unknown */
        uint64_t oom_kills;             /* processes the OOM killer ended in the container */
        uint64_t memory_peak;           /* bytes, 0: unknown */
        uint64_t writable_used;         /* bytes in the writable layer */
        bool writable_full;             /* the writable layer ran out of space */
        bool pids_known, memory_known, writable_known;
};

void limits_read_usage(const struct limits_cgroups *lc, const char *writable_dir, struct limits_usage *u);

/* One line: within the limits (true) or which were exceeded (false). */
bool limits_judge(const struct limits *l, const struct limits_usage *u, char *detail, size_t size);

/* "4.0 GiB" */
void format_bytes(uint64_t bytes, char *buf, size_t size);
