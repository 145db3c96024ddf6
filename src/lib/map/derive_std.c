/*
 * Derivations every SDTM domain shares, driven by the variable names the spec declares rather
 * than by per-domain code (SDTMIG 3.4 §4.1, §4.4, §4.5.9): STUDYID, DOMAIN, USUBJID, SUBJID,
 * SITEID; --DY/--STDY/--ENDY from the matching --DTC and DM.RFSTDTC (no day 0); EPOCH from the
 * subject's elements; --LOBXFL/--BLFL (last non-missing result on or before first exposure);
 * cross-dataset derivations (derive from=DATASET; var=; agg=; where=); --SEQ after sorting by the
 * dataset's keys; values checked against their codelists.
 */
#include "map.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

long tab_pcol(const struct tp_sdtm *r, const struct otab *t, const char *suffix)
{
    char name[24];
    if (t->ds < 0)
        return -1;
    map_prefixed(&r->spec->ds[t->ds], suffix, name, sizeof name);
    return otab_col(t, name);
}

int iso_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = memcmp(a, b, n);
    if (c)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static bool tab_is_design(const struct tp_sdtm *r, const struct otab *t)
{
    return t->ds >= 0 && r->spec->ds[t->ds].refdata;
}

static int set_if_empty(struct otab *t, size_t row, long col, const char *v)
{
    size_t n;
    if (col < 0)
        return TP_OK;
    if (t->cols[col].num) {
        double d;
        if (otab_num(t, row, (size_t)col, &d))
            return TP_OK;
    } else {
        otab_str(t, row, (size_t)col, &n);
        if (n)
            return TP_OK;
    }
    return otab_set_str(t, row, (size_t)col, v, strlen(v));
}

int derive_ids(struct tp_sdtm *r, struct tp_error *err)
{
    (void)err;
    for (size_t i = 0; i < r->ntabs; i++) {
        struct otab *t = &r->tabs[i];
        long c_study = otab_col(t, "STUDYID"), c_dom = otab_col(t, "DOMAIN"),
             c_usub = otab_col(t, "USUBJID"), c_subj = otab_col(t, "SUBJID"),
             c_site = otab_col(t, "SITEID");
        const char *dom = t->ds >= 0 ? r->spec->ds[t->ds].domain : "";
        int rc;
        for (size_t row = 0; row < t->nrows; row++) {
            long s = t->subj[row];
            if ((rc = set_if_empty(t, row, c_study, r->studyid)) ||
                (*dom && (rc = set_if_empty(t, row, c_dom, dom))))
                return rc;
            if (s < 0)
                continue;
            if ((rc = set_if_empty(t, row, c_usub, r->subjects[s].usubjid)) ||
                (rc = set_if_empty(t, row, c_subj, r->subjects[s].key)) ||
                (rc = set_if_empty(t, row, c_site, r->subjects[s].site)))
                return rc;
        }
    }
    /* DM record of each subject */
    {
        struct otab *dm = exec_tab(r, "DM");
        tp_free(r->dm_row);
        if (!(r->dm_row = tp_calloc(r->nsubj ? r->nsubj : 1, sizeof *r->dm_row)))
            return TP_E_NOMEM;
        for (size_t s = 0; s < r->nsubj; s++)
            r->dm_row[s] = -1;
        for (size_t row = 0; dm && row < dm->nrows; row++)
            if (dm->subj[row] >= 0 && r->dm_row[dm->subj[row]] < 0)
                r->dm_row[dm->subj[row]] = (long)row;
    }
    return TP_OK;
}

/* ---------------------------------------------------------------- cross-dataset derivations */

struct otctx {
    const struct otab *t;
    size_t row;
    const struct spec_dataset *d;
};

static const char *ot_get(void *ctx, long var, size_t *n)
{
    struct otctx *c = ctx;
    static char buf[48];
    for (size_t i = 0; i < c->d->nvars; i++)
        if ((long)c->d->vars[i] == var) {
            double v;
            if (c->t->cols[i].num) {
                if (!otab_num(c->t, c->row, i, &v)) {
                    *n = 0;
                    return "";
                }
                *n = tp_format_double(v, buf, sizeof buf);
                return buf;
            }
            return otab_str(c->t, c->row, i, n);
        }
    *n = 0;
    return "";
}

