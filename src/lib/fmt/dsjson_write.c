/*
 * Dataset-JSON 1.1 writer: ".json" (CDISC Dataset-JSON Specification v1.1, 2024-12-05), ".ndjson"
 * (same, "NDJSON Representation") and ".dsjc" (CDISC Compressed Dataset-JSON v1.1, 2025-12-11:
 * the NDJSON text with minimal whitespace in one zlib stream, level 9 by default).
 *
 * Attributes are written in the specification's order. `records` comes before `rows`, so the
 * count must be known before the first row is written:
 *  - when the metadata carries "dsjson.records" (e.g. an XPT reader that knows the row count, or a
 *    Dataset-JSON reader), the header is written at open and rows stream straight through; close
 *    fails (and nothing is committed) if a different number of rows arrived;
 *  - otherwise rows are serialised to an anonymous temporary file (tmpfile()) and copied after
 *    the header when the writer finishes. Memory stays flat either way.
 *
 * Options: dsjson.level (0-9, DSJC only, default 9), dsjson.special_missing ("null", the
 * default, writes .A-.Z and ._ as null like "."; "error" refuses them).
 * Dataset attributes: dsjson.fileOID, dsjson.dbLastModifiedDateTime, dsjson.originator,
 * dsjson.sourceSystem.name + dsjson.sourceSystem.version, dsjson.studyOID,
 * dsjson.metaDataVersionOID, dsjson.metaDataRef, dsjson.itemGroupOID (default "IG.<name>"),
 * dsjson.records. datasetJSONCreationDateTime is tp_output_time() (SOURCE_DATE_EPOCH), or
 * dbLastModifiedDateTime when that is later (the spec requires modified <= created).
 * dsjson.isReferenceData is kept by readers but not written: the 1.1 schema does not allow it.
 */
#include "dsjson.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DSJW_ZBUF (64u * 1024u)

struct dsjw_col {
    const char *name;
    enum dsj_kind kind;
    bool num;
};

struct dsjw {
    enum dsj_layout layout;
    struct tp_sink *sink;
    struct tp_dataset *meta; /* clone of the caller's metadata */
    struct dsjw_col *cols;
    size_t ncols;
    z_stream z;
    bool z_init;
    unsigned char *zbuf;
    FILE *spool;    /* row text while the row count is unknown */
    bool streaming; /* header written at open (records known) */
    unsigned long long declared, nrows;
    struct tp_strbuf row;
    bool strict_missing;
    int level;
};

/* ---- output: straight to the sink, or through deflate for DSJC ---- */

static int dsjw_deflate(struct dsjw *w, const void *data, size_t n, int flush, struct tp_error *err)
{
    w->z.next_in = (Bytef *)(uintptr_t)data;
    w->z.avail_in = (uInt)n;
    for (;;) {
        int zrc;
        size_t have;
        w->z.next_out = w->zbuf;
        w->z.avail_out = DSJW_ZBUF;
        zrc = deflate(&w->z, flush);
        if (zrc == Z_STREAM_ERROR)
            return tp_fail(err, TP_E_INTERNAL, "zlib deflate failed");
        have = DSJW_ZBUF - w->z.avail_out;
        if (have) {
            int rc = tp_sink_write(w->sink, w->zbuf, have, err);
            if (rc)
                return rc;
        }
        if (flush == Z_FINISH ? zrc == Z_STREAM_END : w->z.avail_out != 0)
            break;
    }
    return TP_OK;
}

static int dsjw_out(struct dsjw *w, const void *data, size_t n, struct tp_error *err)
{
    if (w->layout != DSJ_DSJC)
        return tp_sink_write(w->sink, data, n, err);
    while (n) {
        size_t part = n > (1u << 30) ? (1u << 30) : n;
        int rc = dsjw_deflate(w, data, part, Z_NO_FLUSH, err);
        if (rc)
            return rc;
        data = (const char *)data + part;
        n -= part;
    }
    return TP_OK;
}

/* ---- the metadata object ---- */

static const char *dsjw_attr(const struct tp_dataset *ds, const char *key)
{
    char full[64];
    const char *v;
    snprintf(full, sizeof full, DSJ_ATTR_PREFIX "%s", key);
    v = tp_dataset_attr(ds, full);
    return v && *v ? v : NULL;
}

