/*
 * Define-XML checks (Define-XML 2.0/2.1 specification; docs/standards.md section 2): define.xml
 * alone (namespaces, DefineVersion, OIDs unique and resolving, leaves and the stylesheet present,
 * codelists used and without repeated terms, KeySequence and OrderNumber, required attributes,
 * where clauses) and against the datasets (every dataset and variable described, every described
 * variable present, types, lengths, labels, order, values in the bound codelist).
 * Schema validity and well-formedness are reported by the engine under xsd_valid /
 * xml_wellformed (rule ids of this catalogue) while it runs libxml2's validator.
 */
#include "rules.h"

#include <sys/stat.h>

struct fcfg {
    struct rules_list list, absent_values;
    const char *target, *check, *element, *attr, *child, *variable, *ref, *tgt, *types, *scope,
        *pattern_text, *absent_key;
    struct rules_list if_values, any_attr;
    const char *if_key;
    bool have_re;
    regex_t re;
};

static void fcfg_free(void *p)
{
    struct fcfg *c = p;
    if (!c)
        return;
    rules_list_release(&c->list);
    rules_list_release(&c->absent_values);
    rules_list_release(&c->if_values);
    rules_list_release(&c->any_attr);
    if (c->have_re)
        regfree(&c->re);
    tp_free(c);
}

static int fcfg_new(struct rules_rule *r, const char *allowed)
{
    struct fcfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, allowed);
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    c->target = rules_param(r, "target");
    c->check = rules_param(r, "check");
    c->element = rules_param(r, "element");
    c->attr = rules_param(r, "attr");
    c->child = rules_param(r, "child");
    c->variable = rules_param(r, "variable");
    c->ref = rules_param(r, "ref");
    c->tgt = rules_param(r, "target");
    c->types = rules_param(r, "types");
    c->scope = rules_param(r, "scope");
    if ((t = rules_param(r, "elements")) && rules_list_split(t, ',', &c->list))
        return TP_E_NOMEM;
    if ((t = rules_param(r, "ns")) && rules_list_split(t, ',', &c->list))
        return TP_E_NOMEM;
    if ((t = rules_param(r, "any_attr")) && rules_list_split(t, ',', &c->any_attr))
        return TP_E_NOMEM;
    if ((t = rules_param(r, "pattern"))) {
        if (regcomp(&c->re, t, REG_EXTENDED | REG_NOSUB))
            return TP_E_UNSUPPORTED;
        c->have_re = true;
    }
    /* if=DataType:text,integer,float / absent_unless=DataType:text,integer,float */
    if ((t = rules_param(r, "if")) || (t = rules_param(r, "absent_unless"))) {
        const char *colon = strchr(t, ':');
        if (!colon || strncmp(t, "DataType", 8) != 0)
            return TP_E_UNSUPPORTED;
        c->if_key = "DataType";
        if (rules_list_split(colon + 1, ',', &c->if_values))
            return TP_E_NOMEM;
    }
    return TP_OK;
}

static bool f_need_define(struct rules_rule *r, struct rules_pkg *p)
{
    if (p->def)
        return true;
    rules_skip(r, p->have_define_file ? "define.xml unreadable" : "no define.xml");
    return false;
}

static const char *f_name(const struct rules_def_ig *g)
{
    return g->name ? g->name : g->sasname ? g->sasname : "";
}

static const struct rules_ds *f_ds(const struct rules_pkg *p, const char *name)
{
    for (size_t i = 0; i < p->nds; i++)
        if (strcasecmp(p->ds[i]->name, name) == 0)
            return p->ds[i];
    return NULL;
}

/* ---- dataset_in_define / define_dataset_exists / var_in_define / define_var_exists ---- */
static int f_compile_none(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return fcfg_new(r, "");
}

static int did_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p) || !p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->nds; i++)
        if (!p->ds[i]->def &&
            (rc = rules_emit_file(p, r, p->ds[i]->file, p->ds[i], NULL, p->ds[i]->name, NULL)))
            return rc;
    return TP_OK;
}

static const struct rules_kind kind_dataset_in_define = {.name = "dataset_in_define",
                                                         .compile = f_compile_none,
                                                         .free_cfg = fcfg_free,
                                                         .pkg_end = did_end};

