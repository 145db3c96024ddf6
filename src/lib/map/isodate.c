/*
 * Dates for the SDTM converter: raw EDC dates (French dd/mm/yyyy, partial UK/mm/yyyy and
 * UK/UK/yyyy, times HH:MM) to ISO 8601 extended format as SDTMIG 3.4 §4.4 requires (partial
 * values truncated from the right, never imputed); validation of --DTC values; study days with
 * no day 0 (SDTMIG §4.4.4). Pure functions, no locale.
 */
#include "map.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool iso_unknown(const char *s, size_t n)
{
    return (n == 2 && strncasecmp(s, "UK", 2) == 0) || (n == 2 && strncasecmp(s, "UN", 2) == 0) ||
           (n == 3 && strncasecmp(s, "UNK", 3) == 0) || (n == 4 && strncasecmp(s, "UKUK", 4) == 0) ||
           (n == 4 && strncasecmp(s, "UNKN", 4) == 0) || (n == 2 && strncmp(s, "--", 2) == 0);
}

static bool iso_digits(const char *s, size_t n, int *v)
{
    int x = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

static int iso_mdays(int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return md[m - 1];
}

static void trim(const char **s, size_t *n)
{
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

int isodate_from_parts(const char *y, size_t yn, const char *m, size_t mn, const char *d,
                       size_t dn, char *out, size_t outsize, char *why, size_t whysize)
{
    int yy, mm = 0, dd = 0;
    bool hm, hd;
    trim(&y, &yn);
    trim(&m, &mn);
    trim(&d, &dn);
    out[0] = '\0';
    if (yn == 0 && mn == 0 && dn == 0)
        return DATE_EMPTY;
    if (iso_unknown(y, yn) || yn == 0) {
        snprintf(why, whysize, "year unknown");
        return DATE_BAD;
    }
    if (yn != 4 || !iso_digits(y, yn, &yy) || yy < 1800) {
        snprintf(why, whysize, "year '%.*s' is not four digits", (int)yn, y);
        return DATE_BAD;
    }
    hm = mn && !iso_unknown(m, mn);
    hd = dn && !iso_unknown(d, dn);
    if (hm && (mn > 2 || !iso_digits(m, mn, &mm) || mm < 1 || mm > 12)) {
        snprintf(why, whysize, "month '%.*s' out of range", (int)mn, m);
        return DATE_BAD;
    }
    if (hd && (dn > 2 || !iso_digits(d, dn, &dd) || dd < 1 || !hm || dd > iso_mdays(yy, mm))) {
        snprintf(why, whysize, "day '%.*s' out of range", (int)dn, d);
        return DATE_BAD;
    }
    if (hm && hd)
        snprintf(out, outsize, "%04d-%02d-%02d", yy, mm, dd);
    else if (hm)
        snprintf(out, outsize, "%04d-%02d", yy, mm);
    else
        snprintf(out, outsize, "%04d", yy);
    return (hm && hd) ? DATE_OK : DATE_PARTIAL;
}

/* Split s at sep into at most 3 parts. */
static size_t iso_split(const char *s, size_t n, char sep, const char **p, size_t *pn)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == sep) {
            if (k == 3)
                return 4;
            p[k] = s + start;
            pn[k] = i - start;
            k++;
            start = i + 1;
        }
    }
    return k;
}

