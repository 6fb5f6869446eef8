#!/usr/bin/env bats
#
# Unpacking of rescue images by rear-testrescue (usr/share/rear/lib/testrescue-functions.sh):
# compression detection, safe extraction, owners and device nodes, bad input, ISO reading.
# Needs root (device nodes, owners), bsdtar, xorriso, cpio, gzip, xz, lz4, zstd, bzip2.

load lib/rear-env

bats_require_minimum_version 1.5.0

function setup () {
    # ReaR's message functions, stubbed:
    function Log () { : ; }
    function LogPrint () { echo "$*" >>"$BATS_TEST_TMPDIR/messages" ; }
    function has_binary () { type -P "$1" >/dev/null ; }
    source "$REAR_ENV_WORK_TREE/usr/share/rear/lib/testrescue-functions.sh"
    TMP_DIR="$BATS_TEST_TMPDIR"
    work="$BATS_TEST_TMPDIR/work"
    mkdir -p "$work"
}

function teardown () {
    rm -rf --one-file-system "$BATS_TEST_TMPDIR/work"
}

# A small rescue-like tree in $work/src, packed as plain cpio newc in $work/initrd.cpio
function make_tree () {
    rm -rf "$work/src"
    mkdir -p "$work/src/etc/scripts" "$work/src/bin" "$work/src/dev" "$work/src/home/user"
    echo "VERSION=2.7" >"$work/src/etc/rear-release"
    echo "#!/bin/sh" >"$work/src/etc/scripts/system-setup"
    chmod 0755 "$work/src/etc/scripts/system-setup"
    echo "data" >"$work/src/bin/tool"
    chmod 4755 "$work/src/bin/tool"
    mknod "$work/src/dev/null" c 1 3
    mknod "$work/src/dev/vda" b 254 0
    chmod 0660 "$work/src/dev/vda"
    chown 1234:4321 "$work/src/home/user"
    ln -s /bin/tool "$work/src/bin/link"
    ln "$work/src/bin/tool" "$work/src/bin/hardlink"
    ( cd "$work/src" && find . | cpio -o -H newc --quiet ) >"$work/initrd.cpio"
}

function tree_of () {
    ( cd "$1" && find . -printf '%p %m %U %G %y %l\n' | LC_ALL=C sort )
}

function compress () {
    local compression="$1"
    case "$compression" in
        (gzip) gzip -c "$work/initrd.cpio" ;;
        (lzma) xz --format=lzma -c "$work/initrd.cpio" ;;
        (xz) xz --check=crc32 -c "$work/initrd.cpio" ;;
        (lz4) lz4 -l -c "$work/initrd.cpio" ;;
        (zstd) zstd -q -c "$work/initrd.cpio" ;;
        (bzip2) bzip2 -c "$work/initrd.cpio" ;;
        (cpio) cat "$work/initrd.cpio" ;;
    esac
}

@test "each initrd compression is detected from its bytes and unpacked with owners, modes and device nodes" {
    make_tree
    local compression
    for compression in gzip lzma xz lz4 zstd bzip2 cpio ; do
        compress $compression >"$work/image.$compression"
        run testrescue_compression "$work/image.$compression"
        [ "$output" = "$compression" ] || { echo "$compression detected as $output" ; false ; }
        mkdir "$work/dest.$compression"
        testrescue_unpack "$work/image.$compression" "" $compression "$work/dest.$compression"
        diff <( tree_of "$work/src" ) <( tree_of "$work/dest.$compression" )
        [ -c "$work/dest.$compression/dev/null" ]
        [ -b "$work/dest.$compression/dev/vda" ]
        [ "$( stat -c %u:%g "$work/dest.$compression/home/user" )" = "1234:4321" ]
        [ "$( stat -c %a "$work/dest.$compression/bin/tool" )" = "4755" ]
        [ "$( stat -c %i "$work/dest.$compression/bin/tool" )" = "$( stat -c %i "$work/dest.$compression/bin/hardlink" )" ]
    done
}

