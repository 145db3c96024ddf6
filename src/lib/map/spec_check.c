/*
 * Semantic checks of a parsed mapping spec, before any raw data is read: every reference resolves
 * (datasets, variables, codelists, code maps, algorithms, derivations), codelists hold CDISC
 * submission values of the NCI codelist they name unless a term is sponsor-extended (Extended=Yes)
 * in an extensible codelist (SDTMIG 3.4 §4.3; Define-XML 2.1 def:ExtendedValue), and derivations
 * are not circular. Every error names the sheet, the row and the column.
 */
#include "map.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const derive_names[] = {
    "studyid", "domain", "usubjid", "subjid", "siteid", "seq", "dy", "epoch", "visitnum",
    "visit", "visitdy", "lobxfl", "blfl", "arm", "actarm", "dthfl", "age", NULL,
};

bool spec_is_derive_name(const char *n);
bool spec_is_derive_name(const char *n)
{
    for (size_t i = 0; derive_names[i]; i++)
        if (strcasecmp(derive_names[i], n) == 0)
            return true;
    return false;
}

static size_t row_of_line(const struct sheet *sh, long line);

static int check_vars(struct tp_spec *s, struct tp_error *err)
{
    const struct sheet *sh = &s->variables_sh;
    long c_cl = sheet_col(sh, "CodeList");
    for (size_t i = 0; i < s->nvars; i++) {
        struct spec_var *v = &s->vars[i];
        if (!*v->codelist)
            continue;
        v->cl = spec_find_cl(s, v->codelist);
        if (v->cl < 0)
            return sheet_fail(err, TP_E_SPEC, sh, i, c_cl, "codelist '%s' not in Codelists.csv",
                              v->codelist);
    }
    for (size_t d = 0; d < s->nds; d++) {
        const struct spec_dataset *ds = &s->ds[d];
        long dv = spec_find_var(s, (long)d, "DOMAIN");
        /* the dataset's own domain code must be a term of its DOMAIN codelist */
        if (dv >= 0 && s->vars[dv].cl >= 0 && ds->domain[0] &&
            !hmap_get(&s->cls[s->vars[dv].cl].index, ds->domain, 2, NULL))
            return sheet_fail(err, TP_E_SPEC, sh, row_of_line(sh, s->vars[dv].line), c_cl,
                              "domain '%s' is not a term of codelist '%s'", ds->domain,
                              s->vars[dv].codelist);
        for (size_t k = 0; k < ds->nkeys; k++)
            if (spec_find_var(s, (long)d, ds->keys[k]) < 0 &&
                strncasecmp(ds->name, "SUPP", 4) != 0) {
                struct tp_loc loc;
                tp_loc_init(&loc);
                snprintf(loc.path, sizeof loc.path, "Datasets.csv");
                loc.line = ds->line;
                loc.col = sheet_col(&s->datasets_sh, "Keys") + 1;
                snprintf(loc.variable, sizeof loc.variable, "Keys");
                return tp_fail_at(err, TP_E_SPEC, &loc, "key variable '%s' not in dataset %s",
                                  ds->keys[k], ds->name);
            }
    }
    return TP_OK;
}

static size_t row_of_line(const struct sheet *sh, long line)
{
    for (size_t r = 0; r < sh->nrows; r++)
        if (sh->line[r] == line)
            return r;
    return (size_t)-2;
}

