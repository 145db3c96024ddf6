/*
 * Study folders: the CRF metadata of a study (ODM-shaped: events, forms, item groups, items,
 * codelists, units) kept as CSV sheets that a person edits in a spreadsheet, and the synthetic raw
 * EDC export generator driven by it. The sheet format is described in doc/crf-sheets.md.
 *
 * Recipe:
 *     struct tp_crf *crf;
 *     if (tp_crf_load("mappings/scleradec2", &crf, &err)) ... report err ...
 *     struct tp_gen_options o;
 *     tp_gen_options_init(&o, crf);
 *     o.subjects = 200;
 *     if (tp_generate(crf, &o, "out/raw", &err)) ... report err ...
 *     tp_crf_free(crf);
 *
 * All handles are owned by the struct tp_crf and stay valid until tp_crf_free(). Strings returned
 * by accessors are borrowed, UTF-8, and never NULL ("" when the sheet cell was empty) unless
 * stated.
 */
#ifndef TRIALPACK_STUDY_H
#define TRIALPACK_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trialpack/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tp_crf;
struct tp_crf_event;
struct tp_crf_form;
struct tp_crf_itemgroup;
struct tp_crf_item;
struct tp_crf_codelist;
struct tp_crf_unit;

/* ODM 1.3.2 DataType values accepted in items.csv / codelists.csv. */
enum tp_crf_datatype {
    TP_DT_TEXT = 1,
    TP_DT_STRING,
    TP_DT_INTEGER,
    TP_DT_FLOAT,
    TP_DT_DOUBLE,
    TP_DT_BOOLEAN,
    TP_DT_DATE,
    TP_DT_TIME,
    TP_DT_DATETIME,
    TP_DT_PARTIAL_DATE,
    TP_DT_PARTIAL_TIME,
    TP_DT_PARTIAL_DATETIME
};

enum tp_crf_event_type { TP_EVENT_SCHEDULED = 1, TP_EVENT_UNSCHEDULED, TP_EVENT_COMMON };

/* Which range of an item: plausible values (generator) or hard limits (validation). */
enum tp_crf_range { TP_RANGE_SOFT = 1, TP_RANGE_HARD };

/* Roles of the columns that every raw table carries besides its items (study.csv Raw.Column.*). */
enum tp_crf_rawcol {
    TP_RAW_STUDY = 0, /* ETUDE */
    TP_RAW_SITE,      /* CENTRE */
    TP_RAW_SUBJECT,   /* PATNUM */
    TP_RAW_VISIT,     /* VISITE */
    TP_RAW_LINE,      /* LIGNE */
    TP_RAW_STATUS,    /* STATUT (system column, after the items) */
    TP_RAW_ENTRYDATE, /* DATSAIS (system column, after the items) */
    TP_RAW_NCOLS
};

/* ---- loading ---- */

/*
 * Load the study folder dir (study.csv, crf/events.csv, crf/forms.csv, crf/event_forms.csv,
 * crf/itemgroups.csv, crf/items.csv, and optionally crf/codelists.csv and crf/units.csv).
 * On success *out is a new model (free with tp_crf_free). On error *out is NULL and err names the
 * sheet, line, column (1-based spreadsheet column) and header of the offending cell.
 * Errors: TP_E_IO (missing or unreadable sheet), TP_E_PARSE (CSV or UTF-8 syntax), TP_E_SPEC (bad
 * value, unknown or duplicate OID, missing required column), TP_E_NOMEM.
 */
int tp_crf_load(const char *dir, struct tp_crf **out, struct tp_error *err);
void tp_crf_free(struct tp_crf *crf);

/* ---- study attributes (study.csv) ---- */

