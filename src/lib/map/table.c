/*
 * Output tables of the mapping engine: columnar, append-only arenas for character cells (an
 * overwritten cell just points at its new bytes), doubles plus a missing flag for numbers, and
 * per-row provenance (subject, raw form and row) for the reconciliation. Sorting builds one
 * permutation and gathers every column through it.
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int otab_init(struct otab *t, const char *name, const char *label, size_t ncols,
              const char *const *names, const bool *num)
{
    memset(t, 0, sizeof *t);
    t->ds = -1;
    t->name = tp_strdup(name);
    t->label = tp_strdup(label ? label : "");
    t->names = tp_calloc(ncols ? ncols : 1, sizeof *t->names);
    t->cols = tp_calloc(ncols ? ncols : 1, sizeof *t->cols);
    if (!t->name || !t->label || !t->names || !t->cols)
        return TP_E_NOMEM;
    t->ncols = ncols;
    for (size_t i = 0; i < ncols; i++) {
        if (!(t->names[i] = tp_strdup(names[i])))
            return TP_E_NOMEM;
        t->cols[i].num = num[i];
    }
    return TP_OK;
}

void otab_release(struct otab *t)
{
    for (size_t i = 0; i < t->ncols; i++) {
        struct ocol *c = &t->cols[i];
        tp_free(t->names ? t->names[i] : NULL);
        tp_free(c->d);
        tp_free(c->miss);
        tp_free(c->len);
        tp_free(c->off);
        tp_free(c->arena);
    }
    tp_free(t->names);
    tp_free(t->cols);
    tp_free(t->subj);
    tp_free(t->src_form);
    tp_free(t->src_row);
    tp_free(t->seq_src);
    tp_free(t->flag);
    tp_free(t->name);
    tp_free(t->label);
    memset(t, 0, sizeof *t);
}

static int otab_reserve(struct otab *t, size_t need)
{
    size_t cap = t->cap;
    if (need <= cap)
        return TP_OK;
    cap = cap ? cap * 2 : 64;
    while (cap < need)
        cap *= 2;
    for (size_t i = 0; i < t->ncols; i++) {
        struct ocol *c = &t->cols[i];
        if (c->num) {
            double *d = tp_reallocarray(c->d, cap, sizeof *d);
            char *m;
            if (!d)
                return TP_E_NOMEM;
            c->d = d;
            if (!(m = tp_reallocarray(c->miss, cap, 1)))
                return TP_E_NOMEM;
            c->miss = m;
        } else {
            uint32_t *l = tp_reallocarray(c->len, cap, sizeof *l);
            size_t *o;
            if (!l)
                return TP_E_NOMEM;
            c->len = l;
            if (!(o = tp_reallocarray(c->off, cap, sizeof *o)))
                return TP_E_NOMEM;
            c->off = o;
        }
    }
    {
        long *s = tp_reallocarray(t->subj, cap, sizeof *s), *f, *q;
        size_t *r;
        if (!s)
            return TP_E_NOMEM;
        t->subj = s;
        if (!(f = tp_reallocarray(t->src_form, cap, sizeof *f)))
            return TP_E_NOMEM;
        t->src_form = f;
        if (!(r = tp_reallocarray(t->src_row, cap, sizeof *r)))
            return TP_E_NOMEM;
        t->src_row = r;
        if (!(q = tp_reallocarray(t->seq_src, cap, sizeof *q)))
            return TP_E_NOMEM;
        t->seq_src = q;
        {
            unsigned char *fl = tp_reallocarray(t->flag, cap, 1);
            if (!fl)
                return TP_E_NOMEM;
            t->flag = fl;
        }
    }
    t->cap = cap;
    return TP_OK;
}

int otab_add_row(struct otab *t, size_t *row)
{
    size_t r = t->nrows;
    if (otab_reserve(t, r + 1))
        return TP_E_NOMEM;
    for (size_t i = 0; i < t->ncols; i++) {
        struct ocol *c = &t->cols[i];
        if (c->num) {
            c->d[r] = 0;
            c->miss[r] = TP_MISSING;
        } else {
            c->len[r] = 0;
            c->off[r] = 0;
        }
    }
    t->subj[r] = -1;
    t->src_form[r] = -1;
    t->src_row[r] = 0;
    t->seq_src[r] = -1;
    t->flag[r] = 0;
    t->nrows++;
    *row = r;
    return TP_OK;
}

int otab_set_str(struct otab *t, size_t row, size_t col, const char *s, size_t n)
{
    struct ocol *c = &t->cols[col];
    if (c->num) {
        double d;
        char buf[64];
        if (n == 0 || n >= sizeof buf) {
            c->miss[row] = TP_MISSING;
            return TP_OK;
        }
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (!tp_parse_double(buf, n, &d)) {
            c->miss[row] = TP_MISSING;
            return TP_E_PARSE;
        }
        c->d[row] = d;
        c->miss[row] = TP_PRESENT;
        return TP_OK;
    }
    if (n == 0) {
        c->len[row] = 0;
        return TP_OK;
    }
    if (n > UINT32_MAX)
        return TP_E_LIMIT;
    if (c->alen + n + 1 > c->acap) {
        size_t cap = c->acap ? c->acap : 1024;
        char *a;
        while (cap < c->alen + n + 1)
            cap *= 2;
        if (!(a = tp_realloc(c->arena, cap)))
            return TP_E_NOMEM;
        c->arena = a;
        c->acap = cap;
    }
    memcpy(c->arena + c->alen, s, n);
    c->arena[c->alen + n] = '\0';
    c->off[row] = c->alen;
    c->len[row] = (uint32_t)n;
    c->alen += n + 1;
    return TP_OK;
}

int otab_set_num(struct otab *t, size_t row, size_t col, double v)
{
    struct ocol *c = &t->cols[col];
    if (!c->num) {
        char buf[40];
        size_t n = tp_format_double(v, buf, sizeof buf);
        return otab_set_str(t, row, col, buf, n);
    }
    c->d[row] = v;
    c->miss[row] = TP_PRESENT;
    return TP_OK;
}

void otab_set_null(struct otab *t, size_t row, size_t col)
{
    struct ocol *c = &t->cols[col];
    if (c->num)
        c->miss[row] = TP_MISSING;
    else
        c->len[row] = 0;
}

const char *otab_str(const struct otab *t, size_t row, size_t col, size_t *n)
{
    const struct ocol *c = &t->cols[col];
    if (c->num) {
        *n = 0;
        return "";
    }
    *n = c->len[row];
    return *n ? c->arena + c->off[row] : "";
}

bool otab_num(const struct otab *t, size_t row, size_t col, double *v)
{
    const struct ocol *c = &t->cols[col];
    if (!c->num || c->miss[row] != TP_PRESENT)
        return false;
    *v = c->d[row];
    return true;
}

long otab_col(const struct otab *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcasecmp(t->names[i], name) == 0)
            return (long)i;
    return -1;
}

/* qsort_r is a GNU extension; use a file-level context (sorting is single-threaded). */
static const struct otab *sort_tab;
static const size_t *sort_cols;
static size_t sort_ncols;

