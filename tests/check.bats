#!/usr/bin/env bats
#
# rescue-spawn --check (issue 3, points 1, 2, 4 and 6): both healthy real ReaR images PASS,
# run like cron runs it (stdin /dev/null, stdout a file), with complete reports; broken
# copies of them FAIL with the right reason; bad input exits 2. Nothing is left behind.
#
# The broken copies cost no copy of the 500 MB image: each is an overlay (lower: the cached
# healthy rootfs, upper: a directory under SPAWN_TMP) mounted in a private mount namespace
# (unshare) in which the breakage is applied and the helper runs; the mount goes away with
# that namespace. A breakage that a real build would have produced (a missing library, a
# missing program) also updates md5sums.txt the way 'rear mkrescue' would have written it,
# so that only the breakage under test can explain the verdict; the md5sums.txt case alone
# leaves it stale.
#
# Needs root and the real images: tests/fixtures/build-rear-image.sh builds and caches them
# (minutes the first time, well under a second afterwards). Runtime: about 3 minutes
# (21 tests, 5 of them for an inittab image alone; the healthy plain image alone takes ~45 s: ReaR waits for a udevd it lacks).
# REAR_TEST_SUITE=bullseye|trixie runs the same tests on that Debian release's images
# (tests/lib/releases.bash; tests/run-tests does it for each release of REAR_TEST_SUITES).

load lib/spawn
load lib/releases
load lib/check

# Long enough for the slowest case (ReaR's 10 s wait after a failed md5 check, systemd's
# start limits for a getty that cannot start), short enough that a hang ends the test.
CHECK_TIMEOUT=120

function setup_file () {
    spawn_require_helper
    spawn_tmp_create
    check_setup_images
    # Every file of the healthy images, to show at the end that no test wrote to them.
    for variant in plain systemd ; do
        image_listing "$( image_of "$variant" )" >"$SPAWN_TMP/listing-$variant"
    done
}

function teardown_file () {
    check_teardown_file
}

function teardown () {
    check_teardown
}

# ---- healthy images: PASS, with every report ----

# healthy_run VARIANT: the check of the healthy image, once per file (it takes ~15 s).
function healthy_run () {
    local dir="$SPAWN_TMP/healthy-$1"
    CASE_DIR="$dir"
    if test -f "$dir/status" ; then
        status="$( cat "$dir/status" )"
        return 0
    fi
    # The plain image's own power off fails at once (no systemctl), and the test wants to see
    # systemd say so: the immediate power off that ends a power off which does not finish
    # (at half the stop timeout) comes late enough for a loaded machine.
    run_check "$dir" "$( image_of "$1" )" --image-name="healthy-$1" --prometheus="$dir/metrics.prom" --stop-timeout=60
    echo "$status" >"$dir/status"
}

function assert_healthy_pass () {
    healthy_run "$1"
    assert_status 0
    assert_contains "$( cat "$CASE_DIR/stdout" )" "VERDICT: PASS" "stdout"
    assert_contains "$( cat "$CASE_DIR/report/summary.txt" )" "VERDICT: PASS" "summary.txt"
    if grep -q '^FAIL' "$CASE_DIR/report/summary.txt" ; then
        show_run
        spawn_fail "a check failed in a PASS"
    fi
    if image_init_is_systemd "$( image_of "$1" )" ; then
        assert_items_ok init ready-line prompt:tty0 login rear required-progs libraries units \
            rear-config layout backup kernel-modules
    else
        # ReaR's inittab: mingetty (agetty) on tty1..tty5; no systemd, no units to judge.
        assert_items_ok init ready-line prompt:tty1 prompt:tty2 prompt:tty3 prompt:tty4 prompt:tty5 login rear \
            required-progs libraries rear-config layout backup kernel-modules
        assert_item units ignored "does not boot with systemd"
    fi
    # The milestones on stderr.
    assert_contains "$( cat "$CASE_DIR/stderr" )" "ReaR's setup is ready"
    assert_contains "$( cat "$CASE_DIR/stderr" )" "login prompt on tty"
}

