/*
 * Record-level value rules, generic over the catalogue's Params (mappings/rules/README.md):
 * populated/null under conditions, allowed and forbidden values, lengths, patterns, equal
 * variables, variables null together, signs and order of numbers, Req variables never null,
 * clean text, one-to-one relationships and --STRESC/--STRESN agreement. Each kind compiles its
 * Params once; per dataset it resolves the "--" names to columns and then loops over the batch.
 */
#include "rules.h"

#include <math.h>

/* value domains named by valuedomain= (from the IG tables' ValueDomain column) */
static const char *const vd_nullflavor[] = {"NI",   "INV", "DER", "OTH", "PINF", "NINF",
                                            "UNC",  "MSK", "NA",  "UNK", "ASKU", "NAV",
                                            "NASK", "QS",  "TRC", "NP",  NULL};

struct vcfg {
    struct rules_list vars, values, exclude, pairs, exclude_arm;
    struct rules_conds c_if, c_any, c_unless, c_req;
    const char *const *vdomain;
    long max, length;
    bool null_ok, null_set, nocase, strict, dur, not_numeric, numeric_only, have_re;
    const char *left, *right, *check;
    regex_t re;
};

static void vcfg_free(void *p)
{
    struct vcfg *c = p;
    if (!c)
        return;
    rules_list_release(&c->vars);
    rules_list_release(&c->values);
    rules_list_release(&c->exclude);
    rules_list_release(&c->pairs);
    rules_list_release(&c->exclude_arm);
    rules_conds_release(&c->c_if);
    rules_conds_release(&c->c_any);
    rules_conds_release(&c->c_unless);
    rules_conds_release(&c->c_req);
    if (c->have_re)
        regfree(&c->re);
    tp_free(c);
}

static int vcfg_new(struct rules_rule *r, const char *allowed)
{
    struct vcfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, allowed);
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    if (((t = rules_param(r, "variable")) && rules_list_split(t, ',', &c->vars)) ||
        ((t = rules_param(r, "values")) && rules_list_split(t, ',', &c->values)) ||
        ((t = rules_param(r, "exclude")) && rules_list_split(t, ',', &c->exclude)) ||
        ((t = rules_param(r, "pairs")) && rules_list_split(t, ',', &c->pairs)) ||
        ((t = rules_param(r, "exclude_arm")) && rules_list_split(t, ',', &c->exclude_arm)) ||
        rules_conds_parse(rules_param(r, "if"), &c->c_if) ||
        rules_conds_parse(rules_param(r, "if_any"), &c->c_any) ||
        rules_conds_parse(rules_param(r, "unless"), &c->c_unless) ||
        rules_conds_parse(rules_param(r, "require_any"), &c->c_req))
        return TP_E_NOMEM;
    if ((t = rules_param(r, "valuedomain"))) {
        if (strcmp(t, "ISO 21090 NullFlavor") != 0)
            return TP_E_UNSUPPORTED;
        c->vdomain = vd_nullflavor;
    }
    if ((t = rules_param(r, "null"))) {
        c->null_set = true;
        c->null_ok = rules_param_yes(r, "null");
    }
    if ((t = rules_param(r, "max")))
        c->max = strtol(t, NULL, 10);
    if ((t = rules_param(r, "length")))
        c->length = strtol(t, NULL, 10);
    if ((t = rules_param(r, "case")))
        c->nocase = strcmp(t, "insensitive") == 0;
    c->strict = rules_param_yes(r, "strict");
    c->not_numeric = rules_param_yes(r, "not_numeric");
    c->numeric_only = rules_param_yes(r, "numeric_only");
    if ((t = rules_param(r, "format"))) {
        if (strcmp(t, "iso8601_duration") != 0)
            return TP_E_UNSUPPORTED;
        c->dur = true;
    }
    if ((t = rules_param(r, "pattern"))) {
        if (regcomp(&c->re, t, REG_EXTENDED | REG_NOSUB) != 0)
            return TP_E_UNSUPPORTED;
        c->have_re = true;
    }
    c->left = rules_param(r, "left");
    c->right = rules_param(r, "right");
    c->check = rules_param(r, "check");
    return TP_OK;
}

