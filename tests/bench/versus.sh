#!/bin/bash
#
# tests/bench/versus.sh [RUNS] [OVERHEAD_RUNS]
#
# What the limits and the private uid range cost (issue 13, point 6): this work tree's
# helper side by side with rescue-spawn 0.2.1 (commit 52f19ff, built in the scratch dir
# from 'git archive'), in one run, alternating:
#   - the helper's start, main() to init's exec and exec to exec, on the busybox fixture:
#     OVERHEAD_RUNS (default 150) rounds of one run each, in turn, 50 ms apart (measure.py
#     overhead-versus: the kernel frees a run's cgroups after it ended, which must not slow
#     the next start; run by run, because the machine's speed drifts within seconds); this
#     tree also with the limits and the uid range switched off (--private-users=no
#     --pids-max=0 --memory-max=0 --writable-max=0 --cpu-weight=0), to tell them apart;
#     and, for these two, the sum of the medians of the start's steps (the helper's -v line
#     "start: ...", helper/timeline.h): on a virtual machine a start's wall time swings by a
#     factor of two from one run to the next, the steps' medians leave out the moments the
#     machine was busy elsewhere, which hit one step of one run
#   - the system calls on the start's critical path (the main thread until PID 1 has
#     exec'd, PID 1 until its exec) of one start each, counted by strace (measure.py
#     syscalls; skipped without strace): a figure the machine's load does not change,
#     where the times above are noise on a busy machine
#   - --check start to verdict (report.json's total_seconds) on both real images, RUNS rounds
#     (default 5), each round 0.2.1, this tree, this tree without limits and uid range
# Target: what the limits and the private uid range cost, this tree against itself without
# them, <= 1.05; and this tree against 0.2.1 (which also counts what other work since 0.2.1
# added to the start). The load (uptime) before and after is printed with them. Runs under
# the image build lock; about 1.5 minutes on an idle machine. Prints key=value lines
# (versus.*), and the ratios in words at the end (stderr).

set -e -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

runs="${1:-5}"
overhead_runs="${2:-150}"
anchor_commit=52f19ff
bench_require
bench_scratch
bench_images
bench_exec_stamp

old="$BENCH_SCRATCH/rescue-spawn-0.2.1"
if ! test -x "$old/helper/rescue-spawn" ; then
    mkdir -p "$old"
    git -C "$BENCH_WORK_TREE" archive "$anchor_commit" | tar -x -C "$old"
    make -s -C "$old" helper/rescue-spawn >/dev/null || bench_die "cannot build 0.2.1 in $old"
fi
old_helper="$old/helper/rescue-spawn"
new_helper="$BENCH_HELPER"
fixture="$BENCH_SCRATCH/fixture"
test -d "$fixture" || "$BENCH_WORK_TREE/tests/fixtures/build-busybox-rootfs.sh" "$fixture" >/dev/null
sync

function median () { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' ; }
function ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }' ; }

# The options that switch limits and uid range off, given to this tree's helper itself (a
# wrapper's own exec would count as the helper's start).
off_options=( --private-users=no --pids-max=0 --memory-max=0 --writable-max=0 --cpu-weight=0 )

# helper_of WHICH: the command of old (0.2.1), new (this tree) or off (this tree with
# limits and uid range off) in the array helper, and its --helper-arg options in measured.
function helper_of () {
    case "$1" in
        (old) helper=( "$old_helper" ) ;;
        (new) helper=( "$new_helper" ) ;;
        (off) helper=( "$new_helper" "${off_options[@]}" ) ;;
    esac
    measured=( --helper "${helper[0]}" )
    local option
    for option in "${helper[@]:1}" ; do
        measured+=( "--helper-arg=$option" )
    done
}

load_before="$( cut -d ' ' -f 1-3 /proc/loadavg )"
variants=()
for which in old new off ; do
    helper_of "$which"
    variants+=( --variant "$which $( printf '%q ' "${helper[@]}" )" )
done
starts="$( python3 "$BENCH_MEASURE" overhead-versus "${variants[@]}" --fixture "$fixture" --runs "$overhead_runs" --pause 0.05 )"
# start KEY: the figure overhead.KEY of the starts measured
function start () { sed -n "s/^overhead\.$1=//p" <<<"$starts" ; }

declare -A syscalls=()
for which in old new off ; do
    helper_of "$which"
    syscalls[$which]="$( python3 "$BENCH_MEASURE" syscalls "${measured[@]}" --fixture "$fixture" --scratch "$BENCH_SCRATCH" |
        sed -n 's/^syscalls.critical=//p' )"
done

# check ROOTFS DIR: --check by "${helper[@]}"; prints total_seconds and the verdict
function check () {
    "${helper[@]}" --check --report-dir="$2" "$1" </dev/null >/dev/null 2>&1 || true
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r.get("timings", r)["total_seconds"], r["verdict"])' "$2/report.json" \
        2>/dev/null || echo "nan none"
}

