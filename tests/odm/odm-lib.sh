# Shared set-up of the ODM shell tests (sourced after tests/lib.sh): the study, and a helper that
# generates its raw export once per test into $tp_tmp.
study="$TP_SRCDIR/mappings/scleradec2"
[ -f "$study/study.csv" ] || skip "study folder $study is absent"
"$CDT" odm --help >/dev/null 2>&1 || skip "'trialpack odm' is not available in $CDT"

# gen_raw DIR [generate options...]: the raw export of the example study.
gen_raw() {
    out=$1; shift
    "$CDT" generate --help >/dev/null 2>&1 || skip "'trialpack generate' is not available in $CDT"
    "$CDT" generate --study "$study" --out "$out" "$@" >"$tp_tmp/gen.log" 2>&1 ||
        { fail "generate failed: $(tail -3 "$tp_tmp/gen.log")"; finish; }
}
