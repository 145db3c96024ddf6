## fmt/csv: the CSV format plugin (fmt_csv), the variables-sheet loader (--meta), their unit tests
## and fuzz target. Included from Makefile.am.
libtp_core_la_SOURCES += src/lib/fmt/csv.h src/lib/fmt/csv_read.c src/lib/fmt/csv_write.c \
	src/lib/fmt/meta_sheet.c
tpinclude_HEADERS += include/trialpack/meta.h

## The fuzz target's corpus is replayed in `make check` without libFuzzer (see tests/fuzz/replay.c).
check_PROGRAMS += tests/fuzz/replay_csv
tests_fuzz_replay_csv_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_csv.c
tests_fuzz_replay_csv_LDADD = libtp_core.la
TESTS += tests/fuzz/replay-csv.sh
EXTRA_DIST += tests/fuzz/replay-csv.sh tests/fuzz/corpus/csv tests/data/csv

if ENABLE_UNIT_TESTS
check_PROGRAMS += tests/unit/test_csv
TESTS += tests/unit/test_csv
tests_unit_test_csv_SOURCES = tests/unit/test_csv.c
tests_unit_test_csv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_csv_LDADD = $(UNIT_LDADD)
endif

if ENABLE_FUZZING
## The CSV sources are compiled into the target too, so that libFuzzer sees their coverage
## (libtp_core.la is built without -fsanitize=fuzzer-no-link); the linker then takes the rest of
## the library from the archive.
EXTRA_PROGRAMS += tests/fuzz/fuzz_csv
tests_fuzz_fuzz_csv_SOURCES = tests/fuzz/fuzz_csv.c src/lib/fmt/csv_read.c src/lib/fmt/csv_write.c
tests_fuzz_fuzz_csv_CFLAGS = $(FUZZ_CFLAGS_ALL)
tests_fuzz_fuzz_csv_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_csv_LDADD = libtp_core.la
endif
