/*
 * Report writers for validation findings (include/trialpack/rules.h): CSV and JSON stream every
 * finding as it arrives (no caps); text keeps the first examples of each rule and prints a
 * terminal-sized summary at the end; HTML keeps the first records of each rule and writes one
 * self-contained page (no scripts: <details> gives the drill-down). Every format names the rule
 * catalogue as "rules VERSION sha256:HEX". A file output is written to a temporary name and
 * renamed by close, so a report is either complete or absent.
 */
#include "rules.h"

#include <errno.h>
#include <unistd.h>

#define RW_TEXT_EXAMPLES 3
#define RW_HTML_RECORDS 200

struct rw_example {
    enum tp_severity sev;
    char *path, *dataset, *variable, *value, *message;
    long line, row;
};

struct rw_rule {
    char *id;
    size_t count;
    enum tp_severity worst;
    struct rw_example *ex;
    size_t nex, cex;
};

struct tp_report_writer {
    FILE *f;
    bool own;
    char *path, *tmp;
    enum tp_report_format fmt;
    const struct tp_validation *v;
    size_t emitted;
    struct rw_rule *rules;
    size_t nrules, crules;
    size_t keep;
    bool failed;
};

/* ---- escaping ---- */

static void rw_csv(FILE *f, const char *s)
{
    if (!s)
        s = "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void rw_json(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void rw_html(FILE *f, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*p, f);
        }
    }
}

/* ---- open ---- */

static void rw_catalogue_line(FILE *f, const struct tp_validation *v)
{
    fprintf(f, "rules %s sha256:%s", tp_validation_catalogue_version(v),
            tp_validation_catalogue_sha256(v));
}

int tp_report_writer_open(const char *path, FILE *fp, enum tp_report_format fmt,
                          const struct tp_validation *v, struct tp_report_writer **out,
                          struct tp_error *err)
{
    struct tp_report_writer *w;
    *out = NULL;
    w = tp_calloc(1, sizeof *w);
    if (!w)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    w->fmt = fmt;
    w->v = v;
    w->keep = fmt == TP_REPORT_HTML   ? RW_HTML_RECORDS
              : fmt == TP_REPORT_TEXT ? RW_TEXT_EXAMPLES
                                      : 0;
    if (path) {
        size_t n = strlen(path) + 32;
        w->path = tp_strdup(path);
        w->tmp = tp_malloc(n);
        if (!w->path || !w->tmp) {
            tp_report_writer_abort(w);
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        }
        snprintf(w->tmp, n, "%s.tmp-%ld", path, (long)getpid());
        w->f = fopen(w->tmp, "w");
        if (!w->f) {
            int e = errno;
            tp_free(w->tmp);
            w->tmp = NULL;
            tp_report_writer_abort(w);
            return tp_fail(err, TP_E_IO, "cannot create '%s': %s", path, strerror(e));
        }
        w->own = true;
    } else {
        w->f = fp ? fp : stdout;
    }
    switch (fmt) {
    case TP_REPORT_CSV:
        fputs("severity,rule,path,line,dataset,variable,row,value,message\n", w->f);
        break;
    case TP_REPORT_JSON:
        fprintf(w->f, "{\"catalogue\":{\"version\":");
        rw_json(w->f, tp_validation_catalogue_version(v));
        fprintf(w->f, ",\"sha256\":");
        rw_json(w->f, tp_validation_catalogue_sha256(v));
        fprintf(w->f, ",\"standard\":");
        rw_json(w->f, tp_validation_standard(v));
        fprintf(w->f, ",\"ct\":");
        rw_json(w->f, tp_validation_ct_source(v));
        fprintf(w->f, "},\n\"findings\":[");
        break;
    default: break;
    }
    *out = w;
    return TP_OK;
}

/* ---- findings ---- */

