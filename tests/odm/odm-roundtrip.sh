#!/bin/sh
# generate -> odm export -> odm import gives back the generated values: every raw row of every
# form is found, split by item group, with equal values (compared by tests/odm/odm_check.py after
# normalising the raw conventions independently of trialpack).
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$TP_SRCDIR/tests/odm/odm-lib.sh"
TP_PY_MODULES="csv xml.etree.ElementTree" . "$TP_SRCDIR/tests/find-python.sh"

gen_raw "$tp_tmp/raw"
"$CDT" odm export -q --study "$study" --raw "$tp_tmp/raw" --out "$tp_tmp/s.xml" || { fail "export"; finish; }
if "$CDT" odm import "$tp_tmp/s.xml" --study "$study" --out "$tp_tmp/tables" 2>"$tp_tmp/imp.err"; then
    pass "import"
else
    fail "import: $(cat "$tp_tmp/imp.err")"; finish
fi
grep -q ': warning:' "$tp_tmp/imp.err" && fail "import of our own export gave warnings: $(head -3 "$tp_tmp/imp.err")"
"$PYTHON" "$TP_SRCDIR/tests/odm/odm_check.py" roundtrip "$study" "$tp_tmp/raw" "$tp_tmp/tables" >"$tp_tmp/cmp.out" 2>&1 &&
    pass "$(tail -1 "$tp_tmp/cmp.out")" || fail "round trip: $(head -20 "$tp_tmp/cmp.out")"
"$PYTHON" "$TP_SRCDIR/tests/odm/odm_check.py" counts "$tp_tmp/s.xml" "$tp_tmp/tables" >"$tp_tmp/cnt.out" 2>&1 &&
    pass "$(tail -1 "$tp_tmp/cnt.out")" || fail "row counts: $(head -10 "$tp_tmp/cnt.out")"

# without --study the numeric items that allow missing codes are numbers: ND becomes missing
"$CDT" odm import -q "$tp_tmp/s.xml" --out "$tp_tmp/plain" || fail "import without --study"
[ "$(ls "$tp_tmp/plain" | wc -l)" -eq "$(ls "$tp_tmp/tables" | wc -l)" ] && pass "same tables without --study" || fail "different tables without --study"
finish