bench_lock
declare -A totals=() verdicts=()
for (( r = 1 ; r <= runs ; r++ )) ; do
    for image in systemd plain ; do
        for which in old new off ; do
            helper_of "$which"
            read -r t v < <( check "$( bench_image "$image" )" "$BENCH_SCRATCH/versus-$which-$image-$r" )
            totals[$which.$image]+="$t "
            verdicts[$which.$image]+="$v "
        done
        bench_say "versus: round $r $image: 0.2.1 $( awk '{ print $NF }' <<<"${totals[old.$image]}" ) s, now $( awk '{ print $NF }' <<<"${totals[new.$image]}" ) s (limits and uid range off: $( awk '{ print $NF }' <<<"${totals[off.$image]}" ) s)"
    done
done
bench_unlock

load_after="$( cut -d ' ' -f 1-3 /proc/loadavg )"

echo "versus.anchor=$anchor_commit"
echo "versus.load_before=$load_before"
echo "versus.load_after=$load_after"
echo "versus.overhead_runs=$( start new.runs )"
for which in old new off ; do
    echo "versus.overhead.main_us.$which=$( start "$which.main_us.median" )"
    echo "versus.overhead.exec_us.$which=$( start "$which.exec_us.median" )"
done
echo "versus.overhead.main.ratio=$( ratio "$( start new.main_us.median )" "$( start old.main_us.median )" )"
echo "versus.overhead.exec.ratio=$( ratio "$( start new.exec_us.median )" "$( start old.exec_us.median )" )"
echo "versus.overhead.main.ratio_off=$( ratio "$( start new.main_us.median )" "$( start off.main_us.median )" )"
echo "versus.overhead.steps_us.new=$( start new.steps_us.median_sum )"
echo "versus.overhead.steps_us.off=$( start off.steps_us.median_sum )"
echo "versus.overhead.steps.ratio_off=$( ratio "$( start new.steps_us.median_sum )" "$( start off.steps_us.median_sum )" )"
# Each step's median with and without (0.2.1 has no steps), in the helper's order.
while read -r step us ; do
    echo "versus.step.$step=$us $( start "off.step.$step.median" )"
done < <( sed -n 's/^overhead\.new\.step\.\(.*\)\.median=/\1 /p' <<<"$starts" )
if test "${syscalls[new]}" -a "${syscalls[off]}" -a "${syscalls[old]}" ; then
    echo "versus.syscalls.critical.old=${syscalls[old]}"
    echo "versus.syscalls.critical.new=${syscalls[new]}"
    echo "versus.syscalls.critical.off=${syscalls[off]}"
    echo "versus.syscalls.critical.ratio_off=$( ratio "${syscalls[new]}" "${syscalls[off]}" )"
fi
echo "versus.runs=$runs"
for image in systemd plain ; do
    for which in old new off ; do
        read -r -a all <<<"${totals[$which.$image]}"
        echo "versus.verdict.$image.$which.total_s.median=$( median "${all[@]}" )"
        echo "versus.verdict.$image.$which.total_s.all=${all[*]}"
        echo "versus.verdict.$image.$which.verdicts=${verdicts[$which.$image]% }"
    done
    read -r -a a_old <<<"${totals[old.$image]}"
    read -r -a a_new <<<"${totals[new.$image]}"
    read -r -a a_off <<<"${totals[off.$image]}"
    echo "versus.verdict.$image.ratio=$( ratio "$( median "${a_new[@]}" )" "$( median "${a_old[@]}" )" )"
    echo "versus.verdict.$image.ratio_off=$( ratio "$( median "${a_new[@]}" )" "$( median "${a_off[@]}" )" )"
done

bench_say "versus: load $load_before before, $load_after after"
bench_say "versus: helper start main() to init: $( start new.main_us.median ) us with the limits and uid range," \
    "$( start off.main_us.median ) us without: $( ratio "$( start new.main_us.median )" "$( start off.main_us.median )" )x" \
    "(target <= 1.05); 0.2.1 $( start old.main_us.median ) us"
bench_say "versus: the same as the sum of its steps' medians: $( start new.steps_us.median_sum ) us with," \
    "$( start off.steps_us.median_sum ) us without:" \
    "$( ratio "$( start new.steps_us.median_sum )" "$( start off.steps_us.median_sum )" )x (target <= 1.05)"
if test "${syscalls[new]}" -a "${syscalls[off]}" ; then
    bench_say "versus: system calls on the start's critical path: ${syscalls[new]} with, ${syscalls[off]} without:" \
        "$( ratio "${syscalls[new]}" "${syscalls[off]}" )x; 0.2.1 ${syscalls[old]}"
fi
