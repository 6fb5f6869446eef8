/* The container's own cgroup (cgroup v2, also on a v1+v2 hybrid host): systemd
 * inside needs a writable tree, and the helper needs one handle to kill every
 * process of the container at once. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "clone.h"

struct ids;

/* Create "rescue-spawn-PID" below the helper's own cgroup2 group; path receives it (before
 * it exists: the guard may be watching path, see guard_start), "" on failure. It logs
 * nothing and may run in a thread of its own (main.c). */
int cgroup_create(char *path, size_t size);
/* mkdir of one of the helper's groups "rescue-spawn-PID" (v2 or v1). One that is there
 * already is a dead helper's of the same PID (stale.h): removed first when nothing runs
 * in it, else -EEXIST. */
int cgroup_make(const char *path);
/* Hand it to the container's root (ids.h), as systemd delegates a group: systemd inside
 * makes its own groups below it. -errno. */
int cgroup_delegate(const char *path, const struct ids *ids);
/* Kill every process in it, wait (bounded) until it is empty, remove it and its subgroups. */
int cgroup_destroy(const char *path);

/* Whether processes run in a v2 group or below it; false for a v1 group. */
bool cgroup_is_populated(const char *path);

/* Kill what is left in a cgroup v1 group and remove it (bounded wait). */
int cgroup_v1_destroy(const char *path);

/* A process that outlives the helper: when the helper ends, however it ends
 * (even SIGKILL), it destroys the cgroup (cgroup_path, if not empty when it runs), the
 * v1 groups of the limits (those of v1_paths that are not empty) and removes the runtime
 * directory, then what dead helpers left beside them (stale.h). The paths may be filled
 * in after it started (publish_path, util.h), even by a thread of the helper (the guard
 * starts its cleanup once every thread is gone).
 * It runs in the helper's memory (see clone.h): starting it costs no copy of
 * the helper. The helper is made non-dumpable so that a crash of the helper
 * does not take the guard with it on kernels before 5.16. (An out-of-memory
 * kill of the helper would: the kernel kills every process that shares the
 * memory. What that leaves, the next helper's guard removes: stale.h.) */
struct guard {
        pid_t pid;
        int fd;                         /* the helper's end of the pipe */
        int pipe_fd;                    /* the guard's end, for the guard only */
        const char *cgroup_path;        /* kept by the caller as long as the guard runs */
        const char (*v1_paths)[PATH_MAX];
        size_t n_v1;
        const char *runtime_dir;
        struct clone_stack stack;
};

/* Start it; closing g->fd (or the helper's end) starts the cleanup. -errno. */
int guard_start(struct guard *g, const char *cgroup_path, const char (*v1_paths)[PATH_MAX], size_t n_v1,
                const char *runtime_dir);
/* Start the cleanup and wait for it. */
void guard_stop(struct guard *g);
