/*
 * Supplemental qualifiers and related records (SDTMIG 3.4 §8.3-8.4). Every variable marked
 * NonStandard=Yes in Variables.csv is computed like any other, then moved out of its parent into
 * SUPP<domain>: one record per parent record with a value (QVAL never null), IDVAR = --SEQ (blank
 * for DM), QLABEL = the variable's label, QORIG = its Origin, QEVAL = its Evaluator. RELREC links
 * the records of blocks that carry a relrec rule (relid=PREFIX; key=RAWCOLUMN) and share a subject
 * and key value, with RELID = PREFIX-value.
 */
#include "map.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const supp_names[] = {"STUDYID", "RDOMAIN", "USUBJID", "IDVAR",  "IDVARVAL",
                                   "QNAM",    "QLABEL",  "QVAL",    "QORIG",  "QEVAL"};
static const char *const relrec_names[] = {"STUDYID", "RDOMAIN", "USUBJID", "IDVAR",
                                     "IDVARVAL", "RELTYPE", "RELID"};

int derive_sort_tab(struct tp_sdtm *r, size_t ti);

static struct otab *supp_new_tab(struct tp_sdtm *r, const char *name, const char *label,
                                 const char *const *names, size_t n)
{
    bool num[10] = {false};
    struct otab *t;
    /* tabs was sized for nds * 2 + 2 entries */
    t = &r->tabs[r->ntabs];
    if (otab_init(t, name, label, n, names, num)) {
        otab_release(t);
        return NULL;
    }
    /* a SUPP/RELREC declared in Datasets.csv keeps its label */
    {
        long d = spec_find_ds(r->spec, name);
        if (d >= 0 && *r->spec->ds[d].label) {
            tp_free(t->label);
            t->label = tp_strdup(r->spec->ds[d].label);
        }
    }
    r->ntabs++;
    return t;
}

int derive_supp(struct tp_sdtm *r, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    size_t nparents = r->ntabs;
    int rc;
    (void)err;
    for (size_t i = 0; i < nparents; i++) {
        struct otab *p = &r->tabs[i];
        const struct spec_dataset *d;
        struct otab *q = NULL;
        long c_seq, c_usub, c_study;
        char name[16], label[64];
        size_t qi = 0;
        if (p->ds < 0)
            continue;
        d = &s->ds[p->ds];
        c_seq = tab_pcol(r, p, "SEQ");
        c_usub = otab_col(p, "USUBJID");
        c_study = otab_col(p, "STUDYID");
        for (size_t c = 0; c < p->ncols; c++) {
            const struct spec_var *v = &s->vars[d->vars[c]];
            if (!v->nonstandard)
                continue;
            if (!q) {
                snprintf(name, sizeof name, "SUPP%s", d->name);
                snprintf(label, sizeof label, "Supplemental Qualifiers for %s", d->name);
                if (exec_tab(r, name) && exec_tab(r, name)->ds >= 0 &&
                    exec_tab(r, name)->nrows == 0) {
                    /* declared in the spec as a dataset of its own: fill that one */
                    q = exec_tab(r, name);
                } else if (!(q = supp_new_tab(r, name, label, supp_names, 10)))
                    return TP_E_NOMEM;
                qi = (size_t)(q - r->tabs);
                p = &r->tabs[i];
            }
            for (size_t row = 0; row < p->nrows; row++) {
                char val[64], seq[32] = "";
                const char *qv;
                size_t qn, un, sn;
                size_t orow;
                double x;
                if (p->cols[c].num) {
                    if (!otab_num(p, row, c, &x))
                        continue;
                    qn = tp_format_double(x, val, sizeof val);
                    qv = val;
                } else {
                    qv = otab_str(p, row, c, &qn);
                    if (qn == 0)
                        continue;
                }
                if (c_seq >= 0 && otab_num(p, row, (size_t)c_seq, &x))
                    tp_format_double(x, seq, sizeof seq);
                q = &r->tabs[qi];
                if ((rc = otab_add_row(q, &orow)))
                    return rc;
                q->subj[orow] = p->subj[row];
                q->src_form[orow] = p->src_form[row];
                q->src_row[orow] = p->src_row[row];
                {
                    const char *study = c_study >= 0 ? otab_str(p, row, (size_t)c_study, &sn) : "";
                    const char *usub = c_usub >= 0 ? otab_str(p, row, (size_t)c_usub, &un) : "";
                    const char *vals[10];
                    size_t lens[10];
                    if (c_study < 0)
                        sn = 0;
                    if (c_usub < 0)
                        un = 0;
                    vals[0] = study; lens[0] = sn;
                    vals[1] = d->domain; lens[1] = strlen(d->domain);
                    vals[2] = usub; lens[2] = un;
                    vals[3] = (c_seq >= 0 && *seq) ? p->names[c_seq] : ""; lens[3] = strlen(vals[3]);
                    vals[4] = seq; lens[4] = strlen(seq);
                    vals[5] = v->name; lens[5] = strlen(v->name);
                    vals[6] = v->label; lens[6] = strlen(v->label);
                    vals[7] = qv; lens[7] = qn;
                    vals[8] = v->origin; lens[8] = strlen(v->origin);
                    vals[9] = v->evaluator; lens[9] = strlen(v->evaluator);
                    for (size_t k = 0; k < 10; k++) {
                        long qc = otab_col(q, supp_names[k]);
                        if (qc >= 0 && (rc = otab_set_str(q, orow, (size_t)qc, vals[k], lens[k])))
                            return rc;
                    }
                }
            }
        }
        if (q && (rc = derive_sort_tab(r, qi)))
            return rc;
    }
    return TP_OK;
}

