# 110_find_helper.sh
#
# Find the helper rescue-spawn that boots the rescue system in a container:
# TESTRESCUE_HELPER when set, else PATH, /usr/sbin, /usr/local/sbin.

TESTRESCUE_RUN_HELPER="$( testrescue_find_helper )"
if ! test "$TESTRESCUE_RUN_HELPER" ; then
    test "$TESTRESCUE_HELPER" && Error "TESTRESCUE_HELPER='$TESTRESCUE_HELPER' is not an executable program"
    Error "The helper rescue-spawn was not found in PATH, /usr/sbin or /usr/local/sbin (install rear-testrescue or set TESTRESCUE_HELPER)"
fi
# The helper's version is the version of rear-testrescue (one VERSION file for all).
TESTRESCUE_RUN_VERSION="$( "$TESTRESCUE_RUN_HELPER" --version 2>/dev/null )"
test "$TESTRESCUE_RUN_VERSION" || Error "The helper $TESTRESCUE_RUN_HELPER does not run (try '$TESTRESCUE_RUN_HELPER --version')"
LogPrint "Using the helper $TESTRESCUE_RUN_HELPER (rear-testrescue ${TESTRESCUE_RUN_VERSION#rescue-spawn })"
