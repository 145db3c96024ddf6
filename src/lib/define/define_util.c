/*
 * Helpers of the Define-XML module: a string pool (a model's strings are freed at once), growable
 * arrays, a string -> index hash used to keep OIDs unique and to resolve references, and the OID
 * spelling rule (IG.DM, IT.DM.USUBJID, CL.SEX ...: the CDISC examples' conventions, Define-XML 2.1
 * example define.xml "OID conventions").
 */
#include "define.h"

#include <stdarg.h>

struct dpool_chunk {
    struct dpool_chunk *next;
    size_t used, size;
    /* data follows, max_align_t aligned */
    max_align_t data[];
};

#define DPOOL_CHUNK 65536

void dpool_init(struct dpool *p)
{
    p->head = NULL;
}

void dpool_release(struct dpool *p)
{
    struct dpool_chunk *c = p->head;
    while (c) {
        struct dpool_chunk *n = c->next;
        tp_free(c);
        c = n;
    }
    p->head = NULL;
}

void *dpool_alloc(struct dpool *p, size_t n)
{
    struct dpool_chunk *c = p->head;
    size_t a = sizeof(max_align_t);
    n = (n + a - 1) / a * a;
    if (n == 0)
        n = a;
    if (!c || c->size - c->used < n) {
        size_t sz = n > DPOOL_CHUNK ? n : DPOOL_CHUNK;
        if (sz > SIZE_MAX - sizeof *c)
            return NULL;
        c = tp_malloc(sizeof *c + sz);
        if (!c)
            return NULL;
        c->used = 0;
        c->size = sz;
        c->next = p->head;
        p->head = c;
    }
    {
        void *r = (char *)c->data + c->used;
        c->used += n;
        return r;
    }
}

char *dpool_strndup(struct dpool *p, const char *s, size_t n)
{
    char *r;
    if (n == SIZE_MAX)
        return NULL;
    r = dpool_alloc(p, n + 1);
    if (!r)
        return NULL;
    if (n)
        memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

char *dpool_strdup(struct dpool *p, const char *s)
{
    return dpool_strndup(p, s ? s : "", s ? strlen(s) : 0);
}

char *dpool_printf(struct dpool *p, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *r;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    r = dpool_alloc(p, (size_t)n + 1);
    if (!r)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(r, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return r;
}

void *dvec_push(void *arr_ptr, size_t *n, size_t *cap, size_t size)
{
    void **arr = arr_ptr;
    char *e;
    if (tp_grow(arr, cap, *n + 1, size) != TP_OK)
        return NULL;
    e = (char *)*arr + *n * size;
    memset(e, 0, size);
    (*n)++;
    return e;
}

/* ---------------------------------------------------------------- index */

static uint64_t dindex_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ULL;
    }
    return h;
}

void dindex_init(struct dindex *x)
{
    memset(x, 0, sizeof *x);
}

void dindex_release(struct dindex *x)
{
    tp_free(x->keys);
    tp_free(x->vals);
    memset(x, 0, sizeof *x);
}

bool dindex_get(const struct dindex *x, const char *key, size_t *val)
{
    size_t i;
    if (!x->cap || !key)
        return false;
    for (i = (size_t)dindex_hash(key) & (x->cap - 1); x->keys[i]; i = (i + 1) & (x->cap - 1))
        if (strcmp(x->keys[i], key) == 0) {
            if (val)
                *val = x->vals[i];
            return true;
        }
    return false;
}

static int dindex_grow(struct dindex *x)
{
    size_t ncap = x->cap ? x->cap * 2 : 64;
    const char **keys = tp_calloc(ncap, sizeof *keys);
    size_t *vals = tp_calloc(ncap, sizeof *vals);
    if (!keys || !vals) {
        tp_free(keys);
        tp_free(vals);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < x->cap; i++) {
        size_t j;
        if (!x->keys[i])
            continue;
        for (j = (size_t)dindex_hash(x->keys[i]) & (ncap - 1); keys[j]; j = (j + 1) & (ncap - 1))
            ;
        keys[j] = x->keys[i];
        vals[j] = x->vals[i];
    }
    tp_free(x->keys);
    tp_free(x->vals);
    x->keys = keys;
    x->vals = vals;
    x->cap = ncap;
    return TP_OK;
}

int dindex_put(struct dindex *x, const char *key, size_t val, bool *added)
{
    size_t i;
    if (added)
        *added = false;
    if (dindex_get(x, key, NULL))
        return TP_OK;
    if ((x->n + 1) * 2 > x->cap && dindex_grow(x))
        return TP_E_NOMEM;
    for (i = (size_t)dindex_hash(key) & (x->cap - 1); x->keys[i]; i = (i + 1) & (x->cap - 1))
        ;
    x->keys[i] = key;
    x->vals[i] = val;
    x->n++;
    if (added)
        *added = true;
    return TP_OK;
}

/* ---------------------------------------------------------------- OIDs */

static void oid_part(struct tp_strbuf *sb, const char *s)
{
    if (!s || !*s) {
        tp_strbuf_addc(sb, 'X');
        return;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '_')
            tp_strbuf_addc(sb, (char)c);
        else if (c < 0x80 || (c & 0xC0) == 0xC0)
            tp_strbuf_addc(sb, '_'); /* one '_' per character, not per UTF-8 byte */
    }
}

char *define_oid(struct dpool *p, const char *prefix, const char *a, const char *b, const char *c)
{
    struct tp_strbuf sb;
    char *r;
    tp_strbuf_init(&sb);
    tp_strbuf_adds(&sb, prefix);
    oid_part(&sb, a);
    if (b) {
        tp_strbuf_addc(&sb, '.');
        oid_part(&sb, b);
    }
    if (c) {
        tp_strbuf_addc(&sb, '.');
        oid_part(&sb, c);
    }
    r = dpool_strdup(p, tp_strbuf_cstr(&sb));
    tp_strbuf_release(&sb);
    return r;
}
