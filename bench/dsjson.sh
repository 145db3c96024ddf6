#!/bin/sh
# Dataset-JSON at scale (issue 3): the LB dataset of S rows (default 5m) as XPT -> DSJC
# (compressed Dataset-JSON), DSJC -> XPT, XPT -> JSON and JSON -> XPT with `trialpack convert`.
# Prints wall time (hyperfine median), rows/s, peak RSS (one /usr/bin/time run), output size and
# its ratio to the XPT, and the rate against the published R {datasetjson} figure
# (7.4 M rows written in 42.6 s = 173,700 rows/s).
#
#   TP=./trialpack bench/dsjson.sh [SIZE...]        (SIZE as in the anchors: 100k, 1m, 5m)
#
# Environment: TP (the binary; a libtool wrapper is resolved to the real binary), DATA (default
# ${TMPDIR:-/tmp}/trialpack-bench, shared with the XPT anchors: lb_SIZE.csv is made there with the
# anchors' gen_lb.py when missing), DSJSON_RUNS (counted runs, default 3; 1 warm-up),
# DSJSON_LEVELS (extra DSJC compression levels to time besides the default 9, e.g. "6 1"),
# TP_BENCH_ANCHORS (the anchors folder). Nothing is written into the repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TP=${TP:-$(pwd)/trialpack}
ANCHORS=${TP_BENCH_ANCHORS:-$here/../../shared/bench}
DATA=${DATA:-${TMPDIR:-/tmp}/trialpack-bench}
RUNS=${DSJSON_RUNS:-3}
PY=${PY:-/usr/bin/python3}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
command -v hyperfine >/dev/null 2>&1 || { echo "bench/dsjson.sh: hyperfine is missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/dsjson.sh: /usr/bin/time is missing" >&2; exit 2; }
. "$here/tp-bin.sh"
mkdir -p "$DATA/dsjson"
cd "$DATA"

rows_of() {
    case $1 in
    *[kK]) echo $((${1%?} * 1000)) ;; *[mM]) echo $((${1%?} * 1000000)) ;; *) echo "$1" ;;
    esac
}

# time_step NAME ROWS OUT CMD...: hyperfine median wall + one /usr/bin/time peak RSS; one table row
time_step() {
    name=$1 rows=$2 out=$3; shift 3
    json=dsjson/hf.$name.json
    hyperfine --style none --runs "$RUNS" --warmup 1 --export-json "$json" "$*" >/dev/null
    wall=$("$PY" -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json")
    # shellcheck disable=SC2068
    peak=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
    bytes=$(stat -c %s "$out")
    awk -v n="$name" -v r="$rows" -v w="$wall" -v p="$peak" -v b="$bytes" -v x="$xbytes" \
        -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
        printf "| %-22s | %10d | %8.3f | %12.0f | %6.2f | %9.1f | %14d | %7.3f | %s |\n",
            n, r, w, r / w, (r / w) / (7400000 / 42.6), p / 1024, b, b / x, l }'
}

echo "load at start: $(cat /proc/loadavg)"
echo "| step | rows | wall s | rows/s | × R datasetjson | peak MiB | output bytes | size / xpt | load |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for s in ${*:-5m}; do
    rows=$(rows_of "$s")
    if [ ! -s "lb_$s.csv" ]; then
        SIZES=$s DATA=$DATA bash "$ANCHORS/run_anchors.sh" gen >&2
    fi
    [ -s lb_spec.tsv ] || { echo "bench/dsjson.sh: no lb_spec.tsv in $DATA" >&2; exit 2; }
    awk -F '\t' 'BEGIN { print "Variable,Label,Type" }
        { gsub(/"/, "\"\"", $3); printf "%s,\"%s\",%s\n", $1, $3, ($2 == "NUMERIC" ? "Num" : "Char") }' \
        lb_spec.tsv > dsjson/lb_meta.csv
    x=dsjson/lb_$s.xpt
    [ -s "$x" ] || $TPRUN convert --meta dsjson/lb_meta.csv --dataset-name LB \
        --dataset-label "Laboratory Test Results" "lb_$s.csv" "$x"
    xbytes=$(stat -c %s "$x")
    time_step "xpt->dsjc ($s)" "$rows" "dsjson/lb_$s.dsjc" $TPRUN convert "$x" "dsjson/lb_$s.dsjc"
    time_step "dsjc->xpt ($s)" "$rows" "dsjson/back_$s.xpt" $TPRUN convert "dsjson/lb_$s.dsjc" "dsjson/back_$s.xpt"
    time_step "xpt->json ($s)" "$rows" "dsjson/lb_$s.json" $TPRUN convert "$x" "dsjson/lb_$s.json"
    time_step "json->xpt ($s)" "$rows" "dsjson/back_$s.xpt" $TPRUN convert "dsjson/lb_$s.json" "dsjson/back_$s.xpt"
    for lv in ${DSJSON_LEVELS:-}; do
        time_step "xpt->dsjc L$lv ($s)" "$rows" "dsjson/lb_${s}_L$lv.dsjc" \
            $TPRUN convert -O "dsjson.level=$lv" "$x" "dsjson/lb_${s}_L$lv.dsjc"
    done
    # the file trialpack wrote from the CSV must come back byte for byte (SOURCE_DATE_EPOCH fixed)
    if cmp -s "$x" "dsjson/back_$s.xpt"; then
        echo "round trip xpt -> json -> xpt ($s): identical bytes"
    else
        echo "round trip xpt -> json -> xpt ($s): $(cmp -l "$x" "dsjson/back_$s.xpt" | wc -l) bytes differ (first at byte $(cmp "$x" "dsjson/back_$s.xpt" | awk '{print $5}' | tr -d ,))"
    fi
    [ -n "${KEEP:-}" ] || rm -f "dsjson/back_$s.xpt" "dsjson/lb_$s.json" dsjson/lb_"$s"_L*.dsjc
done
echo "load at end: $(cat /proc/loadavg)"
echo "R datasetjson reference: 7.4 M rows written in 42.6 s (173,700 rows/s); '× R' = rows/s ÷ that."
