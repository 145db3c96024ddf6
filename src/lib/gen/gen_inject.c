/*
 * Injected data-entry errors (study brief §6.6): the metadata-driven rules that apply to any
 * study, and the manifest (errors.csv) that lists every injection with the check that
 * should find it. Study models add their own rules (E04, E08, E14, E16, E17, E20, E21, E24-E27,
 * E29) through gen_inject() / gen_inject_note().
 *
 * All decisions draw from the subject's injection stream (gen.inject) and never from the streams
 * that produce the data, so a dirty set equals the clean set outside the logged cells.
 * Rates are per eligible cell (E01-E03, E05-E07, E09, E11, E19, E22, E28) or per row (E10, E12,
 * E13, E15, E18, E23); --errors heavy multiplies them by 10.
 */
#include <config.h>

#include <string.h>

#include "gen/gen.h"

static const char *const sev_text[] = {"ERREUR", "AVERTISSEMENT", "INFO"};

bool gen_inj_chance(struct gen *g, double rate)
{
    if (g->rate <= 0)
        return false;
    return gen_chance(&g->inj, rate * g->rate);
}

/* The generic rules draw from the row's table stream (g->rinj). */
static bool inj_row_chance(struct gen *g, double rate)
{
    return gen_chance(g->rinj, rate * g->rate);
}

static int inj_field(struct tp_strbuf *sb, const char *s, char delim, bool first)
{
    size_t n = strlen(s);
    bool q = false;
    if (!first && tp_strbuf_addc(sb, delim))
        return TP_E_NOMEM;
    if (n && (s[0] == ' ' || s[n - 1] == ' '))
        q = true;
    for (size_t i = 0; i < n && !q; i++)
        q = s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!q)
        return tp_strbuf_add(sb, s, n);
    if (tp_strbuf_addc(sb, '"'))
        return TP_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        if ((s[i] == '"' && tp_strbuf_addc(sb, '"')) || tp_strbuf_addc(sb, s[i]))
            return TP_E_NOMEM;
    return tp_strbuf_addc(sb, '"');
}

void gen_inject_note(struct gen *g, const char *rule, const char *column, const char *before,
                     const char *after, enum gen_severity sev, const char *check)
{
    struct tp_strbuf *sb = &g->manifest_chunk;
    char file[96], line[24];
    const char *v[10];
    if (g->rc)
        return;
    snprintf(file, sizeof file, "%s.csv", g->rt ? tp_crf_form_table(g->rt->form) : "");
    snprintf(line, sizeof line, "%ld", g->rline > 0 ? g->rline : 1);
    v[0] = rule;
    v[1] = file;
    v[2] = g->rt ? g->rpatnum : g->patnum;
    v[3] = g->rvisit;
    v[4] = line;
    v[5] = column ? column : "";
    v[6] = before ? before : "";
    v[7] = after ? after : "";
    v[8] = sev_text[sev];
    v[9] = check;
    for (size_t i = 0; i < 10; i++) {
        if (inj_field(sb, v[i], g->delim, i == 0)) {
            g->rc = tp_fail(g->err, TP_E_NOMEM, "out of memory");
            return;
        }
    }
    if (tp_strbuf_addc(sb, '\0'))
        g->rc = tp_fail(g->err, TP_E_NOMEM, "out of memory");
    g->ninjected++;
}

void gen_inject(struct gen *g, size_t col, const char *rule, const char *value,
                enum gen_severity sev, const char *check)
{
    char before[512];
    const char *name;
    if (!g->rt || col == GEN_NONE || col >= g->rt->nitems || g->rc)
        return;
    snprintf(before, sizeof before, "%s", gen_get(g, col));
    name = tp_crf_item_name(tp_crf_form_item_at(g->rt->form, col));
    gen_set_str(g, col, value);
    g->cells[col].injected = 1;
    gen_inject_note(g, rule, name, before, value, sev, check);
}

/* ---- helpers on raw values ---- */

