# 996_testrecover_after_mkbackup.sh
#
# rear-testrescue: the rehearsal after 'rear mkbackup' (TESTRECOVER_AFTER_MKBACKUP),
# run at the end of whichever of the output and backup stages comes second
# (see backup/default/996_testrecover_after_mkbackup.sh, which this runs).

source "$SHARE_DIR/backup/default/996_testrecover_after_mkbackup.sh"
