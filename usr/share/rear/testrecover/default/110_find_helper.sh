# 110_find_helper.sh
#
# Find the helper rescue-spawn as 'rear testrescue' does
# (the same step as testrescue/default/110_find_helper.sh, which it runs).

source "$SHARE_DIR/testrescue/default/110_find_helper.sh"
