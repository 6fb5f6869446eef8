# 518_bind_backup.sh
#
# The backup found (515-517): its archive is there (unless still inside the ISO),
# and where the container gets it read-only. A file:// backup at the image's own
# path; what the container cannot reach itself (the ISO's backup, an NFS share) at
# TESTRECOVER_RUN_BACKUP_PATH, which the rehearsal's copy of the image's
# configuration names by a file:// URL (525_prepare_backup.sh).
# Sets TESTRECOVER_RUN_ARCHIVE, TESTRECOVER_RUN_ARCHIVE_BYTES, TESTRECOVER_RUN_BACKUP_BIND
# (HOSTDIR:PATH) and TESTRECOVER_RUN_BACKUP_PATH.

test "$TESTRECOVER_RUN_BACKUP" = "NETFS" || return 0
TESTRECOVER_RUN_ARCHIVE="$TESTRECOVER_RUN_BACKUP_DIR/$TESTRECOVER_RUN_BACKUP_PREFIX/backup.tar.gz"
if test "$TESTRECOVER_RUN_BACKUP_ISO" ; then
    LogPrint "The rescue system restores $TESTRECOVER_RUN_BACKUP_ISO_MEMBER of the ISO $TESTRECOVER_RUN_BACKUP_ISO ($(( TESTRECOVER_RUN_ARCHIVE_BYTES / 1024 / 1024 )) MiB), taken out of the ISO (a container cannot mount it as 'rear recover' would)"
else
    test -s "$TESTRECOVER_RUN_ARCHIVE" || Error "The backup archive $TESTRECOVER_RUN_ARCHIVE is not there (BACKUP_URL=${TESTRECOVER_BACKUP_URL:-$TESTRECOVER_RUN_BACKUP_URL})"
    TESTRECOVER_RUN_ARCHIVE_BYTES="$( stat -L -c %s "$TESTRECOVER_RUN_ARCHIVE" )"
    LogPrint "The rescue system restores $TESTRECOVER_RUN_ARCHIVE ($(( TESTRECOVER_RUN_ARCHIVE_BYTES / 1024 / 1024 )) MiB)"
fi
if test "$TESTRECOVER_RUN_BACKUP_SCHEME" = "file" ; then
    TESTRECOVER_RUN_BACKUP_PATH="$( url_path "$TESTRECOVER_RUN_BACKUP_URL" )"
else
    TESTRECOVER_RUN_BACKUP_PATH="/var/lib/rear-testrecover/backup"
fi
TESTRECOVER_RUN_BACKUP_BIND="$TESTRECOVER_RUN_BACKUP_DIR:$TESTRECOVER_RUN_BACKUP_PATH"
Log "The backup directory $TESTRECOVER_RUN_BACKUP_DIR is bound read-only at $TESTRECOVER_RUN_BACKUP_PATH"
