/*
 * Unit tests of the rules module: ISO 8601 as SDTMIG 3.4 section 4.4 uses it, study-day
 * arithmetic, the hash map and fingerprint set, the CSV reader, SHA-256, the catalogue and the
 * public validation API on a tiny package written at test time.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rules.h"
#include "trialpack/format.h"
#include "trialpack/trialpack.h"

#define S(x) x, strlen(x)

Test(rules, iso8601_complete_and_partial_values)
{
    const char *ok[] = {"2003",
                        "2003-12",
                        "2003-12-15",
                        "2003-12-15T13",
                        "2003-12-15T13:14",
                        "2003-12-15T13:14:17",
                        "2003-12-15T13:14:17.123",
                        "2003-12-15T13:14:17Z",
                        "2003-12-15T13:14+01:00",
                        "2003---15",
                        "--12-15",
                        "-----T07:15",
                        "2003-12-15T-:15",
                        "2003-12-15T13:-:17",
                        "2024-02-29",
                        NULL};
    const char *bad[] = {
        "20031215",         "2003-1-15",   "2003-13-01", "2003-02-30", "2023-02-29",
        "2003-12-15 13:14", "2003-12-15T", "2003-",      "T07:15",     "2003-12-15T25",
        "15/12/2003",       "2003-12--",   "",           NULL};
    for (int i = 0; ok[i]; i++)
        cr_expect(rules_iso_datetime(S(ok[i]), NULL), "%s should be valid", ok[i]);
    for (int i = 0; bad[i]; i++)
        cr_expect(!rules_iso_datetime(S(bad[i]), NULL), "%s should be invalid", bad[i]);
}

Test(rules, iso8601_intervals_and_durations)
{
    cr_expect(rules_iso_dtc(S("2003-01-01/2003-06-30"), true));
    cr_expect(rules_iso_dtc(S("2003-01-01/P6M"), true));
    cr_expect(rules_iso_dtc(S("P6M/2003-06-30"), true));
    cr_expect(!rules_iso_dtc(S("2003-01-01/2003-06-30"), false));
    cr_expect(!rules_iso_dtc(S("P6M/P1D"), true));
    cr_expect(rules_iso_duration(S("P1Y2M3DT4H5M6S"), false));
    cr_expect(rules_iso_duration(S("PT0.5H"), false));
    cr_expect(rules_iso_duration(S("P4.5W"), false));
    cr_expect(!rules_iso_duration(S("P1W2D"), false), "weeks never combine");
    cr_expect(!rules_iso_duration(S("P0.5DT1H"), false), "decimal only in the last component");
    cr_expect(!rules_iso_duration(S("P"), false));
    cr_expect(!rules_iso_duration(S("PT"), false));
    cr_expect(!rules_iso_duration(S("1 day"), false));
    cr_expect(!rules_iso_duration(S("-P1D"), false));
    cr_expect(rules_iso_duration(S("-P1D"), true));
}

Test(rules, study_day_arithmetic)
{
    long a, b;
    cr_assert(rules_iso_days(S("2024-01-10"), &a));
    cr_assert(rules_iso_days(S("2024-03-01T10:00"), &b));
    cr_expect_eq(b - a, 51);
    cr_expect(!rules_iso_days(S("2024-01"), &a), "partial dates have no day number");
    cr_expect(!rules_iso_days(S("2024---10"), &a));
    cr_assert(rules_iso_days(S("1970-01-01"), &a));
    cr_expect_eq(a, 0);
}

Test(rules, iso8601_compare_at_common_precision)
{
    bool c;
    cr_expect_eq(rules_iso_cmp(S("2024-01-15"), S("2024-01-16"), &c), -1);
    cr_expect(c);
    cr_expect_eq(rules_iso_cmp(S("2024-01-15T10:00"), S("2024-01-15"), &c), 0);
    cr_expect(c, "equal at the common (day) precision");
    cr_expect_eq(rules_iso_cmp(S("2024-02"), S("2024-01-31"), &c), 1);
    rules_iso_cmp(S("--12-15"), S("2024-12-15"), &c);
    cr_expect(!c, "no year: not comparable");
}

Test(rules, map_and_fingerprint_set)
{
    struct rules_map m;
    struct rules_fpset s;
    bool created, existed;
    uint32_t first;
    int one = 1;
    rules_map_init(&m);
    for (int i = 0; i < 5000; i++) {
        char k[32];
        snprintf(k, sizeof k, "S1-%05d", i);
        cr_assert_not_null(rules_map_slot(&m, k, strlen(k), &created));
        cr_expect(created);
    }
    cr_expect_eq(m.n, 5000);
    cr_expect(rules_map_has(&m, S("S1-04999")));
    cr_expect(!rules_map_has(&m, S("S1-05000")));
    cr_assert_eq(rules_map_puts(&m, "S1-00007", &one), TP_OK);
    cr_expect_eq(rules_map_gets(&m, "S1-00007"), &one);
    /* binary keys with NUL bytes */
    cr_assert_not_null(rules_map_slot(&m, "a\0b", 3, &created));
    cr_expect(created);
    cr_expect(!rules_map_has(&m, "a\0c", 3));
    rules_map_release(&m, NULL);

    rules_fpset_init(&s);
    for (uint32_t i = 0; i < 100000; i++)
        cr_assert_eq(rules_fpset_add(&s, rules_hash(&i, sizeof i, 0), i, &existed, &first), TP_OK);
    {
        uint32_t i = 4242;
        cr_assert_eq(rules_fpset_add(&s, rules_hash(&i, sizeof i, 0), 99, &existed, &first), TP_OK);
        cr_expect(existed);
        cr_expect_eq(first, 4242);
    }
    cr_expect_eq(s.n, 100000);
    rules_fpset_release(&s);
}

