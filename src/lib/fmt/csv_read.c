/*
 * CSV reader (RFC 4180) and the fmt_csv table.
 *
 * The first non-blank record is the header and names the variables. The delimiter (',' ';' or
 * tab) is taken from the header line unless "csv.delimiter" says otherwise. Input is UTF-8 (a BOM
 * is dropped, and a BOM also overrides "encoding"), or Latin-1 / Windows-1252 transcoded to UTF-8
 * before tokenizing (every byte >= 0x80 becomes a multi-byte sequence, so delimiters and quotes
 * are never touched). Line ends may be LF, CRLF or CR; blank lines are skipped.
 *
 * Typing:
 *   - with a template (tp_options_template, from --meta) the header names are matched to its
 *     variables case-insensitively; the dataset has the template's variables, in its order, with
 *     its types, labels, lengths and formats. A column missing from either side is an error
 *     ("csv.infer" is then ignored);
 *   - with "csv.infer"="1" a first pass reads the whole file: a column is NUM when every non-empty
 *     value is a number or a SAS missing value (".", ".A"-".Z", "._") and at least one is not
 *     empty, else CHAR with length = longest value in bytes (at least 1). A value with a leading
 *     zero ("007", "-01") keeps its column CHAR, since such values are codes and would lose their
 *     zeros. The source is then rewound and streamed;
 *   - otherwise every column is CHAR with length 0 (unknown): values are kept exactly as read.
 * With "csv.measure"="1" (set by callers whose writer needs lengths, e.g. convert to XPT) every
 * CHAR variable still of length 0 gets the length of its longest value (at least 1) from a first
 * pass over the file, which checks the data exactly as reading it does (field counts, UTF-8,
 * numbers: the first error is the same) but stores nothing; the source is then rewound.
 * Numeric cells: empty or "." is the ordinary missing value, ".A"-".Z" and "._" are special
 * missing values, anything else must be a decimal number (locale-independent; spaces around it are
 * ignored; "csv.decimal"="," also accepts a decimal comma).
 *
 * Errors are TP_E_PARSE with the source name, the physical line where the record starts (embedded
 * newlines counted), the 1-based field number and the variable name.
 *
 * Streaming: records go straight into the caller's batch. Plain lines (no quote, no bare CR) are
 * split here; every other record goes through libcsv in strict mode. libcsv cannot be stopped in
 * the middle of its input, so when the batch has R free rows it is given at most (R-1)*ncols+1
 * bytes: every record that starts in such a piece needs ncols bytes to end (ncols-1 delimiters and
 * a terminator), so no more than R records can start in it.
 */
#include <config.h>

#include <csv.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "model/dataset_bulk.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define CSV_HAVE_SCAN 1 /* csv_bulk_scan: 16-byte compares (every x86-64 has SSE2) */
#endif

#define CSV_CHUNK ((size_t)1 << 20)
#define CSV_RUN 1024 /* plain lines taken at once by the fast path */
#define CSV_BULK_SPANS 65536 /* fields held at once by the bulk path (1 MiB of spans) */
#define CSV_SCAN_PAD 64      /* readable bytes after the input buffer's end, for csv_bulk_scan */

enum csv_mode { CSV_HEADER, CSV_SKIP_HEADER, CSV_INFER, CSV_MEASURE, CSV_DATA };
enum csv_enc { CSV_UTF8, CSV_LATIN1, CSV_CP1252 };

struct csv_colstat {
    bool num_ok; /* every value so far is numeric */
    bool any;    /* at least one number or "." seen */
    size_t maxlen;
};

struct csv_reader {
    struct tp_source *src;
    struct csv_parser parser;
    bool parser_live;
    enum csv_mode mode;
    enum csv_enc enc;
    unsigned char delim;
    bool decimal_comma;
    bool infer;
    bool measure; /* "csv.measure": measure unknown CHAR lengths at open */
    bool measure_strict; /* the measuring pass checks numbers too (after the quick one failed) */
    const struct tp_dataset *tmpl;

    /* input buffer: bytes [pos, len) are UTF-8 not yet tokenized */
    unsigned char *buf;
    size_t cap, len, pos;
    unsigned char *raw; /* read scratch when transcoding */
    bool eof;           /* source exhausted */
    bool done;          /* csv_fini ran: no more records */

    /* header names, NUL-separated in names.buf */
    struct tp_strbuf names;
    size_t *name_off;
    size_t nnames, name_cap;
    bool header_done;
    long header_line;

    size_t ncols;           /* header fields */
    size_t *colmap;         /* header field -> variable index */
    unsigned char *coltype; /* header field -> TP_NUM / TP_CHAR */
    struct csv_colstat *stats;
    struct tp_dataset *meta;

    /* the record being read */
    struct tp_dataset *batch;
    size_t max_rows;
    size_t row;
    size_t nfields;
    bool in_record;
    long record_line;
    long embedded;    /* newlines inside quoted fields of this record */
    long line;        /* physical line of the next unread byte */
    long records;     /* data records so far */
    int prev_term;    /* last record terminator: '\r', '\n' or 0 */
    bool ended_on_lf; /* last libcsv event was the end of a row at an LF */
    bool idle;        /* libcsv is between records: the fast path may take a line */
    long *row_lines;
    size_t row_lines_cap;
    size_t pre_next, pre_end; /* batch rows added ahead for the plain lines being read */
    struct csv_span {
        size_t off, len, next; /* the line without its terminator; next = offset after it */
        bool ascii;
    } run[CSV_RUN];
    /* the bulk path (csv_bulk_lines): the fields of up to bulk_rows records, row-major */
    struct tp_span *spans;
    size_t bulk_rows;
    long *bulk_line;   /* physical line of each of those records */
    size_t *bulk_fail; /* per header field: first of those records that is not a number */

    int rc;
    struct tp_error *err;
    struct tp_error saved; /* the first error, replayed by later calls */
};

/* ---- errors ---- */

static const char *csv_colname(const struct csv_reader *st, size_t col)
{
    if (col < st->nnames)
        return st->names.buf + st->name_off[col];
    return "";
}

static int csv_fail(struct csv_reader *st, int code, long line, size_t col, const char *fmt, ...)
    TP_PRINTF(5, 6);

/* Record an error at line and field col (0-based; SIZE_MAX = none). Returns code. */
static int csv_fail(struct csv_reader *st, int code, long line, size_t col, const char *fmt, ...)
{
    struct tp_loc loc;
    va_list ap;
    if (st->rc)
        return st->rc;
    tp_loc_init(&loc);
    snprintf(loc.path, sizeof loc.path, "%s", tp_source_name(st->src));
    loc.line = line;
    if (col != SIZE_MAX) {
        loc.col = (long)col + 1;
        snprintf(loc.variable, sizeof loc.variable, "%s", csv_colname(st, col));
    }
    if ((st->mode == CSV_INFER || st->mode == CSV_MEASURE || st->mode == CSV_DATA) &&
        st->records > 0)
        loc.row = st->records;
    tp_error_init(&st->saved);
    va_start(ap, fmt);
    tp_vfail_at(&st->saved, code, &loc, fmt, ap);
    va_end(ap);
    if (st->err && st->err->code == TP_OK)
        *st->err = st->saved;
    st->rc = code;
    return code;
}

static int csv_nomem(struct csv_reader *st)
{
    return csv_fail(st, TP_E_NOMEM, -1, SIZE_MAX, "out of memory");
}

