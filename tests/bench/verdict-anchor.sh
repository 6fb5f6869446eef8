#!/bin/bash
#
# tests/bench/verdict-anchor.sh [RUNS] [ANCHOR]
#
# Start to verdict of 'rescue-spawn --check' on both healthy real images, this build side
# by side with the release ANCHOR (default 0.2.1, commit 52f19ff: the check before the
# recovery-readiness checks of issue 10), in one run: the anchor is built from git (git
# archive into the scratch dir, make), then each round boots each image with the anchor and
# with this build, alternating (anchor first in odd rounds, this build first in even ones),
# so that a change of the machine's load hits both alike. RUNS rounds (default 5). Of each
# run: total_seconds of report.json and the verdict. Prints key=value lines
# (anchor.IMAGE.{this,anchor}.{seconds,verdicts}, anchor.IMAGE.ratio = median this /
# median anchor, anchor.IMAGE.checks.{this,anchor} = how many checks each made) and a
# Markdown table on stderr. The target of issue 10: ratio at most 1.10.
# Runs under the image build lock, like every bench piece that boots the real images.

set -e -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

runs="${1:-5}"
anchor="${2:-52f19ff}"
bench_require
bench_scratch
bench_images

anchor_dir="$BENCH_SCRATCH/anchor"
if ! test -x "$anchor_dir/helper/rescue-spawn" ; then
    bench_say "building the anchor $anchor from git"
    mkdir -p "$anchor_dir"
    git -C "$BENCH_WORK_TREE" archive "$anchor" | tar -x -C "$anchor_dir"
    make -s -C "$anchor_dir" helper/rescue-spawn >"$BENCH_SCRATCH/anchor-build.log" 2>&1 \
        || bench_die "cannot build $anchor: $( tail -n 5 "$BENCH_SCRATCH/anchor-build.log" )"
fi
bench_lock

# one IMAGE WHICH HELPER ROUND: a --check run; appends "seconds verdict checks" to a list
function one () {
    local image="$1" which="$2" helper="$3" round="$4" dir
    dir="$BENCH_SCRATCH/check-$image-$which-$round"
    "$helper" --check --timeout=120 --report-dir="$dir" "$( bench_image "$image" )" \
        </dev/null >"$dir.stdout" 2>"$dir.stderr" || true
    python3 - "$dir/report.json" >>"$BENCH_SCRATCH/$image-$which.runs" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print('%.3f %s %d' % (r['timings']['total_seconds'], r['verdict'], len(r['checks'])))
EOF
}

for image in systemd plain ; do
    : >"$BENCH_SCRATCH/$image-this.runs"
    : >"$BENCH_SCRATCH/$image-anchor.runs"
    for round in $( seq "$runs" ) ; do
        if test $(( round % 2 )) = 1 ; then
            one "$image" anchor "$anchor_dir/helper/rescue-spawn" "$round"
            one "$image" this "$BENCH_HELPER" "$round"
        else
            one "$image" this "$BENCH_HELPER" "$round"
            one "$image" anchor "$anchor_dir/helper/rescue-spawn" "$round"
        fi
    done
done
bench_unlock

python3 - "$BENCH_SCRATCH" "$anchor" <<'EOF'
import statistics, sys
scratch, anchor = sys.argv[1:3]
rows = []
for image in ('systemd', 'plain'):
    runs = {}
    for which in ('this', 'anchor'):
        runs[which] = [line.split() for line in open('%s/%s-%s.runs' % (scratch, image, which))]
        seconds = [float(r[0]) for r in runs[which]]
        print('anchor.%s.%s.seconds=%s' % (image, which, ' '.join('%.3f' % s for s in seconds)))
        print('anchor.%s.%s.median=%.3f' % (image, which, statistics.median(seconds)))
        print('anchor.%s.%s.verdicts=%s' % (image, which, ' '.join(r[1] for r in runs[which])))
        print('anchor.%s.checks.%s=%s' % (image, which, runs[which][0][2]))
    this = statistics.median(float(r[0]) for r in runs['this'])
    base = statistics.median(float(r[0]) for r in runs['anchor'])
    print('anchor.%s.ratio=%.3f' % (image, this / base))
    rows.append('| `--check` start to verdict, %s image (%d runs each, alternating) | %.2f s (%s checks; %s) '
                '| %.2f s (%s checks; %s) | %.2f× | ≤ 1.10× — %s |' % (
                    image, len(runs['this']), this, runs['this'][0][2], ' '.join(r[1] for r in runs['this']),
                    base, runs['anchor'][0][2], ' '.join(r[1] for r in runs['anchor']), this / base,
                    'met' if this / base <= 1.10 else 'missed'))
print('| Measurement (median) | this build | %s | ratio | target |' % anchor, file=sys.stderr)
print('| --- | --- | --- | --- | --- |', file=sys.stderr)
for row in rows:
    print(row, file=sys.stderr)
EOF
