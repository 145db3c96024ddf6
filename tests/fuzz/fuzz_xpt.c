/*
 * libFuzzer target for the SAS XPORT reader (src/lib/fmt/xpt_read.c) and, through a round trip,
 * the writer. Every member of the input is read in batches; reading must fail cleanly or succeed.
 * When the first member reads and the writer accepts it (same version, profile none), reading the
 * written bytes must give the same values, except for what XPT itself cannot keep: values below
 * the IBM range that only an unnormalised input could hold (become 0), and trailing all-blank
 * rows of an all-character member with rows shorter than 80 bytes (standards.md 1.9).
 * Built with libFuzzer under --enable-fuzzing; `make check` replays tests/fuzz/corpus/xpt through
 * it with tests/fuzz/replay.c (tests/fuzz/replay-xpt.sh).
 */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trialpack/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* All rows of the current member, in batches of max_rows; NULL when reading fails. */
static struct tp_dataset *fuzz_member(struct tp_reader *r, size_t max_rows)
{
    struct tp_error err;
    struct tp_dataset *all = tp_dataset_clone_meta(tp_reader_meta(r));
    tp_error_init(&err);
    while (all) {
        const struct tp_dataset *b;
        if (tp_reader_next(r, max_rows, &b, &err) != TP_OK) {
            tp_dataset_free(all);
            return NULL;
        }
        if (tp_dataset_nrows(b) > max_rows)
            abort();
        if (tp_dataset_nrows(b) == 0)
            break;
        if (tp_dataset_append(all, b, &err) != TP_OK) {
            tp_dataset_free(all);
            return NULL;
        }
    }
    return all;
}

static bool fuzz_row_blank(const struct tp_dataset *ds, size_t r)
{
    for (size_t v = 0; v < tp_dataset_nvars(ds); v++) {
        size_t n;
        if (tp_dataset_var(ds, v)->type != TP_CHAR)
            return false;
        tp_dataset_str(ds, r, v, &n);
        if (n)
            return false;
    }
    return true;
}

static void fuzz_same(const struct tp_dataset *a, const struct tp_dataset *b)
{
    size_t na = tp_dataset_nrows(a), nb = tp_dataset_nrows(b);
    if (tp_dataset_nvars(a) != tp_dataset_nvars(b) || nb > na)
        abort();
    for (size_t r = nb; r < na; r++) /* only trailing blank rows may be lost */
        if (!fuzz_row_blank(a, r))
            abort();
    for (size_t v = 0; v < tp_dataset_nvars(a); v++) {
        if (tp_dataset_var(a, v)->type != tp_dataset_var(b, v)->type)
            abort();
        for (size_t r = 0; r < nb; r++) {
            if (tp_dataset_var(a, v)->type == TP_NUM) {
                char ma, mb;
                double x = tp_dataset_num(a, r, v, &ma), y = tp_dataset_num(b, r, v, &mb);
                if (ma != mb)
                    abort();
                if (ma == TP_PRESENT && x != y && !(y == 0 && fabs(x) < ldexp(1.0, -260)))
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

static void fuzz_round_trip(const struct tp_dataset *ds)
{
    struct tp_options *o = tp_options_new();
    struct tp_writer *w;
    struct tp_error err;
    const char *ver = tp_dataset_attr(ds, "xpt.version");
    if (!o)
        abort();
    tp_options_set(o, "profile", "none");
    tp_options_set(o, "xpt.version", ver && strcmp(ver, "8") == 0 ? "8" : "5");
    tp_error_init(&err);
    if (tp_writer_open_memory("xpt", ds, o, &w, &err) == TP_OK) {
        if (tp_writer_write(w, ds, &err) == TP_OK && tp_writer_finish(w, &err) == TP_OK) {
            size_t n;
            const unsigned char *bytes = tp_writer_memory(w, &n);
            struct tp_reader *r;
            struct tp_dataset *back;
            if (n % 80 != 0 || tp_reader_open_memory(bytes, n, "xpt", NULL, &r, &err) != TP_OK)
                abort();
            back = fuzz_member(r, 5);
            if (!back)
                abort();
            fuzz_same(ds, back);
            tp_dataset_free(back);
            tp_reader_close(r);
        }
        tp_writer_abort(w);
    }
    tp_options_free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_reader *r;
    struct tp_error err;
    bool more = true;
    size_t member = 0;
    tp_error_init(&err);
    if (tp_reader_open_memory(data, size, "xpt", NULL, &r, &err) != TP_OK)
        return 0;
    while (more && member < 64) {
        struct tp_dataset *ds;
        if (size % 5 == 0 && member == 0) { /* sometimes skip the first member unread */
            if (tp_reader_next_member(r, &more, &err) != TP_OK)
                break;
            member++;
            continue;
        }
        ds = fuzz_member(r, member % 2 ? 3 : 4096);
        if (!ds)
            break;
        if (member == 0)
            fuzz_round_trip(ds);
        tp_dataset_free(ds);
        if (tp_reader_next_member(r, &more, &err) != TP_OK)
            break;
        member++;
    }
    tp_reader_close(r);
    return 0;
}
