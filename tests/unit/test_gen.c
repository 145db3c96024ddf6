/*
 * Unit tests of the gen module (the synthetic raw EDC export, study brief §6): determinism and the
 * prefix property, the clean/dirty contract of errors.csv, and a validator that checks
 * every generated value against the CRF metadata (columns, types, ranges, codelists, mandatory).
 * Output goes to mkdtemp folders that are removed afterwards.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen/gen.h"

/* ---- helpers ---- */

static int num(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

static char *tmp_dir(void)
{
    const char *base = getenv("TP_BUILDDIR");
    char *t = path_join(base && *base ? base : "/tmp", "tp_gen_XXXXXX");
    cr_assert_not_null(mkdtemp(t), "mkdtemp %s", t);
    return t;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void rm_rf(char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0;
    *n = 0;
    cr_assert_not_null(f, "cannot open %s", path);
    for (;;) {
        size_t got;
        if (*n == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap + 1);
            cr_assert_not_null(buf);
        }
        got = fread(buf + *n, 1, cap - *n, f);
        *n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    return buf;
}

static struct tp_crf *load_study(const char *which)
{
    const char *base = getenv("TP_DATADIR");
    const char *data = getenv("TP_TEST_DATA");
    struct tp_crf *crf;
    struct tp_error err;
    char *dir;
    if (strcmp(which, "scleradec2") == 0)
        dir = path_join(base ? base : ".", "mappings/scleradec2");
    else
        dir = path_join(data ? data : "tests/data", which);
    tp_error_init(&err);
    cr_assert_eq(tp_crf_load(dir, &crf, &err), TP_OK, "%s: %s", dir, err.msg);
    free(dir);
    return crf;
}

static void run(const struct tp_crf *crf, size_t n, enum tp_gen_errors mode, const char *out,
                struct gen_stats *st)
{
    struct tp_gen_options o;
    struct tp_error err;
    tp_gen_options_init(&o, crf);
    o.subjects = n;
    o.errors = mode;
    tp_error_init(&err);
    cr_assert_eq(gen_run(crf, &o, out, st, &err), TP_OK, "%s", err.msg);
}

/* Parse a generated file with the sheet reader (it handles the BOM and the ';' delimiter). */
static void read_table(const char *dir, const char *file, struct crf_sheet *s)
{
    char *p = path_join(dir, file);
    size_t n;
    unsigned char *buf = slurp(p, &n);
    struct tp_error err;
    tp_error_init(&err);
    cr_assert_eq(crf_sheet_parse(buf, n, p, s, &err), TP_OK, "%s: %s", p, err.msg);
    free(buf);
    free(p);
}

static const char *const out_files_extra[] = {"centres.csv", "dictionnaire.csv", "listes.csv",
                                              "errors.csv"};

static void for_each_file(const struct tp_crf *crf, void (*fn)(const char *file, void *ctx),
                          void *ctx)
{
    char name[128];
    for (size_t f = 0; f < tp_crf_form_count(crf); f++) {
        snprintf(name, sizeof name, "%s.csv", tp_crf_form_table(tp_crf_form_at(crf, f)));
        fn(name, ctx);
    }
    for (size_t i = 0; i < 4; i++)
        fn(out_files_extra[i], ctx);
}

struct cmp_ctx {
    const char *a, *b;
    bool prefix;
};

static void cmp_file(const char *file, void *vctx)
{
    struct cmp_ctx *c = vctx;
    char *pa = path_join(c->a, file), *pb = path_join(c->b, file);
    size_t na, nb;
    unsigned char *a = slurp(pa, &na), *b = slurp(pb, &nb);
    if (c->prefix)
        cr_assert(na <= nb && memcmp(a, b, na) == 0, "%s is not a byte prefix of %s", pa, pb);
    else
        cr_assert(na == nb && memcmp(a, b, na) == 0, "%s and %s differ", pa, pb);
    free(a);
    free(b);
    free(pa);
    free(pb);
}

/* ---- metadata validator for clean sets ---- */

static bool v_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

static int v_num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* dd/mm/yyyy (partial: UK/mm/yyyy, UK/UK/yyyy) */
static bool v_date(const char *s, bool partial)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int d, m;
    if (strlen(s) != 10 || s[2] != '/' || s[5] != '/' || !v_digits(s + 6, 4))
        return false;
    if (partial && strncmp(s, "UK/UK/", 6) == 0)
        return true;
    if (!v_digits(s + 3, 2) || (m = v_num(s + 3, 2)) < 1 || m > 12)
        return false;
    if (partial && strncmp(s, "UK/", 3) == 0)
        return true;
    if (!v_digits(s, 2))
        return false;
    d = v_num(s, 2);
    if (d < 1 || d > mdays[m - 1])
        return false;
    if (m == 2 && d == 29) {
        int y = v_num(s + 6, 4);
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    }
    return true;
}

static bool v_time(const char *s)
{
    return strlen(s) == 5 && s[2] == ':' && v_digits(s, 2) && v_digits(s + 3, 2) &&
           v_num(s, 2) < 24 && v_num(s + 3, 2) < 60;
}

static size_t v_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static const struct tp_crf_event *v_event(const struct tp_crf *crf, const struct tp_crf_form *f,
                                          const char *visit)
{
    const struct tp_crf_event *ev = tp_crf_event_by_code(crf, visit);
    if (ev && tp_crf_event_has_form(ev, f))
        return ev;
    /* log forms carry the visit they were entered at: their event is the Common one */
    for (size_t e = 0; e < tp_crf_event_count(crf); e++) {
        ev = tp_crf_event_at(crf, e);
        if (tp_crf_event_type(ev) == TP_EVENT_COMMON && tp_crf_event_has_form(ev, f))
            return ev;
    }
    cr_assert_fail("visit '%s' has no event with form %s", visit, tp_crf_form_oid(f));
    return NULL;
}

/* One value of item it; returns NULL when valid, else what is wrong. */
static const char *v_value(const struct tp_crf_item *it, const char *v, char mark)
{
    const struct tp_crf_codelist *cl = tp_crf_item_codelist(it);
    enum tp_crf_datatype t = tp_crf_item_datatype(it);
    double lo, hi, x = 0;
    if (tp_crf_item_allows_missing(it, v))
        return NULL;
    if (cl) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", v);
        for (char *p = buf; *p; p++)
            if (*p == mark)
                *p = '.';
        return tp_crf_codelist_lookup(cl, buf) == (size_t)-1 ? "not in its codelist" : NULL;
    }
    switch (t) {
    case TP_DT_INTEGER: {
        const char *p = v[0] == '-' ? v + 1 : v;
        if (!v_digits(p, strlen(p)))
            return "not an integer";
        x = atof(v);
        break;
    }
    case TP_DT_FLOAT:
    case TP_DT_DOUBLE: {
        const char *m = strchr(v, mark);
        char buf[64];
        size_t ip = m ? (size_t)(m - v) : strlen(v);
        const char *p = v[0] == '-' ? v + 1 : v;
        if (!v_digits(p, ip - (size_t)(p - v)) || (m && !v_digits(m + 1, strlen(m + 1))))
            return "not a decimal number with the raw decimal mark";
        if (tp_crf_item_digits(it) && (!m || strlen(m + 1) != tp_crf_item_digits(it)))
            return "wrong number of decimals";
        snprintf(buf, sizeof buf, "%s", v);
        if (m)
            buf[ip] = '.';
        x = atof(buf);
        break;
    }
    case TP_DT_DATE: return v_date(v, false) ? NULL : "not a dd/mm/yyyy date";
    case TP_DT_PARTIAL_DATE: return v_date(v, true) ? NULL : "not a (partial) date";
    case TP_DT_TIME: return v_time(v) ? NULL : "not a HH:MM time";
    case TP_DT_DATETIME:
        return strlen(v) == 16 && v[10] == ' ' && v_time(v + 11) ? NULL : "not a datetime";
    default:
        if (tp_crf_item_length(it) && v_utf8_len(v) > tp_crf_item_length(it))
            return "longer than Length";
        return NULL;
    }
    if (tp_crf_item_range(it, TP_RANGE_HARD, &lo, &hi) && (x < lo || x > hi))
        return "outside the hard range";
    return NULL;
}

