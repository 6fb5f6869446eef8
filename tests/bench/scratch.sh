#!/bin/bash
#
# tests/bench/scratch.sh [RUNS]
#
# What scratch disks cost (issue 11, point 6), side by side in one run:
#   1. setting up a disk: RUNS (default 20) runs of
#      'rescue-spawn -v --scratch-disk=sda:1G FIXTURE -- /bin/true', and as many with four
#      disks; the medians of the step "T us set up the scratch disks" of the helper's -v
#      line "start: ..." (helper/timeline.h; target <= 50 ms a disk), after 3 warm-up runs
#   2. a mount made for the container against the same mount by root on the host:
#      tests/bench/mount-timer.c mounts and unmounts an ext4 RUNS times (median of the
#      mount(2) calls), inside the container on a scratch disk (the helper makes the
#      mount: seccomp notification, checks, a forked worker, fsmount, move_mount) and on
#      the host on a loop device of a copy of the same file system (in a mount namespace
#      of its own); target: at most 5 ms more
# Prints key=value lines (scratch.*). Busybox fixture only: no lock of the real images.

set -e -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

runs="${1:-20}"
bench_require
bench_scratch
fixture="$BENCH_SCRATCH/scratch-fixture"
if ! test -d "$fixture" ; then
    "$BENCH_WORK_TREE/tests/fixtures/build-busybox-rootfs.sh" "$fixture" >/dev/null
fi
gcc -O2 -static -o "$fixture/bin/mount-timer" "$BENCH_WORK_TREE/tests/bench/mount-timer.c" ||
    bench_die "cannot build mount-timer"
image="$BENCH_SCRATCH/scratch-ext4.img"
host_image="$BENCH_SCRATCH/scratch-ext4-host.img"
truncate -s 256M "$image"
mkfs.ext4 -q -F "$image"
cp --sparse=always "$image" "$host_image"
host_target="$BENCH_SCRATCH/scratch-mnt"
mkdir -p "$host_target"
host_loop=""
function cleanup () {
    test -z "$host_loop" || losetup -d "$host_loop"
    rm -f "$image" "$host_image"
    rmdir "$host_target" 2>/dev/null || true
    bench_cleanup
}
trap cleanup EXIT
sync

# the step "T us set up the scratch disks" of the helper's start, one number per run
function setup_times () {
    local disks=( "$@" ) i
    for i in $( seq $(( runs + 3 )) ) ; do
        "$BENCH_HELPER" -v "${disks[@]}" "$fixture" -- /bin/true </dev/null 2>&1 >/dev/null |
            sed -n 's/^rescue-spawn: start: .*[ ;]\([0-9]*\) us set up the scratch disks;.*/\1/p'
    done | tail -n "$runs"
}

function median () {
    sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

bench_say "scratch disk setup: $runs runs with one disk, $runs with four"
one="$( setup_times --scratch-disk=sda:1G | median )"
four="$( setup_times --scratch-disk=sda:1G --scratch-disk=sdb:1G --scratch-disk=vda:256G --scratch-disk=nvme0n1:2T | median )"
echo "scratch.setup_one_us.median=$one"
echo "scratch.setup_four_us.median=$four"
echo "scratch.setup_runs=$runs"

bench_say "mount of an ext4: $runs mounts for the container, $runs by root on the host"
"$BENCH_HELPER" --scratch-disk=sda:256M:"$image" "$fixture" -- /bin/sh -c \
    "mkdir -p /mnt/bench && mount-timer /dev/sda /mnt/bench ext4 $runs" </dev/null 2>/dev/null |
    tr -d '\r' | sed -n 's/^mount_us/scratch.container_mount_us/p'
host_loop="$( losetup -f --show "$host_image" )"
unshare --mount --propagation private "$fixture/bin/mount-timer" "$host_loop" "$host_target" ext4 "$runs" |
    sed -n 's/^mount_us/scratch.host_mount_us/p'