static int cross_one(struct tp_sdtm *r, size_t ri, char *state, struct tp_error *err);

/* Text of a cell (numbers formatted) into buf. */
static const char *cell_text(const struct otab *t, size_t row, long col, char *buf, size_t size,
                             size_t *n)
{
    double d;
    if (col < 0) {
        *n = 0;
        return "";
    }
    if (t->cols[col].num) {
        if (!otab_num(t, row, (size_t)col, &d)) {
            *n = 0;
            return "";
        }
        *n = tp_format_double(d, buf, size);
        return buf;
    }
    return otab_str(t, row, (size_t)col, n);
}

/* derive from=DS; var=V; by=VAR: the value of the source record with the same subject and VAR. */
static int cross_run_by(struct tp_sdtm *r, const struct spec_rule *ru, struct otab *src,
                        struct otab *dst, long scol, long dcol, const struct spec_dataset *sd)
{
    const char *by = spec_kv(ru, "by");
    long sb = otab_col(src, by), db = otab_col(dst, by);
    struct hmap best;
    struct tp_strbuf key;
    int rc = TP_OK;
    (void)r;
    if (sb < 0 || db < 0)
        return TP_OK;
    hmap_init(&best);
    tp_strbuf_init(&key);
    for (size_t row = 0; row < src->nrows && !rc; row++) {
        char b1[48], b2[48], sub[24];
        size_t n, vn, k;
        const char *bv, *v;
        struct otctx c = {src, row, sd};
        if (src->subj[row] < 0)
            continue;
        if (ru->where && !expr_eval(ru->where, ot_get, &c))
            continue;
        v = cell_text(src, row, scol, b2, sizeof b2, &vn);
        if (vn == 0)
            continue;
        bv = cell_text(src, row, sb, b1, sizeof b1, &n);
        snprintf(sub, sizeof sub, "%ld\x1f", src->subj[row]);
        tp_strbuf_reset(&key);
        tp_strbuf_adds(&key, sub);
        tp_strbuf_add(&key, bv, n);
        if (hmap_get(&best, key.buf, key.len, &k)) {
            size_t pn;
            char b3[48];
            const char *pv = cell_text(src, k, scol, b3, sizeof b3, &pn);
            int c2 = iso_cmp(v, vn, pv, pn);
            if (!((ru->agg == AGG_MIN && c2 < 0) || (ru->agg == AGG_MAX && c2 > 0) ||
                  ru->agg == AGG_LAST))
                continue;
        }
        rc = hmap_put(&best, key.buf, key.len, row);
    }
    for (size_t row = 0; row < dst->nrows && !rc; row++) {
        char b1[48], b2[48], sub[24];
        size_t n, k, vn;
        const char *bv, *v;
        if (dst->subj[row] < 0)
            continue;
        bv = cell_text(dst, row, db, b1, sizeof b1, &n);
        snprintf(sub, sizeof sub, "%ld\x1f", dst->subj[row]);
        tp_strbuf_reset(&key);
        tp_strbuf_adds(&key, sub);
        tp_strbuf_add(&key, bv, n);
        if (!hmap_get(&best, key.buf, key.len, &k))
            continue;
        v = cell_text(src, k, scol, b2, sizeof b2, &vn);
        rc = otab_set_str(dst, row, (size_t)dcol, v, vn);
        if (rc == TP_E_PARSE)
            rc = TP_OK;
    }
    hmap_release(&best);
    tp_strbuf_release(&key);
    return rc;
}

