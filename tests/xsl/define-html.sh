#!/bin/sh
# xsl/define2html.xsl renders Define-XML 2.0/2.1 (with ARM 1.0) into one self-contained HTML page.
# Checks: every define.xml under $TP_REFERENCE_DIR/define-examples plus an edge-case document
# written below render with `xsltproc --nonet` without messages, byte-identically twice; the HTML
# is well formed and self-contained, every internal link resolves, every dataset/codelist/value
# list/method/comment/ARM result of the input is shown and each dataset lists its ItemRefs in
# order (tests/xsl/check-define-html.py). When /usr/bin/chromium exists (or $CHROMIUM names a
# browser) each page is also loaded headless (no console errors, no network) and one screenshot
# is kept in the build folder.
given_builddir=${TP_BUILDDIR:-}
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

XSL="$TP_SRCDIR/xsl/define2html.xsl"
CHECK="$TP_SRCDIR/tests/xsl/check-define-html.py"
[ -f "$XSL" ] || { echo "FAIL: $XSL is missing"; exit 1; }
command -v xsltproc >/dev/null 2>&1 || skip "xsltproc is not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || skip "no python3 for the HTML checks"

# Where the kept screenshot and the sample page go: the build folder when the harness gave one.
if [ -n "$given_builddir" ]; then
    keep="$TP_BUILDDIR/tests/xsl"
else
    keep=$(mktemp -d "${TMPDIR:-/tmp}/tp-define-html.XXXXXX")
fi
mkdir -p "$keep"

