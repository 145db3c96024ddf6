/*
 * Dataset-JSON 1.1 reader for ".json", ".ndjson" and ".dsjc" (CDISC Dataset-JSON Specification
 * v1.1; NDJSON Representation; Compressed Dataset-JSON v1.1, 2025-12-11).
 *
 * One streaming reader serves the three registry entries; the content decides the encoding:
 *  - a gzip (1F 8B) or zlib (78 xx) header means DSJC; zlib's inflateInit2(15 + 32) reads both,
 *    because the DSJC specification says zlib while CDISC's example .dsjc files are gzip;
 *  - the text is fed in 64 KiB chunks to yajl's push parser, which accepts several top-level
 *    values: the first must be the metadata object; if it holds "rows" this is the .json layout,
 *    otherwise every further value is one NDJSON row (an array, or an object keyed by column name,
 *    which the DSJC specification also allows).
 * Rows go straight into the caller's batch as yajl reports the values; rows beyond max_rows that
 * arrive in the same chunk wait in an overflow batch. Memory stays flat whatever the row count.
 *
 * Attribute order: the spec asks writers to keep it so that readers can stream. When "rows" comes
 * before "columns" in a .json file, the reader makes one pass that collects the metadata and
 * skips the rows, then rewinds the source and reads the rows (needs a seekable source; a pipe
 * fails with the rewind error). Attributes after "rows" are read; "records" is checked at the end.
 *
 * Values (see dsjson.h): string/URI and date/datetime/time without targetDataType become CHAR;
 * integer, float, double, decimal, boolean, and date/datetime/time with targetDataType "integer"
 * become NUM. null is missing ("." for NUM, "" for CHAR); "" is also missing in decimal and
 * numeric-date columns. A value of the wrong JSON type, a row with too few or too many values,
 * invalid UTF-8, truncated JSON or a corrupt compressed stream fail with TP_E_PARSE naming the
 * record number (1-based) and the column. Unknown attributes (extensions) are skipped; a fraction
 * of a second may have up to 45 digits (the writer uses at most 24).
 *
 * Options: dsjson.null=TEXT reads the string TEXT as null in non-string columns (the
 * "NULLCHAR" of CDISC's extension example); dsjson.check_records=no accepts a records count that
 * differs from the number of rows (checked by default).
 */
#include "dsjson.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <zlib.h>

#define DSJR_CHUNK (64u * 1024u)
#define DSJR_KEYMAX 256
#define DSJR_DEPTH 8

enum dsjr_ctx { C_TOP, C_SRCSYS, C_COLUMNS, C_COLUMN, C_ROWS, C_ROW, C_ROWOBJ };
enum dsjr_jtype { J_NULL, J_BOOL, J_NUM, J_STR };

struct dsjr {
    struct tp_source *src;
    /* input decoding */
    bool compressed, z_init, z_ended, src_eof, at_start;
    z_stream z;
    unsigned char *in, *out;
    size_t in_len, in_pos;
    /* parser state */
    yajl_handle h;
    enum dsjr_ctx stack[DSJR_DEPTH];
    int sp;
    size_t skip; /* nesting depth of a value being skipped */
    char key[DSJR_KEYMAX + 1];
    size_t keylen;
    bool skip_rows, skip_meta; /* two-pass mode: pass 1 skips rows, pass 2 skips metadata */
    bool seen_top, top_done, rows_key, seen_columns;
    /* metadata */
    struct tp_dataset *meta;
    bool meta_done;
    struct tp_var col; /* column being read */
    bool col_has_dt;
    long long records; /* -1 = absent */
    enum dsj_kind *kinds;
    size_t ncols, kinds_cap;
    /* rows */
    struct tp_dataset *ovf;   /* rows parsed beyond the caller's max_rows */
    struct tp_dataset *spare; /* second overflow batch for dsjr_drain's compaction */
    size_t ovf_pos;
    struct tp_dataset *target; /* the caller's batch during read_batch */
    size_t limit;
    struct tp_dataset *cur; /* where the current row lives */
    size_t cur_row, ncell;
    long objcol; /* object rows: column of the current key */
    unsigned char *seen;
    unsigned long long nrows;
    bool in_row, eof;
    /* errors and positions */
    struct tp_error *err;
    int rc;
    unsigned long long lines; /* newlines in the chunks parsed so far */
    const unsigned char *chunk;
    size_t chunklen;
    char *null_text;
    bool check_records;
};

/* ---- errors ---- */

static long dsjr_line(const struct dsjr *r)
{
    size_t upto = 0, n = 0;
    if (r->chunk && r->h) {
        upto = yajl_get_bytes_consumed(r->h);
        if (upto > r->chunklen)
            upto = r->chunklen;
        for (size_t i = 0; i < upto; i++)
            n += r->chunk[i] == '\n';
    }
    return (long)(r->lines + n + 1);
}

static const char *dsjr_colname(const struct dsjr *r, long col)
{
    const struct tp_var *v;
    if (col < 0 || !r->meta || (size_t)col >= tp_dataset_nvars(r->meta))
        return NULL;
    v = tp_dataset_var(r->meta, (size_t)col);
    return v ? v->name : NULL;
}

/* Record an error; in a row the message starts with "record N, column 'X': ". Returns 0 for yajl.
 */
static int dsjr_fail(struct dsjr *r, int code, long col, const char *fmt, ...) TP_PRINTF(4, 5);
static int dsjr_fail(struct dsjr *r, int code, long col, const char *fmt, ...)
{
    struct tp_loc loc;
    char msg[200];
    const char *name = dsjr_colname(r, col);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tp_loc_init(&loc);
    loc.line = dsjr_line(r);
    if (r->meta)
        snprintf(loc.dataset, sizeof loc.dataset, "%s", tp_dataset_name(r->meta));
    if (r->in_row) {
        loc.row = (long)r->nrows;
        if (name) {
            /* the column is named in the message, which the CLI prints after loc.dataset */
            tp_fail_at(r->err, code, &loc, "record %llu, column '%s': %s", r->nrows, name, msg);
        } else {
            tp_fail_at(r->err, code, &loc, "record %llu: %s", r->nrows, msg);
        }
    } else {
        tp_fail_at(r->err, code, &loc, "%s", msg);
    }
    if (!r->rc)
        r->rc = code;
    return 0;
}

