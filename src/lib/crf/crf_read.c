/*
 * Loading a study folder (doc/crf-sheets.md) into the CRF model: study.csv, then the ODM-shaped
 * sheets under crf/ (units, codelists, events, forms, event_forms, itemgroups, items). Every value
 * is checked where it is read and every cross-reference is resolved, so that a mistake made in a
 * spreadsheet is reported as "sheet:line:column: error: header: what was expected".
 * The model mirrors ODM 1.3.2 MetaDataVersion (StudyEventDef, FormDef, ItemGroupDef, ItemDef,
 * CodeList, MeasurementUnit); the Raw.* keys of study.csv describe the raw EDC export (brief §6.1).
 */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "crf/crf.h"
#include "io.h"

#define SHEET_MAX_FILE ((size_t)64 << 20)

struct loader {
    struct tp_crf *crf;
    struct tp_error *err;
    const char *dir;                 /* disk loading */
    const struct crf_memfile *files; /* memory loading */
    size_t nfiles;
    size_t max_name;      /* Raw.MaxNameLength */
    char **missing_codes; /* Raw.MissingCodes */
    size_t nmissing_codes;
};

static const char *const raw_defaults[TP_RAW_NCOLS] = {"ETUDE", "CENTRE", "PATNUM", "VISITE",
                                                       "LIGNE", "STATUT", "DATSAIS"};
static const char *const raw_keys[TP_RAW_NCOLS] = {
    "Raw.Column.Study", "Raw.Column.Site",   "Raw.Column.Subject",  "Raw.Column.Visit",
    "Raw.Column.Line",  "Raw.Column.Status", "Raw.Column.EntryDate"};

/* Output files of the generator that a form's table must not shadow. */
static const char *const reserved_tables[] = {"centres", "dictionnaire", "listes",
                                              "errors"};

/* ------------------------------------------------------------------ helpers */

static int ld_fail(struct loader *ld, const struct crf_sheet *s, const struct crf_row *r,
                   size_t col, const char *fmt, ...) TP_PRINTF(5, 6);

static int ld_fail(struct loader *ld, const struct crf_sheet *s, const struct crf_row *r,
                   size_t col, const char *fmt, ...)
{
    struct tp_loc loc;
    va_list ap;
    crf_cell_loc(s, r, col, &loc);
    va_start(ap, fmt);
    tp_vfail_at(ld->err, TP_E_SPEC, &loc, fmt, ap);
    va_end(ap);
    return TP_E_SPEC;
}

static int ld_nomem(struct loader *ld)
{
    return tp_fail(ld->err, TP_E_NOMEM, "out of memory");
}

/* Duplicate a cell; NULL only on allocation failure. */
static char *ld_dup(const struct crf_sheet *s, const struct crf_row *r, size_t col)
{
    return tp_strdup(crf_cell(s, r, col));
}

static bool ld_is_oid(const char *s)
{
    size_t n = 0;
    for (; *s; s++, n++)
        if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '_' || *s == '-'))
            return false;
    return n > 0 && n <= 128;
}

static bool ld_is_name(const char *s, size_t max)
{
    size_t n = 0;
    if (!isalpha((unsigned char)*s))
        return false;
    for (; *s; s++, n++)
        if (!(isalnum((unsigned char)*s) || *s == '_') || (unsigned char)*s >= 0x80)
            return false;
    return n <= max;
}

static bool ld_is_table(const char *s)
{
    size_t n = 0;
    if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s)))
        return false;
    for (; *s; s++, n++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return false;
    return n <= 64;
}

/* Yes/No cells: Yes, No, Y, N, Oui, Non, True, False, 1, 0 (any case); empty gives dflt. */
static int ld_yesno(struct loader *ld, const struct crf_sheet *s, const struct crf_row *r,
                    size_t col, bool dflt, bool *out)
{
    static const char *const yes[] = {"yes", "y", "oui", "o", "true", "1"};
    static const char *const no[] = {"no", "n", "non", "false", "0"};
    const char *v = crf_cell(s, r, col);
    if (!*v) {
        *out = dflt;
        return TP_OK;
    }
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return *out = true, TP_OK;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (strcasecmp(v, no[i]) == 0)
            return *out = false, TP_OK;
    return ld_fail(ld, s, r, col, "expected Yes or No, found '%s'", v);
}

/* Optional integer cell; *has says whether it was filled. */
static int ld_long(struct loader *ld, const struct crf_sheet *s, const struct crf_row *r,
                   size_t col, long lo, long hi, bool *has, long *out)
{
    const char *v = crf_cell(s, r, col);
    *has = false;
    if (!*v)
        return TP_OK;
    if (!crf_parse_long(v, out))
        return ld_fail(ld, s, r, col, "expected an integer, found '%s'", v);
    if (*out < lo || *out > hi)
        return ld_fail(ld, s, r, col, "%ld is outside %ld..%ld", *out, lo, hi);
    *has = true;
    return TP_OK;
}

static int ld_order(struct loader *ld, const struct crf_sheet *s, const struct crf_row *r,
                    size_t col, long *out)
{
    bool has;
    int rc = ld_long(ld, s, r, col, 0, 999999, &has, out);
    if (!rc && !has)
        *out = 1000000; /* unnumbered rows keep sheet order after the numbered ones */
    return rc;
}

static int ld_required(struct loader *ld, const struct crf_sheet *s, const struct crf_row *r,
                       size_t col, const char *what)
{
    if (!*crf_cell(s, r, col))
        return ld_fail(ld, s, r, col, "%s is required", what);
    return TP_OK;
}

static int ld_oid(struct loader *ld, const struct crf_sheet *s, const struct crf_row *r, size_t col)
{
    const char *v = crf_cell(s, r, col);
    int rc = ld_required(ld, s, r, col, s->cols[col]);
    if (rc)
        return rc;
    if (!ld_is_oid(v))
        return ld_fail(ld, s, r, col,
                       "'%s' is not a valid OID (letters, digits, '.', '_', '-'; at most 128)", v);
    return TP_OK;
}

/* Register key in map; duplicate -> error naming the first line. */
static int ld_unique(struct loader *ld, struct crf_map *m, const char *key, size_t val,
                     const struct crf_sheet *s, const struct crf_row *r, size_t col,
                     const char *what)
{
    size_t old;
    int rc = crf_map_put(m, key, val, &old);
    if (rc == TP_E_NOMEM)
        return ld_nomem(ld);
    if (rc < 0)
        return ld_fail(ld, s, r, col, "duplicate %s '%s'", what, key);
    return TP_OK;
}

/* Split a list cell on spaces, commas, semicolons or '|'. */
static int ld_split(const char *v, char ***out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    while (*v) {
        const char *e;
        char *tok;
        while (*v == ' ' || *v == ',' || *v == ';' || *v == '|' || *v == '\t')
            v++;
        if (!*v)
            break;
        e = v;
        while (*e && *e != ' ' && *e != ',' && *e != ';' && *e != '|' && *e != '\t')
            e++;
        if (tp_grow((void **)out, &cap, *n + 1, sizeof **out) ||
            !(tok = tp_strndup(v, (size_t)(e - v))))
            return TP_E_NOMEM;
        (*out)[(*n)++] = tok;
        v = e;
    }
    return TP_OK;
}

static void ld_free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tp_free(l[i]);
    tp_free(l);
}

/* qsort that accepts an empty (NULL) array */
static void ld_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

/* ------------------------------------------------------------------ reading sheets */

