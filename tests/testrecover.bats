#!/usr/bin/env bats
#
# 'rear testrecover' (issue 12): the real 'rear recover' of a rescue system, rehearsed in
# a container on scratch disks, then the restored system booted. On the recovery fixture
# (tests/fixtures/build-recovery-fixture.sh: a small Debian 12 machine whose own ReaR made
# its rescue system and backup, cached in /var/cache/rear-testrescue-tests/recovery), with
# the installed rear on a private copy of /usr/share/rear with this work tree's files
# (tests/lib/rear-env.bash) and helper/rescue-spawn. Each rehearsal takes about a minute.
# Needs root, loop devices and (for the first build of the fixture) Debian's archive.

bats_require_minimum_version 1.5.0

load lib/rear-env

FIXTURE="${RECOVERY_FIXTURE:-/var/cache/rear-testrescue-tests/recovery}"

function setup_file () {
    test -x "$BATS_TEST_DIRNAME/../helper/rescue-spawn" || skip "helper/rescue-spawn is not built (make)"
    "$BATS_TEST_DIRNAME/fixtures/build-recovery-fixture.sh" "$FIXTURE" >&3 2>&1
    # While these tests read the fixture, no build (of another work tree's script,
    # say) may replace it: the builder takes this lock exclusively.
    exec {FIXTURE_LOCK}>/run/lock/rear-testrescue-build-recovery-fixture.lock
    flock -s "$FIXTURE_LOCK"
}

function setup () {
    HELPER="$BATS_TEST_DIRNAME/../helper/rescue-spawn"
    rear_env_setup "$BATS_TEST_TMPDIR/env"
    rear_env_config "TESTRESCUE_HELPER=$HELPER
TESTRECOVER_REPORT_DIR=\$VAR_DIR/testrecover
TESTRECOVER_PROMETHEUS_FILE=\$VAR_DIR/rear_testrecover.prom"
    REPORT="$REAR_ENV_DIR/var/lib/rear/testrecover/latest"
    work="$BATS_TEST_TMPDIR/work"
    mkdir -p "$work"
    host_snapshot >"$BATS_TEST_TMPDIR/host.before"
}

function teardown () {
    test -n "${SMALL_MOUNT:-}" && umount "$SMALL_MOUNT"
    rear_env_teardown "$REAR_ENV_DIR"
    rm -rf --one-file-system "$work"
}

# What a rehearsal must never change: the host's block devices (loop devices of other
# work on this machine left out), its /dev/disk links, and its mounts of block devices
# and below this test's and the fixture's directories (other work on this machine
# mounts tmpfs elsewhere meanwhile, and other rehearsals their loop devices: a loop
# device's mount counts only below this test's directory).
function host_snapshot () {
    lsblk -d -n -o NAME,MAJ:MIN,SIZE,TYPE 2>/dev/null | grep -v '^loop' || true
    ls -l /dev/disk/by-uuid /dev/disk/by-label 2>/dev/null || true
    awk -v test_dir="$BATS_TEST_TMPDIR" -v fixture="$FIXTURE" '
        { split($0, halves, " - ") ; split(halves[2], fs, " ") }
        (fs[2] ~ "^/dev/" && fs[2] !~ "^/dev/loop") || index($5, test_dir) == 1 || index($5, fixture) == 1 { print $4, $5, $6, halves[2] }' /proc/self/mountinfo
}

function fail_with () {
    printf '%s\n' "$@" >&2
    test -f "$REPORT/summary.txt" && cat "$REPORT/summary.txt" >&2
    return 1
}

# Nothing of the rehearsal is left: no loop device on a scratch file of it, no mount
# of it, no scratch file, the host as before.
function assert_nothing_left () {
    local i left
    for i in $( seq 30 ) ; do
        left="$( losetup -l -n -O NAME,BACK-FILE | grep -F "$REAR_ENV_DIR" || true )"
        test -z "$left" && break
        sleep 0.1
    done
    test -z "$left" || fail_with "loop devices left: $left"
    ! grep -qF "$REAR_ENV_DIR" /proc/self/mounts || fail_with "mounts left: $( grep -F "$REAR_ENV_DIR" /proc/self/mounts )"
    test -z "$( find "$REAR_ENV_DIR/tmp" -name '*.img' )" || fail_with "scratch files left: $( find "$REAR_ENV_DIR/tmp" -name '*.img' )"
    rear_env_tmp_is_empty || fail_with "left in the build area: $( ls -A "$REAR_ENV_DIR/tmp" )"
    diff "$BATS_TEST_TMPDIR/host.before" <( host_snapshot ) >&2 || fail_with "the host's disks, /dev/disk or mounts changed"
}

