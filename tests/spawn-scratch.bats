#!/usr/bin/env bats
#
# Scratch disks (issue 11): --scratch-disk=NAME:SIZE[:FILE] gives the container /dev/NAME
# on a loop device, its partitions as the kernel names them, and a /sys/block,
# /sys/class/block, /sys/dev/block and /proc/partitions that show these disks and nothing
# else; the real tools (a busybox fixture with this host's parted, sfdisk, sgdisk, mkfs.*,
# mount, ...: tests/fixtures/add-disk-tools.sh) partition, format, mount and check them;
# every loop device and backing file is gone afterwards. Needs root and loop devices.

load lib/spawn

function setup_file () {
    spawn_setup_file || return 1
    TOOLS="$( spawn_fixture_copy tools )"
    "$SPAWN_WORK_TREE/tests/fixtures/add-disk-tools.sh" "$TOOLS" 2>"$SPAWN_TMP/missing-tools"
    export TOOLS
}

# Skip when this host lacks one of the tools a test needs.
function require_tools () {
    local tool
    for tool in "$@" ; do
        grep -qw -- "$tool" "$SPAWN_TMP/missing-tools" && skip "$tool is not installed here"
    done
    return 0
}

function teardown_file () {
    spawn_tmp_remove
}

function setup () {
    ROOT="$SPAWN_FIXTURE"
    LOOPS_BEFORE="$( scratch_loops )"
}

function teardown () {
    test -z "${BG_PID:-}" || kill -KILL "$BG_PID" 2>/dev/null || true
    assert_no_scratch_loops
}

# Loop devices on a scratch disk's backing file: the default ones (unnamed files in
# /var/tmp/rescue-spawn-scratch) and the test's own files (in SPAWN_TMP). Not any
# directory called rescue-spawn-scratch: other work on this machine may use one.
function scratch_loops () {
    losetup -l -n -O NAME,BACK-FILE 2>/dev/null | grep -e ' /var/tmp/rescue-spawn-scratch/' -e " $SPAWN_TMP/" || true
}

# Autoclear releases a loop device once its last user is gone: give it a moment (a
# killed container's processes and mounts may first have to flush what they wrote).
function assert_no_scratch_loops () {
    local i left
    for i in $( seq 100 ) ; do
        left="$( scratch_loops )"
        test -z "$left" && return 0
        sleep 0.1
    done
    spawn_fail "scratch loop devices left behind:" "$left"
}

@test "--scratch-disk gives /dev/NAME and a view of exactly the scratch disks" {
    run --separate-stderr spawn --scratch-disk=sda:1G --scratch-disk=nvme0n1:64M "$ROOT" -- /bin/sh -c '
stat -c "node %n %F %a %u:%g" /dev/sda /dev/nvme0n1
echo "block-nodes [$( find /dev -type b | sort | tr "\n" " " )]"
echo "sys-block [$( ls /sys/block | tr "\n" " " )]"
echo "class-block [$( ls /sys/class/block | tr "\n" " " )]"
for d in /sys/dev/block/*; do echo "dev-block ${d##*/} $( readlink -f "$d" )"; done
echo "sda-size $( cat /sys/block/sda/size ) $( cat /sys/block/sda/queue/logical_block_size ) $( cat /sys/block/sda/ro )"
echo "sda-dev $( cat /sys/block/sda/dev ) $( stat -c "%t:%T" /dev/sda )"
sed "s/^/partitions /" /proc/partitions
blockdev --getsize64 /dev/sda | sed "s/^/getsize64 /"
echo hello | dd of=/dev/nvme0n1 bs=512 conv=sync 2>/dev/null && echo wrote'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "node /dev/sda block special file 660 0:0"
    assert_has_line "$output" "node /dev/nvme0n1 block special file 660 0:0"
    assert_has_line "$output" "block-nodes [/dev/nvme0n1 /dev/sda ]"
    assert_has_line "$output" "sys-block [nvme0n1 sda ]"
    assert_has_line "$output" "class-block [nvme0n1 sda ]"
    assert_has_line "$output" "sda-size 2097152 512 0"
    dev_line="$( printf '%s\n' "$output" | sed -n 's/^sda-dev //p' )"
    read -r sysfs_dev node_dev <<<"$dev_line"
    assert_equal "$(( 16#${node_dev%:*} )):$(( 16#${node_dev#*:} ))" "$sysfs_dev" "/dev/sda's number against /sys/block/sda/dev"
    assert_has_line "$output" "dev-block $sysfs_dev /sys/block/sda"
    assert_contains "$output" "partitions major minor  #blocks  name"
    [[ "$output" == *"partitions "*" 1048576 sda"* ]] || spawn_fail "no sda in /proc/partitions: $output"
    [[ "$output" == *"partitions "*" 65536 nvme0n1"* ]] || spawn_fail "no nvme0n1 in /proc/partitions: $output"
    [ "$( printf '%s\n' "$output" | grep -c '^partitions  *[0-9]' )" -eq 2 ]
    assert_has_line "$output" "getsize64 1073741824"
    assert_has_line "$output" "wrote"
    # the host's disks are not in the view, the host's own view is untouched
    for disk in $( ls /sys/block ) ; do
        case "$disk" in (loop*) continue ;; esac
        refute_contains "$output" "$disk " "the view"
    done
    assert_no_leftovers
}

