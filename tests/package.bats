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
    # libarchive is loaded with dlopen() (shlibs cannot see it): named in control.
    assert_contains "$output" "libarchive13"
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
    # The schedule and the alerts. The units where Debian 12's debhelper finds them.
    assert_contains "$output" "./lib/systemd/system/rear-testrescue.service"
    assert_contains "$output" "./lib/systemd/system/rear-testrescue.timer"
    assert_contains "$output" "./usr/lib/rear-testrescue/scheduled-test"
    assert_contains "$output" "./etc/rear/testrescue-scheduled.conf"
    assert_contains "$output" "./etc/cron.d/rear-testrescue"
    assert_contains "$output" "./usr/share/rear-testrescue/prometheus/rear-testrescue.rules.yml"
    assert_has_line "$( dpkg-deb -c "$DEB" | awk '$6 == "./usr/lib/rear-testrescue/scheduled-test" { print $1 }' )" "-rwxr-xr-x"
    # The files in /etc are conffiles: the admin's changes survive upgrades.
    dpkg-deb -e "$DEB" "$BATS_TEST_TMPDIR/control"
    for conffile in /etc/rear/testrescue.conf /etc/rear/testrescue-scheduled.conf /etc/cron.d/rear-testrescue ; do
        grep -qx "$conffile" "$BATS_TEST_TMPDIR/control/conffiles" || spawn_fail "$conffile is no conffile"
    done
}

@test "lintian reports no error on the .deb" {
    run lintian --fail-on error "$DEB"
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
}

@test "the RPM builds with the same installed files as the .deb" {
    [ -n "$RPM" ]
    # The .deb's /lib/systemd/system is /usr/lib/systemd/system (merged /usr).
    deb_files=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\.||' | grep -Ev '/$|^/usr/share/doc/' | sort)
    deb_files=$(sed -e 's/\.gz$//' -e 's|^/lib/systemd/|/usr/lib/systemd/|' <<<"$deb_files" | sort)
    # Directories the RPM owns are left out, as the .deb's are.
    rpm_files=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$RPM" 2>/dev/null | awk '$1 !~ /^d/ { print $2 }' |
                grep -Ev '^/usr/share/(doc|licenses)/|^/usr/lib/\.build-id' | sort)
    assert_equal "$rpm_files" "$deb_files" "files of the RPM and the .deb"
}

@test "the RPM: the schedule, the cron file and the rules as in the .deb, config files kept, nothing enabled" {
    [ -n "$RPM" ]
    local deb_root="$BATS_TEST_TMPDIR/deb" rpm_root="$BATS_TEST_TMPDIR/rpm" file
    mkdir "$deb_root" "$rpm_root"
    dpkg-deb -x "$DEB" "$deb_root"
    ( cd "$rpm_root" && rpm2cpio "$RPM" | cpio -idm --quiet )
    for file in usr/lib/systemd/system/rear-testrescue.service usr/lib/systemd/system/rear-testrescue.timer \
                usr/lib/rear-testrescue/scheduled-test etc/cron.d/rear-testrescue etc/rear/testrescue-scheduled.conf \
                usr/share/rear-testrescue/prometheus/rear-testrescue.rules.yml ; do
        cmp "$rpm_root/$file" "$deb_root/${file/#usr\/lib\/systemd/lib/systemd}" || spawn_fail "$file differs"
    done
    [ -x "$rpm_root/usr/lib/rear-testrescue/scheduled-test" ]
    run rpm -qcp "$RPM"
    assert_has_line "$output" /etc/rear/testrescue.conf
    assert_has_line "$output" /etc/rear/testrescue-scheduled.conf
    assert_has_line "$output" /etc/cron.d/rear-testrescue
    # With systemd-rpm-macros (Fedora, RHEL) the timer gets %systemd_post, that is the
    # presets, which leave it disabled; never an enable or a start of its own.
    tar -xzOf "dist/rear-testrescue-$VERSION.tar.gz" "rear-testrescue-$VERSION/rear-testrescue.spec" >"$BATS_TEST_TMPDIR/spec"
    run rpmspec --define 'systemd_post() SYSTEMD_POST %*' --define 'systemd_preun() SYSTEMD_PREUN %*' \
        --define 'systemd_postun() SYSTEMD_POSTUN %*' -P "$BATS_TEST_TMPDIR/spec"
    assert_has_line "$output" "SYSTEMD_POST rear-testrescue.timer"
    refute_contains "$( grep -v '^#' <<<"$output" )" "systemctl"
    run rpm -qp --scripts "$RPM"
    refute_contains "$output" "systemctl"
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
    # The installed helper's leftovers: made by its run, and never what was there before.
    export SPAWN_SCOPE=/usr/sbin/rescue-spawn SPAWN_SINCE="$BATS_TEST_TMPDIR/since"
    touch "$SPAWN_SINCE"
    local places=( /usr/sbin /usr/share/rear /etc/rear /usr/share/man/man8 /etc/cron.d /etc/systemd
                   /lib/systemd/system /usr/lib/rear-testrescue /usr/share/rear-testrescue
                   /var/lib/systemd/deb-systemd-helper-enabled )
    before=$(find "${places[@]}" 2>/dev/null | sort)
    # Any rear workflow's first run on a host writes /etc/rear/os.conf (ReaR's own
    # init/default/005_verify_os_conf.sh): rear's file, not the package's. Seen on a fresh
    # machine; the test takes it away again when it made it.
    local os_conf_was_there=no
    [ ! -e /etc/rear/os.conf ] || os_conf_was_there=yes
    dpkg -i "$DEB"
    # The timer is installed, not enabled (deb-systemd-helper makes the links without
    # systemd running too).
    [ -f /lib/systemd/system/rear-testrescue.timer ]
    run find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled -path '*.wants/rear-testrescue*'
    installed_links=$output
    # ReaR refuses to start while another /usr/sbin/rear runs (other tests' containers
    # rehearsing 'rear recover' are seen here too): then again, as rear_env_rear does.
    for (( tries = 0 ; tries < 120 ; tries++ )) ; do
        run bash -c "cd / && rear -v testrescue '$rootfs' </dev/null 2>&1"
        [[ "$output" == *"is already running with PID"* ]] || break
        sleep 5
    done
    installed_status=$status
    installed_output=$output
    dpkg --purge rear-testrescue
    [ "$os_conf_was_there" = yes ] || rm -f /etc/rear/os.conf
    after=$(find "${places[@]}" 2>/dev/null | sort)
    assert_equal "$installed_links" "" "links that enable the timer"
    [ "$installed_status" -eq 0 ] || { echo "$installed_output" >&2; false; }
    assert_contains "$installed_output" "PASS"
    # The workflow names the version it runs: the same as everywhere else.
    assert_contains "$installed_output" "rear-testrescue $VERSION"
    run diff <(echo "$before") <(echo "$after")
    [ "$status" -eq 0 ] || { echo "files that differ after purging the package: $output" >&2; false; }
    assert_no_leftovers
}
