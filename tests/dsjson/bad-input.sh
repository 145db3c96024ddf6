#!/bin/sh
# Dataset-JSON test (5): bad inputs fail with the expected exit status (3 bad input, 4 other:
# tpconv's codes) and message, listed in tests/data/dsjson/bad/expected.txt, naming the record and column where there is one. Under a
# sanitizer build this also proves that nothing crashes or leaks.
. "$TP_SRCDIR/tests/lib.sh"
TPCONV=$TP_BUILDDIR/tests/dsjson/tpconv
bad=$TP_TEST_DATA/dsjson/bad
n=0
while IFS="$(printf '\t')" read -r file status msg; do
    case $file in '#'* | '') continue ;; esac
    n=$((n + 1))
    expect_exit "$status" "$TPCONV" --dump "$bad/$file" || continue
    grep -qF "error: $msg" "$tp_tmp/err" || fail "$file: want '$msg', got: $(cat "$tp_tmp/err")"
    for x in json dsjc; do
        expect_exit "$status" "$TPCONV" -b 1 "$bad/$file" "$tp_tmp/out.$x" || continue
        [ ! -e "$tp_tmp/out.$x" ] || fail "$file: a failed conversion left $tp_tmp/out.$x"
    done
done <"$bad/expected.txt"
[ "$n" -ge 10 ] || fail "only $n bad inputs"
pass "$n bad inputs rejected with their messages"
finish
