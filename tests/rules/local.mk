## Standards tables (SDTMIG 3.4, ADaMIG 1.3) and the conformance-rule catalogue that
## `trialpack validate` reads; installed under $(pkgdatadir)/mappings/. The standards CSVs are
## built by mappings/standards/tools/build-standards.py (see its header); tests/rules/catalogue.sh
## checks the catalogue (ids, severities, check kinds, cross-reference ids).
TESTS += tests/rules/catalogue.sh
EXTRA_DIST += tests/rules/catalogue.sh
nobase_dist_pkgdata_DATA += \
	mappings/rules/README.md \
	mappings/rules/VERSION \
	mappings/rules/catalogue.csv \
	mappings/standards/adamig-1.3/datasets.csv \
	mappings/standards/adamig-1.3/variables.csv \
	mappings/standards/sdtmig-3.4/datasets.csv \
	mappings/standards/sdtmig-3.4/variables.csv
EXTRA_DIST += mappings/standards/tools/build-standards.py
