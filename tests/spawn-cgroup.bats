#!/usr/bin/env bats
# systemd inside needs a writable cgroup tree of its own, on this machine's v1+v2
# hybrid layout and on a pure cgroup v2 host (simulated: a private mount namespace
# whose only cgroup mount is a cgroup2 at /sys/fs/cgroup).

load lib/spawn

setup_file () {
    spawn_setup_file
}

teardown_file () {
    spawn_tmp_remove
}

@test "the container gets its own writable cgroup2 tree (hybrid host)" {
    run --separate-stderr spawn_in "$SPAWN_FIXTURE" \
        'grep " /sys/fs/cgroup " /proc/self/mountinfo | grep -c cgroup2; cat /proc/self/cgroup; mkdir /sys/fs/cgroup/probe && echo made; rmdir /sys/fs/cgroup/probe'
    [ "$status" -eq 0 ]
    assert_contains "$output" "0::/"
    assert_contains "$output" "made"
    # The host sees it as rescue-spawn-PID below the helper's own cgroup, and never as /.
    refute_contains "$output" "rescue-spawn-"
    assert_no_leftovers
}

@test "a pure cgroup v2 host works too" {
    run --separate-stderr unshare -m --propagation private bash -c '
        umount -R /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 99
        "$0" "$1" -- /bin/sh -c "cat /proc/self/cgroup; mkdir /sys/fs/cgroup/probe && echo made"
    ' "$RESCUE_SPAWN" "$SPAWN_FIXTURE"
    [ "$status" -ne 99 ] || skip "cannot remount /sys/fs/cgroup as pure cgroup v2 here"
    [ "$status" -eq 0 ]
    assert_contains "$output" "0::/"
    assert_contains "$output" "made"
    refute_contains "$stderr" "no cgroup"
    assert_no_leftovers
}

@test "the container's processes are in the helper's rescue-spawn-PID cgroup, removed at the end" {
    # fd 3 closed: bats would wait for the background job otherwise. --real-sleeps: the
    # sleep keeps the container alive for the look at its cgroup.
    spawn --real-sleeps "$SPAWN_FIXTURE" -- /bin/sh -c 'sleep 3' 3>&- &
    local pid=$!
    local cg="" i helper
    # The helper's cgroup is named after its PID (spawn records it): other runs may be going on.
    for i in $(seq 50); do
        helper=$(tail -n 1 "$SPAWN_TMP/helper-pids" 2>/dev/null)
        cg=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "rescue-spawn-$helper" 2>/dev/null | head -1)
        # cgroupfs files have size 0: read them.
        [ -n "$helper" ] && [ -n "$cg" ] && grep -q . "$cg/cgroup.procs" && break
        sleep 0.1
    done
    [ -n "$cg" ]
    grep -q . "$cg/cgroup.procs"
    wait "$pid"
    assert_no_leftovers
    [ ! -d "$cg" ]
}

@test "the cgroups are made beside the helper's start, not in its place: the image runs on the helper's CPUs, also when it has one" {
    # The thread that makes the cgroups starts on another of the helper's CPUs (main.c,
    # cgroups_start); nothing of that may reach the helper itself or the image.
    local all cpus expected
    all="$( awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status )"
    for cpus in "$all" 0 ; do
        expected="$( taskset -c "$cpus" awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status )"
        run --separate-stderr taskset -c "$cpus" "$RESCUE_SPAWN" -v "$SPAWN_FIXTURE" -- \
            /bin/sh -c 'awk "/^Cpus_allowed_list:/ { print \$2 }" /proc/self/status'
        [ "$status" -eq 0 ] || spawn_fail "on CPUs $cpus: exit $status" "$stderr"
        assert_equal "${output//$'\r'/}" "$expected" "the image's CPUs when the helper has $cpus"  # the console's CRs
        assert_contains "$stderr" "limit of the processes: 4096 in "
    done
    assert_no_leftovers
}

# What a test below made or a killed helper left (file "made", a path a line), should the
# test fail before it is gone: what runs in a cgroup2 group is killed, the empty
# directories are removed.
function teardown () {
    local path
    test -f "$BATS_TEST_TMPDIR/made" || return 0
    while read -r path ; do
        test -e "$path/cgroup.kill" && echo 1 >"$path/cgroup.kill"
    done <"$BATS_TEST_TMPDIR/made"
    local left
    for _ in $( seq 20 ) ; do
        left=""
        while read -r path ; do
            test -d "$path" || continue
            find "$path" -depth -type d -exec rmdir {} + 2>/dev/null
            test -d "$path" && left=yes
        done <"$BATS_TEST_TMPDIR/made"
        test -z "$left" && break
        sleep 0.1
    done
    return 0
}

# The directories of the helper's own cgroups, one per line: its cgroup2 group and the
# groups of the v1 hierarchies that hold a limit's controller (a helper started here
# makes its rescue-spawn-PID groups below them).
function own_cgroup_dirs () {
    local controllers path cgroup2
    cgroup2="$( findmnt -n -t cgroup2 -o TARGET | head -n 1 )"
    while IFS=: read -r _ controllers path ; do
        case "$controllers" in
            ("") test -n "$cgroup2" && echo "$cgroup2${path%/}" ;;
            (pids|memory|cpu) echo "/sys/fs/cgroup/$controllers${path%/}" ;;
        esac
    done </proc/self/cgroup
}

