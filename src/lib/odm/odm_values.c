/*
 * Raw EDC values -> ODM 1.3.2 values (study brief §6.1 conventions; ODM 1.3.2 §3.1.4.1.1.1.1.1 and
 * standards.md §3.3: Value text uses the lexical form of the ItemDef DataType, ISO 8601 dates,
 * '.' as the decimal separator, partial dates such as 1957-06 only for partialDate).
 *
 *   decimal comma        12,5                 -> 12.5          (float, double)
 *   date                 05/11/2016           -> 2016-11-05
 *   partial date         UK/11/2016, UK/UK/2016 -> 2016-11, 2016   (partialDate only)
 *   time                 14:30                -> 14:30:00      (time; partialTime keeps 14:30)
 *   date and time        05/11/2016 14:30     -> 2016-11-05T14:30:00
 *   missing codes        ND, NA, NSP          kept when the item allows them
 * Anything else that does not fit the DataType is kept unchanged and reported, so that no value
 * is lost and the finding points at the raw cell. Also the shared helpers of the module.
 */
#include "odm/odm.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

bool odm_type_numeric(enum tp_crf_datatype t)
{
    return t == TP_DT_INTEGER || t == TP_DT_FLOAT || t == TP_DT_DOUBLE;
}

int odm_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *pa = a, *pb = b;
            size_t na, nb;
            while (*pa == '0')
                pa++;
            while (*pb == '0')
                pb++;
            a = pa;
            b = pb;
            while (isdigit((unsigned char)*a))
                a++;
            while (isdigit((unsigned char)*b))
                b++;
            na = (size_t)(a - pa);
            nb = (size_t)(b - pb);
            if (na != nb)
                return na < nb ? -1 : 1;
            {
                int c = memcmp(pa, pb, na);
                if (c)
                    return c < 0 ? -1 : 1;
            }
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    if (*a || *b)
        return *a ? 1 : -1;
    return 0;
}

void odm_warn(struct tp_report *rep, size_t *count, const char *rule, const char *path, long line,
              const char *dataset, const char *variable, long row, const char *value,
              const char *fmt, ...)
{
    struct tp_finding f;
    char msg[512];
    va_list ap;
    if (count)
        (*count)++;
    if (!rep)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memset(&f, 0, sizeof f);
    f.severity = TP_SEV_WARNING;
    f.rule_id = rule;
    f.path = path ? path : "";
    f.line = line > 0 ? line : -1;
    f.dataset = dataset ? dataset : "";
    f.variable = variable ? variable : "";
    f.row = row > 0 ? row : -1;
    f.value = value ? value : "";
    f.message = msg;
    tp_report_add(rep, &f);
}

/* ------------------------------------------------------------------ scanning */

struct val_scan {
    const char *p, *end;
};

/* Exactly n digits into *v. */
static bool val_digits(struct val_scan *s, size_t n, int *v)
{
    int x = 0;
    if ((size_t)(s->end - s->p) < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s->p[i]))
            return false;
        x = x * 10 + (s->p[i] - '0');
    }
    s->p += n;
    *v = x;
    return true;
}

static bool val_char(struct val_scan *s, char c)
{
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return true;
    }
    return false;
}

/* "UK" or "UNK" (any case): an unknown part. */
static bool val_unknown(struct val_scan *s)
{
    size_t left = (size_t)(s->end - s->p);
    if (left >= 3 && strncasecmp(s->p, "UNK", 3) == 0) {
        s->p += 3;
        return true;
    }
    if (left >= 2 && strncasecmp(s->p, "UK", 2) == 0) {
        s->p += 2;
        return true;
    }
    return false;
}

static bool val_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int val_mdays(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && val_leap(y) ? 29 : d[m - 1];
}

/* A date part: day (-1 unknown), month (-1 unknown), year. */
struct val_date {
    int d, m, y;
};

enum val_date_rc { VD_OK, VD_SYNTAX, VD_CALENDAR, VD_DAY_WITHOUT_MONTH };