function assert_healthy_reports () {
    healthy_run "$1"
    local dir="$CASE_DIR/report" f
    for f in summary.txt report.json junit.xml tty-console.log ; do
        test -s "$dir/$f" || spawn_fail "no $f in the report directory: $( ls "$dir" )" || return 1
    done
    # The summary is what stdout showed.
    assert_equal "$( cat "$dir/summary.txt" )" "$( cat "$CASE_DIR/stdout" )" "summary.txt against stdout"
    # tty0 is the pty of tty1: its log shows the login prompt and the login.
    grep -q 'login:' "$dir/tty-tty1.log" || spawn_fail "no login prompt in tty-tty1.log: $( ls "$dir" )" || return 1
    grep -q 'Relax-and-Recover rescue system is ready' "$dir/tty-console.log" \
        || spawn_fail "no ready line in tty-console.log" || return 1
    # report.json: valid JSON, valid against the schema (when python3-jsonschema is there),
    # the same verdict and checks as the summary; junit.xml: well-formed, no failure.
    python3 - "$dir" "$SPAWN_WORK_TREE/doc/report.schema.json" "healthy-$1" >"$CASE_DIR/validate.out" 2>&1 <<'EOF' \
        || { cat "$CASE_DIR/validate.out" >&2 ; return 1 ; }
import json, os, sys
import xml.etree.ElementTree as ET
dir, schema_file, image = sys.argv[1:4]
report = json.load(open(os.path.join(dir, 'report.json')))
try:
    import jsonschema
except ImportError:
    print('# no python3-jsonschema: the schema is not checked')
else:
    jsonschema.validate(report, json.load(open(schema_file)))
assert report['verdict'] == 'PASS', 'the verdict in report.json is %s, expected PASS' % report['verdict']
assert report['image'] == image, report['image']
assert report['timings']['ready_seconds'] > 0, report['timings']
assert report['timings']['first_prompt_seconds'] > 0, report['timings']
summary = []
for line in open(os.path.join(dir, 'summary.txt')):
    words = line.split()
    if len(words) >= 2 and words[0] in ('ok', 'FAIL', 'ignored', 'warn'):
        summary.append((words[1], words[0].lower()))
checks = [(c['name'], c['status']) for c in report['checks']]
assert checks == summary, (checks, summary)
for tty in report['ttys']:
    if tty['log']:
        assert os.path.isfile(os.path.join(dir, tty['log'])), tty
prompts = {t['name']: t['prompt_seconds'] for t in report['ttys']}
assert prompts.get('tty1') or prompts.get('tty0'), prompts
suite = ET.parse(os.path.join(dir, 'junit.xml')).getroot()
suite = suite if suite.tag == 'testsuite' else suite.find('testsuite')
assert suite is not None and suite.get('failures') == '0', ET.tostring(suite)[:300]
cases = [c.get('name') for c in suite.iter('testcase')]
assert cases == [name for name, status in checks], (cases, checks)
assert not list(suite.iter('failure')), 'a <failure> in a PASS'
EOF
    # The Prometheus textfile.
    local metrics
    metrics="$( cat "$CASE_DIR/metrics.prom" )"
    printf '%s\n' "$metrics" | grep -qx "rear_testrescue_success{image=\"healthy-$1\"} 1" \
        || spawn_fail "no rear_testrescue_success 1 in:" "$metrics" || return 1
    printf '%s\n' "$metrics" | grep -q '^rear_testrescue_last_run_timestamp_seconds{' \
        || spawn_fail "no rear_testrescue_last_run_timestamp_seconds in:" "$metrics" || return 1
    printf '%s\n' "$metrics" | grep -q '^rear_testrescue_ready_seconds{' \
        || spawn_fail "no rear_testrescue_ready_seconds in:" "$metrics" || return 1
}

@test "the healthy systemd image PASSes, run as cron runs it (stdin /dev/null, stdout a file)" {
    assert_healthy_pass systemd
    # ReaR's poweroff script ends in 'systemctl --force poweroff': systemd powers off.
    assert_item shutdown ok "powered off"
    # The only getty in ReaR's units besides tty0 is serial-getty@ttyS0, bound to a device
    # unit: with udevd in the image, that is the container's limit, not the image's defect.
    assert_item prompt:ttyS0 ignored "udev device unit"
    assert_item shutdown-path ok
    if grep -q '^warn' "$CASE_DIR/report/summary.txt" ; then
        show_run
        spawn_fail "a warning on the image with udevd and systemctl"
    fi
    assert_has_line "$( cat "$CASE_DIR/stdout" )" "VERDICT: PASS"
}

@test "the healthy systemd image's reports: summary.txt, report.json (schema), junit.xml, tty logs, Prometheus file" {
    assert_healthy_reports systemd
}

