/*
 * The chunked driver of tp_sdtm_run: memory does not grow with the number of subjects. The raw
 * tables are read as streams; the subjects of the subject table are taken a chunk at a time
 * (every SDTM derivation is per subject), each raw table gives the rows of those subjects (the
 * export is ordered by subject; rows of unknown subjects go with the chunk where they appear, and
 * become "not mapped" orphans), a chunk run maps them with the phases of sdtm.c, and its records are
 * appended to one spool file per dataset while the reconciliation lines are written. At the end
 * each dataset is written from its spool, subjects in USUBJID order, character lengths set to the
 * longest value seen (the same variable name gets one length across datasets, SUPP-- excepted).
 */
#include "map.h"
#include "io.h"
#include "trialpack/format.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>


#define CHUNK_SUBJECTS 1000
#define READ_BATCH 4096

/* ---------------------------------------------------------------- raw streams */

struct rstream {
    char *name;
    struct tp_reader *rd;
    const struct tp_dataset *batch; /* owned by the reader */
    size_t pos;
    long subj_col;
    bool eof;
};

struct segment {
    char *usubjid;
    long long off, len;
};

struct spool {
    char *name, *label;
    long ds;               /* spec dataset or -1 */
    size_t ncols;
    char **names, **labels;
    bool *num;
    int *keyseq;
    char **formats;
    size_t *maxlen;
    FILE *f;
    char path[4200];
    long long size;
    struct segment *seg;
    size_t nseg, segcap, nrows;
    bool design;
};

struct chunker {
    struct tp_sdtm *r;           /* the top-level run: options, progress */
    struct rstream *st;
    size_t nst, stcap;
    struct hmap order;           /* subject key -> index in the subject table */
    size_t nsubjects;
    struct spool *sp;
    size_t nsp, spcap;
    char spool_dir[4200];
    size_t actsub;
};

static const char *rs_key(const struct rstream *s, size_t row, size_t *n)
{
    const char *k = tp_dataset_str(s->batch, row, (size_t)s->subj_col, n);
    while (*n && (k[0] == ' ' || k[0] == '\t')) {
        k++;
        (*n)--;
    }
    while (*n && (k[*n - 1] == ' ' || k[*n - 1] == '\t' || k[*n - 1] == '\r'))
        (*n)--;
    return k;
}

static int rs_fill(struct rstream *s, struct tp_error *err)
{
    int rc;
    if (s->eof || (s->batch && s->pos < tp_dataset_nrows(s->batch)))
        return TP_OK;
    if ((rc = tp_reader_next(s->rd, READ_BATCH, &s->batch, err)))
        return rc;
    s->pos = 0;
    if (tp_dataset_nrows(s->batch) == 0)
        s->eof = true;
    return TP_OK;
}

/* Copy row `row` of src into dst (same variables). */
static int copy_row(struct tp_dataset *dst, const struct tp_dataset *src, size_t row,
                    struct tp_error *err)
{
    size_t first;
    int rc = tp_dataset_add_rows(dst, 1, &first, err);
    for (size_t c = 0; !rc && c < tp_dataset_nvars(src); c++) {
        size_t n;
        const char *s = tp_dataset_str(src, row, c, &n);
        if (n)
            rc = tp_dataset_set_str(dst, first, c, s, n);
    }
    return rc;
}

