# tests/lib/rear-env.bash -- run the installed Debian 'rear' with this work tree's
# rear-testrescue files, without touching /usr/share/rear, /etc/rear or /var/lib/rear.
#
# rear_env_setup DIR    makes in DIR (which must be empty or missing):
#   DIR/usr/sbin/rear        a copy of /usr/sbin/rear whose SHARE_DIR and VAR_DIR point into DIR
#                            (its LOG_DIR is DIR/var/log/rear because it runs "from a checkout")
#   DIR/usr/share/rear       a copy of /usr/share/rear with usr/share/rear of the work tree on top
#   DIR/etc/rear             the config dir (rear -c): os.conf, local.conf (see rear_env_config)
#   DIR/var/lib/rear         VAR_DIR (ISO_DIR, PXE_TFTP_PATH, PXE_CONFIG_PATH and TESTRESCUE_REPORT_DIR are below it)
#   DIR/tmp                  TMPDIR for rear (build directories), the only place searched for
#                            kept build directories (TESTRESCUE_BUILD_AREAS)
# rear_env_run ARGS...   runs that rear with -c DIR/etc/rear; sets $status and $output like bats 'run'
#                        (use it through 'run rear_env_rear ARGS...' in bats)
# rear_env_teardown DIR  removes DIR (refuses when something is mounted below it)
# rear_env_scheduled_test  runs usr/lib/rear-testrescue/scheduled-test of the work tree as
#                        the timer does, with that rear first in PATH (for bats: 'run
#                        --separate-stderr rear_env_scheduled_test')

REAR_ENV_WORK_TREE="$( cd "$( dirname "${BASH_SOURCE[0]}" )/../.." && pwd )"

function rear_env_setup () {
    local dir="$1"
    mkdir -p "$dir"
    REAR_ENV_DIR="$( cd "$dir" && pwd )"
    mkdir -p "$REAR_ENV_DIR/usr/sbin" "$REAR_ENV_DIR/usr/share" "$REAR_ENV_DIR/etc/rear" \
             "$REAR_ENV_DIR/var/lib/rear/output" "$REAR_ENV_DIR/var/log/rear" "$REAR_ENV_DIR/tmp"
    cp -a /usr/share/rear "$REAR_ENV_DIR/usr/share/rear"
    cp -a "$REAR_ENV_WORK_TREE/usr/share/rear/." "$REAR_ENV_DIR/usr/share/rear/"
    sed -e "s|^SHARE_DIR=\"/usr/share/rear\"\$|SHARE_DIR=\"$REAR_ENV_DIR/usr/share/rear\"|" \
        -e "s|^VAR_DIR=\"/var/lib/rear\"\$|VAR_DIR=\"$REAR_ENV_DIR/var/lib/rear\"|" \
        /usr/sbin/rear >"$REAR_ENV_DIR/usr/sbin/rear"
    chmod 0755 "$REAR_ENV_DIR/usr/sbin/rear"
    grep -q "^SHARE_DIR=\"$REAR_ENV_DIR/usr/share/rear\"\$" "$REAR_ENV_DIR/usr/sbin/rear" || return 1
    grep -q "^VAR_DIR=\"$REAR_ENV_DIR/var/lib/rear\"\$" "$REAR_ENV_DIR/usr/sbin/rear" || return 1
    touch "$REAR_ENV_DIR/etc/rear/os.conf"
    rear_env_config ""
    export REAR_ENV_DIR
}

# Write DIR/etc/rear/local.conf: the private defaults, then the text given.
function rear_env_config () {
    {
        echo "PXE_TFTP_PATH=\$VAR_DIR/output"
        echo "PXE_CONFIG_PATH=\$VAR_DIR/output"
        echo "TESTRESCUE_BUILD_AREAS=( $REAR_ENV_DIR/tmp )"
        echo "TESTRESCUE_REPORT_DIR=\$VAR_DIR/testrescue"
        echo "$1"
    } >"$REAR_ENV_DIR/etc/rear/local.conf"
}

