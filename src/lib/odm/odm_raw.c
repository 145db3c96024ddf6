/*
 * The raw EDC export (study brief §6.1) read subject by subject: one CSV per form ("<table>.csv"),
 * each grouped and sorted by site and subject (CENTRE, PATNUM), so a k-way merge over streaming
 * readers yields every subject's rows from all forms at once. Only one subject's rows are held in
 * memory, plus one read buffer per table (the project's CSV reader, fmt/csv_read.c).
 *
 * Dirty exports have rows out of order (orphan or misplaced rows). A row whose key jumps ahead of
 * both its neighbours (seen with a one-row look-ahead) is set aside and exported with its own
 * subject when the merge gets there; a row whose key goes back is exported in a further
 * SubjectData of its subject. Both are reported; a table with many rows out of order is refused
 * as unsorted.
 *
 * Every header is checked against the CRF metadata before any data is read: each column must be a
 * raw key or system column (study.csv Raw.Column.*) or an item of the form, and every item must be
 * present; a mismatch is an error naming the file, the header line and the column. The visit code
 * of a row gives its study event: the event's VisitCode, a repeating event's code followed by a
 * repeat number ("NP2", "NP.2", "NP-2"; plain "NP" is repeat 1). Rows of a form that belongs to a
 * Common event (logs: medical history, medications, adverse events) go to that event whatever
 * visit they were recorded at (or with an empty visit code). An unknown visit code is an error
 * with its location.
 */
#include "odm/odm.h"

#include "fmt/csv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define RAW_NONE ((size_t)-1)
#define RAW_BATCH 256
/* A table with more rows out of site/subject order than this (and more than 1 in 20 of its rows)
   is not sorted at all: an error rather than a warning per row. */
#define RAW_MAX_INVERSIONS 1000
/* Most rows set aside at once (rows whose key jumps ahead) before the export gives up. */
#define RAW_MAX_STRAYS 10000

struct raw_file {
    const struct tp_crf_form *form;
    char *path;
    struct tp_source *src;
    void *csv;
    const struct tp_dataset *meta;
    struct tp_dataset *batch[2]; /* the current batch, and the next one when peeked into */
    long *lines[2];              /* physical line of each row of a batch */
    size_t nrows[2];
    int cur;    /* index of the current batch */
    size_t pos; /* head row in the current batch */
    bool started, next_loaded, src_done;
    bool eof;
    size_t col[TP_RAW_NCOLS];          /* header column of each raw role, RAW_NONE when absent */
    size_t *item_col;                  /* header column of each form item */
    const struct tp_crf_event *common; /* event of rows with an empty visit code */
    struct tp_strbuf site, subject;    /* key of the head row */
    bool have_head;
    struct tp_strbuf last_site, last_subject; /* previous subject of this file (order check) */
    bool have_last;
    bool trim_warned;
    unsigned long long rows_read, inversions;
};

struct raw_sortrow;

/* A row set aside: its key jumped ahead of its neighbours (raw_head). */
struct raw_stray {
    size_t file;
    long line;
    char *site, *subject, *visit, *line_key;
    char **values; /* one per form item */
};

/* A cell seen through a (dataset, row) or a stray's strings. */
struct raw_cellref {
    const char *s;
    size_t n;
};

/* A row of the current subject while it is being read (strings as offsets into the arena). */
struct raw_tmp {
    size_t file;
    const struct tp_crf_event *event;
    size_t repeat_off, line_off, vals_off;
    long line;
    size_t seq;
    size_t form_pos; /* position of the form in its event's form list (or after it) */
};

struct odm_raw {
    const struct tp_crf *crf;
    struct tp_report *rep;
    size_t *nwarn;
    struct raw_file *files;
    size_t nfiles;
    unsigned long long bytes_done;

    /* current subject */
    struct tp_strbuf arena;
    size_t *offs;
    size_t noffs, capoffs;
    struct raw_tmp *tmp;
    size_t ntmp, captmp;
    const char **ptrs;
    size_t capptrs;
    long *colnos;      /* per file: 1-based column of each item, flattened */
    size_t *colno_off; /* per file: start in colnos */
    struct odm_raw_row *rows;
    size_t caprows;
    struct raw_sortrow *srows;
    size_t capsrows;
    struct tp_strbuf cur_site, cur_subject;
    struct odm_raw_subject sub;

    struct raw_stray *strays;
    size_t nstrays, capstrays;
    struct raw_cellref *cells; /* scratch: the cells of one row */
    size_t capcells;
    struct tp_strbuf visit, linekey, peek_site, peek_subject;
};

/* ------------------------------------------------------------------ helpers */

static int raw_nomem(struct tp_error *err)
{
    return tp_fail(err, TP_E_NOMEM, "out of memory");
}

static int raw_fail(struct tp_error *err, int code, const struct raw_file *f, long line, size_t col,
                    const char *var, const char *fmt, ...) TP_PRINTF(7, 8);

