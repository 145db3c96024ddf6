#!/bin/sh
# A second, different study mapped by sheets only (tests/data/ministudy: other raw conventions,
# an EG findings domain, unscheduled visits, an orphan record, a bad date, accents), checked by
# check_sdtm.py and against hand-written expected records.
. "$TP_SRCDIR/tests/lib.sh"
TP_PY_MODULES=pandas . "$TP_SRCDIR/tests/find-python.sh"
mini="$TP_TEST_DATA/ministudy"
if expect_exit 0 "$CDT" sdtm --study "$mini" --raw "$mini/raw" --out "$tp_tmp/res" --format xpt,json; then
    pass "ministudy maps"
fi
[ -f "$tp_tmp/res/eg.xpt" ] || fail "no eg.xpt"
[ -f "$tp_tmp/res/eg.json" ] || fail "no eg.json (--format json)"
grep -q '^adverse,4,,D1,1,NOT MAPPED,,subject .1004. is not in the subject table enrol' "$tp_tmp/res/reconciliation.csv" ||
    fail "orphan adverse record not reported"
grep -q "^adverse,3,.*,ISSUE,AE:1 AESTDTC,unparseable date '2021-02-30'" "$tp_tmp/res/reconciliation.csv" ||
    fail "bad date not reported"
grep -q "TRANSLITERATED,AE:2 AETERM,'C.*phal.*e' -> 'Cephalee'" "$tp_tmp/res/reconciliation.csv" ||
    fail "transliteration not reported"
"$PYTHON" "$TP_SRCDIR/tests/sdtm/check_sdtm.py" "$mini/sdtm" "$mini/raw" "$tp_tmp/res" >"$tp_tmp/c.log" 2>&1 ||
    { cat "$tp_tmp/c.log"; fail "conformance checks"; }
"$PYTHON" "$TP_SRCDIR/tests/sdtm/golden_check.py" "$tp_tmp/res" "$TP_SRCDIR/tests/sdtm/golden/ministudy" >"$tp_tmp/g.log" 2>&1 ||
    { cat "$tp_tmp/g.log"; fail "golden records"; }
finish
