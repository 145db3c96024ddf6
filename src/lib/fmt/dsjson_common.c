/*
 * Dataset-JSON 1.1 helpers shared by the reader and the writer: the dataType / targetDataType
 * rules of the specification's "Supported Column Data Type Combinations" table, SAS date values
 * <-> ISO 8601 text ("Date/Time Variables": ADaM numeric dates travel as ISO strings with
 * targetDataType "integer"), decimal text ("Decimal Variables") and JSON string escaping.
 */
#include "dsjson.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

static const char *const dsj_data_types[] = {
    "string",   "integer", "decimal", "float", "double", "boolean",
    "datetime", "date",    "time",    "URI",   NULL,
};

bool dsj_is_data_type(const char *s)
{
    for (size_t i = 0; s && dsj_data_types[i]; i++)
        if (strcmp(s, dsj_data_types[i]) == 0)
            return true;
    return false;
}

bool dsj_kind_for_read(const char *dt, const char *target, enum dsj_kind *kind)
{
    bool to_int = target && strcmp(target, "integer") == 0;
    if (!dt)
        return false;
    if (strcmp(dt, "string") == 0 || strcmp(dt, "URI") == 0)
        *kind = DSJ_K_STRING;
    else if (strcmp(dt, "integer") == 0)
        *kind = DSJ_K_INTEGER;
    else if (strcmp(dt, "float") == 0 || strcmp(dt, "double") == 0)
        *kind = DSJ_K_FLOAT;
    else if (strcmp(dt, "decimal") == 0)
        *kind = DSJ_K_DECIMAL;
    else if (strcmp(dt, "boolean") == 0)
        *kind = DSJ_K_BOOLEAN;
    else if (strcmp(dt, "date") == 0)
        *kind = to_int ? DSJ_K_DATE : DSJ_K_STRING;
    else if (strcmp(dt, "datetime") == 0)
        *kind = to_int ? DSJ_K_DATETIME : DSJ_K_STRING;
    else if (strcmp(dt, "time") == 0)
        *kind = to_int ? DSJ_K_TIME : DSJ_K_STRING;
    else
        return false;
    return true;
}

/* SAS format names whose values are dates, datetimes or times (SAS 9.4 Formats and Informats). */
static const char *const dsj_date_formats[] = {
    "DATE",     "DAY",      "DDMMYY",   "DOWNAME",  "E8601DA", "B8601DA", "IS8601DA", "JULDAY",
    "JULIAN",   "MMDDYY",   "MMYY",     "MONNAME",  "MONTH",   "MONYY",   "NENGO",    "NLDATE",
    "QTR",      "QTRR",     "WEEKDATE", "WEEKDATX", "WEEKDAY", "WEEKU",   "WEEKV",    "WEEKW",
    "WORDDATE", "WORDDATX", "YEAR",     "YYMM",     "YYMMDD",  "YYMON",   "YYQ",      "YYQR",
    "EURDFDD",  "EURDFDE",  "MINGUO",   "PDJULG",   "PDJULI",  NULL,
};
static const char *const dsj_datetime_formats[] = {
    "DATETIME", "DATEAMPM", "DTDATE",   "DTMONYY", "DTWKDATX", "DTYEAR",  "DTYYQC",
    "E8601DT",  "B8601DT",  "IS8601DT", "E8601DN", "B8601DN",  "E8601DX", "B8601DX",
    "E8601DZ",  "B8601DZ",  "MDYAMPM",  "NLDATM",  "TWMDY",    NULL,
};
static const char *const dsj_time_formats[] = {
    "TIME",     "TIMEAMPM", "TOD",     "HHMM",    "HOUR",    "MMSS",   "E8601TM", "B8601TM",
    "IS8601TM", "E8601TX",  "B8601TX", "E8601TZ", "B8601TZ", "NLTIME", NULL,
};

static bool dsj_in_list(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcasecmp(name, list[i]) == 0)
            return true;
    return false;
}

enum dsj_kind dsj_sas_format_kind(const char *name)
{
    char base[33];
    size_t n;
    if (!name || !*name || *name == '$')
        return DSJ_K_FLOAT;
    n = strlen(name);
    if (n >= sizeof base)
        return DSJ_K_FLOAT;
    memcpy(base, name, n + 1);
    if (dsj_in_list(base, dsj_datetime_formats))
        return DSJ_K_DATETIME;
    if (dsj_in_list(base, dsj_time_formats))
        return DSJ_K_TIME;
    if (dsj_in_list(base, dsj_date_formats))
        return DSJ_K_DATE;
    /* DDMMYYx, MMDDYYx, YYMMDDx, MMYYx, YYMMx, YYQx with a separator letter (B C D N P S) */
    if (n >= 4 && strchr("BCDNPS", toupper((unsigned char)base[n - 1]))) {
        base[n - 1] = '\0';
        if (dsj_in_list(base, dsj_date_formats))
            return DSJ_K_DATE;
    }
    return DSJ_K_FLOAT;
}

