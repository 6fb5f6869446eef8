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
#   SPAWN_SINCE              a file: the leftover check only counts cgroups and runtime
#                            directories made after it (default: $SPAWN_TMP/.since)
#
# Setup and teardown
#   spawn_setup_file         the usual setup_file: spawn_require_helper, spawn_tmp_create,
#                            spawn_build_fixture
#   spawn_require_helper     fail (status 1, a message on stderr) when the helper is not built
#   spawn_tmp_create         make SPAWN_TMP=/var/tmp/rt-test.XXXXXX and export it (and
#                            SPAWN_SCOPE, SPAWN_SINCE unless they are set)
#   spawn_tmp_remove         remove SPAWN_TMP (refuses while something is mounted below it)
#   spawn_build_fixture      build the busybox fixture (tests/fixtures/build-busybox-rootfs.sh)
#                            in $SPAWN_TMP/fixture, set and export SPAWN_FIXTURE
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
#                            (cgroups and directories: only those newer than $SPAWN_SINCE)
#                            Runs of other tests at the same time do not count: only what no
#                            live helper owns, and what belongs to this file's scope.
#   spawn_host_snapshot      print what the host's state looks like for the isolation tests:
#                            host name, selected sysctls, network links and addresses, /dev
#                            (names, types, modes, device numbers), the mounts on /, /proc,
#                            /sys and /dev and below them, swaps, modules, top-level
#                            cgroups (without rescue-spawn-*), date's year
#   assert_host_unchanged FILE   compare spawn_host_snapshot with FILE (an earlier snapshot)
#   spawn_fail MESSAGE...    print MESSAGE on stderr, return 1
#   assert_equal ACTUAL EXPECTED [WHAT]
#   assert_contains HAYSTACK NEEDLE [WHAT]     fixed-string search, line-independent
#   refute_contains HAYSTACK NEEDLE [WHAT]
#   assert_has_line TEXT LINE [WHAT]          TEXT has a line that is exactly LINE
#   refute_has_line TEXT LINE [WHAT]
#   (these use no subshell: bats makes every process of a test slow, keep loops fork-free)

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

function assert_has_line () {
    local l all
    mapfile -t all <<<"$1"
    for l in "${all[@]}" ; do
        test "$l" = "$2" && return 0
    done
    spawn_fail "${3:-output} has no line '$2':" "$1"
}

function refute_has_line () {
    local l all
    mapfile -t all <<<"$1"
    for l in "${all[@]}" ; do
        test "$l" = "$2" && spawn_fail "${3:-output} has the line '$2' (it must not):" "$1"
    done
    return 0
}

function spawn_require_helper () {
    test -x "$RESCUE_SPAWN" && return 0
    spawn_fail "$RESCUE_SPAWN is not built (run make in $SPAWN_WORK_TREE)"
}

