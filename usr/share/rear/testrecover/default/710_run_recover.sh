# 710_run_recover.sh
#
# Check 'recover': boot the rescue system with one scratch disk for each disk of
# its layout (same name and size, the sparse files of 700), the backup bound
# read-only (with the rehearsal's configuration of 525, if any, over /etc/rear),
# and 'unattended' on its kernel command line, so that its
# own boot script runs 'rear recover' in ReaR's unattended mode. Its log directory
# /var/log/rear is bound to recover-log/ of the report. While it runs:
#   - a question of ReaR (a line "(default '...' timeout N seconds)") is answered
#     with its default (Enter) and logged in questions.txt; the same question asked
#     a fourth time means the recovery waits for input that it cannot get: FAIL;
#   - "'rear recover' finished successfully" or "... failed" on the console ends it:
#     the container is powered off (ReaR would reboot after 30 seconds);
#   - BACKUP=REQUESTRESTORE (ReaR's "Please restore your backup in the provided
#     shell" and a shell): nothing can be restored here, the shell is left with
#     'exit' and 'y' (logged in questions.txt), ReaR goes on (its finalize finds
#     no restored system to install the boot loader into);
#   - the deadline of the whole run (TESTRECOVER_TIMEOUT) ends it with FAIL.
# Sets TESTRECOVER_RUN_RECOVERED (yes/no).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local start disk file console done_lines=0 total line question="" previous="" asked=0 outcome="" reason
local log_dir="$TESTRECOVER_RUN_REPORT/recover-log" first_error exit_code
local -a options=()
start="$( testrecover_now )"
TESTRECOVER_RUN_RECOVERED="no"
mkdir -p "$log_dir" "$TESTRECOVER_RUN_REPORT/recover-ttys" || Error "Cannot create $log_dir"
console="$TESTRECOVER_RUN_REPORT/recover-ttys/tty-console.log"

if test "$( testrecover_seconds_left )" -eq 0 ; then
    testrecover_record recover FAIL 0 "the timeout of $TESTRECOVER_TIMEOUT seconds (TESTRECOVER_TIMEOUT) expired before 'rear recover' could start"
    return 0
fi
for disk in "${TESTRECOVER_RUN_DISKS[@]}" ; do
    for file in "${TESTRECOVER_RUN_SCRATCH_FILES[@]}" ; do
        test "${file%%:*}" = "${disk%%:*}" && options+=( "--scratch-disk=$disk:${file#*:}" )
    done
done
test "$TESTRECOVER_RUN_BACKUP_BIND" && options+=( "--bind-ro=$TESTRECOVER_RUN_BACKUP_BIND" )
test "$TESTRECOVER_RUN_CONFIG" && options+=( "--bind-ro=$TESTRECOVER_RUN_CONFIG:/etc/rear" )
options+=( "--scratch-layout=$TESTRECOVER_RUN_LAYOUT" "--keys-to-console"
           "--bind=$log_dir:/var/log/rear" "--log-dir=$TESTRECOVER_RUN_REPORT/recover-ttys"
           "--cmdline=BOOT_IMAGE=kernel rescue-spawn unattended" "--timeout=$( testrecover_seconds_left )"
           "--image-name=$TESTRESCUE_RUN_INPUT" )
# The terminals and sleeps as for 'rear testrescue'; the command line is ours.
local -a options_saved=( "${options[@]}" ) option
options=()
testrescue_add_common_options
for option in "${options[@]}" ; do
    case "$option" in
        (--cmdline=*) ;;
        (*) options_saved+=( "$option" ) ;;
    esac
done
options=( "${options_saved[@]}" )

LogPrint "Running 'rear recover' unattended in the rescue system on scratch disks ${TESTRECOVER_RUN_DISKS[*]}"
testrecover_helper_start "$TESTRECOVER_RUN_REPORT/recover-helper.log" "${options[@]}" "${TESTRECOVER_HELPER_OPTIONS[@]}" "$TESTRESCUE_RUN_ROOTFS" \
    || Error "Cannot start $TESTRESCUE_RUN_HELPER"

while testrecover_helper_running && test -z "$outcome" ; do
    sleep 0.5
    total="$( testrecover_line_count "$console" )"
    while read -r line ; do
        case "$line" in
            (*"'rear recover' finished successfully"*)
                outcome="finished" ;;
            (*"'rear recover' failed"*)
                outcome="failed" ;;
            (*"in the shell to continue recovery."*|*"type exit in the shell to continue")
                # ReaR's shell for the admin's restore (BACKUP=REQUESTRESTORE), then
                # its question "Did you restore the backup ... ?" (read -p):
                printf '%s\n' "ReaR's shell to restore the backup (BACKUP=$TESTRECOVER_RUN_BACKUP): left with 'exit', 'y': nothing restored" >>"$TESTRECOVER_RUN_REPORT/questions.txt"
                LogPrint "ReaR asks to restore the backup in its shell (BACKUP=$TESTRECOVER_RUN_BACKUP): nothing can be restored here, leaving it"
                testrecover_type $'exit\n'
                sleep 1
                testrecover_type $'y\n'
                ;;
            (*"timeout "[0-9]*" seconds)")
                # ReaR's UserInput prints its prompt, then this line:
                if test "$previous" = "$question" ; then
                    asked=$(( asked + 1 ))
                else
                    question="$previous"
                    asked=1
                fi
                if test $asked -gt 3 ; then
                    outcome="waits"
                else
                    printf '%s %s\n' "$line" "$question" >>"$TESTRECOVER_RUN_REPORT/questions.txt"
                    LogPrint "ReaR asked '$question' $line: answered with its default"
                    testrecover_type $'\n'
                fi
                ;;
        esac
        test "$line" && previous="$line"
    done < <( testrecover_log_lines "$console" $(( done_lines + 1 )) "$total" )
    done_lines=$total
done
testrecover_helper_stop
exit_code=$TESTRECOVER_RUN_HELPER_STATUS
Log "$TESTRESCUE_RUN_HELPER exited with $exit_code"

first_error="$( grep -h -m 1 'ERROR:' "$log_dir"/rear-*.log 2>/dev/null | head -n 1 )"
case "$outcome" in
    (finished)
        TESTRECOVER_RUN_RECOVERED="yes"
        testrecover_record recover ok "$( testrecover_seconds_since "$start" )" "'rear recover' finished successfully (exit status 0)"
        ;;
    (failed)
        testrecover_record recover FAIL "$( testrecover_seconds_since "$start" )" "'rear recover' failed (exit status not 0): ${first_error:-no ERROR line in its log}"
        ;;
    (waits)
        testrecover_record recover FAIL "$( testrecover_seconds_since "$start" )" "'rear recover' waits for input: '$question' (asked $asked times, answered with its default)"
        ;;
    (*)
        if test "$( testrecover_seconds_left )" -eq 0 ; then
            reason="the timeout of $TESTRECOVER_TIMEOUT seconds (TESTRECOVER_TIMEOUT) expired during 'rear recover'"
        else
            reason="the rescue system ended (rescue-spawn exit code $exit_code) before 'rear recover' finished"
        fi
        testrecover_record recover FAIL "$( testrecover_seconds_since "$start" )" "$reason${first_error:+: $first_error}"
        ;;
esac
