#!/bin/sh
# External truth (c): files trialpack writes (edge values, special missings, lengths 2..8, v5, v8
# with LABELV8, v8 with LABELV9) read back the same in trialpack, pandas (v5) and readstat.
. "$(dirname "$0")/../lib.sh"
TOOL=${XPT_TOOL:-$TP_BUILDDIR/tests/xpt/xpt_tool}
[ -x "$TOOL" ] || skip "test driver $TOOL is not built"
command -v readstat >/dev/null 2>&1 || skip "readstat is not installed (apt-get install readstat)"
command -v extract_metadata >/dev/null 2>&1 || skip "extract_metadata (readstat package) is not installed"
TP_PY_MODULES=pandas . "$(dirname "$0")/../find-python.sh"
TMPDIR=$tp_tmp "$PYTHON" "$TP_SRCDIR/tests/xpt/check_xpt.py" written "$TOOL" "$tp_tmp" || fail "written files read differently"
finish
