/*
 * Unit tests of the columnar dataset model.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <string.h>

#include "internal.h"
#include "trialpack/dataset.h"

static struct tp_dataset *make_ds(void)
{
    struct tp_dataset *ds = tp_dataset_new("LB", "Laboratory Test Results");
    struct tp_var v = {0};
    v.name = (char *)"USUBJID";
    v.label = (char *)"Unique Subject Identifier";
    v.type = TP_CHAR;
    v.length = 20;
    cr_assert_eq(tp_dataset_add_var(ds, &v, NULL), TP_OK);
    v.name = (char *)"LBSTRESN";
    v.label = (char *)"Numeric Result";
    v.type = TP_NUM;
    v.length = 8;
    cr_assert_eq(tp_dataset_add_var(ds, &v, NULL), TP_OK);
    return ds;
}

Test(dataset, rows_hold_values_and_special_missings)
{
    struct tp_dataset *ds = make_ds();
    size_t first, len;
    char miss;
    cr_assert_eq(tp_dataset_add_rows(ds, 3, &first, NULL), TP_OK);
    cr_assert_eq(first, 0);
    tp_dataset_set_str(ds, 0, 0, "S-001", 5);
    tp_dataset_set_num(ds, 0, 1, 5.5, TP_PRESENT);
    tp_dataset_set_num(ds, 1, 1, 0, 'A');
    cr_assert_str_eq(tp_dataset_str(ds, 0, 0, &len), "S-001");
    cr_assert_eq(len, 5);
    cr_assert_eq(tp_dataset_num(ds, 0, 1, &miss), 5.5);
    cr_assert_eq(miss, TP_PRESENT);
    tp_dataset_num(ds, 1, 1, &miss);
    cr_assert_eq(miss, 'A');
    tp_dataset_num(ds, 2, 1, &miss);
    cr_assert_eq(miss, TP_MISSING, "new rows start missing");
    tp_dataset_str(ds, 2, 0, &len);
    cr_assert_eq(len, 0);
    tp_dataset_free(ds);
}

Test(dataset, duplicate_variable_is_rejected_case_insensitively)
{
    struct tp_dataset *ds = make_ds();
    struct tp_var v = {0};
    struct tp_error err;
    tp_error_init(&err);
    v.name = (char *)"usubjid";
    v.type = TP_CHAR;
    cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_E_USAGE);
    cr_assert(strstr(err.msg, "duplicate") != NULL);
    cr_assert_eq(tp_dataset_find_var(ds, "lbstresn"), 1);
    tp_dataset_free(ds);
}

Test(dataset, clear_rows_keeps_metadata_and_append_copies)
{
    struct tp_dataset *ds = make_ds(), *all;
    size_t first;
    tp_dataset_set_attr(ds, "xpt.dstype", "DATA");
    all = tp_dataset_clone_meta(ds);
    for (int batch = 0; batch < 3; batch++) {
        tp_dataset_clear_rows(ds);
        tp_dataset_add_rows(ds, 1000, &first, NULL);
        for (size_t i = 0; i < 1000; i++) {
            char id[16];
            snprintf(id, sizeof id, "S%d-%zu", batch, i);
            tp_dataset_set_str(ds, i, 0, id, strlen(id));
            tp_dataset_set_num(ds, i, 1, (double)i, TP_PRESENT);
        }
        cr_assert_eq(tp_dataset_append(all, ds, NULL), TP_OK);
    }
    cr_assert_eq(tp_dataset_nrows(all), 3000);
    cr_assert_str_eq(tp_dataset_str(all, 2999, 0, NULL), "S2-999");
    cr_assert_str_eq(tp_dataset_attr(all, "xpt.dstype"), "DATA");
    tp_dataset_free(ds);
    tp_dataset_free(all);
}

Test(dataset, sas_format_text_parses_and_prints)
{
    static const struct {
        const char *in, *name, *out;
        int w, d;
    } cases[] = {
        {"DATE9.", "DATE", "DATE9.", 9, 0},     {"$CHAR20.", "$CHAR", "$CHAR20.", 20, 0},
        {"8.2", NULL, "8.2", 8, 2},             {"E8601DA10.", "E8601DA", "E8601DA10.", 10, 0},
        {"best12.", "BEST", "BEST12.", 12, 0},  {"$", "$", "$.", 0, 0},
        {"DATE.", "DATE", "DATE.", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tp_var v = {0};
        char buf[64];
        cr_assert_eq(tp_var_parse_format(&v, false, cases[i].in, NULL), TP_OK, "%s", cases[i].in);
        if (cases[i].name)
            cr_expect_str_eq(v.format, cases[i].name, "%s", cases[i].in);
        else
            cr_expect_null(v.format, "%s", cases[i].in);
        cr_expect_eq(v.format_width, cases[i].w, "%s", cases[i].in);
        cr_expect_eq(v.format_decimals, cases[i].d, "%s", cases[i].in);
        tp_var_format_text(&v, false, buf, sizeof buf);
        cr_expect_str_eq(buf, cases[i].out);
        tp_free(v.format);
    }
}

Test(dataset, bad_format_text_is_an_error)
{
    struct tp_var v = {0};
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(tp_var_parse_format(&v, false, "DATE9.x", &err), TP_E_PARSE);
    cr_assert(strstr(err.msg, "DATE9.x") != NULL);
}