/* dsjr_fail for code outside the yajl callbacks: returns the status. */
#define dsjr_fail_rc(r, ...) (dsjr_fail(r, __VA_ARGS__), (r)->rc)

static int dsjr_nomem(struct dsjr *r)
{
    return dsjr_fail(r, TP_E_NOMEM, -1, "out of memory");
}

/* ---- metadata ---- */

static bool dsjr_key_is(const struct dsjr *r, const char *k)
{
    size_t n = strlen(k);
    return r->keylen == n && memcmp(r->key, k, n) == 0;
}

static const char *const dsjr_str_attrs[] = {
    "datasetJSONCreationDateTime",
    "datasetJSONVersion",
    "fileOID",
    "dbLastModifiedDateTime",
    "originator",
    "studyOID",
    "metaDataVersionOID",
    "metaDataRef",
    "itemGroupOID",
    NULL,
};

static int dsjr_set_attr(struct dsjr *r, const char *name, const char *s, size_t n)
{
    char key[64];
    char *val = tp_strndup(s, n);
    int rc;
    if (!val)
        return dsjr_nomem(r);
    snprintf(key, sizeof key, DSJ_ATTR_PREFIX "%s", name);
    rc = tp_dataset_set_attr(r->meta, key, val);
    tp_free(val);
    return rc ? dsjr_nomem(r) : 1;
}

static const char *dsjr_jname(enum dsjr_jtype t)
{
    return t == J_NULL ? "null" : t == J_BOOL ? "a boolean" : t == J_NUM ? "a number" : "a string";
}

/* A top-level attribute's scalar value. */
static int dsjr_top_scalar(struct dsjr *r, enum dsjr_jtype t, const char *s, size_t n, bool b)
{
    char tmp[32];
    if (r->skip_meta)
        return 1;
    for (size_t i = 0; dsjr_str_attrs[i]; i++) {
        if (!dsjr_key_is(r, dsjr_str_attrs[i]))
            continue;
        if (t == J_NULL)
            return 1;
        if (t != J_STR)
            return dsjr_fail(r, TP_E_PARSE, -1, "'%s' must be a string, found %s",
                             dsjr_str_attrs[i], dsjr_jname(t));
        if (i == 1 && !(n >= 3 && memcmp(s, "1.1", 3) == 0 && (n == 3 || s[3] == '.')))
            return dsjr_fail(r, TP_E_UNSUPPORTED, -1,
                             "unsupported Dataset-JSON version '%.*s' (1.1 expected)",
                             (int)(n > 20 ? 20 : n), s);
        return dsjr_set_attr(r, dsjr_str_attrs[i], s, n);
    }
    if (dsjr_key_is(r, "name") || dsjr_key_is(r, "label")) {
        char *val;
        int rc;
        if (t == J_NULL)
            return 1;
        if (t != J_STR)
            return dsjr_fail(r, TP_E_PARSE, -1, "'%s' must be a string, found %s", r->key,
                             dsjr_jname(t));
        val = tp_strndup(s, n);
        if (!val)
            return dsjr_nomem(r);
        rc = r->key[0] == 'n' ? tp_dataset_set_name(r->meta, val)
                              : tp_dataset_set_label(r->meta, val);
        tp_free(val);
        return rc ? dsjr_nomem(r) : 1;
    }
    if (dsjr_key_is(r, "records")) {
        char *end;
        long long v;
        if (t != J_NUM || n >= sizeof tmp || memchr(s, '.', n) || memchr(s, 'e', n) ||
            memchr(s, 'E', n) || s[0] == '-')
            return dsjr_fail(r, TP_E_PARSE, -1, "'records' must be an integer >= 0");
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        errno = 0;
        v = strtoll(tmp, &end, 10);
        if (errno || *end)
            return dsjr_fail(r, TP_E_PARSE, -1, "'records' is out of range");
        r->records = v;
        return dsjr_set_attr(r, "records", s, n);
    }
    if (dsjr_key_is(r, "isReferenceData")) {
        if (t == J_NULL)
            return 1;
        if (t != J_BOOL)
            return dsjr_fail(r, TP_E_PARSE, -1, "'isReferenceData' must be a boolean");
        return dsjr_set_attr(r, "isReferenceData", b ? "true" : "false", b ? 4 : 5);
    }
    if (dsjr_key_is(r, "columns") || dsjr_key_is(r, "rows") || dsjr_key_is(r, "sourceSystem")) {
        if (t == J_NULL && !dsjr_key_is(r, "columns"))
            return 1;
        return dsjr_fail(r, TP_E_PARSE, -1, "'%s' must be %s, found %s", r->key,
                         r->key[0] == 's' ? "an object" : "an array", dsjr_jname(t));
    }
    return 1; /* unknown attribute (extension): ignored */
}

static void dsjr_col_reset(struct dsjr *r)
{
    tp_free(r->col.name);
    tp_free(r->col.label);
    tp_free(r->col.item_oid);
    tp_free(r->col.data_type);
    tp_free(r->col.target_data_type);
    tp_free(r->col.display_format);
    tp_free(r->col.format);
    memset(&r->col, 0, sizeof r->col);
    r->col_has_dt = false;
}

