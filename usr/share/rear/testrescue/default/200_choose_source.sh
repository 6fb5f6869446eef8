# 200_choose_source.sh
#
# Choose what to test, in this order:
#   1. the argument of 'rear testrescue PATH'
#   2. TESTRESCUE_SOURCE
#   3. the newest of: a kept build directory whose rootfs is a ReaR rescue tree
#      ('rear -d mkrescue' or KEEP_BUILD_DIR), and the output of the current
#      configuration (ISO in ISO_DIR, PXE initrd in PXE_TFTP_PATH, RAMDISK initramfs).
# Sets TESTRESCUE_RUN_INPUT.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local source="" reason="" mtime path newest_mtime=-1 number=0

test ${#ARGS[@]} -gt 1 && Error "'rear testrescue' takes at most one PATH (a rescue tree, an ISO, an initrd or a PXE directory), got: ${ARGS[*]}"

if test "${ARGS[0]:-}" ; then
    source="${ARGS[0]}"
    reason="given on the command line"
elif test "$TESTRESCUE_SOURCE" ; then
    source="$TESTRESCUE_SOURCE"
    reason="set in TESTRESCUE_SOURCE"
else
    while read -r mtime path ; do
        test "$path" || continue
        number=$(( number + 1 ))
        LogPrint "Found $path ($( testrescue_date "$path" ))"
        if test "$mtime" -gt "$newest_mtime" ; then
            newest_mtime=$mtime
            source="$path"
        fi
    done < <( testrescue_list_kept_rootfs ; testrescue_list_outputs )
    if ! test "$source" ; then
        Error "No rescue system found to test: no kept build directory (rear.*/rootfs in ${TESTRESCUE_BUILD_AREAS[*]}), no $ISO_DIR/$ISO_PREFIX.iso, no PXE or RAMDISK initrd.
Run 'rear mkrescue' first (with '-d' to keep the build directory), or set TESTRESCUE_SOURCE, or use 'rear testrescue PATH'"
    fi
    if test $number -gt 1 ; then
        reason="the newest of $number rescue systems found"
    else
        reason="the only rescue system found"
    fi
fi

# A relative PATH is relative to where 'rear' was started:
case "$source" in
    (/*) ;;
    (*) source="$WORKING_DIR/$source" ;;
esac
test -e "$source" || Error "'$source' ($reason) does not exist"

TESTRESCUE_RUN_INPUT="$source"
LogPrint "Testing $TESTRESCUE_RUN_INPUT ($reason, from $( testrescue_date "$TESTRESCUE_RUN_INPUT" ))"
