/*
 * The IG tables the metadata rules compare against: mappings/standards/<standard>/datasets.csv
 * (Dataset, Label, Class, ...) and variables.csv (Dataset, Order, Variable, Label, Type, Codelist,
 * CodelistName, CodelistExtensible, Role, Core, ValueDomain, ValueList), built from the SDTMIG 3.4
 * / ADaMIG 1.3 text by mappings/standards/tools/build-standards.py.
 */
#include "rules.h"

#define STD_MAX_BYTES (32u << 20)

enum rules_class rules_class_from_text(const char *t)
{
    static const struct {
        const char *text;
        enum rules_class cls;
    } map[] = {
        {"Interventions", RC_INTERVENTIONS},
        {"Events", RC_EVENTS},
        {"Findings", RC_FINDINGS},
        {"Findings About", RC_FINDINGS_ABOUT},
        {"Special-Purpose", RC_SPECIAL_PURPOSE},
        {"Special Purpose", RC_SPECIAL_PURPOSE},
        {"Trial Design", RC_TRIAL_DESIGN},
        {"Relationship", RC_RELATIONSHIP},
        {"Study Reference", RC_STUDY_REFERENCE},
        {"SUBJECT LEVEL ANALYSIS DATASET", RC_ADSL},
        {"BASIC DATA STRUCTURE", RC_BDS},
        {"OCCURRENCE DATA STRUCTURE", RC_OCCDS},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(map[i].text, t) == 0)
            return map[i].cls;
    return RC_UNKNOWN;
}

static int std_read(const char *dir, const char *name, struct rules_csv *out, struct tp_error *err)
{
    char path[4096];
    char *text;
    size_t n;
    int rc;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((rc = rules_read_file(path, &text, &n, STD_MAX_BYTES, err)))
        return rc;
    rc = rules_csv_parse(text, n, path, out, err);
    tp_free(text);
    return rc;
}