static int dsjr_col_scalar(struct dsjr *r, enum dsjr_jtype t, const char *s, size_t n)
{
    static const char *const keys[] = {"itemOID",        "name",          "label", "dataType",
                                       "targetDataType", "displayFormat", NULL};
    char **fields[6];
    size_t colno = tp_dataset_nvars(r->meta) + 1;
    fields[0] = &r->col.item_oid;
    fields[1] = &r->col.name;
    fields[2] = &r->col.label;
    fields[3] = &r->col.data_type;
    fields[4] = &r->col.target_data_type;
    fields[5] = &r->col.display_format;
    for (size_t i = 0; keys[i]; i++) {
        if (!dsjr_key_is(r, keys[i]))
            continue;
        if (t == J_NULL)
            return 1;
        if (t != J_STR)
            return dsjr_fail(r, TP_E_PARSE, -1, "column %zu: '%s' must be a string, found %s",
                             colno, keys[i], dsjr_jname(t));
        tp_free(*fields[i]);
        *fields[i] = tp_strndup(s, n);
        if (!*fields[i])
            return dsjr_nomem(r);
        return 1;
    }
    if (dsjr_key_is(r, "length") || dsjr_key_is(r, "keySequence")) {
        double d;
        if (t == J_NULL)
            return 1;
        if (t != J_NUM || !tp_parse_double(s, n, &d) || d != floor(d) || d < 0 || d > 1e9)
            return dsjr_fail(r, TP_E_PARSE, -1, "column %zu: '%s' must be a positive integer",
                             colno, r->key);
        if (r->key[0] == 'l')
            r->col.length = (size_t)d;
        else
            r->col.key_sequence = (int)d;
        return 1;
    }
    return 1;
}

static int dsjr_col_end(struct dsjr *r)
{
    enum dsj_kind kind;
    struct tp_error e2;
    size_t colno = tp_dataset_nvars(r->meta) + 1;
    int rc;
    if (!r->col.name || !*r->col.name)
        return dsjr_fail(r, TP_E_PARSE, -1, "column %zu has no name", colno);
    if (!r->col.data_type)
        return dsjr_fail(r, TP_E_PARSE, -1, "column '%s' has no dataType", r->col.name);
    if (r->col.target_data_type && strcmp(r->col.target_data_type, "integer") != 0 &&
        strcmp(r->col.target_data_type, "decimal") != 0)
        return dsjr_fail(r, TP_E_PARSE, -1, "column '%s': unknown targetDataType '%s'", r->col.name,
                         r->col.target_data_type);
    if (!dsj_kind_for_read(r->col.data_type, r->col.target_data_type, &kind))
        return dsjr_fail(r, TP_E_PARSE, -1, "column '%s': unknown dataType '%s'", r->col.name,
                         r->col.data_type);
    if (!r->col.label) {
        r->col.label = tp_strdup("");
        if (!r->col.label)
            return dsjr_nomem(r);
    }
    r->col.type = kind == DSJ_K_STRING ? TP_CHAR : TP_NUM;
    if (r->col.type == TP_NUM)
        r->col.length = 8; /* bytes of a double; the JSON length is a text length */
    if (r->col.display_format) {
        tp_error_init(&e2);
        if (tp_var_parse_format(&r->col, false, r->col.display_format, &e2) != TP_OK) {
            r->col.format_width = r->col.format_decimals = 0; /* keep the text only */
        }
    }
    if (tp_grow((void **)&r->kinds, &r->kinds_cap, r->ncols + 1, sizeof *r->kinds))
        return dsjr_nomem(r);
    tp_error_init(&e2);
    rc = tp_dataset_add_var(r->meta, &r->col, &e2);
    if (rc == TP_E_NOMEM)
        return dsjr_nomem(r);
    if (rc)
        return dsjr_fail(r, TP_E_PARSE, -1, "column %zu: %s", colno, e2.msg);
    r->kinds[r->ncols++] = kind;
    dsjr_col_reset(r);
    return 1;
}

/* The metadata is complete: check it and prepare the overflow batch. */
static int dsjr_finish_meta(struct dsjr *r)
{
    if (!r->seen_columns)
        return dsjr_fail(r, TP_E_PARSE, -1, "the metadata has no 'columns'");
    if (!*tp_dataset_name(r->meta))
        return dsjr_fail(r, TP_E_PARSE, -1, "the metadata has no dataset 'name'");
    r->ovf = tp_dataset_clone_meta(r->meta);
    r->spare = tp_dataset_clone_meta(r->meta);
    r->seen = tp_calloc(r->ncols ? r->ncols : 1, 1);
    if (!r->ovf || !r->spare || !r->seen)
        return dsjr_nomem(r);
    r->meta_done = true;
    return 1;
}

/* ---- rows ---- */

static int dsjr_row_begin(struct dsjr *r, bool object)
{
    struct tp_error e2;
    if (!r->meta_done)
        return dsjr_fail(r, TP_E_INTERNAL, -1, "row before the metadata");
    r->nrows++;
    r->in_row = true;
    r->ncell = 0;
    r->objcol = -1;
    if (object)
        memset(r->seen, 0, r->ncols ? r->ncols : 1);
    /* keep file order: rows wait in ovf while it holds any, else fill the caller's batch */
    r->cur = (r->target && tp_dataset_nrows(r->ovf) == 0 && tp_dataset_nrows(r->target) < r->limit)
                 ? r->target
                 : r->ovf;
    tp_error_init(&e2);
    if (tp_dataset_add_rows(r->cur, 1, &r->cur_row, &e2))
        return dsjr_nomem(r);
    return 1;
}

static int dsjr_row_end(struct dsjr *r, bool array)
{
    if (array && r->ncell != r->ncols)
        return dsjr_fail(r, TP_E_PARSE, -1, "row has %zu values, the dataset has %zu columns",
                         r->ncell, r->ncols);
    r->in_row = false;
    return 1;
}

