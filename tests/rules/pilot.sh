#!/bin/sh
# The CDISC SDTM/ADaM pilot study (cdiscpilot01, SDTMIG 3.1.2 data with known defects, Define-XML
# 1.0) validates without crashing: exit 1 (it has errors), every report format is complete, and
# the findings include the defects documented in docs/standards.md 5.3 (AESTDY 366 for a same-day
# date; Define-XML 1.0 namespaces). Prints the counts per rule. Skips when the reference folder
# is absent.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

need_reference cdiscpilot01/sdtm
pilot="$TP_REFERENCE_DIR/cdiscpilot01/sdtm"
ct="$TP_REFERENCE_DIR/ct/nci-evs-txt/SDTM_Terminology.txt"
ctarg=""
[ -f "$ct" ] && ctarg="--ct $ct"
# shellcheck disable=SC2086
"$CDT" validate -f csv $ctarg -o "$tp_tmp/pilot.csv" "$pilot"
st=$?
[ "$st" -eq 1 ] && pass "pilot: exit 1 (errors found, no crash)" || fail "pilot: exit $st"
tail -1 "$tp_tmp/pilot.csv" | grep -q '^info,#CATALOGUE' && pass "pilot: CSV report complete" \
    || fail "pilot: CSV report truncated"
grep -q ',TP0073,.*AE,AESTDY,.*,366,' "$tp_tmp/pilot.csv" && pass "pilot: AESTDY 366 on a same-day date found" \
    || fail "pilot: the known AESTDY defect was not reported"
grep -q ',TP0326,' "$tp_tmp/pilot.csv" && pass "pilot: Define-XML 1.0 define.xml reported" \
    || fail "pilot: the define.xml namespaces were not reported"
# shellcheck disable=SC2086
"$CDT" validate -f html $ctarg -o "$tp_tmp/pilot.html" "$pilot"
grep -q '</html>' "$tp_tmp/pilot.html" && pass "pilot: HTML report complete" || fail "pilot: HTML report"
echo "findings per rule (severity rule count):"
awk -F, 'NR > 1 && $1 != "info" { n[$1 " " $2]++ } END { for (k in n) print "  " k, n[k] }' \
    "$tp_tmp/pilot.csv" | sort
finish
