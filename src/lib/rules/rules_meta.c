/*
 * Dataset metadata against the SDTMIG 3.4 tables (mappings/standards/sdtmig-3.4, IG section 4.1
 * core designations): required/expected/timing variables present, pairs of variables present
 * together, identifiers, IG types, labels and order, variables that must not be used, custom
 * variables carrying the domain prefix, empty datasets, all-null variables, DOMAIN values.
 */
#include "rules.h"

struct mcfg {
    struct rules_list vars, pairs, exclude, all, any, ifds;
    const char *core, *role, *target, *expected;
    long min;
    bool custom_only;
};

static void mcfg_free(void *p)
{
    struct mcfg *c = p;
    if (!c)
        return;
    rules_list_release(&c->vars);
    rules_list_release(&c->pairs);
    rules_list_release(&c->exclude);
    rules_list_release(&c->all);
    rules_list_release(&c->any);
    rules_list_release(&c->ifds);
    tp_free(c);
}

static int mcfg_new(struct rules_rule *r, const char *allowed)
{
    struct mcfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, allowed);
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    if (((t = rules_param(r, "variable")) && rules_list_split(t, ',', &c->vars)) ||
        ((t = rules_param(r, "pairs")) && rules_list_split(t, ',', &c->pairs)) ||
        ((t = rules_param(r, "exclude")) && rules_list_split(t, ',', &c->exclude)) ||
        ((t = rules_param(r, "all")) && rules_list_split(t, ',', &c->all)) ||
        ((t = rules_param(r, "any")) && rules_list_split(t, ',', &c->any)) ||
        ((t = rules_param(r, "if_dataset")) && rules_list_split(t, ',', &c->ifds)))
        return TP_E_NOMEM;
    c->core = rules_param(r, "core");
    c->role = rules_param(r, "role");
    c->target = rules_param(r, "target");
    c->expected = rules_param(r, "expected");
    c->custom_only = rules_param(r, "custom") && strcmp(rules_param(r, "custom"), "only") == 0;
    if ((t = rules_param(r, "min")))
        c->min = strtol(t, NULL, 10);
    if ((t = rules_param(r, "source")) && strcmp(t, "standards") != 0)
        return TP_E_UNSUPPORTED; /* ADaM tables are not wired in yet */
    return TP_OK;
}

static bool m_excluded(const struct mcfg *c, const struct rules_ds *ds)
{
    return rules_list_has(&c->exclude, ds->name, strlen(ds->name), true) ||
           rules_list_has(&c->exclude, ds->domain, strlen(ds->domain), true) ||
           (ds->is_ap && rules_list_has(&c->exclude, "AP--", 4, false));
}

/* ---- var_present ---- */
static int vp_compile(struct rules_rule *r, struct tp_error *err)
{
    int rc;
    (void)err;
    if ((rc = mcfg_new(r, "core,role,min,variable,pairs,exclude,source")))
        return rc;
    return TP_OK;
}

static int vp_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct mcfg *c = r->cfg;
    const struct rules_ds *ds = run->ds;
    const struct tp_dataset *m = run->meta;
    char a[64], b[64];
    (void)st;
    if (!applies || m_excluded(c, ds))
        return RULES_SKIP;
    if (c->core) {
        if (!ds->std)
            return RULES_SKIP;
        for (size_t i = 0; i < ds->std->nvars; i++) {
            const struct rules_stdvar *v = ds->std->vars[i];
            if (strcmp(v->core, c->core) != 0)
                continue;
            if (tp_dataset_find_var(m, v->name) < 0)
                rules_emit_file(run->pkg, r, ds->file, ds, v->name, NULL, NULL);
        }
        return RULES_DONE;
    }
    if (c->role) {
        size_t have = 0;
        const struct rules_stdds *sd = ds->std;
        for (size_t i = 0; i < tp_dataset_nvars(m); i++) {
            const char *name = tp_dataset_var(m, i)->name;
            const struct rules_stdvar *v = sd ? rules_std_var(sd, name) : NULL;
            if (!v)
                v = rules_map_gets(&run->pkg->std->any_var, name);
            if (!v && ds->prefix[0] && strncasecmp(name, ds->prefix, 2) == 0) {
                /* a prefixed variable of another domain: --DTC, --STDTC ... */
                for (size_t k = 0; k < run->pkg->std->nds && !v; k++) {
                    const struct rules_stdds *o = &run->pkg->std->ds[k];
                    char nm[64];
                    snprintf(nm, sizeof nm, "%.2s%s", o->name, name + 2);
                    v = rules_std_var(o, nm);
                }
            }
            if (v && strcasecmp(v->role, c->role) == 0 && strcmp(name, "EPOCH") != 0 &&
                strcmp(name, "VISITNUM") != 0 && strcmp(name, "VISIT") != 0 &&
                strcmp(name, "VISITDY") != 0 && strcmp(name, "TAETORD") != 0)
                have++;
        }
        if ((long)have < (c->min ? c->min : 1))
            rules_emit_file(run->pkg, r, ds->file, ds, NULL, NULL, NULL);
        return RULES_DONE;
    }
    for (size_t i = 0; i < c->vars.n; i++) {
        rules_varname(ds, c->vars.v[i], a, sizeof a);
        if (a[0] != '-' && tp_dataset_find_var(m, a) < 0)
            rules_emit_file(run->pkg, r, ds->file, ds, a, NULL, NULL);
    }
    for (size_t i = 0; i < c->pairs.n; i++) {
        const char *colon = strchr(c->pairs.v[i], ':');
        char left[64];
        if (!colon)
            continue;
        snprintf(left, sizeof left, "%.*s", (int)(colon - c->pairs.v[i]), c->pairs.v[i]);
        rules_varname(ds, left, a, sizeof a);
        rules_varname(ds, colon + 1, b, sizeof b);
        if (a[0] == '-' || b[0] == '-')
            continue;
        if (tp_dataset_find_var(m, a) >= 0 && tp_dataset_find_var(m, b) < 0) {
            /* --DY pairs: only where the IG defines the study-day variable for the domain */
            if (ds->std && !rules_std_var(ds->std, b))
                continue;
            rules_emit_file(run->pkg, r, ds->file, ds, a, NULL,
                            (const char *const[]){"dtc", a, "dy", b, "required", b, NULL});
        }
    }
    return RULES_DONE;
}

