# 996_testrecover_after_mkbackup.sh
#
# rear-testrescue: with TESTRECOVER_AFTER_MKBACKUP=yes (in /etc/rear/local.conf)
# 'rear mkbackup' rehearses the recovery of what it just made (the fresh rescue tree
# and backup) at its end: the stages of 'rear testrecover' (testrecover/default/).
# mkbackup runs the output and the backup stage, in an order that depends on where
# the backup goes; this script runs at the end of both (output/default/ has a copy
# that sources this one) and rehearses after the second. A FAIL is an Error unless
# TESTRECOVER_FAIL_ACTION=warn.

is_true "$TESTRECOVER_AFTER_MKBACKUP" || return 0
test "$WORKFLOW" = "mkbackup" || return 0
TESTRECOVER_RUN_STAGES_DONE=$(( ${TESTRECOVER_RUN_STAGES_DONE:-0} + 1 ))
test $TESTRECOVER_RUN_STAGES_DONE -eq 2 || return 0

TESTRECOVER_SOURCE="$ROOTFS_DIR"
LogPrint "Rehearsing the recovery of the fresh rescue system and backup (TESTRECOVER_AFTER_MKBACKUP)"
SourceStage "testrecover"