# ---------------------------------------------------------------------------------------------
# Edge cases: OIDs needing escaping (space, slash, #, %, _, non-ASCII), dangling references
# (codelist, method, comment, leaf, where clause, value list, dataset, item), no OrderNumber,
# empty codelist, external dictionary without href, French-only text, named destinations,
# an ARM result whose dataset does not exist, a dataset without leaf or description.
cat > "$tp_tmp/edge.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1"
     xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:arm="http://www.cdisc.org/ns/arm/v1.0"
     ODMVersion="1.3.2" FileType="Snapshot" FileOID="EDGE &amp; &lt;odd&gt;" CreationDateTime="2024-01-01T00:00:00"
     def:Context="Submission">
  <Study OID="S/1">
    <GlobalVariables><StudyName>EDGE &lt;script&gt;</StudyName><StudyDescription/><ProtocolName>P</ProtocolName></GlobalVariables>
    <MetaDataVersion OID="MDV" Name="Edge" def:DefineVersion="2.1.0">
      <def:AnnotatedCRF><def:DocumentRef leafID="LF.missing"/></def:AnnotatedCRF>
      <def:ValueListDef OID="VL A/B">
        <ItemRef ItemOID="IT.V1" Mandatory="No" MethodOID="MT.nope">
          <def:WhereClauseRef WhereClauseOID="WC 1"/><def:WhereClauseRef WhereClauseOID="WC.none"/>
        </ItemRef>
        <ItemRef ItemOID="IT.undefined" Mandatory="No"/>
      </def:ValueListDef>
      <def:WhereClauseDef OID="WC 1" def:CommentOID="COM%1">
        <RangeCheck Comparator="NOTIN" SoftHard="Soft" def:ItemOID="IT.X#1"><CheckValue>A, B</CheckValue><CheckValue>C</CheckValue><CheckValue/></RangeCheck>
        <RangeCheck Comparator="GE" SoftHard="Soft" def:ItemOID="IT.gone"><CheckValue>3</CheckValue></RangeCheck>
      </def:WhereClauseDef>
      <ItemGroupDef OID="IG.A B/C" Name="AB" Repeating="No" Purpose="Tabulation" def:Structure="One record" def:ArchiveLocationID="LF.none" def:StandardOID="STD.none" def:CommentOID="COM.none">
        <ItemRef ItemOID="IT.X#1" Mandatory="Yes" KeySequence="1"/>
        <ItemRef ItemOID="IT.Größe" Mandatory="No" MethodOID="MT_1"/>
        <ItemRef ItemOID="IT.undefined" Mandatory="No" KeySequence="2"/>
        <ItemRef ItemOID="IT.V" Mandatory="No" Role="Topic"/>
        <def:Class Name="FINDINGS"><def:SubClass Name="X"/></def:Class>
      </ItemGroupDef>
      <ItemGroupDef OID="IG.SUPPAB" Name="SUPPAB" Repeating="Yes" Purpose="Tabulation">
        <Description><TranslatedText xml:lang="fr">Qualificatifs</TranslatedText></Description>
        <ItemRef ItemOID="IT.X#1" Mandatory="Yes" OrderNumber="2"/>
        <ItemRef ItemOID="IT.V" Mandatory="No" OrderNumber="1"/>
      </ItemGroupDef>
      <ItemGroupDef OID="IG.empty" Name="EMPTY" Repeating="No" Purpose="Tabulation"/>
      <ItemDef OID="IT.X#1" Name="X1" DataType="text" Length="8" def:CommentOID="COM.none">
        <Description><TranslatedText xml:lang="en">X &amp; "one"</TranslatedText></Description>
        <CodeListRef CodeListOID="CL.%"/>
        <def:Origin Type="Collected" Source="Investigator">
          <def:DocumentRef leafID="LF.crf"><def:PDFPageRef PageRefs="Dest_A  Dest_B" Type="NamedDestination"/></def:DocumentRef>
          <def:DocumentRef leafID="LF.crf"><def:PDFPageRef FirstPage="2" LastPage="4" Type="PhysicalRef"/></def:DocumentRef>
          <def:DocumentRef leafID="LF.nofile"/>
        </def:Origin>
      </ItemDef>
      <ItemDef OID="IT.Größe" Name="SIZE" DataType="partialDatetime">
        <CodeListRef CodeListOID="CL.missing"/>
        <def:Origin Type="Derived"/>
      </ItemDef>
      <ItemDef OID="IT.V" Name="V" DataType="text" Length="20">
        <def:Origin Type="Assigned"/>
        <def:ValueListRef ValueListOID="VL A/B"/>
      </ItemDef>
      <ItemDef OID="IT.V1" Name="V" DataType="integer" Length="3" SignificantDigits="0" def:DisplayFormat="3.">
        <CodeListRef CodeListOID="CL.dict"/>
        <def:Origin Type="Predecessor"><Description><TranslatedText>AB.V</TranslatedText></Description></def:Origin>
      </ItemDef>
      <CodeList OID="CL.%" Name="Odd" DataType="text">
        <CodeListItem CodedValue="C" OrderNumber="2" def:ExtendedValue="Yes"><Decode><TranslatedText xml:lang="en">See</TranslatedText></Decode></CodeListItem>
        <CodeListItem CodedValue="A, B" OrderNumber="1"><Decode><TranslatedText xml:lang="de">A und B</TranslatedText></Decode><Alias Context="nci:ExtCodeID" Name="C1"/></CodeListItem>
      </CodeList>
      <CodeList OID="CL.empty" Name="Empty" DataType="text"/>
      <CodeList OID="CL.dict" Name="Dict" DataType="text"><ExternalCodeList Dictionary="MedDRA"/></CodeList>
      <MethodDef OID="MT_1" Name="M one" Type="Computation">
        <Description><TranslatedText xml:lang="en">
            line one
            line two
        </TranslatedText></Description>
        <FormalExpression Context="SAS">x = 1;</FormalExpression>
        <def:DocumentRef leafID="LF.missing"/>
      </MethodDef>
      <def:CommentDef OID="COM%1"><Description><TranslatedText xml:lang="en">Where comment</TranslatedText></Description></def:CommentDef>
      <def:CommentDef OID="COM.unused"/>
      <def:leaf ID="LF.crf" xlink:href="acrf.pdf"><def:title>aCRF</def:title></def:leaf>
      <def:leaf ID="LF.nofile" xlink:href=""><def:title/></def:leaf>
      <arm:AnalysisResultDisplays>
        <arm:ResultDisplay OID="RD 1" Name="T1">
          <arm:AnalysisResult OID="AR#1" ParameterOID="IT.gone">
            <arm:AnalysisDatasets>
              <arm:AnalysisDataset ItemGroupOID="IG.nowhere"><arm:AnalysisVariable ItemOID="IT.V"/></arm:AnalysisDataset>
              <arm:AnalysisDataset ItemGroupOID="IG.A B/C"><def:WhereClauseRef WhereClauseOID="WC 1"/><arm:AnalysisVariable ItemOID="IT.X#1"/></arm:AnalysisDataset>
            </arm:AnalysisDatasets>
            <arm:ProgrammingCode><arm:Code>  proc print; run;  </arm:Code></arm:ProgrammingCode>
          </arm:AnalysisResult>
        </arm:ResultDisplay>
      </arm:AnalysisResultDisplays>
    </MetaDataVersion>
  </Study>
</ODM>
EOF

# render NAME DEFINE: xsltproc twice, no messages, identical bytes; sets $out.
render() {
    out="$tp_tmp/$1.html"
    if ! xsltproc --nonet -o "$out" "$XSL" "$2" 2>"$tp_tmp/$1.err"; then
        fail "$1: xsltproc failed: $(head -c 400 "$tp_tmp/$1.err")"; return 1
    fi
    [ -s "$tp_tmp/$1.err" ] && fail "$1: xsltproc wrote messages: $(head -c 400 "$tp_tmp/$1.err")"
    xsltproc --nonet -o "$tp_tmp/$1.again.html" "$XSL" "$2" 2>/dev/null
    cmp -s "$out" "$tp_tmp/$1.again.html" || fail "$1: two renderings differ"
    rm -f "$tp_tmp/$1.again.html"
    return 0
}

