/*
 * Running a mapping: the run handle, loading the raw export (one CSV per form, every column read
 * as text through the format registry), the subject list, the plan (rules resolved against the
 * raw columns: unknown columns fail here, before anything is written), and phase 1: records made
 * from raw rows, block by block, column values computed by the algorithms of funcs.c.
 */
#include "map.h"
#include "trialpack/format.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

int func_eval(struct tp_sdtm *r, const struct spec_rule *ru, long form, size_t row,
              const struct otab *t, size_t orow, struct tp_strbuf *out);
int func_findings(struct tp_sdtm *r, const struct spec_block *bl, const struct spec_rule *ru,
                  long form, size_t row, struct otab *t, size_t orow, const char *v, size_t vn);
int func_lookups(struct tp_sdtm *r, struct tp_error *err);
const char *raw_value(const struct tp_sdtm *r, long form, size_t row, long col, size_t *n,
                      struct tp_strbuf *tmp);

int tp_sdtm_new(const struct tp_spec *spec, struct tp_sdtm **out, struct tp_error *err)
{
    struct tp_sdtm *r;
    *out = NULL;
    if (!spec || !spec->finished)
        return tp_fail(err, TP_E_USAGE, "spec not finished (call tp_spec_finish)");
    if (!(r = tp_calloc(1, sizeof *r)))
        return TP_E_NOMEM;
    r->spec = spec;
    r->profile = tp_strdup("fda");
    r->formats = tp_strdup("xpt");
    hmap_init(&r->form_index);
    hmap_init(&r->subj_index);
    tp_strbuf_init(&r->scratch);
    if (!r->profile || !r->formats) {
        tp_sdtm_free(r);
        return TP_E_NOMEM;
    }
    snprintf(r->studyid, sizeof r->studyid, "%s", spec_setting(spec, "StudyID", "STUDY"));
    *out = r;
    return TP_OK;
}

void tp_sdtm_free(struct tp_sdtm *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nforms; i++) {
        tp_free(r->forms[i].name);
        tp_dataset_free(r->forms[i].ds);
        tp_free(r->forms[i].subj);
        tp_free(r->forms[i].nout);
        tp_free(r->forms[i].lookup_by);
    }
    tp_free(r->forms);
    for (size_t i = 0; i < r->nsubj; i++) {
        tp_free(r->subjects[i].key);
        tp_free(r->subjects[i].usubjid);
        tp_free(r->subjects[i].site);
    }
    tp_free(r->subjects);
    for (size_t i = 0; i < r->ntabs; i++)
        otab_release(&r->tabs[i]);
    tp_free(r->tabs);
    tp_free(r->tab_of_ds);
    for (size_t i = 0; i < r->nissues; i++) {
        tp_free(r->issues[i].var);
        tp_free(r->issues[i].kind);
        tp_free(r->issues[i].detail);
    }
    tp_free(r->issues);
    hmap_release(&r->form_index);
    hmap_release(&r->subj_index);
    tp_strbuf_release(&r->scratch);
    for (size_t i = 0; i < r->spec->nrules; i++) {
        /* lookup caches live in the (const) spec's rules; owned by the run */
        struct spec_rule *ru = (struct spec_rule *)(uintptr_t)&r->spec->rules[i];
        if (ru->lookup_vals) {
            for (size_t k = 0; k < r->nsubj; k++)
                tp_free(ru->lookup_vals[k]);
            tp_free(ru->lookup_vals);
            ru->lookup_vals = NULL;
        }
        expr_free(ru->cond);
        ru->cond = NULL;
    }
    hmap_release(&r->tv_index);
    for (size_t i = 0; i < r->ntv; i++)
        tp_free(r->tv_name[i]);
    tp_free(r->tv_name);
    tp_free(r->tv_num);
    tp_free(r->tv_dy);
    tp_free(r->dm_row);
    derive_elements_free(r);
    tp_free(r->profile);
    tp_free(r->formats);
    tp_free(r);
}