/* Per-dataset state: target columns, condition columns (copies of the cfg's conditions). */
struct vstate {
    long *cols;         /* target variables (resolved, present) */
    const char **names; /* their names (borrowed from meta) */
    size_t ncols;
    long *pa, *pb; /* pairs */
    size_t npairs;
    struct rules_cond *cif, *cany, *cunless, *creq;
    long l, rr, armcol, testcd;
    regex_t *re;
};

static void vstate_free(void *p)
{
    struct vstate *s = p;
    if (!s)
        return;
    tp_free(s->cols);
    tp_free(s->names);
    tp_free(s->pa);
    tp_free(s->pb);
    tp_free(s->cif);
    tp_free(s->cany);
    tp_free(s->cunless);
    tp_free(s->creq);
    tp_free(s);
}

static int v_conds_copy(const struct rules_conds *src, const struct rules_ds *ds,
                        const struct tp_dataset *meta, struct rules_cond **out)
{
    struct rules_conds tmp;
    if (!src->n)
        return TP_OK;
    if (!(*out = tp_calloc(src->n, sizeof **out)))
        return TP_E_NOMEM;
    memcpy(*out, src->c, src->n * sizeof **out);
    tmp.c = *out;
    tmp.n = src->n;
    rules_conds_resolve(ds, meta, &tmp);
    return TP_OK;
}

/* Build the state: every variable of vars matching meta (wildcards allowed). */
static int vstate_new(const struct vcfg *c, struct rules_run *run, struct vstate **out)
{
    struct vstate *s = tp_calloc(1, sizeof *s);
    size_t nv = tp_dataset_nvars(run->meta);
    *out = NULL;
    if (!s || !(s->cols = tp_calloc(nv + 1, sizeof *s->cols)) ||
        !(s->names = tp_calloc(nv + 1, sizeof *s->names)) ||
        !(s->pa = tp_calloc(c->pairs.n + 1, sizeof *s->pa)) ||
        !(s->pb = tp_calloc(c->pairs.n + 1, sizeof *s->pb)))
        goto nomem;
    for (size_t i = 0; i < nv; i++) {
        const char *name = tp_dataset_var(run->meta, i)->name;
        for (size_t k = 0; k < c->vars.n; k++)
            if (rules_name_match(run->ds, c->vars.v[k], name)) {
                s->cols[s->ncols] = (long)i;
                s->names[s->ncols++] = name;
                break;
            }
    }
    for (size_t k = 0; k < c->pairs.n; k++) {
        const char *colon = strchr(c->pairs.v[k], ':');
        char left[64];
        long a, b;
        if (!colon)
            continue;
        snprintf(left, sizeof left, "%.*s", (int)(colon - c->pairs.v[k]), c->pairs.v[k]);
        a = rules_col(run->ds, run->meta, left);
        b = rules_col(run->ds, run->meta, colon + 1);
        if (a < 0 || b < 0)
            continue;
        s->pa[s->npairs] = a;
        s->pb[s->npairs++] = b;
    }
    if (v_conds_copy(&c->c_if, run->ds, run->meta, &s->cif) ||
        v_conds_copy(&c->c_any, run->ds, run->meta, &s->cany) ||
        v_conds_copy(&c->c_unless, run->ds, run->meta, &s->cunless) ||
        v_conds_copy(&c->c_req, run->ds, run->meta, &s->creq))
        goto nomem;
    s->l = c->left ? rules_col(run->ds, run->meta, c->left) : -1;
    s->rr = c->right ? rules_col(run->ds, run->meta, c->right) : -1;
    s->armcol = tp_dataset_find_var(run->meta, "ARMCD");
    s->testcd = rules_col(run->ds, run->meta, "--TESTCD");
    *out = s;
    return TP_OK;
nomem:
    vstate_free(s);
    return TP_E_NOMEM;
}

/* A condition on a variable the dataset lacks (other than DM.*) cannot be decided: the rule
   does not apply to that dataset. */
static bool v_conds_usable(const struct rules_cond *cs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!cs[i].dm && cs[i].col < 0)
            return false;
    return true;
}

static bool v_all(const struct rules_pkg *p, const struct rules_cond *cs, size_t n,
                  const struct tp_dataset *b, size_t i, long ucol, bool nocase)
{
    for (size_t k = 0; k < n; k++)
        if (!rules_cond_eval(p, &cs[k], b, i, ucol, nocase))
            return false;
    return true;
}