@test "without --scratch-disk the container sees no block device at all" {
    run --separate-stderr spawn_in "$ROOT" '
echo "sys-block [$( ls /sys/block )] class-block [$( ls /sys/class/block )] dev-block [$( ls /sys/dev/block )]"
echo "partitions [$( grep -c "[a-z]$" /proc/partitions )]"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "sys-block [] class-block [] dev-block []"
    # the header's last word is "name"
    assert_has_line "$output" "partitions [1]"
    assert_no_leftovers
}

@test "a FILE with a partition table shows its partitions as sda1.. and nvme0n1p1.." {
    file="$SPAWN_TMP/gpt.img"
    nvme="$SPAWN_TMP/mbr.img"
    truncate -s 64M "$file" "$nvme"
    # on the host this writes the files only
    printf 'label: gpt\nsize=8M\nsize=16M\n' | sfdisk -q "$file"
    printf 'label: dos\nsize=8M\n' | sfdisk -q "$nvme"
    run --separate-stderr spawn --scratch-disk=sda:64M:"$file" --scratch-disk=nvme0n1:64M:"$nvme" "$ROOT" -- /bin/sh -c '
echo "nodes [$( ls /dev | grep -e ^sd -e ^nvme | tr "\n" " " )]"
echo "sys-block-sda [$( ls -d /sys/block/sda/sda* | tr "\n" " " )]"
echo "class-block [$( ls /sys/class/block | tr "\n" " " )]"
echo "sda2 $( cat /sys/class/block/sda2/start ) $( cat /sys/class/block/sda2/size ) $( cat /sys/class/block/sda2/partition )"
for d in /sys/dev/block/*; do echo "dev-block $( readlink -f "$d" )"; done
grep -c "sd\|nvme" /proc/partitions | sed "s/^/partition-lines /"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "nodes [nvme0n1 nvme0n1p1 sda sda1 sda2 ]"
    assert_has_line "$output" "sys-block-sda [/sys/block/sda/sda1 /sys/block/sda/sda2 ]"
    assert_has_line "$output" "class-block [nvme0n1 nvme0n1p1 sda sda1 sda2 ]"
    assert_has_line "$output" "sda2 18432 32768 2"
    assert_has_line "$output" "dev-block /sys/block/sda/sda2"
    assert_has_line "$output" "dev-block /sys/block/nvme0n1/nvme0n1p1"
    assert_has_line "$output" "partition-lines 5"
    # the FILE stays, as it was given
    [ "$( stat -c %s "$file" )" -eq $(( 64 << 20 )) ]
    assert_no_leftovers
}

@test "scratch disks are released after the run, and a temporary backing file never has a name" {
    before="$( find /var/tmp/rescue-spawn-scratch -mindepth 1 2>/dev/null | wc -l )"
    run --separate-stderr spawn --scratch-disk=vda:1G "$ROOT" -- /bin/sh -c '
dd if=/dev/zero of=/dev/vda bs=1M count=4 2>/dev/null && echo wrote'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "wrote"
    assert_equal "$( find /var/tmp/rescue-spawn-scratch -mindepth 1 2>/dev/null | wc -l )" "$before" \
        "the number of files in /var/tmp/rescue-spawn-scratch"
    assert_no_scratch_loops
    assert_no_leftovers
}

@test "bad scratch disks are refused with one line and exit status 2, nothing left" {
    mkdir -p "$SPAWN_TMP/a-dir"
    truncate -s 1M "$SPAWN_TMP/small.img"
    for arg in "sda:1G:$SPAWN_TMP/a-dir" "sda:1G:/dev/null" "sda:2M:$SPAWN_TMP/small.img" "sda:1G:/nonexistent/dir/x" ; do
        run --separate-stderr spawn --scratch-disk="$arg" "$ROOT" -- /bin/true
        [ "$status" -eq 2 ] || spawn_fail "--scratch-disk=$arg: status $status: $stderr"
        [ "$( printf '%s\n' "$stderr" | wc -l )" -eq 1 ] || spawn_fail "more than one line: $stderr"
        assert_contains "$stderr" "scratch disk sda"
    done
    run --separate-stderr spawn --scratch-disk=sda:1000 "$ROOT" -- /bin/true
    [ "$status" -eq 2 ]
    assert_contains "$stderr" "multiple of 512"
    # a FILE the helper created for a run that does not start is removed again
    run --separate-stderr spawn --scratch-disk=sda:1M:"$SPAWN_TMP/new.img" --scratch-disk=sdb:1M:/dev/null "$ROOT" -- /bin/true
    [ "$status" -eq 2 ]
    assert_contains "$stderr" "scratch disk sdb: /dev/null is not a regular file"
    [ ! -e "$SPAWN_TMP/new.img" ] || spawn_fail "the FILE made for sda is left behind"
    [ "$( stat -c %s "$SPAWN_TMP/small.img" )" -eq $(( 1 << 20 )) ]
    assert_no_leftovers
}

# The layout of the tests that format: ext4, xfs, btrfs, swap on a GPT.
PARTITION_AND_FORMAT='
printf "label: gpt\nsize=64M\nsize=300M\nsize=200M\nsize=64M\n" | sfdisk -q /dev/sda || echo "sfdisk failed"
mkfs.ext4 -q /dev/sda1 && mkfs.xfs -q /dev/sda2 && mkfs.btrfs -q /dev/sda3 >/dev/null && mkswap /dev/sda4 >/dev/null && echo "mkfs ok"
'

@test "sfdisk, parted and sgdisk partition a scratch disk (GPT and MBR), and the partitions follow" {
    require_tools sfdisk parted sgdisk wipefs
    run --separate-stderr spawn --scratch-disk=sda:1G --scratch-disk=nvme0n1:256M "$TOOLS" -- /bin/sh -c '
parts () { echo "$1 [$( ls /dev | grep -e "^sd" -e "^nvme" | tr "\n" " " )] [$( ls /sys/block/$2 | grep "^$2" | tr "\n" " " )]"; }
printf "label: gpt\nsize=100M\nsize=200M\n" | sfdisk -q /dev/sda && parts sfdisk-gpt sda
printf "label: dos\nsize=50M\nsize=50M,type=82\n" | sfdisk -q /dev/sda && parts sfdisk-mbr sda
parted -s /dev/sda mklabel msdos mkpart primary 1MiB 20MiB mkpart primary 20MiB 40MiB mkpart primary 40MiB 60MiB && parts parted-mbr sda
parted -s /dev/nvme0n1 mklabel gpt mkpart a 1MiB 100MiB && parts parted-gpt nvme0n1
sgdisk -Z /dev/sda >/dev/null 2>&1; sgdisk -n 1:2048:+64M /dev/sda >/dev/null && parts sgdisk sda
wipefs -a -q /dev/nvme0n1 && parts wipefs nvme0n1
awk "\$4 == \"sda1\" { print \"sda1-kib\", \$3 }" /proc/partitions
echo "sda1-start $( cat /sys/block/sda/sda1/start )"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "sfdisk-gpt [nvme0n1 sda sda1 sda2 ] [sda1 sda2 ]"
    assert_has_line "$output" "sfdisk-mbr [nvme0n1 sda sda1 sda2 ] [sda1 sda2 ]"
    assert_has_line "$output" "parted-mbr [nvme0n1 sda sda1 sda2 sda3 ] [sda1 sda2 sda3 ]"
    assert_has_line "$output" "parted-gpt [nvme0n1 nvme0n1p1 sda sda1 sda2 sda3 ] [nvme0n1p1 ]"
    assert_has_line "$output" "sgdisk [nvme0n1 nvme0n1p1 sda sda1 ] [sda1 ]"
    assert_has_line "$output" "wipefs [nvme0n1 sda sda1 ] []"
    assert_has_line "$output" "sda1-kib 65536"
    assert_has_line "$output" "sda1-start 2048"
    assert_no_leftovers
}

@test "mkfs.ext4, mkfs.xfs, mkfs.btrfs, mkswap, blkid and lsblk on scratch partitions" {
    require_tools sfdisk mkfs.xfs mkfs.btrfs lsblk blkid
    run --separate-stderr spawn --scratch-disk=sda:1G "$TOOLS" -- /bin/sh -c "$PARTITION_AND_FORMAT"'
echo "blkid $( blkid -o export /dev/sda1 /dev/sda2 /dev/sda3 /dev/sda4 | grep -e ^DEVNAME -e ^TYPE | tr "\n" " " )"
lsblk -rn -o NAME,TYPE,FSTYPE,SIZE /dev/sda | sed "s/^/lsblk /"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "mkfs ok"
    assert_contains "$output" "DEVNAME=/dev/sda1 TYPE=ext4 DEVNAME=/dev/sda2 TYPE=xfs DEVNAME=/dev/sda3 TYPE=btrfs DEVNAME=/dev/sda4 TYPE=swap"
    assert_has_line "$output" "lsblk sda disk  1G"
    assert_has_line "$output" "lsblk sda1 part ext4 64M"
    assert_has_line "$output" "lsblk sda2 part xfs 300M"
    assert_has_line "$output" "lsblk sda3 part btrfs 200M"
    assert_has_line "$output" "lsblk sda4 part swap 64M"
    assert_no_leftovers
}

@test "mount, write, umount and fsck of ext4, xfs and btrfs anywhere inside; swapon is answered" {
    require_tools sfdisk mkfs.xfs mkfs.btrfs xfs_repair btrfs
    host_swaps="$( cat /proc/swaps )"
    run --separate-stderr spawn --scratch-disk=sda:1G "$TOOLS" -- /bin/sh -c "$PARTITION_AND_FORMAT"'
mkdir -p /mnt/local /tmp/deep/x
/usr/bin/mount /dev/sda1 /mnt/local && mkdir -p /mnt/local/var && echo "mount ext4=$?"
/usr/bin/mount -t xfs -o noatime /dev/sda2 /mnt/local/var && echo "mount xfs=$?"
/usr/bin/mount -o compress=zstd /dev/sda3 /tmp/deep/x && echo "mount btrfs=$?"
awk "\$2 ~ /^\/(mnt|tmp)\// { print \"mounted\", \$1, \$2, \$3, \$4 }" /proc/mounts
for d in /mnt/local /mnt/local/var /tmp/deep/x; do head -c 1048576 /dev/urandom >$d/data && sync && echo "wrote $d"; done
md5sum /mnt/local/data | cut -d" " -f1 >/tmp/sum
/usr/bin/umount /tmp/deep/x /mnt/local/var && /usr/bin/umount /mnt/local && echo "umount ok"
/usr/bin/mount -o ro /dev/sda1 /mnt/local && md5sum /mnt/local/data | cut -d" " -f1 | cmp -s - /tmp/sum && echo "data kept" && /usr/bin/umount /mnt/local
e2fsck -fn /dev/sda1 >/dev/null 2>&1 && echo "fsck ext4 clean"
xfs_repair -n /dev/sda2 >/dev/null 2>&1 && echo "fsck xfs clean"
btrfs check /dev/sda3 >/dev/null 2>&1 && echo "fsck btrfs clean"
swapon /dev/sda4 && echo "swapon ok"
swapoff /dev/sda4 && echo "swapoff ok"
echo "mounts left [$( grep -c /dev/sda /proc/mounts )]"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "mount ext4=0"
    assert_has_line "$output" "mount xfs=0"
    assert_has_line "$output" "mount btrfs=0"
    # the source as the container names it; nosuid and nodev always
    [[ "$output" == *"mounted /dev/sda1 /mnt/local ext4 rw,nosuid,nodev,"* ]] || spawn_fail "ext4: $output"
    [[ "$output" == *"mounted /dev/sda2 /mnt/local/var xfs rw,nosuid,nodev,noatime,"* ]] || spawn_fail "xfs: $output"
    [[ "$output" == *"mounted /dev/sda3 /tmp/deep/x btrfs rw,nosuid,nodev,"*"compress=zstd"* ]] || spawn_fail "btrfs: $output"
    for d in /mnt/local /mnt/local/var /tmp/deep/x ; do
        assert_has_line "$output" "wrote $d"
    done
    for what in "umount ok" "data kept" "fsck ext4 clean" "fsck xfs clean" "fsck btrfs clean" \
                "swapon ok" "swapoff ok" "mounts left [0]" ; do
        assert_has_line "$output" "$what"
    done
    assert_equal "$( cat /proc/swaps )" "$host_swaps" "the host's swaps"
    refute_contains "$( cat /proc/self/mountinfo )" " /mnt/local " "the host's mounts"
    assert_no_leftovers
}

@test "the new mount API says ENOSYS inside (fsopen, fspick, mount_setattr), so that libmount falls back to mount(2)" {
    require_tools mount
    gcc -static -O2 -o "$TOOLS/bin/mount-api-probe" "$BATS_TEST_DIRNAME/fixtures/mount-api-probe.c"
    run --separate-stderr spawn --scratch-disk=sda:64M "$TOOLS" -- /bin/sh -c '
mount-api-probe
mkfs.ext4 -q /dev/sda && mkdir -p /mnt/x && /usr/bin/mount /dev/sda /mnt/x && echo "mounted" && /usr/bin/umount /mnt/x && echo "unmounted"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "fsopen=ENOSYS"
    assert_has_line "$output" "fspick=ENOSYS"
    assert_has_line "$output" "mount_setattr=ENOSYS"
    assert_has_line "$output" "mounted"
    assert_has_line "$output" "unmounted"
    assert_no_leftovers
}

# Start the helper in the background (--real-sleeps: the script's last sleep must last)
# with the log in $BG_LOG; wait until the log has the line $1. Sets BG_PID.
function start_until () {
    local line="$1" i
    shift
    BG_LOG="$BATS_TEST_TMPDIR/bg.log"
    "$RESCUE_SPAWN" --real-sleeps "$@" </dev/null >"$BG_LOG" 2>&1 &
    BG_PID=$!
    echo "$BG_PID" >>"$SPAWN_TMP/helper-pids"
    for i in $( seq 200 ) ; do
        # the console's lines end in CR LF
        tr -d '\r' <"$BG_LOG" | grep -qx -- "$line" && return 0
        kill -0 "$BG_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$BG_PID" 2>/dev/null || true
    spawn_fail "no line '$line' from the helper:" "$( cat "$BG_LOG" )"
}

# The scratch loop device of the running helper, e.g. loop3.
function running_scratch_loop () {
    local l
    for l in /sys/block/loop* ; do
        grep -qs -e '^/var/tmp/rescue-spawn-scratch/' -e "^$SPAWN_TMP/" "$l/loop/backing_file" && echo "${l##*/}" && return 0
    done
    return 1
}

