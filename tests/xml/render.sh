#!/bin/sh
# trialpack render: the HTML equals what xsltproc makes with the same stylesheet (so the
# stylesheet's own checks in tests/xsl apply to the CLI), outputs are atomic, bad input is located.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

xsl="$TP_SRCDIR/xsl/define2html.xsl"
if [ -d "$TP_REFERENCE_DIR/define-examples" ] && command -v xsltproc >/dev/null 2>&1; then
    for f in "$TP_REFERENCE_DIR"/define-examples/define-2.1/*.xml "$TP_REFERENCE_DIR"/define-examples/define-2.0/*.xml; do
        b=$(basename "$f" .xml)
        if expect_exit 0 "$CDT" render "$f" -o "$tp_tmp/$b.html"; then
            xsltproc --nonet "$xsl" "$f" > "$tp_tmp/$b.ref.html" 2>/dev/null
            cmp -s "$tp_tmp/$b.html" "$tp_tmp/$b.ref.html" && pass "render $b = xsltproc" || fail "render $b differs from xsltproc"
        fi
    done
else
    echo "note: reference define examples or xsltproc absent: comparison skipped"
fi
# a minimal document of our own always renders
cat > "$tp_tmp/min.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1" ODMVersion="1.3.2" FileType="Snapshot" FileOID="F" CreationDateTime="2024-01-01T00:00:00" def:Context="Submission">
<Study OID="S"><GlobalVariables><StudyName>MINI</StudyName><StudyDescription>d</StudyDescription><ProtocolName>P</ProtocolName></GlobalVariables>
<MetaDataVersion OID="MDV" Name="m" def:DefineVersion="2.1.0">
<ItemGroupDef OID="IG.DM" Name="DM" SASDatasetName="DM" Repeating="No" IsReferenceData="No" Purpose="Tabulation" def:Structure="One record per subject" def:ArchiveLocationID="LF.DM"><Description><TranslatedText xml:lang="en">Demographics</TranslatedText></Description><ItemRef ItemOID="IT.DM.USUBJID" Mandatory="Yes" KeySequence="1"/><def:leaf ID="LF.DM" xlink:href="dm.xpt" xmlns:xlink="http://www.w3.org/1999/xlink"><def:title>dm.xpt</def:title></def:leaf></ItemGroupDef>
<ItemDef OID="IT.DM.USUBJID" Name="USUBJID" DataType="text" Length="12"><Description><TranslatedText xml:lang="en">Unique Subject Identifier</TranslatedText></Description></ItemDef>
</MetaDataVersion></Study></ODM>
XML
expect_exit 0 "$CDT" render "$tp_tmp/min.xml" && grep -q 'USUBJID' "$tp_tmp/min.html" && pass "default output name FILE.html"
printf '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3">\n<Study>\n' > "$tp_tmp/broken.xml"
expect_exit 3 "$CDT" render "$tp_tmp/broken.xml" -o "$tp_tmp/broken.html" && grep -q 'broken.xml:[0-9]' "$tp_tmp/err" && pass "malformed define: exit 3 with a line"
[ ! -e "$tp_tmp/broken.html" ] || fail "half-written HTML left behind"
expect_exit 2 "$CDT" render && pass "render without input is a usage error"
finish
