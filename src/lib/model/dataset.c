/*
 * Columnar dataset storage (see include/trialpack/dataset.h).
 * Numeric columns: double values + one missing-kind byte per cell. Character columns: one arena per
 * column holding every value NUL-terminated, with an offset and a length per cell, so that appending
 * a row never moves other columns and a batch can be cleared in O(columns).
 */
#include "internal.h"
#include "dataset_bulk.h"
#include "trialpack/dataset.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct tp_column {
    struct tp_var var;
    double *num;
    char *miss;
    size_t *off;
    size_t *len;
    char *arena;
    size_t arena_len, arena_cap;
};

struct tp_attr {
    char *key, *value;
};

struct tp_dataset {
    char *name, *label;
    struct tp_attr *attrs;
    size_t nattrs, attrs_cap;
    struct tp_column *cols;
    size_t ncols, cols_cap;
    size_t nrows, rows_cap;
};

struct tp_dataset *tp_dataset_new(const char *name, const char *label)
{
    struct tp_dataset *ds = tp_calloc(1, sizeof *ds);
    if (!ds)
        return NULL;
    if (tp_dataset_set_name(ds, name) || tp_dataset_set_label(ds, label)) {
        tp_dataset_free(ds);
        return NULL;
    }
    return ds;
}

static void var_release(struct tp_var *v)
{
    tp_free(v->name);
    tp_free(v->label);
    tp_free(v->format);
    tp_free(v->informat);
    tp_free(v->item_oid);
    tp_free(v->data_type);
    tp_free(v->target_data_type);
    tp_free(v->display_format);
    memset(v, 0, sizeof *v);
}

static int var_copy(struct tp_var *dst, const struct tp_var *src)
{
    *dst = *src;
    dst->name = tp_strdup(src->name ? src->name : "");
    dst->label = tp_strdup(src->label ? src->label : "");
    dst->format = tp_strdup(src->format);
    dst->informat = tp_strdup(src->informat);
    dst->item_oid = tp_strdup(src->item_oid);
    dst->data_type = tp_strdup(src->data_type);
    dst->target_data_type = tp_strdup(src->target_data_type);
    dst->display_format = tp_strdup(src->display_format);
    if (!dst->name || !dst->label || (src->format && !dst->format) ||
        (src->informat && !dst->informat) || (src->item_oid && !dst->item_oid) ||
        (src->data_type && !dst->data_type) ||
        (src->target_data_type && !dst->target_data_type) ||
        (src->display_format && !dst->display_format)) {
        var_release(dst);
        return TP_E_NOMEM;
    }
    return TP_OK;
}

void tp_dataset_free(struct tp_dataset *ds)
{
    if (!ds)
        return;
    for (size_t i = 0; i < ds->ncols; i++) {
        struct tp_column *c = &ds->cols[i];
        var_release(&c->var);
        tp_free(c->num);
        tp_free(c->miss);
        tp_free(c->off);
        tp_free(c->len);
        tp_free(c->arena);
    }
    for (size_t i = 0; i < ds->nattrs; i++) {
        tp_free(ds->attrs[i].key);
        tp_free(ds->attrs[i].value);
    }
    tp_free(ds->attrs);
    tp_free(ds->cols);
    tp_free(ds->name);
    tp_free(ds->label);
    tp_free(ds);
}

struct tp_dataset *tp_dataset_clone_meta(const struct tp_dataset *src)
{
    struct tp_dataset *ds = tp_dataset_new(src->name, src->label);
    if (!ds)
        return NULL;
    for (size_t i = 0; i < src->nattrs; i++)
        if (tp_dataset_set_attr(ds, src->attrs[i].key, src->attrs[i].value))
            goto fail;
    for (size_t i = 0; i < src->ncols; i++)
        if (tp_dataset_add_var(ds, &src->cols[i].var, NULL))
            goto fail;
    return ds;
fail:
    tp_dataset_free(ds);
    return NULL;
}

const char *tp_dataset_name(const struct tp_dataset *ds)
{
    return ds->name;
}

