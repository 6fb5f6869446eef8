#!/usr/bin/env bats
#
# The ReaR workflow 'rear testrescue' and the test after 'rear mkrescue', run with the
# installed Debian rear on a private copy of /usr/share/rear with this work tree's files
# (tests/lib/rear-env.bash). Most tests use a stand-in helper (rear_env_fake_helper) that
# records what it was given; the end-to-end tests use helper/rescue-spawn when it is built.
# Needs root.

load lib/rear-env

REAL_CACHE=/var/cache/rear-testrescue-tests

function setup () {
    rear_env_setup "$BATS_TEST_TMPDIR/env"
    FAKE="$( rear_env_fake_helper )"
    rear_env_config "TESTRESCUE_HELPER=$FAKE"
    work="$BATS_TEST_TMPDIR/work"
    mkdir -p "$work"
    HOST="$( uname -n )"
    OUT="$REAR_ENV_DIR/var/lib/rear/output"
}

function teardown () {
    if test -n "${SMALL_MOUNT:-}" ; then
        umount "$SMALL_MOUNT"
    fi
    rear_env_teardown "$REAR_ENV_DIR"
    rm -rf --one-file-system "$work"
}

# A tiny ReaR-like rescue tree in DIR.
function make_rescue_tree () {
    local dir="$1"
    mkdir -p "$dir/etc/scripts" "$dir/bin" "$dir/dev"
    echo "VERSION=2.7" >"$dir/etc/rear-release"
    echo "#!/bin/sh" >"$dir/etc/scripts/system-setup"
    echo "marker $2" >"$dir/etc/marker"
    mknod "$dir/dev/null" c 1 3
}

# initrd.cgz of a tiny rescue tree into FILE.
function make_initrd () {
    local file="$1" name="$2"
    make_rescue_tree "$work/tree.$name" "$name"
    ( cd "$work/tree.$name" && find . | cpio -o -H newc --quiet ) | gzip -c >"$file"
}

# ISO like ReaR's (isolinux/kernel, isolinux/initrd.cgz) into FILE.
function make_iso () {
    local file="$1" name="$2"
    mkdir -p "$work/isofs.$name/isolinux"
    echo kernel >"$work/isofs.$name/isolinux/kernel"
    make_initrd "$work/isofs.$name/isolinux/initrd.cgz" "$name"
    xorriso -as mkisofs -quiet -R -J -V REAR-ISO -o "$file" "$work/isofs.$name" 2>/dev/null
}

function helper_rootfs () {
    tail -n 1 "$REAR_ENV_DIR/fake-helper.args"
}

function assert_nothing_left () {
    rear_env_tmp_is_empty || { ls -laR "$REAR_ENV_DIR/tmp" ; false ; }
    # nothing mounted (the tmpfs an initrd is unpacked into):
    ! grep -F " $REAR_ENV_DIR/tmp/" /proc/self/mountinfo || { echo "something is still mounted" >&2 ; false ; }
}

@test "rear help lists testrescue" {
    run rear_env_rear help
    [ "$status" -eq 0 ]
    [[ "$output" == *"testrescue "*"boot the rescue system in a container and test it"* ]]
}

@test "rear -s testrescue lists the stage scripts in order" {
    run rear_env_rear -s testrescue
    [ "$status" -eq 0 ]
    [[ "$output" == *"testrescue/default/100_check_options.sh"*"200_choose_source.sh"*"500_unpack_initrd.sh"*"700_report.sh"* ]]
}

@test "no image found: one clear error saying what to do, nothing left behind" {
    run rear_env_rear testrescue
    [ "$status" -ne 0 ]
    [[ "$output" == *"No rescue system found to test"* ]]
    [[ "$output" == *"rear mkrescue"* && "$output" == *"-d"* && "$output" == *"TESTRESCUE_SOURCE"* ]]
    [ "$( grep -c ERROR: <<<"$output" )" -eq 1 ]
    assert_nothing_left
}