static int check_ct(struct tp_spec *s, struct tp_error *err)
{
    const struct sheet *sh = &s->codelists_sh;
    long c_term = sheet_col(sh, "Term"), c_nci = sheet_col(sh, "NCI Codelist Code"),
         c_ext = sheet_col(sh, "Extended"), c_code = sheet_col(sh, "NCI Term Code");
    if (c_nci < 0)
        c_nci = sheet_col(sh, "NCI code");
    for (size_t i = 0; i < s->ncls; i++) {
        struct spec_codelist *c = &s->cls[i];
        const struct ct_list *l;
        if (!*c->nci) {
            /* sponsor codelist: every term is a sponsor term */
            continue;
        }
        if (!s->ct_loaded)
            continue;
        l = ct_find(&s->ct, c->nci);
        if (!l)
            return sheet_fail(err, TP_E_SPEC, sh, row_of_line(sh, c->line), c_nci,
                              "NCI codelist %s of '%s' is not in the controlled terminology",
                              c->nci, c->id);
        c->extensible = l->extensible;
        for (size_t t = 0; t < c->nterms; t++) {
            const struct spec_term *tm = &c->terms[t];
            const char *code;
            size_t row = row_of_line(sh, tm->line);
            if (ct_has_term(l, tm->term, &code)) {
                if (tm->extended)
                    return sheet_fail(err, TP_E_SPEC, sh, row, c_ext,
                                      "'%s' is a published term of %s: Extended must be blank",
                                      tm->term, c->nci);
                if (*tm->code && strcmp(tm->code, code) != 0)
                    return sheet_fail(err, TP_E_SPEC, sh, row, c_code,
                                      "NCI term code of '%s' in %s is %s, not %s", tm->term,
                                      c->nci, code, tm->code);
                continue;
            }
            if (!tm->extended)
                return sheet_fail(err, TP_E_SPEC, sh, row, c_term,
                                  "'%s' is not a submission value of NCI codelist %s (%s)",
                                  tm->term, c->nci, l->subval ? l->subval : "");
            if (!l->extensible)
                return sheet_fail(err, TP_E_SPEC, sh, row, c_ext,
                                  "codelist %s (%s) is not extensible: '%s' cannot be added",
                                  c->nci, l->subval ? l->subval : "", tm->term);
        }
    }
    return TP_OK;
}

static int rule_fail(struct tp_error *err, const struct tp_spec *s, const struct spec_rule *r,
                     const char *col, const char *fmt, ...) TP_PRINTF(5, 6);
static int rule_fail(struct tp_error *err, const struct tp_spec *s, const struct spec_rule *r,
                     const char *col, const char *fmt, ...)
{
    const struct sheet *sh = &s->rules_sh;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sheet_fail(err, TP_E_SPEC, sh, row_of_line(sh, r->line), sheet_col(sh, col), "%s",
                      msg);
}

/* Resolve a name to a variable of one dataset (for derive where=). */
struct ds_ctx {
    const struct tp_spec *s;
    long ds;
};
static long check_resolve_var(void *ctx, const char *name)
{
    struct ds_ctx *c = ctx;
    return spec_find_var(c->s, c->ds, name);
}

