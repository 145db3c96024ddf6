/*
 * xpt_tool: a small test driver for the XPT format plugin, on the public API only
 * (tp_reader_* / tp_writer_*). The shell and Python checks in tests/xpt/ use it.
 *
 *   xpt_tool dump FILE                    every member as JSON lines (see below)
 *   xpt_tool convert IN OUT [KEY=VAL...]  stream the first member of IN to OUT; OUT's format by
 *                                         extension, or format=NAME; other KEY=VAL are options
 *                                         ("xpt.version=8", "profile=pmda")
 *   xpt_tool gen-edge OUT [KEY=VAL...]    write a dataset of edge values (variant=v5|short|v8|v9,
 *                                         rows=N keeps N of them) and print it as JSON lines
 *   xpt_tool bench-write OUT NROWS [KEY=VAL...]  LB-like rows, timed
 *   xpt_tool bench-read FILE              read every row, timed
 *
 * JSON lines: {"dataset":NAME,"label":..,"attrs":{..},"vars":[{..}]} per member, then one array
 * per row (numbers with 17 significant digits, missing values as {"missing":"."}, strings with
 * every byte >= 0x80 as \u00XX, so that Python's .encode("latin-1") restores the exact bytes),
 * then {"end":NROWS}.
 * Exit status: 0 ok, 1 error (message on stderr), 2 usage.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trialpack/trialpack.h"

#define BATCH 8192

static int die(const struct tp_error *err)
{
    char buf[600];
    fprintf(stderr, "xpt_tool: %s\n", tp_error_format(err, buf, sizeof buf));
    return 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- JSON output ---- */

static void json_str(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc((int)c, f);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            fputc((int)c, f);
            i++;
        } else { /* one \u00XX per byte: json.loads(...).encode("latin-1") gives the bytes back */
            fprintf(f, "\\u%04x", c);
            i++;
        }
    }
    fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    json_str(f, s, strlen(s));
}

static void dump_meta(FILE *f, const struct tp_dataset *ds)
{
    fputs("{\"dataset\":", f);
    json_cstr(f, tp_dataset_name(ds));
    fputs(",\"label\":", f);
    json_cstr(f, tp_dataset_label(ds));
    fputs(",\"attrs\":{", f);
    for (size_t i = 0; i < tp_dataset_nattrs(ds); i++) {
        const char *k, *v;
        tp_dataset_attr_at(ds, i, &k, &v);
        if (i)
            fputc(',', f);
        json_cstr(f, k);
        fputc(':', f);
        json_cstr(f, v);
    }
    fputs("},\"vars\":[", f);
    for (size_t i = 0; i < tp_dataset_nvars(ds); i++) {
        const struct tp_var *v = tp_dataset_var(ds, i);
        if (i)
            fputc(',', f);
        fputs("{\"name\":", f);
        json_cstr(f, v->name);
        fputs(",\"label\":", f);
        json_cstr(f, v->label ? v->label : "");
        fprintf(f,
                ",\"type\":\"%s\",\"length\":%zu,\"format\":", v->type == TP_NUM ? "num" : "char",
                v->length);
        json_cstr(f, v->format ? v->format : "");
        fprintf(f, ",\"fw\":%d,\"fd\":%d,\"fj\":%d,\"informat\":", v->format_width,
                v->format_decimals, v->format_just);
        json_cstr(f, v->informat ? v->informat : "");
        fprintf(f, ",\"iw\":%d,\"id\":%d}", v->informat_width, v->informat_decimals);
    }
    fputs("]}\n", f);
}

static void dump_rows(FILE *f, const struct tp_dataset *b)
{
    size_t nr = tp_dataset_nrows(b), nv = tp_dataset_nvars(b);
    for (size_t r = 0; r < nr; r++) {
        fputc('[', f);
        for (size_t v = 0; v < nv; v++) {
            if (v)
                fputc(',', f);
            if (tp_dataset_var(b, v)->type == TP_NUM) {
                char m;
                double x = tp_dataset_num(b, r, v, &m);
                if (m)
                    fprintf(f, "{\"missing\":\"%c\"}", m);
                else if (isnan(x))
                    fputs("{\"nan\":1}", f);
                else if (isinf(x))
                    fprintf(f, "{\"inf\":%d}", x < 0 ? -1 : 1);
                else
                    fprintf(f, "%.17g", x);
            } else {
                size_t len;
                const char *s = tp_dataset_str(b, r, v, &len);
                json_str(f, s, len);
            }
        }
        fputs("]\n", f);
    }
}

