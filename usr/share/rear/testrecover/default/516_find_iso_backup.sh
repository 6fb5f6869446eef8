# 516_find_iso_backup.sh
#
# BACKUP_URL=iso:///PATH: ReaR's 'rear mkbackup' wrote the archive into the rescue
# ISO (PATH/backup.tar.gz there, no NETFS_PREFIX), and 'rear recover' mounts the
# ISO by its label ($ISO_VOLID) to read it. A container has no such device (and
# this project's kernel cannot even read iso9660), so the archive is taken out of
# the ISO (read-only, 525_prepare_backup.sh) after the space for it is checked.
# The ISO is the one rehearsed, else where the image's OUTPUT_URL (file://) or
# ISO_DIR puts rear-HOSTNAME.iso. Not when TESTRECOVER_BACKUP_URL names a copy.
# Sets TESTRECOVER_RUN_BACKUP_ISO, TESTRECOVER_RUN_BACKUP_ISO_MEMBER (the archive's
# name in the ISO), TESTRECOVER_RUN_ARCHIVE_BYTES and TESTRECOVER_RUN_BACKUP_DIR.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

test "$TESTRECOVER_RUN_BACKUP_SCHEME" = "iso" -a -z "$TESTRECOVER_RUN_BACKUP_DIR" || return 0
local prefix="$TESTRECOVER_RUN_BACKUP_PREFIX" candidate output_dir=""
if test "$TESTRESCUE_RUN_KIND" = "iso" ; then
    TESTRECOVER_RUN_BACKUP_ISO="$TESTRESCUE_RUN_INPUT"
else
    test "$( url_scheme "$TESTRECOVER_RUN_IMAGE_OUTPUT_URL" )" = "file" && output_dir="$( url_path "$TESTRECOVER_RUN_IMAGE_OUTPUT_URL" )/$prefix"
    for candidate in ${output_dir:+"$output_dir/rear-$prefix.iso"} "${TESTRECOVER_RUN_IMAGE_ISO_DIR:-/var/lib/rear/output}/rear-$prefix.iso" ; do
        test -s "$candidate" || continue
        TESTRECOVER_RUN_BACKUP_ISO="$candidate"
        break
    done
    test "$TESTRECOVER_RUN_BACKUP_ISO" || Error "The backup is inside the ISO (BACKUP_URL=$TESTRECOVER_RUN_BACKUP_URL) and rear-$prefix.iso is not where the image's OUTPUT_URL or ISO_DIR says: rehearse the ISO itself (rear testrecover /PATH/rear-$prefix.iso)"
fi
TESTRECOVER_RUN_BACKUP_ISO_MEMBER="$( url_path "$TESTRECOVER_RUN_BACKUP_URL" )"
TESTRECOVER_RUN_BACKUP_ISO_MEMBER="${TESTRECOVER_RUN_BACKUP_ISO_MEMBER#/}/backup.tar.gz"
TESTRECOVER_RUN_BACKUP_ISO_MEMBER="${TESTRECOVER_RUN_BACKUP_ISO_MEMBER#/}"
# Its size as the ISO lists it (tar -tv: perms links owner group size date name):
TESTRECOVER_RUN_ARCHIVE_BYTES="$( bsdtar -tvf "$TESTRECOVER_RUN_BACKUP_ISO" "$TESTRECOVER_RUN_BACKUP_ISO_MEMBER" 2>/dev/null | awk '{ print $5 ; exit }' )"
test "$TESTRECOVER_RUN_ARCHIVE_BYTES" -gt 0 2>/dev/null || Error "The ISO $TESTRECOVER_RUN_BACKUP_ISO holds no backup $TESTRECOVER_RUN_BACKUP_ISO_MEMBER (BACKUP_URL=$TESTRECOVER_RUN_BACKUP_URL)"
TESTRECOVER_RUN_BACKUP_DIR="$TMP_DIR/testrecover-iso-backup"
