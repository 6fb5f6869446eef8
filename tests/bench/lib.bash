# tests/bench/lib.bash -- shared by run-bench and the per-topic scripts of 'make bench'.
#
# BENCH_WORK_TREE   the work tree; BENCH_HELPER the helper (default helper/rescue-spawn)
# BENCH_SCRATCH     scratch directory (/var/tmp/rt-bench.XXXXXX); created by bench_scratch
#                   unless inherited, and then removed on exit by whoever created it
#                   (kept with BENCH_KEEP=1: logs, nspawn transcripts, console timelines)
# BENCH_LOCK_HELD   1 while run-bench holds the image build lock (children must not take it
#                   again: a second flock on a new open file would wait for ourselves)
# BENCH_ROOTFS_PLAIN, BENCH_ROOTFS_SYSTEMD   the cached real images (bench_images)
#
# 'rear mkrescue' includes systemd's tools when 'ps ax | grep systemd' finds anything: a
# systemd-nspawn, a booted systemd image's systemd-journald, or just a command line with
# ".../systemd/rootfs" in it. So everything that touches the real images runs under the
# lock of tests/fixtures/build-rear-image.sh, once no rear runs (measure.py wait-clear),
# and measure.py throws a run away when a rear starts during it. The images are reached
# through symlinks in the scratch dir, so that no command line of ours says "systemd".

BENCH_WORK_TREE="$( cd "$( dirname "${BASH_SOURCE[0]}" )/../.." && pwd )"
BENCH_HELPER="${BENCH_HELPER:-$BENCH_WORK_TREE/helper/rescue-spawn}"
BENCH_MEASURE="$BENCH_WORK_TREE/tests/bench/measure.py"
BENCH_LOCK_FILE=/run/lock/rear-testrescue-build-rear-image.lock
BENCH_IMAGE_CACHE="${BENCH_IMAGE_CACHE:-/var/cache/rear-testrescue-tests}"

function bench_say () {
    echo "bench: $*" >&2
}

function bench_die () {
    echo "bench: $*" >&2
    exit 1
}

function bench_require () {
    test "$( id -u )" = 0 || bench_die "must run as root"
    test -x "$BENCH_HELPER" || bench_die "$BENCH_HELPER is not built (run make)"
    type -P python3 >/dev/null || bench_die "python3 is missing"
}

bench_own_scratch=""
function bench_cleanup () {
    if test "${BENCH_KEEP:-}" = 1 -a -d "$bench_own_scratch" ; then
        bench_say "kept $bench_own_scratch (BENCH_KEEP=1)"
    elif test "$bench_own_scratch" -a -d "$bench_own_scratch" ; then
        if grep -qF " $bench_own_scratch" /proc/self/mountinfo ; then
            bench_say "not removing $bench_own_scratch: something is mounted below it"
        else
            rm -rf --one-file-system "$bench_own_scratch"
        fi
    fi
}

# measure.py starts the helper through tests/bench/exec-stamp.c, built once into the
# scratch dir, to count the helper's overhead from its exec.
function bench_exec_stamp () {
    BENCH_EXEC_STAMP="$BENCH_SCRATCH/exec-stamp"
    test -x "$BENCH_EXEC_STAMP" ||
        gcc -O2 -static -o "$BENCH_EXEC_STAMP" "$BENCH_WORK_TREE/tests/bench/exec-stamp.c" ||
        bench_die "cannot build $BENCH_EXEC_STAMP"
    export BENCH_EXEC_STAMP
}

function bench_scratch () {
    if test "${BENCH_SCRATCH:-}" -a -d "${BENCH_SCRATCH:-/nonexistent}" ; then
        return 0
    fi
    BENCH_SCRATCH="$( mktemp -d /var/tmp/rt-bench.XXXXXX )" || bench_die "cannot make a scratch dir"
    bench_own_scratch="$BENCH_SCRATCH"
    export BENCH_SCRATCH
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Make sure both real images are built (waits for a running build), outside the lock.
function bench_images () {
    local v path
    for v in plain systemd ; do
        if test "$v" = plain ; then path="${BENCH_ROOTFS_PLAIN:-}" ; else path="${BENCH_ROOTFS_SYSTEMD:-}" ; fi
        if ! test "$path" -a -d "$path" ; then
            bench_say "getting the '$v' ReaR image (build-rear-image.sh; waits for a build that runs)"
            path="$( "$BENCH_WORK_TREE/tests/fixtures/build-rear-image.sh" "$v" "$BENCH_IMAGE_CACHE" )" \
                || bench_die "cannot build the '$v' ReaR image"
        fi
        if test "$v" = plain ; then BENCH_ROOTFS_PLAIN="$path" ; else BENCH_ROOTFS_SYSTEMD="$path" ; fi
    done
    export BENCH_ROOTFS_PLAIN BENCH_ROOTFS_SYSTEMD
    mkdir -p "$BENCH_SCRATCH/images"
    ln -sfn "$BENCH_ROOTFS_PLAIN" "$BENCH_SCRATCH/images/plain"
    ln -sfn "$BENCH_ROOTFS_SYSTEMD" "$BENCH_SCRATCH/images/sd"
}

# The symlink of an image: bench_image plain|systemd
function bench_image () {
    case "$1" in
        (plain) echo "$BENCH_SCRATCH/images/plain" ;;
        (systemd) echo "$BENCH_SCRATCH/images/sd" ;;
        (*) bench_die "unknown image '$1'" ;;
    esac
}

# Take the image build lock (fd 8) unless run-bench holds it, then wait until no rear runs.
function bench_lock () {
    if test "${BENCH_LOCK_HELD:-}" = 1 ; then
        python3 "$BENCH_MEASURE" wait-clear || bench_die "a rear run did not end"
        return 0
    fi
    exec 8>"$BENCH_LOCK_FILE"
    if ! flock -n 8 ; then
        bench_say "waiting for $BENCH_LOCK_FILE (a ReaR image is being built)"
        flock -w 3600 8 || bench_die "the image build lock was not free within an hour"
    fi
    BENCH_LOCK_HELD=1
    export BENCH_LOCK_HELD
    python3 "$BENCH_MEASURE" wait-clear || bench_die "a rear run did not end"
}

function bench_unlock () {
    if test "${BENCH_LOCK_HELD:-}" = 1 -a -e /proc/self/fd/8 ; then
        flock -u 8
        exec 8>&-
        BENCH_LOCK_HELD=""
    fi
}

# A fingerprint of a tree (names, types, sizes, modes, mtimes): to show that a run left the
# cached image as it was.
function bench_tree_fingerprint () {
    ( cd "$1/" && find . -xdev -printf '%P %y %s %m %T@\n' 2>/dev/null ) | LC_ALL=C sort | md5sum | cut -d ' ' -f 1
}