@test "the healthy plain image PASSes, run as cron runs it (stdin /dev/null, stdout a file)" {
    assert_healthy_pass plain
    if ! image_init_is_systemd "$IMAGE_PLAIN" ; then
        # sysvinit (Debian 13's plain image, built on a sysvinit host): ReaR's inittab starts
        # the gettys and has no serial getty before the boot; 'poweroff' gets runlevel 0,
        # whose '/etc/scripts/do-shutdown halt' ends in 'halt -f'. Nothing to warn about.
        assert_item shutdown ok "halted"
        assert_has_line "$( cat "$CASE_DIR/stdout" )" "VERDICT: PASS"
        return 0
    fi
    # It has no systemctl: failed units are read from systemd's messages.
    assert_item units ok "from systemd's messages"
    # Nor systemctl for its poweroff.service: systemd says the power off failed, the
    # test asks for systemd's immediate power off at once. Reported, not judged.
    assert_item shutdown ignored "the image's power off failed; systemd's immediate power off ended it"
    # What a machine would hit: no udevd for serial-getty@ttyS0, no systemctl for poweroff.service.
    assert_item prompt:ttyS0 warn "serial-getty@ttyS0.service" "no udevd"
    assert_item shutdown-path warn "poweroff.service runs /bin/systemctl"
    assert_has_line "$( cat "$CASE_DIR/stdout" )" "VERDICT: PASS (2 warnings)"
    # systemd 252: "... failed for poweroff.target - Power-Off.", 247 (Debian 11): "... failed for Power-Off."
    grep -q '"excerpt": "[^"]*Dependency failed for [^"]*Power-Off' "$CASE_DIR/report/report.json" ||
        spawn_fail "report.json does not quote systemd's word that the power off failed"
}

@test "the healthy plain image's reports: summary.txt, report.json (schema), junit.xml, tty logs, Prometheus file" {
    assert_healthy_reports plain
}

# A unit whose stop never finishes: systemd's power off waits for it (TimeoutStopSec=infinity),
# as it would on a machine. The helper asks for the immediate power off at half the stop
# timeout (15 s) and says so; the shutdown is reported, not judged.
BREAK_STOP_HANGS='
    cat >etc/systemd/system/hold-stop.service <<UNIT
[Unit]
Description=A service whose stop never finishes
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/bin/sh -c "mkfifo /run/hold-stop && exec cat /run/hold-stop"
TimeoutStopSec=infinity
[Install]
WantedBy=multi-user.target
UNIT
    mkdir -p etc/systemd/system/multi-user.target.wants
    ln -s ../hold-stop.service etc/systemd/system/multi-user.target.wants/hold-stop.service'

@test "a power off that does not finish: the helper's immediate power off at half the stop timeout, reported as such" {
    break_image systemd stop-hangs "$BREAK_STOP_HANGS"
    assert_status 0
    assert_item shutdown ignored "the image's power off did not finish within 7.5 s (half the stop timeout); systemd's immediate power off ended it"
    assert_contains "$( cat "$CASE_DIR/stderr" )" "the image's power off does not finish: asking systemd to power off at once"
    assert_has_line "$( cat "$CASE_DIR/stdout" )" "VERDICT: PASS"
}

# ---- broken copies: FAIL, with the right reason ----
#
# Each breakage is booted once per file; a second test on the same breakage (the excerpt that
# says why) reads the reports of the first.

# Debian's agetty needs libc alone, and without libc nothing starts. So this agetty is one
# linked with libncursesw as well (needed by cfdisk alone among the image's ELF files), and
# libncursesw is not in the image (md5sums.txt as the build would write it).
BREAK_AGETTY_LIBRARY='
    add_needed bin/agetty libncursesw.so.6
    libs=$( find lib usr/lib -name "libncursesw.so.6*" )
    test -n "$libs"
    rm -f $libs
    refresh_md5sums bin/agetty $libs'

BREAK_AGETTY_REMOVED='
    rm bin/agetty
    refresh_md5sums bin/agetty'

# The first script system-setup sources ends it, as a script error under 'set -e' would.
BREAK_SETUP_DIES='
    script=etc/scripts/system-setup.d/00-functions.sh
    { echo "echo \"00-functions.sh: simulated error\" ; exit 1" ; cat $script ; } >$script.new
    cat $script.new >$script && rm $script.new
    refresh_md5sums $script'

BREAK_INIT_LIBRARY='
    libs=$( find usr/lib lib -name "libsystemd-shared-*.so" -type f )
    test -n "$libs"
    for lib in $libs ; do truncate -s 4096 $lib ; done
    refresh_md5sums $libs'