@test "SIGKILL of the helper at every stage releases every loop device and mount, keeps FILE, leaves no temporary file" {
    require_tools sfdisk mkfs.xfs
    file="$SPAWN_TMP/kept.img"
    stages='
echo "stage attached"; sleep 0.3
printf "label: gpt\nsize=64M\nsize=320M\n" | sfdisk -q /dev/sda && echo "stage partitioned"; sleep 0.3
mkfs.ext4 -q /dev/sda1 && mkfs.xfs -q /dev/sda2 && echo "stage formatted"; sleep 0.3
mkdir -p /mnt/a /mnt/b && /usr/bin/mount /dev/sda1 /mnt/a && /usr/bin/mount /dev/sdb /mnt/b && echo "stage mounted"; sleep 0.3
echo "stage writing"; dd if=/dev/zero of=/mnt/a/big bs=1M count=40 2>/dev/null; sync; sleep 30'
    for stage in attached partitioned formatted mounted writing ; do
        rm -f "$file"
        start_until "stage $stage" --scratch-disk=sda:512M --scratch-disk=sdb:64M:"$file" "$TOOLS" -- /bin/sh -c "
mkfs.ext4 -q /dev/sdb; $stages"
        running_scratch_loop >/dev/null || spawn_fail "$stage: no scratch loop device while it runs"
        kill -KILL "$BG_PID"
        wait "$BG_PID" || true
        assert_no_scratch_loops
        assert_no_leftovers
        [ -f "$file" ] && [ "$( stat -c %s "$file" )" -eq $(( 64 << 20 )) ] || spawn_fail "$stage: FILE is gone or changed size"
        [ -z "$( find /var/tmp/rescue-spawn-scratch -mindepth 1 2>/dev/null )" ] || spawn_fail "$stage: files in /var/tmp/rescue-spawn-scratch"
        refute_contains "$( cat /proc/self/mountinfo )" "/mnt/a" "$stage: the host's mounts"
    done
}

