/*
 * Trial design datasets (SDTMIG 3.4 §7: TA, TE, TV, TI, TS) copied from the design sheets of the
 * spec, column by column where the sheet has a column named like the variable. TSSEQ numbers the
 * records of each TSPARMCD; TSPARM defaults to the decode of TSPARMCD in its codelist; a TSVAL of
 * "=ACTSUB" becomes the number of subjects with an arm. The FDA technical-rejection criterion
 * 1734 needs SSTDTC with at least a complete date: its absence is a spec error.
 */
#include "map.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct sheet *design_sheet(const struct tp_spec *s, const char *ds)
{
    if (strcasecmp(ds, "TA") == 0)
        return &s->ta_sh;
    if (strcasecmp(ds, "TE") == 0)
        return &s->te_sh;
    if (strcasecmp(ds, "TV") == 0)
        return &s->tv_sh;
    if (strcasecmp(ds, "TI") == 0)
        return &s->ti_sh;
    if (strcasecmp(ds, "TS") == 0)
        return &s->ts_sh;
    return NULL;
}

static size_t design_actsub(struct tp_sdtm *r)
{
    struct otab *dm = exec_tab(r, "DM");
    long c = dm ? otab_col(dm, "ARMCD") : -1;
    size_t n = r->actsub_base, vn;
    for (size_t row = 0; c >= 0 && row < dm->nrows; row++)
        if (otab_str(dm, row, (size_t)c, &vn), vn)
            n++;
    return n;
}

int derive_design(struct tp_sdtm *r, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    int rc;
    for (size_t i = 0; i < r->ntabs; i++) {
        struct otab *t = &r->tabs[i];
        const struct sheet *sh;
        long map[256];
        if (t->ds < 0 || !(sh = design_sheet(s, t->name)))
            continue;
        if (!sh->ncols)
            continue;
        for (size_t c = 0; c < t->ncols && c < 256; c++)
            map[c] = sheet_col(sh, t->names[c]);
        for (size_t row = 0; row < sh->nrows; row++) {
            size_t orow;
            if ((rc = otab_add_row(t, &orow)))
                return rc;
            for (size_t c = 0; c < t->ncols && c < 256; c++) {
                const char *v = sheet_get(sh, row, map[c]);
                char buf[32];
                if (map[c] < 0 || !*v)
                    continue;
                if (strcmp(v, "=ACTSUB") == 0) {
                    snprintf(buf, sizeof buf, "%zu", design_actsub(r));
                    v = buf;
                }
                if (otab_set_str(t, orow, c, v, strlen(v)) == TP_E_PARSE)
                    return sheet_fail(err, TP_E_SPEC, sh, row, map[c],
                                      "'%s' is not a number (%s is numeric)", v, t->names[c]);
            }
        }
        if (strcasecmp(t->name, "TS") == 0) {
            long c_cd = otab_col(t, "TSPARMCD"), c_seq = otab_col(t, "TSSEQ"),
                 c_parm = otab_col(t, "TSPARM"), c_val = otab_col(t, "TSVAL");
            bool sstdtc = false;
            struct hmap cnt;
            hmap_init(&cnt);
            for (size_t row = 0; c_cd >= 0 && row < t->nrows; row++) {
                size_t n, k = 0, vn;
                const char *cd = otab_str(t, row, (size_t)c_cd, &n);
                double cur;
                hmap_get(&cnt, cd, n, &k);
                if ((rc = hmap_put(&cnt, cd, n, k + 1))) {
                    hmap_release(&cnt);
                    return rc;
                }
                if (c_seq >= 0 && !otab_num(t, row, (size_t)c_seq, &cur))
                    otab_set_num(t, row, (size_t)c_seq, (double)(k + 1));
                if (c_parm >= 0 && (otab_str(t, row, (size_t)c_parm, &vn), vn == 0)) {
                    long cl = s->vars[s->ds[t->ds].vars[c_cd]].cl;
                    size_t ti;
                    if (cl >= 0 && hmap_get(&s->cls[cl].index, cd, n, &ti))
                        otab_set_str(t, row, (size_t)c_parm, s->cls[cl].terms[ti].decode,
                                     strlen(s->cls[cl].terms[ti].decode));
                }
                if (n == 6 && memcmp(cd, "SSTDTC", 6) == 0 && c_val >= 0) {
                    const char *v = otab_str(t, row, (size_t)c_val, &vn);
                    long d;
                    if (isodate_days(v, vn, &d) && isodate_valid(v, vn))
                        sstdtc = true;
                }
            }
            hmap_release(&cnt);
            if (!sstdtc)
                return sheet_fail(err, TP_E_SPEC, &s->ts_sh, (size_t)-1, -1,
                                  "TS needs TSPARMCD SSTDTC with a complete ISO 8601 date (FDA "
                                  "technical rejection criterion 1734)");
        }
    }
    return TP_OK;
}