/* Name of the SAS format of v: the format field, or the leading name of display_format. */
static void dsj_format_name(const struct tp_var *v, char *buf, size_t size)
{
    const char *p = v->display_format;
    size_t n = 0;
    buf[0] = '\0';
    if (v->format && *v->format) {
        snprintf(buf, size, "%s", v->format);
        return;
    }
    if (!p)
        return;
    while ((isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '$') && n + 1 < size)
        n++;
    while (n > 0 && isdigit((unsigned char)p[n - 1])) /* trailing digits are the width */
        n--;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

int dsj_kind_for_write(const struct tp_var *v, const char **data_type, const char **target,
                       enum dsj_kind *kind, struct tp_error *err)
{
    const char *dt = v->data_type && *v->data_type ? v->data_type : NULL;
    const char *tdt = v->target_data_type && *v->target_data_type ? v->target_data_type : NULL;
    char fname[33];
    *target = NULL;
    if (dt && !dsj_is_data_type(dt))
        return tp_fail(err, TP_E_USAGE, "variable '%s': unknown Dataset-JSON dataType '%s'",
                       v->name, dt);
    if (tdt && strcmp(tdt, "integer") != 0 && strcmp(tdt, "decimal") != 0)
        return tp_fail(err, TP_E_USAGE, "variable '%s': unknown Dataset-JSON targetDataType '%s'",
                       v->name, tdt);
    if (v->type == TP_CHAR) {
        if (!dt) {
            *data_type = "string";
        } else if (strcmp(dt, "string") == 0 || strcmp(dt, "URI") == 0 || strcmp(dt, "date") == 0 ||
                   strcmp(dt, "datetime") == 0 || strcmp(dt, "time") == 0) {
            *data_type = dsj_data_types[0];
            for (size_t i = 0; dsj_data_types[i]; i++)
                if (strcmp(dt, dsj_data_types[i]) == 0)
                    *data_type = dsj_data_types[i];
        } else {
            return tp_fail(err, TP_E_USAGE, "variable '%s' is character but its dataType is '%s'",
                           v->name, dt);
        }
        *kind = DSJ_K_STRING;
        return TP_OK;
    }
    /* numeric */
    dsj_format_name(v, fname, sizeof fname);
    if (!dt) {
        enum dsj_kind fk = dsj_sas_format_kind(fname);
        if (fk == DSJ_K_DATE || fk == DSJ_K_DATETIME || fk == DSJ_K_TIME) {
            dt = fk == DSJ_K_DATE ? "date" : fk == DSJ_K_DATETIME ? "datetime" : "time";
        } else if (tdt && strcmp(tdt, "integer") == 0) {
            dt = "integer";
        } else if (tdt && strcmp(tdt, "decimal") == 0) {
            dt = "decimal";
        } else {
            dt = "double";
        }
    }
    if (strcmp(dt, "integer") == 0) {
        *data_type = "integer";
        *kind = DSJ_K_INTEGER;
    } else if (strcmp(dt, "float") == 0) {
        *data_type = "float";
        *kind = DSJ_K_FLOAT;
    } else if (strcmp(dt, "double") == 0) {
        *data_type = "double";
        *kind = DSJ_K_FLOAT;
    } else if (strcmp(dt, "decimal") == 0) {
        *data_type = "decimal";
        *target = "decimal";
        *kind = DSJ_K_DECIMAL;
    } else if (strcmp(dt, "boolean") == 0) {
        *data_type = "boolean";
        *kind = DSJ_K_BOOLEAN;
    } else if (strcmp(dt, "date") == 0) {
        *data_type = "date";
        *target = "integer";
        *kind = DSJ_K_DATE;
    } else if (strcmp(dt, "datetime") == 0) {
        *data_type = "datetime";
        *target = "integer";
        *kind = DSJ_K_DATETIME;
    } else if (strcmp(dt, "time") == 0) {
        *data_type = "time";
        *target = "integer";
        *kind = DSJ_K_TIME;
    } else {
        return tp_fail(err, TP_E_USAGE, "variable '%s' is numeric but its dataType is '%s'",
                       v->name, dt);
    }
    return TP_OK;
}

/* ---- dates: days since 1960-01-01 <-> civil (H. Hinnant's days_from_civil algorithms) ---- */

#define DSJ_SAS_EPOCH_DAYS (-3653LL) /* 1960-01-01 in days since 1970-01-01 */

static long long dsj_days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void dsj_civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    long long era;
    unsigned doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static bool dsj_leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned dsj_mdays(long long y, unsigned m)
{
    static const unsigned char md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && dsj_leap(y) ? 29 : md[m - 1];
}

/* n digits at s as a number; false unless all are digits */
static bool dsj_digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DD" -> SAS day number */
static bool dsj_parse_date(const char *s, size_t n, long long *days)
{
    unsigned y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-' || !dsj_digits(s, 4, &y) ||
        !dsj_digits(s + 5, 2, &m) || !dsj_digits(s + 8, 2, &d))
        return false;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > dsj_mdays(y, m))
        return false;
    *days = dsj_days_from_civil(y, m, d) - DSJ_SAS_EPOCH_DAYS;
    return true;
}