# One byte of a file that nothing reads at boot (a CA certificate), as bit rot would.
BREAK_MD5_MISMATCH='
    file=$( grep -m 1 -o "[.]/usr/share/ca-certificates/mozilla/.*[.]crt$" md5sums.txt )
    test -f "$file"
    old=$( dd if="$file" bs=1 skip=100 count=1 status=none )
    if test "$old" = A ; then new=B ; else new=A ; fi
    printf %s "$new" | dd of="$file" bs=1 seek=100 count=1 conv=notrunc status=none
    echo "changed byte 100 of $file from $old to $new"'

BREAK_REAR_REMOVED='
    rm bin/rear
    refresh_md5sums bin/rear'

@test "broken: a library agetty needs is missing -> FAIL libraries (names it), no prompt on tty0" {
    break_image systemd agetty-library "$BREAK_AGETTY_LIBRARY"
    assert_verdict_fail
    assert_item libraries FAIL "libncursesw.so.6" "/bin/agetty"
    assert_item prompt:tty0 FAIL "no login prompt"
    assert_item login FAIL
    assert_items_ok init ready-line rear required-progs
}

@test "broken: a library agetty needs is missing -> the excerpt of prompt:tty0 shows agetty failing" {
    break_image systemd agetty-library "$BREAK_AGETTY_LIBRARY"
    # systemd says on the console: "Child N (agetty) died (code=exited, status=127/n/a)".
    assert_item prompt:tty0 FAIL "agetty"
}

@test "broken: agetty is removed -> FAIL: no login prompt on tty0" {
    break_image systemd agetty-removed "$BREAK_AGETTY_REMOVED"
    assert_verdict_fail
    assert_item prompt:tty0 FAIL "no login prompt" "getty@tty0"
    assert_item login FAIL
    assert_items_ok init ready-line rear libraries
}

@test "broken: agetty is removed -> the excerpt of prompt:tty0 shows agetty missing" {
    break_image systemd agetty-removed "$BREAK_AGETTY_REMOVED"
    # systemd says on the console: "getty@tty0.service: Executable /sbin/agetty missing, ...".
    assert_item prompt:tty0 FAIL "/sbin/agetty"
}

@test "broken: system-setup dies before its ready line -> FAIL ready-line" {
    break_image systemd setup-dies "$BREAK_SETUP_DIES"
    assert_verdict_fail
    assert_item ready-line FAIL "never said it is ready"
    grep -q "00-functions.sh: simulated error" "$CASE_DIR/report/tty-console.log" \
        || spawn_fail "the breakage did not run: no 'simulated error' in tty-console.log"
    refute_contains "$( item_text ready-line )" "Possibly corrupted"
    assert_items_ok init rear libraries
}

@test "broken: system-setup dies before its ready line -> the excerpt of ready-line shows its last words" {
    break_image systemd setup-dies "$BREAK_SETUP_DIES"
    assert_item ready-line FAIL "00-functions.sh: simulated error"
}

@test "broken: a library init needs is corrupt (libsystemd-shared truncated) -> FAIL init" {
    break_image systemd init-library "$BREAK_INIT_LIBRARY"
    assert_verdict_fail
    # The loader maps the truncated library and init dies of SIGBUS before it prints anything.
    assert_item init FAIL "init stopped by itself"
    # Nothing ran, so nothing else can pass for it.
    assert_item ready-line FAIL
    assert_item login FAIL
}

@test "broken: a file no longer matches md5sums.txt -> FAIL ready-line (Possibly corrupted)" {
    break_image systemd md5-mismatch "$BREAK_MD5_MISMATCH"
    assert_verdict_fail
    assert_item ready-line FAIL "Possibly corrupted Relax-and-Recover rescue system"
    # The rest of the image is fine: that is the only failure.
    assert_contains "$( cat "$CASE_DIR/report/summary.txt" )" "checks failed: ready-line)"
}

@test "broken: a file no longer matches md5sums.txt -> the excerpt of ready-line names the file" {
    break_image systemd md5-mismatch "$BREAK_MD5_MISMATCH"
    file="$( sed -n 's/^changed byte 100 of \(.*\) from .*/\1/p' "$CASE_DIR/breakage.log" )"
    test -n "$file"
    # md5sum says on the console: "./usr/share/ca-certificates/mozilla/NAME.crt: FAILED".
    assert_item ready-line FAIL "$file: FAILED"
}

