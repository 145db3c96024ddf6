#!/bin/sh
# CSV -> XPT v5 with trialpack for the anchor benchmark: SPEC is the anchors' TSV (name, STRING |
# NUMERIC, label); it becomes a trialpack variables sheet (no lengths: trialpack measures them, as
# the ReadStat anchor does with its two passes). Usage: tp-write.sh TRIALPACK SPEC.tsv IN.csv OUT.xpt
set -eu
tp=$1 spec=$2 csv=$3 out=$4
meta=$(mktemp "${TMPDIR:-/tmp}/tp-meta.XXXXXX.csv")
trap 'rm -f "$meta"' EXIT
awk -F '\t' 'BEGIN { print "Variable,Label,Type" }
    { gsub(/"/, "\"\"", $3); printf "%s,\"%s\",%s\n", $1, $3, ($2 == "NUMERIC" ? "Num" : "Char") }' "$spec" > "$meta"
"$tp" convert --meta "$meta" --dataset-name LB --dataset-label "Laboratory Test Results" "$csv" "$out"