struct val_ctx {
    const struct tp_crf *crf;
    const char *dir;
};

static void validate_form(const struct val_ctx *c, const struct tp_crf_form *f)
{
    char name[128];
    struct crf_sheet s;
    size_t ni = tp_crf_form_item_count(f);
    const char *study = tp_crf_attr(c->crf, "StudyID") ? tp_crf_attr(c->crf, "StudyID")
                                                       : tp_crf_protocol_name(c->crf);
    snprintf(name, sizeof name, "%s.csv", tp_crf_form_table(f));
    read_table(c->dir, name, &s);
    /* columns: the five keys, the items in order, the two system columns */
    cr_assert_eq(s.ncols, 5 + ni + 2, "%s: %zu columns", name, s.ncols);
    for (size_t k = 0; k < 5; k++)
        cr_assert_str_eq(s.cols[k], tp_crf_raw_column(c->crf, (enum tp_crf_rawcol)k));
    for (size_t i = 0; i < ni; i++)
        cr_assert_str_eq(s.cols[5 + i], tp_crf_item_name(tp_crf_form_item_at(f, i)), "%s col %zu",
                         name, 6 + i);
    cr_assert_str_eq(s.cols[5 + ni], tp_crf_raw_column(c->crf, TP_RAW_STATUS));
    cr_assert_str_eq(s.cols[6 + ni], tp_crf_raw_column(c->crf, TP_RAW_ENTRYDATE));
    for (size_t r = 0; r < s.nrows; r++) {
        const struct crf_row *row = &s.rows[r];
        const struct tp_crf_event *ev;
        const char *st;
        cr_assert_eq(row->nfields, s.ncols, "%s:%ld: %zu fields", name, row->line, row->nfields);
        cr_assert_str_eq(row->fields[0], study);
        cr_assert(v_digits(row->fields[1], strlen(row->fields[1])), "%s:%ld: site", name,
                  row->line);
        cr_assert(strncmp(row->fields[2], row->fields[1], strlen(row->fields[1])) == 0 &&
                      row->fields[2][strlen(row->fields[1])] == '-',
                  "%s:%ld: PATNUM %s", name, row->line, row->fields[2]);
        cr_assert(v_digits(row->fields[4], strlen(row->fields[4])), "%s:%ld: LIGNE", name,
                  row->line);
        ev = v_event(c->crf, f, row->fields[3]);
        for (size_t i = 0; i < ni; i++) {
            const struct tp_crf_item *it = tp_crf_form_item_at(f, i);
            const char *v = row->fields[5 + i], *why;
            if (!*v) {
                cr_assert(!tp_crf_item_mandatory(it) || !tp_crf_item_collected_at(it, ev),
                          "%s:%ld:%zu: mandatory %s is empty", name, row->line, 6 + i,
                          tp_crf_item_name(it));
                continue;
            }
            why = v_value(it, v, tp_crf_raw_decimal_mark(c->crf));
            cr_assert_null(why, "%s:%ld:%zu: %s = '%s' %s", name, row->line, 6 + i,
                           tp_crf_item_name(it), v, why);
        }
        st = row->fields[5 + ni];
        cr_assert(strcmp(st, "SAISI") == 0 || strcmp(st, "VERIFIE") == 0 ||
                      strcmp(st, "SIGNE") == 0,
                  "%s:%ld: STATUT %s", name, row->line, st);
        {
            const char *e = row->fields[6 + ni];
            char day[11];
            snprintf(day, sizeof day, "%s", e);
            cr_assert(strlen(e) == 16 && e[10] == ' ' && v_date(day, false) && v_time(e + 11),
                      "%s:%ld: DATSAIS '%s'", name, row->line, e);
        }
    }
    crf_sheet_release(&s);
}

