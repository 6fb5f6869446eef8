#!/bin/bash
#
# tests/bench/testrecover.sh [FIXTURE] [RUNS]
#
# Benchmark of 'rear testrecover' (issue 12, point 8) on the recovery fixture
# (tests/fixtures/build-recovery-fixture.sh, default $BENCH_IMAGE_CACHE/recovery): the
# rehearsal end to end, from the kept rescue tree and from the ISO, and per stage: the
# checks as report.json times them (rescue-boots, recover, layout, restore, bootloader,
# restored-boots) and, inside 'recover', ReaR's own stages as its log times them (from
# the timestamps of its "Finished running 'STAGE' stage" lines), of them the rebuild of
# the initramfs (finalize/.../550_rebuild_initramfs.sh, update-initramfs in the restored
# system's chroot); around them the rescue boot before 'rear recover' starts
# (recover.boot) and the end after it (recover.end: ReaR's exit, the power off), and the
# reading of the archive for the check 'restore' that runs meanwhile (restore-reading).
# The end to end time is that of the last 'rear testrecover' only: a run that found
# another rear running (ReaR allows one at a time; other work on a shared machine)
# waits 5 s and starts again, and that wait is not counted. The anchor (the same ISO
# and backup recovered in a VM) is tests/bench/vm-recover.sh.
# RUNS: default 2 of each; medians are reported. Prints one "key=value" line per figure
# (for tests/bench/table.sh) after a readable summary. Target: <= 60 s end to end.

set -e -u -o pipefail
here="$( cd "$( dirname "${BASH_SOURCE[0]}" )" && pwd )"
source "$here/lib.bash"
source "$BENCH_WORK_TREE/tests/lib/rear-env.bash"

fixture="${1:-$BENCH_IMAGE_CACHE/recovery}"
runs="${2:-2}"
bench_require
"$BENCH_WORK_TREE/tests/fixtures/build-recovery-fixture.sh" "$fixture" >/dev/null || bench_die "cannot build the recovery fixture in $fixture"

work="$( mktemp -d /var/tmp/rt-bench-testrecover.XXXXXX )"
trap 'rear_env_teardown "$work/env" ; rm -rf --one-file-system "$work"' EXIT
rear_env_setup "$work/env" >/dev/null
rear_env_config "TESTRESCUE_HELPER=$BENCH_HELPER
TESTRECOVER_REPORT_DIR=\$VAR_DIR/testrecover"

function median () {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan" ; else if (NR % 2) print v[(NR + 1) / 2] ; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# epoch seconds of a log line's "YYYY-MM-DD HH:MM:SS.NNNNNNNNN " prefix on stdin
function log_times () {
    awk '$1 ~ /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/ && $2 ~ /^[0-9:.]+$/ {
        split($1, d, "-") ; split($2, t, ":")
        printf "%.3f", mktime(d[1] " " d[2] " " d[3] " " t[1] " " t[2] " 0") + t[3] ; $1 = "" ; $2 = "" ; print }'
}