/* Value of a study.csv key (case-sensitive), or NULL when absent. */
const char *tp_crf_attr(const struct tp_crf *crf, const char *key);
size_t tp_crf_attr_count(const struct tp_crf *crf);
/* i-th key/value in sheet order. */
void tp_crf_attr_at(const struct tp_crf *crf, size_t i, const char **key, const char **value);
/* StudyOID, StudyName, ProtocolName (required keys). */
const char *tp_crf_study_oid(const struct tp_crf *crf);
const char *tp_crf_study_name(const struct tp_crf *crf);
const char *tp_crf_protocol_name(const struct tp_crf *crf);
/* The raw column name for a role (defaults ETUDE CENTRE PATNUM VISITE LIGNE STATUT DATSAIS). */
const char *tp_crf_raw_column(const struct tp_crf *crf, enum tp_crf_rawcol role);
/* Raw export conventions: delimiter (';'), decimal mark (','). */
char tp_crf_raw_delimiter(const struct tp_crf *crf);
char tp_crf_raw_decimal_mark(const struct tp_crf *crf);

/* ---- study events (events.csv), in OrderNumber order ---- */
size_t tp_crf_event_count(const struct tp_crf *crf);
const struct tp_crf_event *tp_crf_event_at(const struct tp_crf *crf, size_t i);
const struct tp_crf_event *tp_crf_event_find(const struct tp_crf *crf, const char *oid);
/* By raw visit code ("J0"); NULL when none. */
const struct tp_crf_event *tp_crf_event_by_code(const struct tp_crf *crf, const char *code);
size_t tp_crf_event_index(const struct tp_crf_event *ev);
const char *tp_crf_event_oid(const struct tp_crf_event *ev);
const char *tp_crf_event_name(const struct tp_crf_event *ev);
const char *tp_crf_event_name_en(const struct tp_crf_event *ev);
const char *tp_crf_event_visit_code(const struct tp_crf_event *ev);
/* VISITNUM as written in the sheet ("" when none, e.g. unscheduled or common events). */
const char *tp_crf_event_visitnum(const struct tp_crf_event *ev);
enum tp_crf_event_type tp_crf_event_type(const struct tp_crf_event *ev);
bool tp_crf_event_repeating(const struct tp_crf_event *ev);
/* Nominal day and window in protocol days (day of the reference event = 0); false when unset. */
bool tp_crf_event_day(const struct tp_crf_event *ev, long *day);
bool tp_crf_event_window(const struct tp_crf_event *ev, long *low, long *high);
/* Forms of an event (event_forms.csv), in OrderNumber order. */
size_t tp_crf_event_form_count(const struct tp_crf_event *ev);
const struct tp_crf_form *tp_crf_event_form_at(const struct tp_crf_event *ev, size_t i);
bool tp_crf_event_form_mandatory(const struct tp_crf_event *ev, size_t i);
bool tp_crf_event_has_form(const struct tp_crf_event *ev, const struct tp_crf_form *form);

/* ---- forms (forms.csv), in OrderNumber order ---- */
size_t tp_crf_form_count(const struct tp_crf *crf);
const struct tp_crf_form *tp_crf_form_at(const struct tp_crf *crf, size_t i);
const struct tp_crf_form *tp_crf_form_find(const struct tp_crf *crf, const char *oid);
/* By raw table name ("cochin"); NULL when none. */
const struct tp_crf_form *tp_crf_form_by_table(const struct tp_crf *crf, const char *table);
size_t tp_crf_form_index(const struct tp_crf_form *form);
const char *tp_crf_form_oid(const struct tp_crf_form *form);
const char *tp_crf_form_name(const struct tp_crf_form *form);
const char *tp_crf_form_name_en(const struct tp_crf_form *form);
/* Raw table name: the export file is "<table>.csv". */
const char *tp_crf_form_table(const struct tp_crf_form *form);
bool tp_crf_form_repeating(const struct tp_crf_form *form);
/* True when one of its item groups repeats (the raw table has several rows per subject-visit). */
bool tp_crf_form_rows_repeat(const struct tp_crf_form *form);
/* Restricted forms (unblinding, cell-therapy unit sheets) are kept apart from blinded data. */
bool tp_crf_form_restricted(const struct tp_crf_form *form);
size_t tp_crf_form_itemgroup_count(const struct tp_crf_form *form);
const struct tp_crf_itemgroup *tp_crf_form_itemgroup_at(const struct tp_crf_form *form, size_t i);
/* All items of the form in raw column order (item groups in order, items in order). */
size_t tp_crf_form_item_count(const struct tp_crf_form *form);
const struct tp_crf_item *tp_crf_form_item_at(const struct tp_crf_form *form, size_t i);
/* Item by raw column name (case-sensitive); NULL when none. */
const struct tp_crf_item *tp_crf_form_item_find(const struct tp_crf_form *form, const char *name);