static int cross_run(struct tp_sdtm *r, const struct spec_rule *ru)
{
    struct otab *src = &r->tabs[r->tab_of_ds[ru->from_ds]];
    struct otab *dst = &r->tabs[r->tab_of_ds[ru->ds]];
    long scol = tab_col_of_var(r->spec, ru->from_var), dcol = tab_col_of_var(r->spec, ru->var);
    const struct spec_dataset *sd = &r->spec->ds[ru->from_ds];
    long *best = tp_calloc(r->nsubj ? r->nsubj : 1, sizeof *best);
    size_t *count = tp_calloc(r->nsubj ? r->nsubj : 1, sizeof *count);
    int rc = TP_OK;
    if (!best || !count) {
        tp_free(best);
        tp_free(count);
        return TP_E_NOMEM;
    }
    for (size_t s = 0; s < r->nsubj; s++)
        best[s] = -1;
    if (spec_kv(ru, "by")) {
        tp_free(best);
        tp_free(count);
        return cross_run_by(r, ru, src, dst, scol, dcol, sd);
    }
    for (size_t row = 0; row < src->nrows; row++) {
        long s = src->subj[row];
        size_t n, bn;
        const char *v;
        struct otctx c = {src, row, sd};
        char buf[48];
        if (s < 0)
            continue;
        if (ru->where && !expr_eval(ru->where, ot_get, &c))
            continue;
        if (src->cols[scol].num) {
            double d;
            if (!otab_num(src, row, (size_t)scol, &d))
                continue;
            n = tp_format_double(d, buf, sizeof buf);
            v = buf;
        } else
            v = otab_str(src, row, (size_t)scol, &n);
        if (n == 0)
            continue;
        count[s]++;
        if (best[s] < 0 || ru->agg == AGG_LAST) {
            best[s] = (long)row;
            continue;
        }
        if (ru->agg == AGG_MIN || ru->agg == AGG_MAX) {
            const char *b;
            int c2;
            if (src->cols[scol].num) {
                double x, y;
                otab_num(src, row, (size_t)scol, &x);
                otab_num(src, (size_t)best[s], (size_t)scol, &y);
                c2 = x < y ? -1 : x > y;
            } else {
                b = otab_str(src, (size_t)best[s], (size_t)scol, &bn);
                c2 = iso_cmp(v, n, b, bn);
            }
            if ((ru->agg == AGG_MIN && c2 < 0) || (ru->agg == AGG_MAX && c2 > 0))
                best[s] = (long)row;
        }
    }
    for (size_t row = 0; row < dst->nrows && !rc; row++) {
        long s = dst->subj[row];
        if (s < 0)
            continue;
        if (ru->agg == AGG_COUNT) {
            rc = otab_set_num(dst, row, (size_t)dcol, (double)count[s]);
            continue;
        }
        if (best[s] < 0)
            continue;
        if (src->cols[scol].num) {
            double d;
            otab_num(src, (size_t)best[s], (size_t)scol, &d);
            rc = otab_set_num(dst, row, (size_t)dcol, d);
        } else {
            size_t n;
            const char *v = otab_str(src, (size_t)best[s], (size_t)scol, &n);
            rc = otab_set_str(dst, row, (size_t)dcol, v, n);
            if (rc == TP_E_PARSE)
                rc = TP_OK;
        }
    }
    tp_free(best);
    tp_free(count);
    return rc;
}

static int cross_one(struct tp_sdtm *r, size_t ri, char *state, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    const struct spec_rule *ru = &s->rules[ri];
    int rc;
    if (state[ri] == 2)
        return TP_OK;
    state[ri] = 1;
    /* first the derivations that set the variable this one reads */
    for (size_t j = 0; j < s->nrules; j++) {
        const struct spec_rule *o = &s->rules[j];
        if (o->alg == ALG_DERIVE && o->from_ds >= 0 && o->var == ru->from_var && state[j] == 0)
            if ((rc = cross_one(r, j, state, err)))
                return rc;
    }
    if ((rc = cross_run(r, ru)))
        return rc;
    state[ri] = 2;
    return TP_OK;
}

int derive_cross(struct tp_sdtm *r, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    char *state = tp_calloc(s->nrules + 1, 1);
    int rc = TP_OK;
    if (!state)
        return TP_E_NOMEM;
    for (size_t i = 0; i < s->nrules && !rc; i++)
        if (s->rules[i].alg == ALG_DERIVE && s->rules[i].from_ds >= 0)
            rc = cross_one(r, i, state, err);
    tp_free(state);
    return rc;
}

/* ---------------------------------------------------------------- study days and epochs */