static int raw_fail(struct tp_error *err, int code, const struct raw_file *f, long line, size_t col,
                    const char *var, const char *fmt, ...)
{
    struct tp_loc loc;
    va_list ap;
    tp_loc_init(&loc);
    snprintf(loc.path, sizeof loc.path, "%s", f->path);
    loc.line = line;
    loc.col = col == RAW_NONE ? -1 : (long)col + 1;
    snprintf(loc.dataset, sizeof loc.dataset, "%s", tp_crf_form_table(f->form));
    if (var)
        snprintf(loc.variable, sizeof loc.variable, "%s", var);
    va_start(ap, fmt);
    tp_vfail_at(err, code, &loc, fmt, ap);
    va_end(ap);
    return code;
}

/* Cell text of a batch row into sb, NUL-terminated; trim removes blanks around it. */
static int raw_cell(const struct tp_dataset *ds, size_t row, size_t col, bool trim,
                    struct tp_strbuf *sb, bool *trimmed)
{
    size_t len = 0;
    const char *s = "";
    tp_strbuf_reset(sb);
    if (trimmed)
        *trimmed = false;
    if (col != RAW_NONE)
        s = tp_dataset_str(ds, row, col, &len);
    if (trim) {
        size_t n0 = len;
        while (len && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        }
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (trimmed)
            *trimmed = len != n0;
    }
    if (tp_strbuf_add(sb, s, len))
        return TP_E_NOMEM;
    tp_strbuf_cstr(sb);
    return TP_OK;
}

static int raw_key_cmp(const char *site_a, const char *subj_a, const char *site_b,
                       const char *subj_b)
{
    int c = odm_natural_cmp(site_a, site_b);
    return c ? c : odm_natural_cmp(subj_a, subj_b);
}

/* ------------------------------------------------------------------ opening */

static void raw_file_release(struct raw_file *f)
{
    if (f->csv)
        csv_read_close(f->csv);
    tp_source_close(f->src);
    for (int k = 0; k < 2; k++) {
        tp_dataset_free(f->batch[k]);
        tp_free(f->lines[k]);
    }
    tp_free(f->item_col);
    tp_free(f->path);
    tp_strbuf_release(&f->site);
    tp_strbuf_release(&f->subject);
    tp_strbuf_release(&f->last_site);
    tp_strbuf_release(&f->last_subject);
}

void odm_raw_close(struct odm_raw *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfiles; i++)
        raw_file_release(&r->files[i]);
    tp_free(r->files);
    tp_strbuf_release(&r->arena);
    tp_free(r->offs);
    tp_free(r->tmp);
    tp_free(r->ptrs);
    tp_free(r->colnos);
    tp_free(r->colno_off);
    tp_free(r->rows);
    tp_free(r->srows);
    for (size_t i = 0; i < r->nstrays; i++) {
        struct raw_stray *st = &r->strays[i];
        for (size_t k = 0; st->values && k < tp_crf_form_item_count(r->files[st->file].form); k++)
            tp_free(st->values[k]);
        tp_free(st->values);
        tp_free(st->site);
        tp_free(st->subject);
        tp_free(st->visit);
        tp_free(st->line_key);
    }
    tp_free(r->strays);
    tp_free(r->cells);
    tp_strbuf_release(&r->visit);
    tp_strbuf_release(&r->linekey);
    tp_strbuf_release(&r->peek_site);
    tp_strbuf_release(&r->peek_subject);
    tp_strbuf_release(&r->cur_site);
    tp_strbuf_release(&r->cur_subject);
    tp_free(r);
}

/* The Common event whose forms include form (rows with an empty visit code), or NULL. */
static const struct tp_crf_event *raw_common_event(const struct tp_crf *crf,
                                                   const struct tp_crf_form *form)
{
    for (size_t i = 0; i < tp_crf_event_count(crf); i++) {
        const struct tp_crf_event *ev = tp_crf_event_at(crf, i);
        if (tp_crf_event_type(ev) == TP_EVENT_COMMON && tp_crf_event_has_form(ev, form))
            return ev;
    }
    return NULL;
}

