#!/usr/bin/env bats
#
# Real login on both real ReaR images (issue 2, points 6 and 7), like a person at the
# machine: tests/lib/pty-drive.py runs the helper interactively on a new pty, waits for
# the login prompt on the screen, switches to every other tty on which the image starts
# a getty (read from the image's units, or its inittab when init is not systemd) and
# waits for its prompt, logs in as root (ReaR's rescue login asks no password), runs
# commands, logs out and in again, and powers off with Ctrl-] p.
# The images are built with the real 'rear' by tests/fixtures/build-rear-image.sh and
# cached in /var/cache/rear-testrescue-tests (a build takes minutes; a valid cache answers
# at once). Needs root.
# REAR_TEST_SUITE=bullseye|trixie runs the same tests on that Debian release's images
# (tests/lib/releases.bash; tests/run-tests does it for each release of REAR_TEST_SUITES).

load lib/spawn
load lib/releases

PTY_DRIVE="$BATS_TEST_DIRNAME/lib/pty-drive.py"
# Seconds: the plain image boots in ~35 s here (system-setup waits ~10 s for a udevd),
# the systemd one in ~15 s; CI machines can be slower.
LOGIN_TIMEOUT=90
# The plain image's power off fails at once and the tests want to see systemd say so: the
# helper's immediate power off of a power off that does not finish (at half of this) comes
# late enough for a loaded machine.
STOP_TIMEOUT=30

function setup_file () {
    spawn_require_helper
    spawn_tmp_create
    local variant
    for variant in plain systemd ; do
        release_image "$variant" >"$SPAWN_TMP/image-$variant.path" 2>"$SPAWN_TMP/image-$variant.log" || true
    done
}

function teardown_file () {
    spawn_tmp_remove
}

# The cached rootfs of VARIANT, or fail with the build's messages.
function image_root () {
    local root
    root="$( tail -n 1 "$SPAWN_TMP/image-$1.path" )"
    test -n "$root" -a -d "$root" -a -e "$root/etc/rear-release" && { echo "$root" ; return 0 ; }
    spawn_fail "no $1 image: tests/fixtures/build-rear-image.sh $1 failed:" "$( tail -n 20 "$SPAWN_TMP/image-$1.log" )"
}

# The terminals on which ROOT's init starts a getty, one per line (tty0, ttyN, ttyS0, ...).
function image_getty_ttys () {
    local root="$1" unit dir
    if image_init_is_systemd "$root" ; then
        for dir in etc/systemd/system usr/lib/systemd/system lib/systemd/system ; do
            for unit in "$root/$dir"/{getty,multi-user,default,graphical}.target.wants/*getty@*.service ; do
                test -e "$unit" -o -L "$unit" || continue
                unit="${unit##*/}"
                unit="${unit#*@}"
                echo "${unit%.service}"
            done
        done | sort -u
    else
        # sysvinit/busybox: "id:runlevels:respawn:/sbin/mingetty --noclear tty1"
        sed -n -e '/^[[:space:]]*#/d' -e 's/^[^:]*:[^:]*:respawn:.*getty.*[[:space:]/]\(tty[0-9A-Za-z]*\)\([[:space:]].*\)\{0,1\}$/\1/p' \
            "$root/etc/inittab" | sort -u
    fi
}

