/*
 * SAS XPORT v5 (default) and v8 writer (SAS TS-140; "Record Layout of a SAS Version 8 or 9 Data Set
 * in SAS Transport Format"; docs/standards.md section 1).
 *
 * What it writes, byte for byte as SAS 9 does, except the identity and time fields:
 *  - real header 1 and member record 1 carry release "9.4" and OS "TRIALPCK" (XPT_WRITER_*), and
 *    every date-time is tp_output_time() (SOURCE_DATE_EPOCH when set) in UTC as ddMMMyy:hh:mm:ss;
 *  - NAMESTR: nhfun 0, nvar0 1-based, nfill and the unused tail 0x00, the block blank-padded to 80;
 *    FORMAT (nform/nfl/nfd/nfj) and INFORMAT (niform/nifl/nifd) each from their own fields;
 *  - numbers: exact IEEE -> IBM (ibmfloat.h), truncated to the variable's length (2..8) as SAS
 *    does; NaN -> '.', special missing values .A-.Z and ._ kept;
 *  - rows back to back, the last record blank-padded to 80.
 * V8: 32-byte names and labels up to 256 bytes (LABELV8, or LABELV9 when a format or informat name
 * is longer than 8), and the observation count in OBSV8. That count is only known at the end, so
 * V8 rows are spooled (memory, then a temporary file beyond 32 MiB) and written after the header;
 * V5 rows go straight to the sink as batches arrive.
 *
 * Limits are checked in bytes and never truncated: an error names the dataset, variable and row.
 * Profile "fda" (the default, also when the option is absent) allows only ASCII in names, labels
 * and character values; "pmda", "nmpa" and "none" pass other bytes (UTF-8) through unchanged.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xpt.h"

#include "model/dataset_bulk.h"
#include "ibmfloat.h"

#define XPT_CHUNK (1u << 20)                 /* encode this many bytes of rows at a time */
#define XPT_SPOOL_MEM_MAX ((size_t)32 << 20) /* v8 rows kept in memory before spilling */
#define XPT_WROWLEN_MAX ((size_t)64 << 20)

struct xpt_wcol {
    size_t off, len;
    bool num;
};

struct xpt_wr {
    struct tp_sink *sink;
    int version;
    bool ascii_only;
    char profile[16];
    char dsname[33];
    char **names; /* variable names as written (for messages) */
    struct xpt_wcol *cols;
    size_t ncols, rowlen;
    unsigned char *obuf; /* one chunk of encoded rows */
    size_t chunk_rows;
    uint64_t nrows, data_bytes;
    struct tp_strbuf head; /* v8: header records up to the OBSV8 record */
    unsigned char *spool;  /* v8: rows in memory */
    size_t spool_len, spool_cap;
    FILE *spill; /* v8: rows beyond XPT_SPOOL_MEM_MAX */
    bool failed;
};

/* ---- errors ---- */

static int wr_fail(const struct xpt_wr *w, struct tp_error *err, int code, const char *var,
                   long row, const char *fmt, ...) TP_PRINTF(6, 7);

static int wr_fail(const struct xpt_wr *w, struct tp_error *err, int code, const char *var,
                   long row, const char *fmt, ...)
{
    struct tp_loc loc;
    char msg[240];
    va_list ap;
    tp_loc_init(&loc);
    snprintf(loc.dataset, sizeof loc.dataset, "%s", w->dsname);
    if (var)
        snprintf(loc.variable, sizeof loc.variable, "%s", var);
    loc.row = row;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tp_fail_at(err, code, &loc, "%s", msg);
}

/* ---- validation helpers ---- */