int tp_sdtm_set_option(struct tp_sdtm *r, const char *key, const char *value,
                       struct tp_error *err)
{
    char **slot;
    if (strcmp(key, "profile") == 0) {
        if (strcmp(value, "fda") && strcmp(value, "pmda") && strcmp(value, "nmpa") &&
            strcmp(value, "none"))
            return tp_fail(err, TP_E_USAGE, "unknown profile '%s' (fda, pmda, nmpa)", value);
        slot = &r->profile;
    } else if (strcmp(key, "formats") == 0) {
        char buf[128], *save = NULL, *tok;
        snprintf(buf, sizeof buf, "%s", value);
        for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if (strcmp(tok, "xpt") && strcmp(tok, "json") && strcmp(tok, "ndjson") &&
                strcmp(tok, "dsjc"))
                return tp_fail(err, TP_E_USAGE, "unknown output format '%s'", tok);
        slot = &r->formats;
    } else if (strcmp(key, "chunk") == 0) {
        char *end;
        unsigned long v = strtoul(value, &end, 10);
        if (*end || v == 0 || v > 10000000)
            return tp_fail(err, TP_E_USAGE, "chunk must be a number of subjects, not '%s'", value);
        r->chunk = v;
        return TP_OK;
    } else
        return tp_fail(err, TP_E_USAGE, "unknown option '%s'", key);
    tp_free(*slot);
    if (!(*slot = tp_strdup(value)))
        return TP_E_NOMEM;
    return TP_OK;
}

void tp_sdtm_set_progress(struct tp_sdtm *r,
                          void (*fn)(void *ctx, const char *what, size_t done, size_t total),
                          void *ctx)
{
    r->progress = fn;
    r->progress_ctx = ctx;
}

int exec_add_issue(struct tp_sdtm *r, long form, size_t row, long subj, long tab, size_t orow,
                   const char *var, const char *kind, const char *fmt, ...)
{
    struct issue *is;
    char buf[512];
    va_list ap;
    if (tp_grow((void **)&r->issues, &r->issues_cap, r->nissues + 1, sizeof *r->issues))
        return TP_E_NOMEM;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* a value cut inside a UTF-8 sequence (or invalid input) must not make the report invalid */
    {
        size_t n = strlen(buf), ok = tp_utf8_valid_prefix((const unsigned char *)buf, n);
        while (ok < n) {
            buf[ok] = '?';
            ok = ok + 1 + tp_utf8_valid_prefix((const unsigned char *)buf + ok + 1, n - ok - 1);
        }
    }
    is = &r->issues[r->nissues];
    is->form = form;
    is->row = row;
    is->subj = subj;
    is->ds = tab;
    is->orow = orow;
    is->var = tp_strdup(var ? var : "");
    is->kind = tp_strdup(kind);
    is->detail = tp_strdup(buf);
    if (!is->var || !is->kind || !is->detail) {
        tp_free(is->var);
        tp_free(is->kind);
        tp_free(is->detail);
        return TP_E_NOMEM;
    }
    r->nissues++;
    return TP_OK;
}

long exec_form(const struct tp_sdtm *r, const char *name)
{
    size_t i;
    if (!hmap_get(&r->form_index, name, strlen(name), &i))
        return -1;
    return (long)i;
}

struct otab *exec_tab(struct tp_sdtm *r, const char *dsname)
{
    for (size_t i = 0; i < r->ntabs; i++)
        if (strcasecmp(r->tabs[i].name, dsname) == 0)
            return &r->tabs[i];
    return NULL;
}

const char *raw_cell(const struct rawform *f, size_t row, long col, size_t *len)
{
    const char *s;
    if (col < 0) {
        *len = 0;
        return "";
    }
    s = tp_dataset_str(f->ds, row, (size_t)col, len);
    while (*len && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) {
        s++;
        (*len)--;
    }
    while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t' || s[*len - 1] == '\r' ||
                    s[*len - 1] == '\n'))
        (*len)--;
    return s;
}

/* ---------------------------------------------------------------- raw data */

static int exec_add_form(struct tp_sdtm *r, const char *name, struct tp_dataset *ds)
{
    struct rawform *o;
    const struct tp_spec *s = r->spec;
    long e = exec_form(r, name);
    if (e >= 0) {
        tp_dataset_free(r->forms[e].ds);
        r->forms[e].ds = ds;
        return TP_OK;
    }
    o = tp_reallocarray(r->forms, r->nforms + 1, sizeof *o);
    if (!o)
        return TP_E_NOMEM;
    r->forms = o;
    o = &r->forms[r->nforms];
    memset(o, 0, sizeof *o);
    if (!(o->name = tp_strdup(name)) || hmap_put(&r->form_index, name, strlen(name), r->nforms)) {
        tp_free(o->name);
        return TP_E_NOMEM;
    }
    o->ds = ds;
    o->subj_col = tp_dataset_find_var(ds, spec_setting(s, "Raw.Column.Subject", "PATNUM"));
    o->visit_col = tp_dataset_find_var(ds, spec_setting(s, "Raw.Column.Visit", "VISITE"));
    o->line_col = tp_dataset_find_var(ds, spec_setting(s, "Raw.Column.Line", "LIGNE"));
    r->nforms++;
    return TP_OK;
}

