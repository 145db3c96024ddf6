/*
 * Spec sheets: CSV text (RFC 4180) as saved by a spreadsheet, parsed from memory. The delimiter is
 * ',' unless the header line has a ';' and no ',' (French spreadsheets); a UTF-8 BOM is skipped;
 * CRLF and LF both end a record; quoted fields may hold delimiters, quotes ("") and line breaks.
 * Every row remembers the line it starts on, so errors can name sheet, row and column.
 */
#include "map.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sheet_release(struct sheet *sh)
{
    tp_free(sh->name);
    tp_free(sh->hdr);
    tp_free(sh->cell);
    tp_free(sh->line);
    tp_free(sh->arena);
    memset(sh, 0, sizeof *sh);
}

int sheet_fail(struct tp_error *err, int code, const struct sheet *sh, size_t row, long col,
               const char *fmt, ...)
{
    struct tp_loc loc;
    char msg[200];
    va_list ap;
    tp_loc_init(&loc);
    snprintf(loc.path, sizeof loc.path, "%s", sh->name ? sh->name : "");
    if (row < sh->nrows)
        loc.line = sh->line[row];
    else if (row == (size_t)-1)
        loc.line = 1;
    if (col >= 0) {
        loc.col = col + 1;
        snprintf(loc.variable, sizeof loc.variable, "%s", sh->hdr[col]);
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tp_fail_at(err, code, &loc, "%s", msg);
}

/* Normalised header compare: case-insensitive, spaces, '_' and '-' ignored. */
static bool sheet_name_eq(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '_' || *a == '-')
            a++;
        while (*b == ' ' || *b == '_' || *b == '-')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
        a++;
        b++;
    }
}

long sheet_col(const struct sheet *sh, const char *name)
{
    for (size_t i = 0; i < sh->ncols; i++)
        if (sheet_name_eq(sh->hdr[i], name))
            return (long)i;
    return -1;
}

#define SHEET_MAX_BYTES ((size_t)64 << 20)
#define SHEET_MAX_COLS 256

int sheet_parse(struct sheet *sh, const char *name, const char *data, size_t n,
                struct tp_error *err)
{
    size_t i = 0, fields_cap = 0, nfields = 0, rows_cap = 0, line_cap = 0;
    size_t *fstart = NULL; /* offsets into arena, per field of all rows (flat) */
    size_t *rowfirst = NULL, nrec = 0;
    long *lines = NULL;
    char delim = ',';
    long line = 1;
    size_t alen = 0;
    int rc = TP_OK;

