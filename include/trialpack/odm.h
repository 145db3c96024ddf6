/*
 * CDISC ODM 1.3.2: export a study's raw EDC data as one ODM document (metadata + ClinicalData),
 * and import the ClinicalData of an ODM 1.3.x document as one CSV table per item group.
 *
 * Both directions stream: the export merges the raw form tables (one CSV per form, each grouped
 * and sorted by site and subject) subject by subject, and the import reads the XML with a pull
 * parser, so memory depends on the size of one subject and of the metadata, never on the number
 * of subjects. Outputs are committed atomically: a failed run leaves no file or folder behind.
 *
 * Recipe (export):
 *     struct tp_crf *crf;  tp_crf_load("mappings/scleradec2", &crf, &err);
 *     struct tp_odm_export_options o;  tp_odm_export_options_init(&o);
 *     struct tp_report *rep = tp_report_new();
 *     rc = tp_odm_export(crf, "raw/", "study.xml", &o, rep, NULL, &err);
 * Recipe (import):
 *     struct tp_odm_import_options io;  tp_odm_import_options_init(&io);
 *     rc = tp_odm_import("study.xml", "tables/", &io, rep, NULL, &err);
 *
 * Warnings (values that could not be converted, lenient readings of non-conformant files) go to
 * the report (may be NULL); errors stop the run and are returned with a location.
 */
#ifndef TRIALPACK_ODM_H
#define TRIALPACK_ODM_H

#include <stdbool.h>
#include <stddef.h>

#include "trialpack/error.h"
#include "trialpack/report.h"
#include "trialpack/study.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ export */

struct tp_odm_export_options {
    /* Encoding of the raw CSV files: "utf-8", "cp1252", "latin1"; NULL = study.csv Raw.Encoding
       (UTF-8 when unset). A UTF-8 byte-order mark is always accepted. */
    const char *encoding;
    /* FileOID of the document; NULL = "ODM.<StudyOID>.<CreationDateTime>". */
    const char *file_oid;
    bool skip_restricted; /* leave out restricted forms (unblinding, cell-therapy unit sheets) */
    bool compact;         /* no indentation (smaller file) */
};

/* Defaults: encoding from the study, derived FileOID, restricted forms included, indented. */
void tp_odm_export_options_init(struct tp_odm_export_options *o);

/* What an export or an import wrote. */
struct tp_odm_stats {
    size_t subjects;          /* SubjectData elements */
    size_t events;            /* StudyEventData elements */
    size_t forms;             /* FormData elements */
    size_t itemgroups;        /* ItemGroupData elements (= table rows on import) */
    size_t items;             /* ItemData elements */
    size_t tables;            /* import: tables written */
    size_t warnings;          /* findings added to the report */
    unsigned long long bytes; /* export: bytes of XML written; import: bytes of XML read */
};

/*
 * Write the ODM 1.3.2 document of study crf with the raw export found in rawdir ("<table>.csv"
 * per form, as written by tp_generate) to out_path: FileType Snapshot, CreationDateTime from
 * SOURCE_DATE_EPOCH (or the clock), Study (GlobalVariables, BasicDefinitions, MetaDataVersion)
 * then ClinicalData. Raw values follow the study's French conventions (decimal comma,
 * dd/mm/yyyy, partial dates UK/mm/yyyy) and are written in the ODM/ISO 8601 forms of each item's
 * DataType; a value that cannot be converted is kept as it is and reported as a warning with its
 * file, line and column. The same inputs give byte-identical output.
 * Errors: TP_E_IO (unreadable raw file, cannot write out_path), TP_E_PARSE (a raw file whose
 * columns do not match the CRF, a CSV syntax error, rows not grouped by site and subject, an
 * unknown visit code: each with file, line and column), TP_E_NOMEM. st may be NULL.
 */
int tp_odm_export(const struct tp_crf *crf, const char *rawdir, const char *out_path,
                  const struct tp_odm_export_options *o, struct tp_report *rep,
                  struct tp_odm_stats *st, struct tp_error *err);