int tp_sdtm_add_raw(struct tp_sdtm *r, const char *form, struct tp_dataset *raw,
                    struct tp_error *err)
{
    int rc;
    (void)err;
    if ((rc = exec_add_form(r, form, raw)))
        tp_dataset_free(raw);
    return rc;
}

/* Raw tables that are metadata, not records (the EDC's dictionary and codelists). */
bool exec_form_is_metadata(const struct tp_spec *s, const char *name)
{
    const char *list = spec_setting(s, "Raw.MetadataTables",
                                    "dictionnaire listes errors errors_manifest");
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && strncasecmp(p, name, n) == 0)
            return true;
        p = *e ? e + 1 : e;
    }
    return false;
}

static int exec_read_form(struct tp_sdtm *r, const char *dir, const char *name,
                          struct tp_error *err)
{
    char path[4096];
    struct tp_options *o = tp_options_new();
    struct tp_dataset *ds = NULL;
    const char *delim = spec_setting(r->spec, "Raw.Delimiter", ";");
    const char *enc = spec_setting(r->spec, "Raw.Encoding", "UTF-8");
    int rc;
    if (!o)
        return TP_E_NOMEM;
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    tp_options_set(o, "csv.delimiter", delim);
    if (strncasecmp(enc, "cp1252", 6) == 0 || strncasecmp(enc, "windows-1252", 12) == 0)
        tp_options_set(o, "encoding", "cp1252");
    else if (strncasecmp(enc, "latin1", 6) == 0 || strncasecmp(enc, "iso-8859-1", 10) == 0)
        tp_options_set(o, "encoding", "latin1");
    rc = tp_read_file(path, "csv", o, &ds, err);
    tp_options_free(o);
    if (rc)
        return rc;
    /* every column must be text: the engine parses numbers and dates itself */
    for (size_t i = 0; i < tp_dataset_nvars(ds); i++)
        if (tp_dataset_var(ds, i)->type != TP_CHAR) {
            tp_dataset_free(ds);
            return tp_fail(err, TP_E_INTERNAL, "raw table '%s' was not read as text", name);
        }
    if ((rc = exec_add_form(r, name, ds)))
        tp_dataset_free(ds);
    return rc;
}

int exec_load_raw(struct tp_sdtm *r, const char *raw_dir, struct tp_error *err)
{
    DIR *d = opendir(raw_dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    int rc = TP_OK;
    if (!d)
        return tp_fail(err, TP_E_IO, "cannot open raw folder '%s'", raw_dir);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        char **o;
        if (l < 5 || strcasecmp(e->d_name + l - 4, ".csv") != 0)
            continue;
        if (!(o = tp_reallocarray(names, n + 1, sizeof *o)) ||
            !(o[n] = tp_strndup(e->d_name, l - 4))) {
            tp_free(o ? NULL : NULL);
            if (o)
                names = o;
            rc = TP_E_NOMEM;
            break;
        }
        names = o;
        n++;
    }
    closedir(d);
    /* stable order */
    for (size_t a = 1; a < n; a++) {
        char *x = names[a];
        size_t b = a;
        while (b > 0 && strcmp(names[b - 1], x) > 0) {
            names[b] = names[b - 1];
            b--;
        }
        names[b] = x;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        if (exec_form_is_metadata(r->spec, names[i]))
            continue;
        if (r->progress)
            r->progress(r->progress_ctx, names[i], i, n);
        rc = exec_read_form(r, raw_dir, names[i], err);
    }
    for (size_t i = 0; i < n; i++)
        tp_free(names[i]);
    tp_free(names);
    if (rc)
        return rc;
    /* every form the spec reads must exist */
    for (size_t b = 0; b < r->spec->nblocks; b++) {
        const char *f = r->spec->blocks[b].form;
        if (exec_form(r, f) < 0) {
            struct tp_loc loc;
            tp_loc_init(&loc);
            snprintf(loc.path, sizeof loc.path, "%s/%s.csv", raw_dir, f);
            return tp_fail_at(err, TP_E_IO, &loc, "raw table '%s.csv' not found", f);
        }
    }
    return TP_OK;
}