static const struct rules_kind kind_var_present = {
    .name = "var_present", .compile = vp_compile, .free_cfg = mcfg_free, .ds_begin = vp_begin};

/* ---- identifiers_present: the IG's identifiers among all=/any= must exist ---- */
static int ip_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return mcfg_new(r, "all,any");
}

static int ip_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct mcfg *c = r->cfg;
    const struct rules_ds *ds = run->ds;
    char missing[200] = "", nm[64];
    size_t any_std = 0, any_have = 0;
    (void)st;
    if (!applies || ds->is_supp)
        return RULES_SKIP;
    for (size_t i = 0; i < c->all.n; i++) {
        rules_varname(ds, c->all.v[i], nm, sizeof nm);
        if (nm[0] == '-')
            continue;
        if (ds->std && !rules_std_var(ds->std, nm))
            continue; /* not an identifier of this dataset in the IG (e.g. --SEQ in DM) */
        if (tp_dataset_find_var(run->meta, nm) < 0) {
            size_t l = strlen(missing);
            snprintf(missing + l, sizeof missing - l, "%s%s", l ? ", " : "", nm);
        }
    }
    for (size_t i = 0; i < c->any.n; i++) {
        if (ds->std && !rules_std_var(ds->std, c->any.v[i]))
            continue;
        any_std++;
        if (tp_dataset_find_var(run->meta, c->any.v[i]) >= 0)
            any_have++;
    }
    if ((any_std || !ds->std) && !any_have) {
        size_t l = strlen(missing);
        snprintf(missing + l, sizeof missing - l, "%sone of %s", l ? ", " : "",
                 rules_param(r, "any"));
    }
    if (missing[0])
        rules_emit_file(run->pkg, r, ds->file, ds, NULL, missing,
                        (const char *const[]){"variables", missing, NULL});
    return RULES_DONE;
}

static const struct rules_kind kind_identifiers_present = {.name = "identifiers_present",
                                                           .compile = ip_compile,
                                                           .free_cfg = mcfg_free,
                                                           .ds_begin = ip_begin};

/* ---- var_type / var_label / var_order ---- */
static int vt_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return mcfg_new(r, "source,target,expected");
}

static int vt_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct rules_ds *ds = run->ds;
    (void)st;
    if (!applies || !ds->std)
        return RULES_SKIP;
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        const struct rules_stdvar *sv = rules_std_var(ds->std, v->name);
        const char *type = v->type == TP_NUM ? "Num" : "Char";
        if (!sv || !sv->type[0] || strcasecmp(sv->type, type) == 0)
            continue;
        rules_emit_file(run->pkg, r, ds->file, ds, v->name, type,
                        (const char *const[]){"type", type, "expected", sv->type, NULL});
    }
    return RULES_DONE;
}

static const struct rules_kind kind_var_type = {
    .name = "var_type", .compile = vt_compile, .free_cfg = mcfg_free, .ds_begin = vt_begin};

