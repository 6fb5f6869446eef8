#!/usr/bin/env bats
#
# --bind-ro and --bind (a host directory inside the container: the backup of a rehearsal
# of 'rear recover', read-only, and where it logs), --keys-to-console (what is typed
# goes to the console, where ReaR's questions wait, also when the helper is not on a
# terminal), and binds of /proc, /sys and /dev made inside the container (ReaR's
# finalize binds them into /mnt/local), on the busybox fixture. Needs root.

bats_require_minimum_version 1.5.0

load lib/spawn

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

function setup () {
    ROOT="$( spawn_fixture_copy binds )"
    SRC="$BATS_TEST_TMPDIR/src"
    mkdir -p "$SRC"
    echo backup >"$SRC/archive"
    # root's and 0600, like ReaR's backup.tar.gz: root inside reads it (idmapped bind)
    chmod 0600 "$SRC/archive"
}

@test "--bind-ro shows a host directory read-only, nosuid, nodev; the image cannot make it writable" {
    run --separate-stderr spawn --bind-ro="$SRC:/srv/backup/host" "$ROOT" -- /bin/sh -c '
cat /srv/backup/host/archive
echo x >/srv/backup/host/new 2>/dev/null || echo "write refused"
mount -o remount,rw /srv/backup/host 2>/dev/null || echo "remount refused"
umount /srv/backup/host 2>/dev/null || echo "umount refused"
grep " /srv/backup/host " /proc/mounts'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "backup"
    assert_has_line "$output" "write refused"
    assert_has_line "$output" "remount refused"
    assert_has_line "$output" "umount refused"
    [[ "$output" == *" /srv/backup/host "*" ro,nosuid,nodev,"* ]] || spawn_fail "mount options: $output"
    [ "$( ls "$SRC" )" = "archive" ]
    # the mount point was made in the overlay, not in the image's tree
    run ! test -e "$ROOT/srv/backup"
    assert_no_leftovers
}

@test "--bind is writable and what the image writes stays on the host" {
    run --separate-stderr spawn --bind="$SRC:/var/log/rear" "$ROOT" -- /bin/sh -c 'echo logged >/var/log/rear/recover.log && echo wrote'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_has_line "$output" "wrote"
    [ "$( cat "$SRC/recover.log" )" = "logged" ]
    assert_no_leftovers
}

@test "a --bind-ro whose PATH crosses a symlink of the image is refused with one line, exit 2" {
    ln -s /etc "$ROOT/evil"
    run --separate-stderr spawn --bind-ro="$SRC:/evil/x" "$ROOT" -- /bin/true
    [ "$status" -eq 2 ]
    [ "$( printf '%s\n' "$stderr" | wc -l )" -eq 1 ] || spawn_fail "more than one line: $stderr"
    assert_contains "$stderr" "a symlink is on the way"
    run ! test -e /etc/x
    run --separate-stderr spawn --bind-ro="$BATS_TEST_TMPDIR/missing:/x" "$ROOT" -- /bin/true
    [ "$status" -eq 2 ]
    assert_contains "$stderr" "is not a directory"
    assert_no_leftovers
}

@test "--keys-to-console: what is typed on the helper's stdin reaches the console without a terminal" {
    run --separate-stderr sh -c 'echo yes | "$0" --keys-to-console "$1" -- /bin/sh -c "read answer && echo got:\$answer"' \
        "$RESCUE_SPAWN" "$ROOT"
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_contains "$output" "got:yes"
    assert_no_leftovers
}

@test "binds of /proc, /sys and /dev inside the container work as on a machine, the masks come along" {
    run --separate-stderr spawn "$ROOT" -- /bin/sh -c '
mkdir -p /mnt/local/proc /mnt/local/sys /mnt/local/dev
for fs in proc sys dev ; do mount -o bind /$fs /mnt/local/$fs && echo "bound $fs" ; done
test -e /mnt/local/proc/self/status && echo "proc works"
test -c /mnt/local/dev/null && echo "dev works"
echo "kcore [$( head -c 16 /mnt/local/proc/kcore 2>/dev/null | wc -c )]"
umount /mnt/local/proc/kcore 2>/dev/null || echo "mask stays"
echo "cmdline $( cat /mnt/local/proc/cmdline )"'
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    for what in "bound proc" "bound sys" "bound dev" "proc works" "dev works" "kcore [0]" "mask stays" ; do
        assert_has_line "$output" "$what"
    done
    assert_contains "$output" "cmdline BOOT_IMAGE=kernel rescue-spawn"
    assert_no_leftovers
}
