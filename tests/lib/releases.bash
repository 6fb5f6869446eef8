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
#   release_unbootable_reason ROOT
#                            why the image at ROOT cannot boot on any machine; nothing when
#                            it can (tests/releases.bats: no release image is such)
#   image_init_is_systemd ROOT
#                            is ROOT's init systemd? (Debian 13's plain image: sysvinit)

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

# Is ROOT's /init (or /sbin/init) systemd? The ReaR images of a systemd host: /init ->
# bin/init, a copy of systemd, so their /etc/inittab is not used; Debian 13's plain image
# (a sysvinit host): sysvinit's init, which reads ReaR's /etc/inittab. One level of
# relative or absolute symlink is followed inside ROOT.
function image_init_is_systemd () {
    local root="$1" init target
    for init in "$root/init" "$root/sbin/init" ; do
        test -e "$init" -o -L "$init" || continue
        if test -L "$init" ; then
            target="$( readlink "$init" )"
            case "$target" in
                (/*) init="$root$target" ;;
                (*) init="$( dirname "$init" )/$target" ;;
            esac
        fi
        # Debian's systemd binary is small: most of it is in libsystemd-core
        grep -qaE 'libsystemd-(core|shared)|systemd\.unit=' "$init" 2>/dev/null
        return
    done
    return 1
}
