#!/usr/bin/env bats
#
# Limits (issue 13, point 1): a runaway image cannot exhaust the host. Processes, memory
# and the writable layer are limited by default (4096 processes, 4 GiB or half the host's
# memory, 2 GiB), the CPU weight is low; each is an option; --check FAILs with the limit
# named when the image ran into one ("limits"), and the host stays in bounds meanwhile.
#
# Fixtures: copies of the busybox fixture whose setup script runs a fork bomb (3000
# background processes: what an image could start here without a limit), a memory hog
# (dd with a 1 GiB buffer) or a disk filler (dd into the root file system). The limits
# are set low for the tests, so that a failure of the limit could not hurt this machine.
# Runtime: about 30 s.

load lib/spawn

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

function teardown () {
    assert_no_leftovers
}

# fixture_with NAME SCRIPT: a copy of the fixture whose boot runs SCRIPT (as a setup script).
function fixture_with () {
    local root
    root="$( spawn_fixture_copy "$1" )" || return 1
    spawn_fixture_add_setup_script "$root" 50-runaway "$2"
    echo "$root"
}

# The largest number of processes below the helper ($1: its PID) seen while it runs,
# sampled every 0.1 s, into $2.
function count_descendants () {
    local helper="$1" out="$2" max=0 n
    while kill -0 "$helper" 2>/dev/null ; do
        n="$( ps -e -o pid=,ppid= | awk -v top="$helper" '
            { parent[$1] = $2 }
            END { for (p in parent) { q = p ; for (k = 0 ; k < 64 && q > 1 ; k++) { if (q == top) { n++ ; break } ; q = parent[q] } } ; print n + 0 }' )"
        test "$n" -gt "$max" && max=$n
        sleep 0.1
    done
    echo "$max" >"$out"
}

# The lowest MemAvailable (bytes) seen while the helper ($1) runs, into $2.
function lowest_available () {
    local helper="$1" out="$2" low kib
    low="$( awk '/^MemAvailable:/ { print $2 }' /proc/meminfo )"
    while kill -0 "$helper" 2>/dev/null ; do
        kib="$( awk '/^MemAvailable:/ { print $2 }' /proc/meminfo )"
        test "$kib" -lt "$low" && low=$kib
        sleep 0.1
    done
    echo $(( low * 1024 )) >"$out"
}

# check_watched ROOT OPTION...: --check in the background, the host watched while it runs;
# $status, $summary, $stderr_text, $max_processes, $lowest_available set afterwards.
function check_watched () {
    local root="$1" helper i
    shift
    : >"$SPAWN_TMP/helper-pids"
    spawn --check --timeout=40 --stop-timeout=5 --report-dir="$SPAWN_TMP/report" "$@" "$root" \
        >"$SPAWN_TMP/stdout" 2>"$SPAWN_TMP/stderr" 3>&- &
    local job=$!
    for i in $( seq 50 ) ; do
        helper="$( tail -n 1 "$SPAWN_TMP/helper-pids" )"
        test -n "$helper" && break
        sleep 0.05
    done
    count_descendants "$helper" "$SPAWN_TMP/max-processes" 3>&- &
    local counter=$!
    lowest_available "$helper" "$SPAWN_TMP/lowest-available" 3>&- &
    local watcher=$!
    status=0
    wait "$job" || status=$?
    wait "$counter" "$watcher"
    summary="$( cat "$SPAWN_TMP/report/summary.txt" )"
    stderr_text="$( cat "$SPAWN_TMP/stderr" )"
    max_processes="$( cat "$SPAWN_TMP/max-processes" )"
    lowest_available="$( cat "$SPAWN_TMP/lowest-available" )"
    rm -rf "$SPAWN_TMP/report"
}

function available_now () {
    echo $(( $( awk '/^MemAvailable:/ { print $2 }' /proc/meminfo ) * 1024 ))
}

@test "a fork bomb stays within --pids-max: FAIL limits, the host never sees more processes" {
    local root
    root="$( fixture_with forkbomb 'i=0; while [ $i -lt 3000 ]; do sleep 1000 & i=$((i+1)); done 2>/dev/null' )"
    check_watched "$root" --pids-max=100 -v
    [ "$status" -eq 1 ]
    assert_contains "$stderr_text" "limit of the processes: 100 in "
    assert_contains "$summary" "the image exceeded its limit of 100 processes: the kernel refused"
    [[ "$summary" =~ $'\n'FAIL\ +limits\ +the\ image\ exceeded ]] || spawn_fail "no FAIL limits line:" "$summary"
    # 100 in the container, plus the helper, its guard and the probes at most:
    [ "$max_processes" -le 110 ] || spawn_fail "the host saw $max_processes processes of the container"
    [ "$max_processes" -ge 90 ] || spawn_fail "the fork bomb did not run ($max_processes processes)"
}

@test "a memory hog is stopped at --memory-max: FAIL limits, the host's free memory stays" {
    local root before
    root="$( fixture_with memhog 'dd if=/dev/zero of=/dev/null bs=1G count=1 2>&1 | tail -n 1' )"
    before="$( available_now )"
    check_watched "$root" --memory-max=96M
    [ "$status" -eq 1 ]
    assert_contains "$summary" "the image exceeded its memory limit of 96 MiB: the kernel's OOM killer ended"
    # The hog asked for 1 GiB; the host lost less than half of it at any moment
    # (other work on this machine moves MemAvailable too).
    [ $(( before - lowest_available )) -lt $(( 512 << 20 )) ] \
        || spawn_fail "MemAvailable fell from $before to $lowest_available"
}