# The status of check NAME in the last report.
function check_status () {
    awk -v name="$1" '$2 == name { print $1 ; exit }' "$REPORT/summary.txt"
}

function assert_fixture_passes () {
    [ "$status" -eq 0 ] || fail_with "rear testrecover exited with $status" "$output"
    grep -q '^VERDICT: PASS$' "$REPORT/summary.txt" || fail_with "no PASS"
    local check
    for check in rescue-boots recover layout restore bootloader restored-boots ; do
        [ "$( check_status "$check" )" = "ok" ] || fail_with "check $check: $( check_status "$check" )"
    done
    # the reports
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["schema"] == "rear-testrecover/1" and r["verdict"] == "PASS" and len(r["checks"]) >= 6' "$REPORT/report.json"
    python3 -c 'import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]).getroot(); assert t.get("failures") == "0" and len(t) >= 6' "$REPORT/junit.xml"
    grep -qx 'rear_testrecover_success 1' "$REAR_ENV_DIR/var/lib/rear/rear_testrecover.prom"
    grep -q '^rear_testrecover_check_success{check="restored-boots"} 1$' "$REAR_ENV_DIR/var/lib/rear/rear_testrecover.prom"
    # the recovery log and the consoles
    grep -q "Finished running recover workflow" "$REPORT"/recover-log/rear-*.log
    grep -q "Reached target" "$REPORT/restored-ttys/tty-console.log"
}

@test "rear help lists testrecover" {
    run rear_env_rear help
    [ "$status" -eq 0 ]
    [[ "$output" == *"testrecover "*"rehearse 'rear recover' on scratch disks in a container"* ]]
}

@test "the fixture's rescue tree: its recovery is rehearsed and PASSes, nothing left behind" {
    run rear_env_rear -v testrecover "$FIXTURE/rootfs"
    assert_fixture_passes
    # its restore covered the whole archive
    grep -q "^ok *restore *all [0-9]* entries" "$REPORT/summary.txt"
    # ReaR's question (unattended mode still asks it) answered with its default and logged
    grep -q "^(default 'yes' timeout 30 seconds) Proceed with 'recover'" "$REPORT/questions.txt"
    # (Enter is an answer: ReaR logs it as confirmed, not as its timeout's default)
    grep -q -e "User confirmed to proceed with 'recover'" -e "Proceeding with 'recover' by default" "$REPORT"/recover-log/rear-*.log
    run ! grep -q "UserInput: 'read' timed out" "$REPORT"/recover-log/rear-*.log
    assert_nothing_left
}

@test "the fixture's ISO: unpacked and rehearsed, PASS" {
    run rear_env_rear testrecover "$FIXTURE/rear-rfixture.iso"
    assert_fixture_passes
    assert_nothing_left
}

@test "a truncated backup FAILs at restore, and nothing is written to the backup" {
    mkdir -p "$work/backup"
    cp -a "$FIXTURE/backup/rfixture" "$work/backup/"
    truncate -s $(( $( stat -c %s "$work/backup/rfixture/backup.tar.gz" ) / 2 )) "$work/backup/rfixture/backup.tar.gz"
    ( cd "$work/backup" && find . -printf '%p %s %T@\n' | sort ) >"$work/backup.before"
    chmod -R a-w "$work/backup"
    rear_env_config "TESTRESCUE_HELPER=$HELPER
TESTRECOVER_REPORT_DIR=\$VAR_DIR/testrecover
TESTRECOVER_BACKUP_URL=file://$work/backup"
    run rear_env_rear testrecover "$FIXTURE/rootfs"
    chmod -R u+w "$work/backup"
    [ "$status" -ne 0 ] || fail_with "a truncated backup passed"
    [ "$( check_status restore )" = "FAIL" ] || fail_with "restore: $( check_status restore )"
    grep -q "^FAIL *restore .*cannot be read to its end" "$REPORT/summary.txt"
    diff "$work/backup.before" <( cd "$work/backup" && find . -printf '%p %s %T@\n' | sort )
    assert_nothing_left
}

