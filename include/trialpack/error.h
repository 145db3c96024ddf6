/*
 * Errors of libtrialpack: one struct with fixed buffers, so that reporting an error never allocates.
 * Every fallible function returns an enum tp_status (TP_OK == 0) and takes a struct tp_error * last
 * (may be NULL). The first error wins: outer layers may fill empty location fields, never the message.
 */
#ifndef TRIALPACK_ERROR_H
#define TRIALPACK_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TP_PRINTF(f, a)
#endif

enum tp_status {
    TP_OK = 0,
    TP_E_USAGE = 2,    /* bad call or option: the caller's mistake */
    TP_E_PARSE = 3,    /* input does not follow its format */
    TP_E_LIMIT = 4,    /* value does not fit the target format's limits (name, label, length) */
    TP_E_IO = 5,       /* open/read/write/rename failed */
    TP_E_NOMEM = 6,    /* allocation failed or a size overflowed */
    TP_E_SPEC = 7,     /* mapping / metadata spec is invalid */
    TP_E_UNSUPPORTED = 8, /* feature not supported by this format */
    TP_E_INTERNAL = 9  /* a bug in trialpack */
};

/* Where an error happened; unknown fields are empty strings or -1. */
struct tp_loc {
    char path[256];
    long line, col;    /* 1-based text position */
    long row;          /* 1-based record number in a dataset or file */
    char dataset[33];
    char variable[65];
};

struct tp_error {
    int code;          /* enum tp_status */
    char msg[256];     /* lower-case, no trailing full stop, no newline */
    struct tp_loc loc;
};

/* Reset an error to "no error" with an empty location. */
void tp_error_init(struct tp_error *err);

/* Record an error (if none recorded yet) and return code. err may be NULL. */
int tp_fail(struct tp_error *err, int code, const char *fmt, ...) TP_PRINTF(3, 4);
int tp_fail_at(struct tp_error *err, int code, const struct tp_loc *loc, const char *fmt, ...)
    TP_PRINTF(4, 5);
int tp_vfail_at(struct tp_error *err, int code, const struct tp_loc *loc, const char *fmt,
                va_list ap) TP_PRINTF(4, 0);

/* Fill empty location fields (never the message); returns err->code. */
int tp_error_set_path(struct tp_error *err, const char *path);

/* Empty location: line/col/row -1, strings empty. */
void tp_loc_init(struct tp_loc *loc);
/* Copy path into loc->path, keeping its tail when too long (the file name matters most). */
void tp_loc_set_path(struct tp_loc *loc, const char *path);

/* Static text for a status code. */
const char *tp_status_str(int code);

/*
 * Format err as one line "path:line:col: error: msg" (only the known location parts) into buf.
 * Returns buf.
 */
char *tp_error_format(const struct tp_error *err, char *buf, unsigned long size);

#ifdef __cplusplus
}
#endif
#endif
