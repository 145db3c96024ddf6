/*
 * Conformance validation: SAS XPORT structure, SDTMIG 3.4 metadata and values, controlled
 * terminology, cross-dataset consistency, Define-XML and ODM checks, driven by the rule catalogue
 * mappings/rules/catalogue.csv (read at run time from tp_datadir()).
 *
 * Recipe (what `trialpack validate` and `trialpack build` do):
 *     struct tp_validate_opts o;
 *     struct tp_validation *v;
 *     tp_validate_opts_init(&o);                  // then set o.define_path, o.ct_path ...
 *     if (tp_validation_new(&o, &v, &err)) ...     // loads the catalogue and standards tables
 *     tp_validation_add_path(v, "pkg/m5/datasets/s1/tabulations/sdtm", &err);  // folder or file
 *     struct tp_report *rep = tp_report_new();
 *     struct tp_report_writer *w;                 // optional: text/CSV/JSON/HTML output
 *     tp_report_writer_open("report.html", NULL, TP_REPORT_HTML, v, &w, &err);
 *     tp_report_writer_attach(w, rep);            // findings stream into the writer
 *     tp_validation_run(v, rep, &err);            // TP_OK when validation ran to the end
 *     tp_report_writer_close(w, rep, &err);       // summary, trailer, atomic rename
 *     tp_validation_free(v); tp_report_free(rep);
 * or, in one call, tp_validate_package().
 *
 * Findings are not errors: a run that completes returns TP_OK whatever it found; the caller
 * decides the exit status from tp_report_count_severity(). Unreadable files inside a package
 * become findings (rule "READ"); a path given by the caller that does not exist is TP_E_IO.
 */
#ifndef TRIALPACK_RULES_H
#define TRIALPACK_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "trialpack/error.h"
#include "trialpack/report.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tp_validate_opts {
    const char *standard;    /* "sdtmig-3.4" (default) */
    const char *define_path; /* define.xml to use; NULL = the define.xml found under the paths */
    const char *ct_path;     /* NCI EVS tab-delimited terminology (SDTM_Terminology.txt layout);
                                NULL = mappings/ct/ of the data folder when it has one */
    const char *schema_dir;  /* XML schemas; NULL = the bundled xsd/ folder */
    const char *datadir;     /* NULL = tp_datadir() */
    size_t batch_rows;       /* rows per streamed batch; 0 = 16384 */
    bool xml_schema;         /* validate XML documents against their schema (default true) */
    long long max_file_size; /* transport file size limit in bytes; 0 = the catalogue's (5 GB) */
    int threads;             /* checking threads for large datasets: 1 or 2 (0 = 2) */
};

/* Defaults: sdtmig-3.4, everything else NULL/0, xml_schema true. */
void tp_validate_opts_init(struct tp_validate_opts *o);

struct tp_validation;

/*
 * New validation run: loads the rule catalogue (mappings/rules/catalogue.csv + VERSION), the
 * standard's tables (mappings/standards/<standard>/) and, when given or found, the controlled
 * terminology. Strings in o are copied. Free with tp_validation_free().
 * Errors: TP_E_IO (a data file is missing), TP_E_PARSE/TP_E_SPEC (catalogue or table malformed),
 * TP_E_USAGE (unknown standard). On error *out is NULL.
 */
int tp_validation_new(const struct tp_validate_opts *o, struct tp_validation **out,
                      struct tp_error *err);
void tp_validation_free(struct tp_validation *v);

/*
 * Add an input: a folder (searched recursively for *.xpt, *.json, *.ndjson, *.dsjc datasets,
 * define.xml and ODM *.xml files), or one dataset, define.xml or ODM file. TP_E_IO when path
 * does not exist or cannot be listed.
 */
int tp_validation_add_path(struct tp_validation *v, const char *path, struct tp_error *err);

/*
 * Run every implemented rule over the inputs and add the findings to rep (which may stream them
 * through its sink). Call once. Returns TP_OK when the validation ran to the end.
 */
