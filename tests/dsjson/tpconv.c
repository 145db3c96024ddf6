/*
 * Test driver for the Dataset-JSON tests (the shell tests in this folder), using only the public
 * streaming API:
 *
 *   tpconv [-o key=value]... [-b rows] IN OUT     convert IN to OUT (formats by content/extension)
 *   tpconv [-o key=value]... --dump [--values] IN print metadata and every cell as text
 *   tpconv --can-read FORMAT | --can-write FORMAT  exit 0 when the format is registered
 *   tpconv [-o key=value]... --gen ROWS OUT        write a synthetic 12-column dataset (benchmarks)
 *   tpconv [-o key=value]... [-b rows] --count IN  read every row, print the count (benchmarks)
 *
 * Errors are printed as "path:line: error: msg" and give exit status 3 (bad input) or 4 (other).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trialpack/dataset.h"
#include "trialpack/format.h"

static void tpconv_error(const struct tp_error *err)
{
    char buf[1024];
    fprintf(stderr, "%s\n", tp_error_format(err, buf, sizeof buf));
}

static int tpconv_status(int rc)
{
    return rc == TP_E_PARSE ? 3 : 4;
}

static void tpconv_print_str(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static int tpconv_dump(const char *path, const struct tp_options *o, int values_only)
{
    struct tp_reader *r;
    struct tp_error err;
    const struct tp_dataset *m, *b;
    unsigned long long rec = 0;
    int rc;
    tp_error_init(&err);
    rc = tp_reader_open(path, NULL, o, &r, &err);
    if (rc) {
        tpconv_error(&err);
        return tpconv_status(rc);
    }
    m = tp_reader_meta(r);
    printf("dataset %s label ", tp_dataset_name(m));
    tpconv_print_str(tp_dataset_label(m), strlen(tp_dataset_label(m)));
    putchar('\n');
    if (!values_only) {
        for (size_t i = 0; i < tp_dataset_nattrs(m); i++) {
            const char *k, *v;
            tp_dataset_attr_at(m, i, &k, &v);
            if (strcmp(k, "dsjson.datasetJSONCreationDateTime") == 0)
                continue;
            printf("attr %s=%s\n", k, v);
        }
    }
    for (size_t i = 0; i < tp_dataset_nvars(m); i++) {
        const struct tp_var *v = tp_dataset_var(m, i);
        printf("var %s %s label ", v->name, v->type == TP_NUM ? "num" : "char");
        tpconv_print_str(v->label, strlen(v->label));
        if (!values_only) {
            char fmt[64];
            tp_var_format_text(v, false, fmt, sizeof fmt);
            printf(" length %zu format '%s' dataType %s target %s itemOID %s key %d", v->length,
                   fmt, v->data_type ? v->data_type : "-",
                   v->target_data_type ? v->target_data_type : "-", v->item_oid ? v->item_oid : "-",
                   v->key_sequence);
        }
        putchar('\n');
    }
    for (;;) {
        size_t n;
        rc = tp_reader_next(r, 1000, &b, &err);
        if (rc) {
            tpconv_error(&err);
            tp_reader_close(r);
            return tpconv_status(rc);
        }
        n = tp_dataset_nrows(b);
        if (n == 0)
            break;
        for (size_t row = 0; row < n; row++) {
            printf("%llu:", ++rec);
            for (size_t c = 0; c < tp_dataset_nvars(b); c++) {
                putchar(' ');
                if (tp_dataset_var(b, c)->type == TP_NUM) {
                    char miss;
                    double d = tp_dataset_num(b, row, c, &miss);
                    if (miss)
                        printf(".%c", miss == '.' ? ' ' : miss);
                    else
                        printf("%.17g", d);
                } else {
                    size_t len;
                    const char *s = tp_dataset_str(b, row, c, &len);
                    /* trailing blanks are not data in XPT; compare without them */
                    while (values_only && len && s[len - 1] == ' ')
                        len--;
                    tpconv_print_str(s, len);
                }
            }
            putchar('\n');
        }
    }
    tp_reader_close(r);
    return 0;
}

