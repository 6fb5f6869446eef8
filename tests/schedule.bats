#!/usr/bin/env bats
#
# The scheduled test: rear-testrescue.service and .timer (systemd-analyze verify on the
# installed tree), the cron file, and usr/lib/rear-testrescue/scheduled-test, which runs
# 'rear checklayout' and then 'rear -C testrescue-scheduled testrescue' (with the
# installed Debian rear on a private copy, tests/lib/rear-env.bash, and the stand-in
# helper). The real helper and the Prometheus textfile: tests/prometheus.bats.
# Needs root.

load lib/spawn
load lib/rear-env

setup_file () {
    # The tree 'make install' makes, where systemd-analyze looks for the units and the
    # programs they run; with the host's targets the units depend on (timers.target, ...).
    export INSTALL_ROOT="$BATS_FILE_TMPDIR/root"
    make -s -C "$BATS_TEST_DIRNAME/.." install DESTDIR="$INSTALL_ROOT" >/dev/null
    # Where it put the units: SYSTEMDUNITDIR (/lib/systemd/system on Debian 12).
    export UNIT_DIR
    UNIT_DIR="$( make -s -C "$BATS_TEST_DIRNAME/.." --eval 'print-unitdir: ; @echo $(SYSTEMDUNITDIR)' print-unitdir )"
    cp /usr/lib/systemd/system/*.target "$INSTALL_ROOT$UNIT_DIR/"
}

setup () {
    rear_env_setup "$BATS_TEST_TMPDIR/env"
    FAKE="$( rear_env_fake_helper )"
    TEXTFILES="$BATS_TEST_TMPDIR/textfiles"
    # The scheduled configuration as shipped, but with a textfile of the test's own.
    sed "s|^TESTRESCUE_PROMETHEUS_FILE=.*|TESTRESCUE_PROMETHEUS_FILE=\"$TEXTFILES/rear_testrescue.prom\"|" \
        "$REAR_ENV_WORK_TREE/etc/rear/testrescue-scheduled.conf" >"$REAR_ENV_DIR/etc/rear/testrescue-scheduled.conf"
    grep -q "^TESTRESCUE_PROMETHEUS_FILE=\"$TEXTFILES/" "$REAR_ENV_DIR/etc/rear/testrescue-scheduled.conf"
    # layout/save reads the disks; this machine's boot disk cannot be opened here, so
    # ReaR cannot guess the boot loader (workflow.bats does the same for mkrescue).
    rear_env_config "TESTRESCUE_HELPER=$FAKE
BOOTLOADER=GRUB2
TESTRESCUE_MODE=interactive"
    # The newest rescue system: a kept build directory.
    local rootfs="$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs"
    mkdir -p "$rootfs/etc/scripts"
    echo "VERSION=2.7" >"$rootfs/etc/rear-release"
}

teardown () {
    rear_env_teardown "$REAR_ENV_DIR"
}

helper_args () {
    cat "$REAR_ENV_DIR/fake-helper.args"
}

@test "systemd-analyze verify accepts the service and the timer as installed" {
    run systemd-analyze verify --man=no --root="$INSTALL_ROOT" \
        "$UNIT_DIR/rear-testrescue.service" "$UNIT_DIR/rear-testrescue.timer"
    # It only warns about an unknown key or a bad value: any word from it is a failure.
    [ "$status" -eq 0 ] && [ -z "$output" ] || spawn_fail "systemd-analyze verify (status $status):" "$output"
}

@test "the units: a oneshot service behind the host's work, a nightly timer with a random delay, not enabled" {
    local service timer
    service="$( cat "$INSTALL_ROOT$UNIT_DIR/rear-testrescue.service" )"
    timer="$( cat "$INSTALL_ROOT$UNIT_DIR/rear-testrescue.timer" )"
    assert_has_line "$service" "Type=oneshot"
    assert_has_line "$service" "ExecStart=/usr/lib/rear-testrescue/scheduled-test"
    [ -x "$INSTALL_ROOT/usr/lib/rear-testrescue/scheduled-test" ]
    assert_has_line "$service" "Nice=10"
    assert_has_line "$service" "IOSchedulingClass=best-effort"
    assert_has_line "$service" "Delegate=yes"
    # Started by the timer only: no [Install] of its own.
    refute_contains "$service" "[Install]"
    assert_has_line "$timer" "Persistent=true"
    assert_has_line "$timer" "RandomizedDelaySec=3h"
    assert_has_line "$timer" "WantedBy=timers.target"
    # Once a day, at night.
    run systemd-analyze calendar --iterations=2 "$( sed -n 's/^OnCalendar=//p' "$INSTALL_ROOT$UNIT_DIR/rear-testrescue.timer" )"
    [ "$status" -eq 0 ]
    assert_contains "$output" "02:00:00"
    # 'make install' enables nothing (the packages neither: tests/package.bats).
    run find "$INSTALL_ROOT" -path '*.wants*'
    assert_equal "$output" ""
}

@test "make install PREFIX=/usr/local: the service and the cron job run scheduled-test where it is" {
    local root="$BATS_TEST_TMPDIR/local"
    make -s -C "$BATS_TEST_DIRNAME/.." install DESTDIR="$root" PREFIX=/usr/local >/dev/null
    [ -x "$root/usr/local/lib/rear-testrescue/scheduled-test" ]
    assert_has_line "$( cat "$root$UNIT_DIR/rear-testrescue.service" )" "ExecStart=/usr/local/lib/rear-testrescue/scheduled-test"
    assert_contains "$( cat "$root/etc/cron.d/rear-testrescue" )" "|| /usr/local/lib/rear-testrescue/scheduled-test >/dev/null"
    # No file of the edit is left in the work tree.
    run find "$BATS_TEST_DIRNAME/../usr/lib" "$BATS_TEST_DIRNAME/../etc" -name '*.tmp'
    assert_equal "$output" ""
}

@test "the cron file: commented out, and its job is a valid line that skips hosts run by systemd" {
    local file="$INSTALL_ROOT/etc/cron.d/rear-testrescue" line job
    [ "$( stat -c %a "$file" )" = 644 ]
    # cron skips files with a dot in their name, and a last line without its newline.
    [[ "$( basename "$file" )" != *.* ]]
    [ "$( tail -c 1 "$file" | od -A n -t x1 | tr -d ' ' )" = 0a ]
    # Active lines: variables only.
    while read -r line ; do
        [[ "$line" =~ ^[A-Z_]+=[^\ ]+$ ]] || spawn_fail "an active line in the cron file: $line"
    done < <( grep -v -e '^#' -e '^$' "$file" )
    # The job, commented out: five time fields in their ranges, the user, the command.
    job="$( grep -E '^#[0-9]' "$file" )"
    [ "$( wc -l <<<"$job" )" -eq 1 ]
    read -r minute hour dom month dow user command <<<"${job#\#}"
    [ "$minute" -ge 0 ] && [ "$minute" -le 59 ]
    [ "$hour" -ge 0 ] && [ "$hour" -le 23 ]
    assert_equal "$dom $month $dow" "* * *"
    assert_equal "$user" root
    assert_equal "$command" "test -d /run/systemd/system || /usr/lib/rear-testrescue/scheduled-test >/dev/null"
    # The job's command, as cron's /bin/sh runs it, where systemd is PID 1: nothing.
    mkdir -p "$BATS_TEST_TMPDIR/run/systemd/system"
    run sh -c "${command//\/run\/systemd\/system/$BATS_TEST_TMPDIR/run/systemd/system}"
    [ "$status" -eq 0 ] && [ -z "$output" ]
}

@test "scheduled-test: without a saved layout no layout answer; the scheduled options are read last" {
    run --separate-stderr rear_env_scheduled_test
    [ "$status" -eq 0 ] || spawn_fail "status $status" "$output" "$stderr"
    assert_contains "$stderr" "rear checklayout could not compare the disk layout"
    # TESTRESCUE_MODE=interactive of local.conf lost to the scheduled configuration.
    assert_has_line "$( helper_args )" "--check"
    refute_contains "$( helper_args )" "--layout-changed"
    # No textfile directory (no node_exporter): said, and no --prometheus.
    assert_contains "$stderr" "WARNING: no directory $TEXTFILES for TESTRESCUE_PROMETHEUS_FILE"
    refute_contains "$( helper_args )" "--prometheus"
    assert_has_line "$( helper_args )" "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs"
}

@test "scheduled-test: 'rear checklayout' says unchanged, then changed; the helper is told" {
    mkdir "$TEXTFILES"
    run rear_env_rear savelayout
    [ "$status" -eq 0 ] || spawn_fail "rear savelayout: $output"
    run --separate-stderr rear_env_scheduled_test
    [ "$status" -eq 0 ] || spawn_fail "status $status" "$output" "$stderr"
    assert_has_line "$( helper_args )" "--layout-changed=no"
    assert_has_line "$( helper_args )" "--prometheus=$TEXTFILES/rear_testrescue.prom"
    refute_contains "$output" "changed since"
    # A disk the saved layout does not have: the layout changed after the image was made.
    echo "disk /dev/sdz 1073741824 msdos" >>"$REAR_ENV_DIR/var/lib/rear/layout/disklayout.conf"
    run --separate-stderr rear_env_scheduled_test
    [ "$status" -eq 0 ] || spawn_fail "status $status" "$output" "$stderr"
    assert_has_line "$( helper_args )" "--layout-changed=yes"
    assert_contains "$output" "changed since the newest rescue image was made (run 'rear mkrescue')"
    # A FAIL is the exit code of the scheduled test (what systemd and cron report).
    echo 1 >"$REAR_ENV_DIR/fake-helper.rc"
    run --separate-stderr rear_env_scheduled_test
    [ "$status" -ne 0 ]
    assert_contains "$stderr" "Rescue system test FAILED"
    # Nothing left but the kept build directory tested.
    assert_equal "$( ls -A "$REAR_ENV_DIR/tmp" )" "rear.keptXXXXXXXXXX" "the build area"
}

@test "TESTRESCUE_LAYOUT_CHANGED: anything but yes, no or empty is one clear error" {
    TESTRESCUE_LAYOUT_CHANGED=perhaps run rear_env_rear -C testrescue-scheduled testrescue
    [ "$status" -ne 0 ]
    assert_contains "$output" "TESTRESCUE_LAYOUT_CHANGED='perhaps' is invalid (use yes or no)"
    [ ! -e "$REAR_ENV_DIR/fake-helper.args" ]
}
