/*
 * The algorithms of the mapping spec (Rules.csv column Algorithm), one function each, in a table
 * like the format registry: assign, hardcode, codelist, isodate, concat, upper, first, derive
 * (phase-1 part: visit numbers), findings (one raw column -> one --TESTCD record with standard
 * results and unit conversion) and raw lookups (from=FORM: a per-subject value from another raw
 * table). Bad raw values are reported through exec_add_issue and give an empty value; they never
 * stop the run.
 */
#include "map.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int func_eval(struct tp_sdtm *r, const struct spec_rule *ru, long form, size_t row,
              const struct otab *t, size_t orow, struct tp_strbuf *out);
int func_findings(struct tp_sdtm *r, const struct spec_block *bl, const struct spec_rule *ru,
                  long form, size_t row, struct otab *t, size_t orow, const char *v, size_t vn);
int func_lookups(struct tp_sdtm *r, struct tp_error *err);

struct fctx {
    struct tp_sdtm *r;
    const struct spec_rule *ru;
    long form;
    size_t row;
    const struct otab *t;
    size_t orow;
    char numbuf[64];
};

static bool func_is_missing_code(const struct tp_sdtm *r, const char *v, size_t n)
{
    const char *list = spec_setting(r->spec, "Raw.MissingCodes", "ND NA NSP");
    if (n == 0)
        return true;
    for (const char *p = list; *p;) {
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && strncmp(p, v, n) == 0)
            return true;
        p = *e ? e + 1 : e;
    }
    return false;
}

/* A decimal written with a comma ("12,5") is returned with a dot in buf. */
static const char *func_decimal(const char *v, size_t *n, char *buf, size_t size)
{
    size_t i = 0, comma = 0, digits = 0;
    if (*n == 0 || *n >= size)
        return v;
    if (v[0] == '-' || v[0] == '+')
        i = 1;
    for (; i < *n; i++) {
        if (v[i] == ',')
            comma++;
        else if (isdigit((unsigned char)v[i]))
            digits++;
        else
            return v;
    }
    if (comma != 1 || digits < 2 || v[*n - 1] == ',' || v[v[0] == '-' || v[0] == '+'] == ',')
        return v;
    for (i = 0; i < *n; i++)
        buf[i] = v[i] == ',' ? '.' : v[i];
    buf[*n] = '\0';
    return buf;
}

static const char *func_src(struct fctx *c, size_t i, size_t *n)
{
    const struct src_ref *s = &c->ru->src[i];
    switch (s->kind) {
    case SRC_LIT:
        *n = strlen(s->text);
        return s->text;
    case SRC_COL: {
        const char *v = raw_cell(&c->r->forms[c->form], c->row, s->idx, n);
        return func_decimal(v, n, c->numbuf, sizeof c->numbuf);
    }
    case SRC_VAR: {
        long col;
        if (!c->t) {
            *n = 0;
            return "";
        }
        col = tab_col_of_var(c->r->spec, s->idx);
        if (col < 0) {
            *n = 0;
            return "";
        }
        if (c->t->cols[col].num) {
            double d;
            if (!otab_num(c->t, c->orow, (size_t)col, &d)) {
                *n = 0;
                return "";
            }
            *n = tp_format_double(d, c->numbuf, sizeof c->numbuf);
            return c->numbuf;
        }
        return otab_str(c->t, c->orow, (size_t)col, n);
    }
    }
    *n = 0;
    return "";
}

static int func_issue(struct fctx *c, const char *fmt, const char *a, size_t an, const char *b)
{
    long tab = c->t ? (long)(c->t - c->r->tabs) : -1;
    long subj = c->r->forms[c->form].subj ? c->r->forms[c->form].subj[c->row] : -1;
    char msg[300];
    snprintf(msg, sizeof msg, "%s", fmt);
    return exec_add_issue(c->r, c->form, c->row, subj, tab, c->orow,
                          c->ru->var >= 0 ? c->r->spec->vars[c->ru->var].name : "", "ISSUE",
                          "%s '%.*s'%s%s (Rules.csv line %ld)", msg, (int)(an > 80 ? 80 : an), a,
                          b ? ": " : "", b ? b : "", c->ru->line);
}