static int check_rule(struct tp_spec *s, struct spec_rule *r, struct tp_error *err)
{
    const char *from, *name;
    r->ds = spec_find_ds(s, r->dataset);
    if (r->ds < 0)
        return rule_fail(err, s, r, "Dataset", "dataset '%s' not in Datasets.csv%s", r->dataset,
                         "");
    if (strcmp(r->variable, "*") == 0 || !*r->variable) {
        if (r->alg != ALG_FILTER && r->alg != ALG_RELREC)
            return rule_fail(err, s, r, "Variable", "algorithm '%s' needs a target variable%s",
                             r->algorithm, "");
        r->var = -1;
    } else {
        r->var = spec_find_var(s, r->ds, r->variable);
        if (r->var < 0)
            return rule_fail(err, s, r, "Variable", "variable '%s' not in dataset %s",
                             r->variable, r->dataset);
        if (r->alg == ALG_FILTER || r->alg == ALG_RELREC)
            return rule_fail(err, s, r, "Variable", "algorithm '%s' takes Variable '*'%s",
                             r->algorithm, "");
    }
    from = spec_kv(r, "from");
    switch (r->alg) {
    case ALG_CODELIST: {
        const char *m = spec_kv(r, "map");
        if (m) {
            r->map = spec_find_map(s, m);
            if (r->map < 0)
                return rule_fail(err, s, r, "Parameters", "code map '%s' not in CodeMaps.csv%s",
                                 m, "");
            /* every mapped term must be in the target's codelist */
            if (s->vars[r->var].cl >= 0) {
                const struct spec_map *mp = &s->maps[r->map];
                const struct spec_codelist *cl = &s->cls[s->vars[r->var].cl];
                for (size_t i = 0; i < mp->n; i++)
                    if (*mp->term[i] && !hmap_get(&cl->index, mp->term[i], strlen(mp->term[i]), NULL)) {
                        const struct sheet *msh = &s->maps_sh;
                        return sheet_fail(err, TP_E_SPEC, msh, row_of_line(msh, mp->line[i]),
                                          sheet_col(msh, "Term"),
                                          "term '%s' of map '%s' is not in codelist '%s' of %s",
                                          mp->term[i], mp->id, cl->id, r->variable);
                    }
            }
        } else if (s->vars[r->var].cl < 0)
            return rule_fail(err, s, r, "Parameters",
                             "codelist algorithm needs map= or a CodeList on %s%s", r->variable,
                             "");
        if (r->nsrc != 1)
            return rule_fail(err, s, r, "Source", "codelist takes one source column%s%s", "", "");
        break;
    }
    case ALG_ISODATE:
        if (r->nsrc < 1 || r->nsrc > 3)
            return rule_fail(err, s, r, "Source", "isodate takes 1 to 3 source columns%s%s", "",
                             "");
        break;
    case ALG_ASSIGN:
    case ALG_UPPER:
    case ALG_FIRST:
        if (r->nsrc < 1)
            return rule_fail(err, s, r, "Source", "algorithm '%s' needs a source%s",
                             r->algorithm, "");
        break;
    case ALG_CONCAT:
        if (r->nsrc < 1)
            return rule_fail(err, s, r, "Source", "concat needs sources%s%s", "", "");
        break;
    case ALG_HARDCODE:
        break;
    case ALG_FILTER:
        if (r->nsrc != 1 || !*r->src[0].text)
            return rule_fail(err, s, r, "Source", "filter needs an expression%s%s", "", "");
        break;
    case ALG_RELREC:
        if (!spec_kv(r, "relid") || !spec_kv(r, "key"))
            return rule_fail(err, s, r, "Parameters", "relrec needs relid= and key=%s%s", "", "");
        break;
    case ALG_FINDINGS: {
        const struct spec_dataset *d = &s->ds[r->ds];
        char tc[16];
        map_prefixed(d, "TESTCD", tc, sizeof tc);
        if (strcasecmp(r->variable, "*") == 0)
            return rule_fail(err, s, r, "Variable", "findings needs the --ORRES variable%s%s", "",
                             "");
        if (r->nsrc != 1)
            return rule_fail(err, s, r, "Source", "findings takes one result column%s%s", "", "");
        if (!spec_kv(r, "TESTCD") && spec_find_var(s, r->ds, tc) >= 0)
            return rule_fail(err, s, r, "Parameters", "findings needs TESTCD=%s%s", "", "");
        for (size_t i = 0; i < r->nkv; i++) {
            const char *k = r->kv[i].key, *v = r->kv[i].val;
            struct fparam fp;
            char full[40];
            static const char *const control[] = {"FACTOR", "MAP", "NOTDONE", "RESULT", "BLANK", NULL};
            bool is_control = false;
            for (size_t c = 0; control[c]; c++)
                if (strcasecmp(k, control[c]) == 0)
                    is_control = true;
            if (is_control) {
                if (strcasecmp(k, "MAP") == 0 && spec_find_map(s, v) < 0)
                    return rule_fail(err, s, r, "Parameters", "code map '%s' not in CodeMaps.csv%s",
                                     v, "");
                continue;
            }
            memset(&fp, 0, sizeof fp);
            fp.var_idx = spec_find_var(s, r->ds, k);
            if (fp.var_idx < 0) {
                map_prefixed(d, k, full, sizeof full);
                fp.var_idx = spec_find_var(s, r->ds, full);
            } else
                snprintf(full, sizeof full, "%s", k);
            if (fp.var_idx < 0)
                return rule_fail(err, s, r, "Parameters", "parameter '%s': no such variable in %s",
                                 k, d->name);
            fp.map_idx = fp.col_idx = -1;
            if (v[0] == '@') {
                const char *bar = strchr(v, '|');
                fp.col = bar ? tp_strndup(v + 1, (size_t)(bar - v - 1)) : tp_strdup(v + 1);
                if (bar) {
                    fp.map = tp_strdup(bar + 1);
                    if (fp.map && (fp.map_idx = spec_find_map(s, fp.map)) < 0) {
                        int rc = rule_fail(err, s, r, "Parameters",
                                           "code map '%s' not in CodeMaps.csv%s", fp.map, "");
                        tp_free(fp.col);
                        tp_free(fp.map);
                        return rc;
                    }
                }
            } else
                fp.lit = tp_strdup(v);
            fp.var = tp_strdup(s->vars[fp.var_idx].name);
            {
                struct fparam *o = tp_reallocarray(r->fp, r->nfp + 1, sizeof *o);
                if (!o || !fp.var || (!fp.col && !fp.lit)) {
                    tp_free(fp.col);
                    tp_free(fp.lit);
                    tp_free(fp.map);
                    tp_free(fp.var);
                    tp_free(o ? NULL : NULL);
                    if (o)
                        r->fp = o;
                    return TP_E_NOMEM;
                }
                r->fp = o;
                r->fp[r->nfp++] = fp;
            }
        }
        if (spec_kv(r, "MAP"))
            r->map = spec_find_map(s, spec_kv(r, "MAP"));
        break;
    }
    case ALG_DERIVE:
        name = spec_kv(r, "name");
        if (from) {
            r->from_ds = spec_find_ds(s, from);
            if (r->from_ds < 0)
                return rule_fail(err, s, r, "Parameters", "derive from '%s': no such dataset%s",
                                 from, "");
            if (!spec_kv(r, "var"))
                return rule_fail(err, s, r, "Parameters", "derive from=%s needs var=%s", from, "");
            r->from_var = spec_find_var(s, r->from_ds, spec_kv(r, "var"));
            if (r->from_var < 0)
                return rule_fail(err, s, r, "Parameters", "variable '%s' not in dataset %s",
                                 spec_kv(r, "var"), from);
            if (spec_kv(r, "by") && (spec_find_var(s, r->from_ds, spec_kv(r, "by")) < 0 ||
                                     spec_find_var(s, r->ds, spec_kv(r, "by")) < 0))
                return rule_fail(err, s, r, "Parameters", "by=%s must be a variable of %s and %s",
                                 spec_kv(r, "by"), from, r->dataset);
            if (spec_kv(r, "where")) {
                struct ds_ctx c = {s, r->from_ds};
                char msg[160];
                if (expr_parse(spec_kv(r, "where"), check_resolve_var, &c, &r->where, msg,
                               sizeof msg))
                    return rule_fail(err, s, r, "Parameters", "where: %s%s", msg, "");
            }
        } else if (!name || !spec_is_derive_name(name))
            return rule_fail(err, s, r, "Parameters",
                             "derive needs from=DATASET or a known name= (got '%s')%s",
                             name ? name : "", "");
        break;
    }
    {
        const char *agg = spec_kv(r, "agg");
        r->agg = AGG_FIRST;
        if (agg) {
            if (strcasecmp(agg, "first") == 0)
                r->agg = AGG_FIRST;
            else if (strcasecmp(agg, "last") == 0)
                r->agg = AGG_LAST;
            else if (strcasecmp(agg, "min") == 0)
                r->agg = AGG_MIN;
            else if (strcasecmp(agg, "max") == 0)
                r->agg = AGG_MAX;
            else if (strcasecmp(agg, "count") == 0)
                r->agg = AGG_COUNT;
            else
                return rule_fail(err, s, r, "Parameters", "unknown agg '%s'%s", agg, "");
        }
    }
    /* target-variable sources */
    for (size_t i = 0; i < r->nsrc; i++)
        if (r->src[i].kind == SRC_VAR) {
            r->src[i].idx = spec_find_var(s, r->ds, r->src[i].text);
            if (r->src[i].idx < 0)
                return rule_fail(err, s, r, "Source", "variable '%s' not in dataset %s",
                                 r->src[i].text, r->dataset);
        }
    return TP_OK;
}

