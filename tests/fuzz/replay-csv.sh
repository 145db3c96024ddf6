#!/bin/sh
# Replay the CSV fuzz corpus (and the CSV fixtures) through the fuzz target without libFuzzer.
: "${TP_SRCDIR:?}" "${TP_BUILDDIR:?}"
exec "$TP_BUILDDIR/tests/fuzz/replay_csv" "$TP_SRCDIR/tests/fuzz/corpus/csv"
