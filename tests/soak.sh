#!/bin/bash
#
# tests/soak.sh [COUNT] [VARIANT]
#
# Soak test of 'rescue-spawn --check' (issue 3, point 6): boots the healthy real ReaR image
# VARIANT (plain or systemd, default systemd; built and cached by
# tests/fixtures/build-rear-image.sh) COUNT times in a row (default 20), as cron would run it
# (stdin /dev/null, stdout a file), and compares the verdicts.
#
# Prints one line per run (run number, verdict, exit status, seconds) and at the end either
# "COUNT identical verdicts" or the differences. A verdict is the VERDICT line of the summary
# together with the status of every check, so a check that flips between ok and ignored counts
# as a difference even when every run PASSes.
#
# Exit status: 0 all verdicts identical and PASS; 1 the verdicts differ, or they are all the
# same FAIL (a healthy image must pass), or a run left something behind; 2 usage.
# Not run by 'make check' (about COUNT x 20 s). Needs root. Reports of every run stay in
# a directory under /var/tmp when the verdicts differ (removed otherwise).
# Environment: RESCUE_SPAWN (the helper; default helper/rescue-spawn of this work tree),
# SOAK_TIMEOUT (--timeout of each run, default 120), SOAK_KEEP=1 (keep the reports).

set -u -o pipefail

work_tree="$( cd "$( dirname "${BASH_SOURCE[0]}" )/.." && pwd )"
helper="${RESCUE_SPAWN:-$work_tree/helper/rescue-spawn}"
timeout="${SOAK_TIMEOUT:-120}"

function usage () {
    echo "Usage: $0 [COUNT=20] [VARIANT=systemd]   (VARIANT: plain or systemd)" >&2
    exit 2
}

count="${1:-20}"
variant="${2:-systemd}"
test $# -le 2 || usage
[[ "$count" =~ ^[1-9][0-9]*$ ]] || usage
case "$variant" in
    (plain|systemd) ;;
    (*) usage ;;
esac
test "$( id -u )" = 0 || { echo "$0: needs root" >&2 ; exit 2 ; }
test -x "$helper" || { echo "$0: $helper is not built (run make in $work_tree)" >&2 ; exit 2 ; }

rootfs="$( "$work_tree/tests/fixtures/build-rear-image.sh" "$variant" )" || {
    echo "$0: no $variant image" >&2
    exit 2
}
# Keep a rebuild from replacing the image under the runs: the build takes this lock.
# (A benchmark holds it as well, so that the runs do not measure each other.)
exec 9>/run/lock/rear-testrescue-build-rear-image.lock
if ! flock -n -s 9 ; then
    echo "soak: waiting for /run/lock/rear-testrescue-build-rear-image.lock (an image build or a benchmark)"
    flock -s 9
fi

scratch="$( mktemp -d /var/tmp/rt-soak.XXXXXX )" || exit 2
keep="${SOAK_KEEP:-}"
trap 'test -n "$keep" || rm -rf --one-file-system "$scratch"' EXIT

# What a run leaves behind: processes of the helper whose command line names our scratch
# directory, and cgroups or runtime directories that no running helper owns.
function leftovers () {
    local pid dir cg
    for pid in $( pgrep -f -- "$scratch" ) ; do
        test "$pid" != $$ && echo "process $pid: $( tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null )"
    done
    while read -r cg ; do
        test -n "$cg" || continue
        pid="${cg##*/rescue-spawn-}"
        test -d "/proc/$pid" || echo "cgroup $cg"
    done < <( find /sys/fs/cgroup -maxdepth 6 -type d -name 'rescue-spawn-*' 2>/dev/null )
    for dir in /run/rescue-spawn.* ; do
        test -d "$dir" || continue
        grep -qsF " $dir " /proc/[0-9]*/mountinfo || echo "runtime directory $dir"
    done
}

echo "soak: $count runs of $helper --check on $rootfs"
declare -a signatures=()
declare -A first_run=() runs_of=()
left=""
for run in $( seq "$count" ) ; do
    dir="$scratch/run-$run"
    mkdir -p "$dir"
    start="${EPOCHREALTIME/[.,]/}"
    "$helper" --check --timeout="$timeout" --report-dir="$dir/report" --image-name="soak-$variant" "$rootfs" \
        </dev/null >"$dir/stdout" 2>"$dir/stderr"
    rc=$?
    micro=$(( ${EPOCHREALTIME/[.,]/} - start ))
    seconds="$(( micro / 1000000 )).$(( micro / 100000 % 10 ))"
    verdict="$( sed -n 's/^VERDICT: \([A-Z]*\).*/\1/p' "$dir/stdout" )"
    # The verdict line and every check's status (not its details: they hold times).
    signature="$( { grep '^VERDICT:' "$dir/stdout" ; \
                    awk '$1 == "ok" || $1 == "FAIL" || $1 == "ignored" { print $1, $2 }' "$dir/stdout" ; \
                    echo "exit status $rc" ; } )"
    signatures[$run]="$signature"
    test -n "${first_run[$signature]:-}" || first_run[$signature]=$run
    runs_of[$signature]="${runs_of[$signature]:-}${runs_of[$signature]:+ }$run"
    printf 'run %3d/%d: %-4s exit %d  %6s s%s\n' "$run" "$count" "${verdict:-none}" "$rc" "$seconds" \
        "$( test "${first_run[$signature]}" = "$run" -a "$run" != 1 && echo "  (a new verdict)" )"
    # Give the cleanup guard a moment, then nothing of the run may remain.
    for _ in $( seq 30 ) ; do
        left="$( leftovers )"
        test -z "$left" && break
        sleep 0.1
    done
    if test -n "$left" ; then
        echo "run $run left something behind:"
        printf '  %s\n' "$left"
        break
    fi
done

status=0
if test "${#first_run[@]}" -eq 1 ; then
    echo "${#signatures[@]} identical verdicts ($( grep '^VERDICT:' <<<"${signatures[1]}" ))"
    if test "$verdict" != PASS ; then
        echo "but the healthy image does not PASS; the summary of run 1:"
        sed 's/^/  /' "$scratch/run-1/stdout"
        status=1
    fi
else
    echo "the verdicts differ: ${#first_run[@]} different ones in ${#signatures[@]} runs"
    for run in "${!signatures[@]}" ; do
        signature="${signatures[$run]}"
        test "${first_run[$signature]}" = "$run" || continue
        if test "$run" = 1 ; then
            echo "runs ${runs_of[$signature]}:"
            sed 's/^/  /' <<<"$signature"
        else
            echo "runs ${runs_of[$signature]}, against run 1:"
            diff <( echo "${signatures[1]}" ) <( echo "$signature" ) | grep '^[<>]' \
                | sed -e 's/^< /  - /' -e 's/^> /  + /'
        fi
    done
    keep=1
    status=1
fi
if test -n "$left" ; then
    keep=1
    status=1
fi
test -n "$keep" && echo "reports of every run: $scratch/run-N/{stdout,stderr,report/}"
exit "$status"
