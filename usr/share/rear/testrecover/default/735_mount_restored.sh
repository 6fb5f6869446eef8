# 735_mount_restored.sh
#
# Mount the restored file systems of the layout read-only (ext3/ext4 without
# replaying the journal, xfs without log recovery: nothing is written), each at
# its mount point below TESTRECOVER_RUN_TARGET, for the checks that follow and for
# booting the restored system; unmounted at the end.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local mountpoint device fstype host options
TESTRECOVER_RUN_TARGET="$TMP_DIR/testrecover-restored"
mkdir -p "$TESTRECOVER_RUN_TARGET" || Error "Cannot create $TESTRECOVER_RUN_TARGET"
TESTRECOVER_RUN_MOUNTED="no"
# Parents first: sorted by the mount point's length.
while read -r mountpoint device fstype ; do
    host="$( testrecover_host_device "$device" )" || continue
    case "$fstype" in
        (ext3|ext4) options="ro,noload" ;;
        (xfs) options="ro,norecovery" ;;
        (*) options="ro" ;;
    esac
    mkdir -p "$TESTRECOVER_RUN_TARGET$mountpoint" 2>/dev/null
    if mount -t "$fstype" -o "$options,nodev,nosuid" "$host" "$TESTRECOVER_RUN_TARGET$mountpoint" ; then
        test "$TESTRECOVER_RUN_MOUNTED" = "yes" || AddExitTask "umount -R $TESTRECOVER_RUN_TARGET"
        TESTRECOVER_RUN_MOUNTED="yes"
        Log "Mounted the restored $device ($fstype) at $TESTRECOVER_RUN_TARGET$mountpoint"
    else
        LogPrintError "Cannot mount the restored $device ($fstype) read-only"
    fi
done < <( testrecover_layout_entries fs | awk '{ print length($3), $3, $2, $4 }' | sort -n | cut -d ' ' -f 2- )
