#!/usr/bin/env bats
#
# Root inside is nobody outside (issue 13, point 2): the container's uids and gids 0..65535
# are a free range of unprivileged host ids (from 0x70000000 on, one lock file per range);
# the tree's files still belong to root inside (an idmapped lower layer), what the helper
# makes for the container (/dev, the ptys, the cgroup) is the container root's; a ROOTFS
# that cannot be idmapped falls back to the identity map with one warning.
# Runtime: about 15 s.

load lib/spawn

FIRST_BASE=1879048192   # IDS_FIRST_BASE of helper/ids.h

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

function teardown () {
    assert_no_leftovers
}

# The host PID of the container's init of the helper running in the background ($1: its PID).
function init_of () {
    local helper="$1" i pid
    for i in $( seq 50 ) ; do
        for pid in $( pgrep -P "$helper" ) ; do
            grep -qsxzF container=rescue-spawn "/proc/$pid/environ" && { echo "$pid" ; return 0 ; }
        done
        sleep 0.1
    done
    return 1
}

@test "init's /proc/PID/uid_map shows a private range; its processes are that unprivileged host uid" {
    spawn --real-sleeps "$SPAWN_FIXTURE" -- /bin/sh -c 'sleep 5' 3>&- &
    local job=$! helper init map base
    sleep 0.3
    helper="$( tail -n 1 "$SPAWN_TMP/helper-pids" )"
    init="$( init_of "$helper" )"
    map="$( cat "/proc/$init/uid_map" )"
    read -r inside base count <<<"$map"
    assert_equal "$inside $count" "0 65536" "uid_map of init"
    [ "$base" -ge "$FIRST_BASE" ] || spawn_fail "base $base below $FIRST_BASE"
    [ $(( (base - FIRST_BASE) % 65536 )) -eq 0 ]
    assert_equal "$( awk '{ print $1, $3 }' "/proc/$init/gid_map" )" "0 65536" "gid_map of init"
    assert_equal "$( awk '{ print $2 }' "/proc/$init/gid_map" )" "$base" "gid base"
    # The host sees init as that uid, not as root:
    assert_equal "$( stat -c %u "/proc/$init" )" "$base" "owner of /proc/$init"
    [ -e "/run/rescue-spawn-ids/$base" ]
    kill "$helper"
    wait "$job" || true
    # The lock of the range is gone with the helper:
    [ ! -e "/run/rescue-spawn-ids/$base" ]
}

@test "inside, the tree, /dev, the ptys and the cgroup belong to root; files written are root's" {
    run --separate-stderr spawn "$SPAWN_FIXTURE" -- /bin/sh -c '
        cat /proc/self/uid_map
        id -u; id -g
        stat -c "%n %u %g" /etc/passwd /bin/busybox /dev /dev/null /dev/console /dev/tty1 /dev/ttyS0 /sys/fs/cgroup /sys/fs/cgroup/cgroup.procs
        touch /written && stat -c "%n %u %g" /written
        mkdir /sys/fs/cgroup/child && echo cgroup-made && rmdir /sys/fs/cgroup/child
        chown 1000:1000 /written && stat -c "%n %u %g" /written'
    [ "$status" -eq 0 ]
    refute_contains "$output" "         0          0 4294967295"
    assert_has_line "$output" "0"
    local f
    for f in /etc/passwd /bin/busybox /dev /dev/null /sys/fs/cgroup /sys/fs/cgroup/cgroup.procs ; do
        assert_has_line "$output" "$f 0 0"
    done
    for f in /dev/console /dev/tty1 /dev/ttyS0 ; do
        assert_has_line "$output" "$f 0 5"
    done
    assert_has_line "$output" "/written 0 0"
    assert_has_line "$output" "cgroup-made"
    assert_has_line "$output" "/written 1000 1000"
    refute_contains "$stderr" "warning"
}

@test "--in-place: a file written inside belongs to root on the host's disk too (idmapped mount)" {
    local root
    root="$( spawn_fixture_copy inplace )"
    run --separate-stderr spawn --in-place "$root" -- /bin/sh -c 'echo x >/made-inside && id -u'
    [ "$status" -eq 0 ]
    assert_equal "$( stat -c '%u %g' "$root/made-inside" )" "0 0" "owner on the host"
    refute_contains "$stderr" "warning"
}

@test "two containers at once get two ranges" {
    spawn --real-sleeps "$SPAWN_FIXTURE" -- /bin/sh -c 'cat /proc/self/uid_map; sleep 3' >"$SPAWN_TMP/first" 3>&- &
    local first=$!
    sleep 0.5
    run --separate-stderr spawn "$SPAWN_FIXTURE" -- /bin/cat /proc/self/uid_map
    wait "$first"
    local a b
    a="$( awk 'NR == 1 { print $2 }' "$SPAWN_TMP/first" )"
    b="$( awk 'NR == 1 { print $2 }' <<<"$output" )"
    [ -n "$a" ] && [ -n "$b" ]
    [ "$a" != "$b" ] || spawn_fail "both got $a"
}

@test "--private-users=no: the identity map, as before" {
    run --separate-stderr spawn --private-users=no "$SPAWN_FIXTURE" -- /bin/cat /proc/self/uid_map
    [ "$status" -eq 0 ]
    assert_equal "$( tr -s ' ' <<<"$output" | sed 's/^ //' )" "0 0 4294967295"
    run --separate-stderr spawn --private-users=sometimes "$SPAWN_FIXTURE" -- /bin/true
    [ "$status" -eq 2 ]
}

@test "a ROOTFS that cannot be idmapped (on an overlay): one warning, the identity map, it still boots" {
    mkdir -p "$SPAWN_TMP/ov/upper" "$SPAWN_TMP/ov/work" "$SPAWN_TMP/ov/root"
    run --separate-stderr unshare -m --propagation private bash -c '
        set -o pipefail
        mount -t overlay ov -o "lowerdir=$2,upperdir=$3/upper,workdir=$3/work" "$3/root" || exit 99
        "$1" "$3/root" -- /bin/sh -c "cat /proc/self/uid_map; stat -c %u /etc/passwd" | tr -d "\r"
    ' - "$RESCUE_SPAWN" "$SPAWN_FIXTURE" "$SPAWN_TMP/ov" </dev/null
    [ "$status" -ne 99 ] || skip "cannot mount an overlay here"
    [ "$status" -eq 0 ]
    assert_contains "$output" "4294967295"
    assert_has_line "$output" "0"
    assert_contains "$stderr" "warning: the file system of ROOTFS cannot be idmapped"
    [ "$( grep -c warning <<<"$stderr" )" -eq 1 ]
    rm -rf "$SPAWN_TMP/ov"
}
