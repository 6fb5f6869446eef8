# 100_check_options.sh
#
# Check the TESTRESCUE_* options before anything is done
# (see lib/testrescue-workflow.sh and /etc/rear/testrescue.conf).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

case "$TESTRESCUE_MODE" in
    (auto|interactive|check) ;;
    (*) Error "TESTRESCUE_MODE='$TESTRESCUE_MODE' is invalid (use auto, interactive or check)" ;;
esac

case "$TESTRESCUE_FAIL_ACTION" in
    (error|warn) ;;
    (*) Error "TESTRESCUE_FAIL_ACTION='$TESTRESCUE_FAIL_ACTION' is invalid (use error or warn)" ;;
esac

is_positive_integer "$TESTRESCUE_TIMEOUT" >/dev/null || Error "TESTRESCUE_TIMEOUT='$TESTRESCUE_TIMEOUT' is invalid (use a number of seconds greater than 0)"

is_true "$TESTRESCUE_SKIP_IDLE_SLEEPS" || is_false "$TESTRESCUE_SKIP_IDLE_SLEEPS" || Error "TESTRESCUE_SKIP_IDLE_SLEEPS='$TESTRESCUE_SKIP_IDLE_SLEEPS' is invalid (use yes or no)"

is_true "$TESTRESCUE_FAIL_ON_WARNING" || is_false "$TESTRESCUE_FAIL_ON_WARNING" || Error "TESTRESCUE_FAIL_ON_WARNING='$TESTRESCUE_FAIL_ON_WARNING' is invalid (use yes or no)"

# The limits: empty (the helper's default), 0 (none) or a number (sizes with K, M, G or T):
local limit value
for limit in TESTRESCUE_PIDS_MAX TESTRESCUE_CPU_WEIGHT ; do
    value="${!limit}"
    test -z "$value" -o "$value" = 0 && continue
    is_positive_integer "$value" >/dev/null || Error "$limit='$value' is invalid (use a number, or 0 for no limit)"
done
for limit in TESTRESCUE_MEMORY_MAX TESTRESCUE_WRITABLE_MAX ; do
    value="${!limit}"
    [[ -z "$value" || "$value" =~ ^[0-9]+([KMGT](i?B)?)?$ ]] || Error "$limit='$value' is invalid (use a size like 512M or 4G, or 0 for no limit)"
done

case "$TESTRESCUE_UNPACK_IN_MEMORY" in
    (auto) ;;
    (*) is_true "$TESTRESCUE_UNPACK_IN_MEMORY" || is_false "$TESTRESCUE_UNPACK_IN_MEMORY" || Error "TESTRESCUE_UNPACK_IN_MEMORY='$TESTRESCUE_UNPACK_IN_MEMORY' is invalid (use auto or no)" ;;
esac

# Set by the scheduled test from 'rear checklayout' (see lib/testrescue-workflow.sh):
case "$TESTRESCUE_LAYOUT_CHANGED" in
    (""|yes|no) ;;
    (*) Error "TESTRESCUE_LAYOUT_CHANGED='$TESTRESCUE_LAYOUT_CHANGED' is invalid (use yes or no)" ;;
esac

if test "$TESTRESCUE_TTYS" ; then
    is_positive_integer "$TESTRESCUE_TTYS" >/dev/null || Error "TESTRESCUE_TTYS='$TESTRESCUE_TTYS' is invalid (use a number greater than 0)"
fi

# These words in the kernel command line make the rescue system run 'rear recover' by itself:
local word
for word in $TESTRESCUE_CMDLINE ; do
    case "$word" in
        (unattended|auto_recover|automatic)
            Error "TESTRESCUE_CMDLINE must not contain '$word': it makes the rescue system start 'rear recover' by itself"
            ;;
    esac
done
