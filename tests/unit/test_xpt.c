/*
 * SAS XPORT v5/v8 reader and writer (src/lib/fmt/xpt_*.c): memory round trips, the bytes SAS
 * writes, every writer limit (code, message and location), corrupt input, and a replay of the
 * fuzzing corpus tests/fuzz/corpus/xpt/ (TP_SRCDIR) through the reader.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt/ibmfloat.h"
#include "trialpack/trialpack.h"

/* ---- helpers ---- */

struct buf {
    unsigned char *p;
    size_t n;
};

static void add_var(struct tp_dataset *ds, const char *name, const char *label, enum tp_vartype t,
                    size_t len)
{
    struct tp_var v;
    struct tp_error err;
    memset(&v, 0, sizeof v);
    v.name = (char *)(uintptr_t)name;
    v.label = (char *)(uintptr_t)label;
    v.type = t;
    v.length = len;
    tp_error_init(&err);
    cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_OK, "%s", err.msg);
}

static size_t add_row(struct tp_dataset *ds)
{
    size_t first;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(tp_dataset_add_rows(ds, 1, &first, &err), TP_OK);
    return first;
}

static void set_s(struct tp_dataset *ds, size_t r, size_t v, const char *s)
{
    cr_assert_eq(tp_dataset_set_str(ds, r, v, s, strlen(s)), TP_OK);
}

static struct tp_options *opts(const char *k1, const char *v1, const char *k2, const char *v2)
{
    struct tp_options *o = tp_options_new();
    if (k1)
        tp_options_set(o, k1, v1);
    if (k2)
        tp_options_set(o, k2, v2);
    return o;
}

/* Write ds as XPT into memory; returns the status, fills *out (caller frees out->p). */
static int write_mem(const struct tp_dataset *ds, const struct tp_options *o, struct buf *out,
                     struct tp_error *err)
{
    struct tp_writer *w;
    const unsigned char *p;
    int rc;
    out->p = NULL;
    out->n = 0;
    tp_error_init(err);
    rc = tp_writer_open_memory("xpt", ds, o, &w, err);
    if (rc)
        return rc;
    rc = tp_writer_write(w, ds, err);
    if (rc == TP_OK)
        rc = tp_writer_finish(w, err);
    if (rc == TP_OK) {
        p = tp_writer_memory(w, &out->n);
        out->p = malloc(out->n ? out->n : 1);
        memcpy(out->p, p, out->n);
    }
    tp_writer_abort(w);
    return rc;
}

static struct buf must_write(const struct tp_dataset *ds, const struct tp_options *o)
{
    struct buf b;
    struct tp_error err;
    int rc = write_mem(ds, o, &b, &err);
    cr_assert_eq(rc, TP_OK, "write failed: %s", err.msg);
    cr_assert_eq(b.n % 80, 0, "file size %zu is not a multiple of 80", b.n);
    return b;
}

/* Read the first member of an XPT image; NULL on error (err filled). */
static struct tp_dataset *read_mem(const void *p, size_t n, struct tp_error *err)
{
    struct tp_reader *r;
    struct tp_dataset *ds = NULL;
    tp_error_init(err);
    if (tp_reader_open_memory(p, n, "xpt", NULL, &r, err))
        return NULL;
    if (tp_read_all(r, &ds, err))
        ds = NULL;
    tp_reader_close(r);
    return ds;
}

static struct tp_dataset *must_read(const struct buf *b)
{
    struct tp_error err;
    struct tp_dataset *ds = read_mem(b->p, b->n, &err);
    cr_assert_not_null(ds, "read failed: %s", err.msg);
    return ds;
}

static int read_status(const void *p, size_t n, struct tp_error *err)
{
    struct tp_dataset *ds = read_mem(p, n, err);
    tp_dataset_free(ds);
    return err->code;
}

static void assert_str(const struct tp_dataset *ds, size_t r, size_t v, const char *want)
{
    size_t len;
    const char *s = tp_dataset_str(ds, r, v, &len);
    cr_assert(len == strlen(want) && memcmp(s, want, len) == 0, "row %zu var %zu: '%.*s' != '%s'",
              r, v, (int)len, s, want);
}

static void assert_num(const struct tp_dataset *ds, size_t r, size_t v, double want, char miss)
{
    char m;
    double x = tp_dataset_num(ds, r, v, &m);
    cr_assert_eq(m, miss, "row %zu var %zu: missing kind %d, want %d", r, v, m, miss);
    if (!miss)
        cr_assert(x == want && signbit(x) == signbit(want), "row %zu var %zu: %a != %a", r, v, x,
                  want);
}

/* A small DM-like dataset. */
static struct tp_dataset *small_ds(void)
{
    struct tp_dataset *ds = tp_dataset_new("DM", "Demographics");
    size_t r;
    add_var(ds, "USUBJID", "Unique Subject Identifier", TP_CHAR, 11);
    add_var(ds, "AGE", "Age", TP_NUM, 8);
    add_var(ds, "SEX", "Sex", TP_CHAR, 1);
    r = add_row(ds);
    set_s(ds, r, 0, "01-701-1015");
    tp_dataset_set_num(ds, r, 1, 63, 0);
    set_s(ds, r, 2, "F");
    r = add_row(ds);
    set_s(ds, r, 0, "01-701-1023");
    tp_dataset_set_num(ds, r, 1, 0, 'A');
    set_s(ds, r, 2, "M");
    return ds;
}

static void setup_epoch(void)
{
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1); /* 2023-11-14 22:13:20 UTC */
}

TestSuite(xpt, .init = setup_epoch);

/* ---- what the writer puts on disk ---- */

