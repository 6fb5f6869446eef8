# 350_find_boot_medium.sh
#
# What the rescue system boots from (ISO, PXE or RAMDISK output), for the check
# 'boot-files' of its boot, as 'rear testrescue' does (the same step as
# testrescue/default/350_find_boot_medium.sh, which it runs).

source "$SHARE_DIR/testrescue/default/350_find_boot_medium.sh"
