/*
 * Internal header of the SDTM mapping engine (src/lib/map). The engine parses spec sheets (CSV
 * text a person edits in a spreadsheet) into an AST (struct tp_spec), checks it, compiles it against
 * the raw export into a plan, and runs the plan column-wise into output tables (struct otab).
 * Parsing never touches the disk or the raw data, so the parser can be fuzzed from memory.
 */
#ifndef TP_MAP_H
#define TP_MAP_H

#include "internal.h"
#include "trialpack/dataset.h"
#include "trialpack/sdtm.h"

#include <stdint.h>

/* ---------------------------------------------------------------- hash map (hmap.c) */
/* String -> size_t, keys copied into the map. Open addressing, power-of-two capacity. */
struct hmap {
    char **keys;
    size_t *vals;
    size_t cap, n;
};
void hmap_init(struct hmap *m);
void hmap_release(struct hmap *m);
/* Value of key (len bytes), true when found. */
bool hmap_get(const struct hmap *m, const char *key, size_t len, size_t *val);
/* Insert or overwrite. TP_OK / TP_E_NOMEM. */
int hmap_put(struct hmap *m, const char *key, size_t len, size_t val);

/* ---------------------------------------------------------------- sheets (sheet.c) */
/* A CSV sheet parsed from memory: header + rows of NUL-terminated cells. Delimiter ',' or ';'
   (picked from the header line), RFC 4180 quotes, CRLF or LF, UTF-8 BOM skipped. */
struct sheet {
    char *name;          /* "Rules.csv": used in error locations */
    size_t ncols, nrows;
    char **hdr;          /* ncols header cells */
    char **cell;         /* nrows * ncols cells (missing trailing cells are "") */
    long *line;          /* file line where each row starts */
    char *arena;         /* storage */
};
int sheet_parse(struct sheet *sh, const char *name, const char *data, size_t n,
                struct tp_error *err);
void sheet_release(struct sheet *sh);
/* Column index of a header (case-, space- and underscore-insensitive), or -1. */
long sheet_col(const struct sheet *sh, const char *name);
static inline const char *sheet_get(const struct sheet *sh, size_t row, long col)
{
    return col < 0 ? "" : sh->cell[row * sh->ncols + (size_t)col];
}
/* Fail with a location "sheet:line:col" naming the column. */
int sheet_fail(struct tp_error *err, int code, const struct sheet *sh, size_t row, long col,
               const char *fmt, ...) TP_PRINTF(6, 7);

/* ---------------------------------------------------------------- expressions (expr.c) */
struct expr;
/* Resolve a name to an id (>= 0), or -1 when unknown. */
typedef long (*expr_resolve_fn)(void *ctx, const char *name);
/* Fetch the text value of an id (empty = null). */
typedef const char *(*expr_get_fn)(void *ctx, long id, size_t *len);
/* Parse text; unknown names fail with TP_E_SPEC naming the name. *out NULL for empty text. */
int expr_parse(const char *text, expr_resolve_fn resolve, void *rctx, struct expr **out,
               char *msg, size_t msgsize);
bool expr_eval(const struct expr *e, expr_get_fn get, void *gctx);
void expr_free(struct expr *e);

/* ---------------------------------------------------------------- dates (isodate.c) */
enum date_status { DATE_OK = 0, DATE_EMPTY, DATE_BAD, DATE_PARTIAL };
/* Convert a raw date (format "dd/mm/yyyy", "yyyy-mm-dd", "mm/yyyy", "yyyy") and optional raw time
   ("HH:MM" or "HH:MM:SS") to ISO 8601 in out (>= 20 bytes). Unknown parts "UK"/"UNK"/"UN" give a
   right-truncated partial date. DATE_BAD leaves out empty and writes a reason in why. */
int isodate_convert(const char *date, size_t dn, const char *time, size_t tn, const char *format,
                    char *out, size_t outsize, char *why, size_t whysize);
/* From separate year, month, day parts (month/day may be empty or unknown). */
int isodate_from_parts(const char *y, size_t yn, const char *m, size_t mn, const char *d,
                       size_t dn, char *out, size_t outsize, char *why, size_t whysize);
