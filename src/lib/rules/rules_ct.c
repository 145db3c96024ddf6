/*
 * Controlled terminology (SDTMIG 3.4 sections 4.3.2-4.3.3, docs/standards.md 5.3): values of
 * variables bound to a CDISC codelist in the IG tables are submission values of that codelist
 * (NCI EVS terminology given with --ct or found in mappings/ct/): an error for non-extensible
 * codelists, a warning for extensible ones unless define.xml marks the value as
 * def:ExtendedValue="Yes"; DOMAIN codes; --TESTCD/--TEST pairs naming the same CDISC term.
 * Without terminology these rules are reported as skipped, never as passed.
 */
#include "rules.h"

struct ccfg {
    const char *variable, *codelist, *custom, *extended, *scope;
    int extensible; /* -1 any, 0 No, 1 Yes */
    struct rules_list pairs;
};

static void ccfg_free(void *p)
{
    struct ccfg *c = p;
    if (!c)
        return;
    rules_list_release(&c->pairs);
    tp_free(c);
}

static int ct_compile(struct rules_rule *r, struct tp_error *err)
{
    struct ccfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, "variable,codelist,extensible,extended,scope,source,custom");
    (void)err;
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    c->variable = rules_param(r, "variable");
    c->codelist = rules_param(r, "codelist");
    c->custom = rules_param(r, "custom");
    c->extended = rules_param(r, "extended");
    c->scope = rules_param(r, "scope");
    c->extensible = -1;
    if ((t = rules_param(r, "extensible")))
        c->extensible = strcmp(t, "Yes") == 0;
    if (c->scope)
        return TP_E_UNSUPPORTED; /* value-level codelists need where-clause evaluation */
    if ((t = rules_param(r, "source")) && strcmp(t, "standards") != 0)
        return TP_E_UNSUPPORTED;
    if (c->extended && strcmp(c->extended, "define") != 0)
        return TP_E_UNSUPPORTED;
    if (!c->codelist && !rules_param(r, "source"))
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

struct ct_col {
    long col;
    const struct rules_codelist *cl[6];
    size_t ncl;
    bool extensible;
    const struct rules_def_cl *defcl; /* define.xml codelist of the variable (extended terms) */
    char codelist[64];
    struct tp_strbuf last_ok;
    struct rules_okcache ok;
    struct {
        unsigned char len;
        char v[23];
    } small[64]; /* short values accepted before, compared exactly */
};

struct ct_state {
    struct ct_col c[64];
    size_t n;
    struct rules_map reported;
};

static void ct_state_free(void *p)
{
    struct ct_state *s = p;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        tp_strbuf_release(&s->c[i].last_ok);
    rules_map_release(&s->reported, NULL);
    tp_free(s);
}

/* codelists "C1;C2" of the CT; false when none is known */
static bool ct_bind(const struct rules_ct *ct, const char *codes, struct ct_col *cc)
{
    struct rules_list l;
    cc->ncl = 0;
    cc->extensible = false;
    if (rules_list_split(codes, ';', &l))
        return false;
    for (size_t i = 0; i < l.n && cc->ncl < 6; i++) {
        const struct rules_codelist *cl = rules_ct_list(ct, l.v[i]);
        if (!cl)
            continue;
        cc->cl[cc->ncl++] = cl;
        cc->extensible |= cl->extensible;
    }
    snprintf(cc->codelist, sizeof cc->codelist, "%s", codes);
    rules_list_release(&l);
    return cc->ncl > 0;
}

