/*
 * SAS XPORT v5/v8 reader (SAS TS-140 and the SAS "Record Layout of a SAS Version 8 or 9 Data Set in
 * SAS Transport Format" paper; docs/standards.md section 1), plus the format tables "xpt" and
 * "xpt8" (the writer is xpt_write.c).
 *
 * The reader streams: a buffer of at least 1 MiB slides over the file, headers are parsed from it,
 * and observations are decoded straight from it into the caller's batch, one column at a time with
 * precomputed offsets. Nothing proportional to the file is ever allocated.
 *
 * End of a member's data: the next 80-byte-aligned record that starts with a MEMBER/MEMBV8 (or a
 * LIBRARY/LIBV8) header prefix, or end of file. V8 files carry the observation count (OBSV8); when
 * it is absent (15 zeros) or the file is V5, the count follows standards.md section 1.9, as SAS's
 * own XPT2LOC macro does: floor(bytes / row length), then drop all-blank rows that start inside
 * the last 80 bytes.
 *
 * Every corrupt input gives TP_E_PARSE with the byte offset, record and variable it concerns.
 */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "xpt.h"

#include "ibmfloat.h"
#include "model/dataset_bulk.h"

#define XPT_BUF_MIN (1u << 20)            /* read buffer: 1 MiB, larger for very long rows */
#define XPT_TILE_ROWS_MAX 1024 /* rows decoded per tile (about 32 KiB of rows) */
#define XPT_BUF_PAD 8 /* allocated bytes after the buffer's cap: values are copied a word at a time */
#define XPT_ROWLEN_MAX ((size_t)64 << 20) /* refuse observations longer than 64 MiB */
#define XPT_NVARS_READ_MAX 999999u        /* the NAMESTR count field has 6 digits */

const char xpt_months[12][4] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

struct xpt_col {
    size_t off, len;
    bool num;
};

struct xpt_rd {
    struct tp_source *src;
    long long fsize; /* -1 when unknown */
    /* sliding buffer: bytes [pos, len) of buf are file bytes [base + pos, base + len) */
    unsigned char *buf;
    size_t cap, pos, len;
    uint64_t base;
    bool eof;
    /* library header */
    int lib_version;
    /* current member */
    struct tp_dataset *meta;
    struct xpt_col *cols;
    size_t ncols;
    size_t rowlen;
    int version; /* 5 or 8, from the member header */
    char dsname[33];
    uint64_t data_start; /* file offset of the first observation byte */
    bool count_known;    /* OBSV8 gave a non-zero count */
    uint64_t count;
    uint64_t rows_done;
    uint64_t scanned; /* records before this offset were checked for a member header */
    bool end_known;
    uint64_t data_end; /* offset of the next header record, or of end of file */
    bool final_known;
    uint64_t nrows_final; /* v5: rows after the section 1.9 trimming */
    bool member_done;
    bool no_more_members;
};

/* ---- errors ---- */

static int rd_fail(struct xpt_rd *rd, struct tp_error *err, uint64_t off, const char *var,
                   const char *fmt, ...) TP_PRINTF(5, 6);

static int rd_fail(struct xpt_rd *rd, struct tp_error *err, uint64_t off, const char *var,
                   const char *fmt, ...)
{
    struct tp_loc loc;
    char msg[200];
    va_list ap;
    tp_loc_init(&loc);
    snprintf(loc.path, sizeof loc.path, "%s", tp_source_name(rd->src));
    loc.row = (long)(off / XPT_REC) + 1;
    snprintf(loc.dataset, sizeof loc.dataset, "%s", rd->dsname);
    if (var)
        snprintf(loc.variable, sizeof loc.variable, "%s", var);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tp_fail_at(err, TP_E_PARSE, &loc, "%s (byte %llu)", msg, (unsigned long long)off);
}

static int rd_nomem(struct tp_error *err)
{
    return tp_fail(err, TP_E_NOMEM, "out of memory");
}

/* ---- the sliding buffer ---- */

static uint64_t rd_off(const struct xpt_rd *rd)
{
    return rd->base + rd->pos;
}

/* Make at least want bytes available after pos when the file has them (fewer only at EOF).
   Reads as much as fits, so that large files are read in big chunks. */
static int rd_fill(struct xpt_rd *rd, size_t want, struct tp_error *err)
{
    if (rd->len - rd->pos >= want || rd->eof)
        return TP_OK;
    if (rd->pos > 0) {
        memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
        rd->base += rd->pos;
        rd->len -= rd->pos;
        rd->pos = 0;
    }
    if (want > rd->cap) {
        size_t ncap = rd->cap;
        unsigned char *nb;
        while (ncap < want)
            ncap *= 2;
        nb = tp_realloc(rd->buf, ncap + XPT_BUF_PAD);
        if (!nb)
            return rd_nomem(err);
        rd->buf = nb;
        rd->cap = ncap;
    }
    while (rd->len < rd->cap) {
        long r = tp_source_read(rd->src, rd->buf + rd->len, rd->cap - rd->len, err);
        if (r < 0)
            return err && err->code ? err->code : TP_E_IO;
        if (r == 0) {
            rd->eof = true;
            break;
        }
        rd->len += (size_t)r;
        if (rd->len - rd->pos >= want && rd->len >= rd->cap / 2)
            break;
    }
    return TP_OK;
}

