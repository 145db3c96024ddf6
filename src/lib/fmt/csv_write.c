/*
 * CSV writer (RFC 4180): a header row of variable names, then one line per row.
 *
 * A field is quoted only when it has to be: it holds the delimiter, a quote, CR or LF, or starts
 * or ends with a space or tab (many readers trim those); quotes inside are doubled. Numbers are
 * written as the shortest text that reads back to the same double (tp_format_double, never "-0"),
 * with a fast path for integers and short decimals; the ordinary missing value is an empty field,
 * special missing values are ".A"-".Z" and "._"; non-finite values are written as missing.
 * Character values are written byte for byte. When the dataset has a single variable an empty
 * field is written as "" so that the line is not blank (readers skip blank lines).
 * Options: "csv.delimiter" (default ',', or tab for a ".tsv" output), "csv.crlf"="1" for CRLF
 * line ends (default LF). The output is a pure function of the dataset and the options.
 */
#include <config.h>

#include <math.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "model/dataset_bulk.h"

#define CSVW_FLUSH ((size_t)256 << 10)

struct csv_writer {
    struct tp_sink *sink;
    char delim;
    bool crlf;
    size_t ncols;
    unsigned char *types;
    char *out;
    size_t len, cap;
    /* the batch being written, a column view each (dataset_bulk.h) */
    struct csvw_col {
        const double *num;
        const char *miss;
        const char *arena;
        const size_t *off, *len;
    } *cols;
};

static const double csvw_pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};

static size_t csvw_digits(uint64_t u, char *tmp)
{
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return n; /* reversed */
}

