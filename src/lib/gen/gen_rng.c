/*
 * Randomness and calendar arithmetic for the generator (study brief §6.5).
 * PRNG: xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64. A stream is keyed by
 * (seed, subject index, stream name): the subject state is SplitMix64(seed ^ subject * golden
 * ratio) and the stream name is hashed (FNV-1a) into it, so subject i's values never depend on how
 * many subjects are generated, and adding a stream never shifts another one.
 * Dates are day numbers since 1970-01-01 (H. Hinnant's days_from_civil algorithms), so no
 * time-zone or locale function is involved.
 */
#include <math.h>
#include <string.h>

#include "gen/gen.h"

uint64_t gen_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static uint64_t rng_fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3u;
    }
    return h;
}

static void rng_from_key(struct gen_rng *r, uint64_t key)
{
    uint64_t x = key;
    for (int i = 0; i < 4; i++)
        r->s[i] = gen_splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

void gen_rng_init(struct gen_rng *r, uint64_t seed, uint64_t subject, const char *name)
{
    uint64_t x = seed ^ (subject * 0x9E3779B97F4A7C15u);
    uint64_t subject_state = gen_splitmix64(&x);
    uint64_t y = subject_state ^ rng_fnv(name);
    rng_from_key(r, gen_splitmix64(&y));
}

void gen_rng_fork(struct gen_rng *child, const struct gen_rng *parent, uint64_t k)
{
    uint64_t x = parent->s[0] ^ (parent->s[3] << 1) ^ (k * 0xD1B54A32D192ED03u);
    rng_from_key(child, gen_splitmix64(&x));
}

static inline uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t gen_next(struct gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

double gen_unif(struct gen_rng *r)
{
    return (double)(gen_next(r) >> 11) * 0x1.0p-53;
}

long gen_int(struct gen_rng *r, long lo, long hi)
{
    uint64_t span, lim, x;
    if (hi <= lo)
        return lo;
    span = (uint64_t)(hi - lo) + 1;
    lim = UINT64_MAX - UINT64_MAX % span; /* reject to avoid modulo bias */
    do {
        x = gen_next(r);
    } while (x >= lim);
    return lo + (long)(x % span);
}

bool gen_chance(struct gen_rng *r, double p)
{
    if (p <= 0)
        return false;
    return gen_unif(r) < p;
}

double gen_normal(struct gen_rng *r)
{
    double u, v, s;
    do {
        u = 2 * gen_unif(r) - 1;
        v = 2 * gen_unif(r) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * sqrt(-2 * log(s) / s);
}

double gen_normal_ms(struct gen_rng *r, double mean, double sd)
{
    return mean + sd * gen_normal(r);
}

double gen_expo(struct gen_rng *r, double mean)
{
    return -mean * log(1 - gen_unif(r));
}

long gen_poisson(struct gen_rng *r, double lambda)
{
    double l, p = 1;
    long k = 0;
    if (lambda <= 0)
        return 0;
    if (lambda > 50)
        return gen_round(gen_clamp(gen_normal_ms(r, lambda, sqrt(lambda)), 0, 10 * lambda));
    l = exp(-lambda);
    do {
        k++;
        p *= gen_unif(r);
    } while (p > l);
    return k - 1;
}

size_t gen_pick(struct gen_rng *r, const double *w, size_t n)
{
    double sum = 0, u;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    u = gen_unif(r) * sum;
    for (size_t i = 0; i < n; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return n ? n - 1 : 0;
}

void gen_shuffle(struct gen_rng *r, int *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gen_int(r, 0, (long)i - 1);
        int t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

double gen_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

long gen_round(double v)
{
    return (long)(v < 0 ? -floor(-v + 0.5) : floor(v + 0.5));
}

/* ---- calendar ---- */

long gen_days(int y, int m, int d)
{
    long yy = y - (m <= 2);
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void gen_civil(long z, int *y, int *m, int *d)
{
    long era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int gen_weekday(long days)
{
    /* 1970-01-01 was a Thursday (3 with Monday = 0) */
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

bool gen_parse_iso_date(const char *s, long *days)
{
    int y, m, d, dm;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12)
        return false;
    dm = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d < 1 || d > dm)
        return false;
    *days = gen_days(y, m, d);
    return true;
}
