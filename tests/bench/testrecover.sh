#!/bin/bash
#
# tests/bench/testrecover.sh [FIXTURE] [RUNS]
#
# Benchmark of 'rear testrecover' (issue 12, point 8) on the recovery fixture
# (tests/fixtures/build-recovery-fixture.sh, default $BENCH_IMAGE_CACHE/recovery): the
# rehearsal end to end, from the kept rescue tree and from the ISO, and per stage: the
# checks as report.json times them (rescue-boots, recover, layout, restore, bootloader,
# restored-boots) and, inside 'recover', ReaR's own stages as its log times them. The
# anchor (the same ISO and backup recovered in a VM) is tests/bench/vm-recover.sh.
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

declare -A samples=()
verdicts=""
for (( run = 1 ; run <= runs ; run++ )) ; do
    for source in rootfs iso ; do
        input="$fixture/rootfs"
        test "$source" = iso && input="$( ls "$fixture"/*.iso | head -n 1 )"
        start=$( date +%s.%N )
        rear_env_rear testrecover "$input" >"$work/out" 2>&1 || true
        total=$( awk -v s="$start" -v e="$( date +%s.%N )" 'BEGIN { printf "%.3f", e - s }' )
        report="$REAR_ENV_DIR/var/lib/rear/testrecover/latest"
        verdict="$( sed -n 's/^verdict: *//p' "$report/summary.txt" 2>/dev/null )"
        verdicts+="${verdict:-none} "
        bench_say "run $run, $source: $total s, ${verdict:-no verdict}"
        samples[$source.total]+="$total "
        while IFS=$'\t' read -r name status seconds reason ; do
            test "$status" = ignored && continue
            samples[$source.check.$name]+="$seconds "
        done <"$report/checks.tsv"
        # ReaR's stages inside the container, as its log says ("Finished running 'X' stage in N seconds")
        while read -r stage seconds ; do
            samples[$source.rear.${stage//\//-}]+="$seconds "
        done < <( sed -n "s/.*Finished running '\\([^']*\\)' stage in \\([0-9]*\\) seconds.*/\\1 \\2/p" "$report"/recover-log/rear-*.log 2>/dev/null )
    done
done

{
    echo "rear testrecover on $fixture ($runs runs each, medians; machine shared, load $( cut -d ' ' -f 1-3 /proc/loadavg ))"
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