# The whole visit: boot, prompt on the screen, prompt on every other getty tty, log in,
# commands, log out and in again, Ctrl-] p, a clean end within the stop timeout.
function visit_image () {
    local variant="$1" root tty steps="$BATS_TEST_TMPDIR/steps"
    root="$( image_root "$variant" )" || return 1
    local ttys=( $( image_getty_ttys "$root" ) )
    echo "# $variant image: gettys on ${ttys[*]:-(none)}" >&3
    test ${#ttys[@]} -gt 0 || spawn_fail "the $variant image starts no getty at all"
    for tty in "${ttys[@]}" ; do
        case "$tty" in
            (tty0|tty1|tty[2-9]|ttyS0) ;;
            (*) spawn_fail "the $variant image starts a getty on $tty, which no escape key reaches" ;;
        esac
    done

    {
        echo "container 30"
        # tty1 (and tty0, the active virtual terminal, which is tty1) is on the screen, with
        # the console, as on a machine: a line of systemd's (LogLevel=debug) may come between
        # agetty's writes of "HOST", " " and "login: ". So the boot is awaited on the screen
        # by "login: " alone, and the prompt's line is checked in tty1's own output (Ctrl-] 1
        # shows its last output again, without the console's).
        echo "expect 'login: ' $LOGIN_TIMEOUT"
        echo "send '\\x1d1'"
        echo "expect '\\[rescue-spawn\\] tty1 ' 5"
        echo "expect '^\\S+ login: ' 30"
        for tty in "${ttys[@]}" ; do
            case "$tty" in
                (tty0|tty1|ttyS0) ;;        # the screen: just seen; ttyS0: its own test
                (tty[2-9])
                    echo "send '\\x1d${tty#tty}'"
                    echo "expect '\\[rescue-spawn\\] $tty ' 5"
                    echo "expect '^\\S+ login: ' 30"
                    ;;
            esac
        done
        cat <<'EOF'
send '\x1d0'
expect '\[rescue-spawn\] screen' 5
line root
expect 'RESCUE \S+ # ' 30
line 'echo "sum=$((6*7)) on $(tty)"; cat /etc/rear-release'
expect '^sum=42 on /dev/tty[01]$' 10
expect '^Relax-and-Recover release' 5
# log out: init starts the getty again (systemd: Restart=always; sysvinit: respawn), the prompt comes back
line exit
expect '^\S+ login: ' 30
line root
expect 'RESCUE \S+ # ' 30
line 'echo "again=$((6*7))"'
expect '^again=42$' 10
send '\x1dp'
expect 'asking the image to power off' 5
EOF
        echo "wait-exit $(( STOP_TIMEOUT + 5 )) 0"
        echo "restored"
        echo "gone 0"
    } >"$steps"
    "$PTY_DRIVE" --rows 30 --cols 100 --log "$BATS_TEST_TMPDIR/screen.log" -f "$steps" -- \
        "$RESCUE_SPAWN" --stop-timeout="$STOP_TIMEOUT" "$root"
    grep -aoE 'the image [^[:cntrl:]]* after [0-9.]+ s' "$BATS_TEST_TMPDIR/screen.log" | sed "s/^/# $variant: /" >&3
}

# Every tty a serial getty would use is ttyS0 in the container; its unit needs a device.
function serial_getty () {
    local root unit
    root="$( image_root "$1" )" || return 1
    if ! image_init_is_systemd "$root" ; then
        serial_getty_inittab "$1" "$root"
        return
    fi
    unit="$( image_getty_ttys "$root" | grep -x 'ttyS[0-9]*' | head -n 1 )"
    test -n "$unit" || skip "the $1 image starts no serial getty"
    grep -q '^BindsTo=dev-%i.device\|^BindTo=dev-%i.device' "$root/usr/lib/systemd/system/serial-getty@.service" ||
        spawn_fail "serial-getty@.service of the $1 image is not bound to its device any more: test it"
    skip "serial-getty@$unit.service is bound to dev-$unit.device (BindTo=), and systemd starts no device units in a container (no udev): it cannot start in any container"
}

# An inittab image (Debian 13's plain one: sysvinit) gets its serial getty at boot: ReaR's
# 45-serial-console.sh appends "s0:2345:respawn:/sbin/getty 38400 ttyS0 vt100" to
# /etc/inittab for each /dev/ttyS* that 'stty -F' answers, and runs 'init q'. On ttyS0
# (Ctrl-] s): its prompt, root logs in there, the shell's terminal is /dev/ttyS0.
function serial_getty_inittab () {
    local variant="$1" root="$2" steps="$BATS_TEST_TMPDIR/steps"
    grep -q '^[^#]*respawn:.*getty.*ttyS0' "$root/etc/inittab" ||
        test -f "$root/etc/scripts/system-setup.d/45-serial-console.sh" ||
        skip "the $variant image starts no getty on ttyS0"
    cat >"$steps" <<EOF
container 30
expect '^\\S+ login: ' $LOGIN_TIMEOUT
send '\\x1ds'
expect '\\[rescue-spawn\\] ttyS0 ' 5
expect '^\\S+ login: ' 30
line root
expect 'RESCUE \\S+ # ' 30
line 'echo "on \$(tty)"'
expect '^on /dev/ttyS0\$' 10
send '\\x1dp'
expect 'asking the image to power off' 5
wait-exit $(( STOP_TIMEOUT + 5 )) 0
restored
gone 0
EOF
    "$PTY_DRIVE" --rows 30 --cols 100 --log "$BATS_TEST_TMPDIR/screen.log" -f "$steps" -- \
        "$RESCUE_SPAWN" --stop-timeout="$STOP_TIMEOUT" "$root"
    grep -aq 'Serial console support enabled for ttyS0' "$BATS_TEST_TMPDIR/screen.log"
    assert_no_leftovers
}

@test "plain image: login prompt on the screen and on every getty tty, root logs in, Ctrl-] p ends it cleanly" {
    local root
    root="$( image_root plain )" || return 1
    visit_image plain
    if image_init_is_systemd "$root" ; then
        # The plain image's poweroff.service runs /bin/systemctl, which it does not have: its
        # own power off fails ("Dependency failed for poweroff.target", systemd 247: "... for
        # Power-Off."), the helper asks systemd for the immediate power off at once and ends
        # the container. Exit 0 all the same; the end must be reported.
        grep -aq "the image's power off failed (systemd: \"Dependency failed for .*Power-Off.\"): ending the container" \
            "$BATS_TEST_TMPDIR/screen.log"
        grep -aqE 'the image (powered off|init exited with status [0-9]+|killed \(it did not power off in time\)) after' "$BATS_TEST_TMPDIR/screen.log"
    else
        # sysvinit (Debian 13's plain image): 'poweroff' asks init for runlevel 0, whose line
        # in ReaR's inittab runs '/etc/scripts/do-shutdown halt', which ends in 'halt -f'.
        grep -aq 'Killing -KILL all processes' "$BATS_TEST_TMPDIR/screen.log"
        grep -aq 'the image halted after' "$BATS_TEST_TMPDIR/screen.log"
    fi
    assert_no_leftovers
}

@test "plain image: the serial getty on ttyS0" {
    serial_getty plain
}

@test "systemd image: login prompt on the screen and on every getty tty, root logs in, Ctrl-] p powers it off" {
    visit_image systemd
    # systemd stops its units, runs systemd-shutdown and calls reboot(2): a real power off.
    # systemd-shutdown 247 (Debian 11) says nothing on the console, only PID 1 before it.
    grep -aqE 'Powering off|Shutting down\.' "$BATS_TEST_TMPDIR/screen.log"
    grep -aq 'the image powered off' "$BATS_TEST_TMPDIR/screen.log"
    assert_no_leftovers
}

@test "systemd image: the serial getty on ttyS0" {
    serial_getty systemd
}