static struct rw_rule *rw_rule(struct tp_report_writer *w, const char *id)
{
    for (size_t i = w->nrules; i-- > 0;)
        if (strcmp(w->rules[i].id, id) == 0)
            return &w->rules[i];
    if (tp_grow((void **)&w->rules, &w->crules, w->nrules + 1, sizeof *w->rules))
        return NULL;
    memset(&w->rules[w->nrules], 0, sizeof w->rules[0]);
    if (!(w->rules[w->nrules].id = tp_strdup(id)))
        return NULL;
    return &w->rules[w->nrules++];
}

static int rw_sink(const struct tp_finding *fd, void *ctx)
{
    struct tp_report_writer *w = ctx;
    FILE *f = w->f;
    struct rw_rule *rr = rw_rule(w, fd->rule_id);
    if (!rr)
        return TP_E_NOMEM;
    rr->count++;
    if (fd->severity > rr->worst)
        rr->worst = fd->severity;
    if (rr->nex < w->keep) {
        struct rw_example *e;
        if (tp_grow((void **)&rr->ex, &rr->cex, rr->nex + 1, sizeof *rr->ex))
            return TP_E_NOMEM;
        e = &rr->ex[rr->nex++];
        e->sev = fd->severity;
        e->path = tp_strdup(fd->path);
        e->dataset = tp_strdup(fd->dataset);
        e->variable = tp_strdup(fd->variable);
        e->value = tp_strdup(fd->value);
        e->message = tp_strdup(fd->message);
        e->line = fd->line;
        e->row = fd->row;
        if (!e->path || !e->dataset || !e->variable || !e->value || !e->message)
            return TP_E_NOMEM;
    }
    switch (w->fmt) {
    case TP_REPORT_CSV:
        fprintf(f, "%s,", tp_severity_name(fd->severity));
        rw_csv(f, fd->rule_id);
        fputc(',', f);
        rw_csv(f, fd->path);
        fprintf(f, ",%ld,", fd->line > 0 ? fd->line : 0);
        rw_csv(f, fd->dataset);
        fputc(',', f);
        rw_csv(f, fd->variable);
        fprintf(f, ",%ld,", fd->row > 0 ? fd->row : 0);
        rw_csv(f, fd->value);
        fputc(',', f);
        rw_csv(f, fd->message);
        fputc('\n', f);
        break;
    case TP_REPORT_JSON:
        fprintf(f, "%s\n{\"severity\":\"%s\",\"rule\":", w->emitted ? "," : "",
                tp_severity_name(fd->severity));
        rw_json(f, fd->rule_id);
        fprintf(f, ",\"path\":");
        rw_json(f, fd->path);
        fprintf(f, ",\"line\":%ld,\"dataset\":", fd->line > 0 ? fd->line : 0);
        rw_json(f, fd->dataset);
        fprintf(f, ",\"variable\":");
        rw_json(f, fd->variable);
        fprintf(f, ",\"row\":%ld,\"value\":", fd->row > 0 ? fd->row : 0);
        rw_json(f, fd->value);
        fprintf(f, ",\"message\":");
        rw_json(f, fd->message);
        fputc('}', f);
        break;
    default: break;
    }
    w->emitted++;
    return TP_OK;
}

void tp_report_writer_attach(struct tp_report_writer *w, struct tp_report *rep)
{
    tp_report_set_sink(rep, rw_sink, w, false);
}

/* ---- close ---- */

static void rw_free(struct tp_report_writer *w)
{
    for (size_t i = 0; i < w->nrules; i++) {
        for (size_t k = 0; k < w->rules[i].nex; k++) {
            struct rw_example *e = &w->rules[i].ex[k];
            tp_free(e->path);
            tp_free(e->dataset);
            tp_free(e->variable);
            tp_free(e->value);
            tp_free(e->message);
        }
        tp_free(w->rules[i].ex);
        tp_free(w->rules[i].id);
    }
    tp_free(w->rules);
    tp_free(w->path);
    tp_free(w->tmp);
    tp_free(w);
}

