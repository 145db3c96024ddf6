/*
 * CDISC Dataset-JSON 1.1 (".json"), its NDJSON form (".ndjson") and Compressed Dataset-JSON
 * (DSJC, ".dsjc"): what the writer (dsjson_write.c) and the reader (dsjson_read.c) share.
 *
 * Mapping between the model and a Dataset-JSON column (spec "Supported Column Data Type
 * Combinations"):
 *
 *   model           dataType                      targetDataType   JSON value
 *   CHAR            string, URI                   -                string
 *   CHAR            date, datetime, time          -                ISO 8601 string (as stored)
 *   NUM             integer                       -                integer
 *   NUM             float, double                 -                number (shortest round trip)
 *   NUM             decimal                       decimal          string, "." separator
 *   NUM             boolean                       -                true / false (1 / 0)
 *   NUM (SAS date)  date, datetime, time          integer          ISO 8601 string
 *
 * Numeric missing values (".", ".A"-".Z", "._") are written as null: Dataset-JSON has no special
 * missing values, so the letter is lost (the option dsjson.special_missing=error refuses them).
 */
#ifndef TP_FMT_DSJSON_H
#define TP_FMT_DSJSON_H

#include "format.h"

/* The three registry entries (dsjson_write.c holds the tables). */
extern const struct tp_format fmt_dsjson;
extern const struct tp_format fmt_ndjson;
extern const struct tp_format fmt_dsjc;

#define DSJ_VERSION "1.1.0"       /* datasetJSONVersion we write */
#define DSJ_ATTR_PREFIX "dsjson." /* dataset attributes: "dsjson.studyOID", ... */

enum dsj_layout { DSJ_JSON, DSJ_NDJSON, DSJ_DSJC };

/* How a column's values are represented (see the table above). */
enum dsj_kind {
    DSJ_K_STRING,   /* CHAR cell as a JSON string */
    DSJ_K_INTEGER,  /* NUM as a JSON integer */
    DSJ_K_FLOAT,    /* NUM as a JSON number (dataType float or double) */
    DSJ_K_DECIMAL,  /* NUM as a JSON string of decimal digits */
    DSJ_K_BOOLEAN,  /* NUM 0/1 as false/true */
    DSJ_K_DATE,     /* NUM, SAS days since 1960-01-01, as "YYYY-MM-DD" */
    DSJ_K_DATETIME, /* NUM, SAS seconds since 1960-01-01T00:00:00, as "YYYY-MM-DDThh:mm:ss" */
    DSJ_K_TIME      /* NUM, SAS seconds since midnight, as "hh:mm:ss" */
};

/* Is s one of the ten dataType values of the 1.1 schema? */
bool dsj_is_data_type(const char *s);

/*
 * Kind of a column read from a file: dataType (required) and targetDataType (may be NULL).
 * Returns false for an unknown dataType.
 */
bool dsj_kind_for_read(const char *data_type, const char *target, enum dsj_kind *kind);

/*
 * What the writer puts in the file for variable v: dataType and targetDataType (static strings;
 * *target NULL when absent) and the kind. Explicit v->data_type wins; otherwise CHAR is "string",
 * a NUM with a SAS date/datetime/time format is date/datetime/time + targetDataType "integer",
 * a NUM with targetDataType "integer" is "integer", any other NUM is "double".
 * TP_E_USAGE when v->data_type is unknown or does not fit the variable's type.
 */
int dsj_kind_for_write(const struct tp_var *v, const char **data_type, const char **target,
                       enum dsj_kind *kind, struct tp_error *err);

/* DSJ_K_DATE / _DATETIME / _TIME when the SAS format name (e.g. "DATE", "E8601DT") displays a
   date, datetime or time value; DSJ_K_FLOAT otherwise. */
enum dsj_kind dsj_sas_format_kind(const char *name);

/*
 * SAS date/datetime/time value -> ISO 8601 text (NUL-terminated, buf >= 48 bytes). Fractions of a
 * second get the fewest digits that read back (dsj_iso_to_sas) to exactly v.
 * false when v cannot be written: not a whole day for a date, year outside 0001-9999, a time
 * outside [0, 24h).
 */
bool dsj_sas_to_iso(double v, enum dsj_kind kind, char *buf, size_t size);
/* ISO 8601 text -> SAS value; false when s is not a complete date / datetime / time. */
bool dsj_iso_to_sas(const char *s, size_t n, enum dsj_kind kind, double *out);

/* Decimal text without an exponent ("0.00000015", "-162.9") of a finite d; buf >= 400 bytes. */
size_t dsj_decimal_text(double d, char *buf, size_t size);

/* Append s (n bytes, valid UTF-8) to sb as a JSON string with quotes and escapes. */
int dsj_json_string(struct tp_strbuf *sb, const char *s, size_t n);
/* Same for a NUL-terminated string. */
int dsj_json_cstring(struct tp_strbuf *sb, const char *s);

/* Does s match the schema's pattern for datasetJSONCreationDateTime / dbLastModifiedDateTime? */
bool dsj_valid_datetime(const char *s);

/* Content probes (0..100). */
int dsj_probe_json(const unsigned char *head, size_t n);
int dsj_probe_dsjc(const unsigned char *head, size_t n);

/* Reader entry points (dsjson_read.c), shared by the three registry entries. */
int dsj_read_open(struct tp_source *src, const struct tp_options *o, void **state,
                  struct tp_dataset **meta, struct tp_error *err);
int dsj_read_batch(void *state, struct tp_dataset *batch, size_t max_rows, struct tp_error *err);
void dsj_read_close(void *state);

#endif