@test "broken: rear is removed -> FAIL rear" {
    break_image systemd rear-removed "$BREAK_REAR_REMOVED"
    assert_verdict_fail
    assert_item rear FAIL "rear -V"
    assert_items_ok init ready-line prompt:tty0 login libraries
}

# ---- the same defects on an image that boots from ReaR's inittab ----
#
# Debian 13's plain image is a sysvinit host's: sysvinit's init runs ReaR's inittab, whose
# gettys are mingetty (agetty) on tty1..tty5. Each defect above that is not systemd's own
# gives the same FAIL there, on tty1. The images of a systemd host have no such init.

function skip_unless_inittab_plain () {
    ! image_init_is_systemd "$IMAGE_PLAIN" || skip "the plain image boots with systemd (the cases above are its)"
}

@test "broken, inittab image: a library agetty needs is missing -> FAIL libraries (names it), no prompt on tty1" {
    skip_unless_inittab_plain
    break_image plain agetty-library-inittab "$BREAK_AGETTY_LIBRARY"
    assert_verdict_fail
    assert_item libraries FAIL "libncursesw.so.6" "/bin/agetty"
    # The loader's word, as init's child printed it on tty1.
    assert_item prompt:tty1 FAIL "no login prompt" "libncursesw.so.6"
    assert_items_ok init ready-line rear required-progs
    # ttyS0's getty (added at boot by 45-serial-console.sh) is /sbin/getty, a copy of
    # agetty of its own in ReaR's image: root still logs in there.
    assert_item login ok "ttyS0"
}

@test "broken, inittab image: agetty is removed -> FAIL: no login prompt on tty1" {
    skip_unless_inittab_plain
    break_image plain agetty-removed-inittab "$BREAK_AGETTY_REMOVED"
    assert_verdict_fail
    assert_item prompt:tty1 FAIL "no login prompt" "/etc/inittab line 15"
    assert_item prompt:tty5 FAIL "no login prompt" "/etc/inittab line 19"
    assert_items_ok init ready-line rear libraries
    assert_item login ok "ttyS0"
}

@test "broken, inittab image: system-setup dies before its ready line -> FAIL ready-line, with its last words" {
    skip_unless_inittab_plain
    break_image plain setup-dies-inittab "$BREAK_SETUP_DIES"
    assert_verdict_fail
    assert_item ready-line FAIL "never said it is ready" "00-functions.sh: simulated error"
    assert_items_ok init rear libraries
}

@test "broken, inittab image: a file no longer matches md5sums.txt -> FAIL ready-line (Possibly corrupted), naming the file" {
    skip_unless_inittab_plain
    break_image plain md5-mismatch-inittab "$BREAK_MD5_MISMATCH"
    assert_verdict_fail
    file="$( sed -n 's/^changed byte 100 of \(.*\) from .*/\1/p' "$CASE_DIR/breakage.log" )"
    test -n "$file"
    assert_item ready-line FAIL "Possibly corrupted Relax-and-Recover rescue system" "$file: FAILED"
    assert_contains "$( cat "$CASE_DIR/report/summary.txt" )" "checks failed: ready-line)"
}

@test "broken, inittab image: rear is removed -> FAIL rear" {
    skip_unless_inittab_plain
    break_image plain rear-removed-inittab "$BREAK_REAR_REMOVED"
    assert_verdict_fail
    assert_item rear FAIL "rear -V"
    assert_items_ok init ready-line prompt:tty1 login libraries
}

# ---- bad input ----

@test "--check on a directory without init exits 2 (bad input), before booting anything" {
    mkdir -p "$SPAWN_TMP/no-init/etc"
    run_check "$SPAWN_TMP/no-init-run" "$SPAWN_TMP/no-init"
    assert_status 2
    test -s "$CASE_DIR/stderr" || spawn_fail "no message on stderr"
    refute_contains "$( cat "$CASE_DIR/stdout" )" "VERDICT: PASS" "stdout"
}

# ---- the healthy images stayed as they were ----

@test "no test wrote to the cached healthy images" {
    for variant in plain systemd ; do
        image_listing "$( image_of "$variant" )" >"$SPAWN_TMP/listing-$variant.after"
        diff "$SPAWN_TMP/listing-$variant" "$SPAWN_TMP/listing-$variant.after" >&2 \
            || spawn_fail "the $variant image changed" || return 1
    done
}
