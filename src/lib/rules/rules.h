/*
 * Internal interface of the rules module (conformance validation). Never installed.
 *
 * Layers: catalogue.c loads mappings/rules/catalogue.csv into struct rules_rule; registry.c binds
 * each rule's Check to a struct rules_kind (a table of hooks) and compiles its Params; engine.c
 * finds the inputs, loads the small reference datasets (DM, TA, TE, TV, TI, TS, SE, SV, DS,
 * SUPP--, RELREC) whole, streams every other dataset in batches on a reader thread and calls the
 * hooks; rules_<group>.c implement the kinds. Hooks are pure: they read the batch and the
 * package context and append findings through rules_emit*(); they never do I/O.
 */
#ifndef TP_RULES_RULES_H
#define TP_RULES_RULES_H

#include "internal.h"
#include "trialpack/dataset.h"
#include "trialpack/report.h"
#include "trialpack/rules.h"

#include <limits.h>
#include <regex.h>

/* ---- hashing and maps (hash.c) ---- */
uint64_t rules_hash(const void *p, size_t n, uint64_t seed);

/* String-keyed map; keys are copied, values are borrowed pointers. */
struct rules_map_slot {
    uint64_t h;
    char *key; /* NULL = empty slot */
    size_t klen;
    void *val;
};
struct rules_map {
    struct rules_map_slot *slots;
    size_t cap, n;
};
void rules_map_init(struct rules_map *m);
/* free_val (may be NULL) is called on every value */
void rules_map_release(struct rules_map *m, void (*free_val)(void *));
/* Returns the value slot for key (created with *slot == NULL when new); NULL on OOM. */
void **rules_map_slot(struct rules_map *m, const char *key, size_t klen, bool *created);
void *rules_map_get(const struct rules_map *m, const char *key, size_t klen);
/* Whether key is in the map (whatever its value, NULL included). */
bool rules_map_has(const struct rules_map *m, const char *key, size_t klen);
static inline void *rules_map_gets(const struct rules_map *m, const char *key)
{
    return rules_map_get(m, key, strlen(key));
}
int rules_map_puts(struct rules_map *m, const char *key, void *val);

/* Set of 64-bit fingerprints (0 is stored as 1) with the first row that produced each. */
struct rules_fpset {
    uint64_t *keys;
    uint32_t *rows;
    size_t cap, n;
};
void rules_fpset_init(struct rules_fpset *s);
void rules_fpset_release(struct rules_fpset *s);
/* Add fp; *first is the row of the earlier occurrence (or row itself when new). */
int rules_fpset_add(struct rules_fpset *s, uint64_t fp, uint32_t row, bool *existed,
                    uint32_t *first);
bool rules_fpset_has(const struct rules_fpset *s, uint64_t fp);

/* A direct-mapped cache of recently accepted values (hashes): repeated values skip the check. */
struct rules_okcache {
    uint64_t h[512];
};
static inline bool rules_okcache_has(const struct rules_okcache *c, uint64_t h)
{
    h |= 1;
    return c->h[h & 511] == h;
}
static inline void rules_okcache_put(struct rules_okcache *c, uint64_t h)
{
    h |= 1;
    c->h[h & 511] = h;
}

/* ---- ISO 8601 (iso8601.c) ---- */
struct rules_dt {
    int y, mo, d, h, mi;
    double s;
    unsigned have; /* bit 0 year, 1 month, 2 day, 3 hour, 4 minute, 5 second */
    bool gaps;     /* a missing inner component (e.g. "2003---15") */
};
/* One SDTM date/time value (no interval); partial and missing components as SDTMIG 4.4. */
bool rules_iso_datetime(const char *s, size_t n, struct rules_dt *out);
/* A --DTC value: a date/time, or an interval start/end, start/duration, duration/end. */
bool rules_iso_dtc(const char *s, size_t n, bool allow_interval);
bool rules_iso_duration(const char *s, size_t n, bool allow_negative);
/* Days since 1970-01-01 of a complete date (YYYY-MM-DD prefix); false when partial/invalid. */
bool rules_iso_days(const char *s, size_t n, long *days);
/* Compare two date/times at their common precision: -1, 0, 1; *comparable false when they share
   no component or either is invalid. */
int rules_iso_cmp(const char *a, size_t an, const char *b, size_t bn, bool *comparable);