/* Same, into memory: *out is a new buffer of *n bytes (free with tp_odm_free). */
int tp_odm_export_memory(const struct tp_crf *crf, const char *rawdir,
                         const struct tp_odm_export_options *o, struct tp_report *rep,
                         unsigned char **out, size_t *n, struct tp_error *err);

/* Free memory returned by this module. tp_odm_free(NULL) is a no-op. */
void tp_odm_free(void *p);

/* ------------------------------------------------------------------ import */

struct tp_odm_import_options {
    /*
     * Optional study (borrowed). Items whose CRF definition allows missing codes ("ND", "NA")
     * keep their values as text, and a ClinicalData whose MetaDataVersion is not in the file but
     * is the study's (same StudyOID and MetaDataVersionOID) is read with the study's metadata.
     */
    const struct tp_crf *crf;
    /* Most tables (item groups) a document may produce; 0 = 10000. */
    size_t max_tables;
};

void tp_odm_import_options_init(struct tp_odm_import_options *o);

/*
 * Read the ClinicalData of the ODM 1.3.x document xml_path and write one CSV per item group into
 * outdir (created if needed; files of the same name are replaced, others are left alone). Each
 * table is named after its ItemGroupOID ("IG.COCHIN.csv"; characters outside [A-Za-z0-9._-]
 * become '_') and has the key columns SubjectKey, StudyEventOID, StudyEventRepeatKey, FormOID,
 * FormRepeatKey, ItemGroupRepeatKey (plus TransactionType in a Transactional file), then one
 * column per item, named by its ItemDef Name in ItemRef order and typed by its DataType
 * (integer, float and double are numbers, everything else text). One row per ItemGroupData.
 *
 * Strict: the document must be well-formed, without a DOCTYPE (never any entity expansion or
 * network access), with an ODM root in the ODM 1.3 namespace; when the file defines the
 * MetaDataVersion a ClinicalData refers to, every ItemOID must have an ItemDef (TP_E_PARSE naming
 * the OID and its line).
 * Lenient, with a warning each: FormData outside StudyEventData (REDCap classic projects), repeat
 * keys on non-repeating definitions, vendor extensions (other namespaces are skipped), an
 * ItemGroupData without ItemGroupDef or an ItemData not referenced by its ItemGroupDef (columns
 * are added from what the data hold, found by a first reading of the file), a ClinicalData whose
 * MetaDataVersion is absent (columns named by ItemOID, typed as text), numeric values that are
 * not numbers (written as missing).
 * TransactionType (standards §3.3): in a Snapshot only Insert is allowed; a Remove there drops the
 * element's rows, other types are read as Insert, each with a warning. In a Transactional file the
 * instructions are not applied (there is no database to apply them to): every ItemGroupData is a
 * row, in document order, with its effective TransactionType (its own or inherited) in the
 * TransactionType column, so Remove rows keep their keys and Upsert/Update rows hold only the
 * items they carry; IsNull="Yes" is an empty cell.
 * st may be NULL.
 */
int tp_odm_import(const char *xml_path, const char *outdir, const struct tp_odm_import_options *o,
                  struct tp_report *rep, struct tp_odm_stats *st, struct tp_error *err);

/* The tables of an import into memory. */
struct tp_odm_tables;

/*
 * Import the ODM document held in memory (borrowed; name is used in locations) into memory
 * tables; same rules as tp_odm_import. On success *out is new (free with tp_odm_tables_free);
 * on error *out is NULL.
 */
int tp_odm_import_memory(const void *xml, size_t n, const char *name,
                         const struct tp_odm_import_options *o, struct tp_report *rep,
                         struct tp_odm_tables **out, struct tp_error *err);
size_t tp_odm_tables_count(const struct tp_odm_tables *t);
/* File name of table i ("IG.COCHIN.csv"), its data rows, and its CSV bytes (borrowed). */
const char *tp_odm_tables_name(const struct tp_odm_tables *t, size_t i);
size_t tp_odm_tables_rows(const struct tp_odm_tables *t, size_t i);
const unsigned char *tp_odm_tables_data(const struct tp_odm_tables *t, size_t i, size_t *n);
void tp_odm_tables_free(struct tp_odm_tables *t);

#ifdef __cplusplus
}
#endif
#endif
