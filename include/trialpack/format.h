/*
 * Reading and writing datasets in the supported file formats (XPT v5/v8, CSV, Dataset-JSON ...).
 *
 * Streaming: open a reader, look at its metadata, pull row batches until an empty batch, move to the
 * next member (files such as XPT may hold several), close. A writer is opened with the metadata,
 * fed batches, then closed: close commits the file atomically (temp file + rename); abort (or any
 * error) leaves nothing behind.
 */
#ifndef TRIALPACK_FORMAT_H
#define TRIALPACK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "trialpack/dataset.h"
#include "trialpack/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Key/value options understood by formats, e.g. "xpt.version"="8", "csv.delimiter"=";",
   "encoding"="latin1", "profile"="fda". Unknown keys are ignored by formats that do not use them. */
struct tp_options;
struct tp_options *tp_options_new(void);
void tp_options_free(struct tp_options *o);
int tp_options_set(struct tp_options *o, const char *key, const char *value);
const char *tp_options_get(const struct tp_options *o, const char *key);
/* Metadata template (borrowed): e.g. the variable list a CSV is typed by (--meta). */
void tp_options_set_template(struct tp_options *o, const struct tp_dataset *meta);
const struct tp_dataset *tp_options_template(const struct tp_options *o);

/* Name of the format that an output path's extension selects ("xpt", "csv", "json", ...), or NULL. */
const char *tp_format_for_path(const char *path);
/* Names of all registered formats, NULL-terminated (static). */
const char *const *tp_format_names(void);
/* Whether format name can read / write. */
bool tp_format_can_read(const char *name);
bool tp_format_can_write(const char *name);

struct tp_reader;
/* Open path; format NULL = choose by content and extension. */
int tp_reader_open(const char *path, const char *format, const struct tp_options *o,
                   struct tp_reader **out, struct tp_error *err);
/* Open a reader on bytes in memory (borrowed). */
int tp_reader_open_memory(const void *data, size_t n, const char *format,
                          const struct tp_options *o, struct tp_reader **out,
                          struct tp_error *err);
/* Metadata of the current member (no rows). Borrowed; valid until next_member/close. */
const struct tp_dataset *tp_reader_meta(const struct tp_reader *r);
/* Name of the format being read. */
const char *tp_reader_format(const struct tp_reader *r);
/* Next batch of at most max_rows rows of the current member: *batch has 0 rows at the end.
   The batch is owned by the reader and reused by the next call. */
int tp_reader_next(struct tp_reader *r, size_t max_rows, const struct tp_dataset **batch,
                   struct tp_error *err);
/* Like tp_reader_next, into a caller-owned batch made with tp_dataset_clone_meta(tp_reader_meta(r)).
   Lets two batches be in flight at once (see tp_pipe_rows). */
int tp_reader_fill(struct tp_reader *r, struct tp_dataset *batch, size_t max_rows,
                   struct tp_error *err);
/* Move to the next member; *more false when there is none. */
int tp_reader_next_member(struct tp_reader *r, bool *more, struct tp_error *err);
void tp_reader_close(struct tp_reader *r);

/* Read every row of the first (or current) member into a new dataset (free with tp_dataset_free). */
int tp_read_all(struct tp_reader *r, struct tp_dataset **out, struct tp_error *err);
/* Convenience: open path, read the first member whole. */
int tp_read_file(const char *path, const char *format, const struct tp_options *o,
                 struct tp_dataset **out, struct tp_error *err);

struct tp_writer;
/* Open path for writing one dataset with the metadata meta (copied). format NULL = by extension.
   Formats that must know character lengths up front (XPT) fail with TP_E_USAGE when a CHAR
   variable has length 0; see tp_writer_needs_lengths. */
int tp_writer_open(const char *path, const char *format, const struct tp_dataset *meta,
                   const struct tp_options *o, struct tp_writer **out, struct tp_error *err);
/* Write to memory; fetch the bytes with tp_writer_memory after close. */
int tp_writer_open_memory(const char *format, const struct tp_dataset *meta,
                          const struct tp_options *o, struct tp_writer **out,
                          struct tp_error *err);
int tp_writer_write(struct tp_writer *w, const struct tp_dataset *batch, struct tp_error *err);
/* Finish and commit. The writer is freed whatever the result. */
int tp_writer_close(struct tp_writer *w, struct tp_error *err);
/* Like close, but keeps the writer so that tp_writer_memory works; free with tp_writer_abort. */
int tp_writer_finish(struct tp_writer *w, struct tp_error *err);
const unsigned char *tp_writer_memory(const struct tp_writer *w, size_t *n);
/* Discard: nothing is left on disk. tp_writer_abort(NULL) is a no-op. */
void tp_writer_abort(struct tp_writer *w);
/* Whether the format needs CHAR lengths known before the first row. */
bool tp_writer_needs_lengths(const char *format);

/* Copy every remaining row of the reader's current member into the writer in batches of
   batch_rows, parsing ahead on a second thread. progress (may be NULL) sees the running total. */
int tp_pipe_rows(struct tp_reader *r, struct tp_writer *w, size_t batch_rows,
                 void (*progress)(size_t rows, void *ctx), void *ctx, struct tp_error *err);

/* Write a whole dataset to path (format by extension when NULL). */
int tp_write_file(const char *path, const char *format, const struct tp_dataset *ds,
                  const struct tp_options *o, struct tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