static int dsjr_set_num(struct dsjr *r, long col, double v)
{
    if (tp_dataset_set_num(r->cur, r->cur_row, (size_t)col, v, TP_PRESENT))
        return dsjr_fail(r, TP_E_INTERNAL, col, "cannot store the value");
    return 1;
}

static bool dsjr_is_null_text(const struct dsjr *r, const char *s, size_t n)
{
    return r->null_text && strlen(r->null_text) == n && memcmp(r->null_text, s, n) == 0;
}

static int dsjr_wrong(struct dsjr *r, long col, const char *want, enum dsjr_jtype t, const char *s,
                      size_t n)
{
    if (t == J_STR)
        return dsjr_fail(r, TP_E_PARSE, col, "expected %s, found a string (\"%.*s\")", want,
                         (int)(n > 24 ? 24 : n), s);
    if (t == J_NUM)
        return dsjr_fail(r, TP_E_PARSE, col, "expected %s, found a number (%.*s)", want,
                         (int)(n > 24 ? 24 : n), s);
    return dsjr_fail(r, TP_E_PARSE, col, "expected %s, found %s", want, dsjr_jname(t));
}

static int dsjr_cell(struct dsjr *r, long col, enum dsjr_jtype t, const char *s, size_t n, bool b)
{
    enum dsj_kind kind = r->kinds[col];
    double d;
    if (t == J_NULL)
        return 1; /* new rows start missing / empty */
    switch (kind) {
    case DSJ_K_STRING:
        if (t != J_STR)
            return dsjr_wrong(r, col, "a string", t, s, n);
        if (n && tp_dataset_set_str(r->cur, r->cur_row, (size_t)col, s, n))
            return dsjr_nomem(r);
        return 1;
    case DSJ_K_INTEGER:
    case DSJ_K_FLOAT:
        if (t == J_STR && dsjr_is_null_text(r, s, n))
            return 1;
        if (t != J_NUM)
            return dsjr_wrong(r, col, kind == DSJ_K_INTEGER ? "an integer" : "a number", t, s, n);
        if (!tp_parse_double(s, n, &d))
            return dsjr_fail(r, TP_E_PARSE, col, "number %.*s is out of range",
                             (int)(n > 24 ? 24 : n), s);
        if (kind == DSJ_K_INTEGER && (d != floor(d) || fabs(d) >= 9.2e18))
            return dsjr_wrong(r, col, "an integer", t, s, n);
        return dsjr_set_num(r, col, d);
    case DSJ_K_DECIMAL:
        if (t == J_STR && (n == 0 || dsjr_is_null_text(r, s, n)))
            return 1;
        if (t == J_STR) {
            /* "." is the decimal separator; "," may separate thousands (spec, dataType note) */
            char buf[512];
            size_t k = 0;
            for (size_t i = 0; i < n && k < sizeof buf; i++)
                if (s[i] != ',')
                    buf[k++] = s[i];
            if (k == sizeof buf || !tp_parse_double(buf, k, &d))
                return dsjr_fail(r, TP_E_PARSE, col, "\"%.*s\" is not a decimal number",
                                 (int)(n > 24 ? 24 : n), s);
            return dsjr_set_num(r, col, d);
        }
        if (t != J_NUM)
            return dsjr_wrong(r, col, "a decimal string", t, s, n);
        if (!tp_parse_double(s, n, &d))
            return dsjr_fail(r, TP_E_PARSE, col, "number %.*s is out of range",
                             (int)(n > 24 ? 24 : n), s);
        return dsjr_set_num(r, col, d);
    case DSJ_K_BOOLEAN:
        if (t == J_STR && dsjr_is_null_text(r, s, n))
            return 1;
        if (t != J_BOOL)
            return dsjr_wrong(r, col, "a boolean", t, s, n);
        return dsjr_set_num(r, col, b ? 1 : 0);
    case DSJ_K_DATE:
    case DSJ_K_DATETIME:
    case DSJ_K_TIME:
        if (t != J_STR)
            return dsjr_wrong(r, col, "an ISO 8601 string", t, s, n);
        if (n == 0 || dsjr_is_null_text(r, s, n))
            return 1;
        if (!dsj_iso_to_sas(s, n, kind, &d))
            return dsjr_fail(r, TP_E_PARSE, col,
                             "\"%.*s\" is not a complete ISO 8601 %s (targetDataType integer)",
                             (int)(n > 32 ? 32 : n), s,
                             kind == DSJ_K_DATE       ? "date"
                             : kind == DSJ_K_DATETIME ? "datetime"
                                                      : "time");
        return dsjr_set_num(r, col, d);
    }
    return 1;
}

static int dsjr_row_scalar(struct dsjr *r, enum dsjr_jtype t, const char *s, size_t n, bool b)
{
    long col;
    if (r->stack[r->sp - 1] == C_ROW) {
        if (r->ncell >= r->ncols)
            return dsjr_fail(r, TP_E_PARSE, -1, "row has more than %zu values, one per column",
                             r->ncols);
        col = (long)r->ncell++;
    } else {
        col = r->objcol;
        r->objcol = -1;
        if (col < 0)
            return dsjr_fail(r, TP_E_INTERNAL, -1, "value without a key");
    }
    return dsjr_cell(r, col, t, s, n, b);
}

/* ---- yajl callbacks ---- */

static int dsjr_push(struct dsjr *r, enum dsjr_ctx c)
{
    if (r->sp >= DSJR_DEPTH)
        return dsjr_fail(r, TP_E_INTERNAL, -1, "nesting too deep");
    r->stack[r->sp++] = c;
    return 1;
}