/* ---- item groups (itemgroups.csv) ---- */
size_t tp_crf_itemgroup_count(const struct tp_crf *crf);
const struct tp_crf_itemgroup *tp_crf_itemgroup_at(const struct tp_crf *crf, size_t i);
const struct tp_crf_itemgroup *tp_crf_itemgroup_find(const struct tp_crf *crf, const char *oid);
const char *tp_crf_itemgroup_oid(const struct tp_crf_itemgroup *ig);
const char *tp_crf_itemgroup_name(const struct tp_crf_itemgroup *ig);
const char *tp_crf_itemgroup_name_en(const struct tp_crf_itemgroup *ig);
const char *tp_crf_itemgroup_domain(const struct tp_crf_itemgroup *ig);
bool tp_crf_itemgroup_repeating(const struct tp_crf_itemgroup *ig);
const struct tp_crf_form *tp_crf_itemgroup_form(const struct tp_crf_itemgroup *ig);
size_t tp_crf_itemgroup_item_count(const struct tp_crf_itemgroup *ig);
const struct tp_crf_item *tp_crf_itemgroup_item_at(const struct tp_crf_itemgroup *ig, size_t i);

/* ---- items (items.csv) ---- */
size_t tp_crf_item_count(const struct tp_crf *crf);
const struct tp_crf_item *tp_crf_item_at(const struct tp_crf *crf, size_t i);
const struct tp_crf_item *tp_crf_item_find(const struct tp_crf *crf, const char *oid);
const char *tp_crf_item_oid(const struct tp_crf_item *it);
/* Raw column name. */
const char *tp_crf_item_name(const struct tp_crf_item *it);
const char *tp_crf_item_question(const struct tp_crf_item *it);
const char *tp_crf_item_question_en(const struct tp_crf_item *it);
const char *tp_crf_item_comment(const struct tp_crf_item *it);
enum tp_crf_datatype tp_crf_item_datatype(const struct tp_crf_item *it);
/* Length (0 when unset) and SignificantDigits (decimals; 0 when unset). */
unsigned tp_crf_item_length(const struct tp_crf_item *it);
unsigned tp_crf_item_digits(const struct tp_crf_item *it);
bool tp_crf_item_mandatory(const struct tp_crf_item *it);
/* Range; false when neither bound is set. An unset bound is -HUGE_VAL / +HUGE_VAL. */
bool tp_crf_item_range(const struct tp_crf_item *it, enum tp_crf_range which, double *low,
                       double *high);
/* NULL when the item has no codelist / unit. */
const struct tp_crf_codelist *tp_crf_item_codelist(const struct tp_crf_item *it);
const struct tp_crf_unit *tp_crf_item_unit(const struct tp_crf_item *it);
/* Allowed missing codes ("ND", "NA"...): count and i-th. */
size_t tp_crf_item_missing_count(const struct tp_crf_item *it);
const char *tp_crf_item_missing_at(const struct tp_crf_item *it, size_t i);
bool tp_crf_item_allows_missing(const struct tp_crf_item *it, const char *code);
/* Whether the item is collected at an event (CollectedAt empty = every event of its form). */
bool tp_crf_item_collected_at(const struct tp_crf_item *it, const struct tp_crf_event *ev);
const struct tp_crf_itemgroup *tp_crf_item_itemgroup(const struct tp_crf_item *it);
const struct tp_crf_form *tp_crf_item_form(const struct tp_crf_item *it);
/* Position of the item among its form's items (0-based). */
size_t tp_crf_item_position(const struct tp_crf_item *it);