/* A value as shown in a message: at most 40 bytes, control bytes and broken UTF-8 as '?'. */
static void csv_show(char *out, size_t size, const unsigned char *s, size_t n)
{
    size_t k = tp_utf8_valid_prefix(s, n > 40 ? 40 : n), o = 0;
    for (size_t i = 0; i < n && i < 40 && o + 4 < size; i++) {
        unsigned char c = s[i];
        out[o++] = (c < 0x20 || c == 0x7F || (c >= 0x80 && i >= k)) ? '?' : (char)c;
    }
    if (n > 40 && o + 4 < size) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* ---- small scanners ---- */

static bool csv_ascii(const unsigned char *s, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= s[i];
    return (acc & UINT64_C(0x8080808080808080)) == 0;
}

/* Newlines in a field: "\r\n", "\n" and a lone "\r" each count once. */
static long csv_count_newlines(const unsigned char *s, size_t n)
{
    long k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            k++;
        else if (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'))
            k++;
    }
    return k;
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 csv_u128;

static const uint64_t csv_pow10_u64[20] = {1u,
                                           10u,
                                           100u,
                                           1000u,
                                           10000u,
                                           100000u,
                                           1000000u,
                                           10000000u,
                                           100000000u,
                                           1000000000u,
                                           10000000000u,
                                           100000000000u,
                                           1000000000000u,
                                           10000000000000u,
                                           100000000000000u,
                                           1000000000000000u,
                                           10000000000000000u,
                                           100000000000000000u,
                                           1000000000000000000u,
                                           10000000000000000000u};

static int csv_bitlen128(csv_u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    if (hi)
        return 128 - __builtin_clzll(hi);
    return lo ? 64 - __builtin_clzll(lo) : 0;
}

/*
 * m / 10^f correctly rounded (to nearest, ties to even) for 0 < m < 2^64 and 1 <= f <= 19:
 * divide m * 2^s (s as large as 128 bits allow) by 10^f, keep 53 bits, round with the dropped
 * bits and the remainder. The result is at least 1e-19, far from the subnormal range.
 */
static double csv_exact_quotient(uint64_t m, int f)
{
    int s = 127 - (64 - __builtin_clzll(m)), sh;
    csv_u128 num = (csv_u128)m << s, den = csv_pow10_u64[f];
    csv_u128 q = num / den, r = num - q * den, rest, half;
    uint64_t mant;
    sh = csv_bitlen128(q) - 53;
    mant = (uint64_t)(q >> sh);
    rest = q & (((csv_u128)1 << sh) - 1);
    half = (csv_u128)1 << (sh - 1);
    if (rest > half || (rest == half && (r != 0 || (mant & 1))))
        mant++;
    if (mant == UINT64_C(1) << 53) {
        mant >>= 1;
        sh++;
    }
    return ldexp((double)mant, sh - s);
}
#endif

static const double csv_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * Parse a numeric cell. Returns true with *kind TP_PRESENT and *v, or *kind the missing letter;
 * false when the text is not a number. Plain decimals with at most 19 digits and a mantissa below
 * 2^53 are converted exactly here (one correctly rounded division, Clinger's fast path); the rest
 * goes to tp_parse_double.
 */
static bool csv_parse_num(const unsigned char *s, size_t n, bool dcomma, double *v, char *kind)
{
    uint64_t m = 0;
    size_t i = 0;
    int digits = 0, frac = 0;
    bool neg = false, dot = false;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    *kind = TP_PRESENT;
    if (n == 0) {
        *kind = TP_MISSING;
        return true;
    }
    if (s[0] == '.' && n <= 2) {
        unsigned char c = n == 2 ? s[1] : 0;
        if (n == 1) {
            *kind = TP_MISSING;
            return true;
        }
        if ((c >= 'A' && c <= 'Z') || c == '_') {
            *kind = (char)c;
            return true;
        }
        if (c >= 'a' && c <= 'z') {
            *kind = (char)(c - 'a' + 'A');
            return true;
        }
    }
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    for (; i < n; i++) {
        unsigned c = s[i];
        if (c - '0' < 10u) {
            if (digits >= 19)
                goto slow;
            m = m * 10 + (c - '0');
            digits++;
            frac += dot;
        } else if ((c == '.' || (dcomma && c == ',')) && !dot) {
            dot = true;
        } else {
            goto slow;
        }
    }
    if (digits == 0)
        return false;
    if (m <= (UINT64_C(1) << 53) && frac <= 22)
        *v = frac ? (double)m / csv_pow10[frac] : (double)m;
    else if (frac == 0)
        *v = (double)m; /* below 10^19: one correctly rounded conversion */
#ifdef __SIZEOF_INT128__
    else if (frac <= 19)
        *v = csv_exact_quotient(m, frac);
#endif
    else
        goto slow;
    if (neg)
        *v = -*v;
    return true;
slow : {
    char tmp[128];
    if (n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    if (dcomma)
        for (size_t j = 0; j < n; j++)
            if (tmp[j] == ',')
                tmp[j] = '.';
    return tp_parse_double(tmp, n, v);
}
}

/*
 * Whether csv_parse_num accepts the text, without converting it (the measuring pass): the usual
 * shape -- an optional '-', 1 to 19 digits, at most one decimal point -- is always accepted (it
 * is converted exactly by the fast path); anything else is asked of csv_parse_num itself.
 */
static bool csv_num_valid(const unsigned char *s, size_t n, bool dcomma)
{
    size_t i = n && s[0] == '-';
    int digits = 0;
    bool dot = false;
    double v;
    char kind;
    for (; i < n; i++) {
        unsigned c = s[i];
        if (c - '0' < 10u)
            digits++;
        else if ((c == '.' || (dcomma && c == ',')) && !dot)
            dot = true;
        else
            break;
    }
    if (i == n && digits >= 1 && digits <= 19)
        return true;
    return csv_parse_num(s, n, dcomma, &v, &kind);
}

/* ---- input ---- */

/* Windows-1252 0x80..0x9F; the five undefined bytes map to the C1 controls (as WHATWG does). */
static const unsigned short csv_cp1252_hi[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

/* Transcode n single-byte characters to UTF-8 at out (room for 3n bytes); returns bytes written. */
static size_t csv_transcode(enum csv_enc enc, const unsigned char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned cp = in[i];
        if (cp < 0x80) {
            out[o++] = (unsigned char)cp;
            continue;
        }
        if (enc == CSV_CP1252 && cp < 0xA0)
            cp = csv_cp1252_hi[cp - 0x80];
        if (cp < 0x800) {
            out[o++] = (unsigned char)(0xC0 | (cp >> 6));
            out[o++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (unsigned char)(0xE0 | (cp >> 12));
            out[o++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (unsigned char)(0x80 | (cp & 0x3F));
        }
    }
    return o;
}

/* Append raw input bytes to the buffer (transcoding them). Room is guaranteed by the caller. */
static void csv_take(struct csv_reader *st, const unsigned char *in, size_t n)
{
    if (st->enc == CSV_UTF8) {
        if (in != st->buf + st->len)
            memmove(st->buf + st->len, in, n);
        st->len += n;
    } else {
        st->len += csv_transcode(st->enc, in, n, st->buf + st->len);
    }
}

/* Keep the unread bytes and read more. Sets eof at the end of the source. */
static int csv_refill(struct csv_reader *st)
{
    size_t keep = st->len - st->pos, want;
    long got;
    if (st->pos) {
        memmove(st->buf, st->buf + st->pos, keep);
        st->len = keep;
        st->pos = 0;
    }
    if (st->enc == CSV_UTF8) {
        want = st->cap - st->len;
        got = tp_source_read(st->src, st->buf + st->len, want, st->err);
        if (got > 0)
            st->len += (size_t)got;
    } else {
        want = (st->cap - st->len) / 3;
        if (want > CSV_CHUNK)
            want = CSV_CHUNK;
        got = tp_source_read(st->src, st->raw, want, st->err);
        if (got > 0)
            csv_take(st, st->raw, (size_t)got);
    }
    if (got < 0) {
        st->rc = st->err && st->err->code ? st->err->code : TP_E_IO;
        if (st->err)
            st->saved = *st->err;
        return st->rc;
    }
    if (got == 0)
        st->eof = true;
    return TP_OK;
}

/* Restart at the first byte: drop a UTF-8 BOM (which also means the file is UTF-8). */
static int csv_begin_input(struct csv_reader *st)
{
    unsigned char head[3];
    size_t got = 0;
    int rc;
    st->pos = st->len = 0;
    st->eof = st->done = false;
    st->line = 1;
    st->records = 0;
    st->prev_term = 0;
    st->idle = true;
    st->in_record = false;
    st->header_done = false;
    rc = tp_source_read_full(st->src, head, sizeof head, &got, st->err);
    if (rc) {
        st->rc = rc;
        if (st->err)
            st->saved = *st->err;
        return rc;
    }
    if (got < sizeof head)
        st->eof = true;
    if (got == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
        st->enc = CSV_UTF8;
        got = 0;
    }
    csv_take(st, head, got);
    return TP_OK;
}

static int csv_space_none(unsigned char c)
{
    (void)c;
    return 0;
}

/* libcsv grows its field buffer through this: refusing past CSV_FIELD_MAX bounds memory. */
static void *csv_capped_realloc(void *p, size_t n)
{
    if (n > CSV_FIELD_MAX + 16)
        return NULL;
    return tp_realloc(p, n);
}

static int csv_parser_start(struct csv_reader *st)
{
    if (st->parser_live)
        csv_free(&st->parser);
    if (csv_init(&st->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0)
        return csv_nomem(st);
    st->parser_live = true;
    csv_set_delim(&st->parser, st->delim);
    csv_set_space_func(&st->parser, csv_space_none);
    csv_set_realloc_func(&st->parser, csv_capped_realloc);
    csv_set_free_func(&st->parser, tp_free);
    csv_set_blk_size(&st->parser, 4096);
    return TP_OK;
}

/* ---- records ---- */

static void csv_begin_record(struct csv_reader *st)
{
    st->in_record = true;
    st->nfields = 0;
    st->embedded = 0;
    st->record_line = st->line;
    if (st->mode == CSV_INFER || st->mode == CSV_MEASURE || st->mode == CSV_DATA)
        st->records++;
    if (st->mode == CSV_DATA && st->pre_next < st->pre_end) {
        st->row = st->pre_next++;
        st->row_lines[st->row] = st->record_line;
    } else if (st->mode == CSV_DATA) {
        size_t row;
        if (tp_dataset_nrows(st->batch) >= st->max_rows) {
            csv_fail(st, TP_E_INTERNAL, st->record_line, SIZE_MAX, "csv batch overflow");
            return;
        }
        if (tp_dataset_add_rows(st->batch, 1, &row, NULL) ||
            tp_grow((void **)&st->row_lines, &st->row_lines_cap, row + 1, sizeof *st->row_lines)) {
            csv_nomem(st);
            return;
        }
        st->row = row;
        st->row_lines[row] = st->record_line;
    }
}

static void csv_end_record(struct csv_reader *st)
{
    st->in_record = false;
    if (st->mode == CSV_HEADER || st->mode == CSV_SKIP_HEADER) {
        st->header_done = true;
        st->header_line = st->record_line;
    } else if (st->nfields != st->ncols) {
        size_t col = st->nfields > st->ncols ? st->ncols : st->nfields;
        csv_fail(st, TP_E_PARSE, st->record_line, col, "row has %zu field%s, header has %zu",
                 st->nfields, st->nfields == 1 ? "" : "s", st->ncols);
        return;
    }
    st->line += 1 + st->embedded;
}

static void csv_header_field(struct csv_reader *st, const unsigned char *s, size_t n)
{
    size_t col = st->nfields - 1;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (st->nnames >= CSV_COLS_MAX) {
        csv_fail(st, TP_E_LIMIT, st->record_line, col, "more than %d columns", CSV_COLS_MAX);
        return;
    }
    if (n == 0) {
        csv_fail(st, TP_E_PARSE, st->record_line, col, "empty column name in the header");
        return;
    }
    if (n > 64) {
        csv_fail(st, TP_E_LIMIT, st->record_line, col, "column name longer than 64 bytes");
        return;
    }
    if (tp_utf8_valid_prefix(s, n) != n) {
        csv_fail(st, TP_E_PARSE, st->record_line, col, "invalid UTF-8 in a column name");
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7F) {
            csv_fail(st, TP_E_PARSE, st->record_line, col,
                     "control character 0x%02X in a column name", s[i]);
            return;
        }
    if (tp_grow((void **)&st->name_off, &st->name_cap, st->nnames + 1, sizeof *st->name_off) ||
        (st->name_off[st->nnames] = st->names.len, tp_strbuf_add(&st->names, s, n)) ||
        tp_strbuf_addc(&st->names, '\0')) {
        csv_nomem(st);
        return;
    }
    st->nnames++;
}

static void csv_bad_utf8(struct csv_reader *st, size_t col, size_t at)
{
    csv_fail(st, TP_E_PARSE, st->record_line, col, "invalid UTF-8 (byte %zu of the field)", at + 1);
}

/* One field of the current record. validated: the bytes are known to be valid UTF-8. */
static void csv_field(struct csv_reader *st, const unsigned char *s, size_t n, bool validated)
{
    size_t col = st->nfields++;
    switch (st->mode) {
    case CSV_HEADER: csv_header_field(st, s, n); return;
    case CSV_SKIP_HEADER: return;
    case CSV_INFER: {
        struct csv_colstat *cs;
        if (col >= st->ncols)
            return;
        if (!validated && st->enc == CSV_UTF8 && !csv_ascii(s, n)) {
            size_t ok = tp_utf8_valid_prefix(s, n);
            if (ok < n) {
                csv_bad_utf8(st, col, ok);
                return;
            }
        }
        cs = &st->stats[col];
        if (n > cs->maxlen)
            cs->maxlen = n;
        if (cs->num_ok && n) {
            double v;
            char kind;
            const unsigned char *p = s;
            size_t k = n;
            while (k && (*p == ' ' || *p == '\t')) {
                p++;
                k--;
            }
            if (k && (*p == '-' || *p == '+')) {
                p++;
                k--;
            }
            if (k >= 2 && p[0] == '0' && p[1] >= '0' && p[1] <= '9')
                cs->num_ok = false; /* a code such as "007" */
            else if (!csv_parse_num(s, n, st->decimal_comma, &v, &kind))
                cs->num_ok = false;
            else if (kind != TP_MISSING || k)
                cs->any = true;
        }
        return;
    }
    case CSV_MEASURE: /* checked as CSV_DATA checks, nothing stored */
    case CSV_DATA: break;
    }
    if (col >= st->ncols)
        return;
    if (st->coltype[col] == TP_NUM) {
        double v = 0;
        char kind;
        if (st->mode == CSV_MEASURE && !st->measure_strict)
            return; /* the quick pass does not check numbers */
        if (!csv_parse_num(s, n, st->decimal_comma, &v, &kind)) {
            char shown[64];
            csv_show(shown, sizeof shown, s, n);
            csv_fail(st, TP_E_PARSE, st->record_line, col,
                     "'%s' is not a number (expected a number, '.', '.A'-'.Z' or '._')", shown);
            return;
        }
        if (kind != TP_MISSING && st->mode == CSV_DATA)
            tp_dataset_set_num(st->batch, st->row, st->colmap[col], v, kind);
        return;
    }
    if (n == 0)
        return;
    if (!validated && st->enc == CSV_UTF8 && !csv_ascii(s, n)) {
        size_t ok = tp_utf8_valid_prefix(s, n);
        if (ok < n) {
            csv_bad_utf8(st, col, ok);
            return;
        }
    }
    if (st->mode == CSV_MEASURE) {
        if (n > st->stats[col].maxlen)
            st->stats[col].maxlen = n;
        return;
    }
    if (tp_dataset_set_str(st->batch, st->row, st->colmap[col], (const char *)s, n))
        csv_nomem(st);
}

/* libcsv: end of a field. */
static void csv_cb_field(void *s, size_t n, void *data)
{
    struct csv_reader *st = data;
    const unsigned char *p = s;
    if (st->rc)
        return;
    if (!st->in_record) {
        csv_begin_record(st);
        if (st->rc)
            return;
    }
    st->ended_on_lf = false;
    if (n && (memchr(p, '\n', n) || memchr(p, '\r', n)))
        st->embedded += csv_count_newlines(p, n);
    if (n > CSV_FIELD_MAX) {
        csv_fail(st, TP_E_LIMIT, st->record_line, st->nfields, "field longer than %zu bytes",
                 CSV_FIELD_MAX);
        return;
    }
    csv_field(st, n ? p : (const unsigned char *)"", n, false);
}

/* libcsv: end of a row at terminator c ('\r', '\n', or -1 at the end of the input). */
static void csv_cb_row(int c, void *data)
{
    struct csv_reader *st = data;
    if (st->rc)
        return;
    if (!st->in_record) {
        /* a blank line, or the LF of a CRLF */
        if (!(c == '\n' && st->prev_term == '\r') && c != -1)
            st->line++;
    } else {
        csv_end_record(st);
    }
    st->prev_term = c;
    st->ended_on_lf = c == '\n';
}

static uint64_t csv_haszero(uint64_t v)
{
    return (v - UINT64_C(0x0101010101010101)) & ~v & UINT64_C(0x8080808080808080);
}

/* Whether a line is plain (no quote, no CR), and whether it is ASCII, in one pass. */
static bool csv_line_plain(const unsigned char *s, size_t n, bool *ascii)
{
    uint64_t hi = 0, bad = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        hi |= w;
        bad |= csv_haszero(w ^ UINT64_C(0x2222222222222222)) |
               csv_haszero(w ^ UINT64_C(0x0D0D0D0D0D0D0D0D));
    }
    for (; i < n; i++) {
        hi |= s[i];
        bad |= s[i] == '"' || s[i] == '\r';
    }
    *ascii = (hi & UINT64_C(0x8080808080808080)) == 0;
    return bad == 0;
}

/*
 * A plain line (no quote, no CR inside, terminator removed): one record, or none when blank.
 * ascii: the line is known to be ASCII.
 */
static void csv_fast_line(struct csv_reader *st, const unsigned char *s, size_t n, bool ascii)
{
    const unsigned char *p = s, *end = s + n;
    const unsigned char d = st->delim;
    const uint64_t dmask = UINT64_C(0x0101010101010101) * d;
    st->prev_term = '\n';
    if (n == 0) {
        st->line++;
        return;
    }
    csv_begin_record(st);
    if (st->rc)
        return;
    if (st->enc == CSV_UTF8 && !ascii) {
        size_t ok = tp_utf8_valid_prefix(s, n), col = 0, start = 0;
        if (ok < n) {
            for (size_t i = 0; i < ok; i++)
                if (s[i] == d) {
                    col++;
                    start = i + 1;
                }
            csv_bad_utf8(st, col, ok - start);
            return;
        }
    }
    for (;;) {
        const unsigned char *q = p;
        /* find the delimiter eight bytes at a time (the lowest flagged byte is exact) */
        while (end - q >= 8) {
            uint64_t w;
            memcpy(&w, q, 8);
            if (csv_haszero(w ^ dmask))
                break;
            q += 8;
        }
        while (q < end && *q != d)
            q++;
        csv_field(st, p, (size_t)(q - p), true);
        if (st->rc)
            return;
        if (q == end)
            break;
        p = q + 1;
    }
    csv_end_record(st);
}

/* A libcsv strict-mode or memory error at byte off of the piece just given. */
static void csv_parser_error(struct csv_reader *st)
{
    int e = csv_error(&st->parser);
    long line = st->in_record ? st->record_line : st->line;
    size_t col = st->in_record ? st->nfields : 0;
    if (e == CSV_EPARSE) {
        if (st->parser.quoted)
            csv_fail(st, TP_E_PARSE, line, col,
                     "unexpected text after a closing quote (a quote inside a quoted field "
                     "must be doubled)");
        else
            csv_fail(st, TP_E_PARSE, line, col,
                     "unexpected quote in an unquoted field (quote the whole field and double "
                     "the quote)");
    } else if (e == CSV_ENOMEM || e == CSV_ETOOBIG) {
        csv_fail(st, TP_E_LIMIT, line, col, "field longer than %zu bytes", CSV_FIELD_MAX);
    } else {
        csv_fail(st, TP_E_PARSE, line, col, "malformed CSV (%s)", csv_strerror(e));
    }
}

/*
 * How much of the piece s[0..n) may go to libcsv now without starting more records than the batch
 * has room for. With no room left (or while reading the header) the piece ends at the first CR or
 * LF: the record being read can only end there, so nothing after its end is given.
 */
static size_t csv_piece_limit(const struct csv_reader *st, const unsigned char *s, size_t n)
{
    size_t room = 0;
    if (st->mode == CSV_INFER || st->mode == CSV_MEASURE)
        return n;
    if (st->mode == CSV_DATA)
        room = st->max_rows - tp_dataset_nrows(st->batch);
    if (room == 0) {
        const unsigned char *cr = memchr(s, '\r', n);
        return cr ? (size_t)(cr - s) + 1 : n;
    }
    if (room - 1 > (SIZE_MAX - 1) / st->ncols || (room - 1) * st->ncols + 1 > n)
        return n;
    return (room - 1) * st->ncols + 1;
}

/* The end of the input: flush libcsv's last record. */
static void csv_finish(struct csv_reader *st)
{
    if (csv_fini(&st->parser, csv_cb_field, csv_cb_row, st) != 0 && !st->rc) {
        long line = st->in_record ? st->record_line : st->line;
        csv_fail(st, TP_E_PARSE, line, st->in_record ? st->nfields : 0,
                 "unterminated quoted field");
    }
    st->done = true;
}

/*
 * Split a plain line into exactly ncols fields at out[0..ncols). false when it has another count.
 */
static bool csv_split_line(const struct csv_reader *st, const unsigned char *s, size_t n,
                           struct tp_span *out)
{
    const unsigned char *p = s, *end = s + n;
    const unsigned char d = st->delim;
    const uint64_t dmask = UINT64_C(0x0101010101010101) * d;
    size_t f = 0;
    for (;;) {
        const unsigned char *q = p;
        while (end - q >= 8) {
            uint64_t w;
            memcpy(&w, q, 8);
            if (csv_haszero(w ^ dmask))
                break;
            q += 8;
        }
        while (q < end && *q != d)
            q++;
        if (f == st->ncols)
            return false;
        out[f].p = (const char *)p;
        out[f].n = (size_t)(q - p);
        f++;
        if (q == end)
            break;
        p = q + 1;
    }
    return f == st->ncols;
}

/* The span table of the bulk path, allocated on first use. false (and an error) on no memory. */
static bool csv_bulk_alloc(struct csv_reader *st)
{
    const size_t nc = st->ncols;
    if (st->spans)
        return true;
    st->bulk_rows = nc <= CSV_BULK_SPANS / CSV_RUN ? CSV_RUN : CSV_BULK_SPANS / nc;
    if (st->bulk_rows == 0)
        st->bulk_rows = 1;
    st->spans = tp_calloc(st->bulk_rows * nc, sizeof *st->spans);
    st->bulk_line = tp_calloc(st->bulk_rows, sizeof *st->bulk_line);
    st->bulk_fail = tp_calloc(nc, sizeof *st->bulk_fail);
    if (!st->spans || !st->bulk_line || !st->bulk_fail) {
        csv_nomem(st);
        return false;
    }
    return true;
}

/*
 * The bulk path for CSV_DATA and CSV_MEASURE, in two steps. First the leading lines that are
 * regular -- blank, or plain and valid UTF-8 with exactly ncols fields -- are split into the span
 * table (csv_bulk_split from the run of plain lines, or csv_bulk_scan straight from the buffer).
 * Then csv_bulk_store types and stores their fields a column at a time: numbers parsed into the
 * batch's arrays, strings appended with one arena growth per column; in CSV_MEASURE only checked
 * and measured. This gives exactly what csv_fast_line gives line by line, including the first
 * error: a line that is not regular is never split, so it is left to csv_fast_line, which
 * reports it; among the split lines, the first bad number in row-major order is found from each
 * column's first one.
 */

/* Step 1 from st->run[0..k): lines consumed (blank ones included); *nrec records split. */
static size_t csv_bulk_split(struct csv_reader *st, size_t k, size_t *nrec_out)
{
    const size_t nc = st->ncols;
    size_t i, nrec = 0;
    for (i = 0; i < k && nrec < st->bulk_rows; i++) {
        const unsigned char *s = st->buf + st->run[i].off;
        size_t n = st->run[i].len;
        if (n == 0)
            continue; /* a blank line */
        if (st->enc == CSV_UTF8 && !st->run[i].ascii && tp_utf8_valid_prefix(s, n) != n)
            break;
        if (!csv_split_line(st, s, n, st->spans + nrec * nc))
            break;
        st->bulk_line[nrec++] = st->line + (long)i;
    }
    *nrec_out = nrec;
    return i;
}

/* Step 2 for the nrec records in the span table. false when a value is not a number (the error
   is recorded) or memory runs out. */
static bool csv_bulk_store(struct csv_reader *st, size_t nrec)
{
    const size_t nc = st->ncols;
    size_t first = 0, bad_rec = SIZE_MAX, bad_col = SIZE_MAX;
    if (st->mode == CSV_DATA) {
        if (tp_dataset_add_rows_unset(st->batch, nrec, &first, NULL) ||
            tp_grow((void **)&st->row_lines, &st->row_lines_cap, first + nrec,
                    sizeof *st->row_lines)) {
            csv_nomem(st);
            return false;
        }
        for (size_t r = 0; r < nrec; r++)
            st->row_lines[first + r] = st->bulk_line[r];
    }
    for (size_t c = 0; c < nc; c++) {
        const struct tp_span *f = st->spans + c;
        st->bulk_fail[c] = SIZE_MAX;
        if (st->coltype[c] == TP_NUM) {
            double *num = NULL;
            char *miss = NULL;
            if (st->mode == CSV_MEASURE && !st->measure_strict)
                continue; /* the quick pass does not check numbers */
            if (st->mode == CSV_DATA)
                tp_dataset_num_arrays(st->batch, st->colmap[c], &num, &miss);
            for (size_t r = 0; r < nrec; r++, f += nc) {
                double v = 0;
                char kind;
                bool ok = num ? csv_parse_num((const unsigned char *)f->p, f->n,
                                              st->decimal_comma, &v, &kind)
                              : csv_num_valid((const unsigned char *)f->p, f->n,
                                              st->decimal_comma);
                if (!ok) {
                    st->bulk_fail[c] = r;
                    if (r < bad_rec)
                        bad_rec = r;
                    break;
                }
                if (num) {
                    num[first + r] = kind == TP_PRESENT ? v : 0;
                    miss[first + r] = kind;
                }
            }
        } else if (st->mode == CSV_DATA) {
            /* fields lie in st->buf, which has CSV_SCAN_PAD bytes after its end */
            if (tp_dataset_set_strs(st->batch, st->colmap[c], first, nrec, f, nc,
                                    TP_SPANS_PADDED)) {
                csv_nomem(st);
                return false;
            }
        } else {
            size_t maxlen = st->stats[c].maxlen;
            for (size_t r = 0; r < nrec; r++, f += nc)
                if (f->n > maxlen)
                    maxlen = f->n;
            st->stats[c].maxlen = maxlen;
        }
    }
    if (bad_rec != SIZE_MAX) {
        /* the first bad number in row-major order: the earliest record, then its first field */
        const struct tp_span *f;
        char shown[64];
        for (size_t c = 0; c < nc && bad_col == SIZE_MAX; c++)
            if (st->bulk_fail[c] == bad_rec)
                bad_col = c;
        f = st->spans + bad_rec * nc + bad_col;
        st->records += (long)bad_rec + 1;
        st->record_line = st->bulk_line[bad_rec];
        st->line = st->record_line;
        st->in_record = true;
        st->nfields = bad_col + 1;
        csv_show(shown, sizeof shown, (const unsigned char *)f->p, f->n);
        csv_fail(st, TP_E_PARSE, st->record_line, bad_col,
                 "'%s' is not a number (expected a number, '.', '.A'-'.Z' or '._')", shown);
        return false;
    }
    st->records += (long)nrec;
    return true;
}

/* Both steps on st->run[0..k). Returns the number of run lines consumed (0: the first line is
   not regular). */
static size_t csv_bulk_lines(struct csv_reader *st, size_t k)
{
    size_t nrec, lines;
    if (st->ncols == 0 || !csv_bulk_alloc(st))
        return 0;
    lines = csv_bulk_split(st, k, &nrec);
    if (nrec && !csv_bulk_store(st, nrec))
        return 0;
    st->line += (long)lines;
    if (lines)
        st->prev_term = '\n';
    return lines;
}

#ifdef CSV_HAVE_SCAN
/*
 * A field found by csv_bulk_scan: into the span table, or (the quick measuring pass) straight
 * into the longest length of its column. The latter may see the first fields of a line that
 * turns out not to be regular: such a line is then read again by the other paths, which give
 * the same fields again (max is unchanged) or an error (and the strict pass starts over).
 */
static inline void csv_scan_field(struct csv_reader *st, bool measure, struct tp_span *row,
                                  size_t f, const unsigned char *p, size_t n)
{
    if (measure) {
        if (n > st->stats[f].maxlen)
            st->stats[f].maxlen = n;
    } else {
        row[f].p = (const char *)p;
        row[f].n = n;
    }
}

/* Bit i of each mask: byte b[i] of the 64 is the delimiter / LF / CR / '"' / >= 0x80. */
struct csv_masks {
    uint64_t delim, lf, cr, quote, high;
};

static inline void csv_masks64(const unsigned char *b, __m128i vd, struct csv_masks *m)
{
    const __m128i vlf = _mm_set1_epi8('\n'), vcr = _mm_set1_epi8('\r'), vq = _mm_set1_epi8('"');
    m->delim = m->lf = m->cr = m->quote = m->high = 0;
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
        int sh = 16 * k;
        m->delim |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd)) << sh;
        m->lf |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vlf)) << sh;
        m->cr |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vcr)) << sh;
        m->quote |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq)) << sh;
        m->high |= (uint64_t)(unsigned)_mm_movemask_epi8(x) << sh;
    }
}

