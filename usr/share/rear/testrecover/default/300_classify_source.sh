# 300_classify_source.sh
#
# Tell a rescue tree from an ISO or an initrd as 'rear testrescue' does
# (the same step as testrescue/default/300_classify_source.sh, which it runs).

source "$SHARE_DIR/testrescue/default/300_classify_source.sh"
