# 517_mount_nfs_backup.sh
#
# BACKUP_URL=nfs://HOST/PATH: the container gets no network, so the share is mounted
# here, read-only (nosuid, nodev, noexec, no locks), below ReaR's build area, and
# bound read-only into the container like a file:// backup; unmounted at the end
# (also by the watchdog of 105 should rear be killed: it is below the build area).
# A machine whose kernel cannot mount NFS (no nfs module: this project's CI) gets
# one line. Not when TESTRECOVER_BACKUP_URL names the backup (e.g. a copy, or the
# share mounted by the admin).
# (The mount itself is not tested by the project: its CI's kernel has no NFS.)
# Sets TESTRECOVER_RUN_BACKUP_DIR.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

test "$TESTRECOVER_RUN_BACKUP_SCHEME" = "nfs" -a -z "$TESTRECOVER_RUN_BACKUP_DIR" || return 0
local mountpoint="$TMP_DIR/testrecover-nfs"
if ! grep -qw -e nfs -e nfs4 /proc/filesystems && ! modinfo nfs >/dev/null 2>&1 ; then
    Error "The backup is on NFS ($TESTRECOVER_RUN_BACKUP_URL) and this machine's kernel cannot mount NFS: copy the backup to a directory here and set TESTRECOVER_BACKUP_URL=file:///DIR"
fi
has_binary mount.nfs || Error "The backup is on NFS ($TESTRECOVER_RUN_BACKUP_URL) and mount.nfs is missing (install nfs-common or nfs-utils), or set TESTRECOVER_BACKUP_URL=file:///DIR to a copy"
mkdir -p "$mountpoint" || Error "Cannot create $mountpoint"
mount -t nfs -o ro,nosuid,nodev,noexec,nolock "$( url_host "$TESTRECOVER_RUN_BACKUP_URL" ):$( url_path "$TESTRECOVER_RUN_BACKUP_URL" )" "$mountpoint" \
    || Error "Cannot mount $TESTRECOVER_RUN_BACKUP_URL read-only on this machine (mount it yourself and set TESTRECOVER_BACKUP_URL=file:///MOUNTPOINT)"
AddExitTask "umount -l $mountpoint"
TESTRECOVER_RUN_BACKUP_DIR="$mountpoint"
LogPrint "Mounted $TESTRECOVER_RUN_BACKUP_URL read-only at $mountpoint"
