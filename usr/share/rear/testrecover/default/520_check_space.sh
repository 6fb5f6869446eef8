# 520_check_space.sh
#
# Before anything is made: is there room for the scratch disks? Their sparse files
# take what the recovery writes: about the backup unpacked (three times a gzip
# archive) plus the file systems' metadata (2% of the disks) plus 64 MiB, plus the
# archive itself when it is taken out of the ISO (into the build area, counted here
# as if it were the same file system).
# Sets TESTRECOVER_RUN_SCRATCH_BASE (where they go).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local disk disks_bytes=0 archive_bytes=0 needed free
TESTRECOVER_RUN_SCRATCH_BASE="${TESTRECOVER_SCRATCH_DIR:-$BUILD_DIR}"
for disk in "${TESTRECOVER_RUN_DISKS[@]}" ; do
    disks_bytes=$(( disks_bytes + ${disk#*:} ))
done
archive_bytes="${TESTRECOVER_RUN_ARCHIVE_BYTES:-0}"
needed=$(( archive_bytes * 3 + disks_bytes / 50 + 64 * 1024 * 1024 ))
test "$TESTRECOVER_RUN_BACKUP_ISO" && needed=$(( needed + archive_bytes ))
free="$( testrescue_free_bytes "$TESTRECOVER_RUN_SCRATCH_BASE" )"
Log "Scratch disks: $disks_bytes bytes in all, backup archive $archive_bytes bytes, about $needed bytes needed, $free free in $TESTRECOVER_RUN_SCRATCH_BASE"
if ! test "$free" -ge "$needed" 2>/dev/null ; then
    Error "Not enough space for the scratch disks in $TESTRECOVER_RUN_SCRATCH_BASE: about $(( needed / 1024 / 1024 )) MiB needed (the backup unpacked and the file systems' metadata), $(( ${free:-0} / 1024 / 1024 )) MiB free (set TESTRECOVER_SCRATCH_DIR to a file system with more space)"
fi
