/*
 * libFuzzer target for the Define-XML reader (src/lib/define/define_read.c): parse from memory,
 * check every reference, and build the dataset metadata of every ItemGroupDef. Any input must
 * give a model or an error, never a crash or a leak.
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>

#include "trialpack/define.h"
#include "trialpack/trialpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int inited;
    struct tp_define *d = NULL;
    struct tp_error err;
    if (!inited) {
        tp_init(NULL);
        inited = 1;
    }
    tp_error_init(&err);
    if (tp_define_read_memory(data, size, "fuzz.xml", &d, &err) == TP_OK) {
        size_t n = 0;
        struct tp_report *rep = tp_report_new();
        tp_define_check(d, NULL, rep, &n, &err);
        tp_report_free(rep);
        for (size_t i = 0; i < tp_define_ndatasets(d); i++) {
            struct tp_dataset *ds = NULL;
            struct tp_define_item it;
            for (size_t j = 0; j < tp_define_dataset_nitems(d, i); j++)
                if (tp_define_dataset_item(d, i, j, &it, &err) == TP_OK && it.codelist_oid[0]) {
                    const char *name, *coded, *decode;
                    size_t nt = 0;
                    if (tp_define_codelist(d, it.codelist_oid, &name, &nt))
                        for (size_t k = 0; k < nt; k++)
                            tp_define_codelist_term(d, it.codelist_oid, k, &coded, &decode);
                }
            tp_error_init(&err);
            if (tp_define_dataset_meta(d, tp_define_dataset_name(d, i), &ds, &err) == TP_OK) {
                tp_error_init(&err);
                tp_define_apply_model(d, ds, &err);
            }
            tp_dataset_free(ds);
        }
        tp_define_free(d);
    }
    return 0;
}
