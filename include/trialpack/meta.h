/*
 * Variable metadata from a "variables sheet": a CSV file with one row per variable, as used by
 * `trialpack convert --meta VARS.csv` to type a CSV (pass the result to tp_options_set_template).
 *
 * Columns are found by name, case-insensitively, ignoring spaces, '_' and '-'; others are ignored:
 *   Variable (or Name)   required   variable name
 *   Type                 required unless DataType is given: Char/Num, also C/N, $, character,
 *                        text, string, date, datetime, time, ... (CHAR) or numeric, integer,
 *                        float, double, decimal, number (NUM)
 *   Label                optional   variable label
 *   Length               optional   bytes; empty = 8 for NUM, 0 (unknown) for CHAR
 *   Format               optional   SAS display format, e.g. DATE9., $20., 8.2; text that is not
 *                                   a SAS format (e.g. "ISO 8601") is kept as display_format
 *   Informat             optional   SAS informat
 *   Dataset (or Domain)  optional   dataset the row belongs to (see tp_meta_read_csv_for)
 *   ItemOID, KeySequence, DataType, TargetDataType   optional Define-XML / Dataset-JSON metadata
 * The sheet may be comma, semicolon or tab separated (detected), UTF-8 (BOM allowed); a sheet
 * that is not valid UTF-8 is read as Windows-1252, as spreadsheet programs save it. Rows whose
 * cells are all empty are skipped.
 */
#ifndef TRIALPACK_META_H
#define TRIALPACK_META_H

#include "trialpack/dataset.h"
#include "trialpack/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Read the variables sheet at path into a new dataset with those variables (in sheet order) and
 * no rows; free it with tp_dataset_free(). When the sheet has a Dataset column, all its rows must
 * name the same dataset (its name becomes the dataset's name); otherwise use tp_meta_read_csv_for.
 * Errors: TP_E_IO (cannot read), TP_E_PARSE (not a valid CSV), TP_E_SPEC (a bad cell: unknown
 * type, bad length or format, duplicate variable, missing required column), with err->loc naming
 * the sheet, line and column. On error *out is NULL.
 */
int tp_meta_read_csv(const char *path, struct tp_dataset **out, struct tp_error *err);

/*
 * Like tp_meta_read_csv, but keep only the rows whose Dataset cell equals dataset
 * (case-insensitive); the result is named dataset. A sheet without a Dataset column is taken
 * whole. TP_E_SPEC when no row names dataset. dataset NULL behaves as tp_meta_read_csv.
 */
int tp_meta_read_csv_for(const char *path, const char *dataset, struct tp_dataset **out,
                         struct tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
