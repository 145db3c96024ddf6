#!/bin/sh
# Bad define.xml input gives a clear error or finding with its line, never a crash: malformed XML,
# a DOCTYPE, a dangling ItemOID, a dangling leafID / ArchiveLocationID, a def:leaf file that is not
# there; and a spec whose value-level sheet names a where clause that does not exist.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$TP_SRCDIR/tests/define/lib-define.sh"
has_command define || skip "this trialpack has no define command"
C="$TP_SRCDIR/tests/fuzz/corpus/define"

# expect_msg CODE PATTERN ARGS...: exit code and a stderr line matching PATTERN
expect_msg() {
    code=$1 pat=$2; shift 2
    "$CDT" define "$@" >"$tp_tmp/out" 2>"$tp_tmp/err"; got=$?
    if [ "$got" -ne "$code" ]; then
        fail "define $*: exit $got, want $code; stderr: $(head -c 400 "$tp_tmp/err")"
    elif ! grep -q -E "$pat" "$tp_tmp/err"; then
        fail "define $*: stderr does not match '$pat': $(head -c 400 "$tp_tmp/err")"
    else
        pass "define $(echo "$*" | sed "s#$C/##g"): $(head -n 1 "$tp_tmp/err" | sed "s#$C/##")"
    fi
}
expect_msg 3 'truncated.xml:[0-9]+: error: not well-formed' --check "$C/truncated.xml"
expect_msg 3 'doctype.xml:2: error: DOCTYPE' --check "$C/doctype.xml"
expect_msg 3 'not a Define-XML document' --check "$C/not-odm.xml"
expect_msg 1 "minimal\\.xml:7: error: dangling ItemOID 'IT.GONE'|dangling-itemoid.xml:7: error: dangling ItemOID 'IT.GONE'" --check "$C/dangling-itemoid.xml"
expect_msg 1 "dangling-leaf.xml:5: error: dangling def:ArchiveLocationID 'LF.X'" --check "$C/dangling-leaf.xml"
expect_msg 1 "dangling-leaf.xml:[0-9]+: error: dangling CodeListOID 'CL.NONE'" --check "$C/dangling-leaf.xml"
mkdir -p "$tp_tmp/empty"
expect_msg 1 "minimal-2.0.xml:8: error: def:leaf 'LF.DM' points to 'dm.xpt', which does not exist" \
    --check "$C/minimal-2.0.xml" --data "$tp_tmp/empty"

# a spec error names the sheet, line and column
define_fixture_data "$tp_tmp/fx" || finish
cp -r "$TP_SRCDIR/tests/data/define" "$tp_tmp/spec"
chmod -R u+w "$tp_tmp/spec"
printf 'VS,VSORRES,WC.NOPE,text,,,,No,,Collected,Investigator,,\n' >>"$tp_tmp/spec/sdtm/ValueLevel.csv"
expect_msg 3 "sdtm/ValueLevel.csv:5:3: error: .*where clause 'WC.NOPE' not in WhereClauses.csv" \
    --study "$tp_tmp/spec" --data "$tp_tmp/fx" --out "$tp_tmp/x.xml"
[ -e "$tp_tmp/x.xml" ] && fail "a failed run left define.xml behind"
expect_msg 3 "cannot open data folder" --study "$TP_SRCDIR/tests/data/define" --data "$tp_tmp/nope" \
    --out "$tp_tmp/y.xml"
finish