/* ---- tiny CSV reader for the data tables (csvtab.c) ---- */
struct rules_csv {
    char **cells; /* rows * ncols, NUL-terminated */
    size_t nrows, ncols;
    char **header;
    char *buf;
};
/* Parse RFC 4180 text (owned copy made). TP_E_PARSE names path and line. */
int rules_csv_parse(const char *text, size_t n, const char *path, struct rules_csv *out,
                    struct tp_error *err);
void rules_csv_release(struct rules_csv *c);
long rules_csv_col(const struct rules_csv *c, const char *name);
static inline const char *rules_csv_cell(const struct rules_csv *c, size_t row, long col)
{
    return col < 0 ? "" : c->cells[row * c->ncols + (size_t)col];
}
/* Whole file into memory (NUL-terminated); caller frees with tp_free. */
int rules_read_file(const char *path, char **data, size_t *n, size_t max, struct tp_error *err);
void rules_sha256_hex(const void *data, size_t n, char out[65]);

/* ---- standards tables (stdmeta.c) ---- */
enum rules_class {
    RC_UNKNOWN = 0,
    RC_INTERVENTIONS,
    RC_EVENTS,
    RC_FINDINGS,
    RC_FINDINGS_ABOUT,
    RC_SPECIAL_PURPOSE,
    RC_TRIAL_DESIGN,
    RC_RELATIONSHIP,
    RC_STUDY_REFERENCE,
    RC_ADSL,
    RC_BDS,
    RC_OCCDS,
    RC_ADAMOTHER
};
struct rules_stdvar {
    const char *dataset, *name, *label, *type, *codelist, *codelist_name, *role, *core,
        *valuedomain, *valuelist;
    bool extensible;
    int order;
};
struct rules_stdds {
    const char *name, *label, *class_text;
    enum rules_class cls;
    struct rules_stdvar **vars;
    size_t nvars;
    struct rules_map by_var;
};
struct rules_std {
    struct rules_csv dcsv, vcsv;
    struct rules_stdds *ds;
    size_t nds;
    struct rules_stdvar *vars;
    size_t nvars;
    struct rules_map by_ds;
    struct rules_map any_var; /* variable name -> first stdvar */
};
int rules_std_load(struct rules_std *s, const char *dir, struct tp_error *err);
void rules_std_release(struct rules_std *s);
const struct rules_stdds *rules_std_dataset(const struct rules_std *s, const char *name);
const struct rules_stdvar *rules_std_var(const struct rules_stdds *d, const char *name);
enum rules_class rules_class_from_text(const char *text);

/* ---- controlled terminology (ct.c) ---- */
struct rules_codelist {
    char *code, *name, *submission;
    bool extensible;
    struct rules_map terms;    /* submission value -> term C-code (char *) */
    struct rules_map synonyms; /* upper-case synonyms -> term C-code */
};
struct rules_ct {
    struct rules_map lists; /* codelist C-code -> struct rules_codelist */
    char *source;
    size_t nterms;
};
int rules_ct_load(struct rules_ct *ct, const char *path, struct tp_error *err);
void rules_ct_release(struct rules_ct *ct);
const struct rules_codelist *rules_ct_list(const struct rules_ct *ct, const char *code);
/* Term C-code of value in list, or NULL. */
const char *rules_ct_term(const struct rules_codelist *cl, const char *value, size_t n);

