## tests of core, model and the CLI; each module's fragment adds its own
check_PROGRAMS += tests/unit/test_core tests/unit/test_dataset tests/unit/test_report
TESTS += tests/unit/test_core tests/unit/test_dataset tests/unit/test_report tests/cli/cli.sh
tests_unit_test_core_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_core_LDADD = $(UNIT_LDADD)
tests_unit_test_dataset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dataset_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/cli/cli.sh tests/lib.sh tests/find-python.sh
TESTS += tests/xml/xml-safety.sh tests/xml/render.sh
EXTRA_DIST += tests/xml/xml-safety.sh tests/xml/render.sh
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/test_pipeline
TESTS += tests/unit/test_pipeline
tests_unit_test_pipeline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pipeline_LDADD = $(UNIT_LDADD)
