/*
 * The table of formats, searched by name, by output extension, or by content (probe).
 * Adding a format = one plugin file + one line here.
 */
#include "format.h"

#include <string.h>
#include <strings.h>

extern const struct tp_format fmt_xpt;
extern const struct tp_format fmt_xpt8;
extern const struct tp_format fmt_csv;
extern const struct tp_format fmt_dsjson;
extern const struct tp_format fmt_ndjson;
extern const struct tp_format fmt_dsjc;

static const struct tp_format *const registry[] = {
    &fmt_xpt, &fmt_xpt8, &fmt_csv, &fmt_dsjson, &fmt_ndjson, &fmt_dsjc, NULL,
};

static const char *const registry_names[] = {
    "xpt", "xpt8", "csv", "json", "ndjson", "dsjc", NULL,
};

const char *const *tp_format_names(void)
{
    return registry_names;
}

const struct tp_format *fmt_find(const char *name)
{
    for (size_t i = 0; registry[i]; i++)
        if (strcasecmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

static bool fmt_has_ext(const struct tp_format *f, const char *ext)
{
    const char *p = f->exts;
    size_t n = strlen(ext);
    while (p && *p) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncasecmp(p, ext, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

const struct tp_format *fmt_find_by_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; registry[i]; i++)
        if (fmt_has_ext(registry[i], dot))
            return registry[i];
    return NULL;
}

const struct tp_format *fmt_probe(const unsigned char *head, size_t n, const char *path)
{
    const struct tp_format *best = NULL, *by_ext = path ? fmt_find_by_path(path) : NULL;
    int best_score = 0;
    for (size_t i = 0; registry[i]; i++) {
        int s;
        if (!registry[i]->probe || !registry[i]->read_open)
            continue;
        s = registry[i]->probe(head, n);
        if (registry[i] == by_ext)
            s += 10;
        if (s > best_score) {
            best_score = s;
            best = registry[i];
        }
    }
    if (best_score >= 50)
        return best;
    return by_ext;
}

const char *tp_format_for_path(const char *path)
{
    const struct tp_format *f = fmt_find_by_path(path);
    return f ? f->name : NULL;
}

bool tp_format_can_read(const char *name)
{
    const struct tp_format *f = fmt_find(name);
    return f && f->read_open;
}

bool tp_format_can_write(const char *name)
{
    const struct tp_format *f = fmt_find(name);
    return f && f->write_open;
}

bool tp_writer_needs_lengths(const char *name)
{
    const struct tp_format *f = fmt_find(name);
    return f && (f->flags & FMT_NEEDS_LENGTHS);
}
