## crf: study folders (CSV sheets shaped like ODM metadata -> in-memory model), doc/crf-sheets.md.
## Included from Makefile.am.
libtp_core_la_SOURCES += src/lib/crf/crf.h src/lib/crf/crf_sheet.c src/lib/crf/crf_map.c \
	src/lib/crf/crf_read.c src/lib/crf/crf_access.c
tpinclude_HEADERS += include/trialpack/study.h

## The SCLERADEC II worked example (installed to $(pkgdatadir)/mappings/scleradec2).
nobase_dist_pkgdata_DATA += mappings/scleradec2/study.csv \
	mappings/scleradec2/crf/events.csv mappings/scleradec2/crf/forms.csv \
	mappings/scleradec2/crf/event_forms.csv mappings/scleradec2/crf/itemgroups.csv \
	mappings/scleradec2/crf/items.csv mappings/scleradec2/crf/codelists.csv \
	mappings/scleradec2/crf/units.csv
EXTRA_DIST += doc/crf-sheets.md tests/data/crf

if ENABLE_UNIT_TESTS
## the fuzz target is linked in so that the unit test replays the fixtures through it
check_PROGRAMS += tests/unit/test_crf
TESTS += tests/unit/test_crf
tests_unit_test_crf_SOURCES = tests/unit/test_crf.c tests/fuzz/fuzz_crf_sheet.c
tests_unit_test_crf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_crf_LDADD = $(UNIT_LDADD)
endif

if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_crf_sheet
tests_fuzz_fuzz_crf_sheet_SOURCES = tests/fuzz/fuzz_crf_sheet.c
tests_fuzz_fuzz_crf_sheet_CFLAGS = $(FUZZ_CFLAGS_ALL)
tests_fuzz_fuzz_crf_sheet_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_crf_sheet_LDADD = libtp_core.la
endif
