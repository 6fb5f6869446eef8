# 105_start_watchdog.sh
#
# Before anything is made (an unpacked initrd, a mount of the backup, scratch
# disks): the watchdog (lib/testrecover-functions.sh, testrecover_watchdog_start),
# which does what the exit tasks would do should this rear be killed with SIGKILL:
# unmount what is mounted below the build area, detach the read-only loop devices
# of the checks, remove the build area (unless 'rear -d').

testrecover_watchdog_start