@test "a disk filler is stopped at --writable-max: FAIL limits, the host's free memory stays" {
    local root before
    root="$( fixture_with filler 'dd if=/dev/zero of=/var/fill bs=1M count=1024 2>&1 | tail -n 1' )"
    before="$( available_now )"
    check_watched "$root" --writable-max=32M
    [ "$status" -eq 1 ]
    assert_contains "$summary" "the image exceeded its writable layer of 32 MiB: writes to its file system failed"
    [ $(( before - lowest_available )) -lt $(( 512 << 20 )) ] \
        || spawn_fail "MemAvailable fell from $before to $lowest_available"
    # The console shows the image's own error:
    assert_contains "$( cat "$SPAWN_TMP/stdout" )" "VERDICT: FAIL"
}

@test "a healthy image is within its limits: ok limits, with what it used" {
    check_watched "$SPAWN_FIXTURE" -v
    # (the fixture fails the recovery-readiness checks: it has no ReaR configuration)
    [[ "$summary" =~ $'\n'ok\ +limits\ +within\ its\ limits: ]] || spawn_fail "no ok limits line:" "$summary"
    assert_contains "$summary" "of 4096 processes at most"
    assert_contains "$summary" "of 2 GiB written"
}

@test "the defaults: 4096 processes, 4 GiB or half the host's memory, 2 GiB writable, CPU weight 50" {
    local half memory
    half=$(( $( awk '/^MemTotal:/ { print $2 }' /proc/meminfo ) * 1024 / 2 ))
    memory=$(( 4 << 30 ))
    [ "$half" -lt "$memory" ] && memory=$half
    run --separate-stderr spawn -v "$SPAWN_FIXTURE" -- /bin/sh -c 'df -k / | tail -n 1'
    [ "$status" -eq 0 ]
    assert_contains "$stderr" "limit of the processes: 4096 in "
    assert_contains "$stderr" "limit of the memory: $memory in "
    # cgroup v1 cpu.shares 512 is cpu.weight 50 (1024 and 100 are a normal process):
    [[ "$stderr" == *"limit of the CPU weight: 512 in "*"(cgroup v1)"* || "$stderr" == *"limit of the CPU weight: 50 in "* ]]
    # The root's size is that of the writable layer: 2 GiB = 2097152 KiB.
    assert_contains "$output" " 2097152 "
}

@test "0 switches a limit off; a bad value is a usage error (exit 2)" {
    run --separate-stderr spawn -v --pids-max=0 --memory-max=0 --writable-max=0 --cpu-weight=0 "$SPAWN_FIXTURE" -- /bin/true
    [ "$status" -eq 0 ]
    refute_contains "$stderr" "limit of the processes"
    refute_contains "$stderr" "limit of the memory"
    refute_contains "$stderr" "limit of the CPU weight"
    local bad
    for bad in --pids-max=3 --pids-max=x --memory-max=1X --memory-max=1M --writable-max=-1 --cpu-weight=-1 --cpu-weight=10001 ; do
        run --separate-stderr spawn "$bad" "$SPAWN_FIXTURE" -- /bin/true
        [ "$status" -eq 2 ] || spawn_fail "$bad: exit $status"
        assert_contains "$stderr" "invalid value"
    done
}

@test "the limits' cgroup v1 groups are removed even when the helper is killed" {
    spawn --real-sleeps "$SPAWN_FIXTURE" -- /bin/sh -c 'sleep 30' 3>&- &
    local job=$! helper="" i groups
    for i in $( seq 50 ) ; do
        helper="$( tail -n 1 "$SPAWN_TMP/helper-pids" 2>/dev/null )"
        groups="$( find /sys/fs/cgroup/pids /sys/fs/cgroup/memory -maxdepth 4 -type d -name "rescue-spawn-$helper" 2>/dev/null )"
        [ -n "$helper" ] && [ -n "$groups" ] && break
        sleep 0.1
    done
    [ -n "$groups" ] || skip "no cgroup v1 pids or memory hierarchy here"
    # While the image runs: its processes are in them, the CPU weight is set (after init's exec).
    local pids_group
    pids_group="$( grep /pids/ <<<"$groups" | head -n 1 )"
    if test -n "$pids_group" ; then
        grep -q . "$pids_group/tasks" || spawn_fail "nothing in $pids_group"
    fi
    if test -d "/sys/fs/cgroup/cpu/rescue-spawn-$helper" ; then
        for i in $( seq 20 ) ; do
            test "$( cat "/sys/fs/cgroup/cpu/rescue-spawn-$helper/cpu.shares" )" = 512 && break
            sleep 0.1
        done
        assert_equal "$( cat "/sys/fs/cgroup/cpu/rescue-spawn-$helper/cpu.shares" )" 512 "cpu.shares"
    fi
    kill -KILL "$helper"
    wait "$job" || true
    assert_no_leftovers
    run find /sys/fs/cgroup -maxdepth 5 -type d -name "rescue-spawn-$helper"
    [ -z "$output" ]
}
