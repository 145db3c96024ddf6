/*
 * SAS XPORT (transport) v5 and v8/v9: record layouts shared by xpt_read.c and xpt_write.c
 * (SAS TS-140; "Record Layout of a SAS Version 8 or 9 Data Set in SAS Transport Format";
 * docs/standards.md section 1). Offsets are 0-based; integers are big-endian.
 *
 * File = 80-byte records:
 *   LIBRARY|LIBV8 header, real header 1 (SAS SAS SASLIB version os created), real header 2
 * (modified) per member: MEMBER|MEMBV8 header (NAMESTR length at 74..77), DSCRPTR|DSCPTV8 header,
 *     member record 1 (name, version, os, created), member record 2 (modified, label, type),
 *     NAMESTR|NAMSTV8 header (variable count at 52..57), n NAMESTRs blank-padded to 80,
 *     [v8: LABELV8|LABELV9 header + entries blank-padded to 80],
 *     OBS|OBSV8 header (v8: observation count at 48..62), rows back to back blank-padded to 80.
 */
#ifndef TP_FMT_XPT_H
#define TP_FMT_XPT_H

#include "format.h"

#define XPT_REC 80
/* "HEADER RECORD*******" + 8-byte name + "HEADER RECORD!!!!!!!" */
#define XPT_HDR_PREFIX_LEN 48
#define XPT_HDR_A "HEADER RECORD*******"
#define XPT_HDR_B "HEADER RECORD!!!!!!!"

/* NAMESTR record (140 bytes as SAS writes it; readers accept >= 88 and zero-fill the tail). */
#define XPT_NAMESTR_LEN 140
#define XPT_NAMESTR_MIN 88
#define XPT_NS_NTYPE 0      /* int16: 1 numeric, 2 character */
#define XPT_NS_NHFUN 2      /* int16: hash, 0 */
#define XPT_NS_NLNG 4       /* int16: bytes in the observation */
#define XPT_NS_NVAR0 6      /* int16: variable number (1-based in SAS files) */
#define XPT_NS_NNAME 8      /* char[8] */
#define XPT_NS_NLABEL 16    /* char[40] */
#define XPT_NS_NFORM 56     /* char[8] */
#define XPT_NS_NFL 64       /* int16 format width */
#define XPT_NS_NFD 66       /* int16 format decimals */
#define XPT_NS_NFJ 68       /* int16 justification: 0 left, 1 right */
#define XPT_NS_NFILL 70     /* 2 unused bytes */
#define XPT_NS_NIFORM 72    /* char[8] */
#define XPT_NS_NIFL 80      /* int16 informat width */
#define XPT_NS_NIFD 82      /* int16 informat decimals */
#define XPT_NS_NPOS 84      /* int32 offset in the observation */
#define XPT_NS_REST 88      /* v5: 52 unused bytes (SAS 9 writes 0x00) */
#define XPT_NS_LONGNAME 88  /* v8: char[32] full name */
#define XPT_NS_LABLEN 120   /* v8: int16 full label length */
#define XPT_NS_FMTLEN 122   /* v8: int16 format name length (> 8: see LABELV9) */
#define XPT_NS_INFMTLEN 124 /* v8: int16 informat name length */

/* Limits (bytes). */
#define XPT5_NAME_MAX 8
#define XPT8_NAME_MAX 32
#define XPT_DSLABEL_MAX 40
#define XPT5_LABEL_MAX 40
#define XPT8_LABEL_MAX 256
#define XPT5_CHAR_MAX 200
#define XPT8_CHAR_MAX 32767
#define XPT5_NVARS_MAX 9999
#define XPT8_NVARS_MAX 32767
#define XPT5_FMTNAME_MAX 8
#define XPT8_FMTNAME_MAX 32

/* Header identity trialpack writes (real header 1 and member record 1): SAS release field and
   operating-system field. SAS itself never checks them; "9.4" keeps readers that look at the
   release (ReadStat, xport) on their SAS 9 path, "TRIALPCK" says who wrote the file. */
#define XPT_WRITER_SASVER "9.4"
#define XPT_WRITER_OS "TRIALPCK"

/* Three-letter upper-case month names used in ddMMMyy:hh:mm:ss stamps. */
extern const char xpt_months[12][4];

/* Format a Unix time (UTC) as ddMMMyy:hh:mm:ss into buf (>= 17 bytes). */
void xpt_format_stamp(int64_t t, char *buf);

/* Writer entry points (xpt_write.c); the tables are in xpt_read.c. */
int xpt_write_open5(struct tp_sink *sink, const struct tp_dataset *meta, const struct tp_options *o,
                    void **state, struct tp_error *err);
int xpt_write_open8(struct tp_sink *sink, const struct tp_dataset *meta, const struct tp_options *o,
                    void **state, struct tp_error *err);
int xpt_write_batch(void *state, const struct tp_dataset *batch, struct tp_error *err);
int xpt_write_finish(void *state, struct tp_error *err);
void xpt_write_free(void *state);

/* Big-endian helpers. */
static inline unsigned xpt_get_u16(const unsigned char *p)
{
    return ((unsigned)p[0] << 8) | p[1];
}

static inline int xpt_get_i16(const unsigned char *p)
{
    unsigned u = xpt_get_u16(p);
    return u >= 0x8000u ? (int)u - 0x10000 : (int)u;
}

static inline long xpt_get_i32(const unsigned char *p)
{
    uint32_t u = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    return u >= 0x80000000u ? (long)((int64_t)u - 0x100000000LL) : (long)u;
}

static inline void xpt_put_u16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static inline void xpt_put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

#endif
