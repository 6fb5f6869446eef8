# 995_testrescue_after_mkrescue.sh
#
# rear-testrescue: with TESTRESCUE_AFTER_MKRESCUE=yes (set in /etc/rear/local.conf:
# /etc/rear/testrescue.conf is only read by 'rear testrescue') 'rear mkrescue' and
# 'rear mkbackup' test the fresh rescue system unattended at the end of the output
# stage, while the build directory with $ROOTFS_DIR still exists.
# A FAIL is an Error unless TESTRESCUE_FAIL_ACTION=warn.

is_true "$TESTRESCUE_AFTER_MKRESCUE" || return 0

case "$TESTRESCUE_FAIL_ACTION" in
    (error|warn) ;;
    (*) Error "TESTRESCUE_FAIL_ACTION='$TESTRESCUE_FAIL_ACTION' is invalid (use error or warn)" ;;
esac
is_positive_integer "$TESTRESCUE_TIMEOUT" >/dev/null || Error "TESTRESCUE_TIMEOUT='$TESTRESCUE_TIMEOUT' is invalid (use a number of seconds greater than 0)"

TESTRESCUE_RUN_HELPER="$( testrescue_find_helper )"
if ! test "$TESTRESCUE_RUN_HELPER" ; then
    test "$TESTRESCUE_FAIL_ACTION" = "warn" && { LogPrintError "WARNING: TESTRESCUE_AFTER_MKRESCUE is set but the helper rescue-spawn was not found: the rescue system was not tested" ; return 0 ; }
    Error "TESTRESCUE_AFTER_MKRESCUE is set but the helper rescue-spawn was not found in PATH, /usr/sbin or /usr/local/sbin (install rear-testrescue or set TESTRESCUE_HELPER)"
fi

testrescue_is_rescue_tree "$ROOTFS_DIR" || BugError "$ROOTFS_DIR is no ReaR rescue tree at the end of the output stage"

# This rescue system was made from the disk layout that 'rear mkrescue' saved just now:
# what 'rear checklayout' would say, for the metric rear_testrescue_layout_changed.
TESTRESCUE_LAYOUT_CHANGED="no"
TESTRESCUE_RUN_ROOTFS="$ROOTFS_DIR"
TESTRESCUE_RUN_INPUT="$ROOTFS_DIR"
testrescue_run_check "$ROOTFS_DIR" "$ROOTFS_DIR" || Error "Cannot create a report directory under $TESTRESCUE_REPORT_DIR"
testrescue_handle_check_result "$WORKFLOW"
