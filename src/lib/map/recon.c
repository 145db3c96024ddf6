/*
 * The reconciliation report: every raw record of every raw table is accounted for, either by the
 * SDTM records it produced (dataset and --SEQ, or the subject for one-record-per-subject datasets),
 * by the record a lookup read it into, or by the reason it produced none (orphan subject, excluded
 * by a filter, blank results, table not used by the spec). Bad raw values and transliterated text
 * follow as ISSUE / TRANSLITERATED lines. reconciliation.csv is the full list, reconciliation.txt
 * the counts per raw table and per dataset.
 */
#include "map.h"
#include "io.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct rout {
    uint32_t tab;
    size_t row;
};

static int csv_field(struct tp_strbuf *sb, const char *s, size_t n)
{
    bool q = false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            q = true;
    if (!q)
        return tp_strbuf_add(sb, s, n);
    tp_strbuf_addc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            tp_strbuf_addc(sb, '"');
        tp_strbuf_addc(sb, s[i]);
    }
    return tp_strbuf_addc(sb, '"');
}

static void recon_target(const struct tp_sdtm *r, size_t ti, size_t row, struct tp_strbuf *sb)
{
    const struct otab *t = &r->tabs[ti];
    long c = -1;
    double x;
    char buf[48];
    for (size_t k = 0; k < t->ncols; k++) {
        size_t l = strlen(t->names[k]);
        if (l >= 3 && strcmp(t->names[k] + l - 3, "SEQ") == 0 && t->cols[k].num) {
            c = (long)k;
            break;
        }
    }
    tp_strbuf_adds(sb, t->name);
    tp_strbuf_addc(sb, ':');
    if (strncmp(t->name, "SUPP", 4) == 0) {
        /* SUPP--: parent key and qualifier name */
        long iv = otab_col(t, "IDVARVAL"), qn = otab_col(t, "QNAM");
        size_t a = 0, b = 0;
        const char *sa = iv >= 0 ? otab_str(t, row, (size_t)iv, &a) : "";
        const char *sq = qn >= 0 ? otab_str(t, row, (size_t)qn, &b) : "";
        if (a)
            tp_strbuf_add(sb, sa, a), tp_strbuf_addc(sb, '.');
        else if (t->subj[row] >= 0)
            tp_strbuf_adds(sb, r->subjects[t->subj[row]].usubjid), tp_strbuf_addc(sb, '.');
        tp_strbuf_add(sb, sq, b);
        return;
    }
    if (c < 0 && t->subj[row] >= 0 && otab_col(t, "VISITNUM") >= 0 &&
        otab_num(t, row, (size_t)otab_col(t, "VISITNUM"), &x)) {
        /* SV: subject and visit */
        tp_strbuf_adds(sb, r->subjects[t->subj[row]].usubjid);
        tp_format_double(x, buf, sizeof buf);
        tp_strbuf_addf(sb, "/VISITNUM=%s", buf);
        return;
    }
    if (c >= 0 && otab_num(t, row, (size_t)c, &x)) {
        tp_format_double(x, buf, sizeof buf);
        tp_strbuf_adds(sb, buf);
    } else if (t->subj[row] >= 0)
        tp_strbuf_adds(sb, r->subjects[t->subj[row]].usubjid);
    else {
        snprintf(buf, sizeof buf, "row%zu", row + 1);
        tp_strbuf_adds(sb, buf);
    }
}

struct rowctx2 {
    const struct tp_sdtm *r;
    long form;
    size_t row;
};

static const char *rc2_get(void *ctx, long id, size_t *n)
{
    struct rowctx2 *c = ctx;
    return raw_cell(&c->r->forms[c->form], c->row, id, n);
}

