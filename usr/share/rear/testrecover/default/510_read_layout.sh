# 510_read_layout.sh
#
# Read the disk layout the rescue system will recreate (its disklayout.conf) and
# refuse, before anything starts, what scratch disks in a container cannot carry
# safely: LVM, md RAID, LUKS, multipath, DRBD, disks without a plain kernel name,
# and file systems this machine's kernel lacks. Sets TESTRECOVER_RUN_LAYOUT and
# TESTRECOVER_RUN_DISKS ("NAME:BYTES" of each disk, in the layout's order).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local kind device size rest fstype what
TESTRECOVER_RUN_LAYOUT="$TESTRESCUE_RUN_ROOTFS/var/lib/rear/layout/disklayout.conf"
test -s "$TESTRECOVER_RUN_LAYOUT" || Error "The rescue system has no disk layout to recreate (no var/lib/rear/layout/disklayout.conf): was it made by 'rear mkrescue' or 'rear mkbackup'?"

while read -r kind device rest ; do
    what=""
    case "$kind" in
        (lvmdev|lvmgrp|lvmvol|lvmthinpool) what="LVM" ;;
        (raid|raiddisk|raidarray) what="md RAID" ;;
        (crypt) what="LUKS encryption" ;;
        (multipath) what="multipath" ;;
        (drbd) what="DRBD" ;;
        (opaldisk) what="a self-encrypting (OPAL) disk" ;;
    esac
    test "$what" && Error "Cannot rehearse this layout in a container: '$kind $device ...' in $TESTRECOVER_RUN_LAYOUT is $what, which would act on the host's devices (rehearse it in a VM)"
done < <( grep -v '^[[:space:]]*#' "$TESTRECOVER_RUN_LAYOUT" )

TESTRECOVER_RUN_DISKS=()
while read -r kind device size rest ; do
    case "$device" in
        (/dev/[a-z]*) ;;
        (*) Error "Cannot rehearse this layout in a container: 'disk $device' in $TESTRECOVER_RUN_LAYOUT is not a disk /dev/NAME" ;;
    esac
    device="${device#/dev/}"
    [[ "$device" =~ ^[a-z][a-z0-9]*$ ]] || Error "Cannot rehearse this layout in a container: 'disk /dev/$device' in $TESTRECOVER_RUN_LAYOUT has no plain kernel name (like sda, vda, nvme0n1)"
    is_positive_integer "$size" >/dev/null || Error "The layout entry 'disk /dev/$device $size' in $TESTRECOVER_RUN_LAYOUT has no size in bytes"
    TESTRECOVER_RUN_DISKS+=( "$device:$size" )
done < <( testrecover_layout_entries disk )
test ${#TESTRECOVER_RUN_DISKS[@]} -gt 0 || Error "The disk layout $TESTRECOVER_RUN_LAYOUT recreates no disk (every 'disk' entry is excluded)"

while read -r kind device rest ; do
    read -r fstype <<<"${rest#* }"
    fstype="${fstype%% *}"
    grep -qw "$fstype" /proc/filesystems || Error "Cannot rehearse this layout here: 'fs $device $rest' in $TESTRECOVER_RUN_LAYOUT is $fstype, which the kernel of this machine lacks"
done < <( testrecover_layout_entries fs )

LogPrint "The layout recreates ${#TESTRECOVER_RUN_DISKS[@]} disk(s): ${TESTRECOVER_RUN_DISKS[*]}"
