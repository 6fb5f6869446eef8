# 535_start_archive_reading.sh
#
# What the 'restore' check (740_check_restore.sh) needs of the archive itself does
# not depend on the recovery: the archive is there from the start. So it is read
# now, in the background, while the rescue system boots and 'rear recover' runs,
# and 740 waits for it:
#   - its own listing (tar -tv, read to its end: a truncated or damaged archive
#     fails there), "TYPE<tab>SIZE<tab>NAME" of each entry, in listing;
#   - the sample: every k-th regular file of it (TESTRECOVER_RESTORE_SAMPLE of
#     them), their names in sample.list, extracted into sample/;
#   - what tar and the decompressor said, in tar.err.
# The decompressor is the fastest one installed (igzip, pigz: as for an initrd,
# testrescue_decompressor). The reading runs at nice 19: when the CPUs are busy
# the recovery comes first. It is a process group of its own: should rear end
# before it is done, an exit task ends all of it before the build area goes (the
# watchdog, should rear be killed with SIGKILL; testrecover_start_group).
# Sets TESTRECOVER_RUN_ARCHIVE_READER_PID ("" when there is no archive) and
# TESTRECOVER_RUN_ARCHIVE_WORK (the directory of what it writes).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local compression decompressor
TESTRECOVER_RUN_ARCHIVE_READER_PID=""
TESTRECOVER_RUN_ARCHIVE_WORK="$TMP_DIR/testrecover-restore"
test "$TESTRECOVER_RUN_ARCHIVE" || return 0
mkdir -p "$TESTRECOVER_RUN_ARCHIVE_WORK/sample" || Error "Cannot create $TESTRECOVER_RUN_ARCHIVE_WORK"
compression="$( testrescue_compression "$TESTRECOVER_RUN_ARCHIVE" )"
# An archive of another compression (or none): tar finds out itself.
decompressor="$( testrescue_decompressor "$compression" 2>/dev/null )" || decompressor=""
test "$compression" = "unknown" && decompressor=""
Log "Reading the archive $TESTRECOVER_RUN_ARCHIVE ($compression) in the background for the check 'restore' (${decompressor:-tar} at nice 19)"
function testrecover_read_archive () {
    renice -n 19 -p "$BASHPID" >/dev/null
    start="$( testrecover_now )"
    work="$TESTRECOVER_RUN_ARCHIVE_WORK"
    archive="$TESTRECOVER_RUN_ARCHIVE"
    # "TYPE<tab>SIZE<tab>NAME" of each entry (tar -tv: perms owner size date time name)
    function listing_of_tv () {
        awk '{ type = substr($1, 1, 1) ; size = $3 ; name = $0
               for (i = 0 ; i < 5 ; i++) sub(/^[^ ]+ +/, "", name)
               sub(/ -> .*$/, "", name) ; sub(/ link to .*$/, "", name) ; sub(/\/$/, "", name) ; sub(/^\.\//, "", name)
               if (name != "" && name != ".") print type "\t" size "\t" name }' >"$work/listing"
    }
    if test "$decompressor" ; then
        $decompressor "$archive" 2>>"$work/tar.err" | tar --numeric-owner --quoting-style=literal -tv -f - 2>>"$work/tar.err" | listing_of_tv
        status="${PIPESTATUS[0]}${PIPESTATUS[1]}"
    else
        tar --numeric-owner --quoting-style=literal -tv -f "$archive" 2>>"$work/tar.err" | listing_of_tv
        status="${PIPESTATUS[0]}"
    fi
    if test "${status//0/}" ; then
        Log "Reading the archive for the check 'restore' failed after $( testrecover_seconds_since "$start" ) s (exit codes $status)"
        exit 1
    fi
    grep -qv 'Removing leading' "$work/tar.err" 2>/dev/null && exit 1
    # The sample: every k-th regular file of the archive.
    awk -F '\t' '$1 == "-" && $2 > 0 { print $3 }' "$work/listing" \
        | awk -v n="$TESTRECOVER_RESTORE_SAMPLE" -v total="$( grep -c '^-' "$work/listing" )" \
            'BEGIN { step = int(total / n) ; if (step < 1) step = 1 } (NR - 1) % step == 0 && ++count <= n' >"$work/sample.list"
    test -s "$work/sample.list" || exit 0
    if test "$decompressor" ; then
        $decompressor "$archive" | tar --numeric-owner -x -f - -C "$work/sample" -T "$work/sample.list"
    else
        tar --numeric-owner -x -f "$archive" -C "$work/sample" -T "$work/sample.list"
    fi 2>>"$work/sample.err"
    Log "The archive's listing and sample for the check 'restore' were read in $( testrecover_seconds_since "$start" ) s"
    exit 0
}
testrecover_start_group testrecover_read_archive
TESTRECOVER_RUN_ARCHIVE_READER_PID="$TESTRECOVER_RUN_GROUP_PID"
