#!/bin/sh
# ODM 1.3.2 export and import at scale: for each N randomised subjects, generate the raw export of
# the example study, export it to ODM, import the ODM back into tables, and report wall time,
# CPU time, throughput (subjects/s, MB/s of XML) and peak RSS (/usr/bin/time -v). Memory must not
# grow with N: both directions stream (one subject, or one element, at a time).
#
#   TP=./trialpack bench/odm.sh [N...]          (default: 10000 100000)
#
# Environment: TP (the binary), STUDY (default mappings/scleradec2 beside this script), DATA
# (scratch folder, default ${TMPDIR:-/tmp}/trialpack-bench/odm; N=100000 needs about 15 GB),
# ODM_OPTS (extra 'odm export' options, e.g. --compact), GEN_OPTS (e.g. --no-diary), KEEP=1 keeps
# the files. Nothing is written into the repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TP=${TP:-$(pwd)/trialpack}
STUDY=${STUDY:-$here/../mappings/scleradec2}
DATA=${DATA:-${TMPDIR:-/tmp}/trialpack-bench/odm}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench/odm.sh: $TIME is missing (apt-get install time)" >&2; exit 2; }
[ -x "$TP" ] || { echo "bench/odm.sh: no trialpack binary at $TP (set TP)" >&2; exit 2; }
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
mkdir -p "$DATA"

# run LOG CMD...: time CMD; sets wall (s), cpu (s) and rss (KiB) from /usr/bin/time -v.
run() {
    log=$1; shift
    if ! "$TIME" -v "$@" >"$log" 2>&1; then
        echo "bench/odm.sh: failed: $*" >&2; tail -5 "$log" >&2; exit 1
    fi
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$log")
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
}

rate() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }'; }
mb() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1048576 }'; }

printf '%-8s %-8s %9s %10s %9s %9s %10s %9s %9s\n' N step wall_s cpu_s subj/s MB/s peakRSS_MB xml_MB out_MB
for n in ${*:-10000 100000}; do
    d="$DATA/n$n"
    rm -rf "$d"
    mkdir -p "$d"
    run "$d/gen.log" "$TP" generate --study "$STUDY" --out "$d/raw" -n "$n" ${GEN_OPTS:-}
    rawb=$(du -sb "$d/raw" | cut -f1)
    printf '%-8s %-8s %9s %10s %9s %9s %10s %9s %9s\n' "$n" generate "$wall" "$cpu" - - \
        "$(mb $((rss * 1024)))" - "$(mb "$rawb")"

    run "$d/export.log" "$TP" odm export --study "$STUDY" --raw "$d/raw" --out "$d/study.xml" ${ODM_OPTS:-}
    subjects=$(sed -n 's/^odm export: \([0-9]*\) subjects.*/\1/p' "$d/export.log")
    xmlb=$(wc -c <"$d/study.xml")
    printf '%-8s %-8s %9s %10s %9s %9s %10s %9s %9s\n' "$n" export "$wall" "$cpu" \
        "$(rate "$subjects" "$wall")" "$(mb "$(rate "$xmlb" "$wall")")" "$(mb $((rss * 1024)))" \
        "$(mb "$xmlb")" -
    [ "${KEEP:-0}" = 1 ] || rm -rf "$d/raw"

    run "$d/import.log" "$TP" odm import "$d/study.xml" --study "$STUDY" --out "$d/tables"
    outb=$(du -sb "$d/tables" | cut -f1)
    printf '%-8s %-8s %9s %10s %9s %9s %10s %9s %9s\n' "$n" import "$wall" "$cpu" \
        "$(rate "$subjects" "$wall")" "$(mb "$(rate "$xmlb" "$wall")")" "$(mb $((rss * 1024)))" \
        "$(mb "$xmlb")" "$(mb "$outb")"
    echo "         ($subjects subjects incl. screen failures; $(grep -o '[0-9]* item groups' "$d/export.log" | head -1), $(grep -o '[0-9]* items,' "$d/export.log" | head -1 | tr -d ,))"
    [ "${KEEP:-0}" = 1 ] || rm -rf "$d"
done
