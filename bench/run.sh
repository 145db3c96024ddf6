#!/bin/sh
# make bench: performance targets live here, never in unit tests.
#   bench/run.sh [xpt|dsjson|all]      (default all: xpt, dsjson, then odm.sh / validate.sh if present)
#
# xpt: runs ../shared/bench/run_anchors.sh so that trialpack is timed beside ReadStat, R haven and
#   pandas in the same run (ratios, not absolute seconds, are what compare across runs), then prints
#   the ratio table (bench/ratios.py; target: 3x the fastest anchor each way). BENCH_SIZES="100k 1m
#   5m" by default; BENCH_STEPS (default all) picks run_anchors steps: gen build prepare time verify.
#   RUNS_SMALL / RUNS_BIG (counted runs below / at 5m) go through to run_anchors.
#   trialpack is timed as `trialpack convert --meta META ...` with META made once from the anchors'
#   spec (no per-run shell or awk), and the real binary rather than the libtool wrapper (tp-bin.sh).
# dsjson: bench/dsjson.sh (issue 3: 5M-row LB as XPT <-> DSJC and XPT -> JSON); DSJSON_SIZES="5m".
# Data goes to $DATA (default ${TMPDIR:-/tmp}/trialpack-bench), never into the repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TP=${TP:-$(pwd)/trialpack}
ANCHORS=${TP_BENCH_ANCHORS:-$here/../../shared/bench}
export DATA=${DATA:-${TMPDIR:-/tmp}/trialpack-bench}
section=${1:-all}
mkdir -p "$DATA"

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: '$1' is missing ($2)" >&2; exit 2; }; }

. "$here/tp-bin.sh"

# does BENCH_STEPS ask for run_anchors step $1?
want_step() { case " ${BENCH_STEPS:-all} " in *" all "* | *" $1 "*) return 0 ;; esac; return 1; }

bench_xpt() {
    [ -f "$ANCHORS/run_anchors.sh" ] || {
        echo "bench: anchors not found at $ANCHORS (set TP_BENCH_ANCHORS)" >&2; exit 2; }
    need hyperfine "apt-get install hyperfine"
    need Rscript "apt-get install r-base-core r-cran-haven r-cran-data.table"
    need readstat "apt-get install readstat libreadstat-dev"
    export SIZES="${BENCH_SIZES:-100k 1m 5m}"
    RES=${RES:-$DATA/results/$(date -u +%Y%m%dT%H%M%SZ)}
    export RES
    for step in gen build prepare; do
        if want_step $step; then bash "$ANCHORS/run_anchors.sh" $step; fi
    done
    # trialpack's variables sheet from the anchors' spec (NAME TAB STRING|NUMERIC TAB LABEL), made
    # once, untimed: no lengths, so trialpack measures them as the ReadStat anchor does
    awk -F '\t' 'BEGIN { print "Variable,Label,Type" }
        { gsub(/"/, "\"\"", $3); printf "%s,\"%s\",%s\n", $1, $3, ($2 == "NUMERIC" ? "Num" : "Char") }' \
        "$DATA/lb_spec.tsv" > "$DATA/lb_tp_meta.csv"
    if want_step time; then
        echo "bench: load before timing: $(cat /proc/loadavg)" >&2
        PROJECT_WRITE="$TPRUN convert --meta $DATA/lb_tp_meta.csv --dataset-name LB --dataset-label 'Laboratory Test Results' {csv} {out}" \
        PROJECT_READ="$TPRUN convert {xpt} {out}" \
            bash "$ANCHORS/run_anchors.sh" time
        echo "load after timing: $(cat /proc/loadavg)" >> "$RES/env.txt"
        /usr/bin/python3 "$here/ratios.py" "$RES" | tee "$RES/ratios.md"
        cat /proc/loadavg | sed 's/^/Load average when the timings ended: /'
    fi
    if want_step verify; then
        bash "$ANCHORS/run_anchors.sh" verify
        verify_tp | tee -a "$RES/verify.txt"
    fi
}

# trialpack's own outputs, checked as the anchors' are: its XPT decoded against the CSV by the
# anchors' independent parser (verify_xpt.py: values bit for bit, names, labels), and its CSV from
# haven's XPT compared byte for byte with the generated CSV
verify_tp() {
    for s in $SIZES; do
        x=$DATA/tp_check_$s.xpt c=$DATA/tp_check_$s.csv
        (cd "$DATA" && $TPRUN convert --meta lb_tp_meta.csv --dataset-name LB \
            --dataset-label 'Laboratory Test Results' "lb_$s.csv" "$x") &&
            /usr/bin/python3 "$ANCHORS/verify_xpt.py" "$DATA/lb_$s.csv" "$DATA/lb_spec.tsv" "$x" 2>&1 |
            grep -E '^-- |lengths|exact decode|row count|names differ|(type|label) .* != '
        if $TPRUN convert "$DATA/lb_${s}_haven.xpt" "$c" && cmp -s "$c" "$DATA/lb_$s.csv"; then
            echo "trialpack XPT -> CSV ($s): identical to the generated CSV"
        else
            echo "trialpack XPT -> CSV ($s): DIFFERS from the generated CSV"
        fi
        rm -f "$x" "$c"
    done
}

bench_dsjson() {
    TP=$TP DATA=$DATA TP_BENCH_ANCHORS=$ANCHORS sh "$here/dsjson.sh" ${DSJSON_SIZES:-5m}
}

# the other benchmark sections, when their scripts are there
bench_others() {
    for s in odm validate; do
        if [ -f "$here/$s.sh" ]; then
            echo "== bench/$s.sh"
            TP=$TP sh "$here/$s.sh"
        fi
    done
}

case $section in
xpt) bench_xpt ;;
dsjson) bench_dsjson ;;
all) bench_xpt; bench_dsjson; bench_others ;;
*) echo "usage: bench/run.sh [xpt|dsjson|all]" >&2; exit 2 ;;
esac