static void recon_reason(const struct tp_sdtm *r, long fi, size_t row, struct tp_strbuf *sb)
{
    const struct tp_spec *s = r->spec;
    const struct rawform *f = &r->forms[fi];
    bool used = false;
    if (f->subj_col >= 0 && f->subj[row] < 0) {
        size_t n;
        const char *k = raw_cell(f, row, f->subj_col, &n);
        tp_strbuf_addf(sb, "subject '%.*s' is not in the subject table %s", (int)n, k,
                       spec_setting(s, "SubjectForm", "inclusion"));
        return;
    }
    for (size_t b = 0; b < s->nblocks; b++) {
        const struct spec_block *bl = &s->blocks[b];
        if (bl->form_idx != fi)
            continue;
        used = true;
        if (bl->filter_rule >= 0 && s->rules[bl->filter_rule].where) {
            struct rowctx2 c = {r, fi, row};
            if (!expr_eval(s->rules[bl->filter_rule].where, rc2_get, &c)) {
                tp_strbuf_addf(sb, "%s: excluded by filter '%s' (Rules.csv line %ld); ",
                               s->ds[bl->ds].name, s->rules[bl->filter_rule].source,
                               s->rules[bl->filter_rule].line);
                continue;
            }
        }
        if (bl->filter_rule >= 0 && spec_kv(&s->rules[bl->filter_rule], "distinct"))
            tp_strbuf_addf(sb, "%s: an earlier row with the same %s made the record; ",
                           s->ds[bl->ds].name, spec_kv(&s->rules[bl->filter_rule], "distinct"));
        else if (bl->nfindings)
            tp_strbuf_addf(sb, "%s: every result column is blank or its condition is false; ",
                           s->ds[bl->ds].name);
        else
            tp_strbuf_addf(sb, "%s: no record made; ", s->ds[bl->ds].name);
    }
    if (!used) {
        if (f->subj_col >= 0 && f->subj[row] >= 0 &&
            strcasecmp(f->name, spec_setting(s, "SubjectForm", "inclusion")) == 0)
            tp_strbuf_adds(sb, "subject table: gives the subject list (USUBJID)");
        else
            tp_strbuf_addf(sb, "raw table '%s' is not mapped to SDTM by this spec", f->name);
    } else if (sb->len >= 2)
        sb->len -= 2, sb->buf[sb->len] = '\0';
}

static struct recon_count *recon_slot(struct recon_count **arr, size_t *n, size_t *cap,
                                       const char *name, const char *label)
{
    struct recon_count *c;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i].name, name) == 0)
            return &(*arr)[i];
    if (tp_grow((void **)arr, cap, *n + 1, sizeof **arr))
        return NULL;
    c = &(*arr)[(*n)++];
    memset(c, 0, sizeof *c);
    c->name = tp_strdup(name);
    c->label = tp_strdup(label ? label : "");
    if (!c->name || !c->label) {
        tp_free(c->name);
        tp_free(c->label);
        (*n)--;
        return NULL;
    }
    return c;
}

void recon_stats_release(struct recon_stats *st)
{
    for (size_t i = 0; i < st->nforms; i++) {
        tp_free(st->forms[i].name);
        tp_free(st->forms[i].label);
    }
    for (size_t i = 0; i < st->nds; i++) {
        tp_free(st->ds[i].name);
        tp_free(st->ds[i].label);
    }
    tp_free(st->forms);
    tp_free(st->ds);
    memset(st, 0, sizeof *st);
}

int recon_add_dataset(struct recon_stats *st, const char *name, const char *label, size_t records,
                      size_t subjects)
{
    struct recon_count *c = recon_slot(&st->ds, &st->nds, &st->ds_cap, name, label);
    if (!c)
        return TP_E_NOMEM;
    c->records += records;
    c->subjects += subjects;
    return TP_OK;
}