static bool wr_is_sas_name(const char *s)
{
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (const char *p = s + 1; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

/* Offset of the first non-ASCII byte, or n. Eight bytes at a time first: nearly every value is
   ASCII, and this runs once per character cell. */
static size_t wr_non_ascii(const char *s, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        acc |= x;
    }
    for (; i < n; i++)
        acc |= (unsigned char)s[i];
    if ((acc & UINT64_C(0x8080808080808080)) == 0)
        return n;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return i;
    return n;
}

/* A text attribute (label, type, format name) must fit max bytes and, under fda, be ASCII. */
static int wr_check_text(const struct xpt_wr *w, struct tp_error *err, const char *var,
                         const char *what, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0, bad;
    if (n > max)
        return wr_fail(w, err, TP_E_LIMIT, var, -1,
                       "%s is %zu bytes long; XPT v%d allows at most %zu", what, n, w->version,
                       max);
    if (w->ascii_only && (bad = wr_non_ascii(s ? s : "", n)) < n)
        return wr_fail(w, err, TP_E_LIMIT, var, -1,
                       "%s contains the non-ASCII byte 0x%02X at offset %zu; profile '%s' "
                       "allows ASCII only (use profile pmda, nmpa or none for UTF-8)",
                       what, (unsigned char)s[bad], bad, w->profile);
    return TP_OK;
}

static void wr_upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
}

/* Copy text into a blank-padded field of w bytes. */
static void put_text(unsigned char *dst, size_t w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > w)
        n = w;
    memset(dst, ' ', w);
    if (n)
        memcpy(dst, s, n);
}

static void put_header(unsigned char *rec, const char *name, const char *tail30)
{
    memcpy(rec, XPT_HDR_A, 20);
    put_text(rec + 20, 8, name);
    memcpy(rec + 28, XPT_HDR_B, 20);
    put_text(rec + 48, 32, tail30);
}

/* ---- output: v5 straight to the sink, v8 to the spool ---- */

static int wr_emit(struct xpt_wr *w, const void *p, size_t n, struct tp_error *err)
{
    if (w->version == 5)
        return tp_sink_write(w->sink, p, n, err);
    if (!w->spill && w->spool_len + n <= XPT_SPOOL_MEM_MAX) {
        if (tp_grow((void **)&w->spool, &w->spool_cap, w->spool_len + n, 1))
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        memcpy(w->spool + w->spool_len, p, n);
        w->spool_len += n;
        return TP_OK;
    }
    if (!w->spill) {
        w->spill = tmpfile();
        if (!w->spill)
            return tp_fail(err, TP_E_IO, "cannot create a temporary file for XPT v8 rows");
    }
    if (fwrite(p, 1, n, w->spill) != n)
        return tp_fail(err, TP_E_IO, "cannot write the temporary file for XPT v8 rows");
    return TP_OK;
}

/* ---- header ---- */

