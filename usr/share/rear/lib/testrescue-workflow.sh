# testrescue-workflow.sh
#
# The 'testrescue' workflow of rear-testrescue: boot a ReaR rescue system
# in a container (with the helper 'rescue-spawn') and test it.
#
# Like every lib/[a-z]*.sh file this file is sourced by every 'rear' run
# (also 'rear mkrescue' and 'rear recover' inside a booted rescue system)
# so it must only define things: the workflow, and the defaults of the
# TESTRESCUE_* options. The defaults are set here because lib/ is sourced
# before the user's configuration files, so /etc/rear/local.conf
# (and /etc/rear/testrescue.conf for 'rear testrescue') override them.
#
# Note: /etc/rear/testrescue.conf is only read by 'rear testrescue'.
# Options for the test after 'rear mkrescue' or 'rear mkbackup'
# (TESTRESCUE_AFTER_MKRESCUE and what it uses) belong into /etc/rear/local.conf.
#
# See /etc/rear/testrescue.conf for a commented example of every option.

WORKFLOW_testrescue_DESCRIPTION="boot the rescue system in a container and test it"
WORKFLOWS+=( testrescue )
function WORKFLOW_testrescue () {
    SourceStage "testrescue"
}

# What to test. Empty: use the 'rear testrescue PATH' argument if given,
# else the newest of: a kept build directory ('rear -d mkrescue') whose rootfs
# is a ReaR rescue tree, the ISO in ISO_DIR, the PXE initrd in PXE_TFTP_PATH,
# the RAMDISK initramfs. A PATH can be a rescue tree (rootfs directory),
# an ISO image, an initrd file, or a directory with PXE/RAMDISK output.
TESTRESCUE_SOURCE=""

# Where kept build directories (rear.XXX/rootfs) are looked for when no
# source is given: TMPDIR (ReaR 2.7 default /var/tmp) and /tmp (ReaR <= 2.6).
TESTRESCUE_BUILD_AREAS=( "${TMPDIR:-/var/tmp}" /var/tmp /tmp )

# auto: interactive when 'rear' runs on a terminal, else the unattended check.
# interactive: always boot for the user to log in (needs a terminal).
# check: always the unattended check (verdict PASS/FAIL, report files).
TESTRESCUE_MODE="auto"

# Seconds the unattended check may take before it gives up (FAIL).
# In interactive mode 0 (the default there) means no limit.
TESTRESCUE_TIMEOUT=300

# Where the reports of the unattended check go. Each run writes into a new
# sub-directory named by date and time; 'latest' points at the newest one.
TESTRESCUE_REPORT_DIR="$VAR_DIR/testrescue"

# Write a node_exporter textfile collector file (rear_testrescue_* metrics)
# here, e.g. /var/lib/prometheus/node-exporter/rear_testrescue.prom
# Empty: none.
TESTRESCUE_PROMETHEUS_FILE=""

# Not an option, and so without a default here: the scheduled test
# (/usr/lib/rear-testrescue/scheduled-test) puts the answer of 'rear checklayout'
# into the environment as TESTRESCUE_LAYOUT_CHANGED=yes or no (the disk layout or
# ReaR's configuration changed since the last 'rear mkrescue'), for the metric
# rear_testrescue_layout_changed of the Prometheus textfile.

# Run the unattended check at the end of the output stage of 'rear mkrescue'
# and 'rear mkbackup' on the fresh rescue system (set it in local.conf).
TESTRESCUE_AFTER_MKRESCUE="no"

# What a FAIL does: 'error' makes the workflow fail (non-zero exit code),
# 'warn' only shows a warning ('rear testrescue' still exits non-zero,
# 'rear mkrescue' succeeds).
TESTRESCUE_FAIL_ACTION="error"

# Path of the helper program rescue-spawn. Empty: search PATH,
# then /usr/sbin and /usr/local/sbin.
TESTRESCUE_HELPER=""

# Number of virtual terminals /dev/tty1..N in the container (--ttys).
# Empty: the helper's default (6).
TESTRESCUE_TTYS=""

# The kernel command line the rescue system sees in /proc/cmdline (--cmdline).
# Empty: the helper's default. Never put 'unattended', 'auto_recover' or 'automatic'
# here: they make the rescue system start 'rear recover' by itself.
TESTRESCUE_CMDLINE=""

# Skip the rescue system's idle sleeps (yes/no): while nobody types, a 'sleep 2' of
# its boot scripts ends as soon as nothing else in the container runs, so a test
# takes seconds less; a sleep that waits for other processes still waits for them.
# 'no' makes every sleep take its full time (--real-sleeps).
TESTRESCUE_SKIP_IDLE_SLEEPS="yes"

# Does a warning fail the verdict (yes/no)? A warning is what a container cannot
# exercise but the image's files show would fail on a machine (a serial getty that
# waits for a udevd the image lacks, a power off that runs a missing program).
# 'yes' passes --fail-on-warning: the verdict is FAIL then.
TESTRESCUE_FAIL_ON_WARNING="no"

# Limits of the container, so that a runaway rescue system cannot harm this machine
# (a FAIL names the one it ran into). Empty: the helper's default; 0: no limit.
# Processes (--pids-max, default 4096), memory (--memory-max, default 4G or half of
# this machine's memory if less), the writable layer (--writable-max, default 2G) and
# the CPU weight against this machine's other processes (--cpu-weight, 1-10000 where
# a normal process has 100; default 50; 0: none of its own).
TESTRESCUE_PIDS_MAX=""
TESTRESCUE_MEMORY_MAX=""
TESTRESCUE_WRITABLE_MAX=""
TESTRESCUE_CPU_WEIGHT=""

# Unpack the initrd of an ISO, PXE or RAMDISK output into memory (a tmpfs) when its
# estimated size fits into half of the free memory (auto), else, or with 'no', onto
# the disk of the build area. With 'rear -d' it always goes to disk (it is kept).
TESTRESCUE_UNPACK_IN_MEMORY="auto"

# More options for the helper, e.g. ( --verbose ) or ( --in-place ).
TESTRESCUE_HELPER_OPTIONS=()
