#!/bin/sh
# Schema test (ODM): the project's ODM 1.3.2 schema (xsd/odm-1.3.2/ODM1-3-2.xsd) agrees with
# CDISC's official one ($TP_REFERENCE_DIR/odm-xsd/ODM1-3-2.xsd) on
#   - every valid example under $TP_REFERENCE_DIR/odm-examples (except not-schema-valid/, and
#     dataset-xml-1.0/, which needs the Dataset-XML schema): accepted by both;
#   - every file under not-schema-valid/: rejected by both;
#   - a corpus of mutants built here from a valid example (missing required attributes and
#     elements, values outside enumerations and types, wrong element order, unknown elements
#     and attributes, duplicate keys): rejected by both;
#   - two variants that must stay valid (the root's ID attribute, typed ItemData): accepted.
# By hand: TP_SRCDIR=/work/main TP_REFERENCE_DIR=/work/shared/reference sh tests/xsd/odm-schema.sh
: "${TP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TP_SRCDIR/tests/lib.sh"
. "$TP_SRCDIR/tests/xsd/xsd-lib.sh"
[ -d "$TP_REFERENCE_DIR" ] || skip "reference folder TP_REFERENCE_DIR=$TP_REFERENCE_DIR is absent"
need_reference odm-xsd
need_reference odm-examples

ours=$TP_SRCDIR/xsd/odm-1.3.2/ODM1-3-2.xsd
official=$TP_REFERENCE_DIR/odm-xsd/ODM1-3-2.xsd
examples=$TP_REFERENCE_DIR/odm-examples
[ -f "$ours" ] || { fail "missing $ours"; finish; }

# 1. valid examples
valid=$(find "$examples" -name '*.xml' ! -path '*/not-schema-valid/*' ! -path '*/dataset-xml-1.0/*' | sort)
n_valid=0 ok_official=0 ok_ours=0
for f in $valid; do
    n_valid=$((n_valid + 1))
    want_valid "valid example" "$official" "$f" && ok_official=$((ok_official + 1))
    want_valid "valid example" "$ours" "$f" && ok_ours=$((ok_ours + 1))
done
[ "$n_valid" -gt 0 ] || fail "no valid ODM examples found under $examples"
pass "valid examples: official accepts $ok_official/$n_valid, bundled accepts $ok_ours/$n_valid"

# 2. examples known not to be schema-valid
n_bad=0 rej_official=0 rej_ours=0
for f in $(find "$examples/not-schema-valid" -name '*.xml' 2>/dev/null | sort); do
    n_bad=$((n_bad + 1))
    want_invalid "not-schema-valid example" "$official" "$f" && rej_official=$((rej_official + 1))
    want_invalid "not-schema-valid example" "$ours" "$f" && rej_ours=$((rej_ours + 1))
done
pass "not-schema-valid examples: official rejects $rej_official/$n_bad, bundled rejects $rej_ours/$n_bad"

# 3. mutants of a valid example with metadata and clinical data
base=$examples/odmlib/odm-data-snapshot.xml
[ -f "$base" ] || base=$(grep -l '<ItemData ' $valid | head -n 1)
mut_base "$base"
want_valid "formatted base" "$official" "$mut_base"
want_valid "formatted base" "$ours" "$mut_base"

