#!/usr/bin/env bats
#
# Concurrency (issue 13, point 5): four --check runs at once, both real ReaR images twice
# each, give the same verdicts, item by item, as one run of each image at a time; every run
# has its own cgroups, runtime directory and report; nothing is left behind, the cached
# images are not written to.
#
# Needs root and the real images (tests/fixtures/build-rear-image.sh). Runtime: about
# 40 s (two runs one at a time, then four at once on this machine's two CPUs).

load lib/spawn

CHECK_TIMEOUT=180

function setup_file () {
    spawn_require_helper
    spawn_tmp_create
    IMAGE_PLAIN="$( "$SPAWN_WORK_TREE/tests/fixtures/build-rear-image.sh" plain )"
    IMAGE_SYSTEMD="$( "$SPAWN_WORK_TREE/tests/fixtures/build-rear-image.sh" systemd )"
    test -x "$IMAGE_PLAIN/init" -a -x "$IMAGE_SYSTEMD/init" \
        || spawn_fail "no real ReaR image: '$IMAGE_PLAIN' '$IMAGE_SYSTEMD'"
    export IMAGE_PLAIN IMAGE_SYSTEMD
}

function teardown_file () {
    spawn_tmp_remove
}

# The verdict and every item's name and status of a summary.txt, one a line: what must
# not depend on what else runs (times, counts and excerpts may).
function outcome () {
    awk '/^(ok|FAIL|ignored) / { print $1, $2 } /^VERDICT:/ { print $1, $2 }' "$1"
}

# check_in_background NAME ROOTFS: --check with its reports in SPAWN_TMP/NAME; PID in $!
function check_in_background () {
    mkdir -p "$SPAWN_TMP/$1"
    "$RESCUE_SPAWN" --check --timeout="$CHECK_TIMEOUT" --report-dir="$SPAWN_TMP/$1/report" "$2" \
        </dev/null >"$SPAWN_TMP/$1/stdout" 2>"$SPAWN_TMP/$1/stderr" 3>&- &
}

@test "four --check at once (two images, twice each) give the verdicts of one at a time, nothing left" {
    local image name pids=() status_of=() rc i listing_plain listing_systemd
    listing_plain="$( find "$IMAGE_PLAIN" -xdev -printf '%P %y %m %s %T@ %C@\n' | LC_ALL=C sort | md5sum )"
    listing_systemd="$( find "$IMAGE_SYSTEMD" -xdev -printf '%P %y %m %s %T@ %C@\n' | LC_ALL=C sort | md5sum )"
    # One at a time:
    for image in plain systemd ; do
        name="alone-$image"
        if test $image = plain ; then check_in_background "$name" "$IMAGE_PLAIN" ; else check_in_background "$name" "$IMAGE_SYSTEMD" ; fi
        rc=0
        wait $! || rc=$?
        echo "$rc" >"$SPAWN_TMP/$name/rc"
    done
    assert_no_leftovers
    # Four at once:
    for i in 1 2 ; do
        check_in_background "together-plain-$i" "$IMAGE_PLAIN"
        pids+=( $! )
        check_in_background "together-systemd-$i" "$IMAGE_SYSTEMD"
        pids+=( $! )
    done
    local names=( together-plain-1 together-systemd-1 together-plain-2 together-systemd-2 )
    for i in 0 1 2 3 ; do
        rc=0
        wait "${pids[$i]}" || rc=$?
        echo "$rc" >"$SPAWN_TMP/${names[$i]}/rc"
    done
    for name in "${names[@]}" ; do
        image="${name#together-}"
        image="${image%-[12]}"
        assert_equal "$( cat "$SPAWN_TMP/$name/rc" )" "$( cat "$SPAWN_TMP/alone-$image/rc" )" "exit status of $name"
        assert_equal "$( outcome "$SPAWN_TMP/$name/report/summary.txt" )" \
                     "$( outcome "$SPAWN_TMP/alone-$image/report/summary.txt" )" "outcome of $name"
        # Its own report: its own image, a login on its own terminal.
        assert_contains "$( cat "$SPAWN_TMP/$name/report/summary.txt" )" "image:        $( image_path "$image" )"
        assert_contains "$( cat "$SPAWN_TMP/$name/report/tty-tty1.log" )" "rescue-login-42"
    done
    # Each of the four printed its own verdict:
    local helpers
    helpers="$( cat "$SPAWN_TMP"/together-*/stderr | grep -c 'verdict: ' )"
    assert_equal "$helpers" 4 "verdicts printed"
    assert_no_leftovers
    assert_equal "$( find "$IMAGE_PLAIN" -xdev -printf '%P %y %m %s %T@ %C@\n' | LC_ALL=C sort | md5sum )" "$listing_plain" "plain image listing"
    assert_equal "$( find "$IMAGE_SYSTEMD" -xdev -printf '%P %y %m %s %T@ %C@\n' | LC_ALL=C sort | md5sum )" "$listing_systemd" "systemd image listing"
}

function image_path () {
    if test "$1" = plain ; then echo "$IMAGE_PLAIN" ; else echo "$IMAGE_SYSTEMD" ; fi
}
