#!/usr/bin/env bats
#
# rescue-spawn boots a rescue tree (issue 2, point 2): init or COMMAND as PID 1 of new
# namespaces, its environment, host name, exit status, the busybox fixture's boot to a
# login prompt and its power off, --version and --help. Needs root.

load lib/spawn

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

function setup () {
    ROOT="$SPAWN_FIXTURE"
}

@test "a COMMAND runs as PID 1 of the container in place of init" {
    run --separate-stderr spawn_in "$ROOT" 'echo "pid=$$"; echo "pid1=[$( tr "\0" " " </proc/1/cmdline )]"'
    [ "$status" -eq 0 ]
    assert_contains "$output" "pid=1"
    assert_contains "$output" "pid1=[/bin/sh -c echo"
    assert_no_leftovers
}

@test "a COMMAND without a slash is found in the container's PATH, not the host's" {
    # the helper's own PATH holds nothing of the image; /usr/local/bin comes first inside
    root="$( spawn_fixture_copy bare-command )"
    mkdir -p "$root/usr/local/bin"
    printf '#!/bin/sh\necho "found=$0 pid=$$"\n' >"$root/usr/local/bin/only-inside"
    chmod 755 "$root/usr/local/bin/only-inside"
    run --separate-stderr env PATH=/nonexistent "$RESCUE_SPAWN" "$root" -- only-inside
    [ "$status" -eq 0 ]
    assert_contains "$output" "found=/usr/local/bin/only-inside pid=1"
    # a name found nowhere: the image's init could not be run, exit 1
    run --separate-stderr spawn "$root" -- no-such-command
    [ "$status" -eq 1 ]
    assert_contains "$stderr" "could not execute init (no-such-command): No such file or directory"
    assert_no_leftovers
}

@test "without COMMAND the image's /init runs as PID 1" {
    root="$( spawn_fixture_copy pid1 )"
    spawn_fixture_add_setup_script "$root" 95-probe '
echo "PROBE comm=$( cat /proc/1/comm ) exe=$( readlink /proc/1/exe ) cmdline=$( tr "\0" " " </proc/1/cmdline )"
poweroff -f'
    run --separate-stderr spawn "$root"
    [ "$status" -eq 0 ]
    # busybox init (started as /init -> bin/busybox) names itself "init"
    assert_contains "$output" "PROBE comm=init exe=/bin/busybox cmdline=init"
    # and it did run the inittab: sysinit, then the wait action that ran the probe
    assert_contains "$output" "Hostname set to rescue-fixture"
    assert_contains "$output" "Running 95-probe.sh..."
    assert_no_leftovers
}

@test "without /init the image's /sbin/init runs as PID 1" {
    root="$( spawn_fixture_copy sbin-init )"
    rm "$root/init"
    [ -L "$root/sbin/init" ]
    spawn_fixture_add_setup_script "$root" 95-probe '
echo "PROBE comm=$( cat /proc/1/comm ) exe=$( readlink /proc/1/exe )"
poweroff -f'
    run --separate-stderr spawn "$root"
    [ "$status" -eq 0 ]
    assert_contains "$output" "PROBE comm=init exe=/bin/busybox"
    assert_contains "$output" "Running 95-probe.sh..."
    assert_no_leftovers
}

@test "PID 1's environment holds container=rescue-spawn and container_ttys" {
    run --separate-stderr spawn_in "$ROOT" 'cat /proc/1/environ | tr "\0" "\n"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "container=rescue-spawn"
    assert_has_line "$output" "container_ttys=tty1 tty2 tty3 tty4 tty5 tty6"
    assert_no_leftovers
}

@test "the booted image's init gets container= and container_ttys= as well" {
    root="$( spawn_fixture_copy env )"
    spawn_fixture_add_setup_script "$root" 95-probe '
tr "\0" "\n" </proc/1/environ | sed -n "s/^container/PROBE container/p"
poweroff -f'
    run --separate-stderr spawn --ttys=4 "$root"
    [ "$status" -eq 0 ]
    assert_has_line "$output" "PROBE container=rescue-spawn"
    assert_has_line "$output" "PROBE container_ttys=tty1 tty2 tty3 tty4"
    assert_no_leftovers
}

@test "the hostname inside is the image's /etc/hostname, the host's stays" {
    host_before="$( uname -n )"
    run --separate-stderr spawn_in "$ROOT" 'echo "uname=$( uname -n ) proc=$( cat /proc/sys/kernel/hostname )"'
    [ "$status" -eq 0 ]
    assert_contains "$output" "uname=rescue-fixture proc=rescue-fixture"
    assert_equal "$( uname -n )" "$host_before" "the host's name"
    assert_no_leftovers
}