static enum val_date_rc val_parse_date(struct val_scan *s, struct val_date *dt)
{
    if (val_unknown(s))
        dt->d = -1;
    else if (!val_digits(s, 2, &dt->d))
        return VD_SYNTAX;
    if (!val_char(s, '/'))
        return VD_SYNTAX;
    if (val_unknown(s))
        dt->m = -1;
    else if (!val_digits(s, 2, &dt->m))
        return VD_SYNTAX;
    if (!val_char(s, '/') || !val_digits(s, 4, &dt->y))
        return VD_SYNTAX;
    if (dt->m == -1 && dt->d != -1)
        return VD_DAY_WITHOUT_MONTH;
    if (dt->m != -1 && (dt->m < 1 || dt->m > 12))
        return VD_CALENDAR;
    if (dt->d != -1 && (dt->d < 1 || dt->d > val_mdays(dt->y, dt->m)))
        return VD_CALENDAR;
    if (dt->y < 1)
        return VD_CALENDAR;
    return VD_OK;
}

/* A time part: hour and minute (-1 unknown), second (-1 absent or unknown). */
struct val_time {
    int h, mi, s;
};

static bool val_parse_time(struct val_scan *s, struct val_time *t)
{
    t->s = -1;
    if (val_unknown(s))
        t->h = -1;
    else if (!val_digits(s, 2, &t->h) || t->h > 23)
        return false;
    if (!val_char(s, ':'))
        return false;
    if (val_unknown(s))
        t->mi = -1;
    else if (!val_digits(s, 2, &t->mi) || t->mi > 59)
        return false;
    if (val_char(s, ':')) {
        if (val_unknown(s))
            t->s = -1;
        else if (!val_digits(s, 2, &t->s) || t->s > 59)
            return false;
    }
    if (t->h == -1 && t->mi != -1)
        return false;
    return true;
}

/* Already an ISO 8601 date (yyyy-mm-dd)? */
static bool val_is_iso_date(const char *s, size_t n)
{
    struct val_scan sc = {s, s + n};
    int y, m, d;
    if (!val_digits(&sc, 4, &y) || !val_char(&sc, '-') || !val_digits(&sc, 2, &m) ||
        !val_char(&sc, '-') || !val_digits(&sc, 2, &d) || sc.p != sc.end)
        return false;
    return m >= 1 && m <= 12 && d >= 1 && d <= val_mdays(y, m);
}

static int val_add_date(struct tp_strbuf *out, const struct val_date *dt)
{
    if (dt->m == -1)
        return tp_strbuf_addf(out, "%04d", dt->y);
    if (dt->d == -1)
        return tp_strbuf_addf(out, "%04d-%02d", dt->y, dt->m);
    return tp_strbuf_addf(out, "%04d-%02d-%02d", dt->y, dt->m, dt->d);
}

/* ------------------------------------------------------------------ per type */

static int val_number(const char *s, size_t n, char decimal, bool integer, struct tp_strbuf *out,
                      const char **why)
{
    size_t i = 0, ndig = 0, nsep = 0;
    bool other_sep = false;
    char other = decimal == ',' ? '.' : ',';
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (; i < n; i++) {
        if (isdigit((unsigned char)s[i]))
            ndig++;
        else if (s[i] == decimal)
            nsep++;
        else if (s[i] == other) {
            nsep++;
            other_sep = true;
        } else
            break;
    }
    if (i != n || ndig == 0 || nsep > 1) {
        *why = integer ? "not an integer" : "not a number";
        return ODM_CONV_KEPT;
    }
    if (integer && nsep) {
        *why = "not an integer";
        return ODM_CONV_KEPT;
    }
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+' && i == 0)
            continue;
        if (c == decimal || c == other)
            c = '.';
        if (tp_strbuf_addc(out, c))
            return -1;
    }
    if (other_sep) {
        *why = decimal == ',' ? "decimal point instead of the decimal comma of the raw export"
                              : "decimal comma instead of the decimal point of the raw export";
        return ODM_CONV_FIXED;
    }
    return ODM_CONV_OK;
}

