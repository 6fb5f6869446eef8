#!/usr/bin/env bats
# The packages: the .deb builds from the release tarball and passes lintian, the RPM
# has the same files, the man pages render cleanly, every place shows one version,
# and the installed .deb (not the work tree) tests a real image and removes cleanly.

load lib/spawn

setup_file () {
    cd "$BATS_TEST_DIRNAME/.."
    export VERSION=$(cat VERSION)
    make -s dist deb rpm >"$BATS_FILE_TMPDIR/build.log" 2>&1 || { cat "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
    export DEB=$PWD/dist/deb/rear-testrescue_${VERSION}_$(dpkg --print-architecture).deb
    export RPM=$(find "$PWD/dist/rpm/RPMS" -name "rear-testrescue-$VERSION-*.rpm" | head -1)
}

teardown_file () {
    cd "$BATS_TEST_DIRNAME/.." && rm -rf dist
}

@test "make dist gives a tarball from which dpkg-buildpackage builds rear-testrescue_VERSION_ARCH.deb" {
    [ -f "dist/rear-testrescue-$VERSION.tar.gz" ]
    [ -f "$DEB" ]
    run dpkg-deb -f "$DEB" Package Version Depends
    assert_contains "$output" "Package: rear-testrescue"
    assert_contains "$output" "Version: $VERSION"
    # shlibs: the four libraries it links, and rear.
    assert_contains "$output" "libmount1"
    assert_contains "$output" "libblkid1"
    assert_contains "$output" "libcap2"
    assert_contains "$output" "libseccomp2"
    assert_contains "$output" "rear"
}

@test "the .deb installs the helper outside /usr/share/rear, the glue inside, config and man pages" {
    run dpkg-deb -c "$DEB"
    assert_contains "$output" "./usr/sbin/rescue-spawn"
    assert_contains "$output" "./usr/share/rear/lib/testrescue-workflow.sh"
    assert_contains "$output" "./usr/share/rear/testrescue/default/"
    assert_contains "$output" "./etc/rear/testrescue.conf"
    assert_contains "$output" "./usr/share/man/man8/rescue-spawn.8.gz"
    assert_contains "$output" "./usr/share/man/man8/rear-testrescue.8.gz"
    assert_contains "$output" "./usr/lib/udev/rules.d/59-rescue-spawn-scratch.rules"
    refute_contains "$output" "./usr/share/rear/rescue-spawn"
    # /etc/rear/testrescue.conf is a conffile: the admin's changes survive upgrades.
    dpkg-deb -e "$DEB" "$BATS_TEST_TMPDIR/control"
    grep -qx /etc/rear/testrescue.conf "$BATS_TEST_TMPDIR/control/conffiles"
}

@test "lintian reports no error on the .deb" {
    run lintian --fail-on error "$DEB"
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
}

@test "the RPM builds with the same installed files as the .deb" {
    [ -n "$RPM" ]
    deb_files=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\.||' | grep -Ev '/$|^/usr/share/doc/' | sort)
    deb_files=$(sed 's/\.gz$//' <<<"$deb_files")
    rpm_files=$(rpm -qlp "$RPM" 2>/dev/null | grep -Ev '^/usr/share/(doc|licenses)/|^/usr/lib/\.build-id|^/usr/share/rear/testrescue(/default)?$' | sort)
    assert_equal "$rpm_files" "$deb_files" "files of the RPM and the .deb"
}

@test "man renders both man pages without warnings" {
    for page in man/rescue-spawn.8 man/rear-testrescue.8; do
        run bash -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l '$page' 2>&1 >/dev/null"
        assert_equal "$output" "" "warnings of $page"
        run bash -c "MANWIDTH=80 man -l '$page' 2>/dev/null | grep -c ."
        [ "$output" -gt 20 ]
    done
}

@test "one version everywhere: VERSION, rescue-spawn --version, .deb, RPM, man pages" {
    run helper/rescue-spawn --version
    assert_equal "$output" "rescue-spawn $VERSION"
    assert_equal "$(dpkg-deb -f "$DEB" Version)" "$VERSION"
    assert_equal "$(rpm -qp --qf '%{VERSION}' "$RPM" 2>/dev/null)" "$VERSION"
    dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/share/man/man8/rescue-spawn.8.gz | gzip -dc | grep -q "rear-testrescue $VERSION"
}

@test "the installed .deb tests a real rescue image with 'rear -v testrescue' (PASS), and removes cleanly" {
    if dpkg-query -W -f='${Status}' rear-testrescue 2>/dev/null | grep -q 'install ok'; then
        skip "rear-testrescue is installed on this machine already: not touching it"
    fi
    [ ! -e /usr/sbin/rescue-spawn ] || skip "a rescue-spawn is installed by hand in /usr/sbin"
    rootfs=$(tests/fixtures/build-rear-image.sh systemd)
    export SPAWN_SCOPE=/usr/sbin/rescue-spawn
    before=$(find /usr/sbin /usr/share/rear /etc/rear /usr/share/man/man8 2>/dev/null | sort)
    dpkg -i "$DEB"
    run bash -c "cd / && rear -v testrescue '$rootfs' </dev/null 2>&1"
    installed_status=$status
    installed_output=$output
    dpkg --purge rear-testrescue
    after=$(find /usr/sbin /usr/share/rear /etc/rear /usr/share/man/man8 2>/dev/null | sort)
    [ "$installed_status" -eq 0 ] || { echo "$installed_output" >&2; false; }
    assert_contains "$installed_output" "PASS"
    # The workflow names the version it runs: the same as everywhere else.
    assert_contains "$installed_output" "rear-testrescue $VERSION"
    run diff <(echo "$before") <(echo "$after")
    [ "$status" -eq 0 ] || { echo "files that differ after purging the package: $output" >&2; false; }
    assert_no_leftovers
}