/* Blocks: rules grouped by Block (default Dataset:Form). Dataset-level derivations (derive with
   from=) belong to no block. */
static int build_blocks(struct tp_spec *s, struct tp_error *err)
{
    for (size_t i = 0; i < s->nrules; i++) {
        struct spec_rule *r = &s->rules[i];
        char name[160];
        long b = -1;
        if (r->alg == ALG_DERIVE && r->from_ds >= 0)
            continue;
        if (!*r->form && !*r->block) {
            if (r->alg == ALG_DERIVE)
                continue; /* a named derivation applied to the whole dataset */
            return rule_fail(err, s, r, "Form", "rule needs a Form (raw table)%s%s", "", "");
        }
        snprintf(name, sizeof name, "%s", *r->block ? r->block : r->form);
        for (size_t j = 0; j < s->nblocks; j++)
            if (strcasecmp(s->blocks[j].name, name) == 0 && s->blocks[j].ds == r->ds) {
                b = (long)j;
                break;
            }
        if (b < 0) {
            struct spec_block *o = tp_reallocarray(s->blocks, s->nblocks + 1, sizeof *o);
            if (!o)
                return TP_E_NOMEM;
            s->blocks = o;
            memset(&o[s->nblocks], 0, sizeof o[0]);
            o[s->nblocks].name = tp_strdup(name);
            if (!o[s->nblocks].name)
                return TP_E_NOMEM;
            o[s->nblocks].ds = r->ds;
            o[s->nblocks].form = r->form;
            o[s->nblocks].filter_rule = o[s->nblocks].relrec_rule = -1;
            o[s->nblocks].form_idx = -1;
            b = (long)s->nblocks++;
        }
        {
            struct spec_block *bl = &s->blocks[b];
            if (*r->form && !*bl->form)
                bl->form = r->form;
            else if (*r->form && strcasecmp(r->form, bl->form) != 0)
                return rule_fail(err, s, r, "Form", "block '%s' already reads form '%s'",
                                 bl->name, bl->form);
            r->block_idx = b;
            if (r->alg == ALG_FILTER) {
                if (bl->filter_rule >= 0)
                    return rule_fail(err, s, r, "Algorithm", "block '%s' has two filters%s",
                                     bl->name, "");
                bl->filter_rule = (long)i;
            } else if (r->alg == ALG_RELREC) {
                bl->relrec_rule = (long)i;
            } else if (r->alg == ALG_FINDINGS) {
                size_t *o = tp_reallocarray(bl->findings, bl->nfindings + 1, sizeof *o);
                if (!o)
                    return TP_E_NOMEM;
                bl->findings = o;
                bl->findings[bl->nfindings++] = i;
            } else {
                size_t *o = tp_reallocarray(bl->rules, bl->nrules + 1, sizeof *o);
                if (!o)
                    return TP_E_NOMEM;
                bl->rules = o;
                bl->rules[bl->nrules++] = i;
            }
        }
    }
    for (size_t j = 0; j < s->nblocks; j++)
        if (!*s->blocks[j].form) {
            const struct sheet *sh = &s->rules_sh;
            for (size_t i = 0; i < s->nrules; i++)
                if (s->rules[i].block_idx == (long)j)
                    return sheet_fail(err, TP_E_SPEC, sh, row_of_line(sh, s->rules[i].line),
                                      sheet_col(sh, "Form"), "block '%s' names no Form",
                                      s->blocks[j].name);
        }
    return TP_OK;
}