@test "helper missing: clear error before anything is unpacked" {
    rear_env_config "TESTRESCUE_HELPER="
    make_iso "$work/rear.iso" a
    PATH=/usr/bin:/bin run rear_env_rear testrescue "$work/rear.iso"
    [ "$status" -ne 0 ]
    if test -x /usr/sbin/rescue-spawn -o -x /usr/local/sbin/rescue-spawn ; then skip "rescue-spawn is installed" ; fi
    [[ "$output" == *"helper rescue-spawn was not found"* ]]
    [[ "$output" != *"Unpacking"* ]]
    assert_nothing_left
    rear_env_config "TESTRESCUE_HELPER=$work/nonexistent"
    run rear_env_rear testrescue "$work/rear.iso"
    [ "$status" -ne 0 ]
    [[ "$output" == *"TESTRESCUE_HELPER='$work/nonexistent' is not an executable program"* ]]
}

@test "a rescue tree given as PATH is booted as it is (relative PATH too)" {
    make_rescue_tree "$work/rootfs" a
    run rear_env_rear -v testrescue "$work/rootfs"
    [ "$status" -eq 0 ]
    [[ "$output" == *"given on the command line"* ]]
    [[ "$output" == *"Rescue system test PASSED (report: $REAR_ENV_DIR/var/lib/rear/testrescue/"*"/summary.txt)"* ]]
    [ "$( helper_rootfs )" = "$work/rootfs" ]
    grep -qx -- "--check" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--timeout=300" "$REAR_ENV_DIR/fake-helper.args"
    [ -f "$REAR_ENV_DIR/var/lib/rear/testrescue/latest/summary.txt" ]
    cd "$work"
    run rear_env_rear testrescue rootfs
    [ "$status" -eq 0 ]
    [ "$( helper_rootfs )" = "$work/rootfs" ]
    assert_nothing_left
}

@test "an ISO given as PATH is unpacked into the build area and removed afterwards" {
    make_iso "$work/rear.iso" a
    run rear_env_rear -v testrescue "$work/rear.iso"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Found the initrd isolinux/initrd.cgz (gzip)"* ]]
    # It fits into memory: a tmpfs, unmounted at the end.
    [[ "$output" == *"Unpacking into memory"* ]]
    [[ "$output" == *"Unpacked the rescue system into $REAR_ENV_DIR/tmp/rear."*"/tmp/testrescue-rootfs (memory)"* ]]
    [[ "$( helper_rootfs )" == "$REAR_ENV_DIR/tmp/rear."*"/tmp/testrescue-rootfs" ]]
    grep -q "^./etc/marker " "$REAR_ENV_DIR/fake-helper.tree"
    grep -q "^./dev/null [0-7]* 0 0 c" "$REAR_ENV_DIR/fake-helper.tree"
    grep -qx -- "--image-name=$work/rear.iso" "$REAR_ENV_DIR/fake-helper.args"
    # The ISO's boot files are checked too.
    grep -qx -- "--boot-medium=$work/rear.iso" "$REAR_ENV_DIR/fake-helper.args"
    run grep -F "$REAR_ENV_DIR" /proc/self/mountinfo
    [ -z "$output" ]
    assert_nothing_left
    # TESTRESCUE_UNPACK_IN_MEMORY=no: onto disk as before.
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_UNPACK_IN_MEMORY=no"
    run rear_env_rear -v testrescue "$work/rear.iso"
    [ "$status" -eq 0 ]
    [[ "$output" == *"/tmp/testrescue-rootfs (disk)"* ]]
    grep -q "^./etc/marker " "$REAR_ENV_DIR/fake-helper.tree"
    assert_nothing_left
}

@test "with -d the unpacked tree is kept" {
    make_iso "$work/rear.iso" a
    run rear_env_rear -d testrescue "$work/rear.iso"
    [ "$status" -eq 0 ]
    local kept=( "$REAR_ENV_DIR"/tmp/rear.*/tmp/testrescue-rootfs )
    [ -f "${kept[0]}/etc/marker" ]
    # On disk, not in a tmpfs that would be gone:
    run grep -F "$REAR_ENV_DIR" /proc/self/mountinfo
    [ -z "$output" ]
}

