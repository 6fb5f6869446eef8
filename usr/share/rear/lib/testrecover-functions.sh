# testrecover-functions.sh
#
# Functions of the 'testrecover' workflow that more than one of its stage scripts
# (usr/share/rear/testrecover/default/) uses. Sourced by every 'rear' run
# (lib/[a-z]*.sh): only function definitions here.
#
# Variables the stage scripts hand to each other (not options, do not set them):
#   TESTRECOVER_RUN_REPORT     report directory of this run
#   TESTRECOVER_RUN_START      start of the run (seconds since the epoch, with fraction)
#   TESTRECOVER_RUN_DEADLINE   when the whole run must end (seconds since the epoch)
#   TESTRECOVER_RUN_LAYOUT     the image's disklayout.conf
#   TESTRECOVER_RUN_DISKS      "NAME:BYTES" of every disk of the layout
#   TESTRECOVER_RUN_BACKUP     the image's BACKUP; TESTRECOVER_RUN_BACKUP_URL its URL
#   TESTRECOVER_RUN_BACKUP_DIR the host directory holding the backup ("" with no backup)
#   TESTRECOVER_RUN_ARCHIVE    the backup archive on the host ("" with no archive)
#   TESTRECOVER_RUN_SCRATCH_FILES "NAME:/dev/fd/N" of each scratch disk's sparse file
#   TESTRECOVER_RUN_WATCHDOG_PID   the watchdog (testrecover_watchdog_start)
#   TESTRECOVER_RUN_LOOPS      "NAME:/dev/loopN" read-only loop devices of the restored disks
#   TESTRECOVER_RUN_TARGET     where the restored file systems are mounted (read-only)
#   TESTRECOVER_RUN_RECOVERED  yes when 'rear recover' finished successfully
#   TESTRECOVER_RUN_HELPER_PID the running helper ("" once stopped); TESTRECOVER_RUN_HELPER_INPUT its stdin (fd);
#                              TESTRECOVER_RUN_HELPER_STATUS its exit code once it ended

# Seconds since the epoch with milliseconds.
function testrecover_now () {
    date +%s.%3N
}

# Seconds (with milliseconds) since START.
function testrecover_seconds_since () {
    awk -v start="$1" -v now="$( testrecover_now )" 'BEGIN { printf "%.3f", now - start }'
}

# Record the result of a check: NAME STATUS(ok|FAIL|skipped|ignored) SECONDS REASON...
# One line a check in checks.tsv of the report directory, and in the log.
function testrecover_record () {
    local name="$1" status="$2" seconds="$3"
    shift 3
    local reason="$*"
    reason="${reason//$'\t'/ }"
    reason="${reason//$'\n'/ }"
    printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$seconds" "$reason" >>"$TESTRECOVER_RUN_REPORT/checks.tsv"
    if test "$status" = "FAIL" ; then
        LogPrintError "Check $name: FAIL ($reason)"
    else
        LogPrint "Check $name: $status ($reason, $seconds s)"
    fi
}

# The words given, joined with "; " (for a check's reason).
function testrecover_join () {
    local IFS=$'\x1f'
    local joined="$*"
    echo "${joined//$'\x1f'/; }"
}

# Seconds left until the deadline of the whole run (0 when it has passed).
function testrecover_seconds_left () {
    local left=$(( ${TESTRECOVER_RUN_DEADLINE%.*} - $( date +%s ) ))
    test $left -gt 0 || left=0
    echo $left
}

# The entries of KIND (disk, part, fs, ...) of the image's disklayout.conf that are
# not commented out, one a line.
function testrecover_layout_entries () {
    awk -v kind="$1" '$1 == kind' "$TESTRECOVER_RUN_LAYOUT"
}

# The value of KEY=VALUE among the words of a layout entry ("uuid=..." of an fs line).
function testrecover_layout_value () {
    local key="$1" word
    shift
    for word in "$@" ; do
        case "$word" in
            ("$key="*) echo "${word#"$key="}" ; return 0 ;;
        esac
    done
    return 1
}

