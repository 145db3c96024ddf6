## core: errors, allocation, strings, I/O, time, numbers, UTF-8
libtp_core_la_SOURCES += \
	src/lib/core/alloc.c src/lib/core/banned.h src/lib/core/error.c src/lib/core/internal.h \
	src/lib/core/io.c src/lib/core/io.h src/lib/core/numfmt.c src/lib/core/strbuf.c \
	src/lib/core/time.c src/lib/core/utf8.c src/lib/core/version.c src/lib/core/init.c
tpinclude_HEADERS += include/trialpack/trialpack.h include/trialpack/error.h \
	include/trialpack/dataset.h include/trialpack/format.h
