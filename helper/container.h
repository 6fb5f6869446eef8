/* Starting the container's PID 1, and running a process inside the running container.
 *
 * Namespaces owned by the host (created while still privileged): PID, mount (for
 * /proc and /sys), network, cgroup. Then the user namespace of ids.h and, owned
 * by it, a new mount namespace (which locks every mount prepared before), UTS and IPC.
 * So the image's root can set its hostname but cannot mount proc, sysfs or devtmpfs,
 * remount /sys or /proc/sys, change the network, or unmount a mask. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <sys/types.h>

struct limits_cgroups;

struct container_config {
        const char *root_dir;           /* prepared tree (in the helper's mount namespace) */
        const char *cmdline_file;       /* becomes /proc/cmdline */
        const char *cgroup_path;        /* NULL: none */
        const struct limits_cgroups *limits;    /* v1 groups PID 1 enters first (NULL: none) */
        const char *view_dir;           /* the block device view (blockview.h) */
        const char *hostname;
        int user_ns_fd;                 /* the user namespace PID 1 enters (ids.h) */
        char *const *argv;              /* argv[0]: path inside, or a name looked up in PATH */
        char *const *envp;
};

enum container_failure {
        CONTAINER_FAILED_HERE,          /* this machine cannot run it: exit 3 */
        CONTAINER_FAILED_IMAGE,         /* the image's init could not be executed: exit 1 */
};

struct container {
        pid_t pid;                      /* host PID of the container's PID 1 */
        int notify_fd;                  /* sd_notify socket, -1 without */
        int listener_fd;                /* seccomp listener of the trapped calls (see seccomp.h) */
        struct sock_fprog spawn_program;        /* the seccomp filter of container_spawn's processes */
        long long exec_ms;              /* when PID 1 was exec'd */
        long long exec_us;
        const char *cgroup_path;        /* NULL: none */
};

/* Start PID 1; returns once it has exec'd. On failure: -errno, a reason and its kind. */
int container_start(const struct container_config *cfg, struct container *c,
                    enum container_failure *failure, char *error, size_t error_size);

/* Closes the container's fds (PID 1 lives on until killed). */
void container_release(struct container *c);

/* Fork a process that joins every namespace of the container, restricted like its
 * PID 1, with stdin from /dev/null and stdout/stderr to out_fd. Returns 0 in that
 * process, its PID (in the host's PID namespace) in the caller, or -errno. */
pid_t container_spawn(const struct container *c, int out_fd);

/* Fork a process that joins every namespace of the container, restricted like its
 * PID 1, and execs argv there with stdin from /dev/null and stdout/stderr to out_fd.
 * Returns its PID (in the host's PID namespace). */
pid_t container_exec(const struct container *c, char *const *argv, int out_fd);