/* ---- codelists (codelists.csv) ---- */
size_t tp_crf_codelist_count(const struct tp_crf *crf);
const struct tp_crf_codelist *tp_crf_codelist_at(const struct tp_crf *crf, size_t i);
const struct tp_crf_codelist *tp_crf_codelist_find(const struct tp_crf *crf, const char *oid);
const char *tp_crf_codelist_oid(const struct tp_crf_codelist *cl);
const char *tp_crf_codelist_name(const struct tp_crf_codelist *cl);
enum tp_crf_datatype tp_crf_codelist_datatype(const struct tp_crf_codelist *cl);
size_t tp_crf_codelist_size(const struct tp_crf_codelist *cl);
/* i-th term in OrderNumber order: coded value as written in the sheet (float codes with '.'). */
const char *tp_crf_code_value(const struct tp_crf_codelist *cl, size_t i);
const char *tp_crf_code_decode(const struct tp_crf_codelist *cl, size_t i);
const char *tp_crf_code_decode_en(const struct tp_crf_codelist *cl, size_t i);
const char *tp_crf_code_submission(const struct tp_crf_codelist *cl, size_t i);
/* Index of a coded value, or (size_t)-1. Numeric lists compare numerically ("1.0" == "1"). */
size_t tp_crf_codelist_lookup(const struct tp_crf_codelist *cl, const char *value);

/* ---- measurement units (units.csv) ---- */
size_t tp_crf_unit_count(const struct tp_crf *crf);
const struct tp_crf_unit *tp_crf_unit_at(const struct tp_crf *crf, size_t i);
const struct tp_crf_unit *tp_crf_unit_find(const struct tp_crf *crf, const char *oid);
const char *tp_crf_unit_oid(const struct tp_crf_unit *u);
const char *tp_crf_unit_symbol(const struct tp_crf_unit *u);
const char *tp_crf_unit_name(const struct tp_crf_unit *u);
const char *tp_crf_unit_name_en(const struct tp_crf_unit *u);
const char *tp_crf_unit_ucum(const struct tp_crf_unit *u);

/* ODM spelling of a data type ("partialDate"), and the reverse (false when unknown). */
const char *tp_crf_datatype_name(enum tp_crf_datatype t);
bool tp_crf_datatype_parse(const char *s, enum tp_crf_datatype *out);

/* ---- the synthetic raw EDC export (study brief §6) ---- */

enum tp_gen_errors {
    TP_GEN_ERRORS_NONE = 0, /* clean set: the oracle for downstream regression tests */
    TP_GEN_ERRORS_STANDARD, /* injected data-entry errors at the default rates */
    TP_GEN_ERRORS_HEAVY     /* default rates x 10 */
};

enum tp_gen_encoding {
    TP_GEN_UTF8_BOM = 0, /* default: UTF-8 with a byte-order mark */
    TP_GEN_UTF8,         /* UTF-8 without BOM */
    TP_GEN_CP1252        /* Windows-1252 (characters outside it become '?') */
};

struct tp_gen_options {
    size_t subjects; /* randomised subjects to generate (screen failures come on top) */
    uint64_t seed;   /* same seed, same bytes */
    enum tp_gen_errors errors;
    enum tp_gen_encoding encoding;
    bool no_diary; /* skip the daily Raynaud diary (smaller performance runs) */
};

/* Defaults: study.csv DefaultSubjects (else 40) and DefaultSeed (else 20151013), no errors,
   UTF-8 with BOM. crf may be NULL (then 40 and 20151013). */
void tp_gen_options_init(struct tp_gen_options *o, const struct tp_crf *crf);

/*
 * Write the raw EDC export of a study into outdir (created if missing): one CSV per form named
 * "<table>.csv", plus centres.csv, dictionnaire.csv (item metadata), listes.csv (codelists) and
 * errors_manifest.csv (one row per injected error; header only when o->errors is NONE).
 * Files use the study's raw conventions (study.csv Raw.*: ';' separator, decimal comma,
 * dd/mm/yyyy dates, CRLF). Subjects are generated and written one at a time (memory does not grow
 * with o->subjects). Every file is written to a temporary name and renamed only when all files are
 * complete, so a failed run leaves earlier outputs untouched.
 * Deterministic: the same crf, seed and options give byte-identical files, and subject i is the
 * same whatever o->subjects is (the first 40 subjects of a large run equal a 40-subject run).
 * Studies whose GeneratorModel (study.csv) is known get realistic data; any other study gets valid
 * random values driven by the metadata alone (types, ranges, codelists, events).
 */
int tp_generate(const struct tp_crf *crf, const struct tp_gen_options *o, const char *outdir,
                struct tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
