# 500_unpack_initrd.sh
#
# Unpack the initrd into ReaR's build area as 'rear testrescue' does
# (the same step as testrescue/default/500_unpack_initrd.sh, which it runs).

source "$SHARE_DIR/testrescue/default/500_unpack_initrd.sh"
