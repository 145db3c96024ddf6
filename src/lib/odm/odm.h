/*
 * odm module: ODM 1.3.2 export (odm_write.c, fed by the raw-export merge in odm_raw.c) and import
 * (odm_read.c), plus the raw value conversion they share (odm_values.c). Internal; the public
 * API is include/trialpack/odm.h. Only this module and xml/ include libxml2 headers.
 */
#ifndef TP_ODM_H
#define TP_ODM_H

#include "crf/crf.h"
#include "internal.h"
#include "io.h"
#include "trialpack/odm.h"
#include "trialpack/report.h"

#define ODM_NS "http://www.cdisc.org/ns/odm/v1.3"

/* Rule ids of the findings this module reports. */
#define ODM_RULE_VALUE "ODM-VALUE"   /* a raw value kept or fixed while converting it */
#define ODM_RULE_RAW "ODM-RAW"       /* raw export structure: duplicates, unscheduled forms */
#define ODM_RULE_IMPORT "ODM-IMPORT" /* a lenient reading of a non-conformant ODM file */
#define ODM_RULE_TX "ODM-TX"         /* TransactionType handling */

/* ---- value conversion (odm_values.c) ---- */

enum odm_conv {
    ODM_CONV_OK = 0, /* converted (or already right), nothing to say */
    ODM_CONV_FIXED,  /* converted, with a remark (*why): e.g. a decimal point instead of a comma */
    ODM_CONV_KEPT    /* not convertible: the raw text is written unchanged (*why says why) */
};

/*
 * Convert one non-empty raw value of an item of data type t from the raw export conventions
 * (decimal mark `decimal`, dd/mm/yyyy dates, HH:MM times, UK/UNK for unknown date parts) to the
 * lexical form of the ODM DataType. it (may be NULL) supplies the allowed missing codes ("ND"),
 * which are kept as they are; codes names the study's missing codes (space-separated, may be
 * NULL) so that a code the item does not allow is reported. out receives the value (reset
 * first). Returns an enum odm_conv; *why is a static message for FIXED and KEPT. -1 on OOM.
 */
int odm_value_from_raw(enum tp_crf_datatype t, const char *in, size_t n, char decimal,
                       const struct tp_crf_item *it, const char *codes, struct tp_strbuf *out,
                       const char **why);

/* Whether a data type is stored as a number on import (integer, float, double). */
bool odm_type_numeric(enum tp_crf_datatype t);

/* Natural order of two keys: digit runs compare as numbers ("2" < "10"), other bytes as bytes. */
int odm_natural_cmp(const char *a, const char *b);

/* Add a finding to rep (NULL = dropped) and count it. Strings may be NULL. */
void odm_warn(struct tp_report *rep, size_t *count, const char *rule, const char *path, long line,
              const char *dataset, const char *variable, long row, const char *value,
              const char *fmt, ...) TP_PRINTF(10, 11);

/* ---- raw export reader (odm_raw.c) ---- */

struct odm_raw;

/* One raw row of the current subject. Strings are borrowed from the reader until the next
   odm_raw_next_subject call. */
struct odm_raw_row {
    const struct tp_crf_form *form;
    const struct tp_crf_event *event;
    const char *event_repeat; /* "" for non-repeating events */
    const char *line_key;     /* LIGNE ("" when the table has none) */
    const char *path;         /* raw file */
    long line;                /* physical line in the raw file */
    const char *const
        *values;      /* one per form item (tp_crf_form_item_at order), trimmed of nothing */
    const long *cols; /* 1-based raw column of each item, for locations */
    size_t seq;       /* order read, for stable sorting */
};

struct odm_raw_subject {
    const char *site;
    const char *subject;
    struct odm_raw_row
        *rows; /* sorted: event order, repeat key, form order in the event, file order */
    size_t nrows;
};

/* Open every form table of crf found in dir ("<table>.csv"), check each header against the CRF
   (TP_E_PARSE with file, line and column on a mismatch). Missing tables are reported as
   warnings. skip_restricted leaves restricted forms out. */
int odm_raw_open(const struct tp_crf *crf, const char *dir, const char *encoding,
                 bool skip_restricted, struct tp_report *rep, size_t *nwarn, struct odm_raw **out,
                 struct tp_error *err);
/* Next subject in site/subject order: *sub points into the reader (valid until the next call),
 *more false at the end. */
int odm_raw_next_subject(struct odm_raw *r, const struct odm_raw_subject **sub, bool *more,
                         struct tp_error *err);
/* Bytes of raw CSV read so far. */
unsigned long long odm_raw_bytes(const struct odm_raw *r);
void odm_raw_close(struct odm_raw *r);

#endif
