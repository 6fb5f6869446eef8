#!/bin/bash
#
# tests/bench/verdict.sh plain|systemd [RUNS]
#
# Start to verdict of 'rescue-spawn --check --report-dir=D ROOTFS' on a real ReaR image,
# RUNS times (default 3): total_seconds of report.json, with the image's own waits
# (image_wait_seconds: its scripts' sleep before the first prompt; ready_seconds) shown
# separately, and the wall time and peak RSS of the helper.
# Runs under the image build lock. Prints key=value lines (verdict.IMAGE.*).

set -e -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

image="${1:-}"
case "$image" in
    (plain|systemd) ;;
    (*) echo "Usage: $0 plain|systemd [RUNS]" >&2 ; exit 2 ;;
esac
runs="${2:-3}"
bench_require
bench_scratch
bench_images
bench_lock
python3 "$BENCH_MEASURE" verdict --helper "$BENCH_HELPER" --rootfs "$( bench_image "$image" )" --name "$image" \
    --runs "$runs" --scratch "$BENCH_SCRATCH"