Test(xpt, v5_header_bytes_as_sas_writes_them)
{
    struct tp_dataset *ds = small_ds();
    struct buf b;
    const unsigned char *ns;
    tp_dataset_set_attr(ds, "xpt.dstype", "DATA");
    b = must_write(ds, NULL);
    cr_assert(memcmp(b.p,
                     "HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"
                     "000000000000000000000000000000  ",
                     80) == 0);
    cr_assert(memcmp(b.p + 80,
                     "SAS     SAS     SASLIB  9.4     TRIALPCK                        "
                     "14NOV23:22:13:20",
                     80) == 0,
              "%.80s", b.p + 80);
    cr_assert(memcmp(b.p + 160, "14NOV23:22:13:20    ", 20) == 0);
    cr_assert(memcmp(b.p + 240,
                     "HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!"
                     "000000000000000001600000000140  ",
                     80) == 0);
    cr_assert(memcmp(b.p + 320, "HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!", 48) == 0);
    cr_assert(memcmp(b.p + 400, "SAS     DM      SASDATA 9.4     TRIALPCK", 40) == 0);
    cr_assert(memcmp(b.p + 464, "14NOV23:22:13:20", 16) == 0);
    cr_assert(memcmp(b.p + 480 + 32, "Demographics                            DATA    ", 48) == 0);
    cr_assert(memcmp(b.p + 560,
                     "HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!"
                     "000000000300000000000000000000  ",
                     80) == 0);
    ns = b.p + 640 + 140;   /* AGE */
    cr_assert_eq(ns[1], 1); /* ntype numeric */
    cr_assert_eq(ns[5], 8); /* nlng */
    cr_assert_eq(ns[7], 2); /* nvar0 1-based */
    cr_assert(memcmp(ns + 8, "AGE     Age     ", 16) == 0);
    cr_assert_eq(ns[87], 11); /* npos */
    for (int i = 88; i < 140; i++)
        cr_assert_eq(ns[i], 0, "rest byte %d", i);
    cr_assert_eq(ns[70], 0);
    cr_assert_eq(ns[71], 0);
    /* 3 NAMESTRs = 420 bytes, blank-padded to 480 */
    for (int i = 640 + 420; i < 640 + 480; i++)
        cr_assert_eq(b.p[i], ' ');
    cr_assert(memcmp(b.p + 1120,
                     "HEADER RECORD*******OBS     HEADER RECORD!!!!!!!"
                     "000000000000000000000000000000  ",
                     80) == 0);
    /* row 1: "01-701-1015" 63 "F"; row 2: .A missing */
    cr_assert(memcmp(b.p + 1200, "01-701-1015\x42\x3F\0\0\0\0\0\0F", 20) == 0);
    cr_assert(memcmp(b.p + 1220, "01-701-1023A\0\0\0\0\0\0\0M", 20) == 0);
    for (size_t i = 1240; i < b.n; i++)
        cr_assert_eq(b.p[i], ' ');
    cr_assert_eq(b.n, 1280);
    free(b.p);
    tp_dataset_free(ds);
}

Test(xpt, format_and_informat_written_from_their_own_fields)
{
    struct tp_dataset *ds = tp_dataset_new("AE", NULL);
    struct tp_var *v;
    struct buf b;
    const unsigned char *ns;
    add_var(ds, "AESTDT", "Start", TP_NUM, 8);
    v = tp_dataset_var_mut(ds, 0);
    tp_var_set_str(&v->format, "DATE");
    v->format_width = 9;
    v->format_just = 1;
    tp_var_set_str(&v->informat, "YYMMDD");
    v->informat_width = 10;
    add_var(ds, "AVAL", "Value", TP_NUM, 8);
    v = tp_dataset_var_mut(ds, 1);
    v->format_width = 8;
    v->format_decimals = 2;
    b = must_write(ds, NULL);
    ns = b.p + 640;
    cr_assert(memcmp(ns + 56, "DATE    \0\x09\0\0\0\x01\0\0YYMMDD  \0\x0a\0\0", 28) == 0);
    ns += 140;
    cr_assert(memcmp(ns + 56, "        \0\x08\0\x02\0\0\0\0        \0\0\0\0", 28) == 0,
              "FORMAT must not be copied into INFORMAT");
    {
        struct tp_dataset *back = must_read(&b);
        const struct tp_var *a = tp_dataset_var(back, 0), *c = tp_dataset_var(back, 1);
        cr_assert_str_eq(a->format, "DATE");
        cr_assert_eq(a->format_width, 9);
        cr_assert_eq(a->format_just, 1);
        cr_assert_str_eq(a->informat, "YYMMDD");
        cr_assert_eq(a->informat_width, 10);
        cr_assert_null(c->format);
        cr_assert_eq(c->format_width, 8);
        cr_assert_eq(c->format_decimals, 2);
        cr_assert_null(c->informat);
        tp_dataset_free(back);
    }
    free(b.p);
    tp_dataset_free(ds);
}

Test(xpt, zero_nan_and_missing_bytes)
{
    struct tp_dataset *ds = tp_dataset_new("N", NULL);
    const char kinds[] = {'.', 'A', 'Z', '_'};
    struct buf b;
    size_t r;
    add_var(ds, "X", NULL, TP_NUM, 8);
    r = add_row(ds);
    tp_dataset_set_num(ds, r, 0, -0.0, 0);
    r = add_row(ds);
    tp_dataset_set_num(ds, r, 0, NAN, 0);
    for (size_t i = 0; i < sizeof kinds; i++) {
        r = add_row(ds);
        tp_dataset_set_num(ds, r, 0, 0, kinds[i]);
    }
    b = must_write(ds, NULL);
    cr_assert(memcmp(b.p + 880, "\0\0\0\0\0\0\0\0", 8) == 0, "-0 must be 8 zero bytes");
    cr_assert(memcmp(b.p + 888, ".\0\0\0\0\0\0\0", 8) == 0, "NaN must be '.'");
    cr_assert(
        memcmp(b.p + 896, ".\0\0\0\0\0\0\0A\0\0\0\0\0\0\0Z\0\0\0\0\0\0\0_\0\0\0\0\0\0\0", 32) == 0);
    free(b.p);
    tp_dataset_free(ds);
}

/* ---- round trips ---- */

Test(xpt, v5_round_trip_with_special_missings)
{
    struct tp_dataset *ds = tp_dataset_new("LB", "Laboratory");
    const char kinds[] = {'.', 'A', 'B', 'Z', '_'};
    const double vals[] = {0,
                           1,
                           -7,
                           63,
                           0.1,
                           19725,
                           147.3,
                           5.4e-79,
                           1e75,
                           7.2e75,
                           IBM_MAX_DOUBLE,
                           -IBM_MAX_DOUBLE,
                           9007199254740993.0,
                           -1e-10};
    struct tp_dataset *back;
    struct buf b;
    size_t n = 0;
    add_var(ds, "LBSTRESN", "Numeric Result", TP_NUM, 8);
    add_var(ds, "LBORRES", "Result", TP_CHAR, 20);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++, n++) {
        size_t r = add_row(ds);
        tp_dataset_set_num(ds, r, 0, vals[i], 0);
        set_s(ds, r, 1, i % 2 ? "  lead" : "trail   ");
    }
    for (size_t i = 0; i < sizeof kinds; i++, n++) {
        size_t r = add_row(ds);
        tp_dataset_set_num(ds, r, 0, 0, kinds[i]);
        set_s(ds, r, 1, "");
    }
    b = must_write(ds, NULL);
    back = must_read(&b);
    cr_assert_str_eq(tp_dataset_name(back), "LB");
    cr_assert_str_eq(tp_dataset_label(back), "Laboratory");
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.version"), "5");
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.sas_version"), "9.4");
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.os"), "TRIALPCK");
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.created"), "2023-11-14T22:13:20");
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.modified"), "2023-11-14T22:13:20");
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.dstype"), "");
    cr_assert_eq(tp_dataset_nrows(back), n);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        assert_num(back, i, 0, vals[i], 0);
        assert_str(back, i, 1, i % 2 ? "  lead" : "trail");
    }
    for (size_t i = 0; i < sizeof kinds; i++) {
        size_t r = sizeof vals / sizeof vals[0] + i;
        assert_num(back, r, 0, 0, kinds[i]);
        assert_str(back, r, 1, "");
    }
    free(b.p);
    tp_dataset_free(ds);
    tp_dataset_free(back);
}