static int f_assign(struct fctx *c, struct tp_strbuf *out)
{
    size_t n;
    const char *v = func_src(c, 0, &n);
    if (c->ru->src[0].kind == SRC_COL && func_is_missing_code(c->r, v, n))
        return TP_OK;
    return tp_strbuf_add(out, v, n);
}

static int f_upper(struct fctx *c, struct tp_strbuf *out)
{
    size_t n;
    const char *v = func_src(c, 0, &n);
    if (c->ru->src[0].kind == SRC_COL && func_is_missing_code(c->r, v, n))
        return TP_OK;
    for (size_t i = 0; i < n; i++)
        if (tp_strbuf_addc(out, (char)toupper((unsigned char)v[i])))
            return TP_E_NOMEM;
    return TP_OK;
}

static int f_first(struct fctx *c, struct tp_strbuf *out)
{
    for (size_t i = 0; i < c->ru->nsrc; i++) {
        size_t n;
        const char *v = func_src(c, i, &n);
        if (n && !(c->ru->src[i].kind == SRC_COL && func_is_missing_code(c->r, v, n)))
            return tp_strbuf_add(out, v, n);
    }
    return TP_OK;
}

static int f_hardcode(struct fctx *c, struct tp_strbuf *out)
{
    const char *v = spec_kv(c->ru, "value");
    if (!v)
        v = c->ru->nsrc ? c->ru->src[0].text : "";
    return tp_strbuf_adds(out, v);
}

static int f_codelist(struct fctx *c, struct tp_strbuf *out)
{
    size_t n;
    const char *v = func_src(c, 0, &n);
    const struct tp_spec *s = c->r->spec;
    if (n == 0)
        return TP_OK;
    if (c->ru->map >= 0) {
        const char *t = spec_map_lookup(&s->maps[c->ru->map], v, n);
        if (!t) {
            if (func_is_missing_code(c->r, v, n))
                return TP_OK;
            return func_issue(c, "code", v, n, "not in code map");
        }
        return tp_strbuf_adds(out, t);
    }
    {
        const struct spec_codelist *cl = &s->cls[s->vars[c->ru->var].cl];
        char up[256];
        size_t un = n < sizeof up ? n : sizeof up - 1;
        for (size_t i = 0; i < un; i++)
            up[i] = (char)toupper((unsigned char)v[i]);
        if (hmap_get(&cl->index, up, un, NULL))
            return tp_strbuf_add(out, up, un);
        if (func_is_missing_code(c->r, v, n))
            return TP_OK;
        return func_issue(c, "value", v, n, "not in codelist");
    }
}

static int f_isodate(struct fctx *c, struct tp_strbuf *out)
{
    char iso[40], why[200];
    const char *parts = spec_kv(c->ru, "parts");
    const char *partial = spec_kv(c->ru, "partial");
    size_t dn, tn = 0, mn = 0;
    const char *d = func_src(c, 0, &dn), *tm = NULL, *m = NULL;
    char dcopy[64];
    int st;
    why[0] = '\0';
    iso[0] = '\0';
    if (dn >= sizeof dcopy)
        dn = sizeof dcopy - 1;
    memcpy(dcopy, d, dn); /* func_src reuses its buffer */
    dcopy[dn] = '\0';
    d = dcopy;
    if (parts && strcasecmp(parts, "ymd") == 0) {
        char mcopy[16];
        size_t dd_n = 0;
        const char *dd = "";
        m = c->ru->nsrc > 1 ? func_src(c, 1, &mn) : "";
        if (mn >= sizeof mcopy)
            mn = sizeof mcopy - 1;
        memcpy(mcopy, m, mn);
        mcopy[mn] = '\0';
        if (c->ru->nsrc > 2)
            dd = func_src(c, 2, &dd_n);
        /* a one-digit month or day is padded */
        {
            char mp[4] = "", dp[4] = "";
            if (mn == 1 && isdigit((unsigned char)mcopy[0])) {
                mp[0] = '0';
                mp[1] = mcopy[0];
                mp[2] = '\0';
            }
            if (dd_n == 1 && isdigit((unsigned char)dd[0])) {
                dp[0] = '0';
                dp[1] = dd[0];
                dp[2] = '\0';
            }
            st = isodate_from_parts(d, dn, mp[0] ? mp : mcopy, mp[0] ? 2 : mn, dp[0] ? dp : dd,
                                    dp[0] ? 2 : dd_n, iso, sizeof iso, why, sizeof why);
        }
    } else {
        if (c->ru->nsrc > 1)
            tm = func_src(c, 1, &tn);
        if (func_is_missing_code(c->r, d, dn))
            return TP_OK;
        st = isodate_convert(d, dn, tm, tn, spec_kv(c->ru, "format") ? spec_kv(c->ru, "format")
                                                                      : spec_setting(c->r->spec, "DateFormat", "dd/mm/yyyy"),
                             iso, sizeof iso, why, sizeof why);
    }
    if (st == DATE_BAD)
        return func_issue(c, "unparseable date", d, dn, why);
    if (st == DATE_PARTIAL && why[0]) {
        int rc = func_issue(c, "date", d, dn, why);
        if (rc)
            return rc;
    } else if (st == DATE_PARTIAL && partial && strcasecmp(partial, "no") == 0) {
        int rc = func_issue(c, "partial date", d, dn, "partial dates are not expected here");
        if (rc)
            return rc;
    }
    return tp_strbuf_adds(out, iso);
}

