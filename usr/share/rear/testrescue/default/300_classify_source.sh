# 300_classify_source.sh
#
# What is TESTRESCUE_RUN_INPUT: a rescue tree (rootfs directory), a build directory
# with such a rootfs, a directory with ISO or PXE/RAMDISK output, an ISO image,
# or an initrd file? Sets TESTRESCUE_RUN_KIND (rootfs, iso or initrd),
# TESTRESCUE_RUN_ROOTFS for a rescue tree, TESTRESCUE_RUN_COMPRESSION for an initrd.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local input="$TESTRESCUE_RUN_INPUT" candidate newest="" newest_mtime=-1 mtime

if test -d "$input" ; then
    if testrescue_is_rescue_tree "$input" ; then
        TESTRESCUE_RUN_KIND="rootfs"
        TESTRESCUE_RUN_ROOTFS="$input"
        LogPrint "$input is a ReaR rescue tree"
        return 0
    fi
    # A build directory /var/tmp/rear.XXX was given instead of its rootfs:
    if testrescue_is_rescue_tree "$input/rootfs" ; then
        TESTRESCUE_RUN_KIND="rootfs"
        TESTRESCUE_RUN_ROOTFS="$input/rootfs"
        TESTRESCUE_RUN_INPUT="$input/rootfs"
        LogPrint "$input is a ReaR build directory, testing its rescue tree $input/rootfs"
        return 0
    fi
    # A directory with output files (e.g. the PXE TFTP directory or ISO_DIR):
    # the newest ISO (first volumes only) or initrd therein.
    for candidate in "$input"/*.iso "$input"/*initrd* "$input"/initramfs-*.img ; do
        test -f "$candidate" -a -s "$candidate" || continue
        case "$candidate" in
            (*_[0-9][0-9].iso) continue ;;
        esac
        mtime="$( testrescue_mtime "$candidate" )"
        if test "$mtime" -gt "$newest_mtime" ; then
            newest_mtime=$mtime
            newest="$candidate"
        fi
    done
    test "$newest" || Error "'$input' is neither a ReaR rescue tree (it has no etc/rear-release, md5sums.txt or etc/scripts/system-setup) nor a directory with a ReaR ISO or initrd"
    LogPrint "Using $newest, the newest ISO or initrd in $input"
    input="$newest"
    TESTRESCUE_RUN_INPUT="$newest"
fi

test -f "$input" || Error "'$input' is neither a directory nor a regular file"
test -r "$input" || Error "Cannot read '$input'"
test -s "$input" || Error "'$input' is empty"

if testrescue_is_iso "$input" ; then
    TESTRESCUE_RUN_KIND="iso"
    LogPrint "$input is an ISO image"
    return 0
fi

TESTRESCUE_RUN_COMPRESSION="$( testrescue_compression "$input" )"
if test "$TESTRESCUE_RUN_COMPRESSION" = "unknown" ; then
    Error "'$input' is neither a ReaR rescue tree, nor an ISO image, nor an initrd: its first bytes ($( head -c 6 "$input" | od -A n -t x1 )) are not gzip, lzma, xz, lz4, zstd, bzip2 or cpio data (unknown compression)"
fi
TESTRESCUE_RUN_KIND="initrd"
LogPrint "$input is an initrd ($TESTRESCUE_RUN_COMPRESSION)"