/*
 * Step 1 straight from the buffer, 64 bytes at a time (SSE2 compares give a bit per byte for each
 * structural character; the loop then visits only those bits): the same lines csv_fast_run's
 * collection and csv_bulk_split would accept -- plain (no quote, no CR except a CRLF or a final
 * CR at the end of the input), complete (ended by LF, or by the end of the input), valid UTF-8,
 * ncols fields -- up to max_rec records. Returns the lines consumed; *nrec records; *next the
 * offset after the last line consumed. The buffer has CSV_SCAN_PAD readable bytes after len.
 * measure: the quick measuring pass (csv_scan_field), which keeps no spans.
 */
static inline size_t csv_bulk_scan(struct csv_reader *st, bool measure, size_t max_rec,
                                   size_t *nrec_out, size_t *next)
{
    const unsigned char *buf = st->buf;
    const size_t nc = st->ncols, end = st->len;
    const __m128i vd = _mm_set1_epi8((char)st->delim);
    size_t lines = 0, nrec = 0, f = 0;
    size_t line_start = st->pos, field_start = st->pos, body_end = SIZE_MAX;
    bool high = false;
    struct tp_span *row = st->spans;
    *next = st->pos;
    for (size_t blk = st->pos; blk < end && nrec < max_rec; blk += 64) {
        struct csv_masks m;
        uint64_t valid = end - blk >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << (end - blk)) - 1;
        uint64_t ev, done = 0; /* bits of this block below the line being read */
        csv_masks64(buf + blk, vd, &m);
        ev = (m.delim | m.lf | m.cr | m.quote) & valid;
        m.high &= valid;
        if (line_start > blk)
            done = (UINT64_C(1) << (line_start - blk)) - 1;
        while (ev) {
            unsigned b = (unsigned)__builtin_ctzll(ev);
            uint64_t bit = ev & (~ev + 1); /* the lowest set bit: which mask holds it says what
                                              the byte is, without loading it */
            size_t at = blk + b;
            ev &= ev - 1;
            if (m.delim & bit) {
                if (body_end != SIZE_MAX || f + 1 >= nc)
                    goto stop; /* text after a CR, or one field too many */
                csv_scan_field(st, measure, row, f, buf + field_start, at - field_start);
                f++;
                field_start = at + 1;
                continue;
            }
            if (m.quote & bit)
                goto stop;
            if (m.cr & bit) {
                if (body_end != SIZE_MAX)
                    goto stop; /* CR CR */
                if (at + 1 < end ? buf[at + 1] != '\n' : !st->eof)
                    goto stop; /* a bare CR, or maybe a CRLF cut by the buffer's end */
                body_end = at;
                if (at + 1 < end)
                    continue; /* the LF ends the line */
            } else if (body_end == SIZE_MAX) {
                body_end = at; /* LF */
            }
            /* the line [line_start, body_end) ends; its terminator ends at `at` */
            high = high || (m.high & ~done & ((UINT64_C(2) << b) - 1));
            if (body_end > line_start) {
                const unsigned char *s = buf + line_start;
                size_t n = body_end - line_start;
                if (f + 1 != nc)
                    goto stop;
                if (high && st->enc == CSV_UTF8 && tp_utf8_valid_prefix(s, n) != n)
                    goto stop;
                csv_scan_field(st, measure, row, f, buf + field_start, body_end - field_start);
                if (!measure) {
                    st->bulk_line[nrec] = st->line + (long)lines;
                    row += nc;
                }
                nrec++;
            }
            lines++;
            *next = line_start = field_start = at + 1;
            done = b == 63 ? ~UINT64_C(0) : (UINT64_C(2) << b) - 1;
            body_end = SIZE_MAX;
            f = 0;
            high = false;
            if (nrec == max_rec)
                goto stop;
        }
        high = high || (m.high & ~done);
    }
    /* the input's last line, without a terminator */
    if (st->eof && nrec < max_rec && line_start < end && body_end == SIZE_MAX && f + 1 == nc) {
        const unsigned char *s = buf + line_start;
        size_t n = end - line_start;
        if (!high || st->enc != CSV_UTF8 || tp_utf8_valid_prefix(s, n) == n) {
            csv_scan_field(st, measure, row, f, buf + field_start, end - field_start);
            if (!measure)
                st->bulk_line[nrec] = st->line + (long)lines;
            nrec++;
            lines++;
            *next = end;
        }
    }
