/*
 * Growable byte strings (git's strbuf, reduced): used to build text without fixed buffers.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tp_strbuf_init(struct tp_strbuf *sb)
{
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

void tp_strbuf_release(struct tp_strbuf *sb)
{
    tp_free(sb->buf);
    tp_strbuf_init(sb);
}

void tp_strbuf_reset(struct tp_strbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

int tp_strbuf_add(struct tp_strbuf *sb, const void *data, size_t n)
{
    if (n > SIZE_MAX - sb->len - 1)
        return TP_E_NOMEM;
    if (tp_grow((void **)&sb->buf, &sb->cap, sb->len + n + 1, 1))
        return TP_E_NOMEM;
    if (n)
        memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
    return TP_OK;
}

int tp_strbuf_addc(struct tp_strbuf *sb, char c)
{
    return tp_strbuf_add(sb, &c, 1);
}

int tp_strbuf_adds(struct tp_strbuf *sb, const char *s)
{
    return tp_strbuf_add(sb, s, strlen(s));
}

int tp_strbuf_addf(struct tp_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;
    char small[256];
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TP_E_INTERNAL;
    if ((size_t)n < sizeof small)
        return tp_strbuf_add(sb, small, (size_t)n);
    if (tp_grow((void **)&sb->buf, &sb->cap, sb->len + (size_t)n + 1, 1))
        return TP_E_NOMEM;
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return TP_OK;
}

const char *tp_strbuf_cstr(struct tp_strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}