/* Point *p at the next n bytes and consume them; what names the structure for the error. */
static int rd_take(struct xpt_rd *rd, size_t n, const unsigned char **p, const char *what,
                   struct tp_error *err)
{
    int rc = rd_fill(rd, n, err);
    if (rc)
        return rc;
    if (rd->len - rd->pos < n)
        return rd_fail(rd, err, rd->base + rd->len, NULL,
                       "unexpected end of file in %s (need %zu more bytes)", what,
                       n - (rd->len - rd->pos));
    *p = rd->buf + rd->pos;
    rd->pos += n;
    return TP_OK;
}

/* ---- header records ---- */

/* Whether rec (80 bytes) is the header record called name ("MEMBER", "LIBV8", ...). */
static bool hdr_is(const unsigned char *rec, const char *name)
{
    size_t n = strlen(name);
    if (memcmp(rec, XPT_HDR_A, 20) != 0 || memcmp(rec + 28, XPT_HDR_B, 20) != 0)
        return false;
    if (memcmp(rec + 20, name, n) != 0)
        return false;
    for (size_t i = n; i < 8; i++)
        if (rec[20 + i] != ' ')
            return false;
    return true;
}

static bool hdr_is_member(const unsigned char *rec)
{
    return rec[0] == 'H' && (hdr_is(rec, "MEMBER") || hdr_is(rec, "MEMBV8"));
}

static bool hdr_is_library(const unsigned char *rec)
{
    return rec[0] == 'H' && (hdr_is(rec, "LIBRARY") || hdr_is(rec, "LIBV8"));
}

/* Printable name of a header record for messages. */
static void hdr_describe(const unsigned char *rec, char *buf, size_t size)
{
    size_t n = 0;
    if (memcmp(rec, XPT_HDR_A, 20) == 0 && memcmp(rec + 28, XPT_HDR_B, 20) == 0) {
        char name[9];
        for (size_t i = 0; i < 8; i++) {
            unsigned char c = rec[20 + i];
            name[i] = (c >= 0x21 && c < 0x7f) ? (char)c : '\0';
            if (!name[i])
                break;
            n = i + 1;
        }
        name[n] = '\0';
        snprintf(buf, size, "header record '%s'", name);
        return;
    }
    snprintf(buf, size, "a record that is not a header record");
}

/* Parse a decimal field of w bytes: blanks around, digits inside, at least one digit. */
static bool parse_count(const unsigned char *p, size_t w, uint64_t *out)
{
    size_t i = 0, j = w;
    uint64_t v = 0;
    while (i < j && (p[i] == ' ' || p[i] == '\0'))
        i++;
    while (j > i && (p[j - 1] == ' ' || p[j - 1] == '\0'))
        j--;
    if (i == j)
        return false;
    for (; i < j; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out = v;
    return true;
}

/* Copy a fixed-width text field, dropping trailing blanks and NULs (leading blanks stay). */
static void field_text(const unsigned char *p, size_t w, char *out)
{
    while (w > 0 && (p[w - 1] == ' ' || p[w - 1] == '\0'))
        w--;
    memcpy(out, p, w);
    out[w] = '\0';
    /* an embedded NUL would cut the C string short: keep what precedes it */
}

/* Two decimal digits of v (0..99). */
static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
}

/* "ddMMMyy:hh:mm:ss" (month in any case) -> ISO 8601 "YYYY-MM-DDThh:mm:ss"; years 00-68 are
   20xx and 69-99 are 19xx, as POSIX %y (and pandas) read them. Unparseable text is kept as it
   is (blanks trimmed). out >= 32 bytes. */