@test "the fastest installed decompressor is chosen: igzip, else pigz, else gzip; xz and zstd multi-threaded" {
    local bin="$work/bin" tool
    mkdir -p "$bin"
    for tool in igzip pigz gzip ; do
        ln -s "$( type -P $tool )" "$bin/$tool"
    done
    [ "$( PATH="$bin" testrescue_decompressor gzip )" = "igzip -dc" ]
    rm "$bin/igzip"
    [ "$( PATH="$bin" testrescue_decompressor gzip )" = "pigz -dc" ]
    rm "$bin/pigz"
    [ "$( PATH="$bin" testrescue_decompressor gzip )" = "gzip -dc" ]
    [ "$( testrescue_decompressor xz )" = "xz -dc -T0" ]
    [ "$( testrescue_decompressor zstd )" = "zstd -dc -T0" ]
}

@test "unknown compression is reported as unknown" {
    head -c 4096 /dev/urandom | { printf 'XYZW' ; cat ; } >"$work/initrd.bad"
    run testrescue_compression "$work/initrd.bad"
    [ "$output" = "unknown" ]
    printf 'hello world\n' >"$work/text"
    run testrescue_compression "$work/text"
    [ "$output" = "unknown" ]
    run testrescue_decompressor unknown
    [ "$status" -ne 0 ]
}

@test "a cpio with '..', an absolute path and a symlink trick writes nothing outside the target" {
    mkdir -p "$work/craft" "$work/outside" "$work/dest"
    # ../evil, $work/outside/abs (absolute), a -> $work/outside then a/file:
    echo evil >"$work/craft/evil"
    echo abs >"$work/craft/abs"
    ln -s "$work/outside" "$work/craft/a"
    mkdir "$work/craft/adir"
    echo through >"$work/craft/adir/file"
    ( cd "$work/craft" && bsdtar -c --format newc -P -s ',^evil$,../evil,' -s ",^abs\$,$work/outside/abs," \
          -s ',^adir,a,' -f - evil abs a adir/file ) | gzip -c >"$work/evil.cgz"
    # The archive really holds what it should:
    run bsdtar -tf "$work/evil.cgz"
    [[ "$output" == *"../evil"* ]]
    [[ "$output" == *"$work/outside/abs"* ]]
    [[ "$output" == *"a/file"* ]]
    run testrescue_unpack "$work/evil.cgz" "" gzip "$work/dest"
    [ "$status" -ne 0 ]
    # Nothing outside the target:
    [ ! -e "$work/evil" ]
    [ -z "$( ls -A "$work/outside" )" ]
    # The absolute path lands inside the target:
    [ -f "$work/dest/$work/outside/abs" ]
    # The symlink itself is extracted, but nothing through it:
    [ -L "$work/dest/a" ]
}

@test "a truncated or corrupt initrd fails to unpack" {
    make_tree
    head -c 100000 /dev/urandom >"$work/src/random"
    ( cd "$work/src" && find . | cpio -o -H newc --quiet ) >"$work/initrd.cpio"
    local compression size
    for compression in gzip lzma xz lz4 zstd bzip2 cpio ; do
        compress $compression >"$work/full"
        size=$( stat -c %s "$work/full" )
        head -c $(( size / 2 )) "$work/full" >"$work/initrd.truncated"
        mkdir "$work/dest.t.$compression"
        run testrescue_unpack "$work/initrd.truncated" "" $compression "$work/dest.t.$compression"
        [ "$status" -ne 0 ] || { echo "truncated $compression unpacked" ; false ; }
    done
    # Corrupt: gzip data with bytes overwritten in the middle
    compress gzip >"$work/initrd.corrupt"
    printf 'CORRUPTCORRUPTCORRUPT' | dd of="$work/initrd.corrupt" bs=1 seek=2000 conv=notrunc status=none
    mkdir "$work/dest.c"
    run testrescue_unpack "$work/initrd.corrupt" "" gzip "$work/dest.c"
    [ "$status" -ne 0 ]
}

@test "unpacking shows progress" {
    make_tree
    # Lines come every 2 seconds and once more at the end: even a fast unpack shows its count.
    head -c 30000000 /dev/zero >"$work/src/zeros"
    ( cd "$work/src" && find . | cpio -o -H newc --quiet ) | bzip2 -c >"$work/initrd.bz2"
    mkdir "$work/dest"
    testrescue_unpack "$work/initrd.bz2" "" bzip2 "$work/dest"
    grep -E "Unpacking .*initrd.bz2: 100% " "$BATS_TEST_TMPDIR/messages"
}

