## define: Define-XML 2.1 written from the mapping spec and the data (define_model.c,
## define_write.c), Define-XML 2.0/2.1 read back into a metadata model (define_read.c), their
## unit tests, shell tests and fuzz target. Included from Makefile.am.
libtp_core_la_SOURCES += src/lib/define/define.h src/lib/define/define_util.c \
	src/lib/define/define_model.c src/lib/define/define_write.c src/lib/define/define_read.c
tpinclude_HEADERS += include/trialpack/define.h

TESTS += tests/define/define-write.sh tests/define/define-read.sh tests/define/define-bad.sh \
	tests/define/define-html.sh
EXTRA_DIST += tests/define/define-write.sh tests/define/define-read.sh tests/define/define-bad.sh \
	tests/define/define-html.sh tests/define/check_define.py tests/define/lib-define.sh tests/data/define \
	tests/fuzz/replay-define.sh tests/fuzz/corpus/define doc/images/define-html.png

## The fuzz target's corpus is replayed in `make check` without libFuzzer (tests/fuzz/replay.c).
check_PROGRAMS += tests/fuzz/replay_define
tests_fuzz_replay_define_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_define.c
tests_fuzz_replay_define_LDADD = libtp_core.la
TESTS += tests/fuzz/replay-define.sh

if ENABLE_UNIT_TESTS
check_PROGRAMS += tests/unit/test_define
TESTS += tests/unit/test_define
tests_unit_test_define_SOURCES = tests/unit/test_define.c
tests_unit_test_define_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_define_LDADD = $(UNIT_LDADD)
endif

if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_define
tests_fuzz_fuzz_define_SOURCES = tests/fuzz/fuzz_define.c src/lib/define/define_read.c \
	src/lib/define/define_util.c
tests_fuzz_fuzz_define_CFLAGS = $(FUZZ_CFLAGS_ALL) $(LIBXML2_CFLAGS)
tests_fuzz_fuzz_define_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_define_LDADD = libtp_core.la
endif
CLEANFILES += tests/define/define-html.png
