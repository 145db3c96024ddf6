#!/bin/sh
# SCLERADEC II end to end: the 40-subject clean raw export -> trialpack sdtm -> conformance checks
# (check_sdtm.py), hand-written golden records, byte-identical reruns, readstat, the UTF-8 profiles,
# and a dirty export (injected errors) that must still map with every raw record accounted for.
. "$TP_SRCDIR/tests/lib.sh"
TP_PY_MODULES=pandas . "$TP_SRCDIR/tests/find-python.sh"
study="$TP_SRCDIR/mappings/scleradec2"
"$CDT" generate --help >/dev/null 2>&1 || skip "trialpack generate is not available"
"$CDT" generate --study "$study" --out "$tp_tmp/raw" >/dev/null 2>"$tp_tmp/gen.err" ||
    { cat "$tp_tmp/gen.err"; fail "generate"; finish; }

if expect_exit 0 "$CDT" sdtm --study "$study" --raw "$tp_tmp/raw" --out "$tp_tmp/res"; then
    pass "sdtm maps the example"
fi
for f in dm ts ta te tv ti se sv ds ie mh cm pr ec ex ae dv vs lb mb qs ft rs fa ce sc bs co suppae suppdm suppqs relrec; do
    [ -f "$tp_tmp/res/$f.xpt" ] || fail "no $f.xpt"
done
grep -q '(100.0 %)' "$tp_tmp/res/reconciliation.txt" || fail "reconciliation not at 100 %"
if "$PYTHON" "$TP_SRCDIR/tests/sdtm/check_sdtm.py" "$study/sdtm" "$tp_tmp/raw" "$tp_tmp/res" >"$tp_tmp/check.log" 2>&1; then
    pass "conformance checks"
else
    cat "$tp_tmp/check.log"; fail "conformance checks"
fi
if "$PYTHON" "$TP_SRCDIR/tests/sdtm/golden_check.py" "$tp_tmp/res" "$TP_SRCDIR/tests/sdtm/golden/scleradec2" >"$tp_tmp/golden.log" 2>&1; then
    pass "golden records of subjects 01-001 and 01-002"
else
    cat "$tp_tmp/golden.log"; fail "golden records"
fi
# every XPT reads in readstat
if command -v readstat >/dev/null 2>&1; then
    for x in "$tp_tmp"/res/*.xpt; do
        readstat "$x" - >/dev/null 2>&1 || fail "readstat cannot read $(basename "$x")"
    done
    pass "readstat reads every dataset"
fi
# deterministic
"$CDT" sdtm --study "$study" --raw "$tp_tmp/raw" --out "$tp_tmp/res2" -q || fail "second run"
for x in "$tp_tmp"/res/*; do
    cmp -s "$x" "$tp_tmp/res2/$(basename "$x")" || fail "$(basename "$x") differs between two runs"
done
# subjects mapped a few at a time give the same datasets
"$CDT" sdtm --study "$study" --raw "$tp_tmp/raw" --out "$tp_tmp/chunked" --chunk 7 -q || fail "--chunk 7 run"
for x in "$tp_tmp"/res/*.xpt "$tp_tmp/res/reconciliation.txt"; do
    cmp -s "$x" "$tp_tmp/chunked/$(basename "$x")" || fail "$(basename "$x") differs with --chunk 7"
done
# FDA profile: ASCII only, every change reported; PMDA keeps UTF-8
if command -v readstat >/dev/null 2>&1; then
    for x in "$tp_tmp"/res/*.xpt; do
        readstat "$x" - 2>/dev/null | LC_ALL=C grep -q -P '[\x80-\xFF]' && fail "non-ASCII value in $(basename "$x") (fda profile)"
    done
fi
grep -q ',TRANSLITERATED,' "$tp_tmp/res/reconciliation.csv" || fail "no transliteration reported"
"$CDT" sdtm --study "$study" --raw "$tp_tmp/raw" --out "$tp_tmp/pmda" --profile pmda -q || fail "pmda run"
grep -q ',TRANSLITERATED,' "$tp_tmp/pmda/reconciliation.csv" && fail "pmda profile transliterated"
if command -v readstat >/dev/null 2>&1; then
    readstat "$tp_tmp/pmda/ae.xpt" - 2>/dev/null | LC_ALL=C grep -q -P '[\x80-\xFF]' || fail "pmda ae.xpt lost its UTF-8 text"
fi
# a dirty export maps too: bad values become ISSUE lines, never a failure
"$CDT" generate --study "$study" --out "$tp_tmp/dirty" --errors heavy >/dev/null 2>&1 || fail "generate --errors heavy"
if expect_exit 0 "$CDT" sdtm --study "$study" --raw "$tp_tmp/dirty" --out "$tp_tmp/dout" -q; then
    grep -q ',ISSUE,' "$tp_tmp/dout/reconciliation.csv" || fail "dirty export: no ISSUE line"
    grep -q '(100.0 %)' "$tp_tmp/dout/reconciliation.txt" || fail "dirty export: reconciliation incomplete"
    pass "dirty export maps with issues reported"
fi
finish
