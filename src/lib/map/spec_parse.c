/*
 * The mapping spec: sheets (CSV, see sheet.c) -> AST. Sheets are recognised by file name
 * (Datasets.csv, Variables.csv, Codelists.csv, CodeMaps.csv, UnitConversions.csv, Rules.csv,
 * ValueLevel.csv, WhereClauses.csv, Methods.csv, Comments.csv, Documents.csv, Settings.csv, the
 * trial design sheets TrialArms/TrialElements/TrialVisits/TrialInclusion/TrialSummary, and the
 * study-level ../study.csv). This file only parses: cross-references are checked by spec_check.c.
 * The format is documented in doc/sdtm-spec.md.
 */
#include "map.h"
#include "io.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum sheet_kind {
    SK_DATASETS, SK_VARIABLES, SK_CODELISTS, SK_RULES, SK_MAPS, SK_CONV, SK_VLM, SK_WHERE,
    SK_METHODS, SK_COMMENTS, SK_DOCS, SK_SETTINGS, SK_STUDY, SK_TA, SK_TE, SK_TV, SK_TI, SK_TS,
    SK_COUNT
};

static const struct {
    const char *name, *alt;
} sheet_names[SK_COUNT] = {
    {"Datasets.csv", NULL},         {"Variables.csv", NULL},       {"Codelists.csv", NULL},
    {"Rules.csv", NULL},            {"CodeMaps.csv", NULL},        {"UnitConversions.csv", NULL},
    {"ValueLevel.csv", NULL},       {"WhereClauses.csv", NULL},    {"Methods.csv", NULL},
    {"Comments.csv", NULL},         {"Documents.csv", NULL},       {"Settings.csv", NULL},
    {"study.csv", NULL},            {"TrialArms.csv", "TA.csv"},   {"TrialElements.csv", "TE.csv"},
    {"TrialVisits.csv", "TV.csv"},  {"TrialInclusion.csv", "TI.csv"},
    {"TrialSummary.csv", "TS.csv"},
};

int spec_sheet_kind(const char *name)
{
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    for (int i = 0; i < SK_COUNT; i++)
        if (strcasecmp(b, sheet_names[i].name) == 0 ||
            (sheet_names[i].alt && strcasecmp(b, sheet_names[i].alt) == 0))
            return i;
    return -1;
}

struct sheet *spec_sheet_by_kind(struct tp_spec *s, int kind)
{
    switch (kind) {
    case SK_DATASETS: return &s->datasets_sh;
    case SK_VARIABLES: return &s->variables_sh;
    case SK_CODELISTS: return &s->codelists_sh;
    case SK_RULES: return &s->rules_sh;
    case SK_MAPS: return &s->maps_sh;
    case SK_CONV: return &s->conv_sh;
    case SK_VLM: return &s->vlm_sh;
    case SK_WHERE: return &s->where_sh;
    case SK_METHODS: return &s->methods_sh;
    case SK_COMMENTS: return &s->comments_sh;
    case SK_DOCS: return &s->docs_sh;
    case SK_SETTINGS: return &s->settings_sh;
    case SK_STUDY: return &s->study_sh;
    case SK_TA: return &s->ta_sh;
    case SK_TE: return &s->te_sh;
    case SK_TV: return &s->tv_sh;
    case SK_TI: return &s->ti_sh;
    case SK_TS: return &s->ts_sh;
    default: return NULL;
    }
}

struct tp_spec *tp_spec_new(void)
{
    return tp_calloc(1, sizeof(struct tp_spec));
}

static void kv_free(struct kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tp_free(kv[i].key);
        tp_free(kv[i].val);
    }
    tp_free(kv);
}

void tp_spec_free(struct tp_spec *s)
{
    if (!s)
        return;
    for (int k = 0; k < SK_COUNT; k++)
        sheet_release(spec_sheet_by_kind(s, k));
    for (size_t i = 0; i < s->nds; i++) {
        tp_free(s->ds[i].keys);
        tp_free(s->ds[i].keys_buf);
        tp_free(s->ds[i].vars);
    }
    tp_free(s->ds);
    tp_free(s->vars);
    for (size_t i = 0; i < s->ncls; i++) {
        tp_free(s->cls[i].terms);
        hmap_release(&s->cls[i].index);
    }
    tp_free(s->cls);
    for (size_t i = 0; i < s->nmaps; i++) {
        hmap_release(&s->maps[i].index);
        tp_free(s->maps[i].raw);
        tp_free(s->maps[i].term);
        tp_free(s->maps[i].line);
    }
    tp_free(s->maps);
    tp_free(s->conv);
    for (size_t i = 0; i < s->nrules; i++) {
        struct spec_rule *r = &s->rules[i];
        for (size_t j = 0; j < r->nsrc; j++)
            tp_free(r->src[j].text);
        tp_free(r->src);
        kv_free(r->kv, r->nkv);
        expr_free(r->cond);
        expr_free(r->where);
        for (size_t j = 0; j < r->nfp; j++) {
            tp_free(r->fp[j].var);
            tp_free(r->fp[j].lit);
            tp_free(r->fp[j].col);
            tp_free(r->fp[j].map);
        }
        tp_free(r->fp);
    }
    tp_free(s->rules);
    for (size_t i = 0; i < s->nblocks; i++) {
        tp_free(s->blocks[i].name);
        tp_free(s->blocks[i].rules);
        tp_free(s->blocks[i].findings);
    }
    tp_free(s->blocks);
    tp_free(s->settings);
    ct_release(&s->ct);
    tp_free(s->dir);
    tp_free(s);
}