static bool inj_is_full_date(const char *s, int *d, int *m, int *y)
{
    if (strlen(s) < 10 || s[2] != '/' || s[5] != '/')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 2 && i != 5 && (s[i] < '0' || s[i] > '9'))
            return false;
    *d = (s[0] - '0') * 10 + (s[1] - '0');
    *m = (s[3] - '0') * 10 + (s[4] - '0');
    *y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
    return *m >= 1 && *m <= 12 && *d >= 1;
}

static bool inj_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* UTF-8 text read as Windows-1252/Latin-1 and encoded again: "é" -> "Ã©". */
static void inj_mojibake(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 3 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80) {
            out[k++] = (char)c;
        } else {
            out[k++] = (char)(0xC0 | (c >> 6));
            out[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[k] = '\0';
}

static long inj_max_code(const struct tp_crf_codelist *cl)
{
    long mx = 0;
    for (size_t i = 0; i < tp_crf_codelist_size(cl); i++) {
        long v;
        if (crf_parse_long(tp_crf_code_value(cl, i), &v) && v > mx)
            mx = v;
    }
    return mx;
}

static bool inj_is_text(const struct tp_crf_item *it)
{
    enum tp_crf_datatype t = tp_crf_item_datatype(it);
    return (t == TP_DT_TEXT || t == TP_DT_STRING) && !tp_crf_item_codelist(it) &&
           (tp_crf_item_length(it) == 0 || tp_crf_item_length(it) >= 40);
}

static bool inj_is_date(const struct tp_crf_item *it)
{
    enum tp_crf_datatype t = tp_crf_item_datatype(it);
    return t == TP_DT_DATE || t == TP_DT_PARTIAL_DATE || t == TP_DT_DATETIME;
}

/* ---- cell rules ---- */

enum inj_rule { R_E01, R_E02, R_E03, R_E05, R_E06, R_E07, R_E09, R_E11, R_E19, R_E22, R_E28, R_N };

static const double cell_rate[R_N] = {0.002,  0.005, 0.003, 0.001, 0.001, 0.0005,
                                      0.0005, 0.001, 0.005, 0.02,  0.0005};

static void inj_cell(struct gen *g, size_t col, enum inj_rule rule)
{
    const struct tp_crf_item *it = tp_crf_form_item_at(g->rt->form, col);
    const char *v = gen_get(g, col);
    char buf[512];
    int d = 0, m = 0, y = 0;
    double lo, hi;
    struct gen_rng *r = g->rinj;

    switch (rule) {
    case R_E01:
    case R_E02:
    case R_E03: {
        long bad;
        if (tp_crf_item_range(it, TP_RANGE_HARD, &lo, &hi) && hi < 1e9)
            bad = (long)hi + (rule == R_E02   ? gen_int(r, 1, 50)
                              : rule == R_E01 ? gen_int(r, 1, 2)
                                              : 1);
        else if (tp_crf_item_codelist(it))
            bad = inj_max_code(tp_crf_item_codelist(it)) + 1;
        else
            return;
        snprintf(buf, sizeof buf, "%ld", bad);
        gen_inject(g, col,
                   rule == R_E01   ? "E01"
                   : rule == R_E02 ? "E02"
                                   : "E03",
                   buf, GEN_SEV_ERROR, "Range");
        return;
    }
    case R_E05:
        inj_is_full_date(v, &d, &m, &y);
        switch (gen_int(r, 0, 2)) {
        case 0:
            snprintf(buf, sizeof buf, "%s%04d", gen_chance(r, 0.5) ? "31/02/" : "30/02/", y);
            break;
        case 1: snprintf(buf, sizeof buf, "00/%02d/%04d", m, y); break;
        default: snprintf(buf, sizeof buf, "%02d/13/%04d", d, y); break;
        }
        if (strlen(v) > 10) /* keep the time of a datetime */
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s", v + 10);
        gen_inject(g, col, "E05", buf, GEN_SEV_ERROR, "Date parse");
        return;
    case R_E06:
        inj_is_full_date(v, &d, &m, &y);
        snprintf(buf, sizeof buf, "%02d/%02d/%04d%s", m, d, y, v + 10);
        gen_inject(g, col, "E06", buf, GEN_SEV_ERROR, "Chronology");
        return;
    case R_E07:
        inj_is_full_date(v, &d, &m, &y);
        if (gen_chance(r, 0.5))
            snprintf(buf, sizeof buf, "%02d/%02d/%02d%s", d, m, y % 100, v + 10);
        else
            snprintf(buf, sizeof buf, "%04d-%02d-%02d%s", y, m, d, v + 10);
        gen_inject(g, col, "E07", buf, GEN_SEV_ERROR, "Date format");
        return;
    case R_E09: {
        char dd[16];
        gen_fmt_date(dd, sizeof dd, g->extraction_day + gen_int(r, 30, 400));
        snprintf(buf, sizeof buf, "%s%s", dd, v + 10);
        gen_inject(g, col, "E09", buf, GEN_SEV_ERROR, "Date <= extraction");
        return;
    }
    case R_E11:
        inj_is_full_date(v, &d, &m, &y);
        snprintf(buf, sizeof buf, "UK/%02d/%04d%s", m, y, v + 10);
        gen_inject(g, col, "E11", buf, GEN_SEV_ERROR, "Partial-date policy");
        return;
    case R_E19:
        snprintf(buf, sizeof buf, "%s", v);
        for (char *p = buf; *p; p++)
            if (*p == g->decimal)
                *p = g->decimal == ',' ? '.' : ',';
        gen_inject(g, col, "E19", buf, GEN_SEV_WARNING, "Number parse");
        return;
    case R_E22: {
        static const char *const extra[] = {" ; à revoir", " (dit : \"nettement mieux\")",
                                            "\r\nsuite : RAS", " cœur ; 5 µg\xC2\xA0/j"};
        unsigned len = tp_crf_item_length(it);
        size_t k = (size_t)gen_int(r, 0, 4);
        if (k < 4) {
            snprintf(buf, sizeof buf, "%s%s", v, extra[k]);
            if (len && strlen(buf) > len) /* keep it a pure parsing test */
                snprintf(buf, sizeof buf, "%s", extra[k] + 1);
            gen_inject(g, col, "E22", buf, GEN_SEV_INFO, "CSV parse");
        } else {
            size_t n = 0, vl = strlen(v);
            while (n < 300 && n + 1 < sizeof buf) {
                buf[n] = vl ? v[n % vl] : "texte trop long "[n % 16];
                n++;
            }
            /* do not cut a UTF-8 sequence */
            while (n && ((unsigned char)buf[n - 1] & 0xC0) == 0x80)
                n--;
            if (n && (unsigned char)buf[n - 1] >= 0xC0)
                n--;
            buf[n] = '\0';
            gen_inject(g, col, "E22", buf, len && n > len ? GEN_SEV_ERROR : GEN_SEV_INFO,
                       "CSV parse + length");
        }
        return;
    }
    case R_E28:
        inj_mojibake(v, buf, sizeof buf);
        gen_inject(g, col, "E28", buf, GEN_SEV_ERROR, "Encoding check");
        return;
    default: return;
    }
}

/* Which cell rules apply to a cell; returns the count written to rules. */
static size_t inj_applicable(struct gen *g, size_t col, enum inj_rule *rules)
{
    const struct tp_crf_item *it = tp_crf_form_item_at(g->rt->form, col);
    const char *v = gen_get(g, col);
    enum tp_crf_datatype t = tp_crf_item_datatype(it);
    size_t n = 0;
    int d, m, y;
    if (!*v || g->cells[col].injected)
        return 0;
    switch (g->rt->cls[col]) {
    case GEN_CLASS_ITEM_RANGE: rules[n++] = R_E01; break;
    case GEN_CLASS_VAS: rules[n++] = R_E02; break;
    case GEN_CLASS_SCORE: rules[n++] = R_E03; break;
    default: break;
    }
    if (inj_is_date(it) && inj_is_full_date(v, &d, &m, &y)) {
        rules[n++] = R_E05;
        /* a swap only counts when it moves the date far from the visit (chronology finds it) */
        if (d <= 12 && d != m && (d > m ? d - m : m - d) >= 2)
            rules[n++] = R_E06;
        rules[n++] = R_E07;
        rules[n++] = R_E09;
        if (t != TP_DT_PARTIAL_DATE)
            rules[n++] = R_E11;
    }
    if ((t == TP_DT_FLOAT || t == TP_DT_DOUBLE) && strchr(v, g->decimal))
        rules[n++] = R_E19;
    if (inj_is_text(it)) {
        rules[n++] = R_E22;
        if (inj_non_ascii(v))
            rules[n++] = R_E28;
    }
    return n;
}

/* ---- row rules ---- */

static void inj_e10(struct gen *g)
{
    size_t cand[512], n = 0;
    for (size_t i = 0; i < g->rt->nitems && n < 512; i++)
        if (tp_crf_item_mandatory(tp_crf_form_item_at(g->rt->form, i)) && *gen_get(g, i) &&
            !g->cells[i].injected)
            cand[n++] = i;
    if (n)
        gen_inject(g, cand[gen_int(g->rinj, 0, (long)n - 1)], "E10", "", GEN_SEV_ERROR, "Required");
}

static void inj_e18(struct gen *g)
{
    static const char *const yesno_bad[] = {"oui", "O", "Oui ", "non", "2"};
    size_t cand[512], n = 0, col;
    const struct tp_crf_codelist *cl;
    char buf[64];
    for (size_t i = 0; i < g->rt->nitems && n < 512; i++)
        if (tp_crf_item_codelist(tp_crf_form_item_at(g->rt->form, i)) && *gen_get(g, i) &&
            !g->cells[i].injected)
            cand[n++] = i;
    if (!n)
        return;
    col = cand[gen_int(g->rinj, 0, (long)n - 1)];
    cl = tp_crf_item_codelist(tp_crf_form_item_at(g->rt->form, col));
    if (tp_crf_codelist_datatype(cl) == TP_DT_INTEGER) {
        if (tp_crf_codelist_size(cl) == 2 && tp_crf_codelist_lookup(cl, "0") != (size_t)-1 &&
            tp_crf_codelist_lookup(cl, "1") != (size_t)-1)
            snprintf(buf, sizeof buf, "%s", yesno_bad[gen_int(g->rinj, 0, 4)]);
        else
            snprintf(buf, sizeof buf, "%ld", inj_max_code(cl) + 1);
    } else if (tp_crf_codelist_datatype(cl) == TP_DT_FLOAT) {
        snprintf(buf, sizeof buf, "3%c5", g->decimal);
    } else {
        /* a text code in the wrong case, or an unknown one */
        const char *v = gen_get(g, col);
        size_t k = 0;
        for (; v[k] && k + 1 < sizeof buf; k++)
            buf[k] = (char)((v[k] >= 'A' && v[k] <= 'Z') ? v[k] + 32 : v[k]);
        buf[k] = '\0';
        if (strcmp(buf, v) == 0 || tp_crf_codelist_lookup(cl, buf) != (size_t)-1)
            snprintf(buf, sizeof buf, "X");
    }
    gen_inject(g, col, "E18", buf, GEN_SEV_ERROR, "Codelist");
}

static void inj_e23(struct gen *g)
{
    size_t cand[512], n = 0, col;
    char buf[128];
    bool lead = gen_chance(g->rinj, 0.5);
    for (size_t i = 0; i < g->rt->nitems && n < 512; i++)
        if (tp_crf_item_codelist(tp_crf_form_item_at(g->rt->form, i)) && *gen_get(g, i) &&
            !g->cells[i].injected)
            cand[n++] = i;
    if (!n || gen_chance(g->rinj, 0.3)) {
        char before[32];
        snprintf(before, sizeof before, "%s", g->rpatnum);
        snprintf(buf, sizeof buf, lead ? " %s" : "%s ", before);
        gen_row_set_patnum(g, buf);
        gen_inject_note(g, "E23", tp_crf_raw_column(g->crf, TP_RAW_SUBJECT), before, buf,
                        GEN_SEV_WARNING, "Trim + warning");
        return;
    }
    col = cand[gen_int(g->rinj, 0, (long)n - 1)];
    snprintf(buf, sizeof buf, lead ? " %s" : "%s ", gen_get(g, col));
    gen_inject(g, col, "E23", buf, GEN_SEV_WARNING, "Trim + warning");
}

void gen_inject_row(struct gen *g)
{
    enum inj_rule rules[R_N];
    if (!g->rt || g->rate <= 0)
        return;
    for (size_t i = 0; i < g->rt->nitems; i++) {
        size_t n = inj_applicable(g, i, rules);
        double u, acc = 0;
        if (!n)
            continue;
        u = gen_unif(g->rinj);
        for (size_t k = 0; k < n; k++) {
            acc += cell_rate[rules[k]] * g->rate;
            if (u < acc) {
                inj_cell(g, i, rules[k]);
                break;
            }
        }
    }
    if (inj_row_chance(g, 0.005))
        inj_e10(g);
    if (inj_row_chance(g, 0.002))
        inj_e18(g);
    if (inj_row_chance(g, 0.005))
        inj_e23(g);
}

/* E13: another valid value for a cell, or false. */
static bool inj_other_value(struct gen *g, size_t col, char *buf, size_t n)
{
    const struct tp_crf_item *it = tp_crf_form_item_at(g->rt->form, col);
    const struct tp_crf_codelist *cl = tp_crf_item_codelist(it);
    const char *v = gen_get(g, col);
    long x;
    double lo, hi;
    if (!*v || g->cells[col].injected)
        return false;
    if (cl && tp_crf_codelist_size(cl) > 1) {
        size_t cur = tp_crf_codelist_lookup(cl, v);
        size_t k = (cur + 1) % tp_crf_codelist_size(cl);
        if (cur == (size_t)-1)
            return false;
        snprintf(buf, n, "%s", tp_crf_code_value(cl, k));
        return true;
    }
    if (tp_crf_item_datatype(it) == TP_DT_INTEGER && crf_parse_long(v, &x)) {
        tp_crf_item_range(it, TP_RANGE_HARD, &lo, &hi);
        x = x + 1 <= hi ? x + 1 : x - 1;
        if (x < lo)
            return false;
        snprintf(buf, n, "%ld", x);
        return true;
    }
    return false;
}

int gen_inject_after_row(struct gen *g)
{
    double u;
    if (!g->rt || g->rate <= 0 || g->rc)
        return g->rc;
    u = gen_unif(g->rinj) / g->rate;
    if (u < 0.001) {
        /* E12: the same row twice */
        gen_inject_note(g, "E12", "", "", "", GEN_SEV_ERROR, "Key uniqueness");
        return gen_write_row(g);
    }
    if (u < 0.0015) {
        /* E13: same keys, one value differs */
        size_t cand[512], n = 0;
        char buf[64], before[64];
        for (size_t i = 0; i < g->rt->nitems && n < 512; i++)
            if (inj_other_value(g, i, buf, sizeof buf))
                cand[n++] = i;
        if (!n)
            return TP_OK;
        n = cand[gen_int(g->rinj, 0, (long)n - 1)];
        inj_other_value(g, n, buf, sizeof buf);
        snprintf(before, sizeof before, "%s", gen_get(g, n));
        gen_set_code(g, n, buf);
        gen_inject_note(g, "E13", tp_crf_item_name(tp_crf_form_item_at(g->rt->form, n)), before,
                        gen_get(g, n), GEN_SEV_ERROR, "Key uniqueness");
        return gen_write_row(g);
    }
    if (u < 0.0017 && !g->rt->subject_register) {
        /* E15: the row again under a subject that was never included */
        char orphan[32], before[32];
        snprintf(before, sizeof before, "%s", g->rpatnum);
        snprintf(orphan, sizeof orphan, "%s-9%02ld", g->rsite, gen_int(g->rinj, 0, 99));
        gen_row_set_patnum(g, orphan);
        gen_inject_note(g, "E15", tp_crf_raw_column(g->crf, TP_RAW_SUBJECT), before, orphan,
                        GEN_SEV_ERROR, "Referential integrity");
        return gen_write_row(g);
    }
    return TP_OK;
}