const char *tp_dataset_label(const struct tp_dataset *ds)
{
    return ds->label;
}

int tp_var_set_str(char **field, const char *value)
{
    char *c = NULL;
    if (value) {
        c = tp_strdup(value);
        if (!c)
            return TP_E_NOMEM;
    }
    tp_free(*field);
    *field = c;
    return TP_OK;
}

int tp_dataset_set_name(struct tp_dataset *ds, const char *name)
{
    return tp_var_set_str(&ds->name, name ? name : "");
}

int tp_dataset_set_label(struct tp_dataset *ds, const char *label)
{
    return tp_var_set_str(&ds->label, label ? label : "");
}

int tp_dataset_set_attr(struct tp_dataset *ds, const char *key, const char *value)
{
    for (size_t i = 0; i < ds->nattrs; i++)
        if (strcmp(ds->attrs[i].key, key) == 0)
            return tp_var_set_str(&ds->attrs[i].value, value ? value : "");
    if (tp_grow((void **)&ds->attrs, &ds->attrs_cap, ds->nattrs + 1, sizeof *ds->attrs))
        return TP_E_NOMEM;
    ds->attrs[ds->nattrs].key = tp_strdup(key);
    ds->attrs[ds->nattrs].value = tp_strdup(value ? value : "");
    if (!ds->attrs[ds->nattrs].key || !ds->attrs[ds->nattrs].value) {
        tp_free(ds->attrs[ds->nattrs].key);
        tp_free(ds->attrs[ds->nattrs].value);
        return TP_E_NOMEM;
    }
    ds->nattrs++;
    return TP_OK;
}

const char *tp_dataset_attr(const struct tp_dataset *ds, const char *key)
{
    for (size_t i = 0; i < ds->nattrs; i++)
        if (strcmp(ds->attrs[i].key, key) == 0)
            return ds->attrs[i].value;
    return NULL;
}

size_t tp_dataset_nattrs(const struct tp_dataset *ds)
{
    return ds->nattrs;
}

void tp_dataset_attr_at(const struct tp_dataset *ds, size_t i, const char **key, const char **value)
{
    *key = ds->attrs[i].key;
    *value = ds->attrs[i].value;
}

long tp_dataset_find_var(const struct tp_dataset *ds, const char *name)
{
    for (size_t i = 0; i < ds->ncols; i++)
        if (strcasecmp(ds->cols[i].var.name, name) == 0)
            return (long)i;
    return -1;
}

static int column_reserve(struct tp_column *c, size_t rows)
{
    if (c->var.type == TP_NUM) {
        double *n = tp_reallocarray(c->num, rows, sizeof *n);
        char *m;
        if (!n)
            return TP_E_NOMEM;
        c->num = n;
        m = tp_realloc(c->miss, rows);
        if (!m)
            return TP_E_NOMEM;
        c->miss = m;
    } else {
        size_t *o = tp_reallocarray(c->off, rows, sizeof *o);
        size_t *l;
        if (!o)
            return TP_E_NOMEM;
        c->off = o;
        l = tp_reallocarray(c->len, rows, sizeof *l);
        if (!l)
            return TP_E_NOMEM;
        c->len = l;
    }
    return TP_OK;
}

