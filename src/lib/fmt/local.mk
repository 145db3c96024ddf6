## fmt: format registry, options and the streaming reader/writer API
libtp_core_la_SOURCES += src/lib/fmt/format.h src/lib/fmt/registry.c src/lib/fmt/options.c \
	src/lib/fmt/stream.c src/lib/fmt/pipeline.c
