#!/usr/bin/env bats
#
# Scratch disks (issue 11): --scratch-disk=NAME:SIZE[:FILE] gives the container /dev/NAME
# on a loop device, its partitions as the kernel names them, and a /sys/block,
# /sys/class/block, /sys/dev/block and /proc/partitions that show these disks and nothing
# else; every loop device and backing file is gone afterwards. Needs root and loop devices.

load lib/spawn

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

function setup () {
    ROOT="$SPAWN_FIXTURE"
    LOOPS_BEFORE="$( scratch_loops )"
}

function teardown () {
    assert_no_scratch_loops
}

# Loop devices on a scratch disk's backing file: the default ones (unnamed files in
# /var/tmp/rescue-spawn-scratch) and the test's own files (in SPAWN_TMP).
function scratch_loops () {
    losetup -l -n -O NAME,BACK-FILE 2>/dev/null | grep -e '/rescue-spawn-scratch/' -e " $SPAWN_TMP/" || true
}

# Autoclear releases a loop device once its last user is gone: give it a moment.
function assert_no_scratch_loops () {
    local i left
    for i in $( seq 30 ) ; do
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
    [ "$( stat -c %s "$SPAWN_TMP/small.img" )" -eq $(( 1 << 20 )) ]
    assert_no_leftovers
}