static void validate_dir(const struct tp_crf *crf, const char *dir)
{
    struct val_ctx c = {crf, dir};
    for (size_t f = 0; f < tp_crf_form_count(crf); f++)
        validate_form(&c, tp_crf_form_at(crf, f));
}

/* ---- tests ---- */

Test(gen, same_seed_same_bytes)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir(), *b = tmp_dir();
    struct cmp_ctx c;
    run(crf, 40, TP_GEN_ERRORS_NONE, a, NULL);
    run(crf, 40, TP_GEN_ERRORS_NONE, b, NULL);
    c.a = a;
    c.b = b;
    c.prefix = false;
    for_each_file(crf, cmp_file, &c);
    rm_rf(a);
    rm_rf(b);
    tp_crf_free(crf);
}

Test(gen, first_40_are_a_prefix_of_200)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir(), *b = tmp_dir();
    struct cmp_ctx c;
    struct gen_stats sa, sb;
    run(crf, 40, TP_GEN_ERRORS_NONE, a, &sa);
    run(crf, 200, TP_GEN_ERRORS_NONE, b, &sb);
    cr_assert_eq(sa.randomised, 40);
    cr_assert_eq(sb.randomised, 200);
    c.a = a;
    c.b = b;
    c.prefix = true;
    for_each_file(crf, cmp_file, &c);
    rm_rf(a);
    rm_rf(b);
    tp_crf_free(crf);
}

