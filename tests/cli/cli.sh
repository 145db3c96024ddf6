#!/bin/sh
# The command line follows POSIX/GNU conventions: --help and --version, per-command --help for
# every command in the table, exit 2 on usage errors and 3 on bad input, no half-written output.
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

expect_exit 0 "$CDT" --help && grep -q '^Commands:' "$tp_tmp/out" && pass "--help lists commands"
expect_exit 0 "$CDT" --version && grep -Eq '^trialpack [0-9]+\.[0-9]+\.[0-9]+' "$tp_tmp/out" && pass "--version"
expect_exit 2 "$CDT" && pass "no command is a usage error"
expect_exit 2 "$CDT" frobnicate && grep -q "not a trialpack command" "$tp_tmp/err" && pass "unknown command"

# every command of the table answers --help with a Usage line and exit 0
"$CDT" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF>1 {print $1}' > "$tp_tmp/cmds"
[ -s "$tp_tmp/cmds" ] || fail "no commands listed"
while read -r cmd; do
    if expect_exit 0 "$CDT" "$cmd" --help && grep -q "^Usage: trialpack $cmd" "$tp_tmp/out"; then
        pass "$cmd --help"
    else
        fail "$cmd --help"
    fi
    expect_exit 2 "$CDT" "$cmd" --no-such-option && pass "$cmd rejects unknown options with 2"
done < "$tp_tmp/cmds"

# convert: usage errors and bad input
expect_exit 2 "$CDT" convert only-one-arg && pass "convert needs two arguments"
expect_exit 2 "$CDT" convert in.csv out.unknownext && pass "unknown output extension is a usage error"
expect_exit 3 "$CDT" convert "$tp_tmp/missing.csv" "$tp_tmp/out.xpt" && grep -q "missing.csv" "$tp_tmp/err" \
    && pass "missing input: exit 3 naming the file"
[ ! -e "$tp_tmp/out.xpt" ] || fail "output left behind after a failed conversion"
expect_exit 3 "$CDT" info "$tp_tmp/missing.xpt" && pass "info on a missing file: exit 3"

# a CSV with a row of the wrong width: one-line error with line and column, exit 3, no output
printf 'A,B\n1,2\n3\n' > "$tp_tmp/bad.csv"
if expect_exit 3 "$CDT" convert --infer "$tp_tmp/bad.csv" "$tp_tmp/bad.xpt"; then
    grep -q 'bad.csv:3' "$tp_tmp/err" && pass "bad CSV row error names file:line" || fail "error lacks location: $(cat "$tp_tmp/err")"
    [ "$(wc -l < "$tp_tmp/err")" -eq 1 ] || fail "error is not one line"
fi
ls "$tp_tmp" | grep -q '^bad.xpt' && fail "partial output left behind: $(ls "$tp_tmp")"

# over-long label in --meta: limit error, exit 3, nothing written
printf 'USUBJID,AGE\nS1,34\n' > "$tp_tmp/dm.csv"
printf 'Variable,Label,Type,Length\nUSUBJID,%s,Char,8\nAGE,Age,Num,8\n' \
    "This label is far too long for SAS XPORT version five" > "$tp_tmp/vars.csv"
expect_exit 3 "$CDT" convert --meta "$tp_tmp/vars.csv" "$tp_tmp/dm.csv" "$tp_tmp/dm.xpt" \
    && grep -qi 'label' "$tp_tmp/err" && pass "over-long label rejected"
[ ! -e "$tp_tmp/dm.xpt" ] || fail "dm.xpt written despite the error"
finish