int tp_spec_add_sheet(struct tp_spec *s, const char *name, const void *data, size_t n,
                      struct tp_error *err)
{
    int kind = spec_sheet_kind(name);
    struct sheet *sh;
    if (s->finished)
        return tp_fail(err, TP_E_USAGE, "spec already finished");
    if (kind < 0) {
        struct tp_loc loc;
        tp_loc_init(&loc);
        snprintf(loc.path, sizeof loc.path, "%s", name);
        return tp_fail_at(err, TP_E_SPEC, &loc, "unknown sheet '%s'", name);
    }
    sh = spec_sheet_by_kind(s, kind);
    sheet_release(sh);
    s->have[kind] = false;
    {
        const char *b = strrchr(name, '/');
        int rc = sheet_parse(sh, b ? b + 1 : name, data, n, err);
        if (rc)
            return rc;
    }
    s->have[kind] = true;
    return TP_OK;
}

int tp_spec_add_ct(struct tp_spec *s, const char *name, const void *data, size_t n,
                   struct tp_error *err)
{
    int rc = ct_parse(&s->ct, name, data, n, err);
    if (rc == TP_OK)
        s->ct_loaded = true;
    return rc;
}

static int spec_read_file(const char *path, char **data, size_t *n, struct tp_error *err)
{
    struct tp_source *src;
    struct tp_strbuf sb;
    char buf[65536];
    int rc = tp_source_open_file(&src, path, err);
    if (rc)
        return rc;
    tp_strbuf_init(&sb);
    for (;;) {
        long got = tp_source_read(src, buf, sizeof buf, err);
        if (got < 0) {
            rc = err ? err->code : TP_E_IO;
            break;
        }
        if (got == 0)
            break;
        if ((rc = tp_strbuf_add(&sb, buf, (size_t)got)))
            break;
    }
    tp_source_close(src);
    if (rc) {
        tp_strbuf_release(&sb);
        return rc;
    }
    tp_strbuf_cstr(&sb);
    *data = sb.buf ? sb.buf : tp_strdup("");
    *n = sb.len;
    return *data ? TP_OK : TP_E_NOMEM;
}

int tp_spec_load_ct(struct tp_spec *s, const char *path, struct tp_error *err)
{
    char *data;
    size_t n;
    int rc = spec_read_file(path, &data, &n, err);
    if (rc)
        return rc;
    rc = tp_spec_add_ct(s, path, data, n, err);
    tp_free(data);
    return rc;
}

static bool file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