@test "a helper killed together with its guard leaves its cgroups and runtime directory; the next helper's guard removes them, and only a dead helper's" {
    # What systemd's final SIGKILL of a unit, or an OOM kill of the memory the helper
    # and its guard share, does: both die at once, and nothing of theirs cleans up.
    spawn --real-sleeps "$SPAWN_FIXTURE" -- /bin/sh -c 'sleep 30' 3>&- &
    local job=$! helper="" guard="" groups="" dir=""
    for _ in $( seq 50 ) ; do
        helper="$( tail -n 1 "$SPAWN_TMP/helper-pids" 2>/dev/null )"
        if test -n "$helper" ; then
            guard="$( ps --ppid "$helper" -o pid=,comm= | awk '$2 == "rescue-spawn-gd" { print $1 }' )"
            groups="$( find /sys/fs/cgroup -maxdepth 5 -type d -name "rescue-spawn-$helper" 2>/dev/null )"
            dir="$( find /run -maxdepth 1 -type d -name "rescue-spawn.$helper.*" )"
        fi
        [ -n "$guard" ] && [ -n "$groups" ] && [ -n "$dir" ] && break
        sleep 0.1
    done
    [ -n "$guard" ] && [ -n "$groups" ] && [ -n "$dir" ] || spawn_fail "no guard, cgroup or runtime directory of helper $helper"
    # The guard first: the helper's end would start its cleanup.
    kill -KILL "$guard" "$helper"
    printf '%s\n' "$groups" "$dir" >>"$BATS_TEST_TMPDIR/made"
    wait "$job" || true
    local group
    while read -r group ; do
        [ -d "$group" ] || spawn_fail "$group went with the helper and its guard: nothing was left to remove"
    done <<<"$groups"
    [ -d "$dir" ]
    # Beside them, what looks the same but whose PID lives (this shell's): it stays.
    local decoys=() live=$BASHPID
    while read -r group ; do
        decoys+=( "$( dirname "$group" )/rescue-spawn-$live" )
    done <<<"$groups"
    decoys+=( "$( mktemp -d "/run/rescue-spawn.$live.XXXXXX" )" )
    printf '%s\n' "${decoys[@]}" >>"$BATS_TEST_TMPDIR/made"
    for group in "${decoys[@]}" ; do
        [ -d "$group" ] || mkdir "$group"
    done
    # The image dies with the helper even so: its PID 1 has the parent-death signal
    # (set again after it took the private range's IDs, which clear it).
    local procs=() running=""
    mapfile -t procs < <( sed 's|$|/cgroup.procs|' <<<"$groups" )
    for _ in $( seq 30 ) ; do
        running="$( cat "${procs[@]}" )"
        [ -z "$running" ] && break
        sleep 0.1
    done
    [ -z "$running" ] || spawn_fail "the image outlived its helper by 3 s: processes $( echo $running )"
    run --separate-stderr spawn_in "$SPAWN_FIXTURE" true
    local decoys_left=()
    for group in "${decoys[@]}" ; do
        [ -d "$group" ] && decoys_left+=( "$group" )
        rmdir "$group" 2>/dev/null || true
    done
    [ "$status" -eq 0 ] || spawn_fail "the next helper: exit $status" "$stderr"
    while read -r group ; do
        [ ! -d "$group" ] || spawn_fail "the dead helper's $group is still there"
    done <<<"$groups"
    [ ! -d "$dir" ] || spawn_fail "the dead helper's $dir is still there"
    assert_equal "${#decoys_left[@]}" "${#decoys[@]}" "the live PID's look-alikes that stayed"
    assert_no_leftovers
}

@test "a cgroup left by a dead helper of the same PID: the new helper takes the name over, with its limits" {
    # PIDs come round again (pid_max): the stale groups of a killed helper (the test
    # above) can carry the new helper's PID. Made here for the PID the helper will have:
    # the shell's, which execs it. The cgroup2 group with a subgroup, as systemd inside
    # leaves it.
    local dirs
    dirs="$( own_cgroup_dirs )"
    run --separate-stderr bash -c '
        echo $$ >"$0/stale-pid"
        while read -r dir ; do
            mkdir -p "$dir/rescue-spawn-$$/init.scope" || exit 99
        done <<<"$1"
        exec "$2" -v "$3" -- /bin/true
    ' "$BATS_TEST_TMPDIR" "$dirs" "$RESCUE_SPAWN" "$SPAWN_FIXTURE"
    local pid
    pid="$( cat "$BATS_TEST_TMPDIR/stale-pid" )"
    sed "s|\$|/rescue-spawn-$pid|" <<<"$dirs" >>"$BATS_TEST_TMPDIR/made"
    [ "$status" -ne 99 ] || spawn_fail "cannot make the stale groups" "$stderr"
    [ "$status" -eq 0 ] || spawn_fail "exit $status" "$stderr"
    # Before, the name was taken: "no cgroup for the container (File exists)" and limits
    # that "cannot be limited".
    refute_contains "$stderr" "warning"
    assert_contains "$stderr" "limit of the processes: 4096 in "
    assert_contains "$stderr" "/rescue-spawn-$pid"
    run find /sys/fs/cgroup -maxdepth 6 -type d -name "rescue-spawn-$pid"
    assert_equal "$output" "" "groups rescue-spawn-$pid left"
    assert_no_leftovers
}
