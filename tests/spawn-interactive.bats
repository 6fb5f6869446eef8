#!/usr/bin/env bats
#
# Interactive use of rescue-spawn (issue 2, point 4) on the busybox fixture, driven like a
# person at a terminal: tests/lib/pty-drive.py runs the helper on a new pty (so the helper
# is interactive and puts that pty into raw mode), types, and reads the screen. Each test
# is one script of steps (see the top of pty-drive.py); a failed step ends the test and
# shows the end of the screen. Needs root.

load lib/spawn

PTY_DRIVE="$BATS_TEST_DIRNAME/lib/pty-drive.py"

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

# boot [--size ROWSxCOLS] [HELPER OPTION...] [-- COMMAND...] <<'STEPS'
# Boots the fixture with the helper on a new pty of that size (default 24x80) and runs
# the STEPS of pty-drive.py. The whole screen is kept in $BATS_TEST_TMPDIR/screen.log.
function boot () {
    local size=( --rows 24 --cols 80 ) options=()
    if test "${1:-}" = --size ; then
        size=( --rows "${2%x*}" --cols "${2#*x}" )
        shift 2
    fi
    while test $# -gt 0 && test "$1" != -- ; do
        options+=( "$1" )
        shift
    done
    "$PTY_DRIVE" "${size[@]}" --log "$BATS_TEST_TMPDIR/screen.log" -f - -- \
        "$RESCUE_SPAWN" "${options[@]}" "$SPAWN_FIXTURE" "$@"
}

# In the steps: the fixture's login prompt is '^rescue-fixture login: ', root's shell
# prompt 'RESCUE \S+ # ' (PS1 of the fixture's /etc/profile). Commands print computed
# values ("sum=$((6*7))" -> sum=42) so that the echo of the typed line never matches.

@test "the screen shows the boot, then tty1's login prompt; root logs in and runs a command" {
    boot <<'EOF'
container
expect 'Relax-and-Recover rescue system is ready' 20
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
line 'echo "sum=$((6*7))"; tty'
expect '^sum=42$'
expect '^/dev/tty1$'
send '\x1dq'
wait-exit 5 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "before a getty has printed anything, keys go to the console" {
    # No getty here: COMMAND reads from the console (its stdin) and says what it got.
    boot -- /bin/sh -c 'echo "ready=$((1+1))"; read answer; echo "console got=$answer"; exit 7' <<'EOF'
container
expect '^ready=2$' 10
line hello-console
expect '^console got=hello-console$' 5
wait-exit 5 7
restored
gone 0
EOF
    assert_no_leftovers
}

@test "stty size in the container is the user's window size, on every tty, and follows a resize" {
    boot --size 31x97 <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
line 'echo "size=$(stty size)"'
expect '^size=31 97$'
resize 40 120
sleep 0.2
line 'echo "size=$(stty size)"'
expect '^size=40 120$'
send '\x1d3'
expect '\[rescue-spawn\] tty3' 5
expect '^rescue-fixture login: ' 10
line root
expect 'RESCUE \S+ # '
line 'echo "size=$(stty size) on $(tty)"'
expect '^size=40 120 on /dev/tty3$'
send '\x1dq'
wait-exit 5 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "Ctrl-] 2 shows tty2 with its banner and login prompt, and keys go to tty2; Ctrl-] s and 0 switch on" {
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
send '\x1d2'
expect '\[rescue-spawn\] tty2 \(Ctrl-\] \? for help\)' 5
expect '^rescue-fixture login: ' 10
line root
expect 'RESCUE \S+ # '
line 'echo "on=$(tty)"'
expect '^on=/dev/tty2$'
send '\x1ds'
expect '\[rescue-spawn\] ttyS0' 5
send '\x1d0'
expect '\[rescue-spawn\] screen' 5
# tty1 got none of tty2's keys: the screen still shows its login prompt, no shell
sleep 0.3
absent 'RESCUE \S+ # '
line root
expect 'RESCUE \S+ # '
line 'echo "on=$(tty)"'
expect '^on=/dev/tty1$'
send '\x1dq'
wait-exit 5 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "Ctrl-] ? prints the escape keys and sends nothing to the container" {
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
send '\x1d?'
expect 'escape key: Ctrl-\] followed by' 5
expect 'tty1 \.\. tty9'
expect 'power off'
expect 'quit now'
# had '?' reached getty, the user name would be "?root" and the login would fail
line root
expect 'RESCUE \S+ # '
line 'echo "user=$USER"'
expect '^user=root$'
send '\x1dq'
wait-exit 5 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "Ctrl-] p powers the image off through its init: exit 0, 'powered off', terminal restored" {
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
send '\x1dp'
expect 'asking the image to power off' 5
# the fixture's inittab shutdown action: init really went through its power off
expect 'Shutting down Relax-and-Recover rescue system' 20
expect 'the image powered off' 20
wait-exit 20 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "Ctrl-] q quits at once: exit 0, terminal restored, nothing left" {
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
send '\x1dq'
wait-exit 2 0
restored
# killed, not shut down
absent 'Shutting down Relax-and-Recover rescue system'
gone 0
EOF
    assert_no_leftovers
}

@test "Ctrl-] Ctrl-] sends one Ctrl-] (octal 035) into the container" {
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
# od reads the tty in canonical mode: the two key presses, Enter, Ctrl-D
line 'echo "od=$((1+1))"; od -c'
expect '^od=2$'
send '\x1d\x1d\r\x04'
expect '^0000000 +035 +\\n$' 5
expect '^0000002$'
expect 'RESCUE \S+ # '
send '\x1dq'
wait-exit 5 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "logging out ends only the getty: the login prompt comes back and root logs in again" {
    boot <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
line 'echo "first=$((6*7))"'
expect '^first=42$'
line exit
expect '^rescue-fixture login: ' 10
line root
expect 'RESCUE \S+ # '
line 'echo "second=$((6*7)) on $(tty)"'
expect '^second=42 on /dev/tty1$'
send '\x1dp'
expect 'the image powered off' 20
wait-exit 20 0
restored
gone 0
EOF
    assert_no_leftovers
}

@test "quitting resets the terminal modes the container's programs switched on (alternate screen, hidden cursor, cursor keys)" {
    # What a full-screen program (vi, less, mc) switches on in the user's terminal stays
    # on when the container is gone in the middle of it, unless the helper resets it:
    # each of the three must be switched off after the end, one by one, by a soft reset
    # (DECSTR, ESC [ ! p) where that covers it, or by a full reset (RIS, ESC c).
    boot <<'EOF2'
container
expect '^rescue-fixture login: ' 20
line root
expect 'RESCUE \S+ # '
# (send and line take escapes: \\033 types a backslash and 033 for printf)
line 'printf "\\033[?1049h\\033[?25l\\033[?1h"; echo "modes=$((2+2))"'
expect '^modes=4$'
raw-expect '\x1b\[\?1049h\x1b\[\?25l\x1b\[\?1h'
send '\x1dq'
wait-exit 2 0
restored
raw-expect '(?=.*(?:\x1b\[\?(?:1049|1047|47)l|\x1bc))(?=.*(?:\x1b\[\?25h|\x1b\[!p|\x1bc))(?=.*(?:\x1b\[\?1l|\x1b\[!p|\x1bc))' 0
gone 0
EOF2
    assert_no_leftovers
}
