/*
 * The submission folder as a whole (FDA technical rejection criteria 1734/1736 and the TCG, as
 * summarised in docs/standards.md 5.1): required datasets present (DM, TS; ADSL for ADaM),
 * datasets that come in pairs (MS needs MB, PP needs PC, MIDS needs TM), define.xml present.
 * These rules run only when a folder was given (a single file is not a package), and the SDTM
 * ones only when the package holds SDTM datasets.
 */
#include "rules.h"

struct pcfg {
    const char *dataset, *if_present, *if_variable, *standard, *file;
};

static int pc_compile(struct rules_rule *r, struct tp_error *err)
{
    struct pcfg *c;
    int rc = rules_keys_allowed(r, "dataset,if_present,if_variable,standard,file");
    (void)err;
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    c->dataset = rules_param(r, "dataset");
    c->if_present = rules_param(r, "if_present");
    c->if_variable = rules_param(r, "if_variable");
    c->standard = rules_param(r, "standard");
    c->file = rules_param(r, "file");
    if (c->standard && strcmp(c->standard, "ADaM") != 0)
        return TP_E_UNSUPPORTED;
    if (strcmp(r->check, "dataset_present") == 0 && !c->dataset)
        return TP_E_UNSUPPORTED;
    if (strcmp(r->check, "package_file_present") == 0 && !c->file)
        return TP_E_UNSUPPORTED; /* unexpected=report: no agreed list of expected files */
    return TP_OK;
}

static void pc_free(void *p)
{
    tp_free(p);
}

static bool pc_has(const struct rules_pkg *p, const char *name)
{
    for (size_t i = 0; i < p->nds; i++)
        if (strcasecmp(p->ds[i]->name, name) == 0 ||
            (!p->ds[i]->is_supp && p->ds[i]->is_split && strcasecmp(p->ds[i]->domain, name) == 0))
            return true;
    return false;
}

static bool pc_kinds(const struct rules_pkg *p, bool adam)
{
    for (size_t i = 0; i < p->nds; i++)
        if (p->ds[i]->is_adam == adam)
            return true;
    return false;
}

static int dp_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct pcfg *c = r->cfg;
    bool adam = c->standard != NULL;
    if (!p->package) {
        rules_skip(r, "not a package folder");
        return TP_OK;
    }
    if (!pc_kinds(p, adam))
        return TP_OK; /* no SDTM (or ADaM) datasets: the rule does not apply */
    if (c->if_present && !pc_has(p, c->if_present))
        return TP_OK;
    if (c->if_variable) {
        bool used = false;
        for (size_t i = 0; i < p->nds && !used; i++)
            used = tp_dataset_find_var(p->ds[i]->meta, c->if_variable) >= 0;
        if (!used)
            return TP_OK;
    }
    r->status = TP_RULE_RAN;
    if (pc_has(p, c->dataset))
        return TP_OK;
    return rules_emit(p, r, NULL, -1, NULL, NULL, c->dataset,
                      (const char *const[]){"dataset", c->dataset, NULL});
}

static const struct rules_kind kind_dataset_present = {
    .name = "dataset_present", .compile = pc_compile, .free_cfg = pc_free, .pkg_end = dp_pkg_end};

static int pf_pkg_end(struct rules_rule *r, struct rules_pkg *p)
{
    const struct pcfg *c = r->cfg;
    if (!p->package) {
        rules_skip(r, "not a package folder");
        return TP_OK;
    }
    if (!p->nds)
        return TP_OK;
    r->status = TP_RULE_RAN;
    if (strcasecmp(c->file, "define.xml") == 0 && p->have_define_file) {
        return TP_OK;
    } else {
        /* a file of that name (a define.xml of an unsupported version is still there) */
        for (size_t i = 0; i < p->nfiles; i++) {
            const char *b = strrchr(p->files[i]->path, '/');
            if (strcasecmp(b ? b + 1 : p->files[i]->path, c->file) == 0)
                return TP_OK;
        }
    }
    return rules_emit(p, r, NULL, -1, NULL, NULL, c->file,
                      (const char *const[]){"file", c->file, NULL});
}

static const struct rules_kind kind_package_file_present = {.name = "package_file_present",
                                                            .compile = pc_compile,
                                                            .free_cfg = pc_free,
                                                            .pkg_end = pf_pkg_end};

const struct rules_kind *const rules_kinds_package[] = {
    &kind_dataset_present,
    &kind_package_file_present,
    NULL,
};
