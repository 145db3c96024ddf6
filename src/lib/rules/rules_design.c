/*
 * Trial design and cross-dataset consistency (SDTMIG 3.4 chapter 7, docs/standards.md 5.6): DM arms
 * against TA, Trial Summary parameters (presence, single records, value formats, conditional
 * parameters), SE elements contiguous, values found in another dataset (TA, TE, TI, DM, EX and DS
 * aggregates per subject), records that must (or must not) exist in another dataset, flags that
 * another dataset's records imply (deaths), baseline flags, one unit per test.
 *
 * Cross-dataset state is per subject (small) or per reference table (small). Aggregates over
 * streamed datasets (EX first/last dates, death evidence in AE) are collected while those
 * datasets stream by (all_datasets hooks) and compared with DM at the end.
 */
#include "rules.h"

#include <math.h>

struct dcfg {
    struct rules_list vars, refs, params, values, exclude, sources, by, exclude_arm, compare_pairs;
    struct rules_conds c_if, c_where;
    const char *ref, *param, *when, *format, *variable, *flag, *compare;
    double min_excl, max;
    bool have_min, have_max, invert;
};

static void dcfg_free(void *p)
{
    struct dcfg *c = p;
    if (!c)
        return;
    rules_list_release(&c->vars);
    rules_list_release(&c->refs);
    rules_list_release(&c->params);
    rules_list_release(&c->values);
    rules_list_release(&c->exclude);
    rules_list_release(&c->sources);
    rules_list_release(&c->by);
    rules_list_release(&c->exclude_arm);
    rules_list_release(&c->compare_pairs);
    rules_conds_release(&c->c_if);
    rules_conds_release(&c->c_where);
    tp_free(c);
}

static int dcfg_new(struct rules_rule *r, const char *allowed)
{
    struct dcfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, allowed);
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    if (((t = rules_param(r, "variable")) && rules_list_split(t, ',', &c->vars)) ||
        ((t = rules_param(r, "ref")) && rules_list_split(t, ',', &c->refs)) ||
        ((t = rules_param(r, "params")) && rules_list_split(t, ',', &c->params)) ||
        ((t = rules_param(r, "param")) && !rules_param(r, "params") &&
         rules_list_split(t, ',', &c->params)) ||
        ((t = rules_param(r, "values")) && rules_list_split(t, ',', &c->values)) ||
        ((t = rules_param(r, "exclude")) && rules_list_split(t, ',', &c->exclude)) ||
        ((t = rules_param(r, "sources")) && rules_list_split(t, ',', &c->sources)) ||
        ((t = rules_param(r, "by")) && rules_list_split(t, ',', &c->by)) ||
        ((t = rules_param(r, "exclude_arm")) && rules_list_split(t, ',', &c->exclude_arm)) ||
        rules_conds_parse(rules_param(r, "if"), &c->c_if) ||
        rules_conds_parse(rules_param(r, "where"), &c->c_where))
        return TP_E_NOMEM;
    c->ref = rules_param(r, "ref");
    c->param = rules_param(r, "param");
    c->when = rules_param(r, "when");
    c->format = rules_param(r, "format");
    c->variable = rules_param(r, "variable");
    c->flag = rules_param(r, "flag");
    c->compare = rules_param(r, "compare");
    c->invert = rules_param_yes(r, "invert");
    if ((t = rules_param(r, "min_exclusive"))) {
        c->have_min = true;
        c->min_excl = strtod(t, NULL);
    }
    if ((t = rules_param(r, "max"))) {
        c->have_max = true;
        c->max = strtod(t, NULL);
    }
    return TP_OK;
}

static void d_text(char *dst, size_t size, const struct tp_dataset *b, size_t row, long col)
{
    char buf[48];
    size_t len;
    const char *s = rules_cell(b, row, col, buf, sizeof buf, &len);
    if (len >= size)
        len = size - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* ---- TS helpers ---- */
struct ts_view {
    const struct tp_dataset *b;
    long parmcd, val, valnf, seq;
};

static bool ts_view(const struct rules_pkg *p, struct ts_view *t)
{
    if (!p->ts || !p->ts->data)
        return false;
    t->b = p->ts->data;
    t->parmcd = tp_dataset_find_var(t->b, "TSPARMCD");
    t->val = tp_dataset_find_var(t->b, "TSVAL");
    t->valnf = tp_dataset_find_var(t->b, "TSVALNF");
    t->seq = tp_dataset_find_var(t->b, "TSSEQ");
    return t->parmcd >= 0;
}

static size_t ts_count(const struct ts_view *t, const char *param, bool with_value, char *first_val,
                       size_t fsize)
{
    size_t n = 0;
    if (first_val)
        first_val[0] = '\0';
    for (size_t i = 0; i < tp_dataset_nrows(t->b); i++) {
        char p[16], v[256];
        d_text(p, sizeof p, t->b, i, t->parmcd);
        if (strcmp(p, param) != 0)
            continue;
        d_text(v, sizeof v, t->b, i, t->val);
        if (with_value && !v[0])
            continue;
        if (first_val && !n)
            snprintf(first_val, fsize, "%s", v);
        n++;
    }
    return n;
}

/* when=P:V holds in TS (a record of P with TSVAL V) */
static bool ts_when(const struct ts_view *t, const char *when)
{
    const char *colon = when ? strchr(when, ':') : NULL;
    char p[32];
    if (!when)
        return true;
    if (!colon)
        return ts_count(t, when, true, NULL, 0) > 0;
    snprintf(p, sizeof p, "%.*s", (int)(colon - when), when);
    for (size_t i = 0; i < tp_dataset_nrows(t->b); i++) {
        char pp[16], v[256];
        d_text(pp, sizeof pp, t->b, i, t->parmcd);
        d_text(v, sizeof v, t->b, i, t->val);
        if (strcmp(pp, p) == 0 && strcmp(v, colon + 1) == 0)
            return true;
    }
    return false;
}

/* ts_param_present */
static int tpp_compile(struct rules_rule *r, struct tp_error *err)
{
    struct dcfg *c;
    int rc;
    (void)err;
    if ((rc = dcfg_new(r, "domain,param,when")))
        return rc;
    c = r->cfg;
    if (!c->param || (rules_param(r, "domain") && strcmp(rules_param(r, "domain"), "TS") != 0))
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int tpp_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct dcfg *c = r->cfg;
    struct ts_view t;
    if (!ts_view(p, &t)) {
        rules_skip(r, "no TS dataset");
        return TP_OK;
    }
    r->status = TP_RULE_RAN;
    if (!ts_when(&t, c->when) || ts_count(&t, c->param, false, NULL, 0) > 0)
        return TP_OK;
    return rules_emit_file(p, r, p->ts->file, p->ts, "TSPARMCD", c->param,
                           (const char *const[]){"param", c->param, NULL});
}

static const struct rules_kind kind_ts_param_present = {.name = "ts_param_present",
                                                        .compile = tpp_compile,
                                                        .free_cfg = dcfg_free,
                                                        .pkg_end = tpp_pkg_end};

/* ts_param_single */
static int tps_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return dcfg_new(r, "params");
}

