/*
 * IBM System/360 hexadecimal floating point <-> IEEE double (src/lib/fmt/ibmfloat.[ch]):
 * the worked values and edge cases of docs/standards.md section 1.10, truncated lengths, and a
 * million random doubles round-tripping exactly.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt/ibmfloat.h"

static void expect_bytes(double x, int want_status, const char *hex)
{
    unsigned char got[8], want[8];
    int st;
    memset(got, 0xAA, sizeof got);
    for (int i = 0; i < 8; i++) {
        unsigned v;
        sscanf(hex + 3 * i, "%2x", &v);
        want[i] = (unsigned char)v;
    }
    st = xpt_ibm_encode(x, got);
    cr_assert_eq(st, want_status, "encode(%a): status %d, want %d", x, st, want_status);
    cr_assert(memcmp(got, want, 8) == 0,
              "encode(%a) = %02X %02X %02X %02X %02X %02X %02X %02X, want %s", x, got[0], got[1],
              got[2], got[3], got[4], got[5], got[6], got[7], hex);
}

static double bits_double(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static double from_hex(const char *hex)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) {
        unsigned v;
        sscanf(hex + 3 * i, "%2x", &v);
        b[i] = (unsigned char)v;
    }
    return xpt_ibm_decode(b);
}

Test(ibmfloat, worked_values_from_standards)
{
    expect_bytes(1.0, IBM_OK, "41 10 00 00 00 00 00 00");
    expect_bytes(-7.0, IBM_OK, "C1 70 00 00 00 00 00 00");
    expect_bytes(63.0, IBM_OK, "42 3F 00 00 00 00 00 00");
    expect_bytes(0.1, IBM_OK, "40 19 99 99 99 99 99 9A");
    expect_bytes(19725.0, IBM_OK, "44 4D 0D 00 00 00 00 00");
    expect_bytes(147.3, IBM_OK, "42 93 4C CC CC CC CC D0");
    cr_assert_eq(from_hex("42 3F 00 00 00 00 00 00"), 63.0);
    cr_assert_eq(from_hex("C1 70 00 00 00 00 00 00"), -7.0);
    cr_assert_eq(from_hex("44 4D 0D 00 00 00 00 00"), 19725.0);
    cr_assert_eq(from_hex("42 93 4C CC CC CC CC D0"), 147.3);
    cr_assert_eq(from_hex("40 19 99 99 99 99 99 9A"), 0.1);
}

Test(ibmfloat, zeros_are_eight_zero_bytes)
{
    expect_bytes(0.0, IBM_OK, "00 00 00 00 00 00 00 00");
    expect_bytes(-0.0, IBM_OK, "00 00 00 00 00 00 00 00"); /* never 80 00 ... */
}

Test(ibmfloat, zero_fraction_decodes_to_plus_zero)
{
    const char *zeros[] = {"00 00 00 00 00 00 00 00", "80 00 00 00 00 00 00 00",
                           "41 00 00 00 00 00 00 00", "C1 00 00 00 00 00 00 00",
                           "7F 00 00 00 00 00 00 00"};
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++) {
        double d = from_hex(zeros[i]);
        cr_assert_eq(d, 0.0, "%s", zeros[i]);
        cr_assert(!signbit(d), "%s decodes to -0", zeros[i]);
    }
}

Test(ibmfloat, underflow_below_2_pow_minus_260)
{
    double tiny = ldexp(1.0, -260);
    expect_bytes(tiny, IBM_OK, "00 10 00 00 00 00 00 00");
    cr_assert_eq(from_hex("00 10 00 00 00 00 00 00"), tiny);
    expect_bytes(-tiny, IBM_OK, "80 10 00 00 00 00 00 00");
    expect_bytes(nextafter(tiny, 0), IBM_UNDERFLOW, "00 00 00 00 00 00 00 00");
    expect_bytes(-nextafter(tiny, 0), IBM_UNDERFLOW, "00 00 00 00 00 00 00 00");
    expect_bytes(1e-300, IBM_UNDERFLOW, "00 00 00 00 00 00 00 00");
    expect_bytes(bits_double(1), IBM_UNDERFLOW, "00 00 00 00 00 00 00 00"); /* subnormal */
    expect_bytes(bits_double(0x000FFFFFFFFFFFFFull), IBM_UNDERFLOW, "00 00 00 00 00 00 00 00");
    {
        unsigned char b[8];
        cr_assert_eq(xpt_ibm_encode(5.4e-79, b), IBM_OK);
        cr_assert_eq(b[0], 0x00);
        cr_assert_eq(xpt_ibm_decode(b), 5.4e-79);
    }
}

