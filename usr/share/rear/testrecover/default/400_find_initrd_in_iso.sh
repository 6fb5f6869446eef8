# 400_find_initrd_in_iso.sh
#
# Find the initrd in an ISO, without mounting it, as 'rear testrescue' does
# (the same step as testrescue/default/400_find_initrd_in_iso.sh, which it runs).

source "$SHARE_DIR/testrescue/default/400_find_initrd_in_iso.sh"
