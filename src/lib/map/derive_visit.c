/*
 * Visits (SDTMIG 3.4 §4.4.5, TV and SV): VISITNUM, VISIT and VISITDY from the planned visits of
 * TrialVisits.csv, keyed by the EDC visit code (column VisitCode). Unscheduled visits (the code in
 * setting UnscheduledVisit, default NP) are numbered between planned ones: the last planned visit
 * on or before the unscheduled date plus 0.01 per unscheduled visit after it (2.01, 2.02 ...),
 * first in SV (from its SVSTDTC), then in every other domain by the record's date.
 */
#include "map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int visit_build(struct tp_sdtm *r)
{
    const struct sheet *tv = &r->spec->tv_sh;
    long c_code = sheet_col(tv, "VisitCode"), c_num = sheet_col(tv, "VISITNUM"),
         c_name = sheet_col(tv, "VISIT"), c_dy = sheet_col(tv, "VISITDY");
    r->tv_built = true;
    if (!tv->nrows || c_num < 0)
        return TP_OK;
    r->tv_num = tp_calloc(tv->nrows, sizeof *r->tv_num);
    r->tv_dy = tp_calloc(tv->nrows, sizeof *r->tv_dy);
    r->tv_name = tp_calloc(tv->nrows, sizeof *r->tv_name);
    if (!r->tv_num || !r->tv_dy || !r->tv_name)
        return TP_E_NOMEM;
    for (size_t i = 0; i < tv->nrows; i++) {
        const char *num = sheet_get(tv, i, c_num), *code = sheet_get(tv, i, c_code),
                   *dy = sheet_get(tv, i, c_dy);
        double x;
        size_t k;
        if (!tp_parse_double(num, strlen(num), &x))
            continue;
        if (*code && hmap_get(&r->tv_index, code, strlen(code), &k))
            continue; /* same visit for another arm */
        k = r->ntv++;
        r->tv_num[k] = x;
        if (!tp_parse_double(dy, strlen(dy), &r->tv_dy[k]))
            r->tv_dy[k] = 0.5; /* marker: no planned day */
        if (!(r->tv_name[k] = tp_strdup(sheet_get(tv, i, c_name))))
            return TP_E_NOMEM;
        if (*code && hmap_put(&r->tv_index, code, strlen(code), k))
            return TP_E_NOMEM;
    }
    return TP_OK;
}

long visit_lookup(struct tp_sdtm *r, const char *code, size_t n)
{
    size_t k;
    if (!r->tv_built && visit_build(r))
        return -1;
    if (n == 0 || !hmap_get(&r->tv_index, code, n, &k))
        return -1;
    return (long)k;
}

bool visit_is_unscheduled(const struct tp_sdtm *r, const char *code, size_t n)
{
    const char *u = spec_setting(r->spec, "UnscheduledVisit", "NP");
    return n && strlen(u) == n && strncmp(u, code, n) == 0;
}

static long visit_by_num(const struct tp_sdtm *r, double num)
{
    for (size_t k = 0; k < r->ntv; k++)
        if (r->tv_num[k] == num)
            return (long)k;
    return -1;
}

/* Per subject: scheduled visits (day, visitnum) and the numbers given to unscheduled dates. */
struct vis {
    long day;
    double num;
    bool unsched;
};

static int vis_cmp(const void *a, const void *b)
{
    const struct vis *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->unsched != y->unsched)
        return x->unsched ? 1 : -1;
    return x->num < y->num ? -1 : x->num > y->num;
}

static bool explicit_visitnum(const struct tp_sdtm *r, long tabds, long form)
{
    const struct tp_spec *s = r->spec;
    for (size_t i = 0; i < s->nrules; i++) {
        const struct spec_rule *ru = &s->rules[i];
        if (ru->ds == tabds && ru->var >= 0 && strcmp(s->vars[ru->var].name, "VISITNUM") == 0 &&
            ru->block_idx >= 0 && s->blocks[ru->block_idx].form_idx == form)
            return true;
    }
    return false;
}

