#!/bin/bash
#
# tests/bench/overhead.sh [--nspawn] [RUNS]
#
# The helper's own cost: RUNS (default 30) runs of 'rescue-spawn -v FIXTURE -- /bin/true' on
# the busybox fixture, after 3 runs that warm the caches; the medians of its "init started
# ... us after the helper started, at T us" line, counted from the helper's main() and
# from its exec (exec-to-init overhead, target <= 10 ms), and of the wall time of the
# whole run.
# --nspawn: instead, RUNS (default 10) runs of
#   systemd-nspawn --register=no --keep-unit --private-network --volatile=overlay -D FIXTURE /bin/true
# for comparison (under the image build lock: rear must not see a process named systemd).
# Prints key=value lines (overhead.*).

set -e -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

mode=helper
if test "${1:-}" = --nspawn ; then
    mode=nspawn
    shift
fi
bench_require
bench_scratch
bench_exec_stamp
fixture="$BENCH_SCRATCH/fixture"
if ! test -d "$fixture" ; then
    "$BENCH_WORK_TREE/tests/fixtures/build-busybox-rootfs.sh" "$fixture" >/dev/null
fi
# The fixture was just written: its writeback must not run during the measurement.
sync

if test "$mode" = helper ; then
    runs="${1:-30}"
    bench_say "exec-to-init overhead: $runs runs of rescue-spawn -v FIXTURE -- /bin/true"
    python3 "$BENCH_MEASURE" overhead --helper "$BENCH_HELPER" --fixture "$fixture" --runs "$runs"
else
    runs="${1:-10}"
    bench_lock
    bench_say "for comparison: $runs runs of nspawn -D FIXTURE /bin/true"
    python3 "$BENCH_MEASURE" overhead-nspawn --fixture "$fixture" --runs "$runs"
fi