static int dsjw_key_str(struct tp_strbuf *sb, const char *key, const char *val)
{
    if (tp_strbuf_addc(sb, ',') || dsj_json_cstring(sb, key) || tp_strbuf_addc(sb, ':') ||
        dsj_json_cstring(sb, val))
        return TP_E_NOMEM;
    return TP_OK;
}

static int dsjw_check_utf8(const char *what, const char *s, struct tp_error *err)
{
    if (s && tp_utf8_valid_prefix((const unsigned char *)s, strlen(s)) != strlen(s))
        return tp_fail(err, TP_E_LIMIT, "%s is not valid UTF-8", what);
    return TP_OK;
}

static int dsjw_header(struct dsjw *w, unsigned long long records, struct tp_strbuf *sb,
                       struct tp_error *err)
{
    const struct tp_dataset *ds = w->meta;
    static const char *const optional1[] = {"fileOID", "dbLastModifiedDateTime", "originator"};
    static const char *const optional2[] = {"studyOID", "metaDataVersionOID", "metaDataRef"};
    const char *ss_name = dsjw_attr(ds, "sourceSystem.name");
    const char *ss_version = dsjw_attr(ds, "sourceSystem.version");
    const char *igoid = dsjw_attr(ds, "itemGroupOID");
    char created[40];
    int rc = TP_OK;

    tp_format_iso8601(tp_output_time(), created, sizeof created);
    {
        /* the spec wants dbLastModifiedDateTime <= datasetJSONCreationDateTime: a pinned
           SOURCE_DATE_EPOCH older than the source data moves the creation time up to it */
        const char *dbmod = dsjw_attr(ds, "dbLastModifiedDateTime");
        if (dbmod && strncmp(dbmod, created, 19) > 0)
            snprintf(created, sizeof created, "%.19s", dbmod);
    }
    if (tp_strbuf_adds(sb, "{\"datasetJSONCreationDateTime\":") || dsj_json_cstring(sb, created) ||
        dsjw_key_str(sb, "datasetJSONVersion", DSJ_VERSION))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    for (size_t i = 0; i < 3 && !rc; i++) {
        const char *v = dsjw_attr(ds, optional1[i]);
        if (v)
            rc = dsjw_key_str(sb, optional1[i], v);
    }
    if (!rc && (ss_name || ss_version)) {
        rc = tp_strbuf_adds(sb, ",\"sourceSystem\":{\"name\":") ||
             dsj_json_cstring(sb, ss_name ? ss_name : "") || tp_strbuf_adds(sb, ",\"version\":") ||
             dsj_json_cstring(sb, ss_version ? ss_version : "") || tp_strbuf_addc(sb, '}');
    }
    for (size_t i = 0; i < 3 && !rc; i++) {
        const char *v = dsjw_attr(ds, optional2[i]);
        if (v)
            rc = dsjw_key_str(sb, optional2[i], v);
    }
    if (!rc) {
        if (igoid) {
            rc = dsjw_key_str(sb, "itemGroupOID", igoid);
        } else {
            struct tp_strbuf oid;
            tp_strbuf_init(&oid);
            rc = tp_strbuf_addf(&oid, "IG.%s", tp_dataset_name(ds)) ||
                 dsjw_key_str(sb, "itemGroupOID", oid.buf);
            tp_strbuf_release(&oid);
        }
    }
    if (!rc)
        rc = tp_strbuf_addf(sb, ",\"records\":%llu", records);
    if (!rc)
        rc = dsjw_key_str(sb, "name", tp_dataset_name(ds)) ||
             dsjw_key_str(sb, "label", tp_dataset_label(ds)) ||
             tp_strbuf_adds(sb, ",\"columns\":[");
    for (size_t i = 0; i < w->ncols && !rc; i++) {
        const struct tp_var *v = tp_dataset_var(ds, i);
        const char *dt, *tdt;
        enum dsj_kind kind;
        char fmt[64];
        const char *fmtp = fmt;
        rc = dsj_kind_for_write(v, &dt, &tdt, &kind, err);
        if (rc)
            return rc;
        if (i && tp_strbuf_addc(sb, ','))
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        if (tp_strbuf_adds(sb, "{\"itemOID\":"))
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        if (v->item_oid && *v->item_oid) {
            rc = dsj_json_cstring(sb, v->item_oid);
        } else {
            struct tp_strbuf oid;
            tp_strbuf_init(&oid);
            rc = tp_strbuf_addf(&oid, "IT.%s.%s", tp_dataset_name(ds), v->name) ||
                 dsj_json_string(sb, oid.buf, oid.len);
            tp_strbuf_release(&oid);
        }
        rc = rc || dsjw_key_str(sb, "name", v->name) || dsjw_key_str(sb, "label", v->label) ||
             dsjw_key_str(sb, "dataType", dt);
        if (!rc && tdt)
            rc = dsjw_key_str(sb, "targetDataType", tdt);
        if (!rc && v->type == TP_CHAR && v->length > 0)
            rc = tp_strbuf_addf(sb, ",\"length\":%zu", v->length);
        /* free text is written whole (a fixed buffer could cut a UTF-8 character) */
        if (v->display_format && *v->display_format)
            fmtp = v->display_format;
        else
            tp_var_format_text(v, false, fmt, sizeof fmt);
        if (!rc && fmtp[0])
            rc = dsjw_key_str(sb, "displayFormat", fmtp);
        if (!rc && v->key_sequence > 0)
            rc = tp_strbuf_addf(sb, ",\"keySequence\":%d", v->key_sequence);
        if (!rc)
            rc = tp_strbuf_addc(sb, '}');
    }
    if (rc)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (tp_strbuf_adds(sb, w->layout == DSJ_JSON ? "],\"rows\":[" : "]}\n"))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    return TP_OK;
}