/* The rows of subjects [lo, hi) of stream s (plus rows of unknown or earlier subjects). */
static int rs_take(struct chunker *ch, struct rstream *s, size_t lo, size_t hi, bool subject_form,
                   struct tp_dataset **out, struct tp_error *err)
{
    struct tp_dataset *ds = tp_dataset_clone_meta(tp_reader_meta(s->rd));
    size_t taken = 0;
    int rc = TP_OK;
    if (!ds)
        return TP_E_NOMEM;
    for (;;) {
        size_t n, idx;
        const char *k;
        if ((rc = rs_fill(s, err)) || s->eof)
            break;
        if (s->subj_col < 0) {
            /* a table without subjects (centres.csv) goes whole into the first chunk */
            if (lo > 0)
                break;
            rc = copy_row(ds, s->batch, s->pos++, err);
            if (rc)
                break;
            continue;
        }
        k = rs_key(s, s->pos, &n);
        if (subject_form) {
            if (taken == hi - lo)
                break;
        } else if (n && hmap_get(&ch->order, k, n, &idx) && idx >= hi)
            break;
        if ((rc = copy_row(ds, s->batch, s->pos++, err)))
            break;
        taken++;
    }
    if (rc) {
        tp_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return TP_OK;
}

/* ---------------------------------------------------------------- spools */

static struct spool *spool_get(struct chunker *ch, const struct otab *t)
{
    const struct tp_spec *s = ch->r->spec;
    struct spool *sp;
    for (size_t i = 0; i < ch->nsp; i++)
        if (strcmp(ch->sp[i].name, t->name) == 0)
            return &ch->sp[i];
    if (tp_grow((void **)&ch->sp, &ch->spcap, ch->nsp + 1, sizeof *ch->sp))
        return NULL;
    sp = &ch->sp[ch->nsp];
    memset(sp, 0, sizeof *sp);
    sp->name = tp_strdup(t->name);
    sp->label = tp_strdup(t->label);
    sp->ds = t->ds;
    sp->design = t->ds >= 0 && s->ds[t->ds].refdata;
    sp->names = tp_calloc(t->ncols + 1, sizeof *sp->names);
    sp->labels = tp_calloc(t->ncols + 1, sizeof *sp->labels);
    sp->formats = tp_calloc(t->ncols + 1, sizeof *sp->formats);
    sp->num = tp_calloc(t->ncols + 1, sizeof *sp->num);
    sp->keyseq = tp_calloc(t->ncols + 1, sizeof *sp->keyseq);
    sp->maxlen = tp_calloc(t->ncols + 1, sizeof *sp->maxlen);
    if (!sp->name || !sp->label || !sp->names || !sp->labels || !sp->formats || !sp->num ||
        !sp->keyseq || !sp->maxlen)
        return NULL;
    for (size_t c = 0; c < t->ncols; c++) {
        const struct spec_var *v = t->ds >= 0 ? &s->vars[s->ds[t->ds].vars[c]] : NULL;
        if (v && v->nonstandard)
            continue; /* moved to SUPP-- */
        sp->names[sp->ncols] = tp_strdup(t->names[c]);
        sp->labels[sp->ncols] = tp_strdup(v ? v->label : "");
        sp->formats[sp->ncols] = tp_strdup(v ? v->format : "");
        sp->num[sp->ncols] = t->cols[c].num;
        sp->maxlen[sp->ncols] = v && v->length ? v->length : 1;
        if (t->ds >= 0)
            for (size_t k = 0; k < s->ds[t->ds].nkeys; k++)
                if (strcasecmp(s->ds[t->ds].keys[k], t->names[c]) == 0)
                    sp->keyseq[sp->ncols] = (int)k + 1;
        if (!sp->names[sp->ncols] || !sp->labels[sp->ncols] || !sp->formats[sp->ncols])
            return NULL;
        sp->ncols++;
    }
    {
        char lname[16];
        size_t i;
        for (i = 0; t->name[i] && i + 1 < sizeof lname; i++)
            lname[i] = (char)tolower((unsigned char)t->name[i]);
        lname[i] = '\0';
        snprintf(sp->path, sizeof sp->path, "%.4000s/%s.spool", ch->spool_dir, lname);
    }
    if (!(sp->f = fopen(sp->path, "w+b")))
        return NULL;
    ch->nsp++;
    return sp;
}

static void spool_free(struct spool *sp)
{
    for (size_t c = 0; c < sp->ncols; c++) {
        tp_free(sp->names[c]);
        tp_free(sp->labels[c]);
        tp_free(sp->formats[c]);
    }
    for (size_t i = 0; i < sp->nseg; i++)
        tp_free(sp->seg[i].usubjid);
    tp_free(sp->names);
    tp_free(sp->labels);
    tp_free(sp->formats);
    tp_free(sp->num);
    tp_free(sp->keyseq);
    tp_free(sp->maxlen);
    tp_free(sp->seg);
    tp_free(sp->name);
    tp_free(sp->label);
    if (sp->f) {
        fclose(sp->f);
        remove(sp->path);
    }
}

static size_t cut_utf8(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* Append the rows of t; one segment per run of rows of the same subject. */
static int spool_add(struct chunker *ch, struct tp_sdtm *c, size_t ti, struct tp_error *err)
{
    struct otab *t = &c->tabs[ti];
    struct spool *sp = spool_get(ch, t);
    struct tp_strbuf buf;
    long cur = -2;
    int rc = TP_OK;
    if (!sp)
        return tp_fail(err, TP_E_IO, "cannot create a spool file in '%s'", ch->spool_dir);
    tp_strbuf_init(&buf);
    for (size_t row = 0; row < t->nrows && !rc; row++) {
        size_t j = 0;
        if (t->subj[row] != cur || sp->nseg == 0) {
            struct segment *g;
            if (tp_grow((void **)&sp->seg, &sp->segcap, sp->nseg + 1, sizeof *sp->seg)) {
                rc = TP_E_NOMEM;
                break;
            }
            g = &sp->seg[sp->nseg++];
            g->usubjid = tp_strdup(t->subj[row] >= 0 ? c->subjects[t->subj[row]].usubjid : "");
            g->off = sp->size;
            g->len = 0;
            if (!g->usubjid) {
                rc = TP_E_NOMEM;
                break;
            }
            cur = t->subj[row];
        }
        tp_strbuf_reset(&buf);
        for (size_t col = 0; col < t->ncols; col++) {
            const struct spec_var *v =
                t->ds >= 0 ? &c->spec->vars[c->spec->ds[t->ds].vars[col]] : NULL;
            if (v && v->nonstandard)
                continue;
            if (t->cols[col].num) {
                double d = 0;
                char m = otab_num(t, row, col, &d) ? TP_PRESENT : TP_MISSING;
                tp_strbuf_addc(&buf, m);
                tp_strbuf_add(&buf, &d, sizeof d);
            } else {
                size_t n;
                const char *s = otab_str(t, row, col, &n);
                uint32_t n32;
                n = cut_utf8(s, n, 200);
                n32 = (uint32_t)n;
                tp_strbuf_add(&buf, &n32, sizeof n32);
                tp_strbuf_add(&buf, s, n);
                if (n > sp->maxlen[j])
                    sp->maxlen[j] = n;
            }
            j++;
        }
        if (buf.len && fwrite(buf.buf, 1, buf.len, sp->f) != buf.len)
            rc = tp_fail(err, TP_E_IO, "cannot write '%s': %s", sp->path, strerror(errno));
        sp->size += (long long)buf.len;
        sp->seg[sp->nseg - 1].len += (long long)buf.len;
        sp->nrows++;
    }
    tp_strbuf_release(&buf);
    return rc;
}

static int spool_cmp(const void *a, const void *b)
{
    const struct spool *x = a, *y = b;
    if ((x->ds >= 0) != (y->ds >= 0))
        return x->ds >= 0 ? -1 : 1;
    if (x->ds >= 0)
        return x->ds < y->ds ? -1 : x->ds > y->ds;
    return strcmp(x->name, y->name);
}

static int seg_cmp(const void *a, const void *b)
{
    const struct segment *x = a, *y = b;
    int c = strcmp(x->usubjid, y->usubjid);
    if (c)
        return c;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int spool_write(struct chunker *ch, struct spool *sp, const char *dir, const char *fmt,
                       const size_t *lens, struct tp_error *err)
{
    struct tp_sdtm *r = ch->r;
    struct tp_dataset *meta = tp_dataset_new(sp->name, sp->label), *batch = NULL;
    struct tp_options *o = tp_options_new();
    struct tp_writer *w = NULL;
    char path[4400], lname[16];
    unsigned char *buf = NULL;
    size_t bufcap = 0, i;
    int rc = TP_OK;
    if (!meta || !o) {
        rc = TP_E_NOMEM;
        goto out;
    }
    for (size_t c = 0; c < sp->ncols; c++) {
        struct tp_var v;
        memset(&v, 0, sizeof v);
        v.name = sp->names[c];
        v.label = sp->labels[c];
        v.type = sp->num[c] ? TP_NUM : TP_CHAR;
        v.length = sp->num[c] ? 8 : lens[c];
        v.key_sequence = sp->keyseq[c];
        if ((rc = tp_dataset_add_var(meta, &v, err)))
            goto out;
        if (*sp->formats[c])
            tp_var_parse_format(tp_dataset_var_mut(meta, c), false, sp->formats[c], NULL);
    }
    for (i = 0; sp->name[i] && i + 1 < sizeof lname; i++)
        lname[i] = (char)tolower((unsigned char)sp->name[i]);
    lname[i] = '\0';
    snprintf(path, sizeof path, "%s/%s.%s", dir, lname, fmt);
    tp_options_set(o, "profile", r->profile);
    if ((rc = tp_writer_open(path, fmt, meta, o, &w, err)))
        goto out;
    if (!(batch = tp_dataset_clone_meta(meta))) {
        rc = TP_E_NOMEM;
        goto out;
    }
    for (size_t g = 0; g < sp->nseg && !rc; g++) {
        const struct segment *seg = &sp->seg[g];
        size_t pos = 0;
        if ((size_t)seg->len > bufcap) {
            unsigned char *nb = tp_realloc(buf, (size_t)seg->len);
            if (!nb) {
                rc = TP_E_NOMEM;
                break;
            }
            buf = nb;
            bufcap = (size_t)seg->len;
        }
        if (fseeko(sp->f, seg->off, SEEK_SET) != 0 ||
            fread(buf, 1, (size_t)seg->len, sp->f) != (size_t)seg->len) {
            rc = tp_fail(err, TP_E_IO, "cannot read '%s'", sp->path);
            break;
        }
        while (pos < (size_t)seg->len && !rc) {
            size_t row;
            if ((rc = tp_dataset_add_rows(batch, 1, &row, err)))
                break;
            for (size_t c = 0; c < sp->ncols && !rc; c++) {
                if (sp->num[c]) {
                    double d;
                    char m = (char)buf[pos++];
                    memcpy(&d, buf + pos, sizeof d);
                    pos += sizeof d;
                    if (m == TP_PRESENT)
                        rc = tp_dataset_set_num(batch, row, c, d, TP_PRESENT);
                } else {
                    uint32_t n;
                    memcpy(&n, buf + pos, sizeof n);
                    pos += sizeof n;
                    if (n)
                        rc = tp_dataset_set_str(batch, row, c, (const char *)buf + pos, n);
                    pos += n;
                }
            }
            if (!rc && tp_dataset_nrows(batch) >= READ_BATCH) {
                rc = tp_writer_write(w, batch, err);
                tp_dataset_clear_rows(batch);
            }
        }
    }
    if (!rc && tp_dataset_nrows(batch))
        rc = tp_writer_write(w, batch, err);
    if (!rc) {
        rc = tp_writer_close(w, err);
        w = NULL;
    }
out:
    if (w)
        tp_writer_abort(w);
    tp_free(buf);
    tp_dataset_free(batch);
    tp_dataset_free(meta);
    tp_options_free(o);
    return rc;
}

/* Design datasets (no subjects) are kept from the last chunk, whose TS ACTSUB counts every
   subject (actsub_base carries the count of the chunks before it). */
static int chunk_spool_all(struct chunker *ch, struct tp_sdtm *c, bool last, size_t *actsub,
                           struct tp_error *err)
{
    int rc = TP_OK;
    for (size_t i = 0; i < c->ntabs && !rc; i++) {
        struct otab *t = &c->tabs[i];
        bool design = t->ds >= 0 && c->spec->ds[t->ds].refdata;
        if (strcmp(t->name, "DM") == 0) {
            long ca = otab_col(t, "ARMCD");
            for (size_t row = 0; ca >= 0 && row < t->nrows; row++) {
                size_t n;
                otab_str(t, row, (size_t)ca, &n);
                if (n)
                    (*actsub)++;
            }
        }
        if (design && !last)
            continue;
        if (t->nrows == 0 && spool_get(ch, t) == NULL)
            return TP_E_NOMEM;
        if (t->nrows)
            rc = spool_add(ch, c, i, err);
    }
    return rc;
}

/* ---------------------------------------------------------------- the driver */

int stream_run(struct tp_sdtm *r, const char *raw_dir, const char *tmp_dir, struct tp_error *err)
{
    struct chunker ch;
    struct recon_stats st;
    struct tp_sink *recon = NULL;
    const struct tp_spec *s = r->spec;
    const char *sf = spec_setting(s, "SubjectForm", "inclusion");
    struct tp_options *o = tp_options_new();
    long sfi = -1;
    size_t actsub = 0;
    int rc = TP_OK;
    DIR *d;
    struct dirent *e;

    memset(&ch, 0, sizeof ch);
    memset(&st, 0, sizeof st);
    ch.r = r;
    hmap_init(&ch.order);
    if (!o)
        return TP_E_NOMEM;
    tp_options_set(o, "csv.delimiter", spec_setting(s, "Raw.Delimiter", ";"));
    {
        const char *enc = spec_setting(s, "Raw.Encoding", "UTF-8");
        if (strncasecmp(enc, "cp1252", 6) == 0 || strncasecmp(enc, "windows-1252", 12) == 0)
            tp_options_set(o, "encoding", "cp1252");
        else if (strncasecmp(enc, "latin1", 6) == 0 || strncasecmp(enc, "iso-8859-1", 10) == 0)
            tp_options_set(o, "encoding", "latin1");
    }
    snprintf(ch.spool_dir, sizeof ch.spool_dir, "%s/.spool", tmp_dir);
    if (mkdir(ch.spool_dir, 0700) != 0) {
        tp_options_free(o);
        return tp_fail(err, TP_E_IO, "cannot create '%s': %s", ch.spool_dir, strerror(errno));
    }
    /* open every raw table, in name order */
    if (!(d = opendir(raw_dir))) {
        tp_options_free(o);
        return tp_fail(err, TP_E_IO, "cannot open raw folder '%s'", raw_dir);
    }
    while (!rc && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        char name[256], path[4400];
        struct rstream *rs;
        if (l < 5 || l - 4 >= sizeof name || strcasecmp(e->d_name + l - 4, ".csv") != 0)
            continue;
        memcpy(name, e->d_name, l - 4);
        name[l - 4] = '\0';
        if (exec_form_is_metadata(s, name))
            continue;
        if (tp_grow((void **)&ch.st, &ch.stcap, ch.nst + 1, sizeof *ch.st)) {
            rc = TP_E_NOMEM;
            break;
        }
        rs = &ch.st[ch.nst];
        memset(rs, 0, sizeof *rs);
        if (!(rs->name = tp_strdup(name))) {
            rc = TP_E_NOMEM;
            break;
        }
        snprintf(path, sizeof path, "%s/%s", raw_dir, e->d_name);
        if ((rc = tp_reader_open(path, "csv", o, &rs->rd, err))) {
            tp_free(rs->name);
            break;
        }
        rs->subj_col = tp_dataset_find_var(tp_reader_meta(rs->rd),
                                           spec_setting(s, "Raw.Column.Subject", "PATNUM"));
        ch.nst++;
    }
    closedir(d);
    if (rc)
        goto out;
    /* stable order: by name */
    for (size_t a = 1; a < ch.nst; a++) {
        struct rstream x = ch.st[a];
        size_t b = a;
        while (b > 0 && strcmp(ch.st[b - 1].name, x.name) > 0) {
            ch.st[b] = ch.st[b - 1];
            b--;
        }
        ch.st[b] = x;
    }
    for (size_t i = 0; i < ch.nst; i++)
        if (strcasecmp(ch.st[i].name, sf) == 0)
            sfi = (long)i;
    for (size_t b = 0; b < s->nblocks; b++) {
        bool found = false;
        for (size_t i = 0; i < ch.nst; i++)
            if (strcasecmp(ch.st[i].name, s->blocks[b].form) == 0)
                found = true;
        if (!found) {
            struct tp_loc loc;
            tp_loc_init(&loc);
            snprintf(loc.path, sizeof loc.path, "%s/%s.csv", raw_dir, s->blocks[b].form);
            rc = tp_fail_at(err, TP_E_IO, &loc, "raw table '%s.csv' not found", s->blocks[b].form);
            goto out;
        }
    }
    if (sfi < 0) {
        rc = tp_fail(err, TP_E_IO, "subject table '%s.csv' not found", sf);
        goto out;
    }
    /* the subject order: one pass over the subject table's key column */
    {
        char path[4400];
        struct tp_reader *rd;
        snprintf(path, sizeof path, "%s/%s.csv", raw_dir, ch.st[sfi].name);
        if ((rc = tp_reader_open(path, "csv", o, &rd, err)))
            goto out;
        if (ch.st[sfi].subj_col < 0) {
            tp_reader_close(rd);
            rc = tp_fail(err, TP_E_PARSE, "subject table '%s' has no column '%s'", sf,
                         spec_setting(s, "Raw.Column.Subject", "PATNUM"));
            goto out;
        }
        for (;;) {
            const struct tp_dataset *b;
            if ((rc = tp_reader_next(rd, READ_BATCH, &b, err)) || tp_dataset_nrows(b) == 0)
                break;
            for (size_t row = 0; row < tp_dataset_nrows(b) && !rc; row++) {
                struct rstream tmp = {NULL, NULL, b, 0, ch.st[sfi].subj_col, false};
                size_t n;
                const char *k = rs_key(&tmp, row, &n);
                if (n && !hmap_get(&ch.order, k, n, NULL))
                    rc = hmap_put(&ch.order, k, n, ch.nsubjects);
                ch.nsubjects++;
            }
            if (rc)
                break;
        }
        tp_reader_close(rd);
        if (rc)
            goto out;
    }
    if ((rc = recon_open(&recon, tmp_dir, err)))
        goto out;
    /* chunks */
    for (size_t lo = 0, chunk = 0, per = r->chunk ? r->chunk : CHUNK_SUBJECTS;
         lo < ch.nsubjects || chunk == 0; lo += per, chunk++) {
        size_t hi = lo + per;
        struct tp_sdtm *c = NULL;
        if ((rc = tp_sdtm_new(s, &c, err)))
            break;
        if ((rc = tp_sdtm_set_option(c, "profile", r->profile, err))) {
            tp_sdtm_free(c);
            break;
        }
        for (size_t i = 0; i < ch.nst && !rc; i++) {
            struct tp_dataset *part = NULL;
            rc = rs_take(&ch, &ch.st[i], lo, hi, (long)i == sfi, &part, err);
            if (!rc)
                rc = tp_sdtm_add_raw(c, ch.st[i].name, part, err);
        }
        if (r->progress)
            r->progress(r->progress_ctx, "subjects", lo, ch.nsubjects);
        c->actsub_base = actsub;
        if (!rc)
            rc = sdtm_phases(c, err);
        if (!rc)
            rc = chunk_spool_all(&ch, c, hi >= ch.nsubjects, &actsub, err);
        if (!rc)
            rc = recon_lines(c, recon, &st, false, err);
        tp_sdtm_free(c);
        if (rc)
            break;
    }
    if (rc)
        goto out;
    if ((rc = tp_sink_commit(recon, err)))
        goto out;
    /* datasets in spec order, then the generated SUPP-- and RELREC by name */
    if (ch.nsp > 1)
        qsort(ch.sp, ch.nsp, sizeof *ch.sp, spool_cmp);
    /* lengths: longest value; one length per variable name across datasets except SUPP-- */
    {
        struct hmap study;
        hmap_init(&study);
        for (size_t i = 0; i < ch.nsp && !rc; i++)
            if (strncmp(ch.sp[i].name, "SUPP", 4) != 0 && ch.sp[i].nrows)
                for (size_t c = 0; c < ch.sp[i].ncols && !rc; c++) {
                    size_t m;
                    if (ch.sp[i].num[c])
                        continue;
                    if (!hmap_get(&study, ch.sp[i].names[c], strlen(ch.sp[i].names[c]), &m) ||
                        m < ch.sp[i].maxlen[c])
                        rc = hmap_put(&study, ch.sp[i].names[c], strlen(ch.sp[i].names[c]),
                                      ch.sp[i].maxlen[c]);
                }
        for (size_t i = 0; i < ch.nsp && !rc; i++) {
            struct spool *sp = &ch.sp[i];
            size_t *lens = tp_calloc(sp->ncols + 1, sizeof *lens);
            const char *p = r->formats;
            if (!lens) {
                rc = TP_E_NOMEM;
                break;
            }
            for (size_t c = 0; c < sp->ncols; c++) {
                size_t m = sp->maxlen[c];
                if (strncmp(sp->name, "SUPP", 4) != 0)
                    hmap_get(&study, sp->names[c], strlen(sp->names[c]), &m);
                lens[c] = m ? m : 1;
            }
            if (sp->nrows) {
                qsort(sp->seg, sp->nseg, sizeof *sp->seg, seg_cmp);
                if (r->progress)
                    r->progress(r->progress_ctx, sp->name, i, ch.nsp);
            }
            while (sp->nrows && *p && !rc) {
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
                rc = spool_write(&ch, sp, tmp_dir, fmt, lens, err);
            }
            if (!rc) {
                size_t nsub = 0;
                for (size_t g = 0; g < sp->nseg; g++)
                    if (*sp->seg[g].usubjid &&
                        (g == 0 || strcmp(sp->seg[g].usubjid, sp->seg[g - 1].usubjid) != 0))
                        nsub++;
                rc = recon_add_dataset(&st, sp->name, sp->label, sp->nrows, nsub);
            }
            tp_free(lens);
        }
        hmap_release(&study);
    }
    if (!rc)
        rc = recon_summary(&st, r->studyid, r->profile, tmp_dir, err);
    r->streamed = true;
    r->stream_records = st.total;
    r->stream_unmapped = st.unmapped;
    r->stream_issues = st.issues + st.translit;
out:
    tp_sink_free(recon);
    for (size_t i = 0; i < ch.nst; i++) {
        tp_reader_close(ch.st[i].rd);
        tp_free(ch.st[i].name);
    }
    tp_free(ch.st);
    for (size_t i = 0; i < ch.nsp; i++)
        spool_free(&ch.sp[i]);
    tp_free(ch.sp);
    remove(ch.spool_dir);
    hmap_release(&ch.order);
    recon_stats_release(&st);
    tp_options_free(o);
    return rc;
}
