/*
 * Subject elements (SE, SDTMIG 3.4 §5.3) from the trial design: each subject walks the elements of
 * its arm (TrialArms.csv, by TAETORD; screen failures the first arm's) while the element's start
 * anchor has a value. Anchors (TrialElements.csv columns Start and End) name a DM variable, with
 * an optional day offset on its date part ("RFXSTDTC+1" = the day after first exposure). An
 * element ends where the next one starts; the last ends at its End anchor or at RFPENDTC. The
 * element list also gives every record its EPOCH (derive_std.c).
 */
#include "map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *derive_dm_value(struct tp_sdtm *r, long subj, const char *var, size_t *n);

/* Resolve an anchor "VAR" or "VAR+N" / "VAR-N" (days) for a subject into buf. */
static bool anchor_value(struct tp_sdtm *r, long subj, const char *anchor, char *buf, size_t size)
{
    char var[16];
    const char *p = anchor;
    size_t n = 0, vn;
    long off = 0;
    const char *v;
    while (*p && *p != '+' && *p != '-' && n + 1 < sizeof var)
        var[n++] = *p++;
    var[n] = '\0';
    while (n && var[n - 1] == ' ')
        var[--n] = '\0';
    if (*p == '+' || *p == '-')
        off = strtol(p, NULL, 10);
    v = derive_dm_value(r, subj, var, &vn);
    if (vn == 0)
        return false;
    if (off == 0 && (*p != '+' && *p != '-')) {
        snprintf(buf, size, "%.*s", (int)vn, v);
        return true;
    }
    {
        long d;
        if (!isodate_days(v, vn, &d))
            return false;
        isodate_from_days(d + off, buf, size);
        return true;
    }
}

static int el_push(struct tp_sdtm *r, const char *start, const char *etcd, const char *element,
                   const char *epoch, double taetord)
{
    size_t k = r->nel;
    if (k + 1 > r->el_cap) {
        size_t cap = r->el_cap ? r->el_cap * 2 : 64;
        char **a = tp_reallocarray(r->el_start, cap, sizeof *a), **b, **c, **d, **e;
        double *f;
        if (!a)
            return TP_E_NOMEM;
        r->el_start = a;
        if (!(b = tp_reallocarray(r->el_end, cap, sizeof *b)))
            return TP_E_NOMEM;
        r->el_end = b;
        if (!(c = tp_reallocarray(r->el_etcd, cap, sizeof *c)))
            return TP_E_NOMEM;
        r->el_etcd = c;
        if (!(d = tp_reallocarray(r->el_element, cap, sizeof *d)))
            return TP_E_NOMEM;
        r->el_element = d;
        if (!(e = tp_reallocarray(r->el_epoch, cap, sizeof *e)))
            return TP_E_NOMEM;
        r->el_epoch = e;
        if (!(f = tp_reallocarray(r->el_taetord, cap, sizeof *f)))
            return TP_E_NOMEM;
        r->el_taetord = f;
        r->el_cap = cap;
    }
    r->el_start[k] = tp_strdup(start);
    r->el_end[k] = NULL;
    r->el_etcd[k] = tp_strdup(etcd);
    r->el_element[k] = tp_strdup(element);
    r->el_epoch[k] = tp_strdup(epoch);
    r->el_taetord[k] = taetord;
    r->nel++;
    if (!r->el_start[k] || !r->el_etcd[k] || !r->el_element[k] || !r->el_epoch[k])
        return TP_E_NOMEM;
    return TP_OK;
}

void derive_elements_free(struct tp_sdtm *r)
{
    for (size_t k = 0; k < r->nel; k++) {
        tp_free(r->el_start[k]);
        tp_free(r->el_end[k]);
        tp_free(r->el_etcd[k]);
        tp_free(r->el_element[k]);
        tp_free(r->el_epoch[k]);
    }
    tp_free(r->el_start);
    tp_free(r->el_end);
    tp_free(r->el_etcd);
    tp_free(r->el_element);
    tp_free(r->el_epoch);
    tp_free(r->el_taetord);
    tp_free(r->el_first);
    tp_free(r->el_count);
}

