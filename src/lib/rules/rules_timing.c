/*
 * Timing (SDTMIG 3.4 section 4.4): ISO 8601 values and durations, start before end at the
 * common precision, study days from DM.RFSTDTC (no day 0, null for partial dates), dates before
 * or after a subject's reference dates, EPOCH against TA and against the SE element covering the
 * record, VISITNUM/VISIT against TV.
 */
#include "rules.h"

#include <math.h>

struct tcfg {
    struct rules_list vars, dys, dtcs;
    const char *kind, *start, *end, *ref, *check, *date, *pair, *when;
    bool partial, interval, day_min, strict, ge, planned_only;
    struct rules_conds cwhen;
};

static void tcfg_free(void *p)
{
    struct tcfg *c = p;
    if (!c)
        return;
    rules_list_release(&c->vars);
    rules_list_release(&c->dys);
    rules_list_release(&c->dtcs);
    rules_conds_release(&c->cwhen);
    tp_free(c);
}

static int tcfg_new(struct rules_rule *r, const char *allowed)
{
    struct tcfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, allowed);
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    if (((t = rules_param(r, "variable")) && rules_list_split(t, ',', &c->vars)) ||
        ((t = rules_param(r, "dy")) && rules_list_split(t, ',', &c->dys)) ||
        ((t = rules_param(r, "dtc")) && rules_list_split(t, ',', &c->dtcs)))
        return TP_E_NOMEM;
    c->kind = rules_param(r, "kind");
    c->start = rules_param(r, "start");
    c->end = rules_param(r, "end");
    c->ref = rules_param(r, "ref");
    c->check = rules_param(r, "check");
    c->date = rules_param(r, "date");
    c->pair = rules_param(r, "pair");
    c->when = rules_param(r, "when");
    c->partial = !rules_param(r, "partial") || rules_param_yes(r, "partial");
    c->interval = rules_param_yes(r, "interval");
    c->day_min = rules_param(r, "min_precision") != NULL;
    if (c->day_min && strcmp(rules_param(r, "min_precision"), "day") != 0)
        return TP_E_UNSUPPORTED;
    c->strict = rules_param_yes(r, "strict");
    c->ge = rules_param(r, "direction") && strcmp(rules_param(r, "direction"), "ge") == 0;
    c->planned_only = rules_param_yes(r, "planned_only");
    return TP_OK;
}

