/*
 * Format plugins (libarchive's pattern): each format exports one constant table of functions and has
 * one line in registry.c. A NULL read_open or write_open means "not supported".
 */
#ifndef TP_FMT_FORMAT_H
#define TP_FMT_FORMAT_H

#include "internal.h"
#include "io.h"
#include "trialpack/dataset.h"
#include "trialpack/format.h"

#define FMT_NEEDS_LENGTHS 1u   /* writer needs CHAR lengths before the first row */

struct tp_format {
    const char *name;      /* "xpt", "csv", "json", "ndjson", "dsjc" */
    const char *exts;      /* space-separated extensions with dot: ".xpt .XPT" */
    unsigned flags;
    /* 0..100 confidence that head (first n bytes) is this format; NULL = never by content. */
    int (*probe)(const unsigned char *head, size_t n);

    /* Reading. read_open parses the header and returns the first member's metadata through *meta
       (owned by the state, no rows). read_batch clears batch (a clone of *meta the caller owns) and
       fills up to max_rows rows; 0 rows = end of member. next_member returns *meta NULL at the end. */
    int (*read_open)(struct tp_source *src, const struct tp_options *o, void **state,
                     struct tp_dataset **meta, struct tp_error *err);
    int (*read_batch)(void *state, struct tp_dataset *batch, size_t max_rows,
                      struct tp_error *err);
    int (*read_next_member)(void *state, struct tp_dataset **meta, struct tp_error *err);
    void (*read_close)(void *state);

    /* Writing one dataset to a sink. write_finish writes trailers (the caller commits the sink). */
    int (*write_open)(struct tp_sink *sink, const struct tp_dataset *meta,
                      const struct tp_options *o, void **state, struct tp_error *err);
    int (*write_batch)(void *state, const struct tp_dataset *batch, struct tp_error *err);
    int (*write_finish)(void *state, struct tp_error *err);
    void (*write_free)(void *state);
};

const struct tp_format *fmt_find(const char *name);
const struct tp_format *fmt_find_by_path(const char *path);
const struct tp_format *fmt_probe(const unsigned char *head, size_t n, const char *path);

#endif
