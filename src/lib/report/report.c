/*
 * Findings storage (see include/trialpack/report.h). Strings are interned into one arena per
 * finding so that a report of millions of findings costs a few allocations each.
 */
#include "internal.h"
#include "trialpack/report.h"

#include <string.h>

struct report_rule {
    char *id;
    size_t count;
    enum tp_severity worst;
};

struct tp_report {
    struct tp_finding *items;
    size_t n, cap;
    size_t total;
    size_t by_sev[3];
    struct report_rule *rules;
    size_t nrules, rules_cap;
    tp_finding_fn sink;
    void *sink_ctx;
    bool keep;
};

struct tp_report *tp_report_new(void)
{
    struct tp_report *r = tp_calloc(1, sizeof(struct tp_report));
    if (r)
        r->keep = true;
    return r;
}

void tp_report_set_sink(struct tp_report *r, tp_finding_fn fn, void *ctx, bool keep)
{
    r->sink = fn;
    r->sink_ctx = ctx;
    r->keep = keep;
}

size_t tp_report_nrules(const struct tp_report *r)
{
    return r->nrules;
}

void tp_report_rule_at(const struct tp_report *r, size_t i, const char **rule_id, size_t *count,
                       enum tp_severity *worst)
{
    *rule_id = r->rules[i].id;
    *count = r->rules[i].count;
    *worst = r->rules[i].worst;
}

static int report_tally(struct tp_report *r, const struct tp_finding *f)
{
    const char *id = f->rule_id ? f->rule_id : "";
    enum tp_severity sev = f->severity > TP_SEV_ERROR ? TP_SEV_ERROR : f->severity;
    size_t i;
    /* rule catalogues are a few hundred entries: a linear scan from the most recent is cheap */
    for (i = r->nrules; i-- > 0;)
        if (strcmp(r->rules[i].id, id) == 0)
            break;
    if (i == (size_t)-1) {
        if (tp_grow((void **)&r->rules, &r->rules_cap, r->nrules + 1, sizeof *r->rules))
            return TP_E_NOMEM;
        i = r->nrules;
        r->rules[i].id = tp_strdup(id);
        if (!r->rules[i].id)
            return TP_E_NOMEM;
        r->rules[i].count = 0;
        r->rules[i].worst = sev;
        r->nrules++;
    }
    r->rules[i].count++;
    if (sev > r->rules[i].worst)
        r->rules[i].worst = sev;
    r->by_sev[sev]++;
    r->total++;
    return TP_OK;
}

void tp_report_free(struct tp_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        tp_free((void *)(uintptr_t)r->items[i].rule_id);   /* the arena starts at rule_id */
    for (size_t i = 0; i < r->nrules; i++)
        tp_free(r->rules[i].id);
    tp_free(r->rules);
    tp_free(r->items);
    tp_free(r);
}

int tp_report_add(struct tp_report *r, const struct tp_finding *f)
{
    const char *src[7] = {f->rule_id, f->path,  f->dataset, f->variable,
                          f->value,   f->message, NULL};
    size_t len[6], total = 0;
    char *arena, *p;
    struct tp_finding *d;
    int rc = report_tally(r, f);
    if (rc)
        return rc;
    if (r->sink && (rc = r->sink(f, r->sink_ctx)))
        return rc;
    if (!r->keep)
        return TP_OK;
    if (tp_grow((void **)&r->items, &r->cap, r->n + 1, sizeof *r->items))
        return TP_E_NOMEM;
    for (int i = 0; i < 6; i++) {
        len[i] = src[i] ? strlen(src[i]) : 0;
        total += len[i] + 1;
    }
    arena = tp_malloc(total);
    if (!arena)
        return TP_E_NOMEM;
    d = &r->items[r->n];
    *d = *f;
    p = arena;
    for (int i = 0; i < 6; i++) {
        const char **slot[6] = {&d->rule_id, &d->path, &d->dataset, &d->variable, &d->value,
                                &d->message};
        if (len[i])
            memcpy(p, src[i], len[i]);
        p[len[i]] = '\0';
        *slot[i] = p;
        p += len[i] + 1;
    }
    if (d->severity > TP_SEV_ERROR)
        d->severity = TP_SEV_ERROR;
    r->n++;
    return TP_OK;
}

size_t tp_report_count(const struct tp_report *r)
{
    return r->total;
}

size_t tp_report_count_severity(const struct tp_report *r, enum tp_severity s)
{
    return (unsigned)s <= TP_SEV_ERROR ? r->by_sev[s] : 0;
}

/* Stored findings only (all of them unless a sink was set with keep false). */
const struct tp_finding *tp_report_at(const struct tp_report *r, size_t i)
{
    return i < r->n ? &r->items[i] : NULL;
}

const char *tp_severity_name(enum tp_severity s)
{
    switch (s) {
    case TP_SEV_NOTICE: return "notice";
    case TP_SEV_WARNING: return "warning";
    case TP_SEV_ERROR: return "error";
    }
    return "error";
}
