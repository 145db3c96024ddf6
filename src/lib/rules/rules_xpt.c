/*
 * Transport-file structure (catalogue scope "xpt"; FDA TCG section 3.3 as summarised in
 * docs/standards.md 5.1): XPORT version 5, one member per file, file named after its member,
 * dataset and variable names (length in bytes, characters), label lengths and balance, 200-byte
 * character values, 8-byte numerics, lengths fitted to the data, split parts with equal lengths,
 * the 5 GB size limit (with split advice), and ASCII-only names, labels and values.
 * These rules run only on .xpt files (the engine checks the file kind for scope "xpt").
 */
#include "rules.h"

#include <ctype.h>

/* ---- cfg shared by the kinds of this file ---- */
struct xcfg {
    long max, length, warn_at, version, members;
    long long max_bytes;
    bool have_re;
    regex_t re;
    bool t_dataset, t_variable, t_names, t_labels, t_values;
    struct rules_list vars;
    int lo, hi; /* allowed byte range for values */
    bool split, supp;
};

static void xcfg_free(void *p)
{
    struct xcfg *c = p;
    if (!c)
        return;
    if (c->have_re)
        regfree(&c->re);
    rules_list_release(&c->vars);
    tp_free(c);
}

static int xcfg_new(struct rules_rule *r, const char *allowed, struct xcfg **out)
{
    struct xcfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, allowed);
    if (rc)
        return rc;
    c = tp_calloc(1, sizeof *c);
    if (!c)
        return TP_E_NOMEM;
    r->cfg = c;
    *out = c;
    c->lo = 0;
    c->hi = 127;
    if ((t = rules_param(r, "max")))
        c->max = strtol(t, NULL, 10);
    if ((t = rules_param(r, "length")))
        c->length = strtol(t, NULL, 10);
    if ((t = rules_param(r, "warn_at")))
        c->warn_at = strtol(t, NULL, 10);
    if ((t = rules_param(r, "version")))
        c->version = strtol(t, NULL, 10);
    if ((t = rules_param(r, "members")))
        c->members = strtol(t, NULL, 10);
    if ((t = rules_param(r, "max_bytes")))
        c->max_bytes = strtoll(t, NULL, 10);
    if ((t = rules_param(r, "pattern"))) {
        if (regcomp(&c->re, t, REG_EXTENDED | REG_NOSUB) != 0)
            return TP_E_UNSUPPORTED;
        c->have_re = true;
    }
    if ((t = rules_param(r, "target"))) {
        c->t_dataset = strstr(t, "dataset") != NULL;
        c->t_variable = strstr(t, "variable") != NULL;
        c->t_names = strstr(t, "names") != NULL;
        c->t_labels = strstr(t, "labels") != NULL;
        c->t_values = strstr(t, "values") != NULL;
    }
    if ((t = rules_param(r, "variable")) && rules_list_split(t, ',', &c->vars))
        return TP_E_NOMEM;
    if ((t = rules_param(r, "range"))) {
        char *e;
        c->lo = (int)strtol(t, &e, 10);
        if (*e != '-')
            return TP_E_UNSUPPORTED;
        c->hi = (int)strtol(e + 1, NULL, 10);
    }
    c->split = rules_param_yes(r, "split");
    c->supp = rules_param(r, "prefix") != NULL;
    return TP_OK;
}

static bool x_is_xpt(const struct rules_ds *ds)
{
    return strcmp(ds->file->kind, "xpt") == 0;
}

/* ---- xpt_version ---- */
static int xv_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "version", &c);
}

static int xv_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    char got[16];
    (void)st;
    if (!applies)
        return RULES_SKIP;
    if (run->ds->file->xpt_version != c->version) {
        const char *kv[] = {"version", got, NULL};
        snprintf(got, sizeof got, "%d", run->ds->file->xpt_version);
        rules_emit_file(run->pkg, r, run->ds->file, run->ds, NULL, got, kv);
    }
    return RULES_DONE;
}

