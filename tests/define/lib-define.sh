# Shared by tests/define/*.sh (sourced after tests/lib.sh): build the hand-made fixture's XPT
# files from tests/data/define/data/*.csv into $1 with `trialpack convert --meta`.
define_fixture_data() {
    mkdir -p "$1"
    for d in dm vs suppdm; do
        "$CDT" convert --meta "$TP_SRCDIR/tests/data/define/data/$d-vars.csv" \
            "$TP_SRCDIR/tests/data/define/data/$d.csv" "$1/$d.xpt" >/dev/null 2>"$tp_tmp/conv.err" ||
            { fail "fixture: cannot convert $d.csv: $(cat "$tp_tmp/conv.err")"; return 1; }
    done
    return 0
}
# Whether the binary has a subcommand.
has_command() { "$CDT" --help 2>/dev/null | grep -q "^  $1 "; }