@test "a PXE directory and a PXE-style initrd are unpacked" {
    make_initrd "$work/pxe.initrd.cgz" p
    mkdir "$work/pxe"
    cp "$work/pxe.initrd.cgz" "$work/pxe/$HOST.initrd.cgz"
    echo kernel >"$work/pxe/$HOST.kernel"
    run rear_env_rear -v testrescue "$work/pxe"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Using $work/pxe/$HOST.initrd.cgz, the newest ISO or initrd in $work/pxe"* ]]
    grep -q "^./etc/marker " "$REAR_ENV_DIR/fake-helper.tree"
    run rear_env_rear testrescue "$work/pxe.initrd.cgz"
    [ "$status" -eq 0 ]
    assert_nothing_left
}

@test "the boot medium of a PXE or RAMDISK output is passed to the helper (--boot-medium, --tftp-root)" {
    make_initrd "$work/initrd.cgz" b
    # PXE as ReaR writes it: HOST.kernel and HOST.initrd.cgz in the TFTP directory, the
    # configuration rear-HOST in its pxelinux.cfg/, with a MAC link to it.
    mkdir -p "$work/tftp/pxelinux.cfg"
    cp "$work/initrd.cgz" "$work/tftp/$HOST.initrd.cgz"
    echo kernel >"$work/tftp/$HOST.kernel"
    printf 'label rear\n\tkernel /%s.kernel\n\tappend initrd=/%s.initrd.cgz root=/dev/ram0\n' "$HOST" "$HOST" \
        >"$work/tftp/pxelinux.cfg/rear-$HOST"
    ln -s "rear-$HOST" "$work/tftp/pxelinux.cfg/01-02-00-00-00-00-01"
    run rear_env_rear -v testrescue "$work/tftp"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$HOST.initrd.cgz is a PXE output: its boot files are checked as $work/tftp/pxelinux.cfg/rear-$HOST names them (TFTP root $work/tftp)"* ]]
    grep -qx -- "--boot-medium=pxe:$work/tftp/pxelinux.cfg/rear-$HOST" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--tftp-root=$work/tftp" "$REAR_ENV_DIR/fake-helper.args"
    # Its configuration gone: where ReaR's naming has it, so that boot-files FAILs on it.
    rm "$work/tftp/pxelinux.cfg/rear-$HOST"
    run rear_env_rear testrescue "$work/tftp"
    [ "$status" -eq 0 ]
    grep -qx -- "--boot-medium=pxe:$OUT/rear-$HOST" "$REAR_ENV_DIR/fake-helper.args"
    # RAMDISK: initramfs-SUFFIX.img; and with RAMDISK_SUFFIX="" the initrd next to a vmlinuz.
    mkdir "$work/ramdisk" "$work/ramdisk-nosuffix"
    cp "$work/initrd.cgz" "$work/ramdisk/initramfs-$HOST.img"
    echo kernel >"$work/ramdisk/kernel-$HOST"
    run rear_env_rear testrescue "$work/ramdisk"
    [ "$status" -eq 0 ]
    grep -qx -- "--boot-medium=ramdisk:$work/ramdisk/initramfs-$HOST.img" "$REAR_ENV_DIR/fake-helper.args"
    run grep -q -- "--tftp-root" "$REAR_ENV_DIR/fake-helper.args"
    [ "$status" -eq 1 ]
    cp "$work/initrd.cgz" "$work/ramdisk-nosuffix/initrd.cgz"
    echo kernel >"$work/ramdisk-nosuffix/vmlinuz-6.1.0-57-amd64"
    run rear_env_rear testrescue "$work/ramdisk-nosuffix"
    [ "$status" -eq 0 ]
    grep -qx -- "--boot-medium=ramdisk:$work/ramdisk-nosuffix/initrd.cgz" "$REAR_ENV_DIR/fake-helper.args"
    assert_nothing_left
}