static bool v_any(const struct rules_pkg *p, const struct rules_cond *cs, size_t n,
                  const struct tp_dataset *b, size_t i, long ucol, bool nocase, const char **which)
{
    for (size_t k = 0; k < n; k++)
        if (rules_cond_eval(p, &cs[k], b, i, ucol, nocase)) {
            if (which)
                *which = cs[k].var;
            return true;
        }
    return false;
}

/* Record passes the rule's if / if_any / unless conditions. */
static bool v_gate(const struct vcfg *c, const struct vstate *s, const struct rules_run *run,
                   const struct tp_dataset *b, size_t i, const char **which)
{
    if (c->c_if.n && !v_all(run->pkg, s->cif, c->c_if.n, b, i, run->usubjid_col, c->nocase))
        return false;
    if (c->c_any.n &&
        !v_any(run->pkg, s->cany, c->c_any.n, b, i, run->usubjid_col, c->nocase, which))
        return false;
    if (c->c_unless.n &&
        v_any(run->pkg, s->cunless, c->c_unless.n, b, i, run->usubjid_col, c->nocase, NULL))
        return false;
    return true;
}

static bool v_arm_excluded(const struct vcfg *c, const struct vstate *s,
                           const struct rules_run *run, const struct tp_dataset *b, size_t i)
{
    char buf[48];
    size_t n;
    const char *v;
    if (!c->exclude_arm.n)
        return false;
    if (s->armcol >= 0) {
        v = rules_cell(b, i, s->armcol, buf, sizeof buf, &n);
    } else {
        const struct rules_subject *subj = rules_subject_of(run->pkg, b, i, run->usubjid_col);
        v = subj && subj->armcd ? subj->armcd : "";
        n = strlen(v);
    }
    return rules_list_has(&c->exclude_arm, v, n, false);
}

static void v_text(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* ---- value_present_if ---- */
static int vpi_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "variable,if,if_any,unless,require_any,pairs,exclude_arm,case");
}

static int vpi_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s;
    int rc;
    if (!applies)
        return RULES_SKIP;
    if ((rc = vstate_new(c, run, &s)))
        return rc;
    /* nothing to test: variables absent, or a condition on a variable this dataset lacks */
    if ((c->vars.n && !s->ncols) || (c->pairs.n && !s->npairs) ||
        (c->c_if.n && !v_conds_usable(s->cif, c->c_if.n))) {
        vstate_free(s);
        return RULES_DONE;
    }
    if (c->c_req.n && !c->vars.n) {
        bool any = false;
        for (size_t k = 0; k < c->c_req.n; k++)
            any |= s->creq[k].col >= 0 || s->creq[k].dm;
        if (!any) {
            vstate_free(s);
            return RULES_DONE;
        }
    }
    *st = s;
    return TP_OK;
}

static int vpi_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        const char *which = NULL;
        if (!v_gate(c, s, run, b, i, &which) || v_arm_excluded(c, s, run, b, i))
            continue;
        for (size_t k = 0; k < s->ncols; k++)
            if (rules_cell_null(b, i, s->cols[k])) {
                char val[128] = "";
                const char *wv = which;
                char wbuf[64];
                if (which) {
                    long wc = rules_col(run->ds, run->meta, which);
                    char buf[48];
                    size_t len;
                    const char *x = rules_cell(b, i, wc, buf, sizeof buf, &len);
                    v_text(val, sizeof val, x, len);
                    rules_varname(run->ds, which, wbuf, sizeof wbuf);
                    wv = wbuf;
                } else if (c->c_if.n && s->cif[0].col >= 0) {
                    char buf[48];
                    size_t len;
                    const char *x = rules_cell(b, i, s->cif[0].col, buf, sizeof buf, &len);
                    v_text(val, sizeof val, x, len);
                }
                {
                    char tc[64] = "", tb[48];
                    size_t tl;
                    if (s->testcd >= 0) {
                        const char *t = rules_cell(b, i, s->testcd, tb, sizeof tb, &tl);
                        v_text(tc, sizeof tc, t, tl);
                    }
                    if ((rc = rules_emit_row(
                             run, r, b, i, wv ? wv : s->names[k], val,
                             (const char *const[]){"param", val, "testcd", tc, NULL})))
                        return rc;
                }
            }
        for (size_t k = 0; k < s->npairs; k++)
            if (!rules_cell_null(b, i, s->pa[k]) && rules_cell_null(b, i, s->pb[k])) {
                const char *an = tp_dataset_var(b, (size_t)s->pa[k])->name;
                const char *bn = tp_dataset_var(b, (size_t)s->pb[k])->name;
                if ((rc = rules_emit_row(run, r, b, i, an, NULL,
                                         (const char *const[]){"required", bn, NULL})))
                    return rc;
            }
        if (c->c_req.n && !c->vars.n &&
            !v_any(run->pkg, s->creq, c->c_req.n, b, i, run->usubjid_col, c->nocase, NULL)) {
            if ((rc = rules_emit_row(run, r, b, i, NULL, NULL, NULL)))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_value_present_if = {.name = "value_present_if",
                                                        .compile = vpi_compile,
                                                        .free_cfg = vcfg_free,
                                                        .ds_begin = vpi_begin,
                                                        .ds_rows = vpi_rows,
                                                        .state_free = vstate_free};

/* ---- value_null_if ---- */
static int vni_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "variable,if");
}