int recon_lines(struct tp_sdtm *r, struct tp_sink *sink, struct recon_stats *st, bool datasets,
                struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    size_t total = 0, *start, nout = 0;
    struct rout *outs;
    struct tp_strbuf sb, tg;
    int rc = TP_OK;

    if (!(start = tp_calloc(r->nforms + 1, sizeof *start)))
        return TP_E_NOMEM;
    for (size_t f = 0; f < r->nforms; f++) {
        start[f] = total;
        total += tp_dataset_nrows(r->forms[f].ds);
    }
    start[r->nforms] = total;
    {
        size_t *cnt = tp_calloc(total + 1, sizeof *cnt), *ends;
        if (!cnt) {
            tp_free(start);
            return TP_E_NOMEM;
        }
        for (size_t i = 0; i < r->ntabs; i++)
            for (size_t row = 0; row < r->tabs[i].nrows; row++)
                if (r->tabs[i].src_form[row] >= 0) {
                    cnt[start[r->tabs[i].src_form[row]] + r->tabs[i].src_row[row]]++;
                    nout++;
                }
        outs = tp_calloc(nout + 1, sizeof *outs);
        ends = tp_calloc(total + 1, sizeof *ends);
        if (!outs || !ends) {
            tp_free(cnt);
            tp_free(outs);
            tp_free(ends);
            tp_free(start);
            return TP_E_NOMEM;
        }
        for (size_t k = 0, acc = 0; k <= total; k++) {
            size_t c = k < total ? cnt[k] : 0;
            ends[k] = acc;
            acc += c;
        }
        memcpy(cnt, ends, (total + 1) * sizeof *cnt); /* cnt[k] = first output of record k */
        for (size_t i = 0; i < r->ntabs; i++)
            for (size_t row = 0; row < r->tabs[i].nrows; row++)
                if (r->tabs[i].src_form[row] >= 0) {
                    size_t k = start[r->tabs[i].src_form[row]] + r->tabs[i].src_row[row];
                    outs[ends[k]].tab = (uint32_t)i;
                    outs[ends[k]].row = row;
                    ends[k]++;
                }
        tp_free(start);
        start = cnt;
        tp_strbuf_init(&sb);
        tp_strbuf_init(&tg);
        for (size_t f = 0, k = 0; f < r->nforms && !rc; f++) {
            const struct rawform *fm = &r->forms[f];
            struct recon_count *fc = recon_slot(&st->forms, &st->nforms, &st->forms_cap, fm->name, "");
            if (!fc) {
                rc = TP_E_NOMEM;
                break;
            }
            for (size_t row = 0; row < tp_dataset_nrows(fm->ds) && !rc; row++, k++) {
                size_t vn, ln;
                const char *vis = raw_cell(fm, row, fm->visit_col, &vn);
                const char *lig = raw_cell(fm, row, fm->line_col, &ln);
                const char *usub = fm->subj[row] >= 0 ? r->subjects[fm->subj[row]].usubjid : "";
                char rec[32];
                tp_strbuf_reset(&sb);
                tp_strbuf_reset(&tg);
                snprintf(rec, sizeof rec, "%zu", fc->records + 1);
                fc->records++;
                st->total++;
                csv_field(&sb, fm->name, strlen(fm->name));
                tp_strbuf_addc(&sb, ',');
                tp_strbuf_adds(&sb, rec);
                tp_strbuf_addc(&sb, ',');
                csv_field(&sb, usub, strlen(usub));
                tp_strbuf_addc(&sb, ',');
                csv_field(&sb, vis, vn);
                tp_strbuf_addc(&sb, ',');
                csv_field(&sb, lig, ln);
                tp_strbuf_addc(&sb, ',');
                if (ends[k] > start[k]) {
                    for (size_t j = start[k]; j < ends[k]; j++) {
                        if (j > start[k])
                            tp_strbuf_addc(&tg, ' ');
                        recon_target(r, outs[j].tab, outs[j].row, &tg);
                    }
                    tp_strbuf_adds(&sb, "MAPPED,");
                    csv_field(&sb, tg.buf, tg.len);
                    tp_strbuf_addc(&sb, ',');
                    st->mapped++;
                    fc->mapped++;
                } else if (fm->lookup_by[row] >= 0) {
                    const struct spec_rule *ru = &s->rules[fm->lookup_by[row]];
                    char det[200];
                    tp_strbuf_adds(&tg, ru->dataset);
                    tp_strbuf_addc(&tg, ':');
                    tp_strbuf_adds(&tg, usub);
                    snprintf(det, sizeof det, "read into %s.%s (Rules.csv line %ld)", ru->dataset,
                             ru->variable, ru->line);
                    tp_strbuf_adds(&sb, "MAPPED,");
                    csv_field(&sb, tg.buf, tg.len);
                    tp_strbuf_addc(&sb, ',');
                    csv_field(&sb, det, strlen(det));
                    st->mapped++;
                    fc->mapped++;
                } else {
                    recon_reason(r, (long)f, row, &tg);
                    tp_strbuf_adds(&sb, "NOT MAPPED,,");
                    csv_field(&sb, tg.buf, tg.len);
                    st->unmapped++;
                    fc->unmapped++;
                }
                tp_strbuf_adds(&sb, "\r\n");
                rc = tp_sink_write(sink, sb.buf, sb.len, err);
            }
            /* record numbers continue across chunks: keep the base for the issue lines */
        }
        for (size_t i = 0; i < r->nissues && !rc; i++) {
            const struct issue *is = &r->issues[i];
            const struct rawform *fm = is->form >= 0 ? &r->forms[is->form] : NULL;
            size_t vn = 0, ln = 0;
            const char *vis = fm ? raw_cell(fm, is->row, fm->visit_col, &vn) : "";
            const char *lig = fm ? raw_cell(fm, is->row, fm->line_col, &ln) : "";
            const char *usub = is->subj >= 0 ? r->subjects[is->subj].usubjid : "";
            char rec[32] = "";
            struct recon_count *fc = NULL;
            if (strcmp(is->kind, "TRANSLITERATED") == 0)
                st->translit++;
            else
                st->issues++;
            if (fm) {
                fc = recon_slot(&st->forms, &st->nforms, &st->forms_cap, fm->name, "");
                if (!fc) {
                    rc = TP_E_NOMEM;
                    break;
                }
                fc->issues++;
                /* the record number counted over every chunk read so far */
                snprintf(rec, sizeof rec, "%zu",
                         fc->records - tp_dataset_nrows(fm->ds) + is->row + 1);
            }
            tp_strbuf_reset(&sb);
            tp_strbuf_reset(&tg);
            csv_field(&sb, fm ? fm->name : "", fm ? strlen(fm->name) : 0);
            tp_strbuf_addf(&sb, ",%s,", rec);
            csv_field(&sb, usub, strlen(usub));
            tp_strbuf_addc(&sb, ',');
            csv_field(&sb, vis, vn);
            tp_strbuf_addc(&sb, ',');
            csv_field(&sb, lig, ln);
            tp_strbuf_addc(&sb, ',');
            tp_strbuf_adds(&sb, is->kind);
            tp_strbuf_addc(&sb, ',');
            if (is->ds >= 0 && (size_t)is->ds < r->ntabs && is->orow < r->tabs[is->ds].nrows) {
                recon_target(r, (size_t)is->ds, is->orow, &tg);
                tp_strbuf_addc(&tg, ' ');
            }
            tp_strbuf_adds(&tg, is->var);
            csv_field(&sb, tg.buf, tg.len);
            tp_strbuf_addc(&sb, ',');
            csv_field(&sb, is->detail, strlen(is->detail));
            tp_strbuf_adds(&sb, "\r\n");
            rc = tp_sink_write(sink, sb.buf, sb.len, err);
        }
        if (datasets)
            for (size_t i = 0; i < r->ntabs && !rc; i++) {
                const struct otab *t = &r->tabs[i];
                size_t nsub = 0;
                char *seen = tp_calloc(r->nsubj + 1, 1);
                if (!seen) {
                    rc = TP_E_NOMEM;
                    break;
                }
                for (size_t row = 0; row < t->nrows; row++)
                    if (t->subj[row] >= 0 && !seen[t->subj[row]]) {
                        seen[t->subj[row]] = 1;
                        nsub++;
                    }
                tp_free(seen);
                rc = recon_add_dataset(st, t->name, t->label, t->nrows, nsub);
            }
        tp_strbuf_release(&sb);
        tp_strbuf_release(&tg);
        tp_free(ends);
    }
    tp_free(start);
    tp_free(outs);
    return rc;
}

