/*
 * Supplemental qualifiers and relationships (SDTMIG 3.4 sections 8.2-8.4, docs/standards.md 5.4
 * and 5.5): SUPP-- parents exist, RDOMAIN names a dataset (and the SUPP dataset's own domain),
 * IDVAR names a variable of the parent, QNAM form and not a standard variable, SUPP-- only for
 * general-observation datasets, DM and SV, IDVAR/IDVARVAL null for DM-level qualifiers; RELREC
 * targets exist, RELIDs join two or more records, RELTYPE by link level.
 *
 * Parent resolution is bounded by the SUPP--/RELREC rows, never by the parent's: the requests
 * (RDOMAIN, USUBJID, IDVAR, IDVARVAL) are collected from the in-memory SUPP--/RELREC tables before
 * the parents stream by, each parent record marks the requests it satisfies, and what is left
 * unmarked at the end is reported.
 */
#include "rules.h"

/* ---- shared column lookup for SUPP--/RELREC/CO rows ---- */
struct rel_cols {
    long rdomain, usubjid, idvar, idvarval, qnam, reltype, relid;
};

static void rel_cols_find(const struct tp_dataset *b, struct rel_cols *c)
{
    c->rdomain = tp_dataset_find_var(b, "RDOMAIN");
    c->usubjid = tp_dataset_find_var(b, "USUBJID");
    c->idvar = tp_dataset_find_var(b, "IDVAR");
    c->idvarval = tp_dataset_find_var(b, "IDVARVAL");
    c->qnam = tp_dataset_find_var(b, "QNAM");
    c->reltype = tp_dataset_find_var(b, "RELTYPE");
    c->relid = tp_dataset_find_var(b, "RELID");
}

