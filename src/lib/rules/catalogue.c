/*
 * The rule catalogue: mappings/rules/catalogue.csv (one row per rule; columns in
 * mappings/rules/README.md) and mappings/rules/VERSION, read at run time from the data folder.
 * The SHA-256 of the catalogue bytes goes into every report next to the version, so two reports
 * with the same line ran the same rules.
 */
#include "rules.h"

#define CAT_MAX_BYTES (16u << 20)

static enum tp_severity cat_severity(const char *s)
{
    if (strcasecmp(s, "Error") == 0)
        return TP_SEV_ERROR;
    if (strcasecmp(s, "Warning") == 0)
        return TP_SEV_WARNING;
    return TP_SEV_NOTICE;
}

static int cat_params(struct rules_rule *r)
{
    const char *p = r->params_text;
    size_t cap = 0;
    while (p && *p) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq) {
            struct rules_param *pp;
            if (tp_grow((void **)&r->params, &cap, r->nparams + 1, sizeof *r->params))
                return TP_E_NOMEM;
            pp = &r->params[r->nparams];
            pp->key = tp_strndup(p, (size_t)(eq - p));
            pp->value = tp_strndup(eq + 1, len - (size_t)(eq - p) - 1);
            if (!pp->key || !pp->value) {
                tp_free(pp->key);
                tp_free(pp->value);
                return TP_E_NOMEM;
            }
            r->nparams++;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return TP_OK;
}

static int cat_tokens(struct rules_rule *r)
{
    struct rules_list l;
    if (rules_list_split(r->domains, ';', &l)) {
        rules_list_release(&l);
        return TP_E_NOMEM;
    }
    r->tokens = l.v;
    r->ntokens = l.n;
    return TP_OK;
}

int rules_catalogue_load(struct rules_catalogue *c, const char *dir, struct tp_error *err)
{
    char path[4096];
    char *text = NULL, *ver = NULL;
    size_t n, vn;
    int rc;
    long col[13];
    static const char *const names[13] = {
        "RuleID",   "Severity", "Scope",   "Domains", "Category", "Message",    "Description",
        "CDISC_ID", "FDA_ID",   "PMDA_ID", "Check",   "Params",   "Implemented"};
    memset(c, 0, sizeof *c);
    snprintf(path, sizeof path, "%s/mappings/rules/catalogue.csv", dir);
    if ((rc = rules_read_file(path, &text, &n, CAT_MAX_BYTES, err)))
        return rc;
    rules_sha256_hex(text, n, c->sha256);
    rc = rules_csv_parse(text, n, path, &c->csv, err);
    tp_free(text);
    if (rc)
        return rc;
    for (int i = 0; i < 13; i++) {
        col[i] = rules_csv_col(&c->csv, names[i]);
        if (col[i] < 0 && i < 12) {
            struct tp_loc loc;
            tp_loc_init(&loc);
            tp_loc_set_path(&loc, path);
            loc.line = 1;
            rules_catalogue_release(c);
            return tp_fail_at(err, TP_E_SPEC, &loc, "catalogue has no column '%s'", names[i]);
        }
    }
    snprintf(path, sizeof path, "%s/mappings/rules/VERSION", dir);
    if ((rc = rules_read_file(path, &ver, &vn, 4096, err))) {
        rules_catalogue_release(c);
        return rc;
    }
    while (vn && (ver[vn - 1] == '\n' || ver[vn - 1] == '\r' || ver[vn - 1] == ' '))
        ver[--vn] = '\0';
    snprintf(c->version, sizeof c->version, "%s", ver);
    tp_free(ver);
    c->rules = tp_calloc(c->csv.nrows ? c->csv.nrows : 1, sizeof *c->rules);
    if (!c->rules) {
        rules_catalogue_release(c);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->csv.nrows; i++) {
        struct rules_rule *r = &c->rules[i];
        const char **f[13] = {
            &r->id,      &r->severity_text, &r->scope,          &r->domains, &r->category,
            &r->message, &r->description,   &r->cdisc,          &r->fda,     &r->pmda,
            &r->check,   &r->params_text,   &r->implemented_col};
        for (int k = 0; k < 13; k++)
            *f[k] = rules_csv_cell(&c->csv, i, col[k]);
        r->sev = cat_severity(r->severity_text);
        c->n++;
        if (cat_params(r) || cat_tokens(r)) {
            rules_catalogue_release(c);
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        }
    }
    return TP_OK;
}

void rules_catalogue_release(struct rules_catalogue *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct rules_rule *r = &c->rules[i];
        for (size_t k = 0; k < r->nparams; k++) {
            tp_free(r->params[k].key);
            tp_free(r->params[k].value);
        }
        tp_free(r->params);
        for (size_t k = 0; k < r->ntokens; k++)
            tp_free(r->tokens[k]);
        tp_free(r->tokens);
        if (r->kind && r->kind->free_cfg && r->cfg)
            r->kind->free_cfg(r->cfg);
        if (r->kind && r->kind->pstate_free && r->pstate)
            r->kind->pstate_free(r->pstate);
    }
    tp_free(c->rules);
    rules_csv_release(&c->csv);
    memset(c, 0, sizeof *c);
}

const char *rules_param(const struct rules_rule *r, const char *key)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].key, key) == 0)
            return r->params[i].value;
    return NULL;
}

bool rules_param_yes(const struct rules_rule *r, const char *key)
{
    const char *v = rules_param(r, key);
    return v && (strcasecmp(v, "yes") == 0 || strcasecmp(v, "y") == 0 || strcmp(v, "1") == 0);
}