static int wr_build_header(struct xpt_wr *w, const struct tp_dataset *meta, struct tp_strbuf *sb,
                           size_t nlong, bool v9, struct tp_error *err)
{
    unsigned char rec[XPT_REC];
    char stamp[17], tail[40], name[33];
    const char *dstype = tp_dataset_attr(meta, "xpt.dstype");
    const char *label = tp_dataset_label(meta);
    bool v8 = w->version == 8;
    size_t nvars = w->ncols;
    int rc = TP_OK;

#define ADD(p, n)                                             \
    do {                                                      \
        if (tp_strbuf_add(sb, (p), (n)))                      \
            return tp_fail(err, TP_E_NOMEM, "out of memory"); \
    } while (0)

    xpt_format_stamp(tp_output_time(), stamp);
    snprintf(name, sizeof name, "%s", w->dsname);

    put_header(rec, v8 ? "LIBV8" : "LIBRARY", "000000000000000000000000000000");
    ADD(rec, XPT_REC);
    memset(rec, ' ', XPT_REC);
    put_text(rec, 8, "SAS");
    put_text(rec + 8, 8, "SAS");
    put_text(rec + 16, 8, "SASLIB");
    put_text(rec + 24, 8, XPT_WRITER_SASVER);
    put_text(rec + 32, 8, XPT_WRITER_OS);
    memcpy(rec + 64, stamp, 16);
    ADD(rec, XPT_REC);
    memset(rec, ' ', XPT_REC);
    memcpy(rec, stamp, 16);
    ADD(rec, XPT_REC);
    put_header(rec, v8 ? "MEMBV8" : "MEMBER", "000000000000000001600000000140");
    ADD(rec, XPT_REC);
    put_header(rec, v8 ? "DSCPTV8" : "DSCRPTR", "000000000000000000000000000000");
    ADD(rec, XPT_REC);
    memset(rec, ' ', XPT_REC);
    put_text(rec, 8, "SAS");
    if (v8) {
        put_text(rec + 8, 32, name);
        put_text(rec + 40, 8, "SASDATA");
        put_text(rec + 48, 8, XPT_WRITER_SASVER);
        put_text(rec + 56, 8, XPT_WRITER_OS);
    } else {
        put_text(rec + 8, 8, name);
        put_text(rec + 16, 8, "SASDATA");
        put_text(rec + 24, 8, XPT_WRITER_SASVER);
        put_text(rec + 32, 8, XPT_WRITER_OS);
    }
    memcpy(rec + 64, stamp, 16);
    ADD(rec, XPT_REC);
    memset(rec, ' ', XPT_REC);
    memcpy(rec, stamp, 16);
    put_text(rec + 32, 40, label);
    put_text(rec + 72, 8, dstype);
    ADD(rec, XPT_REC);
    snprintf(tail, sizeof tail, "0000%06zu00000000000000000000", nvars);
    put_header(rec, v8 ? "NAMSTV8" : "NAMESTR", tail);
    ADD(rec, XPT_REC);

    for (size_t i = 0; i < nvars; i++) {
        const struct tp_var *v = tp_dataset_var(meta, i);
        unsigned char ns[XPT_NAMESTR_LEN];
        char nname[9];
        size_t lablen = v->label ? strlen(v->label) : 0;
        memset(ns, 0, sizeof ns);
        xpt_put_u16(ns + XPT_NS_NTYPE, w->cols[i].num ? 1 : 2);
        xpt_put_u16(ns + XPT_NS_NLNG, (unsigned)w->cols[i].len);
        xpt_put_u16(ns + XPT_NS_NVAR0, (unsigned)(i + 1));
        snprintf(nname, sizeof nname, "%s", w->names[i]);
        put_text(ns + XPT_NS_NNAME, 8, nname);
        put_text(ns + XPT_NS_NLABEL, 40, lablen <= 40 ? v->label : "");
        if (lablen > 40) /* the first 40 bytes, as SAS does; the full label is in LABELV8/9 */
            memcpy(ns + XPT_NS_NLABEL, v->label, 40);
        put_text(ns + XPT_NS_NFORM, 8, v->format);
        xpt_put_u16(ns + XPT_NS_NFL, (unsigned)v->format_width);
        xpt_put_u16(ns + XPT_NS_NFD, (unsigned)v->format_decimals);
        xpt_put_u16(ns + XPT_NS_NFJ, (unsigned)v->format_just & 0xffffu);
        put_text(ns + XPT_NS_NIFORM, 8, v->informat);
        xpt_put_u16(ns + XPT_NS_NIFL, (unsigned)v->informat_width);
        xpt_put_u16(ns + XPT_NS_NIFD, (unsigned)v->informat_decimals);
        xpt_put_u32(ns + XPT_NS_NPOS, (uint32_t)w->cols[i].off);
        if (v8) {
            put_text(ns + XPT_NS_LONGNAME, 32, w->names[i]);
            xpt_put_u16(ns + XPT_NS_LABLEN, (unsigned)lablen);
            xpt_put_u16(ns + XPT_NS_FMTLEN, (unsigned)(v->format ? strlen(v->format) : 0));
            xpt_put_u16(ns + XPT_NS_INFMTLEN, (unsigned)(v->informat ? strlen(v->informat) : 0));
        }
        ADD(ns, sizeof ns);
    }
    if (sb->len % XPT_REC) {
        memset(rec, ' ', XPT_REC);
        ADD(rec, XPT_REC - sb->len % XPT_REC);
    }

    if (v8 && nlong) {
        size_t start;
        snprintf(tail, sizeof tail, "%5zu", nlong);
        put_header(rec, v9 ? "LABELV9" : "LABELV8", tail);
        ADD(rec, XPT_REC);
        start = sb->len;
        for (size_t i = 0; i < nvars; i++) {
            const struct tp_var *v = tp_dataset_var(meta, i);
            unsigned char fix[10];
            char fmt[48], ifmt[48];
            size_t nl = strlen(w->names[i]), ll = v->label ? strlen(v->label) : 0, fl, il;
            tp_var_format_text(v, false, fmt, sizeof fmt);
            tp_var_format_text(v, true, ifmt, sizeof ifmt);
            fl = strlen(fmt);
            il = strlen(ifmt);
            if (ll <= 40 && (!v9 || ((!v->format || strlen(v->format) <= 8) &&
                                     (!v->informat || strlen(v->informat) <= 8))))
                continue;
            xpt_put_u16(fix, (unsigned)(i + 1));
            xpt_put_u16(fix + 2, (unsigned)nl);
            xpt_put_u16(fix + 4, (unsigned)ll);
            if (v9) {
                xpt_put_u16(fix + 6, (unsigned)fl);
                xpt_put_u16(fix + 8, (unsigned)il);
            }
            ADD(fix, v9 ? 10u : 6u);
            ADD(w->names[i], nl);
            if (ll)
                ADD(v->label, ll);
            if (v9) {
                ADD(fmt, fl);
                ADD(ifmt, il);
            }
        }
        if ((sb->len - start) % XPT_REC) {
            memset(rec, ' ', XPT_REC);
            ADD(rec, XPT_REC - (sb->len - start) % XPT_REC);
        }
    }
#undef ADD
    return rc;
}

