# Shared helpers for the shell tests (sourced). Exit 77 = skipped (automake).
set -u
: "${TP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TP_BUILDDIR:=$TP_SRCDIR}"
: "${CDT:=$TP_BUILDDIR/trialpack}"
: "${TP_REFERENCE_DIR:=$TP_SRCDIR/../shared/reference}"
: "${TP_DATADIR:=$TP_SRCDIR}"
export TP_SRCDIR TP_BUILDDIR CDT TP_REFERENCE_DIR TP_DATADIR
export LC_ALL=C
: "${SOURCE_DATE_EPOCH:=1700000000}"
export SOURCE_DATE_EPOCH

tp_fails=0
fail() { echo "FAIL: $*" >&2; tp_fails=$((tp_fails + 1)); }
pass() { echo "ok: $*"; }
skip() { echo "SKIP: $*"; exit 77; }
finish() { if [ "$tp_fails" -gt 0 ]; then echo "$tp_fails check(s) failed"; exit 1; fi; exit 0; }
need_reference() { [ -d "$TP_REFERENCE_DIR/$1" ] || skip "reference folder $TP_REFERENCE_DIR/$1 is absent"; }
# A scratch folder removed at exit.
tp_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-test.XXXXXX")
trap 'rm -rf "$tp_tmp"' EXIT
# expect_exit CODE CMD...: run CMD, check its exit status.
expect_exit() {
    want=$1; shift
    "$@" >"$tp_tmp/out" 2>"$tp_tmp/err"; got=$?
    if [ "$got" -ne "$want" ]; then
        fail "'$*' exited $got, want $want; stderr: $(head -c 400 "$tp_tmp/err")"
        return 1
    fi
    return 0
}