static int tps_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct dcfg *c = r->cfg;
    struct ts_view t;
    int rc;
    if (!ts_view(p, &t)) {
        rules_skip(r, "no TS dataset");
        return TP_OK;
    }
    r->status = TP_RULE_RAN;
    for (size_t k = 0; k < c->params.n; k++) {
        size_t n = ts_count(&t, c->params.v[k], false, NULL, 0);
        char cnt[24];
        if (n <= 1)
            continue;
        snprintf(cnt, sizeof cnt, "%zu", n);
        if ((rc = rules_emit_file(
                 p, r, p->ts->file, p->ts, "TSPARMCD", c->params.v[k],
                 (const char *const[]){"param", c->params.v[k], "count", cnt, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_ts_param_single = {.name = "ts_param_single",
                                                       .compile = tps_compile,
                                                       .free_cfg = dcfg_free,
                                                       .pkg_end = tps_pkg_end};

/* ts_value_format */
static int tvf_compile(struct rules_rule *r, struct tp_error *err)
{
    struct dcfg *c;
    int rc;
    (void)err;
    if ((rc = dcfg_new(r, "param,variable,format,values,min_exclusive,max")))
        return rc;
    c = r->cfg;
    if (c->format && strcmp(c->format, "iso8601_date_complete") != 0 &&
        strcmp(c->format, "iso8601_date") != 0 && strcmp(c->format, "iso8601_duration") != 0 &&
        strcmp(c->format, "positive_integer") != 0 && strcmp(c->format, "number") != 0)
        return TP_E_UNSUPPORTED;
    if (!c->format && !c->values.n)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static bool tvf_ok(const struct dcfg *c, const char *v)
{
    size_t n = strlen(v);
    double d;
    if (c->values.n)
        return rules_list_has(&c->values, v, n, false);
    if (strcmp(c->format, "iso8601_date_complete") == 0) {
        long days;
        return rules_iso_datetime(v, n, NULL) && rules_iso_days(v, n, &days);
    }
    if (strcmp(c->format, "iso8601_date") == 0)
        return rules_iso_dtc(v, n, false);
    if (strcmp(c->format, "iso8601_duration") == 0)
        return rules_iso_duration(v, n, false);
    if (strcmp(c->format, "positive_integer") == 0)
        return rules_text_is_number(v, n, &d) && d > 0 && d == floor(d) && !strchr(v, '.');
    if (!rules_text_is_number(v, n, &d))
        return false;
    if (c->have_min && !(d > c->min_excl))
        return false;
    if (c->have_max && d > c->max)
        return false;
    return true;
}

static int tvf_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct dcfg *c = r->cfg;
    struct ts_view t;
    long col;
    int rc;
    if (!ts_view(&*p, &t)) {
        rules_skip(r, "no TS dataset");
        return TP_OK;
    }
    r->status = TP_RULE_RAN;
    col = c->variable ? tp_dataset_find_var(t.b, c->variable) : t.val;
    if (col < 0)
        return TP_OK;
    for (size_t i = 0; i < tp_dataset_nrows(t.b); i++) {
        char pp[16], v[256];
        d_text(pp, sizeof pp, t.b, i, t.parmcd);
        if (!rules_list_has(&c->params, pp, strlen(pp), false))
            continue;
        d_text(v, sizeof v, t.b, i, col);
        if (!v[0] || tvf_ok(c, v))
            continue;
        if ((rc = rules_emit(p, r, p->ts, (long)i + 1, NULL, tp_dataset_var(t.b, (size_t)col)->name,
                             v, (const char *const[]){"param", pp, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_ts_value_format = {.name = "ts_value_format",
                                                       .compile = tvf_compile,
                                                       .free_cfg = dcfg_free,
                                                       .pkg_end = tvf_pkg_end};

/* ts_param_conditional */
static int tpc_compile(struct rules_rule *r, struct tp_error *err)
{
    struct dcfg *c;
    int rc;
    (void)err;
    if ((rc = dcfg_new(r, "param,when")))
        return rc;
    c = r->cfg;
    return c->params.n && c->when ? TP_OK : TP_E_UNSUPPORTED;
}

static int tpc_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct dcfg *c = r->cfg;
    struct ts_view t;
    int rc;
    if (!ts_view(p, &t)) {
        rules_skip(r, "no TS dataset");
        return TP_OK;
    }
    r->status = TP_RULE_RAN;
    if (!strchr(c->when, ':')) {
        /* TDIGRP against HLTSUBJI: N -> TDIGRP with a value; Y -> TDIGRP with TSVAL null */
        char hv[32];
        const char *param = c->params.v[0];
        if (!ts_count(&t, c->when, true, hv, sizeof hv))
            return TP_OK;
        if (strcmp(hv, "N") == 0 && ts_count(&t, param, true, NULL, 0) == 0)
            return rules_emit_file(p, r, p->ts->file, p->ts, "TSPARMCD", hv,
                                   (const char *const[]){"param", param, NULL});
        if (strcmp(hv, "Y") == 0 && ts_count(&t, param, true, NULL, 0) > 0)
            return rules_emit_file(p, r, p->ts->file, p->ts, "TSPARMCD", hv,
                                   (const char *const[]){"param", param, NULL});
        return TP_OK;
    }
    if (!ts_when(&t, c->when))
        return TP_OK;
    for (size_t k = 0; k < c->params.n; k++) {
        const char *param = c->params.v[k];
        if (ts_count(&t, param, false, NULL, 0) == 0 || ts_count(&t, param, true, NULL, 0) > 0)
            continue; /* absent: ts_param_present's finding */
        if ((rc = rules_emit_file(p, r, p->ts->file, p->ts, "TSVAL", param,
                                  (const char *const[]){"param", param, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_ts_param_conditional = {.name = "ts_param_conditional",
                                                            .compile = tpc_compile,
                                                            .free_cfg = dcfg_free,
                                                            .pkg_end = tpc_pkg_end};

/* ---- arm_consistency (DM against TA) ---- */
static int arm_compile(struct rules_rule *r, struct tp_error *err)
{
    struct dcfg *c;
    int rc;
    (void)err;
    if ((rc = dcfg_new(r, "variable,ref,compare")))
        return rc;
    c = r->cfg;
    if (c->compare && strcmp(c->compare, "equal") != 0)
        return TP_E_UNSUPPORTED;
    if (!c->compare && !c->ref)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static bool arm_in_ta(const struct tp_dataset *ta, const char *col1, const char *v1,
                      const char *col2, const char *v2)
{
    long a = tp_dataset_find_var(ta, col1), b = col2 ? tp_dataset_find_var(ta, col2) : -1;
    if (a < 0)
        return false;
    for (size_t i = 0; i < tp_dataset_nrows(ta); i++) {
        char x[256], y[256];
        d_text(x, sizeof x, ta, i, a);
        if (strcmp(x, v1) != 0)
            continue;
        if (!col2)
            return true;
        d_text(y, sizeof y, ta, i, b);
        if (strcmp(y, v2) == 0)
            return true;
    }
    return false;
}

static int arm_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct dcfg *c = r->cfg;
    (void)st;
    if (!applies || !run->ds->data)
        return RULES_SKIP;
    if (!c->compare && (!run->pkg->ta || !run->pkg->ta->data)) {
        rules_skip(r, "no TA dataset");
        return RULES_SKIP;
    }
    return TP_OK;
}

static int arm_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    const struct dcfg *c = r->cfg;
    const struct tp_dataset *ta = run->pkg->ta ? run->pkg->ta->data : NULL;
    int rc;
    (void)state;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        if (c->compare) {
            for (size_t k = 0; k < c->vars.n; k++) {
                const char *colon = strchr(c->vars.v[k], ':');
                char an[16], av[256], pv[256];
                long ac, pc;
                if (!colon)
                    continue;
                snprintf(an, sizeof an, "%.*s", (int)(colon - c->vars.v[k]), c->vars.v[k]);
                ac = tp_dataset_find_var(b, an);
                pc = tp_dataset_find_var(b, colon + 1);
                if (ac < 0 || pc < 0)
                    continue;
                d_text(av, sizeof av, b, i, ac);
                d_text(pv, sizeof pv, b, i, pc);
                if (av[0] && pv[0] && strcmp(av, pv) != 0) {
                    if ((rc = rules_emit_row(
                             run, r, b, i, an, av,
                             (const char *const[]){"actual", av, "planned", pv, NULL})))
                        return rc;
                    break;
                }
            }
            continue;
        }
        {
            /* variable=ARMCD,ARM with ref=TA: the pair; variable=X with ref=TA.Y: the value */
            char v1[256], v2[256] = "", val[520];
            long c1 = tp_dataset_find_var(b, c->vars.v[0]);
            long c2 = c->vars.n > 1 ? tp_dataset_find_var(b, c->vars.v[1]) : -1;
            const char *tcol1, *tcol2 = NULL;
            if (c1 < 0)
                return TP_OK;
            d_text(v1, sizeof v1, b, i, c1);
            if (!v1[0])
                continue; /* null arms: ARMNRS rules */
            if (strchr(c->ref, '.')) {
                tcol1 = strchr(c->ref, '.') + 1;
            } else {
                tcol1 = c->vars.v[0];
                if (c2 >= 0) {
                    tcol2 = c->vars.v[1];
                    d_text(v2, sizeof v2, b, i, c2);
                }
            }
            if (arm_in_ta(ta, tcol1, v1, tcol2, v2))
                continue;
            snprintf(val, sizeof val, "%s%s%s", v1, tcol2 ? "/" : "", v2);
            if ((rc = rules_emit_row(run, r, b, i, c->vars.v[0], val, NULL)))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_arm_consistency = {.name = "arm_consistency",
                                                       .compile = arm_compile,
                                                       .free_cfg = dcfg_free,
                                                       .ds_begin = arm_begin,
                                                       .ds_rows = arm_rows};

/* ---- se_contiguous ---- */
struct se_el {
    long row;
    const char *u, *st, *en;
    char ubuf[64], sbuf[40], ebuf[40];
};

static int se_el_cmp(const void *a, const void *b)
{
    const struct se_el *x = a, *y = b;
    int c = strcmp(x->u, y->u);
    if (c)
        return c;
    c = strcmp(x->st, y->st);
    return c ? c : (x->row < y->row ? -1 : x->row > y->row);
}

static int sec_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return rules_keys_allowed(r, "");
}

static int sec_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct tp_dataset *b = run->ds->data;
    long cu, cs, ce;
    struct se_el *e;
    size_t n;
    int rc = TP_OK;
    (void)st;
    if (!applies || !b)
        return RULES_SKIP;
    cu = tp_dataset_find_var(b, "USUBJID");
    cs = tp_dataset_find_var(b, "SESTDTC");
    ce = tp_dataset_find_var(b, "SEENDTC");
    if (cu < 0 || cs < 0 || ce < 0)
        return RULES_SKIP;
    n = tp_dataset_nrows(b);
    if (!(e = tp_calloc(n + 1, sizeof *e)))
        return TP_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        e[i].row = (long)i + 1;
        d_text(e[i].ubuf, sizeof e[i].ubuf, b, i, cu);
        d_text(e[i].sbuf, sizeof e[i].sbuf, b, i, cs);
        d_text(e[i].ebuf, sizeof e[i].ebuf, b, i, ce);
    }
    for (size_t i = 0; i < n; i++) {
        e[i].u = e[i].ubuf;
        e[i].st = e[i].sbuf;
        e[i].en = e[i].ebuf;
    }
    qsort(e, n, sizeof *e, se_el_cmp);
    for (size_t i = 0; i + 1 < n && rc == TP_OK; i++) {
        bool comparable;
        if (strcmp(e[i].u, e[i + 1].u) != 0 || !e[i].en[0] || !e[i + 1].st[0])
            continue;
        if (rules_iso_cmp(e[i].en, strlen(e[i].en), e[i + 1].st, strlen(e[i + 1].st),
                          &comparable) == 0 &&
            comparable)
            continue;
        rc = rules_emit(run->pkg, r, run->ds, e[i].row, e[i].u, "SEENDTC", e[i].en,
                        (const char *const[]){"next", e[i + 1].st, NULL});
    }
    tp_free(e);
    return rc ? rc : RULES_DONE;
}

static const struct rules_kind kind_se_contiguous = {
    .name = "se_contiguous", .compile = sec_compile, .ds_begin = sec_begin};

/* ---- value_in_dataset ---- */
struct vid_state {
    long cols[8];
    size_t refidx[8]; /* index in refs of each column */
    size_t n;
    struct rules_map set; /* tuples of the reference dataset */
    struct rules_map reported;
    bool subject_form; /* ref=DM.X: compare with the subject's DM value */
    const char *dmvar;
    struct rules_cond *where;
    size_t nwhere;
    long tae, arm; /* TAETORD by ARMCD */
};

static void vid_free(void *p)
{
    struct vid_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->set, NULL);
    rules_map_release(&s->reported, NULL);
    tp_free(s->where);
    tp_free(s);
}

static int vid_compile(struct rules_rule *r, struct tp_error *err)
{
    struct dcfg *c;
    int rc;
    (void)err;
    if ((rc = dcfg_new(r, "variable,ref,by,where,exclude")))
        return rc;
    c = r->cfg;
    if (!c->refs.n || !c->vars.n)
        return TP_E_UNSUPPORTED;
    /* forms implemented: set membership in a reference table (ref=TA.X,... pairwise with
       variable=), the subject's DM value (ref=DM.X with where=), and TAETORD by ARMCD.
       EX/DS aggregates (":min", ":max") and ADSL-vs-DM are not wired in. */
    if (strchr(c->ref, ':') || (strcmp(c->ref, "DM") == 0))
        return TP_E_UNSUPPORTED;
    if (c->by.n && !(strcmp(c->by.v[0], "ARMCD") == 0 && strcmp(c->ref, "TA.TAETORD") == 0))
        return TP_E_UNSUPPORTED;
    if (c->refs.n != c->vars.n)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static const struct rules_ds *vid_ref_ds(const struct rules_pkg *p, const char *ref)
{
    char name[16];
    const char *dot = strchr(ref, '.');
    snprintf(name, sizeof name, "%.*s", dot ? (int)(dot - ref) : (int)strlen(ref), ref);
    for (size_t i = 0; i < p->nds; i++)
        if (strcmp(p->ds[i]->name, name) == 0)
            return p->ds[i];
    return NULL;
}

static int vid_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct dcfg *c = r->cfg;
    const struct rules_ds *rd;
    struct vid_state *s;
    if (!applies)
        return RULES_SKIP;
    rd = vid_ref_ds(run->pkg, c->refs.v[0]);
    if (!rd || !rd->data) {
        rules_skip(r, "no %.*s dataset", (int)(strchr(c->refs.v[0], '.') - c->refs.v[0]),
                   c->refs.v[0]);
        return RULES_SKIP;
    }
    if (rd == run->ds)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    rules_map_init(&s->set);
    rules_map_init(&s->reported);
    s->tae = s->arm = -1;
    /* the listed variables the dataset has (TV has ARMCD, not always ARM), paired with their
       reference variables */
    for (size_t k = 0; k < c->vars.n && k < 8; k++) {
        long col = rules_col(run->ds, run->meta, c->vars.v[k]);
        if (col < 0)
            continue;
        s->refidx[s->n] = k;
        s->cols[s->n++] = col;
    }
    if (!s->n) {
        vid_free(s);
        return RULES_SKIP;
    }
    if (c->c_where.n) {
        struct rules_conds tmp;
        if (!(s->where = tp_calloc(c->c_where.n, sizeof *s->where))) {
            vid_free(s);
            return TP_E_NOMEM;
        }
        memcpy(s->where, c->c_where.c, c->c_where.n * sizeof *s->where);
        s->nwhere = c->c_where.n;
        tmp.c = s->where;
        tmp.n = s->nwhere;
        rules_conds_resolve(run->ds, run->meta, &tmp);
        for (size_t k = 0; k < s->nwhere; k++)
            if (s->where[k].col < 0 && !s->where[k].dm) {
                vid_free(s);
                return RULES_SKIP;
            }
    }
    if (strcmp(rd->name, "DM") == 0 && strcmp(c->refs.v[0], "DM.STUDYID") != 0) {
        s->subject_form = true;
        s->dmvar = strchr(c->refs.v[0], '.') + 1;
        if (run->usubjid_col < 0) {
            vid_free(s);
            return RULES_SKIP;
        }
        *st = s;
        return TP_OK;
    }
    /* the reference tuples (TAETORD by ARMCD: "ARMCD\x1fTAETORD") */
    {
        const struct tp_dataset *b = rd->data;
        long rc_[9];
        size_t nref = c->by.n ? 2 : s->n;
        struct tp_strbuf k;
        if (c->by.n) {
            rc_[0] = tp_dataset_find_var(b, "ARMCD");
            rc_[1] = tp_dataset_find_var(b, "TAETORD");
        } else {
            for (size_t j = 0; j < s->n; j++)
                rc_[j] = tp_dataset_find_var(b, strchr(c->refs.v[s->refidx[j]], '.') + 1);
        }
        for (size_t j = 0; j < nref; j++)
            if (rc_[j] < 0) {
                vid_free(s);
                return RULES_SKIP;
            }
        tp_strbuf_init(&k);
        for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
            tp_strbuf_reset(&k);
            for (size_t j = 0; j < nref; j++) {
                char buf[48];
                size_t len;
                const char *x = rules_cell(b, i, rc_[j], buf, sizeof buf, &len);
                if (j)
                    tp_strbuf_addc(&k, '\x1f');
                tp_strbuf_add(&k, x, len);
            }
            if (!rules_map_slot(&s->set, k.buf ? k.buf : "", k.len, NULL)) {
                tp_strbuf_release(&k);
                vid_free(s);
                return TP_E_NOMEM;
            }
        }
        tp_strbuf_release(&k);
    }
    *st = s;
    return TP_OK;
}

static int vid_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    const struct dcfg *c = r->cfg;
    struct vid_state *s = state;
    struct tp_strbuf k;
    int rc = TP_OK;
    tp_strbuf_init(&k);
    for (size_t i = 0; i < tp_dataset_nrows(b) && rc == TP_OK; i++) {
        char first[128];
        bool skip = false, created;
        for (size_t w = 0; w < s->nwhere && !skip; w++)
            skip = !rules_cond_eval(run->pkg, &s->where[w], b, i, run->usubjid_col, false);
        if (skip)
            continue;
        d_text(first, sizeof first, b, i, s->cols[0]);
        if (!first[0] || rules_list_has(&c->exclude, first, strlen(first), false))
            continue;
        if (s->subject_form) {
            const struct rules_subject *subj = rules_subject_of(run->pkg, b, i, run->usubjid_col);
            const char *dv = subj ? rules_subject_field(subj, s->dmvar) : NULL;
            bool comparable = false;
            if (!subj)
                continue;
            if (dv && rules_iso_cmp(first, strlen(first), dv, strlen(dv), &comparable) == 0 &&
                comparable)
                continue;
            if (dv && strcmp(dv, first) == 0)
                continue;
            rc = rules_emit_row(run, r, b, i, tp_dataset_var(b, (size_t)s->cols[0])->name, first,
                                (const char *const[]){"ref", dv ? dv : "", NULL});
            continue;
        }
        tp_strbuf_reset(&k);
        if (c->by.n) {
            const struct rules_subject *subj = rules_subject_of(run->pkg, b, i, run->usubjid_col);
            const char *arm = subj ? (subj->armcd ? subj->armcd : "") : NULL;
            if (!arm)
                continue;
            tp_strbuf_addf(&k, "%s\x1f%s", arm, first);
            if (rules_map_has(&s->set, k.buf, k.len))
                continue;
            if (subj->actarmcd) {
                tp_strbuf_reset(&k);
                tp_strbuf_addf(&k, "%s\x1f%s", subj->actarmcd, first);
                if (rules_map_has(&s->set, k.buf, k.len))
                    continue;
            }
        } else {
            for (size_t j = 0; j < s->n; j++) {
                char buf[48];
                size_t len;
                const char *x = rules_cell(b, i, s->cols[j], buf, sizeof buf, &len);
                if (j)
                    tp_strbuf_addc(&k, '\x1f');
                tp_strbuf_add(&k, x, len);
            }
            if (rules_map_has(&s->set, k.buf ? k.buf : "", k.len))
                continue;
        }
        if (!rules_map_slot(&s->reported, k.buf ? k.buf : "", k.len, &created)) {
            rc = TP_E_NOMEM;
            break;
        }
        if (created)
            rc = rules_emit_row(run, r, b, i, tp_dataset_var(b, (size_t)s->cols[0])->name, first,
                                NULL);
    }
    tp_strbuf_release(&k);
    return rc;
}

static const struct rules_kind kind_value_in_dataset = {.name = "value_in_dataset",
                                                        .compile = vid_compile,
                                                        .free_cfg = dcfg_free,
                                                        .ds_begin = vid_begin,
                                                        .ds_rows = vid_rows,
                                                        .state_free = vid_free};

/* ---- record_exists: DM subjects have records in ref (or, inverted, records of ref belong to
   subjects that may have them) ---- */
struct rex_pstate {
    struct rules_map subjects; /* subjects with records in the reference dataset */
    bool seen_ref;
};

static void rex_pfree(void *p)
{
    struct rex_pstate *ps = p;
    if (!ps)
        return;
    rules_map_release(&ps->subjects, NULL);
    tp_free(ps);
}

static int rex_compile(struct rules_rule *r, struct tp_error *err)
{
    struct dcfg *c;
    int rc;
    (void)err;
    if ((rc = dcfg_new(r, "ref,if,invert,exclude_arm")))
        return rc;
    c = r->cfg;
    if (!c->ref || strchr(c->ref, '.'))
        return TP_E_UNSUPPORTED;
    if (c->invert && strcmp(c->ref, "DM") != 0)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int rex_pkg_begin(struct rules_rule *r, struct rules_pkg *p)
{
    struct rex_pstate *ps = tp_calloc(1, sizeof *ps);
    (void)p;
    if (!ps)
        return TP_E_NOMEM;
    rules_map_init(&ps->subjects);
    r->pstate = ps;
    return TP_OK;
}

struct rex_state {
    bool collect;
    struct rules_cond *conds;
    size_t n;
    struct rules_map reported;
};

static void rex_free(void *p)
{
    struct rex_state *s = p;
    if (!s)
        return;
    tp_free(s->conds);
    rules_map_release(&s->reported, NULL);
    tp_free(s);
}

static int rex_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct dcfg *c = r->cfg;
    struct rex_pstate *ps = r->pstate;
    struct rex_state *s;
    bool is_ref = strcmp(run->ds->name, c->ref) == 0;
    if (run->usubjid_col < 0)
        return RULES_SKIP;
    if (!c->invert && is_ref) {
        ps->seen_ref = true;
        if (!(s = tp_calloc(1, sizeof *s)))
            return TP_E_NOMEM;
        s->collect = true;
        rules_map_init(&s->reported);
        *st = s;
        return TP_OK;
    }
    if (!applies)
        return RULES_SKIP;
    if (!c->invert)
        return RULES_DONE; /* checked at the end, when the reference has streamed by */
    if (!run->pkg->dm || !run->pkg->dm->data) {
        rules_skip(r, "no DM dataset");
        return RULES_SKIP;
    }
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    rules_map_init(&s->reported);
    if (c->c_if.n) {
        if (!(s->conds = tp_calloc(c->c_if.n, sizeof *s->conds))) {
            rex_free(s);
            return TP_E_NOMEM;
        }
        memcpy(s->conds, c->c_if.c, c->c_if.n * sizeof *s->conds);
        s->n = c->c_if.n;
    }
    *st = s;
    return TP_OK;
}

static int rex_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct rex_state *s = state;
    struct rex_pstate *ps = r->pstate;
    int rc;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        char u[128];
        bool created;
        d_text(u, sizeof u, b, i, run->usubjid_col);
        if (!u[0])
            continue;
        if (s->collect) {
            if (!rules_map_slot(&ps->subjects, u, strlen(u), NULL))
                return TP_E_NOMEM;
            continue;
        }
        /* inverted: the record's subject must not match any of the conditions on DM */
        {
            const struct rules_subject *subj = rules_map_gets(&run->pkg->subjects, u);
            bool hit = false;
            if (!subj)
                continue;
            for (size_t k = 0; k < s->n && !hit; k++) {
                const char *v = rules_subject_field(subj, s->conds[k].var);
                if (s->conds[k].op == RCO_NULL)
                    hit = !v || !v[0];
                else if (s->conds[k].op == RCO_EQ)
                    hit = v && strcmp(v, s->conds[k].value) == 0;
            }
            if (!hit)
                continue;
            if (!rules_map_slot(&s->reported, u, strlen(u), &created))
                return TP_E_NOMEM;
            if (created && (rc = rules_emit_row(run, r, b, i, "USUBJID", u, NULL)))
                return rc;
        }
    }
    return TP_OK;
}

static int rex_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct dcfg *c = r->cfg;
    struct rex_pstate *ps = r->pstate;
    const struct tp_dataset *dm;
    long cu;
    struct rules_conds tmp;
    struct rules_cond *conds = NULL;
    int rc = TP_OK;
    if (c->invert || !p->dm || !p->dm->data || !rules_domain_match(r, p->dm))
        return TP_OK;
    if (!ps->seen_ref) {
        rules_skip(r, "no %s dataset", c->ref);
        return TP_OK;
    }
    r->status = TP_RULE_RAN;
    dm = p->dm->data;
    cu = tp_dataset_find_var(dm, "USUBJID");
    if (c->c_if.n) {
        if (!(conds = tp_calloc(c->c_if.n, sizeof *conds)))
            return TP_E_NOMEM;
        memcpy(conds, c->c_if.c, c->c_if.n * sizeof *conds);
        tmp.c = conds;
        tmp.n = c->c_if.n;
        rules_conds_resolve(p->dm, dm, &tmp);
    }
    for (size_t i = 0; cu >= 0 && i < tp_dataset_nrows(dm) && rc == TP_OK; i++) {
        char u[128], arm[64];
        bool ok = true;
        for (size_t k = 0; k < c->c_if.n && ok; k++)
            ok = rules_cond_eval(p, &conds[k], dm, i, cu, false);
        if (!ok)
            continue;
        if (c->exclude_arm.n) {
            long ac = tp_dataset_find_var(dm, "ACTARMCD"), pc = tp_dataset_find_var(dm, "ARMCD");
            d_text(arm, sizeof arm, dm, i, ac);
            if (rules_list_has(&c->exclude_arm, arm, strlen(arm), false))
                continue;
            d_text(arm, sizeof arm, dm, i, pc);
            if (rules_list_has(&c->exclude_arm, arm, strlen(arm), false))
                continue;
        }
        d_text(u, sizeof u, dm, i, cu);
        if (!u[0] || rules_map_has(&ps->subjects, u, strlen(u)))
            continue;
        rc = rules_emit(p, r, p->dm, (long)i + 1, u, "USUBJID", u, NULL);
    }
    tp_free(conds);
    return rc;
}

static const struct rules_kind kind_record_exists = {.name = "record_exists",
                                                     .compile = rex_compile,
                                                     .free_cfg = dcfg_free,
                                                     .all_datasets = true,
                                                     .pkg_begin = rex_pkg_begin,
                                                     .ds_begin = rex_begin,
                                                     .ds_rows = rex_rows,
                                                     .state_free = rex_free,
                                                     .pkg_end = rex_pkg_end,
                                                     .pstate_free = rex_pfree};

/* ---- cross_dataset_flag: DM.DTHFL is Y when a death is recorded elsewhere ---- */
struct cdf_src {
    char ds[12], var[12], value[48];
    bool any; /* "DD.*": any record */
};
struct cdf_pstate {
    struct cdf_src src[8];
    size_t n;
    struct rules_map evidence; /* USUBJID -> source text (static) */
    bool any_source;
};

static void cdf_pfree(void *p)
{
    struct cdf_pstate *ps = p;
    if (!ps)
        return;
    rules_map_release(&ps->evidence, NULL);
    tp_free(ps);
}

static int cdf_compile(struct rules_rule *r, struct tp_error *err)
{
    struct dcfg *c;
    int rc;
    (void)err;
    if ((rc = dcfg_new(r, "variable,value,sources")))
        return rc;
    c = r->cfg;
    if (!c->variable || !c->sources.n || strcmp(r->domains, "DM") != 0)
        return TP_E_UNSUPPORTED; /* the SUPPAE/AESMIE form is not wired in */
    for (size_t k = 0; k < c->sources.n; k++)
        if (strncmp(c->sources.v[k], "SUPP", 4) == 0)
            return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int cdf_pkg_begin(struct rules_rule *r, struct rules_pkg *p)
{
    const struct dcfg *c = r->cfg;
    struct cdf_pstate *ps = tp_calloc(1, sizeof *ps);
    (void)p;
    if (!ps)
        return TP_E_NOMEM;
    rules_map_init(&ps->evidence);
    r->pstate = ps;
    for (size_t k = 0; k < c->sources.n && ps->n < 8; k++) {
        const char *s = c->sources.v[k], *dot = strchr(s, '.'), *colon;
        struct cdf_src *x = &ps->src[ps->n];
        if (!dot)
            continue;
        snprintf(x->ds, sizeof x->ds, "%.*s", (int)(dot - s), s);
        if (strcmp(dot + 1, "*") == 0) {
            x->any = true;
        } else {
            colon = strchr(dot, ':');
            if (!colon)
                continue;
            snprintf(x->var, sizeof x->var, "%.*s", (int)(colon - dot - 1), dot + 1);
            snprintf(x->value, sizeof x->value, "%s", colon + 1);
        }
        ps->n++;
    }
    return TP_OK;
}

struct cdf_state {
    long col[8];
    const struct cdf_src *src[8];
    size_t n;
    char label[8][64];
};

static int cdf_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    struct cdf_pstate *ps = r->pstate;
    struct cdf_state *s;
    (void)applies;
    if (run->usubjid_col < 0 || strcmp(run->ds->name, "DM") == 0)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    for (size_t k = 0; k < ps->n; k++) {
        const struct cdf_src *x = &ps->src[k];
        if (strcmp(run->ds->name, x->ds) != 0 && strcmp(run->ds->domain, x->ds) != 0)
            continue;
        s->col[s->n] = x->any ? -1 : tp_dataset_find_var(run->meta, x->var);
        if (!x->any && s->col[s->n] < 0)
            continue;
        s->src[s->n] = x;
        snprintf(s->label[s->n], sizeof s->label[0], x->any ? "%s" : "%s.%s=%s", x->ds, x->var,
                 x->value);
        s->n++;
    }
    if (!s->n) {
        tp_free(s);
        return RULES_SKIP;
    }
    ps->any_source = true;
    *st = s;
    return TP_OK;
}

static int cdf_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct cdf_pstate *ps = r->pstate;
    struct cdf_state *s = state;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++)
        for (size_t k = 0; k < s->n; k++) {
            char v[64], u[128];
            void **slot;
            if (!s->src[k]->any) {
                d_text(v, sizeof v, b, i, s->col[k]);
                if (strcmp(v, s->src[k]->value) != 0)
                    continue;
            }
            d_text(u, sizeof u, b, i, run->usubjid_col);
            if (!u[0])
                continue;
            if (!(slot = rules_map_slot(&ps->evidence, u, strlen(u), NULL)))
                return TP_E_NOMEM;
            if (!*slot)
                *slot = (void *)(uintptr_t)(const void *)s->src[k];
        }
    return TP_OK;
}

static int cdf_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct dcfg *c = r->cfg;
    struct cdf_pstate *ps = r->pstate;
    const struct tp_dataset *dm;
    long cu, cf;
    const char *want = rules_param(r, "value");
    int rc = TP_OK;
    if (!p->dm || !p->dm->data)
        return TP_OK;
    dm = p->dm->data;
    cu = tp_dataset_find_var(dm, "USUBJID");
    cf = tp_dataset_find_var(dm, c->variable);
    if (cu < 0)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < tp_dataset_nrows(dm) && rc == TP_OK; i++) {
        char u[128], f[16], src[80];
        const struct cdf_src *x;
        d_text(u, sizeof u, dm, i, cu);
        x = u[0] ? rules_map_gets(&ps->evidence, u) : NULL;
        if (!x)
            continue;
        d_text(f, sizeof f, dm, i, cf);
        if (want && strcmp(f, want) == 0)
            continue;
        if (x->any)
            snprintf(src, sizeof src, "%s", x->ds);
        else
            snprintf(src, sizeof src, "%s.%s=%s", x->ds, x->var, x->value);
        rc = rules_emit(p, r, p->dm, (long)i + 1, u, c->variable, f,
                        (const char *const[]){"source", src, NULL});
    }
    return rc;
}

static const struct rules_kind kind_cross_dataset_flag = {.name = "cross_dataset_flag",
                                                          .compile = cdf_compile,
                                                          .free_cfg = dcfg_free,
                                                          .all_datasets = true,
                                                          .pkg_begin = cdf_pkg_begin,
                                                          .ds_begin = cdf_begin,
                                                          .ds_rows = cdf_rows,
                                                          .state_free = tp_free,
                                                          .pkg_end = cdf_pkg_end,
                                                          .pstate_free = cdf_pfree};

/* ---- baseline_flag_present / baseline_unique ---- */
struct bl_state {
    long flag;
    long by[12];
    size_t nby;
    struct rules_map subjects; /* subject -> 1 (any record) or 2 (a flagged record) */
    struct rules_map groups;   /* group -> count */
};

static void bl_free(void *p)
{
    struct bl_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->subjects, NULL);
    rules_map_release(&s->groups, NULL);
    tp_free(s);
}

static int bl_compile(struct rules_rule *r, struct tp_error *err)
{
    struct dcfg *c;
    int rc;
    (void)err;
    if ((rc = dcfg_new(r, "flag,exclude_arm,by")))
        return rc;
    c = r->cfg;
    return c->flag ? TP_OK : TP_E_UNSUPPORTED;
}

static int bl_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct dcfg *c = r->cfg;
    struct bl_state *s;
    long flag;
    if (!applies || run->usubjid_col < 0)
        return RULES_SKIP;
    flag = rules_col(run->ds, run->meta, c->flag);
    if (flag < 0)
        return RULES_SKIP;
    if (strcmp(r->check, "baseline_flag_present") == 0 && (!run->pkg->dm || !run->pkg->dm->data)) {
        rules_skip(r, "no DM dataset");
        return RULES_SKIP;
    }
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->flag = flag;
    rules_map_init(&s->subjects);
    rules_map_init(&s->groups);
    for (size_t k = 0; k < c->by.n && s->nby < 12; k++) {
        long col = rules_col(run->ds, run->meta, c->by.v[k]);
        if (col >= 0)
            s->by[s->nby++] = col;
    }
    if (run->ds->cls == RC_FINDINGS_ABOUT && s->nby && s->nby < 12) {
        long obj = rules_col(run->ds, run->meta, "--OBJ"); /* the object is part of the test */
        if (obj >= 0)
            s->by[s->nby++] = obj;
    }
    *st = s;
    return TP_OK;
}

static int bl_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    struct bl_state *s = state;
    bool present = strcmp(r->check, "baseline_flag_present") == 0;
    struct tp_strbuf k;
    int rc = TP_OK;
    tp_strbuf_init(&k);
    for (size_t i = 0; i < tp_dataset_nrows(b) && rc == TP_OK; i++) {
        char fbuf[8];
        size_t fl;
        const char *f = rules_cell(b, i, s->flag, fbuf, sizeof fbuf, &fl);
        bool y = fl == 1 && f[0] == 'Y';
        if (present) {
            char u[128];
            void **slot;
            d_text(u, sizeof u, b, i, run->usubjid_col);
            if (!u[0])
                continue;
            if (!(slot = rules_map_slot(&s->subjects, u, strlen(u), NULL))) {
                rc = TP_E_NOMEM;
                break;
            }
            if (!*slot)
                *slot = (void *)(uintptr_t)(i + run->row0 + 1) /* first row */;
            if (y)
                *slot = (void *)(uintptr_t)0xFFFFFFFFu;
            continue;
        }
        if (!y)
            continue;
        {
            void **slot;
            tp_strbuf_reset(&k);
            for (size_t j = 0; j < s->nby; j++) {
                char buf[48];
                size_t len;
                const char *x = rules_cell(b, i, s->by[j], buf, sizeof buf, &len);
                if (j)
                    tp_strbuf_addc(&k, '\x1f');
                tp_strbuf_add(&k, x, len);
            }
            if (!(slot = rules_map_slot(&s->groups, k.buf ? k.buf : "", k.len, NULL))) {
                rc = TP_E_NOMEM;
                break;
            }
            *slot = (void *)((uintptr_t)*slot + 1);
            if ((uintptr_t)*slot == 2) {
                char cnt[8] = "2", tc[64] = "";
                long tcol = rules_col(run->ds, run->meta, "--TESTCD");
                if (tcol >= 0)
                    d_text(tc, sizeof tc, b, i, tcol);
                rc = rules_emit_row(run, r, b, i, tp_dataset_var(b, (size_t)s->flag)->name, "Y",
                                    (const char *const[]){"count", cnt, "testcd", tc, NULL});
            }
        }
    }
    tp_strbuf_release(&k);
    return rc;
}

static int bl_end(struct rules_rule *r, struct rules_run *run, void *state)
{
    const struct dcfg *c = r->cfg;
    struct bl_state *s = state;
    int rc;
    if (strcmp(r->check, "baseline_flag_present") != 0)
        return TP_OK;
    for (size_t i = 0; i < s->subjects.cap; i++) {
        const struct rules_map_slot *sl = &s->subjects.slots[i];
        const struct rules_subject *subj;
        if (!sl->key || (uintptr_t)sl->val == 0xFFFFFFFFu)
            continue;
        subj = rules_map_get(&run->pkg->subjects, sl->key, sl->klen);
        if (!subj || !subj->actarmcd || !subj->actarmcd[0] ||
            rules_list_has(&c->exclude_arm, subj->actarmcd, strlen(subj->actarmcd), false) ||
            (subj->armcd &&
             rules_list_has(&c->exclude_arm, subj->armcd, strlen(subj->armcd), false)))
            continue;
        if ((rc = rules_emit(run->pkg, r, run->ds, (long)(uintptr_t)sl->val, subj->usubjid,
                             tp_dataset_var(run->meta, (size_t)s->flag)->name, NULL, NULL)))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_baseline_flag_present = {.name = "baseline_flag_present",
                                                             .compile = bl_compile,
                                                             .free_cfg = dcfg_free,
                                                             .ds_begin = bl_begin,
                                                             .ds_rows = bl_rows,
                                                             .ds_end = bl_end,
                                                             .state_free = bl_free};
static const struct rules_kind kind_baseline_unique = {.name = "baseline_unique",
                                                       .compile = bl_compile,
                                                       .free_cfg = dcfg_free,
                                                       .ds_begin = bl_begin,
                                                       .ds_rows = bl_rows,
                                                       .ds_end = bl_end,
                                                       .state_free = bl_free};

/* ---- units_consistent: one --STRESU per assessment (group fingerprint -> unit hash) ---- */
struct uc_state {
    long by[12], unit, test;
    size_t nby;
    struct rules_map units; /* group fp (8 bytes) -> unit hash */
    struct rules_map reported;
    uint64_t last_g, last_u;
};

static void uc_free(void *p)
{
    struct uc_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->units, NULL);
    rules_map_release(&s->reported, NULL);
    tp_free(s);
}

static int uc_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return dcfg_new(r, "by");
}

static int uc_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct dcfg *c = r->cfg;
    struct uc_state *s;
    long unit;
    if (!applies)
        return RULES_SKIP;
    unit = rules_col(run->ds, run->meta, "--STRESU");
    if (unit < 0)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->unit = unit;
    s->test = rules_col(run->ds, run->meta, "--TESTCD");
    rules_map_init(&s->units);
    rules_map_init(&s->reported);
    for (size_t k = 0; k < c->by.n && s->nby < 12; k++) {
        long col = rules_col(run->ds, run->meta, c->by.v[k]);
        if (col >= 0)
            s->by[s->nby++] = col;
    }
    if (!s->nby) {
        uc_free(s);
        return RULES_SKIP;
    }
    *st = s;
    return TP_OK;
}

