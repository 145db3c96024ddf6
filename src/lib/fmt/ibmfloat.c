/*
 * IBM System/360 hexadecimal floating point <-> IEEE 754 double (SAS TS-140, "Numeric data
 * fields"). The algorithms live in ibmfloat.h as static inline functions so that the XPT row
 * loops inline them; these are the out-of-line copies for the unit tests and other callers.
 */
#include <config.h>

#include "ibmfloat.h"

int xpt_ibm_encode(double x, unsigned char out[8])
{
    return ibm_encode(x, out);
}

double xpt_ibm_decode(const unsigned char in[8])
{
    return ibm_decode(in);
}

double xpt_ibm_decode_n(const unsigned char *in, size_t n)
{
    unsigned char b[8] = {0};
    if (n > 8)
        n = 8;
    memcpy(b, in, n);
    return ibm_decode(b);
}
