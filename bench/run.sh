#!/bin/sh
# make bench: performance targets live here, never in unit tests.
#   bench/run.sh [xpt|dsjson|all]   (BENCH_SIZES="100k 1m 5m" by default for xpt)
# The xpt section runs ../shared/bench/run_anchors.sh so that trialpack is timed beside ReadStat,
# R haven and pandas in the same run (ratios, not absolute seconds, are what compare across runs).
# Data goes to $DATA (default ${TMPDIR:-/tmp}/trialpack-bench), never into the repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TP=${TP:-$(pwd)/trialpack}
ANCHORS=${TP_BENCH_ANCHORS:-$here/../../shared/bench}
export DATA=${DATA:-${TMPDIR:-/tmp}/trialpack-bench}
section=${1:-all}
mkdir -p "$DATA"

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: '$1' is missing ($2)" >&2; exit 2; }; }

bench_xpt() {
    [ -x "$ANCHORS/run_anchors.sh" ] || [ -f "$ANCHORS/run_anchors.sh" ] || {
        echo "bench: anchors not found at $ANCHORS (set TP_BENCH_ANCHORS)" >&2; exit 2; }
    need hyperfine "apt-get install hyperfine"
    need Rscript "apt-get install r-base-core r-cran-haven r-cran-data.table"
    need readstat "apt-get install readstat libreadstat-dev"
    SIZES=${BENCH_SIZES:-100k 1m 5m} \
    PROJECT_WRITE="sh $here/tp-write.sh $TP {spec} {csv} {out}" \
    PROJECT_READ="$TP convert {xpt} {out}" \
        bash "$ANCHORS/run_anchors.sh" ${BENCH_STEPS:-all}
}

case $section in
xpt) bench_xpt ;;
all) bench_xpt ;;
*) echo "usage: bench/run.sh [xpt|all]" >&2; exit 2 ;;
esac