    memset(sh, 0, sizeof *sh);
    if (!(sh->name = tp_strdup(name ? name : "sheet")))
        return TP_E_NOMEM;
    if (n > SHEET_MAX_BYTES)
        return sheet_fail(err, TP_E_SPEC, sh, (size_t)-2, -1, "sheet larger than 64 MiB");
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    {
        /* delimiter from the header line */
        bool comma = false, semi = false, q = false;
        for (size_t j = i; j < n && (q || (data[j] != '\n' && data[j] != '\r')); j++) {
            if (data[j] == '"')
                q = !q;
            else if (!q && data[j] == ',')
                comma = true;
            else if (!q && data[j] == ';')
                semi = true;
        }
        if (semi && !comma)
            delim = ';';
    }
    /* arena: every byte of input at most once plus a NUL per field */
    if (!(sh->arena = tp_malloc(n + 2 * (n + 2))))
        return TP_E_NOMEM;
    while (i < n) {
        /* one record */
        size_t first = nfields;
        long rec_line = line;
        bool blank = true;
        for (;;) {
            bool quoted = false;
            if (tp_grow((void **)&fstart, &fields_cap, nfields + 1, sizeof *fstart)) {
                rc = TP_E_NOMEM;
                goto out;
            }
            fstart[nfields++] = alen;
            if (i < n && data[i] == '"') {
                quoted = true;
                blank = false;
                i++;
                for (;;) {
                    if (i >= n) {
                        rc = sheet_fail(err, TP_E_SPEC, sh, (size_t)-2, -1,
                                        "unterminated quoted field starting on line %ld",
                                        rec_line);
                        goto out;
                    }
                    if (data[i] == '"') {
                        if (i + 1 < n && data[i + 1] == '"') {
                            sh->arena[alen++] = '"';
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (data[i] == '\n')
                        line++;
                    sh->arena[alen++] = data[i++];
                }
            }
            while (i < n && data[i] != delim && data[i] != '\n' && data[i] != '\r') {
                if (!quoted || data[i] != ' ')
                    sh->arena[alen++] = data[i];
                blank = false;
                i++;
            }
            sh->arena[alen++] = '\0';
            if (i < n && data[i] == delim) {
                blank = false;
                i++;
                if (nfields - first >= SHEET_MAX_COLS) {
                    rc = sheet_fail(err, TP_E_SPEC, sh, (size_t)-2, -1,
                                    "line %ld has more than %d columns", rec_line,
                                    SHEET_MAX_COLS);
                    goto out;
                }
                continue;
            }
            break;
        }
        if (i < n && data[i] == '\r')
            i++;
        if (i < n && data[i] == '\n')
            i++;
        line++;
        if (blank) { /* empty line: drop */
            nfields = first;
            continue;
        }
        if (tp_grow((void **)&rowfirst, &rows_cap, nrec + 2, sizeof *rowfirst) ||
            tp_grow((void **)&lines, &line_cap, nrec + 1, sizeof *lines)) {
            rc = TP_E_NOMEM;
            goto out;
        }
        rowfirst[nrec] = first;
        lines[nrec] = rec_line;
        nrec++;
    }
    if (nrec == 0) {
        rc = sheet_fail(err, TP_E_SPEC, sh, (size_t)-1, -1, "sheet is empty (no header)");
        goto out;
    }
    rowfirst[nrec] = nfields;
    sh->ncols = rowfirst[1] - rowfirst[0];
    sh->nrows = nrec - 1;
    sh->hdr = tp_calloc(sh->ncols, sizeof *sh->hdr);
    sh->cell = tp_calloc(sh->nrows ? sh->nrows * sh->ncols : 1, sizeof *sh->cell);
    sh->line = tp_calloc(sh->nrows ? sh->nrows : 1, sizeof *sh->line);
    if (!sh->hdr || !sh->cell || !sh->line) {
        rc = TP_E_NOMEM;
        goto out;
    }
    /* empty string for missing trailing cells: the last byte of the arena */
    sh->arena[alen] = '\0';
    for (size_t c = 0; c < sh->ncols; c++) {
        char *h = sh->arena + fstart[c];
        /* trim header */
        size_t hl = strlen(h);
        while (hl && (h[hl - 1] == ' ' || h[hl - 1] == '\t'))
            h[--hl] = '\0';
        while (*h == ' ')
            h++;
        sh->hdr[c] = h;
        if (!*h) {
            sh->nrows = 0;
            rc = sheet_fail(err, TP_E_SPEC, sh, (size_t)-1, -1, "header cell %zu is empty",
                            c + 1);
            goto out;
        }
    }
    for (size_t r = 0; r < sh->nrows; r++) {
        size_t f0 = rowfirst[r + 1], nf = rowfirst[r + 2] - f0;
        sh->line[r] = lines[r + 1];
        if (nf > sh->ncols) {
            /* extra cells must be empty */
            for (size_t c = sh->ncols; c < nf; c++)
                if (sh->arena[fstart[f0 + c]]) {
                    rc = sheet_fail(err, TP_E_SPEC, sh, r, -1,
                                    "row has %zu cells, header has %zu", nf, sh->ncols);
                    goto out;
                }
        }
        for (size_t c = 0; c < sh->ncols; c++) {
            char *v = c < nf ? sh->arena + fstart[f0 + c] : sh->arena + alen;
            /* trim spaces around unquoted-looking values */
            size_t vl = strlen(v);
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                v[--vl] = '\0';
            while (*v == ' ' || *v == '\t')
                v++;
            sh->cell[r * sh->ncols + c] = v;
        }
    }
out:
    tp_free(fstart);
    tp_free(rowfirst);
    tp_free(lines);
    if (rc) {
        char *nm = sh->name;
        sh->name = NULL;
        sheet_release(sh);
        tp_free(nm);
    }
    return rc;
}
