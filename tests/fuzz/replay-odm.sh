#!/bin/sh
# Replay the ODM fuzz corpus through the fuzz target without libFuzzer.
: "${TP_SRCDIR:?}" "${TP_BUILDDIR:?}"
exec "$TP_BUILDDIR/tests/fuzz/replay_odm" "$TP_SRCDIR/tests/fuzz/corpus/odm"
