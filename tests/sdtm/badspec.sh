#!/bin/sh
# Bad specs fail before anything is written, with exit status 3 and a message naming the sheet
# file, its line and column; bad command lines exit 2. Each case edits a copy of the ministudy spec.
. "$TP_SRCDIR/tests/lib.sh"
mini="$TP_TEST_DATA/ministudy"

# case NAME SHEET SED-SCRIPT EXPECTED-STDERR-TEXT
case_() {
    name=$1 sheet=$2 script=$3 want=$4
    rm -rf "$tp_tmp/s" "$tp_tmp/res"
    mkdir -p "$tp_tmp/s/sdtm"
    cp "$mini/study.csv" "$tp_tmp/s/"
    cp "$mini"/sdtm/*.csv "$tp_tmp/s/sdtm/"
    sed -i "s|\.\./\.\./\.\./\.\./mappings|$TP_SRCDIR/mappings|" "$tp_tmp/s/sdtm/Settings.csv"
    sed -i "$script" "$tp_tmp/s/sdtm/$sheet"
    "$CDT" sdtm --study "$tp_tmp/s" --raw "$mini/raw" --out "$tp_tmp/res" >/dev/null 2>"$tp_tmp/err"
    rc=$?
    if [ "$rc" -ne 3 ]; then
        fail "$name: exit $rc, want 3 ($(cat "$tp_tmp/err"))"
    elif ! grep -qF -- "$want" "$tp_tmp/err"; then
        fail "$name: stderr '$(cat "$tp_tmp/err")' lacks '$want'"
    elif [ -e "$tp_tmp/res" ] || ls "$tp_tmp" | grep -q 'res.tmp-'; then
        fail "$name: output written despite the error"
    else
        pass "$name"
    fi
}

case_ "unknown raw column" Rules.csv 's/,ecg,EGORRES,findings,HR,/,ecg,EGORRES,findings,HRX,/' \
    "Rules.csv:20:6: error: Source: unknown raw column 'HRX' in form 'ecg'"
case_ "unknown algorithm" Rules.csv 's/,adverse,AETERM,assign,/,adverse,AETERM,copy,/' \
    "Rules.csv:15:5: error: Algorithm: unknown algorithm 'copy'"
case_ "variable not in its dataset" Rules.csv 's/,adverse,AETERM,assign,/,adverse,AEXTERM,assign,/' \
    "Rules.csv:15:4: error: Variable: variable 'AEXTERM' not in dataset AE"
case_ "missing codelist" Variables.csv 's/,AESEV,Severity\/Intensity,text,,AESEV,/,AESEV,Severity\/Intensity,text,,AESEVX,/' \
    "Variables.csv:74:7: error: CodeList: codelist 'AESEVX' not in Codelists.csv"
case_ "missing code map" Rules.csv 's/map=SEV,,/map=SEVERITY,,/' \
    "Rules.csv:16:7: error: Parameters: code map 'SEVERITY' not in CodeMaps.csv"
case_ "circular derivation" Rules.csv 's/from=EX; var=EXSTDTC; agg=min,,$/from=DM; var=RFXSTDTC,,/; s/^DM,,,RFXSTDTC,derive,,from=DM; var=RFXSTDTC,,/DM,,,RFXSTDTC,derive,,from=DM; var=RFSTDTC,,/' \
    "error: Source: circular derivation through DM."
case_ "term outside its CDISC codelist" Codelists.csv 's/^SEX,Sex,C66731,text,2,M,C20197,Male,$/SEX,Sex,C66731,text,2,X,,Unknown,/' \
    "Codelists.csv:7:6: error: Term: 'X' is not a submission value of NCI codelist C66731 (SEX)"
case_ "extension of a non-extensible codelist" Codelists.csv 's/^SEX,Sex,C66731,text,2,M,C20197,Male,$/SEX,Sex,C66731,text,2,X,,Unknown,Yes/' \
    "Codelists.csv:7:9: error: Extended: codelist C66731 (SEX) is not extensible: 'X' cannot be added"
case_ "bad condition" Rules.csv 's/,ARM is empty,/,ARM is emptyy,/' \
    "Rules.csv:6:8: error: Condition: expected 'empty' after 'is' in raw table 'enrol'"
case_ "condition names an unknown column" Rules.csv 's/,ARM is empty,/,ARMX is empty,/' \
    "Rules.csv:6:8: error: Condition: unknown name 'ARMX' in raw table 'enrol'"
case_ "variable name too long" Variables.csv 's/^AE,10,AEVERB,/AE,10,AEVERBATIM,/' \
    "Variables.csv:78:3: error: Variable: variable name 'AEVERBATIM' must have 1 to 8 characters"
case_ "key not a variable" Datasets.csv 's/STUDYID USUBJID AESTDTC AETERM/STUDYID USUBJID AESTDTC AETRM/' \
    "Datasets.csv:10:5: error: Keys: key variable 'AETRM' not in dataset AE"
case_ "study start missing from TS" TrialSummary.csv '/^SSTDTC,/d' \
    "TS needs TSPARMCD SSTDTC with a complete ISO 8601 date"
case_ "unterminated quote" Rules.csv '$a\AE,,adverse,AETERM,assign,"TERM' \
    "Rules.csv: error: unterminated quoted field starting on line 23"

expect_exit 2 "$CDT" sdtm --study "$mini" --out "$tp_tmp/x" && pass "missing --raw is a usage error"
expect_exit 2 "$CDT" sdtm --study "$mini" --raw "$mini/raw" --out "$tp_tmp/x" --profile ema && pass "unknown profile"
expect_exit 2 "$CDT" sdtm --study "$mini" --raw "$mini/raw" --out "$tp_tmp/x" --format sas && pass "unknown format"
expect_exit 3 "$CDT" sdtm --study "$tp_tmp/nowhere" --raw "$mini/raw" --out "$tp_tmp/x" && pass "missing study"
expect_exit 0 "$CDT" sdtm --help && pass "help"
finish