@test "--hostname sets the hostname inside" {
    host_before="$( uname -n )"
    run --separate-stderr spawn --hostname=other-rescue "$ROOT" -- /bin/sh -c 'echo "uname=$( uname -n )"'
    [ "$status" -eq 0 ]
    assert_contains "$output" "uname=other-rescue"
    assert_equal "$( uname -n )" "$host_before" "the host's name"
    assert_no_leftovers
}

@test "an image without /etc/hostname is called 'rescue'" {
    root="$( spawn_fixture_copy nohostname )"
    rm "$root/etc/hostname"
    run --separate-stderr spawn_in "$root" 'echo "uname=$( uname -n )"'
    [ "$status" -eq 0 ]
    assert_equal "$output" "uname=rescue" "the console's output"
    assert_no_leftovers
}

@test "the COMMAND's exit status is the helper's" {
    run --separate-stderr spawn_in "$ROOT" 'exit 7'
    [ "$status" -eq 7 ]
    run --separate-stderr spawn_in "$ROOT" 'exit 0'
    [ "$status" -eq 0 ]
    run --separate-stderr spawn_in "$ROOT" 'exit 42'
    [ "$status" -eq 42 ]
    # a command that is not found in the image: the shell's 127
    run -127 --separate-stderr spawn_in "$ROOT" 'no-such-command-here'
    assert_no_leftovers
}

@test "mount, PID, network, UTS, IPC, cgroup and user namespaces are not the host's" {
    namespaces=( mnt pid net uts ipc cgroup user )
    run --separate-stderr spawn_in "$ROOT" 'for n in '"${namespaces[*]}"'; do readlink /proc/self/ns/$n; done'
    [ "$status" -eq 0 ]
    mapfile -t inside <<<"$output"
    mapfile -t host < <( readlink "${namespaces[@]/#//proc/$$/ns/}" )
    for i in "${!namespaces[@]}" ; do
        n=${namespaces[$i]}
        [[ "${inside[$i]:-}" == "$n:["*"]" ]] || spawn_fail "no $n namespace seen inside: '${inside[$i]:-}'"
        [[ "${host[$i]:-}" == "$n:["*"]" ]] || spawn_fail "no $n namespace of the host: '${host[$i]:-}'"
        [ "${inside[$i]}" != "${host[$i]}" ] || spawn_fail "the $n namespace inside is the host's: ${host[$i]}"
    done
    assert_no_leftovers
}

@test "the user namespace maps the container's IDs 0..65535 onto a private host range (identity with --private-users=no)" {
    run --separate-stderr spawn_in "$ROOT" 'echo "id=$( id -u ):$( id -g )"; sed "s/^/uid_map /" /proc/self/uid_map; sed "s/^/gid_map /" /proc/self/gid_map'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "id=0:0"
    # one range each, 0..65535 onto the same unprivileged host IDs (see spawn-userns.bats)
    printf '%s\n' "$output" | awk '
        /^[ug]id_map / {
            seen[$1] = 1 ; base[$1] = $3
            if ($2 != 0 || $4 != 65536 || $3 < 65536) { print $1 ": not a private range of 65536: " $0 ; bad = 1 }
        }
        END {
            if (!seen["uid_map"] || !seen["gid_map"]) { print "no uid_map or gid_map" ; bad = 1 }
            if (base["uid_map"] != base["gid_map"]) { print "uid and gid ranges differ" ; bad = 1 }
            exit bad
        }' >&2
    run --separate-stderr spawn --private-users=no "$ROOT" -- /bin/sh -c 'sed "s/^/uid_map /" /proc/self/uid_map; sed "s/^/gid_map /" /proc/self/gid_map'
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" | awk '
        /^[ug]id_map / { seen[$1] = 1 ; if ($2 != $3) { print $1 ": not an identity range: " $0 ; bad = 1 } ; if ($2 == 0) covered[$1] = $4 }
        END {
            if (!seen["uid_map"] || !seen["gid_map"]) { print "no uid_map or gid_map" ; bad = 1 }
            if (covered["uid_map"] < 65536 || covered["gid_map"] < 65536) { print "0..65535 not covered" ; bad = 1 }
            exit bad
        }' >&2
    assert_no_leftovers
}

@test "-v says what each step of the start took, and the steps add up to the start's time" {
    run --separate-stderr spawn -v "$ROOT" -- /bin/true
    [ "$status" -eq 0 ]
    local steps total sum
    steps="$( sed -n 's/^rescue-spawn: start: //p' <<<"$stderr" )"
    total="$( sed -n 's/.*init started (host PID [0-9]*) \([0-9]*\) us after the helper started.*/\1/p' <<<"$stderr" )"
    # the helper's steps, PID 1's (it marks them in the helper's memory), and the exec last
    assert_contains "$steps" " us make the user namespace; "
    assert_contains "$steps" " us mount the image's tree; "
    assert_contains "$steps" " us enter the cgroups of its limits; "
    assert_contains "$steps" " us install the seccomp filter; "
    [[ "$steps" == *" us execute init" ]]
    sum="$( grep -o '[0-9]* us ' <<<"$steps" | awk '{ s += $1 } END { print s }' )"
    # Each step's end is a reading of the clock of its own, as is the start's figure: a
    # few microseconds apart.
    (( total > 0 && sum >= total - 5 && sum <= total + 5 )) || spawn_fail "steps add up to $sum us, the start took $total us"
    assert_no_leftovers
}