static const char *val_date_why(enum val_date_rc rc)
{
    switch (rc) {
    case VD_CALENDAR: return "impossible calendar date";
    case VD_DAY_WITHOUT_MONTH: return "partial date with a day but no month";
    default: return "not a date in dd/mm/yyyy form";
    }
}

static int val_date(enum tp_crf_datatype t, const char *s, size_t n, struct tp_strbuf *out,
                    const char **why)
{
    struct val_scan sc = {s, s + n};
    struct val_date dt;
    enum val_date_rc rc = val_parse_date(&sc, &dt);
    if (rc == VD_OK && sc.p != sc.end)
        rc = VD_SYNTAX;
    if (rc != VD_OK) {
        if (rc == VD_SYNTAX && val_is_iso_date(s, n))
            *why = "date already in ISO 8601 form, not the dd/mm/yyyy of the raw export";
        else
            *why = val_date_why(rc);
        return ODM_CONV_KEPT;
    }
    if ((dt.d == -1 || dt.m == -1) && t != TP_DT_PARTIAL_DATE) {
        *why = "partial date, but the item's DataType does not allow one";
        return ODM_CONV_KEPT;
    }
    return val_add_date(out, &dt) ? -1 : ODM_CONV_OK;
}

static int val_time(enum tp_crf_datatype t, const char *s, size_t n, struct tp_strbuf *out,
                    const char **why)
{
    struct val_scan sc = {s, s + n};
    struct val_time tm;
    if (!val_parse_time(&sc, &tm) || sc.p != sc.end) {
        *why = "not a time in HH:MM form";
        return ODM_CONV_KEPT;
    }
    if (t == TP_DT_TIME) {
        if (tm.h == -1 || tm.mi == -1) {
            *why = "partial time, but the item's DataType does not allow one";
            return ODM_CONV_KEPT;
        }
        return tp_strbuf_addf(out, "%02d:%02d:%02d", tm.h, tm.mi, tm.s < 0 ? 0 : tm.s)
                   ? -1
                   : ODM_CONV_OK;
    }
    /* partialTime: hh, hh:mm or hh:mm:ss */
    if (tm.h == -1) {
        *why = "time without an hour";
        return ODM_CONV_KEPT;
    }
    if (tm.mi == -1)
        return tp_strbuf_addf(out, "%02d", tm.h) ? -1 : ODM_CONV_OK;
    if (tm.s == -1)
        return tp_strbuf_addf(out, "%02d:%02d", tm.h, tm.mi) ? -1 : ODM_CONV_OK;
    return tp_strbuf_addf(out, "%02d:%02d:%02d", tm.h, tm.mi, tm.s) ? -1 : ODM_CONV_OK;
}

static int val_datetime(enum tp_crf_datatype t, const char *s, size_t n, struct tp_strbuf *out,
                        const char **why)
{
    struct val_scan sc = {s, s + n};
    struct val_date dt;
    struct val_time tm = {-1, -1, -1};
    bool partial = t == TP_DT_PARTIAL_DATETIME;
    bool has_time = false;
    enum val_date_rc rc = val_parse_date(&sc, &dt);
    if (rc != VD_OK) {
        *why = rc == VD_SYNTAX ? "not a date and time in dd/mm/yyyy HH:MM form" : val_date_why(rc);
        return ODM_CONV_KEPT;
    }
    if (sc.p < sc.end) {
        if (!(val_char(&sc, ' ') || val_char(&sc, 'T')) || !val_parse_time(&sc, &tm) ||
            sc.p != sc.end) {
            *why = "not a date and time in dd/mm/yyyy HH:MM form";
            return ODM_CONV_KEPT;
        }
        has_time = tm.h != -1;
    }
    if (!partial) {
        if (dt.d == -1 || dt.m == -1 || !has_time || tm.mi == -1) {
            *why = "incomplete date and time, but the item's DataType does not allow one";
            return ODM_CONV_KEPT;
        }
        return tp_strbuf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02d", dt.y, dt.m, dt.d, tm.h, tm.mi,
                              tm.s < 0 ? 0 : tm.s)
                   ? -1
                   : ODM_CONV_OK;
    }
    if (val_add_date(out, &dt))
        return -1;
    if (dt.d == -1 || !has_time)
        return ODM_CONV_OK;
    if (tp_strbuf_addf(out, "T%02d", tm.h))
        return -1;
    if (tm.mi != -1 && tp_strbuf_addf(out, ":%02d", tm.mi))
        return -1;
    if (tm.mi != -1 && tm.s != -1 && tp_strbuf_addf(out, ":%02d", tm.s))
        return -1;
    return ODM_CONV_OK;
}

