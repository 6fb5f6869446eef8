#!/usr/bin/env bats
#
# Rescue images of other Debian releases (issue 14, point 3): what
# tests/fixtures/build-rear-image.sh --suite=SUITE builds is that release's (rear, systemd,
# kernel), it is cached, the build leaves nothing behind, and the host's (Debian 12) images
# keep their cache. check.bats and spawn-real.bats boot these images themselves
# (tests/run-tests runs them with REAR_TEST_SUITE=SUITE); this file has what only these
# images show: Debian 13's plain image is a sysvinit host's (build-release-tree.sh says
# why), and every release image has what its init needs.
#
# REAR_TEST_SUITES: the releases to test (default "bullseye trixie"). Needs root and the
# Debian archive (debootstrap); the first build of a release takes minutes, a valid cache
# answers at once.

load lib/spawn
load lib/releases

BUILD="$BATS_TEST_DIRNAME/fixtures/build-rear-image.sh"
CACHE=/var/cache/rear-testrescue-tests

# SUITE: the major versions of rear, systemd and the kernel that release ships.
declare -gA RELEASE_VERSIONS=(
    [bullseye]="rear=2.6 systemd=247 kernel=5.10"
    [trixie]="rear=2.7 systemd=257 kernel=6.12"
)

function setup_file () {
    spawn_require_helper
    spawn_tmp_create
    local suite variant
    for suite in ${REAR_TEST_SUITES-bullseye trixie} ; do
        for variant in plain systemd ; do
            "$BUILD" --suite="$suite" "$variant" >"$SPAWN_TMP/$suite-$variant.path" 2>"$SPAWN_TMP/$suite-$variant.log" || true
        done
    done
}

function teardown_file () {
    spawn_tmp_remove
}

function teardown () {
    assert_no_leftovers
}

function suites () {
    echo ${REAR_TEST_SUITES-bullseye trixie}
}

# The rootfs of SUITE VARIANT as setup_file got it, or fail with the build's messages.
function built_root () {
    local root
    root="$( tail -n 1 "$SPAWN_TMP/$1-$2.path" )"
    test -n "$root" -a -e "$root/etc/rear-release" && { echo "$root" ; return 0 ; }
    spawn_fail "no $1 $2 image: build-rear-image.sh --suite=$1 $2 failed:" "$( tail -n 30 "$SPAWN_TMP/$1-$2.log" )"
}

# The tree SUITE's VARIANT image was built in, as its stamp names it ("tree=NAME:SHA256").
function tree_of () {
    sed -n 's/.* tree=\([^: ]*\):.*/\1/p' "$CACHE/$1-$2/stamp"
}

# What an image really has: the version of ReaR it boots, of its systemd, of its kernel modules.
function image_versions () {
    local root="$1" rear systemd kernel lib
    rear="$( sed -n 's/^Relax-and-Recover release \([0-9]*\.[0-9]*\).*/\1/p' "$root/etc/rear-release" )"
    for lib in "$root"/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-*.so "$root"/lib/systemd/libsystemd-shared-*.so \
               "$root"/usr/lib/systemd/libsystemd-shared-*.so ; do
        test -f "$lib" || continue
        systemd="${lib##*libsystemd-shared-}"
        systemd="${systemd%.so}"
    done
    kernel="$( ls "$root/lib/modules" 2>/dev/null | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p' | head -n 1 )"
    echo "rear=$rear systemd=$systemd kernel=$kernel"
}

@test "build-rear-image.sh: an unknown release or a bare --suite is a usage error (exit 2), nothing is built" {
    mkdir "$SPAWN_TMP/cache"
    run -2 "$BUILD" --suite=buster plain "$SPAWN_TMP/cache"
    assert_contains "$output" "Usage:"
    run -2 "$BUILD" --suite plain "$SPAWN_TMP/cache"
    run -2 "$BATS_TEST_DIRNAME/fixtures/build-release-image.sh" trixie minimal "$SPAWN_TMP/cache"
    assert_equal "$( ls -A "$SPAWN_TMP/cache" )" "" "the cache directory"
}