# Run the private rear. Waits while another rear runs (ReaR allows one at a time).
function rear_env_rear () {
    local tries=0 rc out
    while : ; do
        rc=0
        out="$( TMPDIR="$REAR_ENV_DIR/tmp" "$REAR_ENV_DIR/usr/sbin/rear" -c "$REAR_ENV_DIR/etc/rear" "$@" 2>&1 )" || rc=$?
        if test $rc -ne 0 && grep -q "is already running with PID" <<<"$out" && test $tries -lt 120 ; then
            tries=$(( tries + 1 ))
            sleep 5
            continue
        fi
        break
    done
    printf '%s\n' "$out"
    return $rc
}

# scheduled-test waits for a running rear, but another one may start between its wait and
# its 'rear testrescue' (the image builds of other tests): then it runs again.
function rear_env_scheduled_test () {
    local tries=0 rc out err
    out="$REAR_ENV_DIR/scheduled-test.out"
    err="$REAR_ENV_DIR/scheduled-test.err"
    while : ; do
        rc=0
        PATH="$REAR_ENV_DIR/usr/sbin:$PATH" TMPDIR="$REAR_ENV_DIR/tmp" \
            "$REAR_ENV_WORK_TREE/usr/lib/rear-testrescue/scheduled-test" -c "$REAR_ENV_DIR/etc/rear" \
            </dev/null >"$out" 2>"$err" || rc=$?
        if grep -q "is already running with PID" "$err" && test $tries -lt 120 ; then
            tries=$(( tries + 1 ))
            sleep 5
            continue
        fi
        break
    done
    cat "$out"
    cat "$err" >&2
    return $rc
}

# The rear log of the last run.
function rear_env_log () {
    cat "$REAR_ENV_DIR"/var/log/rear/rear-*.log 2>/dev/null
}

# True when the private TMPDIR holds nothing (no build directory left behind).
function rear_env_tmp_is_empty () {
    test -z "$( ls -A "$REAR_ENV_DIR/tmp" )"
}

function rear_env_teardown () {
    local dir="${1:-$REAR_ENV_DIR}"
    test "$dir" -a -d "$dir" || return 0
    if grep -q " $dir/" /proc/self/mounts ; then
        echo "rear_env_teardown: something is mounted below $dir" >&2
        return 1
    fi
    rm -rf --one-file-system "$dir"
}

# Write a stand-in for rescue-spawn to DIR/fake-rescue-spawn and print its path.
# It follows the command-line contract (helper/CONTRACT.md) as far as the workflow
# needs it: records its arguments in DIR/fake-helper.args (one a line), the tree it
# was given in DIR/fake-helper.tree (path mode uid gid type, sorted), writes
# summary.txt into --report-dir, and exits with the content of DIR/fake-helper.rc (default 0).
function rear_env_fake_helper () {
    local fake="$REAR_ENV_DIR/fake-rescue-spawn"
    cat >"$fake" <<'FAKE'
#!/bin/bash
dir="$( dirname "$0" )"
test "$1" = --version && { echo "rescue-spawn 0.0-stand-in" ; exit 0 ; }
printf '%s\n' "$@" >"$dir/fake-helper.args"
report_dir=""
rootfs=""
for arg in "$@" ; do
    case "$arg" in
        (--report-dir=*) report_dir="${arg#--report-dir=}" ;;
        (--log-dir=*) report_dir="${arg#--log-dir=}" ;;
        (-*) ;;
        (*) rootfs="$arg" ;;
    esac
done
test -d "$rootfs" || { echo "fake-rescue-spawn: $rootfs: not a directory" >&2 ; exit 2 ; }
( cd "$rootfs" && find . -printf '%p %m %U %G %y\n' | LC_ALL=C sort ) >"$dir/fake-helper.tree"
rc=$( cat "$dir/fake-helper.rc" 2>/dev/null || echo 0 )
if test "$report_dir" ; then
    mkdir -p "$report_dir"
    test "$rc" = 0 && echo "PASS $rootfs" >"$report_dir/summary.txt" || echo "FAIL $rootfs" >"$report_dir/summary.txt"
fi
exit "$rc"
FAKE
    chmod 0755 "$fake"
    echo "$fake"
}