static int dsjr_scalar(struct dsjr *r, enum dsjr_jtype t, const char *s, size_t n, bool b)
{
    if (r->skip)
        return 1;
    if (t == J_STR) {
        /* yajl's check lets overlong forms (C0, C1 ...) through; RFC 3629 does not */
        size_t ok = tp_utf8_valid_prefix((const unsigned char *)s, n);
        if (ok != n) {
            long col = -1;
            if (r->in_row && r->sp > 0)
                col = r->stack[r->sp - 1] == C_ROW ? (long)r->ncell : r->objcol;
            return dsjr_fail(r, TP_E_PARSE, col, "invalid UTF-8 at byte %zu of a string", ok + 1);
        }
    }
    if (r->sp == 0)
        return dsjr_fail(r, TP_E_PARSE, -1, "expected %s, found %s",
                         r->seen_top ? "a row array" : "the Dataset-JSON object", dsjr_jname(t));
    switch (r->stack[r->sp - 1]) {
    case C_TOP: return dsjr_top_scalar(r, t, s, n, b);
    case C_SRCSYS:
        if (r->skip_meta || t == J_NULL || !(dsjr_key_is(r, "name") || dsjr_key_is(r, "version")))
            return 1;
        if (t != J_STR)
            return dsjr_fail(r, TP_E_PARSE, -1, "'sourceSystem.%s' must be a string", r->key);
        return dsjr_set_attr(r, r->key[0] == 'n' ? "sourceSystem.name" : "sourceSystem.version", s,
                             n);
    case C_COLUMNS:
        return dsjr_fail(r, TP_E_PARSE, -1, "'columns' must hold objects, found %s", dsjr_jname(t));
    case C_COLUMN: return dsjr_col_scalar(r, t, s, n);
    case C_ROWS:
        r->nrows++;
        r->in_row = true;
        return dsjr_fail(r, TP_E_PARSE, -1, "a row must be an array, found %s", dsjr_jname(t));
    case C_ROW:
    case C_ROWOBJ: return dsjr_row_scalar(r, t, s, n, b);
    }
    return 1;
}

static int dsjr_cb_null(void *ctx)
{
    return dsjr_scalar(ctx, J_NULL, NULL, 0, false);
}

static int dsjr_cb_bool(void *ctx, int b)
{
    return dsjr_scalar(ctx, J_BOOL, NULL, 0, b != 0);
}

static int dsjr_cb_number(void *ctx, const char *s, size_t n)
{
    return dsjr_scalar(ctx, J_NUM, s, n, false);
}

static int dsjr_cb_string(void *ctx, const unsigned char *s, size_t n)
{
    return dsjr_scalar(ctx, J_STR, (const char *)s, n, false);
}

static int dsjr_cb_key(void *ctx, const unsigned char *s, size_t n)
{
    struct dsjr *r = ctx;
    if (r->skip)
        return 1;
    r->keylen = n > DSJR_KEYMAX ? DSJR_KEYMAX + 1 : n; /* over-long keys match nothing */
    memcpy(r->key, s, n > DSJR_KEYMAX ? DSJR_KEYMAX : n);
    r->key[n > DSJR_KEYMAX ? DSJR_KEYMAX : n] = '\0';
    if (r->stack[r->sp - 1] == C_ROWOBJ) {
        long col = -1;
        for (size_t i = 0; i < r->ncols && n <= DSJR_KEYMAX; i++) {
            const char *name = tp_dataset_var(r->meta, i)->name;
            if (strlen(name) == n && memcmp(name, s, n) == 0) {
                col = (long)i;
                break;
            }
        }
        if (col < 0)
            return dsjr_fail(r, TP_E_PARSE, -1, "unknown column \"%.*s\"", (int)(n > 40 ? 40 : n),
                             (const char *)s);
        if (r->seen[col])
            return dsjr_fail(r, TP_E_PARSE, col, "value given twice");
        r->seen[col] = 1;
        r->objcol = col;
    }
    return 1;
}

static int dsjr_cb_start_map(void *ctx)
{
    struct dsjr *r = ctx;
    if (r->skip) {
        r->skip++;
        return 1;
    }
    if (r->sp == 0) {
        if (!r->seen_top) {
            r->seen_top = true;
            return dsjr_push(r, C_TOP);
        }
        if (r->rows_key)
            return dsjr_fail(r, TP_E_PARSE, -1, "unexpected data after the Dataset-JSON object");
        if (!dsjr_row_begin(r, true))
            return 0;
        return dsjr_push(r, C_ROWOBJ);
    }
    switch (r->stack[r->sp - 1]) {
    case C_TOP:
        if (dsjr_key_is(r, "sourceSystem") && !r->skip_meta)
            return dsjr_push(r, C_SRCSYS);
        if (dsjr_key_is(r, "columns") || dsjr_key_is(r, "rows"))
            return dsjr_fail(r, TP_E_PARSE, -1, "'%s' must be an array, found an object", r->key);
        r->skip = 1;
        return 1;
    case C_SRCSYS:
    case C_COLUMN:
        r->skip = 1; /* extensions */
        return 1;
    case C_COLUMNS: dsjr_col_reset(r); return dsjr_push(r, C_COLUMN);
    case C_ROWS:
        if (!dsjr_row_begin(r, true))
            return 0;
        return dsjr_push(r, C_ROWOBJ);
    case C_ROW:
    case C_ROWOBJ:
        if (r->stack[r->sp - 1] == C_ROW && r->ncell < r->ncols)
            return dsjr_fail(r, TP_E_PARSE, (long)r->ncell, "expected a scalar, found an object");
        return dsjr_fail(r, TP_E_PARSE, r->objcol, "expected a scalar, found an object");
    }
    return 1;
}

static int dsjr_start_rows(struct dsjr *r)
{
    if (r->rows_key)
        return dsjr_fail(r, TP_E_PARSE, -1, "'rows' appears twice");
    r->rows_key = true;
    if (r->skip_rows) {
        r->skip = 1;
        return 1;
    }
    if (!r->meta_done && !r->skip_meta) {
        if (!r->seen_columns) {
            /* rows before columns: collect the metadata first, then read again */
            r->skip_rows = true;
            r->skip = 1;
            return 1;
        }
        if (!dsjr_finish_meta(r))
            return 0;
    }
    return dsjr_push(r, C_ROWS);
}