/* ---- define.xml (define_read.c) ---- */
struct rules_def_ref { /* an ItemRef */
    char *item_oid, *method_oid, *where_oid;
    int order, keyseq;
    bool mandatory;
    long line;
};
struct rules_def_ig {
    char *oid, *name, *sasname, *domain, *label, *archive_id, *leaf_id, *leaf_href, *standard_oid,
        *nonstandard, *structure;
    struct rules_def_ref *refs;
    size_t nrefs;
    long line;
};
struct rules_def_item {
    char *oid, *name, *datatype, *length, *sigdig, *label, *codelist_oid, *vlist_oid, *origin;
    bool has_description, has_origin;
    long line;
};
struct rules_def_term {
    char *value, *extended, *nci;
    long line;
};
struct rules_def_cl {
    char *oid, *name, *datatype, *nci;
    struct rules_def_term *terms;
    size_t nterms;
    bool enumerated;
    long line;
};
struct rules_def_vl {
    char *oid;
    struct rules_def_ref *refs;
    size_t nrefs;
    long line;
};
struct rules_def_check {
    char *comparator, *item_oid, *softhard;
    char **values;
    size_t nvalues;
};
struct rules_def_wc {
    char *oid;
    struct rules_def_check *checks;
    size_t nchecks;
    long line;
};
struct rules_def_id { /* every element with an OID/ID: uniqueness and resolution */
    const char *element;
    char *oid;
    long line;
};
struct rules_def_use { /* every OID/ID reference */
    const char *element, *attr;
    char *oid;
    long line;
};
struct rules_def_leaf {
    char *id, *href;
    long line;
};
struct rules_define {
    char *path;
    char *dir;
    int version;       /* 20, 21, 0 unknown */
    char *def_version; /* def:DefineVersion */
    char *stylesheet;  /* xml-stylesheet href, NULL when none */
    struct rules_def_ig *igs;
    size_t nigs;
    struct rules_def_item *items;
    size_t nitems;
    struct rules_def_cl *cls;
    size_t ncls;
    struct rules_def_vl *vls;
    size_t nvls;
    struct rules_def_wc *wcs;
    size_t nwcs;
    struct rules_def_id *ids;
    size_t nids;
    struct rules_def_use *uses;
    size_t nuses;
    struct rules_def_leaf *leaves;
    size_t nleaves;
    struct rules_map item_by_oid, cl_by_oid, vl_by_oid, wc_by_oid, ig_by_name, id_by_key;
};
/* Parse path (DOCTYPE refused, no network, no entities). TP_E_PARSE with the line when
   malformed. */
int rules_define_load(const char *path, struct rules_define **out, struct tp_error *err);
void rules_define_free(struct rules_define *d);
const struct rules_def_ig *rules_define_ig(const struct rules_define *d, const char *dataset);
const struct rules_def_item *rules_define_item(const struct rules_define *d, const char *oid);
const struct rules_def_cl *rules_define_cl(const struct rules_define *d, const char *oid);
/* The ItemDef of variable name in ig, and its ItemRef. */
const struct rules_def_item *rules_define_var(const struct rules_define *d,
                                              const struct rules_def_ig *ig, const char *name,
                                              const struct rules_def_ref **ref);
bool rules_define_has_id(const struct rules_define *d, const char *element, const char *oid);

/* ---- catalogue (catalogue.c) ---- */
struct rules_param {
    char *key, *value;
};
struct rules_rule {
    /* catalogue columns (borrowed from the parsed CSV) */
    const char *id, *severity_text, *scope, *domains, *category, *message, *description, *cdisc,
        *fda, *pmda, *check, *params_text, *implemented_col;
    enum tp_severity sev;
    struct rules_param *params;
    size_t nparams;
    char **tokens; /* Domains split on ';' */
    size_t ntokens;
    /* binding (registry.c) */
    const struct rules_kind *kind;
    void *cfg;
    bool implemented; /* supported and enabled by the catalogue (Implemented=Yes) */
    bool supported;   /* the kind compiles these params */
    /* run state */
    void *pstate;
    enum tp_rule_status status;
    char skip_reason[120];
    size_t nfindings;
};
struct rules_catalogue {
    struct rules_csv csv;
    struct rules_rule *rules;
    size_t n;
    char version[32];
    char sha256[65];
};
int rules_catalogue_load(struct rules_catalogue *c, const char *dir, struct tp_error *err);
void rules_catalogue_release(struct rules_catalogue *c);
const char *rules_param(const struct rules_rule *r, const char *key);
bool rules_param_yes(const struct rules_rule *r, const char *key);

/* A list value split on ',' (owned). */
struct rules_list {
    char **v;
    size_t n;
};
int rules_list_split(const char *text, char sep, struct rules_list *out);
void rules_list_release(struct rules_list *l);
bool rules_list_has(const struct rules_list *l, const char *s, size_t n, bool nocase);

/* ---- the package being validated (engine.c) ---- */
struct rules_file {
    char *path;
    char kind[8]; /* xpt json ndjson dsjc define odm other */
    long long size;
    int xpt_version;
    size_t members;
    char dataset[33];
    long long rows;
    bool unreadable;
};

struct rules_ds {
    struct rules_file *file;
    char name[33];   /* upper-case dataset name */
    char domain[9];  /* IG dataset the rules see: "AE", "QS" for QS36, "SUPPAE" */
    char prefix[3];  /* variable prefix ("AE"), "" for SUPP--/RELREC... */
    char rdomain[5]; /* SUPP--: parent domain */
    enum rules_class cls;
    bool is_supp, is_ap, is_split, is_adam, is_custom;
    const struct rules_stdds *std;
    const struct rules_def_ig *def;
    struct tp_dataset *meta; /* variables, no rows (owned) */
    struct tp_dataset *data; /* every row when loaded whole, else NULL */
    long long nrows;
    bool read_failed;
};