/* OBS (v5) or OBSV8 with the observation count right-aligned in bytes 48..62 (v8). */
static void wr_obs_header(const struct xpt_wr *w, unsigned char rec[XPT_REC])
{
    if (w->version == 8) {
        char tail[40];
        snprintf(tail, sizeof tail, "%15llu", (unsigned long long)w->nrows);
        put_header(rec, "OBSV8", tail);
    } else {
        put_header(rec, "OBS", "000000000000000000000000000000");
    }
}

/* ---- open ---- */

static int wr_check_meta(struct xpt_wr *w, const struct tp_dataset *meta, size_t *nlong, bool *v9,
                         struct tp_error *err)
{
    size_t nvars = tp_dataset_nvars(meta), maxv = w->version == 8 ? XPT8_NVARS_MAX : XPT5_NVARS_MAX;
    size_t name_max = w->version == 8 ? XPT8_NAME_MAX : XPT5_NAME_MAX;
    size_t label_max = w->version == 8 ? XPT8_LABEL_MAX : XPT5_LABEL_MAX;
    size_t char_max = w->version == 8 ? XPT8_CHAR_MAX : XPT5_CHAR_MAX;
    size_t fmt_max = w->version == 8 ? XPT8_FMTNAME_MAX : XPT5_FMTNAME_MAX;
    const char *dsn = tp_dataset_name(meta);
    const char *dstype = tp_dataset_attr(meta, "xpt.dstype");
    uint64_t off = 0;
    int rc;

    *nlong = 0;
    *v9 = false;
    snprintf(w->dsname, sizeof w->dsname, "%s", dsn ? dsn : "");
    if (!dsn || !*dsn)
        return wr_fail(w, err, TP_E_LIMIT, NULL, -1, "dataset has no name; XPT needs one");
    if (strlen(dsn) > name_max)
        return wr_fail(w, err, TP_E_LIMIT, NULL, -1,
                       "dataset name '%s' is %zu bytes long; XPT v%d allows at most %zu", dsn,
                       strlen(dsn), w->version, name_max);
    if (!wr_is_sas_name(dsn))
        return wr_fail(w, err, TP_E_LIMIT, NULL, -1,
                       "dataset name '%s' is not a SAS name (letters, digits, '_', not starting "
                       "with a digit)",
                       dsn);
    wr_upper(w->dsname);
    if ((rc = wr_check_text(w, err, NULL, "dataset label", tp_dataset_label(meta),
                            XPT_DSLABEL_MAX)) ||
        (rc = wr_check_text(w, err, NULL, "dataset type (xpt.dstype)", dstype, 8)))
        return rc;
    if (nvars == 0)
        return wr_fail(w, err, TP_E_LIMIT, NULL, -1, "dataset has no variables");
    if (nvars > maxv)
        return wr_fail(w, err, TP_E_LIMIT, NULL, -1,
                       "dataset has %zu variables; XPT v%d allows at most %zu", nvars, w->version,
                       maxv);