static int vni_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s;
    int rc;
    if (!applies)
        return RULES_SKIP;
    if ((rc = vstate_new(c, run, &s)))
        return rc;
    if (!s->ncols || !v_conds_usable(s->cif, c->c_if.n)) {
        vstate_free(s);
        return RULES_DONE;
    }
    for (size_t k = 0; k < c->c_if.n; k++)
        if (s->cif[k].dm && !run->pkg->dm) {
            rules_skip(r, "no DM dataset");
            vstate_free(s);
            return RULES_SKIP;
        }
    *st = s;
    return TP_OK;
}

static int vni_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        if (!v_gate(c, s, run, b, i, NULL))
            continue;
        if (c->c_if.n && s->cif[0].dm && !rules_subject_of(run->pkg, b, i, run->usubjid_col))
            continue; /* subject not in DM: usubjid_in_dm reports it */
        for (size_t k = 0; k < s->ncols; k++)
            if (!rules_cell_null(b, i, s->cols[k])) {
                char buf[48], val[128], p[128] = "";
                size_t len;
                const char *x = rules_cell(b, i, s->cols[k], buf, sizeof buf, &len);
                v_text(val, sizeof val, x, len);
                if (c->c_if.n && s->cif[0].col >= 0) {
                    x = rules_cell(b, i, s->cif[0].col, buf, sizeof buf, &len);
                    v_text(p, sizeof p, x, len);
                }
                if ((rc = rules_emit_row(run, r, b, i, s->names[k], val,
                                         (const char *const[]){"param", p, NULL})))
                    return rc;
            }
    }
    return TP_OK;
}

static const struct rules_kind kind_value_null_if = {.name = "value_null_if",
                                                     .compile = vni_compile,
                                                     .free_cfg = vcfg_free,
                                                     .ds_begin = vni_begin,
                                                     .ds_rows = vni_rows,
                                                     .state_free = vstate_free};

/* ---- value_in_list / value_not_in_list ---- */
static bool v_in(const struct vcfg *c, const char *s, size_t n, bool nocase)
{
    if (c->vdomain) {
        for (size_t i = 0; c->vdomain[i]; i++)
            if (strlen(c->vdomain[i]) == n && memcmp(c->vdomain[i], s, n) == 0)
                return true;
        return false;
    }
    return rules_list_has(&c->values, s, n, nocase);
}

static int vil_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "variable,values,null,valuedomain,if,if_any");
}

static int vnl_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "variable,values,valuedomain,if");
}