/* Match the header of f against the CRF: raw roles, items; every item required. */
static int raw_check_header(struct odm_raw *r, struct raw_file *f, struct tp_error *err)
{
    const struct tp_crf_form *form = f->form;
    size_t nitems = tp_crf_form_item_count(form), ncols = tp_dataset_nvars(f->meta);
    long hline = csv_read_header_line(f->csv);
    for (size_t k = 0; k < TP_RAW_NCOLS; k++)
        f->col[k] = RAW_NONE;
    f->item_col = tp_malloc((nitems ? nitems : 1) * sizeof *f->item_col);
    if (!f->item_col)
        return raw_nomem(err);
    for (size_t i = 0; i < nitems; i++)
        f->item_col[i] = RAW_NONE;
    for (size_t c = 0; c < ncols; c++) {
        const char *name = tp_dataset_var(f->meta, c)->name;
        const struct tp_crf_item *it = tp_crf_form_item_find(form, name);
        bool role = false;
        if (it) {
            f->item_col[tp_crf_item_position(it)] = c;
            continue;
        }
        for (size_t k = 0; k < TP_RAW_NCOLS; k++) {
            if (strcmp(name, tp_crf_raw_column(r->crf, (enum tp_crf_rawcol)k)) == 0) {
                f->col[k] = c;
                role = true;
                break;
            }
        }
        if (!role)
            return raw_fail(err, TP_E_PARSE, f, hline, c, name,
                            "column '%s' is neither an item of form '%s' nor a raw key or system "
                            "column of the study",
                            name, tp_crf_form_oid(form));
    }
    for (size_t i = 0; i < nitems; i++)
        if (f->item_col[i] == RAW_NONE) {
            const char *name = tp_crf_item_name(tp_crf_form_item_at(form, i));
            return raw_fail(err, TP_E_PARSE, f, hline, RAW_NONE, name,
                            "item '%s' of form '%s' is missing from the header", name,
                            tp_crf_form_oid(form));
        }
    if (f->col[TP_RAW_SUBJECT] == RAW_NONE)
        return raw_fail(err, TP_E_PARSE, f, hline, RAW_NONE, NULL,
                        "the subject column '%s' is missing from the header",
                        tp_crf_raw_column(r->crf, TP_RAW_SUBJECT));
    f->common = raw_common_event(r->crf, form);
    if (f->col[TP_RAW_VISIT] == RAW_NONE && !f->common)
        return raw_fail(err, TP_E_PARSE, f, hline, RAW_NONE, NULL,
                        "the visit column '%s' is missing from the header",
                        tp_crf_raw_column(r->crf, TP_RAW_VISIT));
    if (tp_crf_form_rows_repeat(form) && f->col[TP_RAW_LINE] == RAW_NONE)
        return raw_fail(err, TP_E_PARSE, f, hline, RAW_NONE, NULL,
                        "the line column '%s' of a repeating table is missing from the header",
                        tp_crf_raw_column(r->crf, TP_RAW_LINE));
    return TP_OK;
}

static int raw_open_file(struct odm_raw *r, struct raw_file *f, const char *dir,
                         const struct tp_options *opts, bool *missing, struct tp_error *err)
{
    struct tp_dataset *meta = NULL;
    struct tp_strbuf sb;
    int rc;
    *missing = false;
    tp_strbuf_init(&sb);
    if (tp_strbuf_addf(&sb, "%s/%s.csv", dir, tp_crf_form_table(f->form))) {
        tp_strbuf_release(&sb);
        return raw_nomem(err);
    }
    f->path = sb.buf; /* taken */
    {
        FILE *probe = fopen(f->path, "rb");
        if (!probe) {
            *missing = true;
            return TP_OK;
        }
        fclose(probe);
    }
    rc = tp_source_open_file(&f->src, f->path, err);
    if (rc)
        return rc;
    rc = csv_read_open(f->src, opts, &f->csv, &meta, err);
    if (rc) {
        f->csv = NULL;
        return tp_error_set_path(err, f->path) ? err->code : rc;
    }
    f->meta = meta;
    rc = raw_check_header(r, f, err);
    if (rc)
        return rc;
    for (int k = 0; k < 2; k++) {
        f->batch[k] = tp_dataset_clone_meta(f->meta);
        f->lines[k] = tp_malloc(RAW_BATCH * sizeof *f->lines[k]);
        if (!f->batch[k] || !f->lines[k])
            return raw_nomem(err);
    }
    return TP_OK;
}

int odm_raw_open(const struct tp_crf *crf, const char *dir, const char *encoding,
                 bool skip_restricted, struct tp_report *rep, size_t *nwarn, struct odm_raw **out,
                 struct tp_error *err)
{
    struct odm_raw *r = tp_calloc(1, sizeof *r);
    struct tp_options *opts = tp_options_new();
    char delim[2] = {tp_crf_raw_delimiter(crf), '\0'};
    size_t nforms = tp_crf_form_count(crf), totalcols = 0;
    int rc = TP_OK;
    *out = NULL;
    if (!r || !opts) {
        rc = raw_nomem(err);
        goto fail;
    }
    r->crf = crf;
    r->rep = rep;
    r->nwarn = nwarn;
    tp_strbuf_init(&r->arena);
    tp_strbuf_init(&r->cur_site);
    tp_strbuf_init(&r->cur_subject);
    tp_strbuf_init(&r->visit);
    tp_strbuf_init(&r->linekey);
    tp_strbuf_init(&r->peek_site);
    tp_strbuf_init(&r->peek_subject);
    if (tp_options_set(opts, "csv.delimiter", delim) ||
        (encoding && *encoding && tp_options_set(opts, "encoding", encoding))) {
        rc = raw_nomem(err);
        goto fail;
    }
    r->files = tp_calloc(nforms ? nforms : 1, sizeof *r->files);
    r->colno_off = tp_calloc(nforms ? nforms : 1, sizeof *r->colno_off);
    if (!r->files || !r->colno_off) {
        rc = raw_nomem(err);
        goto fail;
    }
    for (size_t i = 0; i < nforms; i++) {
        const struct tp_crf_form *form = tp_crf_form_at(crf, i);
        struct raw_file *f = &r->files[r->nfiles];
        bool missing;
        if (skip_restricted && tp_crf_form_restricted(form))
            continue;
        memset(f, 0, sizeof *f);
        f->form = form;
        tp_strbuf_init(&f->site);
        tp_strbuf_init(&f->subject);
        tp_strbuf_init(&f->last_site);
        tp_strbuf_init(&f->last_subject);
        r->nfiles++;
        rc = raw_open_file(r, f, dir, opts, &missing, err);
        if (rc)
            goto fail;
        if (missing) {
            odm_warn(rep, nwarn, ODM_RULE_RAW, f->path, -1, tp_crf_form_table(form), NULL, -1, NULL,
                     "no raw table for form '%s': its data are left out", tp_crf_form_oid(form));
            raw_file_release(f);
            r->nfiles--;
            continue;
        }
        r->colno_off[r->nfiles - 1] = totalcols;
        totalcols += tp_crf_form_item_count(form);
    }
    r->colnos = tp_malloc((totalcols ? totalcols : 1) * sizeof *r->colnos);
    if (!r->colnos) {
        rc = raw_nomem(err);
        goto fail;
    }
    for (size_t i = 0; i < r->nfiles; i++)
        for (size_t k = 0; k < tp_crf_form_item_count(r->files[i].form); k++)
            r->colnos[r->colno_off[i] + k] = (long)r->files[i].item_col[k] + 1;
    tp_options_free(opts);
    *out = r;
    return TP_OK;
fail:
    tp_options_free(opts);
    odm_raw_close(r);
    return rc;
}