static const struct rules_kind kind_xpt_version = {
    .name = "xpt_version", .compile = xv_compile, .free_cfg = xcfg_free, .ds_begin = xv_begin};

/* ---- xpt_single_member: counted while the file is read; checked at the end ---- */
static int xm_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "members", &c);
}

static int xm_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    (void)r, (void)run, (void)st;
    return applies ? RULES_DONE : RULES_SKIP;
}

static int xm_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct xcfg *c = r->cfg;
    for (size_t i = 0; i < p->nds; i++) {
        const struct rules_ds *ds = p->ds[i];
        char n[24];
        if (!x_is_xpt(ds) || !rules_domain_match(r, ds) || (long)ds->file->members <= c->members)
            continue;
        snprintf(n, sizeof n, "%zu", ds->file->members);
        {
            const char *kv[] = {"count", n, NULL};
            rules_emit_file(p, r, ds->file, ds, NULL, n, kv);
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_xpt_single_member = {.name = "xpt_single_member",
                                                         .compile = xm_compile,
                                                         .free_cfg = xcfg_free,
                                                         .ds_begin = xm_begin,
                                                         .pkg_end = xm_end};

/* ---- file_name ---- */
static int fn_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    if (rules_keys_allowed(r, "case,ext"))
        return TP_E_UNSUPPORTED;
    if (!rules_param(r, "ext") ||
        strcmp(rules_param(r, "case") ? rules_param(r, "case") : "lower", "lower") != 0)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int fn_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const char *ext = rules_param(r, "ext");
    const char *path = run->ds->file->path;
    const char *base = strrchr(path, '/');
    const char *member = tp_dataset_name(run->meta);
    char want[64];
    size_t i;
    (void)st;
    if (!applies)
        return RULES_SKIP;
    base = base ? base + 1 : path;
    if (!member || !member[0])
        return RULES_DONE;
    for (i = 0; member[i] && i + 1 < sizeof want; i++)
        want[i] = (char)tolower((unsigned char)member[i]);
    want[i] = '\0';
    snprintf(want + i, sizeof want - i, "%s", ext);
    if (strcmp(base, want) != 0) {
        const char *kv[] = {"expected", want, "dataset", member, NULL};
        rules_emit_file(run->pkg, r, run->ds->file, run->ds, NULL, base, kv);
    }
    return RULES_DONE;
}

static const struct rules_kind kind_file_name = {
    .name = "file_name", .compile = fn_compile, .ds_begin = fn_begin};

/* ---- dataset_name (per dataset; unique=package is in rules_package.c) ---- */
static int dn_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    if (rules_param(r, "unique") && strcmp(rules_param(r, "unique"), "package") != 0)
        return TP_E_UNSUPPORTED;
    return xcfg_new(r, "max,pattern,prefix,split,unique", &c);
}

static int dn_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    const char *raw = tp_dataset_name(run->meta);
    const char *name = raw && raw[0] ? raw : run->ds->name;
    bool bad = false;
    (void)st;
    if (!applies || rules_param(r, "unique"))
        return RULES_SKIP;
    if (c->split && !run->ds->is_split)
        return RULES_SKIP;
    if (c->max && strlen(name) > (size_t)c->max)
        bad = true;
    if (c->have_re && regexec(&c->re, name, 0, NULL, 0) != 0)
        bad = true;
    if (bad)
        rules_emit_file(run->pkg, r, run->ds->file, run->ds, NULL, name,
                        (const char *const[]){"dataset", name, NULL});
    return RULES_DONE;
}