# required attributes
mut_sub root-no-FileOID '<ODM ' ' FileOID="[^"]*"' ''
mut_sub root-no-CreationDateTime '<ODM ' ' CreationDateTime="[^"]*"' ''
mut_sub itemref-no-Mandatory '<ItemRef ' ' Mandatory="[^"]*"' ''
mut_sub itemdef-no-Name '<ItemDef ' ' Name="[^"]*"' ''
mut_sub subject-no-SubjectKey '<SubjectData ' ' SubjectKey="[^"]*"' ''
# enumerations and data types
mut_sub root-FileType-Delta '<ODM ' 'FileType="[^"]*"' 'FileType="Delta"'
mut_sub root-ODMVersion-2.0 '<ODM ' 'ODMVersion="[^"]*"' 'ODMVersion="2.0"'
mut_sub root-CreationDateTime-no-seconds '<ODM ' 'CreationDateTime="[^"]*"' 'CreationDateTime="2022-03-08T07:16"'
mut_sub itemref-Mandatory-Maybe '<ItemRef ' 'Mandatory="[^"]*"' 'Mandatory="Maybe"'
mut_sub itemdef-DataType-char '<ItemDef ' 'DataType="[^"]*"' 'DataType="char"'
mut_sub itemdef-Length-0 '<ItemDef .*Length=' 'Length="[^"]*"' 'Length="0"'
mut_sub event-Type-Planned '<StudyEventDef ' ' Type="[^"]*"' ' Type="Planned"'
mut_sub itemdata-TransactionType-Delete '<ItemData ' '<ItemData ' '<ItemData TransactionType="Delete" '
mut_sub itemdata-IsNull-No '<ItemData ' '<ItemData ' '<ItemData IsNull="No" '
# element order, required and unknown elements and attributes
mut_move order-ProtocolName-first '' '<ProtocolName>' '<ProtocolName>' '<StudyName>'
mut_move order-BasicDefinitions-first '' '<BasicDefinitions>' '</BasicDefinitions>' '<GlobalVariables>'
mut_move order-ItemDef-before-ItemGroupDef '' '<ItemDef ' '</ItemDef>' '<ItemGroupDef '
mut_del no-ProtocolName '<ProtocolName>'
mut_ins unknown-element '<GlobalVariables>' '<Bogus/>'
mut_sub unknown-attribute '<Study ' '<Study ' '<Study Colour="red" '
mut_ins typed-and-untyped-ItemData '</ItemData>' '<ItemDataString ItemOID="IT.X">x</ItemDataString>'
mut_ins typed-integer-5.5 '</ItemGroupData>' '<ItemGroupData ItemGroupOID="IG.T"><ItemDataInteger ItemOID="IT.I">5.5</ItemDataInteger></ItemGroupData>'
mut_ins typed-partialDate-month-13 '</ItemGroupData>' '<ItemGroupData ItemGroupOID="IG.T"><ItemDataPartialDate ItemOID="IT.D">1966-13</ItemDataPartialDate></ItemGroupData>'
# keys
mut_sub duplicate-definition-OID '<ItemGroupDef ' ' OID="[^"]*"' " OID=\"$(first_attr '<ItemDef ' OID)\""
mut_ins duplicate-language '<Symbol>' '<TranslatedText xml:lang="en">a</TranslatedText><TranslatedText xml:lang="en">b</TranslatedText>'

n_mut=$(echo $mut_list | wc -w)
[ "$n_mut" -ge 8 ] || fail "only $n_mut mutants were built"
check_mutants odm "$official" "$ours"
pass "mutants: $n_mut built, $mut_rejected/$((2 * n_mut)) rejections (official and bundled)"

# 4. variants that stay valid under both schemas: the root's ID attribute (plain ODM spells it
#    "ID"), and an item group with typed values (partial and incomplete dates, blank value)
mut_list=
typed='<ItemGroupData ItemGroupOID="IG.TYPED"><ItemDataInteger ItemOID="IT.I">56</ItemDataInteger><ItemDataPartialDate ItemOID="IT.D">1966-02</ItemDataPartialDate><ItemDataIncompleteDatetime ItemOID="IT.T">2022----T10:-:-</ItemDataIncompleteDatetime><ItemDataPartialTime ItemOID="IT.H"> </ItemDataPartialTime></ItemGroupData>'
mut_sub root-ID '<ODM ' '<ODM ' '<ODM ID="odm.root" '
mut_ins typed-values '</ItemGroupData>' "$typed"
for m in $mut_list; do
    want_valid "variant $m" "$official" "$mut_dir/$m.xml"
    want_valid "variant $m" "$ours" "$mut_dir/$m.xml"
done
pass "valid variants ($mut_list ) accepted by both"
finish