stop:
    *nrec_out = nrec;
    return lines;
}

/* csv_bulk_scan and csv_bulk_store: lines consumed (0: leave the next line to the other paths). */
static size_t csv_bulk_fast(struct csv_reader *st, size_t max_rec)
{
    size_t nrec, next, lines;
    if (st->ncols == 0 || !csv_bulk_alloc(st))
        return 0;
    if (st->mode == CSV_MEASURE && !st->measure_strict) {
        /* nothing is kept per record: one long scan, lengths updated as fields are found */
        lines = csv_bulk_scan(st, true, SIZE_MAX, &nrec, &next);
        st->records += (long)nrec;
    } else {
        if (max_rec > st->bulk_rows)
            max_rec = st->bulk_rows;
        lines = csv_bulk_scan(st, false, max_rec, &nrec, &next);
        if (nrec && !csv_bulk_store(st, nrec))
            return 0;
    }
    if (lines) {
        st->line += (long)lines;
        st->prev_term = '\n';
        st->pos = next;
    }
    return lines;
}
#endif

/*
 * The fast path: take up to CSV_RUN plain lines from the buffer (at most one per free batch row).
 * Reading and measuring give them to csv_bulk_lines; the inference pass, and a line that the bulk
 * path leaves (an error), go line by line through csv_fast_line, with their batch rows added at
 * once. Returns false when the next line is not plain (or not complete yet), leaving it to libcsv.
 */
