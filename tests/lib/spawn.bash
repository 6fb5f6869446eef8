# tests/lib/spawn.bash -- shared helpers for the bats tests of helper/rescue-spawn.
# Load it with 'load lib/spawn'. Needs root. Nothing here depends on a particular test file.
#
# Variables
#   RESCUE_SPAWN             the helper (default: helper/rescue-spawn of this work tree;
#                            set it in the environment to test another build)
#   SPAWN_WORK_TREE          the work tree
#   SPAWN_TMP                the scratch directory of the test file (spawn_tmp_create)
#   SPAWN_FIXTURE            the busybox fixture of the test file (spawn_build_fixture)
#   SPAWN_SCOPE              a string the command line of every helper that the leftover
#                            check looks for contains (default: $SPAWN_TMP); see below
#
# Setup and teardown
#   spawn_require_helper     fail (status 1, a message on stderr) when the helper is not built
#   spawn_tmp_create         make SPAWN_TMP=/var/tmp/rt-test.XXXXXX and export it
#   spawn_tmp_remove         remove SPAWN_TMP (refuses while something is mounted below it)
#   spawn_build_fixture [DEST]   build the busybox fixture (tests/fixtures/build-busybox-rootfs.sh)
#                            in DEST (default $SPAWN_TMP/fixture), set and export SPAWN_FIXTURE
#   spawn_fixture_copy NAME  copy SPAWN_FIXTURE to $SPAWN_TMP/NAME (replaced if it exists),
#                            print the path: for tests that change the image
#   spawn_fixture_add_setup_script ROOT NAME TEXT
#                            add TEXT as ROOT/etc/scripts/system-setup.d/NAME.sh of a busybox
#                            fixture: the boot sources it (in name order, 00-..99-) as root, with
#                            the console as stdout, after the fixture's boot script
#
# Running the helper
#   spawn ARGS...            run "$RESCUE_SPAWN" ARGS with stdin from /dev/null (so: passive
#                            mode, never interactive), its stdout with the CRs of the console
#                            pty removed, stderr untouched; returns the helper's exit status.
#                            Meant for bats: 'run --separate-stderr spawn ...' gives the
#                            container's console in $output and the helper's messages in $stderr.
#                            Records the helper's PID in $SPAWN_TMP/helper-pids.
#   spawn_in ROOT SCRIPT     shorthand: spawn ROOT -- /bin/sh -c SCRIPT
#
# Checks (each returns 1 and explains on stderr when the check fails)
#   assert_no_leftovers      nothing of a finished rescue-spawn run remains (polls up to ~3 s,
#                            the cleanup guard needs a moment after the helper ends); see
#                            spawn_leftovers
#   spawn_leftovers          print one line per leftover:
#                            - a mount in this mount namespace that mentions rescue-spawn
#                            - a rescue-spawn process (helper or guard) whose command line holds
#                              $SPAWN_SCOPE (every one if SPAWN_SCOPE is empty), and any cleanup
#                              guard whose helper is gone
#                            - a container process (container=rescue-spawn in its environment)
#                              with no live helper among its ancestors
#                            - a cgroup rescue-spawn-PID whose helper PID is not running
#                            - a /run/rescue-spawn.* or /tmp/rescue-spawn.* directory that no
#                              running helper has mounted
#                            Runs of other tests at the same time do not count: only what no
#                            live helper owns, or what belongs to this file's scope.
#   spawn_host_snapshot      print what the host's state looks like for the isolation tests:
#                            host name, selected sysctls, network links and addresses, /dev
#                            (names, types, device numbers), mounts of this namespace, swaps,
#                            modules, top-level cgroups, date's year
#   assert_host_unchanged FILE   compare spawn_host_snapshot with FILE (an earlier snapshot)
#   spawn_fail MESSAGE...    print MESSAGE on stderr, return 1
#   assert_equal ACTUAL EXPECTED [WHAT]
#   assert_contains HAYSTACK NEEDLE [WHAT]     fixed-string search, line-independent
#   refute_contains HAYSTACK NEEDLE [WHAT]

