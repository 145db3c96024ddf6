/*
 * Small helpers for the rules module's own data files: an RFC 4180 CSV reader for the catalogue
 * and the standards tables (a few thousand rows, read whole), whole-file reading with a size cap,
 * SHA-256 (FIPS 180-4) for the catalogue identity line, and ','-separated parameter lists.
 */
#include "rules.h"

#include <errno.h>

int rules_read_file(const char *path, char **data, size_t *n, size_t max, struct tp_error *err)
{
    struct tp_loc loc;
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    tp_loc_init(&loc);
    tp_loc_set_path(&loc, path);
    *data = NULL;
    *n = 0;
    f = fopen(path, "rb");
    if (!f)
        return tp_fail_at(err, TP_E_IO, &loc, "cannot open '%s': %s", path, strerror(errno));
    for (;;) {
        size_t got;
        if (len + 65536 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 131072;
            char *nb;
            if (ncap > max + 65536 + 1) {
                if (len > max) {
                    fclose(f);
                    tp_free(buf);
                    return tp_fail_at(err, TP_E_LIMIT, &loc, "'%s' is larger than %zu bytes", path,
                                      max);
                }
                ncap = max + 65536 + 1;
            }
            nb = tp_realloc(buf, ncap);
            if (!nb) {
                fclose(f);
                tp_free(buf);
                return tp_fail(err, TP_E_NOMEM, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
        if (len > max) {
            fclose(f);
            tp_free(buf);
            return tp_fail_at(err, TP_E_LIMIT, &loc, "'%s' is larger than %zu bytes", path, max);
        }
    }
    if (ferror(f)) {
        fclose(f);
        tp_free(buf);
        return tp_fail_at(err, TP_E_IO, &loc, "cannot read '%s'", path);
    }
    fclose(f);
    if (!buf && !(buf = tp_malloc(1)))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    buf[len] = '\0';
    *data = buf;
    *n = len;
    return TP_OK;
}

/* ---- CSV ---- */

int rules_csv_parse(const char *text, size_t n, const char *path, struct rules_csv *out,
                    struct tp_error *err)
{
    /* two passes over a private copy: cells are rewritten in place (quotes removed) */
    char *buf, *w;
    char **cells = NULL;
    size_t ncells = 0, cap = 0, ncols = 0, rowcells = 0;
    size_t i = 0;
    long line = 1;
    struct tp_loc loc;
    memset(out, 0, sizeof *out);
    tp_loc_init(&loc);
    tp_loc_set_path(&loc, path);
    buf = tp_malloc(n + 1);
    if (!buf)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (n >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        i = 3;
    w = buf;
    while (i < n) {
        char *cell = w;
        bool eol = false;
        if (text[i] == '"') {
            i++;
            for (;;) {
                if (i >= n) {
                    loc.line = line;
                    tp_free(buf);
                    tp_free(cells);
                    return tp_fail_at(err, TP_E_PARSE, &loc, "unterminated quoted field");
                }
                if (text[i] == '"') {
                    if (i + 1 < n && text[i + 1] == '"') {
                        *w++ = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (text[i] == '\n')
                    line++;
                *w++ = text[i++];
            }
        }
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
            *w++ = text[i++];
        if (i < n && text[i] == '\r')
            i++;
        if (i >= n || text[i] == '\n') {
            eol = true;
            line++;
        }
        i++;
        *w++ = '\0';
        if (tp_grow((void **)&cells, &cap, ncells + 1, sizeof *cells)) {
            tp_free(buf);
            tp_free(cells);
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        }
        cells[ncells++] = cell;
        rowcells++;
        if (eol) {
            if (rowcells == 1 && cell[0] == '\0') {
                /* blank line */
                ncells--;
            } else if (ncols == 0) {
                ncols = rowcells;
            } else if (rowcells != ncols) {
                loc.line = line - 1;
                tp_free(buf);
                tp_free(cells);
                return tp_fail_at(err, TP_E_PARSE, &loc, "row has %zu fields, header has %zu",
                                  rowcells, ncols);
            }
            rowcells = 0;
        }
    }
    if (ncols == 0) {
        tp_free(buf);
        tp_free(cells);
        return tp_fail_at(err, TP_E_PARSE, &loc, "empty table");
    }
    out->buf = buf;
    out->header = cells;
    out->cells = cells + ncols;
    out->ncols = ncols;
    out->nrows = ncells / ncols - 1;
    return TP_OK;
}

void rules_csv_release(struct rules_csv *c)
{
    tp_free(c->header);
    tp_free(c->buf);
    memset(c, 0, sizeof *c);
}

long rules_csv_col(const struct rules_csv *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (strcasecmp(c->header[i], name) == 0)
            return (long)i;
    return -1;
}

/* ---- lists ---- */

int rules_list_split(const char *text, char sep, struct rules_list *out)
{
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return TP_OK;
    for (const char *p = text;;) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (tp_grow((void **)&out->v, &cap, out->n + 1, sizeof *out->v))
            return TP_E_NOMEM;
        if (!(out->v[out->n] = tp_strndup(p, len)))
            return TP_E_NOMEM;
        out->n++;
        if (!e)
            break;
        p = e + 1;
    }
    return TP_OK;
}

void rules_list_release(struct rules_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        tp_free(l->v[i]);
    tp_free(l->v);
    memset(l, 0, sizeof *l);
}

bool rules_list_has(const struct rules_list *l, const char *s, size_t n, bool nocase)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t k = strlen(l->v[i]);
        if (k == n && (nocase ? strncasecmp(l->v[i], s, n) == 0 : memcmp(l->v[i], s, n) == 0))
            return true;
    }
    return false;
}

/* ---- SHA-256 ---- */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define SHA_ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, hh;
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = SHA_ROR(w[i - 15], 7) ^ SHA_ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = SHA_ROR(w[i - 2], 17) ^ SHA_ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t s1 = SHA_ROR(e, 6) ^ SHA_ROR(e, 11) ^ SHA_ROR(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + s1 + ch + sha_k[i] + w[i];
        uint32_t s0 = SHA_ROR(a, 2) ^ SHA_ROR(a, 13) ^ SHA_ROR(a, 22);
        uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = s0 + mj;
        hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void rules_sha256_hex(const void *data, size_t n, char out[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    unsigned char tail[128];
    size_t full = n / 64 * 64, rest = n - full, tn;
    uint64_t bits = (uint64_t)n * 8;
    for (size_t i = 0; i < full; i += 64)
        sha_block(h, p + i);
    memset(tail, 0, sizeof tail);
    if (rest)
        memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    tn = rest + 1 + 8 <= 64 ? 64 : 128;
    for (int i = 0; i < 8; i++)
        tail[tn - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha_block(h, tail);
    if (tn == 128)
        sha_block(h, tail + 64);
    for (int i = 0; i < 8; i++)
        snprintf(out + 8 * i, 9, "%08x", h[i]);
}