static int dsjr_cb_start_array(void *ctx)
{
    struct dsjr *r = ctx;
    if (r->skip) {
        r->skip++;
        return 1;
    }
    if (r->sp == 0) {
        if (!r->seen_top)
            return dsjr_fail(r, TP_E_PARSE, -1,
                             "expected the Dataset-JSON metadata object, found an array");
        if (r->rows_key)
            return dsjr_fail(r, TP_E_PARSE, -1, "unexpected data after the Dataset-JSON object");
        if (!dsjr_row_begin(r, false))
            return 0;
        return dsjr_push(r, C_ROW);
    }
    switch (r->stack[r->sp - 1]) {
    case C_TOP:
        if (dsjr_key_is(r, "rows"))
            return dsjr_start_rows(r);
        if (dsjr_key_is(r, "columns") && !r->skip_meta) {
            if (r->seen_columns || r->ncols)
                return dsjr_fail(r, TP_E_PARSE, -1, "'columns' appears twice");
            return dsjr_push(r, C_COLUMNS);
        }
        if (dsjr_key_is(r, "sourceSystem") && !r->skip_meta)
            return dsjr_fail(r, TP_E_PARSE, -1, "'sourceSystem' must be an object");
        r->skip = 1;
        return 1;
    case C_SRCSYS:
    case C_COLUMN: r->skip = 1; return 1;
    case C_COLUMNS:
        return dsjr_fail(r, TP_E_PARSE, -1, "'columns' must hold objects, found an array");
    case C_ROWS:
        if (!dsjr_row_begin(r, false))
            return 0;
        return dsjr_push(r, C_ROW);
    case C_ROW:
    case C_ROWOBJ:
        if (r->stack[r->sp - 1] == C_ROW && r->ncell < r->ncols)
            return dsjr_fail(r, TP_E_PARSE, (long)r->ncell, "expected a scalar, found an array");
        return dsjr_fail(r, TP_E_PARSE, r->objcol, "expected a scalar, found an array");
    }
    return 1;
}

static int dsjr_cb_end_map(void *ctx)
{
    struct dsjr *r = ctx;
    enum dsjr_ctx c;
    if (r->skip) {
        r->skip--;
        return 1;
    }
    c = r->stack[--r->sp];
    switch (c) {
    case C_TOP:
        r->top_done = true;
        if (!r->meta_done && !r->skip_rows && !r->skip_meta)
            return dsjr_finish_meta(r);
        return 1;
    case C_COLUMN: return dsjr_col_end(r);
    case C_ROWOBJ: return dsjr_row_end(r, false);
    default: return 1;
    }
}

static int dsjr_cb_end_array(void *ctx)
{
    struct dsjr *r = ctx;
    if (r->skip) {
        r->skip--;
        return 1;
    }
    switch (r->stack[r->sp - 1]) {
    case C_COLUMNS: r->seen_columns = true; break;
    case C_ROW:
        if (!dsjr_row_end(r, true))
            return 0;
        break;
    default: break;
    }
    r->sp--;
    return 1;
}

static const yajl_callbacks dsjr_callbacks = {
    dsjr_cb_null,
    dsjr_cb_bool,
    NULL,
    NULL,
    dsjr_cb_number,
    dsjr_cb_string,
    dsjr_cb_start_map,
    dsjr_cb_key,
    dsjr_cb_end_map,
    dsjr_cb_start_array,
    dsjr_cb_end_array,
};

/* yajl allocates through the library's allocator */
static void *dsjr_ymalloc(void *ctx, size_t n)
{
    (void)ctx;
    return tp_malloc(n);
}

static void *dsjr_yrealloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return tp_realloc(p, n);
}

static void dsjr_yfree(void *ctx, void *p)
{
    (void)ctx;
    tp_free(p);
}

static int dsjr_parser_new(struct dsjr *r)
{
    static yajl_alloc_funcs af = {dsjr_ymalloc, dsjr_yrealloc, dsjr_yfree, NULL};
    if (r->h)
        yajl_free(r->h);
    r->h = yajl_alloc(&dsjr_callbacks, &af, r);
    if (!r->h)
        return TP_E_NOMEM;
    yajl_config(r->h, yajl_allow_multiple_values, 1);
    return TP_OK;
}

/* ---- input: plain text, or zlib/gzip inflated ---- */

static int dsjr_raw_fill(struct dsjr *r)
{
    long got;
    if (r->in_pos < r->in_len || r->src_eof)
        return TP_OK;
    got = tp_source_read(r->src, r->in, DSJR_CHUNK, r->err);
    if (got < 0)
        return r->err ? r->err->code : TP_E_IO;
    r->in_pos = 0;
    r->in_len = (size_t)got;
    if (got == 0)
        r->src_eof = true;
    return TP_OK;
}

static int dsjr_decoder_start(struct dsjr *r)
{
    int rc;
    r->in_pos = r->in_len = 0;
    r->src_eof = false;
    r->at_start = true;
    r->z_ended = false;
    rc = dsjr_raw_fill(r);
    if (rc)
        return rc;
    r->compressed = r->in_len >= 2 && dsj_probe_dsjc(r->in, r->in_len) > 0;
    if (r->compressed) {
        if (r->z_init) {
            if (inflateReset(&r->z) != Z_OK)
                return tp_fail(r->err, TP_E_INTERNAL, "zlib inflateReset failed");
        } else {
            memset(&r->z, 0, sizeof r->z);
            if (inflateInit2(&r->z, 15 + 32) != Z_OK) /* zlib or gzip, detected */
                return tp_fail(r->err, TP_E_NOMEM, "cannot initialise zlib");
            r->z_init = true;
        }
        r->z.avail_in = 0;
    }
    return TP_OK;
}