unsigned long long odm_raw_bytes(const struct odm_raw *r)
{
    unsigned long long n = r->bytes_done;
    for (size_t i = 0; i < r->nfiles; i++)
        if (r->files[i].src)
            n += (unsigned long long)tp_source_tell(r->files[i].src);
    return n;
}

/* ------------------------------------------------------------------ reading a table */

/* Read the next batch of f into slot `which` (no rows at the end of the file). */
static int raw_fill(struct odm_raw *r, struct raw_file *f, int which, struct tp_error *err)
{
    size_t n;
    int rc;
    f->nrows[which] = 0;
    if (f->src_done)
        return TP_OK;
    rc = csv_read_batch(f->csv, f->batch[which], RAW_BATCH, err);
    if (rc)
        return tp_error_set_path(err, f->path) ? err->code : rc;
    n = tp_dataset_nrows(f->batch[which]);
    for (size_t i = 0; i < n; i++)
        f->lines[which][i] = csv_read_row_line(f->csv, i);
    f->nrows[which] = n;
    if (n == 0) {
        f->src_done = true;
        r->bytes_done += (unsigned long long)tp_source_tell(f->src);
        csv_read_close(f->csv);
        f->csv = NULL;
        tp_source_close(f->src);
        f->src = NULL;
    }
    return TP_OK;
}

/* Row k (0 = head, 1 = the one after) of f: false when there is none. Peeking may read the next
   batch into the other slot. */
static int raw_row(struct odm_raw *r, struct raw_file *f, int k, const struct tp_dataset **ds,
                   size_t *row, long *line, bool *found, struct tp_error *err)
{
    int rc, other = 1 - f->cur;
    *found = false;
    if (f->pos + (size_t)k < f->nrows[f->cur]) {
        *ds = f->batch[f->cur];
        *row = f->pos + (size_t)k;
        *line = f->lines[f->cur][*row];
        *found = true;
        return TP_OK;
    }
    if (k == 0)
        return TP_OK;
    if (!f->next_loaded) {
        if ((rc = raw_fill(r, f, other, err)))
            return rc;
        f->next_loaded = true;
    }
    if (f->nrows[other] > 0) {
        *ds = f->batch[other];
        *row = 0;
        *line = f->lines[other][0];
        *found = true;
    }
    return TP_OK;
}

/* Move the head to the next row; f->eof at the end. */
static int raw_advance(struct odm_raw *r, struct raw_file *f, struct tp_error *err)
{
    int rc;
    f->have_head = false;
    if (++f->pos < f->nrows[f->cur])
        return TP_OK;
    f->pos = 0;
    if (f->next_loaded) {
        f->cur = 1 - f->cur;
        f->next_loaded = false;
    } else if ((rc = raw_fill(r, f, f->cur, err))) {
        return rc;
    }
    if (f->nrows[f->cur] == 0)
        f->eof = true;
    return TP_OK;
}

/* The cells of a batch row as cell references (into r->cells). */
static int raw_cells_of_row(struct odm_raw *r, const struct raw_file *f,
                            const struct tp_dataset *ds, size_t row, struct tp_error *err)
{
    size_t n = tp_crf_form_item_count(f->form);
    if (tp_grow((void **)&r->cells, &r->capcells, n + 1, sizeof *r->cells))
        return raw_nomem(err);
    for (size_t i = 0; i < n; i++)
        r->cells[i].s = tp_dataset_str(ds, row, f->item_col[i], &r->cells[i].n);
    return TP_OK;
}

