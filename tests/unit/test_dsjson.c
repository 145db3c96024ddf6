/*
 * Unit tests of the Dataset-JSON 1.1 formats "json", "ndjson" and "dsjc" (src/lib/fmt/dsjson_*.c):
 * memory round trips of every dataType, exact writer output, reader error messages, the two-pass
 * reading of rows-before-columns, NDJSON object rows, gzip and zlib DSJC, batch boundaries.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fmt/dsjson.h"
#include "internal.h"
#include "trialpack/dataset.h"
#include "trialpack/format.h"

static void add_var(struct tp_dataset *ds, const char *name, enum tp_vartype type, size_t len,
                    const char *dt, const char *fmt)
{
    struct tp_var v;
    struct tp_error err;
    memset(&v, 0, sizeof v);
    tp_error_init(&err);
    v.name = (char *)(uintptr_t)name;
    v.label = (char *)(uintptr_t)name;
    v.type = type;
    v.length = len;
    v.data_type = (char *)(uintptr_t)dt;
    cr_assert_eq(tp_dataset_add_var(ds, &v, &err), TP_OK, "%s", err.msg);
    if (fmt)
        cr_assert_eq(
            tp_var_parse_format(tp_dataset_var_mut(ds, tp_dataset_nvars(ds) - 1), false, fmt, &err),
            TP_OK);
}

/* One column of every kind, three rows of awkward values. */
static struct tp_dataset *make_all_kinds(void)
{
    struct tp_dataset *ds = tp_dataset_new("ADSL", "Subject \"Level\"");
    size_t first;
    static const char weird[] = "a\"b\\c\n\t\x01\x1f end \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    cr_assert_not_null(ds);
    add_var(ds, "USUBJID", TP_CHAR, 20, NULL, NULL);
    add_var(ds, "TEXT", TP_CHAR, 60, NULL, "$CHAR60.");
    add_var(ds, "AGE", TP_NUM, 8, "integer", NULL);
    add_var(ds, "BMI", TP_NUM, 8, "float", NULL);
    add_var(ds, "X", TP_NUM, 8, NULL, NULL); /* default: double */
    add_var(ds, "HEIGHT", TP_NUM, 8, "decimal", NULL);
    add_var(ds, "FLAG", TP_NUM, 8, "boolean", NULL);
    add_var(ds, "TRTSDT", TP_NUM, 8, NULL, "DATE9.");
    add_var(ds, "TRTSDTM", TP_NUM, 8, NULL, "E8601DT19.");
    add_var(ds, "TRTSTM", TP_NUM, 8, NULL, "TIME8.");
    add_var(ds, "RFSTDTC", TP_CHAR, 19, "datetime", NULL);
    tp_dataset_var_mut(ds, 0)->key_sequence = 1;
    cr_assert_eq(tp_var_set_str(&tp_dataset_var_mut(ds, 0)->item_oid, "IT.USUBJID"), TP_OK);
    cr_assert_eq(tp_dataset_add_rows(ds, 3, &first, NULL), TP_OK);
    tp_dataset_set_str(ds, 0, 0, "S-1", 3);
    tp_dataset_set_str(ds, 0, 1, weird, sizeof weird - 1);
    tp_dataset_set_num(ds, 0, 2, 63, 0);
    tp_dataset_set_num(ds, 0, 3, 25.1, 0);
    tp_dataset_set_num(ds, 0, 4, 1.0 / 3, 0);
    tp_dataset_set_num(ds, 0, 5, 162.9, 0);
    tp_dataset_set_num(ds, 0, 6, 1, 0);
    tp_dataset_set_num(ds, 0, 7, 19725, 0);
    tp_dataset_set_num(ds, 0, 8, 1704067200.0 + 0.25, 0);
    tp_dataset_set_num(ds, 0, 9, 37800.5, 0);
    tp_dataset_set_str(ds, 0, 10, "2024-01-15T10:30", 16);
    tp_dataset_set_str(ds, 1, 0, "S-2", 3);
    tp_dataset_set_str(ds, 1, 1, "with\0nul", 8);
    tp_dataset_set_num(ds, 1, 2, -5, 0);
    tp_dataset_set_num(ds, 1, 3, 0.1 + 0.2, 0);
    tp_dataset_set_num(ds, 1, 4, 1e21, 0);
    tp_dataset_set_num(ds, 1, 5, 1.5e-7, 0);
    tp_dataset_set_num(ds, 1, 6, 0, 0);
    tp_dataset_set_num(ds, 1, 7, -1, 0);
    tp_dataset_set_num(ds, 1, 8, -86400.125, 0);
    tp_dataset_set_num(ds, 1, 9, 0, 0);
    tp_dataset_set_str(ds, 1, 10, "1928", 4);
    /* row 3: everything missing (CHAR empty) */
    return ds;
}