static int ctv_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct ccfg *c = r->cfg;
    struct ct_state *s;
    if (!applies)
        return RULES_SKIP;
    if (!run->pkg->ct) {
        rules_skip(r, "no controlled terminology (--ct)");
        return RULES_SKIP;
    }
    if (!c->codelist && !run->ds->std)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    rules_map_init(&s->reported);
    for (size_t i = 0; i < tp_dataset_nvars(run->meta) && s->n < 64; i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        struct ct_col *cc = &s->c[s->n];
        const char *codes;
        if (c->variable) {
            if (!rules_name_match(run->ds, c->variable, v->name))
                continue;
            codes = c->codelist;
        } else {
            const struct rules_stdvar *sv = rules_std_var(run->ds->std, v->name);
            if (!sv || !sv->codelist[0])
                continue;
            codes = sv->codelist;
        }
        if (!ct_bind(run->pkg->ct, codes, cc))
            continue;
        if (c->extensible == 0 && cc->extensible)
            continue;
        if (c->extensible == 1 && !cc->extensible)
            continue;
        cc->col = (long)i;
        cc->defcl = NULL;
        if (c->extended && run->pkg->def && run->ds->def) {
            const struct rules_def_item *it =
                rules_define_var(run->pkg->def, run->ds->def, v->name, NULL);
            cc->defcl = it ? rules_define_cl(run->pkg->def, it->codelist_oid) : NULL;
        }
        tp_strbuf_init(&cc->last_ok);
        s->n++;
    }
    if (!s->n) {
        ct_state_free(s);
        return RULES_DONE;
    }
    if (c->custom && run->ds->is_custom) {
        ct_state_free(s);
        return RULES_DONE; /* a custom domain's code is not a CDISC code by design */
    }
    *st = s;
    return TP_OK;
}

static bool ct_in(const struct ct_col *cc, const char *v, size_t n)
{
    for (size_t k = 0; k < cc->ncl; k++)
        if (rules_ct_term(cc->cl[k], v, n))
            return true;
    return false;
}

static bool ct_extended_in_define(const struct rules_def_cl *cl, const char *v, size_t n)
{
    if (!cl)
        return false;
    for (size_t t = 0; t < cl->nterms; t++)
        if (cl->terms[t].value && strlen(cl->terms[t].value) == n &&
            memcmp(cl->terms[t].value, v, n) == 0)
            return cl->terms[t].extended && strcmp(cl->terms[t].extended, "Yes") == 0;
    return false;
}

