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