/* Whether s is valid SDTM ISO 8601 (extended format, right-truncated partials). */
bool isodate_valid(const char *s, size_t n);
/* Days since 1970-01-01 of the date part of an ISO value; false unless YYYY-MM-DD is complete. */
bool isodate_days(const char *s, size_t n, long *days);
/* Format days since epoch as YYYY-MM-DD. */
void isodate_from_days(long days, char *out, size_t size);
/* Study day: (d - ref) + 1 when d >= ref, else d - ref. */
long isodate_study_day(long d, long ref);

/* ---------------------------------------------------------------- CT (ct.c) */
struct ct_list {
    char *code, *name, *subval; /* codelist C-code, name, submission value of the codelist */
    bool extensible;
    struct hmap terms;          /* submission value -> index in term arrays */
    char **term, **term_code;
    size_t nterm, cap;
};
struct ct {
    struct ct_list *lists;
    size_t n, cap;
    struct hmap by_code;        /* codelist C-code -> index */
    char *source;               /* file name, for messages */
};
/* Parse an NCI EVS tab-delimited terminology file (SDTM_Terminology.txt layout) from memory,
   adding to ct. Only the codelists named in keep (NULL = all) are stored. */
int ct_parse(struct ct *ct, const char *name, const char *data, size_t n, struct tp_error *err);
void ct_release(struct ct *ct);
const struct ct_list *ct_find(const struct ct *ct, const char *code);
bool ct_has_term(const struct ct_list *l, const char *term, const char **term_code);

/* ---------------------------------------------------------------- spec AST (spec_parse.c) */
struct kv {
    char *key, *val;
};

struct spec_dataset {
    char *name, *label, *cls, *structure, *purpose, *comment, *keys_text, *keys_buf;
    char **keys;
    size_t nkeys;
    bool repeating, refdata;
    long line;
    size_t *vars;   /* indices into spec->vars, in Order */
    size_t nvars;
    char domain[3]; /* 2-letter domain, "" for RELREC-like / SUPP */
};

struct spec_var {
    char *dataset, *name, *label, *datatype, *format, *mandatory, *codelist, *origin, *source,
        *method, *role, *core, *comment, *evaluator;
    double order;
    size_t length;   /* 0 = longest value */
    int sigdig;
    bool nonstandard, num;
    long line;
    long ds;         /* dataset index */
    long cl;         /* codelist index or -1 */
    long pos;        /* position in its dataset (column of its output table) */
};

struct spec_term {
    char *term, *code, *decode;
    bool extended;
    long line;
};

struct spec_codelist {
    char *id, *name, *nci, *datatype;
    struct spec_term *terms;
    size_t nterms, cap;
    struct hmap index;  /* term -> index */
    long line;
    bool extensible;    /* from CT when known */
};

struct spec_map {
    char *id;
    struct hmap index;  /* raw value -> term index */
    char **raw, **term;
    long *line;
    size_t n, cap;
};

struct spec_conv {
    char *dataset, *testcd, *from, *to;
    double factor, offset;
    long line;
};

enum algo {
    ALG_ASSIGN = 1, ALG_HARDCODE, ALG_CODELIST, ALG_ISODATE, ALG_CONCAT, ALG_FILTER,
    ALG_FINDINGS, ALG_DERIVE, ALG_RELREC, ALG_UPPER, ALG_FIRST
};

/* A reference in a Source list: a raw column, a literal, or a target variable (=VAR). */
struct src_ref {
    enum { SRC_COL, SRC_LIT, SRC_VAR } kind;
    char *text;
    long idx;        /* resolved column / variable index (plan) */
};

/* A findings parameter value: literal, or @COL, or @COL|MAP. */
struct fparam {
    char *var;       /* full target variable name, e.g. QSSCAT */
    char *lit;       /* literal or NULL */
    char *col;       /* raw column or NULL */
    char *map;       /* map id or NULL */
    long var_idx, col_idx, map_idx;
};

