# 540_check_rescue_boots.sh
#
# Check 'rescue-boots': the unattended test of 'rear testrescue' on the rescue
# system (its report in rescue-boots/ of the report directory). The recovery is
# rehearsed also when it fails: the report then tells both.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local start failed saved_report_dir="$TESTRESCUE_REPORT_DIR" saved_prometheus="$TESTRESCUE_PROMETHEUS_FILE" saved_timeout="$TESTRESCUE_TIMEOUT"
start="$( testrecover_now )"
TESTRESCUE_REPORT_DIR="$TESTRECOVER_RUN_REPORT/rescue-boots"
TESTRESCUE_PROMETHEUS_FILE=""
# Within the deadline of the whole run (TESTRECOVER_TIMEOUT):
test "$( testrecover_seconds_left )" -lt "$TESTRESCUE_TIMEOUT" && TESTRESCUE_TIMEOUT="$( testrecover_seconds_left )"
testrescue_run_check "$TESTRESCUE_RUN_ROOTFS" "$TESTRESCUE_RUN_INPUT" || Error "Cannot create a report directory under $TESTRESCUE_REPORT_DIR"
TESTRESCUE_REPORT_DIR="$saved_report_dir"
TESTRESCUE_PROMETHEUS_FILE="$saved_prometheus"
TESTRESCUE_TIMEOUT="$saved_timeout"

case "$TESTRESCUE_RUN_RESULT" in
    (0)
        testrecover_record rescue-boots ok "$( testrecover_seconds_since "$start" )" "the rescue system passed the test of 'rear testrescue'"
        ;;
    (1)
        failed="$( awk '$1 == "FAIL" { print $2 }' "$TESTRESCUE_RUN_REPORT/summary.txt" 2>/dev/null | tr '\n' ' ' )"
        testrecover_record rescue-boots FAIL "$( testrecover_seconds_since "$start" )" "the rescue system failed the test of 'rear testrescue': ${failed:-see $TESTRESCUE_RUN_REPORT/summary.txt}"
        ;;
    (*)
        Error "The rescue system cannot be booted in a container here (rescue-spawn exit code $TESTRESCUE_RUN_RESULT, see $RUNTIME_LOGFILE)"
        ;;
esac