/* "hh:mm[:ss[.fff]]" -> whole seconds and fraction text (may be empty) */
static bool dsj_parse_time(const char *s, size_t n, long long *secs, const char **frac,
                           size_t *fraclen)
{
    unsigned h, mi, se = 0;
    *frac = NULL;
    *fraclen = 0;
    if (n < 5 || s[2] != ':' || !dsj_digits(s, 2, &h) || !dsj_digits(s + 3, 2, &mi))
        return false;
    if (n > 5) {
        if (n < 8 || s[5] != ':' || !dsj_digits(s + 6, 2, &se))
            return false;
        if (n > 8) {
            if (s[8] != '.' || n == 9)
                return false;
            for (size_t i = 9; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                    return false;
            *frac = s + 8; /* ".fff" */
            *fraclen = n - 8;
        }
    }
    if (h > 23 || mi > 59 || se > 59)
        return false;
    *secs = (long long)h * 3600 + mi * 60 + se;
    return true;
}

bool dsj_iso_to_sas(const char *s, size_t n, enum dsj_kind kind, double *out)
{
    long long days = 0, secs = 0;
    const char *frac = NULL;
    size_t fraclen = 0;
    double f = 0;
    switch (kind) {
    case DSJ_K_DATE:
        if (!dsj_parse_date(s, n, &days))
            return false;
        *out = (double)days;
        return true;
    case DSJ_K_DATETIME:
        if (n < 16 || s[10] != 'T' || !dsj_parse_date(s, 10, &days) ||
            !dsj_parse_time(s + 11, n - 11, &secs, &frac, &fraclen))
            return false;
        break;
    case DSJ_K_TIME:
        if (!dsj_parse_time(s, n, &secs, &frac, &fraclen))
            return false;
        break;
    default: return false;
    }
    if (frac) {
        char tmp[48];
        if (fraclen + 1 >= sizeof tmp)
            return false;
        tmp[0] = '0';
        memcpy(tmp + 1, frac, fraclen);
        if (!tp_parse_double(tmp, fraclen + 1, &f))
            return false;
    }
    *out = (double)(days * 86400 + secs) + f;
    return true;
}

bool dsj_sas_to_iso(double v, enum dsj_kind kind, char *buf, size_t size)
{
    double whole, frac;
    long long w, days, secs, y;
    unsigned m, d;
    int n = 0;
    if (!isfinite(v) || fabs(v) > 1e13)
        return false;
    whole = floor(v);
    frac = v - whole;
    w = (long long)whole;
    if (kind == DSJ_K_DATE) {
        if (frac != 0)
            return false;
        days = w;
        secs = 0;
    } else if (kind == DSJ_K_DATETIME) {
        days = w >= 0 ? w / 86400 : -((-w + 86399) / 86400);
        secs = w - days * 86400;
    } else {
        if (w < 0 || w >= 86400)
            return false;
        days = 0;
        secs = w;
    }
    if (kind != DSJ_K_TIME) {
        dsj_civil_from_days(days + DSJ_SAS_EPOCH_DAYS, &y, &m, &d);
        if (y < 1 || y > 9999)
            return false;
        n = snprintf(buf, size, "%04lld-%02u-%02u", y, m, d);
        if (kind == DSJ_K_DATE)
            return n > 0 && (size_t)n < size;
        n += snprintf(buf + n, size - (size_t)n, "T");
    }
    n += snprintf(buf + n, size - (size_t)n, "%02lld:%02lld:%02lld", secs / 3600, secs / 60 % 60,
                  secs % 60);
    if (frac != 0) {
        /* fewest fraction digits that read back to exactly v */
        size_t base = (size_t)n;
        for (int digits = 1; digits <= 24; digits++) {
            char f[40];
            double back;
            int k = snprintf(f, sizeof f, "%.*f", digits, frac);
            if (k < 3 || f[0] != '0') /* rounded up to 1.000: try more digits */
                continue;
            while (k > 3 && f[k - 1] == '0')
                f[--k] = '\0';
            snprintf(buf + base, size - base, "%s", f + 1);
            /* 24 digits: the closest we can write (differs from v by < 1e-24 s) */
            if ((dsj_iso_to_sas(buf, strlen(buf), kind, &back) && back == v) || digits == 24)
                return true;
        }
        buf[base] = '\0';
    }
    return n > 0 && (size_t)n < size;
}

size_t dsj_decimal_text(double d, char *buf, size_t size)
{
    char tmp[40], digits[40];
    const char *e, *p;
    size_t nd = 0, out = 0;
    long exp10;
    int point; /* position of the decimal point after the first significant digit */
    bool neg;
    tp_format_double(d, tmp, sizeof tmp);
    e = strpbrk(tmp, "eE");
    if (!e) {
        snprintf(buf, size, "%s", tmp);
        return strlen(buf);
    }
    /* mantissa digits and exponent of "-1.25e-07" */
    neg = tmp[0] == '-';
    point = 0;
    for (p = tmp + neg; p < e; p++) {
        if (*p == '.')
            continue;
        digits[nd++] = *p;
    }
    for (p = tmp + neg; p < e && *p != '.'; p++)
        point++;
    exp10 = strtol(e + 1, NULL, 10);
    point += (int)exp10; /* digits before the point */
    if (size < 2)
        return 0;
#define DSJ_PUT(c)            \
    do {                      \
        if (out + 1 < size)   \
            buf[out++] = (c); \
    } while (0)
    if (neg)
        DSJ_PUT('-');
    if (point <= 0) {
        DSJ_PUT('0');
        DSJ_PUT('.');
        for (int i = 0; i < -point; i++)
            DSJ_PUT('0');
        for (size_t i = 0; i < nd; i++)
            DSJ_PUT(digits[i]);
    } else {
        for (int i = 0; i < point; i++)
            DSJ_PUT((size_t)i < nd ? digits[i] : '0');
        if ((size_t)point < nd) {
            DSJ_PUT('.');
            for (size_t i = (size_t)point; i < nd; i++)
                DSJ_PUT(digits[i]);
        }
    }
#undef DSJ_PUT
    buf[out] = '\0';
    return out;
}

int dsj_json_string(struct tp_strbuf *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;
    if (tp_strbuf_addc(sb, '"'))
        return TP_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        size_t elen = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        if (tp_strbuf_add(sb, s + start, i - start) || tp_strbuf_add(sb, esc, elen))
            return TP_E_NOMEM;
        start = i + 1;
    }
    if (tp_strbuf_add(sb, s + start, n - start) || tp_strbuf_addc(sb, '"'))
        return TP_E_NOMEM;
    return TP_OK;
}