@test "a run that recreates the host's own UUID changes neither /dev/disk nor the host's mounts; the udev rule keeps udev off it" {
    require_tools sfdisk
    command -v udevadm >/dev/null || skip "udevadm is not installed here"
    # the UUID of the host's root file system, as a restored layout would recreate it
    uuid="$( findmnt -n -o UUID / 2>/dev/null || true )"
    test -n "$uuid" || uuid="$( blkid -s UUID -o value "$( findmnt -n -o SOURCE / )" 2>/dev/null || true )"
    test -n "$uuid" || uuid=2c5e1a0b-7d3e-4f6a-9b8c-0d1e2f3a4b5c
    # /dev/disk (udev's links), and every host mount of that UUID or of a scratch device
    # (other tests on this machine may mount other things meanwhile)
    host_state () {
        ls -lR /dev/disk 2>&1
        findmnt -rn -o SOURCE,TARGET,FSTYPE,UUID | awk -v uuid="$uuid" -v loop="/dev/${1:-none}" \
            '$4 == uuid || index($1, loop) == 1'
    }
    before="$( host_state )"
    run_udev_before="$( ls -AR /run/udev 2>&1 || true )"
    start_until "ready" --scratch-disk=sda:128M "$TOOLS" -- /bin/sh -c '
printf "label: gpt\nsize=64M\n" | sfdisk -q /dev/sda && mkfs.ext4 -q -F -U '"$uuid"' /dev/sda1 &&
mkdir -p /mnt/local && /usr/bin/mount /dev/sda1 /mnt/local && echo ready; sleep 30'
    loop="$( running_scratch_loop )"
    loop_mode="$( stat -c '%a %U:%G' "/dev/$loop" )"
    during="$( host_state "$loop" )"
    # udevadm test runs the rules as a udev event would: it writes udev's database in
    # /run/udev, makes the links in /dev/disk and sets the nodes' modes. In a mount
    # namespace of its own, on a tmpfs /run and a tmpfs /dev holding only the device
    # nodes it looks at, so that nothing of it reaches the host (its own /dev/disk
    # links are what this test is about).
    rules="$SPAWN_WORK_TREE/packaging/udev/59-rescue-spawn-scratch.rules"
    udev_test () {
        unshare --mount --propagation private sh -c '
set -e
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev
for sys in /sys/block/$2 /sys/block/$2/$2p*; do
    mknod "/dev/${sys##*/}" b $( tr ":" " " <"$sys/dev" )
done
mkdir -p /run/udev/rules.d
test -z "$1" || cp "$1" /run/udev/rules.d/
udevadm test --action=add "$3" 2>&1' udev-test "$@"
    }
    without_rule="$( udev_test "" "$loop" "/sys/block/$loop/${loop}p1" )"
    with_rule="$( udev_test "$rules" "$loop" "/sys/block/$loop/${loop}p1" )"
    with_rule_disk="$( udev_test "$rules" "$loop" "/sys/block/$loop" )"
    kill -TERM "$BG_PID"
    wait "$BG_PID" || true
    assert_equal "$during" "$before" "the host's /dev/disk, mounts and block devices while it runs"
    assert_equal "$( host_state "$loop" )" "$before" "the host's /dev/disk, mounts and block devices afterwards"
    # without the rule the host's udev would link the host's UUID to the scratch partition
    assert_contains "$without_rule" "by-uuid/$uuid" "udev without the rule"
    refute_contains "$with_rule" "by-uuid" "udev with the rule"
    refute_contains "$with_rule" "ID_FS_TYPE=ext4" "udev with the rule"
    assert_has_line "$with_rule" "UDEV_DISABLE_PERSISTENT_STORAGE_RULES_FLAG=1"
    assert_has_line "$with_rule" "SYSTEMD_READY=0"
    assert_has_line "$with_rule_disk" "UDEV_DISABLE_PERSISTENT_STORAGE_RULES_FLAG=1"
    assert_equal "$( ls -AR /run/udev 2>&1 || true )" "$run_udev_before" "the host's /run/udev"
    assert_equal "$( stat -c '%a %U:%G' "/dev/$loop" )" "$loop_mode" "the mode of the host's /dev/$loop"
    assert_no_leftovers
}