static int f_concat(struct fctx *c, struct tp_strbuf *out)
{
    const char *sep = spec_kv(c->ru, "sep");
    bool first = true;
    if (!sep)
        sep = " ";
    for (size_t i = 0; i < c->ru->nsrc; i++) {
        size_t n;
        const char *v = func_src(c, i, &n);
        if (n == 0 || (c->ru->src[i].kind == SRC_COL && func_is_missing_code(c->r, v, n)))
            continue;
        if (!first && tp_strbuf_adds(out, sep))
            return TP_E_NOMEM;
        if (tp_strbuf_add(out, v, n))
            return TP_E_NOMEM;
        first = false;
    }
    return TP_OK;
}

/* derive in phase 1: only the visit number needs the raw row. */
static int f_derive(struct fctx *c, struct tp_strbuf *out)
{
    const char *name = spec_kv(c->ru, "name");
    if (name && strcasecmp(name, "visitnum") == 0) {
        size_t n;
        const char *v;
        long k;
        struct rawform *f = &c->r->forms[c->form];
        if (c->ru->nsrc)
            v = func_src(c, 0, &n);
        else
            v = raw_cell(f, c->row, f->visit_col, &n);
        k = visit_lookup(c->r, v, n);
        if (k >= 0) {
            char buf[40];
            size_t bn = tp_format_double(c->r->tv_num[k], buf, sizeof buf);
            return tp_strbuf_add(out, buf, bn);
        }
        if (c->t && visit_is_unscheduled(c->r, v, n))
            ((struct otab *)(uintptr_t)c->t)->flag[c->orow] |= OT_UNSCHED;
    }
    return TP_OK;
}

typedef int (*func_fn)(struct fctx *c, struct tp_strbuf *out);
static const struct {
    enum algo alg;
    func_fn fn;
} func_table[] = {
    {ALG_ASSIGN, f_assign},     {ALG_HARDCODE, f_hardcode}, {ALG_CODELIST, f_codelist},
    {ALG_ISODATE, f_isodate},   {ALG_CONCAT, f_concat},     {ALG_UPPER, f_upper},
    {ALG_FIRST, f_first},       {ALG_DERIVE, f_derive},
};

int func_eval(struct tp_sdtm *r, const struct spec_rule *ru, long form, size_t row,
              const struct otab *t, size_t orow, struct tp_strbuf *out)
{
    struct fctx c = {r, ru, form, row, t, orow, {0}};
    if (ru->from_form >= 0 && t) {
        long s = t->subj[orow];
        if (s >= 0 && ru->lookup_vals && ru->lookup_vals[s])
            return tp_strbuf_adds(out, ru->lookup_vals[s]);
        return TP_OK;
    }
    if (ru->from_form >= 0)
        c.form = ru->from_form;
    for (size_t i = 0; i < sizeof func_table / sizeof func_table[0]; i++)
        if (func_table[i].alg == ru->alg)
            return func_table[i].fn(&c, out);
    return TP_OK;
}

/* ---------------------------------------------------------------- lookups (from=FORM) */

static int func_cmp_values(const char *a, const char *b)
{
    double x, y;
    if (tp_parse_double(a, strlen(a), &x) && tp_parse_double(b, strlen(b), &y))
        return x < y ? -1 : x > y ? 1 : 0;
    return strcmp(a, b);
}

