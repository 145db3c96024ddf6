/*
 * crf module: the in-memory model of a study folder (include/trialpack/study.h) and the CSV sheet
 * reader it is loaded with. Internal; the structs are opaque to users of the public API.
 */
#ifndef TP_CRF_H
#define TP_CRF_H

#include "internal.h"
#include "trialpack/study.h"

/* ---- sheets: RFC 4180 CSV with a header row (crf_sheet.c) ---- */

struct crf_row {
    long line; /* 1-based line where the record starts */
    size_t nfields;
    char **fields; /* NUL-terminated, owned */
};

struct crf_sheet {
    char path[256]; /* name used in error locations */
    char delim;
    long header_line;
    size_t ncols;
    char **cols; /* header names (trimmed) */
    struct crf_row *rows;
    size_t nrows, cap;
};

/*
 * Parse a sheet held in memory (UTF-8, optional BOM, comma-separated; a header without commas but
 * with ';' or tabs switches the delimiter). Blank rows and rows whose first cell starts with '#'
 * are dropped. On error out is released and err carries path:line:col.
 */
int crf_sheet_parse(const unsigned char *data, size_t n, const char *path, struct crf_sheet *out,
                    struct tp_error *err);
void crf_sheet_release(struct crf_sheet *s);

/* Column binding: a sheet's columns matched (case-insensitively) against the ones a loader knows.
 */
struct crf_colspec {
    const char *name;
    bool required;
};
/*
 * Fill idx[i] with the sheet column of spec[i] (or (size_t)-1). Unknown columns are an error unless
 * their header starts with '#'. Errors: missing required column, duplicate or unknown column.
 */
int crf_sheet_bind(const struct crf_sheet *s, const struct crf_colspec *spec, size_t nspec,
                   size_t *idx, struct tp_error *err);
/* Cell text ("" when the column is absent or the row short). */
const char *crf_cell(const struct crf_sheet *s, const struct crf_row *r, size_t col);
/* Location of a cell for errors. col may be (size_t)-1 (whole row). */
void crf_cell_loc(const struct crf_sheet *s, const struct crf_row *r, size_t col,
                  struct tp_loc *loc);

/* ---- the model ---- */

#define CRF_NONE ((size_t)-1)

/* string -> index map with open addressing (OIDs, names) */
struct crf_map {
    const char **keys;
    size_t *vals;
    size_t cap, n;
    bool nocase;
};

struct crf_attr {
    char *key, *value;
    long line;
};

struct tp_crf_unit {
    char *oid, *symbol, *name, *name_en, *ucum;
    long line;
};

struct crf_code {
    char *value, *decode, *decode_en, *submission;
    double num; /* numeric lists: value as a number */
    long order;
    long line;
};

struct tp_crf_codelist {
    char *oid, *name;
    enum tp_crf_datatype type;
    struct crf_code *codes;
    size_t ncodes, cap;
    long line;
};

struct tp_crf_item {
    char *oid, *name, *question, *question_en, *comment;
    enum tp_crf_datatype type;
    unsigned length, digits;
    bool has_soft, has_hard, mandatory;
    double soft_lo, soft_hi, hard_lo, hard_hi;
    char **missing;
    size_t nmissing;
    size_t *at_events; /* event indices of CollectedAt; none = every event */
    size_t nat_events;
    const struct tp_crf_codelist *codelist;
    const struct tp_crf_unit *unit;
    struct tp_crf_itemgroup *group;
    size_t index;    /* in crf->items (OrderNumber order within the sheet) */
    size_t position; /* in its form's item list */
    long order;
    long line;
};

struct tp_crf_itemgroup {
    char *oid, *name, *name_en, *domain;
    bool repeating;
    struct tp_crf_form *form;
    struct tp_crf_item **items;
    size_t nitems, cap;
    long order;
    long line;
};

struct tp_crf_form {
    char *oid, *name, *name_en, *table;
    bool repeating, restricted, rows_repeat;
    struct tp_crf_itemgroup **groups;
    size_t ngroups, gcap;
    struct tp_crf_item **items; /* flattened, raw column order */
    size_t nitems;
    struct crf_map item_names;
    size_t index;
    long order;
    long line;
};

struct crf_eventform {
    struct tp_crf_form *form;
    bool mandatory;
    long order;
    long line;
};

struct tp_crf_event {
    char *oid, *name, *name_en, *visit_code, *visitnum;
    enum tp_crf_event_type type;
    bool repeating, has_day, has_window;
    long day, win_lo, win_hi;
    struct crf_eventform *forms;
    size_t nforms, cap;
    size_t index;
    long order;
    long line;
};

struct tp_crf {
    char *dir;
    struct crf_attr *attrs;
    size_t nattrs;
    char *rawcol[TP_RAW_NCOLS];
    char delim, decimal;
    struct tp_crf_event **events;
    size_t nevents;
    struct tp_crf_form **forms;
    size_t nforms;
    struct tp_crf_itemgroup **groups;
    size_t ngroups;
    struct tp_crf_item **items;
    size_t nitems;
    struct tp_crf_codelist **codelists;
    size_t ncodelists;
    struct tp_crf_unit **units;
    size_t nunits;
    struct crf_map event_oids, event_codes, form_oids, form_tables, group_oids, item_oids, cl_oids,
        unit_oids;
};

/* One sheet of a study folder held in memory (tests, fuzzers). */
struct crf_memfile {
    const char *name; /* "study.csv", "crf/items.csv", ... */
    const void *data;
    size_t len;
};
/* Load a study from sheets in memory; a sheet missing from files counts as an absent file. */
int crf_load_mem(const struct crf_memfile *files, size_t nfiles, struct tp_crf **out,
                 struct tp_error *err);

/* map helpers (crf_map.c) */
void crf_map_init(struct crf_map *m, bool nocase);
void crf_map_release(struct crf_map *m);
/* Insert key (borrowed; must outlive the map). Returns TP_OK, TP_E_NOMEM, or -1 if present
   (then *old holds the existing value). */
int crf_map_put(struct crf_map *m, const char *key, size_t val, size_t *old);
size_t crf_map_get(const struct crf_map *m, const char *key);

/* Strict number parsing for sheet cells ('.' or a single ',' as decimal mark). */
bool crf_parse_number(const char *s, double *out);
bool crf_parse_long(const char *s, long *out);

#endif
