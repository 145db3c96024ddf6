#!/bin/sh
# Real EDC exports and CDISC's ODM examples import: the six REDCap project exports (lenient:
# FormData without StudyEventData, redcap: extensions, items outside their ItemGroupDef, an empty
# ItemGroupOID) and the odmlib ClinicalData examples, each table with as many rows as the
# document has ItemGroupData elements of its group (counted by python's xml.etree).
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
"$CDT" odm --help >/dev/null 2>&1 || skip "'trialpack odm' is not available in $CDT"
need_reference edc-odm/redcap
need_reference odm-examples/odmlib
TP_PY_MODULES="csv xml.etree.ElementTree" . "$TP_SRCDIR/tests/find-python.sh"

n=0
for f in "$TP_REFERENCE_DIR"/edc-odm/redcap/*.xml "$TP_REFERENCE_DIR/odm-examples/odmlib/odm-data-snapshot.xml" \
         "$TP_REFERENCE_DIR/odm-examples/odmlib/test_clinical_data_01.xml"; do
    b=$(basename "$f" .xml)
    n=$((n + 1))
    "$CDT" odm import "$f" --out "$tp_tmp/$b" >"$tp_tmp/$b.out" 2>"$tp_tmp/$b.err"
    st=$?
    if [ "$st" -ne 0 ]; then
        fail "$b: exit $st: $(tail -2 "$tp_tmp/$b.err")"
        continue
    fi
    "$PYTHON" "$TP_SRCDIR/tests/odm/odm_check.py" counts "$f" "$tp_tmp/$b" >"$tp_tmp/$b.cnt" 2>&1 &&
        pass "$b: $(tail -1 "$tp_tmp/$b.cnt")" || fail "$b: $(head -5 "$tp_tmp/$b.cnt")"
done
[ "$n" -eq 8 ] && pass "8 documents" || fail "expected 8 documents, found $n"
grep -q "FormData directly under SubjectData" "$tp_tmp/clinical-trial-1.project.err" && pass "REDCap classic layout reported" || fail "no warning for FormData under SubjectData"
grep -q "projectredcap.org" "$tp_tmp/clinical-trial-1.project.err" && pass "redcap: extension reported" || fail "no warning for the redcap: namespace"
grep -q "is not referenced by ItemGroupDef" "$tp_tmp/longitudinal.project.err" && pass "items outside their ItemGroupDef reported" || fail "no warning for unreferenced items"
grep -q "has no ItemGroupDef" "$tp_tmp/russian.project.err" && pass "ItemGroupData without ItemGroupDef reported" || fail "no warning for the empty ItemGroupOID"
grep -q "does not define" "$tp_tmp/test_clinical_data_01.err" && pass "ClinicalData without metadata reported" || fail "no warning for missing metadata"
head -1 "$tp_tmp/clinical-trial-1.project/demographics.record_id.csv" | grep -q '^SubjectKey,StudyEventOID,StudyEventRepeatKey,FormOID,FormRepeatKey,ItemGroupRepeatKey,record_id,' &&
    pass "REDCap table header" || fail "REDCap header: $(head -1 "$tp_tmp/clinical-trial-1.project/demographics.record_id.csv")"
finish
