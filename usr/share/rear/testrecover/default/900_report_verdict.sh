# 900_report_verdict.sh
#
# Tell the verdict and where the report is. A FAIL is an Error, or with
# TESTRECOVER_FAIL_ACTION=warn a warning (and for 'rear testrecover' exit code 1).

if test "$TESTRECOVER_RUN_VERDICT" = "PASS" ; then
    LogUserOutput "Recovery rehearsal PASSED (report: $TESTRECOVER_RUN_REPORT/summary.txt)"
    return 0
fi
if test "$TESTRECOVER_FAIL_ACTION" = "warn" ; then
    LogPrintError "WARNING: Recovery rehearsal FAILED (report: $TESTRECOVER_RUN_REPORT/summary.txt)"
    test "$WORKFLOW" = "testrecover" && EXIT_CODE=1
    return 0
fi
Error "Recovery rehearsal FAILED: $( sed -n 's/^VERDICT: FAIL //p' "$TESTRECOVER_RUN_REPORT/summary.txt" ) (report: $TESTRECOVER_RUN_REPORT/summary.txt)"