int dsj_json_cstring(struct tp_strbuf *sb, const char *s)
{
    return dsj_json_string(sb, s ? s : "", s ? strlen(s) : 0);
}

/* ^YYYY-MM-DDThh:mm:ss(\.[0-9]+)?((\+|-)hh:mm|Z)?$ with the schema's digit ranges */
bool dsj_valid_datetime(const char *s)
{
    unsigned y, mo, d, h, mi, se;
    size_t n = strlen(s), i;
    if (n < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        !dsj_digits(s, 4, &y) || !dsj_digits(s + 5, 2, &mo) || !dsj_digits(s + 8, 2, &d) ||
        !dsj_digits(s + 11, 2, &h) || !dsj_digits(s + 14, 2, &mi) || !dsj_digits(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return false;
    i = 19;
    if (s[i] == '.') {
        size_t j = ++i;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == j)
            return false;
    }
    if (s[i] == 'Z')
        return s[i + 1] == '\0';
    if (s[i] == '+' || s[i] == '-') {
        unsigned th, tm;
        if (n - i != 6 || s[i + 3] != ':' || !dsj_digits(s + i + 1, 2, &th) ||
            !dsj_digits(s + i + 4, 2, &tm) || th > 23 || tm > 59)
            return false;
        return true;
    }
    return s[i] == '\0';
}

int dsj_probe_json(const unsigned char *head, size_t n)
{
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i >= n || head[i] != '{')
        return 0;
    /* the first attribute is datasetJSONCreationDateTime when the spec's order is kept */
    for (size_t j = i; j + 11 <= n; j++)
        if (memcmp(head + j, "datasetJSON", 11) == 0)
            return 60;
    return 20;
}

int dsj_probe_dsjc(const unsigned char *head, size_t n)
{
    if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        return 40; /* gzip: CDISC's example .dsjc files; the extension decides */
    if (n >= 2 && (head[0] & 0x0F) == 8 && (head[0] >> 4) <= 7 &&
        ((unsigned)head[0] << 8 | head[1]) % 31 == 0)
        return 55; /* zlib header */
    return 0;
}
