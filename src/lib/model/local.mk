## model: the columnar dataset
libtp_core_la_SOURCES += src/lib/model/dataset.c