/* ---------------------------------------------------------------- subjects */

static int exec_usubjid(struct tp_sdtm *r, const struct rawform *f, size_t row,
                        struct tp_strbuf *sb, struct tp_error *err)
{
    const char *tpl = spec_setting(r->spec, "USUBJID", "{STUDYID}-{SUBJECT}");
    tp_strbuf_reset(sb);
    for (const char *p = tpl; *p;) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            char name[64];
            size_t n;
            if (!e || (size_t)(e - p - 1) >= sizeof name)
                return tp_fail(err, TP_E_SPEC, "bad USUBJID template '%s'", tpl);
            memcpy(name, p + 1, (size_t)(e - p - 1));
            name[e - p - 1] = '\0';
            if (strcmp(name, "STUDYID") == 0) {
                if (tp_strbuf_adds(sb, r->studyid))
                    return TP_E_NOMEM;
            } else {
                long col = strcmp(name, "SUBJECT") == 0 ? f->subj_col
                                                        : tp_dataset_find_var(f->ds, name);
                const char *v;
                if (col < 0)
                    return tp_fail(err, TP_E_SPEC,
                                   "USUBJID template names column '%s', not in raw table '%s'",
                                   name, f->name);
                v = raw_cell(f, row, col, &n);
                if (tp_strbuf_add(sb, v, n))
                    return TP_E_NOMEM;
            }
            p = e + 1;
        } else if (tp_strbuf_addc(sb, *p++))
            return TP_E_NOMEM;
    }
    tp_strbuf_cstr(sb);
    return TP_OK;
}

int exec_subjects(struct tp_sdtm *r, struct tp_error *err)
{
    const char *sf = spec_setting(r->spec, "SubjectForm", "inclusion");
    long fi = exec_form(r, sf);
    struct rawform *f;
    struct tp_strbuf sb;
    long site_col;
    int rc = TP_OK;
    if (fi < 0)
        return tp_fail(err, TP_E_IO, "subject table '%s.csv' not found", sf);
    f = &r->forms[fi];
    if (f->subj_col < 0)
        return tp_fail(err, TP_E_PARSE, "subject table '%s' has no column '%s'", sf,
                       spec_setting(r->spec, "Raw.Column.Subject", "PATNUM"));
    site_col = tp_dataset_find_var(f->ds, spec_setting(r->spec, "Raw.Column.Site", "CENTRE"));
    tp_strbuf_init(&sb);
    for (size_t row = 0; row < tp_dataset_nrows(f->ds); row++) {
        size_t n, sn;
        const char *k = raw_cell(f, row, f->subj_col, &n);
        const char *site = raw_cell(f, row, site_col, &sn);
        struct subject *o;
        if (n == 0 || hmap_get(&r->subj_index, k, n, NULL))
            continue; /* duplicates and blanks are reported by the reconciliation */
        if ((rc = exec_usubjid(r, f, row, &sb, err)))
            break;
        if (!(o = tp_reallocarray(r->subjects, r->nsubj + 1, sizeof *o))) {
            rc = TP_E_NOMEM;
            break;
        }
        r->subjects = o;
        o = &r->subjects[r->nsubj];
        o->key = tp_strndup(k, n);
        o->usubjid = tp_strdup(tp_strbuf_cstr(&sb));
        o->site = tp_strndup(site, sn);
        if (!o->key || !o->usubjid || !o->site || hmap_put(&r->subj_index, k, n, r->nsubj)) {
            tp_free(o->key);
            tp_free(o->usubjid);
            tp_free(o->site);
            rc = TP_E_NOMEM;
            break;
        }
        r->nsubj++;
    }
    tp_strbuf_release(&sb);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->nforms; i++) {
        struct rawform *g = &r->forms[i];
        size_t nr = tp_dataset_nrows(g->ds);
        if (!(g->subj = tp_calloc(nr ? nr : 1, sizeof *g->subj)) ||
            !(g->nout = tp_calloc(nr ? nr : 1, sizeof *g->nout)) ||
            !(g->lookup_by = tp_calloc(nr ? nr : 1, sizeof *g->lookup_by)))
            return TP_E_NOMEM;
        for (size_t row = 0; row < nr; row++)
            g->lookup_by[row] = -1;
        for (size_t row = 0; row < nr; row++) {
            size_t n, si;
            const char *k = raw_cell(g, row, g->subj_col, &n);
            g->subj[row] = (n && hmap_get(&r->subj_index, k, n, &si)) ? (long)si : -1;
        }
    }
    return TP_OK;
}

