# testrecover-workflow.sh
#
# The 'testrecover' workflow of rear-testrescue: rehearse the real 'rear recover'
# of a rescue system in a container, on scratch disks (sparse files on loop
# devices, under the names and sizes of the image's disklayout.conf), then check
# what it recreated and restored, and boot the restored system in a container.
# No disk of this machine is ever reachable from the container.
#
# Like every lib/[a-z]*.sh file this file is sourced by every 'rear' run, so it
# only defines things: the workflow and the defaults of the TESTRECOVER_* options
# (overridden by /etc/rear/local.conf and, for 'rear testrecover', by
# /etc/rear/testrecover.conf). The helper (TESTRESCUE_HELPER), the terminals and
# the idle sleeps are the TESTRESCUE_* options of 'rear testrescue'.
# See /etc/rear/testrecover.conf for a commented example of every option.

WORKFLOW_testrecover_DESCRIPTION="rehearse 'rear recover' on scratch disks in a container"
WORKFLOWS+=( testrecover )
function WORKFLOW_testrecover () {
    SourceStage "testrecover"
}

# What to rehearse: as TESTRESCUE_SOURCE for 'rear testrescue' (empty: the PATH
# argument, else the newest kept build directory or output of this configuration).
TESTRECOVER_SOURCE=""

# Where the sparse files of the scratch disks go (in a sub-directory
# rescue-spawn-scratch/, which the package's udev rule recognises). They need
# about the backup's unpacked size plus the file systems' metadata.
# Empty: ReaR's build area (BUILD_DIR), removed at the end unless 'rear -d'.
TESTRECOVER_SCRATCH_DIR=""

# The backup to restore, when it is not where the image's BACKUP_URL says:
# a file:// URL of this machine (bound read-only where the image looks for it).
# Without it an iso:// backup is taken out of the ISO and an nfs:// share mounted
# here read-only (testrecover/default/516, 517).
TESTRECOVER_BACKUP_URL=""

# Seconds the whole rehearsal may take (rescue boot, recovery, checks, boot of
# the restored system); on expiry it ends with FAIL.
TESTRECOVER_TIMEOUT=900

# Seconds the restored system may take to reach its default target and a login prompt.
TESTRECOVER_BOOT_TIMEOUT=120

# How many files of the archive are compared byte for byte with the restored ones.
TESTRECOVER_RESTORE_SAMPLE=50

# Reports: one sub-directory per run (date and time), 'latest' links the newest.
TESTRECOVER_REPORT_DIR="$VAR_DIR/testrecover"

# A node_exporter textfile (rear_testrecover_* metrics). Empty: none.
TESTRECOVER_PROMETHEUS_FILE=""

# Rehearse the recovery at the end of 'rear mkbackup' (set it in local.conf).
TESTRECOVER_AFTER_MKBACKUP="no"

# What a FAIL does: 'error' makes the workflow fail, 'warn' only warns
# ('rear testrecover' still exits non-zero, 'rear mkbackup' succeeds).
TESTRECOVER_FAIL_ACTION="error"

# More options for the helper of the recovery run, e.g. ( --verbose ).
TESTRECOVER_HELPER_OPTIONS=()