/* unique=package: one dataset name, one file */
static int dn_end(struct rules_rule *r, struct rules_pkg *p)
{
    if (!rules_param(r, "unique"))
        return TP_OK;
    for (size_t i = 0; i < p->nds; i++) {
        char files[600];
        size_t n = 0;
        if (i > 0 && strcmp(p->ds[i - 1]->name, p->ds[i]->name) == 0)
            continue; /* reported with the first of the run (datasets are sorted by name) */
        files[0] = '\0';
        for (size_t j = i; j < p->nds && strcmp(p->ds[j]->name, p->ds[i]->name) == 0; j++) {
            size_t len = strlen(files);
            snprintf(files + len, sizeof files - len, "%s%s", n ? ", " : "", p->ds[j]->file->path);
            n++;
        }
        r->status = TP_RULE_RAN;
        if (n > 1)
            rules_emit_file(p, r, p->ds[i]->file, p->ds[i], NULL, p->ds[i]->name,
                            (const char *const[]){"files", files, NULL});
    }
    return TP_OK;
}

static const struct rules_kind kind_dataset_name = {.name = "dataset_name",
                                                    .compile = dn_compile,
                                                    .free_cfg = xcfg_free,
                                                    .ds_begin = dn_begin,
                                                    .pkg_end = dn_end};

/* ---- var_name_length / var_name_chars ---- */
static int vn_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "max,pattern", &c);
}

static int vn_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    (void)st;
    if (!applies)
        return RULES_SKIP;
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const char *n = tp_dataset_var(run->meta, i)->name;
        bool bad = (c->max && strlen(n) > (size_t)c->max) ||
                   (c->have_re && regexec(&c->re, n, 0, NULL, 0) != 0);
        if (bad)
            rules_emit_file(run->pkg, r, run->ds->file, run->ds, n, n, NULL);
    }
    return RULES_DONE;
}

static const struct rules_kind kind_var_name_length = {
    .name = "var_name_length", .compile = vn_compile, .free_cfg = xcfg_free, .ds_begin = vn_begin};
static const struct rules_kind kind_var_name_chars = {
    .name = "var_name_chars", .compile = vn_compile, .free_cfg = xcfg_free, .ds_begin = vn_begin};

/* ---- label_length / label_balanced ---- */
static int ll_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "target,max", &c);
}

static int ll_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    char len[24];
    (void)st;
    if (!applies)
        return RULES_SKIP;
    if (c->t_dataset) {
        const char *l = tp_dataset_label(run->meta);
        if (l && strlen(l) > (size_t)c->max) {
            snprintf(len, sizeof len, "%zu", strlen(l));
            rules_emit_file(run->pkg, r, run->ds->file, run->ds, NULL, l,
                            (const char *const[]){"length", len, "label", l, NULL});
        }
    }
    if (c->t_variable)
        for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
            const struct tp_var *v = tp_dataset_var(run->meta, i);
            if (v->label && strlen(v->label) > (size_t)c->max) {
                snprintf(len, sizeof len, "%zu", strlen(v->label));
                rules_emit_file(run->pkg, r, run->ds->file, run->ds, v->name, v->label,
                                (const char *const[]){"length", len, "label", v->label, NULL});
            }
        }
    return RULES_DONE;
}

static const struct rules_kind kind_label_length = {
    .name = "label_length", .compile = ll_compile, .free_cfg = xcfg_free, .ds_begin = ll_begin};

/* Quotes: an apostrophe between two letters (O'Brien) is a letter, not a quote. */
static bool x_balanced(const char *s)
{
    int paren = 0, brack = 0, brace = 0, dq = 0, sq = 0;
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        switch (ch) {
        case '(': paren++; break;
        case ')':
            if (--paren < 0)
                return false;
            break;
        case '[': brack++; break;
        case ']':
            if (--brack < 0)
                return false;
            break;
        case '{': brace++; break;
        case '}':
            if (--brace < 0)
                return false;
            break;
        case '"': dq ^= 1; break;
        case '\'': sq ^= 1; break;
        default: break;
        }
    }
    return !paren && !brack && !brace && !dq && !sq;
}

static int lb_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "target", &c);
}

