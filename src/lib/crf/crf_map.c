/*
 * A small string -> index hash map (open addressing, FNV-1a) for OID and name look-ups in the CRF
 * model. Keys are borrowed from the model, which outlives its maps.
 */
#include <config.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "crf/crf.h"

static uint64_t map_hash(const char *s, bool nocase)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        h ^= nocase ? (unsigned char)tolower(c) : c;
        h *= 0x100000001b3u;
    }
    return h;
}

static bool map_eq(const struct crf_map *m, const char *a, const char *b)
{
    return m->nocase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

void crf_map_init(struct crf_map *m, bool nocase)
{
    memset(m, 0, sizeof *m);
    m->nocase = nocase;
}

void crf_map_release(struct crf_map *m)
{
    tp_free(m->keys);
    tp_free(m->vals);
    crf_map_init(m, m->nocase);
}

static int map_resize(struct crf_map *m, size_t ncap)
{
    const char **keys = tp_calloc(ncap, sizeof *keys);
    size_t *vals = tp_calloc(ncap, sizeof *vals);
    if (!keys || !vals) {
        tp_free(keys);
        tp_free(vals);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        size_t j;
        if (!m->keys[i])
            continue;
        j = (size_t)map_hash(m->keys[i], m->nocase) & (ncap - 1);
        while (keys[j])
            j = (j + 1) & (ncap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    tp_free(m->keys);
    tp_free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = ncap;
    return TP_OK;
}

int crf_map_put(struct crf_map *m, const char *key, size_t val, size_t *old)
{
    size_t j;
    if ((m->n + 1) * 2 > m->cap && map_resize(m, m->cap ? m->cap * 2 : 64))
        return TP_E_NOMEM;
    j = (size_t)map_hash(key, m->nocase) & (m->cap - 1);
    while (m->keys[j]) {
        if (map_eq(m, m->keys[j], key)) {
            if (old)
                *old = m->vals[j];
            return -1;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->keys[j] = key;
    m->vals[j] = val;
    m->n++;
    return TP_OK;
}

size_t crf_map_get(const struct crf_map *m, const char *key)
{
    size_t j;
    if (!m->cap || !key)
        return CRF_NONE;
    j = (size_t)map_hash(key, m->nocase) & (m->cap - 1);
    while (m->keys[j]) {
        if (map_eq(m, m->keys[j], key))
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    return CRF_NONE;
}
