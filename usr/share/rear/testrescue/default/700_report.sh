# 700_report.sh
#
# Tell the result and where the report is. A FAIL of the unattended check is an
# Error, or with TESTRESCUE_FAIL_ACTION=warn a warning and exit code 1.

if test "$TESTRESCUE_RUN_MODE" = "check" ; then
    testrescue_handle_check_result "testrescue"
    return 0
fi

# Interactive:
case "$TESTRESCUE_RUN_RESULT" in
    (0)
        LogUserOutput "The rescue system was shut down (terminal logs: $TESTRESCUE_RUN_REPORT)"
        ;;
    (1)
        LogPrintError "The rescue system's init died or the timeout expired (terminal logs: $TESTRESCUE_RUN_REPORT)"
        EXIT_CODE=1
        ;;
    (2)
        Error "$TESTRESCUE_RUN_HELPER refused to boot $TESTRESCUE_RUN_ROOTFS (bad input, exit code 2, see $RUNTIME_LOGFILE)"
        ;;
    (3)
        Error "The rescue system cannot be booted in a container on this machine (user namespaces or a kernel feature missing, exit code 3)"
        ;;
    (*)
        Error "$TESTRESCUE_RUN_HELPER failed with exit code $TESTRESCUE_RUN_RESULT (terminal logs: $TESTRESCUE_RUN_REPORT)"
        ;;
esac