/* ---------------------------------------------------------------- plan */

struct form_ctx {
    const struct rawform *f;
};

static long plan_resolve_col(void *ctx, const char *name)
{
    const struct rawform *f = ctx;
    return tp_dataset_find_var(f->ds, name);
}

static int plan_fail(struct tp_error *err, const struct tp_spec *s, const struct spec_rule *ru,
                     const char *col, const char *fmt, ...) TP_PRINTF(5, 6);
static int plan_fail(struct tp_error *err, const struct tp_spec *s, const struct spec_rule *ru,
                     const char *col, const char *fmt, ...)
{
    const struct sheet *sh = &s->rules_sh;
    char msg[220];
    va_list ap;
    size_t row = (size_t)-2;
    for (size_t i = 0; i < sh->nrows; i++)
        if (sh->line[i] == ru->line)
            row = i;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sheet_fail(err, TP_E_SPEC, sh, row, sheet_col(sh, col), "%s", msg);
}

static int plan_rule(struct tp_sdtm *r, struct spec_rule *ru, long form, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    const char *from = spec_kv(ru, "from");
    long f = form;
    char msg[200];
    if (from && ru->alg != ALG_DERIVE) {
        f = exec_form(r, from);
        if (f < 0)
            return plan_fail(err, s, ru, "Parameters", "lookup form '%s' not in the raw export",
                             from);
        ru->from_form = f;
        if (spec_kv(ru, "where")) {
            expr_free(ru->where);
            ru->where = NULL;
            if (expr_parse(spec_kv(ru, "where"), plan_resolve_col, &r->forms[f], &ru->where, msg,
                           sizeof msg))
                return plan_fail(err, s, ru, "Parameters", "where: %s in raw table '%s'", msg,
                                 from);
        }
    }
    if (f < 0)
        return TP_OK;
    for (size_t i = 0; i < ru->nsrc; i++) {
        struct src_ref *sr = &ru->src[i];
        if (sr->kind != SRC_COL)
            continue;
        sr->idx = tp_dataset_find_var(r->forms[f].ds, sr->text);
        if (sr->idx < 0)
            return plan_fail(err, s, ru, "Source", "unknown raw column '%s' in form '%s'",
                             sr->text, r->forms[f].name);
    }
    if (ru->alg == ALG_FILTER && ru->nsrc == 1) {
        expr_free(ru->where);
        ru->where = NULL;
        if (expr_parse(ru->src[0].text, plan_resolve_col, &r->forms[f], &ru->where, msg,
                       sizeof msg))
            return plan_fail(err, s, ru, "Source", "%s in raw table '%s'", msg, r->forms[f].name);
    }
    if (*ru->condition) {
        expr_free(ru->cond);
        ru->cond = NULL;
        if (expr_parse(ru->condition, plan_resolve_col, &r->forms[f], &ru->cond, msg,
                       sizeof msg))
            return plan_fail(err, s, ru, "Condition", "%s in raw table '%s'", msg,
                             r->forms[f].name);
    }
    for (size_t i = 0; i < ru->nfp; i++)
        if (ru->fp[i].col) {
            ru->fp[i].col_idx = tp_dataset_find_var(r->forms[f].ds, ru->fp[i].col);
            if (ru->fp[i].col_idx < 0)
                return plan_fail(err, s, ru, "Parameters", "unknown raw column '%s' in form '%s'",
                                 ru->fp[i].col, r->forms[f].name);
        }
    if (ru->alg == ALG_RELREC) {
        const char *k = spec_kv(ru, "key");
        if (tp_dataset_find_var(r->forms[f].ds, k) < 0)
            return plan_fail(err, s, ru, "Parameters", "unknown raw column '%s' in form '%s'", k,
                             r->forms[f].name);
    }
    return TP_OK;
}

