/*
 * The SDTM mapping engine: a study's mapping spec (CSV sheets in mappings/<study>/sdtm/, see
 * doc/sdtm-spec.md) applied to its raw EDC export gives the SDTM datasets, written one file per
 * domain, plus a reconciliation report that accounts for every raw record.
 *
 * Recipe:
 *   1. tp_spec_new(); then tp_spec_add_sheet() for each sheet held in memory, or tp_spec_load_dir()
 *      for a folder; optionally tp_spec_load_ct() with an NCI EVS terminology file;
 *   2. tp_spec_finish() checks the spec (bad input: TP_E_SPEC with the sheet, row and column);
 *   3. tp_sdtm_new() on the finished spec; tp_sdtm_set_option() ("profile", "formats");
 *   4. tp_sdtm_run() maps a raw folder into an output folder (atomic: built in a temporary folder
 *      renamed at the end), or tp_sdtm_add_raw() + tp_sdtm_run_memory() keeps the datasets in
 *      memory for tp_sdtm_result();
 *   5. tp_sdtm_free(), tp_spec_free().
 * Bad raw values (unparseable dates, codes outside their codelist) never fail a run: they are
 * recorded in the reconciliation (tp_sdtm_nissues).
 */
#ifndef TRIALPACK_SDTM_H
#define TRIALPACK_SDTM_H

#include <stdbool.h>
#include <stddef.h>

#include "trialpack/dataset.h"
#include "trialpack/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tp_spec;
struct tp_sdtm;

/* New empty spec; free with tp_spec_free(). NULL on OOM. */
struct tp_spec *tp_spec_new(void);
void tp_spec_free(struct tp_spec *spec);
/* Parse one sheet from memory (data borrowed). name is the sheet's file name ("Rules.csv"), which
   says which sheet it is and is used in error locations. Unknown names fail with TP_E_SPEC. */
int tp_spec_add_sheet(struct tp_spec *spec, const char *name, const void *data, size_t n,
                      struct tp_error *err);
/* Read every known sheet of a folder (mappings/<study>/sdtm); also reads ../study.csv when it
   exists (study-level settings: StudyID, Raw.* keys). */
int tp_spec_load_dir(struct tp_spec *spec, const char *dir, struct tp_error *err);
/* Add controlled terminology from an NCI EVS tab-delimited file (SDTM_Terminology.txt layout). */
int tp_spec_load_ct(struct tp_spec *spec, const char *path, struct tp_error *err);
int tp_spec_add_ct(struct tp_spec *spec, const char *name, const void *data, size_t n,
                   struct tp_error *err);
/* Build and check the spec. After this the spec is read-only. */
int tp_spec_finish(struct tp_spec *spec, struct tp_error *err);
/* Datasets the spec defines, in sheet order. */
size_t tp_spec_ndatasets(const struct tp_spec *spec);
const char *tp_spec_dataset_name(const struct tp_spec *spec, size_t i);
/* A study-level setting (Settings.csv, then ../study.csv), or NULL. */
const char *tp_spec_setting(const struct tp_spec *spec, const char *key);

/* A mapping run over a finished spec (borrowed; must outlive the run). */
int tp_sdtm_new(const struct tp_spec *spec, struct tp_sdtm **out, struct tp_error *err);
void tp_sdtm_free(struct tp_sdtm *run);
/* Options: "profile" = fda (default: character values transliterated to ASCII) | pmda | nmpa
   (UTF-8 kept); "formats" = comma list of xpt (default), json, ndjson, dsjc; "chunk" = subjects
   mapped at a time by tp_sdtm_run (default 1000; memory grows with it, results do not). */
int tp_sdtm_set_option(struct tp_sdtm *run, const char *key, const char *value,
                       struct tp_error *err);
/* Progress callback (what = phase or dataset name). */
void tp_sdtm_set_progress(struct tp_sdtm *run,
                          void (*fn)(void *ctx, const char *what, size_t done, size_t total),
                          void *ctx);
/* Map raw_dir (one <form>.csv per raw table) into out_dir: <dataset>.xpt per dataset (lower-case
   names), reconciliation.csv and reconciliation.txt. out_dir appears only when complete. */
int tp_sdtm_run(struct tp_sdtm *run, const char *raw_dir, const char *out_dir,
                struct tp_error *err);
/* In-memory use: give a raw table (ownership taken) named like its file stem ("ei"). */
int tp_sdtm_add_raw(struct tp_sdtm *run, const char *form, struct tp_dataset *raw,
                    struct tp_error *err);
int tp_sdtm_run_memory(struct tp_sdtm *run, struct tp_error *err);
/* After a run: output datasets (borrowed, valid until tp_sdtm_free). */
size_t tp_sdtm_nresults(const struct tp_sdtm *run);
const char *tp_sdtm_result_name(const struct tp_sdtm *run, size_t i);
/* A new dataset holding the named result (free with tp_dataset_free), or NULL. */
struct tp_dataset *tp_sdtm_result(const struct tp_sdtm *run, const char *name,
                                  struct tp_error *err);
/* Reconciliation figures. */
size_t tp_sdtm_raw_records(const struct tp_sdtm *run);
size_t tp_sdtm_unmapped_records(const struct tp_sdtm *run);
size_t tp_sdtm_nissues(const struct tp_sdtm *run);
/* Write reconciliation.csv / reconciliation.txt into dir (tp_sdtm_run does this itself). */
int tp_sdtm_write_reconciliation(struct tp_sdtm *run, const char *dir, struct tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