@test "source order: PATH argument, then TESTRESCUE_SOURCE, then the newest found" {
    make_rescue_tree "$work/arg" arg
    make_rescue_tree "$work/conf" conf
    # A kept build directory (older) and the ISO of the configuration (newer):
    make_rescue_tree "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs" kept
    touch -d '2 hours ago' "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs/etc/rear-release"
    make_iso "$OUT/rear-$HOST.iso" iso
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_SOURCE=$work/conf"
    run rear_env_rear -v testrescue "$work/arg"
    [ "$status" -eq 0 ]
    [ "$( helper_rootfs )" = "$work/arg" ]
    run rear_env_rear -v testrescue
    [ "$status" -eq 0 ]
    [[ "$output" == *"Testing $work/conf (set in TESTRESCUE_SOURCE"* ]]
    [ "$( helper_rootfs )" = "$work/conf" ]
    rear_env_config "TESTRESCUE_HELPER=$FAKE"
    run rear_env_rear -v testrescue
    [ "$status" -eq 0 ]
    [[ "$output" == *"Testing $OUT/rear-$HOST.iso (the newest of 2 rescue systems found"* ]]
    grep -q "^./etc/marker " "$REAR_ENV_DIR/fake-helper.tree"
    # Now the kept build directory is newer:
    touch "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs/etc/rear-release"
    touch -d '1 hour ago' "$OUT/rear-$HOST.iso"
    run rear_env_rear -v testrescue
    [ "$status" -eq 0 ]
    [[ "$output" == *"Testing $REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs (the newest of 2"* ]]
    [ "$( helper_rootfs )" = "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs" ]
    # A build directory whose rootfs is no rescue tree is not taken:
    rm -rf "$OUT/rear-$HOST.iso" "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs/etc/rear-release" \
           "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs/etc/scripts"
    run rear_env_rear testrescue
    [ "$status" -ne 0 ]
    [[ "$output" == *"No rescue system found"* ]]
}

@test "the PXE initrd of the configuration is found" {
    make_initrd "$OUT/$HOST.initrd.cgz" pxe
    run rear_env_rear -v testrescue
    [ "$status" -eq 0 ]
    [[ "$output" == *"Testing $OUT/$HOST.initrd.cgz (the only rescue system found"* ]]
}

@test "PATH neither rootfs nor ISO nor initrd: one clear error" {
    echo "hello" >"$work/text"
    run rear_env_rear testrescue "$work/text"
    [ "$status" -ne 0 ]
    [[ "$output" == *"is neither a ReaR rescue tree, nor an ISO image, nor an initrd"* ]]
    [ "$( grep -c ERROR: <<<"$output" )" -eq 1 ]
    mkdir "$work/emptydir"
    run rear_env_rear testrescue "$work/emptydir"
    [ "$status" -ne 0 ]
    [[ "$output" == *"is neither a ReaR rescue tree"*"nor a directory with a ReaR ISO or initrd"* ]]
    run rear_env_rear testrescue "$work/missing"
    [ "$status" -ne 0 ]
    [[ "$output" == *"does not exist"* ]]
    assert_nothing_left
}

@test "truncated ISO: one clear error, nothing left behind" {
    make_iso "$work/rear.iso" a
    head -c $(( $( stat -c %s "$work/rear.iso" ) / 2 )) "$work/rear.iso" >"$work/truncated.iso"
    run rear_env_rear testrescue "$work/truncated.iso"
    [ "$status" -ne 0 ]
    [[ "$output" == *"is truncated or damaged"* ]]
    assert_nothing_left
}

