# 600_run_helper.sh
#
# Boot the rescue tree with the helper: interactively when rear runs on a terminal
# (TESTRESCUE_MODE=auto) or TESTRESCUE_MODE=interactive; else, or with
# TESTRESCUE_MODE=check, the unattended check with a verdict and report files.
# Sets TESTRESCUE_RUN_MODE, TESTRESCUE_RUN_RESULT and TESTRESCUE_RUN_REPORT.

TESTRESCUE_RUN_MODE="$TESTRESCUE_MODE"
if test "$TESTRESCUE_RUN_MODE" = "auto" ; then
    # fd 6 and 7 are the stdin and stdout rear was started with:
    if test -t 6 -a -t 7 ; then
        TESTRESCUE_RUN_MODE="interactive"
    else
        TESTRESCUE_RUN_MODE="check"
    fi
fi

if test "$TESTRESCUE_RUN_MODE" = "interactive" ; then
    test -t 6 -a -t 7 || Error "TESTRESCUE_MODE=interactive needs a terminal (use TESTRESCUE_MODE=check for the unattended test)"
    testrescue_run_interactive "$TESTRESCUE_RUN_ROOTFS" "$TESTRESCUE_RUN_INPUT" || Error "Cannot create a report directory under $TESTRESCUE_REPORT_DIR"
else
    testrescue_run_check "$TESTRESCUE_RUN_ROOTFS" "$TESTRESCUE_RUN_INPUT" || Error "Cannot create a report directory under $TESTRESCUE_REPORT_DIR"
fi
