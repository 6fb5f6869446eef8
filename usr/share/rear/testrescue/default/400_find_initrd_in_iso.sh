# 400_find_initrd_in_iso.sh
#
# For an ISO image: check that it is complete, find the initrd therein and its
# compression, all without mounting it. Sets TESTRESCUE_RUN_MEMBER and
# TESTRESCUE_RUN_COMPRESSION.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

test "$TESTRESCUE_RUN_KIND" = "iso" || return 0

local iso="$TESTRESCUE_RUN_INPUT" first_volume

testrescue_iso_is_complete "$iso" || Error "The ISO image '$iso' is truncated or damaged: it is shorter than its volume descriptor says (copy or download it again, or run 'rear mkrescue')"

has_binary bsdtar || Error "bsdtar is needed to read ISO images (install libarchive-tools)"
bsdtar -tf "$iso" >/dev/null || Error "Cannot read the ISO image '$iso' (damaged?)"

if ! TESTRESCUE_RUN_MEMBER="$( testrescue_iso_find_initrd "$iso" )" ; then
    # ReaR writes the initrd only on the first ISO of a multi-volume set
    # (ISO_MAX_SIZE): the others hold parts of the backup:
    case "$iso" in
        (*_[0-9][0-9].iso)
            first_volume="${iso%_[0-9][0-9].iso}.iso"
            Error "'$iso' is an additional volume of a multi-volume ISO set without a rescue system: test the first volume '$first_volume'"
            ;;
    esac
    Error "The ISO image '$iso' holds no ReaR initrd (looked for isolinux/initrd.*, EFI/BOOT/initrd.*, boot/initrd.*): is it a ReaR rescue ISO?"
fi

TESTRESCUE_RUN_COMPRESSION="$( testrescue_compression "$iso" "$TESTRESCUE_RUN_MEMBER" )"
test "$TESTRESCUE_RUN_COMPRESSION" = "unknown" && Error "The initrd $TESTRESCUE_RUN_MEMBER in '$iso' has an unknown compression (not gzip, lzma, xz, lz4, zstd, bzip2 or cpio data)"
LogPrint "Found the initrd $TESTRESCUE_RUN_MEMBER ($TESTRESCUE_RUN_COMPRESSION) in $iso"
