#!/bin/sh
# XML input never resolves external entities, never expands entity bombs, never reaches the
# network: a DOCTYPE is refused with a finding, the referenced file's content never appears, and
# validation finishes quickly. Also: official ODM examples validate with --schema-dir, the
# not-schema-valid ones fail with located findings, and --format json/csv stream them.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

odm_head='<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" ODMVersion="1.3.2" FileType="Snapshot" FileOID="F.1" CreationDateTime="2024-01-01T00:00:00">'
secret="$tp_tmp/secret.txt"
echo "TOP-SECRET-CONTENT" > "$secret"
cat > "$tp_tmp/xxe.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE ODM [ <!ENTITY xxe SYSTEM "file://$secret"> ]>
$odm_head<Study OID="S.&xxe;"/></ODM>
XML
cat > "$tp_tmp/net.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE ODM SYSTEM "http://127.0.0.1:9/evil.dtd">
$odm_head</ODM>
XML
{
    echo '<?xml version="1.0"?>'
    echo '<!DOCTYPE ODM ['
    echo '<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    prev=a
    for e in b c d e f g h i j k; do
        echo "<!ENTITY $e \"&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;\">"
        prev=$e
    done
    echo ']>'
    echo "$odm_head<Study OID=\"&k;\"/></ODM>"
} > "$tp_tmp/laughs.xml"

for f in xxe net laughs; do
    start=$(date +%s)
    "$CDT" validate "$tp_tmp/$f.xml" > "$tp_tmp/$f.out" 2>&1
    st=$?
    end=$(date +%s)
    [ "$st" -eq 1 ] && pass "$f: refused with findings (exit 1)" || fail "$f: exit $st: $(cat "$tp_tmp/$f.out")"
    grep -q "DOCTYPE declarations are not allowed" "$tp_tmp/$f.out" && pass "$f: refused on its DOCTYPE before parsing" || fail "$f: no DOCTYPE finding: $(cat "$tp_tmp/$f.out")"
    grep -q "TOP-SECRET" "$tp_tmp/$f.out" && fail "$f: external entity content leaked"
    [ $((end - start)) -le 5 ] || fail "$f: took $((end - start)) s"
done

# malformed XML: a finding with a line, not a crash
printf '%s\n<Study OID="x">\n</ODM>\n' "$odm_head" > "$tp_tmp/bad.xml"
expect_exit 1 "$CDT" validate "$tp_tmp/bad.xml" && grep -q 'bad.xml:[0-9]' "$tp_tmp/out" && pass "malformed XML located"
expect_exit 3 "$CDT" validate "$tp_tmp/none.xml" && pass "missing file: exit 3"
printf '<root/>\n' > "$tp_tmp/other.xml"
expect_exit 1 "$CDT" validate "$tp_tmp/other.xml" && grep -q 'not an ODM' "$tp_tmp/out" && pass "non-CDISC XML reported"

if [ -d "$TP_REFERENCE_DIR/odm-xsd" ]; then
    for f in "$TP_REFERENCE_DIR"/odm-examples/odmlib/*.xml; do
        expect_exit 0 "$CDT" validate --schema-dir "$TP_REFERENCE_DIR/odm-xsd" "$f" && pass "official schema: $(basename "$f") valid"
    done
    for f in "$TP_REFERENCE_DIR"/odm-examples/not-schema-valid/*.xml; do
        expect_exit 1 "$CDT" validate --format csv --schema-dir "$TP_REFERENCE_DIR/odm-xsd" "$f" \
            && head -1 "$tp_tmp/out" | grep -q '^severity,rule,path,line' \
            && awk -F, 'NR > 1 && $4 > 0 { ok = 1 } END { exit !ok }' "$tp_tmp/out" \
            && pass "official schema: $(basename "$f") invalid, findings with lines"
    done
    f="$TP_REFERENCE_DIR/odm-examples/not-schema-valid/nonconformant_odm.xml"
    "$CDT" validate --format json --schema-dir "$TP_REFERENCE_DIR/odm-xsd" "$f" > "$tp_tmp/j.json"
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["errors"] == len(d["findings"]) > 0' "$tp_tmp/j.json" \
        && pass "json report parses and counts agree" || fail "json report"
else
    echo "note: $TP_REFERENCE_DIR/odm-xsd absent: official-schema checks skipped"
fi
finish
