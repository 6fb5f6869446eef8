# 200_choose_source.sh
#
# Choose the rescue system to rehearse with as 'rear testrescue' does
# (the same step as testrescue/default/200_choose_source.sh, which it runs).

source "$SHARE_DIR/testrescue/default/200_choose_source.sh"