int tp_spec_load_dir(struct tp_spec *s, const char *dir, struct tp_error *err)
{
    char path[4096];
    int rc;
    tp_free(s->dir);
    if (!(s->dir = tp_strdup(dir)))
        return TP_E_NOMEM;
    for (int k = 0; k < SK_COUNT; k++) {
        const char *nm = sheet_names[k].name;
        char *data;
        size_t n;
        if (k == SK_STUDY)
            snprintf(path, sizeof path, "%s/../study.csv", dir);
        else {
            snprintf(path, sizeof path, "%s/%s", dir, nm);
            if (!file_exists(path) && sheet_names[k].alt)
                snprintf(path, sizeof path, "%s/%s", dir, nm = sheet_names[k].alt);
        }
        if (!file_exists(path))
            continue;
        if ((rc = spec_read_file(path, &data, &n, err)))
            return rc;
        rc = tp_spec_add_sheet(s, k == SK_STUDY ? "study.csv" : nm, data, n, err);
        tp_free(data);
        if (rc)
            return rc;
    }
    if (!s->have[SK_DATASETS] || !s->have[SK_VARIABLES]) {
        struct tp_loc loc;
        tp_loc_init(&loc);
        snprintf(loc.path, sizeof loc.path, "%s", dir);
        return tp_fail_at(err, TP_E_SPEC, &loc,
                          "not a mapping spec folder (Datasets.csv and Variables.csv needed)");
    }
    /* bundled terminology named by Settings.csv (CT=relative path) */
    {
        const char *ct = NULL;
        struct sheet *st = &s->settings_sh;
        long kc = sheet_col(st, "Key"), vc = sheet_col(st, "Value");
        for (size_t r = 0; s->have[SK_SETTINGS] && r < st->nrows; r++)
            if (strcasecmp(sheet_get(st, r, kc), "CTFile") == 0)
                ct = sheet_get(st, r, vc);
        if (ct && *ct) {
            char *p2 = tp_strdup(ct), *save = NULL, *tok;
            if (!p2)
                return TP_E_NOMEM;
            for (tok = strtok_r(p2, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                if (tok[0] == '/')
                    snprintf(path, sizeof path, "%s", tok);
                else
                    snprintf(path, sizeof path, "%s/%s", dir, tok);
                if ((rc = tp_spec_load_ct(s, path, err))) {
                    tp_free(p2);
                    return rc;
                }
            }
            tp_free(p2);
        }
    }
    return TP_OK;
}

/* ---------------------------------------------------------------- building the AST */

const char *spec_setting(const struct tp_spec *s, const char *key, const char *dflt)
{
    for (size_t i = s->nsettings; i-- > 0;)
        if (strcasecmp(s->settings[i].key, key) == 0)
            return s->settings[i].val;
    return dflt;
}

const char *tp_spec_setting(const struct tp_spec *s, const char *key)
{
    return spec_setting(s, key, NULL);
}

long spec_find_ds(const struct tp_spec *s, const char *name)
{
    for (size_t i = 0; i < s->nds; i++)
        if (strcasecmp(s->ds[i].name, name) == 0)
            return (long)i;
    return -1;
}

long spec_find_var(const struct tp_spec *s, long ds, const char *name)
{
    if (ds < 0)
        return -1;
    for (size_t i = 0; i < s->ds[ds].nvars; i++) {
        size_t v = s->ds[ds].vars[i];
        if (strcasecmp(s->vars[v].name, name) == 0)
            return (long)v;
    }
    return -1;
}

long spec_find_cl(const struct tp_spec *s, const char *id)
{
    for (size_t i = 0; i < s->ncls; i++)
        if (strcasecmp(s->cls[i].id, id) == 0)
            return (long)i;
    return -1;
}

long spec_find_map(const struct tp_spec *s, const char *id)
{
    for (size_t i = 0; i < s->nmaps; i++)
        if (strcasecmp(s->maps[i].id, id) == 0)
            return (long)i;
    return -1;
}

const char *spec_map_lookup(const struct spec_map *m, const char *raw, size_t n)
{
    size_t i;
    if (!hmap_get(&m->index, raw, n, &i))
        return NULL;
    return m->term[i];
}

const char *spec_kv(const struct spec_rule *r, const char *key)
{
    for (size_t i = 0; i < r->nkv; i++)
        if (strcasecmp(r->kv[i].key, key) == 0)
            return r->kv[i].val;
    return NULL;
}

static bool yes(const char *v)
{
    return strcasecmp(v, "yes") == 0 || strcasecmp(v, "y") == 0 || strcasecmp(v, "true") == 0 ||
           strcmp(v, "1") == 0;
}

static int need_col(struct tp_error *err, const struct sheet *sh, const char *col, long *c)
{
    *c = sheet_col(sh, col);
    if (*c < 0)
        return sheet_fail(err, TP_E_SPEC, sh, (size_t)-1, -1, "missing column '%s'", col);
    return TP_OK;
}

static int build_settings(struct tp_spec *s, struct tp_error *err)
{
    const struct sheet *shs[2] = {&s->study_sh, &s->settings_sh};
    const int kinds[2] = {SK_STUDY, SK_SETTINGS};
    for (int k = 0; k < 2; k++) {
        const struct sheet *sh = shs[k];
        long kc, vc;
        int rc;
        if (!s->have[kinds[k]])
            continue;
        if ((rc = need_col(err, sh, "Key", &kc)) || (rc = need_col(err, sh, "Value", &vc)))
            return rc;
        for (size_t r = 0; r < sh->nrows; r++) {
            struct kv *kv = tp_reallocarray(s->settings, s->nsettings + 1, sizeof *kv);
            if (!kv)
                return TP_E_NOMEM;
            s->settings = kv;
            /* values are borrowed from the sheet arenas (which outlive the settings) */
            s->settings[s->nsettings].key = (char *)(uintptr_t)sheet_get(sh, r, kc);
            s->settings[s->nsettings].val = (char *)(uintptr_t)sheet_get(sh, r, vc);
            s->nsettings++;
        }
    }
    return TP_OK;
}

static int split_words(char *text, char ***out, size_t *n)
{
    char *save = NULL, *tok, *copy;
    *out = NULL;
    *n = 0;
    (void)copy;
    for (tok = strtok_r(text, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
        char **o = tp_reallocarray(*out, *n + 1, sizeof *o);
        if (!o)
            return TP_E_NOMEM;
        *out = o;
        (*out)[(*n)++] = tok;
    }
    return TP_OK;
}

static int build_datasets(struct tp_spec *s, struct tp_error *err)
{
    struct sheet *sh = &s->datasets_sh;
    long c_ds, c_label, c_class, c_struct, c_keys, c_purpose, c_rep, c_ref, c_comment;
    int rc;
    if ((rc = need_col(err, sh, "Dataset", &c_ds)) || (rc = need_col(err, sh, "Label", &c_label)))
        return rc;
    c_class = sheet_col(sh, "Class");
    c_struct = sheet_col(sh, "Structure");
    c_keys = sheet_col(sh, "Keys");
    c_purpose = sheet_col(sh, "Purpose");
    c_rep = sheet_col(sh, "Repeating");
    c_ref = sheet_col(sh, "IsReferenceData");
    c_comment = sheet_col(sh, "Comment");
    if (!(s->ds = tp_calloc(sh->nrows ? sh->nrows : 1, sizeof *s->ds)))
        return TP_E_NOMEM;
    for (size_t r = 0; r < sh->nrows; r++) {
        struct spec_dataset *d = &s->ds[s->nds];
        const char *name = sheet_get(sh, r, c_ds);
        size_t nl = strlen(name);
        if (!*name)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_ds, "empty dataset name");
        if (nl > 8)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_ds, "dataset name '%s' longer than 8",
                              name);
        for (size_t i = 0; i < nl; i++)
            if (!isalnum((unsigned char)name[i]))
                return sheet_fail(err, TP_E_SPEC, sh, r, c_ds,
                                  "dataset name '%s' must be letters and digits", name);
        if (spec_find_ds(s, name) >= 0)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_ds, "duplicate dataset '%s'", name);
        d->name = (char *)(uintptr_t)name;
        d->label = (char *)(uintptr_t)sheet_get(sh, r, c_label);
        d->cls = (char *)(uintptr_t)sheet_get(sh, r, c_class);
        d->structure = (char *)(uintptr_t)sheet_get(sh, r, c_struct);
        d->purpose = (char *)(uintptr_t)sheet_get(sh, r, c_purpose);
        d->comment = (char *)(uintptr_t)sheet_get(sh, r, c_comment);
        d->keys_text = (char *)(uintptr_t)sheet_get(sh, r, c_keys);
        d->repeating = yes(sheet_get(sh, r, c_rep));
        d->refdata = yes(sheet_get(sh, r, c_ref));
        d->line = sh->line[r];
        if (strncasecmp(name, "SUPP", 4) != 0 && strcasecmp(name, "RELREC") != 0) {
            d->domain[0] = (char)toupper((unsigned char)name[0]);
            d->domain[1] = (char)toupper((unsigned char)name[1]);
        }
        s->nds++;
    }
    /* keys are split later, in a copy, so that the sheet cell stays readable */
    for (size_t i = 0; i < s->nds; i++) {
        struct spec_dataset *d = &s->ds[i];
        char *copy = tp_strdup(d->keys_text);
        if (!copy)
            return TP_E_NOMEM;
        if ((rc = split_words(copy, &d->keys, &d->nkeys))) {
            tp_free(copy);
            return rc;
        }
        d->keys_buf = copy;
    }
    return TP_OK;
}