Test(xpt, v8_round_trip_long_names_labels_values)
{
    char label[201], value[301], header[81];
    struct tp_dataset *ds = tp_dataset_new("LONGDATASETNAME_FOR_V8", "Short label");
    struct tp_options *o = opts("xpt.version", "8", NULL, NULL);
    struct tp_dataset *back;
    struct buf b;
    size_t r;
    memset(label, 'L', 200);
    label[200] = '\0';
    memset(value, 'v', 300);
    value[300] = '\0';
    add_var(ds, "a_32_character_variable_name_xyz", label, TP_CHAR, 300);
    add_var(ds, "MixedCase", "Mixed", TP_NUM, 8);
    for (int i = 0; i < 3; i++) {
        r = add_row(ds);
        set_s(ds, r, 0, i == 1 ? value : "x");
        tp_dataset_set_num(ds, r, 1, i == 2 ? 0 : 1.5 * i, i == 2 ? '_' : 0);
    }
    b = must_write(ds, o);
    cr_assert(memcmp(b.p, "HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!", 48) == 0);
    cr_assert(memcmp(b.p + 400, "SAS     LONGDATASETNAME_FOR_V8          SASDATA 9.4     TRIALPCK",
                     64) == 0);
    /* NAMSTV8, 2 NAMESTRs (280 -> 320 bytes), LABELV8 with one entry, OBSV8 with count 3 */
    cr_assert(memcmp(b.p + 560, "HEADER RECORD*******NAMSTV8 HEADER RECORD!!!!!!!", 48) == 0);
    cr_assert(memcmp(b.p + 640 + 88, "a_32_character_variable_name_xyz", 32) == 0);
    cr_assert_eq(b.p[640 + 120] * 256 + b.p[640 + 121], 200);
    cr_assert(memcmp(b.p + 960, "HEADER RECORD*******LABELV8 HEADER RECORD!!!!!!!    1", 53) == 0);
    /* entry: varnum 1, name length 32, label length 200 */
    cr_assert(memcmp(b.p + 1040, "\0\x01\0\x20\0\xc8", 6) == 0);
    snprintf(header, sizeof header, "HEADER RECORD*******OBSV8   HEADER RECORD!!!!!!!%15d%17s", 3,
             "");
    cr_assert(memcmp(b.p + 1280, header, 80) == 0, "%.80s", b.p + 1280);
    back = must_read(&b);
    cr_assert_str_eq(tp_dataset_name(back), "LONGDATASETNAME_FOR_V8");
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.version"), "8");
    cr_assert_str_eq(tp_dataset_var(back, 0)->name, "a_32_character_variable_name_xyz");
    cr_assert_str_eq(tp_dataset_var(back, 0)->label, label);
    cr_assert_eq(tp_dataset_var(back, 0)->length, 300);
    cr_assert_str_eq(tp_dataset_var(back, 1)->name, "MixedCase");
    cr_assert_eq(tp_dataset_nrows(back), 3);
    assert_str(back, 1, 0, value);
    assert_num(back, 1, 1, 1.5, 0);
    assert_num(back, 2, 1, 0, '_');
    free(b.p);
    tp_options_free(o);
    tp_dataset_free(ds);
    tp_dataset_free(back);
}

Test(xpt, v9_long_format_names_round_trip)
{
    struct tp_dataset *ds = tp_dataset_new("F", NULL);
    struct tp_dataset *back;
    struct tp_var *v;
    struct buf b;
    struct tp_writer *w;
    struct tp_error err;
    add_var(ds, "DTM", "Date-time", TP_NUM, 8);
    v = tp_dataset_var_mut(ds, 0);
    tp_var_set_str(&v->format, "E8601DTXLONG");
    v->format_width = 19;
    tp_var_set_str(&v->informat, "ANYDTDTMLONG");
    v->informat_width = 20;
    v->informat_decimals = 3;
    add_row(ds);
    tp_dataset_set_num(ds, 0, 0, 1.5e9, 0);
    tp_error_init(&err);
    /* xpt8 by name: v8 without the option */
    cr_assert_eq(tp_writer_open_memory("xpt8", ds, NULL, &w, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_writer_write(w, ds, &err), TP_OK);
    cr_assert_eq(tp_writer_finish(w, &err), TP_OK);
    {
        const unsigned char *p = tp_writer_memory(w, &b.n);
        b.p = malloc(b.n);
        memcpy(b.p, p, b.n);
    }
    tp_writer_abort(w);
    cr_assert(memcmp(b.p + 800, "HEADER RECORD*******LABELV9 HEADER RECORD!!!!!!!    1", 53) == 0);
    /* varnum 1, name 3, label 9, format 15 ("E8601DTXLONG19."), informat 16 */
    cr_assert(memcmp(b.p + 880,
                     "\0\x01\0\x03\0\x09\0\x0f\0\x10"
                     "DTMDate-timeE8601DTXLONG19."
                     "ANYDTDTMLONG20.3",
                     53) == 0);
    back = must_read(&b);
    v = tp_dataset_var_mut(back, 0);
    cr_assert_str_eq(v->format, "E8601DTXLONG");
    cr_assert_eq(v->format_width, 19);
    cr_assert_str_eq(v->informat, "ANYDTDTMLONG");
    cr_assert_eq(v->informat_width, 20);
    cr_assert_eq(v->informat_decimals, 3);
    assert_num(back, 0, 0, 1.5e9, 0);
    free(b.p);
    tp_dataset_free(ds);
    tp_dataset_free(back);
}

Test(xpt, truncated_numeric_lengths_3_to_7)
{
    struct tp_dataset *ds = tp_dataset_new("T", NULL);
    const double vals[] = {0.1, 147.3, -123456.789, 19725, 1e10, 3.141592653589793};
    struct tp_dataset *back;
    struct buf b;
    char name[16];
    for (int len = 2; len <= 8; len++) {
        snprintf(name, sizeof name, "X%d", len);
        add_var(ds, name, NULL, TP_NUM, (size_t)len);
    }
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        size_t r = add_row(ds);
        for (size_t v = 0; v < 7; v++)
            tp_dataset_set_num(ds, r, v, vals[i], 0);
    }
    add_row(ds); /* '.' in every column */
    b = must_write(ds, NULL);
    back = must_read(&b);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        for (size_t v = 0; v < 7; v++) {
            unsigned char full[8];
            size_t len = v + 2;
            double want;
            xpt_ibm_encode(vals[i], full);
            want = xpt_ibm_decode_n(full, len); /* SAS keeps the first len bytes */
            assert_num(back, i, v, want, 0);
            if (len == 8)
                assert_num(back, i, v, vals[i], 0);
            cr_assert_eq(tp_dataset_var(back, v)->length, len);
        }
    for (size_t v = 0; v < 7; v++)
        assert_num(back, sizeof vals / sizeof vals[0], v, 0, '.');
    /* 0.1 with length 3 is 0.0999908447265625 (standards.md) */
    assert_num(back, 0, 1, 0.0999908447265625, 0);
    free(b.p);
    tp_dataset_free(ds);
    tp_dataset_free(back);
}