static bool csv_fast_run(struct csv_reader *st)
{
    size_t k = 0, records = 0, max = CSV_RUN, p = st->pos;
    if (st->mode == CSV_DATA) {
        size_t room = st->max_rows - tp_dataset_nrows(st->batch);
        if (room < max)
            max = room;
    }
#ifdef CSV_HAVE_SCAN
    /* reading and measuring: scan straight from the buffer, 64 bytes at a time; a line that the
       scan leaves (not plain, not complete, or an error) is collected below and goes the
       portable way */
    if ((st->mode == CSV_DATA || st->mode == CSV_MEASURE) && (csv_bulk_fast(st, max) || st->rc))
        return true;
#endif
    while (k < max && p < st->len) {
        const unsigned char *s = st->buf + p;
        const unsigned char *nl = memchr(s, '\n', st->len - p);
        size_t n, body;
        if (!nl && !st->eof)
            break;
        n = nl ? (size_t)(nl - s) : st->len - p;
        body = n && s[n - 1] == '\r' ? n - 1 : n;
        if (!csv_line_plain(s, body, &st->run[k].ascii))
            break;
        st->run[k].off = p;
        st->run[k].len = body;
        p += nl ? n + 1 : n;
        st->run[k].next = p;
        k++;
    }
    if (k == 0)
        return false;
    if (st->mode == CSV_DATA || st->mode == CSV_MEASURE) {
        size_t used = csv_bulk_lines(st, k);
        if (st->rc || used) {
            st->pos = st->run[used ? used - 1 : 0].next;
            return true;
        }
        /* the first line is not regular (it is an error): the per-field path reports it */
        k = 1;
        p = st->run[0].next;
    }
    for (size_t i = 0; i < k; i++)
        records += st->run[i].len != 0;
    if (st->mode == CSV_DATA && records) {
        size_t first;
        if (tp_dataset_add_rows(st->batch, records, &first, NULL) ||
            tp_grow((void **)&st->row_lines, &st->row_lines_cap, first + records,
                    sizeof *st->row_lines)) {
            csv_nomem(st);
            return true;
        }
        st->pre_next = first;
        st->pre_end = first + records;
    }
    for (size_t i = 0; i < k && !st->rc; i++)
        csv_fast_line(st, st->buf + st->run[i].off, st->run[i].len, st->run[i].ascii);
    st->pre_next = st->pre_end = 0;
    st->pos = p;
    return true;
}

