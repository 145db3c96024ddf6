/*
 * libFuzzer target for the study-folder sheets (src/lib/crf: crf_sheet.c and crf_read.c), from
 * memory. The input is split on "\n\x1E\n" into up to eight sheets, given in this order the names
 * study.csv, crf/events.csv, crf/forms.csv, crf/event_forms.csv, crf/itemgroups.csv,
 * crf/items.csv, crf/codelists.csv and crf/units.csv; every piece is also parsed alone. Whatever
 * the input, parsing and loading must succeed or fail cleanly; a loaded model is walked through
 * the public accessors. Built under --enable-fuzzing; tests/unit/test_crf.c replays fixtures.
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crf/crf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_names[8] = {
    "study.csv",          "crf/events.csv", "crf/forms.csv",     "crf/event_forms.csv",
    "crf/itemgroups.csv", "crf/items.csv",  "crf/codelists.csv", "crf/units.csv"};

static void fuzz_walk(const struct tp_crf *crf)
{
    size_t sum = 0;
    for (size_t e = 0; e < tp_crf_event_count(crf); e++) {
        const struct tp_crf_event *ev = tp_crf_event_at(crf, e);
        for (size_t k = 0; k < tp_crf_event_form_count(ev); k++)
            sum += strlen(tp_crf_form_table(tp_crf_event_form_at(ev, k)));
    }
    for (size_t f = 0; f < tp_crf_form_count(crf); f++) {
        const struct tp_crf_form *form = tp_crf_form_at(crf, f);
        for (size_t i = 0; i < tp_crf_form_item_count(form); i++) {
            const struct tp_crf_item *it = tp_crf_form_item_at(form, i);
            const struct tp_crf_codelist *cl = tp_crf_item_codelist(it);
            double lo, hi;
            sum += strlen(tp_crf_item_name(it)) + tp_crf_item_length(it);
            tp_crf_item_range(it, TP_RANGE_HARD, &lo, &hi);
            if (cl && tp_crf_codelist_size(cl))
                sum += tp_crf_codelist_lookup(cl, tp_crf_code_value(cl, 0)) == 0;
            if (tp_crf_form_item_find(form, tp_crf_item_name(it)) != it)
                abort(); /* names are unique within a form */
        }
    }
    if (sum == (size_t)-1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t sep[3] = {'\n', 0x1E, '\n'};
    struct crf_memfile files[8];
    size_t n = 0, start = 0;
    struct tp_crf *crf = NULL;
    struct tp_error err;

    while (n < 8) {
        const uint8_t *p =
            n < 7 && start < size ? memmem(data + start, size - start, sep, 3) : NULL;
        size_t end = p ? (size_t)(p - data) : size;
        files[n].name = fuzz_names[n];
        files[n].data = data + start;
        files[n].len = end - start;
        n++;
        if (!p)
            break;
        start = end + 3;
    }
    for (size_t k = 0; k < n; k++) {
        struct crf_sheet s;
        tp_error_init(&err);
        if (crf_sheet_parse(files[k].data, files[k].len, files[k].name, &s, &err) == TP_OK)
            crf_sheet_release(&s);
        else if (err.code == TP_OK || err.msg[0] == '\0')
            abort(); /* a failure must say why */
    }
    tp_error_init(&err);
    if (crf_load_mem(files, n, &crf, &err) == TP_OK) {
        fuzz_walk(crf);
        tp_crf_free(crf);
    } else if (crf != NULL || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