@test "the busybox fixture boots with its inittab to a login prompt on tty1..tty4" {
    logs="$BATS_TEST_TMPDIR/logs"
    mkdir -p "$logs"
    run --separate-stderr spawn --timeout=3 --log-dir="$logs" "$ROOT"
    # the timeout ends it (exit 1) after asking init to power off
    [ "$status" -eq 1 ]
    assert_contains "$stderr" "timeout"
    for tty in tty1 tty2 tty3 tty4 ; do
        [ -f "$logs/tty-$tty.log" ] || spawn_fail "no log of $tty"
        assert_contains "$( <"$logs/tty-$tty.log" )" "rescue-fixture login:" "the log of $tty"
    done
    # the inittab starts no getty on tty5 (a bare '! grep' would not fail a bats test)
    if grep -q 'login:' "$logs/tty-tty5.log" ; then
        spawn_fail "a login prompt on tty5, where the inittab starts no getty"
    fi
    # the boot ran to its end on the console
    grep -q 'Relax-and-Recover rescue system is ready' "$logs/tty-console.log"
    # passive mode: the screen (console + tty1) went to stdout
    assert_contains "$output" "Relax-and-Recover rescue system is ready"
    assert_contains "$output" "rescue-fixture login:"
    assert_no_leftovers
}

@test "a full boot ends cleanly when the image powers off through its init" {
    root="$( spawn_fixture_copy poweroff )"
    # busybox poweroff asks init, which runs the inittab's shutdown action, then reboot(2)
    spawn_fixture_add_setup_script "$root" 95-probe 'poweroff'
    run --separate-stderr spawn --timeout=30 "$root"
    [ "$status" -eq 0 ]
    assert_contains "$stderr" "powered off"
    refute_contains "$stderr" "timeout"
    assert_contains "$output" "Shutting down Relax-and-Recover rescue system"
    assert_no_leftovers
}

@test "a full boot reports reboot and halt of the image" {
    root="$( spawn_fixture_copy reboot )"
    spawn_fixture_add_setup_script "$root" 95-probe 'reboot -f'
    run --separate-stderr spawn --timeout=30 "$root"
    [ "$status" -eq 0 ]
    assert_contains "$stderr" "rebooted"
    spawn_fixture_add_setup_script "$root" 95-probe 'halt -f'
    run --separate-stderr spawn --timeout=30 "$root"
    [ "$status" -eq 0 ]
    assert_contains "$stderr" "halted"
    assert_no_leftovers
}

@test "poweroff -f of a COMMAND ends the container with 0 and says 'powered off'" {
    # 'exit 9' only runs if poweroff did not end the container
    run --separate-stderr spawn_in "$ROOT" 'poweroff -f; exit 9'
    [ "$status" -eq 0 ]
    assert_contains "$stderr" "powered off" "stderr"
    assert_no_leftovers
}

@test "reboot -f of a COMMAND ends the container with 0 and says 'rebooted'" {
    run --separate-stderr spawn_in "$ROOT" 'reboot -f; exit 9'
    [ "$status" -eq 0 ]
    assert_contains "$stderr" "rebooted" "stderr"
    assert_no_leftovers
}

@test "--version prints the version" {
    run --separate-stderr "$RESCUE_SPAWN" --version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^rescue-spawn\ [0-9]+\.[0-9]+ ]] || spawn_fail "not 'rescue-spawn VERSION': $output"
    [ "${#lines[@]}" -eq 1 ]
    [ -z "$stderr" ]
}

@test "--help and -h describe every option of the contract" {
    run --separate-stderr "$RESCUE_SPAWN" --help
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    assert_contains "$output" "Usage: rescue-spawn"
    # every option in the table of helper/CONTRACT.md
    options="$( grep -o '^| `--[a-z-]*' "$SPAWN_WORK_TREE/helper/CONTRACT.md" | sed 's/^| `//' )"
    [ -n "$options" ]
    for option in $options --quiet --verbose --help --version ; do
        assert_contains "$output" "$option" "--help"
    done
    help="$output"
    run --separate-stderr "$RESCUE_SPAWN" -h
    [ "$status" -eq 0 ]
    assert_equal "$output" "$help" "-h"
}
