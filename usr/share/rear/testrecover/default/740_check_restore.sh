# 740_check_restore.sh
#
# Check 'restore': the archive was restored whole. Its own listing (tar -tv, read
# to its end: a truncated or damaged archive fails here) against the restored file
# systems: every entry there with its type, every regular file with its size (a
# file the recovery itself wrote afterwards, like the initrd and grub.cfg that
# ReaR's finalize makes, is counted as rewritten; one it removed afterwards, like
# the grub.cfg.new that grub-mkconfig renames, is counted as removed when ReaR's own
# restore log, which the recovery leaves in the restored system, names it as
# extracted), and a sample of TESTRECOVER_RESTORE_SAMPLE files compared byte for
# byte with the archive's.
# The listing and the sample were read from the archive while the recovery ran
# (535_start_archive_reading.sh): here they are waited for and compared. The
# check's time is what it adds after the recovery.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local start work="$TESTRECOVER_RUN_ARCHIVE_WORK" listing result entries bytes missing differ rewritten removed
local sample_count=0 sample_differ=0 file tar_error
start="$( testrecover_now )"

if ! test "$TESTRECOVER_RUN_ARCHIVE" ; then
    testrecover_record restore skipped "$( testrecover_seconds_since "$start" )" "BACKUP=$TESTRECOVER_RUN_BACKUP: ReaR restores no archive, nothing was restored here (the layout was rehearsed)"
    return 0
fi
if test "$TESTRECOVER_RUN_MOUNTED" != "yes" ; then
    testrecover_record restore FAIL "$( testrecover_seconds_since "$start" )" "no restored file system could be mounted"
    return 0
fi
# The archive's listing and sample (535), read to their end by now or soon:
wait "$TESTRECOVER_RUN_ARCHIVE_READER_PID" || {
    tar_error="$( grep -v 'Removing leading' "$work/tar.err" 2>/dev/null | head -n 1 )"
    test "$tar_error" || tar_error="tar failed"
}
listing="$work/listing"
touch "$listing"
# The restored tree: "TYPE<tab>SIZE<tab>MTIME<tab>NAME" (find's %y: f d l b c p s)
find "$TESTRECOVER_RUN_TARGET" -mindepth 1 -printf '%y\t%s\t%T@\t%P\n' >"$work/restored"
# What ReaR's tar said it extracted ('tar --block-number --verbose': "block N: NAME"),
# from its restore log that the recovery copied into the restored system:
cat "$TESTRECOVER_RUN_TARGET"/var/log/rear/recover/restore/*.restore.log 2>/dev/null \
    | sed -n 's|^block [0-9]*: \(\./\)\{0,1\}\(.*[^/]\)/\{0,1\}$|\2|p' >"$work/extracted"
result="$( awk -F '\t' -v since="${TESTRECOVER_RUN_START%.*}" '
    FILENAME == ARGV[1] { extracted[$0] = 1 ; next }
    FILENAME == ARGV[2] { size[$4] = $2 ; mtime[$4] = $3 ; next }
    {
        entries++ ; if ($1 == "-") bytes += $2
        if (!($3 in size) && ($3 in extracted)) { removed++ ; next }
        if (!($3 in size)) { missing++ ; if (missing <= 3) first_missing = first_missing " /" $3 ; next }
        if ($1 == "-" && size[$3] != $2) {
            if (mtime[$3] + 0 >= since) rewritten++
            else { differ++ ; if (differ <= 3) first_differ = first_differ " /" $3 }
        }
    }
    END { printf "%d %d %d %d %d %d|%s%s\n", entries, bytes, missing, differ, rewritten, removed, first_missing, first_differ }
' "$work/extracted" "$work/restored" "$listing" )"
read -r entries bytes missing differ rewritten removed <<<"${result%%|*}"

# The sample, extracted from the archive by 535:
if test -s "$work/sample.list" && test -z "$tar_error" ; then
    while read -r file ; do
        sample_count=$(( sample_count + 1 ))
        cmp -s "$work/sample/$file" "$TESTRECOVER_RUN_TARGET/$file" && continue
        # rewritten by the recovery itself?
        test "$( stat -c %Y "$TESTRECOVER_RUN_TARGET/$file" 2>/dev/null || echo 0 )" -ge "${TESTRECOVER_RUN_START%.*}" && continue
        sample_differ=$(( sample_differ + 1 ))
        test $sample_differ -le 3 && result+=" /$file"
    done <"$work/sample.list"
fi
rm -rf "$work"

if test "$tar_error" ; then
    testrecover_record restore FAIL "$( testrecover_seconds_since "$start" )" "the archive $TESTRECOVER_RUN_ARCHIVE cannot be read to its end ($tar_error): $missing of its first $entries entries are missing in the restored system"
elif test "$missing" -gt 0 -o "$differ" -gt 0 -o "$sample_differ" -gt 0 ; then
    testrecover_record restore FAIL "$( testrecover_seconds_since "$start" )" "of $entries entries of the archive $missing are missing, $differ have another size, $sample_differ of $sample_count sampled files differ:${result#*|}"
elif test "$entries" -eq 0 ; then
    testrecover_record restore FAIL "$( testrecover_seconds_since "$start" )" "the archive $TESTRECOVER_RUN_ARCHIVE lists no entry"
else
    testrecover_record restore ok "$( testrecover_seconds_since "$start" )" "all $entries entries ($bytes bytes) of the archive restored ($rewritten files rewritten by the recovery afterwards$( test "$removed" -gt 0 && echo ", $removed removed by it" )), $sample_count sampled files identical"
fi
