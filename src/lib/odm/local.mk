## odm: ODM 1.3.2 export of a study's raw EDC data and import of ODM ClinicalData as tables
## (include/trialpack/odm.h). Included from Makefile.am.
libtp_core_la_SOURCES += src/lib/odm/odm.h src/lib/odm/odm_values.c src/lib/odm/odm_raw.c \
	src/lib/odm/odm_write.c src/lib/odm/odm_read.c
tpinclude_HEADERS += include/trialpack/odm.h

## shell tests: export validity (official + bundled schema), determinism, round trip, real EDC
## exports and CDISC examples, bad input, the command line
TESTS += tests/odm/odm-cli.sh tests/odm/odm-export.sh tests/odm/odm-roundtrip.sh \
	tests/odm/odm-import-reference.sh tests/odm/odm-bad-input.sh
EXTRA_DIST += tests/odm/odm-lib.sh tests/odm/odm_check.py tests/odm/odm-cli.sh \
	tests/odm/odm-export.sh tests/odm/odm-roundtrip.sh tests/odm/odm-import-reference.sh \
	tests/odm/odm-bad-input.sh bench/odm.sh

## the fuzz corpus is replayed in `make check` without libFuzzer (tests/fuzz/replay.c)
check_PROGRAMS += tests/fuzz/replay_odm
tests_fuzz_replay_odm_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_odm.c
tests_fuzz_replay_odm_CFLAGS = $(AM_CFLAGS)
tests_fuzz_replay_odm_LDADD = libtp_core.la
TESTS += tests/fuzz/replay-odm.sh
EXTRA_DIST += tests/fuzz/replay-odm.sh tests/fuzz/corpus/odm

if ENABLE_UNIT_TESTS
check_PROGRAMS += tests/unit/test_odm
TESTS += tests/unit/test_odm
tests_unit_test_odm_SOURCES = tests/unit/test_odm.c
tests_unit_test_odm_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_odm_LDADD = $(UNIT_LDADD)
endif

if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_odm
tests_fuzz_fuzz_odm_SOURCES = tests/fuzz/fuzz_odm.c
tests_fuzz_fuzz_odm_CFLAGS = $(FUZZ_CFLAGS_ALL)
tests_fuzz_fuzz_odm_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_odm_LDADD = libtp_core.la
endif
