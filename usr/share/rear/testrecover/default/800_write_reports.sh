# 800_write_reports.sh
#
# The reports of the rehearsal from the checks recorded in checks.tsv, into the
# report directory: summary.txt, report.json (schema "rear-testrecover/1", see
# doc/testrecover-report.md), junit.xml and, with TESTRECOVER_PROMETHEUS_FILE, a
# node_exporter textfile (rear_testrecover_*), written atomically.
# The verdict: PASS when every check of the rehearsal is ok (or skipped for a
# backup method that restores nothing). Sets TESTRECOVER_RUN_VERDICT.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local report="$TESTRECOVER_RUN_REPORT" name status seconds reason total failed=0 count=0 separator=""
local -a failed_names=() missing=()
# The archive as the admin knows it (not the build area's copy taken out of an ISO):
local archive="$TESTRECOVER_RUN_ARCHIVE"
test "$TESTRECOVER_RUN_BACKUP_ISO" && archive="$TESTRECOVER_RUN_BACKUP_ISO:$TESTRECOVER_RUN_BACKUP_ISO_MEMBER"
local -a expected=( rescue-boots recover layout restore bootloader restored-boots )
total="$( testrecover_seconds_since "$TESTRECOVER_RUN_START" )"

for name in "${expected[@]}" ; do
    awk -F '\t' -v name="$name" '$1 == name { found = 1 } END { exit !found }' "$report/checks.tsv" || missing+=( "$name" )
done
for name in "${missing[@]}" ; do
    testrecover_record "$name" FAIL 0 "not run: the rehearsal ended before this check"
done
while IFS=$'\t' read -r name status seconds reason ; do
    test "$status" = "ignored" && continue
    count=$(( count + 1 ))
    if test "$status" = "FAIL" ; then
        failed=$(( failed + 1 ))
        failed_names+=( "$name" )
    fi
done <"$report/checks.tsv"
if test $failed -eq 0 ; then
    TESTRECOVER_RUN_VERDICT="PASS"
else
    TESTRECOVER_RUN_VERDICT="FAIL"
fi

function testrecover_json_string () {
    local s="$1"
    s="${s//\\/\\\\}"
    s="${s//\"/\\\"}"
    s="${s//$'\t'/\\t}"
    s="$( tr -d '\000-\010\013-\037' <<<"$s" )"
    printf '"%s"' "$s"
}
function testrecover_xml_string () {
    local s="$1"
    s="${s//&/&amp;}"
    s="${s//</&lt;}"
    s="${s//>/&gt;}"
    s="${s//\"/&quot;}"
    printf '%s' "$s"
}

{
    echo "image:        $TESTRESCUE_RUN_INPUT"
    echo "layout:       ${TESTRECOVER_RUN_DISKS[*]}"
    echo "backup:       $TESTRECOVER_RUN_BACKUP ${TESTRECOVER_RUN_BACKUP_URL:+$TESTRECOVER_RUN_BACKUP_URL }${archive:-(no archive: the layout only)}"
    echo "started:      $( date -u -d "@${TESTRECOVER_RUN_START%.*}" +%FT%TZ )"
    echo "verdict:      $TESTRECOVER_RUN_VERDICT"
    echo "total:        $total s"
    echo
    while IFS=$'\t' read -r name status seconds reason ; do
        printf '%-7s %-22s %s (%s s)\n' "$status" "$name" "$reason" "$seconds"
    done <"$report/checks.tsv"
    echo
    if test $failed -eq 0 ; then
        echo "VERDICT: PASS"
    else
        echo "VERDICT: FAIL ($failed of $count checks failed: ${failed_names[*]})"
    fi
} >"$report/summary.txt"