/*
 * Tokenize until the mode's goal: the header read (header modes), the batch full (data), or the
 * end of the input. Returns st->rc.
 */
static int csv_pump(struct csv_reader *st)
{
    bool header = st->mode == CSV_HEADER || st->mode == CSV_SKIP_HEADER;
    while (!st->rc && !st->done) {
        size_t avail, piece, used;
        const unsigned char *s, *nl;
        if (header && st->header_done)
            break;
        if (st->mode == CSV_DATA && !st->in_record && tp_dataset_nrows(st->batch) >= st->max_rows)
            break;
        avail = st->len - st->pos;
        if (avail == 0) {
            if (st->eof)
                csv_finish(st);
            else
                csv_refill(st);
            continue;
        }
        s = st->buf + st->pos;
        nl = memchr(s, '\n', avail);
        if (st->idle && !header) {
            if (!nl && !st->eof && avail < CSV_LINE_MAX) {
                csv_refill(st);
                continue;
            }
            if (csv_fast_run(st))
                continue;
        }
        piece = csv_piece_limit(st, s, nl ? (size_t)(nl - s) + 1 : avail);
        st->ended_on_lf = false;
        used = csv_parse(&st->parser, s, piece, csv_cb_field, csv_cb_row, st);
        if (st->rc)
            break;
        if (used < piece) {
            csv_parser_error(st);
            break;
        }
        st->pos += piece;
        st->idle = s[piece - 1] == '\n' && st->ended_on_lf;
    }
    return st->rc;
}

