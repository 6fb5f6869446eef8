#!/bin/bash
#
# tests/bench/unpack.sh [ISO] [RUNS]
#
# Benchmark of the ISO -> rootfs unpack of rear-testrescue against the plain pipeline
#   xorriso -osirrox on -indev ISO -extract isolinux/initrd.cgz - | gzip -dc | cpio -idm
# on the same ISO. xorriso's -extract cannot write to stdout ('-' is a file named '-'),
# so the plain pipeline is measured in its two working forms:
#   extract:  xorriso -extract to a file, then gzip -dc FILE | cpio -idm
#   stream:   xorriso -concat overwrite - /isolinux/initrd.cgz | gzip -dc | cpio -idm
# and ours is compared with the faster of the two; and 'rear testrescue ISO' end to end (with a stand-in helper
# that only looks at the tree, so the figure is what the workflow adds around the boot).
# ISO: default the cached image of tests/fixtures/build-rear-image.sh plain.
# RUNS: default 5; the runs alternate and the median of each is reported.
# Prints one line per measurement and a summary; exits non-zero when ours is slower
# than the plain pipeline (target <= 1.0x).

set -e -u -o pipefail

here="$( cd "$( dirname "${BASH_SOURCE[0]}" )" && pwd )"
work_tree="$( cd "$here/../.." && pwd )"
iso="${1:-}"
runs="${2:-5}"
if ! test "$iso" ; then
    iso="$( "$work_tree/tests/fixtures/build-rear-image.sh" plain >/dev/null && echo /var/cache/rear-testrescue-tests/plain/rear.iso )"
fi
test -f "$iso" || { echo "$0: no ISO '$iso'" >&2 ; exit 2 ; }

scratch="$( mktemp -d /var/tmp/rear-testrescue-bench.XXXXXX )"
function cleanup () {
    rm -rf --one-file-system "$scratch"
}
trap cleanup EXIT

# The functions of the workflow, with ReaR's message functions stubbed:
function Log () { : ; }
function LogPrint () { : ; }
function has_binary () { type -P "$1" >/dev/null ; }
TMP_DIR="$scratch"
source "$work_tree/usr/share/rear/lib/testrescue-functions.sh"

member="$( testrescue_iso_find_initrd "$iso" )"
compression="$( testrescue_compression "$iso" "$member" )"
test "$compression" = "gzip" || echo "note: the initrd is $compression compressed; the plain pipeline uses gzip -dc" >&2

function now () { date +%s.%N ; }
function elapsed () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }' ; }
function median () { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' ; }

function plain_extract () {
    local dest="$1"
    mkdir "$dest"
    xorriso -osirrox on -indev "$iso" -extract "/$member" "$scratch/initrd" 2>/dev/null
    ( cd "$dest" && gzip -dc "$scratch/initrd" | cpio -idm --quiet )
    rm -f "$scratch/initrd"
}

function plain_stream () {
    local dest="$1"
    mkdir "$dest"
    ( cd "$dest" && xorriso -osirrox on -indev "$iso" -concat overwrite - "/$member" 2>/dev/null | gzip -dc | cpio -idm --quiet )
}

function ours () {
    local dest="$1"
    mkdir "$dest"
    testrescue_unpack "$iso" "$member" "$compression" "$dest"
}

source "$work_tree/tests/lib/rear-env.bash"
rear_env_setup "$scratch/env" >/dev/null
fake="$( rear_env_fake_helper )"
rear_env_config "TESTRESCUE_HELPER=$fake"

# Warm the page cache so that neither side pays for the first read:
cat "$iso" >/dev/null

declare -a t_extract=() t_stream=() t_ours=() t_rear=()
for (( run = 1 ; run <= runs ; run++ )) ; do
    start=$( now ) ; plain_extract "$scratch/plain" ; end=$( now )
    t_extract+=( $( elapsed $start $end ) )
    rm -rf --one-file-system "$scratch/plain"
    start=$( now ) ; plain_stream "$scratch/plain" ; end=$( now )
    t_stream+=( $( elapsed $start $end ) )
    rm -rf --one-file-system "$scratch/plain"
    start=$( now ) ; ours "$scratch/ours" ; end=$( now )
    t_ours+=( $( elapsed $start $end ) )
    rm -rf --one-file-system "$scratch/ours"
    start=$( now ) ; rear_env_rear testrescue "$iso" >/dev/null ; end=$( now )
    t_rear+=( $( elapsed $start $end ) )
    echo "run $run: plain extract ${t_extract[-1]} s, plain stream ${t_stream[-1]} s, ours ${t_ours[-1]} s, rear testrescue ISO ${t_rear[-1]} s"
done

m_extract=$( median "${t_extract[@]}" )
m_stream=$( median "${t_stream[@]}" )
m_ours=$( median "${t_ours[@]}" )
m_rear=$( median "${t_rear[@]}" )
m_plain=$( printf '%s\n' "$m_extract" "$m_stream" | sort -n | head -n 1 )
ratio=$( awk -v a="$m_ours" -v b="$m_plain" 'BEGIN { printf "%.2f", a / b }' )
echo "ISO: $iso ($( stat -c %s "$iso" ) bytes, initrd $member $compression, decompressor: $( testrescue_decompressor "$compression" ), $( nproc ) CPUs)"
echo "median of $runs runs: plain extract $m_extract s, plain stream $m_stream s, rear-testrescue unpack $m_ours s (${ratio}x the faster plain one), rear testrescue ISO end to end (stand-in helper) $m_rear s"
awk -v a="$m_ours" -v b="$m_plain" 'BEGIN { exit !(a <= b) }'