bats_require_minimum_version 1.5.0

SPAWN_WORK_TREE="$( cd "$( dirname "${BASH_SOURCE[0]}" )/../.." && pwd )"
RESCUE_SPAWN="${RESCUE_SPAWN:-$SPAWN_WORK_TREE/helper/rescue-spawn}"

function spawn_fail () {
    printf '%s\n' "$@" >&2
    return 1
}

function assert_equal () {
    test "$1" = "$2" && return 0
    spawn_fail "${3:-value} differs" "expected: '$2'" "actual:   '$1'"
}

function assert_contains () {
    [[ "$1" == *"$2"* ]] && return 0
    spawn_fail "${3:-output} does not contain '$2':" "$1"
}

function refute_contains () {
    [[ "$1" != *"$2"* ]] && return 0
    spawn_fail "${3:-output} contains '$2' (it must not):" "$1"
}

function spawn_require_helper () {
    test -x "$RESCUE_SPAWN" && return 0
    spawn_fail "$RESCUE_SPAWN is not built (run make in $SPAWN_WORK_TREE)"
}

function spawn_tmp_create () {
    SPAWN_TMP="$( mktemp -d /var/tmp/rt-test.XXXXXX )" || return 1
    export SPAWN_TMP
    export SPAWN_SCOPE="${SPAWN_SCOPE-$SPAWN_TMP}"
}

function spawn_tmp_remove () {
    test -n "${SPAWN_TMP:-}" -a -d "${SPAWN_TMP:-/nonexistent}" || return 0
    if grep -qF " $SPAWN_TMP" /proc/self/mountinfo ; then
        spawn_fail "not removing $SPAWN_TMP: something is mounted below it"
        return 1
    fi
    rm -rf --one-file-system "$SPAWN_TMP"
}

function spawn_build_fixture () {
    local dest="${1:-$SPAWN_TMP/fixture}"
    "$SPAWN_WORK_TREE/tests/fixtures/build-busybox-rootfs.sh" "$dest" >/dev/null || return 1
    SPAWN_FIXTURE="$( cd "$dest" && pwd )"
    export SPAWN_FIXTURE
}

function spawn_fixture_copy () {
    local dest="$SPAWN_TMP/$1"
    rm -rf --one-file-system "$dest"
    cp -a "$SPAWN_FIXTURE" "$dest" || return 1
    echo "$dest"
}

function spawn_fixture_add_setup_script () {
    printf '%s\n' "$3" >"$1/etc/scripts/system-setup.d/$2.sh"
}

function spawn () {
    local pids="${SPAWN_TMP:-${BATS_TEST_TMPDIR:-/tmp}}/helper-pids"
    # exec: the PID written is the helper's. No '&': a background job would ignore SIGINT.
    sh -c 'echo $$ >>"$0" ; exec "$@"' "$pids" "$RESCUE_SPAWN" "$@" </dev/null | tr -d '\r'
    return "${PIPESTATUS[0]}"
}

function spawn_in () {
    local root="$1"
    shift
    spawn "$root" -- /bin/sh -c "$@"
}

