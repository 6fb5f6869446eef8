/* The container's own cgroup (cgroup v2, also on a v1+v2 hybrid host): systemd
 * inside needs a writable tree, and the helper needs one handle to kill every
 * process of the container at once. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Create "rescue-spawn-PID" below the helper's own cgroup2 group; path receives it. */
int cgroup_create(char *path, size_t size);
/* Kill every process in it, wait (bounded) until it is empty, remove it and its subgroups. */
int cgroup_destroy(const char *path);

/* A process that outlives the helper: when the helper ends, however it ends
 * (even SIGKILL), it destroys the cgroup and removes the runtime directory.
 * Returns the write end of its pipe; closing it (or dying) starts the cleanup. */
int guard_start(const char *cgroup_path, const char *runtime_dir, pid_t *pid);