@test "grub-install onto a scratch disk writes its backing file only" {
    require_tools grub-install sfdisk
    file="$SPAWN_TMP/boot.img"
    run --separate-stderr spawn --scratch-disk=sda:256M:"$file" "$TOOLS" -- /bin/sh -c '
printf "label: dos\nstart=2048,size=100M,type=83,bootable\n" | sfdisk -q /dev/sda && mkfs.ext4 -q /dev/sda1 &&
mkdir -p /mnt/local && /usr/bin/mount /dev/sda1 /mnt/local && mkdir -p /mnt/local/boot &&
grub-install --target=i386-pc --boot-directory=/mnt/local/boot /dev/sda && echo "grub-install ok"
test -f /mnt/local/boot/grub/i386-pc/core.img && echo "core.img there"
/usr/bin/umount /mnt/local'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "grub-install ok"
    assert_has_line "$output" "core.img there"
    # GRUB's boot sector in the backing file's MBR, its core image in the gap before sda1
    assert_contains "$( head -c 512 "$file" | strings )" "GRUB" "the backing file's MBR"
    [ -n "$( dd if="$file" bs=512 skip=1 count=2047 2>/dev/null | tr -d '\0' | head -c 1 )" ] ||
        spawn_fail "nothing was written into the gap before the first partition"
    assert_no_leftovers
}