/* Append u with k decimals (trailing zeros of the decimals dropped) after an optional '-'. */
static size_t csvw_fixed(bool neg, uint64_t m, int k, char *buf)
{
    char tmp[24];
    size_t n, o = 0;
    while (k > 0 && m % 10 == 0) {
        m /= 10;
        k--;
    }
    n = csvw_digits(m, tmp);
    if (neg)
        buf[o++] = '-';
    if (k == 0) {
        while (n)
            buf[o++] = tmp[--n];
    } else if (n <= (size_t)k) {
        buf[o++] = '0';
        buf[o++] = '.';
        for (size_t z = n; z < (size_t)k; z++)
            buf[o++] = '0';
        while (n)
            buf[o++] = tmp[--n];
    } else {
        while (n > (size_t)k)
            buf[o++] = tmp[--n];
        buf[o++] = '.';
        while (n)
            buf[o++] = tmp[--n];
    }
    buf[o] = '\0';
    return o;
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 csvw_u128;

static const double csvw_pow10d[] = {1e-4, 1e-3, 1e-2, 1e-1, 1e0,  1e1,  1e2,  1e3,  1e4, 1e5,
                                     1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14};

static csvw_u128 csvw_p10(int k)
{
    csvw_u128 r = 1;
    static const uint64_t small[] = {1u,
                                     10u,
                                     100u,
                                     1000u,
                                     10000u,
                                     100000u,
                                     1000000u,
                                     10000000u,
                                     100000000u,
                                     1000000000u,
                                     10000000000u,
                                     100000000000u,
                                     1000000000000u,
                                     10000000000000u,
                                     100000000000000u,
                                     1000000000000000u,
                                     10000000000000000u,
                                     100000000000000000u,
                                     1000000000000000000u};
    if (k <= 18)
        return small[k];
    r = small[18];
    for (int i = 18; i < k; i++)
        r *= 10;
    return r;
}

/*
 * What tp_format_double gives for 1e-4 <= |d| < 1e15, computed exactly with 128-bit integers
 * instead of printf and strtod: for P = 15, 16, 17 significant digits, q = d * 10^k rounded to
 * nearest (ties to even, as glibc's printf) and accept q / 10^k when it reads back to d, i.e. lies
 * within half an ulp of d (on the boundary only when d's mantissa is even, as strtod rounds).
 * Returns 0 when unsure (a power-of-two mantissa, whose lower neighbour is closer; a digit count
 * that does not match the decade estimate), and the caller falls back to tp_format_double.
 */
static size_t csvw_exact(double d, char *buf)
{
    uint64_t bits, mant;
    int e, x = 14;
    double a = fabs(d);
    memcpy(&bits, &d, sizeof bits);
    mant = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    e = (int)((bits >> 52) & 0x7FF) - 1075;
    if (mant == UINT64_C(1) << 52 || e >= 0 || e < -70)
        return 0;
    while (x > -4 && a < csvw_pow10d[x + 4])
        x--;
    for (int p = 15; p <= 17; p++) {
        int k = p - 1 - x, sh = -e;
        csvw_u128 n, q, rem, half, lo = csvw_p10(p - 1), hi = csvw_p10(p);
        if (k < 0 || k > 20)
            return 0;
        n = (csvw_u128)mant * csvw_p10(k);
        q = n >> sh;
        rem = n - (q << sh);
        half = (csvw_u128)1 << (sh - 1);
        if (rem > half || (rem == half && (q & 1)))
            q++;
        if (q < lo || q >= hi)
            return 0;
        if (p < 17) {
            csvw_u128 qs = q << sh, diff = qs > n ? qs - n : n - qs, lim = csvw_p10(k);
            if (!(2 * diff < lim || (2 * diff == lim && !(mant & 1))))
                continue;
        }
        return csvw_fixed(d < 0, (uint64_t)q, k, buf);
    }
    return 0;
}
#endif

/*
 * For |d| in [1e-4, 1e15) with an integer m = d * 10^k (k <= 6, |m| < 1e15) such that m / 10^k
 * is d again, the text of m with k decimals reads back to d (strtod and the IEEE division both
 * round the same rational correctly), has at most 15 significant digits and is the nearest such
 * text to d, so it is exactly what tp_format_double's "%.15g" gives: the fast path never changes
 * the output, only its cost.
 */
size_t csv_format_num(double d, char *buf)
{
    double a = fabs(d);
    char tmp[24];
    size_t n, o = 0;
    if (d == 0) {
        buf[0] = '0';
        buf[1] = '\0';
        return 1;
    }
    if (a < 1e15) {
        int64_t iv = (int64_t)d;
        if ((double)iv == d) {
            n = csvw_digits(iv < 0 ? (uint64_t)(-iv) : (uint64_t)iv, tmp);
            if (d < 0)
                buf[o++] = '-';
            while (n)
                buf[o++] = tmp[--n];
            buf[o] = '\0';
            return o;
        }
        if (a >= 1e-4) {
            for (int k = 1; k <= 6; k++) {
                double r = nearbyint(d * csvw_pow10[k]);
                uint64_t m;
                if (fabs(r) >= 1e15)
                    break;
                if (r / csvw_pow10[k] != d)
                    continue;
                m = (uint64_t)fabs(r);
                return csvw_fixed(d < 0, m, k, buf);
            }
#ifdef __SIZEOF_INT128__
            n = csvw_exact(d, buf);
            if (n)
                return n;
#endif
        }
    }
    return tp_format_double(d, buf, 32);
}

static int csvw_flush(struct csv_writer *w, struct tp_error *err)
{
    int rc = TP_OK;
    if (w->len)
        rc = tp_sink_write(w->sink, w->out, w->len, err);
    w->len = 0;
    return rc;
}

/* Room for need more bytes in the output buffer. */
static int csvw_reserve(struct csv_writer *w, size_t need, struct tp_error *err)
{
    if (w->len + need <= w->cap)
        return TP_OK;
    if (w->len >= CSVW_FLUSH) {
        int rc = csvw_flush(w, err);
        if (rc)
            return rc;
        if (need <= w->cap)
            return TP_OK;
    }
    if (need > SIZE_MAX - w->len || tp_grow((void **)&w->out, &w->cap, w->len + need, 1))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    return TP_OK;
}

static uint64_t csvw_haszero(uint64_t v)
{
    return (v - UINT64_C(0x0101010101010101)) & ~v & UINT64_C(0x8080808080808080);
}

static bool csvw_needs_quotes(const char *s, size_t n, char d)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t dm = ones * (unsigned char)d;
    size_t i = 0;
    if (n == 0)
        return false;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return true;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (csvw_haszero(w ^ dm) | csvw_haszero(w ^ (ones * '"')) |
            csvw_haszero(w ^ (ones * '\n')) | csvw_haszero(w ^ (ones * '\r')))
            return true;
    }
    for (; i < n; i++) {
        char c = s[i];
        if (c == d || c == '"' || c == '\n' || c == '\r')
            return true;
    }
    return false;
}

/* Append one text field, quoted when needed or when quote is true. */
static int csvw_text(struct csv_writer *w, const char *s, size_t n, bool quote,
                     struct tp_error *err)
{
    int rc;
    if (!quote && !csvw_needs_quotes(s, n, w->delim)) {
        rc = csvw_reserve(w, n, err);
        if (rc)
            return rc;
        memcpy(w->out + w->len, s, n);
        w->len += n;
        return TP_OK;
    }
    if (n > (SIZE_MAX - 2) / 2)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    rc = csvw_reserve(w, 2 * n + 2, err);
    if (rc)
        return rc;
    w->out[w->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            w->out[w->len++] = '"';
        w->out[w->len++] = s[i];
    }
    w->out[w->len++] = '"';
    return TP_OK;
}

static int csvw_eol(struct csv_writer *w, struct tp_error *err)
{
    int rc = csvw_reserve(w, 2, err);
    if (rc)
        return rc;
    if (w->crlf)
        w->out[w->len++] = '\r';
    w->out[w->len++] = '\n';
    return TP_OK;
}