static int vil_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s;
    int rc;
    if (!applies)
        return RULES_SKIP;
    if ((rc = vstate_new(c, run, &s)))
        return rc;
    if (!s->ncols || !v_conds_usable(s->cif, c->c_if.n)) {
        vstate_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int vil_rows_common(struct rules_rule *r, struct rules_run *run, void *state,
                           const struct tp_dataset *b, bool forbidden)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    bool gated = c->c_if.n || c->c_any.n;
    /* null values: allowed unless null=no, or (value_in_list) a condition demands a value */
    bool null_ok = forbidden ? true : (c->null_set ? c->null_ok : !gated);
    int rc;
    for (size_t i = 0; i < n; i++) {
        const char *which = NULL;
        if (!v_gate(c, s, run, b, i, &which))
            continue;
        for (size_t k = 0; k < s->ncols; k++) {
            char buf[48], val[128];
            size_t len;
            const char *x = rules_cell(b, i, s->cols[k], buf, sizeof buf, &len);
            bool bad;
            if (!len)
                bad = !null_ok;
            else
                bad = forbidden ? v_in(c, x, len, true) : !v_in(c, x, len, false);
            if (!bad)
                continue;
            v_text(val, sizeof val, x, len);
            if ((rc = rules_emit_row(run, r, b, i, which ? which : s->names[k], val, NULL)))
                return rc;
        }
    }
    return TP_OK;
}

static int vil_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    return vil_rows_common(r, run, state, b, false);
}

static int vnl_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    return vil_rows_common(r, run, state, b, true);
}

static const struct rules_kind kind_value_in_list = {.name = "value_in_list",
                                                     .compile = vil_compile,
                                                     .free_cfg = vcfg_free,
                                                     .ds_begin = vil_begin,
                                                     .ds_rows = vil_rows,
                                                     .state_free = vstate_free};
static const struct rules_kind kind_value_not_in_list = {.name = "value_not_in_list",
                                                         .compile = vnl_compile,
                                                         .free_cfg = vcfg_free,
                                                         .ds_begin = vil_begin,
                                                         .ds_rows = vnl_rows,
                                                         .state_free = vstate_free};

/* ---- value_length (characters) / value_pattern ---- */
static int vlen_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "variable,max,length,exclude");
}

static int vpat_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "variable,pattern,not_numeric");
}

static int vlen_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct vcfg *c = r->cfg;
    if (!applies)
        return RULES_SKIP;
    if (rules_list_has(&c->exclude, run->ds->name, strlen(run->ds->name), true) ||
        rules_list_has(&c->exclude, run->ds->domain, strlen(run->ds->domain), true) ||
        (run->ds->is_ap && rules_list_has(&c->exclude, "AP--", 4, false)))
        return RULES_SKIP;
    return vil_begin(r, run, applies, st);
}

static size_t v_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
    return k;
}

static int vlen_rows(struct rules_rule *r, struct rules_run *run, void *state,
                     const struct tp_dataset *b)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t k = 0; k < s->ncols; k++)
        for (size_t i = 0; i < n; i++) {
            char buf[48], val[256];
            size_t len, nc;
            const char *x = rules_cell(b, i, s->cols[k], buf, sizeof buf, &len);
            if (!len)
                continue;
            nc = v_chars(x, len);
            if ((c->max && (long)nc > c->max) || (c->length && (long)nc != c->length)) {
                v_text(val, sizeof val, x, len);
                if ((rc = rules_emit_row(run, r, b, i, s->names[k], val, NULL)))
                    return rc;
            }
        }
    return TP_OK;
}