static int ld_read_file(struct loader *ld, const char *name, bool required, unsigned char **buf,
                        size_t *len, bool *present, char *path, size_t pathsz)
{
    struct tp_source *src = NULL;
    size_t cap = 0, n = 0;
    unsigned char *b = NULL;
    int rc;

    *present = false;
    *buf = NULL;
    *len = 0;
    if (ld->files) {
        snprintf(path, pathsz, "%s", name);
        for (size_t i = 0; i < ld->nfiles; i++) {
            if (strcmp(ld->files[i].name, name) == 0) {
                b = tp_malloc(ld->files[i].len + 1);
                if (!b)
                    return ld_nomem(ld);
                if (ld->files[i].len)
                    memcpy(b, ld->files[i].data, ld->files[i].len);
                *buf = b;
                *len = ld->files[i].len;
                *present = true;
                return TP_OK;
            }
        }
        if (!required)
            return TP_OK;
        {
            struct tp_loc loc;
            tp_loc_init(&loc);
            snprintf(loc.path, sizeof loc.path, "%s", path);
            return tp_fail_at(ld->err, TP_E_IO, &loc, "missing sheet '%s'", name);
        }
    }
    snprintf(path, pathsz, "%s/%s", ld->dir, name);
    if (!required) {
        FILE *probe = fopen(path, "rb");
        if (!probe)
            return TP_OK;
        fclose(probe);
    }
    rc = tp_source_open_file(&src, path, ld->err);
    if (rc)
        return rc;
    for (;;) {
        long got;
        if (tp_grow((void **)&b, &cap, n + 65536, 1)) {
            rc = ld_nomem(ld);
            goto out;
        }
        got = tp_source_read(src, b + n, cap - n, ld->err);
        if (got < 0) {
            rc = ld->err ? ld->err->code : TP_E_IO;
            goto out;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > SHEET_MAX_FILE) {
            struct tp_loc loc;
            tp_loc_init(&loc);
            snprintf(loc.path, sizeof loc.path, "%s", path);
            rc = tp_fail_at(ld->err, TP_E_LIMIT, &loc, "sheet larger than %zu bytes",
                            (size_t)SHEET_MAX_FILE);
            goto out;
        }
    }
    *buf = b;
    *len = n;
    *present = true;
    b = NULL;
    rc = TP_OK;
out:
    tp_free(b);
    tp_source_close(src);
    return rc;
}

/* Read and parse one sheet and bind its columns. *present false (and TP_OK) for an absent
   optional sheet. */
static int ld_sheet(struct loader *ld, const char *name, bool required, struct crf_sheet *s,
                    const struct crf_colspec *spec, size_t nspec, size_t *idx, bool *present)
{
    unsigned char *buf;
    size_t len;
    char path[256];
    int rc = ld_read_file(ld, name, required, &buf, &len, present, path, sizeof path);
    memset(s, 0, sizeof *s);
    if (rc || !*present)
        return rc;
    rc = crf_sheet_parse(buf, len, path, s, ld->err);
    tp_free(buf);
    if (rc)
        return rc;
    rc = crf_sheet_bind(s, spec, nspec, idx, ld->err);
    if (rc)
        crf_sheet_release(s);
    return rc;
}

/* ------------------------------------------------------------------ study.csv */

enum { ST_KEY, ST_VALUE, ST_N };
static const struct crf_colspec study_cols[ST_N] = {{"Key", true}, {"Value", true}};

static int ld_study(struct loader *ld)
{
    struct tp_crf *crf = ld->crf;
    struct crf_sheet s;
    size_t idx[ST_N];
    bool present;
    struct crf_map keys;
    int rc = ld_sheet(ld, "study.csv", true, &s, study_cols, ST_N, idx, &present);
    if (rc)
        return rc;
    crf_map_init(&keys, false);
    crf->attrs = tp_calloc(s.nrows, sizeof *crf->attrs);
    if (!crf->attrs) {
        rc = ld_nomem(ld);
        goto out;
    }
    for (size_t i = 0; i < s.nrows; i++) {
        const struct crf_row *r = &s.rows[i];
        struct crf_attr *a = &crf->attrs[crf->nattrs];
        if ((rc = ld_required(ld, &s, r, idx[ST_KEY], "Key")))
            goto out;
        if (!(a->key = ld_dup(&s, r, idx[ST_KEY])) || !(a->value = ld_dup(&s, r, idx[ST_VALUE]))) {
            tp_free(a->key);
            rc = ld_nomem(ld);
            goto out;
        }
        a->line = r->line;
        crf->nattrs++;
        if ((rc = ld_unique(ld, &keys, a->key, i, &s, r, idx[ST_KEY], "key")))
            goto out;
    }
    /* required ODM GlobalVariables */
    {
        static const char *const req[] = {"StudyOID", "StudyName", "ProtocolName"};
        for (size_t k = 0; k < 3; k++) {
            const char *v = tp_crf_attr(crf, req[k]);
            if (!v || !*v) {
                struct tp_loc loc;
                crf_cell_loc(&s, NULL, CRF_NONE, &loc);
                rc = tp_fail_at(ld->err, TP_E_SPEC, &loc, "missing required key '%s'", req[k]);
                goto out;
            }
        }
    }
    /* Raw.* conventions of the export */
    ld->max_name = 32;
    crf->delim = ';';
    crf->decimal = ',';
    for (size_t i = 0; i < crf->nattrs; i++) {
        const struct crf_attr *a = &crf->attrs[i];
        const struct crf_row *r = &s.rows[i];
        const char *v = a->value;
        size_t vc = idx[ST_VALUE];
        if (strncmp(a->key, "Raw.", 4) != 0)
            continue;
        if (strcmp(a->key, "Raw.Delimiter") == 0) {
            if (strcmp(v, "\\t") == 0 || strcmp(v, "TAB") == 0)
                crf->delim = '\t';
            else if (strlen(v) == 1 && strchr(";,|", v[0]))
                crf->delim = v[0];
            else {
                rc = ld_fail(ld, &s, r, vc,
                             "Raw.Delimiter must be ';', ',', '|' or TAB, found '%s'", v);
                goto out;
            }
        } else if (strcmp(a->key, "Raw.DecimalMark") == 0) {
            if (strlen(v) != 1 || (v[0] != ',' && v[0] != '.')) {
                rc = ld_fail(ld, &s, r, vc, "Raw.DecimalMark must be ',' or '.', found '%s'", v);
                goto out;
            }
            crf->decimal = v[0];
        } else if (strcmp(a->key, "Raw.LineEnding") == 0) {
            if (strcmp(v, "CRLF") != 0 && strcmp(v, "LF") != 0) {
                rc = ld_fail(ld, &s, r, vc, "Raw.LineEnding must be CRLF or LF, found '%s'", v);
                goto out;
            }
        } else if (strcmp(a->key, "Raw.Encoding") == 0) {
            if (strcmp(v, "UTF-8") != 0 && strcmp(v, "UTF-8-BOM") != 0 &&
                strcmp(v, "CP1252") != 0) {
                rc = ld_fail(ld, &s, r, vc,
                             "Raw.Encoding must be UTF-8, UTF-8-BOM or CP1252, found '%s'", v);
                goto out;
            }
        } else if (strcmp(a->key, "Raw.MaxNameLength") == 0) {
            long m;
            if (!crf_parse_long(v, &m) || m < 1 || m > 64) {
                rc = ld_fail(ld, &s, r, vc,
                             "Raw.MaxNameLength must be an integer 1..64, found '%s'", v);
                goto out;
            }
            ld->max_name = (size_t)m;
        } else if (strcmp(a->key, "Raw.MissingCodes") == 0) {
            if (ld_split(v, &ld->missing_codes, &ld->nmissing_codes)) {
                rc = ld_nomem(ld);
                goto out;
            }
        } else {
            size_t k;
            for (k = 0; k < TP_RAW_NCOLS; k++)
                if (strcmp(a->key, raw_keys[k]) == 0)
                    break;
            if (k == TP_RAW_NCOLS) {
                rc = ld_fail(ld, &s, r, idx[ST_KEY],
                             "unknown key '%s' (Raw.* keys: Delimiter, DecimalMark, LineEnding, "
                             "Encoding, MaxNameLength, MissingCodes, Column.Study, Column.Site, "
                             "Column.Subject, Column.Visit, Column.Line, Column.Status, "
                             "Column.EntryDate)",
                             a->key);
                goto out;
            }
        }
    }
    if (crf->delim == crf->decimal) {
        struct tp_loc loc;
        crf_cell_loc(&s, NULL, CRF_NONE, &loc);
        rc = tp_fail_at(ld->err, TP_E_SPEC, &loc, "Raw.Delimiter and Raw.DecimalMark are both '%c'",
                        crf->delim);
        goto out;
    }
    for (size_t k = 0; k < TP_RAW_NCOLS; k++) {
        const char *v = tp_crf_attr(crf, raw_keys[k]);
        size_t ai;
        if (!v || !*v)
            v = raw_defaults[k];
        if (!ld_is_name(v, ld->max_name)) {
            for (ai = 0; ai < crf->nattrs && strcmp(crf->attrs[ai].key, raw_keys[k]) != 0; ai++)
                ;
            rc = ld_fail(ld, &s, ai < s.nrows ? &s.rows[ai] : NULL, idx[ST_VALUE],
                         "'%s' is not a valid column name", v);
            goto out;
        }
        if (!(crf->rawcol[k] = tp_strdup(v))) {
            rc = ld_nomem(ld);
            goto out;
        }
        for (size_t j = 0; j < k; j++) {
            if (strcasecmp(crf->rawcol[j], v) == 0) {
                struct tp_loc loc;
                crf_cell_loc(&s, NULL, CRF_NONE, &loc);
                rc = tp_fail_at(ld->err, TP_E_SPEC, &loc, "raw column '%s' is used for two roles",
                                v);
                goto out;
            }
        }
    }
out:
    crf_map_release(&keys);
    crf_sheet_release(&s);
    return rc;
}

