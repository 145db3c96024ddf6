## xsl/define2html.xsl: the project's own XSLT 1.0 stylesheet rendering Define-XML 2.0/2.1 (+ ARM 1.0)
## into one self-contained HTML page; installed as $(pkgdatadir)/xsl/define2html.xsl.
nobase_dist_pkgdata_DATA += xsl/define2html.xsl
TESTS += tests/xsl/define-html.sh
EXTRA_DIST += tests/xsl/define-html.sh tests/xsl/check-define-html.py
## kept by the test when it runs under make (a sample rendering and its Chromium screenshot)
CLEANFILES += tests/xsl/define-html-sample.html tests/xsl/define-html-screenshot.png