static int tpconv_count(const char *path, const struct tp_options *o, size_t batch_rows)
{
    struct tp_reader *r;
    struct tp_error err;
    unsigned long long rows = 0;
    int rc;
    tp_error_init(&err);
    r = NULL;
    rc = tp_reader_open(path, NULL, o, &r, &err);
    while (rc == TP_OK) {
        const struct tp_dataset *b;
        rc = tp_reader_next(r, batch_rows, &b, &err);
        if (rc == TP_OK && tp_dataset_nrows(b) == 0)
            break;
        rows += tp_dataset_nrows(b);
    }
    tp_reader_close(r); /* NULL when open failed */
    if (rc) {
        tpconv_error(&err);
        return tpconv_status(rc);
    }
    printf("%llu rows\n", rows);
    return 0;
}

static int tpconv_convert(const char *in, const char *out, const struct tp_options *o,
                          size_t batch_rows)
{
    struct tp_reader *r;
    struct tp_writer *w;
    struct tp_error err;
    int rc;
    tp_error_init(&err);
    rc = tp_reader_open(in, NULL, o, &r, &err);
    if (rc) {
        tpconv_error(&err);
        return tpconv_status(rc);
    }
    rc = tp_writer_open(out, NULL, tp_reader_meta(r), o, &w, &err);
    if (rc) {
        tpconv_error(&err);
        tp_reader_close(r);
        return tpconv_status(rc);
    }
    for (;;) {
        const struct tp_dataset *b;
        rc = tp_reader_next(r, batch_rows, &b, &err);
        if (rc == TP_OK && tp_dataset_nrows(b) == 0)
            break;
        if (rc == TP_OK)
            rc = tp_writer_write(w, b, &err);
        if (rc) {
            tpconv_error(&err);
            tp_writer_abort(w);
            tp_reader_close(r);
            return tpconv_status(rc);
        }
    }
    tp_reader_close(r);
    rc = tp_writer_close(w, &err);
    if (rc) {
        tpconv_error(&err);
        return tpconv_status(rc);
    }
    return 0;
}

