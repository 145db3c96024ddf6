#!/bin/sh
# The main job: build the bundled SCLERADEC II example end to end — generate the 40-subject raw
# EDC export, map it to SDTM (XPT v5), write define.xml + define.html, validate the package —
# into ./submission/, then describe what was made.
set -eu
TP=${1:-trialpack}
out=${OUT:-submission}
"$TP" build --out "$out"
sdtm=$(ls -d "$out"/m5/datasets/*/tabulations/sdtm)
echo
echo "datasets:"
for f in "$sdtm"/*.xpt; do
    "$TP" info --format json "$f" | /usr/bin/env python3 -c '
import json, sys
for f in json.load(sys.stdin)["files"]:
    for m in f["members"]:
        print("  %-8s %6d rows  %3d variables  %s" % (m["name"], m["rows"], len(m["variables"]), m["label"]))' 2>/dev/null || "$TP" info "$f" | head -1
done
echo
sed -n '1,12p' "$out/reconciliation.txt" 2>/dev/null || true
echo
echo "main job: package in $out/ (open $sdtm/define.html in a browser)"