/* Set the head row aside until the merge reaches its subject. */
static int raw_stash(struct odm_raw *r, size_t fi, const struct tp_dataset *ds, size_t row,
                     long line, struct tp_error *err)
{
    struct raw_file *f = &r->files[fi];
    size_t n = tp_crf_form_item_count(f->form);
    struct raw_stray *st;
    bool t;
    if (r->nstrays >= RAW_MAX_STRAYS)
        return raw_fail(err, TP_E_PARSE, f, line, f->col[TP_RAW_SUBJECT],
                        tp_crf_raw_column(r->crf, TP_RAW_SUBJECT),
                        "rows are not grouped and sorted by site and subject (more than %d rows "
                        "out of order waiting for their subject)",
                        RAW_MAX_STRAYS);
    if (tp_grow((void **)&r->strays, &r->capstrays, r->nstrays + 1, sizeof *r->strays))
        return raw_nomem(err);
    st = &r->strays[r->nstrays];
    memset(st, 0, sizeof *st);
    r->nstrays++; /* from here on the cleanup path owns it */
    st->file = fi;
    st->line = line;
    st->site = tp_strdup(tp_strbuf_cstr(&f->site));
    st->subject = tp_strdup(tp_strbuf_cstr(&f->subject));
    st->values = tp_calloc(n ? n : 1, sizeof *st->values);
    if (!st->site || !st->subject || !st->values ||
        raw_cell(ds, row, f->col[TP_RAW_VISIT], true, &r->visit, &t) ||
        raw_cell(ds, row, f->col[TP_RAW_LINE], true, &r->linekey, &t) ||
        !(st->visit = tp_strdup(tp_strbuf_cstr(&r->visit))) ||
        !(st->line_key = tp_strdup(tp_strbuf_cstr(&r->linekey))))
        return raw_nomem(err);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *s = tp_dataset_str(ds, row, f->item_col[i], &len);
        if (!(st->values[i] = tp_strndup(s, len)))
            return raw_nomem(err);
    }
    return TP_OK;
}

/*
 * Make sure f has a head row (or is at its end) with its key loaded. A head whose key jumps ahead
 * of the previous row's while the next row's key does not is a stray row: set aside. A head whose
 * key goes back is reported (its subject continues in a further SubjectData).
 */
static int raw_head(struct odm_raw *r, size_t fi, struct tp_error *err)
{
    struct raw_file *f = &r->files[fi];
    int rc;
    for (;;) {
        const struct tp_dataset *ds, *pds;
        size_t row, prow;
        long line, pline;
        bool t1, t2, found;
        int c;
        if (f->eof || f->have_head)
            return TP_OK;
        if (!f->started) {
            f->started = true;
            if ((rc = raw_fill(r, f, f->cur, err)))
                return rc;
            if (f->nrows[f->cur] == 0) {
                f->eof = true;
                return TP_OK;
            }
        }
        if ((rc = raw_row(r, f, 0, &ds, &row, &line, &found, err)))
            return rc;
        if (!found) {
            f->eof = true;
            return TP_OK;
        }
        if (raw_cell(ds, row, f->col[TP_RAW_SITE], true, &f->site, &t1) ||
            raw_cell(ds, row, f->col[TP_RAW_SUBJECT], true, &f->subject, &t2))
            return raw_nomem(err);
        if ((t1 || t2) && !f->trim_warned) {
            f->trim_warned = true;
            odm_warn(r->rep, r->nwarn, ODM_RULE_RAW, f->path, line, tp_crf_form_table(f->form),
                     NULL, -1, NULL,
                     "blanks around a site or subject key removed (first of this file)");
        }
        if (f->subject.len == 0)
            return raw_fail(err, TP_E_PARSE, f, line, f->col[TP_RAW_SUBJECT],
                            tp_crf_raw_column(r->crf, TP_RAW_SUBJECT), "empty subject key");
        if (!f->have_last)
            break;
        c = raw_key_cmp(tp_strbuf_cstr(&f->site), tp_strbuf_cstr(&f->subject),
                        tp_strbuf_cstr(&f->last_site), tp_strbuf_cstr(&f->last_subject));
        if (c > 0) {
            /* a new subject: is it a stray, with the rows after it going back? */
            if ((rc = raw_row(r, f, 1, &pds, &prow, &pline, &found, err)))
                return rc;
            if (!found)
                break;
            if (raw_cell(pds, prow, f->col[TP_RAW_SITE], true, &r->peek_site, &t1) ||
                raw_cell(pds, prow, f->col[TP_RAW_SUBJECT], true, &r->peek_subject, &t2))
                return raw_nomem(err);
            if (raw_key_cmp(tp_strbuf_cstr(&r->peek_site), tp_strbuf_cstr(&r->peek_subject),
                            tp_strbuf_cstr(&f->site), tp_strbuf_cstr(&f->subject)) >= 0 ||
                raw_key_cmp(tp_strbuf_cstr(&r->peek_site), tp_strbuf_cstr(&r->peek_subject),
                            tp_strbuf_cstr(&f->last_site), tp_strbuf_cstr(&f->last_subject)) < 0)
                break;
            odm_warn(r->rep, r->nwarn, ODM_RULE_RAW, f->path, line, tp_crf_form_table(f->form),
                     tp_crf_raw_column(r->crf, TP_RAW_SUBJECT), -1, tp_strbuf_cstr(&f->subject),
                     "row out of site/subject order: '%s' '%s' between rows of '%s' '%s' (an "
                     "orphan or misplaced row?); exported with its own subject",
                     tp_strbuf_cstr(&f->site), tp_strbuf_cstr(&f->subject),
                     tp_strbuf_cstr(&f->last_site), tp_strbuf_cstr(&f->last_subject));
            if ((rc = raw_stash(r, fi, ds, row, line, err)) || (rc = raw_advance(r, f, err)))
                return rc;
            continue;
        }
        if (c < 0) {
            if (++f->inversions > RAW_MAX_INVERSIONS && f->inversions * 20 > f->rows_read)
                return raw_fail(err, TP_E_PARSE, f, line, f->col[TP_RAW_SUBJECT],
                                tp_crf_raw_column(r->crf, TP_RAW_SUBJECT),
                                "rows are not grouped and sorted by site and subject (%llu rows "
                                "out of order; '%s' '%s' comes after '%s' '%s')",
                                f->inversions, tp_strbuf_cstr(&f->site),
                                tp_strbuf_cstr(&f->subject), tp_strbuf_cstr(&f->last_site),
                                tp_strbuf_cstr(&f->last_subject));
            odm_warn(r->rep, r->nwarn, ODM_RULE_RAW, f->path, line, tp_crf_form_table(f->form),
                     tp_crf_raw_column(r->crf, TP_RAW_SUBJECT), -1, tp_strbuf_cstr(&f->subject),
                     "row out of site/subject order: '%s' '%s' after '%s' '%s'; the rows that "
                     "follow go into a further SubjectData",
                     tp_strbuf_cstr(&f->site), tp_strbuf_cstr(&f->subject),
                     tp_strbuf_cstr(&f->last_site), tp_strbuf_cstr(&f->last_subject));
        }
        break;
    }
    f->have_head = true;
    return TP_OK;
}

