/*
 * Findings: what validation reports about its input (not errors of the tool itself). A report
 * collects findings with a severity, a rule id and a location; the CLI turns them into text, CSV
 * or JSON and into an exit code (1 when any finding is an error).
 */
#ifndef TRIALPACK_REPORT_H
#define TRIALPACK_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "trialpack/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tp_severity { TP_SEV_NOTICE = 0, TP_SEV_WARNING = 1, TP_SEV_ERROR = 2 };

struct tp_finding {
    enum tp_severity severity;
    const char *rule_id;     /* "TP0001", "XSD" ... */
    const char *path;        /* file */
    long line;               /* XML/CSV line, -1 unknown */
    const char *dataset;     /* "" when none */
    const char *variable;
    long row;                /* 1-based record, -1 unknown */
    const char *value;       /* offending value, "" when none */
    const char *message;
};

struct tp_report;

/* New empty report; free with tp_report_free. */
struct tp_report *tp_report_new(void);
void tp_report_free(struct tp_report *r);
/* Stream findings: fn sees each finding as it is added; with keep false the report stores only
   counts (per severity and per rule), so memory does not grow with the number of findings. */
typedef int (*tp_finding_fn)(const struct tp_finding *f, void *ctx);
void tp_report_set_sink(struct tp_report *r, tp_finding_fn fn, void *ctx, bool keep);
/* Per-rule tallies, in first-seen order. */
size_t tp_report_nrules(const struct tp_report *r);
void tp_report_rule_at(const struct tp_report *r, size_t i, const char **rule_id, size_t *count,
                       enum tp_severity *worst);
/* Add a finding (all strings copied). */
int tp_report_add(struct tp_report *r, const struct tp_finding *f);
size_t tp_report_count(const struct tp_report *r);
size_t tp_report_count_severity(const struct tp_report *r, enum tp_severity s);
/* Borrowed view of finding i (valid until the report changes). */
const struct tp_finding *tp_report_at(const struct tp_report *r, size_t i);
const char *tp_severity_name(enum tp_severity s);

#ifdef __cplusplus
}
#endif
#endif