static int dsjw_write_header(struct dsjw *w, unsigned long long records, struct tp_error *err)
{
    struct tp_strbuf sb;
    int rc;
    tp_strbuf_init(&sb);
    rc = dsjw_header(w, records, &sb, err);
    if (rc == TP_OK)
        rc = dsjw_out(w, sb.buf, sb.len, err);
    tp_strbuf_release(&sb);
    return rc;
}

/* ---- rows ---- */

static int dsjw_cell_error(const struct dsjw *w, int code, unsigned long long rec, size_t col,
                           const char *what, struct tp_error *err)
{
    struct tp_loc loc;
    tp_loc_init(&loc);
    loc.row = (long)rec;
    snprintf(loc.dataset, sizeof loc.dataset, "%s", tp_dataset_name(w->meta));
    return tp_fail_at(err, code, &loc, "record %llu, column '%s': %s", rec, w->cols[col].name,
                      what);
}

static int dsjw_row(struct dsjw *w, const struct tp_dataset *b, size_t r, unsigned long long rec,
                    struct tp_error *err)
{
    struct tp_strbuf *sb = &w->row;
    int rc = TP_OK;
    tp_strbuf_reset(sb);
    if (w->layout == DSJ_JSON)
        rc = tp_strbuf_adds(sb, rec == 1 ? "\n[" : ",\n[");
    else
        rc = tp_strbuf_addc(sb, '[');
    for (size_t c = 0; c < w->ncols && !rc; c++) {
        char buf[400];
        size_t n;
        char miss;
        double v;
        if (c && tp_strbuf_addc(sb, ','))
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        if (!w->cols[c].num) {
            const char *s = tp_dataset_str(b, r, c, &n);
            size_t ok = tp_utf8_valid_prefix((const unsigned char *)s, n);
            if (ok != n) {
                snprintf(buf, sizeof buf, "invalid UTF-8 at byte %zu of the value", ok + 1);
                return dsjw_cell_error(w, TP_E_LIMIT, rec, c, buf, err);
            }
            rc = dsj_json_string(sb, s, n);
            continue;
        }
        v = tp_dataset_num(b, r, c, &miss);
        if (miss) {
            if (miss != TP_MISSING && w->strict_missing) {
                snprintf(buf, sizeof buf, "special missing value .%c has no Dataset-JSON form",
                         miss);
                return dsjw_cell_error(w, TP_E_LIMIT, rec, c, buf, err);
            }
            rc = tp_strbuf_add(sb, "null", 4);
            continue;
        }
        if (!isfinite(v))
            return dsjw_cell_error(w, TP_E_LIMIT, rec, c, "value is not a finite number", err);
        switch (w->cols[c].kind) {
        case DSJ_K_INTEGER:
            if (v != floor(v) || fabs(v) >= 9.2e18) {
                char num[40];
                tp_format_double(v, num, sizeof num);
                snprintf(buf, sizeof buf, "value %s is not an integer (dataType integer)", num);
                return dsjw_cell_error(w, TP_E_LIMIT, rec, c, buf, err);
            }
            rc = tp_strbuf_addf(sb, "%lld", (long long)v);
            break;
        case DSJ_K_FLOAT:
            n = tp_format_double(v, buf, sizeof buf);
            rc = tp_strbuf_add(sb, buf, n);
            break;
        case DSJ_K_DECIMAL:
            n = dsj_decimal_text(v, buf + 1, sizeof buf - 2);
            buf[0] = '"';
            buf[n + 1] = '"';
            rc = tp_strbuf_add(sb, buf, n + 2);
            break;
        case DSJ_K_BOOLEAN: rc = tp_strbuf_adds(sb, v != 0 ? "true" : "false"); break;
        case DSJ_K_DATE:
        case DSJ_K_DATETIME:
        case DSJ_K_TIME:
            if (!dsj_sas_to_iso(v, w->cols[c].kind, buf + 1, sizeof buf - 2)) {
                char num[40];
                tp_format_double(v, num, sizeof num);
                snprintf(buf, sizeof buf, "value %s is not a valid SAS %s for ISO 8601", num,
                         w->cols[c].kind == DSJ_K_DATE       ? "date"
                         : w->cols[c].kind == DSJ_K_DATETIME ? "datetime"
                                                             : "time");
                return dsjw_cell_error(w, TP_E_LIMIT, rec, c, buf, err);
            }
            buf[0] = '"';
            n = strlen(buf);
            buf[n] = '"';
            rc = tp_strbuf_add(sb, buf, n + 1);
            break;
        case DSJ_K_STRING: return tp_fail(err, TP_E_INTERNAL, "numeric column written as string");
        }
    }
    if (rc || tp_strbuf_add(sb, w->layout == DSJ_JSON ? "]" : "]\n", w->layout == DSJ_JSON ? 1 : 2))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (w->spool) {
        if (fwrite(sb->buf, 1, sb->len, w->spool) != sb->len)
            return tp_fail(err, TP_E_IO, "cannot write the temporary row file: %s",
                           strerror(errno));
        return TP_OK;
    }
    return dsjw_out(w, sb->buf, sb->len, err);
}