Test(ibmfloat, exact_up_to_the_ibm_maximum)
{
    /* 2^249 .. 2^252: exponent 127, exact (TS-140's sample code calls these overflow) */
    double vals[] = {1e75, 7.2e75, ldexp(1.0, 249), ldexp(1.0, 251), 9.0e74};
    double max = ldexp(1.0, 252) - ldexp(1.0, 199);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        unsigned char b[8];
        cr_assert_eq(xpt_ibm_encode(vals[i], b), IBM_OK, "%g", vals[i]);
        cr_assert_eq(b[0], 0x7F, "%g: exponent byte %02X", vals[i], b[0]);
        cr_assert_eq(xpt_ibm_decode(b), vals[i], "%g", vals[i]);
        cr_assert_eq(xpt_ibm_encode(-vals[i], b), IBM_OK);
        cr_assert_eq(b[0], 0xFF);
        cr_assert_eq(xpt_ibm_decode(b), -vals[i]);
    }
    expect_bytes(max, IBM_OK, "7F FF FF FF FF FF FF F8");
    cr_assert_eq(max, IBM_MAX_DOUBLE);
    cr_assert_eq(from_hex("7F FF FF FF FF FF FF F8"), max);
}

Test(ibmfloat, overflow_infinity_and_nan)
{
    unsigned char b[8];
    cr_assert_eq(xpt_ibm_encode(ldexp(1.0, 252), b), IBM_OVERFLOW);
    cr_assert_eq(xpt_ibm_encode(-ldexp(1.0, 252), b), IBM_OVERFLOW);
    cr_assert_eq(xpt_ibm_encode(1e300, b), IBM_OVERFLOW);
    cr_assert_eq(xpt_ibm_encode(INFINITY, b), IBM_OVERFLOW);
    cr_assert_eq(xpt_ibm_encode(-INFINITY, b), IBM_OVERFLOW);
    cr_assert_eq(xpt_ibm_encode(NAN, b), IBM_NAN);
    cr_assert_eq(xpt_ibm_encode(-NAN, b), IBM_NAN);
}

Test(ibmfloat, decode_rounds_56_bit_fractions_to_nearest_even)
{
    /* all 56 bits set: rounds up to exactly 1.0 */
    cr_assert_eq(from_hex("40 FF FF FF FF FF FF FF"), 1.0);
    /* 2^55 + 4 is halfway between 2^55 and 2^55 + 8: ties to even (down) */
    cr_assert_eq(from_hex("40 80 00 00 00 00 00 04"), 0.5);
    /* 2^55 + 12 is halfway between 2^55 + 8 and 2^55 + 16: ties to even (up) */
    cr_assert_eq(from_hex("40 80 00 00 00 00 00 0C"), 0.5 + ldexp(1.0, -52));
    /* just above a half: up */
    cr_assert_eq(from_hex("40 80 00 00 00 00 00 05"), 0.5 + ldexp(1.0, -53));
    /* unnormalised input: 0x01/256 * 16 */
    cr_assert_eq(from_hex("41 01 00 00 00 00 00 00"), 0.0625);
    cr_assert_eq(from_hex("41 00 00 00 00 00 00 01"), ldexp(1.0, -52));
}