static const char *dm_value(struct tp_sdtm *r, long subj, const char *var, size_t *n)
{
    struct otab *dm = exec_tab(r, "DM");
    long c;
    *n = 0;
    if (!dm || subj < 0 || !r->dm_row || r->dm_row[subj] < 0 || (c = otab_col(dm, var)) < 0)
        return "";
    return otab_str(dm, (size_t)r->dm_row[subj], (size_t)c, n);
}

const char *derive_dm_value(struct tp_sdtm *r, long subj, const char *var, size_t *n);
const char *derive_dm_value(struct tp_sdtm *r, long subj, const char *var, size_t *n)
{
    return dm_value(r, subj, var, n);
}

static const char *epoch_of(struct tp_sdtm *r, long subj, const char *dtc, size_t n)
{
    size_t first, cnt;
    if (subj < 0 || !r->el_first || n < 10)
        return NULL;
    first = r->el_first[subj];
    cnt = r->el_count[subj];
    for (size_t k = 0; k < cnt; k++) {
        const char *st = r->el_start[first + k], *en = r->el_end[first + k];
        size_t sn = strlen(st), enn = en ? strlen(en) : 0;
        bool last = k + 1 == cnt;
        if (iso_cmp(dtc, n, st, sn) < 0)
            return NULL; /* before the first element: not in the study yet */
        if (enn == 0 || (!last && iso_cmp(dtc, n, en, enn) < 0))
            return r->el_epoch[first + k];
        /* the last element includes its end, compared at the precision of the end */
        if (last && iso_cmp(dtc, n < enn ? n : enn, en, n < enn ? n : enn) <= 0)
            return r->el_epoch[first + k];
        /* a date-only value equal to the date part of a timed end stays in the element */
        if (last && n == 10 && enn > 10 && memcmp(dtc, en, 10) == 0)
            return r->el_epoch[first + k];
    }
    return NULL;
}

int derive_timing(struct tp_sdtm *r, struct tp_error *err)
{
    (void)err;
    for (size_t i = 0; i < r->ntabs; i++) {
        struct otab *t = &r->tabs[i];
        long c_epoch;
        if (tab_is_design(r, t) || t->ds < 0)
            continue;
        /* --DY, --STDY, --ENDY */
        for (size_t c = 0; c < t->ncols; c++) {
            const char *nm = t->names[c];
            size_t l = strlen(nm);
            char dtcname[16];
            long dc;
            if (l < 3 || strcmp(nm + l - 2, "DY") != 0 || strcmp(nm, "VISITDY") == 0 ||
                !t->cols[c].num || l - 2 + 3 >= sizeof dtcname)
                continue;
            snprintf(dtcname, sizeof dtcname, "%.*sDTC", (int)(l - 2), nm);
            if ((dc = otab_col(t, dtcname)) < 0)
                continue;
            for (size_t row = 0; row < t->nrows; row++) {
                size_t n, rn;
                const char *v = otab_str(t, row, (size_t)dc, &n);
                const char *ref = dm_value(r, t->subj[row], "RFSTDTC", &rn);
                long d, rd;
                double cur;
                if (otab_num(t, row, c, &cur))
                    continue;
                if (isodate_days(v, n, &d) && isodate_days(ref, rn, &rd))
                    otab_set_num(t, row, c, (double)isodate_study_day(d, rd));
            }
        }
        /* EPOCH */
        c_epoch = otab_col(t, "EPOCH");
        if (c_epoch >= 0 && strcasecmp(t->name, "SE") != 0) {
            long dc = tab_pcol(r, t, "STDTC");
            if (dc < 0)
                dc = tab_pcol(r, t, "DTC");
            for (size_t row = 0; dc >= 0 && row < t->nrows; row++) {
                size_t n;
                const char *v = otab_str(t, row, (size_t)dc, &n);
                const char *ep = epoch_of(r, t->subj[row], v, n);
                if (ep)
                    set_if_empty(t, row, c_epoch, ep);
            }
        }
    }
    return TP_OK;
}

/* ---------------------------------------------------------------- --LOBXFL / --BLFL */

