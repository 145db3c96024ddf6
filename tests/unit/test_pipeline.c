/*
 * tp_pipe_rows: rows copied across two threads arrive whole and in order, and an error on either
 * side stops the copy with that error.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "trialpack/trialpack.h"

static char *make_csv(size_t rows, long bad_row, size_t *len)
{
    struct tp_strbuf sb;
    tp_strbuf_init(&sb);
    tp_strbuf_adds(&sb, "ID,NAME,VALUE\n");
    for (size_t i = 1; i <= rows; i++) {
        if ((long)i == bad_row)
            tp_strbuf_addf(&sb, "%zu,name%zu\n", i, i);   /* a field short */
        else
            tp_strbuf_addf(&sb, "%zu,name%zu,%zu.25\n", i, i, i * 3);
    }
    *len = sb.len;
    return sb.buf;
}

static int pipe_csv(const char *csv, size_t len, size_t batch, struct tp_writer **wout,
                    struct tp_error *err)
{
    struct tp_options *o = tp_options_new();
    struct tp_reader *r;
    struct tp_writer *w;
    int rc;
    tp_options_set(o, "csv.infer", "1");
    rc = tp_reader_open_memory(csv, len, "csv", o, &r, err);
    if (rc) {
        tp_options_free(o);
        return rc;
    }
    rc = tp_writer_open_memory("csv", tp_reader_meta(r), o, &w, err);
    if (rc == TP_OK)
        rc = tp_pipe_rows(r, w, batch, NULL, NULL, err);
    if (rc == TP_OK)
        rc = tp_writer_finish(w, err);
    tp_reader_close(r);
    tp_options_free(o);
    *wout = w;
    return rc;
}

Test(pipeline, copies_every_row_in_order)
{
    size_t len, outlen;
    char *csv = make_csv(100000, -1, &len);
    struct tp_writer *w = NULL;
    struct tp_error err;
    const unsigned char *out;
    tp_error_init(&err);
    cr_assert_eq(pipe_csv(csv, len, 777, &w, &err), TP_OK, "%s", err.msg);
    out = tp_writer_memory(w, &outlen);
    cr_assert_eq(outlen, len);
    cr_assert_eq(memcmp(out, csv, len), 0, "rows reordered or altered");
    tp_writer_abort(w);
    tp_free(csv);
}

Test(pipeline, reader_error_stops_the_copy_with_its_location)
{
    size_t len;
    char *csv = make_csv(50000, 40001, &len);
    struct tp_writer *w = NULL;
    struct tp_error err;
    struct tp_options *o = tp_options_new();
    struct tp_reader *r;
    tp_error_init(&err);
    /* typed by a template so the bad row is found on the streaming pass, not while inferring */
    struct tp_dataset *meta = tp_dataset_new("X", "");
    struct tp_var v = {0};
    v.name = (char *)"ID"; v.type = TP_NUM; v.length = 8;
    tp_dataset_add_var(meta, &v, NULL);
    v.name = (char *)"NAME"; v.type = TP_CHAR; v.length = 20;
    tp_dataset_add_var(meta, &v, NULL);
    v.name = (char *)"VALUE"; v.type = TP_NUM; v.length = 8;
    tp_dataset_add_var(meta, &v, NULL);
    tp_options_set_template(o, meta);
    cr_assert_eq(tp_reader_open_memory(csv, len, "csv", o, &r, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_writer_open_memory("csv", tp_reader_meta(r), o, &w, &err), TP_OK);
    cr_assert_eq(tp_pipe_rows(r, w, 1000, NULL, NULL, &err), TP_E_PARSE);
    cr_assert_eq(err.loc.line, 40002, "line %ld: %s", err.loc.line, err.msg);
    tp_writer_abort(w);
    tp_reader_close(r);
    tp_options_free(o);
    tp_dataset_free(meta);
    tp_free(csv);
}

Test(pipeline, writer_error_stops_the_reader)
{
    /* an XPT v5 writer refuses a 300-byte value: the error must come back, not hang */
    size_t len;
    struct tp_strbuf sb;
    struct tp_options *o = tp_options_new();
    struct tp_reader *r;
    struct tp_writer *w;
    struct tp_error err;
    struct tp_dataset *meta;
    tp_strbuf_init(&sb);
    tp_strbuf_adds(&sb, "A\n");
    for (int i = 0; i < 30000; i++) {
        if (i == 20000) {
            for (int k = 0; k < 300; k++)
                tp_strbuf_addc(&sb, 'x');
            tp_strbuf_addc(&sb, '\n');
        } else {
            tp_strbuf_adds(&sb, "short\n");
        }
    }
    len = sb.len;
    tp_error_init(&err);
    cr_assert_eq(tp_reader_open_memory(sb.buf, len, "csv", o, &r, &err), TP_OK);
    meta = tp_dataset_clone_meta(tp_reader_meta(r));
    tp_dataset_set_name(meta, "A");
    tp_dataset_var_mut(meta, 0)->length = 200;
    cr_assert_eq(tp_writer_open_memory("xpt", meta, o, &w, &err), TP_OK, "%s", err.msg);
    cr_assert_eq(tp_pipe_rows(r, w, 512, NULL, NULL, &err), TP_E_LIMIT, "%d %s", err.code, err.msg);
    tp_writer_abort(w);
    tp_reader_close(r);
    tp_dataset_free(meta);
    tp_options_free(o);
    tp_strbuf_release(&sb);
}
