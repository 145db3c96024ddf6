#!/bin/sh
# External truth (a): every CDISCPILOT01 .xpt reads, and every value, name, label, length and
# format trialpack reads equals what pandas (read_sas, XportReader.fields) and the readstat CLI
# read. Reference files stay in $TP_REFERENCE_DIR (never copied into the tree).
. "$(dirname "$0")/../lib.sh"
need_reference cdiscpilot01
TOOL=${XPT_TOOL:-$TP_BUILDDIR/tests/xpt/xpt_tool}
[ -x "$TOOL" ] || skip "test driver $TOOL is not built"
command -v readstat >/dev/null 2>&1 || skip "readstat is not installed (apt-get install readstat)"
command -v extract_metadata >/dev/null 2>&1 || skip "extract_metadata (readstat package) is not installed"
TP_PY_MODULES=pandas . "$(dirname "$0")/../find-python.sh"
files=$(find "$TP_REFERENCE_DIR/cdiscpilot01" -name '*.xpt' | sort)
[ -n "$files" ] || skip "no .xpt files under $TP_REFERENCE_DIR/cdiscpilot01"
# shellcheck disable=SC2086
TMPDIR=$tp_tmp "$PYTHON" "$TP_SRCDIR/tests/xpt/check_xpt.py" pilot "$TOOL" $files || fail "pilot files differ from pandas/readstat"
finish
