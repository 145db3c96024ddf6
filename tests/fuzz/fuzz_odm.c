/*
 * libFuzzer target for the ODM import (src/lib/odm/odm_read.c) and the raw value conversion
 * (src/lib/odm/odm_values.c). The input is imported from memory into memory tables; whatever the
 * input, the import must fail cleanly or succeed, and on success every table must read back as
 * CSV with the number of rows the import reported (a property, not only "no crash"). The first
 * 64 bytes are also converted as a raw value of every ODM data type.
 * Built with libFuzzer under --enable-fuzzing; replayed over tests/fuzz/corpus/odm in
 * `make check` by replay.c (tests/fuzz/replay-odm.sh).
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odm/odm.h"
#include "trialpack/format.h"
#include "trialpack/odm.h"
#include "trialpack/trialpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t fuzz_csv_rows(const unsigned char *d, size_t n)
{
    struct tp_reader *r;
    struct tp_options *o = tp_options_new();
    struct tp_error err;
    size_t rows = 0;
    tp_error_init(&err);
    if (!o || tp_options_set(o, "csv.delimiter", ","))
        abort();
    if (tp_reader_open_memory(d, n, "csv", o, &r, &err) != TP_OK)
        abort(); /* the import wrote a CSV its own reader cannot open */
    tp_options_free(o);
    for (;;) {
        const struct tp_dataset *b;
        if (tp_reader_next(r, 1000, &b, &err) != TP_OK)
            abort();
        if (tp_dataset_nrows(b) == 0)
            break;
        rows += tp_dataset_nrows(b);
    }
    tp_reader_close(r);
    return rows;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    struct tp_odm_import_options o;
    struct tp_odm_tables *t = NULL;
    struct tp_report *rep;
    struct tp_error err;
    struct tp_strbuf out;
    int rc;

    if (!init) {
        tp_error_init(&err);
        tp_init(&err);
        init = 1;
    }
    /* raw value conversion, every data type */
    tp_strbuf_init(&out);
    for (int dt = TP_DT_TEXT; dt <= TP_DT_PARTIAL_DATETIME; dt++) {
        const char *why;
        size_t n = size < 64 ? size : 64;
        int c = odm_value_from_raw((enum tp_crf_datatype)dt, (const char *)data, n, ',', NULL,
                                   "ND NA", &out, &why);
        if (c < -1 || c > ODM_CONV_KEPT || (c > ODM_CONV_OK && !why))
            abort();
    }
    tp_strbuf_release(&out);

    tp_error_init(&err);
    tp_odm_import_options_init(&o);
    o.max_tables = 64;
    rep = tp_report_new();
    rc = tp_odm_import_memory(data, size, "fuzz.xml", &o, rep, &t, &err);
    if (rc == TP_OK) {
        for (size_t i = 0; i < tp_odm_tables_count(t); i++) {
            size_t n;
            const unsigned char *d = tp_odm_tables_data(t, i, &n);
            if (fuzz_csv_rows(d, n) != tp_odm_tables_rows(t, i))
                abort();
        }
    } else if (t || err.code == TP_OK) {
        abort(); /* an error must be reported, and leave nothing */
    }
    tp_odm_tables_free(t);
    tp_report_free(rep);
    return 0;
}