struct spec_rule {
    long line;
    char *dataset, *block, *form, *variable, *algorithm, *source, *params, *condition, *comment;
    enum algo alg;
    long ds, var;            /* resolved indices (var -1 for "*") */
    struct src_ref *src;
    size_t nsrc;
    struct kv *kv;
    size_t nkv;
    /* resolved at plan time */
    struct expr *cond;       /* Condition column */
    long map;                /* codelist map (ALG_CODELIST, findings ORRES map) */
    long from_form;          /* raw lookup form, or -1 */
    long from_ds;            /* derive: source dataset index */
    long from_var;           /* derive: source variable index */
    struct expr *where;      /* lookup / derive filter */
    struct fparam *fp;       /* findings parameters */
    size_t nfp;
    int agg;                 /* AGG_* */
    long block_idx;
    char **lookup_vals;      /* per subject results of a raw lookup (plan/exec) */
};

enum { AGG_FIRST = 0, AGG_LAST, AGG_MIN, AGG_MAX, AGG_COUNT };

struct spec_block {
    char *name, *form;
    long ds;
    size_t *rules;           /* indices into spec->rules (non-"*" rules, evaluation order) */
    size_t nrules;
    size_t *findings;        /* ALG_FINDINGS rules */
    size_t nfindings;
    long filter_rule;        /* ALG_FILTER rule, -1 */
    long relrec_rule;        /* ALG_RELREC rule, -1 */
    long form_idx;           /* plan: raw form */
};

struct tp_spec {
    char *dir;
    struct sheet datasets_sh, variables_sh, codelists_sh, rules_sh, maps_sh, conv_sh, vlm_sh,
        where_sh, methods_sh, comments_sh, docs_sh, settings_sh, study_sh;
    struct sheet ta_sh, te_sh, tv_sh, ti_sh, ts_sh;
    bool have[32];
    struct spec_dataset *ds;
    size_t nds;
    struct spec_var *vars;
    size_t nvars;
    struct spec_codelist *cls;
    size_t ncls;
    struct spec_map *maps;
    size_t nmaps;
    struct spec_conv *conv;
    size_t nconv;
    struct spec_rule *rules;
    size_t nrules;
    struct spec_block *blocks;
    size_t nblocks;
    struct kv *settings;
    size_t nsettings;
    struct ct ct;
    bool ct_loaded;
    bool finished;
};

/* Which sheet a file name is (index into have[] / the sheet fields), -1 if unknown. */
int spec_sheet_kind(const char *name);
struct sheet *spec_sheet_by_kind(struct tp_spec *s, int kind);
const char *spec_setting(const struct tp_spec *s, const char *key, const char *dflt);
long spec_find_ds(const struct tp_spec *s, const char *name);
long spec_find_var(const struct tp_spec *s, long ds, const char *name);
long spec_find_cl(const struct tp_spec *s, const char *id);
long spec_find_map(const struct tp_spec *s, const char *id);
const char *spec_kv(const struct spec_rule *r, const char *key);
const char *spec_map_lookup(const struct spec_map *m, const char *raw, size_t n);
/* Build the AST from the loaded sheets (called by tp_spec_finish). */
int spec_build(struct tp_spec *s, struct tp_error *err);
/* Semantic checks (spec_check.c). */
int spec_check(struct tp_spec *s, struct tp_error *err);

/* ---------------------------------------------------------------- output tables (table.c) */
struct ocol {
    bool num;
    double *d;
    char *miss;
    uint32_t *len;
    size_t *off;
    char *arena;
    size_t alen, acap;
};

struct otab {
    long ds;                 /* spec dataset index, -1 for generated (SUPP/RELREC) */
    char *name, *label;
    size_t ncols;
    char **names;            /* column names */
    struct ocol *cols;
    size_t nrows, cap;
    long *subj;              /* subject index per row (-1 none) */
    long *src_form;          /* raw form per row (-1 derived) */
    size_t *src_row;         /* raw row per row */
    long *seq_src;           /* for findings: rule index that produced it */
    unsigned char *flag;     /* OT_* bits */
    long fc[8];              /* findings columns (FC_*), filled by otab_findings_cols */
    bool fc_done;
};
enum { FC_ORRES, FC_ORRESU, FC_STRESC, FC_STRESN, FC_STRESU, FC_STAT, FC_TEST, FC_TESTCD };
#define OT_UNSCHED 1u        /* raw visit code was the unscheduled-visit code */
int otab_init(struct otab *t, const char *name, const char *label, size_t ncols,
              const char *const *names, const bool *num);
