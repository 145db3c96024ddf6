/*
 * The metadata-only generator model: valid random data for any study folder. Every subject is
 * randomised, attends every Scheduled event (on its NominalDay, else 30 days apart), sometimes an
 * Unscheduled one, and gets one row per form of each event (1-3 rows for repeating item groups);
 * Common events give 0-3 log rows. Values come from the item metadata (gen.c gen_fill_cell).
 */
#include <config.h>

#include <string.h>

#include "gen/gen.h"

struct generic_state {
    long start; /* FirstInclusionDate, else 2020-01-06 */
};

static int generic_init(struct gen *g, void **state)
{
    struct generic_state *s = tp_calloc(1, sizeof *s);
    const char *v = tp_crf_attr(g->crf, "FirstInclusionDate");
    if (!s)
        return tp_fail(g->err, TP_E_NOMEM, "out of memory");
    if (!v || !gen_parse_iso_date(v, &s->start))
        s->start = gen_days(2020, 1, 6);
    *state = s;
    return TP_OK;
}

static void generic_release(void *state)
{
    tp_free(state);
}

static long generic_extraction(struct gen *g, void *state, size_t n)
{
    struct generic_state *s = state;
    long last = 0;
    for (size_t i = 0; i < tp_crf_event_count(g->crf); i++) {
        long d;
        if (tp_crf_event_day(tp_crf_event_at(g->crf, i), &d) && d > last)
            last = d;
    }
    return s->start + (long)(n / 5) + last + 30 * (long)tp_crf_event_count(g->crf) + 60;
}

static void generic_rows(struct gen *g, const struct tp_crf_event *ev, const char *visit, long day,
                         struct gen_rng *r, bool log)
{
    for (size_t k = 0; k < tp_crf_event_form_count(ev); k++) {
        const struct tp_crf_form *f = tp_crf_event_form_at(ev, k);
        size_t t = tp_crf_form_index(f);
        long rows = tp_crf_form_rows_repeat(f) ? gen_int(r, log ? 0 : 1, 3) : 1;
        for (long line = 1; line <= rows; line++) {
            gen_row_begin(g, t, ev, visit, line, day);
            gen_row_end(g);
        }
    }
}

static int generic_subject(struct gen *g, void *state, uint64_t idx, bool *randomised)
{
    struct generic_state *s = state;
    struct gen_rng r;
    char site[24], patnum[48], key[32];
    long start = s->start + (long)(idx / 5), last_day = start;
    const char *last_visit = "";
    int rc;

    snprintf(site, sizeof site, "%02lu", (unsigned long)(idx / 200 + 1));
    snprintf(patnum, sizeof patnum, "%s-%03lu", site, (unsigned long)(idx % 200 + 1));
    snprintf(key, sizeof key, "%020llu", (unsigned long long)idx);
    if ((rc = gen_subject_begin(g, idx, site, patnum, false, key)))
        return rc;
    gen_rng_init(&r, g->opt->seed, idx, "generic.schedule");
    for (size_t e = 0, n = 0; e < tp_crf_event_count(g->crf); e++) {
        const struct tp_crf_event *ev = tp_crf_event_at(g->crf, e);
        long day;
        if (tp_crf_event_type(ev) == TP_EVENT_COMMON)
            continue;
        if (tp_crf_event_type(ev) == TP_EVENT_UNSCHEDULED) {
            if (!gen_chance(&r, 0.1))
                continue;
            day = last_day + gen_int(&r, 1, 10);
        } else if (tp_crf_event_day(ev, &day)) {
            long lo, hi;
            if (tp_crf_event_window(ev, &lo, &hi))
                day = gen_int(&r, lo, hi);
            day += start;
        } else {
            long lo, hi;
            day = start + 30 * (long)n;
            if (tp_crf_event_window(ev, &lo, &hi))
                day = start + gen_int(&r, lo, hi);
        }
        n++;
        if (day < last_day)
            day = last_day;
        last_day = day;
        last_visit = tp_crf_event_visit_code(ev);
        generic_rows(g, ev, last_visit, day, &r, false);
    }
    for (size_t e = 0; e < tp_crf_event_count(g->crf); e++) {
        const struct tp_crf_event *ev = tp_crf_event_at(g->crf, e);
        if (tp_crf_event_type(ev) == TP_EVENT_COMMON)
            generic_rows(g, ev, last_visit, last_day, &r, true);
    }
    *randomised = true;
    return gen_subject_end(g);
}

const struct gen_model gen_model_generic = {"generic", generic_init, generic_release,
                                            generic_extraction, generic_subject};