@test "the real ReaR image's own tools partition, format, mount, write, unmount and check a scratch disk" {
    image="$( "$SPAWN_WORK_TREE/tests/fixtures/build-rear-image.sh" systemd 2>"$BATS_TEST_TMPDIR/build.log" | tail -n 1 )" ||
        spawn_fail "no systemd image:" "$( tail -n 20 "$BATS_TEST_TMPDIR/build.log" )"
    [ -e "$image/etc/rear-release" ]
    # the layout code ReaR generates: parted, then mkfs with the recorded UUID and label
    run --separate-stderr spawn --scratch-disk=vda:2G "$image" -- /bin/bash -c '
set -e
parted -s /dev/vda mklabel gpt
parted -s /dev/vda mkpart rear-noname 1048576B 1074790399B
parted -s /dev/vda mkpart rear-noname 1074790400B 1342177279B
partprobe /dev/vda
echo "parts [$( ls /dev | grep ^vd | tr "\n" " " )] sizes [$( cat /sys/block/vda/vda1/size ) $( cat /sys/block/vda/vda2/size )]"
mkfs.ext4 -q -F -U 2c5e1a0b-7d3e-4f6a-9b8c-0d1e2f3a4b5c -L root /dev/vda1
mkswap -U 3d6f2b1c-8e4f-4a7b-8c9d-1e2f3a4b5c6d /dev/vda2 >/dev/null
blkid -o export /dev/vda1 | grep -e ^UUID -e ^LABEL | tr "\n" " "; echo
lsblk -rn -o NAME,FSTYPE /dev/vda | tr "\n" " "; echo
mkdir -p /mnt/local
mount -o rw /dev/vda1 /mnt/local
cp -a /etc /mnt/local/ && sync && echo "restored $( find /mnt/local/etc | wc -l ) entries"
awk "\$2 == \"/mnt/local\" { print \"mounted\", \$1, \$3 }" /proc/mounts
swapon /dev/vda2 && swapoff /dev/vda2 && echo "swap answered"
umount /mnt/local
fsck.ext4 -fn /dev/vda1 >/dev/null && echo "fsck clean"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $output $stderr"
    assert_contains "$output" "parts [vda vda1 vda2 ] sizes [2097152 522240]"
    assert_contains "$output" "UUID=2c5e1a0b-7d3e-4f6a-9b8c-0d1e2f3a4b5c"
    assert_contains "$output" "LABEL=root"
    assert_contains "$output" "vda1 ext4 vda2 swap"
    assert_contains "$output" "restored "
    assert_has_line "$output" "mounted /dev/vda1 ext4"
    assert_has_line "$output" "swap answered"
    assert_has_line "$output" "fsck clean"
    assert_no_leftovers
}