/*
 * Circular derivations: a rule that reads a target variable (=VAR source, derive from=) depends
 * on the rules that set that variable. Depth-first search over the rule graph; the error names
 * the rule that closes the cycle. Also orders each block's rules so that dependencies run first.
 */
static int dep_visit(struct tp_spec *s, size_t i, char *state, size_t *order, size_t *norder,
                     struct tp_error *err)
{
    struct spec_rule *r = &s->rules[i];
    if (state[i] == 2)
        return TP_OK;
    if (state[i] == 1)
        return rule_fail(err, s, r, "Source", "circular derivation through %s.%s", r->dataset,
                         r->variable);
    state[i] = 1;
    for (size_t k = 0; k <= r->nsrc; k++) {
        long need_var = -1;
        if (k < r->nsrc && r->src[k].kind == SRC_VAR)
            need_var = r->src[k].idx;
        else if (k == r->nsrc && r->alg == ALG_DERIVE && r->from_var >= 0)
            need_var = r->from_var;
        if (need_var < 0)
            continue;
        for (size_t j = 0; j < s->nrules; j++)
            if (s->rules[j].var == need_var) {
                int rc = dep_visit(s, j, state, order, norder, err);
                if (rc) {
                    return rc;
                }
            }
    }
    state[i] = 2;
    order[(*norder)++] = i;
    return TP_OK;
}

