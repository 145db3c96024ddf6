## report: validation findings
libtp_core_la_SOURCES += src/lib/report/report.c
tpinclude_HEADERS += include/trialpack/report.h
