#!/bin/bash
#
# tests/bench/iso-path.sh [RUNS]
#
# The ISO path's own cost (issue 13, point 4), in one run, RUNS rounds (default 3), each:
#   plain:  bsdtar -xOf ISO isolinux/initrd.cgz | gzip -dc | cpio -idm   into a directory
#           on the disk of /var/tmp (the anchor)
#   tree:   rear testrescue ROOTFS   (the real helper, --check, on the cached plain rootfs)
#   iso:    rear testrescue ISO      (the same image from its ISO: find, unpack, boot)
#   unpack: the workflow's unpack alone (testrescue_unpack) into a tmpfs, as the ISO path does
# own = iso - tree is what the ISO path adds; target own <= 0.6 x plain. Default RUNS 5.
# The medians are of each column; own_ratio.median is the median of the rounds' own ratios
# (iso - tree) / plain, each from one round, as the target is stated.
# Runs under the image build lock (the image boots systemd as its init). Prints key=value
# lines (iso.*): medians, every run, the verdicts, the decompressor, where it unpacked.

set -e -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

runs="${1:-5}"
bench_require
bench_scratch
bench_images
rootfs="$( bench_image plain )"
iso="$BENCH_IMAGE_CACHE/plain/rear.iso"
test -f "$iso" || bench_die "no ISO $iso (tests/fixtures/build-rear-image.sh plain)"

# The workflow's functions, with ReaR's message functions stubbed:
function Log () { : ; }
function LogPrint () { : ; }
function has_binary () { type -P "$1" >/dev/null ; }
TMP_DIR="$BENCH_SCRATCH"
source "$BENCH_WORK_TREE/usr/share/rear/lib/testrescue-functions.sh"
source "$BENCH_WORK_TREE/tests/lib/rear-env.bash"
member="$( testrescue_iso_find_initrd "$iso" )"
compression="$( testrescue_compression "$iso" "$member" )"

rear_env_setup "$BENCH_SCRATCH/iso-env" >/dev/null
rear_env_config "TESTRESCUE_HELPER=$BENCH_HELPER
TESTRESCUE_MODE=check"

function now () { date +%s.%N ; }
function elapsed () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }' ; }
function median () { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' ; }

function plain_to_disk () {
    mkdir "$BENCH_SCRATCH/plain"
    ( cd "$BENCH_SCRATCH/plain" && bsdtar -xOf "$iso" "$member" | gzip -dc | cpio -idm --quiet )
}

function unpack_to_memory () {
    mkdir "$BENCH_SCRATCH/mem"
    mount -t tmpfs -o mode=0755 bench-unpack "$BENCH_SCRATCH/mem"
    testrescue_unpack "$iso" "$member" "$compression" "$BENCH_SCRATCH/mem"
}

# rear_verdict WHAT: rear testrescue WHAT; sets verdict (PASS/FAIL/exit-N) and took (seconds).
# ReaR runs one at a time on a machine: an attempt that found another rear running (other
# work on this machine) is not counted, and made again.
function rear_verdict () {
    local rc tries start end
    for (( tries = 0 ; tries < 120 ; tries++ )) ; do
        rc=0
        start=$( now )
        TMPDIR="$REAR_ENV_DIR/tmp" "$REAR_ENV_DIR/usr/sbin/rear" -c "$REAR_ENV_DIR/etc/rear" testrescue "$1" \
            >"$BENCH_SCRATCH/rear.out" 2>&1 || rc=$?
        end=$( now )
        grep -q "is already running with PID" "$BENCH_SCRATCH/rear.out" || break
        sleep 2
    done
    took="$( elapsed "$start" "$end" )"
    verdict="$( grep -m 1 -o 'VERDICT: [A-Z]*' "$REAR_ENV_DIR/var/lib/rear/testrescue/latest/summary.txt" 2>/dev/null \
        | cut -d ' ' -f 2 )"
    test "$verdict" || verdict="exit-$rc"
}

bench_lock
cat "$iso" >/dev/null
declare -a t_plain=() t_tree=() t_iso=() t_unpack=() verdicts=() ratios=()
for (( run = 1 ; run <= runs ; run++ )) ; do
    sync
    start=$( now ) ; plain_to_disk ; end=$( now )
    t_plain+=( "$( elapsed "$start" "$end" )" )
    rm -rf --one-file-system "$BENCH_SCRATCH/plain"
    start=$( now ) ; unpack_to_memory ; end=$( now )
    t_unpack+=( "$( elapsed "$start" "$end" )" )
    umount "$BENCH_SCRATCH/mem" && rmdir "$BENCH_SCRATCH/mem"
    sync
    rear_verdict "$rootfs"
    t_tree+=( "$took" ) ; v_tree="$verdict"
    rear_verdict "$iso"
    t_iso+=( "$took" ) ; v_iso="$verdict"
    grep -q "Unpacking into memory" "$BENCH_SCRATCH/rear.out" "$REAR_ENV_DIR"/var/log/rear/*.log 2>/dev/null \
        && area=memory || area=disk
    verdicts+=( "$v_tree/$v_iso" )
    ratios+=( "$( awk -v i="${t_iso[-1]}" -v t="${t_tree[-1]}" -v p="${t_plain[-1]}" 'BEGIN { printf "%.2f", (i - t) / p }' )" )
    bench_say "iso-path run $run: plain to disk ${t_plain[-1]} s, unpack to memory ${t_unpack[-1]} s, rear testrescue TREE ${t_tree[-1]} s ($v_tree), ISO ${t_iso[-1]} s ($v_iso, unpacked to $area): own cost ${ratios[-1]}x plain"
done
bench_unlock
rear_env_teardown "$REAR_ENV_DIR"

m_plain="$( median "${t_plain[@]}" )"
m_tree="$( median "${t_tree[@]}" )"
m_iso="$( median "${t_iso[@]}" )"
own="$( awk -v a="$m_iso" -v b="$m_tree" 'BEGIN { printf "%.2f", a - b }' )"
echo "iso.runs=$runs"
echo "iso.decompressor=$( testrescue_decompressor "$compression" )"
echo "iso.area=$area"
echo "iso.plain_disk_s.median=$m_plain"
echo "iso.plain_disk_s.all=${t_plain[*]}"
echo "iso.unpack_memory_s.median=$( median "${t_unpack[@]}" )"
echo "iso.unpack_memory_s.all=${t_unpack[*]}"
echo "iso.tree_s.median=$m_tree"
echo "iso.tree_s.all=${t_tree[*]}"
echo "iso.iso_s.median=$m_iso"
echo "iso.iso_s.all=${t_iso[*]}"
echo "iso.own_s=$own"
echo "iso.own_ratio=$( awk -v a="$own" -v b="$m_plain" 'BEGIN { printf "%.2f", a / b }' )"
echo "iso.own_ratio.median=$( median "${ratios[@]}" )"
echo "iso.own_ratio.all=${ratios[*]}"
echo "iso.verdicts=${verdicts[*]}"