    w->cols = tp_calloc(nvars, sizeof *w->cols);
    w->names = tp_calloc(nvars, sizeof *w->names);
    if (!w->cols || !w->names)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    w->ncols = nvars;
    for (size_t i = 0; i < nvars; i++) {
        const struct tp_var *v = tp_dataset_var(meta, i);
        const char *nm = v->name ? v->name : "";
        size_t nl = strlen(nm), len = v->length;
        bool blank = true;
        for (const char *p = nm; *p; p++)
            if (*p != ' ')
                blank = false;
        if (nl > name_max)
            return wr_fail(w, err, TP_E_LIMIT, nm, -1,
                           "variable name '%s' is %zu bytes long; XPT v%d allows at most %zu", nm,
                           nl, w->version, name_max);
        if (blank)
            return wr_fail(w, err, TP_E_LIMIT, nm, -1, "variable %zu has an empty name", i + 1);
        if (w->version == 5 && !wr_is_sas_name(nm))
            return wr_fail(w, err, TP_E_LIMIT, nm, -1,
                           "variable name '%s' is not a SAS name (letters, digits, '_', not "
                           "starting with a digit)",
                           nm);
        if ((rc = wr_check_text(w, err, nm, "variable name", nm, name_max)) ||
            (rc = wr_check_text(w, err, nm, "variable label", v->label, label_max)) ||
            (rc = wr_check_text(w, err, nm, "format name", v->format, fmt_max)) ||
            (rc = wr_check_text(w, err, nm, "informat name", v->informat, fmt_max)))
            return rc;
        if (v->format_width < 0 || v->format_width > 32767 || v->format_decimals < 0 ||
            v->format_decimals > 32767 || v->informat_width < 0 || v->informat_width > 32767 ||
            v->informat_decimals < 0 || v->informat_decimals > 32767)
            return wr_fail(w, err, TP_E_LIMIT, nm, -1,
                           "format or informat width/decimals outside 0..32767");
        w->names[i] = tp_strdup(nm);
        if (!w->names[i])
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        if (w->version == 5)
            wr_upper(w->names[i]);
        if (v->type == TP_NUM) {
            if (len == 0)
                len = 8;
            if (len < 2 || len > 8)
                return wr_fail(w, err, TP_E_LIMIT, nm, -1, "numeric length %zu is outside 2..8",
                               v->length);
            w->cols[i].num = true;
        } else if (v->type == TP_CHAR) {
            if (len == 0)
                return wr_fail(w, err, TP_E_USAGE, nm, -1,
                               "character variable has no length; XPT needs it before the "
                               "first row");
            if (len > char_max)
                return wr_fail(w, err, TP_E_LIMIT, nm, -1,
                               "character length %zu is more than XPT v%d allows (%zu bytes)", len,
                               w->version, char_max);
        } else {
            return wr_fail(w, err, TP_E_USAGE, nm, -1, "variable has no type");
        }
        w->cols[i].off = (size_t)off;
        w->cols[i].len = len;
        off += len;
        if ((v->format && strlen(v->format) > 8) || (v->informat && strlen(v->informat) > 8))
            *v9 = true;
    }
    /* LABELV8 has an entry per long label; LABELV9 one per long label or long (in)format name */
    for (size_t i = 0; i < nvars; i++) {
        const struct tp_var *v = tp_dataset_var(meta, i);
        if ((v->label && strlen(v->label) > 40) ||
            (*v9 &&
             ((v->format && strlen(v->format) > 8) || (v->informat && strlen(v->informat) > 8))))
            (*nlong)++;
    }
    if (off > XPT_WROWLEN_MAX)
        return wr_fail(w, err, TP_E_LIMIT, NULL, -1,
                       "observation length %llu exceeds the supported maximum of %zu bytes",
                       (unsigned long long)off, XPT_WROWLEN_MAX);
    w->rowlen = (size_t)off;
    return TP_OK;
}