Test(xpt, utf8_accepted_under_pmda_nmpa_none)
{
    const char *profiles[] = {"pmda", "nmpa", "none"};
    for (size_t i = 0; i < 3; i++) {
        struct tp_dataset *ds = tp_dataset_new("AE", "Événements indésirables");
        struct tp_options *o = opts("profile", profiles[i], NULL, NULL);
        struct tp_dataset *back;
        struct buf b;
        add_var(ds, "AETERM", "Terme rapporté", TP_CHAR, 40);
        add_row(ds);
        set_s(ds, 0, 0, "Céphalée 頭痛");
        b = must_write(ds, o);
        back = must_read(&b);
        assert_str(back, 0, 0, "Céphalée 頭痛");
        cr_assert_str_eq(tp_dataset_var(back, 0)->label, "Terme rapporté");
        cr_assert_str_eq(tp_dataset_label(back), "Événements indésirables");
        free(b.p);
        tp_options_free(o);
        tp_dataset_free(ds);
        tp_dataset_free(back);
    }
}

Test(xpt, streaming_batches_and_buffer_boundaries)
{
    /* 13-byte rows (< 80) over several buffer refills, read back in odd batch sizes */
    struct tp_dataset *ds = tp_dataset_new("S", NULL);
    struct tp_reader *r;
    struct tp_error err;
    struct buf b;
    size_t nrows = 250000, seen = 0, first;
    add_var(ds, "N", NULL, TP_NUM, 8);
    add_var(ds, "C", NULL, TP_CHAR, 5);
    tp_error_init(&err);
    tp_dataset_add_rows(ds, nrows, &first, &err);
    for (size_t i = 0; i < nrows; i++) {
        char s[8];
        tp_dataset_set_num(ds, i, 0, (double)i, i % 1000 == 7 ? 'Q' : 0);
        snprintf(s, sizeof s, "%zu", i % 100000);
        tp_dataset_set_str(ds, i, 1, s, strlen(s));
    }
    b = must_write(ds, NULL);
    cr_assert_eq(b.n, 1040 + (nrows * 13 + 79) / 80 * 80);
    cr_assert_eq(tp_reader_open_memory(b.p, b.n, NULL, NULL, &r, &err), TP_OK, "%s", err.msg);
    cr_assert_str_eq(tp_reader_format(r), "xpt");
    for (size_t k = 0;; k++) {
        const struct tp_dataset *batch;
        size_t n;
        cr_assert_eq(tp_reader_next(r, 1 + (k * 7919) % 5000, &batch, &err), TP_OK, "%s", err.msg);
        n = tp_dataset_nrows(batch);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            size_t row = seen + i;
            char s[8];
            assert_num(batch, i, 0, (double)row, row % 1000 == 7 ? 'Q' : 0);
            snprintf(s, sizeof s, "%zu", row % 100000);
            assert_str(batch, i, 1, s);
        }
        seen += n;
    }
    cr_assert_eq(seen, nrows);
    tp_reader_close(r);
    free(b.p);
    tp_dataset_free(ds);
}

Test(xpt, v8_spills_rows_beyond_memory_spool)
{
    /* more than 32 MiB of rows: the v8 writer spills to a temporary file and copies back */
    struct tp_dataset *ds = tp_dataset_new("BIG", NULL);
    struct tp_options *o = opts("xpt.version", "8", NULL, NULL);
    struct tp_writer *w;
    struct tp_reader *r;
    struct tp_error err;
    const unsigned char *p;
    size_t n, first, seen = 0;
    char obs[81];
    add_var(ds, "C", NULL, TP_CHAR, 1000);
    add_var(ds, "N", NULL, TP_NUM, 8);
    tp_error_init(&err);
    tp_dataset_add_rows(ds, 1000, &first, &err);
    cr_assert_eq(tp_writer_open_memory("xpt", ds, o, &w, &err), TP_OK);
    for (int k = 0; k < 40; k++) {
        for (size_t i = 0; i < 1000; i++) {
            char s[16];
            snprintf(s, sizeof s, "r%d", k * 1000 + (int)i);
            tp_dataset_set_str(ds, i, 0, s, strlen(s));
            tp_dataset_set_num(ds, i, 1, k * 1000.0 + (double)i, 0);
        }
        cr_assert_eq(tp_writer_write(w, ds, &err), TP_OK, "%s", err.msg);
    }
    cr_assert_eq(tp_writer_finish(w, &err), TP_OK, "%s", err.msg);
    p = tp_writer_memory(w, &n);
    snprintf(obs, sizeof obs, "HEADER RECORD*******OBSV8   HEADER RECORD!!!!!!!%15d%17s", 40000,
             "");
    cr_assert(memcmp(p + 960, obs, 80) == 0, "%.80s", p + 960);
    cr_assert_eq(tp_reader_open_memory(p, n, NULL, NULL, &r, &err), TP_OK, "%s", err.msg);
    for (;;) {
        const struct tp_dataset *batch;
        size_t m;
        cr_assert_eq(tp_reader_next(r, 4096, &batch, &err), TP_OK, "%s", err.msg);
        m = tp_dataset_nrows(batch);
        if (!m)
            break;
        for (size_t i = 0; i < m; i++)
            assert_num(batch, i, 1, (double)(seen + i), 0);
        seen += m;
    }
    cr_assert_eq(seen, 40000);
    tp_reader_close(r);
    tp_writer_abort(w);
    tp_options_free(o);
    tp_dataset_free(ds);
}

/* ---- writer limits: code, message and location ---- */

static void expect_write_error(const struct tp_dataset *ds, const struct tp_options *o, int code,
                               const char *msg_part, const char *var, long row)
{
    struct buf b;
    struct tp_error err;
    int rc = write_mem(ds, o, &b, &err);
    free(b.p);
    cr_assert_eq(rc, code, "status %d, want %d (%s)", rc, code, err.msg);
    cr_assert_eq(err.code, code);
    cr_assert(strstr(err.msg, msg_part), "message '%s' lacks '%s'", err.msg, msg_part);
    cr_assert_str_eq(err.loc.variable, var ? var : "", "variable '%s'", err.loc.variable);
    cr_assert_eq(err.loc.row, row, "row %ld, want %ld", err.loc.row, row);
    cr_assert_str_eq(err.loc.dataset, tp_dataset_name(ds));
}