void tp_report_writer_abort(struct tp_report_writer *w)
{
    if (!w)
        return;
    if (w->own && w->f) {
        fclose(w->f);
        if (w->tmp)
            remove(w->tmp);
    }
    rw_free(w);
}

/* Rules with findings ordered by severity (errors first), then id. */
static int rw_cmp(const void *a, const void *b)
{
    const struct rw_rule *x = a, *y = b;
    if (x->worst != y->worst)
        return x->worst > y->worst ? -1 : 1;
    return strcmp(x->id, y->id);
}

static bool rw_rule_info(const struct tp_validation *v, const char *id, struct tp_rule_info *ri)
{
    for (size_t i = 0; i < tp_validation_nrules(v); i++) {
        tp_validation_rule_at(v, i, ri);
        if (strcmp(ri->id, id) == 0)
            return true;
    }
    return false;
}

struct rw_counts {
    size_t impl, ran, skipped, na, notimpl;
    size_t datasets, define, odm;
    long long records;
};

static void rw_count(const struct tp_validation *v, struct rw_counts *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < tp_validation_nrules(v); i++) {
        struct tp_rule_info ri;
        tp_validation_rule_at(v, i, &ri);
        if (!ri.implemented) {
            c->notimpl++;
            continue;
        }
        c->impl++;
        if (ri.status == TP_RULE_RAN)
            c->ran++;
        else if (ri.status == TP_RULE_SKIPPED)
            c->skipped++;
        else
            c->na++;
    }
    for (size_t i = 0; i < tp_validation_nfiles(v); i++) {
        const char *path, *kind, *ds;
        long long rows;
        tp_validation_file_at(v, i, &path, &kind, &ds, &rows);
        if (strcmp(kind, "define") == 0)
            c->define++;
        else if (strcmp(kind, "odm") == 0)
            c->odm++;
        else if (ds[0]) {
            c->datasets++;
            if (rows > 0)
                c->records += rows;
        }
    }
}

static void rw_text_close(struct tp_report_writer *w, const struct tp_report *rep)
{
    FILE *f = w->f;
    struct rw_counts c;
    rw_count(w->v, &c);
    if (w->nrules > 1)
        qsort(w->rules, w->nrules, sizeof *w->rules, rw_cmp);
    for (size_t i = 0; i < w->nrules; i++) {
        const struct rw_rule *rr = &w->rules[i];
        struct tp_rule_info ri;
        bool known = rw_rule_info(w->v, rr->id, &ri);
        fprintf(f, "%-7s %-7s %6zu  %s\n", tp_severity_name(rr->worst), rr->id, rr->count,
                known ? ri.description : "");
        for (size_t k = 0; k < rr->nex; k++) {
            const struct rw_example *e = &rr->ex[k];
            fprintf(f, "    %s", e->path);
            if (e->line > 0)
                fprintf(f, ":%ld", e->line);
            fputs(": ", f);
            if (e->dataset[0])
                fprintf(f, "%s%s%s ", e->dataset, e->variable[0] ? "." : "", e->variable);
            if (e->row > 0)
                fprintf(f, "record %ld: ", e->row);
            fputs(e->message, f);
            if (e->value[0] && !strstr(e->message, e->value))
                fprintf(f, " (value '%s')", e->value);
            fputc('\n', f);
        }
        if (rr->count > rr->nex)
            fprintf(f, "    ... %zu more\n", rr->count - rr->nex);
    }
    fprintf(f, "inputs: %zu dataset(s), %lld record(s), %zu define.xml, %zu ODM\n", c.datasets,
            c.records, c.define, c.odm);
    fputs("catalogue: ", f);
    rw_catalogue_line(f, w->v);
    fprintf(f, ", standard %s, CT %s\n", tp_validation_standard(w->v),
            tp_validation_ct_source(w->v)[0] ? tp_validation_ct_source(w->v) : "none");
    fprintf(f,
            "rules: %zu in catalogue, %zu implemented (%zu ran, %zu skipped, %zu not applicable), "
            "%zu not implemented\n",
            c.impl + c.notimpl, c.impl, c.ran, c.skipped, c.na, c.notimpl);
    if (c.skipped) {
        fputs("skipped:", f);
        for (size_t i = 0, shown = 0; i < tp_validation_nrules(w->v); i++) {
            struct tp_rule_info ri;
            tp_validation_rule_at(w->v, i, &ri);
            if (ri.status != TP_RULE_SKIPPED)
                continue;
            if (shown < 8)
                fprintf(f, " %s (%s)", ri.id, ri.skip_reason);
            else if (shown == 8)
                fputs(" ...", f);
            shown++;
        }
        fputc('\n', f);
    }
    fprintf(f, "%zu error(s), %zu warning(s), %zu notice(s)\n",
            tp_report_count_severity(rep, TP_SEV_ERROR),
            tp_report_count_severity(rep, TP_SEV_WARNING),
            tp_report_count_severity(rep, TP_SEV_NOTICE));
}