@test "ISO without initrd, and an additional volume of a multi-volume set" {
    mkdir -p "$work/isofs/backup"
    echo data >"$work/isofs/backup/backup.tar.gz.01"
    xorriso -as mkisofs -quiet -R -J -V REAR-ISO_01 -o "$work/rear-host_01.iso" "$work/isofs" 2>/dev/null
    cp "$work/rear-host_01.iso" "$work/other.iso"
    run rear_env_rear testrescue "$work/other.iso"
    [ "$status" -ne 0 ]
    [[ "$output" == *"holds no ReaR initrd"* ]]
    run rear_env_rear testrescue "$work/rear-host_01.iso"
    [ "$status" -ne 0 ]
    [[ "$output" == *"additional volume of a multi-volume ISO set"*"test the first volume '$work/rear-host.iso'"* ]]
    assert_nothing_left
}

@test "corrupt, truncated, unknown-compression and non-ReaR initrds: one clear error each" {
    make_initrd "$work/good.cgz" a
    head -c $(( $( stat -c %s "$work/good.cgz" ) / 2 )) "$work/good.cgz" >"$work/truncated.cgz"
    run rear_env_rear testrescue "$work/truncated.cgz"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Failed to unpack the initrd"*"corrupt or truncated"* ]]
    assert_nothing_left
    cp "$work/good.cgz" "$work/corrupt.cgz"
    printf 'CORRUPTCORRUPT' | dd of="$work/corrupt.cgz" bs=1 seek=100 conv=notrunc status=none
    run rear_env_rear testrescue "$work/corrupt.cgz"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Failed to unpack the initrd"* ]]
    { printf 'PK\003\004' ; head -c 1000 /dev/urandom ; } >"$work/unknown.initrd"
    run rear_env_rear testrescue "$work/unknown.initrd"
    [ "$status" -ne 0 ]
    [[ "$output" == *"unknown compression"* ]]
    mkdir -p "$work/notrear/etc"
    echo x >"$work/notrear/etc/hostname"
    ( cd "$work/notrear" && find . | cpio -o -H newc --quiet ) | gzip -c >"$work/notrear.cgz"
    run rear_env_rear testrescue "$work/notrear.cgz"
    [ "$status" -ne 0 ]
    [[ "$output" == *"holds no ReaR rescue system"* ]]
    assert_nothing_left
}

@test "not enough space to unpack: one clear error, nothing left behind" {
    # 3 MB of incompressible data: estimated unpacked size above 40 MiB
    mkdir -p "$work/big/etc"
    echo "VERSION=2.7" >"$work/big/etc/rear-release"
    head -c 3000000 /dev/urandom >"$work/big/random"
    ( cd "$work/big" && find . | cpio -o -H newc --quiet ) | gzip -c >"$work/big.cgz"
    SMALL_MOUNT="$REAR_ENV_DIR/tmp"
    mount -t tmpfs -o size=40m tmpfs "$SMALL_MOUNT"
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_UNPACK_IN_MEMORY=no"
    run rear_env_rear testrescue "$work/big.cgz"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Not enough space to unpack the initrd"*"MiB needed"*"MiB free"* ]]
    assert_nothing_left
}

@test "FAIL: non-zero exit code and an error; with TESTRESCUE_FAIL_ACTION=warn a warning and still non-zero" {
    make_rescue_tree "$work/rootfs" a
    echo 1 >"$REAR_ENV_DIR/fake-helper.rc"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"ERROR: Rescue system test FAILED (report: $REAR_ENV_DIR/var/lib/rear/testrescue/"*"/summary.txt)"* ]]
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_FAIL_ACTION=warn"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -eq 1 ]
    [[ "$output" == *"WARNING: Rescue system test FAILED"* ]]
    [[ "$output" != *"ERROR:"* ]]
    echo 3 >"$REAR_ENV_DIR/fake-helper.rc"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"cannot run on this machine"* ]]
    assert_nothing_left
}

