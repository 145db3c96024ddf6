#!/bin/sh
# Dataset-JSON test (2): every official example (.json, .ndjson, .dsjc; zlib or gzip) under
# $TP_REFERENCE_DIR/dataset-json reads, and the three encodings of one dataset hold the same values.
# CDISC's extensions/extended_dataset.json is an extended file, not a standard one: it writes
# "na" in an integer column (its NULLCHAR extension) and has records 72 with 2 rows. It must fail
# with that message by default and read with -o dsjson.null=na -o dsjson.check_records=no.
. "$TP_SRCDIR/tests/lib.sh"
need_reference dataset-json
TPCONV=$TP_BUILDDIR/tests/dsjson/tpconv
n=0
for f in $(find "$TP_REFERENCE_DIR/dataset-json" -type f \( -name '*.json' -o -name '*.ndjson' -o -name '*.dsjc' \) | sort); do
    case $f in
    */schema/* | *.schema.json) continue ;;   # JSON schemas, not datasets
    */extensions/extended_dataset.json)
        expect_exit 3 "$TPCONV" --dump "$f" &&
            grep -q "record 1, column 'AEENDY': expected an integer, found a string (\"na\")" "$tp_tmp/err" ||
            fail "extended example: unexpected result: $(cat "$tp_tmp/err")"
        "$TPCONV" -o dsjson.null=na -o dsjson.check_records=no --dump "$f" >/dev/null ||
            fail "extended example does not read with the relaxing options"
        n=$((n + 1))
        continue ;;
    esac
    n=$((n + 1))
    "$TPCONV" --dump "$f" >"$tp_tmp/dump.$n" 2>"$tp_tmp/err" || { fail "$f: $(cat "$tp_tmp/err")"; continue; }
done
[ "$n" -gt 0 ] || fail "no examples found"
# the same dataset as .json, .ndjson and .dsjc gives the same values (metadata aside)
for j in "$TP_REFERENCE_DIR"/dataset-json/*/examples/*/*.json; do
    stem=${j%.json}
    [ -f "$stem.ndjson" ] && [ -f "$stem.dsjc" ] || continue
    "$TPCONV" --dump --values "$j" >"$tp_tmp/a" || fail "$j"
    for other in "$stem.ndjson" "$stem.dsjc"; do
        "$TPCONV" --dump --values "$other" >"$tp_tmp/b" || fail "$other"
        cmp -s "$tp_tmp/a" "$tp_tmp/b" || fail "$other differs from $j"
    done
done
pass "$n official examples read"
finish
