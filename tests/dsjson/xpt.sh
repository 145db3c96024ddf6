#!/bin/sh
# Dataset-JSON tests (3) and (4), with the XPT format:
#  - CDISC's SEND .xpt files converted to .json give the column names, labels and values of the
#    CDISC .json beside them (compare_dsjson.py: numbers by value, so integer 1 == double 1);
#  - xpt -> json -> xpt and xpt -> dsjc -> xpt (and ndjson) keep every value and variable attribute;
#  - with SOURCE_DATE_EPOCH fixed, converting again gives byte-identical files.
. "$TP_SRCDIR/tests/lib.sh"
TP_PY_MODULES=json . "$TP_SRCDIR/tests/find-python.sh"
need_reference dataset-json/v1.1/examples/send
TPCONV=$TP_BUILDDIR/tests/dsjson/tpconv
"$TPCONV" --can-read xpt && "$TPCONV" --can-write xpt || skip "this build has no XPT format"
send=$TP_REFERENCE_DIR/dataset-json/v1.1/examples/send
n=0
for x in "$send"/*.xpt; do
    b=$(basename "$x" .xpt)
    n=$((n + 1))
    "$TPCONV" "$x" "$tp_tmp/$b.json" || { fail "convert $b.xpt"; continue; }
    if [ -f "$send/$b.json" ]; then
        "$PYTHON" "$TP_SRCDIR/tests/dsjson/compare_dsjson.py" "$send/$b.json" "$tp_tmp/$b.json" ||
            fail "$b.xpt -> json differs from CDISC's $b.json"
    fi
    "$TPCONV" --dump "$x" | grep -v '^attr ' >"$tp_tmp/$b.orig"
    for f in json dsjc ndjson; do
        [ -f "$tp_tmp/$b.$f" ] || "$TPCONV" "$x" "$tp_tmp/$b.$f" || fail "convert $b.xpt to $f"
        "$TPCONV" "$tp_tmp/$b.$f" "$tp_tmp/$b.$f.xpt" || { fail "convert $b.$f back to xpt"; continue; }
        "$TPCONV" --dump "$tp_tmp/$b.$f.xpt" | grep -v '^attr ' >"$tp_tmp/$b.back"
        cmp -s "$tp_tmp/$b.orig" "$tp_tmp/$b.back" ||
            fail "$b: xpt -> $f -> xpt changed: $(diff "$tp_tmp/$b.orig" "$tp_tmp/$b.back" | head -3)"
        "$TPCONV" "$x" "$tp_tmp/again.$f" && cmp -s "$tp_tmp/$b.$f" "$tp_tmp/again.$f" ||
            fail "$b: converting to $f twice gives different bytes"
        "$TPCONV" "$tp_tmp/$b.$f.xpt" "$tp_tmp/third.$f" && cmp -s "$tp_tmp/$b.$f" "$tp_tmp/third.$f" ||
            fail "$b: the round-tripped xpt converts to different $f bytes"
    done
done
[ "$n" -gt 0 ] || fail "no .xpt examples"
pass "$n SEND datasets: same content as CDISC's .json, lossless round trips, reproducible bytes"
finish