struct lkctx {
    const struct tp_sdtm *r;
    long form;
    size_t row;
};

static const char *lk_get(void *ctx, long id, size_t *n)
{
    struct lkctx *c = ctx;
    return raw_cell(&c->r->forms[c->form], c->row, id, n);
}

int func_lookups(struct tp_sdtm *r, struct tp_error *err)
{
    struct tp_spec *s = (struct tp_spec *)(uintptr_t)r->spec;
    struct tp_strbuf sb;
    int rc = TP_OK;
    (void)err;
    tp_strbuf_init(&sb);
    for (size_t i = 0; i < s->nrules && !rc; i++) {
        struct spec_rule *ru = &s->rules[i];
        struct rawform *f;
        size_t nr;
        size_t *counts = NULL;
        if (ru->from_form < 0)
            continue;
        f = &r->forms[ru->from_form];
        nr = tp_dataset_nrows(f->ds);
        if (!(ru->lookup_vals = tp_calloc(r->nsubj ? r->nsubj : 1, sizeof *ru->lookup_vals))) {
            rc = TP_E_NOMEM;
            break;
        }
        if (ru->agg == AGG_COUNT && !(counts = tp_calloc(r->nsubj ? r->nsubj : 1, sizeof *counts))) {
            rc = TP_E_NOMEM;
            break;
        }
        for (size_t row = 0; row < nr && !rc; row++) {
            long subj = f->subj[row];
            struct lkctx lc = {r, ru->from_form, row};
            char **slot;
            const char *v;
            if (subj < 0)
                continue;
            if (ru->where && !expr_eval(ru->where, lk_get, &lc))
                continue;
            if (ru->cond && !expr_eval(ru->cond, lk_get, &lc))
                continue;
            tp_strbuf_reset(&sb);
            if ((rc = func_eval(r, ru, ru->from_form, row, NULL, 0, &sb)))
                break;
            if (sb.len == 0)
                continue;
            f->lookup_by[row] = (long)i;
            v = tp_strbuf_cstr(&sb);
            slot = &ru->lookup_vals[subj];
            if (ru->agg == AGG_COUNT) {
                char buf[32];
                counts[subj]++;
                snprintf(buf, sizeof buf, "%zu", counts[subj]);
                tp_free(*slot);
                if (!(*slot = tp_strdup(buf)))
                    rc = TP_E_NOMEM;
                continue;
            }
            if (*slot && (ru->agg == AGG_FIRST ||
                          (ru->agg == AGG_MIN && func_cmp_values(v, *slot) >= 0) ||
                          (ru->agg == AGG_MAX && func_cmp_values(v, *slot) <= 0)))
                continue;
            tp_free(*slot);
            if (!(*slot = tp_strdup(v)))
                rc = TP_E_NOMEM;
        }
        tp_free(counts);
    }
    tp_strbuf_release(&sb);
    return rc;
}

/* ---------------------------------------------------------------- findings */

static long fcol(const struct otab *t, const struct spec_dataset *d, const char *suffix)
{
    static const char *const sfx[8] = {"ORRES", "ORRESU", "STRESC", "STRESN",
                                       "STRESU", "STAT",   "TEST",   "TESTCD"};
    struct otab *w = (struct otab *)(uintptr_t)t; /* a cache, not a change of the table */
    if (!w->fc_done) {
        for (int i = 0; i < 8; i++) {
            char name[16];
            map_prefixed(d, sfx[i], name, sizeof name);
            w->fc[i] = otab_col(t, name);
        }
        w->fc_done = true;
    }
    for (int i = 0; i < 8; i++)
        if (strcmp(sfx[i], suffix) == 0)
            return t->fc[i];
    {
        char name[16];
        map_prefixed(d, suffix, name, sizeof name);
        return otab_col(t, name);
    }
}

static const struct spec_conv *func_conv(const struct tp_spec *s, const char *ds, const char *tc,
                                         const char *from)
{
    const struct spec_conv *any = NULL;
    for (size_t i = 0; i < s->nconv; i++) {
        const struct spec_conv *c = &s->conv[i];
        if (strcasecmp(c->dataset, ds) != 0 || strcmp(c->from, from) != 0)
            continue;
        if (*c->testcd && strcmp(c->testcd, tc) == 0)
            return c;
        if (!*c->testcd && !any)
            any = c;
    }
    return any;
}

