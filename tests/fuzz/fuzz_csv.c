/*
 * libFuzzer target for the CSV reader (src/lib/fmt/csv_read.c) and, through a round trip, the
 * CSV writer. The first input byte picks the options (plain or inferred typing, delimiter,
 * encoding, decimal comma, batch size); the rest is the file. Whatever the input, reading must
 * fail cleanly or succeed; on success, writing the rows and reading them back must give the same
 * values (a property that catches reader/writer disagreements on quoting, not only crashes).
 * Built with libFuzzer under --enable-fuzzing; replayed over tests/fuzz/corpus/csv in
 * `make check` by replay.c.
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trialpack/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tp_dataset *fuzz_read(const void *data, size_t n, const struct tp_options *o,
                                    size_t max_rows)
{
    struct tp_reader *r;
    struct tp_dataset *all;
    struct tp_error err;
    tp_error_init(&err);
    if (tp_reader_open_memory(data, n, "csv", o, &r, &err) != TP_OK)
        return NULL;
    all = tp_dataset_clone_meta(tp_reader_meta(r));
    for (; all;) {
        const struct tp_dataset *b;
        if (tp_reader_next(r, max_rows, &b, &err) != TP_OK) {
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
        if (tp_dataset_var(a, v)->type != tp_dataset_var(b, v)->type) {
            /* a NUM column of "." only is written as empty fields, which infer as CHAR */
            for (size_t r = 0; r < tp_dataset_nrows(a); r++) {
                char m;
                size_t n;
                if (tp_dataset_var(a, v)->type != TP_NUM)
                    abort();
                tp_dataset_num(a, r, v, &m);
                tp_dataset_str(b, r, v, &n);
                if (m != TP_MISSING || n != 0)
                    abort();
            }
            continue;
        }
        for (size_t r = 0; r < tp_dataset_nrows(a); r++) {
            if (tp_dataset_var(a, v)->type == TP_NUM) {
                char ma, mb;
                double x = tp_dataset_num(a, r, v, &ma), y = tp_dataset_num(b, r, v, &mb);
                if (ma != mb || (ma == TP_PRESENT && x != y))
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const delims[] = {NULL, ",", ";", "tab"};
    static const char *const encs[] = {NULL, "utf-8", "latin1", "cp1252"};
    static const size_t batches[] = {1, 2, 3, 1000};
    struct tp_options *o, *back_o;
    struct tp_dataset *ds, *back;
    struct tp_writer *w;
    struct tp_error err;
    unsigned mode;
    if (size == 0)
        return 0;
    mode = data[0];
    data++;
    size--;
    o = tp_options_new();
    back_o = tp_options_new();
    if (!o || !back_o)
        abort();
    if (mode & 1) {
        tp_options_set(o, "csv.infer", "1");
        tp_options_set(back_o, "csv.infer", "1");
    }
    if (delims[(mode >> 1) & 3])
        tp_options_set(o, "csv.delimiter", delims[(mode >> 1) & 3]);
    if (encs[(mode >> 3) & 3])
        tp_options_set(o, "encoding", encs[(mode >> 3) & 3]);
    if (mode & 0x80) {
        tp_options_set(o, "csv.decimal", ",");
        tp_options_set(back_o, "csv.decimal", ",");
    }
    ds = fuzz_read(data, size, o, batches[(mode >> 5) & 3]);
    if (ds) {
        tp_error_init(&err);
        tp_options_set(back_o, "csv.delimiter", (mode & 0x40) ? ";" : ",");
        if (tp_writer_open_memory("csv", ds, back_o, &w, &err) != TP_OK ||
            tp_writer_write(w, ds, &err) != TP_OK || tp_writer_finish(w, &err) != TP_OK)
            abort();
        {
            size_t n;
            const unsigned char *bytes = tp_writer_memory(w, &n);
            back = fuzz_read(bytes, n, back_o, 7);
        }
        if (!back)
            abort();
        fuzz_same(ds, back);
        tp_dataset_free(back);
        tp_writer_abort(w);
        tp_dataset_free(ds);
    }
    tp_options_free(o);
    tp_options_free(back_o);
    return 0;
}
