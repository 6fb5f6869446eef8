#!/usr/bin/env bats
#
# Isolation the image cannot undo (issue 2, point 5): what a rescue system's scripts try
# (mount proc/sysfs/devtmpfs, remount /sys and /proc/sys, unmask /proc files, sysctl,
# mknod, hostname, ip link, module loading, swap, clock) fails or stays inside, and every
# test checks that the host did not change (spawn_host_snapshot before and after). Also
# the controlled /proc/cmdline, loopback-only network, the overlay over ROOTFS (and
# --in-place), nothing hiding rootfs files, the writable cgroup2 inside. Needs root.

load lib/spawn

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

function setup () {
    ROOT="$SPAWN_FIXTURE"
    HOST_BEFORE="$BATS_TEST_TMPDIR/host.before"
    spawn_host_snapshot >"$HOST_BEFORE"
}

# Prints "RESULT <what>=ok|fail" for the command after it, inside the container.
RESULT='result () { what=$1; shift; if "$@"; then echo "RESULT $what=ok"; else echo "RESULT $what=fail"; fi; }'

@test "mount -t proc fails inside and /proc/sys stays read-only" {
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
mkdir -p /mnt/proc
result mount-proc mount -t proc proc /mnt/proc
result mount-proc-on-proc mount -t proc proc /proc
result write-sysctl sh -c "echo 1 >/proc/sys/kernel/sysrq"
result write-new-proc-sysctl sh -c "echo 1 >/mnt/proc/sys/kernel/sysrq"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "RESULT mount-proc=fail"
    assert_has_line "$output" "RESULT mount-proc-on-proc=fail"
    assert_has_line "$output" "RESULT write-sysctl=fail"
    assert_has_line "$output" "RESULT write-new-proc-sysctl=fail"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "mount -t sysfs fails inside and does not hide /sys/fs/cgroup" {
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
mkdir -p /mnt/sys
result mount-sysfs mount -t sysfs sysfs /mnt/sys
result mount-sysfs-on-sys mount -t sysfs sysfs /sys
result mount-sysfs-rw mount -t sysfs -o rw sysfs /sys
result cgroup-visible test -e /sys/fs/cgroup/cgroup.procs'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "RESULT mount-sysfs=fail"
    assert_has_line "$output" "RESULT mount-sysfs-on-sys=fail"
    assert_has_line "$output" "RESULT mount-sysfs-rw=fail"
    assert_has_line "$output" "RESULT cgroup-visible=ok"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "mount -t devtmpfs fails inside: no host device node appears" {
    canary="$( mktemp /dev/sdrt-canary.XXXXXX )"
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
mkdir -p /mnt/devtmpfs
result mount-devtmpfs mount -t devtmpfs devtmpfs /mnt/devtmpfs
result mount-devtmpfs-on-dev mount -t devtmpfs devtmpfs /dev
echo "canary [$( ls /mnt/devtmpfs /dev | grep sdrt-canary )]"
echo "block devices [$( find /dev /mnt -type b )]"'
    rm -f "$canary"
    [ "$status" -eq 0 ]
    assert_has_line "$output" "RESULT mount-devtmpfs=fail"
    assert_has_line "$output" "RESULT mount-devtmpfs-on-dev=fail"
    assert_has_line "$output" "canary []"
    assert_has_line "$output" "block devices []"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "/sys cannot be remounted read-write" {
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
result remount-sys mount -o remount,rw /sys
result remount-sys-bind mount -o remount,bind,rw /sys
result bind-sys-rw sh -c "mkdir -p /mnt/s && mount --bind /sys /mnt/s && mount -o remount,bind,rw /mnt/s && touch /mnt/s/kernel/uevent_helper"
result write-sys sh -c "echo /bin/evil >/sys/kernel/uevent_helper"
awk "\$5 == \"/sys\" { print \"sys-mount\", \$6 }" /proc/self/mountinfo'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "RESULT remount-sys=fail"
    assert_has_line "$output" "RESULT remount-sys-bind=fail"
    assert_has_line "$output" "RESULT bind-sys-rw=fail"
    assert_has_line "$output" "RESULT write-sys=fail"
    [[ "$output" == *"sys-mount ro,"* ]] || spawn_fail "/sys is not read-only inside: $output"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "/proc/sys cannot be remounted read-write" {
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
result remount-proc-sys mount -o remount,rw /proc/sys
result remount-proc-sys-bind mount -o remount,bind,rw /proc/sys
result umount-proc-sys umount /proc/sys
result umount-l-proc-sys umount -l /proc/sys
result write-swappiness sh -c "echo 7 >/proc/sys/vm/swappiness"
awk "\$5 == \"/proc/sys\" { print \"proc-sys-mount\", \$6 }" /proc/self/mountinfo'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "RESULT remount-proc-sys=fail"
    assert_has_line "$output" "RESULT remount-proc-sys-bind=fail"
    assert_has_line "$output" "RESULT umount-proc-sys=fail"
    assert_has_line "$output" "RESULT umount-l-proc-sys=fail"
    assert_has_line "$output" "RESULT write-swappiness=fail"
    [[ "$output" == *"proc-sys-mount ro,"* ]] || spawn_fail "/proc/sys is not read-only inside: $output"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "the masks over sensitive /proc files cannot be removed and read empty" {
    masked=()
    for f in /proc/kcore /proc/keys /proc/key-users /proc/timer_list /proc/sched_debug \
             /proc/latency_stats /proc/kallsyms ; do
        test -e "$f" && masked+=( "$f" )
    done
    [ "${#masked[@]}" -gt 0 ]
    # on the host some are not empty (kallsyms, timer_list): the masks are what empties them
    [ -n "$( head -q -c 1 "${masked[@]}" 2>/dev/null )" ] || spawn_fail "all of ${masked[*]} are empty on the host"
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
for f in '"${masked[*]}"'; do
    result "umount $f" umount "$f"
    result "umount -l $f" umount -l "$f"
    echo "size $f $( cat "$f" 2>/dev/null | wc -c )"
done
echo "firmware [$( ls -A /sys/firmware )]"'
    [ "$status" -eq 0 ]
    for f in "${masked[@]}" ; do
        assert_has_line "$output" "RESULT umount $f=fail"
        assert_has_line "$output" "RESULT umount -l $f=fail"
        assert_has_line "$output" "size $f 0"
    done
    if [ -n "$( ls -A /sys/firmware )" ] ; then
        assert_has_line "$output" "firmware []"
    fi
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "sysctls cannot be written from inside, the host's stay" {
    swappiness="$( cat /proc/sys/vm/swappiness )"
    ip_forward="$( cat /proc/sys/net/ipv4/ip_forward )"
    printk="$( cut -f1 /proc/sys/kernel/printk )"
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
result hostname-file sh -c "echo evil >/proc/sys/kernel/hostname"
result domainname sysctl -w kernel.domainname=evil.example
result swappiness sysctl -w vm.swappiness='"$(( swappiness == 10 ? 11 : 10 ))"'
result ip-forward sh -c "echo '"$(( 1 - ip_forward ))"' >/proc/sys/net/ipv4/ip_forward"
result printk sh -c "echo '"$(( printk == 1 ? 2 : 1 ))"' >/proc/sys/kernel/printk"
result dmesg-n dmesg -n 1'
    [ "$status" -eq 0 ]
    for what in hostname-file domainname swappiness ip-forward printk dmesg-n ; do
        assert_has_line "$output" "RESULT $what=fail"
    done
    assert_equal "$( cat /proc/sys/vm/swappiness )" "$swappiness" "the host's vm.swappiness"
    assert_equal "$( cat /proc/sys/net/ipv4/ip_forward )" "$ip_forward" "the host's ip_forward"
    assert_equal "$( cut -f1 /proc/sys/kernel/printk )" "$printk" "the host's console log level"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "mknod of device nodes is refused" {
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
result mknod-dev-block mknod /dev/x b 8 0
result mknod-tmp-block mknod /tmp/sda b 8 0
result mknod-mem mknod /tmp/mem c 1 1
result mknod-vda mknod /tmp/vda b 254 0
echo "created [$( ls /dev/x /tmp/sda /tmp/mem /tmp/vda 2>/dev/null )]"
result mkfifo mkfifo /tmp/fifo'
    [ "$status" -eq 0 ]
    for what in mknod-dev-block mknod-tmp-block mknod-mem mknod-vda ; do
        assert_has_line "$output" "RESULT $what=fail"
    done
    assert_has_line "$output" "created []"
    # a FIFO is no device: allowed
    assert_has_line "$output" "RESULT mkfifo=ok"
    [ ! -e /dev/x ]
    [ ! -e "$ROOT/tmp/sda" ] && [ ! -e "$ROOT/tmp/fifo" ]
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "hostname works inside and leaves the host's name alone" {
    host_name="$( uname -n )"
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
result hostname hostname evil-rescue
result domainname sh -c "domainname evil.example || echo evil.example >/proc/sys/kernel/domainname"
echo "now [$( uname -n )]"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "RESULT hostname=ok"
    assert_has_line "$output" "now [evil-rescue]"
    assert_equal "$( uname -n )" "$host_name" "the host's name"
    assert_equal "$( cat /proc/sys/kernel/hostname )" "$host_name" "the host's kernel.hostname"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "ip link and ip addr change nothing on the host" {
    host_links="$( ip -o link show )"
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
result link-add ip link add dummy-evil type dummy
result lo-down ip link set lo down
result addr-add ip addr add 10.254.254.254/24 dev lo
result eth0-down ip link set eth0 down
ip -o link | sed "s/^/link /"'
    [ "$status" -eq 0 ]
    # the host's interfaces are not even there to be changed
    assert_has_line "$output" "RESULT eth0-down=fail"
    assert_equal "$( ip -o link show )" "$host_links" "the host's links"
    refute_contains "$( ip -o link show )" "dummy-evil" "the host's links"
    refute_contains "$( ip -o addr show )" "10.254.254.254" "the host's addresses"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "insmod, rmmod and modprobe fail with 'Operation not permitted'" {
    root="$( spawn_fixture_copy modules )"
    # a module tree that modprobe can walk, so that it gets as far as loading
    kver="$( uname -r )"
    mkdir -p "$root/lib/modules/$kver/kernel"
    echo "not really a module" >"$root/lib/modules/$kver/kernel/evil.ko"
    echo "kernel/evil.ko:" >"$root/lib/modules/$kver/modules.dep"
    run --separate-stderr spawn_in "$root" "$RESULT"'
result insmod insmod /lib/modules/'"$kver"'/kernel/evil.ko
result rmmod rmmod evil
result modprobe modprobe evil'
    [ "$status" -eq 0 ]
    for what in insmod rmmod modprobe ; do
        assert_has_line "$output" "RESULT $what=fail"
    done
    # refused, not "invalid module format" or "not found": no host module code ran
    [[ "$output" == *"insmod: can't insert"*"Operation not permitted"* ]] || spawn_fail "insmod not refused: $output"
    [[ "$output" == *"rmmod: can't unload"*"Operation not permitted"* ]] || spawn_fail "rmmod not refused: $output"
    [[ "$output" == *"modprobe: can't load"*"Operation not permitted"* ]] || spawn_fail "modprobe not refused: $output"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "swapon and setting the clock are refused" {
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
dd if=/dev/zero of=/tmp/swap bs=1k count=128 2>/dev/null && chmod 600 /tmp/swap && mkswap /tmp/swap >/dev/null
result swapon swapon /tmp/swap
echo "swaps $( grep -c /tmp/swap /proc/swaps )"
# the same time again: harmless even if it got through
date -s "@$( date +%s )" 2>&1 | grep -q "Operation not permitted" && echo "RESULT date=refused"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "RESULT swapon=fail"
    assert_has_line "$output" "swaps 0"
    assert_has_line "$output" "RESULT date=refused"
    refute_contains "$( cat /proc/swaps )" "/tmp/swap" "the host's swaps"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "/proc/cmdline is the controlled default, without unattended, auto_recover, automatic, debug" {
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
echo "cmdline [$( cat /proc/cmdline )]"
result write-cmdline sh -c "echo unattended >/proc/cmdline"
result umount-cmdline umount /proc/cmdline'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "cmdline [BOOT_IMAGE=kernel rescue-spawn]"
    [ "$( cat /proc/cmdline )" != "BOOT_IMAGE=kernel rescue-spawn" ]
    for word in unattended auto_recover automatic debug ; do
        [[ " $( printf '%s\n' "$output" | sed -n 's/^cmdline \[\(.*\)\]$/\1/p' ) " != *[\ =]$word[\ =]* ]] ||
            spawn_fail "the default command line holds $word"
    done
    assert_has_line "$output" "RESULT write-cmdline=fail"
    assert_has_line "$output" "RESULT umount-cmdline=fail"
    refute_contains "$stderr" "warning"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "--cmdline sets /proc/cmdline, and the boot sees it" {
    root="$( spawn_fixture_copy cmdline )"
    spawn_fixture_add_setup_script "$root" 95-poweroff 'poweroff -f'
    run --separate-stderr spawn --cmdline="BOOT_IMAGE=test root=/dev/ram0 quiet" "$root"
    [ "$status" -eq 0 ]
    assert_has_line "$output" "Kernel command line: BOOT_IMAGE=test root=/dev/ram0 quiet"
    refute_contains "$output" "Launching 'rear recover'"
    # a dangerous word is passed on, with a warning
    run --separate-stderr spawn --cmdline="BOOT_IMAGE=test unattended" "$root"
    [ "$status" -eq 0 ]
    assert_has_line "$output" "Kernel command line: BOOT_IMAGE=test unattended"
    assert_contains "$stderr" "unattended"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "the network has only lo, and lo is up" {
    run --separate-stderr spawn_in "$ROOT" '
echo "class-net [$( ls /sys/class/net | tr "\n" " " )]"
echo "lo-flags $( cat /sys/class/net/lo/flags )"
ip -o link | sed "s/^/link /"
ip -o addr | sed "s/^/addr /"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "class-net [lo ]"
    flags="$( printf '%s\n' "$output" | sed -n 's/^lo-flags //p' )"
    [ -n "$flags" ] && (( flags & 1 )) || spawn_fail "lo is not up: flags '$flags'"
    links="$( printf '%s\n' "$output" | grep -c '^link ' || true )"
    assert_equal "$links" 1 "the number of links"
    assert_contains "$output" "link 1: lo: <LOOPBACK,UP"
    # every address is on lo
    [ -z "$( printf '%s\n' "$output" | grep '^addr ' | grep -v '^addr 1: lo ' )" ]
    assert_no_leftovers
}

@test "writes inside go to the overlay, not to ROOTFS" {
    fingerprint () { ( cd "$1" && find . -printf '%p %y %m %U:%G %s %T@\n' | LC_ALL=C sort | md5sum ) ; }
    before="$( fingerprint "$ROOT" )"
    hostname_before="$( cat "$ROOT/etc/hostname" )"
    run --separate-stderr spawn_in "$ROOT" '
echo changed >/etc/hostname
echo new >/new-file
rm /etc/inittab
rm -rf /etc/scripts
chmod 700 /bin
touch /md5sums.txt
mkdir -p /var/lib/new
echo "done [$( cat /etc/hostname )] [$( ls /etc/inittab 2>&1 )]"'
    [ "$status" -eq 0 ]
    assert_contains "$output" "done [changed] ["
    refute_contains "$output" "[/etc/inittab]"
    assert_equal "$( fingerprint "$ROOT" )" "$before" "the fingerprint of ROOTFS"
    assert_equal "$( cat "$ROOT/etc/hostname" )" "$hostname_before" "ROOTFS/etc/hostname"
    [ -f "$ROOT/etc/inittab" ] && [ ! -e "$ROOT/new-file" ]
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "--in-place writes to ROOTFS itself" {
    root="$( spawn_fixture_copy in-place )"
    run --separate-stderr spawn --in-place "$root" -- /bin/sh -c '
echo changed >/etc/hostname
echo new >/new-file
rm /etc/inittab
touch /dev/made-inside'
    [ "$status" -eq 0 ]
    assert_equal "$( cat "$root/etc/hostname" )" "changed" "ROOTFS/etc/hostname"
    assert_equal "$( cat "$root/new-file" )" "new" "ROOTFS/new-file"
    [ ! -e "$root/etc/inittab" ]
    # /dev stays the helper's: the image's dev/ is hidden, not written through
    [ -b "$root/dev/sda" ] && [ ! -e "$root/dev/made-inside" ]
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "nothing hides rootfs files: /tmp's ReaR log is there and md5sums.txt checks out" {
    partial=( "$ROOT"/tmp/rear-*-partial-*.log )
    [ -f "${partial[0]}" ]
    grep -qF "./tmp/${partial[0]##*/}" "$ROOT/md5sums.txt"
    run --separate-stderr spawn_in "$ROOT" '
ls /tmp/rear-*-partial-*.log | sed "s/^/tmp-log /"
cd / && md5sum -c md5sums.txt >/dev/null 2>&1 && echo "md5sums OK"
awk "{ print \"mount\", \$5 }" /proc/self/mountinfo
find / -path /proc -prune -o -path /sys -prune -o -path /dev -prune -o -print | sed "s/^/file /"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "tmp-log /tmp/${partial[0]##*/}"
    assert_has_line "$output" "md5sums OK"
    # no mount anywhere but on /, /dev, /proc, /sys and below them
    hiding="$( printf '%s\n' "$output" | sed -n 's/^mount //p' | grep -Ev '^/$|^/(dev|proc|sys)(/|$)' || true )"
    assert_equal "$hiding" "" "mounts that hide rootfs files"
    # every file of ROOTFS (but dev/) is seen inside
    inside="$( printf '%s\n' "$output" | sed -n 's/^file //p' | LC_ALL=C sort )"
    expected="$( cd "$ROOT" && find . -path ./proc -prune -o -path ./sys -prune -o -path ./dev -prune -o -print |
        sed -e 's|^\.$|/|' -e 's|^\./|/|' | LC_ALL=C sort )"
    assert_equal "$inside" "$expected" "the files seen inside"
    assert_no_leftovers
}

@test "/sys/fs/cgroup is a writable cgroup2 of the container's own" {
    run --separate-stderr spawn_in "$ROOT" "$RESULT"'
awk "\$5 == \"/sys/fs/cgroup\" { for (i = 7; \$i != \"-\"; i++) ; print \"cgroup-mount\", \$(i + 1), \$6 }" /proc/self/mountinfo
echo "own [$( grep "^0::" /proc/self/cgroup )]"
result mkdir mkdir /sys/fs/cgroup/rt-probe
sleep 30 &
result move sh -c "echo $! >/sys/fs/cgroup/rt-probe/cgroup.procs"
echo "member [$( cat /sys/fs/cgroup/rt-probe/cgroup.procs )] [$!]"
kill $!; wait
result rmdir rmdir /sys/fs/cgroup/rt-probe'
    [ "$status" -eq 0 ]
    assert_contains "$output" "cgroup-mount cgroup2 rw"
    assert_has_line "$output" "own [0::/]"
    assert_has_line "$output" "RESULT mkdir=ok"
    assert_has_line "$output" "RESULT move=ok"
    [[ "$output" =~ member\ \[([0-9]+)\]\ \[([0-9]+)\] ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
        spawn_fail "the process did not move into the new cgroup: $output"
    assert_has_line "$output" "RESULT rmdir=ok"
    # the host's cgroup tree got nothing of it
    [ -z "$( find /sys/fs/cgroup -maxdepth 3 -name rt-probe )" ]
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "the image's risky boot steps do not break its boot to a login prompt" {
    root="$( spawn_fixture_copy risky )"
    spawn_fixture_add_setup_script "$root" 41-risky '
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
rm -Rf /dev/sd* /dev/vd* /dev/hd*
modprobe evil; insmod /evil.ko
sysctl -w kernel.printk=1
hostname evil-rescue
ip link set lo down; ip link add dummy0 type dummy
true'
    logs="$BATS_TEST_TMPDIR/logs"
    mkdir -p "$logs"
    run --separate-stderr spawn --timeout=3 --log-dir="$logs" "$root"
    [ "$status" -eq 1 ]
    assert_contains "$output" "Relax-and-Recover rescue system is ready"
    assert_contains "$( <"$logs/tty-tty1.log" )" "login:" "the log of tty1"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "a block device node in the image's own tree opens nothing (the tree is nodev)" {
    root="$( spawn_fixture_copy hostile-node )"
    # a node of a host loop device and one of the host's first disk, where /dev cannot hide them
    mknod "$root/root/loop0" b 7 0
    mknod "$root/root/hostdisk" b "$(( 16#$( stat -c %t /dev/loop0 ) ))" 0
    for disk in /sys/block/* ; do
        case "${disk##*/}" in (loop*) ;; (*) rm "$root/root/hostdisk" ; mknod "$root/root/hostdisk" b $( tr ':' ' ' <"$disk/dev" ) ; break ;; esac
    done
    run --separate-stderr spawn_in "$root" "$RESULT"'
result open-loop dd if=/root/loop0 of=/dev/null count=0
result open-disk dd if=/root/hostdisk of=/dev/null count=0
result open-rw sh -c "exec 3<>/root/loop0"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "RESULT open-loop=fail"
    assert_has_line "$output" "RESULT open-disk=fail"
    assert_has_line "$output" "RESULT open-rw=fail"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

# A host block device with a file system the image would like to mount: a loop device
# of this test's on an ext4 file holding a file called host-marker. Sets HOST_LOOP.
function make_host_loop () {
    local file="$BATS_TEST_TMPDIR/host.img"
    truncate -s 32M "$file"
    mkfs.ext4 -q -F "$file"
    debugfs -w -R "write /dev/null host-marker" "$file" >/dev/null 2>&1
    HOST_LOOP="$( losetup -f --show "$file" )"
}

function release_host_loop () {
    test -n "${HOST_LOOP:-}" && losetup -d "$HOST_LOOP"
    HOST_LOOP=""
}

# A scratch disk's FILE with ext4 holding a file called scratch-marker.
function make_scratch_file () {
    truncate -s 32M "$1"
    mkfs.ext4 -q -F "$1"
    debugfs -w -R "write /dev/null scratch-marker" "$1" >/dev/null 2>&1
}

@test "mount of a host block device is refused, by any path; a scratch disk's is made" {
    make_host_loop
    root="$( spawn_fixture_copy hostile-mount )"
    mknod "$root/root/hostloop" b $( stat -c '0x%t 0x%T' "$HOST_LOOP" | xargs printf '%d %d' )
    ln -s /root/hostloop "$root/root/link-to-hostloop"
    make_scratch_file "$BATS_TEST_TMPDIR/scratch.img"
    run --separate-stderr spawn --scratch-disk=sda:32M:"$BATS_TEST_TMPDIR/scratch.img" "$root" -- /bin/sh -c "$RESULT"'
mkdir -p /mnt/x
result mount-node mount -t ext4 /root/hostloop /mnt/x
result mount-link mount -t ext4 /root/link-to-hostloop /mnt/x
result mount-relative sh -c "cd /root && mount -t ext4 hostloop /mnt/x"
result mount-xfs-type mount -t xfs /root/hostloop /mnt/x
result mount-char mount -t ext4 /dev/null /mnt/x
result mount-file mount -t ext4 /etc/hostname /mnt/x
result swapon-node swapon /root/hostloop
echo "mounted [$( grep -c " /mnt/x " /proc/mounts )]"
result mount-scratch mount -t ext4 /dev/sda /mnt/x
echo "marker [$( ls /mnt/x | grep marker )]"
umount /mnt/x'
    release_host_loop
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    for what in mount-node mount-link mount-relative mount-xfs-type mount-char mount-file swapon-node ; do
        assert_has_line "$output" "RESULT $what=fail"
    done
    assert_has_line "$output" "mounted [0]"
    assert_has_line "$output" "RESULT mount-scratch=ok"
    assert_has_line "$output" "marker [scratch-marker]"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "a race that swaps the mount source between a scratch disk and a host device mounts only the scratch disk" {
    make_host_loop
    root="$( spawn_fixture_copy hostile-race )"
    mknod "$root/root/hostloop" b $( stat -c '0x%t 0x%T' "$HOST_LOOP" | xargs printf '%d %d' )
    make_scratch_file "$BATS_TEST_TMPDIR/scratch.img"
    run --separate-stderr spawn --scratch-disk=sda:32M:"$BATS_TEST_TMPDIR/scratch.img" "$root" -- /bin/sh -c '
mkdir -p /mnt/x
# flip /tmp/src between the two as fast as the shell can, while mounting it
( while :; do ln -sfn /dev/sda /tmp/src; ln -sfn /root/hostloop /tmp/src; done ) &
flipper=$!
ok=0
for i in $( seq 200 ); do
    if mount -t ext4 /tmp/src /mnt/x 2>/dev/null; then
        ok=$(( ok + 1 ))
        echo "marker [$( ls /mnt/x | grep marker )] source [$( awk "\$2 == \"/mnt/x\" { print \$1 }" /proc/mounts )]"
        umount /mnt/x
    fi
done
kill $flipper
echo "mounted $ok times"'
    release_host_loop
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    [[ "$output" =~ mounted\ ([0-9]+)\ times ]] || spawn_fail "no count: $output"
    # some of the 200 must have hit the scratch disk, or the race proves nothing
    [ "${BASH_REMATCH[1]}" -gt 0 ] || spawn_fail "no mount got through: $output"
    refute_contains "$output" "host-marker"
    [ "$( printf '%s\n' "$output" | grep -c '^marker ' )" -eq "$( printf '%s\n' "$output" | grep -c '^marker \[scratch-marker\] source \[/dev/sda\]$' )" ] ||
        spawn_fail "a mount was not of the scratch disk: $output"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "ioctls that re-read, change or reconfigure a device are refused for anything but a scratch disk" {
    root="$( spawn_fixture_copy hostile-ioctl )"
    gcc -static -O2 -pthread -o "$root/bin/block-ioctl-probe" "$BATS_TEST_DIRNAME/fixtures/block-ioctl-probe.c"
    run --separate-stderr spawn --scratch-disk=sda:32M "$root" -- /bin/sh -c '
block-ioctl-probe /dev/null /dev/sda'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    # not a block device: the kernel's answer
    assert_has_line "$output" "/dev/null BLKRRPART ENOTTY"
    assert_has_line "$output" "/dev/null BLKPG ENOTTY"
    # a scratch disk: re-read and BLKPG work, the loop device cannot be reconfigured
    assert_has_line "$output" "/dev/sda BLKRRPART ok"
    assert_has_line "$output" "/dev/sda BLKPG-add ok"
    assert_has_line "$output" "/dev/sda LOOP_CLR_FD EPERM"
    assert_has_line "$output" "/dev/sda LOOP_SET_STATUS64 EPERM"
    assert_has_line "$output" "/dev/sda fd-race only-scratch"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "mount options that reach beyond the scratch disk are refused; an ext4 that says panic on errors gets remount-ro" {
    file="$BATS_TEST_TMPDIR/panic.img"
    truncate -s 32M "$file"
    # the superblock's own default: panic the kernel on an error
    mkfs.ext4 -q -F -e panic "$file"
    run --separate-stderr spawn --scratch-disk=sda:32M:"$file" "$ROOT" -- /bin/sh -c "$RESULT"'
mkdir -p /mnt/x
for opt in errors=panic journal_dev=0xfe00 journal_path=/dev/sda logdev=/dev/sda device=/dev/sda; do
    result "mount-$opt" mount -t ext4 -o "$opt" /dev/sda /mnt/x
done
result mount-default mount -t ext4 /dev/sda /mnt/x
echo "options [$( awk "\$2 == \"/mnt/x\" { print \$4 }" /proc/mounts )]"
result remount-panic mount -o remount,errors=panic /mnt/x
umount /mnt/x'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    for opt in errors=panic journal_dev=0xfe00 journal_path=/dev/sda logdev=/dev/sda device=/dev/sda ; do
        assert_has_line "$output" "RESULT mount-$opt=fail"
    done
    assert_has_line "$output" "RESULT mount-default=ok"
    [[ "$output" == *"options [rw,nosuid,nodev,"*"errors=remount-ro"*"]"* ]] || spawn_fail "not errors=remount-ro: $output"
    assert_has_line "$output" "RESULT remount-panic=fail"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}

@test "a device node written into a scratch disk's bytes opens nothing, also after a bind remount asking for dev" {
    make_host_loop
    # what a hostile image can write into its scratch disk: an ext4 holding a node of a host device
    file="$BATS_TEST_TMPDIR/crafted.img"
    truncate -s 32M "$file"
    mkfs.ext4 -q -F "$file"
    debugfs -w -R "mknod crafted b $( stat -c '0x%t 0x%T' "$HOST_LOOP" | xargs printf '%d %d' )" "$file" >/dev/null 2>&1
    root="$( spawn_fixture_copy crafted-node )"
    gcc -static -O2 -o "$root/bin/mount-api-probe" "$BATS_TEST_DIRNAME/fixtures/mount-api-probe.c"
    run --separate-stderr spawn --scratch-disk=sda:32M:"$file" "$root" -- /bin/sh -c "$RESULT"'
mkdir -p /mnt/x /mnt/y /dev/y
mount -t ext4 /dev/sda /mnt/x
echo "node [$( ls -l /mnt/x/crafted | cut -c1 )]"
result open-crafted dd if=/mnt/x/crafted of=/dev/null count=0
result remount-dev mount -o remount,bind,dev,suid /mnt/x
echo "options [$( awk "\$2 == \"/mnt/x\" { print \$4 }" /proc/mounts )]"
result open-after-remount dd if=/mnt/x/crafted of=/dev/null count=0
mount --bind /mnt/x /mnt/y && mount -o remount,bind,dev /mnt/y
result open-bind-clone dd if=/mnt/y/crafted of=/dev/null count=0
touch /dev/crafted && mount --bind /mnt/x/crafted /dev/crafted && mount -o remount,bind,dev /dev/crafted
result open-bound-into-dev dd if=/dev/crafted of=/dev/null count=0
mount-api-probe
umount /dev/crafted /mnt/y /mnt/x'
    release_host_loop
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "node [b]"
    for what in open-crafted open-after-remount open-bind-clone open-bound-into-dev ; do
        assert_has_line "$output" "RESULT $what=fail"
    done
    # the remount itself works (as on a machine), but nodev and nosuid stay
    assert_has_line "$output" "RESULT remount-dev=ok"
    [[ "$output" == *"options [rw,nosuid,nodev,"* ]] || spawn_fail "nodev or nosuid went: $output"
    assert_has_line "$output" "mount_setattr=ENOSYS"
    assert_host_unchanged "$HOST_BEFORE"
    assert_no_leftovers
}