static void s_text(char *dst, size_t size, const struct tp_dataset *b, size_t row, long col)
{
    char buf[48];
    size_t len;
    const char *s = rules_cell(b, row, col, buf, sizeof buf, &len);
    if (len >= size)
        len = size - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* IDVARVAL "1", "1.0", " 1" -> "1" (the text rules_cell gives a numeric cell) */
static void s_canon(char *v, size_t size)
{
    double d;
    if (rules_text_is_number(v, strlen(v), &d)) {
        if (d == (double)(long long)d && d > -1e15 && d < 1e15)
            snprintf(v, size, "%lld", (long long)d);
        else
            tp_format_double(d, v, size);
    }
}

static const struct rules_ds *s_find_ds(const struct rules_pkg *p, const char *name)
{
    for (size_t i = 0; i < p->nds; i++)
        if (strcasecmp(p->ds[i]->name, name) == 0)
            return p->ds[i];
    for (size_t i = 0; i < p->nds; i++)
        if (!p->ds[i]->is_supp && strcasecmp(p->ds[i]->domain, name) == 0)
            return p->ds[i];
    return NULL;
}

static bool s_ds_matches(const struct rules_ds *ds, const char *rdomain)
{
    return !ds->is_supp &&
           (strcasecmp(ds->name, rdomain) == 0 || strcasecmp(ds->domain, rdomain) == 0);
}

/* ---- parent resolution ---- */
struct req {
    const struct rules_ds *src;
    long row;
    char usubjid[64];
    bool found;
};

struct resolver {
    struct rules_map reqs;   /* "RDOMAIN\x1fUSUBJID\x1fIDVAR\x1fVALUE" -> struct req */
    struct rules_map idvars; /* "RDOMAIN\x1fIDVAR" -> 1 */
    bool any;
};

static void req_free(void *p)
{
    tp_free(p);
}

static void resolver_free(void *p)
{
    struct resolver *z = p;
    if (!z)
        return;
    rules_map_release(&z->reqs, req_free);
    rules_map_release(&z->idvars, NULL);
    tp_free(z);
}

static int resolver_add_ds(struct resolver *z, const struct rules_ds *ds, bool relrec)
{
    const struct tp_dataset *b = ds->data;
    struct rel_cols c;
    struct tp_strbuf k;
    int rc = TP_OK;
    if (!b)
        return TP_OK;
    rel_cols_find(b, &c);
    if (c.idvar < 0 || c.idvarval < 0 || c.usubjid < 0 || (c.rdomain < 0 && !ds->is_supp))
        return TP_OK;
    tp_strbuf_init(&k);
    for (size_t i = 0; i < tp_dataset_nrows(b) && rc == TP_OK; i++) {
        char rd[16], u[64], iv[16], ivv[64];
        bool created;
        void **slot;
        if (c.rdomain >= 0)
            s_text(rd, sizeof rd, b, i, c.rdomain);
        else
            snprintf(rd, sizeof rd, "%s", ds->rdomain);
        if (!rd[0] && ds->is_supp)
            snprintf(rd, sizeof rd, "%s", ds->rdomain);
        s_text(u, sizeof u, b, i, c.usubjid);
        s_text(iv, sizeof iv, b, i, c.idvar);
        s_text(ivv, sizeof ivv, b, i, c.idvarval);
        if (!u[0] || !iv[0] || !ivv[0])
            continue; /* DM-level qualifiers / dataset-level links: other rules */
        (void)relrec;
        s_canon(ivv, sizeof ivv);
        tp_strbuf_reset(&k);
        tp_strbuf_addf(&k, "%s\x1f%s\x1f%s\x1f%s", rd, u, iv, ivv);
        if (!(slot = rules_map_slot(&z->reqs, k.buf, k.len, &created))) {
            rc = TP_E_NOMEM;
            break;
        }
        if (created) {
            struct req *q = tp_calloc(1, sizeof *q);
            if (!q) {
                rc = TP_E_NOMEM;
                break;
            }
            q->src = ds;
            q->row = (long)i + 1;
            snprintf(q->usubjid, sizeof q->usubjid, "%s", u);
            *slot = q;
        }
        tp_strbuf_reset(&k);
        tp_strbuf_addf(&k, "%s\x1f%s", rd, iv);
        if (!rules_map_slot(&z->idvars, k.buf, k.len, NULL)) {
            rc = TP_E_NOMEM;
            break;
        }
        z->any = true;
    }
    tp_strbuf_release(&k);
    return rc;
}

struct rstate {
    int tag; /* 1: a resolver state (struct sstate has 2) */
    long ucol;
    long cols[32];
    char names[32][16];
    size_t n;
    char rd[16];
};

static int resolver_ds_begin(struct resolver *z, struct rules_run *run, void **st)
{
    struct rstate *s;
    if (!z || !z->any || run->ds->is_supp || run->usubjid_col < 0)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->tag = 1;
    s->ucol = run->usubjid_col;
    /* requests may name the dataset (QS36) or its domain (QS) */
    for (int pass = 0; pass < 2; pass++) {
        const char *rd = pass == 0 ? run->ds->name : run->ds->domain;
        if (pass == 1 && strcmp(run->ds->name, run->ds->domain) == 0)
            break;
        for (size_t i = 0; i < tp_dataset_nvars(run->meta) && s->n < 32; i++) {
            const char *name = tp_dataset_var(run->meta, i)->name;
            char k[64];
            snprintf(k, sizeof k, "%s\x1f%s", rd, name);
            if (rules_map_has(&z->idvars, k, strlen(k))) {
                s->cols[s->n] = (long)i;
                snprintf(s->names[s->n], sizeof s->names[0], "%s", name);
                s->n++;
            }
        }
        if (s->n) {
            snprintf(s->rd, sizeof s->rd, "%s", rd);
            break;
        }
    }
    if (!s->n) {
        tp_free(s);
        return RULES_SKIP;
    }
    *st = s;
    return TP_OK;
}

static int resolver_rows(struct resolver *z, struct rstate *s, const struct tp_dataset *b)
{
    size_t n = tp_dataset_nrows(b);
    struct tp_strbuf k;
    tp_strbuf_init(&k);
    for (size_t i = 0; i < n; i++) {
        char u[64];
        s_text(u, sizeof u, b, i, s->ucol);
        if (!u[0])
            continue;
        for (size_t j = 0; j < s->n; j++) {
            char v[64];
            struct req *q;
            s_text(v, sizeof v, b, i, s->cols[j]);
            if (!v[0])
                continue;
            tp_strbuf_reset(&k);
            tp_strbuf_addf(&k, "%s\x1f%s\x1f%s\x1f%s", s->rd, u, s->names[j], v);
            if ((q = rules_map_get(&z->reqs, k.buf, k.len)))
                q->found = true;
        }
    }
    tp_strbuf_release(&k);
    return TP_OK;
}

/* Emit the unresolved requests whose RDOMAIN dataset is present (a missing dataset is
   rdomain_valid's finding). */
static int resolver_report(struct rules_rule *r, struct rules_pkg *p, struct resolver *z)
{
    for (size_t i = 0; i < z->reqs.cap; i++) {
        const struct rules_map_slot *sl = &z->reqs.slots[i];
        const struct req *q;
        char rd[16], u[64], iv[16], ivv[64];
        const char *f[4];
        size_t nf = 0;
        char *tmp;
        int rc;
        if (!sl->key)
            continue;
        q = sl->val;
        if (q->found)
            continue;
        tmp = tp_strndup(sl->key, sl->klen);
        if (!tmp)
            return TP_E_NOMEM;
        f[nf++] = tmp;
        for (char *c = tmp; *c && nf < 4; c++)
            if (*c == '\x1f') {
                *c = '\0';
                f[nf++] = c + 1;
            }
        if (nf < 4) {
            tp_free(tmp);
            continue;
        }
        snprintf(rd, sizeof rd, "%s", f[0]);
        snprintf(u, sizeof u, "%s", f[1]);
        snprintf(iv, sizeof iv, "%s", f[2]);
        snprintf(ivv, sizeof ivv, "%s", f[3]);
        tp_free(tmp);
        if (!s_find_ds(p, rd))
            continue;
        rc = rules_emit(
            p, r, q->src, q->row, u, "IDVARVAL", ivv,
            (const char *const[]){"rdomain", rd, "idvar", iv, "idvarval", ivv, "relid", ivv, NULL});
        if (rc)
            return rc;
    }
    return TP_OK;
}

/* ---- supp_parent_exists ---- */
static int spe_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return rules_keys_allowed(r, "");
}