static int lb_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    (void)st;
    if (!applies)
        return RULES_SKIP;
    if (c->t_dataset) {
        const char *l = tp_dataset_label(run->meta);
        if (l && !x_balanced(l))
            rules_emit_file(run->pkg, r, run->ds->file, run->ds, NULL, l,
                            (const char *const[]){"label", l, NULL});
    }
    if (c->t_variable)
        for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
            const struct tp_var *v = tp_dataset_var(run->meta, i);
            if (v->label && !x_balanced(v->label))
                rules_emit_file(run->pkg, r, run->ds->file, run->ds, v->name, v->label,
                                (const char *const[]){"label", v->label, NULL});
        }
    return RULES_DONE;
}

static const struct rules_kind kind_label_balanced = {
    .name = "label_balanced", .compile = lb_compile, .free_cfg = xcfg_free, .ds_begin = lb_begin};

/* ---- numeric_length ---- */
static int nl_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "length", &c);
}

static int nl_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    (void)st;
    if (!applies)
        return RULES_SKIP;
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        char len[24];
        if (v->type != TP_NUM || (long)v->length == c->length)
            continue;
        snprintf(len, sizeof len, "%zu", v->length);
        rules_emit_file(run->pkg, r, run->ds->file, run->ds, v->name, len,
                        (const char *const[]){"length", len, NULL});
    }
    return RULES_DONE;
}

static const struct rules_kind kind_numeric_length = {
    .name = "numeric_length", .compile = nl_compile, .free_cfg = xcfg_free, .ds_begin = nl_begin};

/* ---- file_size ---- */
static int fs_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "max_bytes", &c);
}

static int fs_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    const struct rules_file *f = run->ds->file;
    long long max = run->pkg->max_file_size > 0 ? run->pkg->max_file_size : c->max_bytes;
    (void)st;
    if (!applies)
        return RULES_SKIP;
    if (f->size > max) {
        char size[32], parts[32], advice[200];
        snprintf(size, sizeof size, "%lld", f->size);
        snprintf(parts, sizeof parts, "%lld", (f->size + max - 1) / max);
        snprintf(advice, sizeof advice,
                 "%s (split into at least %s parts by --CAT, lengths cut to the data first)", size,
                 parts);
        rules_emit_file(run->pkg, r, f, run->ds, NULL, size,
                        (const char *const[]){"size", advice, NULL});
    }
    return RULES_DONE;
}

static const struct rules_kind kind_file_size = {
    .name = "file_size", .compile = fs_compile, .free_cfg = xcfg_free, .ds_begin = fs_begin};

/* ---- ascii_only ---- */
struct ascii_state {
    long *cols;
    size_t ncols;
};

static void ascii_state_free(void *p)
{
    struct ascii_state *s = p;
    if (s)
        tp_free(s->cols);
    tp_free(s);
}

static int ao_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "target,variable,range", &c);
}

static bool x_text_ok(const char *s, size_t n, int lo, int hi)
{
    size_t i = 0;
    if (lo >= 1 && lo <= 128 && hi >= 0 && hi <= 127) {
        /* eight bytes at a time: any byte below lo or above hi (exact SWAR tests) */
        const uint64_t ones = ~(uint64_t)0 / 255, high = ones * 128;
        for (; i + 8 <= n; i += 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (((w - ones * (uint64_t)lo) & ~w & high) ||
                (((w + ones * (uint64_t)(127 - hi)) | w) & high))
                break;
        }
    }
    for (; i < n; i++) {
        int ch = (unsigned char)s[i];
        if (ch < lo || ch > hi)
            return false;
    }
    return true;
}