@test "the host's images keep their cache: no --suite and --suite=bookworm give them, their stamp hashes build-rear-image-host.sh" {
    local variant hash before
    hash="$( sha256sum <"$BATS_TEST_DIRNAME/fixtures/build-rear-image-host.sh" | cut -d ' ' -f 1 )"
    for variant in plain systemd ; do
        run -0 "$BUILD" "$variant"
        assert_equal "${lines[-1]}" "$CACHE/$variant/rootfs" "the $variant image's path"
        before="$( stat -c '%i %Y' "$CACHE/$variant/stamp" )"
        assert_contains "$( cat "$CACHE/$variant/stamp" )" "script=$hash" "the $variant image's stamp"
        test "$( . /etc/os-release && echo "$VERSION_CODENAME" )" = bookworm || continue
        run -0 "$BUILD" --suite=bookworm "$variant"
        assert_equal "${lines[-1]}" "$CACHE/$variant/rootfs" "--suite=bookworm's $variant image"
        assert_equal "$( stat -c '%i %Y' "$CACHE/$variant/stamp" )" "$before" "the $variant image's stamp (rebuilt?)"
    done
}

@test "each release's images are that release's: its rear, systemd and kernel, and its stamp says so" {
    local suite variant root stamp
    for suite in $( suites ) ; do
        for variant in plain systemd ; do
            root="$( built_root "$suite" "$variant" )" || return 1
            assert_equal "$root" "$CACHE/$suite-$variant/rootfs" "the path of the $suite $variant image"
            assert_equal "$( image_versions "$root" )" "${RELEASE_VERSIONS[$suite]}" "$suite $variant: what the image has"
            stamp="$( cat "$CACHE/$suite-$variant/stamp" )"
            assert_contains "$stamp" "suite=$suite ${RELEASE_VERSIONS[$suite]%% *}" "the stamp of $suite $variant" || return 1
            # The tree it was made of, and that tree's stamp (its package list).
            assert_contains "$stamp" "tree=$( tree_of "$suite" "$variant" ):$( sha256sum <"$CACHE/$( tree_of "$suite" "$variant" ).stamp" | cut -d ' ' -f 1 )" \
                "the stamp of $suite $variant" || return 1
            grep -q "VERSION_CODENAME=$suite" "$root/etc/os-release" || spawn_fail "$suite $variant: os-release is not $suite's"
            test -s "$CACHE/$suite-$variant/rear.iso" -a -s "$CACHE/$suite-$variant/initrd.cgz" \
                || spawn_fail "$suite $variant: no ISO or initrd in the cache"
        done
        # The variants differ as on the host: systemd's tools only in the systemd image.
        test -e "$CACHE/$suite-systemd/rootfs/bin/systemctl" || spawn_fail "$suite: the systemd image has no systemctl"
        test ! -e "$CACHE/$suite-plain/rootfs/bin/systemctl" || spawn_fail "$suite: the plain image has systemctl"
    done
}

@test "a second build of a release's image answers from the cache" {
    local suite variant before tree
    for suite in $( suites ) ; do
        for variant in plain systemd ; do
            built_root "$suite" "$variant" >/dev/null || return 1
            tree="$CACHE/$( tree_of "$suite" "$variant" )"
            before="$( stat -c '%i %Y' "$CACHE/$suite-$variant/stamp" "$CACHE/$suite-$variant/rootfs" "$tree.stamp" )"
            run -0 "$BUILD" --suite="$suite" "$variant"
            assert_equal "${lines[-1]}" "$CACHE/$suite-$variant/rootfs"
            assert_equal "$( stat -c '%i %Y' "$CACHE/$suite-$variant/stamp" "$CACHE/$suite-$variant/rootfs" "$tree.stamp" )" \
                "$before" "the cache of $suite $variant (rebuilt?)"
        done
    done
}

@test "a release's build leaves nothing behind: no mount, no build directory, no ReaR state in its tree" {
    local suite variant tree
    for suite in $( suites ) ; do
        for variant in plain systemd ; do
            built_root "$suite" "$variant" >/dev/null || return 1
            tree="$CACHE/$( tree_of "$suite" "$variant" )"
            test "$tree" != "$CACHE/" || spawn_fail "the stamp of $suite $variant names no tree" || return 1
            refute_contains "$( cat /proc/self/mountinfo )" "$tree" "the mount table" || return 1
            assert_equal "$( ls -A "$tree/var/tmp" )" "" "$tree/var/tmp" || return 1
            test ! -e "$tree/var/lib/rear" -a ! -e "$tree/var/log/rear" \
                || spawn_fail "$suite: ReaR's state of a build is left in $tree"
        done
    done
}