int derive_lobxfl(struct tp_sdtm *r, struct tp_error *err)
{
    static const char *const by[] = {"TESTCD", "CAT", "SCAT", "LOC", "LAT", "POS", "SPEC",
                                     "METHOD", "REPNUM", NULL};
    struct tp_strbuf key;
    int rc = TP_OK;
    /* first exposure; a spec without RFXSTDTC in DM uses RFSTDTC */
    bool dm_has_rfx = exec_tab(r, "DM") && otab_col(exec_tab(r, "DM"), "RFXSTDTC") >= 0;
    (void)err;
    tp_strbuf_init(&key);
    for (size_t i = 0; i < r->ntabs && !rc; i++) {
        struct otab *t = &r->tabs[i];
        long c_fl = tab_pcol(r, t, "LOBXFL"), c_bl = tab_pcol(r, t, "BLFL"),
             c_dtc = tab_pcol(r, t, "DTC"), c_res = tab_pcol(r, t, "ORRES");
        long cols[16];
        size_t nc = 0;
        struct hmap best;
        if ((c_fl < 0 && c_bl < 0) || c_dtc < 0 || c_res < 0)
            continue;
        for (size_t k = 0; by[k]; k++) {
            long c = tab_pcol(r, t, by[k]);
            if (c >= 0)
                cols[nc++] = c;
        }
        hmap_init(&best);
        for (size_t row = 0; row < t->nrows && !rc; row++) {
            size_t n, dn, rn, bi;
            const char *dtc, *rfx;
            char sub[32];
            otab_str(t, row, (size_t)c_res, &n);
            if (n == 0 || t->subj[row] < 0)
                continue;
            dtc = otab_str(t, row, (size_t)c_dtc, &dn);
            rfx = dm_value(r, t->subj[row], "RFXSTDTC", &rn);
            if (!dm_has_rfx)
                rfx = dm_value(r, t->subj[row], "RFSTDTC", &rn);
            if (dn < 10 || rn < 10 || iso_cmp(dtc, dn, rfx, rn) > 0)
                continue;
            tp_strbuf_reset(&key);
            snprintf(sub, sizeof sub, "%ld", t->subj[row]);
            tp_strbuf_adds(&key, sub);
            for (size_t k = 0; k < nc; k++) {
                size_t vn;
                const char *v;
                char nb[40];
                if (t->cols[cols[k]].num) {
                    double d;
                    vn = otab_num(t, row, (size_t)cols[k], &d) ? tp_format_double(d, nb, sizeof nb) : 0;
                    v = nb;
                } else
                    v = otab_str(t, row, (size_t)cols[k], &vn);
                tp_strbuf_addc(&key, '\x1f');
                tp_strbuf_add(&key, v, vn);
            }
            if (!hmap_get(&best, key.buf, key.len, &bi)) {
                rc = hmap_put(&best, key.buf, key.len, row);
                continue;
            }
            {
                size_t bn;
                const char *bd = otab_str(t, bi, (size_t)c_dtc, &bn);
                if (iso_cmp(dtc, dn, bd, bn) >= 0)
                    rc = hmap_put(&best, key.buf, key.len, row);
            }
        }
        for (size_t k = 0; k < best.cap && !rc; k++)
            if (best.keys[k]) {
                if (c_fl >= 0)
                    otab_set_str(t, best.vals[k], (size_t)c_fl, "Y", 1);
                if (c_bl >= 0)
                    otab_set_str(t, best.vals[k], (size_t)c_bl, "Y", 1);
            }
        hmap_release(&best);
    }
    tp_strbuf_release(&key);
    return rc;
}

/* ---------------------------------------------------------------- codelist values */

