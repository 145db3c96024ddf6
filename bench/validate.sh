#!/bin/sh
# Throughput of `trialpack validate` on a large LB dataset (issue 7: >= 1,000,000 rows/s on a
# 2-core machine, memory bounded by one dataset's keys, not its rows).
#   bench/validate.sh [ROWS]          (default 5000000; data in ${TMPDIR:-/tmp}/trialpack-bench)
# Needs TP (the trialpack binary; default ./trialpack), python3 and /usr/bin/time.
# The LB file comes from ../shared/bench/gen_lb.py (deterministic) converted to XPT v5.
set -eu
ROWS=${1:-5000000}
TP=${TP:-./trialpack}
BENCH=${BENCH_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/shared/bench}
DATA=${DATA:-${TMPDIR:-/tmp}/trialpack-bench}
mkdir -p "$DATA"
csv="$DATA/lb_$ROWS.csv" spec="$DATA/lb_spec.tsv" vars="$DATA/lb_vars.csv" xpt="$DATA/lb_$ROWS.xpt"
[ -s "$csv" ] || python3 "$BENCH/gen_lb.py" "$ROWS" "$csv" --spec "$spec"
[ -s "$vars" ] || awk -F'\t' 'BEGIN { print "Variable,Type,Label" }
    { printf "%s,%s,\"%s\"\n", $1, ($2 == "NUMERIC" ? "Num" : "Char"), $3 }' "$spec" > "$vars"
[ -s "$xpt" ] || "$TP" convert --meta "$vars" -n LB -l "Laboratory Test Results" "$csv" "$xpt"

run() { # label, extra validate arguments...
    label=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$DATA/time.txt" "$TP" validate "$@" "$xpt" > "$DATA/out.txt" || true
    tail -n 1 "$DATA/time.txt" > "$DATA/time1.txt"
    read -r wall user sys rss < "$DATA/time1.txt"
    rate=$(awk -v r="$ROWS" -v w="$wall" 'BEGIN { printf "%.0f", r / w }')
    printf '%-28s %8s s wall %7s s user %6s s sys %8s KB peak RSS %10s rows/s\n' \
        "$label" "$wall" "$user" "$sys" "$rss" "$rate"
}
echo "validate $xpt ($ROWS rows, $(stat -L -c %s "$xpt") bytes), load: $(cut -d' ' -f1-3 /proc/loadavg)"
run "text report, 2 threads"
echo "findings: $(grep -E '^[0-9]+ error' "$DATA/out.txt" || true)"
run "text report, 1 thread" --threads 1
run "CSV report (all findings)" -f csv -o "$DATA/report.csv"
