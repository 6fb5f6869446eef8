# 515_find_backup.sh
#
# What the rescue system restores from: BACKUP, BACKUP_URL, OUTPUT_URL and ISO_DIR
# of its own configuration (etc/rear/*.conf of the image, read, not run), BACKUP_URL
# replaced by TESTRECOVER_BACKUP_URL (a file:// URL of this machine) when set.
# BACKUP=NETFS with a file:// URL: that directory; iso:// (the backup inside the
# ISO) and nfs://: see 516 and 517; other schemes only with TESTRECOVER_BACKUP_URL.
# Other backup methods restore nothing here (layout and boot loader only: the
# report says so). Nothing is written to the backup location.
# The ISO (516_find_iso_backup.sh) and NFS (517_mount_nfs_backup.sh) follow;
# 518_bind_backup.sh checks the archive and binds it.
# Sets TESTRECOVER_RUN_BACKUP, TESTRECOVER_RUN_BACKUP_URL, TESTRECOVER_RUN_BACKUP_SCHEME,
# TESTRECOVER_RUN_BACKUP_DIR (TESTRECOVER_BACKUP_URL's), TESTRECOVER_RUN_BACKUP_PREFIX,
# TESTRECOVER_RUN_IMAGE_OUTPUT_URL, TESTRECOVER_RUN_IMAGE_ISO_DIR and
# TESTRECOVER_RUN_IMAGE_HOSTNAME.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local conf value
TESTRECOVER_RUN_BACKUP=""
TESTRECOVER_RUN_BACKUP_URL=""
TESTRECOVER_RUN_BACKUP_SCHEME=""
TESTRECOVER_RUN_BACKUP_ISO=""
TESTRECOVER_RUN_ARCHIVE_BYTES=0
TESTRECOVER_RUN_IMAGE_OUTPUT_URL=""
TESTRECOVER_RUN_IMAGE_ISO_DIR=""
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
    value="$( sed -n -e 's/^[[:space:]]*OUTPUT_URL=["'\'']\{0,1\}\([^"'\'' #]*\).*/\1/p' "$TESTRESCUE_RUN_ROOTFS/etc/rear/$conf" | tail -n 1 )"
    test "$value" && TESTRECOVER_RUN_IMAGE_OUTPUT_URL="$value"
    value="$( sed -n -e 's/^[[:space:]]*ISO_DIR=["'\'']\{0,1\}\([^"'\'' #]*\).*/\1/p' "$TESTRESCUE_RUN_ROOTFS/etc/rear/$conf" | tail -n 1 )"
    test "$value" && TESTRECOVER_RUN_IMAGE_ISO_DIR="$value"
done
TESTRECOVER_RUN_IMAGE_HOSTNAME="$( cat "$TESTRESCUE_RUN_ROOTFS/etc/hostname" 2>/dev/null )"
test "$TESTRECOVER_RUN_BACKUP" || TESTRECOVER_RUN_BACKUP="REQUESTRESTORE"

if test "$TESTRECOVER_RUN_BACKUP" != "NETFS" ; then
    LogPrint "The rescue system uses BACKUP=$TESTRECOVER_RUN_BACKUP: ReaR restores nothing itself, the rehearsal recreates the layout and the boot loader only"
    return 0
fi

test "$TESTRECOVER_RUN_BACKUP_URL" || Error "The rescue system uses BACKUP=NETFS but its configuration has no BACKUP_URL"
TESTRECOVER_RUN_BACKUP_SCHEME="$( url_scheme "$TESTRECOVER_RUN_BACKUP_URL" )"
# ReaR's NETFS_PREFIX (default the host name); its archive is PREFIX/backup.tar.gz:
TESTRECOVER_RUN_BACKUP_PREFIX="$TESTRECOVER_RUN_IMAGE_HOSTNAME"
test "$TESTRECOVER_BACKUP_URL" && TESTRECOVER_RUN_BACKUP_DIR="$( url_path "$TESTRECOVER_BACKUP_URL" )"
case "$TESTRECOVER_RUN_BACKUP_SCHEME" in
    (file)
        test "$TESTRECOVER_RUN_BACKUP_DIR" || TESTRECOVER_RUN_BACKUP_DIR="$( url_path "$TESTRECOVER_RUN_BACKUP_URL" )"
        ;;
    (iso|nfs) ;;
    (*)
        test "$TESTRECOVER_RUN_BACKUP_DIR" || Error "BACKUP_URL=$TESTRECOVER_RUN_BACKUP_URL cannot be rehearsed here (${TESTRECOVER_RUN_BACKUP_SCHEME}:// is not supported): copy the backup to a directory of this machine and set TESTRECOVER_BACKUP_URL=file:///DIR"
        ;;
esac