static int ao_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    struct ascii_state *s;
    if (!applies)
        return RULES_SKIP;
    if (c->t_names || c->t_labels) {
        const char *dn = tp_dataset_name(run->meta), *dl = tp_dataset_label(run->meta);
        if (c->t_names && dn && !tp_is_ascii((const unsigned char *)dn, strlen(dn)))
            rules_emit_file(run->pkg, r, run->ds->file, run->ds, NULL, dn,
                            (const char *const[]){"text", dn, NULL});
        if (c->t_labels && dl && !tp_is_ascii((const unsigned char *)dl, strlen(dl)))
            rules_emit_file(run->pkg, r, run->ds->file, run->ds, NULL, dl,
                            (const char *const[]){"text", dl, NULL});
        for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
            const struct tp_var *v = tp_dataset_var(run->meta, i);
            if (c->t_names && !tp_is_ascii((const unsigned char *)v->name, strlen(v->name)))
                rules_emit_file(run->pkg, r, run->ds->file, run->ds, v->name, v->name,
                                (const char *const[]){"text", v->name, NULL});
            if (c->t_labels && v->label &&
                !tp_is_ascii((const unsigned char *)v->label, strlen(v->label)))
                rules_emit_file(run->pkg, r, run->ds->file, run->ds, v->name, v->label,
                                (const char *const[]){"text", v->label, NULL});
        }
        if (!c->t_values)
            return RULES_DONE;
    }
    s = tp_calloc(1, sizeof *s);
    if (!s || !(s->cols = tp_calloc(tp_dataset_nvars(run->meta) + 1, sizeof *s->cols))) {
        tp_free(s);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        bool want = c->vars.n == 0;
        if (v->type != TP_CHAR)
            continue;
        for (size_t k = 0; k < c->vars.n && !want; k++)
            want = rules_name_match(run->ds, c->vars.v[k], v->name);
        if (want)
            s->cols[s->ncols++] = (long)i;
    }
    *st = s;
    return TP_OK;
}

static int ao_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    const struct xcfg *c = r->cfg;
    const struct ascii_state *s = state;
    size_t n = tp_dataset_nrows(b);
    for (size_t k = 0; k < s->ncols; k++) {
        long col = s->cols[k];
        const char *name = tp_dataset_var(b, (size_t)col)->name;
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *v = tp_dataset_str(b, i, (size_t)col, &len);
            if (!x_text_ok(v, len, c->lo, c->hi)) {
                char val[256];
                snprintf(val, sizeof val, "%.*s", (int)(len < 255 ? len : 255), v);
                rules_emit_row(run, r, b, i, name, val, NULL);
            }
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_ascii_only = {.name = "ascii_only",
                                                  .compile = ao_compile,
                                                  .free_cfg = xcfg_free,
                                                  .ds_begin = ao_begin,
                                                  .ds_rows = ao_rows,
                                                  .state_free = ascii_state_free};

/* ---- char_length: values over max bytes (or exactly warn_at: likely truncated) ---- */
static int cl_compile(struct rules_rule *r, struct tp_error *err)
{
    struct xcfg *c;
    (void)err;
    return xcfg_new(r, "max,variable,warn_at", &c);
}

static int cl_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    const struct xcfg *c = r->cfg;
    const struct ascii_state *s = state;
    size_t n = tp_dataset_nrows(b);
    for (size_t k = 0; k < s->ncols; k++) {
        long col = s->cols[k];
        const char *name = tp_dataset_var(b, (size_t)col)->name;
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *v = tp_dataset_str(b, i, (size_t)col, &len);
            while (len && v[len - 1] == ' ')
                len--;
            if ((c->max && (long)len > c->max) || (c->warn_at && (long)len == c->warn_at)) {
                char val[64], l[24];
                snprintf(val, sizeof val, "%.40s...", v);
                snprintf(l, sizeof l, "%zu", len);
                rules_emit_row(run, r, b, i, name, val, (const char *const[]){"length", l, NULL});
            }
        }
    }
    return TP_OK;
}