static int dde_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p) || !p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->nigs; i++) {
        const struct rules_def_ig *g = &p->def->igs[i];
        if (f_ds(p, f_name(g)))
            continue;
        if ((rc = rules_emit_define(p, r, g->line, f_name(g), NULL, f_name(g), NULL)))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_define_dataset_exists = {.name = "define_dataset_exists",
                                                             .compile = f_compile_none,
                                                             .free_cfg = fcfg_free,
                                                             .pkg_end = dde_end};

static int vid_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p) || !p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->nds; i++) {
        const struct rules_ds *ds = p->ds[i];
        if (!ds->def)
            continue;
        for (size_t k = 0; k < tp_dataset_nvars(ds->meta); k++) {
            const char *v = tp_dataset_var(ds->meta, k)->name;
            if (rules_define_var(p->def, ds->def, v, NULL))
                continue;
            if ((rc = rules_emit_file(p, r, ds->file, ds, v, v, NULL)))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_var_in_define = {
    .name = "var_in_define", .compile = f_compile_none, .free_cfg = fcfg_free, .pkg_end = vid_end};

static int dve_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p) || !p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->nds; i++) {
        const struct rules_ds *ds = p->ds[i];
        if (!ds->def)
            continue;
        for (size_t k = 0; k < ds->def->nrefs; k++) {
            const struct rules_def_item *it = rules_define_item(p->def, ds->def->refs[k].item_oid);
            if (!it || !it->name || tp_dataset_find_var(ds->meta, it->name) >= 0)
                continue;
            if ((rc = rules_emit_define(p, r, ds->def->refs[k].line, ds->name, it->name, it->name,
                                        NULL)))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_define_var_exists = {.name = "define_var_exists",
                                                         .compile = f_compile_none,
                                                         .free_cfg = fcfg_free,
                                                         .pkg_end = dve_end};

/* ---- types, lengths, labels, order ---- */
static bool f_char_type(const char *dt)
{
    static const char *const chars[] = {"text",
                                        "date",
                                        "datetime",
                                        "time",
                                        "partialDate",
                                        "partialTime",
                                        "partialDatetime",
                                        "incompleteDatetime",
                                        "durationDatetime",
                                        "intervalDatetime",
                                        "URI",
                                        "string",
                                        NULL};
    for (size_t i = 0; chars[i]; i++)
        if (strcmp(chars[i], dt) == 0)
            return true;
    return false;
}

static int dtm_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return fcfg_new(r, "target");
}

static int dtm_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    if (c->target && strcmp(c->target, "codelist") == 0) {
        r->status = TP_RULE_RAN;
        for (size_t i = 0; i < p->def->nitems; i++) {
            const struct rules_def_item *it = &p->def->items[i];
            const struct rules_def_cl *cl = rules_define_cl(p->def, it->codelist_oid);
            bool itc, clc;
            if (!cl || !cl->datatype || !it->datatype)
                continue;
            itc = f_char_type(it->datatype);
            clc = f_char_type(cl->datatype);
            if (itc == clc && (itc || strcmp(cl->datatype, it->datatype) == 0 ||
                               strcmp(it->datatype, "float") == 0))
                continue;
            if ((rc = rules_emit_define(p, r, it->line, NULL, it->name, cl->datatype,
                                        (const char *const[]){"oid", cl->oid, "cltype",
                                                              cl->datatype, "item", it->oid,
                                                              "datatype", it->datatype, NULL})))
                return rc;
        }
        return TP_OK;
    }
    if (!p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->nds; i++) {
        const struct rules_ds *ds = p->ds[i];
        if (!ds->def)
            continue;
        for (size_t k = 0; k < tp_dataset_nvars(ds->meta); k++) {
            const struct tp_var *v = tp_dataset_var(ds->meta, k);
            const struct rules_def_item *it = rules_define_var(p->def, ds->def, v->name, NULL);
            const char *type = v->type == TP_CHAR ? "Char" : "Num";
            if (!it || !it->datatype || f_char_type(it->datatype) == (v->type == TP_CHAR))
                continue;
            if ((rc = rules_emit_file(
                     p, r, ds->file, ds, v->name, type,
                     (const char *const[]){"type", type, "datatype", it->datatype, NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_define_type_matches = {.name = "define_type_matches",
                                                           .compile = dtm_compile,
                                                           .free_cfg = fcfg_free,
                                                           .pkg_end = dtm_end};

static int dlm_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return fcfg_new(r, "types");
}

static int dlm_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p) || !p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->nds; i++) {
        const struct rules_ds *ds = p->ds[i];
        if (!ds->def || strcmp(ds->file->kind, "xpt") != 0)
            continue;
        for (size_t k = 0; k < tp_dataset_nvars(ds->meta); k++) {
            const struct tp_var *v = tp_dataset_var(ds->meta, k);
            const struct rules_def_item *it = rules_define_var(p->def, ds->def, v->name, NULL);
            char l[24];
            if (v->type != TP_CHAR || !it || !it->length || !it->datatype ||
                strcmp(it->datatype, "text") != 0 ||
                strtol(it->length, NULL, 10) == (long)v->length)
                continue;
            snprintf(l, sizeof l, "%zu", v->length);
            if ((rc = rules_emit_file(
                     p, r, ds->file, ds, v->name, l,
                     (const char *const[]){"length", l, "deflength", it->length, NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_define_length_matches = {.name = "define_length_matches",
                                                             .compile = dlm_compile,
                                                             .free_cfg = fcfg_free,
                                                             .pkg_end = dlm_end};

static int dlb_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return fcfg_new(r, "target");
}

static int dlb_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    bool dataset = c->target && strcmp(c->target, "dataset") == 0;
    int rc;
    if (!f_need_define(r, p) || !p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->nds; i++) {
        const struct rules_ds *ds = p->ds[i];
        if (!ds->def)
            continue;
        if (dataset) {
            const char *l = tp_dataset_label(ds->meta);
            if (ds->def->label && l && strcmp(ds->def->label, l) != 0 &&
                (rc = rules_emit_file(p, r, ds->file, ds, NULL, l,
                                      (const char *const[]){"label", l, NULL})))
                return rc;
            continue;
        }
        for (size_t k = 0; k < tp_dataset_nvars(ds->meta); k++) {
            const struct tp_var *v = tp_dataset_var(ds->meta, k);
            const struct rules_def_item *it = rules_define_var(p->def, ds->def, v->name, NULL);
            if (!it || !it->label || strcmp(it->label, v->label ? v->label : "") == 0)
                continue;
            if ((rc = rules_emit_file(
                     p, r, ds->file, ds, v->name, v->label,
                     (const char *const[]){"label", v->label ? v->label : "", NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_define_label_matches = {.name = "define_label_matches",
                                                            .compile = dlb_compile,
                                                            .free_cfg = fcfg_free,
                                                            .pkg_end = dlb_end};

static int dom_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p) || !p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->nds; i++) {
        const struct rules_ds *ds = p->ds[i];
        int last = -1;
        if (!ds->def)
            continue;
        for (size_t k = 0; k < tp_dataset_nvars(ds->meta); k++) {
            const struct rules_def_ref *ref;
            const char *vn = tp_dataset_var(ds->meta, k)->name;
            if (!rules_define_var(p->def, ds->def, vn, &ref) || !ref->order)
                continue;
            if (ref->order < last) {
                if ((rc = rules_emit_file(p, r, ds->file, ds, vn, NULL, NULL)))
                    return rc;
                break;
            }
            last = ref->order;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_define_order_matches = {.name = "define_order_matches",
                                                            .compile = f_compile_none,
                                                            .free_cfg = fcfg_free,
                                                            .pkg_end = dom_end};

/* ---- define_label_standard ---- */
static int dls_compile(struct rules_rule *r, struct tp_error *err)
{
    int rc;
    (void)err;
    if ((rc = fcfg_new(r, "target,source")))
        return rc;
    return rules_param(r, "source") && strcmp(rules_param(r, "source"), "standards") != 0
               ? TP_E_UNSUPPORTED
               : TP_OK;
}

static int dls_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    bool dataset = c->target && strcmp(c->target, "dataset") == 0;
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->nigs; i++) {
        const struct rules_def_ig *g = &p->def->igs[i];
        const struct rules_stdds *sd = rules_std_dataset(p->std, f_name(g));
        if (!sd)
            continue;
        if (dataset) {
            if (g->label && strcmp(g->label, sd->label) != 0 &&
                (rc = rules_emit_define(p, r, g->line, f_name(g), NULL, g->label,
                                        (const char *const[]){"expected", sd->label, NULL})))
                return rc;
            continue;
        }
        for (size_t k = 0; k < g->nrefs; k++) {
            const struct rules_def_item *it = rules_define_item(p->def, g->refs[k].item_oid);
            const struct rules_stdvar *sv = it && it->name ? rules_std_var(sd, it->name) : NULL;
            if (!sv || !it->label || strcmp(it->label, sv->label) == 0)
                continue;
            if ((rc = rules_emit_define(p, r, it->line, f_name(g), it->name, it->label,
                                        (const char *const[]){"expected", sv->label, NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_define_label_standard = {.name = "define_label_standard",
                                                             .compile = dls_compile,
                                                             .free_cfg = fcfg_free,
                                                             .pkg_end = dls_end};

/* ---- define_leaf_exists ---- */
static int dlx_compile(struct rules_rule *r, struct tp_error *err)
{
    struct fcfg *c;
    int rc;
    (void)err;
    if ((rc = fcfg_new(r, "check")))
        return rc;
    c = r->cfg;
    if (!c->check || (strcmp(c->check, "name_matches") != 0 &&
                      strcmp(c->check, "file_exists") != 0 && strcmp(c->check, "stylesheet") != 0))
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static bool f_exists(const struct rules_define *d, const char *href)
{
    char path[4096];
    struct stat st;
    if (!href || !href[0] || strstr(href, "://"))
        return true; /* remote references are not checked */
    if (href[0] == '/')
        snprintf(path, sizeof path, "%s", href);
    else
        snprintf(path, sizeof path, "%s/%s", d->dir, href);
    {
        char *hash = strchr(path, '#');
        if (hash)
            *hash = '\0';
    }
    return stat(path, &st) == 0;
}

static int dlx_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    if (strcmp(c->check, "stylesheet") == 0) {
        if (p->def->stylesheet && !f_exists(p->def, p->def->stylesheet))
            return rules_emit_define(p, r, 1, NULL, NULL, p->def->stylesheet,
                                     (const char *const[]){"file", p->def->stylesheet, NULL});
        return TP_OK;
    }
    if (strcmp(c->check, "file_exists") == 0) {
        for (size_t i = 0; i < p->def->nleaves; i++) {
            const struct rules_def_leaf *l = &p->def->leaves[i];
            if (f_exists(p->def, l->href))
                continue;
            if ((rc = rules_emit_define(
                     p, r, l->line, NULL, NULL, l->href,
                     (const char *const[]){"oid", l->id ? l->id : "", "file", l->href, NULL})))
                return rc;
        }
        for (size_t i = 0; i < p->def->nigs; i++) {
            const struct rules_def_ig *g = &p->def->igs[i];
            if (!g->leaf_href || f_exists(p->def, g->leaf_href))
                continue;
            if ((rc = rules_emit_define(p, r, g->line, f_name(g), NULL, g->leaf_href,
                                        (const char *const[]){"oid", g->leaf_id ? g->leaf_id : "",
                                                              "file", g->leaf_href, NULL})))
                return rc;
        }
        return TP_OK;
    }
    /* name_matches: SASDatasetName equals the leaf's file stem */
    for (size_t i = 0; i < p->def->nigs; i++) {
        const struct rules_def_ig *g = &p->def->igs[i];
        const char *href = g->leaf_href, *base, *dot;
        size_t k;
        if (!g->sasname || !href)
            continue;
        base = strrchr(href, '/');
        base = base ? base + 1 : href;
        dot = strrchr(base, '.');
        k = dot ? (size_t)(dot - base) : strlen(base);
        if (strlen(g->sasname) == k && strncasecmp(g->sasname, base, k) == 0)
            continue;
        if ((rc = rules_emit_define(p, r, g->line, f_name(g), NULL, g->sasname,
                                    (const char *const[]){"file", href, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_define_leaf_exists = {.name = "define_leaf_exists",
                                                          .compile = dlx_compile,
                                                          .free_cfg = fcfg_free,
                                                          .pkg_end = dlx_end};

/* ---- define_split ---- */
static int dsp_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->nigs; i++) {
        const char *a = f_name(&p->def->igs[i]);
        if (strlen(a) != 2)
            continue;
        for (size_t j = 0; j < p->def->nigs; j++) {
            const char *b = f_name(&p->def->igs[j]);
            size_t bl = strlen(b);
            if (bl < 3 || bl > 4 || strncmp(a, b, 2) != 0 || strncmp(b, "SUPP", 4) == 0)
                continue;
            if (p->def->igs[j].domain && strcmp(p->def->igs[j].domain, a) != 0)
                continue;
            if ((rc = rules_emit_define(p, r, p->def->igs[j].line, b, NULL, b,
                                        (const char *const[]){"domain", a, NULL})))
                return rc;
            break;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_define_split = {
    .name = "define_split", .compile = f_compile_none, .free_cfg = fcfg_free, .pkg_end = dsp_end};

/* ---- xml_namespace: read from the root element ---- */
static int xns_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return fcfg_new(r, "ns");
}

static int xns_end(struct rules_rule *r, struct rules_pkg *p)
{
    /* the engine sniffed the define: a define.xml of unknown kind has wrong namespaces */
    for (size_t i = 0; i < p->nfiles; i++) {
        const struct rules_file *f = p->files[i];
        const char *b = strrchr(f->path, '/');
        b = b ? b + 1 : f->path;
        if (strcasecmp(b, "define.xml") != 0)
            continue;
        r->status = TP_RULE_RAN;
        if (strcmp(f->kind, "other") == 0 && !f->unreadable)
            return rules_emit_file(
                p, r, f, NULL, NULL, NULL,
                (const char *const[]){"namespace", "ODM 1.3 with Define-XML 2.0 or 2.1", NULL});
    }
    return TP_OK;
}

static const struct rules_kind kind_xml_namespace = {
    .name = "xml_namespace", .compile = xns_compile, .free_cfg = fcfg_free, .pkg_end = xns_end};

/* xsd_valid / xml_wellformed: run by the engine with libxml2's validator */
static int xsd_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return rules_keys_allowed(r, "schema,lenient_extensions");
}

static const struct rules_kind kind_xsd_valid = {.name = "xsd_valid", .compile = xsd_compile};
static const struct rules_kind kind_xml_wellformed = {
    .name = "xml_wellformed", .compile = f_compile_none, .free_cfg = fcfg_free};

/* ---- define_attr_valid / define_attr_present ---- */
static int dav_compile(struct rules_rule *r, struct tp_error *err)
{
    struct fcfg *c;
    int rc;
    (void)err;
    if ((rc = fcfg_new(r, "element,attr,pattern,absent_unless")))
        return rc;
    c = r->cfg;
    if (c->attr && strcmp(c->attr, "def:DefineVersion") == 0 && !c->element)
        return TP_OK;
    if (c->element && strcmp(c->element, "ItemDef") == 0 && c->attr &&
        strcmp(c->attr, "Length") == 0 && c->if_key)
        return TP_OK;
    return TP_E_UNSUPPORTED;
}

static int dav_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    if (!c->element) {
        const char *v = p->def->def_version;
        if (p->def->version && v && c->have_re && regexec(&c->re, v, 0, NULL, 0) != 0)
            return rules_emit_define(p, r, -1, NULL, NULL, v, NULL);
        return TP_OK;
    }
    for (size_t i = 0; i < p->def->nitems; i++) {
        const struct rules_def_item *it = &p->def->items[i];
        if (!it->length || !it->datatype ||
            rules_list_has(&c->if_values, it->datatype, strlen(it->datatype), false))
            continue;
        if ((rc = rules_emit_define(
                 p, r, it->line, NULL, it->name, it->length,
                 (const char *const[]){"oid", it->oid, "datatype", it->datatype, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_define_attr_valid = {
    .name = "define_attr_valid", .compile = dav_compile, .free_cfg = fcfg_free, .pkg_end = dav_end};

static int dap_compile(struct rules_rule *r, struct tp_error *err)
{
    struct fcfg *c;
    int rc;
    (void)err;
    if ((rc = fcfg_new(r, "element,attr,child,any_attr,if,variable")))
        return rc;
    c = r->cfg;
    if (!c->element)
        return TP_E_UNSUPPORTED;
    if (strcmp(c->element, "ItemDef") == 0 &&
        ((c->attr && strcmp(c->attr, "Length") == 0) ||
         (c->child &&
          (strcmp(c->child, "Description") == 0 || strcmp(c->child, "def:Origin") == 0 ||
           (strcmp(c->child, "def:ValueListRef") == 0 && c->variable)))))
        return TP_OK;
    if (strcmp(c->element, "ItemGroupDef") == 0 && c->any_attr.n)
        return TP_OK;
    return TP_E_UNSUPPORTED;
}

static int dap_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    if (strcmp(c->element, "ItemGroupDef") == 0) {
        if (p->def->version != 21)
            return TP_OK; /* def:StandardOID/IsNonStandard are Define-XML 2.1 */
        for (size_t i = 0; i < p->def->nigs; i++) {
            const struct rules_def_ig *g = &p->def->igs[i];
            if (g->standard_oid || g->nonstandard)
                continue;
            if ((rc = rules_emit_define(p, r, g->line, f_name(g), NULL, g->oid,
                                        (const char *const[]){"oid", g->oid ? g->oid : "", NULL})))
                return rc;
        }
        return TP_OK;
    }
    if (c->variable) {
        /* SUPP-- QVAL has value-level metadata (Define-XML 2.1 requires it) */
        for (size_t i = 0; i < p->def->nigs; i++) {
            const struct rules_def_ig *g = &p->def->igs[i];
            const struct rules_def_item *it;
            if (strncmp(f_name(g), "SUPP", 4) != 0)
                continue;
            it = rules_define_var(p->def, g, c->variable, NULL);
            if (!it || it->vlist_oid)
                continue;
            if ((rc = rules_emit_define(p, r, it->line, f_name(g), c->variable, NULL, NULL)))
                return rc;
        }
        return TP_OK;
    }
    for (size_t i = 0; i < p->def->nitems; i++) {
        const struct rules_def_item *it = &p->def->items[i];
        bool missing;
        if (c->attr) {
            if (!it->datatype ||
                !rules_list_has(&c->if_values, it->datatype, strlen(it->datatype), false))
                continue;
            missing = !it->length;
        } else if (strcmp(c->child, "Description") == 0) {
            missing = !it->has_description;
        } else {
            missing = !it->has_origin;
        }
        if (!missing)
            continue;
        if ((rc = rules_emit_define(p, r, it->line, NULL, it->name, it->oid,
                                    (const char *const[]){"oid", it->oid ? it->oid : "", "datatype",
                                                          it->datatype ? it->datatype : "", NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_define_attr_present = {.name = "define_attr_present",
                                                           .compile = dap_compile,
                                                           .free_cfg = fcfg_free,
                                                           .pkg_end = dap_end};

/* ---- oid_resolves / oid_unique ---- */
struct ores_cfg {
    char element[40], attr[40];
    char targets[4][40];
    size_t ntargets;
};

static int ores_compile(struct rules_rule *r, struct tp_error *err)
{
    const char *ref = rules_param(r, "ref"), *tgt = rules_param(r, "target"), *at;
    struct ores_cfg *c;
    struct rules_list refs, tl;
    (void)err;
    if (rules_keys_allowed(r, "ref,target") || !ref || !tgt || strcmp(r->scope, "define") != 0)
        return TP_E_UNSUPPORTED; /* ODM forms: not wired in */
    if (strchr(ref, ',') || strchr(tgt, '/'))
        return TP_E_UNSUPPORTED;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    at = strchr(ref, '@');
    if (!at)
        return TP_E_UNSUPPORTED;
    snprintf(c->element, sizeof c->element, "%.*s", (int)(at - ref), ref);
    snprintf(c->attr, sizeof c->attr, "%s", at + 1);
    memset(&refs, 0, sizeof refs);
    if (rules_list_split(tgt, ',', &tl))
        return TP_E_NOMEM;
    for (size_t i = 0; i < tl.n && c->ntargets < 4; i++)
        snprintf(c->targets[c->ntargets++], sizeof c->targets[0], "%s", tl.v[i]);
    rules_list_release(&tl);
    return TP_OK;
}

static int ores_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct ores_cfg *c = r->cfg;
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->nuses; i++) {
        const struct rules_def_use *u = &p->def->uses[i];
        bool found = false;
        if (strcmp(u->attr, c->attr) != 0 ||
            (strcmp(c->element, "*") != 0 && strcmp(u->element, c->element) != 0))
            continue;
        for (size_t t = 0; t < c->ntargets && !found; t++)
            found = rules_define_has_id(p->def, c->targets[t], u->oid);
        if (found)
            continue;
        if ((rc = rules_emit_define(p, r, u->line, NULL, NULL, u->oid,
                                    (const char *const[]){"oid", u->oid, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_oid_resolves = {
    .name = "oid_resolves", .compile = ores_compile, .free_cfg = tp_free, .pkg_end = ores_end};

static int ouq_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return fcfg_new(r, "elements");
}

static int ouq_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    struct rules_map seen;
    int rc = TP_OK;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    rules_map_init(&seen);
    for (size_t i = 0; i < p->def->nids && rc == TP_OK; i++) {
        const struct rules_def_id *id = &p->def->ids[i];
        char k[300];
        bool created;
        if (!rules_list_has(&c->list, id->element, strlen(id->element), false))
            continue;
        snprintf(k, sizeof k, "%s\x1f%s", id->element, id->oid);
        if (!rules_map_slot(&seen, k, strlen(k), &created)) {
            rc = TP_E_NOMEM;
            break;
        }
        if (!created)
            rc = rules_emit_define(
                p, r, id->line, NULL, NULL, id->oid,
                (const char *const[]){"oid", id->oid, "element", id->element, NULL});
    }
    rules_map_release(&seen, NULL);
    return rc;
}

static const struct rules_kind kind_oid_unique = {
    .name = "oid_unique", .compile = ouq_compile, .free_cfg = fcfg_free, .pkg_end = ouq_end};

/* ---- codelist_used / def_unused ---- */
static bool f_used(const struct rules_define *d, const char *attr, const char *oid)
{
    for (size_t i = 0; i < d->nuses; i++)
        if (strcmp(d->uses[i].attr, attr) == 0 && strcmp(d->uses[i].oid, oid) == 0)
            return true;
    return false;
}

static int clu_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->ncls; i++) {
        const struct rules_def_cl *cl = &p->def->cls[i];
        if (!cl->oid || f_used(p->def, "CodeListOID", cl->oid))
            continue;
        if ((rc = rules_emit_define(p, r, cl->line, NULL, NULL, cl->oid,
                                    (const char *const[]){"oid", cl->oid, NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_codelist_used = {
    .name = "codelist_used", .compile = f_compile_none, .free_cfg = fcfg_free, .pkg_end = clu_end};

static int duu_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    if (rules_keys_allowed(r, "element"))
        return TP_E_UNSUPPORTED;
    return fcfg_new(r, "element");
}

static int duu_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    static const struct {
        const char *element, *attr;
    } refattr[] = {{"ItemDef", "ItemOID"},
                   {"MethodDef", "MethodOID"},
                   {"def:CommentDef", "def:CommentOID"},
                   {"def:ValueListDef", "ValueListOID"},
                   {"def:leaf", "leafID"}};
    struct rules_list els;
    int rc = TP_OK;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    if (rules_list_split(c->element, ',', &els))
        return TP_E_NOMEM;
    for (size_t i = 0; i < p->def->nids && rc == TP_OK; i++) {
        const struct rules_def_id *id = &p->def->ids[i];
        const char *attr = NULL;
        if (!rules_list_has(&els, id->element, strlen(id->element), false))
            continue;
        for (size_t k = 0; k < sizeof refattr / sizeof refattr[0]; k++)
            if (strcmp(refattr[k].element, id->element) == 0)
                attr = refattr[k].attr;
        if (!attr || f_used(p->def, attr, id->oid))
            continue;
        /* a leaf is also used as an ItemGroupDef's archive location */
        if (strcmp(id->element, "def:leaf") == 0 &&
            f_used(p->def, "def:ArchiveLocationID", id->oid))
            continue;
        rc = rules_emit_define(p, r, id->line, NULL, NULL, id->oid,
                               (const char *const[]){"oid", id->oid, "element", id->element, NULL});
    }
    rules_list_release(&els);
    return rc;
}

static const struct rules_kind kind_def_unused = {
    .name = "def_unused", .compile = duu_compile, .free_cfg = fcfg_free, .pkg_end = duu_end};

/* ---- codelist_unique_terms ---- */
static int cut_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->ncls; i++) {
        const struct rules_def_cl *cl = &p->def->cls[i];
        for (size_t a = 0; a < cl->nterms; a++)
            for (size_t b = 0; b < a; b++)
                if (cl->terms[a].value && cl->terms[b].value &&
                    strcmp(cl->terms[a].value, cl->terms[b].value) == 0) {
                    if ((rc = rules_emit_define(p, r, cl->terms[a].line, NULL, NULL,
                                                cl->terms[a].value,
                                                (const char *const[]){"oid", cl->oid, NULL})))
                        return rc;
                    break;
                }
    }
    return TP_OK;
}

static const struct rules_kind kind_codelist_unique_terms = {.name = "codelist_unique_terms",
                                                             .compile = f_compile_none,
                                                             .free_cfg = fcfg_free,
                                                             .pkg_end = cut_end};

/* ---- keyseq_present / keyseq_unique ---- */
static int ksp_end(struct rules_rule *r, struct rules_pkg *p)
{
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->nigs; i++) {
        const struct rules_def_ig *g = &p->def->igs[i];
        bool any = false;
        for (size_t k = 0; k < g->nrefs && !any; k++)
            any = g->refs[k].keyseq > 0;
        if (!any &&
            (rc = rules_emit_define(p, r, g->line, f_name(g), NULL, g->oid,
                                    (const char *const[]){"oid", g->oid ? g->oid : "", NULL})))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_keyseq_present = {
    .name = "keyseq_present", .compile = f_compile_none, .free_cfg = fcfg_free, .pkg_end = ksp_end};

static int ksu_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return fcfg_new(r, "attr");
}

static int ksu_refs(struct rules_rule *r, struct rules_pkg *p, const struct rules_def_ref *refs,
                    size_t n, const char *oid, const char *dataset, bool order)
{
    int rc;
    for (size_t a = 0; a < n; a++) {
        int va = order ? refs[a].order : refs[a].keyseq;
        if (va <= 0)
            continue;
        for (size_t b = 0; b < a; b++)
            if ((order ? refs[b].order : refs[b].keyseq) == va) {
                char v[24];
                snprintf(v, sizeof v, "%d", va);
                if ((rc = rules_emit_define(p, r, refs[a].line, dataset, NULL, v,
                                            (const char *const[]){"oid", oid ? oid : "", NULL})))
                    return rc;
                break;
            }
    }
    return TP_OK;
}

static int ksu_end(struct rules_rule *r, struct rules_pkg *p)
{
    const char *attr = rules_param(r, "attr");
    bool order = attr && strcmp(attr, "OrderNumber") == 0;
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->nigs; i++) {
        const struct rules_def_ig *g = &p->def->igs[i];
        if ((rc = ksu_refs(r, p, g->refs, g->nrefs, g->oid, f_name(g), order)))
            return rc;
    }
    for (size_t i = 0; order && i < p->def->nvls; i++)
        if ((rc = ksu_refs(r, p, p->def->vls[i].refs, p->def->vls[i].nrefs, p->def->vls[i].oid,
                           NULL, order)))
            return rc;
    return TP_OK;
}

static const struct rules_kind kind_keyseq_unique = {
    .name = "keyseq_unique", .compile = ksu_compile, .free_cfg = fcfg_free, .pkg_end = ksu_end};

/* ---- whereclause_valid ---- */
static int wcv_compile(struct rules_rule *r, struct tp_error *err)
{
    struct fcfg *c;
    int rc;
    (void)err;
    if ((rc = fcfg_new(r, "check")))
        return rc;
    c = r->cfg;
    if (!c->check || (strcmp(c->check, "structure") != 0 && strcmp(c->check, "codelist") != 0))
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int wcv_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    bool structure = strcmp(c->check, "structure") == 0;
    static const char *const comps[] = {"LT", "LE", "GT", "GE", "EQ", "NE", "IN", "NOTIN", NULL};
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->nwcs; i++) {
        const struct rules_def_wc *wc = &p->def->wcs[i];
        for (size_t k = 0; k < wc->nchecks; k++) {
            const struct rules_def_check *ck = &wc->checks[k];
            const struct rules_def_item *it = rules_define_item(p->def, ck->item_oid);
            char detail[160] = "";
            if (structure) {
                bool known = false;
                for (size_t j = 0; comps[j] && ck->comparator; j++)
                    known |= strcmp(comps[j], ck->comparator) == 0;
                if (!ck->item_oid || !it)
                    snprintf(detail, sizeof detail, "def:ItemOID %s does not resolve",
                             ck->item_oid ? ck->item_oid : "(missing)");
                else if (!known)
                    snprintf(detail, sizeof detail, "comparator %s is not valid",
                             ck->comparator ? ck->comparator : "(missing)");
                else if (!ck->nvalues)
                    snprintf(detail, sizeof detail, "no CheckValue");
                else if (ck->nvalues > 1 && strcmp(ck->comparator, "IN") != 0 &&
                         strcmp(ck->comparator, "NOTIN") != 0)
                    snprintf(detail, sizeof detail, "%zu CheckValues for comparator %s",
                             ck->nvalues, ck->comparator);
                if (detail[0] &&
                    (rc = rules_emit_define(p, r, wc->line, NULL, NULL, wc->oid,
                                            (const char *const[]){"oid", wc->oid ? wc->oid : "",
                                                                  "detail", detail, NULL})))
                    return rc;
                continue;
            }
            {
                const struct rules_def_cl *cl =
                    it ? rules_define_cl(p->def, it->codelist_oid) : NULL;
                if (!cl)
                    continue;
                for (size_t v = 0; v < ck->nvalues; v++) {
                    bool in = false;
                    for (size_t t = 0; t < cl->nterms && !in; t++)
                        in = cl->terms[t].value && strcmp(cl->terms[t].value, ck->values[v]) == 0;
                    if (!in &&
                        (rc = rules_emit_define(p, r, wc->line, NULL, it->name, ck->values[v],
                                                (const char *const[]){"oid", wc->oid, NULL})))
                        return rc;
                }
            }
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_whereclause_valid = {
    .name = "whereclause_valid", .compile = wcv_compile, .free_cfg = fcfg_free, .pkg_end = wcv_end};

/* ---- extended_value_flag (value form; the CT forms live in rules_ct.c terms) ---- */
static int evf_compile(struct rules_rule *r, struct tp_error *err)
{
    struct fcfg *c;
    int rc;
    (void)err;
    if ((rc = fcfg_new(r, "check,source")))
        return rc;
    c = r->cfg;
    if (!c->check || (strcmp(c->check, "value") != 0 && strcmp(c->check, "required") != 0 &&
                      strcmp(c->check, "extensible_only") != 0))
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int evf_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct fcfg *c = r->cfg;
    bool value = strcmp(c->check, "value") == 0;
    int rc;
    if (!f_need_define(r, p))
        return TP_OK;
    if (!value && !p->ct) {
        rules_skip(r, "no controlled terminology (--ct)");
        return TP_OK;
    }
    r->status = TP_RULE_RAN;
    for (size_t i = 0; i < p->def->ncls; i++) {
        const struct rules_def_cl *cl = &p->def->cls[i];
        const struct rules_codelist *ctl = !value && cl->nci ? rules_ct_list(p->ct, cl->nci) : NULL;
        if (!value && !ctl)
            continue; /* a sponsor codelist (no NCI code): nothing to compare */
        for (size_t t = 0; t < cl->nterms; t++) {
            const struct rules_def_term *term = &cl->terms[t];
            bool ext = term->extended && strcmp(term->extended, "Yes") == 0;
            bool bad;
            if (value)
                bad = term->extended && !ext;
            else if (strcmp(c->check, "required") == 0)
                bad = term->value && !ext && !rules_ct_term(ctl, term->value, strlen(term->value));
            else
                bad = ext && !ctl->extensible;
            if (!bad)
                continue;
            if ((rc = rules_emit_define(
                     p, r, term->line, NULL, NULL, value ? term->extended : term->value,
                     (const char *const[]){"oid", cl->oid ? cl->oid : "", NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_extended_value_flag = {.name = "extended_value_flag",
                                                           .compile = evf_compile,
                                                           .free_cfg = fcfg_free,
                                                           .pkg_end = evf_end};

/* ---- define_codelist_value: dataset values are terms of the define codelist ---- */
struct dcv_state {
    long cols[128];
    const struct rules_def_cl *cl[128];
    size_t n;
    struct rules_map reported;
};

static void dcv_free(void *p)
{
    struct dcv_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->reported, NULL);
    tp_free(s);
}

static int dcv_compile(struct rules_rule *r, struct tp_error *err)
{
    const char *scope = rules_param(r, "scope");
    (void)err;
    if (rules_keys_allowed(r, "scope") || !scope || strcmp(scope, "variable") != 0)
        return TP_E_UNSUPPORTED; /* value-level (where clause) binding: not wired in */
    return TP_OK;
}

static int dcv_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    struct dcv_state *s;
    if (!applies)
        return RULES_SKIP;
    if (!run->pkg->def) {
        rules_skip(r, "no define.xml");
        return RULES_SKIP;
    }
    if (!run->ds->def)
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    rules_map_init(&s->reported);
    for (size_t i = 0; i < tp_dataset_nvars(run->meta) && s->n < 128; i++) {
        const char *name = tp_dataset_var(run->meta, i)->name;
        const struct rules_def_item *it = rules_define_var(run->pkg->def, run->ds->def, name, NULL);
        const struct rules_def_cl *cl =
            it ? rules_define_cl(run->pkg->def, it->codelist_oid) : NULL;
        if (!cl || !cl->nterms)
            continue;
        s->cols[s->n] = (long)i;
        s->cl[s->n++] = cl;
    }
    if (!s->n) {
        dcv_free(s);
        return RULES_DONE;
    }
    *st = s;
    return TP_OK;
}

static int dcv_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct dcv_state *s = state;
    int rc;
    for (size_t k = 0; k < s->n; k++) {
        const struct rules_def_cl *cl = s->cl[k];
        const char *name = tp_dataset_var(b, (size_t)s->cols[k])->name;
        for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
            char buf[48], key[300];
            size_t len;
            const char *v = rules_cell(b, i, s->cols[k], buf, sizeof buf, &len);
            bool in = false, created;
            if (!len)
                continue;
            for (size_t t = 0; t < cl->nterms && !in; t++)
                in = cl->terms[t].value && strlen(cl->terms[t].value) == len &&
                     memcmp(cl->terms[t].value, v, len) == 0;
            if (in)
                continue;
            snprintf(key, sizeof key, "%s\x1f%.*s", name, (int)len, v);
            if (!rules_map_slot(&s->reported, key, strlen(key), &created))
                return TP_E_NOMEM;
            if (!created)
                continue;
            snprintf(key, sizeof key, "%.*s", (int)len, v);
            if ((rc = rules_emit_row(
                     run, r, b, i, name, key,
                     (const char *const[]){"codelist", cl->oid ? cl->oid : "", NULL})))
                return rc;
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_define_codelist_value = {.name = "define_codelist_value",
                                                             .compile = dcv_compile,
                                                             .ds_begin = dcv_begin,
                                                             .ds_rows = dcv_rows,
                                                             .state_free = dcv_free};

const struct rules_kind *const rules_kinds_define[] = {
    &kind_dataset_in_define,
    &kind_define_dataset_exists,
    &kind_var_in_define,
    &kind_define_var_exists,
    &kind_define_type_matches,
    &kind_define_length_matches,
    &kind_define_label_matches,
    &kind_define_order_matches,
    &kind_define_label_standard,
    &kind_define_leaf_exists,
    &kind_define_split,
    &kind_xml_namespace,
    &kind_xsd_valid,
    &kind_xml_wellformed,
    &kind_define_attr_valid,
    &kind_define_attr_present,
    &kind_oid_resolves,
    &kind_oid_unique,
    &kind_codelist_used,
    &kind_def_unused,
    &kind_codelist_unique_terms,
    &kind_keyseq_present,
    &kind_keyseq_unique,
    &kind_whereclause_valid,
    &kind_extended_value_flag,
    &kind_define_codelist_value,
    NULL,
};
