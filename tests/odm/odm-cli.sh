#!/bin/sh
# trialpack odm: help on every verb (exit 0), usage errors (exit 2).
. "${TP_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
"$CDT" odm --help >/dev/null 2>&1 || skip "'trialpack odm' is not available in $CDT"

expect_exit 0 "$CDT" odm --help && grep -q export "$tp_tmp/out" && pass "odm --help"
for v in export import; do
    expect_exit 0 "$CDT" odm "$v" --help && grep -q "Usage: trialpack odm $v" "$tp_tmp/out" && pass "odm $v --help"
done
expect_exit 2 "$CDT" odm && pass "no verb: exit 2"
expect_exit 2 "$CDT" odm frobnicate && pass "unknown verb: exit 2"
expect_exit 2 "$CDT" odm export --raw x --out y.xml && pass "export without --study: exit 2"
expect_exit 2 "$CDT" odm import --out x && pass "import without a file: exit 2"
expect_exit 2 "$CDT" odm import a.xml b.xml --out x && pass "import with two files: exit 2"
expect_exit 2 "$CDT" odm import a.xml && pass "import without --out: exit 2"
expect_exit 2 "$CDT" odm import --bogus a.xml --out x && pass "unknown option: exit 2"
expect_exit 3 "$CDT" odm export --study "$tp_tmp/nostudy" --raw "$tp_tmp" --out "$tp_tmp/x.xml" && pass "missing study: exit 3"
finish