static int vpat_rows(struct rules_rule *r, struct rules_run *run, void *state,
                     const struct tp_dataset *b)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t k = 0; k < s->ncols; k++) {
        const char *prev = NULL;
        size_t prevn = 0;
        for (size_t i = 0; i < n; i++) {
            char buf[48], val[256];
            size_t len;
            const char *x = rules_cell(b, i, s->cols[k], buf, sizeof buf, &len);
            bool bad;
            if (!len || (prev && len == prevn && memcmp(prev, x, len) == 0))
                continue;
            v_text(val, sizeof val, x, len);
            if (c->not_numeric)
                bad = rules_text_is_number(x, len, NULL);
            else
                bad = c->have_re && regexec(&c->re, val, 0, NULL, 0) != 0;
            if (bad && (rc = rules_emit_row(run, r, b, i, s->names[k], val, NULL)))
                return rc;
            /* text cells stay put within the batch: remember the last good one */
            prev = (!bad && rules_is_char(b, s->cols[k])) ? x : NULL;
            prevn = len;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_value_length = {.name = "value_length",
                                                    .compile = vlen_compile,
                                                    .free_cfg = vcfg_free,
                                                    .ds_begin = vlen_begin,
                                                    .ds_rows = vlen_rows,
                                                    .state_free = vstate_free};
static const struct rules_kind kind_value_pattern = {.name = "value_pattern",
                                                     .compile = vpat_compile,
                                                     .free_cfg = vcfg_free,
                                                     .ds_begin = vil_begin,
                                                     .ds_rows = vpat_rows,
                                                     .state_free = vstate_free};

/* ---- value_equal: left == right, or each pair A:B (compared when either is populated) ---- */
static int veq_compile(struct rules_rule *r, struct tp_error *err)
{
    int rc;
    struct vcfg *c;
    (void)err;
    if ((rc = vcfg_new(r, "left,right,pairs")))
        return rc;
    c = r->cfg;
    if (c->left && c->right) {
        char *pair = tp_malloc(strlen(c->left) + strlen(c->right) + 2);
        struct rules_list l;
        if (!pair)
            return TP_E_NOMEM;
        snprintf(pair, strlen(c->left) + strlen(c->right) + 2, "%s:%s", c->left, c->right);
        rc = rules_list_split(pair, ',', &l);
        tp_free(pair);
        if (rc)
            return rc;
        rules_list_release(&c->pairs);
        c->pairs = l;
    }
    return TP_OK;
}

static int veq_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s;
    int rc;
    if (!applies)
        return RULES_SKIP;
    if ((rc = vstate_new(c, run, &s)))
        return rc;
    if (!s->npairs) {
        vstate_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int veq_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t k = 0; k < s->npairs; k++)
        for (size_t i = 0; i < n; i++) {
            char b1[48], b2[48], val[128];
            size_t l1, l2;
            const char *x = rules_cell(b, i, s->pa[k], b1, sizeof b1, &l1);
            const char *y = rules_cell(b, i, s->pb[k], b2, sizeof b2, &l2);
            if ((!l1 && !l2) || (l1 == l2 && memcmp(x, y, l1) == 0))
                continue;
            v_text(val, sizeof val, x, l1);
            if ((rc = rules_emit_row(run, r, b, i, tp_dataset_var(b, (size_t)s->pa[k])->name, val,
                                     NULL)))
                return rc;
        }
    return TP_OK;
}

static const struct rules_kind kind_value_equal = {.name = "value_equal",
                                                   .compile = veq_compile,
                                                   .free_cfg = vcfg_free,
                                                   .ds_begin = veq_begin,
                                                   .ds_rows = veq_rows,
                                                   .state_free = vstate_free};

/* ---- null_together ---- */
static int nt_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "variable");
}

static int nt_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s;
    int rc;
    if (!applies)
        return RULES_SKIP;
    if ((rc = vstate_new(c, run, &s)))
        return rc;
    if (s->ncols < 2) {
        vstate_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int nt_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        bool first = rules_cell_null(b, i, s->cols[0]);
        for (size_t k = 1; k < s->ncols; k++)
            if (rules_cell_null(b, i, s->cols[k]) != first) {
                if ((rc = rules_emit_row(run, r, b, i, s->names[first ? 0 : k], NULL, NULL)))
                    return rc;
                break;
            }
    }
    return TP_OK;
}

static const struct rules_kind kind_null_together = {.name = "null_together",
                                                     .compile = nt_compile,
                                                     .free_cfg = vcfg_free,
                                                     .ds_begin = nt_begin,
                                                     .ds_rows = nt_rows,
                                                     .state_free = vstate_free};

/* ---- non_negative ---- */
static int nn_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "variable,strict,format");
}

static int nn_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t k = 0; k < s->ncols; k++)
        for (size_t i = 0; i < n; i++) {
            char buf[48], val[128];
            size_t len;
            const char *x = rules_cell(b, i, s->cols[k], buf, sizeof buf, &len);
            double d;
            bool bad;
            if (!len)
                continue;
            if (c->dur)
                bad = x[0] == '-' || (c->strict && rules_iso_duration(x, len, false) &&
                                      strspn(x, "P0T.YMWDHS") == len);
            else
                bad = rules_cell_number(b, i, s->cols[k], &d) && (c->strict ? d <= 0 : d < 0);
            if (!bad)
                continue;
            v_text(val, sizeof val, x, len);
            if ((rc = rules_emit_row(run, r, b, i, s->names[k], val, NULL)))
                return rc;
        }
    return TP_OK;
}