static int build_variables(struct tp_spec *s, struct tp_error *err)
{
    struct sheet *sh = &s->variables_sh;
    long c_ds, c_var, c_order, c_label, c_type, c_len, c_sig, c_fmt, c_mand, c_cl, c_origin,
        c_src, c_method, c_role, c_core, c_comment, c_ns, c_eval;
    int rc;
    if ((rc = need_col(err, sh, "Dataset", &c_ds)) || (rc = need_col(err, sh, "Variable", &c_var)) ||
        (rc = need_col(err, sh, "DataType", &c_type)))
        return rc;
    c_order = sheet_col(sh, "Order");
    c_label = sheet_col(sh, "Label");
    c_len = sheet_col(sh, "Length");
    c_sig = sheet_col(sh, "SignificantDigits");
    c_fmt = sheet_col(sh, "Format");
    c_mand = sheet_col(sh, "Mandatory");
    c_cl = sheet_col(sh, "CodeList");
    c_origin = sheet_col(sh, "Origin");
    c_src = sheet_col(sh, "Source");
    c_method = sheet_col(sh, "Method");
    c_role = sheet_col(sh, "Role");
    c_core = sheet_col(sh, "Core");
    c_comment = sheet_col(sh, "Comment");
    c_ns = sheet_col(sh, "NonStandard");
    c_eval = sheet_col(sh, "Evaluator");
    if (!(s->vars = tp_calloc(sh->nrows ? sh->nrows : 1, sizeof *s->vars)))
        return TP_E_NOMEM;
    for (size_t r = 0; r < sh->nrows; r++) {
        struct spec_var *v = &s->vars[s->nvars];
        const char *dsn = sheet_get(sh, r, c_ds), *name = sheet_get(sh, r, c_var);
        const char *type = sheet_get(sh, r, c_type), *len = sheet_get(sh, r, c_len);
        long ds = spec_find_ds(s, dsn);
        size_t nl = strlen(name);
        if (ds < 0)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_ds, "dataset '%s' not in Datasets.csv",
                              dsn);
        if (!nl || nl > 8)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_var,
                              "variable name '%s' must have 1 to 8 characters", name);
        for (size_t i = 0; i < nl; i++)
            if (!isalnum((unsigned char)name[i]) || islower((unsigned char)name[i]))
                return sheet_fail(err, TP_E_SPEC, sh, r, c_var,
                                  "variable name '%s' must be upper-case letters and digits",
                                  name);
        if (spec_find_var(s, ds, name) >= 0)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_var, "duplicate variable '%s' in %s",
                              name, dsn);
        v->dataset = (char *)(uintptr_t)dsn;
        v->name = (char *)(uintptr_t)name;
        v->label = (char *)(uintptr_t)sheet_get(sh, r, c_label);
        v->datatype = (char *)(uintptr_t)type;
        v->format = (char *)(uintptr_t)sheet_get(sh, r, c_fmt);
        v->mandatory = (char *)(uintptr_t)sheet_get(sh, r, c_mand);
        v->codelist = (char *)(uintptr_t)sheet_get(sh, r, c_cl);
        v->origin = (char *)(uintptr_t)sheet_get(sh, r, c_origin);
        v->source = (char *)(uintptr_t)sheet_get(sh, r, c_src);
        v->method = (char *)(uintptr_t)sheet_get(sh, r, c_method);
        v->role = (char *)(uintptr_t)sheet_get(sh, r, c_role);
        v->core = (char *)(uintptr_t)sheet_get(sh, r, c_core);
        v->comment = (char *)(uintptr_t)sheet_get(sh, r, c_comment);
        v->evaluator = (char *)(uintptr_t)sheet_get(sh, r, c_eval);
        v->nonstandard = yes(sheet_get(sh, r, c_ns));
        v->line = sh->line[r];
        v->ds = ds;
        v->cl = -1;
        if (strcasecmp(type, "integer") == 0 || strcasecmp(type, "float") == 0 ||
            strcasecmp(type, "double") == 0)
            v->num = true;
        else if (!(strcasecmp(type, "text") == 0 || strcasecmp(type, "date") == 0 ||
                   strcasecmp(type, "datetime") == 0 || strcasecmp(type, "time") == 0 ||
                   strcasecmp(type, "partialDate") == 0 || strcasecmp(type, "partialDatetime") == 0 ||
                   strcasecmp(type, "incompleteDatetime") == 0 ||
                   strcasecmp(type, "durationDatetime") == 0 ||
                   strcasecmp(type, "intervalDatetime") == 0 || strcasecmp(type, "string") == 0))
            return sheet_fail(err, TP_E_SPEC, sh, r, c_type, "unknown data type '%s'", type);
        if (*len) {
            char *end;
            long l = strtol(len, &end, 10);
            if (*end || l < 1 || l > 200)
                return sheet_fail(err, TP_E_SPEC, sh, r, c_len,
                                  "length '%s' must be blank or 1 to 200", len);
            v->length = (size_t)l;
        }
        {
            const char *sig = sheet_get(sh, r, c_sig), *ord = sheet_get(sh, r, c_order);
            char *end;
            v->sigdig = *sig ? (int)strtol(sig, &end, 10) : -1;
            v->order = *ord ? strtod(ord, &end) : (double)r;
            if (*ord && *end)
                return sheet_fail(err, TP_E_SPEC, sh, r, c_order, "order '%s' is not a number",
                                  ord);
        }
        /* register in dataset */
        {
            struct spec_dataset *d = &s->ds[ds];
            size_t *vv = tp_reallocarray(d->vars, d->nvars + 1, sizeof *vv);
            if (!vv)
                return TP_E_NOMEM;
            d->vars = vv;
            d->vars[d->nvars++] = s->nvars;
        }
        s->nvars++;
    }
    /* order variables within datasets by Order (stable insertion sort) */
    for (size_t i = 0; i < s->nds; i++) {
        struct spec_dataset *d = &s->ds[i];
        for (size_t a = 1; a < d->nvars; a++) {
            size_t x = d->vars[a], b = a;
            while (b > 0 && s->vars[d->vars[b - 1]].order > s->vars[x].order) {
                d->vars[b] = d->vars[b - 1];
                b--;
            }
            d->vars[b] = x;
        }
        for (size_t a = 0; a < d->nvars; a++)
            s->vars[d->vars[a]].pos = (long)a;
    }
    return TP_OK;
}

