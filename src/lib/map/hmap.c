/*
 * A small string -> size_t hash map (open addressing, linear probing, FNV-1a) for the mapping
 * engine's lookups: subjects, code maps, codelist terms, per-subject aggregates. Keys are copied.
 */
#include "map.h"

#include <string.h>

static uint64_t hmap_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void hmap_init(struct hmap *m)
{
    memset(m, 0, sizeof *m);
}

void hmap_release(struct hmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        tp_free(m->keys[i]);
    tp_free(m->keys);
    tp_free(m->vals);
    hmap_init(m);
}

static bool hmap_slot(const struct hmap *m, const char *key, size_t len, size_t *slot)
{
    size_t mask = m->cap - 1, i = (size_t)hmap_hash(key, len) & mask;
    for (;;) {
        const char *k = m->keys[i];
        if (!k) {
            *slot = i;
            return false;
        }
        if (strlen(k) == len && memcmp(k, key, len) == 0) {
            *slot = i;
            return true;
        }
        i = (i + 1) & mask;
    }
}

bool hmap_get(const struct hmap *m, const char *key, size_t len, size_t *val)
{
    size_t slot;
    if (m->cap == 0)
        return false;
    if (!hmap_slot(m, key, len, &slot))
        return false;
    if (val)
        *val = m->vals[slot];
    return true;
}

static int hmap_resize(struct hmap *m, size_t cap)
{
    struct hmap n;
    n.cap = cap;
    n.n = m->n;
    n.keys = tp_calloc(cap, sizeof *n.keys);
    n.vals = tp_calloc(cap, sizeof *n.vals);
    if (!n.keys || !n.vals) {
        tp_free(n.keys);
        tp_free(n.vals);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        size_t slot;
        if (!m->keys[i])
            continue;
        hmap_slot(&n, m->keys[i], strlen(m->keys[i]), &slot);
        n.keys[slot] = m->keys[i];
        n.vals[slot] = m->vals[i];
    }
    tp_free(m->keys);
    tp_free(m->vals);
    *m = n;
    return TP_OK;
}

int hmap_put(struct hmap *m, const char *key, size_t len, size_t val)
{
    size_t slot;
    if ((m->n + 1) * 2 > m->cap && hmap_resize(m, m->cap ? m->cap * 2 : 16))
        return TP_E_NOMEM;
    if (hmap_slot(m, key, len, &slot)) {
        m->vals[slot] = val;
        return TP_OK;
    }
    if (!(m->keys[slot] = tp_strndup(key, len)))
        return TP_E_NOMEM;
    m->vals[slot] = val;
    m->n++;
    return TP_OK;
}
