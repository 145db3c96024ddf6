/*
 * Column-at-a-time access to a dataset's storage, for the row loops of the format plugins
 * (library-internal: the public API in trialpack/dataset.h stays cell by cell).
 *
 * A batch of 8192 rows x 19 variables is 150,000 cells; going through tp_dataset_str /
 * tp_dataset_set_str for each (an exported call, a type and bounds check, an arena growth check)
 * cost about a third of the XPT and CSV row loops. These functions hand out the column arrays once
 * per batch instead, and append character values a column at a time with one arena growth.
 *
 * Views stay valid until the dataset's rows or variables change. Character values: the bytes of
 * row r are arena + off[r], len[r] bytes (NUL-terminated); a value with len[r] == 0 is empty and
 * its off[r] must not be used (arena may be NULL when every value is empty).
 */
#ifndef TP_MODEL_DATASET_BULK_H
#define TP_MODEL_DATASET_BULK_H

#include <stddef.h>

#include "trialpack/dataset.h"

/* The arena of a character column always has at least this many allocated bytes after the last
   value's NUL, so that a row loop may load a value a word at a time (reading up to 7 bytes past
   its end) and discard the bytes it does not want. */
#define TP_DATASET_ARENA_PAD 8

/* A byte string in someone else's buffer. */
struct tp_span {
    const char *p;
    size_t n;
};

/* Numeric column var (must be TP_NUM): values and missing kinds, rows [0, nrows). */
void tp_dataset_num_view(const struct tp_dataset *ds, size_t var, const double **num,
                         const char **miss);
/* The same, writable: a row's value must be 0 when its kind is not TP_PRESENT (as set_num does). */
void tp_dataset_num_arrays(struct tp_dataset *ds, size_t var, double **num, char **miss);
/* Character column var (must be TP_CHAR). */
void tp_dataset_str_view(const struct tp_dataset *ds, size_t var, const char **arena,
                         const size_t **off, const size_t **len);

/* Like tp_dataset_add_rows, but the new cells are left unset: the caller must set every cell of
   every new row (through the arrays above, tp_dataset_set_strs or the cell setters) before anyone
   reads them. Saves clearing memory that is about to be overwritten. */
int tp_dataset_add_rows_unset(struct tp_dataset *ds, size_t n, size_t *first,
                              struct tp_error *err);

/* Flag of tp_dataset_set_strs: at least 7 readable bytes follow every value (it may then copy a
   word at a time). */
#define TP_SPANS_PADDED 1u

/* Set the character cells of var for rows row0 .. row0+n-1 from v[0], v[stride], v[2*stride] ...
   (n == 0 values are stored as empty), growing the arena once. flags: 0 or TP_SPANS_PADDED.
   TP_E_NOMEM or TP_E_INTERNAL. */
int tp_dataset_set_strs(struct tp_dataset *ds, size_t var, size_t row0, size_t n,
                        const struct tp_span *v, size_t stride, unsigned flags);

#endif
