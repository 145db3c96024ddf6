/*
 * Unit tests of the core module: errors, strings, numbers, UTF-8, atomic file sinks.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

Test(core, first_error_wins_and_path_fills_only_empty)
{
    struct tp_error err;
    char buf[512];
    struct tp_loc loc;
    tp_error_init(&err);
    tp_loc_init(&loc);
    loc.line = 3;
    loc.col = 7;
    cr_assert_eq(tp_fail_at(&err, TP_E_PARSE, &loc, "row has %d fields", 5), TP_E_PARSE);
    tp_fail(&err, TP_E_IO, "second error");
    tp_error_set_path(&err, "in.csv");
    tp_error_set_path(&err, "other.csv");
    cr_assert_str_eq(err.msg, "row has 5 fields");
    cr_assert_str_eq(tp_error_format(&err, buf, sizeof buf), "in.csv:3:7: error: row has 5 fields");
}

Test(core, error_null_is_allowed)
{
    cr_assert_eq(tp_fail(NULL, TP_E_IO, "x"), TP_E_IO);
}

Test(core, strbuf_grows_and_formats)
{
    struct tp_strbuf sb;
    tp_strbuf_init(&sb);
    cr_assert_str_eq(tp_strbuf_cstr(&sb), "");
    for (int i = 0; i < 1000; i++)
        tp_strbuf_addf(&sb, "%d,", i);
    cr_assert_eq(strncmp(sb.buf, "0,1,2,", 6), 0);
    cr_assert_eq(sb.buf[sb.len], '\0');
    tp_strbuf_release(&sb);
}

Test(core, shortest_round_trip_numbers)
{
    char buf[40];
    static const struct {
        double d;
        const char *s;
    } cases[] = {{0.0, "0"},     {-0.0, "0"},          {1.0, "1"},  {-7.0, "-7"}, {0.1, "0.1"},
                 {147.3, "147.3"}, {1e-300, "1e-300"}, {123456789.123, "123456789.123"},
                 {1e15, "1e+15"}, {5e-324, "4.94065645841247e-324"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_format_double(cases[i].d, buf, sizeof buf);
        cr_expect_str_eq(buf, cases[i].s, "format(%g) = %s, want %s", cases[i].d, buf, cases[i].s);
    }
}

Test(core, format_double_round_trips_random_values)
{
    char buf[40];
    unsigned long long x = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        double d, back;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(&d, &x, sizeof d);
        if (!isfinite(d))
            continue;
        tp_format_double(d, buf, sizeof buf);
        cr_assert(tp_parse_double(buf, strlen(buf), &back), "cannot parse %s", buf);
        cr_assert(back == d, "%s did not round-trip", buf);
    }
}

Test(core, parse_double_is_strict)
{
    double d;
    cr_assert(tp_parse_double("12.5", 4, &d) && d == 12.5);
    cr_assert(tp_parse_double("-1e3", 4, &d) && d == -1000);
    cr_assert_not(tp_parse_double(" 1", 2, &d));
    cr_assert_not(tp_parse_double("0x10", 4, &d));
    cr_assert_not(tp_parse_double("inf", 3, &d));
    cr_assert_not(tp_parse_double("1,5", 3, &d));
    cr_assert_not(tp_parse_double("", 0, &d));
    cr_assert_not(tp_parse_double("1e999", 5, &d));
}

Test(core, utf8_validation)
{
    cr_assert_eq(tp_utf8_valid_prefix((const unsigned char *)"caf\xc3\xa9", 5), 5);
    cr_assert_eq(tp_utf8_valid_prefix((const unsigned char *)"caf\xe9!", 5), 3);     /* Latin-1 */
    cr_assert_eq(tp_utf8_valid_prefix((const unsigned char *)"\xc0\xaf", 2), 0);     /* overlong */
    cr_assert_eq(tp_utf8_valid_prefix((const unsigned char *)"\xed\xa0\x80", 3), 0); /* surrogate */
    cr_assert_eq(tp_utf8_valid_prefix((const unsigned char *)"a\xe2\x82", 3), 1);    /* cut */
    cr_assert(tp_is_ascii((const unsigned char *)"ABC", 3));
    cr_assert_not(tp_is_ascii((const unsigned char *)"\xc3\xa9", 2));
}

Test(core, source_date_epoch_pins_output_time)
{
    char buf[32];
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    cr_assert_eq(tp_output_time(), 1700000000);
    tp_format_iso8601(tp_output_time(), buf, sizeof buf);
    cr_assert_str_eq(buf, "2023-11-14T22:13:20");
}

Test(core, file_sink_is_atomic)
{
    char dir[] = "/tmp/tp-core-XXXXXX", path[256];
    struct tp_sink *s;
    struct tp_error err;
    struct stat st;
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.bin", dir);
    tp_error_init(&err);
    /* abandoned sink: nothing left behind */
    cr_assert_eq(tp_sink_open_file(&s, path, &err), TP_OK);
    tp_sink_write(s, "half", 4, &err);
    tp_sink_free(s);
    cr_assert_neq(stat(path, &st), 0, "an aborted sink left its output");
    /* committed sink: the file appears whole */
    cr_assert_eq(tp_sink_open_file(&s, path, &err), TP_OK);
    for (int i = 0; i < 100000; i++)
        tp_sink_write(s, "0123456789", 10, &err);
    cr_assert_neq(stat(path, &st), 0, "output visible before commit");
    cr_assert_eq(tp_sink_commit(s, &err), TP_OK);
    tp_sink_free(s);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 1000000);
    unlink(path);
    rmdir(dir);
}

Test(core, source_reports_missing_file_with_path)
{
    struct tp_source *src;
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(tp_source_open_file(&src, "/nonexistent/x.xpt", &err), TP_E_IO);
    cr_assert_null(src);
    cr_assert_str_eq(err.loc.path, "/nonexistent/x.xpt");
    cr_assert(strstr(err.msg, "cannot open") != NULL);
}