static int check_cycles(struct tp_spec *s, struct tp_error *err)
{
    char *state = tp_calloc(s->nrules + 1, 1);
    size_t *order = tp_calloc(s->nrules + 1, sizeof *order), *rank, norder = 0;
    int rc = TP_OK;
    if (!state || !order) {
        tp_free(state);
        tp_free(order);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < s->nrules && !rc; i++)
        rc = dep_visit(s, i, state, order, &norder, err);
    if (!rc && (rank = tp_calloc(s->nrules + 1, sizeof *rank))) {
        for (size_t i = 0; i < norder; i++)
            rank[order[i]] = i;
        for (size_t b = 0; b < s->nblocks; b++) {
            struct spec_block *bl = &s->blocks[b];
            for (size_t a = 1; a < bl->nrules; a++) {
                size_t x = bl->rules[a], c = a;
                while (c > 0 && rank[bl->rules[c - 1]] > rank[x]) {
                    bl->rules[c] = bl->rules[c - 1];
                    c--;
                }
                bl->rules[c] = x;
            }
        }
        tp_free(rank);
    } else if (!rc)
        rc = TP_E_NOMEM;
    tp_free(state);
    tp_free(order);
    return rc;
}

/* WhereClauses.csv and ValueLevel.csv name datasets, variables, clauses and codelists. */
static int check_vlm(struct tp_spec *s, struct tp_error *err)
{
    const struct sheet *w = &s->where_sh, *v = &s->vlm_sh;
    long w_id = sheet_col(w, "ID"), w_ds = sheet_col(w, "Dataset"), w_var = sheet_col(w, "Variable");
    long v_ds = sheet_col(v, "Dataset"), v_var = sheet_col(v, "Variable"),
         v_wc = sheet_col(v, "WhereClause"), v_cl = sheet_col(v, "CodeList");
    for (size_t r = 0; r < w->nrows; r++) {
        const char *dn = sheet_get(w, r, w_ds), *vn = sheet_get(w, r, w_var);
        long d = spec_find_ds(s, dn);
        if (d < 0)
            return sheet_fail(err, TP_E_SPEC, w, r, w_ds, "dataset '%s' not in Datasets.csv", dn);
        if (spec_find_var(s, d, vn) < 0)
            return sheet_fail(err, TP_E_SPEC, w, r, w_var, "variable '%s' not in dataset %s", vn,
                              dn);
    }
    for (size_t r = 0; r < v->nrows; r++) {
        const char *dn = sheet_get(v, r, v_ds), *vn = sheet_get(v, r, v_var),
                   *wc = sheet_get(v, r, v_wc), *cl = sheet_get(v, r, v_cl);
        long d = spec_find_ds(s, dn);
        bool found = false;
        if (d < 0)
            return sheet_fail(err, TP_E_SPEC, v, r, v_ds, "dataset '%s' not in Datasets.csv", dn);
        if (spec_find_var(s, d, vn) < 0)
            return sheet_fail(err, TP_E_SPEC, v, r, v_var, "variable '%s' not in dataset %s", vn,
                              dn);
        for (size_t k = 0; k < w->nrows && !found; k++)
            found = strcmp(sheet_get(w, k, w_id), wc) == 0;
        /* a cell with blanks is an inline clause ("VSTESTCD EQ TEMP"), parsed by the define
           writer; a bare token must name a WhereClauses.csv row */
        if (*wc && !found && !strchr(wc, ' '))
            return sheet_fail(err, TP_E_SPEC, v, r, v_wc,
                              "where clause '%s' not in WhereClauses.csv", wc);
        if (*cl && spec_find_cl(s, cl) < 0)
            return sheet_fail(err, TP_E_SPEC, v, r, v_cl, "codelist '%s' not in Codelists.csv",
                              cl);
    }
    return TP_OK;
}

int spec_check(struct tp_spec *s, struct tp_error *err)
{
    int rc;
    if ((rc = check_vars(s, err)) || (rc = check_ct(s, err)) || (rc = check_vlm(s, err)))
        return rc;
    for (size_t i = 0; i < s->nrules; i++)
        if ((rc = check_rule(s, &s->rules[i], err)))
            return rc;
    if ((rc = build_blocks(s, err)) || (rc = check_cycles(s, err)))
        return rc;
    return TP_OK;
}
