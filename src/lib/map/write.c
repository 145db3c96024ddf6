/*
 * Writing the mapped datasets through the format registry: one file per dataset with rows, named
 * like the dataset in lower case (dm.xpt, suppae.xpt: FDA TCG), variables in spec order without
 * the NonStandard ones (they went to SUPP--), character lengths set to the longest value (the same
 * variable name gets one length across the study, SUPP-- datasets excepted: FDA business rules
 * FDAB018/FDAB019), values over 200 bytes cut at a character boundary and reported.
 */
#include "map.h"
#include "trialpack/format.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define WRITE_BATCH 4096

static bool write_hidden(const struct tp_sdtm *r, const struct otab *t, size_t c)
{
    return t->ds >= 0 && r->spec->vars[r->spec->ds[t->ds].vars[c]].nonstandard;
}

static const struct spec_var *write_var(const struct tp_sdtm *r, const struct otab *t, size_t c)
{
    return t->ds >= 0 ? &r->spec->vars[r->spec->ds[t->ds].vars[c]] : NULL;
}

static bool write_is_supp(const struct otab *t)
{
    return strncasecmp(t->name, "SUPP", 4) == 0;
}

/* UTF-8-safe cut at most max bytes. */
static size_t write_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

static int write_one(struct tp_sdtm *r, size_t ti, const char *dir, const char *fmt,
                     const size_t *lens, struct tp_error *err)
{
    struct otab *t = &r->tabs[ti];
    struct tp_dataset *meta = tp_dataset_new(t->name, t->label), *batch = NULL;
    struct tp_options *o = tp_options_new();
    struct tp_writer *w = NULL;
    size_t *outcol = tp_calloc(t->ncols + 1, sizeof *outcol), nout = 0;
    char path[4096], lname[16];
    int rc = TP_OK;
    if (!meta || !o || !outcol) {
        rc = TP_E_NOMEM;
        goto out;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        struct tp_var v;
        const struct spec_var *sv = write_var(r, t, c);
        if (write_hidden(r, t, c))
            continue;
        memset(&v, 0, sizeof v);
        v.name = t->names[c];
        v.label = (char *)(uintptr_t)(sv ? sv->label : "");
        if (!sv) {
            static const char *const lab[][2] = {
                {"STUDYID", "Study Identifier"}, {"RDOMAIN", "Related Domain Abbreviation"},
                {"USUBJID", "Unique Subject Identifier"}, {"IDVAR", "Identifying Variable"},
                {"IDVARVAL", "Identifying Variable Value"}, {"QNAM", "Qualifier Variable Name"},
                {"QLABEL", "Qualifier Variable Label"}, {"QVAL", "Data Value"},
                {"QORIG", "Origin"}, {"QEVAL", "Evaluator"}, {"RELTYPE", "Relationship Type"},
                {"RELID", "Relationship Identifier"}};
            for (size_t k = 0; k < sizeof lab / sizeof lab[0]; k++)
                if (strcmp(lab[k][0], t->names[c]) == 0)
                    v.label = (char *)(uintptr_t)lab[k][1];
        }
        v.type = t->cols[c].num ? TP_NUM : TP_CHAR;
        v.length = t->cols[c].num ? 8 : lens[c];
        if (t->ds >= 0) {
            const struct spec_dataset *d = &r->spec->ds[t->ds];
            for (size_t k = 0; k < d->nkeys; k++)
                if (strcasecmp(d->keys[k], t->names[c]) == 0)
                    v.key_sequence = (int)k + 1;
        }
        if ((rc = tp_dataset_add_var(meta, &v, err)))
            goto out;
        if (sv && *sv->format) {
            struct tp_var *mv = tp_dataset_var_mut(meta, tp_dataset_nvars(meta) - 1);
            tp_var_parse_format(mv, false, sv->format, NULL);
        }
        outcol[nout++] = c;
    }
    for (size_t i = 0; t->name[i] && i + 1 < sizeof lname; i++) {
        lname[i] = (char)tolower((unsigned char)t->name[i]);
        lname[i + 1] = '\0';
    }
    snprintf(path, sizeof path, "%s/%s.%s", dir, lname,
             strcmp(fmt, "xpt") == 0 ? "xpt" : fmt);
    tp_options_set(o, "profile", r->profile);
    if ((rc = tp_writer_open(path, fmt, meta, o, &w, err)))
        goto out;
    if (!(batch = tp_dataset_clone_meta(meta))) {
        rc = TP_E_NOMEM;
        goto out;
    }
    for (size_t row = 0; row < t->nrows;) {
        size_t first, n = t->nrows - row < WRITE_BATCH ? t->nrows - row : WRITE_BATCH;
        tp_dataset_clear_rows(batch);
        if ((rc = tp_dataset_add_rows(batch, n, &first, err)))
            goto out;
        for (size_t k = 0; k < n; k++)
            for (size_t j = 0; j < nout; j++) {
                size_t c = outcol[j];
                if (t->cols[c].num) {
                    double d;
                    if (otab_num(t, row + k, c, &d))
                        rc = tp_dataset_set_num(batch, first + k, j, d, TP_PRESENT);
                } else {
                    size_t len;
                    const char *s = otab_str(t, row + k, c, &len);
                    if (len)
                        rc = tp_dataset_set_str(batch, first + k, j, s,
                                                write_cut(s, len, lens[c]));
                }
                if (rc)
                    goto out;
            }
        if ((rc = tp_writer_write(w, batch, err)))
            goto out;
        row += n;
    }
    rc = tp_writer_close(w, err);
    w = NULL;
out:
    if (w)
        tp_writer_abort(w);
    tp_dataset_free(batch);
    tp_dataset_free(meta);
    tp_options_free(o);
    tp_free(outcol);
    return rc;
}

