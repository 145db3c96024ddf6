/*
 * ISO 8601 as SDTMIG 3.4 section 4.4 uses it: extended format only, right truncation for partial
 * values ("2003-12", "2003-12-15T13"), one hyphen per missing inner component with the delimiters
 * kept ("2003---15", "--12-15", "-----T07:15", "2003-12-15T-:15"), optional fraction and time
 * zone, intervals "start/end" and "start/duration", "duration/end", and durations
 * PnYnMnDTnHnMnS or PnW with a decimal only in the last component.
 */
#include "rules.h"

#include <ctype.h>

#define H_Y 1u
#define H_MO 2u
#define H_D 4u
#define H_H 8u
#define H_MI 16u
#define H_S 32u

static bool iso_two(const char *s, size_t n, size_t *i, int *v)
{
    if (*i + 2 > n || !isdigit((unsigned char)s[*i]) || !isdigit((unsigned char)s[*i + 1]))
        return false;
    *v = (s[*i] - '0') * 10 + (s[*i + 1] - '0');
    *i += 2;
    return true;
}

static int iso_mdays(int y, int m, bool have_y)
{
    static const int md[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && have_y)
        return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : 28;
    return md[m - 1];
}

/* Parse one component: two digits into *v (bit set) or '-' (missing). */
static bool iso_comp(const char *s, size_t n, size_t *i, int *v, unsigned bit, unsigned *have,
                     unsigned *missing)
{
    if (*i < n && s[*i] == '-') {
        /* a lone '-' stands for the missing component */
        (*i)++;
        *missing |= bit;
        return true;
    }
    if (!iso_two(s, n, i, v))
        return false;
    *have |= bit;
    return true;
}

bool rules_iso_datetime(const char *s, size_t n, struct rules_dt *out)
{
    struct rules_dt dt;
    unsigned missing = 0;
    size_t i = 0;
    unsigned last = 0; /* highest component written (present or missing) */
    memset(&dt, 0, sizeof dt);
    if (n == 0)
        return false;
    /* date part */
    if (s[0] != 'T') {
        if (n >= 4 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
            isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3])) {
            dt.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
            dt.have |= H_Y;
            i = 4;
        } else if (s[0] == '-') {
            missing |= H_Y;
            i = 1;
        } else {
            return false;
        }
        last = H_Y;
        if (i < n && s[i] == '-') {
            i++;
            if (!iso_comp(s, n, &i, &dt.mo, H_MO, &dt.have, &missing))
                return false;
            last = H_MO;
            if (i < n && s[i] == '-') {
                i++;
                if (!iso_comp(s, n, &i, &dt.d, H_D, &dt.have, &missing))
                    return false;
                last = H_D;
            }
        }
    }
    if (i < n && s[i] == 'T') {
        if (last != H_D)
            return false; /* a time needs the full date part (components may be '-') */
        i++;
        if (!iso_comp(s, n, &i, &dt.h, H_H, &dt.have, &missing))
            return false;
        last = H_H;
        if (i < n && s[i] == ':') {
            i++;
            if (!iso_comp(s, n, &i, &dt.mi, H_MI, &dt.have, &missing))
                return false;
            last = H_MI;
            if (i < n && s[i] == ':') {
                int sec;
                i++;
                if (!iso_comp(s, n, &i, &sec, H_S, &dt.have, &missing))
                    return false;
                last = H_S;
                dt.s = sec;
                if ((dt.have & H_S) && i < n && s[i] == '.') {
                    double f = 0.1;
                    i++;
                    if (i >= n || !isdigit((unsigned char)s[i]))
                        return false;
                    while (i < n && isdigit((unsigned char)s[i])) {
                        dt.s += (s[i] - '0') * f;
                        f /= 10;
                        i++;
                    }
                }
            }
        }
        /* time zone */
        if (i < n && s[i] == 'Z') {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-') && (dt.have & H_H)) {
            int zh, zm;
            i++;
            if (!iso_two(s, n, &i, &zh) || zh > 14)
                return false;
            if (i < n && s[i] == ':') {
                i++;
                if (!iso_two(s, n, &i, &zm) || zm > 59)
                    return false;
            }
        }
    } else if (last == 0) {
        return false;
    }
    if (i != n)
        return false;
    /* right truncation: the last written component must be present */
    if (missing & last)
        return false;
    if (!dt.have)
        return false;
    if ((dt.have & H_MO) && (dt.mo < 1 || dt.mo > 12))
        return false;
    if (dt.have & H_D) {
        int mo = (dt.have & H_MO) ? dt.mo : 1;
        if (dt.d < 1 || dt.d > ((dt.have & H_MO) ? iso_mdays(dt.y, mo, dt.have & H_Y) : 31))
            return false;
    }
    if ((dt.have & H_H) && dt.h > 23)
        return false;
    if ((dt.have & H_MI) && dt.mi > 59)
        return false;
    if ((dt.have & H_S) && dt.s >= 60)
        return false;
    dt.gaps = missing != 0;
    if (out)
        *out = dt;
    return true;
}

