/*
 * The columnar dataset model every format reads into and writes from.
 *
 * A dataset has a name, a label, variables (struct tp_var: metadata, public and plain) and rows.
 * Numeric cells are doubles plus a missing kind, so SAS special missing values (.A-.Z, ._) survive an
 * XPT round trip; character cells are byte strings (UTF-8 unless a reader was told otherwise).
 * Streaming code uses a dataset as a batch: same variables, rows cleared between batches.
 */
#ifndef TRIALPACK_DATASET_H
#define TRIALPACK_DATASET_H

#include <stdbool.h>
#include <stddef.h>

#include "trialpack/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tp_vartype { TP_NUM = 1, TP_CHAR = 2 };

/*
 * Missing kind of a numeric cell: TP_PRESENT, or the SAS missing letter: '.', 'A'..'Z', '_'.
 */
#define TP_PRESENT 0
#define TP_MISSING '.'

/* Variable metadata. Strings are owned by the dataset once added (NULL or "" when unknown). */
struct tp_var {
    char *name;
    char *label;
    enum tp_vartype type;
    size_t length;           /* bytes in the observation (XPT nlng); 0 = unknown for CHAR */
    char *format;            /* SAS display format name without width: "DATE", "$", "BEST"; may be NULL */
    int format_width, format_decimals;
    int format_just;         /* XPT nfj: 0 left, 1 right */
    char *informat;          /* SAS informat name */
    int informat_width, informat_decimals;
    /* Dataset-JSON / Define-XML column metadata */
    char *item_oid;          /* itemOID */
    char *data_type;         /* Dataset-JSON dataType (string, integer, decimal, float, double,
                                boolean, date, datetime, time, URI); NULL = derive from type */
    char *target_data_type;  /* "integer" or "decimal" or NULL */
    char *display_format;    /* free text display format, e.g. "DATE9."; NULL = from format fields */
    int key_sequence;        /* 1-based key position, 0 = not a key */
};

struct tp_dataset;

/* New empty dataset; name/label copied (may be NULL). Free with tp_dataset_free(). NULL on OOM. */
struct tp_dataset *tp_dataset_new(const char *name, const char *label);
void tp_dataset_free(struct tp_dataset *ds);
/* New dataset with the same metadata (name, label, attributes, variables) and no rows. */
struct tp_dataset *tp_dataset_clone_meta(const struct tp_dataset *ds);

const char *tp_dataset_name(const struct tp_dataset *ds);
const char *tp_dataset_label(const struct tp_dataset *ds);
int tp_dataset_set_name(struct tp_dataset *ds, const char *name);
int tp_dataset_set_label(struct tp_dataset *ds, const char *label);

/* Free-form string attributes (format-specific metadata, e.g. "xpt.created", "dsjson.studyOID"). */
int tp_dataset_set_attr(struct tp_dataset *ds, const char *key, const char *value);
const char *tp_dataset_attr(const struct tp_dataset *ds, const char *key);
size_t tp_dataset_nattrs(const struct tp_dataset *ds);
void tp_dataset_attr_at(const struct tp_dataset *ds, size_t i, const char **key, const char **value);

/* Append a variable (deep copy of v). Fails with TP_E_USAGE on a duplicate name (case-insensitive). */
int tp_dataset_add_var(struct tp_dataset *ds, const struct tp_var *v, struct tp_error *err);
size_t tp_dataset_nvars(const struct tp_dataset *ds);
const struct tp_var *tp_dataset_var(const struct tp_dataset *ds, size_t i);
/* Mutable metadata; set string fields through tp_var_set_str so ownership stays right. */
struct tp_var *tp_dataset_var_mut(struct tp_dataset *ds, size_t i);
/* Replace *field (a char * member of a var of ds) with a copy of value. */
int tp_var_set_str(char **field, const char *value);
/* Index of the variable called name (case-insensitive), or -1. */
long tp_dataset_find_var(const struct tp_dataset *ds, const char *name);

/* Text form of a SAS format: "DATE9.", "$CHAR20.", "8.2", "" (buf >= 48 bytes). */
void tp_var_format_text(const struct tp_var *v, bool informat, char *buf, size_t size);
/* Parse "DATE9." / "$20." / "BEST12." / "8.2" into the format (or informat) fields of v. */
int tp_var_parse_format(struct tp_var *v, bool informat, const char *text, struct tp_error *err);

/* ---- rows ---- */
size_t tp_dataset_nrows(const struct tp_dataset *ds);
/* Append n rows, numeric cells '.' missing and character cells empty; index of the first is *first. */
int tp_dataset_add_rows(struct tp_dataset *ds, size_t n, size_t *first, struct tp_error *err);
/* Drop all rows, keep variables (reuse as the next batch). */
void tp_dataset_clear_rows(struct tp_dataset *ds);

/* Numeric cell: value, and its missing kind (TP_PRESENT or the SAS missing letter). */
double tp_dataset_num(const struct tp_dataset *ds, size_t row, size_t var, char *missing);
int tp_dataset_set_num(struct tp_dataset *ds, size_t row, size_t var, double value, char missing);
/* Character cell: bytes (not NUL-terminated unless the caller knows it was stored so) and length. */
const char *tp_dataset_str(const struct tp_dataset *ds, size_t row, size_t var, size_t *len);
int tp_dataset_set_str(struct tp_dataset *ds, size_t row, size_t var, const char *s, size_t len);

/* Append all rows of src (same variable list in the same order) to dst. */
int tp_dataset_append(struct tp_dataset *dst, const struct tp_dataset *src, struct tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
