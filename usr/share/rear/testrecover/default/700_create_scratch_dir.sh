# 700_create_scratch_dir.sh
#
# The scratch disks' sparse files, below rescue-spawn-scratch/ of
# TESTRECOVER_SCRATCH_DIR (the name by which the package's udev rule keeps the
# host's udev off their loop devices). Each is opened here and, unless the build
# area is kept ('rear -d'), unlinked at once: it lives as long as an open file
# descriptor of this rear, of the helper or of a loop device, so that nothing of
# it can stay behind, not even when rear itself is killed with SIGKILL (which runs
# no exit task). The helper gets it as /dev/fd/N (FILE of --scratch-disk), the
# read-only loop devices of 720 likewise. With 'rear -d' the files are named and
# kept in a directory of their own. A 0-byte file left by a SIGKILL between the
# open and the unlink is removed by the next run.
# Sets TESTRECOVER_RUN_SCRATCH_FILES ("NAME:/dev/fd/N" of each disk).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local base="$TESTRECOVER_RUN_SCRATCH_BASE/rescue-spawn-scratch" dir disk name file fd stale pid
TESTRECOVER_RUN_SCRATCH_FILES=()
# The base exists (520 checked its space): only the last directory is made here.
test -d "$base" || mkdir -m 0700 "$base" || Error "Cannot create $base"
for stale in "$base"/testrecover-*-*.img ; do
    test -f "$stale" || continue
    pid="${stale##*/testrecover-}"
    pid="${pid%%-*}"
    kill -0 "$pid" 2>/dev/null || rm -f "$stale"
done
if is_true "$KEEP_BUILD_DIR" ; then
    dir="$( mktemp -d "$base/testrecover.XXXXXX" )" || Error "Cannot create a directory in $base"
    LogPrint "The scratch disks are kept in $dir (build area kept)"
else
    AddExitTask "rmdir $base 2>/dev/null"
fi
for disk in "${TESTRECOVER_RUN_DISKS[@]}" ; do
    name="${disk%%:*}"
    if is_true "$KEEP_BUILD_DIR" ; then
        file="$dir/$name.img"
    else
        file="$base/testrecover-$$-$name.img"
        rm -f "$file"
    fi
    exec {fd}<>"$file" || Error "Cannot create the scratch disk file $file"
    is_true "$KEEP_BUILD_DIR" || rm -f "$file"
    TESTRECOVER_RUN_SCRATCH_FILES+=( "$name:/dev/fd/$fd" )
done
Log "Scratch disk files: ${TESTRECOVER_RUN_SCRATCH_FILES[*]}"
