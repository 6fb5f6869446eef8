# 500_unpack_initrd.sh
#
# Unpack the initrd (a file, or read from the ISO without mounting it) into
# TESTRESCUE_RUN_UNPACK_DIR (memory or disk, see 450_choose_unpack_area.sh):
# ReaR removes it at the end unless the build directory is kept ('rear -d').
# Sets TESTRESCUE_RUN_ROOTFS.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

test "$TESTRESCUE_RUN_KIND" = "iso" -o "$TESTRESCUE_RUN_KIND" = "initrd" || return 0

local input="$TESTRESCUE_RUN_INPUT" member="" dest="$TESTRESCUE_RUN_UNPACK_DIR"
local start_seconds decompressor
start_seconds=$( date +%s )

test "$TESTRESCUE_RUN_KIND" = "iso" && member="$TESTRESCUE_RUN_MEMBER"

has_binary bsdtar || Error "bsdtar is needed to unpack the initrd (install libarchive-tools)"
decompressor="$( testrescue_decompressor "$TESTRESCUE_RUN_COMPRESSION" )"
if test "$decompressor" ; then
    has_binary ${decompressor%% *} || Error "${decompressor%% *} is needed to unpack the $TESTRESCUE_RUN_COMPRESSION compressed initrd"
fi

if ! testrescue_unpack "$input" "$member" "$TESTRESCUE_RUN_COMPRESSION" "$dest" ; then
    Error "Failed to unpack the initrd ${member:+$member of }$input: it is corrupt or truncated, or holds unsafe paths"
fi
testrescue_is_rescue_tree "$dest" || Error "The initrd ${member:+$member of }$input holds no ReaR rescue system (no etc/rear-release, md5sums.txt or etc/scripts/system-setup)"

TESTRESCUE_RUN_ROOTFS="$dest"
LogPrint "Unpacked the rescue system into $dest ($TESTRESCUE_RUN_UNPACK_AREA) in $(( $( date +%s ) - start_seconds )) seconds"
is_true "$KEEP_BUILD_DIR" && LogPrint "The unpacked rescue system is kept in $dest (build directory kept)"
return 0