Test(rules, csv_reader_quotes_and_errors)
{
    struct rules_csv c;
    struct tp_error err;
    const char *t = "a,b,c\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n\n2,,\n";
    tp_error_init(&err);
    cr_assert_eq(rules_csv_parse(t, strlen(t), "t.csv", &c, &err), TP_OK);
    cr_expect_eq(c.nrows, 2);
    cr_expect_str_eq(rules_csv_cell(&c, 0, 1), "x,y");
    cr_expect_str_eq(rules_csv_cell(&c, 0, 2), "say \"hi\"");
    cr_expect_str_eq(rules_csv_cell(&c, 1, 1), "");
    cr_expect_eq(rules_csv_col(&c, "B"), 1);
    rules_csv_release(&c);
    t = "a,b\n1,2,3\n";
    cr_expect_eq(rules_csv_parse(t, strlen(t), "t.csv", &c, &err), TP_E_PARSE);
    cr_expect_eq(err.loc.line, 2);
}

Test(rules, sha256_known_vectors)
{
    char h[65];
    rules_sha256_hex("", 0, h);
    cr_expect_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    rules_sha256_hex("abc", 3, h);
    cr_expect_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    rules_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
    cr_expect_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static const char *test_datadir(void)
{
    const char *d = getenv("TP_DATADIR");
    return d ? d : tp_datadir();
}

Test(rules, catalogue_loads_with_identity_and_implemented_rules)
{
    struct tp_validate_opts o;
    struct tp_validation *v;
    struct tp_error err;
    size_t impl = 0;
    tp_error_init(&err);
    tp_validate_opts_init(&o);
    o.datadir = test_datadir();
    cr_assert_eq(tp_validation_new(&o, &v, &err), TP_OK, "%s", err.msg);
    cr_expect_eq(strlen(tp_validation_catalogue_sha256(v)), 64);
    cr_expect_neq(tp_validation_catalogue_version(v)[0], '\0');
    for (size_t i = 0; i < tp_validation_nrules(v); i++) {
        struct tp_rule_info ri;
        tp_validation_rule_at(v, i, &ri);
        impl += ri.implemented;
        if (ri.implemented)
            cr_expect(ri.supported, "%s enabled without a check", ri.id);
    }
    cr_expect_geq(impl, 100);
    tp_validation_free(v);
}

/* A two-record DM with a duplicate subject, written as XPT, validated through the public API. */
Test(rules, validate_package_reports_duplicate_subject)
{
    char dir[] = "/tmp/tp-rules-unit.XXXXXX", path[256];
    struct tp_dataset *ds;
    struct tp_var v;
    struct tp_error err;
    struct tp_report *rep;
    struct tp_validate_opts o;
    size_t first;
    const char *names[] = {"STUDYID", "DOMAIN", "USUBJID", "SUBJID"};
    bool found = false;
    tp_error_init(&err);
    cr_assert_not_null(mkdtemp(dir));
    ds = tp_dataset_new("DM", "Demographics");
    for (int i = 0; i < 4; i++) {
        memset(&v, 0, sizeof v);
        v.name = (char *)names[i];
        v.label = (char *)names[i];
        v.type = TP_CHAR;
        v.length = 8;
        cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_OK);
    }
    cr_assert_eq(tp_dataset_add_rows(ds, 2, &first, &err), TP_OK);
    for (size_t r = 0; r < 2; r++) {
        tp_dataset_set_str(ds, r, 0, "S1", 2);
        tp_dataset_set_str(ds, r, 1, "DM", 2);
        tp_dataset_set_str(ds, r, 2, "S1-001", 6);
        tp_dataset_set_str(ds, r, 3, r ? "002" : "001", 3);
    }
    snprintf(path, sizeof path, "%s/dm.xpt", dir);
    cr_assert_eq(tp_write_file(path, NULL, ds, NULL, &err), TP_OK, "%s", err.msg);
    tp_dataset_free(ds);
    rep = tp_report_new();
    tp_validate_opts_init(&o);
    o.datadir = test_datadir();
    snprintf(path, sizeof path, "%s/report.json", dir);
    cr_assert_eq(tp_validate_package(dir, &o, rep, path, TP_REPORT_JSON, &err), TP_OK, "%s",
                 err.msg);
    cr_expect_gt(tp_report_count_severity(rep, TP_SEV_ERROR), 0);
    for (size_t i = 0; i < tp_report_nrules(rep); i++) {
        const char *id;
        size_t n;
        enum tp_severity w;
        tp_report_rule_at(rep, i, &id, &n, &w);
        found |= strcmp(id, "TP0047") == 0;
    }
    cr_expect(found, "TP0047 (one DM record per subject) reported");
    cr_expect_eq(access(path, R_OK), 0, "report written into the package");
    tp_report_free(rep);
    remove(path);
    snprintf(path, sizeof path, "%s/dm.xpt", dir);
    remove(path);
    rmdir(dir);
}
