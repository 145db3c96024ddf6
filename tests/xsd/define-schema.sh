#!/bin/sh
# Schema test (Define-XML): the project's Define-XML 2.1 schemas (xsd/define-2.1/define2-1-0.xsd
# and, with Analysis Results Metadata, xsd/define-2.1/arm1-0-0.xsd) agree with CDISC's official
# ones ($TP_REFERENCE_DIR/define-xsd/define-2.1) on
#   - every official Define-XML 2.1 example under define-examples/define-2.1 (all releases):
#     accepted by both, through the ARM entry point when the file uses the ARM namespace (and
#     then rejected by both plain Define entry points), otherwise through both entry points;
#   - the Define-XML 2.0 examples: rejected by both, through both entry points;
#   - a corpus of mutants built here from the SDTM and ADaM examples (missing required
#     attributes and elements, values outside the Define-XML code lists, wrong element order,
#     unknown elements and attributes, duplicate OIDs): rejected by both;
#   - a variant that must stay valid (the root's Id attribute): accepted by both.
# By hand: TP_SRCDIR=/work/main TP_REFERENCE_DIR=/work/shared/reference sh tests/xsd/define-schema.sh
: "${TP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TP_SRCDIR/tests/lib.sh"
. "$TP_SRCDIR/tests/xsd/xsd-lib.sh"
[ -d "$TP_REFERENCE_DIR" ] || skip "reference folder TP_REFERENCE_DIR=$TP_REFERENCE_DIR is absent"
need_reference define-xsd/define-2.1
need_reference define-examples/define-2.1

ours_def=$TP_SRCDIR/xsd/define-2.1/define2-1-0.xsd
ours_arm=$TP_SRCDIR/xsd/define-2.1/arm1-0-0.xsd
off_def=$TP_REFERENCE_DIR/define-xsd/define-2.1/cdisc-define-2.1/define2-1-0.xsd
off_arm=$TP_REFERENCE_DIR/define-xsd/define-2.1/cdisc-arm-1.0/arm1-0-0.xsd
examples=$TP_REFERENCE_DIR/define-examples
arm_ns=http://www.cdisc.org/ns/arm/v1.0
for x in "$ours_def" "$ours_arm"; do [ -f "$x" ] || { fail "missing $x"; finish; }; done

# 1. Define-XML 2.1 examples, every release in the folder
n21=0 n21_arm=0 ok_off=0 ok_ours=0 checks=0
for f in $(find "$examples/define-2.1" -name '*.xml' | sort); do
    n21=$((n21 + 1))
    if grep -q "$arm_ns" "$f"; then
        n21_arm=$((n21_arm + 1))
        checks=$((checks + 1))
        want_valid "2.1 example with ARM" "$off_arm" "$f" && ok_off=$((ok_off + 1))
        want_valid "2.1 example with ARM" "$ours_arm" "$f" && ok_ours=$((ok_ours + 1))
        # arm: elements are outside plain Define-XML: both non-ARM entry points refuse them
        grep -q '<arm:' "$f" && {
            want_invalid "2.1 example with ARM, plain Define entry" "$off_def" "$f"
            want_invalid "2.1 example with ARM, plain Define entry" "$ours_def" "$f"
        }
    else
        checks=$((checks + 2))
        for pair in "$off_def $ours_def" "$off_arm $ours_arm"; do
            set -- $pair
            want_valid "2.1 example" "$1" "$f" && ok_off=$((ok_off + 1))
            want_valid "2.1 example" "$2" "$f" && ok_ours=$((ok_ours + 1))
        done
    fi
done
[ "$n21" -gt 0 ] || fail "no Define-XML 2.1 examples under $examples/define-2.1"
pass "Define-XML 2.1 examples ($n21, $n21_arm with ARM): official accepts $ok_off/$checks, bundled accepts $ok_ours/$checks validations"

# 2. Define-XML 2.0 examples are not Define-XML 2.1
n20=0 rej_off=0 rej_ours=0
for f in $(find "$examples/define-2.0" -name '*.xml' 2>/dev/null | sort); do
    n20=$((n20 + 1))
    for pair in "$off_def $ours_def" "$off_arm $ours_arm"; do
        set -- $pair
        want_invalid "2.0 example" "$1" "$f" && rej_off=$((rej_off + 1))
        want_invalid "2.0 example" "$2" "$f" && rej_ours=$((rej_ours + 1))
    done
done
pass "Define-XML 2.0 examples ($n20): official rejects $rej_off/$((2 * n20)), bundled rejects $rej_ours/$((2 * n20)) validations"

