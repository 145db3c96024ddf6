/*
 * Variables sheet loader (include/trialpack/meta.h): a CSV with one row per variable becomes a
 * dataset with those variables and no rows, the template that types a CSV (`convert --meta`).
 * The sheet is read with the CSV reader itself (all columns as text), so its quoting, encodings
 * and error locations are the same; cell errors name sheet:line:column.
 */
#include <config.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "trialpack/meta.h"

#define META_CELL_MAX 4096

enum meta_slot {
    M_VAR,
    M_LABEL,
    M_TYPE,
    M_LENGTH,
    M_FORMAT,
    M_INFORMAT,
    M_DATASET,
    M_OID,
    M_KEYSEQ,
    M_DATATYPE,
    M_TDT,
    M_NSLOTS
};

static const struct {
    const char *key; /* lower case, without spaces, '_' and '-' */
    enum meta_slot slot;
} meta_names[] = {
    {"variable", M_VAR},
    {"variablename", M_VAR},
    {"name", M_VAR},
    {"varname", M_VAR},
    {"label", M_LABEL},
    {"variablelabel", M_LABEL},
    {"type", M_TYPE},
    {"vartype", M_TYPE},
    {"sastype", M_TYPE},
    {"length", M_LENGTH},
    {"varlength", M_LENGTH},
    {"format", M_FORMAT},
    {"displayformat", M_FORMAT},
    {"informat", M_INFORMAT},
    {"dataset", M_DATASET},
    {"datasetname", M_DATASET},
    {"itemoid", M_OID},
    {"oid", M_OID},
    {"keysequence", M_KEYSEQ},
    {"keyseq", M_KEYSEQ},
    {"datatype", M_DATATYPE},
    {"targetdatatype", M_TDT},
};

static const char *const meta_char_types[] = {"char",
                                              "character",
                                              "c",
                                              "$",
                                              "text",
                                              "string",
                                              "date",
                                              "datetime",
                                              "time",
                                              "partialdate",
                                              "partialtime",
                                              "partialdatetime",
                                              "incompletedatetime",
                                              "durationdatetime",
                                              "intervaldatetime",
                                              "uri",
                                              "boolean",
                                              NULL};
static const char *const meta_num_types[] = {"num",   "numeric", "n",       "integer", "int",
                                             "float", "double",  "decimal", "number",  NULL};

struct meta_ctx {
    const char *path;
    const void *state; /* the CSV reader, for row lines */
    const struct tp_dataset *batch;
    long slot_col[M_NSLOTS]; /* sheet column of each slot, -1 when absent */
    struct tp_error *err;
};

static int meta_fail(const struct meta_ctx *m, size_t row, enum meta_slot slot, const char *var,
                     const char *fmt, ...) TP_PRINTF(5, 6);

static int meta_fail(const struct meta_ctx *m, size_t row, enum meta_slot slot, const char *var,
                     const char *fmt, ...)
{
    struct tp_loc loc;
    va_list ap;
    tp_loc_init(&loc);
    snprintf(loc.path, sizeof loc.path, "%s", m->path);
    loc.line = row == SIZE_MAX ? csv_read_header_line(m->state) : csv_read_row_line(m->state, row);
    if (slot < M_NSLOTS && m->slot_col[slot] >= 0)
        loc.col = m->slot_col[slot] + 1;
    if (var)
        snprintf(loc.variable, sizeof loc.variable, "%s", var);
    va_start(ap, fmt);
    tp_vfail_at(m->err, TP_E_SPEC, &loc, fmt, ap);
    va_end(ap);
    return TP_E_SPEC;
}

/* The cell of slot in batch row r, trimmed, into buf; "" when the column is absent. */
static int meta_cell(const struct meta_ctx *m, size_t r, enum meta_slot slot, char *buf)
{
    size_t n;
    const char *s;
    buf[0] = '\0';
    if (m->slot_col[slot] < 0)
        return TP_OK;
    s = tp_dataset_str(m->batch, r, (size_t)m->slot_col[slot], &n);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    if (n >= META_CELL_MAX)
        return meta_fail(m, r, slot, NULL, "cell longer than %d bytes", META_CELL_MAX - 1);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return TP_OK;
}

static bool meta_in(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcasecmp(list[i], s) == 0)
            return true;
    return false;
}