static int vl_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct mcfg *c = r->cfg;
    const struct rules_ds *ds = run->ds;
    (void)st;
    if (!applies)
        return RULES_SKIP;
    if (c->target && strcmp(c->target, "dataset") == 0) {
        const char *l = tp_dataset_label(run->meta);
        if (c->expected && strcmp(l ? l : "", c->expected) != 0)
            rules_emit_file(run->pkg, r, ds->file, ds, NULL, l,
                            (const char *const[]){"label", l ? l : "", NULL});
        return RULES_DONE;
    }
    if (!ds->std || ds->is_split)
        return RULES_SKIP;
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        const struct rules_stdvar *sv = rules_std_var(ds->std, v->name);
        if (!sv || !sv->label[0] || strcmp(sv->label, v->label ? v->label : "") == 0)
            continue;
        rules_emit_file(
            run->pkg, r, ds->file, ds, v->name, v->label,
            (const char *const[]){"label", v->label ? v->label : "", "expected", sv->label, NULL});
    }
    return RULES_DONE;
}

static int vl_compile(struct rules_rule *r, struct tp_error *err)
{
    int rc;
    (void)err;
    if ((rc = mcfg_new(r, "source,target,expected")))
        return rc;
    /* the ADSL dataset-label form has no source; the IG form needs the SDTM tables */
    return TP_OK;
}

static const struct rules_kind kind_var_label = {
    .name = "var_label", .compile = vl_compile, .free_cfg = mcfg_free, .ds_begin = vl_begin};

static int vo_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct rules_ds *ds = run->ds;
    int last = 0;
    const char *last_name = NULL;
    (void)st;
    if (!applies || !ds->std)
        return RULES_SKIP;
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const struct tp_var *v = tp_dataset_var(run->meta, i);
        const struct rules_stdvar *sv = rules_std_var(ds->std, v->name);
        if (!sv)
            continue;
        if (sv->order < last) {
            rules_emit_file(run->pkg, r, ds->file, ds, v->name, NULL,
                            (const char *const[]){"after", last_name, NULL});
            continue;
        }
        last = sv->order;
        last_name = v->name;
    }
    return RULES_DONE;
}

static const struct rules_kind kind_var_order = {
    .name = "var_order", .compile = vt_compile, .free_cfg = mcfg_free, .ds_begin = vo_begin};

/* ---- var_prohibited ---- */
static int vx_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return mcfg_new(r, "variable,if_dataset");
}

static int vx_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct mcfg *c = r->cfg;
    const struct rules_ds *ds = run->ds;
    (void)st;
    if (!applies)
        return RULES_SKIP;
    if (c->ifds.n) {
        bool found = false;
        for (size_t i = 0; i < run->pkg->nds && !found; i++)
            found = rules_list_has(&c->ifds, run->pkg->ds[i]->name, strlen(run->pkg->ds[i]->name),
                                   true);
        if (!found)
            return RULES_DONE;
    }
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const char *name = tp_dataset_var(run->meta, i)->name;
        for (size_t k = 0; k < c->vars.n; k++)
            if (rules_name_match(ds, c->vars.v[k], name)) {
                rules_emit_file(run->pkg, r, ds->file, ds, name, NULL, NULL);
                break;
            }
    }
    return RULES_DONE;
}

static const struct rules_kind kind_var_prohibited = {
    .name = "var_prohibited", .compile = vx_compile, .free_cfg = mcfg_free, .ds_begin = vx_begin};

/* ---- var_prefix: variables of a custom domain start with its code ---- */
static int vf_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return mcfg_new(r, "custom,exclude");
}

static int vf_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct mcfg *c = r->cfg;
    const struct rules_ds *ds = run->ds;
    (void)st;
    if (!applies || (c->custom_only && !ds->is_custom) || !ds->prefix[0])
        return RULES_SKIP;
    for (size_t i = 0; i < tp_dataset_nvars(run->meta); i++) {
        const char *name = tp_dataset_var(run->meta, i)->name;
        if (strncasecmp(name, ds->prefix, 2) == 0 ||
            rules_list_has(&c->exclude, name, strlen(name), true))
            continue;
        rules_emit_file(run->pkg, r, ds->file, ds, name, NULL, NULL);
    }
    return RULES_DONE;
}

static const struct rules_kind kind_var_prefix = {
    .name = "var_prefix", .compile = vf_compile, .free_cfg = mcfg_free, .ds_begin = vf_begin};

/* ---- records_present: counted while streaming, checked at the end ---- */
static int rp_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return mcfg_new(r, "min");
}

static int rp_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    (void)r;
    if (!applies)
        return RULES_SKIP;
    *st = run->ds;
    return TP_OK;
}

static int rp_end(struct rules_rule *r, struct rules_run *run, void *state)
{
    const struct mcfg *c = r->cfg;
    const struct rules_ds *ds = state;
    if (run->pass == 1 && !ds->read_failed && ds->nrows < (c->min ? c->min : 1))
        rules_emit_file(run->pkg, r, ds->file, ds, NULL, NULL, NULL);
    return TP_OK;
}