static int build_codelists(struct tp_spec *s, struct tp_error *err)
{
    struct sheet *sh = &s->codelists_sh;
    long c_id, c_name, c_nci, c_type, c_term, c_code, c_dec, c_ext;
    int rc;
    if (!s->have[SK_CODELISTS])
        return TP_OK;
    if ((rc = need_col(err, sh, "ID", &c_id)) || (rc = need_col(err, sh, "Term", &c_term)))
        return rc;
    c_name = sheet_col(sh, "Name");
    c_nci = sheet_col(sh, "NCI Codelist Code");
    if (c_nci < 0)
        c_nci = sheet_col(sh, "NCI code");
    c_type = sheet_col(sh, "DataType");
    c_code = sheet_col(sh, "NCI Term Code");
    c_dec = sheet_col(sh, "Decoded Value");
    c_ext = sheet_col(sh, "Extended");
    if (!(s->cls = tp_calloc(sh->nrows ? sh->nrows : 1, sizeof *s->cls)))
        return TP_E_NOMEM;
    for (size_t r = 0; r < sh->nrows; r++) {
        const char *id = sheet_get(sh, r, c_id), *term = sheet_get(sh, r, c_term);
        long cl = spec_find_cl(s, id);
        struct spec_codelist *c;
        if (!*id)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_id, "empty codelist ID");
        if (cl < 0) {
            c = &s->cls[s->ncls++];
            c->id = (char *)(uintptr_t)id;
            c->name = (char *)(uintptr_t)sheet_get(sh, r, c_name);
            c->nci = (char *)(uintptr_t)sheet_get(sh, r, c_nci);
            c->datatype = (char *)(uintptr_t)sheet_get(sh, r, c_type);
            c->line = sh->line[r];
            hmap_init(&c->index);
        } else
            c = &s->cls[cl];
        if (!*term)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_term, "empty term in codelist '%s'", id);
        if (hmap_get(&c->index, term, strlen(term), NULL))
            return sheet_fail(err, TP_E_SPEC, sh, r, c_term, "duplicate term '%s' in '%s'", term,
                              id);
        if (tp_grow((void **)&c->terms, &c->cap, c->nterms + 1, sizeof *c->terms) ||
            hmap_put(&c->index, term, strlen(term), c->nterms))
            return TP_E_NOMEM;
        c->terms[c->nterms].term = (char *)(uintptr_t)term;
        c->terms[c->nterms].code = (char *)(uintptr_t)sheet_get(sh, r, c_code);
        c->terms[c->nterms].decode = (char *)(uintptr_t)sheet_get(sh, r, c_dec);
        c->terms[c->nterms].extended = yes(sheet_get(sh, r, c_ext));
        c->terms[c->nterms].line = sh->line[r];
        c->nterms++;
    }
    return TP_OK;
}