/* ------------------------------------------------------------------ the current subject */

static int raw_push_off(struct odm_raw *r, size_t off, struct tp_error *err)
{
    if (tp_grow((void **)&r->offs, &r->capoffs, r->noffs + 1, sizeof *r->offs))
        return raw_nomem(err);
    r->offs[r->noffs++] = off;
    return TP_OK;
}

/* Copy bytes into the arena (NUL-terminated); *off receives the offset. */
static int raw_arena_add(struct odm_raw *r, const char *s, size_t n, size_t *off,
                         struct tp_error *err)
{
    *off = r->arena.len;
    if (tp_strbuf_add(&r->arena, s, n) || tp_strbuf_addc(&r->arena, '\0'))
        return raw_nomem(err);
    return TP_OK;
}

/* The event (and repeat key) of a visit code; error with the location when unknown. */
static int raw_event(struct odm_raw *r, struct raw_file *f, long line, const char *code,
                     const struct tp_crf_event **ev, const char **repeat, struct tp_error *err)
{
    const struct tp_crf *crf = r->crf;
    size_t n = strlen(code);
    *ev = NULL;
    *repeat = "";
    if (n == 0) {
        if (f->common) {
            *ev = f->common;
            return TP_OK;
        }
        return raw_fail(
            err, TP_E_PARSE, f, line, f->col[TP_RAW_VISIT], tp_crf_raw_column(crf, TP_RAW_VISIT),
            "empty visit code, and form '%s' belongs to no Common event", tp_crf_form_oid(f->form));
    }
    *ev = tp_crf_event_by_code(crf, code);
    if (*ev) {
        if (tp_crf_event_repeating(*ev))
            *repeat = "1";
        return TP_OK;
    }
    for (size_t i = 0; i < tp_crf_event_count(crf); i++) {
        const struct tp_crf_event *e = tp_crf_event_at(crf, i);
        const char *vc = tp_crf_event_visit_code(e);
        size_t k = strlen(vc);
        const char *p, *q;
        if (!tp_crf_event_repeating(e) || k == 0 || k >= n || strncmp(code, vc, k) != 0)
            continue;
        p = code + k;
        if (*p == '.' || *p == '-' || *p == '_')
            p++;
        if (!*p)
            continue;
        for (q = p; isdigit((unsigned char)*q); q++)
            ;
        if (*q)
            continue;
        while (*p == '0' && p[1])
            p++;
        *ev = e;
        *repeat = p;
        return TP_OK;
    }
    return raw_fail(err, TP_E_PARSE, f, line, f->col[TP_RAW_VISIT],
                    tp_crf_raw_column(crf, TP_RAW_VISIT), "unknown visit code '%s'", code);
}

static size_t raw_form_pos(const struct tp_crf_event *ev, const struct tp_crf_form *form)
{
    size_t n = tp_crf_event_form_count(ev);
    for (size_t i = 0; i < n; i++)
        if (tp_crf_event_form_at(ev, i) == form)
            return i;
    return n + tp_crf_form_index(form);
}