static void rw_json_close(struct tp_report_writer *w, const struct tp_report *rep)
{
    FILE *f = w->f;
    bool first = true;
    fprintf(f, "\n],\n\"rules\":[");
    for (size_t i = 0; i < tp_validation_nrules(w->v); i++) {
        struct tp_rule_info ri;
        tp_validation_rule_at(w->v, i, &ri);
        fprintf(f, "%s\n{\"id\":", first ? "" : ",");
        rw_json(f, ri.id);
        fprintf(f, ",\"severity\":");
        rw_json(f, ri.severity);
        fprintf(f, ",\"check\":");
        rw_json(f, ri.check);
        fprintf(f, ",\"status\":");
        rw_json(f, tp_rule_status_name(ri.status));
        if (ri.skip_reason[0]) {
            fprintf(f, ",\"skip_reason\":");
            rw_json(f, ri.skip_reason);
        }
        fprintf(f, ",\"findings\":%zu}", ri.findings);
        first = false;
    }
    /* findings under ids outside the catalogue (XML, READ) */
    for (size_t i = 0; i < w->nrules; i++) {
        struct tp_rule_info ri;
        if (rw_rule_info(w->v, w->rules[i].id, &ri))
            continue;
        fprintf(f, ",\n{\"id\":");
        rw_json(f, w->rules[i].id);
        fprintf(f, ",\"severity\":\"%s\",\"status\":\"ran\",\"findings\":%zu}",
                tp_severity_name(w->rules[i].worst), w->rules[i].count);
    }
    fprintf(f, "\n],\n\"files\":[");
    for (size_t i = 0; i < tp_validation_nfiles(w->v); i++) {
        const char *path, *kind, *ds;
        long long rows;
        tp_validation_file_at(w->v, i, &path, &kind, &ds, &rows);
        fprintf(f, "%s\n{\"path\":", i ? "," : "");
        rw_json(f, path);
        fprintf(f, ",\"kind\":");
        rw_json(f, kind);
        fprintf(f, ",\"dataset\":");
        rw_json(f, ds);
        fprintf(f, ",\"records\":%lld}", rows);
    }
    fprintf(f, "\n],\n\"summary\":{\"errors\":%zu,\"warnings\":%zu,\"notices\":%zu}}\n",
            tp_report_count_severity(rep, TP_SEV_ERROR),
            tp_report_count_severity(rep, TP_SEV_WARNING),
            tp_report_count_severity(rep, TP_SEV_NOTICE));
}

