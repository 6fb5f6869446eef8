#!/usr/bin/env bats
#
# Prometheus: the shipped alert rules (promtool check rules, and promtool test rules on
# made-up series: tests/fixtures/alerts.test.yml), and the textfile that the scheduled
# test writes with the real helper on the real systemd image (promtool check metrics,
# the names and the label). promtool is in Debian's 'prometheus' package.
# Needs root.

load lib/spawn
load lib/rear-env

RULES="$BATS_TEST_DIRNAME/../usr/share/rear-testrescue/prometheus/rear-testrescue.rules.yml"

setup () {
    command -v promtool >/dev/null || spawn_fail "promtool is not installed (apt-get install prometheus)"
}

teardown () {
    test -z "${REAR_ENV_DIR:-}" || rear_env_teardown "$REAR_ENV_DIR"
}

@test "promtool check rules accepts the shipped rules file" {
    run promtool check rules "$RULES"
    [ "$status" -eq 0 ] || spawn_fail "$output"
    assert_contains "$output" "SUCCESS: 5 rules found"
}

@test "the alerts fire when they should and only then (promtool test rules)" {
    run promtool test rules "$BATS_TEST_DIRNAME/fixtures/alerts.test.yml"
    [ "$status" -eq 0 ] || spawn_fail "$output"
    assert_contains "$output" "SUCCESS"
}

@test "the scheduled test with the real helper writes a textfile promtool accepts: names, label, layout" {
    spawn_require_helper
    local rootfs metrics names
    rootfs="$( "$SPAWN_WORK_TREE/tests/fixtures/build-rear-image.sh" systemd )"
    rear_env_setup "$BATS_TEST_TMPDIR/env"
    mkdir "$BATS_TEST_TMPDIR/textfiles"
    sed "s|^TESTRESCUE_PROMETHEUS_FILE=.*|TESTRESCUE_PROMETHEUS_FILE=\"$BATS_TEST_TMPDIR/textfiles/rear_testrescue.prom\"|" \
        "$REAR_ENV_WORK_TREE/etc/rear/testrescue-scheduled.conf" >"$REAR_ENV_DIR/etc/rear/testrescue-scheduled.conf"
    # BOOTLOADER: this machine's boot disk cannot be read here (see schedule.bats).
    rear_env_config "TESTRESCUE_HELPER=$RESCUE_SPAWN
TESTRESCUE_SOURCE=$rootfs
BOOTLOADER=GRUB2"
    run rear_env_rear savelayout
    [ "$status" -eq 0 ] || spawn_fail "rear savelayout: $output"
    # What the leftover check counts: helpers that boot this image, what they make from now.
    export SPAWN_SCOPE="$rootfs" SPAWN_SINCE="$BATS_TEST_TMPDIR/since"
    touch "$SPAWN_SINCE"
    run rear_env_scheduled_test
    [ "$status" -eq 0 ] || spawn_fail "scheduled-test (status $status):" "$output"
    metrics="$( cat "$BATS_TEST_TMPDIR/textfiles/rear_testrescue.prom" )"
    run promtool check metrics <"$BATS_TEST_TMPDIR/textfiles/rear_testrescue.prom"
    [ "$status" -eq 0 ] && [ -z "$output" ] || spawn_fail "promtool check metrics: $output" "$metrics"
    assert_has_line "$metrics" "rear_testrescue_success{image=\"$rootfs\"} 1"
    assert_has_line "$metrics" "rear_testrescue_layout_changed{image=\"$rootfs\"} 0"
    assert_has_line "$metrics" "# TYPE rear_testrescue_last_run_timestamp_seconds gauge"
    # Every sample: a rear_testrescue_ name, the one label image, a number.
    names="$( grep -v '^#' <<<"$metrics" | sed 's/{.*//' )"
    assert_equal "$( grep -v '^#' <<<"$metrics" | grep -cvE "^rear_testrescue_[a-z_]+\{image=\"[^\"]*\"\} [0-9.]+$" )" 0 "samples not of the form NAME{image=...} NUMBER"
    for name in success last_run_timestamp_seconds duration_seconds ready_seconds checks_failed checks_warned layout_changed ; do
        assert_has_line "$names" "rear_testrescue_$name" "the metrics"
    done
    # The run's start, a Unix time of the last minutes.
    local started
    started="$( sed -n 's/^rear_testrescue_last_run_timestamp_seconds{.*} //p' <<<"$metrics" )"
    [ $(( $( date +%s ) - started )) -lt 600 ]
    assert_no_leftovers
}
