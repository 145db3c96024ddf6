#!/bin/sh
# Replay the XPT fuzz corpus through the fuzz target (tests/fuzz/fuzz_xpt.c) without libFuzzer.
: "${TP_SRCDIR:?}" "${TP_BUILDDIR:?}"
exec "$TP_BUILDDIR/tests/fuzz/replay_xpt" "$TP_SRCDIR/tests/fuzz/corpus/xpt"