int derive_elements(struct tp_sdtm *r, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    const struct sheet *ta = &s->ta_sh, *te = &s->te_sh;
    long a_arm = sheet_col(ta, "ARMCD"), a_ord = sheet_col(ta, "TAETORD"),
         a_etcd = sheet_col(ta, "ETCD"), a_epoch = sheet_col(ta, "EPOCH"),
         e_etcd = sheet_col(te, "ETCD"), e_el = sheet_col(te, "ELEMENT"),
         e_start = sheet_col(te, "Start"), e_end = sheet_col(te, "End");
    struct otab *se = exec_tab(r, "SE");
    int rc;
    (void)err;
    if (!ta->nrows || !te->nrows || a_arm < 0 || a_etcd < 0 || e_etcd < 0 || e_start < 0)
        return TP_OK;
    if (!(r->el_first = tp_calloc(r->nsubj + 1, sizeof *r->el_first)) ||
        !(r->el_count = tp_calloc(r->nsubj + 1, sizeof *r->el_count)))
        return TP_E_NOMEM;
    for (size_t subj = 0; subj < r->nsubj; subj++) {
        size_t an;
        const char *armcd = derive_dm_value(r, (long)subj, "ARMCD", &an);
        char arm[64];
        bool known = false;
        const char *last_end_anchor = NULL;
        r->el_first[subj] = r->nel;
        if (r->dm_row[subj] < 0)
            continue;
        snprintf(arm, sizeof arm, "%.*s", (int)an, armcd);
        for (size_t i = 0; i < ta->nrows; i++)
            if (strcmp(sheet_get(ta, i, a_arm), arm) == 0)
                known = true;
        if (!known)
            snprintf(arm, sizeof arm, "%s", sheet_get(ta, 0, a_arm));
        /* this arm's rows in TAETORD order (the sheet is expected in that order; sort anyway) */
        for (double want = 0;;) {
            long bi = -1;
            double bo = 0;
            for (size_t i = 0; i < ta->nrows; i++) {
                double o;
                const char *os = sheet_get(ta, i, a_ord);
                if (strcmp(sheet_get(ta, i, a_arm), arm) != 0 ||
                    !tp_parse_double(os, strlen(os), &o) || o <= want)
                    continue;
                if (bi < 0 || o < bo) {
                    bi = (long)i;
                    bo = o;
                }
            }
            if (bi < 0)
                break;
            want = bo;
            {
                const char *etcd = sheet_get(ta, (size_t)bi, a_etcd);
                long ei = -1;
                char start[40];
                for (size_t j = 0; j < te->nrows; j++)
                    if (strcmp(sheet_get(te, j, e_etcd), etcd) == 0)
                        ei = (long)j;
                if (ei < 0)
                    break;
                if (!anchor_value(r, (long)subj, sheet_get(te, (size_t)ei, e_start), start,
                                  sizeof start))
                    break;
                /* an element starting before the previous one is not reached */
                if (r->nel > r->el_first[subj]) {
                    const char *ps = r->el_start[r->nel - 1];
                    if (iso_cmp(start, strlen(start), ps, strlen(ps)) < 0)
                        break;
                }
                if ((rc = el_push(r, start, etcd, sheet_get(te, (size_t)ei, e_el),
                                  sheet_get(ta, (size_t)bi, a_epoch), bo)))
                    return rc;
                last_end_anchor = e_end >= 0 ? sheet_get(te, (size_t)ei, e_end) : "";
            }
        }
        r->el_count[subj] = r->nel - r->el_first[subj];
        for (size_t k = r->el_first[subj]; k < r->nel; k++) {
            char end[40] = "";
            if (k + 1 < r->nel)
                snprintf(end, sizeof end, "%s", r->el_start[k + 1]);
            else if (!(last_end_anchor && *last_end_anchor &&
                       anchor_value(r, (long)subj, last_end_anchor, end, sizeof end)))
                anchor_value(r, (long)subj, "RFPENDTC", end, sizeof end);
            if (!(r->el_end[k] = tp_strdup(end)))
                return TP_E_NOMEM;
        }
    }
    /* the SE dataset */
    if (se) {
        long c_etcd = otab_col(se, "ETCD"), c_el = otab_col(se, "ELEMENT"),
             c_ord = otab_col(se, "TAETORD"), c_ep = otab_col(se, "EPOCH"),
             c_st = otab_col(se, "SESTDTC"), c_en = otab_col(se, "SEENDTC");
        for (size_t subj = 0; subj < r->nsubj; subj++)
            for (size_t k = r->el_first[subj]; k < r->el_first[subj] + r->el_count[subj]; k++) {
                size_t row;
                if ((rc = otab_add_row(se, &row)))
                    return rc;
                se->subj[row] = (long)subj;
                if (c_etcd >= 0)
                    otab_set_str(se, row, (size_t)c_etcd, r->el_etcd[k], strlen(r->el_etcd[k]));
                if (c_el >= 0)
                    otab_set_str(se, row, (size_t)c_el, r->el_element[k],
                                 strlen(r->el_element[k]));
                if (c_ord >= 0)
                    otab_set_num(se, row, (size_t)c_ord, r->el_taetord[k]);
                if (c_ep >= 0)
                    otab_set_str(se, row, (size_t)c_ep, r->el_epoch[k], strlen(r->el_epoch[k]));
                if (c_st >= 0)
                    otab_set_str(se, row, (size_t)c_st, r->el_start[k], strlen(r->el_start[k]));
                if (c_en >= 0)
                    otab_set_str(se, row, (size_t)c_en, r->el_end[k], strlen(r->el_end[k]));
            }
    }
    return TP_OK;
}