/* Add one row of table fi to the current subject: visit code (trimmed), LIGNE, item cells. */
static int raw_add(struct odm_raw *r, size_t fi, long line, const char *visit, const char *line_key,
                   const struct raw_cellref *cells, struct tp_error *err)
{
    struct raw_file *f = &r->files[fi];
    size_t nitems = tp_crf_form_item_count(f->form);
    const struct tp_crf_event *ev;
    const char *repeat;
    struct raw_tmp *t;
    int rc;
    if ((rc = raw_event(r, f, line, visit, &ev, &repeat, err)))
        return rc;
    if (!tp_crf_event_has_form(ev, f->form) && f->common) {
        /* a log form carries the visit it was recorded at; in ODM it belongs to the Common
           event */
        ev = f->common;
        repeat = tp_crf_event_repeating(ev) ? "1" : "";
    } else if (!tp_crf_event_has_form(ev, f->form)) {
        odm_warn(r->rep, r->nwarn, ODM_RULE_RAW, f->path, line, tp_crf_form_table(f->form),
                 tp_crf_raw_column(r->crf, TP_RAW_VISIT), -1, visit,
                 "form '%s' is not planned at event '%s'; exported there all the same",
                 tp_crf_form_oid(f->form), tp_crf_event_oid(ev));
    }
    if (tp_grow((void **)&r->tmp, &r->captmp, r->ntmp + 1, sizeof *r->tmp))
        return raw_nomem(err);
    t = &r->tmp[r->ntmp];
    memset(t, 0, sizeof *t);
    t->file = fi;
    t->event = ev;
    t->line = line;
    t->seq = r->ntmp;
    t->form_pos = raw_form_pos(ev, f->form);
    if ((rc = raw_arena_add(r, repeat, strlen(repeat), &t->repeat_off, err)))
        return rc;
    if (!tp_crf_form_rows_repeat(f->form))
        line_key = "";
    if ((rc = raw_arena_add(r, line_key, strlen(line_key), &t->line_off, err)))
        return rc;
    t->vals_off = r->noffs;
    for (size_t i = 0; i < nitems; i++) {
        size_t off;
        if ((rc = raw_arena_add(r, cells[i].s, cells[i].n, &off, err)) ||
            (rc = raw_push_off(r, off, err)))
            return rc;
    }
    r->ntmp++;
    return TP_OK;
}

/* Take every row of file fi whose key is the current subject. */
static int raw_take_rows(struct odm_raw *r, size_t fi, struct tp_error *err)
{
    struct raw_file *f = &r->files[fi];
    int rc;
    while (!f->eof && f->have_head &&
           raw_key_cmp(tp_strbuf_cstr(&f->site), tp_strbuf_cstr(&f->subject),
                       tp_strbuf_cstr(&r->cur_site), tp_strbuf_cstr(&r->cur_subject)) == 0) {
        const struct tp_dataset *ds = NULL;
        size_t row = 0;
        long line = -1;
        bool found = false, t;
        if ((rc = raw_row(r, f, 0, &ds, &row, &line, &found, err)))
            return rc;
        if (!found)
            return tp_fail(err, TP_E_INTERNAL, "raw table '%s' lost its head row", f->path);
        if (raw_cell(ds, row, f->col[TP_RAW_VISIT], true, &r->visit, &t) ||
            raw_cell(ds, row, f->col[TP_RAW_LINE], true, &r->linekey, &t))
            return raw_nomem(err);
        if ((rc = raw_cells_of_row(r, f, ds, row, err)) ||
            (rc = raw_add(r, fi, line, tp_strbuf_cstr(&r->visit), tp_strbuf_cstr(&r->linekey),
                          r->cells, err)))
            return rc;
        f->rows_read++;
        /* the key of this row is the last one; advance to the next head */
        tp_strbuf_reset(&f->last_site);
        tp_strbuf_reset(&f->last_subject);
        if (tp_strbuf_adds(&f->last_site, tp_strbuf_cstr(&f->site)) ||
            tp_strbuf_adds(&f->last_subject, tp_strbuf_cstr(&f->subject)))
            return raw_nomem(err);
        f->have_last = true;
        if ((rc = raw_advance(r, f, err)) || (rc = raw_head(r, fi, err)))
            return rc;
    }
    return TP_OK;
}

