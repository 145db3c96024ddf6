#!/bin/sh
# Replay the Define-XML fuzz corpus through the fuzz target without libFuzzer.
: "${TP_SRCDIR:?}" "${TP_BUILDDIR:?}"
exec "$TP_BUILDDIR/tests/fuzz/replay_define" "$TP_SRCDIR/tests/fuzz/corpus/define"