@test "options are checked and passed to the helper" {
    make_rescue_tree "$work/rootfs" a
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_TIMEOUT=77
TESTRESCUE_TTYS=3
TESTRESCUE_CMDLINE='quiet console=tty1'
TESTRESCUE_PROMETHEUS_FILE=$work/metrics.prom
TESTRESCUE_HELPER_OPTIONS=( --verbose )"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -eq 0 ]
    run grep -qx -- "--real-sleeps" "$REAR_ENV_DIR/fake-helper.args"
    [ "$status" -eq 1 ]
    run grep -qx -- "--fail-on-warning" "$REAR_ENV_DIR/fake-helper.args"
    [ "$status" -eq 1 ]
    run grep -q -- "--boot-medium" "$REAR_ENV_DIR/fake-helper.args"
    [ "$status" -eq 1 ]
    grep -qx -- "--timeout=77" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--ttys=3" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--cmdline=quiet console=tty1" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--prometheus=$work/metrics.prom" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--verbose" "$REAR_ENV_DIR/fake-helper.args"
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_CMDLINE='auto_recover'"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"must not contain 'auto_recover'"* ]]
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_MODE=sometimes"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"TESTRESCUE_MODE='sometimes' is invalid"* ]]
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_SKIP_IDLE_SLEEPS=no"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -eq 0 ]
    grep -qx -- "--real-sleeps" "$REAR_ENV_DIR/fake-helper.args"
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_FAIL_ON_WARNING=yes"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -eq 0 ]
    grep -qx -- "--fail-on-warning" "$REAR_ENV_DIR/fake-helper.args"
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_FAIL_ON_WARNING=maybe"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"TESTRESCUE_FAIL_ON_WARNING='maybe' is invalid"* ]]
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_SKIP_IDLE_SLEEPS=sometimes"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"TESTRESCUE_SKIP_IDLE_SLEEPS='sometimes' is invalid"* ]]
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_MODE=interactive"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"needs a terminal"* ]]
}

@test "the limits are checked and passed to the helper" {
    make_rescue_tree "$work/rootfs" a
    rear_env_config "TESTRESCUE_HELPER=$FAKE"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -eq 0 ]
    run grep -E -- "^--(pids|memory|writable)-max|^--cpu-weight" "$REAR_ENV_DIR/fake-helper.args"
    [ "$status" -eq 1 ]
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_PIDS_MAX=500
TESTRESCUE_MEMORY_MAX=1G
TESTRESCUE_WRITABLE_MAX=0
TESTRESCUE_CPU_WEIGHT=50"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -eq 0 ]
    grep -qx -- "--pids-max=500" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--memory-max=1G" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--writable-max=0" "$REAR_ENV_DIR/fake-helper.args"
    grep -qx -- "--cpu-weight=50" "$REAR_ENV_DIR/fake-helper.args"
    rear_env_config "TESTRESCUE_HELPER=$FAKE
TESTRESCUE_MEMORY_MAX=lots"
    run rear_env_rear testrescue "$work/rootfs"
    [ "$status" -ne 0 ]
    [[ "$output" == *"TESTRESCUE_MEMORY_MAX='lots' is invalid"* ]]
}

# --- real images made by 'rear mkrescue' (tests/fixtures/build-rear-image.sh) ---

function real_image () {
    "$REAR_ENV_WORK_TREE/tests/fixtures/build-rear-image.sh" plain "$REAL_CACHE" >/dev/null
}

function cached_tree () {
    ( cd "$REAL_CACHE/plain/rootfs" && find . -printf '%p %m %U %G %y\n' | LC_ALL=C sort )
}

@test "real image: the ISO unpacks to the same tree as the build directory's rootfs" {
    real_image
    run rear_env_rear testrescue "$REAL_CACHE/plain/rear.iso"
    [ "$status" -eq 0 ]
    diff <( cached_tree ) "$REAR_ENV_DIR/fake-helper.tree"
    assert_nothing_left
}

@test "real image: a PXE-style initrd unpacks to the same tree" {
    real_image
    cp "$REAL_CACHE/plain/initrd.cgz" "$OUT/$HOST.initrd.cgz"
    run rear_env_rear -v testrescue
    [ "$status" -eq 0 ]
    [[ "$output" == *"Testing $OUT/$HOST.initrd.cgz"* ]]
    diff <( cached_tree ) "$REAR_ENV_DIR/fake-helper.tree"
    assert_nothing_left
}

