#!/usr/bin/env bats
#
# The archive reader of 'rear testrecover' (testrecover/default/535) against ReaR's own
# exit: ReaR 2.7 ends rear's descendants one at a time, a second apart, so what a
# descendant starts meanwhile escapes it and went on writing into the build area while
# ReaR removed it (sample files left after a SIGTERM). The reader is now a process group
# of its own, which an exit task ends at once (testrecover_start_group). Run with the
# installed rear's _input-output-functions.sh (tests/fixtures/rear-exit-with-reader.sh);
# each case takes ReaR's exit time, about 5 s.

load lib/spawn

EXIT_SCRIPT="$BATS_TEST_DIRNAME/fixtures/rear-exit-with-reader.sh"

function setup () {
    test -f /usr/share/rear/lib/_input-output-functions.sh || skip "rear is not installed"
}

function teardown () {
    # What escaped (the control case): ended by its PID.
    local pid
    for pid in $( escaped_pids ) ; do
        kill -KILL "$pid" 2>/dev/null
    done
}

# The PIDs of what the reader started after ReaR's exit had listed the descendants, by
# its command line and its session (the test's own).
function escaped_pids () {
    ps -eo pid=,sid=,args= | awk -v sid="$( ps -o sid= $$ )" '$2 == sid && $3 == "sleep" && $4 == "60.25" { print $1 }'
}

@test "control: a reader started with '&' escapes ReaR's exit with what it starts meanwhile" {
    "$EXIT_SCRIPT" plain "$BATS_TEST_TMPDIR" "$SPAWN_WORK_TREE"
    assert_contains "$( cat "$BATS_TEST_TMPDIR/rear.log" )" "Terminating descendant process"
    test -n "$( escaped_pids )" || spawn_fail "nothing escaped: ReaR's exit no longer lets a descendant's new process go; this test's premise is gone"
}

@test "the reader's process group: ReaR's exit tasks end all of it, what it started meanwhile too" {
    "$EXIT_SCRIPT" group "$BATS_TEST_TMPDIR" "$SPAWN_WORK_TREE"
    local reader
    reader="$( cat "$BATS_TEST_TMPDIR/reader" )"
    assert_contains "$( cat "$BATS_TEST_TMPDIR/rear.log" )" "Terminating descendant process"
    assert_equal "$( escaped_pids )" "" "processes the reader started during ReaR's exit"
    assert_equal "$( ps -eo pgid= | awk -v g="$reader" '$1 == g' )" "" "processes of the reader's group"
    assert_has_line "$( cat "$BATS_TEST_TMPDIR/watchdog.tasks" )" "group $reader" "the watchdog's tasks"
}
