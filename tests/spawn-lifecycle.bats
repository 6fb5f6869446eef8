#!/usr/bin/env bats
#
# The end of a container (issue 2, points 6 and 8) on the busybox fixture: power off and
# reboot from inside, SIGTERM, SIGINT and SIGHUP to the helper, SIGKILL of the helper, a
# timeout, an init that ignores the power-off request. After each, nothing of the
# container may remain. The helper runs interactively on a pty driven by
# tests/lib/pty-drive.py, whose step "container" records the running container (its PID 1,
# PID/mount/user namespaces, the helper's mount namespace, the cleanup guard, the cgroup
# rescue-spawn-PID, the runtime directory /run/rescue-spawn.PID.XXXXXX, the devpts instance
# of its ptys) and whose step "gone" fails while any of it is left: a process in one of
# those namespaces (ps -e -o pid,pidns,mntns,userns), the guard, the cgroup, the directory or
# a mount of it, a pty left in the container's devpts instance. When the helper has
# ended in any way but SIGKILL, nothing may remain at that very moment ("gone 0": the
# helper waits for its guard before it exits); after a SIGKILL the guard cleans up on its
# own ("gone 3"). assert_no_leftovers (tests/lib/spawn.bash) checks the host as a whole
# afterwards. Needs root.

load lib/spawn

PTY_DRIVE="$BATS_TEST_DIRNAME/lib/pty-drive.py"

# An init that ignores what asks it to stop, and has a child that does the same.
STUBBORN='trap "" TERM INT HUP USR1 USR2 PWR; (trap "" TERM INT HUP USR1 USR2 PWR; while :; do sleep 1; done) & echo "stubborn=$((6*7))"; while :; do sleep 1; done'

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

# boot [HELPER OPTION...] [-- COMMAND...] <<'STEPS'
# Boots the fixture with the helper on a new 24x80 pty and runs the STEPS of pty-drive.py.
function boot () {
    local options=()
    while test $# -gt 0 && test "$1" != -- ; do
        options+=( "$1" )
        shift
    done
    "$PTY_DRIVE" --log "$BATS_TEST_TMPDIR/screen.log" -f - -- \
        "$RESCUE_SPAWN" "${options[@]}" "$SPAWN_FIXTURE" "$@"
}

# A signal to the helper asks the image to power off; it does so cleanly through its init.
function signal_powers_off () {
    boot <<EOF
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
signal $1
expect 'got .*: asking the image to power off' 5
expect 'Shutting down Relax-and-Recover rescue system' 20
expect 'the image powered off' 20
wait-exit 20 0
restored
gone 0
EOF
}

@test "poweroff typed at a root shell ends the container: exit 0, 'powered off', nothing left" {
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
line poweroff
expect 'Shutting down Relax-and-Recover rescue system' 20
expect 'the image powered off' 20
wait-exit 20 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "a COMMAND that calls reboot(2) to power off ends the container with exit 0" {
    # The command waits for a line, so that the container is seen running first.
    boot -v -- /bin/sh -c 'echo "waiting=$((6*7))"; read go; poweroff -f; echo "still here"' <<'EOF'
container
expect '^waiting=42$' 10
line go
expect 'the command powered off' 10
wait-exit 10 0
restored
absent 'still here'
gone 0
EOF
    assert_no_leftovers
}

@test "reboot typed at a root shell ends the container, reported as 'rebooted'" {
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
line reboot
expect 'Shutting down Relax-and-Recover rescue system' 20
expect 'the image rebooted' 20
wait-exit 20 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "SIGTERM to the helper: a clean power off, exit 0, nothing left" {
    signal_powers_off TERM
    assert_no_leftovers
}

@test "SIGINT (Ctrl-C) to the helper: a clean power off, exit 0, nothing left" {
    signal_powers_off INT
    assert_no_leftovers
}

@test "SIGHUP (terminal closed) to the helper: a clean power off, exit 0, nothing left" {
    signal_powers_off HUP
    assert_no_leftovers
}

@test "SIGKILL of the helper: the container dies within 3 s, nothing of it survives" {
    # A root shell with a background job that ignores the polite signals.
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
line '(trap "" TERM INT HUP; while :; do sleep 1; done) & echo "job=$((6*7))"'
expect '^job=42$'
signal KILL
wait-exit 2 137
gone 3
EOF
    assert_no_leftovers
}

@test "a crash of the helper (SIGSEGV): the guard in its memory lives on and removes everything" {
    # The guard shares the helper's memory (helper/clone.h); a crash ends only the helper.
    boot -- /bin/sh -c "$STUBBORN" <<'EOF'
container
expect '^stubborn=42$' 10
signal SEGV
wait-exit 2 139
gone 3
EOF
    assert_no_leftovers
}

@test "SIGKILL of the helper: a container whose processes ignore SIGTERM dies as well" {
    boot -- /bin/sh -c "$STUBBORN" <<'EOF'
container
expect '^stubborn=42$' 10
signal KILL
wait-exit 2 137
gone 3
EOF
    assert_no_leftovers
}

@test "--timeout: after the timeout the image is asked to power off, exit 1" {
    boot --timeout=2 <<'EOF'
container
expect '^rescue-fixture login: ' 20
sleep 1
absent 'timeout'
expect 'timeout: no end after 2 s' 5
expect 'Shutting down Relax-and-Recover rescue system' 20
expect 'the image powered off' 20
wait-exit 20 1
restored
gone 0
EOF
    assert_no_leftovers
}

@test "an init that ignores the power-off request is killed after --stop-timeout" {
    boot --stop-timeout=1 -- /bin/sh -c "$STUBBORN" <<'EOF'
container
expect '^stubborn=42$' 10
signal TERM
expect 'asking the image to power off' 5
sleep 0.6
absent 'killing it'
expect 'did not power off within 1 s: killing it' 3
# a COMMAND ends with its own status: 128+9, it was killed
wait-exit 3 137
restored
gone 0
EOF
    assert_no_leftovers
}

@test "a second SIGTERM kills at once, without waiting for the stop timeout" {
    boot --stop-timeout=30 -- /bin/sh -c "$STUBBORN" <<'EOF'
container
expect '^stubborn=42$' 10
signal TERM
expect 'asking the image to power off' 5
sleep 0.3
signal TERM
wait-exit 1 137
restored
gone 0
EOF
    assert_no_leftovers
}