Test(gen, another_seed_gives_other_data)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir(), *b = tmp_dir(), *pa, *pb;
    struct tp_gen_options o;
    struct tp_error err;
    size_t na, nb;
    unsigned char *x, *y;
    run(crf, 10, TP_GEN_ERRORS_NONE, a, NULL);
    tp_gen_options_init(&o, crf);
    o.subjects = 10;
    o.seed = 1;
    tp_error_init(&err);
    cr_assert_eq(tp_generate(crf, &o, b, &err), TP_OK);
    pa = path_join(a, "cochin.csv");
    pb = path_join(b, "cochin.csv");
    x = slurp(pa, &na);
    y = slurp(pb, &nb);
    cr_assert(na != nb || memcmp(x, y, na) != 0);
    free(x);
    free(y);
    free(pa);
    free(pb);
    rm_rf(a);
    rm_rf(b);
    tp_crf_free(crf);
}

Test(gen, clean_set_has_no_injected_errors)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir();
    struct gen_stats st;
    struct crf_sheet s;
    run(crf, 40, TP_GEN_ERRORS_NONE, a, &st);
    cr_assert_eq(st.injected, 0);
    /* the study model sets every cell itself: nothing falls back to metadata filling */
    cr_assert_eq(st.unset_filled, 0, "%llu cells filled from metadata", st.unset_filled);
    cr_assert_eq(st.extraction_day, gen_days(2018, 3, 15));
    read_table(a, "errors.csv", &s);
    cr_assert_eq(s.ncols, 11);
    cr_assert_str_eq(s.cols[0], "ERRID");
    cr_assert_eq(s.nrows, 0);
    crf_sheet_release(&s);
    rm_rf(a);
    tp_crf_free(crf);
}

Test(gen, clean_values_follow_the_metadata)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir();
    run(crf, 200, TP_GEN_ERRORS_NONE, a, NULL);
    validate_dir(crf, a);
    rm_rf(a);
    tp_crf_free(crf);
}

Test(gen, generic_model_follows_the_metadata)
{
    struct tp_crf *crf = load_study("crf/mini");
    char *a = tmp_dir(), *b = tmp_dir();
    struct gen_stats st;
    struct cmp_ctx c;
    run(crf, 30, TP_GEN_ERRORS_NONE, a, &st);
    cr_assert_gt(st.unset_filled, 0);
    cr_assert_eq(st.randomised, 30);
    validate_dir(crf, a);
    run(crf, 30, TP_GEN_ERRORS_NONE, b, NULL);
    c.a = a;
    c.b = b;
    c.prefix = false;
    for_each_file(crf, cmp_file, &c);
    rm_rf(a);
    rm_rf(b);
    tp_crf_free(crf);
}

