/*
 * Define-XML 2.1: writing a study's define.xml from the same mapping spec as its SDTM data, and
 * reading Define-XML 2.0/2.1 documents back into a small metadata model (datasets, variables,
 * codelists) that other commands apply to datasets (trialpack convert --define).
 *
 * Writing (Define-XML 2.1 specification, sections 4-5):
 *   the spec (struct tp_spec, finished) describes datasets, variables, codelists, value-level
 *   metadata, methods, comments and documents; the data folder holds the datasets as written
 *   (<name>.xpt, or Dataset-JSON). Every data file gets exactly one ItemGroupDef, whose ItemRefs
 *   follow the file's variable order; lengths come from the data (text: the file's declared length,
 *   which trialpack writes as the longest value; numbers: digits of the values). Nothing is
 *   described that has no data file. Every OID reference is checked before the file is written;
 *   the output appears only when complete (temporary file + rename). OIDs, order and timestamps are
 *   deterministic (CreationDateTime from SOURCE_DATE_EPOCH when set).
 *
 * Reading: untrusted input, parsed without network access, without DTD loading or entity
 * expansion; a DOCTYPE is refused. Errors name the line.
 */
#ifndef TRIALPACK_DEFINE_H
#define TRIALPACK_DEFINE_H

#include <stdbool.h>
#include <stddef.h>

#include "trialpack/dataset.h"
#include "trialpack/error.h"
#include "trialpack/report.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tp_spec;   /* trialpack/sdtm.h */
struct tp_define; /* a define.xml read into memory */

/* ---------------------------------------------------------------- writing */

/*
 * Write define.xml for the datasets in data_dir (one file per dataset: .xpt preferred, else
 * .json/.ndjson/.dsjc) described by spec (finished with tp_spec_finish; borrowed). Errors:
 * TP_E_IO (folder or file unreadable, output not writable), TP_E_PARSE (a data file is bad),
 * TP_E_SPEC (a value-level, method, comment or document sheet is inconsistent, with its sheet,
 * line and column), TP_E_INTERNAL (a dangling OID reference, named in the message: a bug).
 */
int tp_define_write(const struct tp_spec *spec, const char *data_dir, const char *out_path,
                    struct tp_error *err);

/*
 * The same from a study folder: loads the spec from study_dir/sdtm (or study_dir itself when it
 * holds Datasets.csv), adds ct_path (NCI EVS terminology, may be NULL), finishes it, then calls
 * tp_define_write. What `trialpack build` calls after mapping, with out_path beside the XPTs.
 */
int tp_define_write_study(const char *study_dir, const char *ct_path, const char *data_dir,
                          const char *out_path, struct tp_error *err);

/* ---------------------------------------------------------------- reading */

/*
 * Read a Define-XML 2.0 or 2.1 document. On success *out is a new model (free with
 * tp_define_free). TP_E_IO when the file cannot be read; TP_E_PARSE (with err->loc.line) for
 * malformed XML, a DOCTYPE, a root that is not ODM with Define-XML content, or a missing required
 * attribute (OID, Name ...). Dangling references are not errors here: see tp_define_check.
 */
int tp_define_read(const char *path, struct tp_define **out, struct tp_error *err);
/* The same from memory (data borrowed; name is used in error locations, may be NULL). */
int tp_define_read_memory(const void *data, size_t n, const char *name, struct tp_define **out,
                          struct tp_error *err);
void tp_define_free(struct tp_define *d);

/* 20 for Define-XML 2.0, 21 for 2.1. */
int tp_define_version(const struct tp_define *d);

/*
 * Check what the schema does not: every OID reference (ItemOID, MethodOID, CodeListOID,
 * ValueListOID, WhereClauseOID, def:ItemOID, CommentOID, StandardOID, ArchiveLocationID, leafID)
 * resolves; with base_dir (may be NULL) also that every def:leaf file exists (a missing dataset
 * file is an error, a missing document a warning). Each problem becomes a finding (rule "DEFINE",
 * with the line) in rep (may be NULL); *nproblems (may be NULL) counts those at error level.
 */