static bool csvw_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

int csv_write_open(struct tp_sink *sink, const struct tp_dataset *meta, const struct tp_options *o,
                   void **state, struct tp_error *err)
{
    struct csv_writer *w;
    const char *crlf = tp_options_get(o, "csv.crlf");
    char d;
    int rc;
    *state = NULL;
    rc = csv_opt_delimiter(o, &d, err);
    if (rc)
        return rc;
    if (!d)
        d = csvw_ends_with(tp_sink_name(sink), ".tsv") ? '\t' : ',';
    if (tp_dataset_nvars(meta) == 0)
        return tp_fail(err, TP_E_USAGE, "cannot write a CSV file without variables");
    w = tp_calloc(1, sizeof *w);
    if (!w)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    w->sink = sink;
    w->delim = d;
    w->crlf = crlf && (strcmp(crlf, "1") == 0 || strcasecmp(crlf, "true") == 0 ||
                       strcasecmp(crlf, "yes") == 0);
    w->ncols = tp_dataset_nvars(meta);
    w->types = tp_calloc(w->ncols, 1);
    w->cols = tp_calloc(w->ncols, sizeof *w->cols);
    w->cap = CSVW_FLUSH + 4096;
    w->out = tp_malloc(w->cap);
    if (!w->types || !w->cols || !w->out) {
        csv_write_free(w);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < w->ncols && rc == TP_OK; i++) {
        const struct tp_var *v = tp_dataset_var(meta, i);
        w->types[i] = (unsigned char)v->type;
        if (i) {
            rc = csvw_reserve(w, 1, err);
            if (rc == TP_OK)
                w->out[w->len++] = d;
        }
        /* a first name starting with U+FEFF is quoted, or readers take it for a BOM */
        if (rc == TP_OK)
            rc = csvw_text(w, v->name, strlen(v->name),
                           i == 0 && strncmp(v->name, "\xEF\xBB\xBF", 3) == 0, err);
    }
    if (rc == TP_OK)
        rc = csvw_eol(w, err);
    if (rc) {
        csv_write_free(w);
        return rc;
    }
    *state = w;
    return TP_OK;
}

int csv_write_batch(void *state, const struct tp_dataset *batch, struct tp_error *err)
{
    struct csv_writer *w = state;
    size_t nrows = tp_dataset_nrows(batch);
    bool single = w->ncols == 1;
    int rc = TP_OK;
    if (tp_dataset_nvars(batch) != w->ncols)
        return tp_fail(err, TP_E_USAGE, "batch has %zu variables, the CSV header has %zu",
                       tp_dataset_nvars(batch), w->ncols);
    for (size_t i = 0; i < w->ncols; i++) {
        struct csvw_col *k = &w->cols[i];
        if ((unsigned char)tp_dataset_var(batch, i)->type != w->types[i])
            return tp_fail(err, TP_E_USAGE, "variable '%s' changed type between batches",
                           tp_dataset_var(batch, i)->name);
        /* the column arrays once per batch, not a library call per cell */
        if (w->types[i] == TP_NUM)
            tp_dataset_num_view(batch, i, &k->num, &k->miss);
        else
            tp_dataset_str_view(batch, i, &k->arena, &k->off, &k->len);
    }
    for (size_t r = 0; r < nrows && rc == TP_OK; r++) {
        for (size_t c = 0; c < w->ncols; c++) {
            const struct csvw_col *k = &w->cols[c];
            rc = csvw_reserve(w, 40, err);
            if (rc)
                break;
            if (c)
                w->out[w->len++] = w->delim;
            if (w->types[c] == TP_NUM) {
                char miss = k->miss[r];
                double v = k->num[r];
                if (miss == TP_PRESENT && isfinite(v)) {
                    w->len += csv_format_num(v, w->out + w->len);
                } else if (miss != TP_PRESENT && miss != TP_MISSING) {
                    w->out[w->len++] = '.';
                    w->out[w->len++] = miss;
                } else if (single) {
                    w->out[w->len++] = '"';
                    w->out[w->len++] = '"';
                }
            } else {
                size_t n = k->len[r];
                const char *s = n ? k->arena + k->off[r] : "";
                rc = csvw_text(w, s, n, single && n == 0, err);
                if (rc)
                    break;
            }
        }
        if (rc == TP_OK)
            rc = csvw_eol(w, err);
        if (rc == TP_OK && w->len >= CSVW_FLUSH)
            rc = csvw_flush(w, err);
    }
    return rc;
}

int csv_write_finish(void *state, struct tp_error *err)
{
    return csvw_flush(state, err);
}

void csv_write_free(void *state)
{
    struct csv_writer *w = state;
    if (!w)
        return;
    tp_free(w->types);
    tp_free(w->cols);
    tp_free(w->out);
    tp_free(w);
}