void xpt_write_free(void *state)
{
    struct xpt_wr *w = state;
    if (!w)
        return;
    if (w->names)
        for (size_t i = 0; i < w->ncols; i++)
            tp_free(w->names[i]);
    tp_free(w->names);
    tp_free(w->cols);
    tp_free(w->obuf);
    tp_free(w->spool);
    tp_strbuf_release(&w->head);
    if (w->spill)
        fclose(w->spill);
    tp_free(w);
}

static int xpt_write_open(struct tp_sink *sink, const struct tp_dataset *meta,
                          const struct tp_options *o, int version, void **state,
                          struct tp_error *err)
{
    struct xpt_wr *w;
    const char *profile = tp_options_get(o, "profile");
    size_t nlong = 0;
    bool v9 = false;
    int rc;

    *state = NULL;
    w = tp_calloc(1, sizeof *w);
    if (!w)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_strbuf_init(&w->head);
    w->sink = sink;
    w->version = version;
    if (!profile || !*profile)
        profile = "fda";
    snprintf(w->profile, sizeof w->profile, "%s", profile);
    if (strcmp(profile, "fda") == 0) {
        w->ascii_only = true;
    } else if (strcmp(profile, "pmda") != 0 && strcmp(profile, "nmpa") != 0 &&
               strcmp(profile, "none") != 0) {
        xpt_write_free(w);
        return tp_fail(err, TP_E_USAGE, "unknown profile '%s' (fda, pmda, nmpa or none)", profile);
    }
    rc = wr_check_meta(w, meta, &nlong, &v9, err);
    if (rc == TP_OK)
        rc = wr_build_header(w, meta, &w->head, nlong, v9, err);
    if (rc == TP_OK) {
        w->chunk_rows = XPT_CHUNK / w->rowlen;
        if (w->chunk_rows == 0)
            w->chunk_rows = 1;
        w->obuf = tp_malloc(w->chunk_rows * w->rowlen);
        if (!w->obuf)
            rc = tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    if (rc == TP_OK && version == 5) {
        unsigned char rec[XPT_REC];
        wr_obs_header(w, rec);
        rc = tp_sink_write(sink, w->head.buf, w->head.len, err);
        if (rc == TP_OK)
            rc = tp_sink_write(sink, rec, XPT_REC, err);
    }
    if (rc) {
        xpt_write_free(w);
        return rc;
    }
    *state = w;
    return TP_OK;
}

int xpt_write_open5(struct tp_sink *sink, const struct tp_dataset *meta, const struct tp_options *o,
                    void **state, struct tp_error *err)
{
    const char *ver = tp_options_get(o, "xpt.version");
    int version = 5;
    if (ver && *ver) {
        if (strcmp(ver, "8") == 0)
            version = 8;
        else if (strcmp(ver, "5") != 0)
            return tp_fail(err, TP_E_USAGE, "xpt.version must be 5 or 8, not '%s'", ver);
    }
    return xpt_write_open(sink, meta, o, version, state, err);
}

int xpt_write_open8(struct tp_sink *sink, const struct tp_dataset *meta, const struct tp_options *o,
                    void **state, struct tp_error *err)
{
    return xpt_write_open(sink, meta, o, 8, state, err);
}

/* ---- rows ---- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WR_WORDS 1
/* The field word at k: the value's bytes k.. (those below len), blanks past it. */
static inline uint64_t wr_str_word(const char *s, size_t len, size_t k)
{
    const uint64_t blanks = UINT64_C(0x2020202020202020);
    uint64_t x = blanks, keep;
    if (k >= len)
        return blanks;
    memcpy(&x, s + k, 8);
    if (len - k >= 8)
        return x;
    keep = (UINT64_C(1) << (8 * (len - k))) - 1;
    return (x & keep) | (blanks & ~keep);
}

/*
 * Copy the character value s[0..len) into its field p[0..flen) (len <= flen), blank-padded, eight
 * bytes at a time: each word of the field is the value's word with the bytes past len replaced by
 * blanks, so one load and one store per word and no library calls for these short values. The
 * loads may read up to 7 bytes past the value (TP_DATASET_ARENA_PAD guarantees they exist). The
 * last partial word is stored whole when room (the bytes from p to the end of the row) allows:
 * its extra bytes land on the next fields of the row, which are encoded after this one; otherwise
 * an overlapping word ends at the field's end, or (a field shorter than 8 at the row's end) bytes.
 * Returns the OR of the value's bytes (for the ASCII check).
 */
static inline uint64_t wr_put_str(unsigned char *p, size_t flen, size_t room, const char *s,
                                  size_t len)
{
    uint64_t seen = 0, x;
    size_t k = 0;
    for (; k + 8 <= flen; k += 8) {
        x = wr_str_word(s, len, k);
        seen |= x;
        memcpy(p + k, &x, 8);
    }
    if (k == flen)
        return seen;
    if (k + 8 <= room) {
        x = wr_str_word(s, len, k);
        memcpy(p + k, &x, 8);
    } else if (flen >= 8) {
        x = wr_str_word(s, len, flen - 8);
        memcpy(p + flen - 8, &x, 8);
    } else {
        for (; k < flen; k++)
            p[k] = k < len ? (unsigned char)s[k] : ' ';
        x = 0;
        for (k = 0; k < len; k++)
            x |= (unsigned char)s[k];
    }
    return seen | x;
}
#endif

/* Encode rows [r0, r0 + n) of batch into w->obuf, a column at a time straight from the batch's
   column arrays (dataset_bulk.h). */
static int wr_encode(struct xpt_wr *w, const struct tp_dataset *batch, size_t r0, size_t n,
                     struct tp_error *err)
{
    const size_t rl = w->rowlen;
    for (size_t j = 0; j < w->ncols; j++) {
        const struct xpt_wcol *c = &w->cols[j];
        unsigned char *p = w->obuf + c->off;
        if (c->num) {
            const double *num;
            const char *miss;
            tp_dataset_num_view(batch, j, &num, &miss);
            for (size_t i = 0; i < n; i++, p += rl) {
                char m = miss[r0 + i];
                double x = num[r0 + i];
                unsigned char b[8];
                int st;
                if (m == TP_PRESENT) {
                    st = ibm_encode(x, b);
                    if (st == IBM_OK || st == IBM_UNDERFLOW) {
                        if (c->len == 8)
                            memcpy(p, b, 8); /* a fixed size: one store, no library call */
                        else
                            memcpy(p, b, c->len);
                        continue;
                    }
                    if (st == IBM_OVERFLOW)
                        return wr_fail(w, err, TP_E_LIMIT, w->names[j],
                                       (long)(w->nrows + r0 + i + 1),
                                       isinf(x) ? "infinite value cannot be stored in XPT"
                                                : "value %g is beyond the largest XPT number "
                                                  "(about 7.237e75)",
                                       x);
                    m = TP_MISSING; /* NaN */
                } else if (m >= 'a' && m <= 'z') {
                    m = (char)(m - 'a' + 'A');
                } else if (m != '.' && m != '_' && (m < 'A' || m > 'Z')) {
                    return wr_fail(w, err, TP_E_USAGE, w->names[j], (long)(w->nrows + r0 + i + 1),
                                   "invalid missing-value kind 0x%02X", (unsigned char)m);
                }
                if (c->len == 8)
                    memset(p, 0, 8);
                else
                    memset(p, 0, c->len);
                p[0] = (unsigned char)m;
            }
        } else {
            const char *arena;
            const size_t *offs, *lens;
            tp_dataset_str_view(batch, j, &arena, &offs, &lens);
            for (size_t i = 0; i < n; i++, p += rl) {
                size_t len = lens[r0 + i], bad;
                const char *s = len ? arena + offs[r0 + i] : "";
                while (len > 0 && s[len - 1] == ' ')
                    len--;
                if (len > c->len)
                    return wr_fail(w, err, TP_E_LIMIT, w->names[j], (long)(w->nrows + r0 + i + 1),
                                   "value of %zu bytes is longer than the variable's length %zu%s",
                                   len, c->len,
                                   w->version == 5 && len > XPT5_CHAR_MAX
                                       ? " (XPT v5 allows at most 200)"
                                       : "");
#ifdef WR_WORDS
                if (!(wr_put_str(p, c->len, rl - c->off, s, len) & UINT64_C(0x8080808080808080)) ||
                    !w->ascii_only)
                    continue;
#endif
                if (w->ascii_only && (bad = wr_non_ascii(s, len)) < len)
                    return wr_fail(w, err, TP_E_LIMIT, w->names[j], (long)(w->nrows + r0 + i + 1),
                                   "non-ASCII byte 0x%02X at offset %zu of a character value; "
                                   "profile '%s' allows ASCII only (use profile pmda, nmpa or "
                                   "none for UTF-8)",
                                   (unsigned char)s[bad], bad, w->profile);
                memcpy(p, s, len);
                memset(p + len, ' ', c->len - len);
            }
        }
    }
    return TP_OK;
}

int xpt_write_batch(void *state, const struct tp_dataset *batch, struct tp_error *err)
{
    struct xpt_wr *w = state;
    size_t nrows = tp_dataset_nrows(batch);
    int rc;
    if (w->failed)
        return tp_fail(err, TP_E_USAGE, "XPT writer already failed");
    if (tp_dataset_nvars(batch) != w->ncols)
        return wr_fail(w, err, TP_E_USAGE, NULL, -1,
                       "batch has %zu variables, the dataset being written has %zu",
                       tp_dataset_nvars(batch), w->ncols);
    for (size_t j = 0; j < w->ncols; j++)
        if ((tp_dataset_var(batch, j)->type == TP_NUM) != w->cols[j].num)
            return wr_fail(w, err, TP_E_USAGE, w->names[j], -1,
                           "batch variable type differs from the dataset being written");
    for (size_t r0 = 0; r0 < nrows; r0 += w->chunk_rows) {
        size_t n = nrows - r0 < w->chunk_rows ? nrows - r0 : w->chunk_rows;
        rc = wr_encode(w, batch, r0, n, err);
        if (rc == TP_OK)
            rc = wr_emit(w, w->obuf, n * w->rowlen, err);
        if (rc) {
            w->failed = true;
            return rc;
        }
        w->data_bytes += (uint64_t)n * w->rowlen;
    }
    w->nrows += nrows;
    return TP_OK;
}

int xpt_write_finish(void *state, struct tp_error *err)
{
    struct xpt_wr *w = state;
    unsigned char pad[XPT_REC];
    size_t npad = (size_t)((XPT_REC - w->data_bytes % XPT_REC) % XPT_REC);
    int rc;
    if (w->failed)
        return tp_fail(err, TP_E_USAGE, "XPT writer already failed");
    if (w->version == 8) {
        unsigned char rec[XPT_REC];
        wr_obs_header(w, rec);
        if ((rc = tp_sink_write(w->sink, w->head.buf, w->head.len, err)) ||
            (rc = tp_sink_write(w->sink, rec, XPT_REC, err)) ||
            (rc = tp_sink_write(w->sink, w->spool, w->spool_len, err)))
            return rc;
        if (w->spill) {
            size_t got;
            if (fflush(w->spill) != 0 || fseek(w->spill, 0, SEEK_SET) != 0)
                return tp_fail(err, TP_E_IO, "cannot read back the temporary file for XPT rows");
            while ((got = fread(w->obuf, 1, w->chunk_rows * w->rowlen, w->spill)) > 0)
                if ((rc = tp_sink_write(w->sink, w->obuf, got, err)))
                    return rc;
            if (ferror(w->spill))
                return tp_fail(err, TP_E_IO, "cannot read back the temporary file for XPT rows");
        }
    }
    memset(pad, ' ', sizeof pad);
    return npad ? tp_sink_write(w->sink, pad, npad, err) : TP_OK;
}