/* ---- plugin entry points ---- */

static void dsjw_free(void *state)
{
    struct dsjw *w = state;
    if (!w)
        return;
    if (w->z_init)
        deflateEnd(&w->z);
    if (w->spool)
        fclose(w->spool);
    tp_free(w->zbuf);
    tp_free(w->cols);
    tp_dataset_free(w->meta);
    tp_strbuf_release(&w->row);
    tp_free(w);
}

static bool dsjw_parse_count(const char *s, unsigned long long *out)
{
    char *end;
    unsigned long long v;
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static int dsjw_open(enum dsj_layout layout, struct tp_sink *sink, const struct tp_dataset *meta,
                     const struct tp_options *o, void **state, struct tp_error *err)
{
    struct dsjw *w;
    const char *opt, *rec;
    int rc;
    *state = NULL;
    if (!tp_dataset_name(meta) || !*tp_dataset_name(meta))
        return tp_fail(err, TP_E_USAGE, "Dataset-JSON needs a dataset name");
    w = tp_calloc(1, sizeof *w);
    if (!w)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    *state = w;
    w->layout = layout;
    w->sink = sink;
    w->level = 9;
    tp_strbuf_init(&w->row);
    w->meta = tp_dataset_clone_meta(meta);
    w->ncols = tp_dataset_nvars(meta);
    w->cols = tp_calloc(w->ncols ? w->ncols : 1, sizeof *w->cols);
    if (!w->meta || !w->cols)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (dsjw_check_utf8("the dataset name", tp_dataset_name(meta), err) ||
        dsjw_check_utf8("the dataset label", tp_dataset_label(meta), err))
        return err ? err->code : TP_E_LIMIT;
    for (size_t i = 0; i < tp_dataset_nattrs(meta); i++) {
        const char *k, *v;
        tp_dataset_attr_at(meta, i, &k, &v);
        if (strncmp(k, DSJ_ATTR_PREFIX, strlen(DSJ_ATTR_PREFIX)) == 0 &&
            dsjw_check_utf8("a dataset attribute", v, err))
            return TP_E_LIMIT;
    }
    for (size_t i = 0; i < w->ncols; i++) {
        const struct tp_var *v = tp_dataset_var(w->meta, i);
        const char *dt, *tdt;
        rc = dsj_kind_for_write(v, &dt, &tdt, &w->cols[i].kind, err);
        if (rc)
            return rc;
        if (dsjw_check_utf8("a variable name", v->name, err) ||
            dsjw_check_utf8("a variable label", v->label, err) ||
            dsjw_check_utf8("an itemOID", v->item_oid, err) ||
            dsjw_check_utf8("a display format", v->display_format, err))
            return TP_E_LIMIT;
        w->cols[i].name = v->name;
        w->cols[i].num = v->type == TP_NUM;
    }
    {
        const char *dbmod = dsjw_attr(meta, "dbLastModifiedDateTime");
        if (dbmod && !dsj_valid_datetime(dbmod))
            return tp_fail(err, TP_E_USAGE,
                           "dsjson.dbLastModifiedDateTime '%s' is not an ISO 8601 date-time "
                           "(YYYY-MM-DDThh:mm:ss)",
                           dbmod);
    }
    opt = tp_options_get(o, "dsjson.special_missing");
    if (opt && strcmp(opt, "error") == 0)
        w->strict_missing = true;
    else if (opt && strcmp(opt, "null") != 0)
        return tp_fail(err, TP_E_USAGE, "dsjson.special_missing must be 'null' or 'error'");
    opt = tp_options_get(o, "dsjson.level");
    if (opt) {
        if (opt[0] < '0' || opt[0] > '9' || opt[1])
            return tp_fail(err, TP_E_USAGE, "dsjson.level must be a digit 0-9, not '%s'", opt);
        w->level = opt[0] - '0';
    }
    if (layout == DSJ_DSJC) {
        w->zbuf = tp_malloc(DSJW_ZBUF);
        if (!w->zbuf)
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        /* zlib wrapper (not gzip), 32 KB window, default strategy: DSJC 1.1 "Compression" */
        if (deflateInit2(&w->z, w->level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return tp_fail(err, TP_E_NOMEM, "cannot initialise zlib");
        w->z_init = true;
    }
    rec = dsjw_attr(meta, "records");
    if (rec) {
        if (!dsjw_parse_count(rec, &w->declared))
            return tp_fail(err, TP_E_USAGE, "dsjson.records '%s' is not a row count", rec);
        w->streaming = true;
        return dsjw_write_header(w, w->declared, err);
    }
    w->spool = tmpfile();
    if (!w->spool)
        return tp_fail(err, TP_E_IO, "cannot create a temporary file for the rows: %s",
                       strerror(errno));
    return TP_OK;
}

static int dsjw_batch(void *state, const struct tp_dataset *b, struct tp_error *err)
{
    struct dsjw *w = state;
    size_t n = tp_dataset_nrows(b);
    if (tp_dataset_nvars(b) != w->ncols)
        return tp_fail(err, TP_E_USAGE, "batch has %zu variables, the writer was opened with %zu",
                       tp_dataset_nvars(b), w->ncols);
    for (size_t i = 0; i < w->ncols; i++)
        if ((tp_dataset_var(b, i)->type == TP_NUM) != w->cols[i].num)
            return tp_fail(err, TP_E_USAGE, "batch variable '%s' changed type",
                           tp_dataset_var(b, i)->name);
    for (size_t r = 0; r < n; r++) {
        int rc;
        if (w->streaming && w->nrows >= w->declared)
            return tp_fail(err, TP_E_USAGE,
                           "more rows than dsjson.records (%llu) announced; clear the attribute "
                           "when the row count changes",
                           w->declared);
        rc = dsjw_row(w, b, r, ++w->nrows, err);
        if (rc)
            return rc;
    }
    return TP_OK;
}

static int dsjw_finish(void *state, struct tp_error *err)
{
    struct dsjw *w = state;
    int rc = TP_OK;
    if (w->streaming && w->nrows != w->declared)
        return tp_fail(err, TP_E_USAGE,
                       "dsjson.records announced %llu rows but %llu were written; clear the "
                       "attribute when the row count changes",
                       w->declared, w->nrows);
    if (w->spool) {
        char *buf;
        size_t got;
        rc = dsjw_write_header(w, w->nrows, err);
        if (rc)
            return rc;
        if (fflush(w->spool) != 0 || fseek(w->spool, 0, SEEK_SET) != 0)
            return tp_fail(err, TP_E_IO, "cannot reread the temporary row file: %s",
                           strerror(errno));
        buf = tp_malloc(DSJW_ZBUF);
        if (!buf)
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        while ((got = fread(buf, 1, DSJW_ZBUF, w->spool)) > 0) {
            rc = dsjw_out(w, buf, got, err);
            if (rc)
                break;
        }
        if (!rc && ferror(w->spool))
            rc = tp_fail(err, TP_E_IO, "cannot read the temporary row file");
        tp_free(buf);
        fclose(w->spool);
        w->spool = NULL;
        if (rc)
            return rc;
    }
    if (w->layout == DSJ_JSON)
        rc = dsjw_out(w, w->nrows ? "\n]}\n" : "]}\n", w->nrows ? 4 : 3, err);
    if (!rc && w->layout == DSJ_DSJC)
        rc = dsjw_deflate(w, "", 0, Z_FINISH, err);
    return rc;
}

static int dsjw_open_json(struct tp_sink *sink, const struct tp_dataset *meta,
                          const struct tp_options *o, void **state, struct tp_error *err)
{
    return dsjw_open(DSJ_JSON, sink, meta, o, state, err);
}

static int dsjw_open_ndjson(struct tp_sink *sink, const struct tp_dataset *meta,
                            const struct tp_options *o, void **state, struct tp_error *err)
{
    return dsjw_open(DSJ_NDJSON, sink, meta, o, state, err);
}

static int dsjw_open_dsjc(struct tp_sink *sink, const struct tp_dataset *meta,
                          const struct tp_options *o, void **state, struct tp_error *err)
{
    return dsjw_open(DSJ_DSJC, sink, meta, o, state, err);
}

/* The three formats share one reader, which takes any of the three encodings (the content, not
   the name, decides: gzip/zlib magic, then one object with "rows" or NDJSON lines). */
const struct tp_format fmt_dsjson = {
    .name = "json",
    .exts = ".json .JSON",
    .flags = 0,
    .probe = dsj_probe_json,
    .read_open = dsj_read_open,
    .read_batch = dsj_read_batch,
    .read_next_member = NULL,
    .read_close = dsj_read_close,
    .write_open = dsjw_open_json,
    .write_batch = dsjw_batch,
    .write_finish = dsjw_finish,
    .write_free = dsjw_free,
};

const struct tp_format fmt_ndjson = {
    .name = "ndjson",
    .exts = ".ndjson .NDJSON",
    .flags = 0,
    .probe = dsj_probe_json,
    .read_open = dsj_read_open,
    .read_batch = dsj_read_batch,
    .read_next_member = NULL,
    .read_close = dsj_read_close,
    .write_open = dsjw_open_ndjson,
    .write_batch = dsjw_batch,
    .write_finish = dsjw_finish,
    .write_free = dsjw_free,
};

const struct tp_format fmt_dsjc = {
    .name = "dsjc",
    .exts = ".dsjc .DSJC",
    .flags = 0,
    .probe = dsj_probe_dsjc,
    .read_open = dsj_read_open,
    .read_batch = dsj_read_batch,
    .read_next_member = NULL,
    .read_close = dsj_read_close,
    .write_open = dsjw_open_dsjc,
    .write_batch = dsjw_batch,
    .write_finish = dsjw_finish,
    .write_free = dsjw_free,
};