static int ctv_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct ct_state *s = state;
    int rc;
    for (size_t k = 0; k < s->n; k++) {
        struct ct_col *cc = &s->c[k];
        const char *name = tp_dataset_var(b, (size_t)cc->col)->name;
        for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
            char buf[48], key[300], val[256];
            size_t len;
            const char *v = rules_cell(b, i, cc->col, buf, sizeof buf, &len);
            bool created;
            uint64_t h;
            unsigned slot = 0;
            if (!len || (cc->last_ok.len == len && memcmp(cc->last_ok.buf, v, len) == 0))
                continue;
            if (len < sizeof cc->small[0].v) {
                slot =
                    ((unsigned)len * 31u + (unsigned char)v[0] * 7u + (unsigned char)v[len - 1]) &
                    63u;
                if (cc->small[slot].len == len && memcmp(cc->small[slot].v, v, len) == 0)
                    continue;
            }
            h = rules_hash(v, len, 5);
            if (rules_okcache_has(&cc->ok, h)) /* 64-bit hash of a value accepted before */
                continue;
            if (ct_in(cc, v, len) || ct_extended_in_define(cc->defcl, v, len)) {
                tp_strbuf_reset(&cc->last_ok);
                tp_strbuf_add(&cc->last_ok, v, len);
                rules_okcache_put(&cc->ok, h);
                if (len < sizeof cc->small[0].v) {
                    cc->small[slot].len = (unsigned char)len;
                    memcpy(cc->small[slot].v, v, len);
                }
                continue;
            }
            snprintf(key, sizeof key, "%s\x1f%.*s", name, (int)len, v);
            if (!rules_map_slot(&s->reported, key, strlen(key), &created))
                return TP_E_NOMEM;
            if (!created)
                continue;
            snprintf(val, sizeof val, "%.*s", (int)len, v);
            if ((rc = rules_emit_row(run, r, b, i, name, val,
                                     (const char *const[]){"codelist", cc->codelist, NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_ct_value = {.name = "ct_value",
                                                .compile = ct_compile,
                                                .free_cfg = ccfg_free,
                                                .ds_begin = ctv_begin,
                                                .ds_rows = ctv_rows,
                                                .state_free = ct_state_free};

/* ---- ct_paired_code: code and decode are the same CDISC term ---- */
struct cp_pair {
    long a, b;
    struct ct_col ca, cb;
};
struct cp_state {
    struct cp_pair p[8];
    size_t n;
    struct rules_map seen;
};

static void cp_free(void *p)
{
    struct cp_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->seen, NULL);
    tp_free(s);
}

static int cp_compile(struct rules_rule *r, struct tp_error *err)
{
    struct ccfg *c;
    const char *t;
    (void)err;
    if (rules_keys_allowed(r, "pairs") || !(t = rules_param(r, "pairs")))
        return TP_E_UNSUPPORTED;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    return rules_list_split(t, ',', &c->pairs);
}

static int cp_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct ccfg *c = r->cfg;
    struct cp_state *s;
    if (!applies || !run->ds->std)
        return RULES_SKIP;
    if (!run->pkg->ct) {
        rules_skip(r, "no controlled terminology (--ct)");
        return RULES_SKIP;
    }
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    rules_map_init(&s->seen);
    for (size_t k = 0; k < c->pairs.n && s->n < 8; k++) {
        const char *colon = strchr(c->pairs.v[k], ':');
        char left[40], an[40], bn[40];
        const struct rules_stdvar *sa, *sb;
        struct cp_pair *pp = &s->p[s->n];
        if (!colon)
            continue;
        snprintf(left, sizeof left, "%.*s", (int)(colon - c->pairs.v[k]), c->pairs.v[k]);
        rules_varname(run->ds, left, an, sizeof an);
        rules_varname(run->ds, colon + 1, bn, sizeof bn);
        pp->a = tp_dataset_find_var(run->meta, an);
        pp->b = tp_dataset_find_var(run->meta, bn);
        sa = rules_std_var(run->ds->std, an);
        sb = rules_std_var(run->ds->std, bn);
        if (pp->a < 0 || pp->b < 0 || !sa || !sb || !sa->codelist[0] || !sb->codelist[0])
            continue;
        if (!ct_bind(run->pkg->ct, sa->codelist, &pp->ca) ||
            !ct_bind(run->pkg->ct, sb->codelist, &pp->cb))
            continue;
        s->n++;
    }
    if (!s->n) {
        cp_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static const char *cp_code(const struct ct_col *cc, const char *v, size_t n)
{
    for (size_t k = 0; k < cc->ncl; k++) {
        const char *code = rules_ct_term(cc->cl[k], v, n);
        if (code)
            return code;
    }
    return NULL;
}

static int cp_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    struct cp_state *s = state;
    int rc;
    for (size_t k = 0; k < s->n; k++) {
        struct cp_pair *pp = &s->p[k];
        const char *an = tp_dataset_var(b, (size_t)pp->a)->name;
        const char *bn = tp_dataset_var(b, (size_t)pp->b)->name;
        for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
            char b1[48], b2[48], key[600], va[256], vb[256];
            size_t la, lb;
            const char *x = rules_cell(b, i, pp->a, b1, sizeof b1, &la);
            const char *y = rules_cell(b, i, pp->b, b2, sizeof b2, &lb);
            const char *cx, *cy;
            bool created;
            if (!la || !lb)
                continue;
            snprintf(key, sizeof key, "%zu\x1f%.*s\x1f%.*s", k, (int)la, x, (int)lb, y);
            if (!rules_map_slot(&s->seen, key, strlen(key), &created))
                return TP_E_NOMEM;
            if (!created)
                continue;
            cx = cp_code(&pp->ca, x, la);
            cy = cp_code(&pp->cb, y, lb);
            if (!cx || !cy || strcmp(cx, cy) == 0)
                continue; /* terms outside the codelist are ct_value's finding */
            snprintf(va, sizeof va, "%.*s", (int)la, x);
            snprintf(vb, sizeof vb, "%.*s", (int)lb, y);
            if ((rc = rules_emit_row(run, r, b, i, an, va,
                                     (const char *const[]){"code", an, "codevalue", va, "decode",
                                                           bn, "decodevalue", vb, NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_ct_paired_code = {.name = "ct_paired_code",
                                                      .compile = cp_compile,
                                                      .free_cfg = ccfg_free,
                                                      .ds_begin = cp_begin,
                                                      .ds_rows = cp_rows,
                                                      .state_free = cp_free};

const struct rules_kind *const rules_kinds_ct[] = {&kind_ct_value, &kind_ct_paired_code, NULL};
