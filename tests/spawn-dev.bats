#!/usr/bin/env bats
#
# The container's /dev (issue 2, point 3): a private tmpfs with the safe device nodes, a
# private devpts, ptys at /dev/console, /dev/tty0..N and /dev/ttyS0; no block device and
# no host device node reachable, not even the copies in the image's own dev/; the image
# deleting device nodes does not touch the host's. Needs root.

load lib/spawn

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

function setup () {
    ROOT="$SPAWN_FIXTURE"
    CANARY=""
    DEV_BEFORE=""
}

function teardown () {
    test -z "$CANARY" || rm -f "$CANARY"
    # If the image did reach the host's /dev, put back the nodes it deleted.
    test -n "$DEV_BEFORE" -a -f "$DEV_BEFORE" || return 0
    local tag name type _special _file mode owner number
    while read -r tag name type _special _file mode owner number ; do
        test "$tag" = "dev:" -a ! -e "$name" || continue
        case "$type" in
            (block) type=b ;;
            (character) type=c ;;
            (*) continue ;;
        esac
        echo "# restoring the host's $name" >&3
        mknod -m "$mode" "$name" "$type" $(( 16#${number%:*} )) $(( 16#${number#*:} ))
        chown "$owner" "$name"
    done <"$DEV_BEFORE"
}

@test "/dev inside holds exactly the safe nodes, the links and the terminals" {
    run --separate-stderr spawn_in "$ROOT" '
ls -A1 /dev | sed "s/^/name /"
cd /dev
for f in *; do
    if [ -L "$f" ]; then echo "link $f $( readlink "$f" )"
    elif [ -c "$f" ] || [ -b "$f" ] || [ -d "$f" ]; then stat -c "node %n %F %t:%T" "$f"
    else echo "other $f"
    fi
done'
    [ "$status" -eq 0 ]
    names="$( printf '%s\n' "$output" | sed -n 's/^name //p' | LC_ALL=C sort )"
    expected="$( printf '%s\n' console fd full null ptmx pts random shm stderr stdin stdout tty \
        tty0 tty1 tty2 tty3 tty4 tty5 tty6 ttyS0 urandom zero | LC_ALL=C sort )"
    assert_equal "$names" "$expected" "the names in /dev"
    # the safe device nodes, with the host's numbers (hex, as stat prints them)
    assert_has_line "$output" "node null character special file 1:3"
    assert_has_line "$output" "node zero character special file 1:5"
    assert_has_line "$output" "node full character special file 1:7"
    assert_has_line "$output" "node random character special file 1:8"
    assert_has_line "$output" "node urandom character special file 1:9"
    assert_has_line "$output" "node tty character special file 5:0"
    assert_has_line "$output" "node pts directory 0:0"
    assert_has_line "$output" "node shm directory 0:0"
    assert_has_line "$output" "link ptmx pts/ptmx"
    assert_has_line "$output" "link fd /proc/self/fd"
    assert_has_line "$output" "link stdin /proc/self/fd/0"
    assert_has_line "$output" "link stdout /proc/self/fd/1"
    assert_has_line "$output" "link stderr /proc/self/fd/2"
    refute_contains "$output" "other "
    assert_no_leftovers
}

@test "/dev is a private tmpfs and /dev/pts a devpts instance of its own" {
    run --separate-stderr spawn_in "$ROOT" '
awk "\$5 == \"/dev\" || \$5 == \"/dev/pts\" { for (i = 7; \$i != \"-\"; i++) ; print \"mount\", \$5, \$(i + 1) }" /proc/self/mountinfo
ls -1 /dev/pts | sed "s/^/pts /"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "mount /dev tmpfs"
    assert_has_line "$output" "mount /dev/pts devpts"
    # console, tty1..6 and ttyS0 only: none of the host's ptys
    pts="$( printf '%s\n' "$output" | sed -n 's/^pts //p' | LC_ALL=C sort | tr '\n' ' ' )"
    assert_equal "$pts" "0 1 2 3 4 5 6 7 ptmx " "the ptys in /dev/pts"
    assert_no_leftovers
}

@test "no block device anywhere in the container, though the image's dev/ has sda" {
    # the fixture carries copies of host nodes, like ReaR's rescue tree
    [ -b "$ROOT/dev/sda" ]
    [ -b "$ROOT/dev/vda" ]
    [ -c "$ROOT/dev/tty0" ]
    run --separate-stderr spawn_in "$ROOT" '
echo "in /dev: [$( find /dev -type b )]"
find / -path /proc -prune -o -path /sys -prune -o \( -type b -o -type c \) -print | sed "s/^/node /"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "in /dev: []"
    # every device node outside /proc and /sys is one of the helper's
    bad="$( printf '%s\n' "$output" | sed -n 's/^node //p' |
        grep -Ev '^/dev/(null|zero|full|random|urandom|tty|console|tty[0-6]|ttyS0|pts/([0-9]+|ptmx))$' || true )"
    assert_equal "$bad" "" "device nodes that are not the helper's"
    assert_no_leftovers
}

@test "/dev/console, /dev/tty0..6 and /dev/ttyS0 are pseudo-terminals" {
    run --separate-stderr spawn_in "$ROOT" '
for t in console tty0 tty1 tty2 tty3 tty4 tty5 tty6 ttyS0; do
    stat -c "%n %F %t" /dev/$t
    if [ -t 3 ] 3<>/dev/$t; then echo "/dev/$t isatty"; fi
done'
    [ "$status" -eq 0 ]
    for t in console tty0 tty1 tty2 tty3 tty4 tty5 tty6 ttyS0 ; do
        # pty slaves: major 136 (0x88)
        assert_has_line "$output" "/dev/$t character special file 88"
        assert_has_line "$output" "/dev/$t isatty"
    done
    assert_no_leftovers
}

@test "/dev/tty0 is tty1's pty: what is written there shows on tty1" {
    logs="$BATS_TEST_TMPDIR/logs"
    mkdir -p "$logs"
    run --separate-stderr spawn --log-dir="$logs" "$ROOT" -- /bin/sh -c '
stat -c "tty0 %t:%T" /dev/tty0; stat -c "tty1 %t:%T" /dev/tty1
echo "written-to-tty0" >/dev/tty0
echo "written-to-tty2" >/dev/tty2
sleep 0.5'
    [ "$status" -eq 0 ]
    tty0="$( printf '%s\n' "$output" | sed -n 's/^tty0 //p' )"
    tty1="$( printf '%s\n' "$output" | sed -n 's/^tty1 //p' )"
    [ -n "$tty0" ]
    assert_equal "$tty0" "$tty1" "the device numbers of tty0 and tty1"
    assert_contains "$( <"$logs/tty-tty1.log" )" "written-to-tty0" "the log of tty1"
    refute_contains "$( <"$logs/tty-tty1.log" )" "written-to-tty2" "the log of tty1"
    assert_contains "$( <"$logs/tty-tty2.log" )" "written-to-tty2" "the log of tty2"
    [ ! -e "$logs/tty-tty0.log" ]
    assert_no_leftovers
}

@test "the console and tty0..N answer like virtual terminals (KDGKBMODE), ttyS0 like a serial line" {
    # agetty asks ioctl(KDGKBMODE) to tell the screen's terminals from a serial line
    # (where it pauses a second before each prompt and sets serial line modes).
    root="$( spawn_fixture_copy keyboard-mode )"
    gcc -static -O2 -o "$root/bin/keyboard-mode" "$BATS_TEST_DIRNAME/fixtures/keyboard-mode.c"
    run --separate-stderr spawn "$root" -- /bin/keyboard-mode /dev/console /dev/tty0 /dev/tty1 /dev/tty6 /dev/tty /dev/ttyS0 /dev/null
    [ "$status" -eq 0 ]
    # K_UNICODE (3): a Debian console in UTF-8 mode
    for device in /dev/console /dev/tty0 /dev/tty1 /dev/tty6 /dev/tty ; do
        assert_has_line "$output" "$device: mode 3"
    done
    assert_has_line "$output" "/dev/ttyS0: error ENOTTY"
    assert_has_line "$output" "/dev/null: error ENOTTY"
    assert_no_leftovers
}

@test "--ttys=3 gives tty1..tty3 only" {
    logs="$BATS_TEST_TMPDIR/logs"
    mkdir -p "$logs"
    run --separate-stderr spawn --ttys=3 --log-dir="$logs" "$ROOT" -- /bin/sh -c '
ls -1 /dev | grep "^tty" | sed "s/^/dev /"
cat /proc/1/environ | tr "\0" "\n" | grep "^container_ttys="'
    [ "$status" -eq 0 ]
    devs="$( printf '%s\n' "$output" | sed -n 's/^dev //p' | LC_ALL=C sort | tr '\n' ' ' )"
    assert_equal "$devs" "tty tty0 tty1 tty2 tty3 ttyS0 " "the ttys in /dev"
    assert_has_line "$output" "container_ttys=tty1 tty2 tty3"
    logs_made="$( cd "$logs" && ls | LC_ALL=C sort | tr '\n' ' ' )"
    assert_equal "$logs_made" "tty-console.log tty-tty1.log tty-tty2.log tty-tty3.log tty-ttyS0.log " "the tty logs"
    assert_no_leftovers
}

@test "the image deleting /dev/sd* /dev/vd* etc. leaves the host's device nodes alone" {
    DEV_BEFORE="$BATS_TEST_TMPDIR/dev.before"
    # a canary that a shared devtmpfs would expose to the image's rm
    CANARY="$( mktemp /dev/sdrt-canary.XXXXXX )"
    spawn_host_snapshot >"$BATS_TEST_TMPDIR/host.before"
    stat -c 'dev: %n %F %a %u:%g %t:%T' /dev/* >"$DEV_BEFORE"
    root="$( spawn_fixture_copy rm-dev )"
    # what ReaR's boot and 40-start-udev-or-load-modules.sh do to /dev, and worse
    spawn_fixture_add_setup_script "$root" 41-remove-devices '
mount -t devtmpfs devtmpfs /dev 2>/dev/null
rm -Rf /dev/sd* /dev/vd* /dev/hd* /dev/sr* /dev/xvd* /dev/nvme* /dev/loop* /dev/zram* /dev/mapper /dev/tty[1-9]?*
mkdir -p /mnt/devtmpfs
mount -t devtmpfs devtmpfs /mnt/devtmpfs 2>/dev/null && rm -Rf /mnt/devtmpfs/sd* /mnt/devtmpfs/vd*
echo "PROBE removed"'
    spawn_fixture_add_setup_script "$root" 95-poweroff 'poweroff -f'
    run --separate-stderr spawn --timeout=30 "$root"
    [ "$status" -eq 0 ]
    assert_contains "$output" "PROBE removed"
    [ -f "$CANARY" ] || spawn_fail "the host's $CANARY was deleted from inside"
    dev_after="$( stat -c 'dev: %n %F %a %u:%g %t:%T' /dev/* )"
    assert_equal "$dev_after" "$( <"$DEV_BEFORE" )" "the host's /dev"
    assert_host_unchanged "$BATS_TEST_TMPDIR/host.before"
    # and the image's own tree still has its copies (the overlay took the deletions)
    [ -b "$ROOT/dev/sda" ] && [ -b "$root/dev/sda" ] && [ -b "$root/dev/vda" ]
    assert_no_leftovers
}

@test "the fixture's boot finds no block device to report" {
    root="$( spawn_fixture_copy boot-devices )"
    spawn_fixture_add_setup_script "$root" 95-poweroff 'poweroff -f'
    run --separate-stderr spawn --timeout=30 "$root"
    [ "$status" -eq 0 ]
    # 40-start-udev-or-load-modules.sh ran, and found none of sda, sda1, vda
    assert_contains "$output" "Running 40-start-udev-or-load-modules.sh..."
    refute_contains "$output" "Block device"
    assert_no_leftovers
}
