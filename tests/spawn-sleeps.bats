#!/usr/bin/env bats
#
# The image's sleeps (nanosleep, clock_nanosleep) are held by the helper: while nobody
# types, one ends as soon as nothing else in the container runs; one that waits while
# other processes work lasts its full time; --real-sleeps and the first key typed at an
# interactive console make every sleep last its full time (what a program types for the
# boot scripts with --keys-to-console does not). The helper says what it did with each sleep in a
# debug line (-v): "a sleep of S s ended after T s[ (the container idled)]". Needs root.

load lib/spawn

PTY_DRIVE="$BATS_TEST_DIRNAME/lib/pty-drive.py"

function setup_file () {
    spawn_setup_file
}

function teardown_file () {
    spawn_tmp_remove
}

function setup () {
    ROOT="$SPAWN_FIXTURE"
}

# The debug lines about sleeps in $stderr
function sleep_lines () {
    grep -E '^rescue-spawn: a sleep of ' <<<"$stderr" || true
}

@test "a sleep of an idle container ends at once, and the caller sees a normal sleep" {
    run --separate-stderr spawn -v "$ROOT" -- /bin/sh -c 'sleep 3; echo "status=$?"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "status=0"
    lines_of_sleeps="$( sleep_lines )"
    assert_contains "$lines_of_sleeps" "a sleep of 3.000 s ended after 0."
    assert_contains "$lines_of_sleeps" "(the container idled)"
    assert_no_leftovers
}

@test "a sleep lasts its full time while another process of the container works" {
    # yes(1) keeps a CPU busy: the container is never idle while it runs.
    run --separate-stderr spawn -v "$ROOT" -- /bin/sh -c 'yes >/dev/null & sleep 1; kill $!; echo "status=$?"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "status=0"
    lines_of_sleeps="$( sleep_lines )"
    assert_contains "$lines_of_sleeps" "a sleep of 1.000 s ended after 1.0"
    refute_contains "$lines_of_sleeps" "idled"
    assert_no_leftovers
}

@test "--real-sleeps: every sleep lasts its full time" {
    run --separate-stderr spawn -v --real-sleeps "$ROOT" -- /bin/sh -c 'sleep 1; usleep 200000; echo done'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "done"
    lines_of_sleeps="$( sleep_lines )"
    assert_contains "$lines_of_sleeps" "a sleep of 1.000 s ended after 1.0"
    assert_contains "$lines_of_sleeps" "a sleep of 0.200 s ended after 0.2"
    refute_contains "$lines_of_sleeps" "idled"
    assert_no_leftovers
}

@test "sleeps longer than 10 s are left to the kernel; a held sleep can still be killed" {
    # The long sleep is killed while it sleeps: nothing waits for it, nothing hangs.
    run --separate-stderr spawn -v "$ROOT" -- /bin/sh -c '
        sleep 600 & long=$!
        sleep 5 & held=$!
        sleep 0.3
        kill $long $held
        wait $long; echo "long=$?"
        wait $held; echo "held=$?"'
    [ "$status" -eq 0 ]
    assert_has_line "$output" "long=143"
    assert_has_line "$output" "held=143"
    lines_of_sleeps="$( sleep_lines )"
    assert_contains "$lines_of_sleeps" "a sleep of 0.300 s ended after"
    refute_contains "$lines_of_sleeps" "a sleep of 600"
    refute_contains "$lines_of_sleeps" "a sleep of 5.000 s"
    assert_no_leftovers
}

@test "once a key is typed, the image's sleeps last their full time" {
    "$PTY_DRIVE" --rows 24 --cols 80 --log "$BATS_TEST_TMPDIR/screen.log" -f - -- \
        "$RESCUE_SPAWN" -v "$ROOT" <<'EOF'
container
expect '^rescue-fixture login: ' 20
line root
expect 'from now on the image.s sleeps take their full time' 5
expect 'RESCUE \S+ # '
line 'sleep 1; echo "slept=$((1+1))"'
expect 'a sleep of 1.000 s ended after 1\.0' 5
expect '^slept=2$' 5
send '\x1dq'
wait-exit 5 0
restored
gone 0
EOF
    # and it was skipping before: the fixture's boot has a 'sleep 1' of its own
    grep -q 'a sleep of .* (the container idled)' "$BATS_TEST_TMPDIR/screen.log"
    assert_no_leftovers
}

@test "--keys-to-console in passive mode: an answer typed by a program leaves the sleeps skipped" {
    # as 'rear testrecover' answers ReaR's questions: the sleeps after the answer are
    # still those of an unattended recovery
    run --separate-stderr sh -c 'echo yes | "$0" -v --keys-to-console "$1" -- /bin/sh -c "read answer && sleep 3 && echo got:\$answer"' \
        "$RESCUE_SPAWN" "$ROOT"
    [ "$status" -eq 0 ] || spawn_fail "status $status: $stderr"
    assert_contains "$output" "got:yes"
    lines_of_sleeps="$( sleep_lines )"
    assert_contains "$lines_of_sleeps" "a sleep of 3.000 s ended after 0."
    assert_contains "$lines_of_sleeps" "(the container idled)"
    refute_contains "$stderr" "from now on the image's sleeps take their full time"
    assert_no_leftovers
}