struct rules_se { /* one SE element of a subject */
    char *etcd, *epoch, *st, *en;
    long taetord;
};

struct rules_subject {
    char *usubjid;
    long dm_row;
    char *armcd, *arm, *actarmcd, *actarm, *rfstdtc, *rfendtc, *rfxstdtc, *rfxendtc, *dthdtc,
        *dthfl, *rficdtc, *studyid;
    bool rfst_ok;
    long rfst_days;
    struct rules_se *se;
    size_t nse, cse;
    /* aggregates gathered while streaming other datasets */
    char ex_min[36], ex_max[36];
    bool has_ex, has_ds;
    char ds_ic_min[36];
    bool death_seen;
    char death_source[40];
};

struct rules_pkg {
    struct tp_validation *v;
    struct tp_report *rep;
    const struct rules_std *std;
    const struct rules_ct *ct;      /* NULL when no terminology */
    const struct rules_define *def; /* NULL when no define.xml */
    struct rules_ds **ds;
    size_t nds;
    struct rules_file **files;
    size_t nfiles;
    struct rules_ds *dm, *ta, *te, *tv, *ti, *ts, *se, *sv, *dsd, *relrec, *ex;
    struct rules_map subjects;  /* USUBJID -> struct rules_subject */
    struct rules_map sv_visits; /* USUBJID \x1f VISITNUM -> (void *)1 */
    bool have_define_file;      /* define.xml among the inputs */
    bool package;               /* a folder was given: package-level rules apply */
    long long max_file_size;    /* file size limit override (0 = the catalogue's) */
    const char *define_path;
    char scratch[512];
};

/* Running one dataset. */
struct rules_run {
    struct rules_pkg *pkg;
    struct rules_ds *ds;
    const struct tp_dataset *meta;
    long usubjid_col;
    size_t row0; /* 0-based index of the batch's first row in the dataset */
    int pass;    /* 1, or 2 for a confirmation pass */
};

/* Hooks of a check kind. Return TP_OK, RULES_SKIP (does not apply / input missing: set the
   rule's skip_reason through rules_skip) or an error status (the tool failed). */
#define RULES_SKIP 1000
#define RULES_PASS2 1001
#define RULES_DONE 1002 /* ds_begin: checked from metadata alone, no rows needed */

struct rules_kind {
    const char *name;
    /* Compile r->params into r->cfg; TP_E_UNSUPPORTED when these params are not implemented. */
    int (*compile)(struct rules_rule *r, struct tp_error *err);
    void (*free_cfg)(void *cfg);
    bool all_datasets; /* ds hooks see every dataset, applies says whether Domains match */
    int (*pkg_begin)(struct rules_rule *r, struct rules_pkg *p);
    int (*ds_begin)(struct rules_rule *r, struct rules_run *run, bool applies, void **state);
    int (*ds_rows)(struct rules_rule *r, struct rules_run *run, void *state,
                   const struct tp_dataset *b);
    /* may return RULES_PASS2 to have ds_rows called again (run->pass == 2) then ds_end again */
    int (*ds_end)(struct rules_rule *r, struct rules_run *run, void *state);
    void (*state_free)(void *state);
    int (*pkg_end)(struct rules_rule *r, struct rules_pkg *p);
    void (*pstate_free)(void *pstate);
};

const struct rules_kind *rules_kind_find(const char *name);
/* TP_E_UNSUPPORTED when r has a param whose key is not in the ','-separated list allowed. */
int rules_keys_allowed(const struct rules_rule *r, const char *allowed);
/* Bind every rule of c to its kind and compile params; sets implemented. */
int rules_registry_bind(struct rules_catalogue *c, struct tp_error *err);

/* Group tables (one per rules_<group>.c), NULL-terminated arrays of kinds. */
extern const struct rules_kind *const rules_kinds_xpt[];
extern const struct rules_kind *const rules_kinds_meta[];
extern const struct rules_kind *const rules_kinds_values[];
extern const struct rules_kind *const rules_kinds_keys[];
extern const struct rules_kind *const rules_kinds_timing[];
extern const struct rules_kind *const rules_kinds_ct[];
extern const struct rules_kind *const rules_kinds_supp[];
extern const struct rules_kind *const rules_kinds_design[];
extern const struct rules_kind *const rules_kinds_define[];
extern const struct rules_kind *const rules_kinds_package[];

