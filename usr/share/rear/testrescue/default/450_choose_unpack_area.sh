# 450_choose_unpack_area.sh
#
# Where the initrd is unpacked: into memory (a tmpfs mounted on
# $TMP_DIR/testrescue-rootfs, unmounted at the end) when its estimated unpacked size
# fits into half of the free memory, else onto the disk of the build area as ReaR
# writes its own trees. In memory it takes a fraction of the time: on disk every one
# of the ~8,000 files costs the file system's journal and metadata writes.
# With 'rear -d' (the tree is kept) or TESTRESCUE_UNPACK_IN_MEMORY=no it always goes
# to disk. Sets TESTRESCUE_RUN_UNPACK_DIR and TESTRESCUE_RUN_UNPACK_AREA (memory or disk).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

test "$TESTRESCUE_RUN_KIND" = "iso" -o "$TESTRESCUE_RUN_KIND" = "initrd" || return 0

local input="$TESTRESCUE_RUN_INPUT" member="" size needed free available
TESTRESCUE_RUN_UNPACK_DIR="$TMP_DIR/testrescue-rootfs"
TESTRESCUE_RUN_UNPACK_AREA="disk"

test "$TESTRESCUE_RUN_KIND" = "iso" && member="$TESTRESCUE_RUN_MEMBER"
# The unpacked size is estimated from the compressed size.
if test "$member" ; then
    size="$( testrescue_iso_member_size "$input" "$member" )"
else
    size="$( stat -L -c %s "$input" )"
fi
is_positive_integer "$size" >/dev/null || Error "Cannot determine the size of the initrd ${member:-$input}"
needed="$( testrescue_unpacked_estimate "$size" "$TESTRESCUE_RUN_COMPRESSION" )"
available="$( testrescue_available_memory )"
Log "Initrd size $size bytes, estimated unpacked size $needed bytes, available memory $available bytes"

mkdir -p "$TESTRESCUE_RUN_UNPACK_DIR" || Error "Cannot create $TESTRESCUE_RUN_UNPACK_DIR"
chmod 0755 "$TESTRESCUE_RUN_UNPACK_DIR"

if is_true "$KEEP_BUILD_DIR" ; then
    Log "Unpacking onto disk: the build directory is kept"
elif is_false "$TESTRESCUE_UNPACK_IN_MEMORY" ; then
    Log "Unpacking onto disk: TESTRESCUE_UNPACK_IN_MEMORY='$TESTRESCUE_UNPACK_IN_MEMORY'"
elif test "$available" && test $(( needed * 2 )) -le "$available" ; then
    # The tmpfs may take up to half of the free memory: the estimate is only an estimate.
    if mount -t tmpfs -o "mode=0755,size=$(( available / 2 ))" testrescue-rootfs "$TESTRESCUE_RUN_UNPACK_DIR" ; then
        AddExitTask "umount -l '$TESTRESCUE_RUN_UNPACK_DIR'"
        TESTRESCUE_RUN_UNPACK_AREA="memory"
        LogPrint "Unpacking into memory (about $(( needed / 1024 / 1024 )) MiB of $(( available / 1024 / 1024 )) MiB available)"
        return 0
    fi
    LogPrint "Cannot mount a tmpfs on $TESTRESCUE_RUN_UNPACK_DIR: unpacking onto disk"
else
    Log "Unpacking onto disk: about $(( needed / 1024 / 1024 )) MiB needed, more than half of the $(( available / 1024 / 1024 )) MiB of memory available"
fi

free="$( testrescue_free_bytes "$TMP_DIR" )"
Log "Free in $TMP_DIR: $free bytes"
if test "$free" && test "$free" -lt "$needed" ; then
    Error "Not enough space to unpack the initrd in $TMP_DIR: about $(( needed / 1024 / 1024 )) MiB needed, $(( free / 1024 / 1024 )) MiB free (point TMPDIR to a file system with more space)"
fi