static int build_maps(struct tp_spec *s, struct tp_error *err)
{
    struct sheet *sh = &s->maps_sh;
    long c_map, c_raw, c_term;
    int rc;
    if (!s->have[SK_MAPS])
        return TP_OK;
    if ((rc = need_col(err, sh, "Map", &c_map)) || (rc = need_col(err, sh, "Raw", &c_raw)) ||
        (rc = need_col(err, sh, "Term", &c_term)))
        return rc;
    if (!(s->maps = tp_calloc(sh->nrows ? sh->nrows : 1, sizeof *s->maps)))
        return TP_E_NOMEM;
    for (size_t r = 0; r < sh->nrows; r++) {
        const char *id = sheet_get(sh, r, c_map), *raw = sheet_get(sh, r, c_raw);
        long mi = spec_find_map(s, id);
        struct spec_map *m;
        if (!*id)
            return sheet_fail(err, TP_E_SPEC, sh, r, c_map, "empty map name");
        if (mi < 0) {
            m = &s->maps[s->nmaps++];
            m->id = (char *)(uintptr_t)id;
            hmap_init(&m->index);
        } else
            m = &s->maps[mi];
        if (hmap_get(&m->index, raw, strlen(raw), NULL))
            return sheet_fail(err, TP_E_SPEC, sh, r, c_raw, "raw value '%s' mapped twice in '%s'",
                              raw, id);
        if (tp_grow((void **)&m->raw, &m->cap, m->n + 1, sizeof *m->raw))
            return TP_E_NOMEM;
        {
            char **t = tp_reallocarray(m->term, m->cap, sizeof *t);
            long *l;
            if (!t)
                return TP_E_NOMEM;
            m->term = t;
            l = tp_reallocarray(m->line, m->cap, sizeof *l);
            if (!l)
                return TP_E_NOMEM;
            m->line = l;
        }
        if (hmap_put(&m->index, raw, strlen(raw), m->n))
            return TP_E_NOMEM;
        m->raw[m->n] = (char *)(uintptr_t)raw;
        m->term[m->n] = (char *)(uintptr_t)sheet_get(sh, r, c_term);
        m->line[m->n] = sh->line[r];
        m->n++;
    }
    return TP_OK;
}

