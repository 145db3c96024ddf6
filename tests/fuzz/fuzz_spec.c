/*
 * libFuzzer target for the SDTM mapping-spec parser and checker (src/lib/map: sheet.c,
 * spec_parse.c, spec_check.c, expr.c, ct.c), from memory. The input is split on "\n\x1E\n" into up
 * to nine pieces given, in order, the sheet names Datasets.csv, Variables.csv, Codelists.csv,
 * CodeMaps.csv, Rules.csv, UnitConversions.csv, TrialSummary.csv, Settings.csv and an NCI EVS
 * terminology file. Whatever the input, parsing and checking must succeed or fail cleanly.
 * Built under --enable-fuzzing; the corpus is tests/fuzz/corpus/spec.
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trialpack/sdtm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_names[9] = {
    "Datasets.csv", "Variables.csv",       "Codelists.csv",    "CodeMaps.csv", "Rules.csv",
    "UnitConversions.csv", "TrialSummary.csv", "Settings.csv", "ct.txt"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_spec *spec = tp_spec_new();
    struct tp_error err;
    const char *p = (const char *)data, *end = p + size;
    size_t k = 0;
    if (!spec)
        return 0;
    tp_error_init(&err);
    while (p <= end && k < 9) {
        const char *q = p;
        while (q + 3 <= end && !(q[0] == '\n' && q[1] == '\x1e' && q[2] == '\n'))
            q++;
        if (q + 3 > end)
            q = end;
        if (k == 8)
            tp_spec_add_ct(spec, fuzz_names[k], p, (size_t)(q - p), &err);
        else
            tp_spec_add_sheet(spec, fuzz_names[k], p, (size_t)(q - p), &err);
        tp_error_init(&err);
        k++;
        p = q + 3;
    }
    if (tp_spec_finish(spec, &err) == 0) {
        for (size_t i = 0; i < tp_spec_ndatasets(spec); i++)
            (void)strlen(tp_spec_dataset_name(spec, i));
    }
    tp_spec_free(spec);
    return 0;
}
