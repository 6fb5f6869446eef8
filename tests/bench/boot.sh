#!/bin/bash
#
# tests/bench/boot.sh plain|systemd [RUNS] [WINDOW]
#
# Boot to the first login prompt on a real ReaR image, side by side, RUNS rounds (default 3),
# each round three boots:
#   rescue-spawn --log-dir=D ROOTFS (the default: until a key is typed, the image's sleeps end
#     as soon as the container is idle; keys boot.IMAGE.rs.*) and
#   rescue-spawn --real-sleeps --log-dir=D ROOTFS (every sleep takes its full time, as on a
#     machine; keys boot.IMAGE.rs_real.*): each the seconds from just before exec until
#     tty-tty1.log shows "login:" (polled every 10 ms), the ReaR ready line on the console,
#     the helper's peak RSS (VmHWM) and CPU time at that moment; then SIGTERM and wait
#   systemd-nspawn --register=no --keep-unit --private-network --volatile=overlay -bD ROOTFS
#     on a pty (once per round; keys boot.IMAGE.ns.*), watched WINDOW seconds (default 60)
#     for "login:" (never comes on these images): getty failures seen, when the ReaR ready
#     line came; then SIGTERM, then cgroup.kill of the cgroup it ran in
# At the end boot.IMAGE.rootfs_unchanged says whether the cached rootfs is as it was.
# Runs under the image build lock. Prints key=value lines (boot.IMAGE.*).

set -e -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

image="${1:-}"
case "$image" in
    (plain|systemd) ;;
    (*) echo "Usage: $0 plain|systemd [RUNS] [WINDOW]" >&2 ; exit 2 ;;
esac
runs="${2:-3}"
window="${3:-60}"
bench_require
type -P systemd-nspawn >/dev/null || bench_die "systemd-nspawn is missing (apt-get install systemd-container)"
test -f /sys/fs/cgroup/unified/cgroup.procs || bench_die "no cgroup v2 at /sys/fs/cgroup/unified"
bench_scratch
bench_exec_stamp
bench_images
bench_lock
rootfs="$( bench_image "$image" )"
before="$( bench_tree_fingerprint "$rootfs" )"
python3 "$BENCH_MEASURE" boot --helper "$BENCH_HELPER" --rootfs "$rootfs" --name "$image" \
    --runs "$runs" --window "$window" --scratch "$BENCH_SCRATCH"
after="$( bench_tree_fingerprint "$rootfs" )"
test "$before" = "$after" && echo "boot.$image.rootfs_unchanged=yes" || echo "boot.$image.rootfs_unchanged=no"