int derive_visits(struct tp_sdtm *r, struct tp_error *err)
{
    struct otab *sv = exec_tab(r, "SV");
    struct vis **per = NULL;
    size_t *nper = NULL, *cap = NULL;
    struct hmap unsched; /* "subj|date" -> index into a numbers array */
    double *unums = NULL;
    size_t nun = 0, uncap = 0;
    int rc = TP_OK;
    (void)err;
    if (!r->tv_built && (rc = visit_build(r)))
        return rc;
    hmap_init(&unsched);
    /* 1. VISITNUM from the raw visit code where no rule set it */
    for (size_t i = 0; i < r->ntabs; i++) {
        struct otab *t = &r->tabs[i];
        long c = otab_col(t, "VISITNUM");
        if (c < 0 || t->ds < 0 || r->spec->ds[t->ds].refdata)
            continue;
        for (size_t row = 0; row < t->nrows; row++) {
            double d;
            size_t n;
            const char *code;
            long k;
            struct rawform *f;
            if (otab_num(t, row, (size_t)c, &d) || t->src_form[row] < 0)
                continue;
            f = &r->forms[t->src_form[row]];
            if (explicit_visitnum(r, t->ds, t->src_form[row]))
                continue;
            code = raw_cell(f, t->src_row[row], f->visit_col, &n);
            k = visit_lookup(r, code, n);
            if (k >= 0)
                otab_set_num(t, row, (size_t)c, r->tv_num[k]);
            else if (visit_is_unscheduled(r, code, n))
                t->flag[row] |= OT_UNSCHED;
        }
    }
    /* 2. scheduled visit days per subject (from SV) */
    if (!(per = tp_calloc(r->nsubj + 1, sizeof *per)) ||
        !(nper = tp_calloc(r->nsubj + 1, sizeof *nper)) ||
        !(cap = tp_calloc(r->nsubj + 1, sizeof *cap))) {
        rc = TP_E_NOMEM;
        goto out;
    }
    /* without an SV dataset, the dated scheduled records of every domain stand in for it */
    for (size_t ti = 0; ti < r->ntabs; ti++) {
        struct otab *src = &r->tabs[ti];
        long c_num, c_dt;
        if (sv ? src != sv : (src->ds < 0 || r->spec->ds[src->ds].refdata))
            continue;
        c_num = otab_col(src, "VISITNUM");
        c_dt = sv ? otab_col(src, "SVSTDTC") : tab_pcol(r, src, "DTC");
        if (c_dt < 0)
            c_dt = tab_pcol(r, src, "STDTC");
        for (size_t row = 0; c_num >= 0 && c_dt >= 0 && row < src->nrows; row++) {
            long s = src->subj[row], day;
            size_t n;
            const char *dt = otab_str(src, row, (size_t)c_dt, &n);
            double num = 0;
            bool un = (src->flag[row] & OT_UNSCHED) != 0;
            if (s < 0 || !isodate_days(dt, n, &day))
                continue;
            if (!un && !otab_num(src, row, (size_t)c_num, &num))
                continue;
            if (tp_grow((void **)&per[s], &cap[s], nper[s] + 1, sizeof **per)) {
                rc = TP_E_NOMEM;
                goto out;
            }
            per[s][nper[s]].day = day;
            per[s][nper[s]].num = num;
            per[s][nper[s]].unsched = un;
            nper[s]++;
        }
    }
    /* number unscheduled visits */
    {
        for (size_t s = 0; s < r->nsubj; s++) {
            double prev = 0;
            int k = 0;
            if (!nper[s])
                continue;
            qsort(per[s], nper[s], sizeof **per, vis_cmp);
            for (size_t j = 0; j < nper[s]; j++) {
                char key[64], date[16];
                size_t idx;
                if (!per[s][j].unsched) {
                    if (per[s][j].num >= prev) {
                        prev = per[s][j].num;
                        k = 0;
                    }
                    continue;
                }
                isodate_from_days(per[s][j].day, date, sizeof date);
                snprintf(key, sizeof key, "%zu|%s", s, date);
                if (hmap_get(&unsched, key, strlen(key), &idx))
                    continue;
                k++;
                if (tp_grow((void **)&unums, &uncap, nun + 1, sizeof *unums) ||
                    hmap_put(&unsched, key, strlen(key), nun)) {
                    rc = TP_E_NOMEM;
                    goto out;
                }
                unums[nun++] = (double)((long)(prev * 100 + 0.5) + k) / 100.0;
            }
        }
    }
    /* 3. unscheduled records everywhere: by the record's date */
    for (size_t i = 0; i < r->ntabs; i++) {
        struct otab *t = &r->tabs[i];
        long c = otab_col(t, "VISITNUM"), dc = tab_pcol(r, t, "DTC");
        if (dc < 0)
            dc = tab_pcol(r, t, "STDTC");
        if (c < 0)
            continue;
        for (size_t row = 0; row < t->nrows; row++) {
            size_t n, idx;
            const char *dt;
            char key[64];
            long day;
            if (!(t->flag[row] & OT_UNSCHED) || t->subj[row] < 0 || dc < 0)
                continue;
            dt = otab_str(t, row, (size_t)dc, &n);
            if (!isodate_days(dt, n, &day))
                goto report;
            snprintf(key, sizeof key, "%ld|%.10s", t->subj[row], dt);
            if (hmap_get(&unsched, key, strlen(key), &idx)) {
                otab_set_num(t, row, (size_t)c, unums[idx]);
                continue;
            }
            {
                /* no SV record on that date: after the last planned visit on or before it */
                double prev = 0;
                long s = t->subj[row];
                for (size_t j = 0; j < nper[s]; j++)
                    if (!per[s][j].unsched && per[s][j].day <= day && per[s][j].num > prev)
                        prev = per[s][j].num;
                otab_set_num(t, row, (size_t)c, (double)((long)(prev * 100 + 0.5) + 1) / 100.0);
                continue;
            }
        report:
            if ((rc = exec_add_issue(r, t->src_form[row], t->src_row[row], t->subj[row], (long)i,
                                     row, "VISITNUM", "ISSUE",
                                     "unscheduled visit without a complete date: VISITNUM left empty")))
                goto out;
        }
    }
    /* 4. VISIT and VISITDY */
    for (size_t i = 0; i < r->ntabs; i++) {
        struct otab *t = &r->tabs[i];
        long c = otab_col(t, "VISITNUM"), cv = otab_col(t, "VISIT"), cd = otab_col(t, "VISITDY");
        if (c < 0 || t->ds < 0 || r->spec->ds[t->ds].refdata)
            continue;
        for (size_t row = 0; row < t->nrows; row++) {
            double num;
            long k;
            size_t n;
            if (!otab_num(t, row, (size_t)c, &num))
                continue;
            k = visit_by_num(r, num);
            if (cv >= 0 && (otab_str(t, row, (size_t)cv, &n), n == 0)) {
                if (k >= 0)
                    otab_set_str(t, row, (size_t)cv, r->tv_name[k], strlen(r->tv_name[k]));
                else {
                    char buf[40];
                    snprintf(buf, sizeof buf, "UNSCHEDULED %.2f", num);
                    otab_set_str(t, row, (size_t)cv, buf, strlen(buf));
                }
            }
            if (cd >= 0 && k >= 0 && r->tv_dy[k] != 0.5) {
                double cur;
                if (!otab_num(t, row, (size_t)cd, &cur))
                    otab_set_num(t, row, (size_t)cd, r->tv_dy[k]);
            }
        }
    }
out:
    for (size_t s = 0; per && s <= r->nsubj; s++)
        tp_free(per[s]);
    tp_free(per);
    tp_free(nper);
    tp_free(cap);
    tp_free(unums);
    hmap_release(&unsched);
    return rc;
}