# rear testrecover INPUT into $work/out, the wait for another rear not counted: sets total
function timed_testrecover () {
    local start rc
    while : ; do
        start=$EPOCHREALTIME
        rc=0
        TMPDIR="$REAR_ENV_DIR/tmp" "$REAR_ENV_DIR/usr/sbin/rear" -c "$REAR_ENV_DIR/etc/rear" testrecover "$1" >"$work/out" 2>&1 || rc=$?
        total=$( awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f", e - s }' )
        if test $rc -eq 0 || ! grep -q "is already running with PID" "$work/out" ; then
            break
        fi
        bench_say "another rear runs: waiting 5 s"
        sleep 5
    done
}

declare -A samples=()
verdicts=""
loads=""
for (( run = 1 ; run <= runs ; run++ )) ; do
    for source in rootfs iso ; do
        input="$fixture/rootfs"
        test "$source" = iso && input="$( ls "$fixture"/*.iso | head -n 1 )"
        loads+="$( cut -d ' ' -f 1 /proc/loadavg ) "
        timed_testrecover "$input"
        report="$REAR_ENV_DIR/var/lib/rear/testrecover/latest"
        verdict="$( sed -n 's/^verdict: *//p' "$report/summary.txt" 2>/dev/null )"
        verdicts+="${verdict:-none} "
        bench_say "run $run, $source: $total s, ${verdict:-no verdict}"
        samples[$source.total]+="$total "
        while IFS=$'\t' read -r name status seconds reason ; do
            test "$status" = ignored && continue
            samples[$source.check.$name]+="$seconds "
        done <"$report/checks.tsv"
        # ReaR's stages inside the container: from the end of the one before (the log's
        # first line for the first) to its "Finished running 'X' stage in N seconds"
        log_times <"$( ls "$report"/recover-log/rear-*.log | head -n 1 )" >"$work/recover.times"
        log_times <"$( ls -t "$REAR_ENV_DIR"/var/log/rear/rear-*.log | head -n 1 )" >"$work/main.times"
        while read -r stage seconds ; do
            samples[$source.rear.${stage//\//-}]+="$seconds "
        done < <( awk 'NR == 1 { last = $1 } /Finished running .* stage in/ { match($0, /running .[^ ]* stage/)
                      stage = substr($0, RSTART + 9, RLENGTH - 16) ; printf "%s %.3f\n", stage, $1 - last ; last = $1 }' "$work/recover.times" )
        # update-initramfs: from 550's Including line to the next script's
        seconds="$( awk '/Including finalize\/.*_rebuild_initramfs.sh/ { a = $1 ; next } a && /Including / { printf "%.3f\n", $1 - a ; exit }' "$work/recover.times" )"
        test "$seconds" && samples[$source.rear.initramfs]+="$seconds "
        # the rescue boot before 'rear recover' logs its first line, the end after its last
        first="$( head -n 1 "$work/recover.times" | cut -d ' ' -f 1 )"
        last="$( tail -n 1 "$work/recover.times" | cut -d ' ' -f 1 )"
        seconds="$( awk -v f="$first" '/Including testrecover\/default\/710_/ { printf "%.3f\n", f - $1 ; exit }' "$work/main.times" )"
        test "$seconds" && samples[$source.recover.boot]+="$seconds "
        seconds="$( awk -v l="$last" '/Check recover:/ { printf "%.3f\n", $1 - l ; exit }' "$work/main.times" )"
        test "$seconds" && samples[$source.recover.end]+="$seconds "
        seconds="$( sed -n "s/.*sample for the check 'restore' were read in \\([0-9.]*\\) s.*/\\1/p" "$work/main.times" | head -n 1 )"
        test "$seconds" && samples[$source.restore-reading]+="$seconds "
        # rear's own start and end, outside the rehearsal's report
        seconds="$( awk -v t="$total" '/^total:/ { printf "%.3f\n", t - $2 }' "$report/summary.txt" )"
        test "$seconds" && samples[$source.outside-report]+="$seconds "
    done
done

{
    echo "rear testrecover on $fixture ($runs runs each, medians; load at the start of each run: ${loads% })"
    for key in $( printf '%s\n' "${!samples[@]}" | sort ) ; do
        printf '  %-36s %8s s   (%s)\n' "$key" "$( tr ' ' '\n' <<<"${samples[$key]}" | grep . | median )" "${samples[$key]% }"
    done
    echo "verdicts: $verdicts"
} >&2
# key=value lines for tests/bench/table.sh: testrecover.SOURCE.STAGE_s, and
# testrecover.total_s, the kept tree's end to end (what the VM anchor is compared with)
for key in $( printf '%s\n' "${!samples[@]}" | sort ) ; do
    echo "testrecover.${key}_s=$( tr ' ' '\n' <<<"${samples[$key]}" | grep . | median )"
done
echo "testrecover.total_s=$( tr ' ' '\n' <<<"${samples[rootfs.total]}" | grep . | median )"
echo "testrecover.runs=$runs"
echo "testrecover.verdicts=${verdicts% }"
echo "testrecover.loads=${loads% }"
