#!/bin/sh
# Every rule marked Implemented=Yes in mappings/rules/catalogue.csv has a fixture pair under
# tests/rules/fixtures/<RuleID>/: fire/ must produce the rule's finding, nofire/ must not (and its
# messages must have every placeholder filled). The engine's view (--list-rules) and the
# catalogue's Implemented column must agree. The base study (fixtures/_base) validates with no
# error and no warning. See tests/rules/fixtures/README.md for the case layout.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 interpreter"
[ -x "$CDT" ] || skip "no trialpack binary at $CDT"
# ~1,400 trialpack processes: under ASan+UBSan that alone takes most of a CI budget, so the
# sanitizer build runs a sample (every 10th rule) and the plain build (make distcheck) runs all
only=
if [ -n "${TP_SANITIZERS:-}" ] && [ -z "${TP_FIXTURES_ALL:-}" ]; then
    only=$(awk -F, 'NR > 1 && $NF == "Yes" { print $1 }' "$TP_SRCDIR/mappings/rules/catalogue.csv" | awk 'NR % 10 == 1')
    echo "note: sanitizer build: fixture pairs of $(echo "$only" | wc -w) rules (set TP_FIXTURES_ALL=1 for all)"
fi

# shellcheck disable=SC2086
"$PY" "$TP_SRCDIR/tests/rules/fixture_run.py" "$CDT" "$TP_SRCDIR/tests/rules/fixtures" "$tp_tmp" $only \
    && pass "fixture pairs" || fail "fixture pairs (see above)"

# the base study alone: no error, no warning (notices only)
args=$("$PY" "$TP_SRCDIR/tests/rules/fixture_run.py" --build "$CDT" "$TP_SRCDIR/tests/rules/fixtures" \
    "$TP_SRCDIR/tests/rules/fixtures/_base" "$tp_tmp/base") || fail "cannot build the base study: $args"
# shellcheck disable=SC2086
"$CDT" validate -f csv $args "$tp_tmp/base" > "$tp_tmp/base.csv"
st=$?
bad=$(awk -F, 'NR > 1 && ($1 == "error" || $1 == "warning")' "$tp_tmp/base.csv")
[ "$st" -eq 0 ] && [ -z "$bad" ] && pass "base study: no error, no warning" \
    || fail "base study (exit $st): $bad"
finish
