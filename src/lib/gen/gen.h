/*
 * gen module: the synthetic raw EDC export generator (study brief §6). Internal API shared by the
 * generic driver (gen.c), the error injector (gen_inject.c), the metadata-only model
 * (gen_generic.c) and the study models (one file each, e.g. scleradec2_model.c).
 *
 * A model produces one screened subject at a time through the row API: gen_row_begin() on a
 * table, gen_set_*() per column, gen_row_end(). Columns the model leaves unset are filled from the
 * metadata (type, range, codelist); gen_set_blank() leaves a cell empty on purpose. Values are
 * formatted by hand (scaled integers, decimal mark from study.csv), never with printf("%f").
 */
#ifndef TP_GEN_H
#define TP_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "crf/crf.h"
#include "io.h"

#define GEN_NONE ((size_t)-1)

/* ---- randomness (gen_rng.c): xoshiro256** streams keyed by (seed, subject, stream name) ---- */

struct gen_rng {
    uint64_t s[4];
};

uint64_t gen_splitmix64(uint64_t *x);
/* Stream for (seed, subject, name): independent of every other stream, so adding a stream or a
   form never shifts the values of another. subject GEN_STUDY_STREAM for study-level streams. */
#define GEN_STUDY_STREAM UINT64_MAX
void gen_rng_init(struct gen_rng *r, uint64_t seed, uint64_t subject, const char *name);
/* Sub-stream of a stream (e.g. per visit): derived from r's key and a number. */
void gen_rng_fork(struct gen_rng *child, const struct gen_rng *parent, uint64_t k);
uint64_t gen_next(struct gen_rng *r);
double gen_unif(struct gen_rng *r);                /* [0, 1) */
long gen_int(struct gen_rng *r, long lo, long hi); /* uniform in [lo, hi] */
bool gen_chance(struct gen_rng *r, double p);
double gen_normal(struct gen_rng *r); /* N(0, 1), Marsaglia polar method */
double gen_normal_ms(struct gen_rng *r, double mean, double sd);
double gen_expo(struct gen_rng *r, double mean);
long gen_poisson(struct gen_rng *r, double lambda);
/* Index drawn with probability weights[i] / sum. */
size_t gen_pick(struct gen_rng *r, const double *weights, size_t n);
void gen_shuffle(struct gen_rng *r, int *a, size_t n);
double gen_clamp(double v, double lo, double hi);
long gen_round(double v); /* half away from zero */

/* ---- civil dates as day numbers (days since 1970-01-01) ---- */
long gen_days(int y, int m, int d);
void gen_civil(long days, int *y, int *m, int *d);
int gen_weekday(long days); /* 0 Monday .. 6 Sunday */
bool gen_parse_iso_date(const char *s, long *days);

/* ---- the driver ---- */

enum gen_cellstate { GEN_UNSET = 0, GEN_SET };

struct gen_cell {
    uint32_t off, len;
    uint8_t state;
    uint8_t injected;
};

/* Item classes for the generic error rules (brief §6.6). */
enum gen_class {
    GEN_CLASS_NONE = 0,
    GEN_CLASS_ITEM_RANGE, /* E01 questionnaire item out of range */
    GEN_CLASS_VAS,        /* E02 VAS above maximum */
    GEN_CLASS_SCORE       /* E03 impossible clinician score */
};

struct gen_table {
    const struct tp_crf_form *form;
    struct tp_sink *sink;
    size_t nitems;
    uint8_t *cls;           /* enum gen_class per item */
    struct tp_strbuf chunk; /* rows of the current subject */
    unsigned long long rows;
    bool subject_register; /* the table that defines subjects: never gets orphans (E15) */
    /* per subject and table streams (seeded lazily): metadata fill / system columns, and the
       generic error rules, so that the rows of one table never shift the draws of another */
    struct gen_rng fill, inj;
    bool streams_ready;
};

/* A subject whose rows wait to be written in sorted order (see gen_subject_begin). */
struct gen_held {
    char sortkey[32];
    struct tp_strbuf *chunks; /* one per table + manifest */
};

struct gen {
    const struct tp_crf *crf;
    const struct tp_gen_options *opt;
    struct tp_error *err;
    int rc; /* first error; set functions become no-ops */
    struct gen_table *tables;
    size_t ntables;
    struct tp_sink *manifest;
    struct tp_strbuf manifest_chunk;
    unsigned long errid;
    double rate; /* 0 clean, 1 standard, 10 heavy */
    long extraction_day;
    char delim, decimal;
    const char *eol;

    /* current subject */
    uint64_t subject;
    char site[16], patnum[32];
    struct gen_rng inj; /* study-model injection decisions of the subject */
    bool hold;
    char sortkey[32];
    struct gen_held *held;
    size_t nheld, capheld;

    /* the row being built */
    struct gen_table *rt;
    const struct tp_crf_event *rev;
    char rvisit[16];
    long rline, rday;
    struct gen_cell *cells; /* items of rt; keys and system columns are separate */
    size_t capcells;
    struct tp_strbuf arena;
    struct tp_strbuf line;
    const char *status_text;
    char entry[40];
    const char *study_id;
    bool rstatus_set, rentry_set;
    char rsite[16], rpatnum[32];
    struct gen_rng *rrng; /* fill stream of the row (its table's, or rinj for injected rows) */
    struct gen_rng *rinj; /* generic error rules of the row (its table's stream) */

    /* sites seen (centres.csv) */
    char (*sites)[16];
    size_t nsites, capsites;