int derive_relrec(struct tp_sdtm *r, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    struct otab *rel = NULL;
    struct hmap groups; /* "subj\x1fRELID" -> count */
    struct tp_strbuf key;
    size_t ti = 0;
    int rc = TP_OK;
    bool any = false;
    (void)err;
    for (size_t b = 0; b < s->nblocks; b++)
        if (s->blocks[b].relrec_rule >= 0)
            any = true;
    if (!any)
        return TP_OK;
    hmap_init(&groups);
    tp_strbuf_init(&key);
    /* pass 1 counts the records of each group, pass 2 writes groups of two or more */
    for (int pass = 0; pass < 2 && !rc; pass++) {
        if (pass == 1) {
            rel = exec_tab(r, "RELREC");
            if (!rel || rel->ds < 0 || rel->nrows) {
                if (!(rel = supp_new_tab(r, "RELREC", "Related Records", relrec_names, 7))) {
                    rc = TP_E_NOMEM;
                    break;
                }
            }
            ti = (size_t)(rel - r->tabs);
        }
        for (size_t b = 0; b < s->nblocks && !rc; b++) {
            const struct spec_block *bl = &s->blocks[b];
            const struct spec_rule *ru;
            struct otab *t;
            long kc, c_seq, c_usub, c_study;
            const char *prefix;
            if (bl->relrec_rule < 0)
                continue;
            ru = &s->rules[bl->relrec_rule];
            t = &r->tabs[r->tab_of_ds[bl->ds]];
            kc = tp_dataset_find_var(r->forms[bl->form_idx].ds, spec_kv(ru, "key"));
            prefix = spec_kv(ru, "relid");
            c_seq = tab_pcol(r, t, "SEQ");
            c_usub = otab_col(t, "USUBJID");
            c_study = otab_col(t, "STUDYID");
            for (size_t row = 0; row < t->nrows && !rc; row++) {
                size_t kn, cnt = 0;
                const char *kv;
                char sub[32], relid[128];
                if (t->src_form[row] != bl->form_idx || t->subj[row] < 0)
                    continue;
                kv = raw_cell(&r->forms[bl->form_idx], t->src_row[row], kc, &kn);
                if (kn == 0)
                    continue;
                snprintf(relid, sizeof relid, "%s-%.*s", prefix, (int)(kn > 60 ? 60 : kn), kv);
                snprintf(sub, sizeof sub, "%ld\x1f", t->subj[row]);
                tp_strbuf_reset(&key);
                tp_strbuf_adds(&key, sub);
                tp_strbuf_adds(&key, relid);
                hmap_get(&groups, key.buf, key.len, &cnt);
                if (pass == 0) {
                    rc = hmap_put(&groups, key.buf, key.len, cnt + 1);
                    continue;
                }
                if (cnt < 2)
                    continue;
                {
                    size_t orow, un, sn;
                    char seq[32] = "";
                    double x;
                    const char *vals[7];
                    t = &r->tabs[r->tab_of_ds[bl->ds]];
                    rel = &r->tabs[ti];
                    if (c_seq >= 0 && otab_num(t, row, (size_t)c_seq, &x))
                        tp_format_double(x, seq, sizeof seq);
                    if ((rc = otab_add_row(rel, &orow)))
                        break;
                    rel->subj[orow] = t->subj[row];
                    rel->src_form[orow] = t->src_form[row];
                    rel->src_row[orow] = t->src_row[row];
                    vals[0] = c_study >= 0 ? otab_str(t, row, (size_t)c_study, &sn) : "";
                    vals[1] = s->ds[bl->ds].domain;
                    vals[2] = c_usub >= 0 ? otab_str(t, row, (size_t)c_usub, &un) : "";
                    vals[3] = c_seq >= 0 ? t->names[c_seq] : "";
                    vals[4] = seq;
                    vals[5] = "";
                    vals[6] = relid;
                    for (size_t k = 0; k < 7; k++) {
                        long qc = otab_col(rel, relrec_names[k]);
                        size_t n = k == 0 ? (c_study >= 0 ? sn : 0) : k == 2 ? (c_usub >= 0 ? un : 0)
                                                                       : strlen(vals[k]);
                        if (qc >= 0 && (rc = otab_set_str(rel, orow, (size_t)qc, vals[k], n)))
                            break;
                    }
                }
            }
        }
    }
    if (!rc && rel)
        rc = derive_sort_tab(r, ti);
    hmap_release(&groups);
    tp_strbuf_release(&key);
    return rc;
}