# 3. mutants of the SDTM example (plain Define-XML entry points) ...
mut_base "$examples/define-2.1/defineV21-SDTM.xml"
want_valid "formatted SDTM base" "$off_def" "$mut_base"
want_valid "formatted SDTM base" "$ours_def" "$mut_base"
# required attributes and elements
mut_sub root-no-Context '<ODM ' ' def:Context="[^"]*"' ''
mut_sub mdv-no-DefineVersion '<MetaDataVersion ' ' def:DefineVersion="[^"]*"' ''
mut_sub itemgroup-no-Structure '<ItemGroupDef ' ' def:Structure="[^"]*"' ''
mut_sub standard-no-Status '<def:Standard ' ' Status="[^"]*"' ''
mut_sub origin-no-Type '<def:Origin ' ' Type="[^"]*"' ''
mut_sub rangecheck-no-ItemOID '<RangeCheck ' ' def:ItemOID="[^"]*"' ''
mut_del leaf-no-title '<def:title>'
# code lists and value types
mut_sub root-Context-Draft '<ODM ' 'def:Context="[^"]*"' 'def:Context="Draft"'
mut_sub mdv-DefineVersion-2.0.0 '<MetaDataVersion ' 'def:DefineVersion="[^"]*"' 'def:DefineVersion="2.0.0"'
mut_sub standard-Name-SDTM-IG '<def:Standard ' ' Name="[^"]*"' ' Name="SDTM-IG"'
mut_sub standard-Type-Guide '<def:Standard ' ' Type="[^"]*"' ' Type="Guide"'
mut_sub class-Name-FINDING '<def:Class ' ' Name="[^"]*"' ' Name="FINDING"'
mut_sub origin-Type-CRF '<def:Origin ' ' Type="[^"]*"' ' Type="CRF"'
mut_sub sasname-9-chars '<ItemGroupDef .*SASDatasetName=' 'SASDatasetName="[^"]*"' 'SASDatasetName="ABCDEFGHI"'
mut_sub def-namespace-2.0 '<ODM ' 'ns/def/v2[.]1' 'ns/def/v2.0'
# the root identifier is spelled Id in the Define-XML packages' ODM, not ID
mut_sub root-ID '<ODM ' '<ODM ' '<ODM ID="define.root" '
# element order, unknown elements and attributes
mut_move order-Class-before-ItemRef '<ItemGroupDef ' '<def:Class ' '/>$|</def:Class>' '<ItemRef '
mut_move order-SupplementalDoc-first '' '<def:SupplementalDoc>' '</def:SupplementalDoc>' '<def:Standards>'
mut_move order-WhereClauseDef-first '' '<def:WhereClauseDef ' '</def:WhereClauseDef>' '<def:ValueListDef '
mut_ins unknown-def-element '<def:Standards>' '<def:Bogus/>'
mut_sub unknown-def-attribute '<ItemGroupDef ' '<ItemGroupDef ' '<ItemGroupDef def:Colour="red" '
# OIDs are unique across all definitions of the metadata version
mut_sub duplicate-OID-ValueListDef '<def:ValueListDef ' ' OID="[^"]*"' " OID=\"$(first_attr '<ItemDef ' OID)\""
sdtm_mutants=$mut_list
check_mutants define "$off_def" "$ours_def"
# the Id variant stays valid
mut_list=
mut_sub root-Id '<ODM ' '<ODM ' '<ODM Id="define.root" '
want_valid "variant root-Id" "$off_def" "$mut_dir/root-Id.xml"
want_valid "variant root-Id" "$ours_def" "$mut_dir/root-Id.xml"

# ... and of the ADaM example with Analysis Results Metadata (ARM entry points)
mut_list=
mut_base "$examples/define-2.1/defineV21-ADaM.xml"
want_valid "formatted ADaM base" "$off_arm" "$mut_base"
want_valid "formatted ADaM base" "$ours_arm" "$mut_base"
mut_sub arm-no-AnalysisReason '<arm:AnalysisResult ' ' AnalysisReason="[^"]*"' ''
mut_sub arm-display-no-Name '<arm:ResultDisplay ' ' Name="[^"]*"' ''
mut_sub arm-dataset-no-ItemGroupOID '<arm:AnalysisDataset ' ' ItemGroupOID="[^"]*"' ''
mut_ins arm-unknown-element '<arm:AnalysisResultDisplays>' '<arm:Bogus/>'
mut_move arm-order-Documentation-first '<arm:AnalysisResult ' '<arm:Documentation>' '</arm:Documentation>' '<arm:AnalysisDatasets'
mut_move arm-displays-before-leaf '<def:CommentDef ' '<arm:AnalysisResultDisplays>' '</arm:AnalysisResultDisplays>' '<def:leaf '
mut_sub arm-class-Name-enum '<def:Class ' ' Name="[^"]*"' ' Name="BDS"'
mut_sub arm-subclass-Name-enum '<def:SubClass ' ' Name="[^"]*"' ' Name="TTE"'
arm_mutants=$mut_list
check_mutants arm "$off_arm" "$ours_arm"

n_mut=$(echo $sdtm_mutants $arm_mutants | wc -w)
[ "$n_mut" -ge 8 ] || fail "only $n_mut mutants were built"
pass "mutants: $n_mut built, $mut_rejected/$((2 * n_mut)) rejections (official and bundled)"
pass "variant root-Id accepted by both"
finish
