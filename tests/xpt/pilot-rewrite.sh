#!/bin/sh
# External truth (b): re-writing each CDISCPILOT01 .xpt (xpt -> xpt, profile none because SAS
# wrote ts.xpt in cp1252) reproduces the original bytes exactly, except the header fields that
# record software, OS and time: real header 1 bytes 104..119 (release, OS) and 144..159 (created),
# real header 2 bytes 160..175 (modified), member record 1 bytes 424..439 and 464..479, member
# record 2 bytes 480..495 (tests/xpt/check_xpt.py, EXCLUDED).
. "$(dirname "$0")/../lib.sh"
need_reference cdiscpilot01
TOOL=${XPT_TOOL:-$TP_BUILDDIR/tests/xpt/xpt_tool}
[ -x "$TOOL" ] || skip "test driver $TOOL is not built"
command -v readstat >/dev/null 2>&1 || skip "readstat is not installed (apt-get install readstat)"
TP_PY_MODULES=pandas . "$(dirname "$0")/../find-python.sh"
files=$(find "$TP_REFERENCE_DIR/cdiscpilot01" -name '*.xpt' | sort)
[ -n "$files" ] || skip "no .xpt files under $TP_REFERENCE_DIR/cdiscpilot01"
# shellcheck disable=SC2086
"$PYTHON" "$TP_SRCDIR/tests/xpt/check_xpt.py" rewrite "$TOOL" "$tp_tmp" $files || fail "rewritten files differ"
# the same bytes when the file is identical except the excluded fields: cmp shows nothing else
for f in $files; do
    out=$tp_tmp/rewrite-$(basename "$f")
    n=$(cmp -l "$f" "$out" | awk '{o = $1 - 1; if (!((o >= 104 && o < 120) || (o >= 144 && o < 176) || (o >= 424 && o < 440) || (o >= 464 && o < 496))) print o}' | wc -l)
    [ "$n" -eq 0 ] || fail "$(basename "$f"): $n bytes differ outside the excluded header fields (cmp)"
done
# the CLI's `convert` (streaming on two threads) must write the very same bytes
if [ -x "$CDT" ] && "$CDT" convert --help >/dev/null 2>&1; then
    for f in $files; do
        out=$tp_tmp/cli-$(basename "$f")
        if "$CDT" convert --profile none "$f" "$out" >/dev/null 2>"$tp_tmp/err"; then
            cmp -s "$out" "$tp_tmp/rewrite-$(basename "$f")" ||
                fail "$(basename "$f"): trialpack convert and the test driver wrote different bytes"
        else
            fail "$(basename "$f"): trialpack convert failed: $(head -c 300 "$tp_tmp/err")"
        fi
    done
else
    echo "note: $CDT convert is not available; checked the test driver only"
fi
finish
