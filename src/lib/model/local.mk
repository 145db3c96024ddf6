## model: the columnar dataset
libtp_core_la_SOURCES += src/lib/model/dataset.c src/lib/model/dataset_bulk.h
