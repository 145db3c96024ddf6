/*
 * Unit tests of the CSV format plugin (src/lib/fmt/csv_read.c, csv_write.c) and of the variables
 * sheet loader (src/lib/fmt/meta_sheet.c). Fixtures: tests/data/csv/.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt/csv.h"
#include "trialpack/format.h"
#include "trialpack/meta.h"

/* ---- helpers ---- */

static const char *data_path(const char *name)
{
    static char buf[4096];
    const char *dir = getenv("TP_TEST_DATA");
    snprintf(buf, sizeof buf, "%s/csv/%s", dir ? dir : "tests/data", name);
    return buf;
}

static struct tp_options *opts(const char *k1, const char *v1, const char *k2, const char *v2)
{
    struct tp_options *o = tp_options_new();
    cr_assert_not_null(o);
    if (k1)
        cr_assert_eq(tp_options_set(o, k1, v1), TP_OK);
    if (k2)
        cr_assert_eq(tp_options_set(o, k2, v2), TP_OK);
    return o;
}

/* Read all of data (n bytes) as CSV; returns the status, *out the dataset on success. */
static int read_csv(const char *data, size_t n, const struct tp_options *o, struct tp_dataset **out,
                    struct tp_error *err)
{
    struct tp_reader *r;
    int rc;
    tp_error_init(err);
    *out = NULL;
    rc = tp_reader_open_memory(data, n, "csv", o, &r, err);
    if (rc)
        return rc;
    rc = tp_read_all(r, out, err);
    tp_reader_close(r);
    return rc;
}

static struct tp_dataset *read_ok(const char *text, const struct tp_options *o)
{
    struct tp_error err;
    struct tp_dataset *ds;
    int rc = read_csv(text, strlen(text), o, &ds, &err);
    cr_assert_eq(rc, TP_OK, "read failed: %s (line %ld col %ld)", err.msg, err.loc.line,
                 err.loc.col);
    return ds;
}

