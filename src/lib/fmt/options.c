/*
 * Key/value options passed from the CLI to formats without either knowing the other
 * (libarchive's format_options).
 */
#include "format.h"

#include <string.h>

struct tp_options {
    char **keys, **vals;
    size_t n, cap;
    const struct tp_dataset *tmpl;
};

struct tp_options *tp_options_new(void)
{
    return tp_calloc(1, sizeof(struct tp_options));
}

void tp_options_free(struct tp_options *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        tp_free(o->keys[i]);
        tp_free(o->vals[i]);
    }
    tp_free(o->keys);
    tp_free(o->vals);
    tp_free(o);
}

int tp_options_set(struct tp_options *o, const char *key, const char *value)
{
    size_t cap;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return tp_var_set_str(&o->vals[i], value);
    cap = o->cap;
    if (tp_grow((void **)&o->keys, &cap, o->n + 1, sizeof *o->keys))
        return TP_E_NOMEM;
    if (tp_grow((void **)&o->vals, &o->cap, o->n + 1, sizeof *o->vals))
        return TP_E_NOMEM;
    o->keys[o->n] = tp_strdup(key);
    o->vals[o->n] = tp_strdup(value);
    if (!o->keys[o->n] || (value && !o->vals[o->n])) {
        tp_free(o->keys[o->n]);
        tp_free(o->vals[o->n]);
        return TP_E_NOMEM;
    }
    o->n++;
    return TP_OK;
}

const char *tp_options_get(const struct tp_options *o, const char *key)
{
    if (!o)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->vals[i];
    return NULL;
}

void tp_options_set_template(struct tp_options *o, const struct tp_dataset *meta)
{
    o->tmpl = meta;
}

const struct tp_dataset *tp_options_template(const struct tp_options *o)
{
    return o ? o->tmpl : NULL;
}
