/*
 * Unit tests of the findings report: storage, tallies per rule and severity, streaming sink.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <string.h>

#include "trialpack/report.h"

static struct tp_finding finding(const char *rule, enum tp_severity sev, long row)
{
    struct tp_finding f = {sev, rule, "dm.xpt", -1, "DM", "AGE", row, "-3", "negative age"};
    return f;
}

Test(report, stores_copies_and_counts_by_severity)
{
    struct tp_report *r = tp_report_new();
    char rule[8] = "TP0001";
    struct tp_finding f = finding(rule, TP_SEV_ERROR, 7);
    cr_assert_eq(tp_report_add(r, &f), 0);
    rule[0] = 'X';   /* the report must have copied the strings */
    f = finding("TP0002", TP_SEV_WARNING, 8);
    tp_report_add(r, &f);
    tp_report_add(r, &f);
    cr_assert_eq(tp_report_count(r), 3);
    cr_assert_eq(tp_report_count_severity(r, TP_SEV_ERROR), 1);
    cr_assert_eq(tp_report_count_severity(r, TP_SEV_WARNING), 2);
    cr_assert_str_eq(tp_report_at(r, 0)->rule_id, "TP0001");
    cr_assert_str_eq(tp_report_at(r, 0)->value, "-3");
    cr_assert_eq(tp_report_at(r, 0)->row, 7);
    tp_report_free(r);
}

Test(report, tallies_rules_in_first_seen_order)
{
    struct tp_report *r = tp_report_new();
    const char *id;
    size_t n;
    enum tp_severity worst;
    struct tp_finding a = finding("B", TP_SEV_NOTICE, 1), b = finding("A", TP_SEV_ERROR, 2);
    tp_report_add(r, &a);
    tp_report_add(r, &b);
    a.severity = TP_SEV_WARNING;
    tp_report_add(r, &a);
    cr_assert_eq(tp_report_nrules(r), 2);
    tp_report_rule_at(r, 0, &id, &n, &worst);
    cr_assert_str_eq(id, "B");
    cr_assert_eq(n, 2);
    cr_assert_eq(worst, TP_SEV_WARNING);
    tp_report_free(r);
}

static int count_sink(const struct tp_finding *f, void *ctx)
{
    (void)f;
    ++*(size_t *)ctx;
    return 0;
}

Test(report, sink_streams_without_storing)
{
    struct tp_report *r = tp_report_new();
    size_t seen = 0;
    struct tp_finding f = finding("TP0100", TP_SEV_ERROR, 1);
    tp_report_set_sink(r, count_sink, &seen, false);
    for (int i = 0; i < 100000; i++)
        tp_report_add(r, &f);
    cr_assert_eq(seen, 100000);
    cr_assert_eq(tp_report_count(r), 100000);
    cr_assert_null(tp_report_at(r, 0), "nothing stored when keep is false");
    tp_report_free(r);
}