/* Write ds as CSV into a new NUL-terminated string (free with free()). */
static char *write_csv(const struct tp_dataset *ds, const struct tp_options *o, size_t *len)
{
    struct tp_writer *w;
    struct tp_error err;
    const unsigned char *m;
    size_t n;
    char *s;
    tp_error_init(&err);
    cr_assert_eq(tp_writer_open_memory("csv", ds, o, &w, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_writer_write(w, ds, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_writer_finish(w, &err), TP_OK, "%s", err.msg);
    m = tp_writer_memory(w, &n);
    s = malloc(n + 1);
    cr_assert_not_null(s);
    memcpy(s, m, n);
    s[n] = '\0';
    tp_writer_abort(w);
    if (len)
        *len = n;
    return s;
}

static void add_var(struct tp_dataset *ds, const char *name, enum tp_vartype type, size_t len)
{
    struct tp_var v;
    memset(&v, 0, sizeof v);
    v.name = (char *)(uintptr_t)name;
    v.type = type;
    v.length = len;
    cr_assert_eq(tp_dataset_add_var(ds, &v, NULL), TP_OK);
}

static void expect_str(const struct tp_dataset *ds, size_t row, size_t var, const char *want)
{
    size_t n;
    const char *s = tp_dataset_str(ds, row, var, &n);
    cr_expect(n == strlen(want) && memcmp(s, want, n) == 0, "row %zu var %zu: got '%.*s' want '%s'",
              row, var, (int)n, s, want);
}

static void expect_num(const struct tp_dataset *ds, size_t row, size_t var, double want, char miss)
{
    char m;
    double v = tp_dataset_num(ds, row, var, &m);
    cr_expect_eq(m, miss, "row %zu var %zu: missing kind %d want %d", row, var, m, miss);
    if (miss == TP_PRESENT)
        cr_expect(v == want, "row %zu var %zu: got %.17g want %.17g", row, var, v, want);
}

/* Expect reading text to fail with code at line:col, message containing msg. */
static void expect_error(const char *text, size_t n, const struct tp_options *o, int code,
                         long line, long col, const char *var, const char *msg)
{
    struct tp_error err;
    struct tp_dataset *ds;
    int rc = read_csv(text, n, o, &ds, &err);
    cr_assert_eq(rc, code, "rc %d want %d (%s)", rc, code, err.msg);
    cr_assert_null(ds);
    cr_expect_eq(err.code, code);
    cr_expect_eq(err.loc.line, line, "line %ld want %ld (%s)", err.loc.line, line, err.msg);
    cr_expect_eq(err.loc.col, col, "col %ld want %ld (%s)", err.loc.col, col, err.msg);
    cr_expect_str_eq(err.loc.path, "<memory>");
    if (var)
        cr_expect_str_eq(err.loc.variable, var);
    cr_expect(strstr(err.msg, msg) != NULL, "message '%s' lacks '%s'", err.msg, msg);
}

/* ---- quoting and delimiters ---- */

static const char *const tricky[] = {"plain",
                                     "a,b",
                                     "say \"hi\"",
                                     "two\nlines",
                                     "cr\rhere",
                                     "crlf\r\nhere",
                                     " lead",
                                     "trail ",
                                     "",
                                     "tab\tin",
                                     "semi;colon",
                                     "\"",
                                     "caf\xc3\xa9 \xe2\x82\xac"};
#define NTRICKY (sizeof tricky / sizeof tricky[0])

static struct tp_dataset *tricky_dataset(void)
{
    struct tp_dataset *ds = tp_dataset_new("T", "");
    size_t first;
    cr_assert_not_null(ds);
    add_var(ds, "ID", TP_NUM, 8);
    add_var(ds, "TXT", TP_CHAR, 0);
    cr_assert_eq(tp_dataset_add_rows(ds, NTRICKY, &first, NULL), TP_OK);
    for (size_t i = 0; i < NTRICKY; i++) {
        tp_dataset_set_num(ds, i, 0, (double)i, TP_PRESENT);
        tp_dataset_set_str(ds, i, 1, tricky[i], strlen(tricky[i]));
    }
    return ds;
}

Test(csv, quoting_round_trip)
{
    struct tp_dataset *ds = tricky_dataset(), *back;
    size_t n;
    char *text = write_csv(ds, NULL, &n);
    const char *want = "ID,TXT\n0,plain\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n"
                       "4,\"cr\rhere\"\n5,\"crlf\r\nhere\"\n6,\" lead\"\n7,\"trail \"\n8,\n"
                       "9,tab\tin\n10,semi;colon\n11,\"\"\"\"\n12,caf\xc3\xa9 \xe2\x82\xac\n";
    cr_expect_str_eq(text, want);
    back = read_ok(text, NULL);
    cr_assert_eq(tp_dataset_nrows(back), NTRICKY);
    for (size_t i = 0; i < NTRICKY; i++) {
        char id[8];
        snprintf(id, sizeof id, "%zu", i);
        expect_str(back, i, 0, id);
        expect_str(back, i, 1, tricky[i]);
    }
    tp_dataset_free(back);
    free(text);
    tp_dataset_free(ds);
}

Test(csv, each_delimiter_round_trips)
{
    static const char *const names[] = {",", ";", "tab", "\t"};
    static const char delims[] = {',', ';', '\t', '\t'};
    struct tp_dataset *ds = tricky_dataset();
    for (size_t d = 0; d < 4; d++) {
        struct tp_options *o = opts("csv.delimiter", names[d], NULL, NULL);
        struct tp_options *inf = opts("csv.infer", "1", NULL, NULL);
        char *text = write_csv(ds, o, NULL);
        char head[8];
        struct tp_dataset *back, *back2;
        snprintf(head, sizeof head, "ID%cTXT\n", delims[d]);
        cr_expect(strncmp(text, head, strlen(head)) == 0, "header for '%s': %.10s", names[d], text);
        back = read_ok(text, inf); /* delimiter detected */
        back2 = read_ok(text, o);  /* delimiter given */
        cr_assert_eq(tp_dataset_nrows(back), NTRICKY);
        cr_assert_eq(tp_dataset_nvars(back2), 2);
        cr_expect_eq(tp_dataset_var(back, 0)->type, TP_NUM);
        for (size_t i = 0; i < NTRICKY; i++) {
            expect_num(back, i, 0, (double)i, TP_PRESENT);
            expect_str(back, i, 1, tricky[i]);
            expect_str(back2, i, 1, tricky[i]);
        }
        tp_dataset_free(back);
        tp_dataset_free(back2);
        free(text);
        tp_options_free(o);
        tp_options_free(inf);
    }
    tp_dataset_free(ds);
}

Test(csv, unknown_delimiter_option_is_usage_error)
{
    struct tp_options *o = opts("csv.delimiter", "|", NULL, NULL);
    struct tp_error err;
    struct tp_dataset *ds;
    cr_expect_eq(read_csv("A\n1\n", 4, o, &ds, &err), TP_E_USAGE);
    cr_expect(strstr(err.msg, "csv.delimiter") != NULL);
    tp_options_free(o);
}

Test(csv, bom_is_stripped)
{
    struct tp_dataset *ds = read_ok("\xEF\xBB\xBFUSUBJID,AGE\nX-1,42\n", NULL);
    cr_assert_eq(tp_dataset_nvars(ds), 2);
    cr_expect_str_eq(tp_dataset_var(ds, 0)->name, "USUBJID");
    expect_str(ds, 0, 0, "X-1");
    tp_dataset_free(ds);
}

Test(csv, crlf_and_cr_line_ends)
{
    static const char *const inputs[] = {"A,B\r\n1,x\r\n\r\n2,\"y\r\nz\"\r\n",
                                         "A,B\r1,x\r\r2,\"y\r\nz\"\r", "A,B\n1,x\n\n2,\"y\r\nz\""};
    for (size_t i = 0; i < 3; i++) {
        struct tp_dataset *ds = read_ok(inputs[i], NULL);
        cr_assert_eq(tp_dataset_nrows(ds), 2, "input %zu", i);
        expect_str(ds, 0, 1, "x");
        expect_str(ds, 1, 0, "2");
        expect_str(ds, 1, 1, "y\r\nz");
        tp_dataset_free(ds);
    }
}

Test(csv, crlf_option_on_write)
{
    struct tp_dataset *ds = tricky_dataset();
    struct tp_options *o = opts("csv.crlf", "1", NULL, NULL);
    char *text = write_csv(ds, o, NULL);
    cr_expect(strncmp(text, "ID,TXT\r\n0,plain\r\n1,", 19) == 0, "%.20s", text);
    free(text);
    tp_options_free(o);
    tp_dataset_free(ds);
}

/* ---- encodings ---- */

Test(csv, latin1_is_transcoded)
{
    struct tp_options *o = opts("encoding", "latin1", NULL, NULL);
    struct tp_dataset *ds = read_ok("NAME;CITY\nJos\xe9;S\xe3o Paulo\n", o);
    expect_str(ds, 0, 0, "Jos\xc3\xa9");
    expect_str(ds, 0, 1, "S\xc3\xa3o Paulo");
    tp_dataset_free(ds);
    tp_options_free(o);
}

Test(csv, cp1252_is_transcoded)
{
    struct tp_options *o = opts("encoding", "windows-1252", NULL, NULL);
    struct tp_dataset *ds = read_ok("ITEM\n\x80 \xe9 \x9c\n\x93q\x94\n", o);
    expect_str(ds, 0, 0, "\xe2\x82\xac \xc3\xa9 \xc5\x93");
    expect_str(ds, 1, 0, "\xe2\x80\x9cq\xe2\x80\x9d");
    tp_dataset_free(ds);
    tp_options_free(o);
}

Test(csv, encoding_fixture_files)
{
    struct tp_options *o1 = opts("encoding", "iso-8859-1", NULL, NULL);
    struct tp_options *o2 = opts("encoding", "cp1252", NULL, NULL);
    struct tp_dataset *a, *b;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(tp_read_file(data_path("latin1.csv"), "csv", o1, &a, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_read_file(data_path("cp1252.csv"), "csv", o2, &b, &err), TP_OK, "%s", err.msg);
    expect_str(a, 1, 0, "Fran\xc3\xa7ois");
    expect_str(a, 1, 1,
               "Montr\xc3\xa9"
               "al");
    expect_str(b, 0, 0, "\xe2\x82\xac sign");
    expect_str(b, 1, 0, "\xc5\x93uvre \xe2\x80\x9cquoted\xe2\x80\x9d");
    tp_dataset_free(a);
    tp_dataset_free(b);
    tp_options_free(o1);
    tp_options_free(o2);
}

Test(csv, invalid_utf8_names_line_and_column)
{
    const char plain[] = "A,B\nok,fine\nx,caf\xe9\n";
    const char quoted[] = "A,B\nok,\"fi\nne\"\nx,\"caf\xe9\"\n";
    expect_error(plain, sizeof plain - 1, NULL, TP_E_PARSE, 3, 2, "B", "invalid UTF-8");
    expect_error(quoted, sizeof quoted - 1, NULL, TP_E_PARSE, 4, 2, "B", "invalid UTF-8");
}

Test(csv, unknown_encoding_is_usage_error)
{
    struct tp_options *o = opts("encoding", "ebcdic", NULL, NULL);
    struct tp_error err;
    struct tp_dataset *ds;
    cr_expect_eq(read_csv("A\n1\n", 4, o, &ds, &err), TP_E_USAGE);
    tp_options_free(o);
}

/* ---- structure errors ---- */

Test(csv, wrong_field_count_names_line_and_column)
{
    const char few[] = "A,B,C\n1,2,3\n\n4,5\n";
    const char many[] = "A,B,C\n1,2,3\n4,5,6,7\n";
    const char after_quotes[] = "A,B\n\"x\ny\",1\n2\n";
    expect_error(few, sizeof few - 1, NULL, TP_E_PARSE, 4, 3, "C",
                 "row has 2 fields, header has 3");
    expect_error(many, sizeof many - 1, NULL, TP_E_PARSE, 3, 4, "",
                 "row has 4 fields, header has 3");
    expect_error(after_quotes, sizeof after_quotes - 1, NULL, TP_E_PARSE, 4, 2, "B",
                 "row has 1 field, header has 2");
}

Test(csv, unterminated_quote)
{
    const char text[] = "A,B\n1,2\n3,\"abc\ndef\n";
    expect_error(text, sizeof text - 1, NULL, TP_E_PARSE, 3, 2, "B", "unterminated quoted field");
}

Test(csv, stray_quotes_are_errors)
{
    const char inside[] = "A,B\n1,ab\"c\n";
    const char after[] = "A,B\n1,\"ab\"c\n";
    expect_error(inside, sizeof inside - 1, NULL, TP_E_PARSE, 2, 2, NULL, "unexpected quote");
    expect_error(after, sizeof after - 1, NULL, TP_E_PARSE, 2, 2, NULL, "closing quote");
}

Test(csv, empty_input_has_no_header)
{
    expect_error("", 0, NULL, TP_E_PARSE, 1, -1, NULL, "no header row");
    expect_error("\n\n", 2, NULL, TP_E_PARSE, 3, -1, NULL, "no header row");
}

Test(csv, header_errors)
{
    expect_error("A,,C\n", 5, NULL, TP_E_PARSE, 1, 2, NULL, "empty column name");
    expect_error("A,B,a\n", 6, NULL, TP_E_PARSE, 1, 3, "a", "duplicate column 'a'");
}

Test(csv, header_control_characters_are_errors)
{
    /* fuzz regression (tests/fuzz/corpus/csv/regress-header-nul): a NUL cut a name short */
    static const char text[] = "A,  \x10   \0A\n1,2\n";
    expect_error(text, sizeof text - 1, NULL, TP_E_PARSE, 1, 2, NULL,
                 "control character 0x10 in a column name");
}

Test(csv, first_name_starting_with_bom_character_round_trips)
{
    /* fuzz regression (regress-bom-name): U+FEFF as a name must not be written as a BOM */
    static const char text[] = "\xEF\xBB\xBF\xEF\xBB\xBF,B\n1,2\n";
    struct tp_dataset *ds = read_ok(text, NULL), *back;
    char *out = write_csv(ds, NULL, NULL);
    cr_expect_str_eq(out, "\"\xEF\xBB\xBF\",B\n1,2\n");
    back = read_ok(out, NULL);
    cr_expect_str_eq(tp_dataset_var(back, 0)->name, "\xEF\xBB\xBF");
    tp_dataset_free(back);
    free(out);
    tp_dataset_free(ds);
}

Test(csv, blank_lines_are_skipped_and_counted)
{
    const char text[] = "\nA,B\n\n1,2\n\n\n3,x\n";
    struct tp_options *o = opts("csv.infer", "1", NULL, NULL);
    struct tp_dataset *ds = read_ok(text, NULL);
    cr_expect_eq(tp_dataset_nrows(ds), 2);
    tp_dataset_free(ds);
    /* "x" makes B CHAR under infer; make A fail instead through a template-less number error */
    static const char bad[] = "A\n1\n\n\n\"x\ny\"\n2\n3,4\n";
    expect_error(bad, sizeof bad - 1, o, TP_E_PARSE, 8, 2, "", "row has 2 fields, header has 1");
    tp_options_free(o);
}

Test(csv, header_only_gives_no_rows)
{
    struct tp_dataset *ds = read_ok("A,B", NULL);
    cr_expect_eq(tp_dataset_nvars(ds), 2);
    cr_expect_eq(tp_dataset_nrows(ds), 0);
    cr_expect_eq(tp_dataset_var(ds, 1)->type, TP_CHAR);
    cr_expect_eq(tp_dataset_var(ds, 1)->length, 0);
    tp_dataset_free(ds);
}

/* ---- typing ---- */

Test(csv, infer_types_and_lengths)
{
    const char text[] = "INT,DEC,TXT,CODE,EMPTY,MISS,MIXED,SPACED\n"
                        "1,1.5,abc,007,,.,1,  2 \n"
                        "-20,.25,\"a longer one\",010,,.A,x,3\n"
                        "300,1e3,caf\xc3\xa9,1,,,2,\n";
    struct tp_options *o = opts("csv.infer", "1", NULL, NULL);
    struct tp_dataset *ds = read_ok(text, o);
    static const enum tp_vartype types[] = {TP_NUM,  TP_NUM, TP_CHAR, TP_CHAR,
                                            TP_CHAR, TP_NUM, TP_CHAR, TP_NUM};
    static const size_t lens[] = {8, 8, 12, 3, 1, 8, 1, 8};
    cr_assert_eq(tp_dataset_nvars(ds), 8);
    for (size_t i = 0; i < 8; i++) {
        cr_expect_eq(tp_dataset_var(ds, i)->type, types[i], "var %zu type", i);
        cr_expect_eq(tp_dataset_var(ds, i)->length, lens[i], "var %zu length %zu", i,
                     tp_dataset_var(ds, i)->length);
    }
    expect_num(ds, 1, 0, -20, TP_PRESENT);
    expect_num(ds, 1, 1, 0.25, TP_PRESENT);
    expect_num(ds, 2, 1, 1000, TP_PRESENT);
    expect_str(ds, 1, 3, "010");
    expect_num(ds, 0, 5, 0, TP_MISSING);
    expect_num(ds, 1, 5, 0, 'A');
    expect_num(ds, 0, 7, 2, TP_PRESENT);
    expect_num(ds, 2, 7, 0, TP_MISSING);
    tp_dataset_free(ds);
    tp_options_free(o);
}

Test(csv, plain_mode_is_all_char_length_0)
{
    struct tp_dataset *ds = read_ok("A,B\n1,2\n", NULL);
    cr_expect_eq(tp_dataset_var(ds, 0)->type, TP_CHAR);
    cr_expect_eq(tp_dataset_var(ds, 0)->length, 0);
    expect_str(ds, 0, 1, "2");
    tp_dataset_free(ds);
}

static struct tp_dataset *lb_template(void)
{
    struct tp_dataset *t = tp_dataset_new("LB", "Laboratory");
    add_var(t, "USUBJID", TP_CHAR, 20);
    add_var(t, "LBSTRESN", TP_NUM, 8);
    add_var(t, "LBTESTCD", TP_CHAR, 8);
    tp_var_set_str(&tp_dataset_var_mut(t, 1)->label, "Numeric Result");
    return t;
}

Test(csv, template_types_orders_and_labels)
{
    struct tp_dataset *t = lb_template(), *ds;
    struct tp_options *o = opts(NULL, NULL, NULL, NULL);
    tp_options_set_template(o, t);
    ds = read_ok("lbtestcd,usubjid,LbStResN\nALT,S-1,23.5\nAST,S-2,\nGGT,S-3,._\n", o);
    cr_expect_str_eq(tp_dataset_name(ds), "LB");
    cr_assert_eq(tp_dataset_nvars(ds), 3);
    cr_expect_str_eq(tp_dataset_var(ds, 0)->name, "USUBJID");
    cr_expect_str_eq(tp_dataset_var(ds, 1)->label, "Numeric Result");
    cr_expect_eq(tp_dataset_var(ds, 0)->length, 20);
    expect_str(ds, 0, 0, "S-1");
    expect_str(ds, 0, 2, "ALT");
    expect_num(ds, 0, 1, 23.5, TP_PRESENT);
    expect_num(ds, 1, 1, 0, TP_MISSING);
    expect_num(ds, 2, 1, 0, '_');
    tp_dataset_free(ds);
    tp_options_free(o);
    tp_dataset_free(t);
}

Test(csv, template_mismatch_errors)
{
    struct tp_dataset *t = lb_template();
    struct tp_options *o = opts(NULL, NULL, NULL, NULL);
    const char extra[] = "USUBJID,LBSTRESN,LBTESTCD,LBORRES\n";
    const char missing[] = "USUBJID,LBTESTCD\n";
    tp_options_set_template(o, t);
    expect_error(extra, sizeof extra - 1, o, TP_E_PARSE, 1, 4, "LBORRES",
                 "column 'LBORRES' is not in the variables template");
    expect_error(missing, sizeof missing - 1, o, TP_E_PARSE, 1, -1, NULL,
                 "variable 'LBSTRESN' of the template is missing from the header");
    tp_options_free(o);
    tp_dataset_free(t);
}

Test(csv, bad_number_names_value_and_location)
{
    struct tp_dataset *t = lb_template();
    struct tp_options *o = opts(NULL, NULL, NULL, NULL);
    const char text[] = "USUBJID,LBSTRESN,LBTESTCD\nS-1,1,A\nS-2,\"abc\",B\n";
    const char comma[] = "USUBJID;LBSTRESN;LBTESTCD\nS-1;1,5;A\n";
    tp_options_set_template(o, t);
    expect_error(text, sizeof text - 1, o, TP_E_PARSE, 3, 2, "LBSTRESN", "'abc' is not a number");
    expect_error(comma, sizeof comma - 1, o, TP_E_PARSE, 2, 2, "LBSTRESN", "'1,5' is not a number");
    tp_options_free(o);
    tp_dataset_free(t);
}

Test(csv, decimal_comma_option)
{
    struct tp_dataset *t = lb_template(), *ds;
    struct tp_options *o = opts("csv.decimal", ",", NULL, NULL);
    tp_options_set_template(o, t);
    ds = read_ok("USUBJID;LBSTRESN;LBTESTCD\nS-1;1,5;A\nS-2;-0,125;B\nS-3;2.5;C\n", o);
    expect_num(ds, 0, 1, 1.5, TP_PRESENT);
    expect_num(ds, 1, 1, -0.125, TP_PRESENT);
    expect_num(ds, 2, 1, 2.5, TP_PRESENT);
    tp_dataset_free(ds);
    tp_options_free(o);
    tp_dataset_free(t);
}

Test(csv, numbers_parse_exactly)
{
    static const char *const texts[] = {"0.1",
                                        "1e-300",
                                        "123456789.123",
                                        "-0.0",
                                        "0.49317900000000003",
                                        "9007199254740993",
                                        "+7",
                                        "1.",
                                        "2.2250738585072014e-308",
                                        "  42  ",
                                        "1E5"};
    struct tp_options *o = opts("csv.infer", "1", NULL, NULL);
    char text[512] = "X\n";
    struct tp_dataset *ds;
    for (size_t i = 0, n = 2; i < sizeof texts / sizeof texts[0]; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s\n", texts[i]);
    ds = read_ok(text, o);
    cr_assert_eq(tp_dataset_var(ds, 0)->type, TP_NUM);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        expect_num(ds, i, 0, strtod(texts[i], NULL), TP_PRESENT);
    tp_dataset_free(ds);
    tp_options_free(o);
}

/* ---- numbers and missing values out ---- */

Test(csv, shortest_round_trip_numbers)
{
    static const double vals[] = {0.1,
                                  1e-300,
                                  123456789.123,
                                  -0.0,
                                  0.0,
                                  -1.5,
                                  1e15,
                                  123456789012345678.0,
                                  0.49317900000000003,
                                  5e-324,
                                  1.0 / 3};
    static const char *const want[] = {"0.1",
                                       "1e-300",
                                       "123456789.123",
                                       "0",
                                       "0",
                                       "-1.5",
                                       "1e+15",
                                       "1.2345678901234568e+17",
                                       "0.49317900000000003",
                                       "4.94065645841247e-324",
                                       "0.3333333333333333"};
    struct tp_dataset *ds = tp_dataset_new("N", ""), *back;
    struct tp_options *o = opts("csv.infer", "1", NULL, NULL);
    size_t first, n = sizeof vals / sizeof vals[0], k = 2;
    char *text, expect[1024] = "X\n";
    add_var(ds, "X", TP_NUM, 8);
    tp_dataset_add_rows(ds, n, &first, NULL);
    for (size_t i = 0; i < n; i++) {
        tp_dataset_set_num(ds, i, 0, vals[i], TP_PRESENT);
        k += (size_t)snprintf(expect + k, sizeof expect - k, "%s\n", want[i]);
    }
    text = write_csv(ds, NULL, NULL);
    cr_expect_str_eq(text, expect);
    back = read_ok(text, o);
    for (size_t i = 0; i < n; i++)
        expect_num(back, i, 0, vals[i], TP_PRESENT);
    tp_dataset_free(back);
    free(text);
    tp_dataset_free(ds);
    tp_options_free(o);
}

Test(csv, number_fast_path_matches_tp_format_double)
{
    unsigned long long x = 88172645463325252ull;
    for (long i = 0; i < 2000000; i++) {
        char a[40], b[40];
        double d;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        switch (i % 5) {
        case 4: /* any double in the range of the exact path */
            d = ldexp((double)((x >> 11) | (1ull << 52)), (int)(x % 110) - 66) *
                ((x >> 7) & 1 ? -1 : 1);
            break;
        case 0: /* short decimals */
            d = (double)(long long)(x % 2000000000ull - 1000000000ll) /
                pow(10, (double)(x >> 60 & 7));
            break;
        case 1: /* any bits */
            memcpy(&d, &x, sizeof d);
            if (!isfinite(d))
                d = 1.0;
            break;
        case 2: /* results of arithmetic, as a unit conversion gives */
            d = (double)(x % 100000) / 100.0 * 0.0555;
            break;
        default: /* near powers of ten and tiny values */
            d = pow(10, (double)(int)(x % 40) - 20) * (1 + (double)(x >> 40) / 1e12);
            break;
        }
        csv_format_num(d, a);
        tp_format_double(d, b, sizeof b);
        if (strcmp(a, b) != 0)
            cr_assert_fail("%.17g: fast '%s' slow '%s'", d, a, b);
    }
}

Test(csv, number_parsing_matches_strtod, .timeout = 60)
{
    /* random decimal texts of up to 20 digits, parsed by the reader and by strtod */
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    size_t cap = 64 * 200000 + 8, len = 2, count = 200000;
    char *text = malloc(cap), **vals = malloc(count * sizeof *vals);
    struct tp_options *o = opts("csv.infer", "1", NULL, NULL);
    struct tp_dataset *ds;
    cr_assert_not_null(text);
    memcpy(text, "X\n", 2);
    for (size_t i = 0; i < count; i++) {
        int digits, point;
        char *start = text + len;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        digits = 1 + (int)(x % 20);
        point = (int)((x >> 8) % (unsigned)(digits + 1));
        if ((x >> 16) & 1)
            text[len++] = '-';
        for (int k = 0; k < digits; k++) {
            if (k == point && k > 0)
                text[len++] = '.';
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text[len++] = (char)('0' + (k == 0 ? 1 + x % 9 : x % 10));
        }
        vals[i] = start;
        text[len++] = '\n';
    }
    text[len] = '\0';
    ds = read_ok(text, o);
    cr_assert_eq(tp_dataset_nrows(ds), count);
    for (size_t i = 0; i < count; i++) {
        char *end;
        double want = strtod(vals[i], &end), got = tp_dataset_num(ds, i, 0, NULL);
        if (got != want)
            cr_assert_fail("'%.*s': got %.17g want %.17g", (int)(end - vals[i]), vals[i], got,
                           want);
    }
    tp_dataset_free(ds);
    tp_options_free(o);
    free(vals);
    free(text);
}

Test(csv, special_missings_in_and_out)
{
    struct tp_dataset *ds = tp_dataset_new("M", ""), *back;
    struct tp_options *o = opts("csv.infer", "1", NULL, NULL);
    static const char kinds[] = {TP_MISSING, 'A', 'Z', '_', TP_PRESENT};
    size_t first;
    char *text;
    add_var(ds, "X", TP_NUM, 8);
    add_var(ds, "Y", TP_CHAR, 1);
    tp_dataset_add_rows(ds, 5, &first, NULL);
    for (size_t i = 0; i < 5; i++)
        tp_dataset_set_num(ds, i, 0, 3, kinds[i]);
    text = write_csv(ds, NULL, NULL);
    cr_expect_str_eq(text, "X,Y\n,\n.A,\n.Z,\n._,\n3,\n");
    back = read_ok(text, o);
    for (size_t i = 0; i < 5; i++)
        expect_num(back, i, 0, 3, kinds[i]);
    tp_dataset_free(back);
    free(text);
    back = read_ok("X\n.\n.b\n", o);
    expect_num(back, 0, 0, 0, TP_MISSING);
    expect_num(back, 1, 0, 0, 'B');
    tp_dataset_free(back);
    tp_dataset_free(ds);
    tp_options_free(o);
}

Test(csv, single_column_empty_values_survive)
{
    struct tp_dataset *ds = tp_dataset_new("S", ""), *back;
    size_t first;
    char *text;
    add_var(ds, "C", TP_CHAR, 0);
    tp_dataset_add_rows(ds, 3, &first, NULL);
    tp_dataset_set_str(ds, 1, 0, "x", 1);
    text = write_csv(ds, NULL, NULL);
    cr_expect_str_eq(text, "C\n\"\"\nx\n\"\"\n");
    back = read_ok(text, NULL);
    cr_expect_eq(tp_dataset_nrows(back), 3);
    tp_dataset_free(back);
    free(text);
    tp_dataset_free(ds);
}

Test(csv, output_is_deterministic_and_tsv_defaults_to_tab)
{
    struct tp_dataset *ds = tricky_dataset();
    char *a = write_csv(ds, NULL, NULL), *b = write_csv(ds, NULL, NULL);
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
    cr_expect_str_eq(tp_format_for_path("x/lb.tsv"), "csv");
    cr_expect_str_eq(tp_format_for_path("lb.CSV"), "csv");
    tp_dataset_free(ds);
}

/* ---- streaming ---- */

static void fill_big(struct tp_dataset *ds, size_t from, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t r = from + i;
        char buf[64];
        int len = snprintf(buf, sizeof buf, "SUBJ-%05zu", r / 300);
        tp_dataset_set_str(ds, i, 0, buf, (size_t)len);
        tp_dataset_set_num(ds, i, 1, (double)r, TP_PRESENT);
        tp_dataset_set_num(ds, i, 2, (double)(r % 1000) / 7.0, r % 97 ? TP_PRESENT : 'A');
        if (r % 10 == 3)
            len = snprintf(buf, sizeof buf, "line %zu\nwith \"quotes\", comma", r);
        else
            len = snprintf(buf, sizeof buf, "v%zu", r % 13);
        tp_dataset_set_str(ds, i, 3, buf, (size_t)len);
    }
}

Test(csv, streamed_round_trip_100k_rows_batch_1000, .timeout = 120)
{
    struct tp_dataset *meta = tp_dataset_new("BIG", ""), *batch;
    struct tp_writer *w;
    struct tp_reader *r;
    struct tp_error err;
    struct tp_options *o = opts("csv.infer", "1", NULL, NULL);
    const unsigned char *bytes;
    size_t n, total = 0, first;
    tp_error_init(&err);
    add_var(meta, "USUBJID", TP_CHAR, 10);
    add_var(meta, "SEQ", TP_NUM, 8);
    add_var(meta, "VAL", TP_NUM, 8);
    add_var(meta, "TXT", TP_CHAR, 40);
    batch = tp_dataset_clone_meta(meta);
    cr_assert_eq(tp_writer_open_memory("csv", meta, NULL, &w, &err), TP_OK);
    for (size_t b = 0; b < 100; b++) {
        tp_dataset_clear_rows(batch);
        tp_dataset_add_rows(batch, 1000, &first, NULL);
        fill_big(batch, b * 1000, 1000);
        cr_assert_eq(tp_writer_write(w, batch, &err), TP_OK, "%s", err.msg);
    }
    cr_assert_eq(tp_writer_finish(w, &err), TP_OK);
    bytes = tp_writer_memory(w, &n);
    cr_assert_eq(tp_reader_open_memory(bytes, n, "csv", o, &r, &err), TP_OK, "%s", err.msg);
    cr_expect_eq(tp_dataset_var(tp_reader_meta(r), 1)->type, TP_NUM);
    cr_expect_eq(tp_dataset_var(tp_reader_meta(r), 3)->type, TP_CHAR);
    for (;;) {
        const struct tp_dataset *got;
        cr_assert_eq(tp_reader_next(r, 1000, &got, &err), TP_OK, "%s", err.msg);
        if (tp_dataset_nrows(got) == 0)
            break;
        cr_assert_leq(tp_dataset_nrows(got), 1000);
        tp_dataset_clear_rows(batch);
        tp_dataset_add_rows(batch, tp_dataset_nrows(got), &first, NULL);
        fill_big(batch, total, tp_dataset_nrows(got));
        for (size_t i = 0; i < tp_dataset_nrows(got); i++) {
            size_t la, lb;
            const char *sa = tp_dataset_str(got, i, 3, &la), *sb = tp_dataset_str(batch, i, 3, &lb);
            char ma, mb;
            double va = tp_dataset_num(got, i, 2, &ma), vb = tp_dataset_num(batch, i, 2, &mb);
            if (la != lb || memcmp(sa, sb, la) || ma != mb || (ma == TP_PRESENT && va != vb) ||
                tp_dataset_num(got, i, 1, NULL) != (double)(total + i))
                cr_assert_fail("row %zu differs", total + i);
        }
        total += tp_dataset_nrows(got);
    }
    cr_expect_eq(total, 100000);
    tp_reader_close(r);
    tp_writer_abort(w);
    tp_dataset_free(batch);
    tp_dataset_free(meta);
    tp_options_free(o);
}

Test(csv, small_batches_with_multiline_records)
{
    const char text[] = "A,B\r\n1,\"x\r\ny\"\r\n2,\"\"\r\n\"3\",\"q\"\"\"\r\n4,z\r\n5,\"\nw\"";
    for (size_t max = 1; max <= 4; max++) {
        struct tp_reader *r;
        struct tp_error err;
        size_t total = 0;
        tp_error_init(&err);
        cr_assert_eq(tp_reader_open_memory(text, sizeof text - 1, "csv", NULL, &r, &err), TP_OK);
        for (;;) {
            const struct tp_dataset *b;
            cr_assert_eq(tp_reader_next(r, max, &b, &err), TP_OK, "%s", err.msg);
            if (tp_dataset_nrows(b) == 0)
                break;
            cr_assert_leq(tp_dataset_nrows(b), max);
            for (size_t i = 0; i < tp_dataset_nrows(b); i++) {
                char want[4];
                snprintf(want, sizeof want, "%zu", total + i + 1);
                expect_str(b, i, 0, want);
            }
            if (total == 0)
                expect_str(b, 0, 1, "x\r\ny");
            total += tp_dataset_nrows(b);
        }
        cr_expect_eq(total, 5, "max %zu", max);
        tp_reader_close(r);
    }
}

/* ---- variables sheet ---- */

Test(csv, meta_sheet_reads_variables)
{
    struct tp_dataset *m;
    struct tp_error err;
    const struct tp_var *v;
    char fmt[48];
    tp_error_init(&err);
    cr_assert_eq(tp_meta_read_csv(data_path("vars_lb.csv"), &m, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_dataset_nvars(m), 7);
    cr_expect_eq(tp_dataset_nrows(m), 0);
    v = tp_dataset_var(m, 0);
    cr_expect_str_eq(v->name, "STUDYID");
    cr_expect_str_eq(v->label, "Study Identifier");
    cr_expect_eq(v->type, TP_CHAR);
    cr_expect_eq(v->length, 12);
    v = tp_dataset_var(m, 4);
    cr_expect_eq(v->type, TP_NUM);
    tp_var_format_text(v, false, fmt, sizeof fmt);
    cr_expect_str_eq(fmt, "BEST12.");
    v = tp_dataset_var(m, 5);
    cr_expect_eq(v->type, TP_NUM);
    cr_expect_eq(v->length, 8);
    tp_var_format_text(v, false, fmt, sizeof fmt);
    cr_expect_str_eq(fmt, "DATE9.");
    v = tp_dataset_var(m, 6);
    cr_expect_str_eq(v->label, "Comment, free text");
    cr_expect_eq(v->type, TP_CHAR);
    cr_expect_eq(v->length, 200);
    tp_dataset_free(m);
}

Test(csv, meta_sheet_types_a_csv)
{
    struct tp_dataset *m, *ds;
    struct tp_error err;
    struct tp_options *o = opts(NULL, NULL, NULL, NULL);
    tp_error_init(&err);
    cr_assert_eq(tp_meta_read_csv(data_path("vars_lb.csv"), &m, &err), TP_OK, "%s", err.msg);
    tp_options_set_template(o, m);
    cr_assert_eq(tp_read_file(data_path("lb_small.csv"), NULL, o, &ds, &err), TP_OK,
                 "%s line %ld col %ld", err.msg, err.loc.line, err.loc.col);
    cr_assert_eq(tp_dataset_nrows(ds), 3);
    expect_num(ds, 1, 4, 0, 'A');
    expect_num(ds, 0, 5, 22281, TP_PRESENT);
    expect_str(ds, 1, 6, "needs \"repeat\", see notes");
    cr_expect_str_eq(tp_dataset_name(ds), "lb_small");
    tp_dataset_free(ds);
    tp_dataset_free(m);
    tp_options_free(o);
}

Test(csv, meta_sheet_per_dataset)
{
    struct tp_dataset *m;
    struct tp_error err;
    const struct tp_var *v;
    tp_error_init(&err);
    cr_assert_eq(tp_meta_read_csv_for(data_path("vars_multi.csv"), "ae", &m, &err), TP_OK, "%s",
                 err.msg);
    cr_assert_eq(tp_dataset_nvars(m), 3);
    cr_expect_str_eq(tp_dataset_name(m), "ae");
    v = tp_dataset_var(m, 1);
    cr_expect_str_eq(v->name, "AESEQ");
    cr_expect_eq(v->type, TP_NUM);
    cr_expect_eq(v->key_sequence, 3);
    cr_expect_str_eq(v->item_oid, "IT.AE.AESEQ");
    cr_expect_str_eq(v->data_type, "integer");
    v = tp_dataset_var(m, 2);
    cr_expect_eq(v->type, TP_CHAR);
    cr_expect_eq(v->length, 19);
    cr_expect_str_eq(v->display_format, "ISO 8601");
    tp_dataset_free(m);

    tp_error_init(&err);
    cr_expect_eq(tp_meta_read_csv(data_path("vars_multi.csv"), &m, &err), TP_E_SPEC);
    cr_expect_null(m);
    cr_expect(strstr(err.msg, "several datasets") != NULL, "%s", err.msg);
    cr_expect_eq(err.loc.line, 5);
    cr_expect_eq(err.loc.col, 1);

    tp_error_init(&err);
    cr_expect_eq(tp_meta_read_csv_for(data_path("vars_multi.csv"), "LB", &m, &err), TP_E_SPEC);
    cr_expect(strstr(err.msg, "no variables for dataset 'LB'") != NULL, "%s", err.msg);
}

Test(csv, meta_sheet_errors_name_line_and_column)
{
    struct tp_dataset *m;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(tp_meta_read_csv(data_path("vars_bad_type.csv"), &m, &err), TP_E_SPEC);
    cr_expect_null(m);
    cr_expect(strstr(err.loc.path, "vars_bad_type.csv") != NULL);
    cr_expect_eq(err.loc.line, 3);
    cr_expect_eq(err.loc.col, 3);
    cr_expect_str_eq(err.loc.variable, "SEX");
    cr_expect(strstr(err.msg, "unknown type 'Chr'") != NULL, "%s", err.msg);

    tp_error_init(&err);
    cr_expect_eq(tp_meta_read_csv(data_path("no-such-sheet.csv"), &m, &err), TP_E_IO);
}

Test(csv, meta_sheet_in_windows_1252)
{
    struct tp_dataset *m;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(tp_meta_read_csv(data_path("vars_cp1252.csv"), &m, &err), TP_OK, "%s", err.msg);
    cr_expect_str_eq(tp_dataset_var(m, 0)->label, "\xc3\x82ge in years");
    cr_expect_str_eq(tp_dataset_var(m, 1)->label, "Sex \xe2\x80\x93 code");
    tp_dataset_free(m);
}