/* Next piece of decoded text in *data / *n; *n == 0 at the end. */
static int dsjr_next_chunk(struct dsjr *r, const unsigned char **data, size_t *n)
{
    int rc;
    *n = 0;
    if (!r->compressed) {
        rc = dsjr_raw_fill(r);
        if (rc)
            return rc;
        *data = r->in + r->in_pos;
        *n = r->in_len - r->in_pos;
        r->in_pos = r->in_len;
    } else {
        r->z.next_out = r->out;
        r->z.avail_out = DSJR_CHUNK;
        while (r->z.avail_out == DSJR_CHUNK) {
            int zrc;
            if (r->z.avail_in == 0) {
                rc = dsjr_raw_fill(r);
                if (rc)
                    return rc;
                if (r->in_pos == r->in_len) { /* end of input */
                    if (r->z_ended)
                        break;
                    return dsjr_fail_rc(r, TP_E_PARSE, -1,
                                        "compressed stream is truncated (after %lld bytes)",
                                        tp_source_tell(r->src));
                }
                if (r->z_ended) { /* another gzip member or zlib stream follows */
                    if (inflateReset(&r->z) != Z_OK)
                        return tp_fail(r->err, TP_E_INTERNAL, "zlib inflateReset failed");
                    r->z_ended = false;
                }
                r->z.next_in = r->in + r->in_pos;
                r->z.avail_in = (uInt)(r->in_len - r->in_pos);
            }
            zrc = inflate(&r->z, Z_NO_FLUSH);
            r->in_pos = r->in_len - r->z.avail_in;
            if (zrc == Z_STREAM_END) {
                r->z_ended = true;
                if (r->z.avail_in) {
                    if (inflateReset(&r->z) != Z_OK)
                        return tp_fail(r->err, TP_E_INTERNAL, "zlib inflateReset failed");
                    r->z_ended = false;
                }
            } else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
                return dsjr_fail_rc(r, TP_E_PARSE, -1, "corrupt compressed stream: %s",
                                    r->z.msg ? r->z.msg : "zlib error");
            }
        }
        *data = r->out;
        *n = DSJR_CHUNK - r->z.avail_out;
    }
    if (r->at_start && *n) {
        r->at_start = false;
        if (*n >= 3 && (*data)[0] == 0xEF && (*data)[1] == 0xBB && (*data)[2] == 0xBF) {
            *data += 3; /* UTF-8 byte order mark */
            *n -= 3;
        }
    }
    return TP_OK;
}

/* ---- driving the parser ---- */

static int dsjr_yajl_error(struct dsjr *r, const unsigned char *data, size_t n, bool at_end)
{
    unsigned char *msg = yajl_get_error(r->h, 0, data, n);
    char text[120];
    const char *p;
    size_t len;
    long col = -1;
    snprintf(text, sizeof text, "%s", msg ? (const char *)msg : "parse error");
    if (msg)
        yajl_free_error(r->h, msg);
    len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '.'))
        text[--len] = '\0';
    if (r->in_row && r->sp > 0)
        col = r->stack[r->sp - 1] == C_ROW ? (long)r->ncell : r->objcol;
    if (at_end)
        return dsjr_fail(r, TP_E_PARSE, col, "unexpected end of data (truncated JSON)");
    p = text;
    if (strncmp(p, "parse error: ", 13) == 0)
        p += 13;
    if (strncmp(p, "lexical error: ", 15) == 0)
        p += 15;
    return dsjr_fail(r, TP_E_PARSE, col, "invalid JSON: %s", p);
}

static int dsjr_restart_rows(struct dsjr *r);

/* End of the text: check it was whole and that records matches the rows. */
static int dsjr_at_end(struct dsjr *r)
{
    if (!r->seen_top)
        return dsjr_fail_rc(r, TP_E_PARSE, -1, "no Dataset-JSON object found");
    if (r->skip_rows)
        return dsjr_restart_rows(r);
    if (!r->meta_done && !dsjr_finish_meta(r))
        return r->rc;
    r->eof = true;
    if (r->check_records && r->records >= 0 && (unsigned long long)r->records != r->nrows)
        return dsjr_fail_rc(r, TP_E_PARSE, -1, "'records' is %lld but the file has %llu rows",
                            r->records, r->nrows);
    return TP_OK;
}

/* Parse the next chunk. */
static int dsjr_feed(struct dsjr *r)
{
    const unsigned char *data;
    size_t n;
    yajl_status st;
    int rc;
    if (r->rc)
        return r->rc;
    rc = dsjr_next_chunk(r, &data, &n);
    if (rc)
        return rc;
    r->chunk = data;
    r->chunklen = n;
    if (n == 0) {
        r->chunk = NULL;
        st = yajl_complete_parse(r->h);
        if (st == yajl_status_client_canceled)
            return r->rc ? r->rc : TP_E_INTERNAL;
        if (st != yajl_status_ok && r->seen_top)
            return dsjr_yajl_error(r, NULL, 0, true), r->rc;
        return dsjr_at_end(r); /* also reports an input without any value */
    }
    st = yajl_parse(r->h, data, n);
    if (st == yajl_status_client_canceled)
        return r->rc ? r->rc : TP_E_INTERNAL;
    if (st != yajl_status_ok)
        return dsjr_yajl_error(r, data, n, false), r->rc;
    for (size_t i = 0; i < n; i++)
        r->lines += data[i] == '\n';
    r->chunk = NULL;
    return TP_OK;
}

/* Two-pass mode: the metadata is known, rewind and read the rows. */
static int dsjr_restart_rows(struct dsjr *r)
{
    int rc;
    r->skip_rows = false;
    if (!dsjr_finish_meta(r))
        return r->rc;
    rc = tp_source_rewind(r->src, r->err);
    if (rc)
        return rc;
    rc = dsjr_decoder_start(r);
    if (rc)
        return rc;
    if (dsjr_parser_new(r))
        return tp_fail(r->err, TP_E_NOMEM, "out of memory");
    r->skip_meta = true;
    r->sp = 0;
    r->skip = 0;
    r->seen_top = r->top_done = r->rows_key = false;
    r->lines = 0;
    r->nrows = 0;
    return TP_OK;
}