int exec_check_ct(struct tp_sdtm *r, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    int rc;
    (void)err;
    for (size_t i = 0; i < r->ntabs; i++) {
        struct otab *t = &r->tabs[i];
        if (t->ds < 0)
            continue;
        for (size_t c = 0; c < t->ncols; c++) {
            const struct spec_var *v = &s->vars[s->ds[t->ds].vars[c]];
            const struct spec_codelist *cl;
            if (v->cl < 0 || t->cols[c].num)
                continue;
            cl = &s->cls[v->cl];
            for (size_t row = 0; row < t->nrows; row++) {
                size_t n;
                const char *val = otab_str(t, row, c, &n);
                if (n == 0 || hmap_get(&cl->index, val, n, NULL))
                    continue;
                if ((rc = exec_add_issue(r, t->src_form[row], t->src_row[row], t->subj[row],
                                         (long)i, row, v->name, "ISSUE",
                                         "value '%.*s' is not in codelist %s", (int)(n > 60 ? 60 : n),
                                         val, cl->id)))
                    return rc;
            }
        }
    }
    return TP_OK;
}

/* ---------------------------------------------------------------- sort and --SEQ */

static void remap_issues(struct tp_sdtm *r, long tab, const size_t *newpos)
{
    if (!newpos)
        return;
    for (size_t i = 0; i < r->nissues; i++)
        if (r->issues[i].ds == tab)
            r->issues[i].orow = newpos[r->issues[i].orow];
}

int derive_sort_tab(struct tp_sdtm *r, size_t ti);
int derive_sort_tab(struct tp_sdtm *r, size_t ti)
{
    struct otab *t = &r->tabs[ti];
    const struct spec_dataset *d = t->ds >= 0 ? &r->spec->ds[t->ds] : NULL;
    size_t cols[32], nc = 0, *newpos;
    long c_seq = t->ds >= 0 ? tab_pcol(r, t, "SEQ") : -1;
    int rc;
    if (d) {
        for (size_t k = 0; k < d->nkeys && nc < 32; k++) {
            long c = otab_col(t, d->keys[k]);
            if (c >= 0 && c != c_seq)
                cols[nc++] = (size_t)c;
        }
    } else {
        for (size_t c = 0; c < t->ncols && nc < 32; c++)
            cols[nc++] = c;
    }
    if ((rc = otab_sort(t, cols, nc, &newpos)))
        return rc;
    remap_issues(r, (long)ti, newpos);
    tp_free(newpos);
    /* records with the same key: reported (data errors such as duplicated CRF pages) */
    if (d && nc) {
        for (size_t row = 1; row < t->nrows; row++) {
            bool same = true;
            if (c_seq >= 0)
                break; /* --SEQ makes the key unique */
            for (size_t k = 0; k < nc && same; k++) {
                const struct ocol *c = &t->cols[cols[k]];
                if (c->num) {
                    double a, b;
                    bool ha = otab_num(t, row - 1, cols[k], &a), hb = otab_num(t, row, cols[k], &b);
                    same = ha == hb && (!ha || a == b);
                } else {
                    size_t an, bn;
                    const char *a = otab_str(t, row - 1, cols[k], &an), *b = otab_str(t, row, cols[k], &bn);
                    same = an == bn && memcmp(a, b, an) == 0;
                }
            }
            if (same && (rc = exec_add_issue(r, t->src_form[row], t->src_row[row], t->subj[row],
                                             (long)ti, row, "", "ISSUE",
                                             "key of %s not unique: same %s as the previous record",
                                             t->name, d->keys_text)))
                return rc;
        }
    }
    return TP_OK;
}

int derive_seq(struct tp_sdtm *r, struct tp_error *err)
{
    int rc;
    (void)err;
    for (size_t i = 0; i < r->ntabs; i++) {
        struct otab *t = &r->tabs[i];
        long c_seq, c_usub;
        if ((rc = derive_sort_tab(r, i)))
            return rc;
        if (t->ds < 0 || tab_is_design(r, t))
            continue;
        c_seq = tab_pcol(r, t, "SEQ");
        c_usub = otab_col(t, "USUBJID");
        if (c_seq < 0)
            continue;
        {
            size_t *cnt = tp_calloc(r->nsubj + 1, sizeof *cnt);
            if (!cnt)
                return TP_E_NOMEM;
            for (size_t row = 0; row < t->nrows; row++) {
                long s = t->subj[row];
                size_t k = s >= 0 ? (size_t)s : r->nsubj;
                (void)c_usub;
                otab_set_num(t, row, (size_t)c_seq, (double)++cnt[k]);
            }
            tp_free(cnt);
        }
    }
    return TP_OK;
}
