/*
 * CSV format plugin (RFC 4180), shared between csv_read.c, csv_write.c and meta_sheet.c.
 *
 * Reading: libcsv (strict mode) tokenizes records that contain quotes or bare CRs; plain lines
 * (no quote) take a fast path that splits at the delimiter directly. Both paths feed the same
 * per-field code, which types the value and stores it straight into the caller's batch.
 * The reader never holds more than one read buffer (1 MiB, 4 MiB when transcoding), one line of
 * at most CSV_LINE_MAX bytes and one field of at most CSV_FIELD_MAX bytes, whatever the file size.
 *
 * Options (struct tp_options):
 *   csv.delimiter  ","  ";"  "tab" (or "\t")       reading: overrides detection; writing: default
 * "," (a ".tsv" output defaults to tab) encoding       "utf-8" (default; invalid UTF-8 is an
 * error), "latin1"/"iso-8859-1", "cp1252"/"windows-1252" (transcoded to UTF-8) csv.decimal    ","
 * accept decimal commas in numeric columns csv.infer      "1"  type columns by a first pass over
 * the file (see csv_read.c) csv.crlf       "1"  writing: CRLF line ends (default LF)
 *   csv.measure    "1"  reading: give CHAR variables of unknown length their longest value's
 *                       length, measured by a first pass at open (see csv_read.c)
 */
#ifndef TP_FMT_CSV_H
#define TP_FMT_CSV_H

#include "format.h"

/* Longest field (bytes) and longest line handled by the plain-line fast path. */
#define CSV_FIELD_MAX ((size_t)16 << 20)
#define CSV_LINE_MAX ((size_t)1 << 20)
/* Most columns a header may have. */
#define CSV_COLS_MAX 100000

extern const struct tp_format fmt_csv;

/* Delimiter named by option "csv.delimiter" (NULL/"" = 0: not set); TP_E_USAGE when unknown. */
int csv_opt_delimiter(const struct tp_options *o, char *delim, struct tp_error *err);

/* The reader entry points of fmt_csv (see struct tp_format). */
int csv_read_open(struct tp_source *src, const struct tp_options *o, void **state,
                  struct tp_dataset **meta, struct tp_error *err);
int csv_read_batch(void *state, struct tp_dataset *batch, size_t max_rows, struct tp_error *err);
void csv_read_close(void *state);
/* Physical line (1-based) where row i of the last batch began; -1 when out of range. */
long csv_read_row_line(const void *state, size_t i);
/* Physical line of the header record. */
long csv_read_header_line(const void *state);

/* The writer entry points of fmt_csv. */
int csv_write_open(struct tp_sink *sink, const struct tp_dataset *meta, const struct tp_options *o,
                   void **state, struct tp_error *err);
int csv_write_batch(void *state, const struct tp_dataset *batch, struct tp_error *err);
int csv_write_finish(void *state, struct tp_error *err);
void csv_write_free(void *state);

/* Shortest round-trip text of d as tp_format_double writes it, with a fast path for integers and
   short decimals; buf >= 32 bytes. Returns the length. */
size_t csv_format_num(double d, char *buf);

#endif