/* Round to 10 significant digits so that 0.1 * 3 prints as 0.3. */
static double func_round(double x)
{
    char buf[64];
    double y;
    snprintf(buf, sizeof buf, "%.10g", x);
    return tp_parse_double(buf, strlen(buf), &y) ? y : x;
}

static int func_standardise(struct tp_sdtm *r, const struct spec_dataset *d,
                            const struct spec_rule *ru, struct otab *t, size_t orow)
{
    long c_orres = fcol(t, d, "ORRES"), c_oru = fcol(t, d, "ORRESU"), c_sc = fcol(t, d, "STRESC"),
         c_sn = fcol(t, d, "STRESN"), c_su = fcol(t, d, "STRESU"), c_tc = fcol(t, d, "TESTCD");
    const char *o, *u = "", *tc = "", *su_given = "";
    size_t on, un = 0, tcn = 0, sun = 0;
    char ubuf[64] = "", tcbuf[64] = "", subuf[64] = "";
    double x, factor = 1, offset = 0;
    const char *to = NULL;
    const char *result = spec_kv(ru, "RESULT");
    if (c_orres < 0)
        return TP_OK;
    o = otab_str(t, orow, (size_t)c_orres, &on);
    if (on == 0)
        return TP_OK;
    if (c_oru >= 0) {
        u = otab_str(t, orow, (size_t)c_oru, &un);
        snprintf(ubuf, sizeof ubuf, "%.*s", (int)un, u);
    }
    if (c_tc >= 0) {
        tc = otab_str(t, orow, (size_t)c_tc, &tcn);
        snprintf(tcbuf, sizeof tcbuf, "%.*s", (int)tcn, tc);
    }
    if (c_su >= 0) {
        su_given = otab_str(t, orow, (size_t)c_su, &sun);
        snprintf(subuf, sizeof subuf, "%.*s", (int)sun, su_given);
    }
    if (ubuf[0]) {
        const struct spec_conv *cv = func_conv(r->spec, d->name, tcbuf, ubuf);
        if (cv) {
            factor = cv->factor;
            offset = cv->offset;
            to = cv->to;
        }
    }
    if (spec_kv(ru, "FACTOR")) {
        const char *fs = spec_kv(ru, "FACTOR");
        if (!tp_parse_double(fs, strlen(fs), &factor))
            factor = 1;
    }
    if (!to)
        to = subuf[0] ? subuf : spec_kv(ru, "FACTOR") ? "" : ubuf;
    if (result && strcasecmp(result, "text") == 0) {
        if (c_sc >= 0)
            otab_set_str(t, orow, (size_t)c_sc, o, on);
        return TP_OK;
    }
    {
        char obuf[80];
        size_t skip = 0;
        snprintf(obuf, sizeof obuf, "%.*s", (int)(on > 70 ? 70 : on), o);
        if (obuf[0] == '<' || obuf[0] == '>')
            skip = obuf[1] == '=' ? 2 : 1;
        if (tp_parse_double(obuf + skip, strlen(obuf + skip), &x)) {
            char nb[48], sc[56];
            double y = (factor == 1 && offset == 0) ? x : func_round(x * factor + offset);
            size_t nn = tp_format_double(y, nb, sizeof nb);
            snprintf(sc, sizeof sc, "%.*s%s", (int)skip, obuf, nb);
            if (c_sc >= 0)
                otab_set_str(t, orow, (size_t)c_sc, sc, strlen(sc));
            if (c_sn >= 0 && skip == 0)
                otab_set_num(t, orow, (size_t)c_sn, y);
            if (c_su >= 0 && to && *to)
                otab_set_str(t, orow, (size_t)c_su, to, strlen(to));
            (void)nn;
            return TP_OK;
        }
    }
    if (c_sc >= 0)
        otab_set_str(t, orow, (size_t)c_sc, o, on);
    if (c_su >= 0 && !sun)
        otab_set_null(t, orow, (size_t)c_su);
    return TP_OK;
}