static int otab_cmp(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    for (size_t k = 0; k < sort_ncols; k++) {
        const struct ocol *c = &sort_tab->cols[sort_cols[k]];
        if (c->num) {
            bool ma = c->miss[a] != TP_PRESENT, mb = c->miss[b] != TP_PRESENT;
            if (ma != mb)
                return ma ? -1 : 1; /* missing sorts first, as in SAS */
            if (!ma && c->d[a] != c->d[b])
                return c->d[a] < c->d[b] ? -1 : 1;
        } else {
            size_t la = c->len[a], lb = c->len[b];
            int r = (la && lb) ? memcmp(c->arena + c->off[a], c->arena + c->off[b],
                                        la < lb ? la : lb)
                               : 0;
            if (r)
                return r;
            if (la != lb)
                return la < lb ? -1 : 1;
        }
    }
    return a < b ? -1 : a > b ? 1 : 0; /* stable */
}

int otab_sort(struct otab *t, const size_t *cols, size_t ncols, size_t **newpos)
{
    size_t n = t->nrows, *perm;
    if (newpos)
        *newpos = NULL;
    if (n < 2)
        return TP_OK;
    if (!(perm = tp_calloc(n, sizeof *perm)))
        return TP_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    sort_tab = t;
    sort_cols = cols;
    sort_ncols = ncols;
    qsort(perm, n, sizeof *perm, otab_cmp);
    sort_tab = NULL;
    /* gather */
    for (size_t i = 0; i < t->ncols; i++) {
        struct ocol *c = &t->cols[i];
        if (c->num) {
            double *d = tp_calloc(n, sizeof *d);
            char *m = tp_calloc(n, 1);
            if (!d || !m) {
                tp_free(d);
                tp_free(m);
                tp_free(perm);
                return TP_E_NOMEM;
            }
            for (size_t r = 0; r < n; r++) {
                d[r] = c->d[perm[r]];
                m[r] = c->miss[perm[r]];
            }
            memcpy(c->d, d, n * sizeof *d);
            memcpy(c->miss, m, n);
            tp_free(d);
            tp_free(m);
        } else {
            uint32_t *l = tp_calloc(n, sizeof *l);
            size_t *o = tp_calloc(n, sizeof *o);
            if (!l || !o) {
                tp_free(l);
                tp_free(o);
                tp_free(perm);
                return TP_E_NOMEM;
            }
            for (size_t r = 0; r < n; r++) {
                l[r] = c->len[perm[r]];
                o[r] = c->off[perm[r]];
            }
            memcpy(c->len, l, n * sizeof *l);
            memcpy(c->off, o, n * sizeof *o);
            tp_free(l);
            tp_free(o);
        }
    }
    {
        long *s = tp_calloc(n, sizeof *s), *f = tp_calloc(n, sizeof *f), *q = tp_calloc(n, sizeof *q);
        size_t *rr = tp_calloc(n, sizeof *rr);
        unsigned char *fl = tp_calloc(n, 1);
        if (!s || !f || !q || !rr || !fl) {
            tp_free(fl);
            tp_free(s);
            tp_free(f);
            tp_free(q);
            tp_free(rr);
            tp_free(perm);
            return TP_E_NOMEM;
        }
        for (size_t r = 0; r < n; r++) {
            s[r] = t->subj[perm[r]];
            f[r] = t->src_form[perm[r]];
            q[r] = t->seq_src[perm[r]];
            rr[r] = t->src_row[perm[r]];
            fl[r] = t->flag[perm[r]];
        }
        memcpy(t->flag, fl, n);
        tp_free(fl);
        memcpy(t->subj, s, n * sizeof *s);
        memcpy(t->src_form, f, n * sizeof *f);
        memcpy(t->seq_src, q, n * sizeof *q);
        memcpy(t->src_row, rr, n * sizeof *rr);
        tp_free(s);
        tp_free(f);
        tp_free(q);
        tp_free(rr);
    }
    if (newpos) {
        /* newpos[old] = new */
        size_t *np = tp_calloc(n, sizeof *np);
        if (!np) {
            tp_free(perm);
            return TP_E_NOMEM;
        }
        for (size_t i = 0; i < n; i++)
            np[perm[i]] = i;
        *newpos = np;
    }
    tp_free(perm);
    return TP_OK;
}
