#!/bin/sh
# Reading Define-XML: every official 2.0 and 2.1 example reads with no dangling reference
# (trialpack define --check), and `trialpack convert --define` takes labels, lengths and
# itemOIDs from a define.xml (when convert has --define).
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$TP_SRCDIR/tests/define/lib-define.sh"
has_command define || skip "this trialpack has no define command"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 for the checks"

refdir="$TP_REFERENCE_DIR/define-examples"
n=0
if [ -d "$refdir" ]; then
    for f in $(find "$refdir" -name '*.xml' | LC_ALL=C sort); do
        if "$CDT" define --check "$f" >"$tp_tmp/out" 2>&1; then
            n=$((n + 1))
        else
            fail "$f: $(head -c 600 "$tp_tmp/out")"
        fi
    done
    [ "$n" -gt 0 ] && pass "$n official Define-XML 2.0/2.1 examples read, no dangling reference"
    grep -q 'Define-XML 2.0' "$tp_tmp/out" 2>/dev/null || true
else
    echo "note: $refdir absent: official examples not read"
fi

# convert --define: a DM-like CSV takes the define's labels, itemOIDs and lengths
if "$CDT" convert --help 2>/dev/null | grep -q -- '--define'; then
    define_fixture_data "$tp_tmp/fx" || finish
    "$CDT" define --study "$TP_SRCDIR/tests/data/define" --data "$tp_tmp/fx" --out "$tp_tmp/define.xml" \
        || fail "define failed"
    cp "$TP_SRCDIR/tests/data/define/data/dm.csv" "$tp_tmp/dm.csv"
    if "$CDT" convert --define "$tp_tmp/define.xml" "$tp_tmp/dm.csv" "$tp_tmp/dm.json" 2>"$tp_tmp/err"; then
        "$PY" - "$tp_tmp/dm.json" <<'PYEOF' && pass "convert --define: labels, itemOIDs, lengths and keys from define.xml" || fail "convert --define: columns do not carry the define's metadata"
import json, sys
d = json.load(open(sys.argv[1]))
cols = {c["name"]: c for c in d["columns"]}
ok = (d["label"] == "Demographics" and cols["USUBJID"]["itemOID"] == "IT.DM.USUBJID"
      and cols["USUBJID"]["label"] == "Unique Subject Identifier" and cols["USUBJID"]["length"] == 11
      and cols["USUBJID"].get("keySequence") == 2 and cols["AGE"]["dataType"] == "integer"
      and cols["SEX"]["itemOID"] == "IT.DM.SEX")
if not ok:
    print(json.dumps(d["columns"], indent=1)[:1500])
sys.exit(0 if ok else 1)
PYEOF
    else
        fail "convert --define failed: $(head -c 600 "$tp_tmp/err")"
    fi
else
    echo "note: convert has no --define yet: not checked"
fi
finish
