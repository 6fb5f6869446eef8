# 700_create_scratch_dir.sh
#
# The directory of this run's scratch disks: a new one below rescue-spawn-scratch/
# of TESTRECOVER_SCRATCH_DIR (the name by which the package's udev rule keeps the
# host's udev off their loop devices). The helper creates the sparse files there.
# Removed at the end unless the build area is kept ('rear -d').
# Sets TESTRECOVER_RUN_SCRATCH.

# The base exists (620 checked its space): only the last directory is made here.
mkdir -p -m 0700 "$TESTRECOVER_RUN_SCRATCH_BASE/rescue-spawn-scratch" || Error "Cannot create $TESTRECOVER_RUN_SCRATCH_BASE/rescue-spawn-scratch"
TESTRECOVER_RUN_SCRATCH="$( mktemp -d "$TESTRECOVER_RUN_SCRATCH_BASE/rescue-spawn-scratch/testrecover.XXXXXX" )" || Error "Cannot create a directory in $TESTRECOVER_RUN_SCRATCH_BASE/rescue-spawn-scratch"
if is_true "$KEEP_BUILD_DIR" ; then
    LogPrint "The scratch disks are kept in $TESTRECOVER_RUN_SCRATCH (build area kept)"
else
    # Exit tasks run last added first:
    AddExitTask "rmdir $TESTRECOVER_RUN_SCRATCH_BASE/rescue-spawn-scratch 2>/dev/null"
    AddExitTask "rm -rf $TESTRECOVER_RUN_SCRATCH"
fi
