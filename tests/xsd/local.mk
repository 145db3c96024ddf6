## xsd/: the project's own XML schemas (ODM 1.3.2; Define-XML 2.1 with ARM 1.0 for Define 2.1),
## installed under $(pkgdatadir)/xsd/, and the tests that compare them with CDISC's official ones.
nobase_dist_pkgdata_DATA += \
	xsd/odm-1.3.2/ODM1-3-2.xsd \
	xsd/odm-1.3.2/odm-foundation.xsd \
	xsd/odm-1.3.2/odm-datatypes.xsd \
	xsd/odm-1.3.2/xml-namespace.xsd \
	xsd/odm-1.3.2/README.md \
	xsd/define-2.1/define2-1-0.xsd \
	xsd/define-2.1/define-ns.xsd \
	xsd/define-2.1/define-codelists.xsd \
	xsd/define-2.1/xlink-href.xsd \
	xsd/define-2.1/arm1-0-0.xsd \
	xsd/define-2.1/arm-ns.xsd \
	xsd/define-2.1/README.md
TESTS += tests/xsd/odm-schema.sh tests/xsd/define-schema.sh
EXTRA_DIST += tests/xsd/odm-schema.sh tests/xsd/define-schema.sh tests/xsd/xsd-lib.sh