bool rules_iso_duration(const char *s, size_t n, bool allow_negative)
{
    size_t i = 0;
    bool in_time = false, any = false, weeks = false, decimal_seen = false;
    /* designators in order: date Y M W D, time H M S */
    static const char dord[] = "YMWD", tord[] = "HMS";
    int dpos = -1, tpos = -1;
    if (allow_negative && n && s[0] == '-')
        i++;
    if (i >= n || s[i] != 'P')
        return false;
    i++;
    if (i >= n)
        return false;
    while (i < n) {
        size_t start = i;
        bool dec = false;
        const char *pos;
        if (s[i] == 'T') {
            if (in_time)
                return false;
            in_time = true;
            i++;
            if (i >= n)
                return false; /* T with nothing after it */
            continue;
        }
        if (decimal_seen)
            return false; /* a decimal only in the last component */
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == start)
            return false;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            i++;
            if (i >= n || !isdigit((unsigned char)s[i]))
                return false;
            while (i < n && isdigit((unsigned char)s[i]))
                i++;
            dec = true;
        }
        if (i >= n)
            return false;
        if (in_time) {
            pos = strchr(tord, s[i]);
            if (!pos || s[i] == '\0' || (int)(pos - tord) <= tpos)
                return false;
            tpos = (int)(pos - tord);
        } else {
            pos = strchr(dord, s[i]);
            if (!pos || s[i] == '\0' || (int)(pos - dord) <= dpos)
                return false;
            dpos = (int)(pos - dord);
            if (s[i] == 'W')
                weeks = true;
        }
        if (dec)
            decimal_seen = true;
        any = true;
        i++;
    }
    if (!any)
        return false;
    /* PnW is never combined with other units */
    if (weeks && (dpos != 2 || tpos >= 0 || s[allow_negative && s[0] == '-' ? 2 : 1] == 'T'))
        return false;
    if (weeks) {
        /* only "P<n>W" */
        const char *p = memchr(s, 'W', n);
        size_t k = (size_t)(p - s) + 1;
        if (k != n)
            return false;
        for (size_t j = (s[0] == '-') ? 2 : 1; j + 1 < k; j++)
            if (!isdigit((unsigned char)s[j]) && s[j] != '.' && s[j] != ',')
                return false;
    }
    return true;
}

bool rules_iso_dtc(const char *s, size_t n, bool allow_interval)
{
    const char *slash = memchr(s, '/', n);
    if (!slash)
        return rules_iso_datetime(s, n, NULL);
    if (!allow_interval)
        return false;
    {
        size_t a = (size_t)(slash - s), b = n - a - 1;
        const char *t = slash + 1;
        bool ad, bd, adur, bdur;
        if (memchr(t, '/', b))
            return false;
        ad = a && rules_iso_datetime(s, a, NULL);
        bd = b && rules_iso_datetime(t, b, NULL);
        adur = a && rules_iso_duration(s, a, false);
        bdur = b && rules_iso_duration(t, b, false);
        return (ad && bd) || (ad && bdur) || (adur && bd);
    }
}

/* days from civil (Howard Hinnant's algorithm) */
static long iso_days_from_civil(long y, unsigned m, unsigned d)
{
    long era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

bool rules_iso_days(const char *s, size_t n, long *days)
{
    struct rules_dt dt;
    const char *t = memchr(s, 'T', n);
    size_t dn = t ? (size_t)(t - s) : n;
    if (memchr(s, '/', n))
        return false;
    if (!rules_iso_datetime(s, n, &dt))
        return false;
    if (dn != 10 || (dt.have & (H_Y | H_MO | H_D)) != (H_Y | H_MO | H_D))
        return false;
    *days = iso_days_from_civil(dt.y, (unsigned)dt.mo, (unsigned)dt.d);
    return true;
}

int rules_iso_cmp(const char *a, size_t an, const char *b, size_t bn, bool *comparable)
{
    struct rules_dt x, y;
    double xv[6], yv[6];
    int r = 0;
    *comparable = false;
    if (!rules_iso_datetime(a, an, &x) || !rules_iso_datetime(b, bn, &y))
        return 0;
    xv[0] = x.y, xv[1] = x.mo, xv[2] = x.d, xv[3] = x.h, xv[4] = x.mi, xv[5] = x.s;
    yv[0] = y.y, yv[1] = y.mo, yv[2] = y.d, yv[3] = y.h, yv[4] = y.mi, yv[5] = y.s;
    for (int k = 0; k < 6; k++) {
        unsigned bit = 1u << k;
        if (!(x.have & bit) || !(y.have & bit))
            break;
        *comparable = true;
        if (xv[k] != yv[k]) {
            r = xv[k] < yv[k] ? -1 : 1;
            break;
        }
    }
    return r;
}
