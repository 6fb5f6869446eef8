/* The container's calls on its scratch disks that need privileges of the host's
 * user namespace, made for it by the helper (seccomp user notification, as LXD and
 * Incus do): re-reading a partition table (BLKRRPART), BLKPG, BLKFLSBUF, BLKBSZSET,
 * mounting a disk file system, swapon; and the geometry (HDIO_GETGEO) that a disk
 * has and a loop device lacks.
 *
 * What is checked is never a path or fd the container could change afterwards:
 * an ioctl's fd is fetched from the caller (pidfd_getfd) and its device number
 * compared with the scratch set; a mount's source path is read once, resolved in
 * the caller's root (openat2 RESOLVE_IN_ROOT), its device number checked, and the
 * file system is then created by a worker from the helper's own device node of that
 * number (fsopen/fsconfig/fsmount, in a private directory) and only then moved onto
 * the target in the caller's mount namespace; a remount reconfigures the superblock
 * that the checked fd of its target holds (fspick). Only file system types of a
 * table, always nosuid and nodev, never an option that reaches beyond the disk (a
 * panic on errors, a journal on another device). A call that names no scratch device is left to the
 * kernel, which refuses it as before (the container lacks those privileges), or
 * refused here. */
#pragma once

#include <stdbool.h>

#include "scratch.h"
#include "seccomp.h"

/* A file system type the helper mounts for the container (ext2/3/4, xfs, btrfs). */
bool blocktraps_mountable(const char *fstype);
/* Is fstype in filesystems (the text of /proc/filesystems)? */
bool blocktraps_kernel_has(const char *filesystems, const char *fstype);
void blocktraps_ioctl(struct seccomp_listener *l, struct scratch_set *set);
void blocktraps_mount(struct seccomp_listener *l, struct scratch_set *set);
void blocktraps_swap(struct seccomp_listener *l, struct scratch_set *set);