pairs=""
names=""
render edge "$tp_tmp/edge.xml" && { pairs="$tp_tmp/edge.xml $tp_tmp/edge.html"; names="edge"; }
# the edge page must not contain raw markup from the input nor links to undefined targets
if [ -f "$tp_tmp/edge.html" ]; then
    grep -q '<script' "$tp_tmp/edge.html" && fail "edge: input text was not escaped"
    grep -q 'href=""' "$tp_tmp/edge.html" && fail "edge: empty href written"
    grep -q 'NOTIN</span> (<span class="cv">"A, B"</span><span class="decode"> (A und B)</span>, <span class="cv">C</span><span class="decode"> (See)</span>, <span class="cv">""</span>)' \
        "$tp_tmp/edge.html" || fail "edge: where clause not rendered as 'X1 NOTIN (\"A, B\" (A und B), C (See), \"\")'"
fi

refdir="$TP_REFERENCE_DIR/define-examples"
have_ref=0
if [ -d "$refdir" ]; then
    have_ref=1
    find "$refdir" -name '*.xml' | LC_ALL=C sort > "$tp_tmp/list"
    [ -s "$tp_tmp/list" ] || fail "no define.xml files under $refdir"
    while read -r f; do
        n=$(echo "${f#"$refdir"/}" | sed 's#/#_#g; s#\.xml$##')
        if render "$n" "$f"; then
            pairs="$pairs $f $tp_tmp/$n.html"
            names="$names $n"
        fi
    done < "$tp_tmp/list"
fi

# shellcheck disable=SC2086
if [ -n "$pairs" ]; then
    if "$PY" "$CHECK" $pairs; then
        pass "HTML checks: $(echo $names | wc -w) renderings"
    else
        fail "HTML checks (see above)"
    fi
fi

# ---------------------------------------------------------------------------------------------
# Headless Chromium: load every page (no console errors, no network), keep one screenshot.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
    chrome() {
        prof=$(mktemp -d "$tp_tmp/chrome.XXXXXX")
        timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --disable-extensions --host-resolver-rules='MAP * ~NOTFOUND' \
            --user-data-dir="$prof" --enable-logging=stderr --v=0 "$@"
        rc=$?
        rm -rf "$prof"
        return $rc
    }
    nload=0
    before=$tp_fails
    for n in $names; do
        if ! chrome --log-net-log="$tp_tmp/$n.net" --dump-dom "file://$tp_tmp/$n.html" \
                >"$tp_tmp/$n.dom" 2>"$tp_tmp/$n.chrome"; then
            fail "chromium: $n did not load: $(grep -v dbus "$tp_tmp/$n.chrome" | tail -n 3)"
            continue
        fi
        if ! grep -q 'id="sec-datasets"' "$tp_tmp/$n.dom" || ! grep -q '</html>' "$tp_tmp/$n.dom"; then
            fail "chromium: $n: DOM dump is incomplete"
        fi
        if grep -E 'CONSOLE|Uncaught|ERR_NAME_NOT_RESOLVED|Failed to load resource|Refused to' "$tp_tmp/$n.chrome" \
                >"$tp_tmp/$n.console"; then
            fail "chromium: $n: console errors: $(head -c 600 "$tp_tmp/$n.console")"
        fi
        # requests made for the page (Chromium's own Google service pings are not the page's)
        if [ -f "$tp_tmp/$n.net" ] && grep -o '"url":"[a-zA-Z][a-zA-Z0-9+.-]*://[^/"]*' "$tp_tmp/$n.net" \
                | grep -v -E '"url":"file://|://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)$' \
                | sort -u >"$tp_tmp/$n.urls" && [ -s "$tp_tmp/$n.urls" ]; then
            fail "chromium: $n made network requests: $(tr '\n' ' ' <"$tp_tmp/$n.urls")"
        fi
        nload=$((nload + 1))
    done
    [ "$tp_fails" = "$before" ] && pass "chromium loaded $nload page(s): no console errors, no network requests"
    shot_src=edge
    for n in $names; do
        case $n in *defineV21-SDTM) shot_src=$n; break ;; esac
    done
    cp "$tp_tmp/$shot_src.html" "$keep/define-html-sample.html"
    rm -f "$keep/define-html-screenshot.png"
    chrome --screenshot="$keep/define-html-screenshot.png" --window-size=1280,900 \
        "file://$keep/define-html-sample.html" >/dev/null 2>"$tp_tmp/shot.log"
    if [ -s "$keep/define-html-screenshot.png" ] \
            && head -c 4 "$keep/define-html-screenshot.png" | grep -q PNG; then
        pass "screenshot of $shot_src: $keep/define-html-screenshot.png"
    else
        fail "chromium screenshot failed: $(grep -v dbus "$tp_tmp/shot.log" | tail -n 3)"
    fi
else
    echo "note: $CHROMIUM not found; skipping the headless browser check (CI installs chromium)"
fi

if [ "$have_ref" = 0 ]; then
    [ "$tp_fails" -gt 0 ] && finish
    skip "reference folder $refdir is absent (edge-case document checked only)"
fi
finish