static unsigned char *write_mem(const char *format, const struct tp_dataset *ds,
                                const struct tp_options *o, size_t *n)
{
    struct tp_writer *w;
    struct tp_error err;
    const unsigned char *p;
    unsigned char *copy;
    tp_error_init(&err);
    cr_assert_eq(tp_writer_open_memory(format, ds, o, &w, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_writer_write(w, ds, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_writer_finish(w, &err), TP_OK, "%s", err.msg);
    p = tp_writer_memory(w, n);
    copy = malloc(*n + 1);
    cr_assert_not_null(copy);
    memcpy(copy, p, *n);
    copy[*n] = '\0';
    tp_writer_abort(w);
    return copy;
}

static int read_mem(const void *data, size_t n, const char *format, const struct tp_options *o,
                    size_t batch, struct tp_dataset **out, struct tp_error *err)
{
    struct tp_reader *r;
    struct tp_dataset *all;
    int rc;
    tp_error_init(err);
    *out = NULL;
    rc = tp_reader_open_memory(data, n, format, o, &r, err);
    if (rc)
        return rc;
    all = tp_dataset_clone_meta(tp_reader_meta(r));
    for (;;) {
        const struct tp_dataset *b;
        rc = tp_reader_next(r, batch, &b, err);
        if (rc || tp_dataset_nrows(b) == 0)
            break;
        cr_assert_leq(tp_dataset_nrows(b), batch);
        rc = tp_dataset_append(all, b, err);
        if (rc)
            break;
    }
    tp_reader_close(r);
    if (rc)
        tp_dataset_free(all);
    else
        *out = all;
    return rc;
}

static void assert_same_values(const struct tp_dataset *a, const struct tp_dataset *b)
{
    cr_assert_eq(tp_dataset_nvars(a), tp_dataset_nvars(b));
    cr_assert_eq(tp_dataset_nrows(a), tp_dataset_nrows(b));
    for (size_t v = 0; v < tp_dataset_nvars(a); v++) {
        const struct tp_var *va = tp_dataset_var(a, v), *vb = tp_dataset_var(b, v);
        cr_assert_str_eq(va->name, vb->name);
        cr_assert_eq(va->type, vb->type, "%s", va->name);
        for (size_t r = 0; r < tp_dataset_nrows(a); r++) {
            if (va->type == TP_NUM) {
                char ma, mb;
                double x = tp_dataset_num(a, r, v, &ma), y = tp_dataset_num(b, r, v, &mb);
                cr_assert_eq(!!ma, !!mb, "row %zu %s missing", r, va->name);
                if (!ma)
                    cr_assert(x == y, "row %zu %s: %.17g != %.17g", r, va->name, x, y);
            } else {
                size_t la, lb;
                const char *x = tp_dataset_str(a, r, v, &la), *y = tp_dataset_str(b, r, v, &lb);
                cr_assert_eq(la, lb, "row %zu %s length", r, va->name);
                cr_assert(memcmp(x, y, la) == 0, "row %zu %s", r, va->name);
            }
        }
    }
}

Test(dsjson, round_trip_every_kind_in_three_formats)
{
    static const char *const fmts[] = {"json", "ndjson", "dsjc"};
    struct tp_dataset *ds = make_all_kinds();
    for (int withrec = 0; withrec < 2; withrec++) {
        if (withrec)
            tp_dataset_set_attr(ds, "dsjson.records", "3");
        for (size_t f = 0; f < 3; f++) {
            size_t n;
            struct tp_dataset *back;
            struct tp_error err;
            unsigned char *bytes = write_mem(fmts[f], ds, NULL, &n);
            cr_assert_eq(read_mem(bytes, n, fmts[f], NULL, 2, &back, &err), TP_OK, "%s: %s",
                         fmts[f], err.msg);
            assert_same_values(ds, back);
            cr_assert_str_eq(tp_dataset_name(back), "ADSL");
            cr_assert_str_eq(tp_dataset_label(back), "Subject \"Level\"");
            cr_assert_str_eq(tp_dataset_var(back, 0)->item_oid, "IT.USUBJID");
            cr_assert_eq(tp_dataset_var(back, 0)->key_sequence, 1);
            cr_assert_eq(tp_dataset_var(back, 0)->length, 20);
            cr_assert_str_eq(tp_dataset_var(back, 2)->item_oid, "IT.ADSL.AGE");
            cr_assert_str_eq(tp_dataset_var(back, 4)->data_type, "double");
            cr_assert_str_eq(tp_dataset_var(back, 7)->data_type, "date");
            cr_assert_str_eq(tp_dataset_var(back, 7)->target_data_type, "integer");
            cr_assert_str_eq(tp_dataset_var(back, 7)->format, "DATE");
            cr_assert_eq(tp_dataset_var(back, 7)->format_width, 9);
            cr_assert_str_eq(tp_dataset_var(back, 1)->display_format, "$CHAR60.");
            cr_assert_str_eq(tp_dataset_var(back, 10)->data_type, "datetime");
            cr_assert_eq(tp_dataset_var(back, 10)->type, TP_CHAR);
            cr_assert_str_eq(tp_dataset_attr(back, "dsjson.records"), "3");
            cr_assert_str_eq(tp_dataset_attr(back, "dsjson.itemGroupOID"), "IG.ADSL");
            tp_dataset_free(back);
            free(bytes);
        }
    }
    tp_dataset_free(ds);
}

Test(dsjson, json_output_is_exact)
{
    struct tp_dataset *ds = make_all_kinds();
    size_t n;
    unsigned char *b;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    tp_dataset_set_attr(ds, "dsjson.studyOID", "S1");
    tp_dataset_set_attr(ds, "dsjson.sourceSystem.name", "SAS");
    tp_dataset_set_attr(ds, "dsjson.sourceSystem.version", "9.4");
    tp_dataset_set_attr(ds, "dsjson.dbLastModifiedDateTime", "2023-01-02T03:04:05");
    b = write_mem("json", ds, NULL, &n);
    cr_assert_str_eq(
        (const char *)b,
        "{\"datasetJSONCreationDateTime\":\"2023-11-14T22:13:20\",\"datasetJSONVersion\":\"1.1.0\","
        "\"dbLastModifiedDateTime\":\"2023-01-02T03:04:05\",\"sourceSystem\":{\"name\":\"SAS\","
        "\"version\":\"9.4\"},\"studyOID\":\"S1\",\"itemGroupOID\":\"IG.ADSL\",\"records\":3,"
        "\"name\":\"ADSL\",\"label\":\"Subject \\\"Level\\\"\",\"columns\":["
        "{\"itemOID\":\"IT.USUBJID\",\"name\":\"USUBJID\",\"label\":\"USUBJID\",\"dataType\":"
        "\"string\",\"length\":20,\"keySequence\":1},"
        "{\"itemOID\":\"IT.ADSL.TEXT\",\"name\":\"TEXT\",\"label\":\"TEXT\",\"dataType\":"
        "\"string\","
        "\"length\":60,\"displayFormat\":\"$CHAR60.\"},"
        "{\"itemOID\":\"IT.ADSL.AGE\",\"name\":\"AGE\",\"label\":\"AGE\",\"dataType\":\"integer\"},"
        "{\"itemOID\":\"IT.ADSL.BMI\",\"name\":\"BMI\",\"label\":\"BMI\",\"dataType\":\"float\"},"
        "{\"itemOID\":\"IT.ADSL.X\",\"name\":\"X\",\"label\":\"X\",\"dataType\":\"double\"},"
        "{\"itemOID\":\"IT.ADSL.HEIGHT\",\"name\":\"HEIGHT\",\"label\":\"HEIGHT\",\"dataType\":"
        "\"decimal\",\"targetDataType\":\"decimal\"},"
        "{\"itemOID\":\"IT.ADSL.FLAG\",\"name\":\"FLAG\",\"label\":\"FLAG\",\"dataType\":"
        "\"boolean\"},"
        "{\"itemOID\":\"IT.ADSL.TRTSDT\",\"name\":\"TRTSDT\",\"label\":\"TRTSDT\",\"dataType\":"
        "\"date\",\"targetDataType\":\"integer\",\"displayFormat\":\"DATE9.\"},"
        "{\"itemOID\":\"IT.ADSL.TRTSDTM\",\"name\":\"TRTSDTM\",\"label\":\"TRTSDTM\",\"dataType\":"
        "\"datetime\",\"targetDataType\":\"integer\",\"displayFormat\":\"E8601DT19.\"},"
        "{\"itemOID\":\"IT.ADSL.TRTSTM\",\"name\":\"TRTSTM\",\"label\":\"TRTSTM\",\"dataType\":"
        "\"time\",\"targetDataType\":\"integer\",\"displayFormat\":\"TIME8.\"},"
        "{\"itemOID\":\"IT.ADSL.RFSTDTC\",\"name\":\"RFSTDTC\",\"label\":\"RFSTDTC\",\"dataType\":"
        "\"datetime\",\"length\":19}],\"rows\":[\n"
        "[\"S-1\",\"a\\\"b\\\\c\\n\\t\\u0001\\u001f end \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",63,"
        "25.1,0.3333333333333333,\"162.9\",true,\"2014-01-02\",\"2013-12-31T00:00:00.25\","
        "\"10:30:00.5\",\"2024-01-15T10:30\"],\n"
        "[\"S-2\",\"with\\u0000nul\",-5,0.30000000000000004,1e+21,\"0.00000015\",false,"
        "\"1959-12-31\",\"1959-12-30T23:59:59.875\",\"00:00:00\",\"1928\"],\n"
        "[\"\",\"\",null,null,null,null,null,null,null,null,\"\"]\n]}\n");
    free(b);
    tp_dataset_free(ds);
}

Test(dsjson, ndjson_has_metadata_line_then_one_row_per_line)
{
    struct tp_dataset *ds = tp_dataset_new("DM", "Demographics");
    size_t n, first;
    unsigned char *b;
    setenv("SOURCE_DATE_EPOCH", "0", 1);
    add_var(ds, "AGE", TP_NUM, 8, "integer", NULL);
    tp_dataset_add_rows(ds, 2, &first, NULL);
    tp_dataset_set_num(ds, 0, 0, 84, 0);
    b = write_mem("ndjson", ds, NULL, &n);
    cr_assert_str_eq(
        (const char *)b,
        "{\"datasetJSONCreationDateTime\":\"1970-01-01T00:00:00\",\"datasetJSONVersion\":"
        "\"1.1.0\",\"itemGroupOID\":\"IG.DM\",\"records\":2,\"name\":\"DM\",\"label\":"
        "\"Demographics\",\"columns\":[{\"itemOID\":\"IT.DM.AGE\",\"name\":\"AGE\","
        "\"label\":\"AGE\",\"dataType\":\"integer\"}]}\n[84]\n[null]\n");
    free(b);
    tp_dataset_clear_rows(ds);
    b = write_mem("json", ds, NULL, &n); /* no rows: "rows":[] and records 0 */
    cr_assert(strstr((const char *)b, "\"records\":0,") != NULL);
    cr_assert(strstr((const char *)b, "\"rows\":[]}\n") != NULL);
    free(b);
    tp_dataset_free(ds);
}

Test(dsjson, dsjc_is_a_zlib_stream_of_the_ndjson)
{
    struct tp_dataset *ds = make_all_kinds();
    size_t nz, nn;
    unsigned char *z = write_mem("dsjc", ds, NULL, &nz);
    unsigned char *nd = write_mem("ndjson", ds, NULL, &nn);
    unsigned char *out = malloc(nn + 16);
    uLongf outlen = nn + 16;
    cr_assert_eq(z[0], 0x78);
    cr_assert_eq((z[0] * 256 + z[1]) % 31, 0);
    cr_assert_eq(uncompress(out, &outlen, z, nz), Z_OK);
    cr_assert_eq(outlen, nn);
    cr_assert(memcmp(out, nd, nn) == 0);
    free(out);
    free(z);
    free(nd);
    tp_dataset_free(ds);
}

/* gzip-compress text (CDISC's example .dsjc files are gzip) */
static unsigned char *gzip_mem(const char *text, size_t *n)
{
    z_stream zs;
    size_t cap = strlen(text) + 64;
    unsigned char *out = malloc(cap);
    memset(&zs, 0, sizeof zs);
    cr_assert_eq(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)text;
    zs.avail_in = (uInt)strlen(text);
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *n = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

#define META(records, cols)                                                                      \
    "{\"datasetJSONCreationDateTime\":\"2024-01-01T00:00:00\",\"datasetJSONVersion\":\"1.1.0\"," \
    "\"itemGroupOID\":\"IG.T\",\"records\":" records ",\"name\":\"T\",\"label\":\"T\","          \
    "\"columns\":" cols

#define COLS2                                                                         \
    "[{\"itemOID\":\"IT.A\",\"name\":\"A\",\"label\":\"A\",\"dataType\":\"string\"}," \
    "{\"itemOID\":\"IT.N\",\"name\":\"N\",\"label\":\"N\",\"dataType\":\"integer\"}]"

Test(dsjson, reads_gzip_dsjc_and_concatenated_members)
{
    const char *text = META("2", COLS2) "}\n[\"x\",1]\n[\"y\",null]\n";
    size_t n, n2;
    unsigned char *gz = gzip_mem(text, &n);
    unsigned char *two;
    struct tp_dataset *ds;
    struct tp_error err;
    cr_assert_eq(gz[0], 0x1f);
    cr_assert_eq(read_mem(gz, n, "dsjc", NULL, 10, &ds, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_dataset_nrows(ds), 2);
    tp_dataset_free(ds);
    /* the same text split over two gzip members, as `cat a.gz b.gz` makes */
    {
        const char *cut = strchr(text, '\n') + 1;
        char *first = strndup(text, (size_t)(cut - text));
        unsigned char *g1 = gzip_mem(first, &n), *g2 = gzip_mem(cut, &n2);
        two = malloc(n + n2);
        memcpy(two, g1, n);
        memcpy(two + n, g2, n2);
        cr_assert_eq(read_mem(two, n + n2, "dsjc", NULL, 1, &ds, &err), TP_OK, "%s", err.msg);
        cr_assert_eq(tp_dataset_nrows(ds), 2);
        tp_dataset_free(ds);
        free(first);
        free(g1);
        free(g2);
        free(two);
    }
    free(gz);
}

Test(dsjson, rows_before_columns_are_read_in_two_passes)
{
    const char *text =
        "{\"rows\":[[\"a\",1],[\"b\",2]],\"datasetJSONCreationDateTime\":\"2024-01-01T00:00:00\","
        "\"datasetJSONVersion\":\"1.1\",\"itemGroupOID\":\"IG.T\",\"name\":\"T\",\"label\":\"L\","
        "\"columns\":" COLS2 ",\"records\":2}";
    struct tp_dataset *ds;
    struct tp_error err;
    size_t len;
    cr_assert_eq(read_mem(text, strlen(text), "json", NULL, 1, &ds, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_dataset_nrows(ds), 2);
    cr_assert_str_eq(tp_dataset_label(ds), "L");
    cr_assert_str_eq(tp_dataset_str(ds, 1, 0, &len), "b");
    cr_assert_eq(tp_dataset_num(ds, 1, 1, NULL), 2);
    tp_dataset_free(ds);
}

Test(dsjson, ndjson_rows_may_be_objects_and_lines_may_end_in_crlf)
{
    const char *text = "\xef\xbb\xbf" META("3", COLS2) "}\r\n[\"x\",1]\r\n{\"N\":5,\"A\":\"y\"}\r\n"
                                                       "{\"A\":\"z\"}\r\n";
    struct tp_dataset *ds;
    struct tp_error err;
    size_t len;
    char miss;
    cr_assert_eq(read_mem(text, strlen(text), "ndjson", NULL, 2, &ds, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_dataset_nrows(ds), 3);
    cr_assert_str_eq(tp_dataset_str(ds, 1, 0, &len), "y");
    cr_assert_eq(tp_dataset_num(ds, 1, 1, NULL), 5);
    tp_dataset_num(ds, 2, 1, &miss);
    cr_assert_eq(miss, TP_MISSING);
    tp_dataset_free(ds);
}

Test(dsjson, extensions_are_skipped_and_options_relax_the_checks)
{
    const char *text =
        "{\"datasetJSONCreationDateTime\":\"2024-01-01T00:00:00\",\"datasetJSONVersion\":\"1.1.0\","
        "\"sourceSystem\":{\"name\":\"S\",\"version\":\"1\",\"systemExtensions\":[{\"a\":[1,{}]}]},"
        "\"itemGroupOID\":\"IG.T\",\"isReferenceData\":true,\"records\":72,\"name\":\"T\","
        "\"label\":\"T\",\"columns\":[{\"itemOID\":\"IT.N\",\"name\":\"N\",\"label\":\"N\","
        "\"dataType\":\"integer\",\"ext\":{\"x\":[]}}],\"myExt\":[[1]],\"rows\":[[\"na\"],[7]]}";
    struct tp_options *o = tp_options_new();
    struct tp_dataset *ds;
    struct tp_error err;
    char miss;
    cr_assert_eq(read_mem(text, strlen(text), "json", NULL, 5, &ds, &err), TP_E_PARSE);
    cr_assert_str_eq(err.msg, "record 1, column 'N': expected an integer, found a string (\"na\")");
    tp_options_set(o, "dsjson.null", "na");
    cr_assert_eq(read_mem(text, strlen(text), "json", o, 5, &ds, &err), TP_E_PARSE);
    cr_assert_str_eq(err.msg, "'records' is 72 but the file has 2 rows");
    tp_options_set(o, "dsjson.check_records", "no");
    cr_assert_eq(read_mem(text, strlen(text), "json", o, 5, &ds, &err), TP_OK, "%s", err.msg);
    tp_dataset_num(ds, 0, 0, &miss);
    cr_assert_eq(miss, TP_MISSING);
    cr_assert_eq(tp_dataset_num(ds, 1, 0, NULL), 7);
    cr_assert_str_eq(tp_dataset_attr(ds, "dsjson.isReferenceData"), "true");
    cr_assert_str_eq(tp_dataset_attr(ds, "dsjson.sourceSystem.version"), "1");
    tp_dataset_free(ds);
    tp_options_free(o);
}

/* Many rows so that rows straddle the reader's 64 KiB chunks; odd batch sizes. */
Test(dsjson, batches_across_chunk_boundaries_keep_every_row)
{
    static const char *const fmts[] = {"json", "ndjson", "dsjc"};
    static const size_t batches[] = {1, 7, 1000, 100000};
    struct tp_dataset *ds = tp_dataset_new("BIG", "");
    size_t first;
    add_var(ds, "ID", TP_CHAR, 30, NULL, NULL);
    add_var(ds, "V", TP_NUM, 8, NULL, NULL);
    tp_dataset_add_rows(ds, 20000, &first, NULL);
    for (size_t i = 0; i < 20000; i++) {
        char id[32];
        int k = snprintf(id, sizeof id, "subject-%zu-\xc3\xa9", i);
        tp_dataset_set_str(ds, i, 0, id, (size_t)k);
        tp_dataset_set_num(ds, i, 1, (double)i / 3, i % 11 ? 0 : 'B');
    }
    for (size_t f = 0; f < 3; f++) {
        size_t n;
        unsigned char *b = write_mem(fmts[f], ds, NULL, &n);
        for (size_t k = 0; k < 4; k++) {
            struct tp_dataset *back;
            struct tp_error err;
            cr_assert_eq(read_mem(b, n, NULL, NULL, batches[k], &back, &err), TP_OK, "%s", err.msg);
            assert_same_values(ds, back);
            tp_dataset_free(back);
        }
        free(b);
    }
    tp_dataset_free(ds);
}

Test(dsjson, date_helpers)
{
    char buf[64];
    double d;
    cr_assert(dsj_sas_to_iso(0, DSJ_K_DATE, buf, sizeof buf));
    cr_assert_str_eq(buf, "1960-01-01");
    cr_assert(dsj_sas_to_iso(19725, DSJ_K_DATE, buf, sizeof buf));
    cr_assert_str_eq(buf, "2014-01-02");
    cr_assert(dsj_sas_to_iso(-138061, DSJ_K_DATE, buf, sizeof buf));
    cr_assert_str_eq(buf, "1582-01-01");
    cr_assert_not(dsj_sas_to_iso(1.5, DSJ_K_DATE, buf, sizeof buf));
    cr_assert_not(dsj_sas_to_iso(3e6, DSJ_K_DATE, buf, sizeof buf)); /* year > 9999 */
    cr_assert_not(dsj_sas_to_iso(86400, DSJ_K_TIME, buf, sizeof buf));
    cr_assert(dsj_sas_to_iso(1.7e9 + 0.1, DSJ_K_DATETIME, buf, sizeof buf));
    cr_assert(dsj_iso_to_sas(buf, strlen(buf), DSJ_K_DATETIME, &d));
    cr_assert(d == 1.7e9 + 0.1, "%s", buf);
    cr_assert(dsj_iso_to_sas("2000-02-29", 10, DSJ_K_DATE, &d));
    cr_assert_not(dsj_iso_to_sas("2001-02-29", 10, DSJ_K_DATE, &d));
    cr_assert_not(dsj_iso_to_sas("2001-02", 7, DSJ_K_DATE, &d));
    cr_assert(dsj_iso_to_sas("23:59", 5, DSJ_K_TIME, &d));
    cr_assert_eq(d, 86340);
    cr_assert_not(dsj_iso_to_sas("24:00:00", 8, DSJ_K_TIME, &d));
    cr_assert_not(dsj_iso_to_sas("2014-01-02T10:00:00Z", 20, DSJ_K_DATETIME, &d));
    dsj_decimal_text(-1.25e-5, buf, sizeof buf);
    cr_assert_str_eq(buf, "-0.0000125");
    dsj_decimal_text(1e21, buf, sizeof buf);
    cr_assert_str_eq(buf, "1000000000000000000000");
    dsj_decimal_text(162.9, buf, sizeof buf);
    cr_assert_str_eq(buf, "162.9");
    cr_assert(dsj_valid_datetime("2024-01-01T10:00:00.123+01:00"));
    cr_assert_not(dsj_valid_datetime("2024-01-01T10:00"));
    cr_assert_eq(dsj_sas_format_kind("YYMMDDN"), DSJ_K_DATE);
    cr_assert_eq(dsj_sas_format_kind("E8601DT"), DSJ_K_DATETIME);
    cr_assert_eq(dsj_sas_format_kind("BEST"), DSJ_K_FLOAT);
}

/* ---- reader errors: code and exact message ---- */

struct bad_input {
    const char *name;
    const char *text; /* NULL: special (built in the test) */
    int code;
    const char *msg;
    long row;
};

static const struct bad_input bad_inputs[] = {
    {"truncated", META("1", COLS2) ",\"rows\":[[\"a\",1", TP_E_PARSE,
     "record 1: unexpected end of data (truncated JSON)", 1},
    {"truncated_after_comma", META("1", COLS2) ",\"rows\":[[\"a\",", TP_E_PARSE,
     "record 1, column 'N': unexpected end of data (truncated JSON)", 1},
    {"truncated_string", META("1", COLS2) ",\"rows\":[[\"ab", TP_E_PARSE,
     "record 1, column 'A': unexpected end of data (truncated JSON)", 1},
    {"string_in_integer", META("1", COLS2) ",\"rows\":[[\"a\",\"12\"]]}", TP_E_PARSE,
     "record 1, column 'N': expected an integer, found a string (\"12\")", 1},
    {"fraction_in_integer", META("1", COLS2) ",\"rows\":[[\"a\",1.5]]}", TP_E_PARSE,
     "record 1, column 'N': expected an integer, found a number (1.5)", 1},
    {"number_in_string", META("1", COLS2) ",\"rows\":[[3,1]]}", TP_E_PARSE,
     "record 1, column 'A': expected a string, found a number (3)", 1},
    {"too_few", META("2", COLS2) ",\"rows\":[[\"a\",1],[\"b\"]]}", TP_E_PARSE,
     "record 2: row has 1 values, the dataset has 2 columns", 2},
    {"too_many", META("1", COLS2) "}\n[\"a\",1,2]\n", TP_E_PARSE,
     "record 1: row has more than 2 values, one per column", 1},
    {"nested", META("1", COLS2) "}\n[\"a\",[1]]\n", TP_E_PARSE,
     "record 1, column 'N': expected a scalar, found an array", 1},
    {"invalid_utf8", META("1", COLS2) ",\"rows\":[[\"a\xff\",1]]}", TP_E_PARSE,
     "record 1, column 'A': invalid JSON: invalid bytes in UTF8 string", 1},
    {"overlong_utf8", META("1", COLS2) ",\"rows\":[[\"a\xc1\xbf\",1]]}", TP_E_PARSE,
     "record 1, column 'A': invalid UTF-8 at byte 2 of a string", 1},
    {"records_mismatch", META("3", COLS2) ",\"rows\":[[\"a\",1]]}", TP_E_PARSE,
     "'records' is 3 but the file has 1 rows", -1},
    {"no_columns", "{\"name\":\"T\",\"rows\":[]}", TP_E_PARSE, "the metadata has no 'columns'", -1},
    {"no_name", "{\"columns\":[]}", TP_E_PARSE, "the metadata has no dataset 'name'", -1},
    {"array_first", "[1,2]", TP_E_PARSE,
     "expected the Dataset-JSON metadata object, found an array", -1},
    {"empty", "", TP_E_PARSE, "no Dataset-JSON object found", -1},
    {"garbage", "{\"a\" 1}", TP_E_PARSE,
     "invalid JSON: object key and value must be separated by a colon (':')", -1},
    {"bad_datatype",
     META("0", "[{\"itemOID\":\"I\",\"name\":\"A\",\"label\":\"\",\"dataType\":\"text\"}]") "}",
     TP_E_PARSE, "column 'A': unknown dataType 'text'", -1},
    {"duplicate_column",
     META(
         "0",
         "[{\"name\":\"A\",\"dataType\":\"string\"},{\"name\":\"a\",\"dataType\":\"string\"}]") "}",
     TP_E_PARSE, "column 2: duplicate variable 'a'", -1},
    {"version_1_0", "{\"datasetJSONVersion\":\"1.0.0\"}", TP_E_UNSUPPORTED,
     "unsupported Dataset-JSON version '1.0.0' (1.1 expected)", -1},
    {"bad_date",
     META("1",
          "[{\"name\":\"D\",\"dataType\":\"date\",\"targetDataType\":\"integer\"}]") ",\"rows\":[["
                                                                                     "\"2014-02\"]]"
                                                                                     "}",
     TP_E_PARSE,
     "record 1, column 'D': \"2014-02\" is not a complete ISO 8601 date (targetDataType integer)",
     1},
    {"bad_decimal",
     META("1",
          "[{\"name\":\"D\",\"dataType\":\"decimal\",\"targetDataType\":\"decimal\"}]") ",\"rows\":"
                                                                                        "[[\"1.2."
                                                                                        "3\"]]}",
     TP_E_PARSE, "record 1, column 'D': \"1.2.3\" is not a decimal number", 1},
    {"data_after_json", META("0", COLS2) ",\"rows\":[]}\n[\"a\",1]\n", TP_E_PARSE,
     "unexpected data after the Dataset-JSON object", -1},
    {"records_not_integer", META("1.5", COLS2) "}", TP_E_PARSE, "'records' must be an integer >= 0",
     -1},
};

/* One test over the table: Criterion re-executes its workers, so parameters holding pointers to
   literals would need cr_malloc copies. */
Test(dsjson, reader_errors_name_record_and_column)
{
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        const struct bad_input *t = &bad_inputs[i];
        for (size_t batch = 1; batch <= 1000; batch *= 1000) {
            struct tp_dataset *ds = NULL;
            struct tp_error err;
            int rc = read_mem(t->text, strlen(t->text), "json", NULL, batch, &ds, &err);
            cr_expect_eq(rc, t->code, "%s: rc %d (%s)", t->name, rc, err.msg);
            cr_expect_str_eq(err.msg, t->msg, "%s", t->name);
            cr_expect_eq(err.loc.row, t->row, "%s: row %ld", t->name, err.loc.row);
            cr_expect_null(ds);
            tp_dataset_free(ds);
        }
    }
}

Test(dsjson, corrupt_and_truncated_compressed_streams_fail_cleanly)
{
    struct tp_dataset *ds = make_all_kinds(), *back;
    struct tp_error err;
    size_t n;
    unsigned char *z = write_mem("dsjc", ds, NULL, &n);
    cr_assert_eq(read_mem(z, n / 2, "dsjc", NULL, 1, &back, &err), TP_E_PARSE);
    cr_assert(strncmp(err.msg, "compressed stream is truncated", 30) == 0, "%s", err.msg);
    z[n / 2] ^= 0x55;
    z[n / 2 + 1] ^= 0xAA;
    z[n / 2 + 2] ^= 0x33;
    cr_assert_neq(read_mem(z, n, "dsjc", NULL, 1, &back, &err), TP_OK);
    cr_assert_eq(err.code, TP_E_PARSE, "%s", err.msg);
    free(z);
    /* a zlib header followed by nonsense */
    cr_assert_eq(read_mem("\x78\x9c\xff\xff\xff\xff", 6, "dsjc", NULL, 1, &back, &err), TP_E_PARSE);
    cr_assert(strncmp(err.msg, "corrupt compressed stream: ", 27) == 0, "%s", err.msg);
    tp_dataset_free(ds);
}

/* ---- writer errors ---- */

static int write_err(const char *format, const struct tp_dataset *ds, const struct tp_options *o,
                     struct tp_error *err)
{
    struct tp_writer *w;
    int rc;
    tp_error_init(err);
    rc = tp_writer_open_memory(format, ds, o, &w, err);
    if (rc)
        return rc;
    rc = tp_writer_write(w, ds, err);
    if (rc == TP_OK)
        rc = tp_writer_finish(w, err);
    tp_writer_abort(w);
    return rc;
}

Test(dsjson, writer_rejects_invalid_utf8_naming_row_and_column)
{
    struct tp_dataset *ds = tp_dataset_new("AE", "");
    struct tp_error err;
    size_t first;
    add_var(ds, "AETERM", TP_CHAR, 20, NULL, NULL);
    tp_dataset_add_rows(ds, 2, &first, NULL);
    tp_dataset_set_str(ds, 1, 0, "caf\xe9", 4); /* latin-1 */
    cr_assert_eq(write_err("json", ds, NULL, &err), TP_E_LIMIT);
    cr_assert_str_eq(err.msg, "record 2, column 'AETERM': invalid UTF-8 at byte 4 of the value");
    cr_assert_eq(err.loc.row, 2);
    cr_assert_str_eq(err.loc.dataset, "AE");
    tp_dataset_free(ds);
}

Test(dsjson, writer_checks_records_values_and_types)
{
    struct tp_dataset *ds = tp_dataset_new("VS", "");
    struct tp_options *o = tp_options_new();
    struct tp_error err;
    size_t first;
    add_var(ds, "N", TP_NUM, 8, "integer", NULL);
    tp_dataset_add_rows(ds, 2, &first, NULL);
    tp_dataset_set_num(ds, 0, 0, 1, 0);
    tp_dataset_set_num(ds, 1, 0, 0, 'A');
    /* special missing: null by default, refused on request */
    cr_assert_eq(write_err("ndjson", ds, NULL, &err), TP_OK);
    tp_options_set(o, "dsjson.special_missing", "error");
    cr_assert_eq(write_err("ndjson", ds, o, &err), TP_E_LIMIT);
    cr_assert_str_eq(err.msg,
                     "record 2, column 'N': special missing value .A has no Dataset-JSON form");
    /* a stale dsjson.records */
    tp_dataset_set_attr(ds, "dsjson.records", "5");
    cr_assert_eq(write_err("json", ds, NULL, &err), TP_E_USAGE);
    cr_assert_str_eq(err.msg, "dsjson.records announced 5 rows but 2 were written; clear the "
                              "attribute when the row count changes");
    tp_dataset_set_attr(ds, "dsjson.records", "1");
    cr_assert_eq(write_err("json", ds, NULL, &err), TP_E_USAGE);
    tp_dataset_set_attr(ds, "dsjson.records", "");
    /* not an integer */
    tp_dataset_set_num(ds, 1, 0, 2.5, 0);
    cr_assert_eq(write_err("dsjc", ds, NULL, &err), TP_E_LIMIT);
    cr_assert_str_eq(err.msg,
                     "record 2, column 'N': value 2.5 is not an integer (dataType integer)");
    /* dataType that does not fit the variable */
    cr_assert_eq(tp_var_set_str(&tp_dataset_var_mut(ds, 0)->data_type, "string"), TP_OK);
    cr_assert_eq(write_err("json", ds, NULL, &err), TP_E_USAGE);
    cr_assert_str_eq(err.msg, "variable 'N' is numeric but its dataType is 'string'");
    cr_assert_eq(tp_var_set_str(&tp_dataset_var_mut(ds, 0)->data_type, "date"), TP_OK);
    tp_dataset_set_num(ds, 1, 0, 1e9, 0);
    cr_assert_eq(write_err("json", ds, NULL, &err), TP_E_LIMIT);
    cr_assert_str_eq(err.msg, "record 2, column 'N': value 1000000000 is not a valid SAS date for "
                              "ISO 8601");
    tp_dataset_set_attr(ds, "dsjson.dbLastModifiedDateTime", "2024-01-01");
    cr_assert_eq(write_err("json", ds, NULL, &err), TP_E_USAGE);
    tp_dataset_free(ds);
    tp_options_free(o);
}

Test(dsjson, repeated_conversions_are_byte_identical)
{
    struct tp_dataset *ds = make_all_kinds(), *back;
    struct tp_error err;
    size_t n1, n2;
    unsigned char *a, *b;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    a = write_mem("json", ds, NULL, &n1);
    cr_assert_eq(read_mem(a, n1, "json", NULL, 10, &back, &err), TP_OK, "%s", err.msg);
    b = write_mem("json", back, NULL, &n2);
    cr_assert_eq(n1, n2);
    cr_assert(memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    tp_dataset_free(back);
    tp_dataset_free(ds);
}
