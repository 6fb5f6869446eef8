#!/bin/bash
#
# tests/bench/verdict.sh plain|systemd [RUNS]
#
# Start to verdict of 'rescue-spawn --check --report-dir=D ROOTFS' on a real ReaR image,
# RUNS rounds (default 3), each round twice: with the default (until a key is typed, the
# image's sleeps end as soon as the container is idle; keys verdict.IMAGE.*) and with
# --real-sleeps (every sleep takes its full time; keys verdict.IMAGE.real.*). Of each run:
# the timings of report.json (total_seconds = start to verdict, ready_seconds,
# first_prompt_seconds, shutdown_seconds, and the image's own sleeps before its first
# prompt: image_wait_seconds asked for, image_wait_taken_seconds really taken), net_seconds
# = total_seconds - image_wait_taken_seconds (the verdict without what the image's sleeps
# really cost), the verdict and failed checks, the wall time, peak RSS and CPU time of the
# helper.
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