static int cl_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct xcfg *c = r->cfg;
    struct ascii_state *s;
    if (!applies)
        return RULES_SKIP;
    s = tp_calloc(1, sizeof *s);
    if (!s || !(s->cols = tp_calloc(tp_dataset_nvars(run->meta) + 1, sizeof *s->cols))) {
        tp_free(s);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        bool want = c->vars.n == 0;
        if (v->type != TP_CHAR)
            continue;
        for (size_t k = 0; k < c->vars.n && !want; k++)
            want = rules_name_match(run->ds, c->vars.v[k], v->name);
        /* a declared length at or under the limit cannot hold a longer value */
        if (want && c->max && v->length && (long)v->length <= c->max)
            want = false;
        if (want)
            s->cols[s->ncols++] = (long)i;
    }
    if (!s->ncols) {
        ascii_state_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static const struct rules_kind kind_char_length = {.name = "char_length",
                                                   .compile = cl_compile,
                                                   .free_cfg = xcfg_free,
                                                   .ds_begin = cl_begin,
                                                   .ds_rows = cl_rows,
                                                   .state_free = ascii_state_free};

/* ---- length_fits_data: declared length vs the longest value (study-wide, SUPP per dataset) ----
 */
struct lf_ds {
    const struct rules_ds *ds;
    size_t *maxlen; /* per variable */
    size_t nvars;
};
struct lf_pstate {
    struct lf_ds *d;
    size_t n, cap;
};

static void lf_pfree(void *p)
{
    struct lf_pstate *ps = p;
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++)
        tp_free(ps->d[i].maxlen);
    tp_free(ps->d);
    tp_free(ps);
}

static int lf_compile(struct rules_rule *r, struct tp_error *err)
{
    const char *s = rules_param(r, "scope"), *ss = rules_param(r, "supp_scope");
    (void)err;
    if (rules_keys_allowed(r, "scope,supp_scope"))
        return TP_E_UNSUPPORTED;
    if ((s && strcmp(s, "study") != 0 && strcmp(s, "dataset") != 0) ||
        (ss && strcmp(ss, "dataset") != 0 && strcmp(ss, "study") != 0))
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int lf_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    struct lf_pstate *ps = r->pstate;
    struct lf_ds *d;
    if (!applies)
        return RULES_SKIP;
    if (!ps) {
        if (!(ps = tp_calloc(1, sizeof *ps)))
            return TP_E_NOMEM;
        r->pstate = ps;
    }
    if (tp_grow((void **)&ps->d, &ps->cap, ps->n + 1, sizeof *ps->d))
        return TP_E_NOMEM;
    d = &ps->d[ps->n++];
    d->ds = run->ds;
    d->nvars = tp_dataset_nvars(run->meta);
    if (!(d->maxlen = tp_calloc(d->nvars + 1, sizeof *d->maxlen)))
        return TP_E_NOMEM;
    *st = d;
    return TP_OK;
}

static int lf_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    struct lf_ds *d = state;
    size_t n = tp_dataset_nrows(b);
    (void)r, (void)run;
    for (size_t k = 0; k < d->nvars; k++) {
        size_t m = d->maxlen[k];
        if (tp_dataset_var(b, k)->type != TP_CHAR)
            continue;
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *v = tp_dataset_str(b, i, k, &len);
            while (len > m && v[len - 1] == ' ')
                len--;
            if (len > m)
                m = len;
        }
        d->maxlen[k] = m;
    }
    return TP_OK;
}

