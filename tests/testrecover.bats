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
# The iso:// variant (tests/fixtures/build-recovery-fixture-iso.sh), built by the test
# that needs it.
ISO_FIXTURE="${RECOVERY_ISO_FIXTURE:-$FIXTURE-iso}"

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
    # (a loop device goes when the last process of the container that used it has
    # ended, after the helper's guard killed them: seconds on a busy machine)
    for i in $( seq 150 ) ; do
        left="$( losetup -l -n -O NAME,BACK-FILE | grep -F "$REAR_ENV_DIR" || true )"
        test -z "$left" && break
        sleep 0.1
    done
    test -z "$left" || fail_with "loop devices left: $left"
    ! grep -qF "$REAR_ENV_DIR" /proc/self/mounts || fail_with "mounts left: $( grep -F "$REAR_ENV_DIR" /proc/self/mounts )"
    test -z "$( find "$REAR_ENV_DIR/tmp" -name '*.img' )" || fail_with "scratch files left: $( find "$REAR_ENV_DIR/tmp" -name '*.img' )"
    # (the scratch files have no name while they are used: none may stay open either,
    # once the helper's guard or the watchdog of a killed rear has finished)
    for i in $( seq 100 ) ; do
        left="$( find /proc/[0-9]*/fd -lname "$REAR_ENV_DIR/*" 2>/dev/null || true )"
        test -z "$left" && break
        sleep 0.2
    done
    test -z "$left" || fail_with "files of the rehearsal still open: $left ($( for i in $left ; do i="${i#/proc/}" ; ps -o pid=,args= -p "${i%%/*}" ; done ))"
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
    # Within 'rear recover': the rescue system boots in 2-5 s here, 'rear recover' takes 23 s
    # and more (25 s was too long once: that recovery finished in 23.4 s).
    rear_env_config "TESTRESCUE_HELPER=$HELPER
TESTRECOVER_REPORT_DIR=\$VAR_DIR/testrecover
TESTRECOVER_TIMEOUT=12"
    run rear_env_rear testrecover "$FIXTURE/rootfs"
    [ "$status" -ne 0 ]
    grep -q "^FAIL *recover .*timeout of 12 seconds (TESTRECOVER_TIMEOUT) expired" "$REPORT/summary.txt" || fail_with "no timeout FAIL"
    assert_nothing_left
}

@test "killed half way (SIGTERM during 'rear recover'): the host's disks, /dev/disk and mounts as before, nothing left" {
    kill_rear_when TERM "Start system layout restoration" recover-ttys/tty-console.log
    assert_nothing_left
}

# A copy of the fixture's rescue tree at $work/rootfs with its etc/rear/local.conf
# edited by sed ARGS, and its md5sums.txt as ReaR would have written it (the rescue
# system checks it at boot).
function fixture_tree_with_conf () {
    cp -a "$FIXTURE/rootfs" "$work/rootfs"
    sed -i "$@" "$work/rootfs/etc/rear/local.conf"
    sed -i -e "s|^[0-9a-f]* \*./etc/rear/local.conf\$|$( md5sum <"$work/rootfs/etc/rear/local.conf" | cut -d ' ' -f 1 ) *./etc/rear/local.conf|" "$work/rootfs/md5sums.txt"
}

# rear testrecover in the background (its own session), killed with SIGNAL once LINE
# shows in FILE (a glob below the report directories) and two seconds more.
function kill_rear_when () {
    local signal="$1" line="$2" file="$3" i
    pid=""
    # (its build area below the private tree, as rear_env_rear has it; started again
    # while another rear runs on this machine, which ReaR refuses)
    for i in $( seq 900 ) ; do
        if test -z "$pid" || ! kill -0 "$pid" 2>/dev/null ; then
            if test -n "$pid" ; then
                grep -qs "is already running with PID" "$work/rear.out" || break
                sleep 5
            fi
            TMPDIR="$REAR_ENV_DIR/tmp" setsid "$REAR_ENV_DIR/usr/sbin/rear" -c "$REAR_ENV_DIR/etc/rear" testrecover "$FIXTURE/rootfs" >"$work/rear.out" 2>&1 &
            pid=$!
        fi
        grep -qs "$line" "$REAR_ENV_DIR"/var/lib/rear/testrecover/*/$file && break
        sleep 0.2
    done
    grep -qs "$line" "$REAR_ENV_DIR"/var/lib/rear/testrecover/*/$file || fail_with "no '$line' in $file: $( cat "$work/rear.out" )"
    sleep 2
    kill "-$signal" "$pid"
    run wait "$pid"
    [ "$status" -ne 0 ]
}

# The build area empty again within SECONDS (the watchdog of a killed rear at work).
function wait_build_area_empty () {
    local i
    for i in $( seq $(( $1 * 5 )) ) ; do
        rear_env_tmp_is_empty && return 0
        sleep 0.2
    done
    fail_with "left in the build area: $( ls -A "$REAR_ENV_DIR/tmp" )"
}

@test "killed with SIGKILL during 'rear recover': no scratch file, loop device or mount left, the host as before" {
    kill_rear_when KILL "Start system layout restoration" recover-ttys/tty-console.log
    wait_build_area_empty 30
    assert_nothing_left
}

@test "killed with SIGKILL while the restored system boots (its disks attached and mounted here): nothing left, the host as before" {
    kill_rear_when KILL "Welcome to" restored-ttys/tty-console.log
    wait_build_area_empty 30
    assert_nothing_left
}

@test "BACKUP_URL=iso://: the backup ReaR's mkbackup wrote into the ISO is taken out of it and restored, PASS" {
    "$BATS_TEST_DIRNAME/fixtures/build-recovery-fixture-iso.sh" "$ISO_FIXTURE" "$FIXTURE" >&3 2>&1
    exec {iso_lock}>/run/lock/rear-testrescue-build-recovery-fixture-iso.lock
    flock -s "$iso_lock"
    grep -q '^BACKUP_URL=iso:///backup$' "$ISO_FIXTURE/rootfs/etc/rear/local.conf"
    ( cd "$ISO_FIXTURE" && find . -printf '%p %s %T@\n' | sort ) >"$work/fixture.before"
    run rear_env_rear -v testrecover "$ISO_FIXTURE/rear-rfixture.iso"
    assert_fixture_passes
    [[ "$output" == *"restores backup/backup.tar.gz of the ISO $ISO_FIXTURE/rear-rfixture.iso"* ]] || fail_with "$output"
    # ReaR restored the archive taken out of the ISO, named by the rehearsal's file:// URL
    grep -q "file:///var/lib/rear-testrecover/backup" "$REPORT"/recover-log/rear-*.log
    grep -q "^ok *restore *all [0-9]* entries" "$REPORT/summary.txt"
    # nothing written to the ISO or the image
    diff "$work/fixture.before" <( cd "$ISO_FIXTURE" && find . -printf '%p %s %T@\n' | sort )
    assert_nothing_left
}

@test "BACKUP_URL=iso:// from the rescue tree: the ISO is found where the image's OUTPUT_URL put it, PASS" {
    "$BATS_TEST_DIRNAME/fixtures/build-recovery-fixture-iso.sh" "$ISO_FIXTURE" "$FIXTURE" >&3 2>&1
    exec {iso_lock}>/run/lock/rear-testrescue-build-recovery-fixture-iso.lock
    flock -s "$iso_lock"
    run rear_env_rear -v testrecover "$ISO_FIXTURE/rootfs"
    assert_fixture_passes
    [[ "$output" == *"of the ISO $ISO_FIXTURE/output/rfixture/rear-rfixture.iso"* ]] || fail_with "$output"
    assert_nothing_left
}

@test "BACKUP_URL=nfs:// on a machine whose kernel cannot mount NFS: one line, exit code 143 (ReaR's Error), nothing started" {
    if grep -qw -e nfs -e nfs4 /proc/filesystems || modinfo nfs >/dev/null 2>&1 ; then
        skip "this machine's kernel can mount NFS"
    fi
    fixture_tree_with_conf -e 's|^BACKUP_URL=.*|BACKUP_URL=nfs://backup.example.com/srv/rear|'
    # (ReaR 2.7's Error ends rear by its own SIGTERM: 128 + 15)
    run -143 rear_env_rear testrecover "$work/rootfs"
    [[ "$output" == *"ERROR: The backup is on NFS (nfs://backup.example.com/srv/rear) and this machine's kernel cannot mount NFS: copy the backup to a directory here and set TESTRECOVER_BACKUP_URL=file:///DIR"* ]] || fail_with "$output"
    [ "$( grep -c ERROR <<<"$output" )" -eq 1 ] || fail_with "$output"
    run ! test -e "$REPORT"
    assert_nothing_left
}

@test "BACKUP_URL=nfs:// with TESTRECOVER_BACKUP_URL naming a copy: restored from the copy, PASS" {
    fixture_tree_with_conf -e 's|^BACKUP_URL=.*|BACKUP_URL=nfs://backup.example.com/srv/rear|'
    rear_env_config "TESTRESCUE_HELPER=$HELPER
TESTRECOVER_REPORT_DIR=\$VAR_DIR/testrecover
TESTRECOVER_PROMETHEUS_FILE=\$VAR_DIR/rear_testrecover.prom
TESTRECOVER_BACKUP_URL=file://$FIXTURE/backup"
    run rear_env_rear testrecover "$work/rootfs"
    # This copy of an image made for file:// has no mount.nfs, which the rescue
    # system's own test rightly misses; everything else of the rehearsal passes.
    [ "$status" -ne 0 ]
    grep -q "^FAIL *rescue-boots .*: backup *(" "$REPORT/summary.txt" || fail_with "rescue-boots did not fail (only) at backup"
    grep -q "^FAIL *backup .*mount.nfs" "$REPORT"/rescue-boots/latest/summary.txt || fail_with "$( cat "$REPORT"/rescue-boots/latest/summary.txt )"
    for check in recover layout restore bootloader restored-boots ; do
        [ "$( check_status "$check" )" = "ok" ] || fail_with "check $check: $( check_status "$check" )"
    done
    grep -q "file:///var/lib/rear-testrecover/backup" "$REPORT"/recover-log/rear-*.log
    assert_nothing_left
}

@test "BACKUP=REQUESTRESTORE: ReaR's restore shell is left unattended, layout PASSes, restore, bootloader and restored-boots not checked with the reason" {
    fixture_tree_with_conf -e 's|^BACKUP=.*|BACKUP=REQUESTRESTORE|' -e '/^BACKUP_URL=/d'
    run rear_env_rear -v testrecover "$work/rootfs"
    [ "$status" -eq 0 ] || fail_with "rear testrecover exited with $status" "$output"
    grep -q '^VERDICT: PASS$' "$REPORT/summary.txt" || fail_with "no PASS"
    for check in rescue-boots recover layout ; do
        [ "$( check_status "$check" )" = "ok" ] || fail_with "check $check: $( check_status "$check" )"
    done
    for check in restore bootloader restored-boots ; do
        [ "$( check_status "$check" )" = "skipped" ] || fail_with "check $check: $( check_status "$check" )"
        grep -q "^skipped *$check .*BACKUP=REQUESTRESTORE" "$REPORT/summary.txt" || fail_with "no reason for $check"
    done
    grep -q "ReaR's shell to restore the backup (BACKUP=REQUESTRESTORE)" "$REPORT/questions.txt"
    grep -q "Please restore your backup in the provided shell" "$REPORT"/recover-log/rear-*.log
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); s = {c["name"]: c["status"] for c in r["checks"]}; assert s["restore"] == "skipped" and s["layout"] == "ok", s' "$REPORT/report.json"
    assert_nothing_left
}

# A real 'rear mkbackup' takes minutes: in the private rear its workflow runs only its
# backup and output stages (as ReaR runs them: SourceStage), each with nothing but this
# package's hook, with a copy of the fixture's rescue tree in ROOTFS_DIR (what a real
# mkbackup has made when they run; ReaR removes ROOTFS_DIR at its end: never the
# fixture's own tree).
function mkbackup_with_only_the_hook () {
    find "$REAR_ENV_DIR/usr/share/rear/backup" "$REAR_ENV_DIR/usr/share/rear/output" -name '*.sh' \
        ! -name 996_testrecover_after_mkbackup.sh -delete
    cat >"$REAR_ENV_DIR/usr/share/rear/lib/mkbackup-workflow.sh" <<WORKFLOW
WORKFLOW_mkbackup_DESCRIPTION="create rescue media and backup system"
WORKFLOWS+=( mkbackup )
function WORKFLOW_mkbackup () {
    mkdir -p "\$ROOTFS_DIR" && cp -a "$FIXTURE/rootfs/." "\$ROOTFS_DIR/" || Error "Cannot copy the fixture's rescue tree"
    SourceStage "backup"
    SourceStage "output"
}
WORKFLOW
}

@test "TESTRECOVER_AFTER_MKBACKUP=yes: the hook of the backup and output stages of 'rear mkbackup' rehearses once, after the second" {
    mkbackup_with_only_the_hook
    rear_env_config "TESTRESCUE_HELPER=$HELPER
TESTRECOVER_REPORT_DIR=\$VAR_DIR/testrecover
TESTRECOVER_PROMETHEUS_FILE=\$VAR_DIR/rear_testrecover.prom
TESTRECOVER_AFTER_MKBACKUP=yes"
    run rear_env_rear -v mkbackup
    assert_fixture_passes
    [ "$( grep -c "Rehearsing the recovery of the fresh rescue system and backup (TESTRECOVER_AFTER_MKBACKUP)" <<<"$output" )" -eq 1 ] || fail_with "$output"
    [ "$( ls "$REAR_ENV_DIR/var/lib/rear/testrecover" | grep -vc latest )" -eq 1 ]
    assert_nothing_left
}

@test "TESTRECOVER_AFTER_MKBACKUP unset: 'rear mkbackup' does not rehearse" {
    mkbackup_with_only_the_hook
    run rear_env_rear -v mkbackup
    [ "$status" -eq 0 ] || fail_with "$output"
    [[ "$output" != *"Rehearsing the recovery"* ]] || fail_with "$output"
    run ! test -e "$REAR_ENV_DIR/var/lib/rear/testrecover"
}
