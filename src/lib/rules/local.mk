## rules: conformance validation (`trialpack validate`, tp_validate_package for `trialpack build`)
## driven by mappings/rules/catalogue.csv; see src/lib/rules/rules.h for the layout.
libtp_core_la_SOURCES += \
	src/lib/rules/rules.h src/lib/rules/catalogue.c src/lib/rules/registry.c \
	src/lib/rules/engine.c src/lib/rules/util.c src/lib/rules/hash.c src/lib/rules/csvtab.c \
	src/lib/rules/iso8601.c src/lib/rules/stdmeta.c src/lib/rules/ct.c \
	src/lib/rules/rules_define_read.c src/lib/rules/report_out.c \
	src/lib/rules/rules_xpt.c src/lib/rules/rules_meta.c src/lib/rules/rules_values.c \
	src/lib/rules/rules_keys.c src/lib/rules/rules_timing.c src/lib/rules/rules_ct.c \
	src/lib/rules/rules_supp.c src/lib/rules/rules_design.c src/lib/rules/rules_define.c \
	src/lib/rules/rules_package.c
tpinclude_HEADERS += include/trialpack/rules.h

check_PROGRAMS += tests/unit/test_rules
tests_unit_test_rules_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rules_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_rules tests/rules/fixtures.sh tests/rules/validate-cli.sh \
	tests/rules/report-html.sh tests/rules/pilot.sh tests/rules/example.sh
EXTRA_DIST += tests/rules/fixtures.sh tests/rules/fixture_run.py tests/rules/fixtures \
	tests/rules/validate-cli.sh tests/rules/report-html.sh tests/rules/check-report-html.py \
	tests/rules/pilot.sh tests/rules/example.sh tests/rules/error-rule-map.csv \
	tests/rules/example-warnings.csv bench/validate.sh
