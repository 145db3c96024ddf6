## map: the SDTM mapping engine (spec sheets -> plan -> column-wise execution) and its data
libtp_core_la_SOURCES += \
	src/lib/map/map.h src/lib/map/hmap.c src/lib/map/sheet.c src/lib/map/expr.c \
	src/lib/map/isodate.c src/lib/map/ct.c src/lib/map/spec_parse.c src/lib/map/spec_check.c \
	src/lib/map/table.c src/lib/map/exec.c src/lib/map/funcs.c src/lib/map/derive_std.c \
	src/lib/map/derive_visit.c src/lib/map/derive_epoch.c src/lib/map/derive_dm.c \
	src/lib/map/derive_design.c src/lib/map/derive_supp.c src/lib/map/translit.c \
	src/lib/map/write.c src/lib/map/recon.c src/lib/map/stream.c src/lib/map/sdtm.c
tpinclude_HEADERS += include/trialpack/sdtm.h

## the SCLERADEC II SDTM spec and the bundled controlled terminology
nobase_dist_pkgdata_DATA += \
	mappings/scleradec2/sdtm/CodeMaps.csv mappings/scleradec2/sdtm/Codelists.csv \
	mappings/scleradec2/sdtm/Comments.csv mappings/scleradec2/sdtm/Datasets.csv \
	mappings/scleradec2/sdtm/Documents.csv mappings/scleradec2/sdtm/Methods.csv \
	mappings/scleradec2/sdtm/Rules.csv mappings/scleradec2/sdtm/Settings.csv \
	mappings/scleradec2/sdtm/TrialArms.csv mappings/scleradec2/sdtm/TrialElements.csv \
	mappings/scleradec2/sdtm/TrialInclusion.csv mappings/scleradec2/sdtm/TrialSummary.csv \
	mappings/scleradec2/sdtm/TrialVisits.csv mappings/scleradec2/sdtm/UnitConversions.csv \
	mappings/scleradec2/sdtm/ValueLevel.csv mappings/scleradec2/sdtm/Variables.csv \
	mappings/scleradec2/sdtm/WhereClauses.csv \
	mappings/ct/sdtm-ct.txt mappings/ct/tools/extract-ct.py mappings/ct/README.md

## tests
if ENABLE_UNIT_TESTS
check_PROGRAMS += tests/unit/test_map
TESTS += tests/unit/test_map
tests_unit_test_map_SOURCES = tests/unit/test_map.c
tests_unit_test_map_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_map_LDADD = $(UNIT_LDADD)
endif
TESTS += tests/sdtm/scleradec2.sh tests/sdtm/ministudy.sh \
	tests/sdtm/badspec.sh tests/sdtm/build.sh
EXTRA_DIST += tests/sdtm/scleradec2.sh tests/sdtm/ministudy.sh \
	tests/sdtm/badspec.sh tests/sdtm/build.sh tests/sdtm/check_sdtm.py \
	tests/sdtm/golden_check.py tests/sdtm/golden tests/data/ministudy tests/fuzz/fuzz_spec.c \
	tests/fuzz/corpus/spec doc/sdtm-spec.md

## fuzzing the spec parser
if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_spec
tests_fuzz_fuzz_spec_SOURCES = tests/fuzz/fuzz_spec.c
tests_fuzz_fuzz_spec_CFLAGS = $(FUZZ_CFLAGS_ALL)
tests_fuzz_fuzz_spec_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_spec_LDADD = libtp_core.la
endif