static int spe_pkg_begin(struct rules_rule *r, struct rules_pkg *p)
{
    struct resolver *z = tp_calloc(1, sizeof *z);
    int rc = TP_OK;
    if (!z)
        return TP_E_NOMEM;
    rules_map_init(&z->reqs);
    rules_map_init(&z->idvars);
    r->pstate = z;
    for (size_t i = 0; i < p->nds && rc == TP_OK; i++)
        if (p->ds[i]->is_supp && rules_domain_match(r, p->ds[i])) {
            rc = resolver_add_ds(z, p->ds[i], false);
            r->status = TP_RULE_RAN;
        }
    return rc;
}

static int spe_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    (void)applies;
    return resolver_ds_begin(r->pstate, run, st);
}

static int spe_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    (void)run;
    return resolver_rows(r->pstate, state, b);
}

/* DM-level qualifiers: the subject exists in DM */
static int spe_dm_level(struct rules_rule *r, struct rules_pkg *p)
{
    for (size_t d = 0; d < p->nds; d++) {
        const struct rules_ds *ds = p->ds[d];
        struct rel_cols c;
        if (!ds->is_supp || !ds->data || !rules_domain_match(r, ds) || !p->dm || !p->dm->data)
            continue;
        rel_cols_find(ds->data, &c);
        for (size_t i = 0; c.usubjid >= 0 && i < tp_dataset_nrows(ds->data); i++) {
            char rd[16], u[64], iv[16];
            int rc;
            if (c.rdomain >= 0)
                s_text(rd, sizeof rd, ds->data, i, c.rdomain);
            else
                snprintf(rd, sizeof rd, "%s", ds->rdomain);
            s_text(u, sizeof u, ds->data, i, c.usubjid);
            s_text(iv, sizeof iv, ds->data, i, c.idvar);
            if (strcmp(rd, "DM") != 0 || iv[0] || !u[0] || rules_map_gets(&p->subjects, u))
                continue;
            if ((rc = rules_emit(p, r, ds, (long)i + 1, u, "USUBJID", u,
                                 (const char *const[]){"rdomain", "DM", "idvar", "USUBJID",
                                                       "idvarval", u, NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static int spe_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc = resolver_report(r, p, r->pstate);
    return rc ? rc : spe_dm_level(r, p);
}

static const struct rules_kind kind_supp_parent_exists = {.name = "supp_parent_exists",
                                                          .compile = spe_compile,
                                                          .all_datasets = true,
                                                          .pkg_begin = spe_pkg_begin,
                                                          .ds_begin = spe_begin,
                                                          .ds_rows = spe_rows,
                                                          .state_free = tp_free,
                                                          .pkg_end = spe_pkg_end,
                                                          .pstate_free = resolver_free};

/* ---- per-record checks on SUPP--/RELREC/CO rows (in memory) ---- */
struct scfg {
    long max;
    bool have_re, not_std;
    regex_t re;
    struct rules_list allowed;
    const char *check, *rdomain, *qnam, *dm, *other, *record_level, *nulls;
    struct rules_list dataset_level, nulls_list;
    long min;
};

static void scfg_free(void *p)
{
    struct scfg *c = p;
    if (!c)
        return;
    if (c->have_re)
        regfree(&c->re);
    rules_list_release(&c->allowed);
    rules_list_release(&c->dataset_level);
    rules_list_release(&c->nulls_list);
    tp_free(c);
}

static int scfg_new(struct rules_rule *r, const char *allowed)
{
    struct scfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, allowed);
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    if ((t = rules_param(r, "max")))
        c->max = strtol(t, NULL, 10);
    if ((t = rules_param(r, "min")))
        c->min = strtol(t, NULL, 10);
    if ((t = rules_param(r, "pattern"))) {
        if (regcomp(&c->re, t, REG_EXTENDED | REG_NOSUB))
            return TP_E_UNSUPPORTED;
        c->have_re = true;
    }
    c->not_std = rules_param_yes(r, "not_standard_variable");
    if (((t = rules_param(r, "allowed")) && rules_list_split(t, ',', &c->allowed)) ||
        ((t = rules_param(r, "dataset_level")) && rules_list_split(t, ',', &c->dataset_level)) ||
        ((t = rules_param(r, "dataset_level_nulls")) && rules_list_split(t, ',', &c->nulls_list)))
        return TP_E_NOMEM;
    c->check = rules_param(r, "check");
    c->rdomain = rules_param(r, "rdomain");
    c->qnam = rules_param(r, "qnam");
    c->dm = rules_param(r, "dm");
    c->other = rules_param(r, "other");
    c->record_level = rules_param(r, "record_level");
    return TP_OK;
}

struct sstate {
    int tag;
    struct rel_cols c;
    struct rules_map seen;
};

static void sstate_free(void *p)
{
    struct sstate *s = p;
    if (!s)
        return;
    rules_map_release(&s->seen, NULL);
    tp_free(s);
}

static int s_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    struct sstate *s;
    (void)r;
    if (!applies)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->tag = 2;
    rel_cols_find(run->meta, &s->c);
    rules_map_init(&s->seen);
    *st = s;
    return TP_OK;
}

/* once per distinct text */
static int s_once(struct sstate *s, const char *key, bool *first)
{
    if (!rules_map_slot(&s->seen, key, strlen(key), first))
        return TP_E_NOMEM;
    return TP_OK;
}

/* rdomain_valid */
static int rdv_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return scfg_new(r, "");
}

static int rdv_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct sstate *s = state;
    int rc;
    if (s->c.rdomain < 0)
        return TP_OK;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        char rd[16];
        bool first;
        s_text(rd, sizeof rd, b, i, s->c.rdomain);
        if (!rd[0] || s_find_ds(run->pkg, rd))
            continue;
        if ((rc = s_once(s, rd, &first)))
            return rc;
        if (first && (rc = rules_emit_row(run, r, b, i, "RDOMAIN", rd, NULL)))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_rdomain_valid = {.name = "rdomain_valid",
                                                     .compile = rdv_compile,
                                                     .free_cfg = scfg_free,
                                                     .ds_begin = s_begin,
                                                     .ds_rows = rdv_rows,
                                                     .state_free = sstate_free};

/* supp_rdomain */
static int srd_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct sstate *s = state;
    int rc;
    if (s->c.rdomain < 0)
        return TP_OK;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        char rd[16];
        bool first;
        s_text(rd, sizeof rd, b, i, s->c.rdomain);
        /* SUPPQS36's RDOMAIN is QS; SUPPAE's is AE */
        if (strcmp(rd, run->ds->rdomain) == 0 ||
            (strlen(rd) == 2 && strncmp(rd, run->ds->rdomain, 2) == 0))
            continue;
        if ((rc = s_once(s, rd, &first)))
            return rc;
        if (first && (rc = rules_emit_row(run, r, b, i, "RDOMAIN", rd, NULL)))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_supp_rdomain = {.name = "supp_rdomain",
                                                    .compile = rdv_compile,
                                                    .free_cfg = scfg_free,
                                                    .ds_begin = s_begin,
                                                    .ds_rows = srd_rows,
                                                    .state_free = sstate_free};

/* idvar_valid */
static int idv_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct sstate *s = state;
    int rc;
    if (s->c.idvar < 0)
        return TP_OK;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        char rd[16], iv[16], key[40];
        const struct rules_ds *pd;
        bool first;
        if (s->c.rdomain >= 0)
            s_text(rd, sizeof rd, b, i, s->c.rdomain);
        else
            snprintf(rd, sizeof rd, "%s", run->ds->rdomain);
        s_text(iv, sizeof iv, b, i, s->c.idvar);
        if (!iv[0] || !(pd = s_find_ds(run->pkg, rd)))
            continue;
        if (tp_dataset_find_var(pd->meta, iv) >= 0)
            continue;
        snprintf(key, sizeof key, "%s.%s", rd, iv);
        if ((rc = s_once(s, key, &first)))
            return rc;
        if (first && (rc = rules_emit_row(run, r, b, i, "IDVAR", iv,
                                          (const char *const[]){"rdomain", rd, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_idvar_valid = {.name = "idvar_valid",
                                                   .compile = rdv_compile,
                                                   .free_cfg = scfg_free,
                                                   .ds_begin = s_begin,
                                                   .ds_rows = idv_rows,
                                                   .state_free = sstate_free};

/* qnam_valid */
static int qv_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return scfg_new(r, "max,pattern,not_standard_variable");
}

static int qv_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    const struct scfg *c = r->cfg;
    struct sstate *s = state;
    const struct rules_stdds *parent = NULL;
    int rc;
    if (s->c.qnam < 0)
        return TP_OK;
    if (c->not_std) {
        char two[3] = {run->ds->rdomain[0], run->ds->rdomain[1], 0};
        parent = rules_std_dataset(run->pkg->std, run->ds->rdomain);
        if (!parent)
            parent = rules_std_dataset(run->pkg->std, two);
    }
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        char q[64];
        bool bad, first;
        s_text(q, sizeof q, b, i, s->c.qnam);
        if (!q[0])
            continue;
        if (c->not_std)
            bad = parent && rules_std_var(parent, q);
        else
            bad = (c->max && strlen(q) > (size_t)c->max) ||
                  (c->have_re && regexec(&c->re, q, 0, NULL, 0) != 0);
        if (!bad)
            continue;
        if ((rc = s_once(s, q, &first)))
            return rc;
        if (first && (rc = rules_emit_row(run, r, b, i, "QNAM", q, NULL)))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_qnam_valid = {.name = "qnam_valid",
                                                  .compile = qv_compile,
                                                  .free_cfg = scfg_free,
                                                  .ds_begin = s_begin,
                                                  .ds_rows = qv_rows,
                                                  .state_free = sstate_free};

/* supp_parent_class */
static int spc_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return scfg_new(r, "allowed");
}

static const char *s_class_token(enum rules_class c)
{
    switch (c) {
    case RC_INTERVENTIONS: return "INTERVENTIONS";
    case RC_EVENTS: return "EVENTS";
    case RC_FINDINGS: return "FINDINGS";
    case RC_FINDINGS_ABOUT: return "FINDINGS_ABOUT";
    case RC_SPECIAL_PURPOSE: return "SPECIAL_PURPOSE";
    case RC_TRIAL_DESIGN: return "TRIAL_DESIGN";
    case RC_RELATIONSHIP: return "RELATIONSHIP";
    case RC_STUDY_REFERENCE: return "STUDY_REFERENCE";
    default: return "";
    }
}

static int spc_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct scfg *c = r->cfg;
    const char *rd = run->ds->rdomain;
    const struct rules_ds *pd = s_find_ds(run->pkg, rd);
    const struct rules_stdds *sd = rules_std_dataset(run->pkg->std, rd);
    enum rules_class cls = pd ? pd->cls : sd ? sd->cls : RC_UNKNOWN;
    const char *tok = s_class_token(cls);
    (void)st;
    if (!applies)
        return RULES_SKIP;
    if (!pd && !sd) {
        char two[3] = {rd[0], rd[1], 0};
        sd = rules_std_dataset(run->pkg->std, two);
        cls = sd ? sd->cls : RC_UNKNOWN;
        tok = s_class_token(cls);
    }
    if (cls == RC_UNKNOWN)
        return RULES_DONE; /* a custom parent of unknown class: nothing to say */
    if (rules_list_has(&c->allowed, rd, strlen(rd), true) ||
        rules_list_has(&c->allowed, tok, strlen(tok), false))
        return RULES_DONE;
    rules_emit_file(run->pkg, r, run->ds->file, run->ds, "RDOMAIN", rd,
                    (const char *const[]){"rdomain", rd, NULL});
    return RULES_DONE;
}

static const struct rules_kind kind_supp_parent_class = {.name = "supp_parent_class",
                                                         .compile = spc_compile,
                                                         .free_cfg = scfg_free,
                                                         .ds_begin = spc_begin};

/* supp_idvar: DM qualifiers have null IDVAR/IDVARVAL, the others have both */
static int sid_compile(struct rules_rule *r, struct tp_error *err)
{
    struct scfg *c;
    int rc;
    (void)err;
    if ((rc = scfg_new(r, "dm,other")))
        return rc;
    c = r->cfg;
    if (!c->dm || strcmp(c->dm, "null") != 0 || !c->other || strcmp(c->other, "required") != 0)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int sid_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct sstate *s = state;
    int rc;
    if (s->c.idvar < 0 || s->c.idvarval < 0)
        return TP_OK;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        char rd[16], iv[16], ivv[64];
        bool dm, bad;
        if (s->c.rdomain >= 0)
            s_text(rd, sizeof rd, b, i, s->c.rdomain);
        else
            snprintf(rd, sizeof rd, "%s", run->ds->rdomain);
        s_text(iv, sizeof iv, b, i, s->c.idvar);
        s_text(ivv, sizeof ivv, b, i, s->c.idvarval);
        dm = strcmp(rd, "DM") == 0;
        bad = dm ? (iv[0] || ivv[0]) : (!iv[0] || !ivv[0]);
        if (bad && (rc = rules_emit_row(run, r, b, i, "IDVAR", iv,
                                        (const char *const[]){"idvarval", ivv, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_supp_idvar = {.name = "supp_idvar",
                                                  .compile = sid_compile,
                                                  .free_cfg = scfg_free,
                                                  .ds_begin = s_begin,
                                                  .ds_rows = sid_rows,
                                                  .state_free = sstate_free};

/* supp_qnam_present: when the parent dataset exists, its SUPP-- has the QNAM */
static int sqp_compile(struct rules_rule *r, struct tp_error *err)
{
    struct scfg *c;
    int rc;
    (void)err;
    if ((rc = scfg_new(r, "rdomain,qnam")))
        return rc;
    c = r->cfg;
    return c->rdomain && c->qnam ? TP_OK : TP_E_UNSUPPORTED;
}

static int sqp_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct scfg *c = r->cfg;
    const struct rules_ds *parent = NULL;
    bool found = false;
    for (size_t i = 0; i < p->nds; i++)
        if (s_ds_matches(p->ds[i], c->rdomain))
            parent = p->ds[i];
    if (!parent || parent->nrows <= 0)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->nds && !found; i++) {
        const struct rules_ds *ds = p->ds[i];
        long qc;
        if (!ds->is_supp || strncmp(ds->rdomain, c->rdomain, 2) != 0 || !ds->data)
            continue;
        qc = tp_dataset_find_var(ds->data, "QNAM");
        for (size_t k = 0; qc >= 0 && k < tp_dataset_nrows(ds->data) && !found; k++) {
            char q[32];
            s_text(q, sizeof q, ds->data, k, qc);
            found = strcmp(q, c->qnam) == 0;
        }
    }
    /* the flag may also be a variable of the parent (e.g. AETRTEMFL) */
    if (!found) {
        char flag[40];
        snprintf(flag, sizeof flag, "%sFL", c->qnam);
        found = tp_dataset_find_var(parent->meta, c->qnam) >= 0 ||
                tp_dataset_find_var(parent->meta, flag) >= 0;
    }
    if (!found)
        return rules_emit_file(p, r, parent->file, parent, "QNAM", c->qnam, NULL);
    return TP_OK;
}

static const struct rules_kind kind_supp_qnam_present = {.name = "supp_qnam_present",
                                                         .compile = sqp_compile,
                                                         .free_cfg = scfg_free,
                                                         .pkg_end = sqp_pkg_end};

/* ---- RELREC ---- */
static int rri_compile(struct rules_rule *r, struct tp_error *err)
{
    struct scfg *c;
    int rc;
    (void)err;
    if ((rc = scfg_new(r, "check,min")))
        return rc;
    c = r->cfg;
    if (!c->check ||
        (strcmp(c->check, "target_exists") != 0 && strcmp(c->check, "min_records") != 0 &&
         strcmp(c->check, "dataset_level_idvar") != 0))
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int rri_pkg_begin(struct rules_rule *r, struct rules_pkg *p)
{
    const struct scfg *c = r->cfg;
    struct resolver *z;
    if (strcmp(c->check, "target_exists") != 0 || !p->relrec || !p->relrec->data)
        return TP_OK;
    if (!(z = tp_calloc(1, sizeof *z)))
        return TP_E_NOMEM;
    rules_map_init(&z->reqs);
    rules_map_init(&z->idvars);
    r->pstate = z;
    r->status = TP_RULE_RAN;
    return resolver_add_ds(z, p->relrec, true);
}

static int rri_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct scfg *c = r->cfg;
    if (strcmp(c->check, "target_exists") == 0) {
        if (applies)
            return RULES_DONE;
        return resolver_ds_begin(r->pstate, run, st);
    }
    return applies ? s_begin(r, run, applies, st) : RULES_SKIP;
}

static int rri_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    const struct scfg *c = r->cfg;
    int rc;
    if (strcmp(c->check, "target_exists") == 0)
        return resolver_rows(r->pstate, state, b);
    if (strcmp(c->check, "dataset_level_idvar") == 0) {
        struct sstate *s = state;
        for (size_t i = 0; s->c.usubjid >= 0 && s->c.idvar >= 0 && i < tp_dataset_nrows(b); i++) {
            char u[64], iv[16];
            s_text(u, sizeof u, b, i, s->c.usubjid);
            s_text(iv, sizeof iv, b, i, s->c.idvar);
            if (u[0] || strlen(iv) < 3 || strcmp(iv + strlen(iv) - 3, "SEQ") != 0)
                continue;
            if ((rc = rules_emit_row(run, r, b, i, "IDVAR", iv, NULL)))
                return rc;
        }
        return TP_OK;
    }
    /* min_records: rows per (USUBJID, RELID) */
    {
        struct sstate *s = state;
        struct tp_strbuf k;
        tp_strbuf_init(&k);
        for (size_t i = 0; s->c.relid >= 0 && i < tp_dataset_nrows(b); i++) {
            char u[64], id[64];
            void **slot;
            s_text(u, sizeof u, b, i, s->c.usubjid);
            s_text(id, sizeof id, b, i, s->c.relid);
            if (!id[0])
                continue;
            tp_strbuf_reset(&k);
            tp_strbuf_addf(&k, "%s\x1f%s", u, id);
            if (!(slot = rules_map_slot(&s->seen, k.buf, k.len, NULL))) {
                tp_strbuf_release(&k);
                return TP_E_NOMEM;
            }
            /* count in the high bits, first row + 1 in the low 32 */
            if (!*slot)
                *slot = (void *)(uintptr_t)(((uint64_t)1 << 32) | (i + 1));
            else
                *slot = (void *)(uintptr_t)((uintptr_t)*slot + ((uint64_t)1 << 32));
        }
        tp_strbuf_release(&k);
    }
    return TP_OK;
}

static int rri_end(struct rules_rule *r, struct rules_run *run, void *state)
{
    const struct scfg *c = r->cfg;
    struct sstate *s = state;
    int rc;
    if (strcmp(c->check, "min_records") != 0 || !run->ds->data)
        return TP_OK;
    for (size_t i = 0; i < s->seen.cap; i++) {
        const struct rules_map_slot *sl = &s->seen.slots[i];
        uint64_t v;
        size_t count, row;
        char id[64], u[64];
        const char *sep;
        if (!sl->key)
            continue;
        v = (uint64_t)(uintptr_t)sl->val;
        count = (size_t)(v >> 32);
        row = (size_t)(v & 0xFFFFFFFFu);
        if ((long)count >= (c->min ? c->min : 2))
            continue;
        sep = memchr(sl->key, '\x1f', sl->klen);
        snprintf(u, sizeof u, "%.*s", (int)(sep - sl->key), sl->key);
        snprintf(id, sizeof id, "%s", sep + 1);
        if ((rc = rules_emit(run->pkg, r, run->ds, (long)row, u, "RELID", id,
                             (const char *const[]){"relid", id, NULL})))
            return rc;
    }
    return TP_OK;
}

static int rri_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct scfg *c = r->cfg;
    if (strcmp(c->check, "target_exists") != 0 || !r->pstate)
        return TP_OK;
    return resolver_report(r, p, r->pstate);
}

static void rri_state_free(void *p)
{
    /* target_exists states are struct rstate (plain), the others struct sstate */
    if (p && *(int *)p == 1)
        tp_free(p);
    else
        sstate_free(p);
}

static int rri_ds_rows_dispatch(struct rules_rule *r, struct rules_run *run, void *state,
                                const struct tp_dataset *b)
{
    return rri_rows(r, run, state, b);
}

static const struct rules_kind kind_relrec_integrity = {.name = "relrec_integrity",
                                                        .compile = rri_compile,
                                                        .free_cfg = scfg_free,
                                                        .all_datasets = true,
                                                        .pkg_begin = rri_pkg_begin,
                                                        .ds_begin = rri_begin,
                                                        .ds_rows = rri_ds_rows_dispatch,
                                                        .ds_end = rri_end,
                                                        .state_free = rri_state_free,
                                                        .pkg_end = rri_pkg_end,
                                                        .pstate_free = resolver_free};

/* relrec_reltype */
static int rrt_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return scfg_new(r, "record_level,dataset_level,dataset_level_nulls");
}

static int rrt_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    const struct scfg *c = r->cfg;
    struct sstate *s = state;
    int rc;
    if (s->c.reltype < 0 || s->c.usubjid < 0)
        return TP_OK;
    for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
        char u[64], t[16], ivv[64];
        s_text(u, sizeof u, b, i, s->c.usubjid);
        s_text(t, sizeof t, b, i, s->c.reltype);
        s_text(ivv, sizeof ivv, b, i, s->c.idvarval);
        rc = TP_OK;
        if (c->record_level && u[0] && t[0])
            rc = rules_emit_row(run, r, b, i, "RELTYPE", t, NULL);
        else if (c->dataset_level.n && !u[0] &&
                 !rules_list_has(&c->dataset_level, t, strlen(t), false))
            rc = rules_emit_row(run, r, b, i, "RELTYPE", t, NULL);
        else if (c->nulls_list.n && t[0] && (u[0] || ivv[0]))
            rc = rules_emit_row(run, r, b, i, u[0] ? "USUBJID" : "IDVARVAL", u[0] ? u : ivv, NULL);
        if (rc)
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_relrec_reltype = {.name = "relrec_reltype",
                                                      .compile = rrt_compile,
                                                      .free_cfg = scfg_free,
                                                      .ds_begin = s_begin,
                                                      .ds_rows = rrt_rows,
                                                      .state_free = sstate_free};

const struct rules_kind *const rules_kinds_supp[] = {
    &kind_supp_parent_exists,
    &kind_rdomain_valid,
    &kind_supp_rdomain,
    &kind_idvar_valid,
    &kind_qnam_valid,
    &kind_supp_parent_class,
    &kind_supp_idvar,
    &kind_supp_qnam_present,
    &kind_relrec_integrity,
    &kind_relrec_reltype,
    NULL,
};