int isodate_convert(const char *date, size_t dn, const char *time, size_t tn, const char *format,
                    char *out, size_t outsize, char *why, size_t whysize)
{
    const char *p[3];
    size_t pn[3], k;
    int rc;
    why[0] = '\0';
    out[0] = '\0';
    trim(&date, &dn);
    if (time)
        trim(&time, &tn);
    if (dn == 0) {
        if (time && tn) {
            snprintf(why, whysize, "time '%.*s' without a date", (int)tn, time);
            return DATE_BAD;
        }
        return DATE_EMPTY;
    }
    if (!format || !*format)
        format = "dd/mm/yyyy";
    if (strcmp(format, "dd/mm/yyyy") == 0 || strcmp(format, "mm/yyyy") == 0) {
        k = iso_split(date, dn, '/', p, pn);
        if (k == 3)
            rc = isodate_from_parts(p[2], pn[2], p[1], pn[1], p[0], pn[0], out, outsize, why,
                                    whysize);
        else if (k == 2)
            rc = isodate_from_parts(p[1], pn[1], p[0], pn[0], "", 0, out, outsize, why, whysize);
        else if (k == 1 && pn[0] == 4)
            rc = isodate_from_parts(p[0], pn[0], "", 0, "", 0, out, outsize, why, whysize);
        else
            rc = DATE_BAD;
        if (rc == DATE_BAD && !why[0])
            snprintf(why, whysize, "not a %s date", format);
        if (rc == DATE_BAD)
            goto bad;
    } else if (strcmp(format, "yyyy-mm-dd") == 0) {
        k = iso_split(date, dn, '-', p, pn);
        if (k < 1 || k > 3) {
            snprintf(why, whysize, "not a yyyy-mm-dd date");
            goto bad;
        }
        rc = isodate_from_parts(p[0], pn[0], k > 1 ? p[1] : "", k > 1 ? pn[1] : 0,
                                k > 2 ? p[2] : "", k > 2 ? pn[2] : 0, out, outsize, why,
                                whysize);
        if (rc == DATE_BAD)
            goto bad;
    } else {
        snprintf(why, whysize, "unknown date format '%s'", format);
        goto bad;
    }
    if (time && tn) {
        int hh, mi, ss = -1;
        k = iso_split(time, tn, ':', p, pn);
        if (rc != DATE_OK) {
            snprintf(why, whysize, "time '%.*s' with a partial date", (int)tn, time);
            return DATE_PARTIAL; /* keep the partial date, drop the time */
        }
        if ((k != 2 && k != 3) || pn[0] != 2 || pn[1] != 2 || !iso_digits(p[0], 2, &hh) ||
            !iso_digits(p[1], 2, &mi) || hh > 23 || mi > 59 ||
            (k == 3 && (pn[2] != 2 || !iso_digits(p[2], 2, &ss) || ss > 59))) {
            snprintf(why, whysize, "time '%.*s' is not HH:MM", (int)tn, time);
            return DATE_PARTIAL; /* date kept, time dropped and reported */
        }
        size_t l = strlen(out);
        if (ss >= 0)
            snprintf(out + l, outsize - l, "T%02d:%02d:%02d", hh, mi, ss);
        else
            snprintf(out + l, outsize - l, "T%02d:%02d", hh, mi);
    }
    return rc;
bad:
    out[0] = '\0';
    if (!why[0])
        snprintf(why, whysize, "invalid date");
    return DATE_BAD;
}

bool isodate_valid(const char *s, size_t n)
{
    int y, m, d, v;
    if (n == 0)
        return true;
    if (n < 4 || !iso_digits(s, 4, &y))
        return false;
    if (n == 4)
        return true;
    if (s[4] != '-' || n < 7 || !iso_digits(s + 5, 2, &m) || m < 1 || m > 12)
        return false;
    if (n == 7)
        return true;
    if (s[7] != '-' || n < 10 || !iso_digits(s + 8, 2, &d) || d < 1 || d > iso_mdays(y, m))
        return false;
    if (n == 10)
        return true;
    if (s[10] != 'T' || n < 13 || !iso_digits(s + 11, 2, &v) || v > 23)
        return false;
    if (n == 13)
        return true;
    if (s[13] != ':' || n < 16 || !iso_digits(s + 14, 2, &v) || v > 59)
        return false;
    if (n == 16)
        return true;
    if (s[16] != ':' || n != 19 || !iso_digits(s + 17, 2, &v) || v > 59)
        return false;
    return true;
}

/* Howard Hinnant's days_from_civil. */
static long iso_civil(int y, int m, int d)
{
    long yy = y - (m <= 2);
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool isodate_days(const char *s, size_t n, long *days)
{
    int y, m, d;
    if (n < 10 || !iso_digits(s, 4, &y) || s[4] != '-' || !iso_digits(s + 5, 2, &m) ||
        s[7] != '-' || !iso_digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 ||
        d > iso_mdays(y, m))
        return false;
    *days = iso_civil(y, m, d);
    return true;
}

void isodate_from_days(long z, char *out, size_t size)
{
    long era, doe, yoe, y, doy, mp, d, m;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    snprintf(out, size, "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
}

long isodate_study_day(long d, long ref)
{
    return d >= ref ? d - ref + 1 : d - ref;
}