@test "a rescue tree missing one of its layout scripts FAILs at layout or recover" {
    cp -a "$FIXTURE/rootfs" "$work/rootfs"
    # the code that recreates the file systems (create_fs, mount_fs of diskrestore.sh)
    rm "$work/rootfs/usr/share/rear/layout/prepare/GNU/Linux/131_include_filesystem_code.sh"
    run rear_env_rear testrecover "$work/rootfs"
    [ "$status" -ne 0 ] || fail_with "a broken rescue tree passed"
    [ "$( check_status recover )" = "FAIL" ] || [ "$( check_status layout )" = "FAIL" ] || fail_with "neither recover nor layout failed"
    assert_nothing_left
}

@test "a layout bigger than the free space is refused before anything starts" {
    SMALL_MOUNT="$work/small"
    mkdir -p "$SMALL_MOUNT"
    mount -t tmpfs -o size=64m rear-testrecover-small "$SMALL_MOUNT"
    host_snapshot >"$BATS_TEST_TMPDIR/host.before"
    rear_env_config "TESTRESCUE_HELPER=$HELPER
TESTRECOVER_REPORT_DIR=\$VAR_DIR/testrecover
TESTRECOVER_SCRATCH_DIR=$SMALL_MOUNT"
    run rear_env_rear testrecover "$FIXTURE/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Not enough space for the scratch disks in $SMALL_MOUNT: about "*" MiB needed"* ]] || fail_with "$output"
    # nothing started: no report, no scratch file
    run ! test -e "$REPORT"
    [ -z "$( ls -A "$SMALL_MOUNT" )" ]
    assert_nothing_left
}

@test "a layout the container cannot carry (LVM) is refused before anything starts, naming the entry" {
    cp -a "$FIXTURE/rootfs" "$work/rootfs"
    echo "lvmdev /dev/vg0 /dev/vda1 AbCdEf-1234 4192256" >>"$work/rootfs/var/lib/rear/layout/disklayout.conf"
    run rear_env_rear testrecover "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Cannot rehearse this layout in a container"*"lvmdev"* ]] || fail_with "$output"
    run ! test -e "$REPORT"
    assert_nothing_left
}

@test "TESTRECOVER_TIMEOUT bounds the whole run: FAIL naming the timeout, nothing left" {
    rear_env_config "TESTRESCUE_HELPER=$HELPER
TESTRECOVER_REPORT_DIR=\$VAR_DIR/testrecover
TESTRECOVER_TIMEOUT=25"
    run rear_env_rear testrecover "$FIXTURE/rootfs"
    [ "$status" -ne 0 ]
    grep -q "^FAIL *recover .*timeout of 25 seconds (TESTRECOVER_TIMEOUT) expired" "$REPORT/summary.txt" || fail_with "no timeout FAIL"
    assert_nothing_left
}

@test "killed half way (SIGTERM during 'rear recover'): the host's disks, /dev/disk and mounts as before, nothing left" {
    setsid "$REAR_ENV_DIR/usr/sbin/rear" -c "$REAR_ENV_DIR/etc/rear" testrecover "$FIXTURE/rootfs" >"$work/rear.out" 2>&1 &
    pid=$!
    for i in $( seq 600 ) ; do
        grep -qs "Start system layout restoration" "$REAR_ENV_DIR"/var/lib/rear/testrecover/*/recover-ttys/tty-console.log && break
        sleep 0.2
    done
    grep -qs "Start system layout restoration" "$REAR_ENV_DIR"/var/lib/rear/testrecover/*/recover-ttys/tty-console.log || fail_with "the recovery did not start: $( cat "$work/rear.out" )"
    sleep 2
    kill -TERM "$pid"
    run wait "$pid"
    [ "$status" -ne 0 ]
    assert_nothing_left
}
