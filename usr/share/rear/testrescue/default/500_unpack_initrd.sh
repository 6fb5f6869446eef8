# 500_unpack_initrd.sh
#
# Unpack the initrd (a file, or read from the ISO without mounting it) into
# $TMP_DIR/testrescue-rootfs: ReaR removes it at the end unless the build
# directory is kept ('rear -d'). Checks the free space first.
# Sets TESTRESCUE_RUN_ROOTFS.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

test "$TESTRESCUE_RUN_KIND" = "iso" -o "$TESTRESCUE_RUN_KIND" = "initrd" || return 0

local input="$TESTRESCUE_RUN_INPUT" member="" size needed free dest="$TMP_DIR/testrescue-rootfs"
local start_seconds decompressor
start_seconds=$( date +%s )

test "$TESTRESCUE_RUN_KIND" = "iso" && member="$TESTRESCUE_RUN_MEMBER"

has_binary bsdtar || Error "bsdtar is needed to unpack the initrd (install libarchive-tools)"
decompressor="$( testrescue_decompressor "$TESTRESCUE_RUN_COMPRESSION" )"
if test "$decompressor" ; then
    has_binary ${decompressor%% *} || Error "${decompressor%% *} is needed to unpack the $TESTRESCUE_RUN_COMPRESSION compressed initrd"
fi

# Enough space? The unpacked size is estimated from the compressed size.
if test "$member" ; then
    size="$( testrescue_iso_member_size "$input" "$member" )"
else
    size="$( stat -L -c %s "$input" )"
fi
is_positive_integer "$size" >/dev/null || Error "Cannot determine the size of the initrd ${member:-$input}"
needed="$( testrescue_unpacked_estimate "$size" "$TESTRESCUE_RUN_COMPRESSION" )"
free="$( testrescue_free_bytes "$TMP_DIR" )"
Log "Initrd size $size bytes, estimated unpacked size $needed bytes, free in $TMP_DIR: $free bytes"
if test "$free" && test "$free" -lt "$needed" ; then
    Error "Not enough space to unpack the initrd in $TMP_DIR: about $(( needed / 1024 / 1024 )) MiB needed, $(( free / 1024 / 1024 )) MiB free (point TMPDIR to a file system with more space)"
fi

mkdir -p "$dest" || Error "Cannot create $dest"
chmod 0755 "$dest"
if ! testrescue_unpack "$input" "$member" "$TESTRESCUE_RUN_COMPRESSION" "$dest" ; then
    Error "Failed to unpack the initrd ${member:+$member of }$input: it is corrupt or truncated, or holds unsafe paths"
fi
testrescue_is_rescue_tree "$dest" || Error "The initrd ${member:+$member of }$input holds no ReaR rescue system (no etc/rear-release, md5sums.txt or etc/scripts/system-setup)"

TESTRESCUE_RUN_ROOTFS="$dest"
LogPrint "Unpacked the rescue system into $dest in $(( $( date +%s ) - start_seconds )) seconds"
is_true "$KEEP_BUILD_DIR" && LogPrint "The unpacked rescue system is kept in $dest (build directory kept)"
return 0