Test(xpt, v5_rejects_name_longer_than_8)
{
    struct tp_dataset *ds = tp_dataset_new("DM", NULL);
    add_var(ds, "ABCDEFGHI", NULL, TP_NUM, 8);
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "variable name 'ABCDEFGHI' is 9 bytes long; XPT v5 allows at most 8",
                       "ABCDEFGHI", -1);
    tp_dataset_free(ds);
}

Test(xpt, v5_rejects_invalid_names)
{
    struct tp_dataset *ds = tp_dataset_new("DM", NULL);
    add_var(ds, "1ABC", NULL, TP_NUM, 8);
    expect_write_error(ds, NULL, TP_E_LIMIT, "variable name '1ABC' is not a SAS name", "1ABC", -1);
    tp_dataset_free(ds);
    ds = tp_dataset_new("DATASET01", NULL);
    add_var(ds, "A", NULL, TP_NUM, 8);
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "dataset name 'DATASET01' is 9 bytes long; XPT v5 allows at most 8", NULL,
                       -1);
    tp_dataset_free(ds);
    ds = tp_dataset_new("A-B", NULL);
    add_var(ds, "A", NULL, TP_NUM, 8);
    expect_write_error(ds, NULL, TP_E_LIMIT, "dataset name 'A-B' is not a SAS name", NULL, -1);
    tp_dataset_free(ds);
}

Test(xpt, v5_names_are_upper_cased)
{
    struct tp_dataset *ds = tp_dataset_new("dm", NULL), *back;
    struct buf b;
    add_var(ds, "usubjid", NULL, TP_CHAR, 4);
    b = must_write(ds, NULL);
    back = must_read(&b);
    cr_assert_str_eq(tp_dataset_name(back), "DM");
    cr_assert_str_eq(tp_dataset_var(back, 0)->name, "USUBJID");
    free(b.p);
    tp_dataset_free(ds);
    tp_dataset_free(back);
}

Test(xpt, v5_rejects_label_of_41_bytes)
{
    struct tp_dataset *ds = tp_dataset_new("DM", NULL);
    add_var(ds, "AGE", "12345678901234567890123456789012345678901", TP_NUM, 8);
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "variable label is 41 bytes long; XPT v5 allows at most 40", "AGE", -1);
    tp_dataset_free(ds);
    /* bytes, not characters: 20 two-byte characters + 1 = 41 bytes */
    ds = tp_dataset_new("DM", NULL);
    add_var(ds, "AGE", "ééééééééééééééééééééx", TP_NUM, 8);
    {
        struct tp_options *o = opts("profile", "pmda", NULL, NULL);
        expect_write_error(ds, o, TP_E_LIMIT, "variable label is 41 bytes long", "AGE", -1);
        tp_options_free(o);
    }
    tp_dataset_free(ds);
    ds = tp_dataset_new("DM", "12345678901234567890123456789012345678901");
    add_var(ds, "AGE", NULL, TP_NUM, 8);
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "dataset label is 41 bytes long; XPT v5 allows at most 40", NULL, -1);
    tp_dataset_free(ds);
}

Test(xpt, v5_rejects_character_value_of_201_bytes)
{
    char v[202];
    struct tp_dataset *ds = tp_dataset_new("CO", NULL);
    memset(v, 'x', 201);
    v[201] = '\0';
    add_var(ds, "COVAL", NULL, TP_CHAR, 200);
    add_row(ds);
    set_s(ds, 0, 0, "ok");
    add_row(ds);
    set_s(ds, 1, 0, v);
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "value of 201 bytes is longer than the variable's length 200 (XPT v5 "
                       "allows at most 200)",
                       "COVAL", 2);
    tp_dataset_free(ds);
    ds = tp_dataset_new("CO", NULL);
    add_var(ds, "COVAL", NULL, TP_CHAR, 201);
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "character length 201 is more than XPT v5 allows (200 bytes)", "COVAL", -1);
    tp_dataset_free(ds);
}

Test(xpt, rejects_value_longer_than_variable_but_ignores_trailing_blanks)
{
    struct tp_dataset *ds = tp_dataset_new("DM", NULL), *back;
    struct buf b;
    add_var(ds, "SEX", NULL, TP_CHAR, 1);
    add_row(ds);
    set_s(ds, 0, 0, "F    "); /* trailing blanks are padding in XPT */
    b = must_write(ds, NULL);
    back = must_read(&b);
    assert_str(back, 0, 0, "F");
    free(b.p);
    tp_dataset_free(back);
    set_s(ds, 0, 0, "FM");
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "value of 2 bytes is longer than the variable's "
                       "length 1",
                       "SEX", 1);
    tp_dataset_free(ds);
}

Test(xpt, fda_profile_rejects_non_ascii)
{
    struct tp_dataset *ds = tp_dataset_new("AE", NULL);
    struct tp_options *o = opts("profile", "fda", NULL, NULL);
    add_var(ds, "AETERM", "Reported Term", TP_CHAR, 20);
    add_row(ds);
    set_s(ds, 0, 0, "HEADACHE");
    add_row(ds);
    add_row(ds);
    set_s(ds, 2, 0, "CÉPHALÉE");
    /* absent profile means fda */
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "non-ASCII byte 0xC3 at offset 1 of a character value; profile 'fda' "
                       "allows ASCII only",
                       "AETERM", 3);
    expect_write_error(ds, o, TP_E_LIMIT, "non-ASCII byte 0xC3", "AETERM", 3);
    tp_dataset_free(ds);
    ds = tp_dataset_new("AE", NULL);
    add_var(ds, "AETERM", "Terme rapporté", TP_CHAR, 20);
    expect_write_error(ds, o, TP_E_LIMIT,
                       "variable label contains the non-ASCII byte 0xC3 at offset 13", "AETERM",
                       -1);
    tp_dataset_free(ds);
    tp_options_free(o);
}

Test(xpt, rejects_unrepresentable_numbers)
{
    struct tp_dataset *ds = tp_dataset_new("VS", NULL);
    add_var(ds, "VSSTRESN", NULL, TP_NUM, 8);
    add_row(ds);
    tp_dataset_set_num(ds, 0, 0, 1, 0);
    add_row(ds);
    tp_dataset_set_num(ds, 1, 0, INFINITY, 0);
    expect_write_error(ds, NULL, TP_E_LIMIT, "infinite value cannot be stored in XPT", "VSSTRESN",
                       2);
    tp_dataset_set_num(ds, 1, 0, -ldexp(1.0, 252), 0);
    expect_write_error(ds, NULL, TP_E_LIMIT, "is beyond the largest XPT number", "VSSTRESN", 2);
    tp_dataset_free(ds);
}

Test(xpt, rejects_more_than_9999_variables)
{
    struct tp_dataset *ds = tp_dataset_new("WIDE", NULL);
    char name[16];
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof name, "V%d", i);
        add_var(ds, name, NULL, TP_NUM, 8);
    }
    expect_write_error(ds, NULL, TP_E_LIMIT,
                       "dataset has 10000 variables; XPT v5 allows at most "
                       "9999",
                       NULL, -1);
    tp_dataset_free(ds);
}