int exec_write(struct tp_sdtm *r, const char *dir, struct tp_error *err)
{
    size_t **lens = tp_calloc(r->ntabs + 1, sizeof *lens);
    struct hmap study; /* variable name -> longest value across non-SUPP datasets */
    int rc = TP_OK;
    if (!lens)
        return TP_E_NOMEM;
    hmap_init(&study);
    for (size_t i = 0; i < r->ntabs && !rc; i++) {
        struct otab *t = &r->tabs[i];
        if (!(lens[i] = tp_calloc(t->ncols + 1, sizeof **lens))) {
            rc = TP_E_NOMEM;
            break;
        }
        for (size_t c = 0; c < t->ncols && !rc; c++) {
            size_t m = 1, prev;
            const struct spec_var *sv = write_var(r, t, c);
            if (t->cols[c].num)
                continue;
            for (size_t row = 0; row < t->nrows; row++) {
                size_t n;
                const char *s = otab_str(t, row, c, &n);
                if (n > 200) {
                    rc = exec_add_issue(r, t->src_form[row], t->src_row[row], t->subj[row],
                                        (long)i, row, t->names[c], "ISSUE",
                                        "value of %zu bytes cut to 200 (XPT v5 limit)", n);
                    if (rc)
                        break;
                    n = write_cut(s, n, 200);
                }
                if (n > m)
                    m = n;
            }
            if (sv && sv->length && sv->length > m)
                m = sv->length;
            lens[i][c] = m;
            if (!write_is_supp(t) && t->nrows) {
                if (!hmap_get(&study, t->names[c], strlen(t->names[c]), &prev) || prev < m)
                    rc = hmap_put(&study, t->names[c], strlen(t->names[c]), m);
            }
        }
    }
    for (size_t i = 0; i < r->ntabs && !rc; i++) {
        struct otab *t = &r->tabs[i];
        if (!write_is_supp(t))
            for (size_t c = 0; c < t->ncols; c++) {
                size_t m;
                if (!t->cols[c].num && hmap_get(&study, t->names[c], strlen(t->names[c]), &m))
                    lens[i][c] = m;
            }
    }
    for (size_t i = 0; i < r->ntabs && !rc; i++) {
        const char *p = r->formats;
        if (r->tabs[i].nrows == 0)
            continue;
        if (r->progress)
            r->progress(r->progress_ctx, r->tabs[i].name, i, r->ntabs);
        while (*p && !rc) {
            char fmt[16];
            size_t n = 0;
            while (p[n] && p[n] != ',' && n + 1 < sizeof fmt) {
                fmt[n] = p[n];
                n++;
            }
            fmt[n] = '\0';
            p += n;
            if (*p == ',')
                p++;
            rc = write_one(r, i, dir, fmt, lens[i], err);
        }
    }
    for (size_t i = 0; i < r->ntabs; i++)
        tp_free(lens[i]);
    tp_free(lens);
    hmap_release(&study);
    return rc;
}
