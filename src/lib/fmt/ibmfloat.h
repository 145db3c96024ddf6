/*
 * IBM System/360 hexadecimal floating point <-> IEEE 754 double, as SAS XPORT stores numbers
 * (SAS TS-140, "Numeric data fields"; docs/standards.md section 1.10).
 *
 * Layout of the 8 big-endian bytes: bit 63 sign, bits 62..56 exponent E (excess 64, base 16),
 * bits 55..0 fraction F. Value = (-1)^s * F/2^56 * 16^(E-64).
 *
 * Encoding is exact for every normal double in [2^-260, 2^252) because the 53-bit significand
 * shifted by 0..3 bits fits the 56-bit fraction. Decoding is correctly rounded (the 56-bit fraction
 * is converted to double once, round-to-nearest-even) and exact for every value that came from a
 * double. The hot paths are static inline so that the XPT row loops can inline them; ibmfloat.c
 * holds the out-of-line copies used by the tests.
 */
#ifndef TP_FMT_IBMFLOAT_H
#define TP_FMT_IBMFLOAT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Result of ibm_encode. */
enum ibm_status {
    IBM_OK = 0,        /* exact */
    IBM_UNDERFLOW = 1, /* |x| < 2^-260 or subnormal: zero written (as TS-140 does) */
    IBM_OVERFLOW = 2,  /* |x| >= 2^252 or infinite: nothing representable, bytes unspecified */
    IBM_NAN = 3        /* not a number: the caller writes a SAS missing value instead */
};

/* The largest double that IBM holds: 2^252 - 2^199 (IBM max is (1 - 2^-56) * 2^252). */
#define IBM_MAX_DOUBLE 7.2370055773322614e+75

/* Encode x into out[0..7]. ±0 gives eight 0x00 bytes (never 0x80: ReadStat reads that as NaN). */
static inline int ibm_encode(double x, unsigned char out[8])
{
    uint64_t bits, m, f;
    int eb, e, r, q, exp16;
    unsigned s;
    memcpy(&bits, &x, sizeof bits);
    s = (unsigned)(bits >> 63);
    eb = (int)((bits >> 52) & 0x7ffu);
    m = bits & ((UINT64_C(1) << 52) - 1);
    if (eb == 0) { /* ±0 or subnormal (< 2^-1022, far below 2^-260) */
        memset(out, 0, 8);
        return m ? IBM_UNDERFLOW : IBM_OK;
    }
    if (eb == 0x7ff)
        return m ? IBM_NAN : IBM_OVERFLOW;
    e = eb - 1023;   /* x = 1.m * 2^e */
    r = e & 3;       /* e = 4q + r, 0 <= r <= 3 (two's complement: floor semantics) */
    q = (e - r) / 4; /* exact division */
    exp16 = q + 65;  /* F/2^56 * 16^(exp16-64) with F = (2^52|m) << r */
    if (exp16 < 0) {
        memset(out, 0, 8);
        return IBM_UNDERFLOW;
    }
    if (exp16 > 127)
        return IBM_OVERFLOW;
    f = ((UINT64_C(1) << 52) | m) << r;
    out[0] = (unsigned char)((s << 7) | (unsigned)exp16);
    out[1] = (unsigned char)(f >> 48);
    out[2] = (unsigned char)(f >> 40);
    out[3] = (unsigned char)(f >> 32);
    out[4] = (unsigned char)(f >> 24);
    out[5] = (unsigned char)(f >> 16);
    out[6] = (unsigned char)(f >> 8);
    out[7] = (unsigned char)f;
    return IBM_OK;
}

/*
 * Decode 8 bytes (callers zero-fill truncated lengths). The caller tests for SAS missing values
 * first. F == 0 gives +0.0 whatever the sign and exponent (never -0). Unnormalised input is fine.
 */
static inline double ibm_decode(const unsigned char in[8])
{
    uint64_t f = ((uint64_t)in[1] << 48) | ((uint64_t)in[2] << 40) | ((uint64_t)in[3] << 32) |
                 ((uint64_t)in[4] << 24) | ((uint64_t)in[5] << 16) | ((uint64_t)in[6] << 8) |
                 (uint64_t)in[7];
    int e2;
    uint64_t pbits;
    double scale, v;
    if (f == 0)
        return 0.0;
    /* value = F * 2^(4(E-64) - 56): the exponent is in [-312, 196], so the scale is a normal
       power of two and the product is exact; the only rounding is the int64 -> double conversion */
    e2 = 4 * ((int)(in[0] & 0x7f) - 64) - 56;
    pbits = (uint64_t)(e2 + 1023) << 52;
    memcpy(&scale, &pbits, sizeof scale);
    v = (double)(int64_t)f * scale;
    return (in[0] & 0x80) ? -v : v;
}

/* Whether the first n bytes (n >= 1) are a SAS missing value: byte 0 is '.', 'A'..'Z' or '_' and
   every other byte is 0x00. Returns the missing kind character, or 0 for a number. */
static inline char ibm_missing_kind(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c != '.' && c != '_' && (c < 'A' || c > 'Z'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (p[i])
            return 0;
    return (char)c;
}

/* Out-of-line copies (ibmfloat.c), for tests and callers outside the row loops. */
int xpt_ibm_encode(double x, unsigned char out[8]);
double xpt_ibm_decode(const unsigned char in[8]);
/* Decode the first n (1..8) bytes, zero-filling the rest. */
double xpt_ibm_decode_n(const unsigned char *in, size_t n);

#endif