static int cmd_dump(const char *path)
{
    struct tp_reader *r;
    struct tp_error err;
    bool more = true;
    int rc;
    tp_error_init(&err);
    if ((rc = tp_reader_open(path, NULL, NULL, &r, &err)))
        return die(&err);
    while (more) {
        size_t total = 0;
        dump_meta(stdout, tp_reader_meta(r));
        for (;;) {
            const struct tp_dataset *b;
            if ((rc = tp_reader_next(r, BATCH, &b, &err))) {
                tp_reader_close(r);
                return die(&err);
            }
            if (tp_dataset_nrows(b) == 0)
                break;
            dump_rows(stdout, b);
            total += tp_dataset_nrows(b);
        }
        printf("{\"end\":%zu}\n", total);
        if ((rc = tp_reader_next_member(r, &more, &err))) {
            tp_reader_close(r);
            return die(&err);
        }
    }
    tp_reader_close(r);
    return 0;
}

/* KEY=VAL arguments into options; "format" is returned separately. */
static int parse_opts(int argc, char **argv, struct tp_options *o, const char **format)
{
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "xpt_tool: expected KEY=VALUE, got '%s'\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        if (strcmp(argv[i], "format") == 0)
            *format = eq + 1;
        else
            tp_options_set(o, argv[i], eq + 1);
    }
    return 0;
}

static int cmd_convert(const char *in, const char *out, int argc, char **argv)
{
    struct tp_options *o = tp_options_new();
    struct tp_reader *r = NULL;
    struct tp_writer *w = NULL;
    struct tp_error err;
    const char *format = NULL;
    int rc;
    tp_error_init(&err);
    if ((rc = parse_opts(argc, argv, o, &format))) {
        tp_options_free(o);
        return rc;
    }
    rc = tp_reader_open(in, NULL, o, &r, &err);
    if (rc == TP_OK)
        rc = tp_writer_open(out, format, tp_reader_meta(r), o, &w, &err);
    while (rc == TP_OK) {
        const struct tp_dataset *b;
        rc = tp_reader_next(r, BATCH, &b, &err);
        if (rc || tp_dataset_nrows(b) == 0)
            break;
        rc = tp_writer_write(w, b, &err);
    }
    if (rc == TP_OK) {
        rc = tp_writer_close(w, &err);
        w = NULL;
    }
    tp_writer_abort(w);
    tp_reader_close(r);
    tp_options_free(o);
    return rc ? die(&err) : 0;
}

/* ---- generated datasets ---- */

static void add_var(struct tp_dataset *ds, const char *name, const char *label, enum tp_vartype t,
                    size_t len, const char *fmt, int fw, int fd)
{
    struct tp_var v;
    struct tp_error err;
    memset(&v, 0, sizeof v);
    v.name = (char *)(uintptr_t)name;
    v.label = (char *)(uintptr_t)label;
    v.type = t;
    v.length = len;
    v.format = (char *)(uintptr_t)fmt;
    v.format_width = fw;
    v.format_decimals = fd;
    tp_error_init(&err);
    if (tp_dataset_add_var(ds, &v, &err)) {
        die(&err);
        exit(1);
    }
}

/* Edge values (standards.md 1.10, 1.11) for every numeric variable of the edge dataset. */
static const double edge_nums[] = {
    0.0,
    -0.0,
    1.0,
    -7.0,
    63.0,
    0.1,
    19725.0,
    147.3,
    -123456.789,
    3.141592653589793,
    1.0 / 3.0,
    9007199254740992.0,
    -9007199254740991.0,
    1e-300,
    5.4e-79,
    5.397605346934028e-79, /* 2^-260, the smallest normalised IBM value */
    5.397605346934027e-79, /* just below 2^-260: underflows to 0 */
    1e75,
    7.2e75,
    7.2370055773322614e75,
    -7.2370055773322614e75,
    1e-5,
    123456789012.5,
    -0.5,
    1e10,
    2.5e-10,
};
static const char edge_missing[] = {'.', 'A', 'Z', '_', 'M'};