static const struct rules_kind kind_non_negative = {.name = "non_negative",
                                                    .compile = nn_compile,
                                                    .free_cfg = vcfg_free,
                                                    .ds_begin = vil_begin,
                                                    .ds_rows = nn_rows,
                                                    .state_free = vstate_free};

/* ---- num_le: left <= right when both are numbers ---- */
static int nle_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "left,right,numeric_only");
}

static int nle_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s;
    int rc;
    if (!applies)
        return RULES_SKIP;
    if ((rc = vstate_new(c, run, &s)))
        return rc;
    if (s->l < 0 || s->rr < 0) {
        vstate_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int nle_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        double x, y;
        char b1[48], b2[48], lo[64], hi[64];
        size_t l1, l2;
        const char *xs, *ys;
        if (!rules_cell_number(b, i, s->l, &x) || !rules_cell_number(b, i, s->rr, &y) || x <= y)
            continue;
        xs = rules_cell(b, i, s->l, b1, sizeof b1, &l1);
        ys = rules_cell(b, i, s->rr, b2, sizeof b2, &l2);
        v_text(lo, sizeof lo, xs, l1);
        v_text(hi, sizeof hi, ys, l2);
        if ((rc = rules_emit_row(
                 run, r, b, i, tp_dataset_var(b, (size_t)s->rr)->name, hi,
                 (const char *const[]){"low", lo, "startval", lo, "endval", hi, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_num_le = {.name = "num_le",
                                              .compile = nle_compile,
                                              .free_cfg = vcfg_free,
                                              .ds_begin = nle_begin,
                                              .ds_rows = nle_rows,
                                              .state_free = vstate_free};

/* ---- required_value_present: Core=Req variables never null ---- */
static int rvp_compile(struct rules_rule *r, struct tp_error *err)
{
    const char *core = rules_param(r, "core");
    (void)err;
    if (rules_keys_allowed(r, "core") || !core)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int rvp_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const char *core = rules_param(r, "core");
    struct vstate *s;
    size_t nv = tp_dataset_nvars(run->meta);
    if (!applies || !run->ds->std)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)) || !(s->cols = tp_calloc(nv + 1, sizeof *s->cols)) ||
        !(s->names = tp_calloc(nv + 1, sizeof *s->names))) {
        vstate_free(s);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < nv; i++) {
        const char *name = tp_dataset_var(run->meta, i)->name;
        const struct rules_stdvar *sv = rules_std_var(run->ds->std, name);
        if (sv && strcmp(sv->core, core) == 0) {
            s->cols[s->ncols] = (long)i;
            s->names[s->ncols++] = name;
        }
    }
    if (!s->ncols) {
        vstate_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int rvp_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t k = 0; k < s->ncols; k++)
        for (size_t i = 0; i < n; i++)
            if (rules_cell_null(b, i, s->cols[k]) &&
                (rc = rules_emit_row(run, r, b, i, s->names[k], NULL, NULL)))
                return rc;
    return TP_OK;
}

static const struct rules_kind kind_required_value_present = {.name = "required_value_present",
                                                              .compile = rvp_compile,
                                                              .ds_begin = rvp_begin,
                                                              .ds_rows = rvp_rows,
                                                              .state_free = vstate_free};

/* ---- text_value_clean: no leading blank, no line break, not "." alone ---- */
static int tvc_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return vcfg_new(r, "exclude");
}

static int tvc_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s;
    size_t nv = tp_dataset_nvars(run->meta);
    if (!applies)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)) || !(s->cols = tp_calloc(nv + 1, sizeof *s->cols)) ||
        !(s->names = tp_calloc(nv + 1, sizeof *s->names))) {
        vstate_free(s);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < nv; i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        bool excluded = false;
        if (v->type != TP_CHAR)
            continue;
        for (size_t k = 0; k < c->exclude.n && !excluded; k++)
            excluded = rules_name_match(run->ds, c->exclude.v[k], v->name);
        if (!excluded) {
            s->cols[s->ncols] = (long)i;
            s->names[s->ncols++] = v->name;
        }
    }
    *st = s;
    return TP_OK;
}

