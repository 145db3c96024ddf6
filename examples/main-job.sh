#!/bin/sh
# The main job: until `trialpack build` maps the SCLERADEC II raw export to SDTM, convert the
# bundled sample DM sheet into the FDA's SAS XPORT v5 and describe the result.
set -eu
TP=${1:-trialpack}
here=$(dirname "$0")
out=${OUT:-submission}
mkdir -p "$out"
"$TP" convert --meta "$here/sample/dm-vars.csv" --dataset-name DM --dataset-label Demographics \
    "$here/sample/dm.csv" "$out/dm.xpt"
"$TP" info "$out/dm.xpt"
echo "main job: wrote $out/dm.xpt"
