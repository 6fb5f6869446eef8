# 530_make_report_dir.sh
#
# A new report directory for this rehearsal under TESTRECOVER_REPORT_DIR ('latest'
# links the newest). Every check writes its line into checks.tsv there
# (testrecover_record); 800_write_reports.sh makes the reports of it.

testrescue_make_report_dir "$TESTRECOVER_REPORT_DIR" || Error "Cannot create a report directory under $TESTRECOVER_REPORT_DIR"
TESTRECOVER_RUN_REPORT="$TESTRESCUE_RUN_REPORT"
: >"$TESTRECOVER_RUN_REPORT/checks.tsv" || Error "Cannot write into $TESTRECOVER_RUN_REPORT"
LogPrint "Rehearsing the recovery of $TESTRESCUE_RUN_INPUT (report: $TESTRECOVER_RUN_REPORT, timeout $TESTRECOVER_TIMEOUT seconds)"
