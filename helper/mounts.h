/* Every mount the container gets, as tables, applied through libmount.
 *
 * The supervisor prepares the tree under RUNTIME/root in its private mount
 * namespace (overlay, /dev); the container's first process adds what must be
 * mounted from inside its new PID and network namespaces (/proc, /sys, cgroup)
 * before it enters its user namespace, which locks all of them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ids;

/* mount(2) through libmount; flags are MS_*, options the fs-specific data. */
int mount_fs(const char *source, const char *target, const char *fstype,
             unsigned long flags, const char *options);

/* Make every mount of this (new) mount namespace private. */
int mounts_make_private(void);

/* ROOTFS at root_dir: an overlay whose upper layer is a tmpfs of writable_max bytes
 * (0: no limit) at layer (RUNTIME/layer), or ROOTFS itself (layer: ""). The tree keeps its
 * owners in the container's uid range (ids.h) through an idmapped lower layer; a kernel that
 * cannot idmap it makes ids the identity (ids_fall_back). */
int mounts_setup_root(const char *rootfs, const char *runtime_dir, const char *root_dir, bool in_place,
                      uint64_t writable_max, char *layer, size_t layer_size, struct ids *ids);

/* A private /dev under root_dir: tmpfs, the harmless device nodes, devpts. Its mount
 * is shared with the copies in mount namespaces cloned later (the container's), so
 * that mounts made on it afterwards (the terminals) appear there too. */
int mounts_setup_dev(const char *root_dir, const struct ids *ids);

/* /proc (with its masks and cmdline_file over /proc/cmdline), read-only /sys and,
 * when with_cgroup, a cgroup2 at /sys/fs/cgroup; with view_dir, the block device
 * view (blockview.h) over /sys/block, /sys/class/block, /sys/dev/block and
 * /proc/partitions. Called in the container's namespaces. */
int mounts_setup_api(const char *root_dir, const char *cmdline_file, bool with_cgroup,
                     const char *view_dir, const char **failed_step);

/* Create an empty file (mount point for a bind-mounted tty). */
int make_mount_point_file(const char *path);
