/*
 * Byte sources and sinks. Readers take a tp_source and writers a tp_sink, each with a file and a
 * memory implementation, so that tests and fuzzers never touch the disk (ReadStat's readstat_io_t).
 * A file sink writes into a temporary file beside its target and renames it only on commit, so a
 * failed run never leaves a half-written output behind.
 */
#ifndef TP_IO_H
#define TP_IO_H

#include "internal.h"

struct tp_source;
struct tp_sink;

/* Open a file for reading. On error *out is NULL and err names the path. */
int tp_source_open_file(struct tp_source **out, const char *path, struct tp_error *err);
/* Read from memory; data is borrowed and must outlive the source. */
int tp_source_open_memory(struct tp_source **out, const void *data, size_t n, const char *name,
                          struct tp_error *err);
/* Read up to n bytes; returns bytes read (0 at end), or -1 with err set. */
long tp_source_read(struct tp_source *src, void *buf, size_t n, struct tp_error *err);
/* Read exactly n bytes: TP_OK, or TP_E_PARSE naming "unexpected end of file" when short. */
int tp_source_read_full(struct tp_source *src, void *buf, size_t n, size_t *got, struct tp_error *err);
/* Start again from the first byte (file sources only need to be seekable). */
int tp_source_rewind(struct tp_source *src, struct tp_error *err);
/* Total size in bytes when known, else -1. */
long long tp_source_size(const struct tp_source *src);
/* Bytes consumed so far. */
long long tp_source_tell(const struct tp_source *src);
/* The name given to errors ("path" or the memory name). */
const char *tp_source_name(const struct tp_source *src);
void tp_source_close(struct tp_source *src);

/* Create a file sink for path: bytes go to "path.tmp-XXXXXX" until tp_sink_commit renames it. */
int tp_sink_open_file(struct tp_sink **out, const char *path, struct tp_error *err);
/* A growable memory sink (tests, fuzzers, nested encoders). */
int tp_sink_open_memory(struct tp_sink **out, struct tp_error *err);
/* Buffered write of n bytes. */
int tp_sink_write(struct tp_sink *sink, const void *data, size_t n, struct tp_error *err);
int tp_sink_puts(struct tp_sink *sink, const char *s, struct tp_error *err);
int tp_sink_putc(struct tp_sink *sink, char c, struct tp_error *err);
/* Bytes written so far. */
long long tp_sink_tell(const struct tp_sink *sink);
/* Flush, close and (file sinks) atomically rename into place. After commit only free is allowed. */
int tp_sink_commit(struct tp_sink *sink, struct tp_error *err);
/* Memory sinks: the bytes written (valid until free). */
const unsigned char *tp_sink_memory(const struct tp_sink *sink, size_t *n);
/* Free; an uncommitted file sink removes its temporary file (abort). tp_sink_free(NULL) is a no-op. */
void tp_sink_free(struct tp_sink *sink);
const char *tp_sink_name(const struct tp_sink *sink);

#endif
