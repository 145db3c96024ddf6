/*
 * CSV sheets of a study folder (doc/crf-sheets.md): RFC 4180 text with a header row, as saved by a
 * spreadsheet. Parsing uses libcsv in strict mode, fed one byte at a time so that every record and
 * every error knows its line and its field number (the spreadsheet column).
 */
#include <config.h>

#include <csv.h>
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "crf/crf.h"

/* Caps that keep a hostile sheet from exhausting memory (a real CRF is far smaller). */
#define SHEET_MAX_BYTES ((size_t)64 << 20)
#define SHEET_MAX_FIELDS 4096
#define SHEET_MAX_ROWS 1000000

struct sheet_ctx {
    struct crf_sheet *s;
    char **fields;
    size_t nf, capf;
    long line;     /* line of the byte being fed */
    long rec_line; /* line where the current record started */
    bool in_record;
    bool header_done;
    int rc;
    struct tp_error *err;
};

static void sheet_loc(const struct crf_sheet *s, long line, long col, struct tp_loc *loc)
{
    tp_loc_init(loc);
    snprintf(loc->path, sizeof loc->path, "%s", s->path);
    loc->line = line;
    loc->col = col;
}

static void sheet_free_fields(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tp_free(f[i]);
    tp_free(f);
}

static void sheet_field_cb(void *data, size_t len, void *vctx)
{
    struct sheet_ctx *c = vctx;
    char *f;
    if (c->rc)
        return;
    if (c->nf >= SHEET_MAX_FIELDS) {
        struct tp_loc loc;
        sheet_loc(c->s, c->rec_line, (long)c->nf + 1, &loc);
        c->rc = tp_fail_at(c->err, TP_E_LIMIT, &loc, "more than %d columns", SHEET_MAX_FIELDS);
        return;
    }
    if (tp_grow((void **)&c->fields, &c->capf, c->nf + 1, sizeof *c->fields) ||
        !(f = tp_strndup(data ? (const char *)data : "", data ? len : 0))) {
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        return;
    }
    c->fields[c->nf++] = f;
}

static bool sheet_row_blank(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (f[i][0])
            return false;
    return true;
}

static void sheet_record_cb(int term, void *vctx)
{
    struct sheet_ctx *c = vctx;
    struct crf_sheet *s = c->s;
    (void)term;
    c->in_record = false;
    if (c->rc)
        goto drop;
    if (!c->header_done) {
        if (c->nf == 0 || sheet_row_blank(c->fields, c->nf))
            goto drop;
        s->cols = c->fields;
        s->ncols = c->nf;
        s->header_line = c->rec_line;
        c->header_done = true;
        goto reset;
    }
    if (c->nf == 0 || sheet_row_blank(c->fields, c->nf) || c->fields[0][0] == '#')
        goto drop;
    if (s->nrows >= SHEET_MAX_ROWS) {
        struct tp_loc loc;
        sheet_loc(s, c->rec_line, -1, &loc);
        c->rc = tp_fail_at(c->err, TP_E_LIMIT, &loc, "more than %d rows", SHEET_MAX_ROWS);
        goto drop;
    }
    if (tp_grow((void **)&s->rows, &s->cap, s->nrows + 1, sizeof *s->rows)) {
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        goto drop;
    }
    s->rows[s->nrows].line = c->rec_line;
    s->rows[s->nrows].nfields = c->nf;
    s->rows[s->nrows].fields = c->fields;
    s->nrows++;
    /* a row with more cells than the header is fine only when the extra cells are empty */
    for (size_t i = s->ncols; i < c->nf; i++) {
        if (c->fields[i][0]) {
            struct tp_loc loc;
            sheet_loc(s, c->rec_line, (long)i + 1, &loc);
            c->rc = tp_fail_at(c->err, TP_E_PARSE, &loc,
                               "row has a value in column %zu but the header has %zu columns",
                               i + 1, s->ncols);
            break;
        }
    }
    goto reset;
drop:
    sheet_free_fields(c->fields, c->nf);
reset:
    c->fields = NULL;
    c->nf = c->capf = 0;
}

