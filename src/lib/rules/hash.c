/*
 * Hashing for the rules engine: a fast 64-bit hash (multiply-fold, in the manner of wyhash), a
 * string-keyed open-addressing map for the small reference tables (subjects, visits, codelist
 * terms), and a fingerprint set for key uniqueness over large datasets, which costs 12 bytes per
 * distinct key whatever the key's width (duplicates it reports are confirmed by an exact second
 * pass, see rules_keys.c).
 */
#include "rules.h"

static inline uint64_t hash_mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t rules_hash(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    uint64_t w;
    while (n >= 8) {
        memcpy(&w, s, 8);
        h = hash_mix(h ^ w, 0xBF58476D1CE4E5B9ull);
        s += 8;
        n -= 8;
    }
    w = 0;
    if (n)
        memcpy(&w, s, n);
    h = hash_mix(h ^ w ^ ((uint64_t)n << 59), 0x94D049BB133111EBull);
    return hash_mix(h, 0x2545F4914F6CDD1Dull);
}

/* ---- string map ---- */

void rules_map_init(struct rules_map *m)
{
    memset(m, 0, sizeof *m);
}

void rules_map_release(struct rules_map *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) {
            if (free_val)
                free_val(m->slots[i].val);
            tp_free(m->slots[i].key);
        }
    tp_free(m->slots);
    rules_map_init(m);
}

static int map_grow(struct rules_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct rules_map_slot *ns = tp_calloc(ncap, sizeof *ns);
    if (!ns)
        return TP_E_NOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        struct rules_map_slot *o = &m->slots[i];
        size_t j;
        if (!o->key)
            continue;
        for (j = o->h & (ncap - 1); ns[j].key; j = (j + 1) & (ncap - 1))
            ;
        ns[j] = *o;
    }
    tp_free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return TP_OK;
}

void **rules_map_slot(struct rules_map *m, const char *key, size_t klen, bool *created)
{
    uint64_t h = rules_hash(key, klen, 0);
    size_t j;
    if (created)
        *created = false;
    if ((m->n + 1) * 4 > m->cap * 3 && map_grow(m))
        return NULL;
    for (j = h & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1)) {
        struct rules_map_slot *s = &m->slots[j];
        if (s->h == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return &s->val;
    }
    m->slots[j].key = tp_malloc(klen + 1); /* keys may hold NUL bytes (binary fingerprints) */
    if (!m->slots[j].key)
        return NULL;
    memcpy(m->slots[j].key, key, klen);
    m->slots[j].key[klen] = '\0';
    m->slots[j].h = h;
    m->slots[j].klen = klen;
    m->slots[j].val = NULL;
    m->n++;
    if (created)
        *created = true;
    return &m->slots[j].val;
}

void *rules_map_get(const struct rules_map *m, const char *key, size_t klen)
{
    uint64_t h;
    size_t j;
    if (!m->cap)
        return NULL;
    h = rules_hash(key, klen, 0);
    for (j = h & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1)) {
        const struct rules_map_slot *s = &m->slots[j];
        if (s->h == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return s->val;
    }
    return NULL;
}

bool rules_map_has(const struct rules_map *m, const char *key, size_t klen)
{
    uint64_t h;
    size_t j;
    if (!m->cap)
        return false;
    h = rules_hash(key, klen, 0);
    for (j = h & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1)) {
        const struct rules_map_slot *s = &m->slots[j];
        if (s->h == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return true;
    }
    return false;
}

int rules_map_puts(struct rules_map *m, const char *key, void *val)
{
    void **slot = rules_map_slot(m, key, strlen(key), NULL);
    if (!slot)
        return TP_E_NOMEM;
    *slot = val;
    return TP_OK;
}

/* ---- fingerprint set ---- */

void rules_fpset_init(struct rules_fpset *s)
{
    memset(s, 0, sizeof *s);
}

void rules_fpset_release(struct rules_fpset *s)
{
    tp_free(s->keys);
    tp_free(s->rows);
    rules_fpset_init(s);
}

static int fpset_grow(struct rules_fpset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    uint64_t *nk = tp_calloc(ncap, sizeof *nk);
    uint32_t *nr = tp_malloc(ncap * sizeof *nr);
    if (!nk || !nr) {
        tp_free(nk);
        tp_free(nr);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < s->cap; i++) {
        size_t j;
        if (!s->keys[i])
            continue;
        for (j = s->keys[i] & (ncap - 1); nk[j]; j = (j + 1) & (ncap - 1))
            ;
        nk[j] = s->keys[i];
        nr[j] = s->rows[i];
    }
    tp_free(s->keys);
    tp_free(s->rows);
    s->keys = nk;
    s->rows = nr;
    s->cap = ncap;
    return TP_OK;
}

int rules_fpset_add(struct rules_fpset *s, uint64_t fp, uint32_t row, bool *existed,
                    uint32_t *first)
{
    size_t j;
    if (!fp)
        fp = 1;
    if ((s->n + 1) * 10 > s->cap * 7 && fpset_grow(s))
        return TP_E_NOMEM;
    for (j = fp & (s->cap - 1); s->keys[j]; j = (j + 1) & (s->cap - 1))
        if (s->keys[j] == fp) {
            *existed = true;
            if (first)
                *first = s->rows[j];
            return TP_OK;
        }
    s->keys[j] = fp;
    s->rows[j] = row;
    s->n++;
    *existed = false;
    if (first)
        *first = row;
    return TP_OK;
}

bool rules_fpset_has(const struct rules_fpset *s, uint64_t fp)
{
    size_t j;
    if (!s->cap)
        return false;
    if (!fp)
        fp = 1;
    for (j = fp & (s->cap - 1); s->keys[j]; j = (j + 1) & (s->cap - 1))
        if (s->keys[j] == fp)
            return true;
    return false;
}
