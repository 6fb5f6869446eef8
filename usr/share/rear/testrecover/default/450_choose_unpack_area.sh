# 450_choose_unpack_area.sh
#
# Choose where the initrd is unpacked (ReaR's build area or a tmpfs) as 'rear testrescue' does
# (the same step as testrescue/default/450_choose_unpack_area.sh, which it runs).

source "$SHARE_DIR/testrescue/default/450_choose_unpack_area.sh"