static void parse_stamp(const unsigned char *p, char *out)
{
    int v[5], mon = -1;
    static const int pos[5] = {0, 5, 8, 11, 14};
    char raw[17];
    bool ok = p[7] == ':' && p[10] == ':' && p[13] == ':';
    for (int i = 0; ok && i < 5; i++) {
        unsigned a = p[pos[i]], b = p[pos[i] + 1];
        if (a < '0' || a > '9' || b < '0' || b > '9')
            ok = false;
        else
            v[i] = (int)(a - '0') * 10 + (int)(b - '0');
    }
    for (int m = 0; ok && m < 12; m++)
        if (strncasecmp((const char *)p + 2, xpt_months[m], 3) == 0)
            mon = m;
    if (ok && mon >= 0 && v[0] >= 1 && v[0] <= 31 && v[2] <= 23 && v[3] <= 59 && v[4] <= 60) {
        int year = v[1] <= 68 ? 2000 + v[1] : 1900 + v[1];
        put2(out, year / 100);
        put2(out + 2, year % 100);
        out[4] = '-';
        put2(out + 5, mon + 1);
        out[7] = '-';
        put2(out + 8, v[0]);
        out[10] = 'T';
        put2(out + 11, v[2]);
        out[13] = ':';
        put2(out + 14, v[3]);
        out[16] = ':';
        put2(out + 17, v[4]);
        out[19] = '\0';
        return;
    }
    field_text(p, 16, raw);
    for (char *c = raw; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    snprintf(out, 32, "%s", raw);
}

/* Read one 80-byte record that must be the header named v5 or v8 (either accepted). */
static int rd_expect(struct xpt_rd *rd, const char *v5, const char *v8, const unsigned char **rec,
                     struct tp_error *err)
{
    uint64_t off = rd_off(rd);
    char what[64], desc[64];
    int rc;
    snprintf(what, sizeof what, "the %s header record", v5);
    rc = rd_take(rd, XPT_REC, rec, what, err);
    if (rc)
        return rc;
    if (hdr_is(*rec, v5) || hdr_is(*rec, v8))
        return TP_OK;
    hdr_describe(*rec, desc, sizeof desc);
    return rd_fail(rd, err, off, NULL, "expected the %s or %s header record, found %s", v5, v8,
                   desc);
}

/* ---- library and member headers ---- */

/* The LIBRARY/LIBV8 header and the two real header records. */
static int rd_library(struct xpt_rd *rd, struct tp_error *err)
{
    const unsigned char *rec;
    uint64_t off = rd_off(rd);
    int rc = rd_take(rd, XPT_REC, &rec, "the library header record", err);
    if (rc)
        return rc;
    if (hdr_is(rec, "LIBRARY"))
        rd->lib_version = 5;
    else if (hdr_is(rec, "LIBV8"))
        rd->lib_version = 8;
    else
        return rd_fail(rd, err, off, NULL,
                       "not a SAS transport file: the first record is not a LIBRARY or LIBV8 "
                       "header record");
    /* real header records 1 and 2: identity and dates, repeated per member (we keep those) */
    rc = rd_take(rd, 2 * XPT_REC, &rec, "the library real header records", err);
    return rc;
}

/* A format width or decimal count: int16, negative read as 0. */
static int rd_width(const unsigned char *p)
{
    int v = xpt_get_i16(p);
    return v < 0 ? 0 : v;
}

/* Fill rd->cols and the variables of rd->meta from the NAMESTR records. */
static int rd_namestrs(struct xpt_rd *rd, size_t nvars, size_t nslen, struct tp_error *err)
{
    uint64_t rowlen = 0;
    struct tp_error e2;
    int rc;
    rd->cols = tp_calloc(nvars ? nvars : 1, sizeof *rd->cols);
    if (!rd->cols)
        return rd_nomem(err);
    for (size_t i = 0; i < nvars; i++) {
        const unsigned char *p;
        unsigned char ns[XPT_NAMESTR_LEN];
        char name[33], sname[9], label[41], form[9], iform[9], vname[48];
        uint64_t off = rd_off(rd);
        int type, nlng;
        long npos;
        struct tp_var v;
        char what[48];
        snprintf(what, sizeof what, "NAMESTR record %zu", i + 1);
        rc = rd_take(rd, nslen, &p, what, err);
        if (rc)
            return rc;
        memset(ns, 0, sizeof ns);
        memcpy(ns, p, nslen < sizeof ns ? nslen : sizeof ns);
        field_text(ns + XPT_NS_NNAME, 8, sname);
        name[0] = '\0';
        if (rd->version == 8 && nslen >= XPT_NS_LONGNAME + 32)
            field_text(ns + XPT_NS_LONGNAME, 32, name);
        if (!name[0])
            memcpy(name, sname, sizeof sname);
        snprintf(vname, sizeof vname, "%s", name[0] ? name : "?");
        type = xpt_get_i16(ns + XPT_NS_NTYPE);
        nlng = xpt_get_i16(ns + XPT_NS_NLNG);
        npos = xpt_get_i32(ns + XPT_NS_NPOS);
        if (type != 1 && type != 2)
            return rd_fail(rd, err, off, vname,
                           "NAMESTR %zu has type %d, not 1 (numeric) or 2 (character)", i + 1,
                           type);
        if (type == 1 && (nlng < 2 || nlng > 8))
            return rd_fail(rd, err, off, vname, "numeric variable has length %d, not 2..8", nlng);
        if (type == 2 && nlng < 1)
            return rd_fail(rd, err, off, vname, "character variable has length %d", nlng);
        if (npos < 0)
            return rd_fail(rd, err, off, vname, "NAMESTR position %ld is negative", npos);
        if (!name[0])
            return rd_fail(rd, err, off, NULL, "NAMESTR %zu has an empty variable name", i + 1);
        field_text(ns + XPT_NS_NLABEL, 40, label);
        field_text(ns + XPT_NS_NFORM, 8, form);
        field_text(ns + XPT_NS_NIFORM, 8, iform);
        memset(&v, 0, sizeof v);
        v.name = name;
        v.label = label;
        v.type = type == 1 ? TP_NUM : TP_CHAR;
        v.length = (size_t)nlng;
        v.format = form[0] ? form : NULL;
        /* widths are never negative; ReadStat <= 1.1.8 leaks Stata's "%-9s" as -9 */
        v.format_width = rd_width(ns + XPT_NS_NFL);
        v.format_decimals = rd_width(ns + XPT_NS_NFD);
        v.format_just = xpt_get_i16(ns + XPT_NS_NFJ);
        v.informat = iform[0] ? iform : NULL;
        v.informat_width = rd_width(ns + XPT_NS_NIFL);
        v.informat_decimals = rd_width(ns + XPT_NS_NIFD);
        tp_error_init(&e2);
        rc = tp_dataset_add_var(rd->meta, &v, &e2);
        if (rc == TP_E_NOMEM)
            return rd_nomem(err);
        if (rc)
            return rd_fail(rd, err, off, vname, "NAMESTR %zu: %s", i + 1, e2.msg);
        rd->cols[i].off = (size_t)npos;
        rd->cols[i].len = (size_t)nlng;
        rd->cols[i].num = type == 1;
        rowlen += (uint64_t)nlng;
    }
    rd->ncols = nvars;
    if (rowlen == 0)
        return rd_fail(rd, err, rd_off(rd), NULL, "member has no variables (row length 0)");
    if (rowlen > XPT_ROWLEN_MAX)
        return rd_fail(rd, err, rd_off(rd), NULL,
                       "observation length %llu exceeds the supported maximum of %zu bytes",
                       (unsigned long long)rowlen, XPT_ROWLEN_MAX);
    rd->rowlen = (size_t)rowlen;
    for (size_t i = 0; i < nvars; i++)
        if (rd->cols[i].off + rd->cols[i].len > rd->rowlen)
            return rd_fail(rd, err, rd_off(rd), tp_dataset_var(rd->meta, i)->name,
                           "position %zu + length %zu lies outside the %zu-byte observation",
                           rd->cols[i].off, rd->cols[i].len, rd->rowlen);
    return TP_OK;
}

/* Skip the blank padding up to the next 80-byte boundary (file offsets). */
static int rd_skip_pad(struct xpt_rd *rd, const char *what, struct tp_error *err)
{
    size_t pad = (size_t)((XPT_REC - rd_off(rd) % XPT_REC) % XPT_REC);
    const unsigned char *p;
    return pad ? rd_take(rd, pad, &p, what, err) : TP_OK;
}

/* Find the variable a LABELV8/LABELV9 entry belongs to: by name (as SAS's XPT2LOC does), else by
   its 1-based number (files from ReadStat <= 1.1.8 number from 0 but name correctly). */
static long rd_label_var(struct xpt_rd *rd, const unsigned char *name, size_t nlen, unsigned varnum)
{
    char buf[65];
    long i;
    if (nlen > 0 && nlen < sizeof buf) {
        memcpy(buf, name, nlen);
        buf[nlen] = '\0';
        while (nlen > 0 && buf[nlen - 1] == ' ')
            buf[--nlen] = '\0';
        i = tp_dataset_find_var(rd->meta, buf);
        if (i >= 0)
            return i;
    }
    if (varnum >= 1 && varnum <= rd->ncols)
        return (long)varnum - 1;
    return -1;
}

/* Apply a format text from a LABELV9 entry ("DATETIME20.", "$CHAR200.") to variable i. */
static int rd_apply_format(struct xpt_rd *rd, size_t i, bool informat, const unsigned char *s,
                           size_t n, struct tp_error *err)
{
    struct tp_var *v = tp_dataset_var_mut(rd->meta, i);
    struct tp_error e2;
    char *text;
    int rc = TP_OK;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
        n--;
    if (n == 0)
        return TP_OK;
    text = tp_strndup((const char *)s, n);
    if (!text)
        return rd_nomem(err);
    tp_error_init(&e2);
    if (tp_var_parse_format(v, informat, text, &e2) != TP_OK) {
        /* not NAME w.d: keep the text as the name so nothing is lost */
        if (tp_var_set_str(informat ? &v->informat : &v->format, text))
            rc = rd_nomem(err);
        else if (informat)
            v->informat_width = v->informat_decimals = 0;
        else
            v->format_width = v->format_decimals = 0;
    }
    tp_free(text);
    return rc;
}

/* LABELV8 / LABELV9 entries after their header record. */
static int rd_labels(struct xpt_rd *rd, bool v9, uint64_t nent, struct tp_error *err)
{
    int rc;
    for (uint64_t k = 0; k < nent; k++) {
        const unsigned char *p;
        unsigned lens[5], varnum;
        size_t nfix = v9 ? 10 : 6, total = 0;
        uint64_t off = rd_off(rd);
        long vi;
        char what[48];
        unsigned char *copy;
        snprintf(what, sizeof what, "LABELV%c entry %llu", v9 ? '9' : '8',
                 (unsigned long long)k + 1);
        rc = rd_take(rd, nfix, &p, what, err);
        if (rc)
            return rc;
        varnum = xpt_get_u16(p);
        for (size_t j = 1; j < nfix / 2; j++) {
            lens[j] = xpt_get_u16(p + 2 * j);
            total += lens[j];
        }
        rc = rd_take(rd, total, &p, what, err);
        if (rc)
            return rc;
        /* copy: the strings may be needed after further reads move the buffer */
        copy = tp_malloc(total);
        if (!copy)
            return rd_nomem(err);
        memcpy(copy, p, total);
        vi = rd_label_var(rd, copy, lens[1], varnum);
        if (vi < 0) {
            tp_free(copy);
            return rd_fail(rd, err, off, NULL,
                           "%s refers to variable %u, but the member has %zu variables", what,
                           varnum, rd->ncols);
        }
        {
            struct tp_var *v = tp_dataset_var_mut(rd->meta, (size_t)vi);
            const unsigned char *lab = copy + lens[1];
            size_t ln = lens[2];
            char *label;
            while (ln > 0 && (lab[ln - 1] == ' ' || lab[ln - 1] == '\0'))
                ln--;
            label = tp_strndup((const char *)lab, ln);
            if (!label || tp_var_set_str(&v->label, label)) {
                tp_free(label);
                tp_free(copy);
                return rd_nomem(err);
            }
            tp_free(label);
            if (v9) {
                rc = rd_apply_format(rd, (size_t)vi, false, lab + lens[2], lens[3], err);
                if (rc == TP_OK)
                    rc = rd_apply_format(rd, (size_t)vi, true, lab + lens[2] + lens[3], lens[4],
                                         err);
                if (rc) {
                    tp_free(copy);
                    return rc;
                }
            }
        }
        tp_free(copy);
    }
    return rd_skip_pad(rd, "the padding after the long labels", err);
}

static int rd_set_attr(struct xpt_rd *rd, const char *key, const char *val, struct tp_error *err)
{
    return tp_dataset_set_attr(rd->meta, key, val) ? rd_nomem(err) : TP_OK;
}

static void rd_reset_member(struct xpt_rd *rd)
{
    tp_dataset_free(rd->meta);
    rd->meta = NULL;
    tp_free(rd->cols);
    rd->cols = NULL;
    rd->ncols = rd->rowlen = 0;
    rd->count_known = rd->end_known = rd->final_known = rd->member_done = false;
    rd->count = rd->rows_done = rd->nrows_final = 0;
    rd->dsname[0] = '\0';
}

/* Parse a member's headers up to and including the OBS record; pos is at its MEMBER header. */
static int rd_member(struct xpt_rd *rd, struct tp_error *err)
{
    const unsigned char *rec;
    unsigned char r1[XPT_REC], r2[XPT_REC];
    uint64_t off, n;
    size_t nslen, nvars;
    char name[33], label[41], dstype[9], sasver[9], os[9], created[32], modified[32];
    int rc;

    rd_reset_member(rd);
    off = rd_off(rd);
    if ((rc = rd_expect(rd, "MEMBER", "MEMBV8", &rec, err)))
        return rc;
    rd->version = hdr_is(rec, "MEMBV8") ? 8 : 5;
    if (!parse_count(rec + 74, 4, &n) || n < XPT_NAMESTR_MIN || n > 4096)
        return rd_fail(rd, err, off, NULL,
                       "member header gives NAMESTR length '%.4s' (expected 140, at least %d)",
                       (const char *)rec + 74, XPT_NAMESTR_MIN);
    nslen = (size_t)n;
    if ((rc = rd_expect(rd, "DSCRPTR", "DSCPTV8", &rec, err)))
        return rc;
    if ((rc = rd_take(rd, 2 * XPT_REC, &rec, "the member descriptor records", err)))
        return rc;
    memcpy(r1, rec, XPT_REC);
    memcpy(r2, rec + XPT_REC, XPT_REC);
    if (rd->version == 8) {
        field_text(r1 + 8, 32, name);
        field_text(r1 + 48, 8, sasver);
        field_text(r1 + 56, 8, os);
    } else {
        field_text(r1 + 8, 8, name);
        field_text(r1 + 24, 8, sasver);
        field_text(r1 + 32, 8, os);
    }
    parse_stamp(r1 + 64, created);
    parse_stamp(r2, modified);
    field_text(r2 + 32, 40, label);
    field_text(r2 + 72, 8, dstype);
    snprintf(rd->dsname, sizeof rd->dsname, "%s", name);
    rd->meta = tp_dataset_new(name, label);
    if (!rd->meta)
        return rd_nomem(err);
    if ((rc = rd_set_attr(rd, "xpt.version", rd->version == 8 ? "8" : "5", err)) ||
        (rc = rd_set_attr(rd, "xpt.sas_version", sasver, err)) ||
        (rc = rd_set_attr(rd, "xpt.os", os, err)) ||
        (rc = rd_set_attr(rd, "xpt.created", created, err)) ||
        (rc = rd_set_attr(rd, "xpt.modified", modified, err)) ||
        (rc = rd_set_attr(rd, "xpt.dstype", dstype, err)))
        return rc;

    off = rd_off(rd);
    if ((rc = rd_expect(rd, "NAMESTR", "NAMSTV8", &rec, err)))
        return rc;
    /* SAS's XPT2LOC reads 6 digits at 52..57; SAS writes "000000" + 4 digits at 54..57 */
    if (!parse_count(rec + 52, 6, &n) || n > XPT_NVARS_READ_MAX)
        return rd_fail(rd, err, off, NULL, "NAMESTR header has no valid variable count: '%.6s'",
                       (const char *)rec + 52);
    nvars = (size_t)n;
    if (rd->fsize >= 0 && (uint64_t)nvars * nslen > (uint64_t)rd->fsize)
        return rd_fail(rd, err, off, NULL,
                       "NAMESTR header announces %zu variables, more than the file can hold",
                       nvars);
    if ((rc = rd_namestrs(rd, nvars, nslen, err)))
        return rc;
    if ((rc = rd_skip_pad(rd, "the padding after the NAMESTR records", err)))
        return rc;

    off = rd_off(rd);
    if ((rc = rd_take(rd, XPT_REC, &rec, "the OBS header record", err)))
        return rc;
    if (hdr_is(rec, "LABELV8") || hdr_is(rec, "LABELV9")) {
        bool v9 = hdr_is(rec, "LABELV9");
        if (!parse_count(rec + 48, 5, &n))
            return rd_fail(rd, err, off, NULL, "LABELV%c header has no valid entry count: '%.5s'",
                           v9 ? '9' : '8', (const char *)rec + 48);
        if ((rc = rd_labels(rd, v9, n, err)))
            return rc;
        off = rd_off(rd);
        if ((rc = rd_take(rd, XPT_REC, &rec, "the OBS header record", err)))
            return rc;
    }
    if (!hdr_is(rec, "OBS") && !hdr_is(rec, "OBSV8")) {
        char desc[64];
        hdr_describe(rec, desc, sizeof desc);
        return rd_fail(rd, err, off, NULL, "expected the OBS or OBSV8 header record, found %s",
                       desc);
    }
    if (hdr_is(rec, "OBSV8")) {
        /* observation count right-aligned in 15 characters; all zeros means "not recorded" */
        if (!parse_count(rec + 48, 15, &n))
            return rd_fail(rd, err, off, NULL, "OBSV8 header has no valid observation count");
        if (n > 0) {
            rd->count_known = true;
            rd->count = n;
        }
    }
    rd->data_start = rd_off(rd);
    if (rd->count_known) {
        uint64_t end;
        if (rd->count > (UINT64_MAX - rd->data_start) / rd->rowlen ||
            (rd->fsize >= 0 &&
             (end = rd->data_start + rd->count * rd->rowlen) > (uint64_t)rd->fsize))
            return rd_fail(rd, err, off, NULL,
                           "OBSV8 count %llu of %zu-byte observations does not fit in the file",
                           (unsigned long long)rd->count, rd->rowlen);
        end = rd->data_start + rd->count * rd->rowlen;
        rd->scanned = (end + XPT_REC - 1) / XPT_REC * XPT_REC;
    } else {
        rd->scanned = rd->data_start;
    }
    return TP_OK;
}

/* ---- observations ---- */

/* Check whole records after scanned for a member/library header; note end of data. */
static int rd_scan(struct xpt_rd *rd, struct tp_error *err)
{
    uint64_t have = rd->base + rd->len;
    while (!rd->end_known && rd->scanned + XPT_REC <= have) {
        const unsigned char *rec = rd->buf + (rd->scanned - rd->base);
        if (hdr_is_member(rec) || hdr_is_library(rec)) {
            rd->end_known = true;
            rd->data_end = rd->scanned;
            return TP_OK;
        }
        rd->scanned += XPT_REC;
    }
    if (!rd->end_known && rd->eof) {
        if (have % XPT_REC != 0)
            return rd_fail(rd, err, have, NULL,
                           "file size %llu is not a multiple of 80: truncated file",
                           (unsigned long long)have);
        if (rd->scanned < have)
            return rd_fail(rd, err, have, NULL,
                           "file ends inside an 80-byte record (%llu bytes, not a multiple of "
                           "80): truncated file",
                           (unsigned long long)have);
        if (rd->scanned > have)
            return rd_fail(rd, err, have, NULL,
                           "file ends after %llu of the %llu observations the OBSV8 header "
                           "announces",
                           (unsigned long long)((have - rd->data_start) / rd->rowlen),
                           (unsigned long long)rd->count);
        rd->end_known = true;
        rd->data_end = have;
    }
    return TP_OK;
}

static bool rd_row_blank(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ')
            return false;
    return true;
}

/* V5 row count (section 1.9), once the end of data is known. */
static void rd_final_count(struct xpt_rd *rd)
{
    uint64_t b = rd->data_end - rd->data_start, n = b / rd->rowlen;
    while (n > rd->rows_done && b - (n - 1) * rd->rowlen < XPT_REC &&
           rd_row_blank(rd->buf + (rd->data_start + (n - 1) * rd->rowlen - rd->base), rd->rowlen))
        n--;
    rd->nrows_final = n;
    rd->final_known = true;
}

/* After the last row: everything up to the end of data must be padding (blank or NUL). Also used
   with check == false to skip an unread member. */
static int rd_finish_member(struct xpt_rd *rd, bool check, struct tp_error *err)
{
    int rc;
    for (;;) {
        uint64_t lim, from = rd_off(rd);
        if ((rc = rd_scan(rd, err)))
            return rc;
        lim = rd->end_known ? rd->data_end : rd->scanned;
        if (lim > rd->base + rd->len) /* v8: scanning starts after rows not yet loaded */
            lim = rd->base + rd->len;
        if (lim > from) {
            if (check) {
                const unsigned char *p = rd->buf + rd->pos;
                for (uint64_t i = 0; i < lim - from; i++)
                    if (p[i] != ' ' && p[i] != '\0') {
                        if (rd->count_known)
                            return rd_fail(rd, err, from + i, NULL,
                                           "data after the %llu observations that the OBSV8 "
                                           "header announces",
                                           (unsigned long long)rd->count);
                        return rd_fail(rd, err, from + i, NULL,
                                       "incomplete observation after row %llu: %llu bytes "
                                       "left that are not a whole %zu-byte row",
                                       (unsigned long long)rd->rows_done,
                                       (unsigned long long)(rd->data_end - from), rd->rowlen);
                    }
            }
            rd->pos = (size_t)(lim - rd->base);
        }
        if (rd->end_known)
            break;
        /* more data needed: drop what is consumed and read on */
        if (rd->eof)
            return rd_fail(rd, err, rd_off(rd), NULL, "unexpected end of file");
        if ((rc = rd_fill(rd, rd->len - rd->pos + XPT_REC, err)))
            return rc;
    }
    rd->member_done = true;
    return TP_OK;
}

/* How many rows can be decoded from the buffer now (0 = read more, or the member is done). */
static int rd_ready(struct xpt_rd *rd, uint64_t *k, struct tp_error *err)
{
    uint64_t p = rd_off(rd), have = rd->base + rd->len, r = rd->rowlen;
    int rc;
    *k = 0;
    if (rd->count_known) {
        uint64_t left = rd->count - rd->rows_done;
        if (left == 0)
            return rd_finish_member(rd, true, err);
        *k = (have - p) / r;
        if (*k > left)
            *k = left;
        if (*k == 0 && rd->eof)
            return rd_fail(rd, err, have, NULL,
                           "file ends after %llu of the %llu observations the OBSV8 header "
                           "announces",
                           (unsigned long long)rd->rows_done, (unsigned long long)rd->count);
        return TP_OK;
    }
    if ((rc = rd_scan(rd, err)))
        return rc;
    if (rd->end_known) {
        if (!rd->final_known)
            rd_final_count(rd);
        if (rd->rows_done >= rd->nrows_final)
            return rd_finish_member(rd, true, err);
        *k = rd->nrows_final - rd->rows_done;
        return TP_OK;
    }
    {
        uint64_t need = r > XPT_REC ? r : XPT_REC;
        if (rd->scanned >= p + need)
            *k = (rd->scanned - need - p) / r + 1;
    }
    return TP_OK;
}

/* Length of a character value without its trailing blanks (8 bytes at a time). */
static size_t rd_trim(const unsigned char *p, size_t n)
{
    static const unsigned char blanks[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
    while (n >= 8 && memcmp(p + n - 8, blanks, 8) == 0)
        n -= 8;
    while (n > 0 && p[n - 1] == ' ')
        n--;
    return n;
}

/* Decode k rows starting at rows into rows first.. of batch (added unset: every cell is set
   here), column by column, straight into the batch's column arrays (dataset_bulk.h); the
   character values of a column go in with one call. */
static int rd_decode_tile(const struct xpt_rd *rd, struct tp_dataset *batch,
                          const unsigned char *rows, size_t first, size_t k, struct tp_error *err)
{
    const size_t r = rd->rowlen;
    struct tp_span spans[XPT_TILE_ROWS_MAX];
    for (size_t j = 0; j < rd->ncols; j++) {
        const struct xpt_col *c = &rd->cols[j];
        const unsigned char *p = rows + c->off;
        if (c->num) {
            double *num;
            char *miss;
            unsigned char b[8];
            tp_dataset_num_arrays(batch, j, &num, &miss);
            for (size_t i = 0; i < k; i++, p += r) {
                char m = ibm_missing_kind(p, c->len);
                if (m) {
                    num[first + i] = 0.0;
                    miss[first + i] = m;
                    continue;
                }
                if (c->len == 8) {
                    num[first + i] = ibm_decode(p);
                } else {
                    memset(b, 0, sizeof b);
                    memcpy(b, p, c->len);
                    num[first + i] = ibm_decode(b);
                }
                miss[first + i] = TP_PRESENT;
            }
        } else {
            for (size_t i = 0; i < k; i++, p += r) {
                spans[i].p = (const char *)p;
                spans[i].n = rd_trim(p, c->len);
            }
            /* a value is followed by the rest of its row, or by XPT_BUF_PAD bytes */
            if (tp_dataset_set_strs(batch, j, first, k, spans, 1, TP_SPANS_PADDED))
                return rd_nomem(err);
        }
    }
    return TP_OK;
}

/* Decode k rows starting at buf[pos]: tiles of about 32 KiB so that each tile stays in cache
   while its columns are walked. */
static int rd_decode(struct xpt_rd *rd, struct tp_dataset *batch, size_t first, size_t k,
                     struct tp_error *err)
{
    size_t tile = (32u << 10) / rd->rowlen;
    if (tile == 0)
        tile = 1;
    if (tile > XPT_TILE_ROWS_MAX)
        tile = XPT_TILE_ROWS_MAX;
    for (size_t i = 0; i < k; i += tile) {
        size_t n = k - i < tile ? k - i : tile;
        int rc = rd_decode_tile(rd, batch, rd->buf + rd->pos + i * rd->rowlen, first + i, n, err);
        if (rc)
            return rc;
    }
    return TP_OK;
}

static int xpt_read_batch(void *state, struct tp_dataset *batch, size_t max_rows,
                          struct tp_error *err)
{
    struct xpt_rd *rd = state;
    int rc;
    tp_dataset_clear_rows(batch);
    while (!rd->member_done && tp_dataset_nrows(batch) < max_rows) {
        uint64_t k;
        size_t first;
        if ((rc = rd_ready(rd, &k, err)))
            return rc;
        if (rd->member_done)
            break;
        if (k == 0) {
            if (rd->eof)
                return rd_fail(rd, err, rd_off(rd), NULL, "unexpected end of file");
            /* keep the unread rows, read more behind them */
            if ((rc = rd_fill(rd, rd->len - rd->pos + rd->rowlen + 2 * XPT_REC, err)))
                return rc;
            continue;
        }
        if (k > max_rows - tp_dataset_nrows(batch))
            k = max_rows - tp_dataset_nrows(batch);
        if ((rc = tp_dataset_add_rows_unset(batch, (size_t)k, &first, err)))
            return rc;
        if ((rc = rd_decode(rd, batch, first, (size_t)k, err)))
            return rc;
        rd->pos += (size_t)k * rd->rowlen;
        rd->rows_done += k;
    }
    return TP_OK;
}

static void xpt_read_close(void *state)
{
    struct xpt_rd *rd = state;
    if (!rd)
        return;
    rd_reset_member(rd);
    tp_free(rd->buf);
    tp_free(rd);
}

static int xpt_read_open(struct tp_source *src, const struct tp_options *o, void **state,
                         struct tp_dataset **meta, struct tp_error *err)
{
    struct xpt_rd *rd;
    int rc;
    (void)o;
    *state = NULL;
    *meta = NULL;
    rd = tp_calloc(1, sizeof *rd);
    if (!rd)
        return rd_nomem(err);
    rd->src = src;
    rd->fsize = tp_source_size(src);
    rd->base = (uint64_t)tp_source_tell(src);
    rd->cap = XPT_BUF_MIN;
    rd->buf = tp_calloc(1, rd->cap + XPT_BUF_PAD);
    if (!rd->buf) {
        tp_free(rd);
        return rd_nomem(err);
    }
    rc = rd_library(rd, err);
    if (rc == TP_OK)
        rc = rd_member(rd, err);
    if (rc) {
        xpt_read_close(rd);
        return rc;
    }
    *state = rd;
    *meta = rd->meta;
    return TP_OK;
}

static int xpt_read_next_member(void *state, struct tp_dataset **meta, struct tp_error *err)
{
    struct xpt_rd *rd = state;
    const unsigned char *rec;
    int rc;
    *meta = NULL;
    if (rd->no_more_members)
        return TP_OK;
    if (!rd->member_done && (rc = rd_finish_member(rd, false, err)))
        return rc;
    if ((rc = rd_fill(rd, XPT_REC, err)))
        return rc;
    if (rd->len - rd->pos == 0 && rd->eof) {
        rd->no_more_members = true;
        rd_reset_member(rd);
        return TP_OK;
    }
    rec = rd->buf + rd->pos;
    if (rd->len - rd->pos >= XPT_REC && hdr_is_library(rec) && (rc = rd_library(rd, err)))
        return rc;
    if ((rc = rd_member(rd, err)))
        return rc;
    *meta = rd->meta;
    return TP_OK;
}

static int xpt_probe(const unsigned char *head, size_t n)
{
    if (n >= XPT_REC && hdr_is_library(head))
        return 100;
    if (n >= 20 && memcmp(head, XPT_HDR_A, 20) == 0)
        return 60;
    return 0;
}

void xpt_format_stamp(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        memset(&tm, 0, sizeof tm);
    put2(buf, tm.tm_mday);
    memcpy(buf + 2, xpt_months[(unsigned)tm.tm_mon % 12], 3);
    put2(buf + 5, ((tm.tm_year % 100) + 100) % 100);
    buf[7] = ':';
    put2(buf + 8, tm.tm_hour);
    buf[10] = ':';
    put2(buf + 11, tm.tm_min);
    buf[13] = ':';
    put2(buf + 14, tm.tm_sec);
    buf[16] = '\0';
}

const struct tp_format fmt_xpt = {
    .name = "xpt",
    .exts = ".xpt",
    .flags = FMT_NEEDS_LENGTHS,
    .probe = xpt_probe,
    .read_open = xpt_read_open,
    .read_batch = xpt_read_batch,
    .read_next_member = xpt_read_next_member,
    .read_close = xpt_read_close,
    .write_open = xpt_write_open5,
    .write_batch = xpt_write_batch,
    .write_finish = xpt_write_finish,
    .write_free = xpt_write_free,
};

const struct tp_format fmt_xpt8 = {
    .name = "xpt8",
    .exts = NULL,
    .flags = FMT_NEEDS_LENGTHS,
    .probe = NULL,
    .read_open = xpt_read_open,
    .read_batch = xpt_read_batch,
    .read_next_member = xpt_read_next_member,
    .read_close = xpt_read_close,
    .write_open = xpt_write_open8,
    .write_batch = xpt_write_batch,
    .write_finish = xpt_write_finish,
    .write_free = xpt_write_free,
};
