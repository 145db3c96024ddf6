#!/bin/sh
# trialpack define writes Define-XML 2.1 from the spec and the data: the hand-made fixture of
# tests/data/define (and the bundled SCLERADEC II example once `trialpack build` exists) must
#   - validate against the official schema (xmllint) and the bundled one (trialpack validate),
#   - describe exactly the data files (tests/define/check_define.py: one ItemGroupDef per file,
#     ItemRefs in file order with matching types and lengths, every OID reference resolves,
#     nothing unreferenced),
#   - pass `trialpack define --check` (OIDs, leaves) and be byte-identical over two runs.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$TP_SRCDIR/tests/define/lib-define.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 for the checks"
has_command define || skip "this trialpack has no define command"
OFFICIAL="$TP_REFERENCE_DIR/define-xsd/define-2.1/cdisc-define-2.1/define2-1-0.xsd"

# check_one NAME STUDY DATADIR: write twice, validate, compare with the data
check_one() {
    name=$1 study=$2 data=$3
    if ! "$CDT" define --study "$study" --data "$data" --out "$tp_tmp/$name.xml" 2>"$tp_tmp/err"; then
        fail "$name: define failed: $(head -c 600 "$tp_tmp/err")"; return
    fi
    "$CDT" define --study "$study" --data "$data" --out "$tp_tmp/$name.again.xml" 2>/dev/null
    cmp -s "$tp_tmp/$name.xml" "$tp_tmp/$name.again.xml" && pass "$name: two runs are byte-identical" \
        || fail "$name: two runs differ"
    grep -q "CreationDateTime=\"$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%S)\"" "$tp_tmp/$name.xml" \
        && pass "$name: CreationDateTime from SOURCE_DATE_EPOCH" || fail "$name: CreationDateTime not pinned"
    if [ -f "$OFFICIAL" ] && command -v xmllint >/dev/null 2>&1; then
        if xmllint --noout --nonet --schema "$OFFICIAL" "$tp_tmp/$name.xml" 2>"$tp_tmp/xsd.err"; then
            pass "$name: valid against the official Define-XML 2.1 schema"
        else
            fail "$name: official schema: $(grep -v 'Skipping import' "$tp_tmp/xsd.err" | head -5)"
        fi
    else
        echo "note: $OFFICIAL or xmllint absent: official schema not checked"
    fi
    # the bundled schema alone (trialpack validate also runs the package rules, which need the
    # data files beside define.xml; those are checked by tests/rules/example.sh)
    if command -v xmllint >/dev/null 2>&1; then
        if xmllint --noout --nonet --schema "$TP_SRCDIR/xsd/define-2.1/define2-1-0.xsd" \
                "$tp_tmp/$name.xml" 2>"$tp_tmp/val.out"; then
            pass "$name: valid against the bundled schema"
        else
            fail "$name: bundled schema: $(head -c 600 "$tp_tmp/val.out")"
        fi
    fi
    "$CDT" info --format json "$data"/*.xpt >"$tp_tmp/$name.info.json" || fail "$name: info failed"
    if "$PY" "$TP_SRCDIR/tests/define/check_define.py" "$tp_tmp/$name.xml" "$data" \
            "$tp_tmp/$name.info.json" >"$tp_tmp/check.out" 2>&1; then
        pass "$name: $(head -n 1 "$tp_tmp/check.out")"
    else
        fail "$name: define does not match the data: $(head -c 1500 "$tp_tmp/check.out")"
    fi
    if "$CDT" define --check "$tp_tmp/$name.xml" >"$tp_tmp/chk.out" 2>&1; then
        pass "$name: define --check finds no dangling reference"
    else
        fail "$name: define --check: $(head -c 600 "$tp_tmp/chk.out")"
    fi
}

define_fixture_data "$tp_tmp/fixture" && check_one fixture "$TP_SRCDIR/tests/data/define" "$tp_tmp/fixture"
# a spec dataset without data (LB) is not described; a method nobody uses is not written
grep -q 'IG.LB' "$tp_tmp/fixture.xml" && fail "fixture: LB has no data but is described"
grep -q 'MT.UNUSED' "$tp_tmp/fixture.xml" && fail "fixture: unreferenced method written"

if has_command build; then
    if "$CDT" build --out "$tp_tmp/sub" >"$tp_tmp/build.out" 2>&1; then
        sd=$(find "$tp_tmp/sub" -type d -name sdtm | head -n 1)
        check_one scleradec2 "$TP_DATADIR/mappings/scleradec2" "$sd"
    else
        fail "trialpack build failed: $(tail -c 600 "$tp_tmp/build.out")"
    fi
else
    echo "note: no 'trialpack build' yet: only the fixture was checked"
fi
finish