# "PID PPID COMM" of every process, from /proc (ps may truncate or miss fields).
function spawn_process_table () {
    local stat pid rest comm ppid
    for stat in /proc/[0-9]*/stat ; do
        { IFS= read -r rest <"$stat" ; } 2>/dev/null || continue
        pid=${rest%% *}
        comm=${rest#*(} ; comm=${comm%)*}
        rest=${rest##*) } ; rest=${rest#* } ; ppid=${rest%% *}
        echo "$pid $ppid ${comm// /_}"
    done
}

function spawn_leftovers () {
    local table pid ppid comm args dir cg helper_alive p n
    table="$( spawn_process_table )"
    # Live helpers (not guards: their comm is rescue-spawn-gd).
    local -A helpers=() parent=()
    while read -r pid ppid comm ; do
        parent[$pid]=$ppid
        test "$comm" = rescue-spawn && helpers[$pid]=1
    done <<<"$table"

    grep -F rescue-spawn /proc/self/mountinfo | sed 's/^/mount: /'

    while read -r pid ppid comm ; do
        case "$comm" in
            (rescue-spawn|rescue-spawn-gd) ;;
            (*) continue ;;
        esac
        args="$( tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null )" || continue
        test -n "$args" || continue
        if test -z "${SPAWN_SCOPE:-}" || [[ "$args" == *"$SPAWN_SCOPE"* ]] ; then
            echo "process: $pid ($comm) $args"
        elif test "$comm" = rescue-spawn-gd && test -z "${helpers[$ppid]:-}" ; then
            echo "process: $pid (orphaned cleanup guard) $args"
        fi
    done <<<"$table"

    # Container processes: their ancestors must include a live helper.
    for p in $( grep -lsxzF container=rescue-spawn /proc/[0-9]*/environ | cut -d/ -f3 ) ; do
        helper_alive=""
        pid=$p n=0
        while test -n "$pid" -a "$pid" != 0 -a "$pid" != 1 -a $n -lt 64 ; do
            test -n "${helpers[$pid]:-}" && { helper_alive=yes ; break ; }
            pid=${parent[$pid]:-}
            n=$((n + 1))
        done
        if test -z "$helper_alive" && test -e "/proc/$p" ; then
            echo "container process: $p $( tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null )"
        fi
    done

    while read -r cg ; do
        test -n "$cg" || continue
        pid=${cg##*/rescue-spawn-}
        test -n "${helpers[$pid]:-}" || echo "cgroup: $cg"
    done < <( find /sys/fs/cgroup -maxdepth 6 -type d -name 'rescue-spawn-*' 2>/dev/null )

    for dir in /run/rescue-spawn.* /tmp/rescue-spawn.* ; do
        test -d "$dir" || continue
        helper_alive=""
        for pid in "${!helpers[@]}" ; do
            if grep -qsF " $dir " "/proc/$pid/mountinfo" ; then
                helper_alive=yes
                break
            fi
        done
        test -n "$helper_alive" || echo "runtime directory: $dir"
    done
    return 0
}

function assert_no_leftovers () {
    local left i
    for i in $( seq 30 ) ; do
        left="$( spawn_leftovers )"
        test -z "$left" && return 0
        sleep 0.1
    done
    spawn_fail "rescue-spawn left something behind:" "$left"
}

function spawn_host_snapshot () {
    local f
    echo "uname -n: $( uname -n )"
    for f in kernel/hostname kernel/domainname kernel/printk kernel/panic kernel/pid_max \
             kernel/sysrq kernel/core_pattern vm/swappiness vm/overcommit_memory \
             net/ipv4/ip_forward net/ipv4/conf/all/forwarding fs/file-max \
             user/max_user_namespaces ; do
        test -r "/proc/sys/$f" && echo "sysctl $f: $( cat "/proc/sys/$f" )"
    done
    ip -o link show | sed -e 's/^/link: /'
    ip -o addr show | sed -e 's/^/addr: /'
    stat -c 'dev: %n %F %a %u:%g %t:%T' /dev/* 2>/dev/null
    findmnt -rn -o TARGET,FSTYPE,OPTIONS | sed -e 's/^/mount: /'
    sed -e 's/^/swap: /' /proc/swaps
    test -r /proc/modules && cut -d' ' -f1 /proc/modules | sort | sed -e 's/^/module: /'
    local cgroot
    for cgroot in /sys/fs/cgroup /sys/fs/cgroup/unified ; do
        test -e "$cgroot/cgroup.procs" || continue
        find "$cgroot" -mindepth 1 -maxdepth 1 -type d ! -name 'rescue-spawn-*' | sort | sed -e 's/^/cgroup: /'
    done
    echo "year: $( date +%Y )"
}

function assert_host_unchanged () {
    local now
    now="$( spawn_host_snapshot )"
    test "$now" = "$( cat "$1" )" && return 0
    spawn_fail "the host changed:" "$( diff "$1" - <<<"$now" )"
}
