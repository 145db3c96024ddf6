/*
 * The public streaming API (include/trialpack/format.h) on top of the format plugins.
 */
#include "format.h"

#include <string.h>

struct tp_reader {
    const struct tp_format *fmt;
    struct tp_source *src;
    void *state;
    struct tp_dataset *meta;   /* owned by the plugin state */
    struct tp_dataset *batch;  /* owned here: clone of meta */
    bool done;                 /* no more members */
};

static int reader_start(struct tp_reader *r, const struct tp_format *fmt,
                        const struct tp_options *o, struct tp_error *err)
{
    int rc;
    r->fmt = fmt;
    if (!fmt || !fmt->read_open)
        return tp_fail(err, TP_E_UNSUPPORTED, "cannot read '%s': unknown or write-only format",
                       tp_source_name(r->src));
    rc = fmt->read_open(r->src, o, &r->state, &r->meta, err);
    if (rc)
        return rc;
    r->batch = tp_dataset_clone_meta(r->meta);
    if (!r->batch)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    return TP_OK;
}

static int reader_open_src(struct tp_source *src, const char *path, const char *format,
                           const struct tp_options *o, struct tp_reader **out,
                           struct tp_error *err)
{
    struct tp_reader *r;
    const struct tp_format *fmt = NULL;
    int rc;
    *out = NULL;
    r = tp_calloc(1, sizeof *r);
    if (!r) {
        tp_source_close(src);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    r->src = src;
    if (format) {
        fmt = fmt_find(format);
        if (!fmt) {
            tp_reader_close(r);
            return tp_fail(err, TP_E_USAGE, "unknown format '%s'", format);
        }
    } else {
        unsigned char head[512];
        size_t got = 0;
        rc = tp_source_read_full(src, head, sizeof head, &got, err);
        if (rc == TP_OK)
            rc = tp_source_rewind(src, err);
        if (rc) {
            tp_reader_close(r);
            return rc;
        }
        fmt = fmt_probe(head, got, path);
        if (!fmt) {
            tp_reader_close(r);
            return tp_fail(err, TP_E_USAGE,
                           "cannot tell the format of '%s' (use a known extension)", path);
        }
    }
    rc = reader_start(r, fmt, o, err);
    if (rc) {
        tp_error_set_path(err, path);
        tp_reader_close(r);
        return rc;
    }
    *out = r;
    return TP_OK;
}

int tp_reader_open(const char *path, const char *format, const struct tp_options *o,
                   struct tp_reader **out, struct tp_error *err)
{
    struct tp_source *src;
    int rc = tp_source_open_file(&src, path, err);
    *out = NULL;
    if (rc)
        return rc;
    return reader_open_src(src, path, format, o, out, err);
}

int tp_reader_open_memory(const void *data, size_t n, const char *format,
                          const struct tp_options *o, struct tp_reader **out,
                          struct tp_error *err)
{
    struct tp_source *src;
    int rc = tp_source_open_memory(&src, data, n, "<memory>", err);
    *out = NULL;
    if (rc)
        return rc;
    return reader_open_src(src, "<memory>", format, o, out, err);
}

const struct tp_dataset *tp_reader_meta(const struct tp_reader *r)
{
    return r->meta;
}

const char *tp_reader_format(const struct tp_reader *r)
{
    return r->fmt->name;
}

int tp_reader_next(struct tp_reader *r, size_t max_rows, const struct tp_dataset **batch,
                   struct tp_error *err)
{
    int rc;
    tp_dataset_clear_rows(r->batch);
    *batch = r->batch;
    if (r->done || max_rows == 0)
        return TP_OK;
    rc = r->fmt->read_batch(r->state, r->batch, max_rows, err);
    if (rc)
        tp_error_set_path(err, tp_source_name(r->src));
    return rc;
}

int tp_reader_fill(struct tp_reader *r, struct tp_dataset *batch, size_t max_rows,
                   struct tp_error *err)
{
    int rc;
    tp_dataset_clear_rows(batch);
    if (r->done || max_rows == 0)
        return TP_OK;
    if (tp_dataset_nvars(batch) != tp_dataset_nvars(r->meta))
        return tp_fail(err, TP_E_USAGE, "batch does not match the reader's variables");
    rc = r->fmt->read_batch(r->state, batch, max_rows, err);
    if (rc)
        tp_error_set_path(err, tp_source_name(r->src));
    return rc;
}

int tp_reader_next_member(struct tp_reader *r, bool *more, struct tp_error *err)
{
    int rc;
    *more = false;
    if (r->done)
        return TP_OK;
    if (!r->fmt->read_next_member) {
        r->done = true;
        return TP_OK;
    }
    rc = r->fmt->read_next_member(r->state, &r->meta, err);
    if (rc) {
        tp_error_set_path(err, tp_source_name(r->src));
        return rc;
    }
    if (!r->meta) {
        r->done = true;
        return TP_OK;
    }
    tp_dataset_free(r->batch);
    r->batch = tp_dataset_clone_meta(r->meta);
    if (!r->batch)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    *more = true;
    return TP_OK;
}

void tp_reader_close(struct tp_reader *r)
{
    if (!r)
        return;
    if (r->state && r->fmt && r->fmt->read_close)
        r->fmt->read_close(r->state);
    tp_dataset_free(r->batch);
    tp_source_close(r->src);
    tp_free(r);
}

int tp_read_all(struct tp_reader *r, struct tp_dataset **out, struct tp_error *err)
{
    struct tp_dataset *all = tp_dataset_clone_meta(r->meta);
    *out = NULL;
    if (!all)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    for (;;) {
        const struct tp_dataset *b;
        int rc = tp_reader_next(r, 65536, &b, err);
        if (rc == TP_OK && tp_dataset_nrows(b) > 0)
            rc = tp_dataset_append(all, b, err);
        if (rc) {
            tp_dataset_free(all);
            return rc;
        }
        if (tp_dataset_nrows(b) == 0)
            break;
    }
    *out = all;
    return TP_OK;
}

int tp_read_file(const char *path, const char *format, const struct tp_options *o,
                 struct tp_dataset **out, struct tp_error *err)
{
    struct tp_reader *r;
    int rc = tp_reader_open(path, format, o, &r, err);
    *out = NULL;
    if (rc)
        return rc;
    rc = tp_read_all(r, out, err);
    tp_reader_close(r);
    return rc;
}

/* ---- writers ---- */

struct tp_writer {
    const struct tp_format *fmt;
    struct tp_sink *sink;
    void *state;
    bool finished;
};

static int writer_open_sink(struct tp_sink *sink, const char *what, const char *format,
                            const struct tp_dataset *meta, const struct tp_options *o,
                            struct tp_writer **out, struct tp_error *err)
{
    struct tp_writer *w;
    const struct tp_format *fmt = format ? fmt_find(format) : fmt_find_by_path(what);
    int rc;
    *out = NULL;
    if (!fmt || !fmt->write_open) {
        tp_sink_free(sink);
        if (format)
            return tp_fail(err, TP_E_USAGE, "cannot write format '%s'", format);
        return tp_fail(err, TP_E_USAGE, "cannot tell the output format of '%s' from its extension",
                       what);
    }
    w = tp_calloc(1, sizeof *w);
    if (!w) {
        tp_sink_free(sink);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    w->fmt = fmt;
    w->sink = sink;
    rc = fmt->write_open(sink, meta, o, &w->state, err);
    if (rc) {
        tp_error_set_path(err, what);
        tp_writer_abort(w);
        return rc;
    }
    *out = w;
    return TP_OK;
}

int tp_writer_open(const char *path, const char *format, const struct tp_dataset *meta,
                   const struct tp_options *o, struct tp_writer **out, struct tp_error *err)
{
    struct tp_sink *sink;
    int rc;
    const struct tp_format *fmt = format ? fmt_find(format) : fmt_find_by_path(path);
    *out = NULL;
    /* check the format before creating anything on disk */
    if (!fmt || !fmt->write_open) {
        if (format)
            return tp_fail(err, TP_E_USAGE, "cannot write format '%s'", format);
        return tp_fail(err, TP_E_USAGE, "cannot tell the output format of '%s' from its extension",
                       path);
    }
    rc = tp_sink_open_file(&sink, path, err);
    if (rc)
        return rc;
    return writer_open_sink(sink, path, fmt->name, meta, o, out, err);
}

int tp_writer_open_memory(const char *format, const struct tp_dataset *meta,
                          const struct tp_options *o, struct tp_writer **out,
                          struct tp_error *err)
{
    struct tp_sink *sink;
    int rc = tp_sink_open_memory(&sink, err);
    *out = NULL;
    if (rc)
        return rc;
    return writer_open_sink(sink, "<memory>", format, meta, o, out, err);
}

int tp_writer_write(struct tp_writer *w, const struct tp_dataset *batch, struct tp_error *err)
{
    int rc = w->fmt->write_batch(w->state, batch, err);
    if (rc)
        tp_error_set_path(err, tp_sink_name(w->sink));
    return rc;
}

int tp_writer_finish(struct tp_writer *w, struct tp_error *err)
{
    int rc;
    if (w->finished)
        return TP_OK;
    rc = w->fmt->write_finish(w->state, err);
    if (rc == TP_OK)
        rc = tp_sink_commit(w->sink, err);
    if (rc)
        tp_error_set_path(err, tp_sink_name(w->sink));
    else
        w->finished = true;
    return rc;
}

int tp_writer_close(struct tp_writer *w, struct tp_error *err)
{
    int rc = tp_writer_finish(w, err);
    tp_writer_abort(w);   /* frees; a committed sink is kept on disk */
    return rc;
}

const unsigned char *tp_writer_memory(const struct tp_writer *w, size_t *n)
{
    return tp_sink_memory(w->sink, n);
}

void tp_writer_abort(struct tp_writer *w)
{
    if (!w)
        return;
    if (w->state && w->fmt->write_free)
        w->fmt->write_free(w->state);
    tp_sink_free(w->sink);
    tp_free(w);
}

int tp_write_file(const char *path, const char *format, const struct tp_dataset *ds,
                  const struct tp_options *o, struct tp_error *err)
{
    struct tp_writer *w;
    int rc = tp_writer_open(path, format, ds, o, &w, err);
    if (rc)
        return rc;
    rc = tp_writer_write(w, ds, err);
    if (rc) {
        tp_writer_abort(w);
        return rc;
    }
    return tp_writer_close(w, err);
}