/* ------------------------------------------------------------------ units.csv */

enum { UN_OID, UN_SYMBOL, UN_NAME, UN_NAMEEN, UN_UCUM, UN_N };
static const struct crf_colspec unit_cols[UN_N] = {{"MeasurementUnitOID", true},
                                                   {"Symbol", true},
                                                   {"Name", false},
                                                   {"NameEN", false},
                                                   {"UCUM", false}};

static int ld_units(struct loader *ld)
{
    struct tp_crf *crf = ld->crf;
    struct crf_sheet s;
    size_t idx[UN_N];
    bool present;
    int rc = ld_sheet(ld, "crf/units.csv", false, &s, unit_cols, UN_N, idx, &present);
    if (rc || !present)
        return rc;
    crf->units = tp_calloc(s.nrows, sizeof *crf->units);
    if (!crf->units) {
        rc = ld_nomem(ld);
        goto out;
    }
    for (size_t i = 0; i < s.nrows; i++) {
        const struct crf_row *r = &s.rows[i];
        struct tp_crf_unit *u;
        if ((rc = ld_oid(ld, &s, r, idx[UN_OID])) ||
            (rc = ld_required(ld, &s, r, idx[UN_SYMBOL], "Symbol")))
            goto out;
        u = tp_calloc(1, sizeof *u);
        if (!u) {
            rc = ld_nomem(ld);
            goto out;
        }
        crf->units[crf->nunits++] = u;
        u->line = r->line;
        if (!(u->oid = ld_dup(&s, r, idx[UN_OID])) ||
            !(u->symbol = ld_dup(&s, r, idx[UN_SYMBOL])) ||
            !(u->name = ld_dup(&s, r, idx[UN_NAME])) ||
            !(u->name_en = ld_dup(&s, r, idx[UN_NAMEEN])) ||
            !(u->ucum = ld_dup(&s, r, idx[UN_UCUM]))) {
            rc = ld_nomem(ld);
            goto out;
        }
        if ((rc = ld_unique(ld, &crf->unit_oids, u->oid, crf->nunits - 1, &s, r, idx[UN_OID],
                            "MeasurementUnitOID")))
            goto out;
    }
out:
    crf_sheet_release(&s);
    return rc;
}

/* ------------------------------------------------------------------ codelists.csv */

enum { CL_OID, CL_NAME, CL_TYPE, CL_VALUE, CL_DECODE, CL_DECODEEN, CL_SUBMISSION, CL_ORDER, CL_N };
static const struct crf_colspec cl_cols[CL_N] = {
    {"CodeListOID", true}, {"Name", false},     {"DataType", true},         {"CodedValue", true},
    {"Decode", true},      {"DecodeEN", false}, {"SubmissionValue", false}, {"OrderNumber", false}};