# The host's device of a scratch device name of the layout (/dev/vda1 -> /dev/loop3p1),
# from the read-only loop devices of the restored disks.
function testrecover_host_device () {
    local device="${1#/dev/}" entry name loop
    for entry in "${TESTRECOVER_RUN_LOOPS[@]}" ; do
        name="${entry%%:*}"
        loop="${entry#*:}"
        case "$device" in
            ("$name") echo "$loop" ; return 0 ;;
            ("$name"p[0-9]*) echo "${loop}p${device#"$name"p}" ; return 0 ;;
            ("$name"[0-9]*) echo "${loop}p${device#"$name"}" ; return 0 ;;
        esac
    done
    return 1
}

# Start the helper in the background with ARGS, its output into OUTPUT, its stdin a
# FIFO that testrecover_type writes to. Should this rear die (even by SIGKILL), the
# helper gets SIGKILL (setpriv --pdeathsig), after which its guard cleans up.
# Sets TESTRECOVER_RUN_HELPER_PID.
function testrecover_helper_start () {
    local output="$1" fifo
    local -a with_parent=()
    shift
    has_binary setpriv && with_parent=( setpriv --pdeathsig KILL -- )
    fifo="$( mktemp -u "$TMP_DIR/testrecover-input.XXXXXX" )"
    mkfifo -m 0600 "$fifo" || return 1
    exec {TESTRECOVER_RUN_HELPER_INPUT}<>"$fifo"
    rm -f "$fifo"
    Log "Running: $TESTRESCUE_RUN_HELPER $*"
    "${with_parent[@]}" "$TESTRESCUE_RUN_HELPER" "$@" <&$TESTRECOVER_RUN_HELPER_INPUT >"$output" 2>&1 &
    TESTRECOVER_RUN_HELPER_PID=$!
    # rear ended early (an Error, SIGTERM): it waits for the helper's own cleanup.
    AddExitTask "testrecover_helper_stop_at_exit $TESTRECOVER_RUN_HELPER_PID"
}

# The exit task of the helper PID: stop it unless it was stopped already.
function testrecover_helper_stop_at_exit () {
    test "$1" = "$TESTRECOVER_RUN_HELPER_PID" || return 0
    testrecover_helper_stop
}

# Type TEXT on the console of the running helper (its stdin goes to the console).
function testrecover_type () {
    printf '%s' "$1" >&"$TESTRECOVER_RUN_HELPER_INPUT"
}

# True while the helper runs.
function testrecover_helper_running () {
    kill -0 "$TESTRECOVER_RUN_HELPER_PID" 2>/dev/null
}

# Ask the helper to end the container (SIGTERM: the image powers off; after
# 20 seconds SIGKILL, which the helper's guard cleans up after), wait for it.
# Sets TESTRECOVER_RUN_HELPER_STATUS (its exit code).
function testrecover_helper_stop () {
    local waited
    if testrecover_helper_running ; then
        kill -TERM "$TESTRECOVER_RUN_HELPER_PID" 2>/dev/null
        for (( waited = 0 ; waited < 200 ; waited++ )) ; do
            testrecover_helper_running || break
            sleep 0.1
        done
        testrecover_helper_running && kill -KILL "$TESTRECOVER_RUN_HELPER_PID" 2>/dev/null
    fi
    wait "$TESTRECOVER_RUN_HELPER_PID"
    TESTRECOVER_RUN_HELPER_STATUS=$?
    TESTRECOVER_RUN_HELPER_PID=""
    exec {TESTRECOVER_RUN_HELPER_INPUT}>&-
}

# Lines FROM..TO of FILE without carriage returns and terminal escape sequences
# (what a tty log holds).
function testrecover_log_lines () {
    local file="$1" from="$2" to="$3"
    test -f "$file" -a "$to" -ge "$from" || return 0
    sed -n -e "$from,${to}p" "$file" | sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g'
}

# Number of complete lines of FILE (0 when it does not exist).
function testrecover_line_count () {
    test -f "$1" || { echo 0 ; return 0 ; }
    wc -l <"$1"
}

