/*
 * Checked allocation. All library allocation goes through here so that overflow is caught in one
 * place and a failure-injection hook can be added later (curl's torture tests, jq's inject_errors.c).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void *tp_malloc(size_t n)
{
    return malloc(n ? n : 1);
}

void *tp_calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return calloc(1, 1);
    return calloc(n, size);
}

void *tp_realloc(void *p, size_t n)
{
    return realloc(p, n ? n : 1);
}

void *tp_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return tp_realloc(p, n * size);
}

char *tp_strndup(const char *s, size_t n)
{
    char *d;
    if (!s)
        return NULL;
    d = tp_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *tp_strdup(const char *s)
{
    return s ? tp_strndup(s, strlen(s)) : NULL;
}

void tp_free(void *p)
{
    free(p);
}

int tp_grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t ncap;
    void *np;
    if (need <= *cap)
        return TP_OK;
    ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return TP_E_NOMEM;
        ncap *= 2;
    }
    np = tp_reallocarray(*p, ncap, size);
    if (!np)
        return TP_E_NOMEM;
    *p = np;
    *cap = ncap;
    return TP_OK;
}