Test(gen, first_40_follow_the_design)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir();
    struct crf_sheet inc, unb, cen;
    int arms[3] = {0, 0, 0}, centres[7] = {0}, randomised = 0;
    run(crf, 40, TP_GEN_ERRORS_NONE, a, NULL);
    read_table(a, "inclusion.csv", &inc);
    read_table(a, "levee_aveugle.csv", &unb);
    read_table(a, "centres.csv", &cen);
    for (size_t r = 0; r < inc.nrows; r++) {
        const char *const *f = (const char *const *)inc.rows[r].fields;
        if (strcmp(f[8], "1") == 0) { /* ELIGIBLE */
            randomised++;
            cr_assert_geq(num(f[7]), 20, "CHFS_SEL %s", f[7]);
            centres[num(f[1])]++;
        } else {
            cr_assert_str_eq(f[9], "", "screen failure with NUMRANDO %s", f[9]);
        }
    }
    cr_assert_eq(randomised, 40);
    for (size_t r = 0; r < unb.nrows; r++)
        arms[num(unb.rows[r].fields[7])]++;
    cr_assert_eq(arms[1], 20);
    cr_assert_eq(arms[2], 20);
    cr_assert(centres[1] == 14 && centres[2] == 8 && centres[3] == 6 && centres[4] == 6 &&
              centres[5] == 4 && centres[6] == 2);
    cr_assert_eq(cen.nrows, 6);
    cr_assert_str_eq(cen.rows[0].fields[2], "Marseille");
    /* rows are sorted by centre then subject */
    for (size_t r = 1; r < inc.nrows; r++)
        cr_assert_leq(strcmp(inc.rows[r - 1].fields[2], inc.rows[r].fields[2]), 0);
    crf_sheet_release(&inc);
    crf_sheet_release(&unb);
    crf_sheet_release(&cen);
    rm_rf(a);
    tp_crf_free(crf);
}

Test(gen, standard_mode_lists_every_error_kind, .timeout = 120)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir();
    struct gen_stats st;
    struct crf_sheet s;
    bool seen[30] = {false};
    run(crf, 1000, TP_GEN_ERRORS_STANDARD, a, &st);
    read_table(a, "errors.csv", &s);
    cr_assert_eq(s.nrows, st.injected);
    for (size_t r = 0; r < s.nrows; r++) {
        const char *rule = s.rows[r].fields[1];
        const char *sev = s.rows[r].fields[9];
        int k;
        char file[128];
        cr_assert(rule[0] == 'E' && strlen(rule) == 3, "rule %s", rule);
        k = num(rule + 1);
        cr_assert(k >= 1 && k <= 29 && k != 0, "rule %s", rule);
        seen[k] = true;
        cr_assert(strcmp(sev, "ERREUR") == 0 || strcmp(sev, "AVERTISSEMENT") == 0 ||
                  strcmp(sev, "INFO") == 0);
        cr_assert(s.rows[r].fields[10][0], "no expected check for %s", rule);
        /* every manifest row names a generated file */
        snprintf(file, sizeof file, "%s", s.rows[r].fields[2]);
        cr_assert(strstr(file, ".csv") != NULL);
    }
    for (int k = 1; k <= 29; k++)
        cr_assert(seen[k], "no E%02d injected in 1000 subjects", k);
    /* ERRID counts up in file order */
    cr_assert_str_eq(s.rows[0].fields[0], "ERR000001");
    crf_sheet_release(&s);
    rm_rf(a);
    tp_crf_free(crf);
}

Test(gen, heavy_mode_injects_ten_times_more)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir(), *b = tmp_dir();
    struct gen_stats s1, s2;
    run(crf, 200, TP_GEN_ERRORS_STANDARD, a, &s1);
    run(crf, 200, TP_GEN_ERRORS_HEAVY, b, &s2);
    cr_assert_gt(s1.injected, 0);
    cr_assert_gt(s2.injected, 5 * s1.injected, "%llu vs %llu", s2.injected, s1.injected);
    rm_rf(a);
    rm_rf(b);
    tp_crf_free(crf);
}

Test(gen, dirty_rows_equal_clean_rows_outside_the_manifest)
{
    /* the injector draws from its own stream: the clean values never move */
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir(), *b = tmp_dir();
    struct crf_sheet c, d;
    run(crf, 40, TP_GEN_ERRORS_NONE, a, NULL);
    run(crf, 40, TP_GEN_ERRORS_STANDARD, b, NULL);
    read_table(a, "sclerodermie.csv", &c);
    read_table(b, "sclerodermie.csv", &d);
    cr_assert_geq(d.nrows, c.nrows);
    /* first subjects' DATSAIS (a fill-stream draw) must not depend on the mode */
    cr_assert_str_eq(c.rows[0].fields[c.ncols - 1], d.rows[0].fields[d.ncols - 1]);
    crf_sheet_release(&c);
    crf_sheet_release(&d);
    rm_rf(a);
    rm_rf(b);
    tp_crf_free(crf);
}