static void t_text(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* ---- iso8601 ---- */
struct iso_state {
    long cols[64];
    size_t n;
    struct tp_strbuf last[64]; /* last valid value per column: dates repeat */
};

static void iso_free(void *p)
{
    struct iso_state *s = p;
    if (!s)
        return;
    for (size_t i = 0; i < 64; i++)
        tp_strbuf_release(&s->last[i]);
    tp_free(s);
}

static int iso_compile(struct rules_rule *r, struct tp_error *err)
{
    struct tcfg *c;
    int rc;
    (void)err;
    if ((rc = tcfg_new(r, "variable,kind,partial,interval,min_precision,when")))
        return rc;
    c = r->cfg;
    if (c->when || !c->kind ||
        (strcmp(c->kind, "datetime") != 0 && strcmp(c->kind, "duration") != 0))
        return TP_E_UNSUPPORTED; /* when=define_datatype_date needs value-level metadata */
    return TP_OK;
}

static int iso_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct tcfg *c = r->cfg;
    struct iso_state *s;
    if (!applies)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    for (size_t i = 0; i < tp_dataset_nvars(run->meta) && s->n < 64; i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        if (v->type != TP_CHAR)
            continue;
        for (size_t k = 0; k < c->vars.n; k++)
            if (rules_name_match(run->ds, c->vars.v[k], v->name)) {
                tp_strbuf_init(&s->last[s->n]);
                s->cols[s->n++] = (long)i;
                break;
            }
    }
    if (!s->n) {
        iso_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int iso_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    const struct tcfg *c = r->cfg;
    struct iso_state *s = state;
    size_t n = tp_dataset_nrows(b);
    bool dur = strcmp(c->kind, "duration") == 0;
    int rc;
    for (size_t k = 0; k < s->n; k++) {
        size_t col = (size_t)s->cols[k];
        const char *name = tp_dataset_var(b, col)->name;
        struct tp_strbuf *last = &s->last[k];
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *x = tp_dataset_str(b, i, col, &len);
            bool ok;
            while (len && x[len - 1] == ' ')
                len--;
            if (!len || (last->len == len && memcmp(last->buf, x, len) == 0))
                continue;
            if (dur) {
                ok = rules_iso_duration(x, len, true);
            } else {
                struct rules_dt dt;
                ok = rules_iso_dtc(x, len, c->interval);
                if (ok && !c->partial && rules_iso_datetime(x, len, &dt) && dt.gaps)
                    ok = false;
                if (ok && c->day_min) {
                    long days;
                    ok = rules_iso_days(x, len < 10 ? len : 10, &days);
                }
            }
            if (ok) {
                tp_strbuf_reset(last);
                tp_strbuf_add(last, x, len);
                continue;
            }
            {
                char val[128];
                t_text(val, sizeof val, x, len);
                if ((rc = rules_emit_row(run, r, b, i, name, val, NULL)))
                    return rc;
            }
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_iso8601 = {.name = "iso8601",
                                               .compile = iso_compile,
                                               .free_cfg = tcfg_free,
                                               .ds_begin = iso_begin,
                                               .ds_rows = iso_rows,
                                               .state_free = iso_free};

/* ---- stdtc_le_endtc ---- */
struct se_state {
    long a, b;
};

static void plain_free(void *p)
{
    tp_free(p);
}

static int sle_compile(struct rules_rule *r, struct tp_error *err)
{
    struct tcfg *c;
    int rc;
    (void)err;
    if ((rc = tcfg_new(r, "start,end,type")))
        return rc;
    c = r->cfg;
    if (rules_param(r, "type") || !c->start || !c->end || strchr(c->start, ',') ||
        strchr(c->start, '*'))
        return TP_E_UNSUPPORTED; /* ADaM numeric date pairs: not wired in */
    return TP_OK;
}

static int sle_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct tcfg *c = r->cfg;
    struct se_state *s;
    long a, b;
    if (!applies)
        return RULES_SKIP;
    a = rules_col(run->ds, run->meta, c->start);
    b = rules_col(run->ds, run->meta, c->end);
    if (a < 0 || b < 0)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->a = a;
    s->b = b;
    *st = s;
    return TP_OK;
}

static int sle_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct se_state *s = state;
    size_t n = tp_dataset_nrows(b);
    const char *an = tp_dataset_var(b, (size_t)s->a)->name;
    const char *bn = tp_dataset_var(b, (size_t)s->b)->name;
    int rc;
    for (size_t i = 0; i < n; i++) {
        char b1[48], b2[48], sv[64], ev[64];
        size_t l1, l2;
        const char *x = rules_cell(b, i, s->a, b1, sizeof b1, &l1);
        const char *y = rules_cell(b, i, s->b, b2, sizeof b2, &l2);
        bool comparable;
        if (!l1 || !l2 || memchr(x, '/', l1) || memchr(y, '/', l2))
            continue;
        if (rules_iso_cmp(x, l1, y, l2, &comparable) <= 0 || !comparable)
            continue;
        t_text(sv, sizeof sv, x, l1);
        t_text(ev, sizeof ev, y, l2);
        if ((rc = rules_emit_row(run, r, b, i, bn, ev,
                                 (const char *const[]){"start", an, "startval", sv, "end", bn,
                                                       "endval", ev, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_stdtc_le_endtc = {.name = "stdtc_le_endtc",
                                                      .compile = sle_compile,
                                                      .free_cfg = tcfg_free,
                                                      .ds_begin = sle_begin,
                                                      .ds_rows = sle_rows,
                                                      .state_free = plain_free};

/* ---- study days ---- */
struct dy_state {
    long dy[8], dtc[8];
    size_t n;
};

static int dy_compile(struct rules_rule *r, struct tp_error *err)
{
    struct tcfg *c;
    int rc;
    (void)err;
    if ((rc = tcfg_new(r, "check,dy,dtc,ref,variable")))
        return rc;
    c = r->cfg;
    if (c->ref && strcmp(c->ref, "DM.RFSTDTC") != 0)
        return TP_E_UNSUPPORTED;
    if (c->dys.n != c->dtcs.n || c->dys.n > 8)
        return TP_E_UNSUPPORTED;
    if (c->check && strcmp(c->check, "value") != 0 && strcmp(c->check, "populated") != 0)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int dy_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct tcfg *c = r->cfg;
    struct dy_state *s;
    if (!applies || strcmp(run->ds->name, "DM") == 0)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    for (size_t k = 0; k < c->dys.n; k++) {
        long d = rules_col(run->ds, run->meta, c->dys.v[k]);
        long t = rules_col(run->ds, run->meta, c->dtcs.v[k]);
        if (d < 0 || t < 0)
            continue;
        s->dy[s->n] = d;
        s->dtc[s->n++] = t;
    }
    if (!s->n || run->usubjid_col < 0) {
        tp_free(s);
        return RULES_SKIP;
    }
    if (!run->pkg->dm || !run->pkg->dm->data) {
        tp_free(s);
        rules_skip(r, "no DM dataset");
        return RULES_SKIP;
    }
    *st = s;
    return TP_OK;
}

static long dy_expected(long d, long ref)
{
    return d >= ref ? d - ref + 1 : d - ref;
}

static int dy_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    const struct tcfg *c = r->cfg;
    struct dy_state *s = state;
    size_t n = tp_dataset_nrows(b);
    bool populated = c->check && strcmp(c->check, "populated") == 0;
    bool partial = strcmp(r->check, "dy_null_partial") == 0;
    struct rules_subject *subj = NULL;
    char lastu[201] = "";
    size_t lastn = (size_t)-1;
    int rc;
    for (size_t i = 0; i < n; i++) {
        char ub[8];
        size_t ul;
        const char *u = rules_cell(b, i, run->usubjid_col, ub, sizeof ub, &ul);
        if (!(ul == lastn && memcmp(u, lastu, ul) == 0)) {
            subj = ul ? rules_map_get(&run->pkg->subjects, u, ul) : NULL;
            lastn = ul < sizeof lastu ? ul : (size_t)-1;
            if (lastn != (size_t)-1)
                memcpy(lastu, u, ul);
        }
        if (!subj)
            continue;
        for (size_t k = 0; k < s->n; k++) {
            char db[48], dv[64], tv[64], ev[32];
            size_t dl;
            const char *dt = rules_cell(b, i, s->dtc[k], db, sizeof db, &dl);
            double dy;
            bool have_dy = rules_cell_number(b, i, s->dy[k], &dy);
            long days;
            bool complete = dl >= 10 && rules_iso_days(dt, dl, &days);
            const char *dyname = tp_dataset_var(b, (size_t)s->dy[k])->name;
            const char *dtcname = tp_dataset_var(b, (size_t)s->dtc[k])->name;
            t_text(tv, sizeof tv, dt, dl);
            if (partial) {
                bool rf_partial = subj->rfstdtc && !subj->rfst_ok;
                if (have_dy && ((dl && !complete) || rf_partial)) {
                    snprintf(dv, sizeof dv, "%.0f", dy);
                    if ((rc = rules_emit_row(run, r, b, i, dyname, dv,
                                             (const char *const[]){"dtc", dtcname, NULL})))
                        return rc;
                }
                continue;
            }
            if (!complete || !subj->rfst_ok)
                continue;
            if (populated) {
                if (!have_dy && (rc = rules_emit_row(
                                     run, r, b, i, dyname, tv,
                                     (const char *const[]){"dy", dyname, "dtc", dtcname, NULL})))
                    return rc;
                continue;
            }
            if (!have_dy)
                continue;
            {
                long want = dy_expected(days, subj->rfst_days);
                if (dy == (double)want)
                    continue;
                snprintf(dv, sizeof dv, "%.15g", dy);
                snprintf(ev, sizeof ev, "%ld", want);
                if ((rc = rules_emit_row(
                         run, r, b, i, dyname, dv,
                         (const char *const[]){"expected", ev, "dtc", dtcname, NULL})))
                    return rc;
            }
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_dy_consistent = {.name = "dy_consistent",
                                                     .compile = dy_compile,
                                                     .free_cfg = tcfg_free,
                                                     .ds_begin = dy_begin,
                                                     .ds_rows = dy_rows,
                                                     .state_free = plain_free};
static const struct rules_kind kind_dy_null_partial = {.name = "dy_null_partial",
                                                       .compile = dy_compile,
                                                       .free_cfg = tcfg_free,
                                                       .ds_begin = dy_begin,
                                                       .ds_rows = dy_rows,
                                                       .state_free = plain_free};

/* ---- dy_not_zero ---- */
struct cols_state {
    long cols[64];
    size_t n;
};

static int dz_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return tcfg_new(r, "variable");
}

static int dz_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct tcfg *c = r->cfg;
    struct cols_state *s;
    if (!applies)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    for (size_t i = 0; i < tp_dataset_nvars(run->meta) && s->n < 64; i++) {
        const char *name = tp_dataset_var(run->meta, i)->name;
        for (size_t k = 0; k < c->vars.n; k++)
            if (rules_name_match(run->ds, c->vars.v[k], name)) {
                s->cols[s->n++] = (long)i;
                break;
            }
    }
    if (!s->n) {
        tp_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int dz_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    struct cols_state *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t k = 0; k < s->n; k++)
        for (size_t i = 0; i < n; i++) {
            double d;
            if (rules_cell_number(b, i, s->cols[k], &d) && d == 0 &&
                (rc = rules_emit_row(run, r, b, i, tp_dataset_var(b, (size_t)s->cols[k])->name, "0",
                                     NULL)))
                return rc;
        }
    return TP_OK;
}

static const struct rules_kind kind_dy_not_zero = {.name = "dy_not_zero",
                                                   .compile = dz_compile,
                                                   .free_cfg = tcfg_free,
                                                   .ds_begin = dz_begin,
                                                   .ds_rows = dz_rows,
                                                   .state_free = plain_free};

/* ---- date_le_ref: a date on/before (direction=ge: on/after) the subject's reference ---- */
struct dref_pstate {
    struct rules_map ref; /* USUBJID -> char * (aggregate over a reference dataset) */
    bool ready;
};

static void dref_pfree(void *p)
{
    struct dref_pstate *ps = p;
    if (!ps)
        return;
    rules_map_release(&ps->ref, tp_free);
    tp_free(ps);
}

static int dref_compile(struct rules_rule *r, struct tp_error *err)
{
    struct tcfg *c;
    int rc;
    (void)err;
    if ((rc = tcfg_new(r, "variable,ref,direction,strict")))
        return rc;
    c = r->cfg;
    if (!c->ref)
        return TP_E_UNSUPPORTED;
    if (strncmp(c->ref, "DM.", 3) != 0 && strcmp(c->ref, "DS.DSSTDTC:max") != 0)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

/* DS.DSSTDTC:max per subject from the in-memory DS */
static int dref_pkg_begin(struct rules_rule *r, struct rules_pkg *p)
{
    const struct tcfg *c = r->cfg;
    struct dref_pstate *ps;
    const struct tp_dataset *b;
    long cu, cd;
    if (strncmp(c->ref, "DS.", 3) != 0 || !p->dsd || !p->dsd->data)
        return TP_OK;
    if (!(ps = tp_calloc(1, sizeof *ps)))
        return TP_E_NOMEM;
    rules_map_init(&ps->ref);
    r->pstate = ps;
    b = p->dsd->data;
    cu = tp_dataset_find_var(b, "USUBJID");
    cd = tp_dataset_find_var(b, "DSSTDTC");
    for (size_t i = 0; cu >= 0 && cd >= 0 && i < tp_dataset_nrows(b); i++) {
        char b1[8], b2[48];
        size_t l1, l2;
        const char *u = rules_cell(b, i, cu, b1, sizeof b1, &l1);
        const char *d = rules_cell(b, i, cd, b2, sizeof b2, &l2);
        void **slot;
        bool comparable;
        if (!l1 || !l2 || !rules_iso_datetime(d, l2, NULL))
            continue;
        if (!(slot = rules_map_slot(&ps->ref, u, l1, NULL)))
            return TP_E_NOMEM;
        if (!*slot || rules_iso_cmp(d, l2, *slot, strlen(*slot), &comparable) > 0) {
            tp_free(*slot);
            if (!(*slot = tp_strndup(d, l2)))
                return TP_E_NOMEM;
        }
    }
    ps->ready = true;
    return TP_OK;
}

static int dref_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct tcfg *c = r->cfg;
    struct cols_state *s;
    if (!applies || run->usubjid_col < 0)
        return RULES_SKIP;
    if (strncmp(c->ref, "DM.", 3) == 0 ? !run->pkg->dm || !run->pkg->dm->data : !r->pstate) {
        rules_skip(r, "no %.2s dataset", c->ref);
        return RULES_SKIP;
    }
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    for (size_t k = 0; k < c->vars.n && s->n < 64; k++) {
        long col = rules_col(run->ds, run->meta, c->vars.v[k]);
        if (col >= 0)
            s->cols[s->n++] = col;
    }
    if (!s->n) {
        tp_free(s);
        return RULES_SKIP;
    }
    *st = s;
    return TP_OK;
}

static int dref_rows(struct rules_rule *r, struct rules_run *run, void *state,
                     const struct tp_dataset *b)
{
    const struct tcfg *c = r->cfg;
    struct cols_state *s = state;
    const struct dref_pstate *ps = r->pstate;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        const char *ref = NULL;
        if (strncmp(c->ref, "DM.", 3) == 0) {
            ref =
                rules_subject_field(rules_subject_of(run->pkg, b, i, run->usubjid_col), c->ref + 3);
        } else {
            char ub[8];
            size_t ul;
            const char *u = rules_cell(b, i, run->usubjid_col, ub, sizeof ub, &ul);
            ref = ul ? rules_map_get(&ps->ref, u, ul) : NULL;
        }
        if (!ref)
            continue;
        for (size_t k = 0; k < s->n; k++) {
            char db[48], val[64];
            size_t dl;
            const char *d = rules_cell(b, i, s->cols[k], db, sizeof db, &dl);
            bool comparable, bad;
            int cmp;
            if (!dl || memchr(d, '/', dl))
                continue;
            cmp = rules_iso_cmp(d, dl, ref, strlen(ref), &comparable);
            if (!comparable)
                continue;
            if (c->ge)
                bad = c->strict ? cmp <= 0 : cmp < 0;
            else
                bad = c->strict ? cmp >= 0 : cmp > 0;
            if (!bad)
                continue;
            t_text(val, sizeof val, d, dl);
            if ((rc = rules_emit_row(run, r, b, i, tp_dataset_var(b, (size_t)s->cols[k])->name, val,
                                     (const char *const[]){"ref", ref, NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_date_le_ref = {.name = "date_le_ref",
                                                   .compile = dref_compile,
                                                   .free_cfg = tcfg_free,
                                                   .pkg_begin = dref_pkg_begin,
                                                   .ds_begin = dref_begin,
                                                   .ds_rows = dref_rows,
                                                   .state_free = plain_free,
                                                   .pstate_free = dref_pfree};

/* ---- epoch_in_ta: EPOCH values are epochs of TA ---- */
struct eta_state {
    long col;
    struct rules_map epochs, reported;
};

static void eta_free(void *p)
{
    struct eta_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->epochs, NULL);
    rules_map_release(&s->reported, NULL);
    tp_free(s);
}

static int eta_compile(struct rules_rule *r, struct tp_error *err)
{
    struct tcfg *c;
    int rc;
    (void)err;
    if ((rc = tcfg_new(r, "ref")))
        return rc;
    c = r->cfg;
    return c->ref && strcmp(c->ref, "TA.EPOCH") == 0 ? TP_OK : TP_E_UNSUPPORTED;
}

static int eta_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    struct eta_state *s;
    long col, tc;
    const struct tp_dataset *ta;
    if (!applies || strcmp(run->ds->name, "TA") == 0)
        return RULES_SKIP;
    col = tp_dataset_find_var(run->meta, "EPOCH");
    if (col < 0)
        return RULES_SKIP;
    if (!run->pkg->ta || !run->pkg->ta->data) {
        rules_skip(r, "no TA dataset");
        return RULES_SKIP;
    }
    ta = run->pkg->ta->data;
    tc = tp_dataset_find_var(ta, "EPOCH");
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->col = col;
    rules_map_init(&s->epochs);
    rules_map_init(&s->reported);
    for (size_t i = 0; tc >= 0 && i < tp_dataset_nrows(ta); i++) {
        char buf[48];
        size_t len;
        const char *e = rules_cell(ta, i, tc, buf, sizeof buf, &len);
        if (len && !rules_map_slot(&s->epochs, e, len, NULL)) {
            eta_free(s);
            return TP_E_NOMEM;
        }
    }
    *st = s;
    return TP_OK;
}

static int eta_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct eta_state *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        char buf[48], val[64];
        size_t len;
        const char *e = rules_cell(b, i, s->col, buf, sizeof buf, &len);
        bool created;
        if (!len || rules_map_has(&s->epochs, e, len))
            continue;
        if (!rules_map_slot(&s->reported, e, len, &created))
            return TP_E_NOMEM;
        if (!created)
            continue;
        t_text(val, sizeof val, e, len);
        if ((rc = rules_emit_row(run, r, b, i, "EPOCH", val, NULL)))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_epoch_in_ta = {.name = "epoch_in_ta",
                                                   .compile = eta_compile,
                                                   .free_cfg = tcfg_free,
                                                   .ds_begin = eta_begin,
                                                   .ds_rows = eta_rows,
                                                   .state_free = eta_free};

/* ---- epoch_in_se: EPOCH is an epoch of an SE element covering the record's date ---- */
struct ese_state {
    long epoch, date;
};

static int ese_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return tcfg_new(r, "date");
}

static int ese_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct tcfg *c = r->cfg;
    struct ese_state *s;
    struct rules_list dl;
    long ep, dt = -1;
    if (!applies || strcmp(run->ds->name, "SE") == 0 || run->usubjid_col < 0)
        return RULES_SKIP;
    ep = tp_dataset_find_var(run->meta, "EPOCH");
    if (ep < 0)
        return RULES_SKIP;
    if (rules_list_split(c->date, ',', &dl))
        return TP_E_NOMEM;
    for (size_t k = 0; k < dl.n && dt < 0; k++)
        dt = rules_col(run->ds, run->meta, dl.v[k]);
    rules_list_release(&dl);
    if (dt < 0)
        return RULES_SKIP;
    if (!run->pkg->se || !run->pkg->se->data) {
        rules_skip(r, "no SE dataset");
        return RULES_SKIP;
    }
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->epoch = ep;
    s->date = dt;
    *st = s;
    return TP_OK;
}

static int ese_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct ese_state *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        char b1[48], b2[48], val[64], dv[64];
        size_t el, dl;
        const char *e = rules_cell(b, i, s->epoch, b1, sizeof b1, &el);
        const char *d = rules_cell(b, i, s->date, b2, sizeof b2, &dl);
        const struct rules_subject *subj;
        size_t candidates = 0;
        bool match = false;
        if (!el || !dl || memchr(d, '/', dl))
            continue;
        subj = rules_subject_of(run->pkg, b, i, run->usubjid_col);
        if (!subj || !subj->nse)
            continue;
        for (size_t k = 0; k < subj->nse; k++) {
            const struct rules_se *x = &subj->se[k];
            bool c1, c2;
            int a, z;
            if (!x->st || !x->epoch)
                continue;
            a = rules_iso_cmp(x->st, strlen(x->st), d, dl, &c1);
            if (!c1 || a > 0)
                continue;
            if (x->en) {
                z = rules_iso_cmp(d, dl, x->en, strlen(x->en), &c2);
                if (!c2 || z > 0)
                    continue;
            }
            candidates++;
            if (strlen(x->epoch) == el && memcmp(x->epoch, e, el) == 0)
                match = true;
        }
        if (!candidates || match)
            continue;
        t_text(val, sizeof val, e, el);
        t_text(dv, sizeof dv, d, dl);
        if ((rc = rules_emit_row(run, r, b, i, "EPOCH", val,
                                 (const char *const[]){"date", dv, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_epoch_in_se = {.name = "epoch_in_se",
                                                   .compile = ese_compile,
                                                   .free_cfg = tcfg_free,
                                                   .ds_begin = ese_begin,
                                                   .ds_rows = ese_rows,
                                                   .state_free = plain_free};

/* ---- visitnum_in_tv ---- */
struct vtv_state {
    long vn, vis, presp;
    struct rules_map tv; /* VISITNUM text -> VISIT (char *) */
    struct rules_map reported;
};

static void vtv_free(void *p)
{
    struct vtv_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->tv, tp_free);
    rules_map_release(&s->reported, NULL);
    tp_free(s);
}

static int vtv_compile(struct rules_rule *r, struct tp_error *err)
{
    struct tcfg *c;
    int rc;
    (void)err;
    if ((rc = tcfg_new(r, "when,pair,planned_only")))
        return rc;
    c = r->cfg;
    if (c->when && strcmp(c->when, "SVPRESP:Y") != 0)
        return TP_E_UNSUPPORTED;
    if (c->pair && strcmp(c->pair, "VISIT,VISITNUM") != 0)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int vtv_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct tcfg *c = r->cfg;
    struct vtv_state *s;
    const struct tp_dataset *tv;
    long tn, tvis;
    if (!applies || strcmp(run->ds->name, "TV") == 0 || run->ds->cls == RC_TRIAL_DESIGN)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    rules_map_init(&s->tv);
    rules_map_init(&s->reported);
    s->vn = tp_dataset_find_var(run->meta, "VISITNUM");
    s->vis = tp_dataset_find_var(run->meta, "VISIT");
    s->presp = tp_dataset_find_var(run->meta, "SVPRESP");
    if (s->vn < 0 || (c->pair && s->vis < 0) || (c->when && s->presp < 0)) {
        vtv_free(s);
        return RULES_SKIP;
    }
    if (!run->pkg->tv || !run->pkg->tv->data) {
        vtv_free(s);
        rules_skip(r, "no TV dataset");
        return RULES_SKIP;
    }
    tv = run->pkg->tv->data;
    tn = tp_dataset_find_var(tv, "VISITNUM");
    tvis = tp_dataset_find_var(tv, "VISIT");
    for (size_t i = 0; tn >= 0 && i < tp_dataset_nrows(tv); i++) {
        char b1[48], b2[48];
        size_t l1, l2;
        const char *x = rules_cell(tv, i, tn, b1, sizeof b1, &l1);
        const char *y = rules_cell(tv, i, tvis, b2, sizeof b2, &l2);
        bool created;
        void **slot;
        if (!l1)
            continue;
        if (!(slot = rules_map_slot(&s->tv, x, l1, &created)) ||
            (created && !(*slot = tp_strndup(y, l2)))) {
            vtv_free(s);
            return TP_E_NOMEM;
        }
    }
    *st = s;
    return TP_OK;
}

static int vtv_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    const struct tcfg *c = r->cfg;
    struct vtv_state *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        char b1[48], b2[48], b3[8], val[160];
        size_t l1, l2, l3;
        const char *x = rules_cell(b, i, s->vn, b1, sizeof b1, &l1);
        const char *tvvis;
        bool created;
        if (!l1)
            continue;
        if (c->when) {
            const char *p = rules_cell(b, i, s->presp, b3, sizeof b3, &l3);
            if (!(l3 == 1 && p[0] == 'Y'))
                continue;
        }
        tvvis = rules_map_get(&s->tv, x, l1);
        if (c->pair) {
            const char *y = rules_cell(b, i, s->vis, b2, sizeof b2, &l2);
            if (!tvvis || (strlen(tvvis) == l2 && memcmp(tvvis, y, l2) == 0))
                continue; /* unplanned visits (not in TV) are not compared */
            snprintf(val, sizeof val, "%.*s/%.*s", (int)l2, y, (int)l1, x);
        } else {
            if (tvvis)
                continue;
            snprintf(val, sizeof val, "%.*s", (int)l1, x);
        }
        if (!rules_map_slot(&s->reported, val, strlen(val), &created))
            return TP_E_NOMEM;
        if (created && (rc = rules_emit_row(run, r, b, i, "VISITNUM", val, NULL)))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_visitnum_in_tv = {.name = "visitnum_in_tv",
                                                      .compile = vtv_compile,
                                                      .free_cfg = tcfg_free,
                                                      .ds_begin = vtv_begin,
                                                      .ds_rows = vtv_rows,
                                                      .state_free = vtv_free};

const struct rules_kind *const rules_kinds_timing[] = {
    &kind_iso8601,        &kind_stdtc_le_endtc,
    &kind_dy_consistent,  &kind_dy_null_partial,
    &kind_dy_not_zero,    &kind_date_le_ref,
    &kind_epoch_in_ta,    &kind_epoch_in_se,
    &kind_visitnum_in_tv, NULL,
};
