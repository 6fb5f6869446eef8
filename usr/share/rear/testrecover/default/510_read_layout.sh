# 510_read_layout.sh
#
# The disks the rescue system will recreate, as the helper reads them from its
# disklayout.conf (rescue-spawn --scratch-layout): it refuses, before anything
# starts, the layouts scratch disks in a container cannot carry (LVM, md RAID,
# LUKS, multipath, DRBD, self-encrypting disks, file systems the kernel lacks, ...)
# with one line naming the entry. Asked with a container that only lists the
# scratch disks it got (their temporary files have no name and cost nothing).
# Sets TESTRECOVER_RUN_LAYOUT and TESTRECOVER_RUN_DISKS ("NAME:BYTES" of each disk).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local disks status
TESTRECOVER_RUN_LAYOUT="$TESTRESCUE_RUN_ROOTFS/var/lib/rear/layout/disklayout.conf"
test -s "$TESTRECOVER_RUN_LAYOUT" || Error "The rescue system has no disk layout to recreate (no var/lib/rear/layout/disklayout.conf): was it made by 'rear mkrescue' or 'rear mkbackup'?"

disks="$( "$TESTRESCUE_RUN_HELPER" -q "--scratch-layout=$TESTRECOVER_RUN_LAYOUT" "$TESTRESCUE_RUN_ROOTFS" -- \
          /bin/sh -c 'for disk in /sys/block/* ; do test -e "$disk/size" && echo "${disk##*/}:$(( $( cat "$disk/size" ) * 512 ))" ; done' \
          2>"$TMP_DIR/testrecover-layout.err" )"
status=$?
case "$status" in
    (0) ;;
    (2) Error "Cannot rehearse this layout in a container: $( head -n 1 "$TMP_DIR/testrecover-layout.err" )" ;;
    (*) Error "Cannot read the disks of $TESTRECOVER_RUN_LAYOUT (rescue-spawn exit code $status: $( head -n 1 "$TMP_DIR/testrecover-layout.err" ))" ;;
esac
# (the command's output comes through the container's console: a terminal's CR LF)
read -r -d '' -a TESTRECOVER_RUN_DISKS <<<"${disks//$'\r'/}"
test ${#TESTRECOVER_RUN_DISKS[@]} -gt 0 || Error "The disk layout $TESTRECOVER_RUN_LAYOUT recreates no disk (every 'disk' entry is excluded)"
LogPrint "The layout recreates ${#TESTRECOVER_RUN_DISKS[@]} disk(s): ${TESTRECOVER_RUN_DISKS[*]}"