Test(xpt, usage_errors)
{
    struct tp_dataset *ds = tp_dataset_new("DM", NULL);
    struct tp_options *o;
    add_var(ds, "SEX", NULL, TP_CHAR, 0);
    expect_write_error(ds, NULL, TP_E_USAGE, "character variable has no length", "SEX", -1);
    tp_dataset_free(ds);
    ds = tp_dataset_new("DM", NULL);
    add_var(ds, "AGE", NULL, TP_NUM, 9);
    expect_write_error(ds, NULL, TP_E_LIMIT, "numeric length 9 is outside 2..8", "AGE", -1);
    tp_dataset_free(ds);
    ds = small_ds();
    o = opts("profile", "ema", NULL, NULL);
    {
        struct buf b;
        struct tp_error err;
        cr_assert_eq(write_mem(ds, o, &b, &err), TP_E_USAGE);
        cr_assert(strstr(err.msg, "unknown profile 'ema'"), "%s", err.msg);
        tp_options_set(o, "profile", "none");
        tp_options_set(o, "xpt.version", "6");
        cr_assert_eq(write_mem(ds, o, &b, &err), TP_E_USAGE);
        cr_assert(strstr(err.msg, "xpt.version must be 5 or 8"), "%s", err.msg);
    }
    tp_options_free(o);
    tp_dataset_free(ds);
}

Test(xpt, v8_limits)
{
    char name[34], label[258];
    struct tp_dataset *ds = tp_dataset_new("D", NULL);
    struct tp_options *o = opts("xpt.version", "8", NULL, NULL);
    memset(name, 'N', 33);
    name[33] = '\0';
    add_var(ds, name, NULL, TP_NUM, 8);
    expect_write_error(ds, o, TP_E_LIMIT, "is 33 bytes long; XPT v8 allows at most 32", name, -1);
    tp_dataset_free(ds);
    ds = tp_dataset_new("D", NULL);
    memset(label, 'L', 257);
    label[257] = '\0';
    add_var(ds, "X", label, TP_NUM, 8);
    expect_write_error(ds, o, TP_E_LIMIT,
                       "variable label is 257 bytes long; XPT v8 allows at "
                       "most 256",
                       "X", -1);
    tp_dataset_free(ds);
    ds = tp_dataset_new("D", NULL);
    add_var(ds, "C", NULL, TP_CHAR, 32768);
    expect_write_error(ds, o, TP_E_LIMIT, "character length 32768 is more than XPT v8 allows", "C",
                       -1);
    tp_dataset_free(ds);
    tp_options_free(o);
}

/* ---- reader ---- */

/* Image of two members: the second one's headers start with its MEMBER record. */
Test(xpt, reads_several_members)
{
    struct tp_dataset *a = small_ds(), *c = tp_dataset_new("TS", "Trial Summary");
    struct buf ba, bc;
    unsigned char *img;
    size_t n;
    struct tp_reader *r;
    struct tp_error err;
    bool more;
    add_var(c, "TSVAL", NULL, TP_CHAR, 3);
    for (int i = 0; i < 5; i++) {
        add_row(c);
        set_s(c, (size_t)i, 0, i == 4 ? "" : "abc");
    }
    ba = must_write(a, NULL);
    bc = must_write(c, NULL);
    n = ba.n + bc.n - 240;
    img = malloc(n);
    memcpy(img, ba.p, ba.n);
    memcpy(img + ba.n, bc.p + 240, bc.n - 240);
    tp_error_init(&err);
    cr_assert_eq(tp_reader_open_memory(img, n, NULL, NULL, &r, &err), TP_OK, "%s", err.msg);
    for (int pass = 0; pass < 2; pass++) {
        struct tp_dataset *all;
        cr_assert_eq(tp_read_all(r, &all, &err), TP_OK, "%s", err.msg);
        if (pass == 0) {
            cr_assert_str_eq(tp_dataset_name(all), "DM");
            cr_assert_eq(tp_dataset_nrows(all), 2);
            assert_num(all, 1, 1, 0, 'A');
        } else {
            cr_assert_str_eq(tp_dataset_name(all), "TS");
            /* 3-byte rows: the blank 5th row lies in the last 80 bytes, so it is padding */
            cr_assert_eq(tp_dataset_nrows(all), 4);
            assert_str(all, 3, 0, "abc");
        }
        tp_dataset_free(all);
        cr_assert_eq(tp_reader_next_member(r, &more, &err), TP_OK, "%s", err.msg);
        cr_assert_eq(more, pass == 0);
    }
    tp_reader_close(r);
    /* next_member without reading the first member's rows, and a second LIBRARY header */
    memcpy(img + ba.n, bc.p, 240);
    {
        unsigned char *img2 = malloc(ba.n + bc.n);
        memcpy(img2, ba.p, ba.n);
        memcpy(img2 + ba.n, bc.p, bc.n);
        cr_assert_eq(tp_reader_open_memory(img2, ba.n + bc.n, NULL, NULL, &r, &err), TP_OK);
        cr_assert_eq(tp_reader_next_member(r, &more, &err), TP_OK, "%s", err.msg);
        cr_assert(more);
        cr_assert_str_eq(tp_dataset_name(tp_reader_meta(r)), "TS");
        cr_assert_eq(tp_reader_next_member(r, &more, &err), TP_OK);
        cr_assert(!more);
        tp_reader_close(r);
        free(img2);
    }
    free(img);
    free(ba.p);
    free(bc.p);
    tp_dataset_free(a);
    tp_dataset_free(c);
}

Test(xpt, v8_next_member_skips_unread_rows)
{
    /* v8 member with many rows (count known) followed by a second member; skip the first */
    struct tp_options *o = opts("xpt.version", "8", NULL, NULL);
    struct tp_dataset *a = tp_dataset_new("BIG", NULL), *c = small_ds();
    struct buf ba, bc;
    unsigned char *img;
    struct tp_reader *r;
    struct tp_error err;
    size_t first, n;
    bool more;
    add_var(a, "C", NULL, TP_CHAR, 997);
    tp_error_init(&err);
    tp_dataset_add_rows(a, 3000, &first, &err);
    for (size_t i = 0; i < 3000; i++)
        set_s(a, i, 0, "row");
    ba = must_write(a, o);
    bc = must_write(c, o);
    n = ba.n + bc.n - 240;
    img = malloc(n);
    memcpy(img, ba.p, ba.n);
    memcpy(img + ba.n, bc.p + 240, bc.n - 240);
    for (int readsome = 0; readsome < 2; readsome++) {
        cr_assert_eq(tp_reader_open_memory(img, n, NULL, NULL, &r, &err), TP_OK, "%s", err.msg);
        if (readsome) {
            const struct tp_dataset *b;
            cr_assert_eq(tp_reader_next(r, 10, &b, &err), TP_OK);
            cr_assert_eq(tp_dataset_nrows(b), 10);
        }
        cr_assert_eq(tp_reader_next_member(r, &more, &err), TP_OK, "%s", err.msg);
        cr_assert(more);
        cr_assert_str_eq(tp_dataset_name(tp_reader_meta(r)), "DM");
        {
            struct tp_dataset *all;
            cr_assert_eq(tp_read_all(r, &all, &err), TP_OK, "%s", err.msg);
            cr_assert_eq(tp_dataset_nrows(all), 2);
            assert_str(all, 1, 0, "01-701-1023");
            tp_dataset_free(all);
        }
        cr_assert_eq(tp_reader_next_member(r, &more, &err), TP_OK);
        cr_assert(!more);
        tp_reader_close(r);
    }
    free(img);
    free(ba.p);
    free(bc.p);
    tp_options_free(o);
    tp_dataset_free(a);
    tp_dataset_free(c);
}