/* ---- options and metadata ---- */

int csv_opt_delimiter(const struct tp_options *o, char *delim, struct tp_error *err)
{
    const char *v = tp_options_get(o, "csv.delimiter");
    *delim = 0;
    if (!v || !*v)
        return TP_OK;
    if (strcmp(v, ",") == 0 || strcmp(v, ";") == 0 || strcmp(v, "\t") == 0)
        *delim = v[0];
    else if (strcasecmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
        *delim = '\t';
    else if (strcasecmp(v, "comma") == 0)
        *delim = ',';
    else if (strcasecmp(v, "semicolon") == 0)
        *delim = ';';
    else
        return tp_fail(err, TP_E_USAGE, "unknown csv.delimiter '%s' (use ',', ';' or 'tab')", v);
    return TP_OK;
}

static bool csv_opt_true(const struct tp_options *o, const char *key)
{
    const char *v = tp_options_get(o, key);
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0);
}

static int csv_read_options(struct csv_reader *st, const struct tp_options *o, struct tp_error *err)
{
    const char *enc = tp_options_get(o, "encoding");
    const char *dec = tp_options_get(o, "csv.decimal");
    char d;
    int rc = csv_opt_delimiter(o, &d, err);
    if (rc)
        return rc;
    st->delim = (unsigned char)d;
    st->enc = CSV_UTF8;
    if (enc && *enc) {
        if (strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0)
            st->enc = CSV_UTF8;
        else if (strcasecmp(enc, "latin1") == 0 || strcasecmp(enc, "latin-1") == 0 ||
                 strcasecmp(enc, "iso-8859-1") == 0 || strcasecmp(enc, "iso8859-1") == 0)
            st->enc = CSV_LATIN1;
        else if (strcasecmp(enc, "cp1252") == 0 || strcasecmp(enc, "windows-1252") == 0)
            st->enc = CSV_CP1252;
        else
            return tp_fail(err, TP_E_USAGE, "unknown encoding '%s' (use utf-8, latin1 or cp1252)",
                           enc);
    }
    if (dec && *dec && strcmp(dec, ",") == 0)
        st->decimal_comma = true;
    else if (dec && *dec && strcmp(dec, ".") != 0)
        return tp_fail(err, TP_E_USAGE, "unknown csv.decimal '%s' (use '.' or ',')", dec);
    st->infer = csv_opt_true(o, "csv.infer");
    st->measure = csv_opt_true(o, "csv.measure");
    st->tmpl = tp_options_template(o);
    return TP_OK;
}