/* ---- helpers for the kinds (engine.c, util.c) ---- */
void rules_skip(struct rules_rule *r, const char *fmt, ...) TP_PRINTF(2, 3);
/* Findings: kv is "key", "value", ... NULL for the message placeholders. */
int rules_emit(struct rules_pkg *p, struct rules_rule *r, const struct rules_ds *ds, long row,
               const char *usubjid, const char *variable, const char *value, const char *const *kv);
/* A finding about row i of batch b (row number, USUBJID and dataset from run). */
int rules_emit_row(struct rules_run *run, struct rules_rule *r, const struct tp_dataset *b,
                   size_t i, const char *variable, const char *value, const char *const *kv);
/* A finding about a file (path of the file, no dataset row). */
int rules_emit_file(struct rules_pkg *p, struct rules_rule *r, const struct rules_file *f,
                    const struct rules_ds *ds, const char *variable, const char *value,
                    const char *const *kv);
/* A finding located in define.xml at line. */
int rules_emit_define(struct rules_pkg *p, struct rules_rule *r, long line, const char *dataset,
                      const char *variable, const char *value, const char *const *kv);

/* Does the rule's Domains list cover ds? */
bool rules_domain_match(const struct rules_rule *r, const struct rules_ds *ds);
/* "--SEQ" -> "AESEQ" (prefix of ds); names without "--" copied; buf >= 40. */
const char *rules_varname(const struct rules_ds *ds, const char *pattern, char *buf, size_t size);
/* Column of a "--" pattern in meta, or -1. */
long rules_col(const struct rules_ds *ds, const struct tp_dataset *meta, const char *pattern);
/* Does name match a pattern with '*' wildcards / "--" prefix? */
bool rules_name_match(const struct rules_ds *ds, const char *pattern, const char *name);

/* Cell access: text of any cell (numbers formatted into buf >= 40); NULL-ness. Character values
   are compared with trailing blanks removed. */
const char *rules_cell(const struct tp_dataset *b, size_t row, long col, char *buf, size_t size,
                       size_t *len);
bool rules_cell_null(const struct tp_dataset *b, size_t row, long col);
/* Numeric value of a cell (NUM, or CHAR holding a decimal number); false when null/not numeric. */
bool rules_cell_number(const struct tp_dataset *b, size_t row, long col, double *out);
bool rules_text_is_number(const char *s, size_t n, double *out);
bool rules_is_char(const struct tp_dataset *meta, long col);

/* Conditions "VAR:VALUE" (VALUE literal or null/notnull/numeric/not_numeric/versioned). */
enum rules_cond_op { RCO_EQ, RCO_NULL, RCO_NOTNULL, RCO_NUMERIC, RCO_NOT_NUMERIC, RCO_VERSIONED };
struct rules_cond {
    char *var;   /* as written ("--STAT", "DM.RFSTDTC") */
    char *value; /* literal for RCO_EQ */
    enum rules_cond_op op;
    bool dm;  /* DM.<var>: the subject's DM value */
    long col; /* resolved column (run time), -1 absent */
};
struct rules_conds {
    struct rules_cond *c;
    size_t n;
};
int rules_conds_parse(const char *text, struct rules_conds *out);
void rules_conds_release(struct rules_conds *cs);
/* Resolve columns for a dataset (copy per run: conds are in cfg, resolution in state). */
void rules_conds_resolve(const struct rules_ds *ds, const struct tp_dataset *meta,
                         struct rules_conds *cs);
bool rules_cond_eval(const struct rules_pkg *p, const struct rules_cond *c,
                     const struct tp_dataset *b, size_t row, long usubjid_col, bool nocase);
/* The subject of row (via the run's USUBJID column), or NULL. */
struct rules_subject *rules_subject_of(const struct rules_pkg *p, const struct tp_dataset *b,
                                       size_t row, long usubjid_col);
const char *rules_subject_field(const struct rules_subject *s, const char *dmvar);

/* Fingerprint of cells cols[0..n) of row (nulls and values distinguished). */
uint64_t rules_row_fp(const struct tp_dataset *b, size_t row, const long *cols, size_t n);

#endif