static int tvc_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t k = 0; k < s->ncols; k++)
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *x = tp_dataset_str(b, i, (size_t)s->cols[k], &len);
            char val[128];
            while (len && x[len - 1] == ' ')
                len--;
            if (!len)
                continue;
            if (x[0] != ' ' && !(len == 1 && x[0] == '.') && !memchr(x, '\n', len) &&
                !memchr(x, '\r', len))
                continue;
            v_text(val, sizeof val, x, len);
            for (char *p = val; *p; p++)
                if (*p == '\n' || *p == '\r')
                    *p = ' ';
            if ((rc = rules_emit_row(run, r, b, i, s->names[k], val, NULL)))
                return rc;
        }
    return TP_OK;
}

static const struct rules_kind kind_text_value_clean = {.name = "text_value_clean",
                                                        .compile = tvc_compile,
                                                        .free_cfg = vcfg_free,
                                                        .ds_begin = tvc_begin,
                                                        .ds_rows = tvc_rows,
                                                        .state_free = vstate_free};

/* ---- stresn_numeric: --STRESN populated for, equal to, and only for numeric --STRESC ---- */
static int sn_compile(struct rules_rule *r, struct tp_error *err)
{
    const char *chk = rules_param(r, "check");
    (void)err;
    if (rules_keys_allowed(r, "check") || !chk ||
        (strcmp(chk, "populated") != 0 && strcmp(chk, "equal") != 0 &&
         strcmp(chk, "null_if_text") != 0))
        return TP_E_UNSUPPORTED;
    return vcfg_new(r, "check");
}

static int sn_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    struct vstate *s;
    int rc;
    if (!applies)
        return RULES_SKIP;
    if ((rc = vstate_new(r->cfg, run, &s)))
        return rc;
    s->l = rules_col(run->ds, run->meta, "--STRESC");
    s->rr = rules_col(run->ds, run->meta, "--STRESN");
    if (s->l < 0 || s->rr < 0) {
        vstate_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int sn_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    const struct vcfg *c = r->cfg;
    struct vstate *s = state;
    size_t n = tp_dataset_nrows(b);
    const char *sname = tp_dataset_var(b, (size_t)s->l)->name;
    const char *nname = tp_dataset_var(b, (size_t)s->rr)->name;
    int rc;
    for (size_t i = 0; i < n; i++) {
        char b1[48], b2[48], sc[128], sn[64];
        size_t l1, l2;
        const char *x = rules_cell(b, i, s->l, b1, sizeof b1, &l1);
        double cv, nv;
        bool equal = strcmp(c->check, "equal") == 0;
        bool cnum = l1 && rules_text_is_number(x, l1, equal ? &cv : NULL);
        bool npop = rules_cell_number(b, i, s->rr, &nv);
        const char *y;
        v_text(sc, sizeof sc, x, l1);
        if (strcmp(c->check, "populated") == 0 && cnum && !npop)
            rc = rules_emit_row(run, r, b, i, nname, sc, NULL);
        else if (equal && cnum && npop && fabs(cv - nv) > 1e-9 * fmax(1.0, fabs(cv))) {
            y = rules_cell(b, i, s->rr, b2, sizeof b2, &l2);
            v_text(sn, sizeof sn, y, l2);
            rc = rules_emit_row(run, r, b, i, nname, sn, (const char *const[]){"stresc", sc, NULL});
        } else if (strcmp(c->check, "null_if_text") == 0 && npop && !cnum)
            rc = rules_emit_row(run, r, b, i, sname, sc, NULL);
        else
            rc = TP_OK;
        if (rc)
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_stresn_numeric = {.name = "stresn_numeric",
                                                      .compile = sn_compile,
                                                      .free_cfg = vcfg_free,
                                                      .ds_begin = sn_begin,
                                                      .ds_rows = sn_rows,
                                                      .state_free = vstate_free};

const struct rules_kind *const rules_kinds_values[] = {
    &kind_value_present_if,
    &kind_value_null_if,
    &kind_value_in_list,
    &kind_value_not_in_list,
    &kind_value_length,
    &kind_value_pattern,
    &kind_value_equal,
    &kind_null_together,
    &kind_non_negative,
    &kind_num_le,
    &kind_required_value_present,
    &kind_text_value_clean,
    &kind_stresn_numeric,
    NULL,
};