    /* statistics for tests */
    unsigned long long nrows, nunset_filled, ninjected;
    size_t nrandomised, nscreened;

    const struct gen_model *model;
    void *mstate;
};

struct gen_model {
    const char *name;
    /* Bind tables and columns, read study attributes; *state owned by the model. */
    int (*init)(struct gen *g, void **state);
    void (*release)(void *state);
    /* Day after which a date is "in the future" (E09) for a run of n randomised subjects. */
    long (*extraction_day)(struct gen *g, void *state, size_t n);
    /* Generate screened subject number idx (0-based); set *randomised when it was randomised. */
    int (*subject)(struct gen *g, void *state, uint64_t idx, bool *randomised);
};

extern const struct gen_model gen_model_generic;
extern const struct gen_model gen_model_scleradec2;

/* Table of a raw file ("cochin"), GEN_NONE when the CRF has no such form. */
size_t gen_table(struct gen *g, const char *name);
/* Item position of a column in a table, GEN_NONE when absent (then setters ignore it). */
size_t gen_col(struct gen *g, size_t table, const char *name);
/* Bind n names at once; returns how many were found. */
size_t gen_cols(struct gen *g, size_t table, const char *const *names, size_t n, size_t *cols);
/* Mark an item's class for the generic error rules (replaces the metadata default). */
void gen_set_class(struct gen *g, size_t table, size_t col, enum gen_class cls);

/* Declare the table that registers subjects (inclusion.csv): E15 orphans go to other tables. */
void gen_set_register(struct gen *g, size_t table);

/*
 * Start a subject: site and subject keys used by every row until the next call. Rows go to a
 * per-subject buffer; when hold is true the subject waits and is written later sorted by sortkey
 * together with the other held subjects (first subject without hold flushes them).
 */
int gen_subject_begin(struct gen *g, uint64_t idx, const char *site, const char *patnum, bool hold,
                      const char *sortkey);
int gen_subject_end(struct gen *g);

/* Start a row of table for a visit code (may be "" for logs), repeat line (1..n) and the day the
   data were collected (entry timestamps are drawn after it). table GEN_NONE gives a dummy row. */
void gen_row_begin(struct gen *g, size_t table, const struct tp_crf_event *ev, const char *visit,
                   long line, long day);
void gen_set_str(struct gen *g, size_t col, const char *s);
void gen_set_int(struct gen *g, size_t col, long v);
/* scaled / 10^ndec, e.g. (625, 1) -> "62,5" */
void gen_set_dec(struct gen *g, size_t col, long scaled, int ndec);
void gen_set_date(struct gen *g, size_t col, long day);
/* prec 0 full date, 1 "UK/mm/yyyy", 2 "UK/UK/yyyy" */
void gen_set_pdate(struct gen *g, size_t col, long day, int prec);
void gen_set_time(struct gen *g, size_t col, int minutes);
void gen_set_blank(struct gen *g, size_t col);
/* A codelist value as written in codelists.csv ("0.07" -> "0,07" with a decimal comma). */
void gen_set_code(struct gen *g, size_t col, const char *value);
/* Override the row's keys (E14: same PATNUM under another centre; E15: orphan). */
void gen_row_set_site(struct gen *g, const char *site);
void gen_row_set_patnum(struct gen *g, const char *patnum);
/* Mark the current row as an extra row made by an injected error (E14): its own random draws
   (entry status and timestamp) then come from the injection stream, so the clean rows that follow
   are the same as in the clean set. */
void gen_row_injected(struct gen *g);
/* Current text of a cell ("" when unset). */
const char *gen_get(struct gen *g, size_t col);
/* Finish the row: fill unset cells, inject generic errors (errors mode), write. */
int gen_row_end(struct gen *g);

/* Format helpers (no locale): write into buf, return buf. */
char *gen_fmt_date(char *buf, size_t n, long day);
char *gen_fmt_dec(char *buf, size_t n, long scaled, int ndec, char mark);

/* ---- error injection (gen_inject.c) ---- */

enum gen_severity { GEN_SEV_ERROR, GEN_SEV_WARNING, GEN_SEV_INFO };

/* True with probability rate * mode multiplier (never in clean mode). Draws from the subject's
   injection stream only, so the clean values never depend on the error mode. */
bool gen_inj_chance(struct gen *g, double rate);
/* Replace a cell of the current row by an erroneous value and log it in errors.csv. */
void gen_inject(struct gen *g, size_t col, const char *rule, const char *value,
                enum gen_severity sev, const char *check);
/* Log an injection that is not a cell change of the current row (duplicates, keys). */
void gen_inject_note(struct gen *g, const char *rule, const char *column, const char *before,
                     const char *after, enum gen_severity sev, const char *check);
/* Apply the metadata-driven rules to the current row (called by gen_row_end). */
void gen_inject_row(struct gen *g);
/* Row-level rules that write extra copies (E12, E13, E15) after the row was written. */
int gen_inject_after_row(struct gen *g);

/* What a run produced (tests). */
struct gen_stats {
    unsigned long long rows;         /* data rows written, all tables */
    unsigned long long unset_filled; /* cells the model left unset (filled from metadata) */
    unsigned long long injected;     /* manifest entries */
    size_t randomised, screened;
    long extraction_day;
};

/* Internal entry point: tp_generate plus statistics (st may be NULL). */
int gen_run(const struct tp_crf *crf, const struct tp_gen_options *o, const char *outdir,
            struct gen_stats *st, struct tp_error *err);

/* Write the current row (cells) to the subject chunk; used by gen_row_end and the injector. */
int gen_write_row(struct gen *g);

#endif