static bool val_in_codes(const char *codes, const char *s, size_t n)
{
    const char *p = codes;
    while (p && *p) {
        const char *e;
        while (*p == ' ')
            p++;
        e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && n && memcmp(p, s, n) == 0)
            return true;
        p = e;
    }
    return false;
}

int odm_value_from_raw(enum tp_crf_datatype t, const char *in, size_t n, char decimal,
                       const struct tp_crf_item *it, const char *codes, struct tp_strbuf *out,
                       const char **why)
{
    const char *s = in;
    size_t len = n;
    bool trimmed = false;
    int rc;
    tp_strbuf_reset(out);
    *why = NULL;
    if (t == TP_DT_TEXT || t == TP_DT_STRING) {
        /* free text is data: byte for byte, except blanks around a coded value */
        if (!(it && tp_crf_item_codelist(it)))
            return tp_strbuf_add(out, in, n) ? -1 : ODM_CONV_OK;
    }
    while (len && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
        trimmed = true;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
        trimmed = true;
    }
    if (len == 0) {
        *why = "blank value";
        return tp_strbuf_add(out, in, n) ? -1 : ODM_CONV_KEPT;
    }
    /* missing codes the item allows are data: keep them */
    if (it && tp_crf_item_missing_count(it)) {
        char code[16];
        if (len < sizeof code) {
            memcpy(code, s, len);
            code[len] = '\0';
            if (tp_crf_item_allows_missing(it, code)) {
                if (tp_strbuf_add(out, s, len))
                    return -1;
                if (trimmed) {
                    *why = "leading or trailing blanks removed";
                    return ODM_CONV_FIXED;
                }
                return ODM_CONV_OK;
            }
        }
    }
    switch (t) {
    case TP_DT_INTEGER: rc = val_number(s, len, decimal, true, out, why); break;
    case TP_DT_FLOAT:
    case TP_DT_DOUBLE: rc = val_number(s, len, decimal, false, out, why); break;
    case TP_DT_DATE:
    case TP_DT_PARTIAL_DATE: rc = val_date(t, s, len, out, why); break;
    case TP_DT_TIME:
    case TP_DT_PARTIAL_TIME: rc = val_time(t, s, len, out, why); break;
    case TP_DT_DATETIME:
    case TP_DT_PARTIAL_DATETIME: rc = val_datetime(t, s, len, out, why); break;
    case TP_DT_BOOLEAN:
        if ((len == 1 && (s[0] == '0' || s[0] == '1')) || (len == 4 && !memcmp(s, "true", 4)) ||
            (len == 5 && !memcmp(s, "false", 5)))
            rc = tp_strbuf_add(out, s, len) ? -1 : ODM_CONV_OK;
        else {
            *why = "not a boolean (1 or 0)";
            rc = ODM_CONV_KEPT;
        }
        break;
    default: /* coded text */ rc = tp_strbuf_add(out, s, len) ? -1 : ODM_CONV_OK; break;
    }
    if (rc < 0)
        return -1;
    if (rc == ODM_CONV_KEPT) {
        /* kept values are written exactly as read */
        tp_strbuf_reset(out);
        if (tp_strbuf_add(out, in, n))
            return -1;
        if (val_in_codes(codes, s, len))
            *why = "missing code that the item's definition does not allow";
        return ODM_CONV_KEPT;
    }
    if (trimmed && rc == ODM_CONV_OK) {
        *why = "leading or trailing blanks removed";
        return ODM_CONV_FIXED;
    }
    return rc;
}