static int cl_code_cmp(const void *a, const void *b)
{
    const struct crf_code *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static bool ld_numeric_type(enum tp_crf_datatype t)
{
    return t == TP_DT_INTEGER || t == TP_DT_FLOAT || t == TP_DT_DOUBLE;
}

static int ld_codelists(struct loader *ld)
{
    struct tp_crf *crf = ld->crf;
    struct crf_sheet s;
    size_t idx[CL_N], cap = 0;
    bool present;
    int rc = ld_sheet(ld, "crf/codelists.csv", false, &s, cl_cols, CL_N, idx, &present);
    if (rc || !present)
        return rc;
    for (size_t i = 0; i < s.nrows; i++) {
        const struct crf_row *r = &s.rows[i];
        const char *oid = crf_cell(&s, r, idx[CL_OID]);
        const char *name = crf_cell(&s, r, idx[CL_NAME]);
        const char *type = crf_cell(&s, r, idx[CL_TYPE]);
        const char *value = crf_cell(&s, r, idx[CL_VALUE]);
        size_t ci;
        struct tp_crf_codelist *cl;
        struct crf_code *code;
        enum tp_crf_datatype t = 0;

        if ((rc = ld_oid(ld, &s, r, idx[CL_OID])))
            goto out;
        if (*type && !tp_crf_datatype_parse(type, &t)) {
            rc = ld_fail(ld, &s, r, idx[CL_TYPE],
                         "unknown data type '%s' (expected text, integer or float)", type);
            goto out;
        }
        if (*type && t != TP_DT_TEXT && t != TP_DT_STRING && !ld_numeric_type(t)) {
            rc = ld_fail(ld, &s, r, idx[CL_TYPE],
                         "codelists are text, string, integer, float or double, not %s", type);
            goto out;
        }
        ci = crf_map_get(&crf->cl_oids, oid);
        if (ci == CRF_NONE) {
            if (!*type) {
                rc = ld_fail(ld, &s, r, idx[CL_TYPE],
                             "DataType is required on the first row of codelist '%s'", oid);
                goto out;
            }
            cl = tp_calloc(1, sizeof *cl);
            if (!cl || tp_grow((void **)&crf->codelists, &cap, crf->ncodelists + 1,
                               sizeof *crf->codelists)) {
                tp_free(cl);
                rc = ld_nomem(ld);
                goto out;
            }
            crf->codelists[crf->ncodelists++] = cl;
            cl->line = r->line;
            cl->type = t;
            if (!(cl->oid = tp_strdup(oid)) || !(cl->name = tp_strdup(*name ? name : oid))) {
                rc = ld_nomem(ld);
                goto out;
            }
            if (crf_map_put(&crf->cl_oids, cl->oid, crf->ncodelists - 1, NULL)) {
                rc = ld_nomem(ld);
                goto out;
            }
        } else {
            cl = crf->codelists[ci];
            /* a codelist's rows must be contiguous-agnostic but consistent */
            if (*type && t != cl->type) {
                rc = ld_fail(ld, &s, r, idx[CL_TYPE], "codelist '%s' was declared %s on line %ld",
                             oid, tp_crf_datatype_name(cl->type), cl->line);
                goto out;
            }
            if (*name && strcmp(name, cl->name) != 0) {
                rc = ld_fail(ld, &s, r, idx[CL_NAME], "codelist '%s' was named '%s' on line %ld",
                             oid, cl->name, cl->line);
                goto out;
            }
        }
        if ((rc = ld_required(ld, &s, r, idx[CL_VALUE], "CodedValue")) ||
            (rc = ld_required(ld, &s, r, idx[CL_DECODE], "Decode")))
            goto out;
        if (tp_grow((void **)&cl->codes, &cl->cap, cl->ncodes + 1, sizeof *cl->codes)) {
            rc = ld_nomem(ld);
            goto out;
        }
        code = &cl->codes[cl->ncodes];
        memset(code, 0, sizeof *code);
        code->line = r->line;
        if (cl->type == TP_DT_INTEGER) {
            long v;
            if (!crf_parse_long(value, &v)) {
                rc = ld_fail(ld, &s, r, idx[CL_VALUE],
                             "codelist '%s' is integer but '%s' is not an integer", oid, value);
                goto out;
            }
            code->num = (double)v;
        } else if (ld_numeric_type(cl->type)) {
            if (!crf_parse_number(value, &code->num) || strchr(value, ',')) {
                rc = ld_fail(
                    ld, &s, r, idx[CL_VALUE],
                    "codelist '%s' is %s but '%s' is not a number (use '.' as decimal mark)", oid,
                    tp_crf_datatype_name(cl->type), value);
                goto out;
            }
        }
        for (size_t k = 0; k < cl->ncodes; k++) {
            bool same = ld_numeric_type(cl->type) ? cl->codes[k].num == code->num
                                                  : strcmp(cl->codes[k].value, value) == 0;
            if (same) {
                rc = ld_fail(ld, &s, r, idx[CL_VALUE],
                             "duplicate coded value '%s' in codelist '%s' (line %ld)", value, oid,
                             cl->codes[k].line);
                goto out;
            }
        }
        if ((rc = ld_order(ld, &s, r, idx[CL_ORDER], &code->order)))
            goto out;
        if (!(code->value = ld_dup(&s, r, idx[CL_VALUE])) ||
            !(code->decode = ld_dup(&s, r, idx[CL_DECODE])) ||
            !(code->decode_en = ld_dup(&s, r, idx[CL_DECODEEN])) ||
            !(code->submission = ld_dup(&s, r, idx[CL_SUBMISSION]))) {
            tp_free(code->value);
            tp_free(code->decode);
            tp_free(code->decode_en);
            rc = ld_nomem(ld);
            goto out;
        }
        cl->ncodes++;
    }
    for (size_t i = 0; i < crf->ncodelists; i++)
        ld_sort(crf->codelists[i]->codes, crf->codelists[i]->ncodes, sizeof(struct crf_code),
                cl_code_cmp);
out:
    crf_sheet_release(&s);
    return rc;
}

/* ------------------------------------------------------------------ events.csv */

enum {
    EV_OID,
    EV_NAME,
    EV_NAMEEN,
    EV_CODE,
    EV_VISITNUM,
    EV_DAY,
    EV_WLO,
    EV_WHI,
    EV_REP,
    EV_TYPE,
    EV_ORDER,
    EV_N
};
static const struct crf_colspec ev_cols[EV_N] = {
    {"StudyEventOID", true}, {"Name", true},        {"NameEN", false},     {"VisitCode", true},
    {"VISITNUM", false},     {"NominalDay", false}, {"WindowLow", false},  {"WindowHigh", false},
    {"Repeating", false},    {"Type", true},        {"OrderNumber", false}};

static int ev_cmp(const void *a, const void *b)
{
    const struct tp_crf_event *x = *(struct tp_crf_event *const *)a;
    const struct tp_crf_event *y = *(struct tp_crf_event *const *)b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static bool ld_is_code(const char *s)
{
    size_t n = 0;
    for (; *s; s++, n++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '.' || *s == '-'))
            return false;
    return n > 0 && n <= 16;
}

static int ld_events(struct loader *ld)
{
    struct tp_crf *crf = ld->crf;
    struct crf_sheet s;
    size_t idx[EV_N];
    bool present;
    struct crf_map visitnums;
    int rc = ld_sheet(ld, "crf/events.csv", true, &s, ev_cols, EV_N, idx, &present);
    if (rc)
        return rc;
    crf_map_init(&visitnums, false);
    crf->events = tp_calloc(s.nrows, sizeof *crf->events);
    if (!crf->events) {
        rc = ld_nomem(ld);
        goto out;
    }
    for (size_t i = 0; i < s.nrows; i++) {
        const struct crf_row *r = &s.rows[i];
        const char *type = crf_cell(&s, r, idx[EV_TYPE]);
        const char *code = crf_cell(&s, r, idx[EV_CODE]);
        const char *vnum = crf_cell(&s, r, idx[EV_VISITNUM]);
        struct tp_crf_event *ev;
        bool has_lo, has_hi;
        double dv;

        if ((rc = ld_oid(ld, &s, r, idx[EV_OID])) ||
            (rc = ld_required(ld, &s, r, idx[EV_NAME], "Name")))
            goto out;
        ev = tp_calloc(1, sizeof *ev);
        if (!ev) {
            rc = ld_nomem(ld);
            goto out;
        }
        crf->events[crf->nevents++] = ev;
        ev->line = r->line;
        if (!(ev->oid = ld_dup(&s, r, idx[EV_OID])) || !(ev->name = ld_dup(&s, r, idx[EV_NAME])) ||
            !(ev->name_en = ld_dup(&s, r, idx[EV_NAMEEN])) ||
            !(ev->visit_code = ld_dup(&s, r, idx[EV_CODE])) ||
            !(ev->visitnum = ld_dup(&s, r, idx[EV_VISITNUM]))) {
            rc = ld_nomem(ld);
            goto out;
        }
        if ((rc = ld_unique(ld, &crf->event_oids, ev->oid, 0, &s, r, idx[EV_OID], "StudyEventOID")))
            goto out;
        if (strcasecmp(type, "Scheduled") == 0)
            ev->type = TP_EVENT_SCHEDULED;
        else if (strcasecmp(type, "Unscheduled") == 0)
            ev->type = TP_EVENT_UNSCHEDULED;
        else if (strcasecmp(type, "Common") == 0)
            ev->type = TP_EVENT_COMMON;
        else {
            rc = ld_fail(ld, &s, r, idx[EV_TYPE],
                         "expected Scheduled, Unscheduled or Common, found '%s'", type);
            goto out;
        }
        if (ev->type != TP_EVENT_COMMON) {
            if (!*code) {
                rc = ld_fail(ld, &s, r, idx[EV_CODE], "VisitCode is required for a %s event", type);
                goto out;
            }
            if (!ld_is_code(code)) {
                rc = ld_fail(
                    ld, &s, r, idx[EV_CODE],
                    "'%s' is not a valid visit code (letters, digits, '_', '.', '-'; at most 16)",
                    code);
                goto out;
            }
            if ((rc = ld_unique(ld, &crf->event_codes, ev->visit_code, 0, &s, r, idx[EV_CODE],
                                "VisitCode")))
                goto out;
        } else if (*code) {
            rc = ld_fail(ld, &s, r, idx[EV_CODE],
                         "a Common event has no VisitCode (its forms are logs)");
            goto out;
        }
        if (*vnum) {
            if (!crf_parse_number(vnum, &dv) || dv < 0) {
                rc = ld_fail(ld, &s, r, idx[EV_VISITNUM],
                             "expected a non-negative number, found '%s'", vnum);
                goto out;
            }
            if ((rc = ld_unique(ld, &visitnums, ev->visitnum, 0, &s, r, idx[EV_VISITNUM],
                                "VISITNUM")))
                goto out;
        } else if (ev->type == TP_EVENT_SCHEDULED) {
            rc = ld_fail(ld, &s, r, idx[EV_VISITNUM], "VISITNUM is required for a Scheduled event");
            goto out;
        }
        if ((rc = ld_long(ld, &s, r, idx[EV_DAY], -100000, 100000, &ev->has_day, &ev->day)) ||
            (rc = ld_long(ld, &s, r, idx[EV_WLO], -100000, 100000, &has_lo, &ev->win_lo)) ||
            (rc = ld_long(ld, &s, r, idx[EV_WHI], -100000, 100000, &has_hi, &ev->win_hi)))
            goto out;
        if (has_lo != has_hi) {
            rc = ld_fail(ld, &s, r, has_lo ? idx[EV_WHI] : idx[EV_WLO],
                         "WindowLow and WindowHigh go together");
            goto out;
        }
        ev->has_window = has_lo;
        if (ev->has_window && ev->win_lo > ev->win_hi) {
            rc = ld_fail(ld, &s, r, idx[EV_WHI], "WindowHigh %ld is before WindowLow %ld",
                         ev->win_hi, ev->win_lo);
            goto out;
        }
        if (ev->has_window && ev->has_day && (ev->day < ev->win_lo || ev->day > ev->win_hi)) {
            rc = ld_fail(ld, &s, r, idx[EV_DAY], "NominalDay %ld is outside the window %ld..%ld",
                         ev->day, ev->win_lo, ev->win_hi);
            goto out;
        }
        if ((rc = ld_yesno(ld, &s, r, idx[EV_REP], false, &ev->repeating)) ||
            (rc = ld_order(ld, &s, r, idx[EV_ORDER], &ev->order)))
            goto out;
    }
    if (crf->nevents == 0) {
        struct tp_loc loc;
        crf_cell_loc(&s, NULL, CRF_NONE, &loc);
        rc = tp_fail_at(ld->err, TP_E_SPEC, &loc, "no study events");
        goto out;
    }
    ld_sort(crf->events, crf->nevents, sizeof *crf->events, ev_cmp);
    crf_map_release(&crf->event_oids);
    crf_map_release(&crf->event_codes);
    for (size_t i = 0; i < crf->nevents; i++) {
        struct tp_crf_event *ev = crf->events[i];
        ev->index = i;
        if (crf_map_put(&crf->event_oids, ev->oid, i, NULL) ||
            (*ev->visit_code && crf_map_put(&crf->event_codes, ev->visit_code, i, NULL))) {
            rc = ld_nomem(ld);
            goto out;
        }
    }
out:
    crf_map_release(&visitnums);
    crf_sheet_release(&s);
    return rc;
}

/* ------------------------------------------------------------------ forms.csv */

enum { FM_OID, FM_NAME, FM_NAMEEN, FM_TABLE, FM_REP, FM_RESTRICTED, FM_ORDER, FM_N };
static const struct crf_colspec fm_cols[FM_N] = {
    {"FormOID", true},    {"Name", true},        {"NameEN", false},     {"Table", true},
    {"Repeating", false}, {"Restricted", false}, {"OrderNumber", false}};

static int fm_cmp(const void *a, const void *b)
{
    const struct tp_crf_form *x = *(struct tp_crf_form *const *)a;
    const struct tp_crf_form *y = *(struct tp_crf_form *const *)b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int ld_forms(struct loader *ld, struct crf_sheet *s, size_t *idx)
{
    struct tp_crf *crf = ld->crf;
    bool present;
    int rc = ld_sheet(ld, "crf/forms.csv", true, s, fm_cols, FM_N, idx, &present);
    if (rc)
        return rc;
    crf->forms = tp_calloc(s->nrows, sizeof *crf->forms);
    if (!crf->forms)
        return ld_nomem(ld);
    for (size_t i = 0; i < s->nrows; i++) {
        const struct crf_row *r = &s->rows[i];
        const char *table = crf_cell(s, r, idx[FM_TABLE]);
        struct tp_crf_form *f;
        if ((rc = ld_oid(ld, s, r, idx[FM_OID])) ||
            (rc = ld_required(ld, s, r, idx[FM_NAME], "Name")) ||
            (rc = ld_required(ld, s, r, idx[FM_TABLE], "Table")))
            return rc;
        if (!ld_is_table(table))
            return ld_fail(ld, s, r, idx[FM_TABLE],
                           "'%s' is not a valid table name (lower-case letters, digits and '_'; it "
                           "becomes '%s.csv')",
                           table, table);
        for (size_t k = 0; k < sizeof reserved_tables / sizeof *reserved_tables; k++)
            if (strcmp(table, reserved_tables[k]) == 0)
                return ld_fail(ld, s, r, idx[FM_TABLE],
                               "table name '%s' is reserved for a file the generator writes",
                               table);
        f = tp_calloc(1, sizeof *f);
        if (!f)
            return ld_nomem(ld);
        crf->forms[crf->nforms++] = f;
        crf_map_init(&f->item_names, true);
        f->line = r->line;
        if (!(f->oid = ld_dup(s, r, idx[FM_OID])) || !(f->name = ld_dup(s, r, idx[FM_NAME])) ||
            !(f->name_en = ld_dup(s, r, idx[FM_NAMEEN])) ||
            !(f->table = ld_dup(s, r, idx[FM_TABLE])))
            return ld_nomem(ld);
        if ((rc = ld_unique(ld, &crf->form_oids, f->oid, 0, s, r, idx[FM_OID], "FormOID")) ||
            (rc = ld_unique(ld, &crf->form_tables, f->table, 0, s, r, idx[FM_TABLE], "Table")) ||
            (rc = ld_yesno(ld, s, r, idx[FM_REP], false, &f->repeating)) ||
            (rc = ld_yesno(ld, s, r, idx[FM_RESTRICTED], false, &f->restricted)) ||
            (rc = ld_order(ld, s, r, idx[FM_ORDER], &f->order)))
            return rc;
    }
    ld_sort(crf->forms, crf->nforms, sizeof *crf->forms, fm_cmp);
    crf_map_release(&crf->form_oids);
    crf_map_release(&crf->form_tables);
    for (size_t i = 0; i < crf->nforms; i++) {
        crf->forms[i]->index = i;
        if (crf_map_put(&crf->form_oids, crf->forms[i]->oid, i, NULL) ||
            crf_map_put(&crf->form_tables, crf->forms[i]->table, i, NULL))
            return ld_nomem(ld);
    }
    return TP_OK;
}

/* ------------------------------------------------------------------ event_forms.csv */

enum { EF_EVENT, EF_FORM, EF_MANDATORY, EF_ORDER, EF_N };
static const struct crf_colspec ef_cols[EF_N] = {
    {"StudyEventOID", true}, {"FormOID", true}, {"Mandatory", false}, {"OrderNumber", false}};

static int ef_cmp(const void *a, const void *b)
{
    const struct crf_eventform *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int ld_event_forms(struct loader *ld, bool *used)
{
    struct tp_crf *crf = ld->crf;
    struct crf_sheet s;
    size_t idx[EF_N];
    bool present;
    int rc = ld_sheet(ld, "crf/event_forms.csv", true, &s, ef_cols, EF_N, idx, &present);
    if (rc)
        return rc;
    for (size_t i = 0; i < s.nrows; i++) {
        const struct crf_row *r = &s.rows[i];
        const char *eoid = crf_cell(&s, r, idx[EF_EVENT]);
        const char *foid = crf_cell(&s, r, idx[EF_FORM]);
        size_t ei, fi;
        struct tp_crf_event *ev;
        struct crf_eventform *ef;
        if ((rc = ld_oid(ld, &s, r, idx[EF_EVENT])) || (rc = ld_oid(ld, &s, r, idx[EF_FORM])))
            goto out;
        if ((ei = crf_map_get(&crf->event_oids, eoid)) == CRF_NONE) {
            rc = ld_fail(ld, &s, r, idx[EF_EVENT], "unknown StudyEventOID '%s' (not in events.csv)",
                         eoid);
            goto out;
        }
        if ((fi = crf_map_get(&crf->form_oids, foid)) == CRF_NONE) {
            rc = ld_fail(ld, &s, r, idx[EF_FORM], "unknown FormOID '%s' (not in forms.csv)", foid);
            goto out;
        }
        ev = crf->events[ei];
        for (size_t k = 0; k < ev->nforms; k++) {
            if (ev->forms[k].form == crf->forms[fi]) {
                rc = ld_fail(ld, &s, r, idx[EF_FORM],
                             "form '%s' is listed twice for event '%s' (line %ld)", foid, eoid,
                             ev->forms[k].line);
                goto out;
            }
        }
        if (tp_grow((void **)&ev->forms, &ev->cap, ev->nforms + 1, sizeof *ev->forms)) {
            rc = ld_nomem(ld);
            goto out;
        }
        ef = &ev->forms[ev->nforms];
        ef->form = crf->forms[fi];
        ef->line = r->line;
        if ((rc = ld_yesno(ld, &s, r, idx[EF_MANDATORY], true, &ef->mandatory)) ||
            (rc = ld_order(ld, &s, r, idx[EF_ORDER], &ef->order)))
            goto out;
        ev->nforms++;
        used[fi] = true;
    }
    for (size_t i = 0; i < crf->nevents; i++)
        ld_sort(crf->events[i]->forms, crf->events[i]->nforms, sizeof(struct crf_eventform),
                ef_cmp);
out:
    crf_sheet_release(&s);
    return rc;
}

/* ------------------------------------------------------------------ itemgroups.csv */

enum { IG_OID, IG_FORM, IG_NAME, IG_NAMEEN, IG_REP, IG_ORDER, IG_DOMAIN, IG_N };
static const struct crf_colspec ig_cols[IG_N] = {
    {"ItemGroupOID", true}, {"FormOID", true},      {"Name", true},   {"NameEN", false},
    {"Repeating", false},   {"OrderNumber", false}, {"Domain", false}};

static int ig_cmp(const void *a, const void *b)
{
    const struct tp_crf_itemgroup *x = *(struct tp_crf_itemgroup *const *)a;
    const struct tp_crf_itemgroup *y = *(struct tp_crf_itemgroup *const *)b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int ld_itemgroups(struct loader *ld, struct crf_sheet *s, size_t *idx)
{
    struct tp_crf *crf = ld->crf;
    bool present;
    int rc = ld_sheet(ld, "crf/itemgroups.csv", true, s, ig_cols, IG_N, idx, &present);
    if (rc)
        return rc;
    crf->groups = tp_calloc(s->nrows, sizeof *crf->groups);
    if (!crf->groups)
        return ld_nomem(ld);
    for (size_t i = 0; i < s->nrows; i++) {
        const struct crf_row *r = &s->rows[i];
        const char *foid = crf_cell(s, r, idx[IG_FORM]);
        struct tp_crf_itemgroup *g;
        size_t fi;
        if ((rc = ld_oid(ld, s, r, idx[IG_OID])) || (rc = ld_oid(ld, s, r, idx[IG_FORM])) ||
            (rc = ld_required(ld, s, r, idx[IG_NAME], "Name")))
            return rc;
        if ((fi = crf_map_get(&crf->form_oids, foid)) == CRF_NONE)
            return ld_fail(ld, s, r, idx[IG_FORM], "unknown FormOID '%s' (not in forms.csv)", foid);
        g = tp_calloc(1, sizeof *g);
        if (!g)
            return ld_nomem(ld);
        crf->groups[crf->ngroups++] = g;
        g->line = r->line;
        g->form = crf->forms[fi];
        if (!(g->oid = ld_dup(s, r, idx[IG_OID])) || !(g->name = ld_dup(s, r, idx[IG_NAME])) ||
            !(g->name_en = ld_dup(s, r, idx[IG_NAMEEN])) ||
            !(g->domain = ld_dup(s, r, idx[IG_DOMAIN])))
            return ld_nomem(ld);
        if ((rc = ld_unique(ld, &crf->group_oids, g->oid, 0, s, r, idx[IG_OID], "ItemGroupOID")) ||
            (rc = ld_yesno(ld, s, r, idx[IG_REP], false, &g->repeating)) ||
            (rc = ld_order(ld, s, r, idx[IG_ORDER], &g->order)))
            return rc;
    }
    ld_sort(crf->groups, crf->ngroups, sizeof *crf->groups, ig_cmp);
    crf_map_release(&crf->group_oids);
    for (size_t i = 0; i < crf->ngroups; i++) {
        struct tp_crf_itemgroup *g = crf->groups[i];
        struct tp_crf_form *f = g->form;
        if (crf_map_put(&crf->group_oids, g->oid, i, NULL) ||
            tp_grow((void **)&f->groups, &f->gcap, f->ngroups + 1, sizeof *f->groups))
            return ld_nomem(ld);
        f->groups[f->ngroups++] = g;
    }
    /* one raw table per form: its item groups share one row grain */
    for (size_t i = 0; i < crf->nforms; i++) {
        struct tp_crf_form *f = crf->forms[i];
        for (size_t k = 1; k < f->ngroups; k++) {
            if (f->groups[k]->repeating != f->groups[0]->repeating) {
                const struct tp_crf_itemgroup *g = f->groups[k];
                for (size_t ri = 0; ri < s->nrows; ri++)
                    if (s->rows[ri].line == g->line)
                        return ld_fail(ld, s, &s->rows[ri], idx[IG_REP],
                                       "item groups of form '%s' must all repeat or none "
                                       "(one raw table per form)",
                                       f->oid);
            }
        }
        f->rows_repeat = f->ngroups && f->groups[0]->repeating;
    }
    return TP_OK;
}

/* ------------------------------------------------------------------ items.csv */

enum {
    IT_OID,
    IT_GROUP,
    IT_NAME,
    IT_TYPE,
    IT_LENGTH,
    IT_DIGITS,
    IT_QUESTION,
    IT_QUESTIONEN,
    IT_UNIT,
    IT_CL,
    IT_SOFTLO,
    IT_SOFTHI,
    IT_HARDLO,
    IT_HARDHI,
    IT_MANDATORY,
    IT_MISSING,
    IT_AT,
    IT_ORDER,
    IT_COMMENT,
    IT_N
};
static const struct crf_colspec it_cols[IT_N] = {
    {"ItemOID", true},       {"ItemGroupOID", true}, {"Name", true},
    {"DataType", true},      {"Length", false},      {"SignificantDigits", false},
    {"Question", true},      {"QuestionEN", false},  {"Unit", false},
    {"CodeListOID", false},  {"SoftLow", false},     {"SoftHigh", false},
    {"HardLow", false},      {"HardHigh", false},    {"Mandatory", false},
    {"MissingCodes", false}, {"CollectedAt", false}, {"OrderNumber", false},
    {"Comment", false}};

static int it_cmp(const void *a, const void *b)
{
    const struct tp_crf_item *x = *(struct tp_crf_item *const *)a;
    const struct tp_crf_item *y = *(struct tp_crf_item *const *)b;
    if (x->group != y->group)
        return strcmp(x->group->oid, y->group->oid); /* grouping only; groups sorted later */
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int ld_range(struct loader *ld, const struct crf_sheet *s, const struct crf_row *r,
                    size_t clo, size_t chi, bool *has, double *lo, double *hi)
{
    const char *a = crf_cell(s, r, clo), *b = crf_cell(s, r, chi);
    *has = *a || *b;
    *lo = -HUGE_VAL;
    *hi = HUGE_VAL;
    if (*a && !crf_parse_number(a, lo))
        return ld_fail(ld, s, r, clo, "expected a number, found '%s'", a);
    if (*b && !crf_parse_number(b, hi))
        return ld_fail(ld, s, r, chi, "expected a number, found '%s'", b);
    if (*lo > *hi)
        return ld_fail(ld, s, r, chi, "high %s is below low %s", b, a);
    return TP_OK;
}

static bool ld_type_compatible(enum tp_crf_datatype item, enum tp_crf_datatype list)
{
    bool it_text = item == TP_DT_TEXT || item == TP_DT_STRING;
    bool cl_text = list == TP_DT_TEXT || list == TP_DT_STRING;
    if (it_text || cl_text)
        return it_text && cl_text;
    if (item == TP_DT_INTEGER)
        return list == TP_DT_INTEGER;
    if (item == TP_DT_FLOAT || item == TP_DT_DOUBLE)
        return ld_numeric_type(list);
    return false;
}

static int ld_items(struct loader *ld, struct crf_sheet *s, size_t *idx)
{
    struct tp_crf *crf = ld->crf;
    bool present;
    int rc = ld_sheet(ld, "crf/items.csv", true, s, it_cols, IT_N, idx, &present);
    if (rc)
        return rc;
    crf->items = tp_calloc(s->nrows, sizeof *crf->items);
    if (!crf->items)
        return ld_nomem(ld);
    for (size_t i = 0; i < s->nrows; i++) {
        const struct crf_row *r = &s->rows[i];
        const char *goid = crf_cell(s, r, idx[IT_GROUP]);
        const char *name = crf_cell(s, r, idx[IT_NAME]);
        const char *type = crf_cell(s, r, idx[IT_TYPE]);
        const char *unit = crf_cell(s, r, idx[IT_UNIT]);
        const char *cloid = crf_cell(s, r, idx[IT_CL]);
        struct tp_crf_item *it;
        size_t gi, k;
        long v;
        bool has;

        if ((rc = ld_oid(ld, s, r, idx[IT_OID])) || (rc = ld_oid(ld, s, r, idx[IT_GROUP])) ||
            (rc = ld_required(ld, s, r, idx[IT_NAME], "Name")) ||
            (rc = ld_required(ld, s, r, idx[IT_TYPE], "DataType")) ||
            (rc = ld_required(ld, s, r, idx[IT_QUESTION], "Question")))
            return rc;
        if ((gi = crf_map_get(&crf->group_oids, goid)) == CRF_NONE)
            return ld_fail(ld, s, r, idx[IT_GROUP],
                           "unknown ItemGroupOID '%s' (not in itemgroups.csv)", goid);
        if (!ld_is_name(name, ld->max_name))
            return ld_fail(ld, s, r, idx[IT_NAME],
                           "'%s' is not a valid raw column name (ASCII letter, then letters, "
                           "digits or '_'; at most %zu)",
                           name, ld->max_name);
        for (k = 0; k < TP_RAW_NCOLS; k++)
            if (strcasecmp(name, crf->rawcol[k]) == 0)
                return ld_fail(ld, s, r, idx[IT_NAME],
                               "'%s' is a key or system column of every raw table (study.csv %s)",
                               name, raw_keys[k]);
        it = tp_calloc(1, sizeof *it);
        if (!it)
            return ld_nomem(ld);
        crf->items[crf->nitems++] = it;
        it->line = r->line;
        it->group = crf->groups[gi];
        if (!(it->oid = ld_dup(s, r, idx[IT_OID])) || !(it->name = ld_dup(s, r, idx[IT_NAME])) ||
            !(it->question = ld_dup(s, r, idx[IT_QUESTION])) ||
            !(it->question_en = ld_dup(s, r, idx[IT_QUESTIONEN])) ||
            !(it->comment = ld_dup(s, r, idx[IT_COMMENT])))
            return ld_nomem(ld);
        if ((rc = ld_unique(ld, &crf->item_oids, it->oid, crf->nitems - 1, s, r, idx[IT_OID],
                            "ItemOID")))
            return rc;
        {
            size_t old;
            int prc = crf_map_put(&it->group->form->item_names, it->name, crf->nitems - 1, &old);
            if (prc == TP_E_NOMEM)
                return ld_nomem(ld);
            if (prc < 0)
                return ld_fail(ld, s, r, idx[IT_NAME],
                               "duplicate column '%s' in form '%s' (item '%s', line %ld)", name,
                               it->group->form->oid, crf->items[old]->oid, crf->items[old]->line);
        }
        if (!tp_crf_datatype_parse(type, &it->type))
            return ld_fail(
                ld, s, r, idx[IT_TYPE],
                "unknown data type '%s' (expected text, string, integer, float, double, boolean, "
                "date, time, datetime, partialDate, partialTime or partialDatetime)",
                type);
        if ((rc = ld_long(ld, s, r, idx[IT_LENGTH], 1, 10000, &has, &v)))
            return rc;
        it->length = has ? (unsigned)v : 0;
        if ((rc = ld_long(ld, s, r, idx[IT_DIGITS], 0, 15, &has, &v)))
            return rc;
        if (has && it->type != TP_DT_FLOAT && it->type != TP_DT_DOUBLE)
            return ld_fail(ld, s, r, idx[IT_DIGITS],
                           "SignificantDigits applies to float items, not %s", type);
        it->digits = has ? (unsigned)v : 0;
        if (*unit) {
            size_t ui = crf_map_get(&crf->unit_oids, unit);
            if (ui == CRF_NONE)
                return ld_fail(ld, s, r, idx[IT_UNIT],
                               "unknown MeasurementUnitOID '%s' (not in units.csv)", unit);
            it->unit = crf->units[ui];
        }
        if (*cloid) {
            size_t ci = crf_map_get(&crf->cl_oids, cloid);
            if (ci == CRF_NONE)
                return ld_fail(ld, s, r, idx[IT_CL],
                               "unknown CodeListOID '%s' (not in codelists.csv)", cloid);
            it->codelist = crf->codelists[ci];
            if (!ld_type_compatible(it->type, it->codelist->type))
                return ld_fail(ld, s, r, idx[IT_CL], "item is %s but codelist '%s' is %s",
                               tp_crf_datatype_name(it->type), cloid,
                               tp_crf_datatype_name(it->codelist->type));
            if (it->length) {
                for (size_t c = 0; c < it->codelist->ncodes; c++)
                    if (strlen(it->codelist->codes[c].value) > it->length)
                        return ld_fail(ld, s, r, idx[IT_LENGTH],
                                       "coded value '%s' of '%s' is longer than Length %u",
                                       it->codelist->codes[c].value, cloid, it->length);
            }
        }
        if ((rc = ld_range(ld, s, r, idx[IT_SOFTLO], idx[IT_SOFTHI], &it->has_soft, &it->soft_lo,
                           &it->soft_hi)) ||
            (rc = ld_range(ld, s, r, idx[IT_HARDLO], idx[IT_HARDHI], &it->has_hard, &it->hard_lo,
                           &it->hard_hi)))
            return rc;
        if ((it->has_soft || it->has_hard) && !ld_numeric_type(it->type))
            return ld_fail(ld, s, r, it->has_soft ? idx[IT_SOFTLO] : idx[IT_HARDLO],
                           "ranges apply to integer and float items, not %s", type);
        if (it->has_soft && it->has_hard &&
            (it->soft_lo < it->hard_lo || it->soft_hi > it->hard_hi))
            return ld_fail(ld, s, r, idx[IT_SOFTLO], "soft range is outside the hard range");
        if ((rc = ld_yesno(ld, s, r, idx[IT_MANDATORY], false, &it->mandatory)) ||
            (rc = ld_order(ld, s, r, idx[IT_ORDER], &it->order)))
            return rc;
        if (ld_split(crf_cell(s, r, idx[IT_MISSING]), &it->missing, &it->nmissing))
            return ld_nomem(ld);
        for (size_t m = 0; m < it->nmissing; m++) {
            bool known = ld->nmissing_codes == 0;
            for (size_t q = 0; q < ld->nmissing_codes; q++)
                known |= strcmp(it->missing[m], ld->missing_codes[q]) == 0;
            if (!known)
                return ld_fail(ld, s, r, idx[IT_MISSING],
                               "missing code '%s' is not in study.csv Raw.MissingCodes",
                               it->missing[m]);
        }
        {
            char **ev;
            size_t nev;
            if (ld_split(crf_cell(s, r, idx[IT_AT]), &ev, &nev))
                return ld_nomem(ld);
            if (nev && !(it->at_events = tp_calloc(nev, sizeof *it->at_events))) {
                ld_free_list(ev, nev);
                return ld_nomem(ld);
            }
            for (size_t e = 0; e < nev; e++) {
                size_t ei = crf_map_get(&crf->event_oids, ev[e]);
                if (ei == CRF_NONE) {
                    rc = ld_fail(ld, s, r, idx[IT_AT],
                                 "unknown StudyEventOID '%s' (not in events.csv)", ev[e]);
                    break;
                }
                if (!tp_crf_event_has_form(crf->events[ei], it->group->form)) {
                    rc = ld_fail(ld, s, r, idx[IT_AT],
                                 "form '%s' is not collected at event '%s' (see event_forms.csv)",
                                 it->group->form->oid, ev[e]);
                    break;
                }
                it->at_events[it->nat_events++] = ei;
            }
            ld_free_list(ev, nev);
            if (rc)
                return rc;
        }
    }
    /* order items inside their groups, then flatten each form */
    {
        struct tp_crf_item **tmp = tp_calloc(crf->nitems ? crf->nitems : 1, sizeof *tmp);
        if (!tmp)
            return ld_nomem(ld);
        memcpy(tmp, crf->items, crf->nitems * sizeof *tmp);
        ld_sort(tmp, crf->nitems, sizeof *tmp, it_cmp);
        for (size_t i = 0; i < crf->nitems; i++) {
            struct tp_crf_itemgroup *g = tmp[i]->group;
            if (tp_grow((void **)&g->items, &g->cap, g->nitems + 1, sizeof *g->items)) {
                tp_free(tmp);
                return ld_nomem(ld);
            }
            g->items[g->nitems++] = tmp[i];
        }
        tp_free(tmp);
    }
    for (size_t i = 0; i < crf->nitems; i++)
        crf->items[i]->index = i;
    for (size_t fi = 0; fi < crf->nforms; fi++) {
        struct tp_crf_form *f = crf->forms[fi];
        size_t n = 0;
        for (size_t g = 0; g < f->ngroups; g++)
            n += f->groups[g]->nitems;
        f->items = tp_calloc(n ? n : 1, sizeof *f->items);
        if (!f->items)
            return ld_nomem(ld);
        for (size_t g = 0; g < f->ngroups; g++)
            for (size_t k = 0; k < f->groups[g]->nitems; k++) {
                f->groups[g]->items[k]->position = f->nitems;
                f->items[f->nitems++] = f->groups[g]->items[k];
            }
    }
    return TP_OK;
}

/* ------------------------------------------------------------------ driver */

static int ld_run(struct loader *ld)
{
    struct crf_sheet fs, gs, is;
    size_t fidx[FM_N], gidx[IG_N], iidx[IT_N];
    bool *used = NULL;
    int rc;
    memset(&fs, 0, sizeof fs);
    memset(&gs, 0, sizeof gs);
    memset(&is, 0, sizeof is);
    if ((rc = ld_study(ld)) || (rc = ld_units(ld)) || (rc = ld_codelists(ld)) ||
        (rc = ld_events(ld)) || (rc = ld_forms(ld, &fs, fidx)))
        goto out;
    used = tp_calloc(ld->crf->nforms ? ld->crf->nforms : 1, sizeof *used);
    if (!used) {
        rc = ld_nomem(ld);
        goto out;
    }
    if ((rc = ld_event_forms(ld, used)) || (rc = ld_itemgroups(ld, &gs, gidx)) ||
        (rc = ld_items(ld, &is, iidx)))
        goto out;
    /* every form needs items and a place in the schedule; every group needs items */
    for (size_t i = 0; i < gs.nrows && !rc; i++) {
        const struct tp_crf_itemgroup *g = ld->crf->groups[crf_map_get(
            &ld->crf->group_oids, crf_cell(&gs, &gs.rows[i], gidx[IG_OID]))];
        if (g->nitems == 0)
            rc = ld_fail(ld, &gs, &gs.rows[i], gidx[IG_OID],
                         "item group '%s' has no items (add them to items.csv)", g->oid);
    }
    for (size_t i = 0; i < fs.nrows && !rc; i++) {
        size_t fi = crf_map_get(&ld->crf->form_oids, crf_cell(&fs, &fs.rows[i], fidx[FM_OID]));
        const struct tp_crf_form *f = ld->crf->forms[fi];
        if (f->ngroups == 0)
            rc = ld_fail(ld, &fs, &fs.rows[i], fidx[FM_OID],
                         "form '%s' has no item groups (add them to itemgroups.csv)", f->oid);
        else if (!used[fi])
            rc = ld_fail(ld, &fs, &fs.rows[i], fidx[FM_OID],
                         "form '%s' is in no event (add it to event_forms.csv)", f->oid);
    }
out:
    tp_free(used);
    crf_sheet_release(&fs);
    crf_sheet_release(&gs);
    crf_sheet_release(&is);
    return rc;
}

static struct tp_crf *crf_new(void)
{
    struct tp_crf *crf = tp_calloc(1, sizeof *crf);
    if (!crf)
        return NULL;
    crf_map_init(&crf->event_oids, false);
    crf_map_init(&crf->event_codes, true);
    crf_map_init(&crf->form_oids, false);
    crf_map_init(&crf->form_tables, true);
    crf_map_init(&crf->group_oids, false);
    crf_map_init(&crf->item_oids, false);
    crf_map_init(&crf->cl_oids, false);
    crf_map_init(&crf->unit_oids, false);
    return crf;
}

static int crf_load_common(struct loader *ld, struct tp_crf **out)
{
    int rc;
    *out = NULL;
    ld->crf = crf_new();
    if (!ld->crf)
        return ld_nomem(ld);
    rc = ld_run(ld);
    ld_free_list(ld->missing_codes, ld->nmissing_codes);
    if (rc) {
        tp_crf_free(ld->crf);
        return rc;
    }
    *out = ld->crf;
    return TP_OK;
}

int tp_crf_load(const char *dir, struct tp_crf **out, struct tp_error *err)
{
    struct loader ld;
    int rc;
    memset(&ld, 0, sizeof ld);
    ld.err = err;
    ld.dir = dir;
    if (!dir || !*dir) {
        *out = NULL;
        return tp_fail(err, TP_E_USAGE, "no study folder given");
    }
    {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            struct tp_loc loc;
            tp_loc_init(&loc);
            snprintf(loc.path, sizeof loc.path, "%s", dir);
            *out = NULL;
            return tp_fail_at(err, TP_E_IO, &loc, "not a study folder (no such directory)");
        }
    }
    rc = crf_load_common(&ld, out);
    if (!rc && !((*out)->dir = tp_strdup(dir))) {
        tp_crf_free(*out);
        *out = NULL;
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    return rc;
}

int crf_load_mem(const struct crf_memfile *files, size_t nfiles, struct tp_crf **out,
                 struct tp_error *err)
{
    struct loader ld;
    memset(&ld, 0, sizeof ld);
    ld.err = err;
    ld.files = files;
    ld.nfiles = nfiles;
    return crf_load_common(&ld, out);
}