# An ISO like ReaR's: isolinux/kernel and isolinux/initrd.cgz (BIOS and UEFI ISOs alike)
function make_iso () {
    local layout="$1"
    make_tree
    rm -rf "$work/isofs" "$work/rear.iso"
    mkdir -p "$work/isofs"
    case "$layout" in
        (bios)
            mkdir -p "$work/isofs/isolinux"
            echo kernel >"$work/isofs/isolinux/kernel"
            compress gzip >"$work/isofs/isolinux/initrd.cgz"
            ;;
        (ebiso)
            mkdir -p "$work/isofs/EFI/BOOT"
            compress lzma >"$work/isofs/EFI/BOOT/initrd.xz"
            ;;
        (none)
            mkdir -p "$work/isofs/backup"
            echo data >"$work/isofs/backup/backup.tar.gz.01"
            ;;
    esac
    xorriso -as mkisofs -quiet -R -J -V REAR-ISO -o "$work/rear.iso" "$work/isofs" 2>/dev/null
}

@test "an ISO is recognised, its initrd found and unpacked without mounting" {
    make_iso bios
    testrescue_is_iso "$work/rear.iso"
    run ! testrescue_is_iso "$work/initrd.cpio"
    testrescue_iso_is_complete "$work/rear.iso"
    run testrescue_iso_find_initrd "$work/rear.iso"
    [ "$output" = "isolinux/initrd.cgz" ]
    run testrescue_compression "$work/rear.iso" isolinux/initrd.cgz
    [ "$output" = "gzip" ]
    run testrescue_iso_member_size "$work/rear.iso" isolinux/initrd.cgz
    [ "$output" = "$( stat -c %s "$work/isofs/isolinux/initrd.cgz" )" ]
    mkdir "$work/dest"
    testrescue_unpack "$work/rear.iso" isolinux/initrd.cgz gzip "$work/dest"
    diff <( tree_of "$work/src" ) <( tree_of "$work/dest" )
    # nothing mounted:
    run ! grep -q "$work" /proc/self/mounts
}

@test "an ISO with the initrd only in EFI/BOOT (ebiso) is handled" {
    make_iso ebiso
    run testrescue_iso_find_initrd "$work/rear.iso"
    [ "$output" = "EFI/BOOT/initrd.xz" ]
    run testrescue_compression "$work/rear.iso" EFI/BOOT/initrd.xz
    [ "$output" = "lzma" ]
}

@test "an ISO without initrd and a truncated ISO are detected" {
    make_iso none
    run testrescue_iso_find_initrd "$work/rear.iso"
    [ "$status" -ne 0 ]
    make_iso bios
    head -c $(( $( stat -c %s "$work/rear.iso" ) - 4096 )) "$work/rear.iso" >"$work/truncated.iso"
    testrescue_is_iso "$work/truncated.iso"
    run ! testrescue_iso_is_complete "$work/truncated.iso"
}

@test "the unpacked size estimate is generous and the free space is read" {
    [ "$( testrescue_unpacked_estimate 100000000 gzip )" -ge 400000000 ]
    [ "$( testrescue_unpacked_estimate 100000000 xz )" -ge 600000000 ]
    [ "$( testrescue_unpacked_estimate 100000000 cpio )" -ge 100000000 ]
    run testrescue_free_bytes "$BATS_TEST_TMPDIR"
    [ "$status" -eq 0 ]
    [ "$output" -gt 0 ]
}

@test "sourcing the lib files only defines things" {
    run bash -c "cd '$work' && VAR_DIR=/nonexistent && source '$REAR_ENV_WORK_TREE/usr/share/rear/lib/testrescue-workflow.sh' && source '$REAR_ENV_WORK_TREE/usr/share/rear/lib/testrescue-functions.sh' && echo \"\${WORKFLOWS[*]} \$TESTRESCUE_TIMEOUT \$TESTRESCUE_MODE \$TESTRESCUE_AFTER_MKRESCUE\" && declare -F WORKFLOW_testrescue"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "testrescue 300 auto no" ]
    [ -z "$( ls -A "$work" )" ]
}
