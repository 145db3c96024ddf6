/*
 * Error recording for libtrialpack (see include/trialpack/error.h). Never allocates, never prints.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

void tp_loc_init(struct tp_loc *loc)
{
    memset(loc, 0, sizeof *loc);
    loc->line = loc->col = loc->row = -1;
}

void tp_loc_set_path(struct tp_loc *loc, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n >= sizeof loc->path)
        path += n - (sizeof loc->path - 1), n = sizeof loc->path - 1;
    if (n)
        memcpy(loc->path, path, n);
    loc->path[n] = '\0';
}

void tp_error_init(struct tp_error *err)
{
    if (!err)
        return;
    err->code = TP_OK;
    err->msg[0] = '\0';
    tp_loc_init(&err->loc);
}

int tp_vfail_at(struct tp_error *err, int code, const struct tp_loc *loc, const char *fmt, va_list ap)
{
    if (!err || err->code != TP_OK)
        return code;
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (loc)
        err->loc = *loc;
    else
        tp_loc_init(&err->loc);
    return code;
}

int tp_fail_at(struct tp_error *err, int code, const struct tp_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tp_vfail_at(err, code, loc, fmt, ap);
    va_end(ap);
    return code;
}

int tp_fail(struct tp_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tp_vfail_at(err, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int tp_error_set_path(struct tp_error *err, const char *path)
{
    if (!err)
        return TP_OK;
    if (err->code != TP_OK && err->loc.path[0] == '\0' && path)
        tp_loc_set_path(&err->loc, path);
    return err->code;
}

const char *tp_status_str(int code)
{
    switch (code) {
    case TP_OK: return "ok";
    case TP_E_USAGE: return "usage error";
    case TP_E_PARSE: return "invalid input";
    case TP_E_LIMIT: return "value exceeds format limit";
    case TP_E_IO: return "input/output error";
    case TP_E_NOMEM: return "out of memory";
    case TP_E_SPEC: return "invalid specification";
    case TP_E_UNSUPPORTED: return "not supported";
    case TP_E_INTERNAL: return "internal error";
    }
    return "unknown error";
}

char *tp_error_format(const struct tp_error *err, char *buf, unsigned long size)
{
    size_t n = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
#define APPEND(...)                                                                   \
    do {                                                                              \
        if (n < size) {                                                               \
            int w_ = snprintf(buf + n, size - n, __VA_ARGS__);                        \
            if (w_ > 0)                                                               \
                n += (size_t)w_;                                                      \
        }                                                                             \
    } while (0)
    if (err->loc.path[0]) {
        APPEND("%s:", err->loc.path);
        if (err->loc.line > 0) {
            APPEND("%ld:", err->loc.line);
            if (err->loc.col > 0)
                APPEND("%ld:", err->loc.col);
        }
        APPEND(" ");
    }
    APPEND("error: ");
    if (err->loc.row > 0 && err->loc.line <= 0)
        APPEND("record %ld: ", err->loc.row);
    if (err->loc.dataset[0])
        APPEND("%s: ", err->loc.dataset);
    if (err->loc.variable[0])
        APPEND("%s: ", err->loc.variable);
    APPEND("%s", err->msg[0] ? err->msg : tp_status_str(err->code));
#undef APPEND
    return buf;
}