# Config for a real 'rear mkrescue' (as tests/fixtures/build-rear-image.sh does it).
function mkrescue_config () {
    local kernel_version
    kernel_version=$( dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p' )
    test -f "/boot/vmlinuz-$kernel_version" || skip "no Debian kernel in /boot"
    rear_env_config "OUTPUT=ISO
BACKUP=REQUESTRESTORE
BOOTLOADER=GRUB2
KERNEL_VERSION=$kernel_version
KERNEL_FILE=/boot/vmlinuz-$kernel_version
OUTPUT_URL=null
REAR_INITRD_COMPRESSION=lz4
TESTRESCUE_AFTER_MKRESCUE=yes
$1"
}

@test "TESTRESCUE_AFTER_MKRESCUE=yes: rear mkrescue tests the fresh rootfs and fails on FAIL" {
    mkrescue_config "TESTRESCUE_HELPER=$FAKE"
    echo 1 >"$REAR_ENV_DIR/fake-helper.rc"
    run rear_env_rear mkrescue
    [ "$status" -ne 0 ]
    [[ "$output" == *"ERROR: Rescue system test FAILED"* ]]
    [[ "$( helper_rootfs )" == "$REAR_ENV_DIR/tmp/rear."*"/rootfs" ]]
    grep -q "^./etc/rear-release " "$REAR_ENV_DIR/fake-helper.tree"
    # Made just now from the layout mkrescue saved: not older than the layout.
    grep -qx -- "--layout-changed=no" "$REAR_ENV_DIR/fake-helper.args"
    assert_nothing_left
}

# --- end to end with the real helper ---

function real_helper () {
    local helper="$REAR_ENV_WORK_TREE/helper/rescue-spawn"
    test -x "$helper" || skip "helper/rescue-spawn is not built (make -C $REAR_ENV_WORK_TREE)"
    echo "$helper"
}

@test "end to end: rear testrescue on a kept build dir and on the ISO gives the helper's verdict" {
    local helper expected
    helper="$( real_helper )"
    real_image
    # The verdict of the helper itself on the same tree:
    expected=0
    "$helper" --check --timeout=300 --report-dir="$work/direct" "$REAL_CACHE/plain/rootfs" </dev/null >/dev/null 2>&1 || expected=$?
    [ "$expected" -le 1 ]
    rear_env_config "TESTRESCUE_HELPER=$helper"
    # a kept build directory:
    mkdir -p "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX"
    cp -a "$REAL_CACHE/plain/rootfs" "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX/rootfs"
    run rear_env_rear -v testrescue
    echo "$output"
    if test "$expected" -eq 0 ; then [ "$status" -eq 0 ] ; else [ "$status" -ne 0 ] ; fi
    [ -f "$REAR_ENV_DIR/var/lib/rear/testrescue/latest/summary.txt" ]
    rm -rf "$REAR_ENV_DIR/tmp/rear.keptXXXXXXXXXX"
    run rear_env_rear -v testrescue "$REAL_CACHE/plain/rear.iso"
    echo "$output"
    if test "$expected" -eq 0 ; then [ "$status" -eq 0 ] ; else [ "$status" -ne 0 ] ; fi
    assert_nothing_left
}

@test "end to end: TESTRESCUE_AFTER_MKRESCUE=yes with the real helper" {
    local helper
    helper="$( real_helper )"
    mkrescue_config "TESTRESCUE_HELPER=$helper
TESTRESCUE_FAIL_ACTION=warn"
    run rear_env_rear -v mkrescue
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Rescue system test PASSED"* || "$output" == *"WARNING: Rescue system test FAILED"* ]]
    [ -f "$REAR_ENV_DIR/var/lib/rear/testrescue/latest/summary.txt" ]
    assert_nothing_left
}
