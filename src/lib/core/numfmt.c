/*
 * Locale-independent number text. A decimal comma must never reach an XPT, JSON or XML file, and a
 * double must survive text and back exactly, so we print the shortest form that round-trips.
 */
#include "internal.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static locale_t numfmt_c_locale;
static pthread_once_t numfmt_once = PTHREAD_ONCE_INIT;

static void numfmt_init_locale(void)
{
    numfmt_c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static double numfmt_strtod(const char *s, char **end)
{
    pthread_once(&numfmt_once, numfmt_init_locale);
    if (numfmt_c_locale)
        return strtod_l(s, end, numfmt_c_locale);
    return strtod(s, end);
}

/* Replace a locale decimal comma (if the host program set one) by '.'. */
static void numfmt_fix_point(char *buf)
{
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
}

static size_t numfmt_integer(long long v, char *buf, size_t size)
{
    char tmp[24];
    size_t n = 0, i;
    unsigned long long u;
    bool neg = v < 0;
    u = neg ? (unsigned long long)(-(v + 1)) + 1u : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n + neg + 1 > size) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    i = 0;
    if (neg)
        buf[i++] = '-';
    while (n)
        buf[i++] = tmp[--n];
    buf[i] = '\0';
    return i;
}

size_t tp_format_double(double d, char *buf, size_t size)
{
    int prec;
    if (isnan(d))
        return (size_t)snprintf(buf, size, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, size, d < 0 ? "-Infinity" : "Infinity");
    if (d == 0)
        return numfmt_integer(0, buf, size);   /* never "-0" */
    if (d == floor(d) && fabs(d) < 1e15)
        return numfmt_integer((long long)d, buf, size);
    for (prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, size, "%.*g", prec, d);
        numfmt_fix_point(buf);
        if (prec == 17 || numfmt_strtod(buf, NULL) == d)
            return n > 0 ? (size_t)n : 0;
    }
    return 0;
}

bool tp_parse_double(const char *s, size_t n, double *out)
{
    char small[64];
    char *copy = small, *end;
    bool ok;
    if (n == 0)
        return false;
    /* strtod accepts leading spaces, hex, inf and nan: we accept plain decimal text only */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return false;
    }
    if (n >= sizeof small) {
        copy = tp_strndup(s, n);
        if (!copy)
            return false;
    } else {
        memcpy(small, s, n);
        small[n] = '\0';
    }
    *out = numfmt_strtod(copy, &end);
    ok = end == copy + n && isfinite(*out);
    if (copy != small)
        tp_free(copy);
    return ok;
}