int func_findings(struct tp_sdtm *r, const struct spec_block *bl, const struct spec_rule *ru,
                  long form, size_t row, struct otab *t, size_t orow, const char *v, size_t vn)
{
    const struct tp_spec *s = r->spec;
    const struct spec_dataset *d = &s->ds[bl->ds];
    const struct rawform *f = &r->forms[form];
    long c_orres = tab_col_of_var(s, ru->var), c_stat = fcol(t, d, "STAT"),
         c_test = fcol(t, d, "TEST"), c_tc = fcol(t, d, "TESTCD");
    const char *nd = spec_kv(ru, "NOTDONE");
    bool test_given = false;
    char nbuf[64];
    int rc;
    struct fctx c = {r, ru, form, row, t, orow, {0}};
    /* parameters: TESTCD and the other record-level values */
    for (size_t i = 0; i < ru->nfp; i++) {
        const struct fparam *fp = &ru->fp[i];
        long col = tab_col_of_var(s, fp->var_idx);
        const char *val;
        size_t n;
        if (col < 0)
            continue;
        if (fp->lit) {
            val = fp->lit;
            n = strlen(val);
        } else {
            val = raw_cell(f, row, fp->col_idx, &n);
            val = func_decimal(val, &n, nbuf, sizeof nbuf);
            if (fp->map_idx >= 0 && n) {
                const char *m = spec_map_lookup(&s->maps[fp->map_idx], val, n);
                if (!m) {
                    if ((rc = exec_add_issue(r, form, row, f->subj[row], (long)(t - r->tabs), orow,
                                             fp->var, "ISSUE",
                                             "code '%.*s' not in code map %s (Rules.csv line %ld)",
                                             (int)(n > 60 ? 60 : n), val, s->maps[fp->map_idx].id,
                                             ru->line)))
                        return rc;
                    n = 0;
                } else {
                    val = m;
                    n = strlen(m);
                }
            }
        }
        if (col == c_test)
            test_given = true;
        if ((rc = otab_set_str(t, orow, (size_t)col, val, n)) && rc != TP_E_PARSE)
            return rc;
    }
    /* --TEST from the decode of --TESTCD in its codelist */
    if (c_test >= 0 && c_tc >= 0 && !test_given) {
        size_t n;
        const char *tcv = otab_str(t, orow, (size_t)c_tc, &n);
        long cl = s->vars[s->ds[bl->ds].vars[c_tc]].cl;
        size_t k;
        if (cl >= 0 && n && hmap_get(&s->cls[cl].index, tcv, n, &k)) {
            const char *dec = s->cls[cl].terms[k].decode;
            otab_set_str(t, orow, (size_t)c_test, dec, strlen(dec));
        }
    }
    /* the result */
    {
        bool notdone = false;
        const char *codes = nd ? nd : "ND";
        size_t cl = strlen(codes);
        for (const char *p = codes; vn && p < codes + cl;) {
            const char *e = p;
            while (*e && *e != ' ')
                e++;
            if ((size_t)(e - p) == vn && strncmp(p, v, vn) == 0)
                notdone = true;
            p = *e ? e + 1 : e;
        }
        if (vn == 0)
            notdone = true; /* BLANK=notdone */
        if (notdone) {
            long c_oru = fcol(t, d, "ORRESU"), c_su = fcol(t, d, "STRESU");
            if (c_stat >= 0)
                otab_set_str(t, orow, (size_t)c_stat, "NOT DONE", 8);
            /* no result, no unit */
            if (c_oru >= 0)
                otab_set_null(t, orow, (size_t)c_oru);
            if (c_su >= 0)
                otab_set_null(t, orow, (size_t)c_su);
            return TP_OK;
        }
        v = func_decimal(v, &vn, nbuf, sizeof nbuf);
        if (ru->map >= 0) {
            const char *m = spec_map_lookup(&s->maps[ru->map], v, vn);
            if (!m) {
                if ((rc = exec_add_issue(r, form, row, f->subj[row], (long)(t - r->tabs), orow,
                                         s->vars[ru->var].name, "ISSUE",
                                         "result '%.*s' not in code map %s (Rules.csv line %ld)",
                                         (int)(vn > 60 ? 60 : vn), v, s->maps[ru->map].id,
                                         ru->line)))
                    return rc;
            } else {
                v = m;
                vn = strlen(m);
            }
        }
        if (c_orres >= 0 && (rc = otab_set_str(t, orow, (size_t)c_orres, v, vn)))
            return rc;
    }
    (void)c;
    return func_standardise(r, d, ru, t, orow);
}
