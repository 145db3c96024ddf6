/*
 * Internal helpers shared by every module of libtrialpack: allocation, growable strings,
 * byte sources and sinks, time. Never installed.
 */
#ifndef TP_INTERNAL_H
#define TP_INTERNAL_H

#include <config.h>

/* every system header that declares a banned function comes before banned.h (git-compat-util.h
   does the same): later includes are no-ops thanks to their guards */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "trialpack/error.h"

/* ---- allocation (core/alloc.c): NULL on failure or overflow, never abort ---- */
void *tp_malloc(size_t n);
void *tp_calloc(size_t n, size_t size);
void *tp_realloc(void *p, size_t n);
void *tp_reallocarray(void *p, size_t n, size_t size);
char *tp_strdup(const char *s);           /* tp_strdup(NULL) == NULL */
char *tp_strndup(const char *s, size_t n);
void tp_free(void *p);
/* Grow *p (array of *cap elements of size) to hold at least need elements; TP_OK or TP_E_NOMEM. */
int tp_grow(void **p, size_t *cap, size_t need, size_t size);

/* ---- growable byte string (core/strbuf.c) ---- */
struct tp_strbuf {
    char *buf;   /* always NUL-terminated when len > 0 or after tp_strbuf_cstr */
    size_t len, cap;
};
void tp_strbuf_init(struct tp_strbuf *sb);
void tp_strbuf_release(struct tp_strbuf *sb);
int tp_strbuf_add(struct tp_strbuf *sb, const void *data, size_t n);
int tp_strbuf_addc(struct tp_strbuf *sb, char c);
int tp_strbuf_adds(struct tp_strbuf *sb, const char *s);
int tp_strbuf_addf(struct tp_strbuf *sb, const char *fmt, ...) TP_PRINTF(2, 3);
const char *tp_strbuf_cstr(struct tp_strbuf *sb);  /* "" when empty */
void tp_strbuf_reset(struct tp_strbuf *sb);

/* ---- time (core/time.c) ---- */
/* Seconds since the Unix epoch for output timestamps: SOURCE_DATE_EPOCH when set and valid, else now. */
int64_t tp_output_time(void);
/* ISO 8601 "YYYY-MM-DDThh:mm:ss" (UTC) of t into buf (>= 20 bytes). */
void tp_format_iso8601(int64_t t, char *buf, size_t size);

/* ---- numbers (core/numfmt.c): locale-independent ---- */
/* Shortest decimal text that reads back to exactly d (like "%.17g" but minimal). buf >= 32 bytes. */
size_t tp_format_double(double d, char *buf, size_t size);
/* Strict, locale-independent parse of a decimal number; whole string must be consumed. */
bool tp_parse_double(const char *s, size_t n, double *out);

/* ---- UTF-8 (core/utf8.c) ---- */
/* Length of the longest valid UTF-8 prefix; == n when valid. */
size_t tp_utf8_valid_prefix(const unsigned char *s, size_t n);
bool tp_is_ascii(const unsigned char *s, size_t n);

#include "banned.h"

#endif