int exec_plan(struct tp_sdtm *r, struct tp_error *err)
{
    struct tp_spec *s = (struct tp_spec *)(uintptr_t)r->spec; /* plan caches live in the rules */
    int rc;
    for (size_t b = 0; b < s->nblocks; b++) {
        struct spec_block *bl = &s->blocks[b];
        bl->form_idx = exec_form(r, bl->form);
        if (bl->form_idx < 0)
            return tp_fail(err, TP_E_IO, "raw table '%s.csv' not found", bl->form);
        r->forms[bl->form_idx].used = true;
    }
    for (size_t i = 0; i < s->nrules; i++) {
        struct spec_rule *ru = &s->rules[i];
        long form = ru->block_idx >= 0 ? s->blocks[ru->block_idx].form_idx : -1;
        if ((rc = plan_rule(r, ru, form, err)))
            return rc;
        if (ru->from_form >= 0)
            r->forms[ru->from_form].used = true;
    }
    /* output tables, one per spec dataset */
    r->ntabs = 0;
    if (!(r->tabs = tp_calloc(s->nds + s->nds + 2, sizeof *r->tabs)) ||
        !(r->tab_of_ds = tp_calloc(s->nds + 1, sizeof *r->tab_of_ds)))
        return TP_E_NOMEM;
    for (size_t d = 0; d < s->nds; d++) {
        const struct spec_dataset *ds = &s->ds[d];
        const char **names = tp_calloc(ds->nvars + 1, sizeof *names);
        bool *num = tp_calloc(ds->nvars + 1, sizeof *num);
        if (!names || !num) {
            tp_free((void *)(uintptr_t)names);
            tp_free(num);
            return TP_E_NOMEM;
        }
        for (size_t v = 0; v < ds->nvars; v++) {
            names[v] = s->vars[ds->vars[v]].name;
            num[v] = s->vars[ds->vars[v]].num;
        }
        rc = otab_init(&r->tabs[r->ntabs], ds->name, ds->label, ds->nvars, names, num);
        tp_free((void *)(uintptr_t)names);
        tp_free(num);
        if (rc)
            return rc;
        r->tabs[r->ntabs].ds = (long)d;
        r->tab_of_ds[d] = (long)r->ntabs;
        r->ntabs++;
    }
    return TP_OK;
}

/* ---------------------------------------------------------------- phase 1: records */

/* Column of a spec variable in its dataset's table. */
long tab_col_of_var(const struct tp_spec *s, long var)
{
    return var >= 0 ? s->vars[var].pos : -1;
}

struct rowctx {
    const struct tp_sdtm *r;
    long form;
    size_t row;
};

static const char *rowctx_get(void *ctx, long id, size_t *n)
{
    struct rowctx *c = ctx;
    return raw_cell(&c->r->forms[c->form], c->row, id, n);
}

/* Set a value computed as text into a table cell; numbers that do not parse are reported. */
static int exec_store(struct tp_sdtm *r, const struct spec_rule *ru, long form, size_t row,
                      struct otab *t, size_t orow, long col, const char *v, size_t n)
{
    int rc = otab_set_str(t, orow, (size_t)col, v, n);
    if (rc == TP_E_PARSE)
        return exec_add_issue(r, form, row, t->subj[orow], (long)(t - r->tabs), orow,
                              t->names[col], "ISSUE", "value '%.*s' is not a number (rule line %ld)",
                              (int)(n > 60 ? 60 : n), v, ru ? ru->line : 0L);
    return rc;
}

int exec_apply_rule(struct tp_sdtm *r, const struct spec_rule *ru, long form, size_t row,
                    struct otab *t, size_t orow)
{
    long col;
    int rc;
    if (ru->var < 0)
        return TP_OK;
    if (ru->cond) {
        struct rowctx c = {r, form, row};
        if (!expr_eval(ru->cond, rowctx_get, &c))
            return TP_OK;
    }
    col = tab_col_of_var(r->spec, ru->var);
    if (col < 0)
        return TP_OK;
    tp_strbuf_reset(&r->scratch);
    if ((rc = func_eval(r, ru, form, row, t, orow, &r->scratch)))
        return rc;
    if (r->scratch.len == 0 && ru->alg == ALG_DERIVE)
        return TP_OK; /* a named derivation with no raw value leaves phase 3 to fill it */
    return exec_store(r, ru, form, row, t, orow, col, r->scratch.buf ? r->scratch.buf : "",
                      r->scratch.len);
}

