#!/bin/sh
# Replay the Dataset-JSON fuzz corpus through the fuzz target without libFuzzer.
: "${TP_SRCDIR:?}" "${TP_BUILDDIR:?}"
exec "$TP_BUILDDIR/tests/fuzz/replay_dsjson" "$TP_SRCDIR/tests/fuzz/corpus/dsjson"