static const char *const edge_strs[] = {
    "",
    "  leading blanks kept",
    "trailing blanks   ",
    "a",
    "exactly twenty bytes",
    "quote\" comma, semi;",
    "tab\tinside",
    "x",
};

static struct tp_dataset *gen_edge(const char *variant)
{
    bool v8 = strcmp(variant, "v8") == 0 || strcmp(variant, "v9") == 0;
    bool shortlen = strcmp(variant, "short") == 0;
    struct tp_dataset *ds = tp_dataset_new(v8 ? "EDGECASES8" : "EDGE", "Edge values for XPT tests");
    size_t nn = sizeof edge_nums / sizeof edge_nums[0], nm = sizeof edge_missing;
    size_t ns = sizeof edge_strs / sizeof edge_strs[0], nrows = nn + nm, first;
    char big[301];
    struct tp_error err;
    tp_error_init(&err);
    tp_dataset_set_attr(ds, "xpt.dstype", "DATA");
    add_var(ds, "ID", "Row number", TP_NUM, 8, NULL, 8, 0);
    add_var(ds, "X", "Edge numbers", TP_NUM, 8, "BEST", 12, 0);
    if (shortlen) {
        add_var(ds, "X3", "Length 3", TP_NUM, 3, NULL, 0, 0);
        add_var(ds, "X4", "Length 4", TP_NUM, 4, NULL, 0, 0);
        add_var(ds, "X5", "Length 5", TP_NUM, 5, NULL, 0, 0);
        add_var(ds, "X6", "Length 6", TP_NUM, 6, NULL, 0, 0);
        add_var(ds, "X7", "Length 7", TP_NUM, 7, NULL, 0, 0);
        add_var(ds, "X2", "Length 2", TP_NUM, 2, NULL, 0, 0);
    }
    add_var(ds, "DT", "A date", TP_NUM, 8, "DATE", 9, 0);
    add_var(ds, "C", "Short text", TP_CHAR, 24, "$", 24, 0);
    add_var(ds, "C200", "Longest v5 text", TP_CHAR, 200, NULL, 0, 0);
    if (v8) {
        add_var(ds, "a_very_long_variable_name_32_ch",
                "A label longer than forty bytes, which needs the LABELV8 section", TP_CHAR, 300,
                NULL, 0, 0);
        add_var(ds, "MixedCase", "case kept in v8", TP_NUM, 8,
                strcmp(variant, "v9") == 0 ? "LONGFORMATNAME" : "COMMA", 10, 2);
    }
    {
        struct tp_var *v = tp_dataset_var_mut(ds, 1);
        tp_var_set_str(&v->informat, "BEST");
        v->informat_width = 32;
        v->format_just = 1;
    }
    tp_dataset_add_rows(ds, nrows, &first, &err);
    memset(big, 'B', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (size_t r = 0; r < nrows; r++) {
        size_t col = 0;
        double x = r < nn ? edge_nums[r] : 0.0;
        char m = r < nn ? 0 : edge_missing[r - nn];
        tp_dataset_set_num(ds, r, col++, (double)(r + 1), 0);
        tp_dataset_set_num(ds, r, col++, x, m);
        if (shortlen)
            for (int k = 0; k < 6; k++)
                tp_dataset_set_num(ds, r, col++, r < nn ? (k == 5 ? 1.0 + (double)r : x) : 0.0, m);
        tp_dataset_set_num(ds, r, col++, 19725.0 + (double)r, r == 3 ? 'D' : 0);
        tp_dataset_set_str(ds, r, col, edge_strs[r % ns], strlen(edge_strs[r % ns]));
        col++;
        tp_dataset_set_str(ds, r, col++, big, r % 3 == 0 ? 200 : r % 200);
        if (v8) {
            tp_dataset_set_str(ds, r, col++, big, r % 2 ? 300 : r);
            tp_dataset_set_num(ds, r, col++, -1.5 * (double)r, 0);
        }
    }
    return ds;
}

static int cmd_gen_edge(const char *out, int argc, char **argv)
{
    struct tp_options *o = tp_options_new();
    const char *format = NULL, *variant;
    struct tp_dataset *ds;
    struct tp_error err;
    int rc;
    tp_error_init(&err);
    if ((rc = parse_opts(argc, argv, o, &format))) {
        tp_options_free(o);
        return rc;
    }
    variant = tp_options_get(o, "variant");
    if (!variant)
        variant = "v5";
    ds = gen_edge(variant);
    if (tp_options_get(o, "rows")) { /* keep every k-th row: small fuzzing seeds */
        size_t want = (size_t)strtoul(tp_options_get(o, "rows"), NULL, 10),
               n = tp_dataset_nrows(ds);
        size_t step = want ? (n + want - 1) / want : n + 1;
        struct tp_dataset *sub = tp_dataset_clone_meta(ds);
        for (size_t r = 0; want && r < n; r += step) {
            size_t to;
            tp_dataset_add_rows(sub, 1, &to, &err);
            for (size_t v = 0; v < tp_dataset_nvars(ds); v++) {
                if (tp_dataset_var(ds, v)->type == TP_NUM) {
                    char m;
                    double x = tp_dataset_num(ds, r, v, &m);
                    tp_dataset_set_num(sub, to, v, x, m);
                } else {
                    size_t len;
                    const char *str = tp_dataset_str(ds, r, v, &len);
                    tp_dataset_set_str(sub, to, v, str, len);
                }
            }
        }
        tp_dataset_free(ds);
        ds = sub;
    }
    if ((strcmp(variant, "v8") == 0 || strcmp(variant, "v9") == 0) &&
        !tp_options_get(o, "xpt.version"))
        tp_options_set(o, "xpt.version", "8");
    rc = tp_write_file(out, format, ds, o, &err);
    if (rc == TP_OK) {
        dump_meta(stdout, ds);
        dump_rows(stdout, ds);
        printf("{\"end\":%zu}\n", tp_dataset_nrows(ds));
    }
    tp_dataset_free(ds);
    tp_options_free(o);
    return rc ? die(&err) : 0;
}

/* LB-like rows: 13 character and 6 numeric variables (as shared/bench/gen_lb.py). */
static int cmd_bench_write(const char *out, size_t nrows, int argc, char **argv)
{
    static const char *const tests[] = {"ALT", "AST",  "ALP", "GGT",   "BILI",
                                        "ALB", "PROT", "BUN", "CREAT", "GLUC"};
    struct tp_options *o = tp_options_new();
    const char *format = NULL;
    struct tp_dataset *ds = tp_dataset_new("LB", "Laboratory Test Results"), *full = NULL;
    struct tp_writer *w = NULL;
    struct tp_error err;
    double t0, t1, t2 = 0;
    char buf[64];
    int rc;
    uint64_t seed = 12345;
    tp_error_init(&err);
    if ((rc = parse_opts(argc, argv, o, &format)))
        return rc;
    add_var(ds, "STUDYID", "Study Identifier", TP_CHAR, 12, NULL, 0, 0);
    add_var(ds, "DOMAIN", "Domain Abbreviation", TP_CHAR, 2, NULL, 0, 0);
    add_var(ds, "USUBJID", "Unique Subject Identifier", TP_CHAR, 16, NULL, 0, 0);
    add_var(ds, "LBSEQ", "Sequence Number", TP_NUM, 8, NULL, 0, 0);
    add_var(ds, "LBTESTCD", "Lab Test or Examination Short Name", TP_CHAR, 8, NULL, 0, 0);
    add_var(ds, "LBTEST", "Lab Test or Examination Name", TP_CHAR, 40, NULL, 0, 0);
    add_var(ds, "LBCAT", "Category for Lab Test", TP_CHAR, 10, NULL, 0, 0);
    add_var(ds, "LBORRES", "Result or Finding in Original Units", TP_CHAR, 20, NULL, 0, 0);
    add_var(ds, "LBORRESU", "Original Units", TP_CHAR, 8, NULL, 0, 0);
    add_var(ds, "LBSTRESC", "Character Result/Finding in Std Format", TP_CHAR, 20, NULL, 0, 0);
    add_var(ds, "LBSTRESN", "Numeric Result/Finding in Standard Units", TP_NUM, 8, NULL, 0, 0);
    add_var(ds, "LBSTRESU", "Standard Units", TP_CHAR, 8, NULL, 0, 0);
    add_var(ds, "LBSTNRLO", "Reference Range Lower Limit-Std Units", TP_NUM, 8, NULL, 0, 0);
    add_var(ds, "LBSTNRHI", "Reference Range Upper Limit-Std Units", TP_NUM, 8, NULL, 0, 0);
    add_var(ds, "LBNRIND", "Reference Range Indicator", TP_CHAR, 8, NULL, 0, 0);
    add_var(ds, "VISITNUM", "Visit Number", TP_NUM, 8, NULL, 0, 0);
    add_var(ds, "VISIT", "Visit Name", TP_CHAR, 12, NULL, 0, 0);
    add_var(ds, "LBDTC", "Date/Time of Specimen Collection", TP_CHAR, 10, NULL, 0, 0);
    add_var(ds, "LBDY", "Study Day of Specimen Collection", TP_NUM, 8, NULL, 0, 0);
    if (tp_options_get(o, "cols")) { /* the first N variables only */
        size_t nc = (size_t)strtoul(tp_options_get(o, "cols"), NULL, 10);
        struct tp_dataset *sub = tp_dataset_new("LB", "Laboratory Test Results");
        for (size_t v = 0; v < nc && v < tp_dataset_nvars(ds); v++)
            tp_dataset_add_var(sub, tp_dataset_var(ds, v), &err);
        full = ds;
        ds = sub;
    }
    t0 = now_s();
    if ((rc = tp_writer_open(out, format, ds, o, &w, &err)))
        return die(&err);
    for (size_t done = 0; done < nrows;) {
        size_t n = nrows - done < BATCH ? nrows - done : BATCH, first;
        double g0 = now_s();
        tp_dataset_clear_rows(ds);
        tp_dataset_add_rows(ds, n, &first, &err);
        if (full) {
            tp_dataset_clear_rows(full);
            tp_dataset_add_rows(full, n, &first, &err);
        }
        for (size_t i = 0; i < n; i++) {
            struct tp_dataset *ds_all = full ? full : ds;
            size_t row = done + i, t = row % 10;
            int len;
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            double val = (double)(seed >> 11) / 9007199254740992.0 * 100.0;
            tp_dataset_set_str(ds_all, i, 0, "XPTBENCH-001", 12);
            tp_dataset_set_str(ds_all, i, 1, "LB", 2);
            len = snprintf(buf, sizeof buf, "XPTBENCH-%06zu", row / 300);
            tp_dataset_set_str(ds_all, i, 2, buf, (size_t)len);
            tp_dataset_set_num(ds_all, i, 3, (double)(row % 300 + 1), 0);
            tp_dataset_set_str(ds_all, i, 4, tests[t], strlen(tests[t]));
            tp_dataset_set_str(ds_all, i, 5, "Alanine Aminotransferase", 24);
            tp_dataset_set_str(ds_all, i, 6, "CHEMISTRY", 9);
            len = snprintf(buf, sizeof buf, "%.2f", val);
            tp_dataset_set_str(ds_all, i, 7, buf, (size_t)len);
            tp_dataset_set_str(ds_all, i, 8, "U/L", 3);
            tp_dataset_set_str(ds_all, i, 9, buf, (size_t)len);
            tp_dataset_set_num(ds_all, i, 10, val * 1.71, (seed & 63) == 0 ? '.' : 0);
            tp_dataset_set_str(ds_all, i, 11, "U/L", 3);
            tp_dataset_set_num(ds_all, i, 12, 6.0, t == 3 ? '.' : 0);
            tp_dataset_set_num(ds_all, i, 13, 34.0, 0);
            tp_dataset_set_str(ds_all, i, 14, val > 50 ? "HIGH" : "NORMAL", val > 50 ? 4 : 6);
            tp_dataset_set_num(ds_all, i, 15, (double)(row / 30 % 10 + 1), 0);
            len = snprintf(buf, sizeof buf, "WEEK %zu", row / 30 % 10 + 1);
            tp_dataset_set_str(ds_all, i, 16, buf, (size_t)len);
            tp_dataset_set_str(ds_all, i, 17, "2024-01-15", 10);
            tp_dataset_set_num(ds_all, i, 18, (double)(row % 200), 0);
            if (full) /* copy the kept columns */
                for (size_t v = 0; v < tp_dataset_nvars(ds); v++) {
                    if (tp_dataset_var(ds, v)->type == TP_NUM) {
                        char m;
                        double x = tp_dataset_num(full, i, v, &m);
                        tp_dataset_set_num(ds, i, v, x, m);
                    } else {
                        size_t sl;
                        const char *str = tp_dataset_str(full, i, v, &sl);
                        tp_dataset_set_str(ds, i, v, str, sl);
                    }
                }
        }
        t2 += now_s() - g0;
        if ((rc = tp_writer_write(w, ds, &err))) {
            tp_writer_abort(w);
            return die(&err);
        }
        done += n;
    }
    if ((rc = tp_writer_close(w, &err)))
        return die(&err);
    t1 = now_s();
    {
        FILE *f = fopen(out, "rb");
        long size = 0;
        if (f) {
            fseek(f, 0, SEEK_END);
            size = ftell(f);
            fclose(f);
        }
        printf("write %zu rows, %ld bytes: %.3f s total, %.3f s generating rows, %.3f s writing "
               "(%.0f MB/s)\n",
               nrows, size, t1 - t0, t2, t1 - t0 - t2, (double)size / 1e6 / (t1 - t0 - t2));
    }
    tp_dataset_free(ds);
    tp_dataset_free(full);
    tp_options_free(o);
    return 0;
}

static int cmd_bench_read(const char *path)
{
    struct tp_reader *r;
    struct tp_error err;
    size_t total = 0;
    double t0 = now_s(), t1, sum = 0;
    FILE *f;
    long size = 0;
    tp_error_init(&err);
    if (tp_reader_open(path, NULL, NULL, &r, &err))
        return die(&err);
    for (;;) {
        const struct tp_dataset *b;
        size_t n;
        if (tp_reader_next(r, BATCH, &b, &err)) {
            tp_reader_close(r);
            return die(&err);
        }
        n = tp_dataset_nrows(b);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) { /* touch one value so the work is not optimised away */
            char m;
            double x = tp_dataset_var(b, 3)->type == TP_NUM ? tp_dataset_num(b, i, 3, &m) : 0;
            sum += x;
        }
        total += n;
    }
    tp_reader_close(r);
    t1 = now_s();
    f = fopen(path, "rb");
    if (f) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fclose(f);
    }
    printf("read %zu rows, %ld bytes: %.3f s (%.0f MB/s) [check %g]\n", total, size, t1 - t0,
           (double)size / 1e6 / (t1 - t0), sum);
    return 0;
}

int main(int argc, char **argv)
{
    struct tp_error err;
    tp_error_init(&err);
    tp_init(&err);
    if (argc >= 3 && strcmp(argv[1], "dump") == 0)
        return cmd_dump(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "convert") == 0)
        return cmd_convert(argv[2], argv[3], argc - 4, argv + 4);
    if (argc >= 3 && strcmp(argv[1], "gen-edge") == 0)
        return cmd_gen_edge(argv[2], argc - 3, argv + 3);
    if (argc >= 4 && strcmp(argv[1], "bench-write") == 0)
        return cmd_bench_write(argv[2], (size_t)strtoull(argv[3], NULL, 10), argc - 4, argv + 4);
    if (argc >= 3 && strcmp(argv[1], "bench-read") == 0)
        return cmd_bench_read(argv[2]);
    fprintf(stderr, "usage: xpt_tool dump FILE | convert IN OUT [K=V...] | gen-edge OUT [K=V...] |"
                    " bench-write OUT NROWS [K=V...] | bench-read FILE\n");
    return 2;
}
