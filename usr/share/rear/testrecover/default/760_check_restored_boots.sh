# 760_check_restored_boots.sh
#
# Check 'restored-boots': the restored system boots in a container from its own
# root file system (mounted read-only on the host, through the helper's overlay,
# whose changes are thrown away) with the kernel command line of its boot loader's
# first entry, until its default target is reached and a login prompt shows, with
# no failed unit; then it is powered off. Units that cannot work in any container
# (kernel modules and parameters, udev, the root's remount, a serial line, kernel
# file systems a user namespace cannot mount: hugetlbfs, fusectl, debugfs, tracefs,
# configfs) are reported as ignored. Its console and terminals are in restored-ttys/.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local start target cmdline deadline ttys="$TESTRECOVER_RUN_REPORT/restored-ttys" console reached="" prompt=""
local line unit exit_code done_lines=0 total settled=0 timeout="$TESTRECOVER_BOOT_TIMEOUT"
local -a failed=() ignored=() options=()
start="$( testrecover_now )"
console="$ttys/tty-console.log"

if ! test "$TESTRECOVER_RUN_ARCHIVE" ; then
    testrecover_record restored-boots skipped "$( testrecover_seconds_since "$start" )" "BACKUP=$TESTRECOVER_RUN_BACKUP: nothing was restored here, there is no restored system to boot"
    return 0
fi
if test "$TESTRECOVER_RUN_MOUNTED" != "yes" -o ! -e "$TESTRECOVER_RUN_TARGET/sbin/init" ; then
    testrecover_record restored-boots FAIL "$( testrecover_seconds_since "$start" )" "the restored system has no root file system with /sbin/init"
    return 0
fi
target="$( readlink "$TESTRECOVER_RUN_TARGET/etc/systemd/system/default.target" 2>/dev/null || readlink "$TESTRECOVER_RUN_TARGET/lib/systemd/system/default.target" 2>/dev/null )"
target="${target##*/}"
test "$target" || target="multi-user.target"
cmdline="$( awk '$1 == "linux" || $1 == "linux16" { $1 = "BOOT_IMAGE=" $2 ; $2 = "" ; print ; exit }' "$TESTRECOVER_RUN_TARGET/boot/grub/grub.cfg" 2>/dev/null | sed -e 's/ console=[^ ]*//g' -e 's/  */ /g' )"
test "$cmdline" || cmdline="BOOT_IMAGE=kernel ro"
mkdir -p "$ttys"
# Within the deadline of the whole run (TESTRECOVER_TIMEOUT):
test "$( testrecover_seconds_left )" -lt "$timeout" && timeout="$( testrecover_seconds_left )"
if test "$timeout" -le 0 ; then
    testrecover_record restored-boots FAIL 0 "the timeout of $TESTRECOVER_TIMEOUT seconds (TESTRECOVER_TIMEOUT) expired before the restored system could boot"
    return 0
fi

options=( "--log-dir=$ttys" "--cmdline=$cmdline" "--timeout=$timeout" "--image-name=restored system of $TESTRESCUE_RUN_INPUT" )
is_false "$TESTRESCUE_SKIP_IDLE_SLEEPS" && options+=( "--real-sleeps" )
LogPrint "Booting the restored system to $target (timeout $timeout seconds)"
testrecover_helper_start "$TESTRECOVER_RUN_REPORT/restored-helper.log" "${options[@]}" "$TESTRECOVER_RUN_TARGET" \
    || Error "Cannot start $TESTRESCUE_RUN_HELPER"
deadline=$(( $( date +%s ) + timeout ))
while testrecover_helper_running && test "$( date +%s )" -lt "$deadline" ; do
    sleep 0.5
    total="$( testrecover_line_count "$console" )"
    while read -r line ; do
        case "$line" in
            (*"Reached target $target"*) reached="yes" ;;
            # systemd's "UNIT: Failed with result '...'." names the unit whole (its
            # "[FAILED] Failed to start ..." lines cut it to the terminal's width):
            (*.*": Failed with result "*)
                unit="${line%%: Failed with result *}"
                failed+=( "${unit##* }" )
                ;;
        esac
    done < <( testrecover_log_lines "$console" $(( done_lines + 1 )) "$total" )
    done_lines=$total
    test "$prompt" || prompt="$( grep -l -a 'login: *$' "$ttys"/tty-*.log 2>/dev/null | head -n 1 )"
    # A unit that fails a moment after the prompt still counts: two more rounds.
    if test "$reached" -a "$prompt" ; then
        settled=$(( settled + 1 ))
        test $settled -gt 2 && break
    fi
done
testrecover_helper_stop
exit_code=$TESTRECOVER_RUN_HELPER_STATUS
Log "$TESTRESCUE_RUN_HELPER exited with $exit_code after booting the restored system"

# What no container can give a system (as in the README of 'rear testrescue'):
local -a real_failures=()
for unit in "${failed[@]}" ; do
    case "$unit" in
        (systemd-udev-trigger.service|systemd-udevd.service|systemd-modules-load.service|systemd-sysctl.service|systemd-remount-fs.service|systemd-vconsole-setup.service|serial-getty@ttyS0.service|systemd-binfmt.service|dev-hugepages.mount|sys-fs-fuse-connections.mount|sys-kernel-debug.mount|sys-kernel-tracing.mount|sys-kernel-config.mount)
            ignored+=( "$unit" ) ;;
        (*) real_failures+=( "$unit" ) ;;
    esac
done
test ${#ignored[@]} -gt 0 && testrecover_record restored-units-ignored ignored 0 "failed, but not the restored system's fault in a container: ${ignored[*]}"

if test ${#real_failures[@]} -gt 0 ; then
    testrecover_record restored-boots FAIL "$( testrecover_seconds_since "$start" )" "failed units: ${real_failures[*]}"
elif ! test "$reached" ; then
    testrecover_record restored-boots FAIL "$( testrecover_seconds_since "$start" )" "$target was not reached in $timeout seconds: $( testrecover_log_lines "$console" 1 "$( testrecover_line_count "$console" )" | grep -v '^$' | tail -n 1 )"
elif ! test "$prompt" ; then
    testrecover_record restored-boots FAIL "$( testrecover_seconds_since "$start" )" "$target reached, but no login prompt on any terminal"
else
    testrecover_record restored-boots ok "$( testrecover_seconds_since "$start" )" "booted to $target, login prompt on $( basename "$prompt" .log | sed "s/^tty-//" ), no failed unit"
fi
