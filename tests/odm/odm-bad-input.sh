#!/bin/sh
# Bad input gives one clear error with its location and leaves nothing behind: malformed XML, an
# XXE attempt, a billion-laughs bomb, an ItemOID without ItemDef (import); a raw table whose
# columns do not match the CRF, an unknown visit code (export).
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$TP_SRCDIR/tests/odm/odm-lib.sh"

w="$tp_tmp/work"
mkdir -p "$w"
head='<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" ODMVersion="1.3.2" FileType="Snapshot" FileOID="F.1" CreationDateTime="2024-01-01T00:00:00">'
secret="$tp_tmp/secret.txt"
echo "TOP-SECRET-CONTENT" >"$secret"

printf '%s\n' '<?xml version="1.0"?>' "$head" '<ClinicalData StudyOID="S" MetaDataVersionOID="M">' \
    '<SubjectData SubjectKey="1">' '</ClinicalData>' '</ODM>' >"$tp_tmp/malformed.xml"
printf '%s\n' '<?xml version="1.0"?>' "<!DOCTYPE ODM [ <!ENTITY xxe SYSTEM \"file://$secret\"> ]>" \
    "$head" '<ClinicalData StudyOID="S" MetaDataVersionOID="M"><SubjectData SubjectKey="&xxe;"/></ClinicalData></ODM>' >"$tp_tmp/xxe.xml"
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
    echo "$head<ClinicalData StudyOID=\"S\" MetaDataVersionOID=\"M\"><SubjectData SubjectKey=\"&k;\"/></ClinicalData></ODM>"
} >"$tp_tmp/laughs.xml"
cat >"$tp_tmp/nodef.xml" <<XML
<?xml version="1.0"?>
$head
<Study OID="S"><GlobalVariables><StudyName>S</StudyName><StudyDescription/><ProtocolName>S</ProtocolName></GlobalVariables>
<MetaDataVersion OID="M" Name="M">
<ItemGroupDef OID="IG.A" Name="A" Repeating="No"><ItemRef ItemOID="IT.X" Mandatory="No"/></ItemGroupDef>
<ItemDef OID="IT.X" Name="X" DataType="integer"/>
</MetaDataVersion></Study>
<ClinicalData StudyOID="S" MetaDataVersionOID="M"><SubjectData SubjectKey="1"><StudyEventData StudyEventOID="SE"><FormData FormOID="F">
<ItemGroupData ItemGroupOID="IG.A">
<ItemData ItemOID="IT.X" Value="1"/>
<ItemData ItemOID="IT.GHOST" Value="2"/>
</ItemGroupData></FormData></StudyEventData></SubjectData></ClinicalData></ODM>
XML

# import_refused NAME LINE PATTERN
import_refused() {
    start=$(date +%s)
    expect_exit 3 "$CDT" odm import "$tp_tmp/$1.xml" --out "$w/tables" || return
    end=$(date +%s)
    grep -Eq "$1\.xml:$2: error: .*$3" "$tp_tmp/err" && pass "$1: refused at line $2" ||
        fail "$1: expected '$1.xml:$2: error: ...$3', got: $(cat "$tp_tmp/err")"
    [ "$(ls -A "$w")" = "" ] && pass "$1: nothing left behind" || fail "$1: left behind: $(ls -A "$w")"
    [ $((end - start)) -le 5 ] || fail "$1: took $((end - start)) s"
    grep -q TOP-SECRET "$tp_tmp/err" "$tp_tmp/out" && fail "$1: the secret file leaked"
}
import_refused malformed 5 "not well-formed"
import_refused xxe 2 "DOCTYPE"
import_refused laughs 2 "DOCTYPE"
import_refused nodef 11 "ItemOID 'IT.GHOST' has no ItemDef"
expect_exit 3 "$CDT" odm import "$tp_tmp/absent.xml" --out "$w/tables" && pass "missing input: exit 3"

# export: raw tables that do not match the CRF
gen_raw "$tp_tmp/raw"
export_refused() {
    expect_exit 3 "$CDT" odm export --study "$study" --raw "$tp_tmp/bad" --out "$w/out.xml" || return
    grep -Eq "$1" "$tp_tmp/err" && pass "$2" || fail "$2: expected /$1/, got: $(cat "$tp_tmp/err")"
    [ "$(ls -A "$w")" = "" ] && pass "$2: nothing left behind" || fail "$2: left behind: $(ls -A "$w")"
}
cp -r "$tp_tmp/raw" "$tp_tmp/bad"
sed '1s/;Q07;/;QX7;/' "$tp_tmp/raw/cochin.csv" >"$tp_tmp/bad/cochin.csv"
export_refused "bad/cochin\.csv:1:14: error: .*column 'QX7' is neither an item of form 'F\.COCHIN'" "unknown column"
sed '1s/;Q07;/;/' "$tp_tmp/raw/cochin.csv" >"$tp_tmp/bad/cochin.csv"
export_refused "bad/cochin\.csv:1: error: .*item 'Q07' of form 'F\.COCHIN' is missing" "missing column"
cp "$tp_tmp/raw/cochin.csv" "$tp_tmp/bad/cochin.csv"
sed '3s/;J0;/;Z9;/' "$tp_tmp/raw/visite.csv" >"$tp_tmp/bad/visite.csv"
export_refused "bad/visite\.csv:3:4: error: .*unknown visit code 'Z9'" "unknown visit code"
finish