static int exec_block(struct tp_sdtm *r, const struct spec_block *bl, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    struct rawform *f = &r->forms[bl->form_idx];
    struct otab *t = &r->tabs[r->tab_of_ds[bl->ds]];
    size_t nrows = tp_dataset_nrows(f->ds);
    const struct spec_rule *filter = bl->filter_rule >= 0 ? &s->rules[bl->filter_rule] : NULL;
    const char *distinct = filter ? spec_kv(filter, "distinct") : NULL;
    long dcols[8];
    size_t ndc = 0;
    struct hmap seen;
    struct tp_strbuf key;
    int rc = TP_OK;
    (void)err;
    if (distinct) {
        char buf[200], *save = NULL, *tok;
        snprintf(buf, sizeof buf, "%s", distinct);
        for (tok = strtok_r(buf, ", ", &save); tok && ndc < 8; tok = strtok_r(NULL, ", ", &save))
            if ((dcols[ndc] = tp_dataset_find_var(f->ds, tok)) >= 0)
                ndc++;
    }
    hmap_init(&seen);
    tp_strbuf_init(&key);
    for (size_t row = 0; row < nrows && !rc; row++) {
        size_t nrec = bl->nfindings ? bl->nfindings : 1;
        if (f->subj[row] < 0)
            continue; /* orphan: reported by the reconciliation */
        if (filter && filter->where) {
            struct rowctx c = {r, bl->form_idx, row};
            if (!expr_eval(filter->where, rowctx_get, &c))
                continue;
        }
        if (ndc) {
            char sub[24];
            snprintf(sub, sizeof sub, "%ld", f->subj[row]);
            tp_strbuf_reset(&key);
            tp_strbuf_adds(&key, sub);
            for (size_t k = 0; k < ndc; k++) {
                size_t n;
                const char *v = raw_cell(f, row, dcols[k], &n);
                tp_strbuf_addc(&key, '\x1f');
                tp_strbuf_add(&key, v, n);
            }
            if (hmap_get(&seen, key.buf, key.len, NULL))
                continue;
            if ((rc = hmap_put(&seen, key.buf, key.len, row)))
                break;
        }
        for (size_t k = 0; k < nrec; k++) {
            const struct spec_rule *fr = bl->nfindings ? &s->rules[bl->findings[k]] : NULL;
            size_t orow, vn = 0;
            const char *v = NULL;
            if (fr) {
                struct rowctx c = {r, bl->form_idx, row};
                if (fr->cond && !expr_eval(fr->cond, rowctx_get, &c))
                    continue;
                v = raw_cell(f, row, fr->src[0].idx, &vn);
                if (vn == 0 && !(spec_kv(fr, "BLANK") && strcasecmp(spec_kv(fr, "BLANK"), "notdone") == 0))
                    continue; /* blank item: no record (noted in the reconciliation) */
            }
            if ((rc = otab_add_row(t, &orow)))
                goto out;
            t->subj[orow] = f->subj[row];
            t->src_form[orow] = bl->form_idx;
            t->src_row[orow] = row;
            t->seq_src[orow] = fr ? (long)bl->findings[k] : -1;
            for (size_t i = 0; i < bl->nrules; i++)
                if ((rc = exec_apply_rule(r, &s->rules[bl->rules[i]], bl->form_idx, row, t, orow)))
                    goto out;
            if (fr && (rc = func_findings(r, bl, fr, bl->form_idx, row, t, orow, v, vn)))
                goto out;
            f->nout[row]++;
        }
    }
out:
    hmap_release(&seen);
    tp_strbuf_release(&key);
    return rc;
}

int exec_records(struct tp_sdtm *r, struct tp_error *err)
{
    const struct tp_spec *s = r->spec;
    int rc;
    if ((rc = func_lookups(r, err)))
        return rc;
    for (size_t d = 0; d < s->nds; d++)
        for (size_t b = 0; b < s->nblocks; b++)
            if (s->blocks[b].ds == (long)d) {
                if (r->progress)
                    r->progress(r->progress_ctx, s->ds[d].name, b, s->nblocks);
                if ((rc = exec_block(r, &s->blocks[b], err)))
                    return rc;
            }
    return TP_OK;
}
