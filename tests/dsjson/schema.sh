#!/bin/sh
# Dataset-JSON test (1): every file trialpack writes (.json, .ndjson, .dsjc) validates against
# CDISC's dataset.schema.json and passes the checks the schema misses (check_dsjson.py --ours:
# records = rows, one value per column of the dataType's JSON type, NDJSON line layout, zlib DSJC,
# attribute order, minimal whitespace). Inputs: our fixtures, CDISC's examples and, when the XPT
# format is built in, CDISC's SEND .xpt files.
. "$TP_SRCDIR/tests/lib.sh"
TP_PY_MODULES=jsonschema . "$TP_SRCDIR/tests/find-python.sh"
need_reference dataset-json/v1.1/schema
TPCONV=$TP_BUILDDIR/tests/dsjson/tpconv
ref=$TP_REFERENCE_DIR/dataset-json/v1.1
inputs="$(ls "$TP_TEST_DATA"/dsjson/*.json | grep -v extension-nullchar) $TP_TEST_DATA/dsjson/*.ndjson $TP_TEST_DATA/dsjson/*.dsjc"
inputs="$inputs $(ls "$ref"/examples/*/*.json "$ref"/examples/*/*.ndjson "$ref"/examples/*/*.dsjc 2>/dev/null | grep -v -e extensions/ -e '\.schema\.json$')"
if "$TPCONV" --can-read xpt; then
    inputs="$inputs $(ls "$ref"/examples/*/*.xpt 2>/dev/null)"
else
    echo "note: no XPT format in this build: .xpt inputs left out"
fi
n=0
for f in $inputs; do
    base=$(basename "$f" | tr . _)
    for x in json ndjson dsjc; do
        n=$((n + 1))
        "$TPCONV" -b 7 "$f" "$tp_tmp/$base.$x" || fail "convert $f to .$x"
    done
done
"$TPCONV" -o dsjson.null=na -o dsjson.check_records=no \
    "$TP_TEST_DATA/dsjson/extension-nullchar.json" "$tp_tmp/ext.json" || fail "convert extension"
"$PYTHON" "$TP_SRCDIR/tests/dsjson/check_dsjson.py" --ours "$ref/schema" "$tp_tmp"/* ||
    fail "schema and content checks of $n written files"
pass "$n files written and validated"
# the checker is not vacuous: a records mismatch, a wrong type and an extra key are caught
printf '%s\n' '{"datasetJSONCreationDateTime":"2024-01-01T00:00:00","datasetJSONVersion":"1.1.0","itemGroupOID":"IG.T","records":3,"name":"T","label":"","columns":[{"itemOID":"I","name":"N","label":"","dataType":"integer","extra":1}]}' '["1"]' >"$tp_tmp/neg.ndjson"
"$PYTHON" "$TP_SRCDIR/tests/dsjson/check_dsjson.py" "$ref/schema" "$tp_tmp/neg.ndjson" 2>"$tp_tmp/neg.err" &&
    fail "check_dsjson.py accepted a bad file"
for want in "records is 3 but there are 1 rows" "does not fit dataType integer" "Additional properties"; do
    grep -q "$want" "$tp_tmp/neg.err" || fail "check_dsjson.py did not report: $want"
done
finish