@test "every image has what its init needs: none lacks systemd-executor (the host's images neither)" {
    local suite variant root
    for suite in $( suites ) host ; do
        for variant in plain systemd ; do
            if test "$suite" = host ; then root="$CACHE/$variant/rootfs" ; else root="$( built_root "$suite" "$variant" )" || return 1 ; fi
            assert_equal "$( release_unbootable_reason "$root" )" "" "why $suite $variant cannot boot" || return 1
        done
    done
}

# build-release-tree.sh: a Debian 13 host whose PID 1 is no systemd runs sysvinit. Its rear
# copies sysvinit's init (no systemd at all: 280_include_systemd.sh sees none running) and
# gives the rescue ReaR's inittab; a systemd-sysv host's plain image would not boot.
@test "Debian 13's plain image is a sysvinit host's: sysvinit's init reads ReaR's inittab, its systemd image stays systemd's" {
    [[ " $( suites ) " == *" trixie "* ]] || skip "trixie is not in REAR_TEST_SUITES"
    local plain systemd
    plain="$( built_root trixie plain )" || return 1
    systemd="$( built_root trixie systemd )" || return 1
    assert_equal "$( tree_of trixie plain )" trixie-sysvinit-tree "the tree of trixie's plain image"
    assert_equal "$( tree_of trixie systemd )" trixie-tree "the tree of trixie's systemd image"
    dpkg-query --admindir="$CACHE/trixie-sysvinit-tree/var/lib/dpkg" -W -f='${Status}' sysvinit-core | grep -q 'installed' \
        || spawn_fail "no sysvinit-core in the tree of trixie's plain image"
    ! image_init_is_systemd "$plain" || spawn_fail "the init of trixie's plain image is systemd"
    image_init_is_systemd "$systemd" || spawn_fail "the init of trixie's systemd image is not systemd"
    grep -q '^t1:3:respawn:/sbin/mingetty --noclear tty1$' "$plain/etc/inittab" || spawn_fail "no getty line in ReaR's inittab"
    test ! -e "$plain/usr/lib/systemd/systemd-executor" -a ! -e "$plain/bin/systemctl" \
        || spawn_fail "trixie's plain image has systemd's tools"
}

@test "Debian 13's plain image: --check PASSes it, booted by sysvinit, a prompt on each of ReaR's inittab gettys" {
    [[ " $( suites ) " == *" trixie "* ]] || skip "trixie is not in REAR_TEST_SUITES"
    local root summary
    root="$( built_root trixie plain )" || return 1
    run -0 "$RESCUE_SPAWN" --check --timeout=60 --report-dir="$SPAWN_TMP/trixie-plain-report" "$root" </dev/null
    summary="$( cat "$SPAWN_TMP/trixie-plain-report/summary.txt" )"
    assert_has_line "$summary" "VERDICT: PASS"
    assert_contains "$summary" "init:         sysvinit"
    assert_contains "$summary" "sysvinit started and kept running"
    assert_contains "$summary" "login prompt after"
    assert_contains "$summary" "(/etc/inittab line 15)"
    assert_equal "$( awk '$1 == "ok" && $2 ~ /^prompt:tty[1-5]$/' <<<"$summary" | wc -l )" 5 "the prompts on tty1..tty5"
}

# ReaR's /etc/scripts/boot mounts proc, sysfs and devpts itself. util-linux 2.41 (Debian 13)
# mounts with the new API (fsopen/fsmount), 2.36 and 2.38 with mount(2): the container must
# answer both alike (proc and sysfs refused, devpts allowed: a container may have its own).
@test "ReaR's own mounts get the same answers with every release's util-linux, the new mount API of Debian 13's too" {
    local suite root out expected="proc 32 sysfs 32 devpts 0"
    for suite in host $( suites ) ; do
        if test "$suite" = host ; then root="$CACHE/systemd/rootfs" ; else root="$( built_root "$suite" systemd )" || return 1 ; fi
        out="$( "$RESCUE_SPAWN" -q "$root" -- /bin/bash -c '
            mount --version | head -n 1
            mount -t proc -n none /proc 2>/dev/null ; proc=$?
            mount -t sysfs none /sys 2>/dev/null ; sysfs=$?
            mount -t devpts -o gid=5,mode=620 none /dev/pts ; devpts=$?
            echo "proc $proc sysfs $sysfs devpts $devpts"' </dev/null | tr -d '\r' )"
        assert_has_line "$out" "$expected" "the mounts in the $suite image" || return 1
        if test "$suite" = trixie ; then
            assert_contains "$out" "fd-based-mount" "trixie's mount --version" || return 1
        fi
    done
}