/* The delimiter of the header line: the most frequent of ',' ';' TAB outside quotes. */
static unsigned char csv_detect_delim(const unsigned char *s, size_t n)
{
    size_t comma = 0, semi = 0, tab = 0, i = 0;
    bool q = false;
    while (i < n && (s[i] == '\r' || s[i] == '\n'))
        i++;
    for (; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"')
            q = !q;
        else if (!q && (c == '\n' || c == '\r'))
            break;
        else if (!q && c == ',')
            comma++;
        else if (!q && c == ';')
            semi++;
        else if (!q && c == '\t')
            tab++;
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

/* Dataset name from the source name: base name without extension ("" for memory). */
static void csv_dataset_name(const char *src, char *out, size_t size)
{
    const char *b = strrchr(src, '/'), *dot;
    size_t n;
    b = b ? b + 1 : src;
    out[0] = '\0';
    if (*b == '<')
        return;
    dot = strrchr(b, '.');
    n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    if (n >= size)
        n = size - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

static int csv_build_meta(struct csv_reader *st)
{
    size_t n = st->nnames;
    char name[65];
    st->ncols = n;
    st->colmap = tp_calloc(n, sizeof *st->colmap);
    st->coltype = tp_calloc(n, 1);
    if (!st->colmap || !st->coltype)
        return csv_nomem(st);
    if (st->tmpl) {
        size_t nv = tp_dataset_nvars(st->tmpl);
        unsigned char *seen = tp_calloc(nv, 1);
        if (!seen)
            return csv_nomem(st);
        st->meta = tp_dataset_clone_meta(st->tmpl);
        if (!st->meta) {
            tp_free(seen);
            return csv_nomem(st);
        }
        if (!*tp_dataset_name(st->meta)) {
            csv_dataset_name(tp_source_name(st->src), name, sizeof name);
            if (tp_dataset_set_name(st->meta, name)) {
                tp_free(seen);
                return csv_nomem(st);
            }
        }
        for (size_t i = 0; i < n && !st->rc; i++) {
            long v = tp_dataset_find_var(st->meta, csv_colname(st, i));
            if (v < 0)
                csv_fail(st, TP_E_PARSE, st->header_line, i,
                         "column '%s' is not in the variables template", csv_colname(st, i));
            else if (seen[v])
                csv_fail(st, TP_E_PARSE, st->header_line, i, "duplicate column '%s'",
                         csv_colname(st, i));
            else {
                seen[v] = 1;
                st->colmap[i] = (size_t)v;
                st->coltype[i] = (unsigned char)tp_dataset_var(st->meta, (size_t)v)->type;
            }
        }
        for (size_t v = 0; v < nv && !st->rc; v++)
            if (!seen[v])
                csv_fail(st, TP_E_PARSE, st->header_line, SIZE_MAX,
                         "variable '%s' of the template is missing from the header",
                         tp_dataset_var(st->meta, v)->name);
        tp_free(seen);
        return st->rc;
    }
    csv_dataset_name(tp_source_name(st->src), name, sizeof name);
    st->meta = tp_dataset_new(name, "");
    if (!st->meta)
        return csv_nomem(st);
    for (size_t i = 0; i < n; i++) {
        struct tp_var v;
        memset(&v, 0, sizeof v);
        v.name = (char *)(st->names.buf + st->name_off[i]);
        v.label = NULL;
        v.type = TP_CHAR;
        v.length = 0;
        if (tp_dataset_find_var(st->meta, v.name) >= 0)
            return csv_fail(st, TP_E_PARSE, st->header_line, i, "duplicate column '%s'", v.name);
        if (tp_dataset_add_var(st->meta, &v, NULL))
            return csv_nomem(st);
        st->colmap[i] = i;
        st->coltype[i] = TP_CHAR;
    }
    return TP_OK;
}

static int csv_rewind_to_data(struct csv_reader *st);

/* After the inference pass: set types and lengths, then rewind to the first data record. */
static int csv_apply_inference(struct csv_reader *st)
{
    for (size_t i = 0; i < st->ncols; i++) {
        struct tp_var *v = tp_dataset_var_mut(st->meta, i);
        const struct csv_colstat *cs = &st->stats[i];
        if (cs->num_ok && cs->any) {
            v->type = TP_NUM;
            v->length = 8;
        } else {
            v->type = TP_CHAR;
            v->length = cs->maxlen ? cs->maxlen : 1;
        }
        st->coltype[i] = (unsigned char)v->type;
    }
    return csv_rewind_to_data(st);
}

/* After the measuring pass: CHAR variables of unknown length get the longest value (at least 1). */
static int csv_apply_measure(struct csv_reader *st)
{
    for (size_t i = 0; i < st->ncols; i++) {
        struct tp_var *v = tp_dataset_var_mut(st->meta, st->colmap[i]);
        if (v->type == TP_CHAR && v->length == 0)
            v->length = st->stats[i].maxlen ? st->stats[i].maxlen : 1;
    }
    return csv_rewind_to_data(st);
}

/* Rewind the source after a first pass and read up to the first data record again. */
static int csv_rewind_to_data(struct csv_reader *st)
{
    if (tp_source_rewind(st->src, st->err)) {
        st->rc = st->err && st->err->code ? st->err->code : TP_E_IO;
        return st->rc;
    }
    if (csv_begin_input(st) || csv_parser_start(st))
        return st->rc;
    st->mode = CSV_SKIP_HEADER;
    return csv_pump(st);
}

/* ---- the plugin entry points ---- */

int csv_read_open(struct tp_source *src, const struct tp_options *o, void **state,
                  struct tp_dataset **meta, struct tp_error *err)
{
    struct csv_reader *st = tp_calloc(1, sizeof *st);
    int rc;
    *state = NULL;
    *meta = NULL;
    if (!st)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    st->src = src;
    st->err = err;
    tp_strbuf_init(&st->names);
    rc = csv_read_options(st, o, err);
    if (rc)
        goto fail;
    st->cap = CSV_LINE_MAX + (st->enc == CSV_UTF8 ? CSV_CHUNK : 3 * CSV_CHUNK);
    st->buf = tp_calloc(1, st->cap + CSV_SCAN_PAD); /* zeroed: the scan reads past len */
    st->raw = st->enc == CSV_UTF8 ? NULL : tp_malloc(CSV_CHUNK);
    if (!st->buf || (st->enc != CSV_UTF8 && !st->raw)) {
        rc = csv_nomem(st);
        goto fail;
    }
    if (csv_begin_input(st) || (!st->eof && csv_refill(st))) {
        rc = st->rc;
        goto fail;
    }
    if (!st->delim)
        st->delim = csv_detect_delim(st->buf + st->pos, st->len - st->pos);
    st->mode = CSV_HEADER;
    if (csv_parser_start(st) || csv_pump(st)) {
        rc = st->rc;
        goto fail;
    }
    if (!st->header_done) {
        rc = csv_fail(st, TP_E_PARSE, st->line, SIZE_MAX, "no header row (the file is empty)");
        goto fail;
    }
    if (csv_build_meta(st)) {
        rc = st->rc;
        goto fail;
    }
    if (st->infer && !st->tmpl) {
        st->stats = tp_calloc(st->ncols, sizeof *st->stats);
        if (!st->stats) {
            rc = csv_nomem(st);
            goto fail;
        }
        for (size_t i = 0; i < st->ncols; i++)
            st->stats[i].num_ok = true;
        st->mode = CSV_INFER;
        if (csv_pump(st) || csv_apply_inference(st)) {
            rc = st->rc;
            goto fail;
        }
    } else if (st->measure) {
        /* a writer that needs lengths follows: measure the CHAR values now (one pass that stores
           nothing) rather than have the caller read every row into batches twice */
        bool unknown = false;
        for (size_t i = 0; i < st->ncols; i++)
            if (st->coltype[i] == TP_CHAR && tp_dataset_var(st->meta, st->colmap[i])->length == 0)
                unknown = true;
        if (unknown) {
            st->stats = tp_calloc(st->ncols, sizeof *st->stats);
            if (!st->stats) {
                rc = csv_nomem(st);
                goto fail;
            }
            st->mode = CSV_MEASURE;
            if (csv_pump(st) && st->rc != TP_E_NOMEM) {
                /* The quick pass skips the numbers, so its error may not be the file's first:
                   measure again checking everything as reading does, which stops at the same
                   first error as before (the rare, failing case pays a second pass). */
                st->rc = TP_OK;
                tp_error_init(&st->saved);
                if (st->err)
                    tp_error_init(st->err);
                memset(st->stats, 0, st->ncols * sizeof *st->stats);
                st->measure_strict = true;
                if (csv_rewind_to_data(st) == TP_OK) {
                    st->mode = CSV_MEASURE;
                    csv_pump(st);
                }
            }
            if (st->rc || csv_apply_measure(st)) {
                rc = st->rc;
                goto fail;
            }
        }
    }
    st->mode = CSV_DATA;
    *state = st;
    *meta = st->meta;
    return TP_OK;
fail:
    csv_read_close(st);
    return rc ? rc : TP_E_INTERNAL;
}

int csv_read_batch(void *state, struct tp_dataset *batch, size_t max_rows, struct tp_error *err)
{
    struct csv_reader *st = state;
    int rc;
    tp_dataset_clear_rows(batch);
    if (st->rc) {
        if (err && err->code == TP_OK)
            *err = st->saved;
        return st->rc;
    }
    if (st->done || max_rows == 0)
        return TP_OK;
    if (tp_dataset_nvars(batch) != st->ncols)
        return tp_fail(err, TP_E_INTERNAL, "csv batch has %zu variables, expected %zu",
                       tp_dataset_nvars(batch), st->ncols);
    st->err = err;
    st->batch = batch;
    st->max_rows = max_rows;
    rc = csv_pump(st);
    st->batch = NULL;
    st->err = NULL;
    return rc;
}

void csv_read_close(void *state)
{
    struct csv_reader *st = state;
    if (!st)
        return;
    if (st->parser_live)
        csv_free(&st->parser);
    tp_free(st->buf);
    tp_free(st->raw);
    tp_strbuf_release(&st->names);
    tp_free(st->name_off);
    tp_free(st->colmap);
    tp_free(st->coltype);
    tp_free(st->stats);
    tp_free(st->row_lines);
    tp_free(st->spans);
    tp_free(st->bulk_line);
    tp_free(st->bulk_fail);
    tp_dataset_free(st->meta);
    tp_free(st);
}

long csv_read_row_line(const void *state, size_t i)
{
    const struct csv_reader *st = state;
    return i < st->row_lines_cap && st->row_lines ? st->row_lines[i] : -1;
}

long csv_read_header_line(const void *state)
{
    const struct csv_reader *st = state;
    return st->header_line;
}

/* Content probe: text whose first line has a delimiter looks like CSV (never certain). */
static int csv_probe(const unsigned char *head, size_t n)
{
    size_t i = 0;
    bool delim = false;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3;
    if (i == n)
        return 0;
    for (; i < n; i++) {
        unsigned char c = head[i];
        if (c == 0 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n'))
            return 0;
        if (c == ',' || c == ';' || c == '\t')
            delim = true;
    }
    return delim ? 40 : 20;
}

const struct tp_format fmt_csv = {
    .name = "csv",
    .exts = ".csv .tsv .txt",
    .flags = 0,
    .probe = csv_probe,
    .read_open = csv_read_open,
    .read_batch = csv_read_batch,
    .read_next_member = NULL,
    .read_close = csv_read_close,
    .write_open = csv_write_open,
    .write_batch = csv_write_batch,
    .write_finish = csv_write_finish,
    .write_free = csv_write_free,
};
