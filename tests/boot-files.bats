#!/usr/bin/env bats
#
# boot-files for ReaR's PXE and RAMDISK outputs (issue 10, point 1; the ISO's cases are in
# check-readiness.bats): the kernel and initrd that the boot configuration names exist and
# the kernel's version (its bzImage header) has the image's module tree. The outputs are
# ReaR's own, of the cached Debian 12 plain image (tests/fixtures/build-rear-output.sh);
# a broken copy is a tree of symbolic links to them with one file changed, in SPAWN_TMP.
# Needs root and the real images. Runtime: about 2 minutes (each boot takes 10-20 s).

load lib/spawn
load lib/releases
load lib/check
load lib/rear-env

CHECK_TIMEOUT=120

function setup_file () {
    spawn_require_helper
    spawn_tmp_create
    check_setup_images
    PXE_DIR="$( "$SPAWN_WORK_TREE/tests/fixtures/build-rear-output.sh" pxe )"
    RAMDISK_DIR="$( "$SPAWN_WORK_TREE/tests/fixtures/build-rear-output.sh" ramdisk )"
    # ReaR names the files after the host it ran on.
    OUTPUT_HOST="$( basename "$RAMDISK_DIR" )"
    export PXE_DIR RAMDISK_DIR OUTPUT_HOST
}

function teardown_file () {
    check_teardown_file
}

function teardown () {
    check_teardown
}

# copy_output NAME DIR: a tree of symbolic links to the files of DIR; prints its path.
function copy_output () {
    cp -rs "$2" "$SPAWN_TMP/output-$1"
    echo "$SPAWN_TMP/output-$1"
}

function pxe_config () {
    echo "$1/pxelinux.cfg/rear-$OUTPUT_HOST"
}

@test "ReaR's PXE output: boot-files ok, kernel-modules for its kernel" {
    local version
    version="$( ls "$IMAGE_PLAIN/lib/modules" )"
    run_check "$SPAWN_TMP/pxe-real" "$IMAGE_PLAIN" --boot-medium="pxe:$( pxe_config "$PXE_DIR" )"
    assert_status 0
    # The TFTP root is the parent of pxelinux.cfg/ (pxelinux's own lookup).
    assert_item boot-files ok "rear-$OUTPUT_HOST names $OUTPUT_HOST.kernel (kernel $version, the module tree's)" \
        "and $OUTPUT_HOST.initrd.cgz: all in the TFTP root $PXE_DIR"
    assert_item kernel-modules ok "kernel $version"
}

@test "broken: a PXE configuration naming an initrd the TFTP root lacks -> FAIL boot-files naming it" {
    local copy
    copy="$( copy_output pxe-no-initrd "$PXE_DIR" )"
    rm "$copy/$OUTPUT_HOST.initrd.cgz"
    run_check "$SPAWN_TMP/pxe-no-initrd" "$IMAGE_PLAIN" --boot-medium="pxe:$( pxe_config "$copy" )" --tftp-root="$copy"
    assert_verdict_fail
    assert_item boot-files FAIL "names the initrd $OUTPUT_HOST.initrd.cgz, which the TFTP root $copy lacks"
    assert_items_ok rear rear-config layout kernel-modules
}

@test "broken: a PXE output whose kernel is of another version than the module tree -> FAIL boot-files and kernel-modules" {
    local copy
    copy="$( copy_output pxe-other-kernel "$PXE_DIR" )"
    rm "$copy/$OUTPUT_HOST.kernel"
    make_other_kernel "$copy/$OUTPUT_HOST.kernel"
    run_check "$SPAWN_TMP/pxe-other-kernel" "$IMAGE_PLAIN" --boot-medium="pxe:$( pxe_config "$copy" )"
    assert_verdict_fail
    assert_item boot-files FAIL "the kernel $OUTPUT_HOST.kernel in the TFTP root $copy is 5.10.0-99-amd64" \
        "no /lib/modules/5.10.0-99-amd64"
    assert_item kernel-modules FAIL "5.10.0-99-amd64"
}

@test "broken: no PXE configuration where the option says -> FAIL boot-files naming it" {
    run_check "$SPAWN_TMP/pxe-no-config" "$IMAGE_PLAIN" --boot-medium="pxe:$PXE_DIR/pxelinux.cfg/rear-no-such-host"
    assert_verdict_fail
    assert_item boot-files FAIL "cannot read the PXE configuration $PXE_DIR/pxelinux.cfg/rear-no-such-host: No such file or directory"
}

@test "ReaR's RAMDISK output: boot-files ok" {
    local version
    version="$( ls "$IMAGE_PLAIN/lib/modules" )"
    run_check "$SPAWN_TMP/ramdisk-real" "$IMAGE_PLAIN" --boot-medium="ramdisk:$RAMDISK_DIR/initramfs-$OUTPUT_HOST.img"
    assert_status 0
    assert_item boot-files ok "the RAMDISK output initramfs-$OUTPUT_HOST.img goes with kernel-$OUTPUT_HOST (kernel $version" \
        "all in $RAMDISK_DIR"
    assert_item kernel-modules ok "kernel $version"
}

@test "broken: a RAMDISK output without its kernel -> FAIL boot-files naming it" {
    local copy
    copy="$( copy_output ramdisk-no-kernel "$RAMDISK_DIR" )"
    rm "$copy/kernel-$OUTPUT_HOST"
    run_check "$SPAWN_TMP/ramdisk-no-kernel" "$IMAGE_PLAIN" --boot-medium="ramdisk:$copy/initramfs-$OUTPUT_HOST.img"
    assert_verdict_fail
    assert_item boot-files FAIL "the RAMDISK output initramfs-$OUTPUT_HOST.img goes with the kernel kernel-$OUTPUT_HOST, which $copy lacks"
    assert_items_ok rear rear-config layout kernel-modules
}

@test "--tftp-root without a PXE boot medium is a usage error (exit 2)" {
    run_check "$SPAWN_TMP/tftp-root-alone" "$IMAGE_PLAIN" --tftp-root="$PXE_DIR"
    assert_status 2
    assert_contains "$( cat "$CASE_DIR/stderr" )" "--tftp-root goes with --boot-medium=pxe:CONFIG" "stderr"
}

@test "rear testrescue PXE_DIR with the real helper: the PXE configuration is found and boot-files ok" {
    rear_env_setup "$SPAWN_TMP/rear-env"
    rear_env_config "TESTRESCUE_HELPER=$RESCUE_SPAWN"
    export SPAWN_SCOPE="$REAR_ENV_DIR" SPAWN_SINCE="$SPAWN_TMP/rear-env.since"
    touch "$SPAWN_SINCE"
    run rear_env_rear -v testrescue "$PXE_DIR"
    local summary="$REAR_ENV_DIR/var/lib/rear/testrescue/latest/summary.txt"
    [ "$status" -eq 0 ] || spawn_fail "rear testrescue (status $status):" "$output" "$( cat "$summary" 2>/dev/null )"
    assert_contains "$output" "$OUTPUT_HOST.initrd.cgz is a PXE output: its boot files are checked as $( pxe_config "$PXE_DIR" ) names them (TFTP root $PXE_DIR)"
    assert_contains "$( cat "$summary" )" "ok      boot-files      $( pxe_config "$PXE_DIR" ) names $OUTPUT_HOST.kernel" "summary.txt"
    assert_no_leftovers
    rear_env_teardown "$REAR_ENV_DIR"
}
