# tests/lib/releases.bash -- which Debian release's rescue images a test file boots.
# Load it with 'load lib/releases'.
#
#   REAR_TEST_SUITE          bullseye, bookworm or trixie: the real images of that release
#                            (tests/fixtures/build-rear-image.sh --suite=...); empty: the
#                            images of this machine's own rear (Debian 12). tests/run-tests
#                            runs check.bats, check-readiness.bats and spawn-real.bats once
#                            more for each release in REAR_TEST_SUITES.
#   release_image VARIANT    build (or take from the cache) the VARIANT image of
#                            REAR_TEST_SUITE; prints the rootfs path (build-rear-image.sh's
#                            messages on stderr)
#   release_skip_unbootable VARIANT
#                            skip the test when that image cannot boot on any machine, with
#                            the reason; tests/releases.bats shows that --check FAILs it

function release_image () {
    "$SPAWN_WORK_TREE/tests/fixtures/build-rear-image.sh" ${REAR_TEST_SUITE:+--suite="$REAR_TEST_SUITE"} "$1"
}

# Why ROOT (an image's rootfs) cannot boot anywhere; nothing when it can.
function release_unbootable_reason () {
    local root="$1" core version
    # systemd 255 and later (Debian 13: 257) start every unit through systemd-executor and
    # refuse to start without it ("Failed to pin executor binary"); ReaR 2.7 copies
    # /usr/lib/systemd/systemd-* only when mkrescue runs on a host booted with systemd.
    for core in "$root"/usr/lib/x86_64-linux-gnu/systemd/libsystemd-core-*.so ; do
        test -f "$core" || continue
        version="${core##*libsystemd-core-}"
        if grep -qa '/systemd-executor' "$core" && ! test -e "$root/usr/lib/systemd/systemd-executor" ; then
            echo "its systemd ${version%.so} needs /usr/lib/systemd/systemd-executor, which ReaR copies only from a host running systemd: it cannot boot on any machine"
        fi
        return 0
    done
}

function release_skip_unbootable () {
    local root reason
    root="$( release_image "$1" 2>/dev/null )" || return 0
    reason="$( release_unbootable_reason "$root" )"
    test -z "$reason" || skip "the ${REAR_TEST_SUITE:-host} $1 image: $reason (tests/releases.bats checks that --check FAILs it)"
}
