# testrescue-functions.sh
#
# Functions of rear-testrescue, used by the stage scripts in testrescue/default/
# and output/default/995_testrescue_after_mkrescue.sh.
# Sourced by every 'rear' run (lib/[a-z]*.sh): only function definitions here.
#
# Variables that the stage scripts hand to each other (not options, do not set them):
#   TESTRESCUE_RUN_HELPER   the rescue-spawn program
#   TESTRESCUE_RUN_INPUT    what is tested (rootfs directory, ISO or initrd file)
#   TESTRESCUE_RUN_KIND     rootfs, iso or initrd
#   TESTRESCUE_RUN_MEMBER   path of the initrd inside the ISO
#   TESTRESCUE_RUN_ROOTFS   the rescue tree that is booted
#   TESTRESCUE_RUN_REPORT   report directory of this run
#   TESTRESCUE_RUN_RESULT   exit code of the helper

# True when DIR is the root of a ReaR rescue system tree.
function testrescue_is_rescue_tree () {
    local dir="$1"
    test -d "$dir" || return 1
    test -f "$dir/etc/rear-release" && return 0
    test -f "$dir/md5sums.txt" && return 0
    test -f "$dir/etc/scripts/system-setup" && return 0
    return 1
}

# Print the path of the helper rescue-spawn: TESTRESCUE_HELPER when set,
# else the first one in PATH, /usr/sbin, /usr/local/sbin.
function testrescue_find_helper () {
    local candidate
    if test "$TESTRESCUE_HELPER" ; then
        test -f "$TESTRESCUE_HELPER" -a -x "$TESTRESCUE_HELPER" || return 1
        echo "$TESTRESCUE_HELPER"
        return 0
    fi
    candidate="$( type -P rescue-spawn )"
    if test "$candidate" ; then
        echo "$candidate"
        return 0
    fi
    for candidate in /usr/sbin/rescue-spawn /usr/local/sbin/rescue-spawn ; do
        if test -f "$candidate" -a -x "$candidate" ; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Modification time (seconds since the epoch) of a path, 0 when it cannot be read.
function testrescue_mtime () {
    stat -L -c %Y "$1" 2>/dev/null || echo 0
}

# Human readable date of a path's modification time.
function testrescue_date () {
    date -d "@$( testrescue_mtime "$1" )" '+%F %T'
}

# Print every rootfs of a kept build directory that is a ReaR rescue tree,
# one a line, as "MTIME PATH". The build directory of the running rear is skipped.
function testrescue_list_kept_rootfs () {
    local rootfs tmpdir seen=" "
    for tmpdir in "${TESTRESCUE_BUILD_AREAS[@]}" ; do
        # The same directory can be named twice (TMPDIR=/var/tmp):
        case "$seen" in
            (*" $tmpdir "*) continue ;;
        esac
        seen+="$tmpdir "
        for rootfs in "$tmpdir"/rear.*/rootfs ; do
            test -d "$rootfs" || continue
            test "$rootfs" = "$ROOTFS_DIR" && continue
            testrescue_is_rescue_tree "$rootfs" || continue
            # The rootfs directory itself gets its mtime when ReaR writes into it,
            # etc/rear-release is written when the rescue system is made:
            if test -f "$rootfs/etc/rear-release" ; then
                echo "$( testrescue_mtime "$rootfs/etc/rear-release" ) $rootfs"
            else
                echo "$( testrescue_mtime "$rootfs" ) $rootfs"
            fi
        done
    done
}

# Print the output files of the current configuration that exist, as "MTIME PATH":
# the (first) ISO in ISO_DIR, the PXE initrd in PXE_TFTP_PATH, the RAMDISK initramfs
# and copies in a local (file://) OUTPUT_URL.
function testrescue_list_outputs () {
    local candidate output_dir=""
    local -a candidates=()
    test "$ISO_DIR" && candidates+=( "$ISO_DIR/$ISO_PREFIX.iso" )
    if test "$PXE_TFTP_PATH" -a -z "$PXE_TFTP_URL" ; then
        candidates+=( "$PXE_TFTP_PATH/$PXE_TFTP_PREFIX"initrd.* )
    fi
    if test "$OUTPUT_URL" && test "$( url_scheme "$OUTPUT_URL" )" = "file" ; then
        output_dir="$( url_path "$OUTPUT_URL" )/$OUTPUT_PREFIX"
        candidates+=( "$output_dir/$ISO_PREFIX.iso" "$output_dir/initramfs-$RAMDISK_SUFFIX.img" )
    fi
    test "$RAMDISK_SUFFIX" && candidates+=( "$VAR_DIR/output/initramfs-$RAMDISK_SUFFIX.img" )
    for candidate in "${candidates[@]}" ; do
        test -f "$candidate" -a -s "$candidate" || continue
        echo "$( testrescue_mtime "$candidate" ) $candidate"
    done | sort -u -k 2
}

# True when FILE is an ISO 9660 image ("CD001" at byte 32769).
function testrescue_is_iso () {
    local file="$1"
    test -f "$file" || return 1
    test "$( dd if="$file" bs=1 skip=32769 count=5 2>/dev/null )" = "CD001"
}

# Read an unsigned little endian integer of LENGTH bytes at OFFSET of FILE.
function testrescue_read_le () {
    local file="$1" offset="$2" length="$3"
    local -a bytes=()
    read -r -a bytes < <( od -A n -t u1 -j "$offset" -N "$length" "$file" 2>/dev/null | tr '\n' ' ' )
    local value=0 index
    test ${#bytes[@]} -eq "$length" || return 1
    for (( index = length - 1 ; index >= 0 ; index-- )) ; do
        value=$(( value * 256 + bytes[index] ))
    done
    echo $value
}

# True when the ISO FILE is at least as long as its primary volume descriptor says
# (a truncated download or copy is shorter).
function testrescue_iso_is_complete () {
    local file="$1" blocks block_size size
    # Volume space size (both-endian, little endian half at byte 80 of the descriptor)
    # and logical block size (byte 128) of the primary volume descriptor in sector 16:
    blocks="$( testrescue_read_le "$file" $(( 32768 + 80 )) 4 )" || return 1
    block_size="$( testrescue_read_le "$file" $(( 32768 + 128 )) 2 )" || return 1
    size="$( stat -L -c %s "$file" )"
    test "$blocks" -gt 0 -a "$block_size" -gt 0 || return 1
    test "$size" -ge $(( blocks * block_size ))
}

# Print the path of the ReaR initrd inside the ISO FILE.
# ReaR puts kernel and initrd in isolinux/ for BIOS and for UEFI ISOs
# (the EFI grub.cfg refers to /isolinux/kernel and /isolinux/initrd.*);
# with ebiso (elilo, Secure Boot) another copy is in EFI/BOOT/.
function testrescue_iso_find_initrd () {
    local file="$1" listing member pattern
    listing="$( bsdtar -tf "$file" 2>/dev/null )" || return 1
    for pattern in '^isolinux/initrd\.[^/]*$' \
                   '^efi/boot/initrd\.[^/]*$' \
                   '^boot/initrd\.[^/]*$' \
                   '(^|/)initrd\.(cgz|gz|xz|lz4|lzma|zst|bz2|img)$' \
                   '(^|/)[^/]*\.initrd$' ; do
        member="$( grep -m 1 -i -E "$pattern" <<<"$listing" )"
        if test "$member" ; then
            echo "$member"
            return 0
        fi
    done
    return 1
}

# Size in bytes of MEMBER inside the ISO FILE.
function testrescue_iso_member_size () {
    local file="$1" member="$2"
    bsdtar -tvf "$file" "$member" 2>/dev/null | awk 'NR == 1 { print $5 }'
}

# Print the compression of an initrd from its first bytes (read from stdin):
# gzip, lzma (lzma-alone, what ReaR writes as initrd.xz), xz, lz4 (legacy or frame),
# zstd, bzip2, cpio (plain newc/crc) or unknown.
function testrescue_compression_of_stream () {
    local magic
    magic="$( head -c 6 | od -A n -t x1 | tr -d ' \n' )"
    case "$magic" in
        (1f8b*) echo gzip ;;
        (fd377a585a00) echo xz ;;
        (5d0000*) echo lzma ;;
        (02214c18*|04224d18*) echo lz4 ;;
        (28b52ffd*) echo zstd ;;
        (425a68*) echo bzip2 ;;
        (303730373031|303730373032) echo cpio ;;
        (*) echo unknown ;;
    esac
}

# Print the compression of the initrd FILE, or of MEMBER inside the ISO FILE.
function testrescue_compression () {
    local file="$1" member="$2"
    if test "$member" ; then
        # bsdtar gets SIGPIPE when only the first bytes are read, that is fine:
        { bsdtar -q -xOf "$file" "$member" 2>/dev/null || true ; } | testrescue_compression_of_stream
    else
        testrescue_compression_of_stream <"$file"
    fi
}

# Print the decompression command for a compression (one word a line is not needed:
# the words are separated by blanks, no word contains a blank).
# Empty for plain cpio. Parallel or faster tools are used when installed.
function testrescue_decompressor () {
    case "$1" in
        (gzip)
            # ISA-L's igzip inflates about four times as fast as gzip, pigz a little faster:
            if has_binary igzip ; then
                echo "igzip -dc"
            elif has_binary pigz ; then
                echo "pigz -dc"
            else
                echo "gzip -dc"
            fi
            ;;
        (lzma) echo "xz -dc --format=lzma" ;;
        (xz) echo "xz -dc -T0" ;;
        (lz4) echo "lz4 -dc" ;;
        (zstd) echo "zstd -dc -T0" ;;
        (bzip2)
            if has_binary lbzip2 ; then
                echo "lbzip2 -dc"
            else
                echo "bzip2 -dc"
            fi
            ;;
        (cpio) echo "" ;;
        (*) return 1 ;;
    esac
}

# Estimate in bytes of the unpacked size of an initrd of SIZE bytes with COMPRESSION.
# (gzip -l cannot tell: its size field wraps at 4 GiB.) A ReaR rootfs compresses
# about 3.3 times with gzip; the factors leave room for better compressible trees.
function testrescue_unpacked_estimate () {
    local size="$1" compression="$2" factor
    case "$compression" in
        (cpio) factor=1 ;;
        (lz4) factor=4 ;;
        (gzip) factor=5 ;;
        (zstd|bzip2) factor=6 ;;
        (xz|lzma) factor=8 ;;
        (*) factor=8 ;;
    esac
    # Plus 32 MiB for the file system's own needs:
    echo $(( size * factor + 32 * 1024 * 1024 ))
}

# Bytes of memory available for new work (MemAvailable), empty when unknown.
function testrescue_available_memory () {
    awk '/^MemAvailable:/ { print $2 * 1024 }' /proc/meminfo 2>/dev/null
}

# Free bytes in the file system of DIR.
function testrescue_free_bytes () {
    df -P -B 1 "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'
}

# Show the progress of reading the open file descriptor FD of process PID
# (a file of TOTAL bytes) every 2 seconds until a line arrives on file descriptor
# CONTROL_FD. Runs in the background, started and ended by testrescue_unpack.
# It waits with 'read -t' (a builtin) so no program is left running when it ends.
function testrescue_progress () {
    local pid="$1" fd="$2" total="$3" what="$4" control_fd="$5"
    local pos percent last_percent=-1 line stop=""
    test "$total" -gt 0 || total=1
    # The last round runs after the stop line: a fast unpack still ends with its count.
    while test -z "$stop" ; do
        read -r -t 2 -u "$control_fd" line && stop=yes
        pos="$( awk '/^pos:/ { print $2 }' "/proc/$pid/fdinfo/$fd" 2>/dev/null )"
        test "$pos" || return 0
        percent=$(( pos * 100 / total ))
        test $percent -gt 100 && percent=100
        test $percent -eq $last_percent && continue
        last_percent=$percent
        LogPrint "Unpacking $what: $percent% ($(( pos / 1024 / 1024 )) MiB of $(( total / 1024 / 1024 )) MiB read)"
    done
    return 0
}

# Unpack the initrd FILE (or MEMBER of the ISO FILE, when MEMBER is not empty)
# with COMPRESSION into the empty directory DEST.
# Keeps owners, permissions and device nodes (run as root); bsdtar refuses
# member names with '..', extracting through symlinks, and strips a leading '/'
# so nothing is written outside DEST. Returns non-zero when anything failed.
function testrescue_unpack () {
    local file="$1" member="$2" compression="$3" dest="$4"
    local decompressor fd control_fd control_fifo progress_pid total what self=$BASHPID
    local -a pipe_status=()
    decompressor="$( testrescue_decompressor "$compression" )" || return 1
    total="$( stat -L -c %s "$file" )" || return 1
    if test "$member" ; then
        what="$member of $file"
    else
        what="$file"
    fi
    # Every program of the pipeline reads the file through this file descriptor
    # (shared file position) so its position in /proc/PID/fdinfo tells the progress:
    exec {fd}<"$file" || return 1
    # A FIFO to tell the progress reporter to end:
    control_fifo="$( mktemp -u "$TMP_DIR/testrescue-progress.XXXXXX" )"
    mkfifo -m 0600 "$control_fifo" || return 1
    exec {control_fd}<>"$control_fifo"
    rm -f "$control_fifo"
    LogPrint "Unpacking $what ($compression compressed, $(( total / 1024 / 1024 )) MiB) into $dest"
    testrescue_progress $self $fd $total "$what" $control_fd &
    progress_pid=$!
    if test "$member" ; then
        if test "$decompressor" ; then
            bsdtar -q -xOf - "$member" <&$fd | $decompressor | bsdtar -xpf - -C "$dest"
        else
            bsdtar -q -xOf - "$member" <&$fd | bsdtar -xpf - -C "$dest"
        fi
    else
        if test "$decompressor" ; then
            $decompressor <&$fd | bsdtar -xpf - -C "$dest"
        else
            bsdtar -xpf - -C "$dest" <&$fd
        fi
    fi
    pipe_status=( "${PIPESTATUS[@]}" )
    echo stop >&$control_fd
    wait $progress_pid
    exec {fd}<&- {control_fd}>&-
    Log "Unpack pipeline exit codes: ${pipe_status[*]}"
    test -z "$( tr -d ' 0' <<<"${pipe_status[*]}" )"
}

# Run the helper in check mode on ROOTFS (named IMAGE_NAME in the reports).
# Sets TESTRESCUE_RUN_REPORT and TESTRESCUE_RUN_RESULT (the helper's exit code).
function testrescue_run_check () {
    local rootfs="$1" image_name="$2"
    local -a options=()
    testrescue_make_report_dir "$TESTRESCUE_REPORT_DIR" || return 1
    options=( --check "--timeout=$TESTRESCUE_TIMEOUT" "--report-dir=$TESTRESCUE_RUN_REPORT" "--image-name=$image_name" )
    if test "$TESTRESCUE_PROMETHEUS_FILE" ; then
        # No node_exporter here (its textfile directory is missing): say so rather than
        # let the helper fail to write it.
        if test -d "$( dirname "$TESTRESCUE_PROMETHEUS_FILE" )" ; then
            options+=( "--prometheus=$TESTRESCUE_PROMETHEUS_FILE" )
        else
            LogPrintError "WARNING: no directory $( dirname "$TESTRESCUE_PROMETHEUS_FILE" ) for TESTRESCUE_PROMETHEUS_FILE: no Prometheus textfile written"
        fi
    fi
    test "$TESTRESCUE_LAYOUT_CHANGED" && options+=( "--layout-changed=$TESTRESCUE_LAYOUT_CHANGED" )
    is_true "$TESTRESCUE_FAIL_ON_WARNING" && options+=( "--fail-on-warning" )
    # An ISO, PXE or RAMDISK output: its boot files are checked too (boot-files, and
    # kernel-modules for its kernel); see 350_find_boot_medium.sh.
    test "$TESTRESCUE_RUN_BOOT_MEDIUM" && options+=( "--boot-medium=$TESTRESCUE_RUN_BOOT_MEDIUM" )
    test "$TESTRESCUE_RUN_TFTP_ROOT" && options+=( "--tftp-root=$TESTRESCUE_RUN_TFTP_ROOT" )
    testrescue_add_common_options
    LogPrint "Testing the rescue system $rootfs unattended (timeout $TESTRESCUE_TIMEOUT seconds)"
    Log "Running: $TESTRESCUE_RUN_HELPER ${options[*]} ${TESTRESCUE_HELPER_OPTIONS[*]} $rootfs"
    if test "$VERBOSE" ; then
        "$TESTRESCUE_RUN_HELPER" "${options[@]}" "${TESTRESCUE_HELPER_OPTIONS[@]}" "$rootfs" 0</dev/null 1>&7 2>&8
    else
        "$TESTRESCUE_RUN_HELPER" "${options[@]}" "${TESTRESCUE_HELPER_OPTIONS[@]}" "$rootfs" 0</dev/null
    fi
    TESTRESCUE_RUN_RESULT=$?
    Log "$TESTRESCUE_RUN_HELPER exited with $TESTRESCUE_RUN_RESULT"
    testrescue_log_summary
    return 0
}

# Run the helper interactively on ROOTFS on the user's terminal.
# Sets TESTRESCUE_RUN_REPORT (where the tty logs go) and TESTRESCUE_RUN_RESULT.
function testrescue_run_interactive () {
    local rootfs="$1" image_name="$2"
    local -a options=()
    testrescue_make_report_dir "$TESTRESCUE_REPORT_DIR" || return 1
    options=( "--log-dir=$TESTRESCUE_RUN_REPORT" "--image-name=$image_name" )
    testrescue_add_common_options
    LogPrint "Booting the rescue system $rootfs interactively (escape key: Ctrl-] then '?' for help, 'p' power off, 'q' quit)"
    Log "Running: $TESTRESCUE_RUN_HELPER ${options[*]} ${TESTRESCUE_HELPER_OPTIONS[*]} $rootfs"
    "$TESTRESCUE_RUN_HELPER" "${options[@]}" "${TESTRESCUE_HELPER_OPTIONS[@]}" "$rootfs" 0<&6 1>&7 2>&8
    TESTRESCUE_RUN_RESULT=$?
    Log "$TESTRESCUE_RUN_HELPER exited with $TESTRESCUE_RUN_RESULT"
    return 0
}

# Add the options both modes share to the caller's 'options' array.
function testrescue_add_common_options () {
    test "$TESTRESCUE_TTYS" && options+=( "--ttys=$TESTRESCUE_TTYS" )
    test "$TESTRESCUE_CMDLINE" && options+=( "--cmdline=$TESTRESCUE_CMDLINE" )
    is_false "$TESTRESCUE_SKIP_IDLE_SLEEPS" && options+=( "--real-sleeps" )
    test "$TESTRESCUE_PIDS_MAX" && options+=( "--pids-max=$TESTRESCUE_PIDS_MAX" )
    test "$TESTRESCUE_MEMORY_MAX" && options+=( "--memory-max=$TESTRESCUE_MEMORY_MAX" )
    test "$TESTRESCUE_WRITABLE_MAX" && options+=( "--writable-max=$TESTRESCUE_WRITABLE_MAX" )
    test "$TESTRESCUE_CPU_WEIGHT" && options+=( "--cpu-weight=$TESTRESCUE_CPU_WEIGHT" )
    return 0
}

# Make a new report directory under BASE (default TESTRESCUE_REPORT_DIR), point
# 'latest' at it, and set TESTRESCUE_RUN_REPORT.
function testrescue_make_report_dir () {
    local base="${1:-$TESTRESCUE_REPORT_DIR}"
    test "$base" || base="$VAR_DIR/testrescue"
    mkdir -p "$base" || return 1
    TESTRESCUE_RUN_REPORT="$( mktemp -d "$base/$( date +%Y%m%d-%H%M%S ).XXXX" )" || return 1
    chmod 0755 "$TESTRESCUE_RUN_REPORT"
    ln -sfn "$( basename "$TESTRESCUE_RUN_REPORT" )" "$base/latest"
}

# Copy the helper's summary into the log.
function testrescue_log_summary () {
    test -f "$TESTRESCUE_RUN_REPORT/summary.txt" || return 0
    Log "Summary of the test ($TESTRESCUE_RUN_REPORT/summary.txt):"
    cat "$TESTRESCUE_RUN_REPORT/summary.txt" >>"$RUNTIME_LOGFILE"
}

# Act on the result of an unattended check in workflow WHAT ('testrescue' or 'mkrescue'...).
# PASS: tell. FAIL: Error, or with TESTRESCUE_FAIL_ACTION=warn a warning
# (and for 'testrescue' EXIT_CODE=1). Helper could not run: Error.
function testrescue_handle_check_result () {
    local what="$1"
    local report="$TESTRESCUE_RUN_REPORT/summary.txt"
    case "$TESTRESCUE_RUN_RESULT" in
        (0)
            LogUserOutput "Rescue system test PASSED (report: $report)"
            ;;
        (1)
            if test "$TESTRESCUE_FAIL_ACTION" = "warn" ; then
                LogPrintError "WARNING: Rescue system test FAILED (report: $report)"
                test "$what" = "testrescue" && EXIT_CODE=1
            else
                Error "Rescue system test FAILED (report: $report)"
            fi
            ;;
        (*)
            local problem
            case "$TESTRESCUE_RUN_RESULT" in
                (2) problem="$TESTRESCUE_RUN_HELPER refused to test $TESTRESCUE_RUN_ROOTFS (bad input, exit code 2)" ;;
                (3) problem="The rescue system test cannot run on this machine (user namespaces or a kernel feature missing, exit code 3)" ;;
                (*) problem="$TESTRESCUE_RUN_HELPER failed with exit code $TESTRESCUE_RUN_RESULT" ;;
            esac
            # After mkrescue/mkbackup the admin may choose that the test must not make them fail:
            if test "$what" != "testrescue" -a "$TESTRESCUE_FAIL_ACTION" = "warn" ; then
                LogPrintError "WARNING: $problem: the rescue system was not tested (see $RUNTIME_LOGFILE)"
            else
                Error "$problem (see $RUNTIME_LOGFILE)"
            fi
            ;;
    esac
}
