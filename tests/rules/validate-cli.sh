#!/bin/sh
# `trialpack validate` on datasets and packages: exit codes (0 clean or warnings only, 1 errors or
# --fail-on warning, 2 usage, 3 unreadable input), the catalogue identity line in every format,
# CSV/JSON completeness, --list-rules, single files vs folders, odd files become findings.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 interpreter"
fx="$TP_SRCDIR/tests/rules/fixtures"
build() { "$PY" "$TP_SRCDIR/tests/rules/fixture_run.py" --build "$CDT" "$fx" "$1" "$2"; }

expect_exit 2 "$CDT" validate && pass "no path: usage error"
expect_exit 2 "$CDT" validate --format pdf "$fx" && pass "unknown format: usage error"
expect_exit 3 "$CDT" validate "$tp_tmp/absent" && pass "missing path: exit 3"

args=$(build "$fx/_base" "$tp_tmp/p_base") || fail "build base: $args"
# shellcheck disable=SC2086
expect_exit 0 "$CDT" validate $args "$tp_tmp/p_base" && pass "clean package: exit 0"
grep -Eq '^catalogue: rules [0-9]{4}\.[0-9]+\.[0-9]+ sha256:[0-9a-f]{64}' "$tp_tmp/out" \
    && pass "text report names the catalogue" || fail "text report lacks the catalogue line"
grep -q '^0 error(s), 0 warning(s)' "$tp_tmp/out" && pass "text totals" || fail "text totals: $(tail -1 "$tp_tmp/out")"

args=$(build "$fx/TP0041/fire" "$tp_tmp/p_err") || fail "build error case: $args"
# shellcheck disable=SC2086
expect_exit 1 "$CDT" validate $args "$tp_tmp/p_err" && pass "package with an error: exit 1"
grep -q 'TP0041' "$tp_tmp/out" && pass "text report shows the rule" || fail "TP0041 missing from text"

wargs=$(build "$fx/TP0055/fire" "$tp_tmp/p_warn") || fail "build warning case: $wargs"
# shellcheck disable=SC2086
expect_exit 0 "$CDT" validate $wargs "$tp_tmp/p_warn" && pass "warnings only: exit 0"
# shellcheck disable=SC2086
expect_exit 1 "$CDT" validate --fail-on warning $wargs "$tp_tmp/p_warn" && pass "--fail-on warning: exit 1"

# CSV: header, one row per finding, the catalogue row last
# shellcheck disable=SC2086
"$CDT" validate -f csv $args "$tp_tmp/p_err" > "$tp_tmp/r.csv"
head -1 "$tp_tmp/r.csv" | grep -q '^severity,rule,path,line,dataset,variable,row,value,message$' \
    && pass "CSV header" || fail "CSV header: $(head -1 "$tp_tmp/r.csv")"
tail -1 "$tp_tmp/r.csv" | grep -Eq '^info,#CATALOGUE,.*rules [0-9.]+ sha256:[0-9a-f]{64}$' \
    && pass "CSV ends with the catalogue record" || fail "CSV catalogue record: $(tail -1 "$tp_tmp/r.csv")"
# JSON: parses; findings counted per severity equal the summary; catalogue and rule statuses
# shellcheck disable=SC2086
"$CDT" validate -f json -o "$tp_tmp/r.json" $args "$tp_tmp/p_err"
"$PY" - "$tp_tmp/r.json" <<'PY' && pass "JSON report consistent" || fail "JSON report"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["catalogue"]["sha256"]) == 64 and d["catalogue"]["version"]
for sev in ("error", "warning", "notice"):
    assert d["summary"][sev + "s"] == sum(f["severity"] == sev for f in d["findings"]), sev
st = {r["id"]: r["status"] for r in d["rules"]}
assert st["TP0041"] == "ran"
assert "not implemented" in st.values()
assert any(f["rule"] == "TP0041" and f["row"] > 0 and f["dataset"] == "LB" for f in d["findings"])
PY

# --list-rules: implemented and not implemented rules, the same hash as the reports
expect_exit 0 "$CDT" validate --list-rules && pass "--list-rules"
n=$(grep -c ' implemented ' "$tp_tmp/out"); m=$(grep -c 'NOT IMPLEMENTED' "$tp_tmp/out")
[ "$n" -ge 100 ] && [ "$m" -ge 1 ] && pass "--list-rules: $n implemented, $m not" || fail "--list-rules: $n/$m"

# a single dataset file is not a package: no package-level findings (DM, TS, define.xml ...)
expect_exit 0 "$CDT" validate -f csv "$tp_tmp/p_base/dm.xpt" && pass "single XPT file: exit 0"
grep -q ',TP0050,\|,TP0372,' "$tp_tmp/out" && fail "package rules ran on a single file"

# odd files become findings, not crashes: a truncated XPT inside a package
head -c 1000 "$tp_tmp/p_base/ae.xpt" > "$tp_tmp/p_base/ae.xpt.tmp" && mv "$tp_tmp/p_base/ae.xpt.tmp" "$tp_tmp/p_base/ae.xpt"
expect_exit 1 "$CDT" validate -f csv "$tp_tmp/p_base" && grep -q '^error,READ,.*ae.xpt' "$tp_tmp/out" \
    && pass "truncated XPT reported as a READ finding" || fail "truncated XPT: $(grep READ "$tp_tmp/out")"
finish
