## fmt/dsjson: Dataset-JSON 1.1 as three format plugins (fmt_dsjson "json", fmt_ndjson "ndjson",
## fmt_dsjc "dsjc"; yajl and zlib come with libtp_core_la's flags), their unit tests, the shell
## and Python tests in tests/dsjson/ and the fuzz target. Included from Makefile.am.
libtp_core_la_SOURCES += src/lib/fmt/dsjson.h src/lib/fmt/dsjson_common.c \
	src/lib/fmt/dsjson_read.c src/lib/fmt/dsjson_write.c

## tpconv: a small converter on the public API that the shell tests drive.
check_PROGRAMS += tests/dsjson/tpconv
tests_dsjson_tpconv_SOURCES = tests/dsjson/tpconv.c
tests_dsjson_tpconv_LDADD = libtp_core.la
TESTS += tests/dsjson/schema.sh tests/dsjson/examples.sh tests/dsjson/xpt.sh \
	tests/dsjson/bad-input.sh
EXTRA_DIST += tests/dsjson/schema.sh tests/dsjson/examples.sh tests/dsjson/xpt.sh \
	tests/dsjson/bad-input.sh tests/dsjson/check_dsjson.py tests/dsjson/compare_dsjson.py \
	tests/data/dsjson

## The fuzz target's corpus is replayed in `make check` without libFuzzer (see tests/fuzz/replay.c).
check_PROGRAMS += tests/fuzz/replay_dsjson
tests_fuzz_replay_dsjson_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_dsjson.c
tests_fuzz_replay_dsjson_LDADD = libtp_core.la
TESTS += tests/fuzz/replay-dsjson.sh
EXTRA_DIST += tests/fuzz/replay-dsjson.sh tests/fuzz/corpus/dsjson

if ENABLE_UNIT_TESTS
check_PROGRAMS += tests/unit/test_dsjson
TESTS += tests/unit/test_dsjson
tests_unit_test_dsjson_SOURCES = tests/unit/test_dsjson.c
tests_unit_test_dsjson_CFLAGS = $(UNIT_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_test_dsjson_LDADD = $(UNIT_LDADD) $(ZLIB_LIBS)
endif

if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_dsjson
tests_fuzz_fuzz_dsjson_SOURCES = tests/fuzz/fuzz_dsjson.c
tests_fuzz_fuzz_dsjson_CFLAGS = $(FUZZ_CFLAGS_ALL)
tests_fuzz_fuzz_dsjson_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_dsjson_LDADD = libtp_core.la
endif