static const char rw_css[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top;"
    "font-size:.9em}th{background:#f0f0f0}.error{color:#a00;font-weight:bold}"
    ".warning{color:#a60}.notice{color:#555}details{margin:.4em 0}"
    "summary{cursor:pointer;font-weight:bold}.num{text-align:right}"
    "code{background:#f6f6f6;padding:0 .2em}.meta{color:#555}";

static void rw_html_close(struct tp_report_writer *w, const struct tp_report *rep)
{
    FILE *f = w->f;
    struct rw_counts c;
    size_t ne = tp_report_count_severity(rep, TP_SEV_ERROR);
    size_t nw = tp_report_count_severity(rep, TP_SEV_WARNING);
    size_t nn = tp_report_count_severity(rep, TP_SEV_NOTICE);
    rw_count(w->v, &c);
    if (w->nrules > 1)
        qsort(w->rules, w->nrules, sizeof *w->rules, rw_cmp);
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>trialpack validation report</title><style>%s</style></head><body>\n",
            rw_css);
    fprintf(f, "<h1>Validation report</h1>\n<p class=\"meta\" id=\"catalogue\">");
    rw_catalogue_line(f, w->v);
    fputs(" &middot; standard ", f);
    rw_html(f, tp_validation_standard(w->v));
    fputs(" &middot; CT ", f);
    rw_html(f, tp_validation_ct_source(w->v)[0] ? tp_validation_ct_source(w->v) : "none");
    fprintf(f,
            "</p>\n<p id=\"totals\"><span class=\"error\">%zu error(s)</span>, "
            "<span class=\"warning\">%zu warning(s)</span>, "
            "<span class=\"notice\">%zu notice(s)</span> in %zu dataset(s) (%lld records), "
            "%zu define.xml, %zu ODM file(s).</p>\n",
            ne, nw, nn, c.datasets, c.records, c.define, c.odm);
    fprintf(f,
            "<p class=\"meta\">Rules: %zu in the catalogue; %zu implemented (%zu ran, %zu "
            "skipped for missing input, %zu not applicable); %zu not implemented (never "
            "reported as passed).</p>\n",
            c.impl + c.notimpl, c.impl, c.ran, c.skipped, c.na, c.notimpl);
    fputs("<h2>Summary by rule</h2>\n<table id=\"summary\"><tr><th>Rule</th><th>Severity</th>"
          "<th>Findings</th><th>What is checked</th><th>CDISC / FDA ids</th></tr>\n",
          f);
    for (size_t i = 0; i < w->nrules; i++) {
        const struct rw_rule *rr = &w->rules[i];
        struct tp_rule_info ri;
        bool known = rw_rule_info(w->v, rr->id, &ri);
        fprintf(f, "<tr><td><a href=\"#r-%s\">", rr->id);
        rw_html(f, rr->id);
        fprintf(f, "</a></td><td class=\"%s\">%s</td><td class=\"num\">%zu</td><td>",
                tp_severity_name(rr->worst), tp_severity_name(rr->worst), rr->count);
        rw_html(f, known ? ri.description : "");
        fputs("</td><td>", f);
        if (known) {
            rw_html(f, ri.cdisc_id);
            if (ri.cdisc_id[0] && ri.fda_id[0])
                fputs(" ", f);
            rw_html(f, ri.fda_id);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<h2>Findings</h2>\n", f);
    for (size_t i = 0; i < w->nrules; i++) {
        const struct rw_rule *rr = &w->rules[i];
        struct tp_rule_info ri;
        bool known = rw_rule_info(w->v, rr->id, &ri);
        fprintf(f, "<details id=\"r-%s\"><summary><span class=\"%s\">", rr->id,
                tp_severity_name(rr->worst));
        rw_html(f, rr->id);
        fprintf(f, "</span> &mdash; %zu finding(s): ", rr->count);
        rw_html(f, rr->nex ? rr->ex[0].message : known ? ri.description : "");
        if (rr->count > 1)
            fputs(" &hellip;", f);
        fputs("</summary>\n<table><tr><th>File</th><th>Line</th><th>Dataset</th><th>Record</th>"
              "<th>Variable</th><th>Value</th><th>Message</th></tr>\n",
              f);
        for (size_t k = 0; k < rr->nex; k++) {
            const struct rw_example *e = &rr->ex[k];
            const char *base = strrchr(e->path, '/');
            fputs("<tr><td>", f);
            rw_html(f, base ? base + 1 : e->path);
            fputs("</td><td class=\"num\">", f);
            if (e->line > 0)
                fprintf(f, "%ld", e->line);
            fputs("</td><td>", f);
            rw_html(f, e->dataset);
            fputs("</td><td class=\"num\">", f);
            if (e->row > 0)
                fprintf(f, "%ld", e->row);
            fputs("</td><td>", f);
            rw_html(f, e->variable);
            fputs("</td><td><code>", f);
            rw_html(f, e->value);
            fputs("</code></td><td>", f);
            rw_html(f, e->message);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
        if (rr->count > rr->nex)
            fprintf(f,
                    "<p class=\"meta\">%zu more finding(s) of this rule are in the CSV or "
                    "JSON report.</p>\n",
                    rr->count - rr->nex);
        fputs("</details>\n", f);
    }
    fputs("<h2>Inputs</h2>\n<table id=\"files\"><tr><th>File</th><th>Kind</th><th>Dataset</th>"
          "<th>Records</th></tr>\n",
          f);
    for (size_t i = 0; i < tp_validation_nfiles(w->v); i++) {
        const char *path, *kind, *ds;
        long long rows;
        tp_validation_file_at(w->v, i, &path, &kind, &ds, &rows);
        fputs("<tr><td>", f);
        rw_html(f, path);
        fputs("</td><td>", f);
        rw_html(f, kind);
        fputs("</td><td>", f);
        rw_html(f, ds);
        fputs("</td><td class=\"num\">", f);
        if (rows >= 0)
            fprintf(f, "%lld", rows);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<h2>Rules not run</h2>\n<details><summary>Skipped and not implemented "
          "rules</summary>\n<table><tr><th>Rule</th><th>Status</th><th>Reason / check</th></tr>\n",
          f);
    for (size_t i = 0; i < tp_validation_nrules(w->v); i++) {
        struct tp_rule_info ri;
        tp_validation_rule_at(w->v, i, &ri);
        if (ri.status != TP_RULE_SKIPPED && ri.status != TP_RULE_NOT_IMPLEMENTED)
            continue;
        fputs("<tr><td>", f);
        rw_html(f, ri.id);
        fputs("</td><td>", f);
        rw_html(f, tp_rule_status_name(ri.status));
        fputs("</td><td>", f);
        rw_html(f, ri.status == TP_RULE_SKIPPED ? ri.skip_reason : ri.check);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></details>\n</body></html>\n", f);
}

int tp_report_writer_close(struct tp_report_writer *w, const struct tp_report *rep,
                           struct tp_error *err)
{
    int rc = TP_OK;
    switch (w->fmt) {
    case TP_REPORT_TEXT: rw_text_close(w, rep); break;
    case TP_REPORT_CSV:
        /* the catalogue identity as a last, recognisable record */
        fputs("info,#CATALOGUE,,0,,,0,,", w->f);
        rw_catalogue_line(w->f, w->v);
        fputc('\n', w->f);
        break;
    case TP_REPORT_JSON: rw_json_close(w, rep); break;
    case TP_REPORT_HTML: rw_html_close(w, rep); break;
    }
    if (w->own) {
        if (fclose(w->f) != 0 || rename(w->tmp, w->path) != 0) {
            rc = tp_fail(err, TP_E_IO, "cannot write '%s': %s", w->path, strerror(errno));
            remove(w->tmp);
        }
        w->f = NULL;
    } else if (fflush(w->f) != 0 || ferror(w->f)) {
        rc = tp_fail(err, TP_E_IO, "cannot write the report: %s", strerror(errno));
    }
    rw_free(w);
    return rc;
}
