# 730_check_layout.sh
#
# Check 'layout': every partition of the layout is on its scratch disk (start and
# size within ReaR's rounding, 1 MiB), every file system and swap area has the
# type, UUID and label the layout records, and every file system is clean (its
# fsck, read-only). Before anything is mounted.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local start kind disk size part_start rest device host fields sysfs actual_start actual_size
local mountpoint fstype want_uuid want_label type uuid label checked=0 output
local -a problems=() words=()
local tolerance=$(( 1024 * 1024 ))
start="$( testrecover_now )"

while read -r kind disk size part_start rest ; do
    read -r -a words <<<"$rest"
    device="${words[-1]}"
    host="$( testrecover_host_device "$device" )" || { problems+=( "$device: its disk was not recreated" ) ; continue ; }
    sysfs="/sys/class/block/${host#/dev/}"
    if ! test -b "$host" -a -f "$sysfs/size" ; then
        problems+=( "partition $device is missing" )
        continue
    fi
    actual_size=$(( $( cat "$sysfs/size" ) * 512 ))
    actual_start=$(( $( cat "$sysfs/start" ) * 512 ))
    if test $(( actual_size - size )) -gt $tolerance -o $(( size - actual_size )) -gt $tolerance ; then
        problems+=( "partition $device has $actual_size bytes, the layout $size" )
    fi
    if test $(( actual_start - part_start )) -gt $tolerance -o $(( part_start - actual_start )) -gt $tolerance ; then
        problems+=( "partition $device starts at byte $actual_start, in the layout at $part_start" )
    fi
    checked=$(( checked + 1 ))
done < <( testrecover_layout_entries part )

while read -r kind device rest ; do
    read -r -a words <<<"$rest"
    if test "$kind" = "fs" ; then
        mountpoint="${words[0]}"
        fstype="${words[1]}"
    else
        mountpoint="swap"
        fstype="swap"
    fi
    want_uuid="$( testrecover_layout_value uuid "${words[@]}" )"
    want_label="$( testrecover_layout_value label "${words[@]}" )"
    host="$( testrecover_host_device "$device" )" || { problems+=( "$device ($mountpoint): its disk was not recreated" ) ; continue ; }
    fields="$( blkid -p -o export "$host" 2>/dev/null )"
    type="$( sed -n 's/^TYPE=//p' <<<"$fields" )"
    uuid="$( sed -n 's/^UUID=//p' <<<"$fields" )"
    label="$( sed -n 's/^LABEL=//p' <<<"$fields" )"
    if test "$type" != "$fstype" ; then
        problems+=( "$device ($mountpoint) holds ${type:-no file system}, the layout $fstype" )
        continue
    fi
    test "$want_uuid" -a "$uuid" != "$want_uuid" && problems+=( "$device ($mountpoint) has UUID ${uuid:-none}, the layout $want_uuid" )
    test "$want_label" -a "$label" != "$want_label" && problems+=( "$device ($mountpoint) has label ${label:-none}, the layout $want_label" )
    case "$fstype" in
        (ext2|ext3|ext4) output="$( e2fsck -f -n "$host" 2>&1 )" ;;
        (xfs) output="$( xfs_repair -n "$host" 2>&1 )" ;;
        (btrfs) output="$( btrfs check --readonly "$host" 2>&1 )" ;;
        (*) output="" ; true ;;
    esac || problems+=( "$device ($mountpoint): fsck found errors: $( tail -n 1 <<<"$output" )" )
    checked=$(( checked + 1 ))
done < <( testrecover_layout_entries fs ; testrecover_layout_entries swap )

if test ${#problems[@]} -gt 0 ; then
    testrecover_record layout FAIL "$( testrecover_seconds_since "$start" )" "$( testrecover_join "${problems[@]:0:5}" )"
elif test $checked -eq 0 ; then
    testrecover_record layout FAIL "$( testrecover_seconds_since "$start" )" "no partition or file system of the layout was found"
else
    testrecover_record layout ok "$( testrecover_seconds_since "$start" )" "$checked layout entries (partitions, file systems, swap areas) as recorded: type, start and size, UUID, label; fsck clean"
fi