static int uc_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    struct uc_state *s = state;
    int rc;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        size_t ul;
        const char *u = tp_dataset_str(b, i, (size_t)s->unit, &ul);
        uint64_t g, uh;
        void **slot;
        bool created;
        while (ul && u[ul - 1] == ' ')
            ul--;
        if (!ul)
            continue;
        g = rules_row_fp(b, i, s->by, s->nby);
        uh = rules_hash(u, ul, 7) | 1;
        if (g == s->last_g && uh == s->last_u)
            continue;
        s->last_g = g;
        s->last_u = uh;
        if (!(slot = rules_map_slot(&s->units, (const char *)&g, sizeof g, &created)))
            return TP_E_NOMEM;
        if (created) {
            *slot = (void *)(uintptr_t)uh;
            continue;
        }
        if ((uint64_t)(uintptr_t)*slot == uh)
            continue;
        if (!rules_map_slot(&s->reported, (const char *)&g, sizeof g, &created))
            return TP_E_NOMEM;
        if (created) {
            char tc[64] = "", val[64];
            if (s->test >= 0)
                d_text(tc, sizeof tc, b, i, s->test);
            snprintf(val, sizeof val, "%.*s", (int)ul, u);
            if ((rc = rules_emit_row(run, r, b, i, tp_dataset_var(b, (size_t)s->unit)->name, val,
                                     (const char *const[]){"testcd", tc, NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_units_consistent = {.name = "units_consistent",
                                                        .compile = uc_compile,
                                                        .free_cfg = dcfg_free,
                                                        .ds_begin = uc_begin,
                                                        .ds_rows = uc_rows,
                                                        .state_free = uc_free};

const struct rules_kind *const rules_kinds_design[] = {
    &kind_ts_param_present,
    &kind_ts_param_single,
    &kind_ts_value_format,
    &kind_ts_param_conditional,
    &kind_arm_consistency,
    &kind_se_contiguous,
    &kind_value_in_dataset,
    &kind_record_exists,
    &kind_cross_dataset_flag,
    &kind_baseline_flag_present,
    &kind_baseline_unique,
    &kind_units_consistent,
    NULL,
};
