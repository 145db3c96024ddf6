/*
 * libFuzzer target for the Dataset-JSON reader (src/lib/fmt/dsjson_read.c: .json, .ndjson and
 * .dsjc, zlib or gzip) and, through a round trip, the writer (dsjson_write.c). The first input
 * byte picks the format name, the batch size and the reader options; the rest is the file.
 * Whatever the input, reading must fail cleanly or succeed. On success every value must survive
 * writing it as json, ndjson and dsjc and reading it back (times within 1e-9 s: fractions of a
 * second are written with at most 24 digits). A writer may refuse only metadata (TP_E_USAGE,
 * e.g. an invalid dbLastModifiedDateTime), never a value the reader produced.
 * Built with libFuzzer under --enable-fuzzing; replayed over tests/fuzz/corpus/dsjson in
 * `make check` by replay.c.
 */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trialpack/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tp_dataset *fuzz_read(const void *data, size_t n, const char *format,
                                    const struct tp_options *o, size_t max_rows)
{
    struct tp_reader *r;
    struct tp_dataset *all;
    struct tp_error err;
    tp_error_init(&err);
    if (tp_reader_open_memory(data, n, format, o, &r, &err) != TP_OK) {
        if (err.code == TP_OK || err.msg[0] == '\0')
            abort(); /* a failure must say why */
        return NULL;
    }
    all = tp_dataset_clone_meta(tp_reader_meta(r));
    while (all) {
        const struct tp_dataset *b;
        if (tp_reader_next(r, max_rows, &b, &err) != TP_OK) {
            if (err.msg[0] == '\0')
                abort();
            tp_dataset_free(all);
            all = NULL;
            break;
        }
        if (tp_dataset_nrows(b) > max_rows)
            abort(); /* a batch must never exceed what was asked for */
        if (tp_dataset_nrows(b) == 0)
            break;
        if (tp_dataset_append(all, b, &err) != TP_OK) {
            tp_dataset_free(all);
            all = NULL;
        }
    }
    tp_reader_close(r);
    return all;
}

static void fuzz_same(const struct tp_dataset *a, const struct tp_dataset *b)
{
    if (tp_dataset_nrows(a) != tp_dataset_nrows(b) || tp_dataset_nvars(a) != tp_dataset_nvars(b))
        abort();
    for (size_t v = 0; v < tp_dataset_nvars(a); v++) {
        const struct tp_var *va = tp_dataset_var(a, v);
        bool timing = va->data_type && (strcmp(va->data_type, "datetime") == 0 ||
                                        strcmp(va->data_type, "time") == 0);
        if (va->type != tp_dataset_var(b, v)->type || strcmp(va->name, tp_dataset_var(b, v)->name))
            abort();
        for (size_t r = 0; r < tp_dataset_nrows(a); r++) {
            if (va->type == TP_NUM) {
                char ma, mb;
                double x = tp_dataset_num(a, r, v, &ma), y = tp_dataset_num(b, r, v, &mb);
                if (ma != mb || (!ma && x != y && !(timing && fabs(x - y) < 1e-9)))
                    abort();
            } else {
                size_t la, lb;
                const char *x = tp_dataset_str(a, r, v, &la), *y = tp_dataset_str(b, r, v, &lb);
                if (la != lb || memcmp(x, y, la) != 0)
                    abort();
            }
        }
    }
}

static void fuzz_round_trip(struct tp_dataset *ds, const char *format)
{
    struct tp_writer *w;
    struct tp_error err;
    const unsigned char *bytes;
    size_t n;
    int rc;
    tp_error_init(&err);
    rc = tp_writer_open_memory(format, ds, NULL, &w, &err);
    if (rc == TP_OK) {
        rc = tp_writer_write(w, ds, &err);
        if (rc == TP_OK)
            rc = tp_writer_finish(w, &err);
        if (rc != TP_OK)
            tp_writer_abort(w);
    }
    if (rc != TP_OK) {
        if (rc != TP_E_USAGE)
            abort(); /* a value the reader produced must be writable */
        return;
    }
    bytes = tp_writer_memory(w, &n);
    {
        struct tp_dataset *back = fuzz_read(bytes, n, format, NULL, 1000);
        if (!back)
            abort(); /* what we write we must read */
        fuzz_same(ds, back);
        tp_dataset_free(back);
    }
    tp_writer_abort(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[4] = {"json", "ndjson", "dsjc", NULL};
    static const size_t batches[4] = {1, 3, 1000, 100000};
    struct tp_options *o;
    struct tp_dataset *ds;
    uint8_t ctl;
    if (size < 1)
        return 0;
    ctl = data[0];
    o = tp_options_new();
    if (!o)
        return 0;
    if (ctl & 0x10)
        tp_options_set(o, "dsjson.null", "na");
    if (ctl & 0x20)
        tp_options_set(o, "dsjson.check_records", "no");
    ds = fuzz_read(data + 1, size - 1, formats[ctl & 3], o, batches[(ctl >> 2) & 3]);
    tp_options_free(o);
    if (!ds)
        return 0;
    /* the row count may differ from "records" under check_records=no: let the writer count */
    tp_dataset_set_attr(ds, "dsjson.records", "");
    for (size_t f = 0; f < 3; f++)
        fuzz_round_trip(ds, formats[f]);
    tp_dataset_free(ds);
    return 0;
}