Test(ibmfloat, truncated_lengths_keep_leading_bytes)
{
    /* standards.md: 0.1 with L=3 reads 0.0999908...; 123456.789 with L=3 reads 123456 */
    unsigned char b[8];
    xpt_ibm_encode(0.1, b);
    cr_assert_eq(xpt_ibm_decode_n(b, 3), 0.0999908447265625);
    xpt_ibm_encode(123456.789, b);
    cr_assert_eq(xpt_ibm_decode_n(b, 3), 123456.0);
    for (size_t len = 3; len <= 7; len++) {
        /* every integer below 2^(8(L-1)-3) survives length L exactly */
        double lim = ldexp(1.0, (int)(8 * (len - 1) - 3));
        double vals[] = {1.0, -7.0, 63.0, 19725.0, lim - 1, -(lim - 1)};
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            xpt_ibm_encode(vals[i], b);
            cr_assert_eq(xpt_ibm_decode_n(b, len), vals[i], "L=%zu %g", len, vals[i]);
        }
        /* and a fraction is truncated toward zero, never rounded up */
        xpt_ibm_encode(147.3, b);
        cr_assert(xpt_ibm_decode_n(b, len) <= 147.3, "L=%zu", len);
        cr_assert(xpt_ibm_decode_n(b, len) > 147.3 - ldexp(147.3, -(int)(8 * (len - 1) - 4)),
                  "L=%zu", len);
        xpt_ibm_encode(-147.3, b);
        cr_assert(xpt_ibm_decode_n(b, len) >= -147.3, "L=%zu", len);
    }
    /* length 2: one fraction byte: integers up to 256 survive, the rest is cut */
    xpt_ibm_encode(100.0, b);
    cr_assert_eq(xpt_ibm_decode_n(b, 2), 100.0);
    xpt_ibm_encode(255.0, b);
    cr_assert_eq(xpt_ibm_decode_n(b, 2), 255.0);
    xpt_ibm_encode(100.5, b);
    cr_assert_eq(xpt_ibm_decode_n(b, 2), 100.0);
    xpt_ibm_encode(1000.0, b);
    cr_assert_eq(xpt_ibm_decode_n(b, 2), 992.0); /* 0x3E8 -> 0x3E0 */
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

Test(ibmfloat, million_random_doubles_round_trip_exactly)
{
    size_t exact = 0, under = 0, over = 0;
    for (size_t i = 0; i < 1200000; i++) {
        uint64_t bits = rng();
        double x;
        unsigned char b[8];
        int st;
        if (i % 10 != 0) /* nine draws in ten inside the representable range */
            bits = (bits & 0x800FFFFFFFFFFFFFull) |
                   ((uint64_t)(1023 - 260 + (int)(rng() % 512)) << 52);
        x = bits_double(bits);
        st = xpt_ibm_encode(x, b);
        if (isnan(x)) {
            cr_assert_eq(st, IBM_NAN);
            continue;
        }
        if (fabs(x) >= ldexp(1.0, 252)) {
            cr_assert_eq(st, IBM_OVERFLOW, "%a", x);
            over++;
            continue;
        }
        if (fabs(x) < ldexp(1.0, -260)) {
            cr_assert_eq(st, x == 0 ? IBM_OK : IBM_UNDERFLOW, "%a", x);
            cr_assert_eq(xpt_ibm_decode(b), 0.0);
            under++;
            continue;
        }
        cr_assert_eq(st, IBM_OK, "%a", x);
        cr_assert((b[1] >> 4) != 0, "not normalised: %a", x);
        if (xpt_ibm_decode(b) != x)
            cr_assert_fail("%a does not round-trip: got %a", x, xpt_ibm_decode(b));
        exact++;
    }
    cr_assert_geq(exact, 1000000, "only %zu exact round trips", exact);
    cr_assert_gt(under, 0);
    cr_assert_gt(over, 0);
}

Test(ibmfloat, missing_patterns)
{
    unsigned char dot[8] = {0x2E, 0, 0, 0, 0, 0, 0, 0};
    unsigned char a[8] = {'A', 0, 0, 0, 0, 0, 0, 0};
    unsigned char z[3] = {'Z', 0, 0};
    unsigned char us[8] = {'_', 0, 0, 0, 0, 0, 0, 0};
    unsigned char num[8] = {0x41, 0x10, 0, 0, 0, 0, 0, 0};
    unsigned char notmiss[8] = {0x2E, 0, 0, 0, 0, 0, 0, 1};
    cr_assert_eq(ibm_missing_kind(dot, 8), '.');
    cr_assert_eq(ibm_missing_kind(a, 8), 'A');
    cr_assert_eq(ibm_missing_kind(z, 3), 'Z');
    cr_assert_eq(ibm_missing_kind(us, 8), '_');
    cr_assert_eq(ibm_missing_kind(num, 8), 0);
    cr_assert_eq(ibm_missing_kind(notmiss, 8), 0);
}