int tp_dataset_add_var(struct tp_dataset *ds, const struct tp_var *v, struct tp_error *err)
{
    struct tp_column *c;
    if (!v->name || !*v->name)
        return tp_fail(err, TP_E_USAGE, "variable without a name");
    if (v->type != TP_NUM && v->type != TP_CHAR)
        return tp_fail(err, TP_E_USAGE, "variable '%s' has no type", v->name);
    if (tp_dataset_find_var(ds, v->name) >= 0)
        return tp_fail(err, TP_E_USAGE, "duplicate variable '%s'", v->name);
    if (tp_grow((void **)&ds->cols, &ds->cols_cap, ds->ncols + 1, sizeof *ds->cols))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    c = &ds->cols[ds->ncols];
    memset(c, 0, sizeof *c);
    if (var_copy(&c->var, v))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (ds->rows_cap && column_reserve(c, ds->rows_cap)) {
        var_release(&c->var);
        tp_free(c->num);
        tp_free(c->miss);
        tp_free(c->off);
        tp_free(c->len);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    /* existing rows get missing cells */
    for (size_t r = 0; r < ds->nrows; r++) {
        if (c->var.type == TP_NUM) {
            c->num[r] = 0;
            c->miss[r] = TP_MISSING;
        } else {
            c->off[r] = 0;
            c->len[r] = 0;
        }
    }
    ds->ncols++;
    return TP_OK;
}

size_t tp_dataset_nvars(const struct tp_dataset *ds)
{
    return ds->ncols;
}

const struct tp_var *tp_dataset_var(const struct tp_dataset *ds, size_t i)
{
    return i < ds->ncols ? &ds->cols[i].var : NULL;
}

struct tp_var *tp_dataset_var_mut(struct tp_dataset *ds, size_t i)
{
    return i < ds->ncols ? &ds->cols[i].var : NULL;
}

size_t tp_dataset_nrows(const struct tp_dataset *ds)
{
    return ds->nrows;
}

/* Room for n more rows in every column (the rows are not added). */
static int dataset_reserve_rows(struct tp_dataset *ds, size_t n, struct tp_error *err)
{
    size_t need = ds->nrows + n;
    if (need < ds->nrows)
        return tp_fail(err, TP_E_NOMEM, "too many rows");
    if (need > ds->rows_cap) {
        size_t cap = ds->rows_cap ? ds->rows_cap : 64;
        while (cap < need) {
            if (cap > SIZE_MAX / 2)
                return tp_fail(err, TP_E_NOMEM, "too many rows");
            cap *= 2;
        }
        for (size_t i = 0; i < ds->ncols; i++)
            if (column_reserve(&ds->cols[i], cap))
                return tp_fail(err, TP_E_NOMEM, "out of memory for %zu rows", cap);
        ds->rows_cap = cap;
    }
    return TP_OK;
}

int tp_dataset_add_rows(struct tp_dataset *ds, size_t n, size_t *first, struct tp_error *err)
{
    int rc = dataset_reserve_rows(ds, n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < ds->ncols; i++) {
        struct tp_column *c = &ds->cols[i];
        if (c->var.type == TP_NUM) {
            memset(c->num + ds->nrows, 0, n * sizeof *c->num);
            memset(c->miss + ds->nrows, TP_MISSING, n);
        } else {
            memset(c->off + ds->nrows, 0, n * sizeof *c->off);
            memset(c->len + ds->nrows, 0, n * sizeof *c->len);
        }
    }
    if (first)
        *first = ds->nrows;
    ds->nrows += n;
    return TP_OK;
}

int tp_dataset_add_rows_unset(struct tp_dataset *ds, size_t n, size_t *first,
                              struct tp_error *err)
{
    int rc = dataset_reserve_rows(ds, n, err);
    if (rc)
        return rc;
    if (first)
        *first = ds->nrows;
    ds->nrows += n;
    return TP_OK;
}

void tp_dataset_clear_rows(struct tp_dataset *ds)
{
    ds->nrows = 0;
    for (size_t i = 0; i < ds->ncols; i++)
        ds->cols[i].arena_len = 0;
}

double tp_dataset_num(const struct tp_dataset *ds, size_t row, size_t var, char *missing)
{
    const struct tp_column *c = &ds->cols[var];
    if (c->var.type != TP_NUM) {
        if (missing)
            *missing = TP_MISSING;
        return 0;
    }
    if (missing)
        *missing = c->miss[row];
    return c->num[row];
}

int tp_dataset_set_num(struct tp_dataset *ds, size_t row, size_t var, double value, char missing)
{
    struct tp_column *c = &ds->cols[var];
    if (c->var.type != TP_NUM || row >= ds->nrows)
        return TP_E_INTERNAL;
    c->num[row] = missing ? 0 : value;
    c->miss[row] = missing;
    return TP_OK;
}

static const char tp_empty_str[1] = "";

const char *tp_dataset_str(const struct tp_dataset *ds, size_t row, size_t var, size_t *len)
{
    const struct tp_column *c = &ds->cols[var];
    if (c->var.type != TP_CHAR || c->len[row] == 0) {
        if (len)
            *len = 0;
        return tp_empty_str;
    }
    if (len)
        *len = c->len[row];
    return c->arena + c->off[row];
}

int tp_dataset_set_str(struct tp_dataset *ds, size_t row, size_t var, const char *s, size_t len)
{
    struct tp_column *c = &ds->cols[var];
    if (c->var.type != TP_CHAR || row >= ds->nrows)
        return TP_E_INTERNAL;
    if (len == 0) {
        c->off[row] = 0;
        c->len[row] = 0;
        return TP_OK;
    }
    if (len > SIZE_MAX - c->arena_len - 1 - TP_DATASET_ARENA_PAD)
        return TP_E_NOMEM;
    if (tp_grow((void **)&c->arena, &c->arena_cap, c->arena_len + len + 1 + TP_DATASET_ARENA_PAD,
                1))
        return TP_E_NOMEM;
    memcpy(c->arena + c->arena_len, s, len);
    c->arena[c->arena_len + len] = '\0';
    c->off[row] = c->arena_len;
    c->len[row] = len;
    c->arena_len += len + 1;
    return TP_OK;
}

/* ---- column-at-a-time access (dataset_bulk.h) ---- */

void tp_dataset_num_view(const struct tp_dataset *ds, size_t var, const double **num,
                         const char **miss)
{
    *num = ds->cols[var].num;
    *miss = ds->cols[var].miss;
}

void tp_dataset_num_arrays(struct tp_dataset *ds, size_t var, double **num, char **miss)
{
    *num = ds->cols[var].num;
    *miss = ds->cols[var].miss;
}

void tp_dataset_str_view(const struct tp_dataset *ds, size_t var, const char **arena,
                         const size_t **off, const size_t **len)
{
    *arena = ds->cols[var].arena;
    *off = ds->cols[var].off;
    *len = ds->cols[var].len;
}

int tp_dataset_set_strs(struct tp_dataset *ds, size_t var, size_t row0, size_t n,
                        const struct tp_span *v, size_t stride, unsigned flags)
{
    struct tp_column *c = &ds->cols[var];
    size_t bytes = 0, at;
    if (c->var.type != TP_CHAR || row0 > ds->nrows || n > ds->nrows - row0)
        return TP_E_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        size_t k = v[i * stride].n;
        if (k && k + 1 > SIZE_MAX - bytes)
            return TP_E_NOMEM;
        bytes += k ? k + 1 : 0;
    }
    if (bytes > SIZE_MAX - c->arena_len - TP_DATASET_ARENA_PAD ||
        tp_grow((void **)&c->arena, &c->arena_cap, c->arena_len + bytes + TP_DATASET_ARENA_PAD,
                1))
        return TP_E_NOMEM;
    at = c->arena_len;
    for (size_t i = 0; i < n; i++) {
        const struct tp_span *e = &v[i * stride];
        c->len[row0 + i] = e->n;
        if (e->n == 0) {
            c->off[row0 + i] = 0;
            continue;
        }
        if (flags & TP_SPANS_PADDED) {
            /* short values: whole words, no library call; the last word may copy up to 7 bytes
               past the value, which the NUL and the next value (or TP_DATASET_ARENA_PAD) cover */
            for (size_t k = 0; k < e->n; k += 8)
                memcpy(c->arena + at + k, e->p + k, 8);
        } else {
            memcpy(c->arena + at, e->p, e->n);
        }
        c->arena[at + e->n] = '\0';
        c->off[row0 + i] = at;
        at += e->n + 1;
    }
    c->arena_len = at;
    return TP_OK;
}