/* Non-negative decimal integer; false when s is not one or exceeds max. */
static bool meta_uint(const char *s, long max, long *out)
{
    long v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static void meta_normalize(const char *name, char *out, size_t size)
{
    size_t o = 0;
    for (; *name && o + 1 < size; name++)
        if (*name != ' ' && *name != '_' && *name != '-')
            out[o++] = (char)tolower((unsigned char)*name);
    out[o] = '\0';
}

/* One sheet row into the result (skips rows of other datasets). */
static int meta_row(struct meta_ctx *m, size_t r, const char *want, struct tp_dataset *res,
                    char *first_ds, size_t first_ds_size, bool *any)
{
    char name[META_CELL_MAX], label[META_CELL_MAX], type[META_CELL_MAX], len[META_CELL_MAX];
    char fmt[META_CELL_MAX], infmt[META_CELL_MAX], ds[META_CELL_MAX], oid[META_CELL_MAX];
    char keyseq[META_CELL_MAX], dtype[META_CELL_MAX], tdt[META_CELL_MAX];
    struct tp_var v;
    struct tp_error e;
    long num;
    int rc;
    bool blank = true;
    for (size_t c = 0; c < tp_dataset_nvars(m->batch); c++) {
        size_t n;
        const char *s = tp_dataset_str(m->batch, r, c, &n);
        for (size_t i = 0; i < n && blank; i++)
            if (!isspace((unsigned char)s[i]))
                blank = false;
    }
    if (blank)
        return TP_OK;
    if ((rc = meta_cell(m, r, M_VAR, name)) || (rc = meta_cell(m, r, M_LABEL, label)) ||
        (rc = meta_cell(m, r, M_TYPE, type)) || (rc = meta_cell(m, r, M_LENGTH, len)) ||
        (rc = meta_cell(m, r, M_FORMAT, fmt)) || (rc = meta_cell(m, r, M_INFORMAT, infmt)) ||
        (rc = meta_cell(m, r, M_DATASET, ds)) || (rc = meta_cell(m, r, M_OID, oid)) ||
        (rc = meta_cell(m, r, M_KEYSEQ, keyseq)) || (rc = meta_cell(m, r, M_DATATYPE, dtype)) ||
        (rc = meta_cell(m, r, M_TDT, tdt)))
        return rc;
    if (m->slot_col[M_DATASET] >= 0) {
        if (want && strcasecmp(ds, want) != 0)
            return TP_OK;
        if (!want && *first_ds && strcasecmp(ds, first_ds) != 0)
            return meta_fail(m, r, M_DATASET, NULL,
                             "the sheet describes several datasets ('%s' and '%s'): choose one",
                             first_ds, ds);
        if (!*first_ds)
            snprintf(first_ds, first_ds_size, "%s", ds);
    }
    if (!*name)
        return meta_fail(m, r, M_VAR, NULL, "empty variable name");
    memset(&v, 0, sizeof v);
    v.name = name;
    v.label = label;
    if (*type) {
        if (meta_in(meta_char_types, type))
            v.type = TP_CHAR;
        else if (meta_in(meta_num_types, type))
            v.type = TP_NUM;
        else
            return meta_fail(m, r, M_TYPE, name,
                             "unknown type '%s' (expected Char or Num, or text, integer, float...)",
                             type);
    } else if (*dtype && meta_in(meta_char_types, dtype)) {
        v.type = TP_CHAR;
    } else if (*dtype && meta_in(meta_num_types, dtype)) {
        v.type = TP_NUM;
    } else {
        return meta_fail(m, r, *dtype ? M_DATATYPE : M_TYPE, name, "%s '%s'",
                         *dtype ? "unknown data type" : "missing type", dtype);
    }
    if (*len) {
        if (!meta_uint(len, INT_MAX, &num) || num == 0)
            return meta_fail(m, r, M_LENGTH, name,
                             "'%s' is not a length (expected a whole number of bytes)", len);
        v.length = (size_t)num;
    } else {
        v.length = v.type == TP_NUM ? 8 : 0;
    }
    if (*keyseq) {
        if (!meta_uint(keyseq, INT_MAX, &num))
            return meta_fail(m, r, M_KEYSEQ, name,
                             "'%s' is not a key sequence (expected a whole number)", keyseq);
        v.key_sequence = (int)num;
    }
    v.item_oid = *oid ? oid : NULL;
    v.data_type = *dtype ? dtype : NULL;
    v.target_data_type = *tdt ? tdt : NULL;
    tp_error_init(&e);
    rc = TP_OK;
    if (*fmt && tp_var_parse_format(&v, false, fmt, &e) != TP_OK) {
        if (e.code == TP_E_NOMEM)
            rc = tp_fail(m->err, TP_E_NOMEM, "out of memory");
        v.display_format = fmt; /* free text, e.g. "ISO 8601" */
    }
    if (rc == TP_OK && *infmt) {
        tp_error_init(&e);
        if (tp_var_parse_format(&v, true, infmt, &e) != TP_OK)
            rc = meta_fail(m, r, M_INFORMAT, name, "invalid informat '%s'", infmt);
    }
    if (rc == TP_OK) {
        tp_error_init(&e);
        if (tp_dataset_add_var(res, &v, &e) != TP_OK)
            rc = e.code == TP_E_NOMEM ? tp_fail(m->err, TP_E_NOMEM, "out of memory")
                                      : meta_fail(m, r, M_VAR, name, "%s", e.msg);
    }
    tp_free(v.format);
    tp_free(v.informat);
    if (rc == TP_OK)
        *any = true;
    return rc;
}

static int meta_read(const char *path, const char *encoding, const char *want,
                     struct tp_dataset **out, struct tp_error *err)
{
    struct tp_source *src = NULL;
    struct tp_options *o = tp_options_new();
    struct tp_dataset *meta = NULL, *batch = NULL, *res = NULL;
    struct meta_ctx m;
    void *state = NULL;
    char first_ds[META_CELL_MAX] = "";
    bool any = false;
    int rc;
    *out = NULL;
    memset(&m, 0, sizeof m);
    m.path = path;
    m.err = err;
    if (!o || (encoding && tp_options_set(o, "encoding", encoding))) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    rc = tp_source_open_file(&src, path, err);
    if (rc)
        goto out;
    rc = csv_read_open(src, o, &state, &meta, err);
    if (rc)
        goto out;
    m.state = state;
    for (size_t s = 0; s < M_NSLOTS; s++)
        m.slot_col[s] = -1;
    for (size_t c = 0; c < tp_dataset_nvars(meta); c++) {
        char key[80];
        meta_normalize(tp_dataset_var(meta, c)->name, key, sizeof key);
        for (size_t k = 0; k < sizeof meta_names / sizeof meta_names[0]; k++)
            if (strcmp(key, meta_names[k].key) == 0 && m.slot_col[meta_names[k].slot] < 0)
                m.slot_col[meta_names[k].slot] = (long)c;
    }
    if (m.slot_col[M_VAR] < 0) {
        rc = meta_fail(&m, SIZE_MAX, M_NSLOTS, NULL, "the sheet has no 'Variable' column");
        goto out;
    }
    if (m.slot_col[M_TYPE] < 0 && m.slot_col[M_DATATYPE] < 0) {
        rc = meta_fail(&m, SIZE_MAX, M_NSLOTS, NULL, "the sheet has no 'Type' column");
        goto out;
    }
    res = tp_dataset_new(want ? want : "", "");
    batch = tp_dataset_clone_meta(meta);
    if (!res || !batch) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    m.batch = batch;
    for (;;) {
        rc = csv_read_batch(state, batch, 1024, err);
        if (rc)
            goto out;
        if (tp_dataset_nrows(batch) == 0)
            break;
        for (size_t r = 0; r < tp_dataset_nrows(batch); r++) {
            rc = meta_row(&m, r, want, res, first_ds, sizeof first_ds, &any);
            if (rc)
                goto out;
        }
    }
    if (want && m.slot_col[M_DATASET] >= 0 && !any) {
        rc = meta_fail(&m, SIZE_MAX, M_DATASET, NULL, "no variables for dataset '%s' in the sheet",
                       want);
        goto out;
    }
    if (!want && *first_ds && tp_dataset_set_name(res, first_ds)) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    *out = res;
    res = NULL;
out:
    if (rc)
        tp_error_set_path(err, path);
    tp_dataset_free(res);
    tp_dataset_free(batch);
    csv_read_close(state); /* frees meta */
    if (!state)
        tp_dataset_free(meta);
    tp_source_close(src);
    tp_options_free(o);
    return rc;
}

int tp_meta_read_csv_for(const char *path, const char *dataset, struct tp_dataset **out,
                         struct tp_error *err)
{
    struct tp_error first;
    int rc;
    tp_error_init(&first);
    rc = meta_read(path, NULL, dataset, out, &first);
    if (rc == TP_E_PARSE && strncmp(first.msg, "invalid UTF-8", 13) == 0) {
        /* spreadsheet programs save "CSV" in the Windows code page */
        struct tp_error second;
        tp_error_init(&second);
        rc = meta_read(path, "cp1252", dataset, out, &second);
        if (rc == TP_OK)
            return TP_OK;
        first = second;
    }
    if (rc && err && err->code == TP_OK)
        *err = first;
    return rc;
}

int tp_meta_read_csv(const char *path, struct tp_dataset **out, struct tp_error *err)
{
    return tp_meta_read_csv_for(path, NULL, out, err);
}
