/*
 * The registry of check kinds: every `Check` of mappings/rules/catalogue.csv names one struct
 * rules_kind (a static table of hooks in one of the rules_<group>.c files). Binding a rule means
 * finding its kind and compiling its Params; a rule whose kind is missing, or whose Params use a
 * key or value the kind does not implement, stays "not implemented" and is never run or reported
 * as passed (`trialpack validate --list-rules` lists it so).
 */
#include "rules.h"

static const struct rules_kind *const *const registry_groups[] = {
    rules_kinds_xpt,
    rules_kinds_meta,
    rules_kinds_values,
    rules_kinds_keys,
    rules_kinds_timing,
    rules_kinds_ct,
    rules_kinds_supp,
    rules_kinds_design,
    rules_kinds_define,
    rules_kinds_package,
    NULL,
};

const struct rules_kind *rules_kind_find(const char *name)
{
    for (size_t g = 0; registry_groups[g]; g++)
        for (size_t i = 0; registry_groups[g][i]; i++)
            if (strcmp(registry_groups[g][i]->name, name) == 0)
                return registry_groups[g][i];
    return NULL;
}

int rules_registry_bind(struct rules_catalogue *c, struct tp_error *err)
{
    for (size_t i = 0; i < c->n; i++) {
        struct rules_rule *r = &c->rules[i];
        const struct rules_kind *k = rules_kind_find(r->check);
        int rc;
        r->kind = k;
        r->implemented = false;
        r->status = TP_RULE_NOT_IMPLEMENTED;
        if (!k)
            continue;
        rc = k->compile ? k->compile(r, err) : TP_OK;
        if (rc == TP_E_UNSUPPORTED) {
            if (r->cfg && k->free_cfg)
                k->free_cfg(r->cfg);
            r->cfg = NULL;
            continue;
        }
        if (rc)
            return rc == TP_E_NOMEM ? tp_fail(err, rc, "out of memory") : rc;
        r->supported = true;
        /* the catalogue's Implemented column enables a rule once it has its fixtures; an
           empty or missing column leaves the decision to the engine */
        if (r->implemented_col && strcmp(r->implemented_col, "No") == 0)
            continue;
        r->implemented = true;
        r->status = TP_RULE_NOT_APPLICABLE;
    }
    return TP_OK;
}

int rules_keys_allowed(const struct rules_rule *r, const char *allowed)
{
    for (size_t i = 0; i < r->nparams; i++) {
        const char *k = r->params[i].key;
        size_t kl = strlen(k);
        const char *p = allowed;
        bool ok = false;
        while (p && *p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len == kl && strncmp(p, k, kl) == 0) {
                ok = true;
                break;
            }
            p = e ? e + 1 : NULL;
        }
        if (!ok)
            return TP_E_UNSUPPORTED;
    }
    return TP_OK;
}