int tp_dataset_append(struct tp_dataset *dst, const struct tp_dataset *src, struct tp_error *err)
{
    size_t first;
    int rc;
    if (dst->ncols != src->ncols)
        return tp_fail(err, TP_E_INTERNAL, "append: variable lists differ");
    rc = tp_dataset_add_rows(dst, src->nrows, &first, err);
    if (rc)
        return rc;
    for (size_t v = 0; v < src->ncols; v++) {
        const struct tp_column *s = &src->cols[v];
        if (s->var.type != dst->cols[v].var.type)
            return tp_fail(err, TP_E_INTERNAL, "append: types differ");
        for (size_t r = 0; r < src->nrows; r++) {
            if (s->var.type == TP_NUM) {
                dst->cols[v].num[first + r] = s->num[r];
                dst->cols[v].miss[first + r] = s->miss[r];
            } else if (s->len[r] &&
                       tp_dataset_set_str(dst, first + r, v, s->arena + s->off[r], s->len[r])) {
                return tp_fail(err, TP_E_NOMEM, "out of memory");
            }
        }
    }
    return TP_OK;
}

void tp_var_format_text(const struct tp_var *v, bool informat, char *buf, size_t size)
{
    const char *name = informat ? v->informat : v->format;
    int w = informat ? v->informat_width : v->format_width;
    int d = informat ? v->informat_decimals : v->format_decimals;
    size_t n;
    if ((!name || !*name) && w == 0 && d == 0) {
        if (size)
            buf[0] = '\0';
        return;
    }
    n = (size_t)snprintf(buf, size, "%s", name ? name : "");
    if (n < size && w > 0)
        n += (size_t)snprintf(buf + n, size - n, "%d", w);
    if (n < size)
        n += (size_t)snprintf(buf + n, size - n, ".");
    if (n < size && d > 0)
        snprintf(buf + n, size - n, "%d", d);
}