# Start the watchdog: a process of its own that waits while this rear runs and,
# should rear end without its exit tasks (SIGKILL), does what they would have done
# for the rehearsal: unmount everything below the build area, detach the loop
# devices of testrecover_watchdog_add (only while they still show this run's
# scratch files, never a device that another program got since), and remove the
# build area unless it is kept ('rear -d'). The last exit task ends it (and ReaR's
# Error ends every process of rear's), so on any other end of rear it does nothing.
# A signal to rear's whole process group ends it too: then the scratch files still
# go (their last file descriptor closes), a read-only loop device of the checks
# (720) and a mount of them (735) may stay. Its output goes to the build area's
# testrecover-watchdog.log (removed with it).
function testrecover_watchdog_start () {
    TESTRECOVER_RUN_WATCHDOG_TASKS="$TMP_DIR/testrecover-watchdog.tasks"
    : >"$TESTRECOVER_RUN_WATCHDOG_TASKS"
    testrecover_watchdog $$ "$TESTRECOVER_RUN_WATCHDOG_TASKS" "$BUILD_DIR" "$KEEP_BUILD_DIR" \
        </dev/null >/dev/null 2>&1 &
    TESTRECOVER_RUN_WATCHDOG_PID=$!
    # Exit tasks run last added first: this one last.
    AddExitTask "kill $TESTRECOVER_RUN_WATCHDOG_PID"
}

# Tell the watchdog what to undo beyond the mounts below the build area (which it
# finds itself): "loop /dev/loopN" to detach, "group PGID" (a process group of
# testrecover_start_group) to end should rear be killed.
function testrecover_watchdog_add () {
    echo "$1" >>"$TESTRECOVER_RUN_WATCHDOG_TASKS"
}

# Start COMMAND... in the background in a process group of its own, its PID (the
# group's ID) in TESTRECOVER_RUN_GROUP_PID, still a child of rear (wait works).
# ReaR's exit ends rear's descendants one by one, a second apart: a process that a
# descendant starts meanwhile escapes it, and would go on writing into the build
# area while ReaR removes it. A group is ended at once, whatever it started since:
# by the exit task added here, which waits until the group is gone (ahead of the
# build area's removal), and by the watchdog should rear be killed.
function testrecover_start_group () {
    set -m
    "$@" </dev/null &
    TESTRECOVER_RUN_GROUP_PID=$!
    set +m
    AddExitTask "testrecover_end_group $TESTRECOVER_RUN_GROUP_PID"
    testrecover_watchdog_add "group $TESTRECOVER_RUN_GROUP_PID"
}

# End the process group PGID (SIGKILL) and wait up to 10 s until none of it is left.
# The kernel reuses no PID as long as a process group of that ID exists: the signal
# reaches this run's processes only.
function testrecover_end_group () {
    local pgid="$1" i
    test "$pgid" -gt 1 2>/dev/null || return 0
    kill -KILL -- "-$pgid" 2>/dev/null || return 0
    for (( i = 0 ; i < 100 ; i++ )) ; do
        kill -0 -- "-$pgid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "Processes of group $pgid did not end within 10 s" >&2
    return 1
}

# The watchdog itself (in the background): REAR_PID TASKS BUILD_DIR KEEP_BUILD_DIR.
function testrecover_watchdog () {
    local rear_pid="$1" tasks="$2" build_dir="$3" keep="$4" fd kind what
    # Never anything but a build area of ReaR's (an absolute directory, not /), never
    # while its rear may run:
    test "$rear_pid" -gt 1 2>/dev/null || return 1
    case "$build_dir" in
        (/?*/rear.*) test -d "$build_dir" || return 1 ;;
        (*) return 1 ;;
    esac
    # Nothing of rear's stays open here (a reader of rear's output must see its end):
    for fd in "/proc/$BASHPID/fd/"* ; do
        fd="${fd##*/}"
        test "$fd" -gt 2 2>/dev/null && eval "exec $fd>&-"
    done
    while kill -0 "$rear_pid" 2>/dev/null ; do
        sleep 0.5
    done
    # rear is gone without its exit tasks:
    exec >>"$build_dir/testrecover-watchdog.log" 2>&1
    echo "rear (PID $rear_pid) ended without its exit tasks: cleaning up"
    while read -r kind what ; do
        test "$kind" = "group" && testrecover_end_group "$what"
    done <"$tasks"
    awk -v dir="$build_dir/" 'index($5, dir) == 1 { print length($5), $5 }' /proc/self/mountinfo \
        | sort -rn | cut -d ' ' -f 2- | while read -r what ; do umount -l "$what" ; done
    while read -r kind what ; do
        test "$kind" = "loop" || continue
        losetup -n -O BACK-FILE "$what" 2>/dev/null | grep -q "/testrecover-$rear_pid-" && losetup -d "$what"
    done <"$tasks"
    is_true "$keep" || rm -rf --one-file-system "$build_dir"
}