static int build_conv(struct tp_spec *s, struct tp_error *err)
{
    struct sheet *sh = &s->conv_sh;
    long c_ds, c_test, c_from, c_to, c_f, c_off;
    int rc;
    if (!s->have[SK_CONV])
        return TP_OK;
    if ((rc = need_col(err, sh, "Dataset", &c_ds)) || (rc = need_col(err, sh, "FromUnit", &c_from)) ||
        (rc = need_col(err, sh, "ToUnit", &c_to)) || (rc = need_col(err, sh, "Factor", &c_f)))
        return rc;
    c_test = sheet_col(sh, "TESTCD");
    c_off = sheet_col(sh, "Offset");
    if (!(s->conv = tp_calloc(sh->nrows ? sh->nrows : 1, sizeof *s->conv)))
        return TP_E_NOMEM;
    for (size_t r = 0; r < sh->nrows; r++) {
        struct spec_conv *c = &s->conv[s->nconv++];
        const char *f = sheet_get(sh, r, c_f), *o = sheet_get(sh, r, c_off);
        c->dataset = (char *)(uintptr_t)sheet_get(sh, r, c_ds);
        c->testcd = (char *)(uintptr_t)sheet_get(sh, r, c_test);
        c->from = (char *)(uintptr_t)sheet_get(sh, r, c_from);
        c->to = (char *)(uintptr_t)sheet_get(sh, r, c_to);
        c->line = sh->line[r];
        if (!tp_parse_double(f, strlen(f), &c->factor))
            return sheet_fail(err, TP_E_SPEC, sh, r, c_f, "factor '%s' is not a number", f);
        c->offset = 0;
        if (*o && !tp_parse_double(o, strlen(o), &c->offset))
            return sheet_fail(err, TP_E_SPEC, sh, r, c_off, "offset '%s' is not a number", o);
    }
    return TP_OK;
}

static const struct {
    const char *name;
    enum algo alg;
} algo_names[] = {
    {"assign", ALG_ASSIGN},   {"hardcode", ALG_HARDCODE}, {"codelist", ALG_CODELIST},
    {"isodate", ALG_ISODATE}, {"concat", ALG_CONCAT},     {"filter", ALG_FILTER},
    {"condition", ALG_FILTER}, {"findings", ALG_FINDINGS}, {"derive", ALG_DERIVE},
    {"relrec", ALG_RELREC},   {"upper", ALG_UPPER},       {"first", ALG_FIRST},
};

/* "k=v; k=v" (values may be quoted with ' or "). */
static int parse_params(const char *text, struct kv **out, size_t *n, char *msg, size_t msz)
{
    const char *p = text;
    *out = NULL;
    *n = 0;
    while (*p) {
        const char *k, *v;
        size_t kn, vn;
        char q = 0;
        while (*p == ' ' || *p == ';')
            p++;
        if (!*p)
            break;
        k = p;
        while (*p && *p != '=' && *p != ';')
            p++;
        kn = (size_t)(p - k);
        while (kn && k[kn - 1] == ' ')
            kn--;
        if (*p != '=' || kn == 0) {
            snprintf(msg, msz, "parameter '%.*s' is not key=value", (int)(kn ? kn : 1), k);
            return TP_E_SPEC;
        }
        p++;
        while (*p == ' ')
            p++;
        if (*p == '\'' || *p == '"')
            q = *p++;
        v = p;
        if (q) {
            while (*p && *p != q)
                p++;
            if (!*p) {
                snprintf(msg, msz, "unterminated quote in parameter '%.*s'", (int)kn, k);
                return TP_E_SPEC;
            }
            vn = (size_t)(p - v);
            p++;
        } else {
            while (*p && *p != ';')
                p++;
            vn = (size_t)(p - v);
            while (vn && v[vn - 1] == ' ')
                vn--;
        }
        {
            struct kv *o = tp_reallocarray(*out, *n + 1, sizeof *o);
            if (!o)
                return TP_E_NOMEM;
            *out = o;
            o[*n].key = tp_strndup(k, kn);
            o[*n].val = tp_strndup(v, vn);
            if (!o[*n].key || !o[*n].val) {
                tp_free(o[*n].key);
                tp_free(o[*n].val);
                return TP_E_NOMEM;
            }
            (*n)++;
        }
    }
    return TP_OK;
}

static int parse_sources(struct spec_rule *r, char *msg, size_t msz)
{
    const char *p = r->source;
    if (r->alg == ALG_HARDCODE || r->alg == ALG_FILTER) {
        if (!*p)
            return TP_OK;
        if (!(r->src = tp_calloc(1, sizeof *r->src)))
            return TP_E_NOMEM;
        r->src[0].kind = SRC_LIT;
        if (!(r->src[0].text = tp_strdup(p)))
            return TP_E_NOMEM;
        r->nsrc = 1;
        return TP_OK;
    }
    while (*p) {
        struct src_ref ref;
        const char *s;
        size_t n;
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        memset(&ref, 0, sizeof ref);
        if (*p == '\'' || *p == '"') {
            char q = *p++;
            s = p;
            while (*p && *p != q)
                p++;
            if (!*p) {
                snprintf(msg, msz, "unterminated quote in source");
                return TP_E_SPEC;
            }
            n = (size_t)(p - s);
            p++;
            ref.kind = SRC_LIT;
        } else {
            if (*p == '=') {
                ref.kind = SRC_VAR;
                p++;
            } else
                ref.kind = SRC_COL;
            s = p;
            while (*p && *p != ',')
                p++;
            n = (size_t)(p - s);
            while (n && s[n - 1] == ' ')
                n--;
            if (n == 0) {
                snprintf(msg, msz, "empty name in source");
                return TP_E_SPEC;
            }
        }
        ref.idx = -1;
        if (!(ref.text = tp_strndup(s, n)))
            return TP_E_NOMEM;
        {
            struct src_ref *o = tp_reallocarray(r->src, r->nsrc + 1, sizeof *o);
            if (!o) {
                tp_free(ref.text);
                return TP_E_NOMEM;
            }
            r->src = o;
            r->src[r->nsrc++] = ref;
        }
    }
    return TP_OK;
}

