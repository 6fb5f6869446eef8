/* Who the container's users are on the host: root inside is nobody outside.
 *
 * The container's uids and gids 0..65535 map to a range of the host's that no one else
 * uses (like systemd-nspawn --private-users=pick): the helper picks the first free one of
 * IDS_RANGES ranges from IDS_FIRST_BASE on, held by a lock file per range in IDS_LOCK_DIR
 * for as long as the helper runs (a range is free when its lock can be taken, whoever ran
 * before). The tree keeps its owners through an idmapped mount of the overlay's lower
 * layer (or of ROOTFS with --in-place), see mounts.c. On a kernel that cannot idmap the
 * lower layer of an overlay (before Linux 5.19), or with --private-users=no, the map is
 * the identity (root inside is the host's root) and the helper says so once.
 *
 * Every decision who owns what the helper makes for the container (the writable layer's
 * root, /dev and its nodes, the ptys, the container's cgroup) goes through ids_own or,
 * for a file system's mount options, ids_host_uid/ids_host_gid: nothing else knows the
 * range. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define IDS_RANGE 65536u
#define IDS_FIRST_BASE 0x70000000u      /* above systemd-nspawn's pick range (up to 0x6FFF0000) */
#define IDS_RANGES 256u
#define IDS_LOCK_DIR "/run/rescue-spawn-ids"

struct ids {
        uid_t base;             /* host uid and gid of the container's root; 0: identity map */
        int userns_fd;          /* a user namespace with the map, for PID 1 and the idmapped mounts */
        int lock_fd;            /* holds the range */
        char lock_path[64];
};

/* A user namespace with the container's map: a private range when private_users (and one
 * is free), else the identity. -errno (the reason logged by the caller). */
int ids_setup(struct ids *ids, bool private_users);
/* The kernel cannot idmap what the container needs: the identity map from now on (one
 * warning says why). -errno when not even that can be made. */
int ids_fall_back(struct ids *ids, const char *why);
void ids_release(struct ids *ids);

uid_t ids_host_uid(const struct ids *ids, uid_t inside);
gid_t ids_host_gid(const struct ids *ids, gid_t inside);
/* Make PATH (relative to dirfd, or AT_FDCWD), which the helper made for the container,
 * belong to uid:gid as the container sees them (symlinks themselves, not followed). -errno. */
int ids_own(const struct ids *ids, int dirfd, const char *path, uid_t uid, gid_t gid);