void otab_release(struct otab *t);
int otab_add_row(struct otab *t, size_t *row);
int otab_set_str(struct otab *t, size_t row, size_t col, const char *s, size_t n);
int otab_set_num(struct otab *t, size_t row, size_t col, double v);
void otab_set_null(struct otab *t, size_t row, size_t col);
const char *otab_str(const struct otab *t, size_t row, size_t col, size_t *n);
bool otab_num(const struct otab *t, size_t row, size_t col, double *v);
long otab_col(const struct otab *t, const char *name);
/* Sort rows by the given columns (numeric compare for NUM, byte compare for CHAR), stable. */
int otab_sort(struct otab *t, const size_t *cols, size_t ncols, size_t **newpos);

/* ---------------------------------------------------------------- run state (exec.c) */
struct rawform {
    char *name;              /* file stem, e.g. "cochin" */
    struct tp_dataset *ds;   /* all CHAR */
    long subj_col, visit_col, line_col;
    long *subj;              /* subject index per row, -1 orphan */
    bool used;
    uint32_t *nout;          /* records made directly from each raw row */
    long *lookup_by;         /* rule that read the row through a from= lookup, or -1 */
};

struct subject {
    char *key;               /* raw subject key (PATNUM) */
    char *usubjid;
    char *site;
};

struct issue {
    long form;               /* raw form or -1 */
    size_t row;
    long subj;
    long ds;                 /* output table index or -1 */
    size_t orow;
    char *var;
    char *kind;              /* "ISSUE", "TRANSLITERATED" */
    char *detail;
};

struct tp_sdtm {
    const struct tp_spec *spec;
    char *profile, *formats;
    struct rawform *forms;
    size_t nforms;
    struct hmap form_index;
    struct subject *subjects;
    size_t nsubj;
    struct hmap subj_index;   /* raw key -> subject */
    struct otab *tabs;        /* one per spec dataset, then SUPP--, RELREC */
    size_t ntabs;
    long *tab_of_ds;          /* spec ds -> tab */
    struct issue *issues;
    size_t nissues, issues_cap;
    /* per-record provenance for reconciliation: (form,row) -> list of (tab,row) */
    struct tp_strbuf scratch;
    void (*progress)(void *ctx, const char *what, size_t done, size_t total);
    void *progress_ctx;
    bool ran;
    char studyid[64];
    /* planned visits (TrialVisits.csv): raw visit code -> index */
    struct hmap tv_index;
    double *tv_num, *tv_dy;
    char **tv_name;
    size_t ntv;
    bool tv_built;
    long *dm_row;             /* per subject: its DM record, or -1 */
    size_t actsub_base;       /* subjects with an arm in earlier chunks (TS ACTSUB) */
    size_t stream_records, stream_unmapped, stream_issues; /* figures of a chunked run */
    bool streamed;
    size_t chunk;             /* subjects per chunk (option "chunk") */
    /* subject elements (SE): per subject a range in el_* */
    size_t *el_first, *el_count;
    char **el_start, **el_end, **el_etcd, **el_element, **el_epoch;
    double *el_taetord;
    size_t nel, el_cap;
    /* visits: per subject sorted list of (days, visitnum) for unscheduled numbering */
};

int exec_add_issue(struct tp_sdtm *r, long form, size_t row, long subj, long tab, size_t orow,
                   const char *var, const char *kind, const char *fmt, ...) TP_PRINTF(9, 10);
