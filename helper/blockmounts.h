/* mount(2) of a scratch disk's file system, made for the container by the helper
 * (the container lacks the privileges of the host's user namespace): the source path
 * is read once, resolved in the caller's root (openat2 RESOLVE_IN_ROOT), its device
 * number checked, and the file system is then created by a worker from the helper's
 * own device node of that number (fsopen/fsconfig/fsmount, in a private directory)
 * and only then moved onto the target in the caller's mount namespace; a remount
 * reconfigures the superblock that the checked fd of its target holds (fspick). Only
 * file system types of a table, always nosuid and nodev, never an option that reaches
 * beyond the disk (a panic on errors, a journal on another device). A mount that names
 * no scratch device is left to the kernel, which decides as ever. */
#pragma once

#include <stdbool.h>

#include "scratch.h"
#include "seccomp.h"

/* A file system type the helper mounts for the container (ext2/3/4, xfs, btrfs). */
bool blockmounts_mountable(const char *fstype);
/* Is fstype in filesystems (the text of /proc/filesystems)? */
bool blockmounts_kernel_has(const char *filesystems, const char *fstype);
void blockmounts_mount(struct seccomp_listener *l, struct scratch_set *set);