Test(xpt, row_count_keeps_blank_rows_beyond_the_last_record)
{
    /* all-character, 10-byte rows: blank rows that start >= 80 bytes before the end are data */
    struct tp_dataset *ds = tp_dataset_new("C", NULL), *back;
    struct buf b;
    add_var(ds, "C", NULL, TP_CHAR, 10);
    for (int i = 0; i < 20; i++) {
        add_row(ds);
        set_s(ds, (size_t)i, 0, i < 5 ? "x" : "");
    }
    b = must_write(ds, NULL);
    back = must_read(&b);
    /* 200 bytes of data + 40 pad = 240 = 24 rows of 10 bytes: the blank ones starting less than
       80 bytes before the end (17..23) are padding, blank rows 5..16 are data */
    cr_assert_eq(tp_dataset_nrows(back), 17);
    free(b.p);
    tp_dataset_free(back);
    tp_dataset_free(ds);
}

Test(xpt, accepts_short_namestr_records_and_lax_header_fields)
{
    /* rebuild a v5 image with 136-byte (VAX/VMS) NAMESTRs, a NUL-padded OS field and a
       lower-case month */
    struct tp_dataset *ds = small_ds(), *back;
    struct buf b = must_write(ds, NULL);
    size_t nvars = 3, oldns = 1120 - 640, newns = (nvars * 136 + 79) / 80 * 80;
    size_t n = b.n - oldns + newns;
    unsigned char *img = malloc(n);
    struct tp_error err;
    memcpy(img, b.p, 640);
    memcpy(img + 240 + 74, "0136", 4);
    memset(img + 640, ' ', newns);
    for (size_t i = 0; i < nvars; i++)
        memcpy(img + 640 + 136 * i, b.p + 640 + 140 * i, 136);
    memcpy(img + 640 + newns, b.p + 1120, b.n - 1120);
    memset(img + 400 + 32, 0, 8); /* OS field all NULs */
    memcpy(img + 400 + 64, "04apr12:22:16:21", 16);
    back = read_mem(img, n, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.os"), "");
    cr_assert_str_eq(tp_dataset_attr(back, "xpt.created"), "2012-04-04T22:16:21");
    cr_assert_str_eq(tp_dataset_var(back, 0)->name, "USUBJID");
    cr_assert_str_eq(tp_dataset_var(back, 0)->label, "Unique Subject Identifier");
    cr_assert_eq(tp_dataset_nrows(back), 2);
    assert_num(back, 0, 1, 63, 0);
    tp_dataset_free(back);
    /* 88 is the shortest NAMESTR that still has npos */
    memcpy(img + 240 + 74, "0087", 4);
    cr_assert_eq(read_status(img, n, &err), TP_E_PARSE);
    cr_assert(strstr(err.msg, "NAMESTR length"), "%s", err.msg);
    free(img);
    free(b.p);
    tp_dataset_free(ds);
}

Test(xpt, reads_file_written_by_readstat)
{
    /* tests/data/xpt/PROVENANCE.md: V8 from ReadStat 1.1.8, OBSV8 count not filled in */
    const char *dir = getenv("TP_TEST_DATA");
    char path[4096];
    struct tp_dataset *ds;
    struct tp_error err;
    const struct tp_var *v;
    snprintf(path, sizeof path, "%s/xpt/readstat-1.1.8-v8.xpt", dir ? dir : "tests/data");
    tp_error_init(&err);
    if (tp_read_file(path, NULL, NULL, &ds, &err) == TP_E_IO)
        cr_skip_test("fixture %s not found (set TP_TEST_DATA)", path);
    cr_assert_eq(err.code, TP_OK, "%s", err.msg);
    cr_assert_str_eq(tp_dataset_name(ds), "DATASET");
    cr_assert_str_eq(tp_dataset_attr(ds, "xpt.version"), "8");
    cr_assert_str_eq(tp_dataset_attr(ds, "xpt.sas_version"), "6.06");
    cr_assert_eq(tp_dataset_nvars(ds), 4);
    cr_assert_eq(tp_dataset_nrows(ds), 3);
    v = tp_dataset_var(ds, 3);
    cr_assert_str_eq(v->name, "COMMENT_TEXT_LONG_NAME");
    cr_assert_eq(v->length, 19);
    cr_assert_eq(v->format_width, 0);
    cr_assert_str_eq(tp_dataset_var(ds, 2)->label,
                     "Height at baseline, in centimetres (cm) measured");
    assert_str(ds, 0, 0, "01-701-1015");
    assert_num(ds, 0, 1, 63, 0);
    assert_num(ds, 0, 2, 147.3, 0);
    assert_num(ds, 1, 1, 0, '.');
    assert_num(ds, 1, 2, 162.56, 0);
    assert_str(ds, 1, 3, "");
    assert_num(ds, 2, 2, 0.1, 0);
    assert_str(ds, 2, 3, "quote \" and, comma");
    tp_dataset_free(ds);
}

/* Corrupt input: TP_E_PARSE with the byte offset in the message. */
static void expect_parse_error(const unsigned char *p, size_t n, const char *msg_part,
                               const char *var)
{
    struct tp_error err;
    int rc = read_status(p, n, &err);
    cr_assert_eq(rc, TP_E_PARSE, "status %d (%s), want TP_E_PARSE for '%s' (%zu bytes)", rc,
                 err.msg, msg_part, n);
    cr_assert(strstr(err.msg, msg_part), "message '%s' lacks '%s'", err.msg, msg_part);
    cr_assert(strstr(err.msg, "(byte "), "message '%s' names no byte offset", err.msg);
    if (var)
        cr_assert_str_eq(err.loc.variable, var);
    cr_assert_eq(strchr(err.msg, '\n'), NULL);
}

Test(xpt, corrupt_files_give_parse_errors)
{
    struct tp_dataset *ds = small_ds();
    struct buf b = must_write(ds, NULL);
    unsigned char *img = malloc(b.n + 160);
    /* not XPT at all */
    expect_parse_error((const unsigned char *)"hello", 5, "unexpected end of file", NULL);
    memcpy(img, b.p, b.n);
    memcpy(img + 20, "LIBRARZ", 7);
    expect_parse_error(img, b.n, "not a SAS transport file", NULL);
    /* truncated in every header and in the data */
    for (size_t cut = 1; cut < 1200; cut += 37)
        expect_parse_error(b.p, cut, "", NULL);
    expect_parse_error(b.p, b.n - 7, "not a multiple of 80", NULL);
    expect_parse_error(b.p, 1200 + 23, "not a multiple of 80", NULL);
    /* bad NAMESTR type, lengths, position */
    memcpy(img, b.p, b.n);
    img[640 + 140 + 1] = 7;
    expect_parse_error(img, b.n, "NAMESTR 2 has type 7", "AGE");
    memcpy(img, b.p, b.n);
    img[640 + 140 + 5] = 9;
    expect_parse_error(img, b.n, "numeric variable has length 9, not 2..8", "AGE");
    memcpy(img, b.p, b.n);
    img[640 + 5] = 0;
    expect_parse_error(img, b.n, "character variable has length 0", "USUBJID");
    memcpy(img, b.p, b.n);
    img[640 + 280 + 87] = 200;
    expect_parse_error(img, b.n, "lies outside the 20-byte observation", "SEX");
    memcpy(img, b.p, b.n);
    img[640 + 280 + 84] = 0x80;
    expect_parse_error(img, b.n, "is negative", "SEX");
    /* duplicate names */
    memcpy(img, b.p, b.n);
    memcpy(img + 640 + 280 + 8, "AGE     ", 8);
    expect_parse_error(img, b.n, "duplicate variable", "AGE");
    /* header records */
    memcpy(img, b.p, b.n);
    memcpy(img + 560 + 20, "NAMESTX", 7);
    expect_parse_error(img, b.n, "expected the NAMESTR or NAMSTV8 header record", NULL);
    memcpy(img, b.p, b.n);
    memcpy(img + 560 + 54, "00x3", 4);
    expect_parse_error(img, b.n, "NAMESTR header has no valid variable count", NULL);
    memcpy(img, b.p, b.n);
    memcpy(img + 560 + 52, "999999", 6);
    expect_parse_error(img, b.n, "more than the file can hold", NULL);
    memcpy(img, b.p, b.n);
    memcpy(img + 560 + 52, "000000", 6);
    expect_parse_error(img, b.n, "row length 0", NULL);
    memcpy(img, b.p, b.n);
    memcpy(img + 1120 + 20, "OBX", 3);
    expect_parse_error(img, b.n, "expected the OBS or OBSV8 header record", NULL);
    /* garbage after the last whole row: one 100-byte row, 60 bytes of padding */
    {
        struct tp_dataset *w = tp_dataset_new("W", NULL);
        struct buf bw;
        add_var(w, "C", NULL, TP_CHAR, 100);
        add_row(w);
        set_s(w, 0, 0, "x");
        bw = must_write(w, NULL);
        cr_assert_eq(bw.n, 880 + 160);
        bw.p[880 + 130] = 'Z';
        expect_parse_error(bw.p, bw.n, "incomplete observation after row 1", NULL);
        bw.p[880 + 130] = 0; /* NUL padding is tolerated */
        cr_assert_eq(read_status(bw.p, bw.n, &(struct tp_error){0}), TP_OK);
        free(bw.p);
        tp_dataset_free(w);
    }
    /* an OBSV8 count that does not fit */
    {
        struct tp_options *o = opts("xpt.version", "8", NULL, NULL);
        struct buf b8 = must_write(ds, o);
        unsigned char *i8 = malloc(b8.n);
        memcpy(i8, b8.p, b8.n);
        memcpy(i8 + 1120 + 48, "        9999999", 15);
        expect_parse_error(i8, b8.n, "does not fit in the file", NULL);
        memcpy(i8 + 1120 + 48, "              1", 15);
        expect_parse_error(i8, b8.n,
                           "data after the 1 observations that the OBSV8 header "
                           "announces",
                           NULL);
        memcpy(i8 + 1120 + 48, "             x1", 15);
        expect_parse_error(i8, b8.n, "OBSV8 header has no valid observation count", NULL);
        free(i8);
        free(b8.p);
        tp_options_free(o);
    }
    free(img);
    free(b.p);
    tp_dataset_free(ds);
}

Test(xpt, probe_and_registry)
{
    const char *const *names = tp_format_names();
    bool has_xpt = false, has_xpt8 = false;
    for (size_t i = 0; names[i]; i++) {
        has_xpt |= strcmp(names[i], "xpt") == 0;
        has_xpt8 |= strcmp(names[i], "xpt8") == 0;
    }
    cr_assert(has_xpt && has_xpt8);
    cr_assert_str_eq(tp_format_for_path("dm.xpt"), "xpt");
    cr_assert_str_eq(tp_format_for_path("DM.XPT"), "xpt");
    cr_assert(tp_writer_needs_lengths("xpt"));
    cr_assert(tp_writer_needs_lengths("xpt8"));
    cr_assert(tp_format_can_read("xpt8") && tp_format_can_write("xpt8"));
}

/* ---- fuzz corpus replay (tests/fuzz/corpus/xpt) ---- */

static void replay_one(const unsigned char *p, size_t n)
{
    struct tp_reader *r;
    struct tp_error err;
    bool more = true;
    tp_error_init(&err);
    if (tp_reader_open_memory(p, n, "xpt", NULL, &r, &err))
        return;
    while (more) {
        const struct tp_dataset *b;
        for (;;) {
            if (tp_reader_next(r, 1000, &b, &err) || tp_dataset_nrows(b) == 0)
                break;
        }
        if (err.code || tp_reader_next_member(r, &more, &err))
            break;
    }
    tp_reader_close(r);
}

Test(xpt, fuzz_corpus_replays_without_crashing)
{
    const char *src = getenv("TP_SRCDIR");
    char dir[4096];
    DIR *d;
    struct dirent *e;
    size_t files = 0;
    if (!src)
        src = ".";
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/xpt", src);
    d = opendir(dir);
    if (!d)
        cr_skip_test("no corpus at %s (set TP_SRCDIR)", dir);
    while ((e = readdir(d))) {
        char path[4600];
        FILE *f;
        unsigned char *p;
        long n;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        p = malloc(n > 0 ? (size_t)n : 1);
        if (n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n)
            n = 0;
        fclose(f);
        replay_one(p, (size_t)(n > 0 ? n : 0));
        /* and every prefix of the small ones, a cheap stand-in for truncation fuzzing */
        if (n > 0 && n <= 4096)
            for (long cut = 0; cut < n; cut += 13)
                replay_one(p, (size_t)cut);
        free(p);
        files++;
    }
    closedir(d);
    cr_assert_gt(files, 0, "empty corpus %s", dir);
}
