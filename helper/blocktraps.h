/* The container's calls on its scratch disks that need privileges of the host's
 * user namespace, made for it by the helper (seccomp user notification, as LXD and
 * Incus do): re-reading a partition table (BLKRRPART), BLKPG, BLKFLSBUF, BLKBSZSET,
 * swapon; and the geometry (HDIO_GETGEO) that a disk has and a loop device lacks.
 * Mounts are blockmounts.c's; what both need of the trapped call's caller (its memory,
 * its root, the answer) is here.
 *
 * What is checked is never a path or fd the container could change afterwards:
 * an ioctl's fd is fetched from the caller (pidfd_getfd) and its device number
 * compared with the scratch set; a path is read once and resolved in the caller's
 * root (openat2 RESOLVE_IN_ROOT). A call that names no scratch device is left to the
 * kernel, which refuses it as before (the container lacks those privileges), or
 * refused here. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "scratch.h"
#include "seccomp.h"

void blocktraps_ioctl(struct seccomp_listener *l, struct scratch_set *set);
void blocktraps_swap(struct seccomp_listener *l, struct scratch_set *set);

/* The trapped call's caller, for blockmounts.c (an int result: -errno on failure).
 * Answer the call: r < 0 as its error, else 0. */
void blocktraps_reply(struct seccomp_listener *l, int r);
/* A NUL-terminated string of the caller's at addr. */
int blocktraps_read_string(struct seccomp_listener *l, uint64_t addr, char *buf, size_t size);
/* /proc/PID/WHAT opened with flags (O_CLOEXEC added). */
int blocktraps_open_proc(pid_t pid, const char *what, int flags);
/* A path of the caller's, resolved in its root (or below its cwd), opened O_PATH. */
int blocktraps_open_in_caller(struct seccomp_listener *l, const char *path);
/* The scratch device that the caller's path at addr names (and its partition), or NULL
 * with *error: -EACCES for another block device, -ENOTBLK for anything else. */
struct scratch_disk *blocktraps_scratch_of_path(struct seccomp_listener *l, struct scratch_set *set, uint64_t addr,
                                                struct scratch_part **part, int *error);