static int build_rules(struct tp_spec *s, struct tp_error *err)
{
    struct sheet *sh = &s->rules_sh;
    long c_ds, c_block, c_form, c_var, c_alg, c_src, c_par, c_cond, c_com;
    int rc;
    char msg[200];
    if (!s->have[SK_RULES])
        return TP_OK;
    if ((rc = need_col(err, sh, "Dataset", &c_ds)) || (rc = need_col(err, sh, "Variable", &c_var)) ||
        (rc = need_col(err, sh, "Algorithm", &c_alg)) || (rc = need_col(err, sh, "Source", &c_src)))
        return rc;
    c_block = sheet_col(sh, "Block");
    c_form = sheet_col(sh, "Form");
    c_par = sheet_col(sh, "Parameters");
    c_cond = sheet_col(sh, "Condition");
    c_com = sheet_col(sh, "Comment");
    if (!(s->rules = tp_calloc(sh->nrows ? sh->nrows : 1, sizeof *s->rules)))
        return TP_E_NOMEM;
    for (size_t r = 0; r < sh->nrows; r++) {
        struct spec_rule *ru = &s->rules[s->nrules++];
        const char *alg = sheet_get(sh, r, c_alg);
        size_t a;
        ru->line = sh->line[r];
        ru->dataset = (char *)(uintptr_t)sheet_get(sh, r, c_ds);
        ru->block = (char *)(uintptr_t)sheet_get(sh, r, c_block);
        ru->form = (char *)(uintptr_t)sheet_get(sh, r, c_form);
        ru->variable = (char *)(uintptr_t)sheet_get(sh, r, c_var);
        ru->algorithm = (char *)(uintptr_t)alg;
        ru->source = (char *)(uintptr_t)sheet_get(sh, r, c_src);
        ru->params = (char *)(uintptr_t)sheet_get(sh, r, c_par);
        ru->condition = (char *)(uintptr_t)sheet_get(sh, r, c_cond);
        ru->comment = (char *)(uintptr_t)sheet_get(sh, r, c_com);
        ru->ds = ru->var = ru->map = ru->from_form = ru->from_ds = ru->from_var = -1;
        ru->block_idx = -1;
        for (a = 0; a < sizeof algo_names / sizeof algo_names[0]; a++)
            if (strcasecmp(alg, algo_names[a].name) == 0)
                break;
        if (a == sizeof algo_names / sizeof algo_names[0])
            return sheet_fail(err, TP_E_SPEC, sh, r, c_alg, "unknown algorithm '%s'", alg);
        ru->alg = algo_names[a].alg;
        if ((rc = parse_params(ru->params, &ru->kv, &ru->nkv, msg, sizeof msg)))
            return rc == TP_E_NOMEM ? rc : sheet_fail(err, rc, sh, r, c_par, "%s", msg);
        if ((rc = parse_sources(ru, msg, sizeof msg)))
            return rc == TP_E_NOMEM ? rc : sheet_fail(err, rc, sh, r, c_src, "%s", msg);
    }
    return TP_OK;
}

void map_prefixed(const struct spec_dataset *d, const char *suffix, char *out, size_t size)
{
    snprintf(out, size, "%s%s", d->domain, suffix);
}

int spec_build(struct tp_spec *s, struct tp_error *err)
{
    int rc;
    if ((rc = build_settings(s, err)) || (rc = build_datasets(s, err)) ||
        (rc = build_variables(s, err)) || (rc = build_codelists(s, err)) ||
        (rc = build_maps(s, err)) || (rc = build_conv(s, err)) || (rc = build_rules(s, err)))
        return rc;
    return TP_OK;
}

int tp_spec_finish(struct tp_spec *s, struct tp_error *err)
{
    int rc;
    if (s->finished)
        return TP_OK;
    if (!s->have[SK_DATASETS] || !s->have[SK_VARIABLES])
        return tp_fail(err, TP_E_SPEC, "spec needs Datasets.csv and Variables.csv");
    if ((rc = spec_build(s, err)) || (rc = spec_check(s, err)))
        return rc;
    s->finished = true;
    return TP_OK;
}

size_t tp_spec_ndatasets(const struct tp_spec *s)
{
    return s->nds;
}

const char *tp_spec_dataset_name(const struct tp_spec *s, size_t i)
{
    return i < s->nds ? s->ds[i].name : NULL;
}
