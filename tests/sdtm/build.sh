#!/bin/sh
# trialpack build: the bundled example into an eCTD tree, atomically and deterministically.
. "$TP_SRCDIR/tests/lib.sh"
cd "$tp_tmp" || exit 1
if expect_exit 0 "$CDT" build --out sub; then
    pass "build"
fi
d=sub/m5/datasets/scleradec2/tabulations/sdtm
for f in dm.xpt ts.xpt ae.xpt qs.xpt; do
    [ -f "$d/$f" ] || fail "no $d/$f"
done
[ -f sub/reconciliation.csv ] && [ -f sub/reconciliation.txt ] || fail "no reconciliation beside m5/"
grep -q '(100.0 %)' sub/reconciliation.txt || fail "reconciliation not at 100 %"
ls | grep -q 'tmp-' && fail "temporary folder left behind"
"$CDT" build --out sub2 >/dev/null 2>&1 || fail "second build"
for x in "$d"/*.xpt; do
    cmp -s "$x" "sub2/m5/datasets/scleradec2/tabulations/sdtm/$(basename "$x")" ||
        fail "$(basename "$x") differs between two builds (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
done
# rebuilding over an existing folder replaces it
"$CDT" build --out sub >/dev/null 2>&1 || fail "rebuild over sub/"
expect_exit 0 "$CDT" build --help
expect_exit 2 "$CDT" build --bogus
finish
