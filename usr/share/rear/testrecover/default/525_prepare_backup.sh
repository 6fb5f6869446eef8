# 525_prepare_backup.sh
#
# After the space is checked (520), what the container gets instead of what it
# cannot reach itself (518):
#   - the archive inside the ISO is taken out of it (bsdtar reads the ISO, nothing
#     mounts it) into the build area;
#   - a copy of the image's /etc/rear whose rescue.conf (read last by ReaR) names
#     the backup by BACKUP_URL=file://TESTRECOVER_RUN_BACKUP_PATH, bound read-only
#     over /etc/rear (ReaR only reads it); the image itself is not changed.
# Sets TESTRECOVER_RUN_CONFIG ("" for a file:// backup: the image's own).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local start
TESTRECOVER_RUN_CONFIG=""
test "$TESTRECOVER_RUN_BACKUP" = "NETFS" -a "$TESTRECOVER_RUN_BACKUP_SCHEME" != "file" || return 0

if test "$TESTRECOVER_RUN_BACKUP_ISO" ; then
    start="$( testrecover_now )"
    mkdir -p "$( dirname "$TESTRECOVER_RUN_ARCHIVE" )" || Error "Cannot create $( dirname "$TESTRECOVER_RUN_ARCHIVE" )"
    bsdtar -x -O -f "$TESTRECOVER_RUN_BACKUP_ISO" "$TESTRECOVER_RUN_BACKUP_ISO_MEMBER" >"$TESTRECOVER_RUN_ARCHIVE" \
        || Error "Cannot take $TESTRECOVER_RUN_BACKUP_ISO_MEMBER out of the ISO $TESTRECOVER_RUN_BACKUP_ISO"
    test "$( stat -c %s "$TESTRECOVER_RUN_ARCHIVE" )" -eq "$TESTRECOVER_RUN_ARCHIVE_BYTES" \
        || Error "$TESTRECOVER_RUN_BACKUP_ISO_MEMBER taken out of the ISO $TESTRECOVER_RUN_BACKUP_ISO has $( stat -c %s "$TESTRECOVER_RUN_ARCHIVE" ) bytes, the ISO lists $TESTRECOVER_RUN_ARCHIVE_BYTES"
    LogPrint "Took $TESTRECOVER_RUN_BACKUP_ISO_MEMBER out of the ISO in $( testrecover_seconds_since "$start" ) s"
fi

TESTRECOVER_RUN_CONFIG="$TMP_DIR/testrecover-etc-rear"
if ! mkdir -p "$TESTRECOVER_RUN_CONFIG" || ! cp -a "$TESTRESCUE_RUN_ROOTFS/etc/rear/." "$TESTRECOVER_RUN_CONFIG/" ; then
    Error "Cannot copy the image's configuration $TESTRESCUE_RUN_ROOTFS/etc/rear to $TESTRECOVER_RUN_CONFIG"
fi
cat >>"$TESTRECOVER_RUN_CONFIG/rescue.conf" <<CONF

# Added by 'rear testrecover' for its rehearsal (the image keeps BACKUP_URL=$TESTRECOVER_RUN_BACKUP_URL):
# the backup is bound read-only here, the container cannot reach it as ReaR would.
BACKUP_URL=file://$TESTRECOVER_RUN_BACKUP_PATH
CONF
# Root inside the container is not root outside: what it reads must be readable.
chmod -R a+rX "$TESTRECOVER_RUN_CONFIG"
Log "The rehearsal's configuration $TESTRECOVER_RUN_CONFIG names the backup by BACKUP_URL=file://$TESTRECOVER_RUN_BACKUP_PATH"