/* Take the rows set aside for the current subject, in the order they were set aside. */
static int raw_take_strays(struct odm_raw *r, struct tp_error *err)
{
    size_t kept = 0;
    int rc = TP_OK;
    for (size_t i = 0; i < r->nstrays; i++) {
        struct raw_stray *st = &r->strays[i];
        size_t n = tp_crf_form_item_count(r->files[st->file].form);
        if (rc || raw_key_cmp(st->site, st->subject, tp_strbuf_cstr(&r->cur_site),
                              tp_strbuf_cstr(&r->cur_subject)) != 0) {
            r->strays[kept++] = *st;
            continue;
        }
        if (tp_grow((void **)&r->cells, &r->capcells, n + 1, sizeof *r->cells)) {
            rc = raw_nomem(err);
        } else {
            for (size_t k = 0; k < n; k++) {
                r->cells[k].s = st->values[k];
                r->cells[k].n = strlen(st->values[k]);
            }
            rc = raw_add(r, st->file, st->line, st->visit, st->line_key, r->cells, err);
        }
        for (size_t k = 0; k < n; k++)
            tp_free(st->values[k]);
        tp_free(st->values);
        tp_free(st->site);
        tp_free(st->subject);
        tp_free(st->visit);
        tp_free(st->line_key);
    }
    r->nstrays = kept;
    return rc;
}

/* Sort keys kept beside the public rows. */
struct raw_sortrow {
    struct odm_raw_row row;
    size_t event_index, form_pos;
};

/* Event order, repeat key, the form's place in the event, then the order read. */
static int raw_sort_cmp(const void *a, const void *b)
{
    const struct raw_sortrow *x = a, *y = b;
    int c;
    if (x->event_index != y->event_index)
        return x->event_index < y->event_index ? -1 : 1;
    c = odm_natural_cmp(x->row.event_repeat, y->row.event_repeat);
    if (c)
        return c;
    if (x->form_pos != y->form_pos)
        return x->form_pos < y->form_pos ? -1 : 1;
    if (x->row.seq != y->row.seq)
        return x->row.seq < y->row.seq ? -1 : 1;
    return 0;
}

int odm_raw_next_subject(struct odm_raw *r, const struct odm_raw_subject **sub, bool *more,
                         struct tp_error *err)
{
    const char *best_site = NULL, *best_subject = NULL;
    struct raw_sortrow *sr;
    int rc;
    *sub = NULL;
    *more = false;
    for (size_t i = 0; i < r->nfiles; i++) {
        struct raw_file *f = &r->files[i];
        if ((rc = raw_head(r, i, err)))
            return rc;
        if (f->eof)
            continue;
        if (!best_site || raw_key_cmp(tp_strbuf_cstr(&f->site), tp_strbuf_cstr(&f->subject),
                                      best_site, best_subject) < 0) {
            best_site = tp_strbuf_cstr(&f->site);
            best_subject = tp_strbuf_cstr(&f->subject);
        }
    }
    for (size_t i = 0; i < r->nstrays; i++)
        if (!best_site ||
            raw_key_cmp(r->strays[i].site, r->strays[i].subject, best_site, best_subject) < 0) {
            best_site = r->strays[i].site;
            best_subject = r->strays[i].subject;
        }
    if (!best_site)
        return TP_OK;
    tp_strbuf_reset(&r->cur_site);
    tp_strbuf_reset(&r->cur_subject);
    if (tp_strbuf_adds(&r->cur_site, best_site) || tp_strbuf_adds(&r->cur_subject, best_subject))
        return raw_nomem(err);
    tp_strbuf_reset(&r->arena);
    r->noffs = 0;
    r->ntmp = 0;
    for (size_t i = 0; i < r->nfiles; i++)
        if ((rc = raw_take_rows(r, i, err)))
            return rc;
    if ((rc = raw_take_strays(r, err)))
        return rc;
    /* resolve offsets now that the arena no longer moves */
    if (tp_grow((void **)&r->ptrs, &r->capptrs, r->noffs + 1, sizeof *r->ptrs))
        return raw_nomem(err);
    for (size_t i = 0; i < r->noffs; i++)
        r->ptrs[i] = r->arena.buf + r->offs[i];
    if (tp_grow((void **)&r->srows, &r->capsrows, r->ntmp + 1, sizeof *r->srows) ||
        tp_grow((void **)&r->rows, &r->caprows, r->ntmp + 1, sizeof *r->rows))
        return raw_nomem(err);
    sr = r->srows;
    for (size_t i = 0; i < r->ntmp; i++) {
        const struct raw_tmp *t = &r->tmp[i];
        const struct raw_file *f = &r->files[t->file];
        struct odm_raw_row *row = &sr[i].row;
        row->form = f->form;
        row->event = t->event;
        row->event_repeat = r->arena.buf + t->repeat_off;
        row->line_key = r->arena.buf + t->line_off;
        row->path = f->path;
        row->line = t->line;
        row->values = r->ptrs + t->vals_off;
        row->cols = r->colnos + r->colno_off[t->file];
        row->seq = t->seq;
        sr[i].form_pos = t->form_pos;
        sr[i].event_index = tp_crf_event_index(t->event);
    }
    qsort(sr, r->ntmp, sizeof *sr, raw_sort_cmp);
    /* the public array, sort keys dropped */
    for (size_t i = 0; i < r->ntmp; i++)
        r->rows[i] = sr[i].row;
    r->sub.site = tp_strbuf_cstr(&r->cur_site);
    r->sub.subject = tp_strbuf_cstr(&r->cur_subject);
    r->sub.rows = r->rows;
    r->sub.nrows = r->ntmp;
    *sub = &r->sub;
    *more = true;
    return TP_OK;
}