static int sheet_space_only(unsigned char ch)
{
    return ch == ' ';
}

static char sheet_guess_delim(const unsigned char *p, size_t n)
{
    size_t comma = 0, semi = 0, tab = 0;
    for (size_t i = 0; i < n && p[i] != '\n' && p[i] != '\r'; i++) {
        comma += p[i] == ',';
        semi += p[i] == ';';
        tab += p[i] == '\t';
    }
    if (comma == 0 && semi > 0)
        return ';';
    if (comma == 0 && tab > 0)
        return '\t';
    return ',';
}

void crf_sheet_release(struct crf_sheet *s)
{
    if (!s)
        return;
    sheet_free_fields(s->cols, s->ncols);
    for (size_t i = 0; i < s->nrows; i++)
        sheet_free_fields(s->rows[i].fields, s->rows[i].nfields);
    tp_free(s->rows);
    s->cols = NULL;
    s->rows = NULL;
    s->ncols = s->nrows = s->cap = 0;
}

int crf_sheet_parse(const unsigned char *data, size_t n, const char *path, struct crf_sheet *out,
                    struct tp_error *err)
{
    struct csv_parser p;
    struct sheet_ctx c;
    struct tp_loc loc;
    size_t i, valid, col = 1;
    long line = 1;

    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", path ? path : "<sheet>");
    if (n > SHEET_MAX_BYTES) {
        sheet_loc(out, -1, -1, &loc);
        return tp_fail_at(err, TP_E_LIMIT, &loc, "sheet larger than %zu bytes",
                          (size_t)SHEET_MAX_BYTES);
    }
    if (n >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
        data += 3;
        n -= 3;
    }
    /* the whole sheet must be UTF-8 without NUL bytes: locate the first bad byte */
    valid = tp_utf8_valid_prefix(data, n);
    for (i = 0; i < n; i++) {
        if (i == valid || data[i] == '\0') {
            sheet_loc(out, line, (long)col, &loc);
            if (i != valid)
                return tp_fail_at(err, TP_E_PARSE, &loc, "NUL byte in sheet");
            return tp_fail_at(err, TP_E_PARSE, &loc,
                              "invalid UTF-8 byte 0x%02X (save the sheet as UTF-8)", data[i]);
        }
        if (data[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }

    out->delim = sheet_guess_delim(data, n);
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    csv_set_delim(&p, (unsigned char)out->delim);
    if (out->delim == '\t')
        csv_set_space_func(&p, sheet_space_only);

    memset(&c, 0, sizeof c);
    c.s = out;
    c.line = 1;
    c.err = err;
    for (i = 0; i < n && !c.rc; i++) {
        unsigned char ch = data[i];
        if (!c.in_record && ch != '\r' && ch != '\n') {
            c.in_record = true;
            c.rec_line = c.line;
        }
        if (csv_parse(&p, data + i, 1, sheet_field_cb, sheet_record_cb, &c) != 1) {
            sheet_loc(out, c.line, (long)c.nf + 1, &loc);
            c.rc = tp_fail_at(err, TP_E_PARSE, &loc, "malformed field: stray or unbalanced quote");
            break;
        }
        if (ch == '\n' || (ch == '\r' && (i + 1 == n || data[i + 1] != '\n')))
            c.line++;
    }
    if (!c.rc && csv_fini(&p, sheet_field_cb, sheet_record_cb, &c) != 0 && !c.rc) {
        sheet_loc(out, c.rec_line, (long)c.nf + 1, &loc);
        c.rc = tp_fail_at(err, TP_E_PARSE, &loc, "quoted field is never closed");
    }
    csv_free(&p);
    sheet_free_fields(c.fields, c.nf);
    if (!c.rc && !c.header_done) {
        sheet_loc(out, -1, -1, &loc);
        c.rc = tp_fail_at(err, TP_E_SPEC, &loc, "sheet is empty (a header row is required)");
    }
    if (c.rc)
        crf_sheet_release(out);
    return c.rc;
}

const char *crf_cell(const struct crf_sheet *s, const struct crf_row *r, size_t col)
{
    (void)s;
    if (col == CRF_NONE || col >= r->nfields)
        return "";
    return r->fields[col];
}

void crf_cell_loc(const struct crf_sheet *s, const struct crf_row *r, size_t col,
                  struct tp_loc *loc)
{
    sheet_loc(s, r ? r->line : s->header_line, col == CRF_NONE ? -1 : (long)col + 1, loc);
    if (col != CRF_NONE && col < s->ncols)
        snprintf(loc->variable, sizeof loc->variable, "%s", s->cols[col]);
}

int crf_sheet_bind(const struct crf_sheet *s, const struct crf_colspec *spec, size_t nspec,
                   size_t *idx, struct tp_error *err)
{
    struct tp_loc loc;
    for (size_t k = 0; k < nspec; k++)
        idx[k] = CRF_NONE;
    for (size_t i = 0; i < s->ncols; i++) {
        const char *name = s->cols[i];
        size_t k;
        if (name[0] == '#')
            continue;
        if (name[0] == '\0') {
            for (size_t r = 0; r < s->nrows; r++) {
                if (crf_cell(s, &s->rows[r], i)[0]) {
                    crf_cell_loc(s, &s->rows[r], i, &loc);
                    return tp_fail_at(err, TP_E_SPEC, &loc, "column %zu has values but no header",
                                      i + 1);
                }
            }
            continue;
        }
        for (k = 0; k < nspec; k++)
            if (strcasecmp(name, spec[k].name) == 0)
                break;
        if (k == nspec) {
            char list[200];
            size_t used = 0;
            list[0] = '\0';
            for (size_t j = 0; j < nspec && used < sizeof list; j++) {
                int w =
                    snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", spec[j].name);
                if (w > 0)
                    used += (size_t)w;
            }
            sheet_loc(s, s->header_line, (long)i + 1, &loc);
            return tp_fail_at(err, TP_E_SPEC, &loc,
                              "unknown column '%s' (expected %s; prefix notes columns with '#')",
                              name, list);
        }
        if (idx[k] != CRF_NONE) {
            sheet_loc(s, s->header_line, (long)i + 1, &loc);
            return tp_fail_at(err, TP_E_SPEC, &loc, "duplicate column '%s' (also column %zu)", name,
                              idx[k] + 1);
        }
        idx[k] = i;
    }
    for (size_t k = 0; k < nspec; k++) {
        if (spec[k].required && idx[k] == CRF_NONE) {
            sheet_loc(s, s->header_line, -1, &loc);
            return tp_fail_at(err, TP_E_SPEC, &loc, "missing required column '%s'", spec[k].name);
        }
    }
    return TP_OK;
}

bool crf_parse_long(const char *s, long *out)
{
    long v = 0;
    bool neg = false;
    const char *p = s;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!isdigit((unsigned char)*p))
        return false;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (LONG_MAX - 9) / 10)
            return false;
        v = v * 10 + (*p - '0');
    }
    if (*p)
        return false;
    *out = neg ? -v : v;
    return true;
}

bool crf_parse_number(const char *s, double *out)
{
    char buf[64];
    size_t n = strlen(s), commas = 0, dots = 0;
    if (n == 0 || n >= sizeof buf)
        return false;
    for (size_t i = 0; i < n; i++) {
        commas += s[i] == ',';
        dots += s[i] == '.';
    }
    memcpy(buf, s, n + 1);
    if (commas == 1 && dots == 0)
        *strchr(buf, ',') = '.';
    return tp_parse_double(buf, n, out);
}