int rules_std_load(struct rules_std *s, const char *dir, struct tp_error *err)
{
    int rc;
    long dcol[3], vcol[12];
    static const char *const vnames[12] = {
        "Dataset", "Order",    "Variable",     "Label",
        "Type",    "Codelist", "CodelistName", "CodelistExtensible",
        "Role",    "Core",     "ValueDomain",  "ValueList"};
    memset(s, 0, sizeof *s);
    rules_map_init(&s->by_ds);
    rules_map_init(&s->any_var);
    if ((rc = std_read(dir, "datasets.csv", &s->dcsv, err)) ||
        (rc = std_read(dir, "variables.csv", &s->vcsv, err))) {
        rules_std_release(s);
        return rc;
    }
    dcol[0] = rules_csv_col(&s->dcsv, "Dataset");
    dcol[1] = rules_csv_col(&s->dcsv, "Label");
    dcol[2] = rules_csv_col(&s->dcsv, "Class");
    for (int i = 0; i < 12; i++)
        vcol[i] = rules_csv_col(&s->vcsv, vnames[i]);
    if (dcol[0] < 0 || vcol[0] < 0 || vcol[2] < 0) {
        rules_std_release(s);
        return tp_fail(err, TP_E_SPEC, "standards tables in '%s' lack Dataset/Variable columns",
                       dir);
    }
    s->ds = tp_calloc(s->dcsv.nrows + 1, sizeof *s->ds);
    s->vars = tp_calloc(s->vcsv.nrows + 1, sizeof *s->vars);
    if (!s->ds || !s->vars)
        goto nomem;
    for (size_t i = 0; i < s->dcsv.nrows; i++) {
        struct rules_stdds *d = &s->ds[s->nds++];
        d->name = rules_csv_cell(&s->dcsv, i, dcol[0]);
        d->label = rules_csv_cell(&s->dcsv, i, dcol[1]);
        d->class_text = rules_csv_cell(&s->dcsv, i, dcol[2]);
        d->cls = rules_class_from_text(d->class_text);
        rules_map_init(&d->by_var);
        if (rules_map_puts(&s->by_ds, d->name, d))
            goto nomem;
    }
    for (size_t i = 0; i < s->vcsv.nrows; i++) {
        struct rules_stdvar *v = &s->vars[s->nvars++];
        const char *ext = rules_csv_cell(&s->vcsv, i, vcol[7]);
        struct rules_stdds *d;
        bool created;
        void **slot;
        v->dataset = rules_csv_cell(&s->vcsv, i, vcol[0]);
        v->order = (int)strtol(rules_csv_cell(&s->vcsv, i, vcol[1]), NULL, 10);
        v->name = rules_csv_cell(&s->vcsv, i, vcol[2]);
        v->label = rules_csv_cell(&s->vcsv, i, vcol[3]);
        v->type = rules_csv_cell(&s->vcsv, i, vcol[4]);
        v->codelist = rules_csv_cell(&s->vcsv, i, vcol[5]);
        v->codelist_name = rules_csv_cell(&s->vcsv, i, vcol[6]);
        v->extensible = strcasecmp(ext, "Yes") == 0;
        v->role = rules_csv_cell(&s->vcsv, i, vcol[8]);
        v->core = rules_csv_cell(&s->vcsv, i, vcol[9]);
        v->valuedomain = rules_csv_cell(&s->vcsv, i, vcol[10]);
        v->valuelist = rules_csv_cell(&s->vcsv, i, vcol[11]);
        (void)d;
        slot = rules_map_slot(&s->any_var, v->name, strlen(v->name), &created);
        if (!slot)
            goto nomem;
        if (created)
            *slot = v;
    }
    /* per-dataset variable arrays (second pass: sizes known) */
    for (size_t i = 0; i < s->nds; i++) {
        tp_free(s->ds[i].vars);
        s->ds[i].vars = NULL;
        s->ds[i].nvars = 0;
    }
    {
        size_t *count = tp_calloc(s->nds + 1, sizeof *count);
        if (!count)
            goto nomem;
        for (size_t i = 0; i < s->nvars; i++) {
            struct rules_stdds *d = rules_map_gets(&s->by_ds, s->vars[i].dataset);
            if (d)
                count[d - s->ds]++;
        }
        for (size_t i = 0; i < s->nds; i++) {
            s->ds[i].vars = tp_calloc(count[i] + 1, sizeof *s->ds[i].vars);
            if (!s->ds[i].vars) {
                tp_free(count);
                goto nomem;
            }
        }
        tp_free(count);
        for (size_t i = 0; i < s->nvars; i++) {
            struct rules_stdds *d = rules_map_gets(&s->by_ds, s->vars[i].dataset);
            if (!d)
                continue;
            d->vars[d->nvars++] = &s->vars[i];
            if (rules_map_puts(&d->by_var, s->vars[i].name, &s->vars[i]))
                goto nomem;
        }
    }
    return TP_OK;
nomem:
    rules_std_release(s);
    return tp_fail(err, TP_E_NOMEM, "out of memory");
}

void rules_std_release(struct rules_std *s)
{
    for (size_t i = 0; i < s->nds; i++) {
        tp_free(s->ds[i].vars);
        rules_map_release(&s->ds[i].by_var, NULL);
    }
    tp_free(s->ds);
    tp_free(s->vars);
    rules_map_release(&s->by_ds, NULL);
    rules_map_release(&s->any_var, NULL);
    rules_csv_release(&s->dcsv);
    rules_csv_release(&s->vcsv);
    memset(s, 0, sizeof *s);
}

const struct rules_stdds *rules_std_dataset(const struct rules_std *s, const char *name)
{
    return s && s->nds ? rules_map_gets(&s->by_ds, name) : NULL;
}

const struct rules_stdvar *rules_std_var(const struct rules_stdds *d, const char *name)
{
    return d ? rules_map_gets(&d->by_var, name) : NULL;
}