function spawn_tmp_create () {
    SPAWN_TMP="$( mktemp -d /var/tmp/rt-test.XXXXXX )" || return 1
    touch "$SPAWN_TMP/.since"
    export SPAWN_TMP
    export SPAWN_SCOPE="${SPAWN_SCOPE-$SPAWN_TMP}"
    export SPAWN_SINCE="${SPAWN_SINCE-$SPAWN_TMP/.since}"
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
    local dest="$SPAWN_TMP/fixture"
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

# The usual setup_file of a test file: the helper must be built, a scratch directory,
# the busybox fixture in it.
function spawn_setup_file () {
    spawn_require_helper && spawn_tmp_create && spawn_build_fixture
}

# One awk, few processes: bats' DEBUG trap makes shell commands slow and forks are dear.
function spawn_leftovers () {
    local newer=() dirs
    test -n "${SPAWN_SINCE:-}" -a -e "${SPAWN_SINCE:-/nonexistent}" && newer=( -newer "$SPAWN_SINCE" )
    mapfile -t dirs < <( find /run /tmp -maxdepth 1 -type d -name 'rescue-spawn.*' "${newer[@]}" 2>/dev/null )
    LO_SCOPE="${SPAWN_SCOPE:-}" LO_DIRS="${dirs[*]}" awk '
        FILENAME == ARGV[1] {           # ps -eo pid=,ppid=,comm=,args=
            pid = $1 ; parent[pid] = $2 ; comm[pid] = $3
            a = $0 ; sub(/^ *[0-9]+ +[0-9]+ +[^ ]+ */, "", a) ; args[pid] = a
            if ($3 == "rescue-spawn") helper[pid] = 1
            next
        }
        FILENAME == ARGV[2] {           # our own mount table
            if (index($0, "rescue-spawn")) print "mount: " $0
            next
        }
        FILENAME == ARGV[3] {           # /proc/PID/environ holding container=rescue-spawn
            split($0, f, "/") ; container[f[3]] = 1
            next
        }
        FILENAME == ARGV[4] {           # cgroups called rescue-spawn-*
            h = $0 ; sub(/.*\/rescue-spawn-/, "", h)
            if (!(h in helper)) print "cgroup: " $0
            next
        }
        END {
            scope = ENVIRON["LO_SCOPE"]
            for (pid in comm) {
                if (comm[pid] != "rescue-spawn" && comm[pid] != "rescue-spawn-gd") continue
                if (scope == "" || index(args[pid], scope))
                    print "process: " pid " (" comm[pid] ") " args[pid]
                else if (comm[pid] == "rescue-spawn-gd" && !(parent[pid] in helper))
                    print "process: " pid " (orphaned cleanup guard) " args[pid]
            }
            # a container process must have a live helper among its ancestors
            for (p in container) {
                if (!(p in comm)) continue
                q = p ; ok = 0
                for (k = 0 ; k < 64 && q != "" && q != "0" ; k++) {
                    if (q in helper) { ok = 1 ; break }
                    q = parent[q]
                }
                if (!ok) print "container process: " p " " args[p]
            }
            # a runtime directory must be mounted by a running helper (in its namespace)
            n = split(ENVIRON["LO_DIRS"], d, " ")
            for (i = 1 ; i <= n ; i++) {
                used = 0
                for (h in helper) {
                    file = "/proc/" h "/mountinfo"
                    while (!used && (getline line < file) > 0)
                        if (index(line, " " d[i] " ")) used = 1
                    close(file)
                    if (used) break
                }
                if (!used) print "runtime directory: " d[i]
            }
        }' <( ps -eo pid=,ppid=,comm=,args= ) /proc/self/mountinfo \
           <( grep -lsxzF container=rescue-spawn /proc/[0-9]*/environ ) \
           <( find /sys/fs/cgroup -maxdepth 6 -type d -name 'rescue-spawn-*' "${newer[@]}" 2>/dev/null )
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
    # Every command succeeds: a failing one would leave a misleading trace in bats' report.
    {
        echo "uname -n: $( uname -n )"
        grep -sH '' /proc/sys/kernel/{hostname,domainname,printk,panic,pid_max,sysrq,core_pattern} \
            /proc/sys/vm/{swappiness,overcommit_memory} /proc/sys/net/ipv4/ip_forward \
            /proc/sys/net/ipv4/conf/all/forwarding /proc/sys/fs/file-max \
            /proc/sys/user/max_user_namespaces || true
        ip -o link show || true
        # without the lifetimes, which count down with DHCP and SLAAC
        ip -o addr show | sed -e 's/[\\ ]*valid_lft.*//' || true
        stat -c 'dev: %n %F %a %u:%g %t:%T' /dev/* || true
        # the mounts an image could reach (others' tests may mount elsewhere meanwhile)
        findmnt -rn -o TARGET,FSTYPE,OPTIONS | grep -E '^/(proc|sys|dev)?([/ ]|$)' || true
        cat /proc/swaps || true
        if test -r /proc/modules ; then cut -d' ' -f1 /proc/modules | sort ; fi
        find /sys/fs/cgroup /sys/fs/cgroup/unified -mindepth 1 -maxdepth 1 -type d \
            ! -name 'rescue-spawn-*' | sort
        echo "year: $( date +%Y )"
    } 2>/dev/null
}

function assert_host_unchanged () {
    local now
    now="$( spawn_host_snapshot )"
    test "$now" = "$( cat "$1" )" && return 0
    spawn_fail "the host changed:" "$( diff "$1" - <<<"$now" )"
}