static const struct rules_kind kind_records_present = {.name = "records_present",
                                                       .compile = rp_compile,
                                                       .free_cfg = mcfg_free,
                                                       .ds_begin = rp_begin,
                                                       .ds_end = rp_end};

/* ---- all_null: a variable of the given core is null in every record ---- */
struct an_state {
    long *cols;
    bool *seen;
    size_t n;
};

static void an_free(void *p)
{
    struct an_state *s = p;
    if (!s)
        return;
    tp_free(s->cols);
    tp_free(s->seen);
    tp_free(s);
}

static int an_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return mcfg_new(r, "core");
}

static int an_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct mcfg *c = r->cfg;
    const struct rules_ds *ds = run->ds;
    struct an_state *s;
    size_t nv = tp_dataset_nvars(run->meta);
    if (!applies || !ds->std)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)) || !(s->cols = tp_calloc(nv + 1, sizeof *s->cols)) ||
        !(s->seen = tp_calloc(nv + 1, sizeof *s->seen))) {
        an_free(s);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < nv; i++) {
        const struct rules_stdvar *sv = rules_std_var(ds->std, tp_dataset_var(run->meta, i)->name);
        if (sv && strcmp(sv->core, c->core) == 0)
            s->cols[s->n++] = (long)i;
    }
    if (!s->n) {
        an_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int an_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    struct an_state *s = state;
    size_t n = tp_dataset_nrows(b);
    (void)r, (void)run;
    for (size_t k = 0; k < s->n; k++) {
        if (s->seen[k])
            continue;
        for (size_t i = 0; i < n; i++)
            if (!rules_cell_null(b, i, s->cols[k])) {
                s->seen[k] = true;
                break;
            }
    }
    return TP_OK;
}

static int an_end(struct rules_rule *r, struct rules_run *run, void *state)
{
    struct an_state *s = state;
    if (run->ds->nrows <= 0 || run->ds->read_failed)
        return TP_OK; /* an empty dataset is records_present's finding */
    for (size_t k = 0; k < s->n; k++)
        if (!s->seen[k])
            rules_emit_file(run->pkg, r, run->ds->file, run->ds,
                            tp_dataset_var(run->meta, (size_t)s->cols[k])->name, NULL, NULL);
    return TP_OK;
}

static const struct rules_kind kind_all_null = {.name = "all_null",
                                                .compile = an_compile,
                                                .free_cfg = mcfg_free,
                                                .ds_begin = an_begin,
                                                .ds_rows = an_rows,
                                                .ds_end = an_end,
                                                .state_free = an_free};

/* ---- domain_value: DOMAIN equals the dataset's domain code (each wrong value once) ---- */
struct dv_state {
    long col;
    struct rules_map seen;
};

static void dv_free(void *p)
{
    struct dv_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->seen, NULL);
    tp_free(s);
}

static int dv_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return mcfg_new(r, "variable");
}

static int dv_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct mcfg *c = r->cfg;
    struct dv_state *s;
    long col;
    if (!applies || run->ds->is_supp || run->ds->is_adam)
        return RULES_SKIP;
    col = tp_dataset_find_var(run->meta, c->vars.n ? c->vars.v[0] : "DOMAIN");
    if (col < 0)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->col = col;
    rules_map_init(&s->seen);
    *st = s;
    return TP_OK;
}

static int dv_rows(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b)
{
    struct dv_state *s = state;
    const char *want = run->ds->is_ap ? run->ds->domain : run->ds->domain;
    size_t wl = strlen(want), n = tp_dataset_nrows(b);
    for (size_t i = 0; i < n; i++) {
        char buf[48];
        size_t len;
        const char *v = rules_cell(b, i, s->col, buf, sizeof buf, &len);
        bool created;
        if (len == wl && strncasecmp(v, want, wl) == 0 && memcmp(v, want, wl) == 0)
            continue;
        if (run->ds->is_ap && len == 2 + wl && strncmp(v, "AP", 2) == 0)
            continue;
        if (!rules_map_slot(&s->seen, v, len, &created))
            return TP_E_NOMEM;
        if (created) {
            char val[64];
            snprintf(val, sizeof val, "%.*s", (int)(len < 63 ? len : 63), v);
            rules_emit_row(run, r, b, i, "DOMAIN", val, NULL);
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_domain_value = {.name = "domain_value",
                                                    .compile = dv_compile,
                                                    .free_cfg = mcfg_free,
                                                    .ds_begin = dv_begin,
                                                    .ds_rows = dv_rows,
                                                    .state_free = dv_free};

const struct rules_kind *const rules_kinds_meta[] = {
    &kind_var_present,
    &kind_identifiers_present,
    &kind_var_type,
    &kind_var_label,
    &kind_var_order,
    &kind_var_prohibited,
    &kind_var_prefix,
    &kind_records_present,
    &kind_all_null,
    &kind_domain_value,
    NULL,
};