@test "--scratch-layout gives a disk for each disk of a disklayout.conf, and refuses what cannot be rehearsed" {
    layout="$SPAWN_TMP/disklayout.conf"
    printf '%s\n' '# Disk layout dated 20261202' 'disk /dev/vda 1073741824 gpt' \
        'part /dev/vda 1072693248 1048576 rear-noname none /dev/vda1' 'disk /dev/nvme0n1 268435456 msdos' \
        'fs /dev/vda1 / ext4 uuid=2c5e1a0b-7d3e-4f6a-9b8c-0d1e2f3a4b5c label= blocksize=4096' >"$layout"
    run --separate-stderr spawn --scratch-layout="$layout" "$ROOT" -- /bin/sh -c '
echo "disks [$( ls /sys/block | tr "\n" " " )] [$( cat /sys/block/vda/size ) $( cat /sys/block/nvme0n1/size )]"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "disks [nvme0n1 vda ] [2097152 524288]"
    # refused before anything is made: one line naming the entry, exit status 2
    for entry in 'lvmvol /dev/vg00 root 1000b linear' 'raid /dev/md0 level=raid1' \
                 'crypt /dev/mapper/luks1 /dev/vda2 type=luks2' 'fs /dev/vda2 /boot/efi vfat uuid=1234-ABCD'; do
        # a kernel with vfat mounts an EFI system partition: nothing to refuse there
        [[ "$entry" == *vfat* ]] && grep -qw vfat /proc/filesystems && continue
        printf '%s\n' 'disk /dev/vda 1073741824 gpt' "$entry" >"$layout"
        run --separate-stderr spawn --scratch-layout="$layout" "$ROOT" -- /bin/true
        [ "$status" -eq 2 ] || spawn_fail "$entry: status $status: $stderr"
        [ "$( printf '%s\n' "$stderr" | wc -l )" -eq 1 ] || spawn_fail "more than one line: $stderr"
        assert_contains "$stderr" "line 2: $entry"
    done
    assert_no_scratch_loops
    assert_no_leftovers
}