int tp_validation_run(struct tp_validation *v, struct tp_report *rep, struct tp_error *err);

/* The catalogue identity printed in every report: "2026.11.0" and 64 hex digits (borrowed). */
const char *tp_validation_catalogue_version(const struct tp_validation *v);
const char *tp_validation_catalogue_sha256(const struct tp_validation *v);
/* The standard validated against ("sdtmig-3.4") and the CT source ("" when none). */
const char *tp_validation_standard(const struct tp_validation *v);
const char *tp_validation_ct_source(const struct tp_validation *v);

/* Inputs seen by a run (after tp_validation_run): kind is "xpt", "json", "ndjson", "dsjc",
   "define", "odm" or "other"; rows is -1 when not a dataset. Strings borrowed. */
size_t tp_validation_nfiles(const struct tp_validation *v);
void tp_validation_file_at(const struct tp_validation *v, size_t i, const char **path,
                           const char **kind, const char **dataset, long long *rows);

/* Status of a rule after a run. */
enum tp_rule_status {
    TP_RULE_NOT_IMPLEMENTED = 0, /* no check for it yet: never reported as passed */
    TP_RULE_NOT_APPLICABLE,      /* implemented; nothing in the input it applies to */
    TP_RULE_SKIPPED,             /* implemented; needed input absent (define.xml, CT, DM ...) */
    TP_RULE_RAN                  /* implemented and run (findings counted) */
};

struct tp_rule_info {
    const char *id, *severity, *scope, *domains, *category, *message, *description;
    const char *cdisc_id, *fda_id, *pmda_id, *check, *params;
    bool implemented;           /* enabled: the engine has a check for this rule and its params
                                   and the catalogue's Implemented column says Yes */
    bool supported;             /* the engine has a check (enabled or not) */
    enum tp_rule_status status; /* after tp_validation_run */
    const char *skip_reason;    /* "" unless TP_RULE_SKIPPED */
    size_t findings;            /* findings of this rule in the run */
};

/* Rules of the catalogue, in catalogue order (borrowed strings). */
size_t tp_validation_nrules(const struct tp_validation *v);
void tp_validation_rule_at(const struct tp_validation *v, size_t i, struct tp_rule_info *out);
const char *tp_rule_status_name(enum tp_rule_status s);

/* ---- report output ---- */

enum tp_report_format { TP_REPORT_TEXT = 0, TP_REPORT_CSV, TP_REPORT_JSON, TP_REPORT_HTML };

struct tp_report_writer;

/*
 * Open a report writer: to path (written to a temporary file, renamed by close) or, when path
 * is NULL, to fp (borrowed, not closed). v (borrowed, must outlive the writer) gives the
 * catalogue version line and, at close, the per-rule and per-file summaries.
 * CSV and JSON stream every finding (no caps); text prints a terminal-sized summary (counts per
 * rule with the first examples); HTML is one self-contained page (summary by rule, drill-down to
 * the first records of each rule, no scripts).
 */
int tp_report_writer_open(const char *path, FILE *fp, enum tp_report_format fmt,
                          const struct tp_validation *v, struct tp_report_writer **out,
                          struct tp_error *err);
/* Make rep stream its findings into w (tp_report_set_sink with keep false). */
void tp_report_writer_attach(struct tp_report_writer *w, struct tp_report *rep);
/* Write the summary/trailer, commit the file and free w (also on error). */
int tp_report_writer_close(struct tp_report_writer *w, const struct tp_report *rep,
                           struct tp_error *err);
/* Discard: nothing is left on disk. NULL is a no-op. */
void tp_report_writer_abort(struct tp_report_writer *w);

/*
 * One call for `trialpack build`: validate the package folder dir with o (NULL = defaults) into
 * rep, and, when report_path is not NULL, write the report there in format fmt.
 * Returns TP_OK when validation ran; the caller reads the counts from rep.
 */
int tp_validate_package(const char *dir, const struct tp_validate_opts *o, struct tp_report *rep,
                        const char *report_path, enum tp_report_format fmt, struct tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
