#!/bin/sh
# ODM export of the 40-subject example: valid against CDISC's official ODM 1.3.2 schema (xmllint
# and 'trialpack validate --schema-dir') and against the bundled one ('trialpack validate');
# byte-identical for the same SOURCE_DATE_EPOCH; the options keep it valid.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$TP_SRCDIR/tests/odm/odm-lib.sh"

gen_raw "$tp_tmp/raw"
x="$tp_tmp/study.xml"
if "$CDT" odm export --study "$study" --raw "$tp_tmp/raw" --out "$x" 2>"$tp_tmp/export.err"; then
    pass "export of the example"
else
    fail "export failed: $(cat "$tp_tmp/export.err")"; finish
fi
grep -q ': warning:' "$tp_tmp/export.err" && fail "the clean example gave warnings: $(head -3 "$tp_tmp/export.err")"
grep -q '<SubjectData SubjectKey="01-001">' "$x" && pass "subject 01-001 exported" || fail "no SubjectData 01-001"
grep -q 'xml:lang="en"' "$x" && grep -q 'xml:lang="fr"' "$x" && pass "French and English texts" || fail "missing fr/en TranslatedText"

official="$TP_REFERENCE_DIR/odm-xsd"
if [ -f "$official/ODM1-3-2.xsd" ]; then
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout --nonet --schema "$official/ODM1-3-2.xsd" "$x" >"$tp_tmp/xl.out" 2>&1 &&
            pass "xmllint: valid against the official ODM 1.3.2 schema" ||
            fail "xmllint: $(head -5 "$tp_tmp/xl.out")"
    else
        echo "note: xmllint not installed, official check through trialpack validate only"
    fi
    expect_exit 0 "$CDT" validate --schema-dir "$official" "$x" && pass "validate --schema-dir (official)"
else
    echo "note: $official absent, official schema checks skipped"
fi
expect_exit 0 "$CDT" validate "$x" && pass "validate (bundled xsd/odm-1.3.2)"

# determinism
"$CDT" odm export -q --study "$study" --raw "$tp_tmp/raw" --out "$tp_tmp/again.xml" &&
    cmp -s "$x" "$tp_tmp/again.xml" && pass "two exports are byte-identical" || fail "two exports differ"
SOURCE_DATE_EPOCH=1600000000 "$CDT" odm export -q --study "$study" --raw "$tp_tmp/raw" --out "$tp_tmp/other.xml"
grep -q 'CreationDateTime="2020-09-13T12:26:40Z"' "$tp_tmp/other.xml" && pass "CreationDateTime from SOURCE_DATE_EPOCH" || fail "CreationDateTime not from SOURCE_DATE_EPOCH"
n=$(diff "$x" "$tp_tmp/other.xml" | grep -c '^<')
[ "$n" -eq 1 ] && pass "another epoch changes only the root element" || fail "another epoch changes $n lines"

# options
"$CDT" odm export -q --compact --no-restricted --file-oid ODM.T --study "$study" --raw "$tp_tmp/raw" --out "$tp_tmp/c.xml" || fail "export with options"
grep -q 'F.LEVEE_AVEUGLE' "$tp_tmp/c.xml" && fail "--no-restricted kept a restricted form" || pass "--no-restricted"
expect_exit 0 "$CDT" validate "$tp_tmp/c.xml" && pass "compact export valid"
finish