/* 12 columns like a lab dataset: 6 character, 6 numeric (integer, float, date, datetime). */
static int tpconv_gen(unsigned long long rows, const char *out, const struct tp_options *o)
{
    static const struct {
        const char *name, *label, *dt, *fmt;
        enum tp_vartype type;
        size_t len;
    } cols[12] = {
        {"STUDYID", "Study Identifier", NULL, NULL, TP_CHAR, 12},
        {"DOMAIN", "Domain Abbreviation", NULL, NULL, TP_CHAR, 2},
        {"USUBJID", "Unique Subject Identifier", NULL, NULL, TP_CHAR, 20},
        {"LBSEQ", "Sequence Number", "integer", NULL, TP_NUM, 8},
        {"LBTESTCD", "Lab Test Short Name", NULL, NULL, TP_CHAR, 8},
        {"LBTEST", "Lab Test Name", NULL, NULL, TP_CHAR, 40},
        {"LBORRES", "Result in Original Units", NULL, NULL, TP_CHAR, 20},
        {"LBSTRESN", "Numeric Result in Standard Units", "double", NULL, TP_NUM, 8},
        {"LBSTNRLO", "Normal Range Lower Limit", "double", NULL, TP_NUM, 8},
        {"VISITNUM", "Visit Number", "integer", NULL, TP_NUM, 8},
        {"ADT", "Analysis Date", NULL, "DATE9.", TP_NUM, 8},
        {"ADTM", "Analysis Datetime", NULL, "DATETIME20.", TP_NUM, 8},
    };
    static const char *const tests[4][2] = {{"ALB", "Albumin"},
                                            {"ALT", "Alanine Aminotransferase"},
                                            {"GLUC", "Glucose"},
                                            {"HGB", "Hemoglobin"}};
    struct tp_dataset *ds = tp_dataset_new("LB", "Laboratory Test Results");
    struct tp_writer *w = NULL;
    struct tp_error err;
    char recs[32];
    int rc = 0;
    unsigned long long done = 0;
    tp_error_init(&err);
    for (size_t i = 0; i < 12 && !rc; i++) {
        struct tp_var v;
        memset(&v, 0, sizeof v);
        v.name = (char *)(uintptr_t)cols[i].name;
        v.label = (char *)(uintptr_t)cols[i].label;
        v.type = cols[i].type;
        v.length = cols[i].len;
        v.data_type = (char *)(uintptr_t)cols[i].dt;
        rc = tp_dataset_add_var(ds, &v, &err);
        if (!rc && cols[i].fmt)
            rc = tp_var_parse_format(tp_dataset_var_mut(ds, i), false, cols[i].fmt, &err);
    }
    snprintf(recs, sizeof recs, "%llu", rows);
    if (!rc && !getenv("TPCONV_NO_RECORDS"))
        rc = tp_dataset_set_attr(ds, "dsjson.records", recs);
    if (!rc)
        rc = tp_writer_open(out, NULL, ds, o, &w, &err);
    while (!rc && done < rows) {
        size_t n = rows - done > 10000 ? 10000 : (size_t)(rows - done), first;
        tp_dataset_clear_rows(ds);
        rc = tp_dataset_add_rows(ds, n, &first, &err);
        for (size_t i = 0; i < n && !rc; i++) {
            unsigned long long k = done + i;
            char subj[32], res[32];
            int t = (int)(k % 4);
            double val = 10.0 + (double)(k % 9973) / 7.0;
            int sl = snprintf(subj, sizeof subj, "STUDY01-%06llu", k / 40);
            int rl = snprintf(res, sizeof res, "%.1f", val);
            tp_dataset_set_str(ds, i, 0, "STUDY01", 7);
            tp_dataset_set_str(ds, i, 1, "LB", 2);
            tp_dataset_set_str(ds, i, 2, subj, (size_t)sl);
            tp_dataset_set_num(ds, i, 3, (double)(k % 40 + 1), 0);
            tp_dataset_set_str(ds, i, 4, tests[t][0], strlen(tests[t][0]));
            tp_dataset_set_str(ds, i, 5, tests[t][1], strlen(tests[t][1]));
            tp_dataset_set_str(ds, i, 6, res, (size_t)rl);
            tp_dataset_set_num(ds, i, 7, val, k % 50 == 0 ? '.' : 0);
            tp_dataset_set_num(ds, i, 8, 3.5, 0);
            tp_dataset_set_num(ds, i, 9, (double)(k % 10), 0);
            tp_dataset_set_num(ds, i, 10, 20000.0 + (double)(k % 1000), 0);
            tp_dataset_set_num(ds, i, 11, 1.7e9 + (double)(k % 100000) * 61.0, 0);
        }
        if (!rc)
            rc = tp_writer_write(w, ds, &err);
        done += n;
    }
    if (!rc) {
        rc = tp_writer_close(w, &err);
        w = NULL;
    }
    tp_writer_abort(w);
    tp_dataset_free(ds);
    if (rc) {
        tpconv_error(&err);
        return tpconv_status(rc);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct tp_options *o = tp_options_new();
    size_t batch = 10000;
    int i = 1, rc;
    if (!o)
        return 4;
    while (i + 1 < argc && (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "-b") == 0)) {
        if (argv[i][1] == 'b') {
            batch = (size_t)strtoul(argv[i + 1], NULL, 10);
        } else {
            char *eq = strchr(argv[i + 1], '=');
            if (!eq)
                return 2;
            *eq = '\0';
            tp_options_set(o, argv[i + 1], eq + 1);
        }
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--can-read") == 0 && i + 1 < argc)
        rc = tp_format_can_read(argv[i + 1]) ? 0 : 1;
    else if (i < argc && strcmp(argv[i], "--can-write") == 0 && i + 1 < argc)
        rc = tp_format_can_write(argv[i + 1]) ? 0 : 1;
    else if (i + 1 < argc && strcmp(argv[i], "--dump") == 0)
        rc = strcmp(argv[i + 1], "--values") == 0 && i + 2 < argc ? tpconv_dump(argv[i + 2], o, 1)
                                                                  : tpconv_dump(argv[i + 1], o, 0);
    else if (i + 1 < argc && strcmp(argv[i], "--count") == 0)
        rc = tpconv_count(argv[i + 1], o, batch ? batch : 1);
    else if (i + 2 < argc && strcmp(argv[i], "--gen") == 0)
        rc = tpconv_gen(strtoull(argv[i + 1], NULL, 10), argv[i + 2], o);
    else if (i + 2 == argc)
        rc = tpconv_convert(argv[i], argv[i + 1], o, batch ? batch : 1);
    else {
        fprintf(stderr, "usage: tpconv [-o k=v] [-b rows] IN OUT | --dump [--values] IN | "
                        "--gen ROWS OUT | --can-read FMT | --can-write FMT\n");
        rc = 2;
    }
    tp_options_free(o);
    if (fflush(stdout) != 0)
        return 4;
    return rc;
}