Test(gen, zero_subjects_writes_headers_only)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir();
    struct crf_sheet s;
    run(crf, 0, TP_GEN_ERRORS_NONE, a, NULL);
    read_table(a, "cochin.csv", &s);
    cr_assert_eq(s.nrows, 0);
    cr_assert_str_eq(s.cols[7], "Q01");
    crf_sheet_release(&s);
    rm_rf(a);
    tp_crf_free(crf);
}

Test(gen, output_path_is_a_file)
{
    struct tp_crf *crf = load_study("crf/mini");
    char *a = tmp_dir(), *f = path_join(a, "plain");
    FILE *fp = fopen(f, "w");
    struct tp_gen_options o;
    struct tp_error err;
    cr_assert_not_null(fp);
    fclose(fp);
    tp_gen_options_init(&o, crf);
    tp_error_init(&err);
    cr_assert_eq(tp_generate(crf, &o, f, &err), TP_E_IO);
    cr_assert_str_eq(err.loc.path, f);
    free(f);
    rm_rf(a);
    tp_crf_free(crf);
}

Test(gen, failed_run_leaves_no_files)
{
    /* an unwritable output folder: nothing appears, no temporary file stays */
    struct tp_crf *crf = load_study("crf/mini");
    char *a = tmp_dir(), *sub = path_join(a, "ro");
    struct tp_gen_options o;
    struct tp_error err;
    struct stat st;
    cr_assert_eq(mkdir(sub, 0555), 0);
    tp_gen_options_init(&o, crf);
    tp_error_init(&err);
    if (access(sub, W_OK) == 0) { /* running as root: permissions do not apply */
        rmdir(sub);
        free(sub);
        rm_rf(a);
        tp_crf_free(crf);
        return;
    }
    cr_assert_eq(tp_generate(crf, &o, sub, &err), TP_E_IO);
    {
        char *p = path_join(sub, "vs.csv");
        cr_assert_neq(stat(p, &st), 0);
        free(p);
    }
    chmod(sub, 0755);
    free(sub);
    rm_rf(a);
    tp_crf_free(crf);
}

Test(gen, cp1252_encoding)
{
    struct tp_crf *crf = load_study("scleradec2");
    char *a = tmp_dir(), *p;
    struct tp_gen_options o;
    struct tp_error err;
    unsigned char *buf;
    size_t n;
    bool micro = false;
    tp_gen_options_init(&o, crf);
    o.subjects = 5;
    o.encoding = TP_GEN_CP1252;
    tp_error_init(&err);
    cr_assert_eq(tp_generate(crf, &o, a, &err), TP_OK);
    p = path_join(a, "biologie.csv");
    buf = slurp(p, &n);
    cr_assert(n > 3 && !(buf[0] == 0xEF && buf[1] == 0xBB));
    for (size_t i = 0; i < n; i++) {
        cr_assert(buf[i] != 0xC3, "UTF-8 byte in a cp1252 file");
        micro |= buf[i] == 0xB5;
    }
    cr_assert(micro, "no 'µ' (0xB5) in the lab units");
    free(buf);
    free(p);
    rm_rf(a);
    tp_crf_free(crf);
}

Test(gen, calendar_helpers)
{
    int y, m, d;
    cr_assert_eq(gen_days(1970, 1, 1), 0);
    gen_civil(gen_days(2016, 2, 29), &y, &m, &d);
    cr_assert(y == 2016 && m == 2 && d == 29);
    cr_assert_eq(gen_weekday(gen_days(2015, 10, 13)), 1); /* a Tuesday */
    {
        char buf[40];
        cr_assert_str_eq(gen_fmt_dec(buf, sizeof buf, 625, 1, ','), "62,5");
        cr_assert_str_eq(gen_fmt_dec(buf, sizeof buf, 7, 2, ','), "0,07");
        cr_assert_str_eq(gen_fmt_dec(buf, sizeof buf, -15, 1, '.'), "-1.5");
        cr_assert_str_eq(gen_fmt_date(buf, sizeof buf, gen_days(2018, 3, 15)), "15/03/2018");
    }
}