# "idmapped" is what /proc/mounts shows of the helper's own mounts with the private uid
# range: ReaR records it in disklayout.conf when its mkbackup runs in such a container, and
# a machine's kernel refuses it as a mount option. So does the helper on a new mount; on a
# remount (libmount passes /proc/mounts back) it is the mount's property and stays.
@test "a new scratch mount with -o idmapped is refused as a machine's kernel refuses it; a remount keeps working" {
    run --separate-stderr spawn --scratch-disk=sda:64M "$TOOLS" -- /bin/sh -c '
mkfs.ext4 -q /dev/sda && mkdir -p /mnt/local
/usr/bin/mount -o rw,idmapped /dev/sda /mnt/local 2>/dev/null || echo "idmapped refused"
/usr/bin/mount /dev/sda /mnt/local && /usr/bin/mount -o remount,sync /dev/sda /mnt/local && echo "remounted"
/usr/bin/umount /mnt/local'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "idmapped refused"
    assert_has_line "$output" "remounted"
    assert_no_leftovers
}

@test "a scratch file system is remounted sync, async, ro and rw as ReaR does; other remounts stay the kernel's" {
    run --separate-stderr spawn --scratch-disk=sda:64M "$TOOLS" -- /bin/sh -c '
mkfs.ext4 -q /dev/sda && mkdir -p /mnt/local /tmp/t && /usr/bin/mount /dev/sda /mnt/local
opts () { echo "$1 [$( awk "\$2 == \"/mnt/local\" { print \$4 }" /proc/mounts )]"; }
/usr/bin/mount -o remount,sync /dev/sda /mnt/local && opts sync
/usr/bin/mount -o remount,async /dev/sda /mnt/local && opts async
/usr/bin/mount -o remount,ro /mnt/local && opts ro && { touch /mnt/local/x 2>/dev/null || echo "read-only"; }
/usr/bin/mount -o remount,rw /mnt/local && opts rw && touch /mnt/local/x && echo "writable"
/usr/bin/umount /mnt/local
mount -t tmpfs tmpfs /tmp/t && mount -o remount,size=1m tmpfs /tmp/t && echo "tmpfs remounted" && umount /tmp/t
mount -o remount,rw /sys 2>/dev/null || echo "sys stays read-only"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    [[ "$output" == *"sync [rw,sync,nosuid,nodev,"* ]] || spawn_fail "no sync: $output"
    [[ "$output" == *"async [rw,nosuid,nodev,"* ]] || spawn_fail "no async: $output"
    [[ "$output" == *"ro [ro,nosuid,nodev,"* ]] || spawn_fail "no ro: $output"
    assert_has_line "$output" "read-only"
    assert_has_line "$output" "writable"
    assert_has_line "$output" "tmpfs remounted"
    assert_has_line "$output" "sys stays read-only"
    assert_no_leftovers
}

@test "the image deleting /dev/sd* (ReaR's boot does, where it finds no udevd) gets the scratch disks' nodes back" {
    file="$SPAWN_TMP/gpt-again.img"
    truncate -s 64M "$file"
    printf 'label: gpt\nsize=8M\nsize=8M\n' | sfdisk -q "$file"
    run --separate-stderr spawn --scratch-disk=sda:64M:"$file" "$ROOT" -- /bin/sh -c '
rm -Rf /dev/sd* /dev/hd* /dev/disk
mv /dev/sda2 /dev/moved 2>/dev/null
for i in $( seq 50 ); do test -b /dev/sda -a -b /dev/sda1 -a -b /dev/sda2 && break; usleep 20000; done
echo "nodes [$( ls /dev | grep ^sd | tr "\n" " " )]"
echo "numbers [$( stat -c "%t:%T" /dev/sda ) $( cat /sys/block/sda/dev )]"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "nodes [sda sda1 sda2 ]"
    numbers="$( printf '%s\n' "$output" | sed -n 's/^numbers \[\(.*\)\]$/\1/p' )"
    read -r node sysfs <<<"$numbers"
    assert_equal "$(( 16#${node%:*} )):$(( 16#${node#*:} ))" "$sysfs" "the restored node's number"
    assert_no_leftovers
}