/* ---- plugin entry points ---- */

void dsj_read_close(void *state)
{
    struct dsjr *r = state;
    if (!r)
        return;
    if (r->h)
        yajl_free(r->h);
    if (r->z_init)
        inflateEnd(&r->z);
    dsjr_col_reset(r);
    tp_free(r->in);
    tp_free(r->out);
    tp_free(r->kinds);
    tp_free(r->seen);
    tp_free(r->null_text);
    tp_dataset_free(r->meta);
    tp_dataset_free(r->ovf);
    tp_dataset_free(r->spare);
    tp_free(r);
}

int dsj_read_open(struct tp_source *src, const struct tp_options *o, void **state,
                  struct tp_dataset **meta, struct tp_error *err)
{
    struct dsjr *r;
    const char *opt;
    int rc;
    *state = NULL;
    *meta = NULL;
    r = tp_calloc(1, sizeof *r);
    if (!r)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    *state = r;
    r->src = src;
    r->err = err;
    r->records = -1;
    r->check_records = true;
    opt = tp_options_get(o, "dsjson.check_records");
    if (opt && strcmp(opt, "no") == 0)
        r->check_records = false;
    opt = tp_options_get(o, "dsjson.null");
    if (opt && !(r->null_text = tp_strdup(opt)))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    r->in = tp_malloc(DSJR_CHUNK);
    r->out = tp_malloc(DSJR_CHUNK);
    r->meta = tp_dataset_new(NULL, NULL);
    if (!r->in || !r->out || !r->meta)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    rc = dsjr_decoder_start(r);
    if (rc)
        return rc;
    if (dsjr_parser_new(r))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    while (!r->meta_done) {
        rc = dsjr_feed(r);
        if (rc)
            return rc;
        if (r->eof && !r->meta_done)
            return tp_fail(err, TP_E_PARSE, "no Dataset-JSON metadata found");
    }
    r->err = NULL;
    *meta = r->meta;
    return TP_OK;
}

static int dsjr_copy_row(struct tp_dataset *dst, size_t drow, const struct tp_dataset *src,
                         size_t srow)
{
    size_t nv = tp_dataset_nvars(src);
    for (size_t v = 0; v < nv; v++) {
        if (tp_dataset_var(src, v)->type == TP_NUM) {
            char miss;
            double d = tp_dataset_num(src, srow, v, &miss);
            tp_dataset_set_num(dst, drow, v, d, miss);
        } else {
            size_t len;
            const char *s = tp_dataset_str(src, srow, v, &len);
            if (len && tp_dataset_set_str(dst, drow, v, s, len))
                return TP_E_NOMEM;
        }
    }
    return TP_OK;
}

/*
 * Move the complete rows ovf[ovf_pos..] into batch until it holds max rows. A row still being
 * parsed stays in ovf; once everything before it has gone, it moves to the front of a fresh
 * overflow batch so that ovf never grows beyond the rows of one chunk.
 */
static int dsjr_drain(struct dsjr *r, struct tp_dataset *batch, size_t max)
{
    size_t avail = tp_dataset_nrows(r->ovf);
    bool partial = r->in_row && r->cur == r->ovf;
    size_t complete = avail - (partial ? 1 : 0);
    while (r->ovf_pos < complete && tp_dataset_nrows(batch) < max) {
        size_t dst;
        if (tp_dataset_add_rows(batch, 1, &dst, NULL) ||
            dsjr_copy_row(batch, dst, r->ovf, r->ovf_pos))
            return TP_E_NOMEM;
        r->ovf_pos++;
    }
    if (r->ovf_pos == avail) {
        tp_dataset_clear_rows(r->ovf);
        r->ovf_pos = 0;
    } else if (partial && r->ovf_pos == complete && r->ovf_pos > 0) {
        struct tp_dataset *fresh = r->spare;
        size_t row;
        struct tp_dataset *old = r->ovf;
        tp_dataset_clear_rows(fresh);
        if (tp_dataset_add_rows(fresh, 1, &row, NULL) || dsjr_copy_row(fresh, row, old, r->ovf_pos))
            return TP_E_NOMEM;
        tp_dataset_clear_rows(old);
        r->spare = old;
        r->ovf = fresh;
        r->cur = fresh;
        r->cur_row = row;
        r->ovf_pos = 0;
    }
    return TP_OK;
}

int dsj_read_batch(void *state, struct tp_dataset *batch, size_t max_rows, struct tp_error *err)
{
    struct dsjr *r = state;
    int rc = TP_OK;
    if (r->rc)
        return tp_fail(err, r->rc, "the Dataset-JSON reader stopped at an earlier error");
    r->err = err;
    if (tp_dataset_nvars(batch) != r->ncols)
        return tp_fail(err, TP_E_USAGE, "batch does not match the dataset's columns");
    r->target = batch;
    r->limit = max_rows;
    /* stop when the batch is full, but never return a row whose values are still coming */
    while (rc == TP_OK && (tp_dataset_nrows(batch) < max_rows || (r->in_row && r->cur == batch))) {
        if (dsjr_drain(r, batch, max_rows)) {
            rc = tp_fail(err, TP_E_NOMEM, "out of memory");
            break;
        }
        if (r->eof || (tp_dataset_nrows(batch) >= max_rows && !(r->in_row && r->cur == batch)))
            break;
        rc = dsjr_feed(r);
    }
    r->target = NULL;
    r->err = NULL;
    if (rc && !r->rc)
        r->rc = rc;
    return rc;
}