static int lf_end(struct rules_rule *r, struct rules_pkg *p)
{
    struct lf_pstate *ps = r->pstate;
    const char *scope = rules_param(r, "scope"), *sscope = rules_param(r, "supp_scope");
    struct rules_map study;
    int rc = TP_OK;
    if (!ps)
        return TP_OK;
    rules_map_init(&study);
    /* study-wide maximum per variable name (SUPP-- datasets apart) */
    for (size_t i = 0; i < ps->n; i++) {
        const struct lf_ds *d = &ps->d[i];
        if (d->ds->is_supp || d->ds->read_failed)
            continue;
        for (size_t k = 0; k < d->nvars; k++) {
            const struct tp_var *v = tp_dataset_var(d->ds->meta, k);
            void **slot;
            if (v->type != TP_CHAR)
                continue;
            if (!(slot = rules_map_slot(&study, v->name, strlen(v->name), NULL))) {
                rc = TP_E_NOMEM;
                goto out;
            }
            if ((size_t)(uintptr_t)*slot < d->maxlen[k])
                *slot = (void *)(uintptr_t)d->maxlen[k];
        }
    }
    for (size_t i = 0; i < ps->n; i++) {
        const struct lf_ds *d = &ps->d[i];
        bool per_ds = d->ds->is_supp ? !(sscope && strcmp(sscope, "study") == 0)
                                     : (scope && strcmp(scope, "dataset") == 0);
        if (d->ds->read_failed)
            continue;
        for (size_t k = 0; k < d->nvars; k++) {
            const struct tp_var *v = tp_dataset_var(d->ds->meta, k);
            size_t mx = per_ds ? d->maxlen[k] : (size_t)(uintptr_t)rules_map_gets(&study, v->name);
            char l[24], m[24];
            if (v->type != TP_CHAR || !v->length || v->length <= (mx ? mx : 1))
                continue;
            snprintf(l, sizeof l, "%zu", v->length);
            snprintf(m, sizeof m, "%zu", mx);
            rules_emit_file(p, r, d->ds->file, d->ds, v->name, l,
                            (const char *const[]){"length", l, "max", m, NULL});
        }
    }
out:
    rules_map_release(&study, NULL);
    return rc;
}

static const struct rules_kind kind_length_fits_data = {.name = "length_fits_data",
                                                        .compile = lf_compile,
                                                        .ds_begin = lf_begin,
                                                        .ds_rows = lf_rows,
                                                        .pkg_end = lf_end,
                                                        .pstate_free = lf_pfree};

/* ---- split_length_consistent: split parts (QS36, QSCG) give a variable one length ---- */
static int sl_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    (void)r, (void)st;
    return applies && run->ds->is_split ? RULES_DONE : RULES_SKIP;
}

static int sl_end(struct rules_rule *r, struct rules_pkg *p)
{
    for (size_t i = 0; i < p->nds; i++) {
        const struct rules_ds *a = p->ds[i];
        if (!a->is_split || !x_is_xpt(a))
            continue;
        for (size_t k = 0; k < tp_dataset_nvars(a->meta); k++) {
            const struct tp_var *va = tp_dataset_var(a->meta, k);
            for (size_t j = i + 1; j < p->nds; j++) {
                const struct rules_ds *b = p->ds[j];
                long kb;
                char names[80];
                if (!b->is_split || strcmp(a->domain, b->domain) != 0 || !x_is_xpt(b))
                    continue;
                kb = tp_dataset_find_var(b->meta, va->name);
                if (kb < 0 || tp_dataset_var(b->meta, (size_t)kb)->length == va->length)
                    continue;
                snprintf(names, sizeof names, "%s and %s", a->name, b->name);
                rules_emit_file(p, r, b->file, b, va->name, NULL,
                                (const char *const[]){"datasets", names, NULL});
            }
        }
    }
    return TP_OK;
}

static int sl_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return rules_keys_allowed(r, "");
}

static const struct rules_kind kind_split_length_consistent = {.name = "split_length_consistent",
                                                               .compile = sl_compile,
                                                               .ds_begin = sl_begin,
                                                               .pkg_end = sl_end};

const struct rules_kind *const rules_kinds_xpt[] = {
    &kind_xpt_version,
    &kind_xpt_single_member,
    &kind_file_name,
    &kind_dataset_name,
    &kind_var_name_length,
    &kind_var_name_chars,
    &kind_label_length,
    &kind_label_balanced,
    &kind_numeric_length,
    &kind_file_size,
    &kind_ascii_only,
    &kind_char_length,
    &kind_length_fits_data,
    &kind_split_length_consistent,
    NULL,
};