int tp_var_parse_format(struct tp_var *v, bool informat, const char *text, struct tp_error *err)
{
    /* grammar: [$]NAME? WIDTH? . DECIMALS?   (NAME letters/underscore, may end in digits only
       when a '.' follows: SAS format names cannot end in a digit) */
    const char *p = text, *name_end;
    char name[33];
    long w = 0, d = 0;
    size_t nlen;
    while (*p == ' ')
        p++;
    if (*p == '\0') {
        tp_var_set_str(informat ? &v->informat : &v->format, NULL);
        if (informat)
            v->informat_width = v->informat_decimals = 0;
        else
            v->format_width = v->format_decimals = 0;
        return TP_OK;
    }
    /* SAS format names cannot end in a digit: the trailing digits of the run are the width */
    name_end = p;
    if (*name_end == '$')
        name_end++;
    {
        const char *run_end = name_end;
        while (isalnum((unsigned char)*run_end) || *run_end == '_')
            run_end++;
        while (run_end > name_end && isdigit((unsigned char)run_end[-1]))
            run_end--;
        name_end = run_end;
    }
    nlen = (size_t)(name_end - p);
    if (nlen >= sizeof name)
        return tp_fail(err, TP_E_PARSE, "format name too long in '%s'", text);
    memcpy(name, p, nlen);
    name[nlen] = '\0';
    p = name_end;
    while (isdigit((unsigned char)*p) && w < 100000)
        w = w * 10 + (*p++ - '0');
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p) && d < 100000)
            d = d * 10 + (*p++ - '0');
    }
    while (*p == ' ')
        p++;
    if (*p != '\0' || w > 32767 || d > 32767)
        return tp_fail(err, TP_E_PARSE, "invalid SAS format '%s'", text);
    for (char *q = name; *q; q++)
        *q = (char)toupper((unsigned char)*q);
    if (tp_var_set_str(informat ? &v->informat : &v->format, nlen ? name : NULL))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (informat) {
        v->informat_width = (int)w;
        v->informat_decimals = (int)d;
    } else {
        v->format_width = (int)w;
        v->format_decimals = (int)d;
    }
    return TP_OK;
}