/* Phases */
int exec_load_raw(struct tp_sdtm *r, const char *raw_dir, struct tp_error *err);
int exec_subjects(struct tp_sdtm *r, struct tp_error *err);
int exec_plan(struct tp_sdtm *r, struct tp_error *err);
int exec_records(struct tp_sdtm *r, struct tp_error *err);
int derive_cross(struct tp_sdtm *r, struct tp_error *err);
int derive_dm(struct tp_sdtm *r, struct tp_error *err);
int derive_visits(struct tp_sdtm *r, struct tp_error *err);
int derive_elements(struct tp_sdtm *r, struct tp_error *err);
int derive_timing(struct tp_sdtm *r, struct tp_error *err);
int derive_lobxfl(struct tp_sdtm *r, struct tp_error *err);
int derive_design(struct tp_sdtm *r, struct tp_error *err);
int derive_seq(struct tp_sdtm *r, struct tp_error *err);
int derive_supp(struct tp_sdtm *r, struct tp_error *err);
int exec_check_ct(struct tp_sdtm *r, struct tp_error *err);
int exec_translit(struct tp_sdtm *r, struct tp_error *err);
int exec_write(struct tp_sdtm *r, const char *out_dir, struct tp_error *err);
int recon_write(struct tp_sdtm *r, const char *dir, struct tp_error *err);

/* Reconciliation in pieces (chunked runs): counts per raw table and per dataset. */
struct recon_count {
    char *name, *label;
    size_t records, mapped, unmapped, issues, subjects;
};
struct recon_stats {
    struct recon_count *forms, *ds;
    size_t nforms, forms_cap, nds, ds_cap;
    size_t total, mapped, unmapped, issues, translit;
};
struct tp_sink;
int recon_open(struct tp_sink **sink, const char *dir, struct tp_error *err);
/* Append the lines of run r (its raw rows and issues); datasets: also count r's tables. */
int recon_lines(struct tp_sdtm *r, struct tp_sink *sink, struct recon_stats *st, bool datasets,
                struct tp_error *err);
int recon_add_dataset(struct recon_stats *st, const char *name, const char *label, size_t records,
                      size_t subjects);
int recon_summary(const struct recon_stats *st, const char *studyid, const char *profile,
                  const char *dir, struct tp_error *err);
void recon_stats_release(struct recon_stats *st);

/* Planned visit of a raw visit code: index into tv_* or -1 (builds the table on first use). */
long visit_lookup(struct tp_sdtm *r, const char *code, size_t n);
bool visit_is_unscheduled(const struct tp_sdtm *r, const char *code, size_t n);
/* Apply one rule to one output record (phase 1). */
int exec_apply_rule(struct tp_sdtm *r, const struct spec_rule *ru, long form, size_t row,
                    struct otab *t, size_t orow);
long tab_col_of_var(const struct tp_spec *s, long var);

/* ISO 8601 order where a less precise value sorts before a more precise one sharing its prefix
   (a date-only record on the day of a dated-and-timed boundary counts as before it). */
int iso_cmp(const char *a, size_t an, const char *b, size_t bn);
/* Column of the dataset-prefixed variable ("DTC" -> QSDTC) in t, or -1. */
long tab_pcol(const struct tp_sdtm *r, const struct otab *t, const char *suffix);
int derive_ids(struct tp_sdtm *r, struct tp_error *err);
int derive_relrec(struct tp_sdtm *r, struct tp_error *err);
void derive_elements_free(struct tp_sdtm *r);

/* Helpers */
struct otab *exec_tab(struct tp_sdtm *r, const char *dsname);
long exec_form(const struct tp_sdtm *r, const char *name);
bool exec_form_is_metadata(const struct tp_spec *s, const char *name);
int sdtm_phases(struct tp_sdtm *r, struct tp_error *err);
int stream_run(struct tp_sdtm *r, const char *raw_dir, const char *tmp_dir, struct tp_error *err);
const char *raw_cell(const struct rawform *f, size_t row, long col, size_t *len);
/* Transliterate UTF-8 to ASCII into sb; returns true when the text changed. */
bool translit_ascii(const char *s, size_t n, struct tp_strbuf *sb);
/* Name of the variable with the dataset's domain prefix, e.g. ("QS","DTC") -> "QSDTC". */
void map_prefixed(const struct spec_dataset *d, const char *suffix, char *out, size_t size);

#endif