int tp_define_check(const struct tp_define *d, const char *base_dir, struct tp_report *rep,
                    size_t *nproblems, struct tp_error *err);

/* A variable of a dataset (ItemRef + ItemDef), borrowed from the model. */
struct tp_define_item {
    const char *oid; /* ItemDef OID */
    const char *name;
    const char *label;          /* Description, "" when none */
    const char *data_type;      /* text, integer, float, date, datetime ... */
    long length;                /* -1 when absent */
    long significant_digits;    /* -1 when absent */
    const char *display_format; /* def:DisplayFormat, "" when none */
    const char *codelist_oid;   /* "" when none */
    const char *origin;         /* def:Origin/@Type (2.1) or @Type (2.0), "" when none */
    const char *method_oid;     /* ItemRef/@MethodOID, "" when none */
    int key_sequence;           /* 0 when not a key */
    long order;                 /* OrderNumber, or the ItemRef's position (1-based) */
    bool mandatory;
    long line; /* line of the ItemDef */
};

size_t tp_define_ndatasets(const struct tp_define *d);
/* Name, label ("" when none) and def:leaf href (NULL when none) of ItemGroupDef i. */
const char *tp_define_dataset_name(const struct tp_define *d, size_t i);
const char *tp_define_dataset_label(const struct tp_define *d, size_t i);
const char *tp_define_dataset_leaf(const struct tp_define *d, size_t i);
/* Index of the dataset called name (Name or SASDatasetName, case-insensitive), or -1. */
long tp_define_find_dataset(const struct tp_define *d, const char *name);
/* Variables of dataset i in ItemRef order (OrderNumber when every ItemRef has one). */
size_t tp_define_dataset_nitems(const struct tp_define *d, size_t i);
/* Fill *item with variable j of dataset i; TP_E_USAGE when out of range, TP_E_PARSE when the
   ItemRef names no ItemDef (with the line). */
int tp_define_dataset_item(const struct tp_define *d, size_t i, size_t j,
                           struct tp_define_item *item, struct tp_error *err);
/* Codelist by OID: name and number of terms; false when there is none. */
bool tp_define_codelist(const struct tp_define *d, const char *oid, const char **name,
                        size_t *nterms);
/* Term k of codelist oid: coded value and decode ("" when none). */
bool tp_define_codelist_term(const struct tp_define *d, const char *oid, size_t k,
                             const char **coded, const char **decode);

/*
 * Dataset metadata (no rows) for the dataset called name: variables in ItemRef order with name,
 * label, type (integer/float NUM, everything else CHAR), length (CHAR: Length; NUM: 8), display
 * format, itemOID, Dataset-JSON dataType and key sequence. Use it as the template that types a CSV
 * (tp_options_set_template). *out: free with tp_dataset_free. TP_E_SPEC when there is no such
 * dataset; TP_E_PARSE (with the line) for a dangling ItemOID.
 */
int tp_define_dataset_meta(const struct tp_define *d, const char *name, struct tp_dataset **out,
                           struct tp_error *err);

/*
 * Update meta in place from the define.xml at define_path: the ItemGroupDef matched by
 * tp_dataset_name(meta) gives the dataset label; each variable of meta matched by name
 * (case-insensitive) takes the define's name spelling, label, length (CHAR), display format,
 * itemOID, Dataset-JSON dataType and key sequence. Variables the define does not describe are
 * left alone; a variable whose type contradicts the define (text vs integer/float) is an error
 * (TP_E_SPEC naming the variable and the define's line). A dangling OID or leaf reference
 * anywhere in the define is TP_E_PARSE with its line, as is malformed XML. meta is unchanged
 * on error.
 */
int tp_define_apply(const char *define_path, struct tp_dataset *meta, struct tp_error *err);
/* The same with a model already read. */
int tp_define_apply_model(const struct tp_define *d, struct tp_dataset *meta, struct tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
