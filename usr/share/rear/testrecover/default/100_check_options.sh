# 100_check_options.sh
#
# Check the TESTRECOVER_* options before anything is done (see
# lib/testrecover-workflow.sh and /etc/rear/testrecover.conf), and hand what
# 'rear testrecover' shares with 'rear testrescue' (where the rescue system is
# found and unpacked, see testrescue/default/) its options.

case "$TESTRECOVER_FAIL_ACTION" in
    (error|warn) ;;
    (*) Error "TESTRECOVER_FAIL_ACTION='$TESTRECOVER_FAIL_ACTION' is invalid (use error or warn)" ;;
esac
is_positive_integer "$TESTRECOVER_TIMEOUT" >/dev/null || Error "TESTRECOVER_TIMEOUT='$TESTRECOVER_TIMEOUT' is invalid (use a number of seconds greater than 0)"
is_positive_integer "$TESTRECOVER_BOOT_TIMEOUT" >/dev/null || Error "TESTRECOVER_BOOT_TIMEOUT='$TESTRECOVER_BOOT_TIMEOUT' is invalid (use a number of seconds greater than 0)"
is_positive_integer "$TESTRECOVER_RESTORE_SAMPLE" >/dev/null || Error "TESTRECOVER_RESTORE_SAMPLE='$TESTRECOVER_RESTORE_SAMPLE' is invalid (use a number of files greater than 0)"
if test "$TESTRECOVER_SCRATCH_DIR" ; then
    test -d "$TESTRECOVER_SCRATCH_DIR" || Error "TESTRECOVER_SCRATCH_DIR='$TESTRECOVER_SCRATCH_DIR' is not a directory"
fi
if test "$TESTRECOVER_BACKUP_URL" ; then
    test "$( url_scheme "$TESTRECOVER_BACKUP_URL" )" = "file" || Error "TESTRECOVER_BACKUP_URL='$TESTRECOVER_BACKUP_URL' is not supported (use a file:// URL of this machine)"
    test -d "$( url_path "$TESTRECOVER_BACKUP_URL" )" || Error "TESTRECOVER_BACKUP_URL='$TESTRECOVER_BACKUP_URL': $( url_path "$TESTRECOVER_BACKUP_URL" ) is not a directory"
fi

# The source of the rehearsal is chosen as for 'rear testrescue':
test "$TESTRECOVER_SOURCE" && TESTRESCUE_SOURCE="$TESTRECOVER_SOURCE"

TESTRECOVER_RUN_START="$( testrecover_now )"
TESTRECOVER_RUN_DEADLINE=$(( $( date +%s ) + TESTRECOVER_TIMEOUT ))