int recon_summary(const struct recon_stats *st, const char *studyid, const char *profile,
                  const char *dir, struct tp_error *err)
{
    struct tp_sink *sink = NULL;
    struct tp_strbuf sb;
    char path[4096];
    int rc;
    snprintf(path, sizeof path, "%s/reconciliation.txt", dir);
    if ((rc = tp_sink_open_file(&sink, path, err)))
        return rc;
    tp_strbuf_init(&sb);
    tp_strbuf_addf(&sb, "SDTM reconciliation: study %s, profile %s\n\n", studyid, profile);
    tp_strbuf_addf(&sb,
                   "Raw records: %zu in %zu raw tables\n"
                   "  mapped to SDTM records:  %zu\n"
                   "  not mapped (reason given): %zu\n"
                   "  accounted for: %zu of %zu (%s)\n"
                   "Issues in raw values: %zu\nTransliterated values (ASCII): %zu\n\n",
                   st->total, st->nforms, st->mapped, st->unmapped, st->mapped + st->unmapped,
                   st->total, st->mapped + st->unmapped == st->total ? "100.0 %" : "INCOMPLETE",
                   st->issues, st->translit);
    tp_strbuf_addf(&sb, "%-20s %10s %10s %10s %8s\n", "Raw table", "records", "mapped",
                   "not mapped", "issues");
    for (size_t f = 0; f < st->nforms; f++)
        tp_strbuf_addf(&sb, "%-20s %10zu %10zu %10zu %8zu\n", st->forms[f].name,
                       st->forms[f].records, st->forms[f].mapped, st->forms[f].unmapped,
                       st->forms[f].issues);
    tp_strbuf_addf(&sb, "\n%-10s %10s %10s  %s\n", "Dataset", "records", "subjects", "label");
    for (size_t i = 0; i < st->nds; i++)
        tp_strbuf_addf(&sb, "%-10s %10zu %10zu  %s%s\n", st->ds[i].name, st->ds[i].records,
                       st->ds[i].subjects, st->ds[i].label,
                       st->ds[i].records ? "" : " (empty: not written)");
    rc = tp_sink_write(sink, sb.buf, sb.len, err);
    if (!rc)
        rc = tp_sink_commit(sink, err);
    tp_sink_free(sink);
    tp_strbuf_release(&sb);
    return rc;
}

int recon_open(struct tp_sink **sink, const char *dir, struct tp_error *err)
{
    char path[4096];
    int rc;
    snprintf(path, sizeof path, "%s/reconciliation.csv", dir);
    if ((rc = tp_sink_open_file(sink, path, err)))
        return rc;
    rc = tp_sink_puts(*sink, "FORM,RECORD,USUBJID,VISIT,LIGNE,STATUS,TARGETS,DETAIL\r\n", err);
    if (rc) {
        tp_sink_free(*sink);
        *sink = NULL;
    }
    return rc;
}

int recon_write(struct tp_sdtm *r, const char *dir, struct tp_error *err)
{
    struct recon_stats st;
    struct tp_sink *sink = NULL;
    int rc;
    memset(&st, 0, sizeof st);
    if ((rc = recon_open(&sink, dir, err)))
        return rc;
    rc = recon_lines(r, sink, &st, true, err);
    if (!rc)
        rc = tp_sink_commit(sink, err);
    tp_sink_free(sink);
    if (!rc)
        rc = recon_summary(&st, r->studyid, r->profile, dir, err);
    recon_stats_release(&st);
    return rc;
}
