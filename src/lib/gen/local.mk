## gen: the synthetic raw EDC export generator (study brief §6). Generic driver, error injector and
## metadata-only model; study realism lives in one model file per study. Included from Makefile.am.
libtp_core_la_SOURCES += src/lib/gen/gen.h src/lib/gen/gen.c src/lib/gen/gen_rng.c \
	src/lib/gen/gen_inject.c src/lib/gen/gen_generic.c src/lib/gen/scleradec2_model.c

if ENABLE_UNIT_TESTS
check_PROGRAMS += tests/unit/test_gen
TESTS += tests/unit/test_gen
tests_unit_test_gen_SOURCES = tests/unit/test_gen.c
tests_unit_test_gen_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_gen_LDADD = $(UNIT_LDADD)
endif
