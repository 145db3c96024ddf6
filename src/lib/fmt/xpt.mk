## fmt/xpt: the SAS XPORT v5/v8 format plugin (fmt_xpt, fmt_xpt8), IBM float conversion, their
## unit tests, the external-truth checks (pandas, readstat), and the fuzz target.
## Included from Makefile.am.
libtp_core_la_SOURCES += src/lib/fmt/xpt.h src/lib/fmt/xpt_read.c src/lib/fmt/xpt_write.c \
	src/lib/fmt/ibmfloat.h src/lib/fmt/ibmfloat.c

## A test driver on the public API (dump / convert / generate / bench) for the shell checks.
check_PROGRAMS += tests/xpt/xpt_tool
tests_xpt_xpt_tool_SOURCES = tests/xpt/xpt_tool.c
tests_xpt_xpt_tool_LDADD = libtp_core.la
TESTS += tests/xpt/pilot-read.sh tests/xpt/pilot-rewrite.sh tests/xpt/written-read.sh

## The fuzz target's corpus is replayed in `make check` without libFuzzer (tests/fuzz/replay.c).
check_PROGRAMS += tests/fuzz/replay_xpt
tests_fuzz_replay_xpt_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_xpt.c
tests_fuzz_replay_xpt_LDADD = libtp_core.la
TESTS += tests/fuzz/replay-xpt.sh

EXTRA_DIST += tests/xpt/pilot-read.sh tests/xpt/pilot-rewrite.sh tests/xpt/written-read.sh \
	tests/xpt/check_xpt.py tests/xpt/make_seeds.py tests/fuzz/replay-xpt.sh \
	tests/fuzz/corpus/xpt tests/data/xpt

if ENABLE_UNIT_TESTS
check_PROGRAMS += tests/unit/test_xpt tests/unit/test_ibmfloat
TESTS += tests/unit/test_xpt tests/unit/test_ibmfloat
tests_unit_test_xpt_SOURCES = tests/unit/test_xpt.c
tests_unit_test_xpt_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_xpt_LDADD = $(UNIT_LDADD)
tests_unit_test_ibmfloat_SOURCES = tests/unit/test_ibmfloat.c
tests_unit_test_ibmfloat_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ibmfloat_LDADD = $(UNIT_LDADD)
endif

if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_xpt
tests_fuzz_fuzz_xpt_SOURCES = tests/fuzz/fuzz_xpt.c
tests_fuzz_fuzz_xpt_CFLAGS = $(FUZZ_CFLAGS_ALL)
tests_fuzz_fuzz_xpt_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_xpt_LDADD = libtp_core.la
endif