{
    echo "{"
    echo "  \"schema\": \"rear-testrecover/1\","
    echo "  \"rear_testrescue_version\": $( testrecover_json_string "${TESTRESCUE_RUN_VERSION#rescue-spawn }" ),"
    echo "  \"image\": $( testrecover_json_string "$TESTRESCUE_RUN_INPUT" ),"
    echo "  \"disks\": [$( for name in "${TESTRECOVER_RUN_DISKS[@]}" ; do printf '%s{"name": %s, "bytes": %s}' "$separator" "$( testrecover_json_string "${name%%:*}" )" "${name#*:}" ; separator=", " ; done )],"
    echo "  \"backup\": $( testrecover_json_string "$TESTRECOVER_RUN_BACKUP" ),"
    echo "  \"backup_url\": $( testrecover_json_string "$TESTRECOVER_RUN_BACKUP_URL" ),"
    echo "  \"archive\": $( testrecover_json_string "$archive" ),"
    echo "  \"started\": $( testrecover_json_string "$( date -u -d "@${TESTRECOVER_RUN_START%.*}" +%FT%TZ )" ),"
    echo "  \"verdict\": \"$TESTRECOVER_RUN_VERDICT\","
    echo "  \"total_seconds\": $total,"
    echo "  \"checks\": ["
    separator=""
    while IFS=$'\t' read -r name status seconds reason ; do
        printf '%s    {"name": %s, "status": %s, "seconds": %s, "reason": %s}' "$separator" \
            "$( testrecover_json_string "$name" )" "$( testrecover_json_string "$status" )" "$seconds" "$( testrecover_json_string "$reason" )"
        separator=$',\n'
    done <"$report/checks.tsv"
    echo
    echo "  ],"
    echo "  \"files\": {\"recovery_log_dir\": \"recover-log\", \"recovery_ttys\": \"recover-ttys\", \"restored_ttys\": \"restored-ttys\", \"rescue_boots_report\": \"rescue-boots/latest\"}"
    echo "}"
} >"$report/report.json"

{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo "<testsuite name=\"rear testrecover\" tests=\"$count\" failures=\"$failed\" time=\"$total\">"
    while IFS=$'\t' read -r name status seconds reason ; do
        test "$status" = "ignored" && continue
        printf '  <testcase classname="testrecover" name="%s" time="%s">' "$( testrecover_xml_string "$name" )" "$seconds"
        case "$status" in
            (FAIL) printf '<failure message="%s"/>' "$( testrecover_xml_string "$reason" )" ;;
            (skipped) printf '<skipped message="%s"/>' "$( testrecover_xml_string "$reason" )" ;;
        esac
        echo '</testcase>'
    done <"$report/checks.tsv"
    echo "</testsuite>"
} >"$report/junit.xml"

if test "$TESTRECOVER_PROMETHEUS_FILE" ; then
    {
        echo "# HELP rear_testrecover_success 1 when the last rehearsal of 'rear recover' passed."
        echo "# TYPE rear_testrecover_success gauge"
        echo "rear_testrecover_success $( test $failed -eq 0 && echo 1 || echo 0 )"
        echo "# HELP rear_testrecover_duration_seconds How long the last rehearsal took."
        echo "# TYPE rear_testrecover_duration_seconds gauge"
        echo "rear_testrecover_duration_seconds $total"
        echo "# HELP rear_testrecover_last_run_timestamp_seconds When the last rehearsal started."
        echo "# TYPE rear_testrecover_last_run_timestamp_seconds gauge"
        echo "rear_testrecover_last_run_timestamp_seconds ${TESTRECOVER_RUN_START%.*}"
        echo "# HELP rear_testrecover_check_success 1 when the check passed (or was skipped), per check."
        echo "# TYPE rear_testrecover_check_success gauge"
        while IFS=$'\t' read -r name status seconds reason ; do
            test "$status" = "ignored" && continue
            echo "rear_testrecover_check_success{check=\"$name\"} $( test "$status" = "FAIL" && echo 0 || echo 1 )"
        done <"$report/checks.tsv"
        echo "# HELP rear_testrecover_check_duration_seconds How long the check took."
        echo "# TYPE rear_testrecover_check_duration_seconds gauge"
        while IFS=$'\t' read -r name status seconds reason ; do
            test "$status" = "ignored" && continue
            echo "rear_testrecover_check_duration_seconds{check=\"$name\"} $seconds"
        done <"$report/checks.tsv"
    } >"$TESTRECOVER_PROMETHEUS_FILE.$$" && mv -f "$TESTRECOVER_PROMETHEUS_FILE.$$" "$TESTRECOVER_PROMETHEUS_FILE" \
        || LogPrintError "Cannot write $TESTRECOVER_PROMETHEUS_FILE"
fi
cat "$report/summary.txt" >>"$RUNTIME_LOGFILE"
