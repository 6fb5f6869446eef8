# 515_find_backup.sh
#
# What the rescue system restores from: BACKUP and BACKUP_URL of its own
# configuration (etc/rear/*.conf of the image, read, not run), BACKUP_URL replaced
# by TESTRECOVER_BACKUP_URL when set. BACKUP=NETFS with a file:// URL: the host's
# directory is bound read-only where the image looks for it. Other backup methods
# restore nothing here (layout and boot loader only: the report says so).
# Sets TESTRECOVER_RUN_BACKUP, TESTRECOVER_RUN_BACKUP_URL, TESTRECOVER_RUN_BACKUP_DIR,
# TESTRECOVER_RUN_ARCHIVE, TESTRECOVER_RUN_BACKUP_BIND (HOSTDIR:PATH) and
# TESTRECOVER_RUN_IMAGE_HOSTNAME.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local conf value scheme image_path prefix
TESTRECOVER_RUN_BACKUP=""
TESTRECOVER_RUN_BACKUP_URL=""
TESTRECOVER_RUN_BACKUP_DIR=""
TESTRECOVER_RUN_ARCHIVE=""
TESTRECOVER_RUN_BACKUP_BIND=""
# The last assignment wins, as when ReaR sources site.conf, local.conf and rescue.conf:
for conf in site.conf local.conf rescue.conf ; do
    test -f "$TESTRESCUE_RUN_ROOTFS/etc/rear/$conf" || continue
    value="$( sed -n -e 's/^[[:space:]]*BACKUP=["'\'']\{0,1\}\([^"'\'' #]*\).*/\1/p' "$TESTRESCUE_RUN_ROOTFS/etc/rear/$conf" | tail -n 1 )"
    test "$value" && TESTRECOVER_RUN_BACKUP="$value"
    value="$( sed -n -e 's/^[[:space:]]*BACKUP_URL=["'\'']\{0,1\}\([^"'\'' #]*\).*/\1/p' "$TESTRESCUE_RUN_ROOTFS/etc/rear/$conf" | tail -n 1 )"
    test "$value" && TESTRECOVER_RUN_BACKUP_URL="$value"
done
TESTRECOVER_RUN_IMAGE_HOSTNAME="$( cat "$TESTRESCUE_RUN_ROOTFS/etc/hostname" 2>/dev/null )"
test "$TESTRECOVER_RUN_BACKUP" || TESTRECOVER_RUN_BACKUP="REQUESTRESTORE"

if test "$TESTRECOVER_RUN_BACKUP" != "NETFS" ; then
    LogPrint "The rescue system uses BACKUP=$TESTRECOVER_RUN_BACKUP: ReaR restores nothing itself, the rehearsal recreates the layout and the boot loader only"
    return 0
fi

test "$TESTRECOVER_RUN_BACKUP_URL" || Error "The rescue system uses BACKUP=NETFS but its configuration has no BACKUP_URL"
scheme="$( url_scheme "$TESTRECOVER_RUN_BACKUP_URL" )"
case "$scheme" in
    (file) ;;
    (nfs)
        grep -qw nfs /proc/filesystems || Error "The backup is on NFS ($TESTRECOVER_RUN_BACKUP_URL) and this machine's kernel cannot mount NFS: copy the backup to a directory here and set TESTRECOVER_BACKUP_URL=file:///DIR"
        test "$TESTRECOVER_BACKUP_URL" || Error "The backup is on NFS ($TESTRECOVER_RUN_BACKUP_URL): mount it read-only on this machine and set TESTRECOVER_BACKUP_URL=file:///MOUNTPOINT"
        ;;
    (*)
        test "$TESTRECOVER_BACKUP_URL" || Error "BACKUP_URL=$TESTRECOVER_RUN_BACKUP_URL cannot be rehearsed here ($scheme:// is not supported yet): copy the backup to a directory of this machine and set TESTRECOVER_BACKUP_URL=file:///DIR"
        ;;
esac
image_path="$( url_path "$TESTRECOVER_RUN_BACKUP_URL" )"
if test "$TESTRECOVER_BACKUP_URL" ; then
    TESTRECOVER_RUN_BACKUP_DIR="$( url_path "$TESTRECOVER_BACKUP_URL" )"
else
    TESTRECOVER_RUN_BACKUP_DIR="$image_path"
fi
# ReaR's NETFS_PREFIX (default the host name) and archive name (default backup.tar.gz):
prefix="$TESTRECOVER_RUN_IMAGE_HOSTNAME"
TESTRECOVER_RUN_ARCHIVE="$TESTRECOVER_RUN_BACKUP_DIR/$prefix/backup.tar.gz"
test -s "$TESTRECOVER_RUN_ARCHIVE" || Error "The backup archive $TESTRECOVER_RUN_ARCHIVE is not there (BACKUP_URL=${TESTRECOVER_BACKUP_URL:-$TESTRECOVER_RUN_BACKUP_URL})"
TESTRECOVER_RUN_BACKUP_BIND="$TESTRECOVER_RUN_BACKUP_DIR:$image_path"
LogPrint "The rescue system restores $TESTRECOVER_RUN_ARCHIVE ($(( $( stat -c %s "$TESTRECOVER_RUN_ARCHIVE" ) / 1024 / 1024 )) MiB), bound read-only at $image_path"
