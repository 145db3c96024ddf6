/*
 * Building the Define-XML 2.1 write model from a study's mapping spec (src/lib/map, sheets
 * documented in doc/sdtm-spec.md) and the datasets actually written (Define-XML 2.1
 * specification sections 4 and 5.3; SDTMIG 3.4 section 8.4 for SUPP-- value lists).
 *
 * The data folder decides what is described: one ItemGroupDef per data file, ItemRefs in the
 * file's variable order, nothing for a spec dataset without a file. The spec gives the rest
 * (labels, classes, structures, keys, data types, origins, codelists, methods, comments,
 * documents, value-level metadata). Lengths come from the data: text variables take the file's
 * declared length (trialpack writes it as the longest value, study-wide, FDA TCG 4.1.5.4) or,
 * for Dataset-JSON without lengths, the longest value; integer and float variables the widest
 * formatted value, and float SignificantDigits its most decimals.
 *
 * Value-level metadata (def:ValueListDef + def:WhereClauseDef):
 *   - ValueLevel.csv when the spec has it (Dataset, Variable, WhereClause = IDs of
 *     WhereClauses.csv rows or an inline "VAR EQ value [and VAR IN (a, b)]", Label, DataType,
 *     Length, SignificantDigits, Format, Mandatory, CodeList, Origin, Source, Method, Comment,
 *     Pages, Order);
 *   - otherwise for Findings datasets: --ORRES, --STRESC and --STRESN per --TESTCD value found
 *     in the data, typed from the values (integer, float or text);
 *   - always for SUPP-- datasets: QVAL per QNAM, described by the parent domain's NonStandard
 *     variable of that name (Define-XML 2.1 section 5.3.9: required for SUPPQUAL).
 */
#include "define.h"
#include "map/map.h"
#include "trialpack/format.h"
#include "trialpack/trialpack.h"

#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>

#define DM_BATCH 4096

/* ---------------------------------------------------------------- small helpers */

static bool dm_ieq(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

static const char *dm_setting(const struct tp_spec *s, const char *k1, const char *k2,
                              const char *dflt)
{
    const char *v = spec_setting(s, k1, NULL);
    if ((!v || !*v) && k2)
        v = spec_setting(s, k2, NULL);
    return v && *v ? v : dflt;
}

static bool dm_have(const struct tp_spec *s, const char *sheet)
{
    int k = spec_sheet_kind(sheet);
    return k >= 0 && s->have[k];
}

/* Column by the first of several names (NULL-terminated), or -1. */
static long dm_col(const struct sheet *sh, const char *n1, const char *n2, const char *n3)
{
    long c = sheet_col(sh, n1);
    if (c < 0 && n2)
        c = sheet_col(sh, n2);
    if (c < 0 && n3)
        c = sheet_col(sh, n3);
    return c;
}

static size_t dm_row_of_line(const struct sheet *sh, long line)
{
    for (size_t r = 0; r < sh->nrows; r++)
        if (sh->line[r] == line)
            return r;
    return (size_t)-1;
}

static char *dm_upper_alloc(const char *s)
{
    char *r = tp_strdup(s ? s : "");
    if (r)
        for (char *q = r; *q; q++)
            *q = (char)toupper((unsigned char)*q);
    return r;
}

static char *dm_lower(struct dpool *p, const char *s)
{
    char *r = dpool_strdup(p, s);
    if (r)
        for (char *q = r; *q; q++)
            *q = (char)tolower((unsigned char)*q);
    return r;
}

/* Define-XML data types (section 4.3.1), canonical spelling; NULL when s is not one. */
static const char *dm_datatype(const char *s)
{
    static const char *const types[] = {
        "text",
        "integer",
        "float",
        "date",
        "datetime",
        "time",
        "partialDate",
        "partialTime",
        "partialDatetime",
        "incompleteDatetime",
        "durationDatetime",
        "intervalDatetime",
        NULL,
    };
    if (!s || !*s)
        return NULL;
    for (size_t i = 0; types[i]; i++)
        if (strcasecmp(s, types[i]) == 0)
            return types[i];
    if (strcasecmp(s, "string") == 0 || strcasecmp(s, "char") == 0)
        return "text";
    if (strcasecmp(s, "double") == 0 || strcasecmp(s, "decimal") == 0)
        return "float";
    return NULL;
}

static bool dm_has_length(const char *dt)
{
    return strcmp(dt, "text") == 0 || strcmp(dt, "integer") == 0 || strcmp(dt, "float") == 0;
}

/* def:Class names (define-enumerations.xsd), from spec spellings such as "Special-Purpose". */
static const char *dm_class(const char *s)
{
    static const char *const classes[] = {
        "SPECIAL PURPOSE", "FINDINGS",     "FINDINGS ABOUT",  "EVENTS", "INTERVENTIONS",
        "TRIAL DESIGN",    "RELATIONSHIP", "STUDY REFERENCE", NULL,
    };
    char buf[64];
    size_t n = 0;
    if (!s)
        return NULL;
    for (; *s && n + 1 < sizeof buf; s++)
        buf[n++] = (*s == '-' || *s == '_') ? ' ' : (char)toupper((unsigned char)*s);
    buf[n] = '\0';
    for (size_t i = 0; classes[i]; i++)
        if (strcmp(buf, classes[i]) == 0)
            return classes[i];
    if (strcmp(buf, "SPECIAL PURPOSE DOMAINS") == 0)
        return "SPECIAL PURPOSE";
    return NULL;
}

/* Origin Type (closed list in 2.1) and Source from the spec's Origin/Source cells. */
static void dm_origin(const char *o, const char *src, const char **type, const char **source,
                      const char **desc)
{
    static const char *const sources[] = {"Investigator", "Sponsor", "Subject", "Vendor", NULL};
    bool edt = false;
    *type = *source = *desc = "";
    if (!o || !*o)
        return;
    if (dm_ieq(o, "CRF") || dm_ieq(o, "Collected") || dm_ieq(o, "CRF Page"))
        *type = "Collected";
    else if (dm_ieq(o, "eDT") || dm_ieq(o, "eDT Vendor")) {
        *type = "Collected";
        edt = true;
    } else if (dm_ieq(o, "Derived"))
        *type = "Derived";
    else if (dm_ieq(o, "Assigned"))
        *type = "Assigned";
    else if (dm_ieq(o, "Protocol"))
        *type = "Protocol";
    else if (dm_ieq(o, "Predecessor"))
        *type = "Predecessor";
    else if (dm_ieq(o, "Not Available"))
        *type = "Not Available";
    else {
        *type = "Other";
        *desc = o;
    }
    for (size_t i = 0; src && sources[i]; i++)
        if (dm_ieq(src, sources[i]))
            *source = sources[i];
    if (!**source) {
        if (strcmp(*type, "Collected") == 0)
            *source = edt ? "Vendor" : "Investigator";
        else if (strcmp(*type, "Not Available") != 0 && strcmp(*type, "Other") != 0)
            *source = "Sponsor";
        if (strcmp(*type, "Predecessor") == 0 && src && *src)
            *desc = src;
    }
}

/* ---------------------------------------------------------------- value statistics */

struct vstat {
    size_t maxlen; /* bytes of the longest value */
    size_t maxdec; /* most decimals of a numeric value */
    bool any, all_int, all_num;
};

static void vstat_init(struct vstat *s)
{
    memset(s, 0, sizeof *s);
    s->all_int = s->all_num = true;
}

/* Plain decimal: -?(0|[1-9][0-9]*)(\.[0-9]+)?; *dec = digits after the point. */
static bool dm_is_number(const char *v, size_t n, size_t *dec)
{
    size_t i = 0, d0;
    *dec = 0;
    if (i < n && v[i] == '-')
        i++;
    d0 = i;
    while (i < n && isdigit((unsigned char)v[i]))
        i++;
    if (i == d0 || (i - d0 > 1 && v[d0] == '0'))
        return false;
    if (i < n && v[i] == '.') {
        size_t f = ++i;
        while (i < n && isdigit((unsigned char)v[i]))
            i++;
        if (i == f)
            return false;
        *dec = i - f;
    }
    return i == n;
}

static void vstat_add(struct vstat *s, const char *v, size_t n)
{
    size_t dec;
    if (n == 0)
        return;
    s->any = true;
    if (n > s->maxlen)
        s->maxlen = n;
    if (dm_is_number(v, n, &dec)) {
        if (dec > s->maxdec)
            s->maxdec = dec;
        if (dec)
            s->all_int = false;
    } else {
        s->all_num = s->all_int = false;
    }
}

/* Cell text: CHAR bytes, or the shortest round-trip decimal of a NUM ("" when missing). */
static const char *dm_cell(const struct tp_dataset *b, size_t row, size_t var, char *buf,
                           size_t size, size_t *len)
{
    const struct tp_var *v = tp_dataset_var(b, var);
    if (v->type == TP_CHAR) {
        const char *s = tp_dataset_str(b, row, var, len);
        while (*len && s[*len - 1] == ' ')
            (*len)--;
        return s ? s : "";
    } else {
        char miss;
        double d = tp_dataset_num(b, row, var, &miss);
        if (miss != TP_PRESENT) {
            *len = 0;
            return "";
        }
        *len = tp_format_double(d, buf, size);
        return buf;
    }
}

/* ---------------------------------------------------------------- data files */

struct fvar {
    char *name, *label;
    enum tp_vartype type;
    size_t length;
    char fmt[48];
    struct vstat st;
};

/* A value-level slice: where-clause conditions over one parent variable, with its statistics. */
struct cond {
    long var; /* variable index in the file, -1 when not in it */
    const char *varname, *comparator;
    const char **vals;
    size_t nvals;
};

struct slice {
    long parent;     /* parent variable (file index) */
    const char *key; /* grouping value (data-driven) or NULL */
    struct cond *conds;
    size_t nconds;
    long spec_row;          /* ValueLevel.csv row, or -1 */
    long group;             /* data-driven grouping index, -1 for ValueLevel.csv */
    const char *label;      /* --TEST / QLABEL seen with the key */
    const char *orig;       /* QORIG seen with the key */
    const char *wc_id;      /* WhereClauses.csv ID (ValueLevel.csv), or NULL */
    const char *wc_comment; /* its Comment cell */
    long labelvar;          /* --TEST when a condition tests --TESTCD (spec slices), or -1 */
    struct vstat st;
};

struct grouping { /* data-driven: slices of parents[] per value of keyvar */
    long keyvar, labelvar, origvar;
    long parents[3];
    size_t nparents;
    struct dindex index; /* key value -> first slice index */
};

struct dfile {
    char *path, *file, *name, *label;
    struct fvar *vars;
    size_t nvars;
    size_t nrows;
    long spec_ds; /* index in spec->ds, or -1 */
};

static void dfile_release(struct dfile *f)
{
    for (size_t i = 0; i < f->nvars; i++) {
        tp_free(f->vars[i].name);
        tp_free(f->vars[i].label);
    }
    tp_free(f->vars);
    tp_free(f->path);
    tp_free(f->file);
    tp_free(f->name);
    tp_free(f->label);
    memset(f, 0, sizeof *f);
}

static bool dm_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

static int dm_file_rank(const char *name)
{
    if (dm_ext(name, ".xpt"))
        return 1;
    if (dm_ext(name, ".json"))
        return 2;
    if (dm_ext(name, ".ndjson"))
        return 3;
    if (dm_ext(name, ".dsjc"))
        return 4;
    return 0;
}

static int dm_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Data files of dir, one per stem (XPT preferred), sorted by name. */
static int dm_list_files(const char *dir, char ***out, size_t *n, struct tp_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t cnt = 0, cap = 0;
    struct tp_loc loc;
    *out = NULL;
    *n = 0;
    if (!d) {
        tp_loc_init(&loc);
        tp_loc_set_path(&loc, dir);
        return tp_fail_at(err, TP_E_IO, &loc, "cannot open data folder '%s'", dir);
    }
    while ((e = readdir(d)) != NULL) {
        char **slot;
        if (e->d_name[0] == '.' || dm_file_rank(e->d_name) == 0)
            continue;
        if (!(slot = dvec_push(&names, &cnt, &cap, sizeof *names)) ||
            !(*slot = tp_strdup(e->d_name))) {
            closedir(d);
            for (size_t i = 0; i < cnt; i++)
                tp_free(names[i]);
            tp_free(names);
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        }
    }
    closedir(d);
    if (cnt)
        qsort(names, cnt, sizeof *names, dm_strcmp);
    /* keep the best-ranked file per stem */
    {
        size_t w = 0;
        for (size_t i = 0; i < cnt; i++) {
            const char *dot = strrchr(names[i], '.');
            size_t stem = (size_t)(dot - names[i]);
            bool drop = false;
            for (size_t j = 0; j < cnt && !drop; j++) {
                const char *dj;
                if (j == i || !names[j])
                    continue;
                dj = strrchr(names[j], '.');
                if ((size_t)(dj - names[j]) == stem && strncmp(names[i], names[j], stem) == 0 &&
                    dm_file_rank(names[j]) < dm_file_rank(names[i]))
                    drop = true;
            }
            if (drop) {
                tp_free(names[i]);
                names[i] = NULL;
            }
        }
        for (size_t i = 0; i < cnt; i++)
            if (names[i])
                names[w++] = names[i];
        cnt = w;
    }
    *out = names;
    *n = cnt;
    return TP_OK;
}

/* ---------------------------------------------------------------- the builder */

struct builder {
    struct dm_doc *d;
    const struct tp_spec *s;
    struct tp_error *err;
    const char *data_dir;
    const char *ig_std, *ct_std, *acrf_leaf;
    struct dindex it_index; /* ItemDef OID -> index */
    bool *cl_used;          /* per spec codelist */
    long *cl_emitted;       /* spec codelist -> dm cls index, -1 */
    const char **cl_type;   /* DataType of the first ItemDef using the codelist */
    struct dindex mt_index, com_index, leaf_index; /* OIDs already emitted */
    struct sheet std_ds, std_vars;
    bool have_std;
    struct dfile *files;
    size_t nfiles;
};

static int dm_nomem(struct builder *b)
{
    return tp_fail(b->err, TP_E_NOMEM, "out of memory");
}

/* Make oid unique among every OID of the document (suffix .2, .3 ...). */
static const char *dm_unique(struct builder *b, const char *oid)
{
    bool added;
    const char *o = oid;
    for (int k = 2; o; k++) {
        if (dindex_put(&b->d->oids, o, 0, &added))
            return NULL;
        if (added)
            return o;
        o = dpool_printf(&b->d->pool, "%s.%d", oid, k);
    }
    return NULL;
}

static int dm_read_text(const char *path, char **data, size_t *n)
{
    FILE *f = fopen(path, "rb");
    struct tp_strbuf sb;
    char buf[65536];
    size_t got;
    *data = NULL;
    *n = 0;
    if (!f)
        return TP_E_IO;
    tp_strbuf_init(&sb);
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        if (tp_strbuf_add(&sb, buf, got)) {
            fclose(f);
            tp_strbuf_release(&sb);
            return TP_E_NOMEM;
        }
    fclose(f);
    tp_strbuf_cstr(&sb);
    *data = sb.buf ? sb.buf : tp_strdup("");
    *n = sb.len;
    return *data ? TP_OK : TP_E_NOMEM;
}

/* The SDTMIG tables shipped in mappings/standards (optional: labels, classes, structures). */
static void dm_load_standards(struct builder *b, const char *igver)
{
    char path[4096];
    char *data;
    size_t n;
    snprintf(path, sizeof path, "%s/mappings/standards/sdtmig-%s/datasets.csv", tp_datadir(),
             igver);
    if (dm_read_text(path, &data, &n) == TP_OK) {
        if (sheet_parse(&b->std_ds, "datasets.csv", data, n, NULL) == TP_OK)
            b->have_std = true;
        tp_free(data);
    }
    snprintf(path, sizeof path, "%s/mappings/standards/sdtmig-%s/variables.csv", tp_datadir(),
             igver);
    if (b->have_std && dm_read_text(path, &data, &n) == TP_OK) {
        if (sheet_parse(&b->std_vars, "variables.csv", data, n, NULL) != TP_OK)
            sheet_release(&b->std_vars);
        tp_free(data);
    }
}

static long dm_std_ds_row(const struct builder *b, const char *name)
{
    long c = sheet_col(&b->std_ds, "Dataset");
    if (!b->have_std || c < 0)
        return -1;
    for (size_t r = 0; r < b->std_ds.nrows; r++)
        if (dm_ieq(sheet_get(&b->std_ds, r, c), name))
            return (long)r;
    return -1;
}

/* Standard variable row: dataset (SUPP-- -> SUPPQUAL), variable name with -- prefixes. */
static long dm_std_var_row(const struct builder *b, const char *ds, const char *domain,
                           const char *var)
{
    long cd = sheet_col(&b->std_vars, "Dataset"), cv = sheet_col(&b->std_vars, "Variable");
    if (cd < 0 || cv < 0)
        return -1;
    for (size_t r = 0; r < b->std_vars.nrows; r++) {
        const char *sd = sheet_get(&b->std_vars, r, cd), *sv = sheet_get(&b->std_vars, r, cv);
        if (!dm_ieq(sd, ds))
            continue;
        if (dm_ieq(sv, var))
            return (long)r;
        if (strncmp(sv, "--", 2) == 0 && domain && strlen(domain) == 2 &&
            strncasecmp(var, domain, 2) == 0 && dm_ieq(sv + 2, var + 2))
            return (long)r;
    }
    return -1;
}

/* ---------------------------------------------------------------- documents, comments, methods */

/* OID of a sheet ID: kept when it already has the prefix ("MT.AGE"), else prefix + ID; a
   document ID "DOC.ACRF" becomes the leaf ID "LF.ACRF". */
static char *dm_idoid(struct dpool *p, const char *prefix, const char *id)
{
    size_t n = strlen(prefix);
    if (strncasecmp(id, prefix, n) == 0 && id[n])
        return define_oid(p, "", id, NULL, NULL);
    if (strcmp(prefix, "LF.") == 0 && strncasecmp(id, "DOC.", 4) == 0 && id[4])
        return define_oid(p, prefix, id + 4, NULL, NULL);
    return define_oid(p, prefix, id, NULL, NULL);
}

static const char *dm_doc_leaf(struct builder *b, const char *doc_id, const struct sheet *sh,
                               size_t row, long col)
{
    size_t i;
    const char *oid;
    if (!doc_id || !*doc_id)
        return "";
    oid = dm_idoid(&b->d->pool, "LF.", doc_id);
    if (!oid)
        return NULL;
    if (!dindex_get(&b->leaf_index, oid, &i)) {
        sheet_fail(b->err, TP_E_SPEC, sh, row, col, "document '%s' not in Documents.csv", doc_id);
        return NULL;
    }
    return b->d->leafs[i].id;
}

static int dm_documents(struct builder *b)
{
    const struct sheet *sh = &b->s->docs_sh;
    long c_id, c_title, c_href, c_type;
    if (!dm_have(b->s, "Documents.csv"))
        return TP_OK;
    c_id = dm_col(sh, "ID", "Document", "OID");
    c_title = dm_col(sh, "Title", "Name", NULL);
    c_href = dm_col(sh, "Href", "File", "Path");
    c_type = dm_col(sh, "Type", "Kind", NULL);
    if (c_id < 0 || c_href < 0)
        return sheet_fail(b->err, TP_E_SPEC, sh, (size_t)-1, -1,
                          "Documents.csv needs columns ID and Href");
    for (size_t r = 0; r < sh->nrows; r++) {
        const char *id = sheet_get(sh, r, c_id), *href = sheet_get(sh, r, c_href);
        const char *type = sheet_get(sh, r, c_type);
        struct dm_leaf *l;
        bool added;
        if (!*id)
            continue;
        if (!*href)
            return sheet_fail(b->err, TP_E_SPEC, sh, r, c_href, "document '%s' has no file", id);
        if (!(l = dvec_push(&b->d->leafs, &b->d->nleafs, &b->d->leafcap, sizeof *l)))
            return dm_nomem(b);
        l->id = dm_idoid(&b->d->pool, "LF.", id);
        l->href = dpool_strdup(&b->d->pool, href);
        l->title = dpool_strdup(&b->d->pool,
                                *sheet_get(sh, r, c_title) ? sheet_get(sh, r, c_title) : href);
        if (!l->id || !l->href || !l->title)
            return dm_nomem(b);
        if (*type)
            l->kind =
                (strcasestr(type, "crf") || strcasestr(type, "annotated")) ? 1
                : (strcasestr(type, "supp") || strcasestr(type, "rg") || strcasestr(type, "guide"))
                    ? 2
                    : 0;
        else
            l->kind = strcasestr(id, "crf") ? 1 : 2;
        if (dindex_put(&b->leaf_index, l->id, b->d->nleafs - 1, &added))
            return dm_nomem(b);
        if (!added)
            return sheet_fail(b->err, TP_E_SPEC, sh, r, c_id, "duplicate document '%s'", id);
        if (l->kind == 1 && !b->acrf_leaf)
            b->acrf_leaf = l->id;
    }
    return TP_OK;
}

/* CommentOID for a Comment cell: an ID of Comments.csv, or inline text (owner names the OID). */
static const char *dm_comment(struct builder *b, const char *text, const char *owner)
{
    const struct sheet *sh = &b->s->comments_sh;
    const char *oid;
    struct dm_com *c;
    size_t i;
    long row = -1;
    if (!text || !*text)
        return "";
    if (dm_have(b->s, "Comments.csv")) {
        long c_id = dm_col(sh, "ID", "OID", NULL);
        for (size_t r = 0; c_id >= 0 && r < sh->nrows; r++)
            if (dm_ieq(sheet_get(sh, r, c_id), text)) {
                row = (long)r;
                break;
            }
    }
    oid =
        row >= 0 ? dm_idoid(&b->d->pool, "COM.", text) : dpool_printf(&b->d->pool, "COM.%s", owner);
    if (!oid)
        return NULL;
    if (dindex_get(&b->com_index, oid, &i))
        return b->d->coms[i].oid;
    if (!(c = dvec_push(&b->d->coms, &b->d->ncoms, &b->d->comcap, sizeof *c)))
        return NULL;
    if (!(c->oid = dm_unique(b, oid)))
        return NULL;
    if (dindex_put(&b->com_index, oid, b->d->ncoms - 1, NULL))
        return NULL;
    c->doc.leaf = c->doc.pages = "";
    if (row >= 0) {
        long c_desc = dm_col(sh, "Description", "Comment", "Text");
        long c_doc = dm_col(sh, "Document", "Documents", "leafID");
        long c_pages = dm_col(sh, "Pages", "PageRefs", NULL);
        c->desc = dpool_strdup(&b->d->pool, sheet_get(sh, (size_t)row, c_desc));
        c->doc.leaf = dm_doc_leaf(b, sheet_get(sh, (size_t)row, c_doc), sh, (size_t)row, c_doc);
        c->doc.pages = dpool_strdup(&b->d->pool, sheet_get(sh, (size_t)row, c_pages));
        if (!c->doc.leaf)
            return NULL;
    } else
        c->desc = dpool_strdup(&b->d->pool, text);
    return c->oid;
}

/* A description of what a Rules.csv derivation does, for variables derived without a Method. */
static const char *dm_rule_desc(struct builder *b, const char *ds, const char *var)
{
    static const struct {
        const char *name, *text;
    } derive_text[] = {
        {"seq", "Sequence number of the record within the subject, in the order of the "
                "dataset's keys."},
        {"dy", "Study day: date minus RFSTDTC plus 1 on or after RFSTDTC, date minus RFSTDTC "
               "before it (SDTMIG 3.4 section 4.4.4)."},
        {"epoch", "Epoch of the trial element (SE) the date falls in."},
        {"visitnum", "Visit number of the planned visit (TV), or a fractional number for an "
                     "unscheduled visit after the preceding planned one."},
        {"visit", "Visit name of the planned visit (TV), or UNSCHEDULED n.n."},
        {"visitdy", "Planned study day of the visit (TV.VISITDY)."},
        {"lobxfl", "Y on the last non-missing record before the first exposure (EX), per "
                   "subject and test."},
        {"blfl", "Y on the baseline record: the last non-missing record before the first "
                 "exposure, per subject and test."},
        {"age", "Integer years between BRTHDTC and RFICDTC (partial birth dates use the first "
                "day of the period)."},
        {"usubjid", "STUDYID, SITEID and SUBJID joined with '-'."},
        {"arm", "Arm name of ARMCD (TA)."},
        {"actarm", "Arm name of ACTARMCD (TA)."},
        {"dthfl", "Y when the subject died (AE outcome FATAL or a death date)."},
        {NULL, NULL},
    };
    struct tp_strbuf sb;
    const char *r;
    tp_strbuf_init(&sb);
    for (size_t i = 0; i < b->s->nrules; i++) {
        const struct spec_rule *ru = &b->s->rules[i];
        if (!dm_ieq(ru->dataset, ds) || !dm_ieq(ru->variable, var))
            continue;
        if (sb.len)
            tp_strbuf_adds(&sb, " ");
        if (*ru->comment)
            tp_strbuf_adds(&sb, ru->comment);
        else {
            const char *t = NULL;
            for (size_t k = 0; ru->alg == ALG_DERIVE && derive_text[k].name; k++)
                if (dm_ieq(ru->source, derive_text[k].name))
                    t = derive_text[k].text;
            if (t)
                tp_strbuf_adds(&sb, t);
            else {
                tp_strbuf_addf(&sb, "%s", ru->algorithm);
                if (*ru->source)
                    tp_strbuf_addf(&sb, " of %s", ru->source);
                if (*ru->params)
                    tp_strbuf_addf(&sb, " (%s)", ru->params);
                if (*ru->condition)
                    tp_strbuf_addf(&sb, " when %s", ru->condition);
                tp_strbuf_adds(&sb, ".");
            }
        }
    }
    if (!sb.len)
        tp_strbuf_addf(&sb,
                       "%s.%s is derived by the mapping program (trialpack sdtm) as the "
                       "study's mapping spec describes.",
                       ds, var);
    r = dpool_strdup(&b->d->pool, tp_strbuf_cstr(&sb));
    tp_strbuf_release(&sb);
    return r;
}

/* MethodOID for a Method cell (ID of Methods.csv or inline text); derived without one: from
   Rules.csv. */
static const char *dm_method(struct builder *b, const char *text, bool derived, const char *ds,
                             const char *var)
{
    const struct sheet *sh = &b->s->methods_sh;
    const char *oid;
    struct dm_mt *m;
    size_t i;
    long row = -1;
    if ((!text || !*text) && !derived)
        return "";
    if (text && *text && dm_have(b->s, "Methods.csv")) {
        long c_id = dm_col(sh, "ID", "OID", "Method");
        for (size_t r = 0; c_id >= 0 && r < sh->nrows; r++)
            if (dm_ieq(sheet_get(sh, r, c_id), text)) {
                row = (long)r;
                break;
            }
    }
    oid = row >= 0 ? dm_idoid(&b->d->pool, "MT.", text)
                   : define_oid(&b->d->pool, "MT.", ds, var, NULL);
    if (!oid)
        return NULL;
    if (dindex_get(&b->mt_index, oid, &i))
        return b->d->mts[i].oid;
    if (!(m = dvec_push(&b->d->mts, &b->d->nmts, &b->d->mtcap, sizeof *m)))
        return NULL;
    if (!(m->oid = dm_unique(b, oid)) || dindex_put(&b->mt_index, oid, b->d->nmts - 1, NULL))
        return NULL;
    m->doc.leaf = m->doc.pages = "";
    m->type = "Computation";
    if (row >= 0) {
        size_t r = (size_t)row;
        long c_name = dm_col(sh, "Name", NULL, NULL), c_type = dm_col(sh, "Type", NULL, NULL);
        long c_desc = dm_col(sh, "Description", "Text", NULL);
        long c_ctx = dm_col(sh, "Context", "ExpressionContext", "Language");
        long c_expr = dm_col(sh, "Expression Code", "Expression", "FormalExpression");
        long c_doc = dm_col(sh, "Document", "Documents", "leafID");
        long c_pages = dm_col(sh, "Pages", "PageRefs", NULL);
        const char *t = sheet_get(sh, r, c_type);
        m->name =
            dpool_strdup(&b->d->pool, *sheet_get(sh, r, c_name) ? sheet_get(sh, r, c_name) : text);
        if (dm_ieq(t, "Imputation"))
            m->type = "Imputation";
        m->desc = dpool_strdup(&b->d->pool, sheet_get(sh, r, c_desc));
        if (m->desc && !*m->desc)
            m->desc = m->name;
        m->expr_ctx = dpool_strdup(&b->d->pool, sheet_get(sh, r, c_ctx));
        m->expr = dpool_strdup(&b->d->pool, sheet_get(sh, r, c_expr));
        m->doc.leaf = dm_doc_leaf(b, sheet_get(sh, r, c_doc), sh, r, c_doc);
        m->doc.pages = dpool_strdup(&b->d->pool, sheet_get(sh, r, c_pages));
        if (!m->doc.leaf)
            return NULL;
    } else {
        m->name = dpool_printf(&b->d->pool, "Algorithm to derive %s.%s", ds, var);
        m->desc = text && *text ? dpool_strdup(&b->d->pool, text) : dm_rule_desc(b, ds, var);
    }
    if (!m->name || !m->desc)
        return NULL;
    return m->oid;
}

/* ---------------------------------------------------------------- codelists */

static const char *dm_codelist(struct builder *b, long cl, const char *item_type)
{
    const struct spec_codelist *c;
    struct dm_cl *o;
    if (cl < 0 || (size_t)cl >= b->s->ncls)
        return "";
    if (b->cl_emitted[cl] >= 0)
        return b->d->cls[b->cl_emitted[cl]].oid;
    c = &b->s->cls[cl];
    if (!(o = dvec_push(&b->d->cls, &b->d->ncls, &b->d->clcap, sizeof *o)))
        return NULL;
    b->cl_emitted[cl] = (long)b->d->ncls - 1;
    if (!(o->oid = dm_unique(b, define_oid(&b->d->pool, "CL.", c->id, NULL, NULL))))
        return NULL;
    o->name = dpool_strdup(&b->d->pool, *c->name ? c->name : c->id);
    {
        const char *dt = dm_datatype(c->datatype);
        if (!dt || (strcmp(dt, "integer") != 0 && strcmp(dt, "float") != 0))
            dt = "text";
        if (!*c->datatype && item_type &&
            (strcmp(item_type, "integer") == 0 || strcmp(item_type, "float") == 0))
            dt = item_type;
        o->datatype = dt;
    }
    o->nci = dpool_strdup(&b->d->pool, c->nci);
    o->std_oid = *c->nci && b->ct_std ? b->ct_std : "";
    for (size_t k = 0; k < c->nterms; k++) {
        const struct spec_term *t = &c->terms[k];
        struct dm_term *ot;
        if (!(ot = dvec_push(&o->terms, &o->nterms, &o->cap, sizeof *ot)))
            return NULL;
        ot->coded = t->term;
        ot->decode = t->decode;
        ot->nci = t->code;
        ot->extended = t->extended;
        if (*t->decode)
            o->decoded = true;
    }
    return o->oid;
}

/* ---------------------------------------------------------------- items */

struct itemspec { /* what an ItemDef needs, from the spec or defaults */
    const char *label, *datatype, *format, *origin, *source, *method, *comment, *pages, *role,
        *mandatory;
    long cl;
    long length; /* spec length (0 none) */
    int sigdig;  /* spec significant digits (-1 none) */
};

/* Length/SignificantDigits for a data type from the statistics (and the declared length). */
static void dm_lengths(const char *dt, const struct vstat *st, size_t declared, long *len,
                       long *sig)
{
    *len = -1;
    *sig = -1;
    if (!dm_has_length(dt))
        return;
    if (strcmp(dt, "text") == 0)
        *len = (long)(declared ? declared : st->maxlen);
    else
        *len = (long)st->maxlen;
    if (*len < 1)
        *len = 1;
    if (strcmp(dt, "float") == 0)
        *sig = (long)st->maxdec;
}

/* Add an ItemDef; returns its OID. */
static const char *dm_add_item(struct builder *b, const char *oid, const char *name,
                               const struct itemspec *is, const char *datatype, long length,
                               long sigdig, const char *owner_ds, const char *owner_var)
{
    struct dm_it *t;
    const char *otype, *osrc, *odesc;
    if (!(t = dvec_push(&b->d->its, &b->d->nits, &b->d->itcap, sizeof *t)))
        return NULL;
    if (!(t->oid = dm_unique(b, oid)) || dindex_put(&b->it_index, t->oid, b->d->nits - 1, NULL))
        return NULL;
    /* copies: the strings may belong to a data file's metadata, freed before writing */
    t->name = dpool_strdup(&b->d->pool, name);
    t->label = dpool_strdup(&b->d->pool, is->label);
    t->datatype = datatype;
    t->length = length;
    t->sigdig = sigdig;
    t->display_format = dpool_strdup(&b->d->pool, is->format);
    if (!t->name || !t->label || !t->display_format)
        return NULL;
    t->doc.leaf = t->doc.pages = "";
    t->codelist_oid = dm_codelist(b, is->cl, datatype);
    if (!t->codelist_oid)
        return NULL;
    t->comment_oid =
        dm_comment(b, is->comment, dpool_printf(&b->d->pool, "%s.%s", owner_ds, owner_var));
    if (!t->comment_oid)
        return NULL;
    dm_origin(is->origin, is->source, &otype, &osrc, &odesc);
    t->origin = otype;
    t->source = osrc;
    if (!(t->origin_desc = dpool_strdup(&b->d->pool, odesc)))
        return NULL;
    if (strcmp(otype, "Collected") == 0 && b->acrf_leaf &&
        (strcmp(osrc, "Investigator") == 0 || strcmp(osrc, "Subject") == 0)) {
        t->doc.leaf = b->acrf_leaf;
        t->doc.pages = is->pages ? is->pages : "";
    }
    t->vl_oid = "";
    return t->oid;
}

static bool dm_mandatory(const struct itemspec *is)
{
    if (is->mandatory && *is->mandatory)
        return dm_ieq(is->mandatory, "Yes") || dm_ieq(is->mandatory, "Y");
    return false;
}

/* Item description from a spec variable. */
static void dm_itemspec_var(const struct builder *b, const struct spec_var *v, struct itemspec *is)
{
    const struct sheet *sh = &b->s->variables_sh;
    size_t row = dm_row_of_line(sh, v->line);
    memset(is, 0, sizeof *is);
    is->label = v->label;
    is->datatype = v->datatype;
    is->format = v->format;
    is->origin = v->origin;
    is->source = v->source;
    is->method = v->method;
    is->comment = v->comment;
    is->role = v->role;
    is->mandatory = *v->mandatory ? v->mandatory : dm_ieq(v->core, "Req") ? "Yes" : "No";
    is->cl = v->cl;
    is->length = (long)v->length;
    is->sigdig = v->sigdig;
    is->pages =
        row != (size_t)-1 ? sheet_get(sh, row, dm_col(sh, "Pages", "CRF Pages", "PageRefs")) : "";
}

/* ---------------------------------------------------------------- reading the data */

/* Evaluate one condition against a row. */
static bool dm_cond_true(const struct cond *c, const struct tp_dataset *bt, size_t row)
{
    char buf[40];
    size_t len;
    const char *v;
    bool in = false;
    if (c->var < 0)
        return false;
    v = dm_cell(bt, row, (size_t)c->var, buf, sizeof buf, &len);
    if (strcmp(c->comparator, "EQ") == 0 || strcmp(c->comparator, "NE") == 0 ||
        strcmp(c->comparator, "IN") == 0 || strcmp(c->comparator, "NOTIN") == 0) {
        for (size_t k = 0; k < c->nvals && !in; k++)
            in = strlen(c->vals[k]) == len && memcmp(c->vals[k], v, len) == 0;
        return (strcmp(c->comparator, "EQ") == 0 || strcmp(c->comparator, "IN") == 0) ? in : !in;
    }
    if (c->nvals < 1 || len == 0)
        return false;
    {
        double x, y;
        int cmp;
        if (tp_parse_double(v, len, &x) && tp_parse_double(c->vals[0], strlen(c->vals[0]), &y))
            cmp = x < y ? -1 : x > y ? 1 : 0;
        else {
            size_t m = strlen(c->vals[0]);
            cmp = memcmp(v, c->vals[0], len < m ? len : m);
            if (!cmp)
                cmp = len < m ? -1 : len > m ? 1 : 0;
        }
        if (strcmp(c->comparator, "LT") == 0)
            return cmp < 0;
        if (strcmp(c->comparator, "LE") == 0)
            return cmp <= 0;
        if (strcmp(c->comparator, "GT") == 0)
            return cmp > 0;
        return cmp >= 0; /* GE */
    }
}

static long dm_file_var(const struct dfile *f, const char *name)
{
    for (size_t i = 0; i < f->nvars; i++)
        if (dm_ieq(f->vars[i].name, name))
            return (long)i;
    return -1;
}

/* Read a data file: variable metadata, statistics, and slices of the value-level plan. */
static int dm_read_file(struct builder *b, struct dfile *f, struct slice **slices, size_t *nslices,
                        size_t *slcap, struct grouping *groups, size_t ngroups)
{
    struct tp_reader *r = NULL;
    int rc;
    char buf[40];
    if ((rc = tp_reader_open(f->path, NULL, NULL, &r, b->err))) {
        tp_error_set_path(b->err, f->path);
        return rc;
    }
    for (;;) {
        const struct tp_dataset *bt;
        size_t n;
        if ((rc = tp_reader_next(r, DM_BATCH, &bt, b->err))) {
            tp_error_set_path(b->err, f->path);
            break;
        }
        n = tp_dataset_nrows(bt);
        if (n == 0)
            break;
        f->nrows += n;
        for (size_t row = 0; row < n; row++) {
            for (size_t v = 0; v < f->nvars; v++) {
                size_t len;
                const char *s = dm_cell(bt, row, v, buf, sizeof buf, &len);
                vstat_add(&f->vars[v].st, s, len);
            }
            /* spec-driven slices */
            for (size_t k = 0; k < *nslices; k++) {
                struct slice *sl = &(*slices)[k];
                bool ok = sl->key == NULL && sl->nconds > 0 && sl->parent >= 0;
                for (size_t c = 0; ok && c < sl->nconds; c++)
                    ok = dm_cond_true(&sl->conds[c], bt, row);
                if (ok) {
                    size_t len;
                    const char *s = dm_cell(bt, row, (size_t)sl->parent, buf, sizeof buf, &len);
                    vstat_add(&sl->st, s, len);
                    if (sl->labelvar >= 0 && !sl->label) {
                        s = dm_cell(bt, row, (size_t)sl->labelvar, buf, sizeof buf, &len);
                        if (len && !(sl->label = dpool_strndup(&b->d->pool, s, len))) {
                            rc = dm_nomem(b);
                            goto out;
                        }
                    }
                }
            }
            /* data-driven groupings */
            for (size_t g = 0; g < ngroups; g++) {
                struct grouping *gr = &groups[g];
                size_t klen, first;
                const char *k = dm_cell(bt, row, (size_t)gr->keyvar, buf, sizeof buf, &klen);
                char *key;
                if (klen == 0)
                    continue;
                if (!(key = dpool_strndup(&b->d->pool, k, klen))) {
                    rc = dm_nomem(b);
                    goto out;
                }
                if (!dindex_get(&gr->index, key, &first)) {
                    first = *nslices;
                    if (dindex_put(&gr->index, key, first, NULL)) {
                        rc = dm_nomem(b);
                        goto out;
                    }
                    for (size_t p = 0; p < gr->nparents; p++) {
                        struct slice *sl = dvec_push(slices, nslices, slcap, sizeof *sl);
                        if (!sl) {
                            rc = dm_nomem(b);
                            goto out;
                        }
                        sl->parent = gr->parents[p];
                        sl->key = key;
                        sl->spec_row = -1;
                        sl->group = (long)g;
                        sl->labelvar = -1;
                        vstat_init(&sl->st);
                        if (gr->labelvar >= 0) {
                            size_t ll;
                            const char *lv =
                                dm_cell(bt, row, (size_t)gr->labelvar, buf, sizeof buf, &ll);
                            sl->label = dpool_strndup(&b->d->pool, lv, ll);
                        }
                        if (gr->origvar >= 0) {
                            size_t ll;
                            const char *ov =
                                dm_cell(bt, row, (size_t)gr->origvar, buf, sizeof buf, &ll);
                            sl->orig = dpool_strndup(&b->d->pool, ov, ll);
                        }
                    }
                }
                for (size_t p = 0; p < gr->nparents; p++) {
                    size_t len;
                    struct slice *sl = &(*slices)[first + p];
                    const char *s = dm_cell(bt, row, (size_t)sl->parent, buf, sizeof buf, &len);
                    vstat_add(&sl->st, s, len);
                }
            }
        }
    }
out:
    tp_reader_close(r);
    return rc;
}

/* Open a data file for its metadata only. */
static int dm_open_meta(struct builder *b, struct dfile *f)
{
    struct tp_reader *r = NULL;
    const struct tp_dataset *m;
    int rc = tp_reader_open(f->path, NULL, NULL, &r, b->err);
    if (rc) {
        tp_error_set_path(b->err, f->path);
        return rc;
    }
    m = tp_reader_meta(r);
    f->name = dm_upper_alloc(tp_dataset_name(m));
    f->label = tp_strdup(tp_dataset_label(m) ? tp_dataset_label(m) : "");
    f->nvars = tp_dataset_nvars(m);
    f->vars = tp_calloc(f->nvars ? f->nvars : 1, sizeof *f->vars);
    if (!f->name || !f->label || !f->vars) {
        tp_reader_close(r);
        return dm_nomem(b);
    }
    if (!*f->name) {
        /* Dataset-JSON without a name, or an unnamed member: the file stem */
        const char *dot = strrchr(f->file, '.');
        tp_free(f->name);
        f->name = tp_strndup(f->file, dot ? (size_t)(dot - f->file) : strlen(f->file));
        for (char *q = f->name; q && *q; q++)
            *q = (char)toupper((unsigned char)*q);
        if (!f->name) {
            tp_reader_close(r);
            return dm_nomem(b);
        }
    }
    for (size_t i = 0; i < f->nvars; i++) {
        const struct tp_var *v = tp_dataset_var(m, i);
        struct fvar *fv = &f->vars[i];
        fv->name = tp_strdup(v->name);
        fv->label = tp_strdup(v->label ? v->label : "");
        fv->type = v->type;
        fv->length = v->type == TP_CHAR ? v->length : 0;
        tp_var_format_text(v, false, fv->fmt, sizeof fv->fmt);
        if (!fv->fmt[0] && v->display_format)
            snprintf(fv->fmt, sizeof fv->fmt, "%s", v->display_format);
        vstat_init(&fv->st);
        if (!fv->name || !fv->label) {
            tp_reader_close(r);
            return dm_nomem(b);
        }
    }
    tp_reader_close(r);
    return TP_OK;
}

/* ---------------------------------------------------------------- value-level plan */

/* Parse inline where text: COND (and COND)*, COND = VAR OP VALUE | VAR IN|NOTIN (v, v ...).
   VAR may be written DS.VAR; values may be quoted. */
static int dm_parse_where(struct builder *b, const struct dfile *f, const char *text,
                          struct slice *sl, const struct sheet *sh, size_t row, long col)
{
    static const char *const ops[] = {"EQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN", NULL};
    const char *p = text;
    while (*p) {
        char var[64], op[8];
        size_t n = 0;
        struct cond *c;
        const char *dot;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        while (*p && *p != ' ' && n + 1 < sizeof var)
            var[n++] = *p++;
        var[n] = '\0';
        while (*p == ' ')
            p++;
        n = 0;
        while (*p && *p != ' ' && *p != '(' && n + 1 < sizeof op)
            op[n++] = (char)toupper((unsigned char)*p++);
        op[n] = '\0';
        for (n = 0; ops[n] && strcmp(ops[n], op) != 0; n++)
            ;
        if (!ops[n] || !*var)
            return sheet_fail(b->err, TP_E_SPEC, sh, row, col,
                              "where clause '%s': expected VARIABLE EQ|NE|LT|LE|GT|GE|IN|NOTIN "
                              "VALUE",
                              text);
        if (!(c = dvec_push(&sl->conds, &sl->nconds, &(size_t){sl->nconds}, sizeof *c)))
            return dm_nomem(b);
        dot = strchr(var, '.');
        c->varname = dpool_strdup(&b->d->pool, dot ? dot + 1 : var);
        c->comparator = ops[n];
        c->var = dm_file_var(f, c->varname);
        if (c->var < 0)
            return sheet_fail(b->err, TP_E_SPEC, sh, row, col,
                              "where clause variable '%s' is not in the %s data", c->varname,
                              f->name);
        while (*p == ' ')
            p++;
        {
            bool list = *p == '(';
            size_t vcap = 0;
            if (list)
                p++;
            for (;;) {
                const char *v0;
                size_t vn;
                const char **slot;
                while (*p == ' ')
                    p++;
                if (*p == '\'' || *p == '"') {
                    char q = *p++;
                    v0 = p;
                    while (*p && *p != q)
                        p++;
                    vn = (size_t)(p - v0);
                    if (*p)
                        p++;
                } else {
                    v0 = p;
                    while (*p && (list ? (*p != ',' && *p != ')') : *p != ' '))
                        p++;
                    vn = (size_t)(p - v0);
                    while (vn && v0[vn - 1] == ' ')
                        vn--;
                }
                if (!(slot = dvec_push(&c->vals, &c->nvals, &vcap, sizeof *slot)) ||
                    !(*slot = dpool_strndup(&b->d->pool, v0, vn)))
                    return dm_nomem(b);
                while (*p == ' ')
                    p++;
                if (list && *p == ',') {
                    p++;
                    continue;
                }
                if (list && *p == ')')
                    p++;
                break;
            }
        }
        while (*p == ' ')
            p++;
        if (strncasecmp(p, "and ", 4) == 0)
            p += 4;
        else if (*p)
            return sheet_fail(b->err, TP_E_SPEC, sh, row, col,
                              "where clause '%s': expected 'and' before '%s'", text, p);
    }
    if (sl->nconds == 0)
        return sheet_fail(b->err, TP_E_SPEC, sh, row, col, "empty where clause");
    return TP_OK;
}

/* Conditions of WhereClauses.csv rows with id (ANDed). */
static int dm_where_id(struct builder *b, const struct dfile *f, const char *id, struct slice *sl,
                       const struct sheet *vsh, size_t vrow, long vcol)
{
    const struct sheet *sh = &b->s->where_sh;
    long c_id, c_var, c_cmp, c_val;
    if (!dm_have(b->s, "WhereClauses.csv"))
        return sheet_fail(b->err, TP_E_SPEC, vsh, vrow, vcol,
                          "where clause '%s' needs WhereClauses.csv (or write it inline: "
                          "VAR EQ value)",
                          id);
    c_id = dm_col(sh, "ID", "WhereClause", "OID");
    c_var = dm_col(sh, "Variable", "Item", NULL);
    c_cmp = dm_col(sh, "Comparator", "Operator", NULL);
    c_val = dm_col(sh, "Value", "Values", "CheckValue");
    if (c_id < 0 || c_var < 0 || c_cmp < 0 || c_val < 0)
        return sheet_fail(b->err, TP_E_SPEC, sh, (size_t)-1, -1,
                          "WhereClauses.csv needs columns ID, Variable, Comparator and Value");
    for (size_t r = 0; r < sh->nrows; r++) {
        const char *cmp = sheet_get(sh, r, c_cmp), *val = sheet_get(sh, r, c_val);
        int rc;
        if (!dm_ieq(sheet_get(sh, r, c_id), id))
            continue;
        if (!sl->wc_id) {
            long c_com = dm_col(sh, "Comment", NULL, NULL);
            sl->wc_id = sheet_get(sh, r, c_id);
            sl->wc_comment = sheet_get(sh, r, c_com);
        }
        {
            /* quote every value */
            struct tp_strbuf q;
            const char *p = val;
            tp_strbuf_init(&q);
            tp_strbuf_addf(&q, "%s %s (\"", sheet_get(sh, r, c_var), cmp);
            for (; *p; p++)
                if (*p == '|')
                    tp_strbuf_adds(&q, "\", \"");
                else
                    tp_strbuf_addc(&q, *p);
            tp_strbuf_adds(&q, "\")");
            rc = dm_parse_where(b, f, tp_strbuf_cstr(&q), sl, sh, r, c_val);
            tp_strbuf_release(&q);
        }
        if (rc)
            return rc;
    }
    if (sl->nconds == 0)
        return sheet_fail(b->err, TP_E_SPEC, vsh, vrow, vcol,
                          "where clause '%s' not in WhereClauses.csv", id);
    return TP_OK;
}

static bool dm_is_where_text(const char *s)
{
    static const char *const ops[] = {" EQ ", " NE ", " LT ",    " LE ",    " GT ", " GE ",
                                      " IN ", " IN(", " NOTIN ", " NOTIN(", NULL};
    for (size_t i = 0; ops[i]; i++)
        if (strcasestr(s, ops[i]))
            return true;
    return false;
}

/* Slices of ValueLevel.csv for file f, then data-driven groupings for parents not covered. */
static int dm_plan(struct builder *b, struct dfile *f, const char *cls, struct slice **slices,
                   size_t *nslices, size_t *slcap, struct grouping *groups, size_t *ngroups)
{
    const struct sheet *sh = &b->s->vlm_sh;
    bool covered_any = false;
    bool *covered = tp_calloc(f->nvars + 1, sizeof *covered);
    int rc = TP_OK;
    *ngroups = 0;
    if (!covered)
        return dm_nomem(b);
    if (dm_have(b->s, "ValueLevel.csv")) {
        long c_ds = dm_col(sh, "Dataset", NULL, NULL), c_var = dm_col(sh, "Variable", NULL, NULL);
        long c_wc = dm_col(sh, "WhereClause", "Where", "Condition");
        if (c_ds < 0 || c_var < 0 || c_wc < 0) {
            tp_free(covered);
            return sheet_fail(b->err, TP_E_SPEC, sh, (size_t)-1, -1,
                              "ValueLevel.csv needs columns Dataset, Variable and WhereClause");
        }
        for (size_t r = 0; r < sh->nrows; r++) {
            struct slice *sl;
            const char *w = sheet_get(sh, r, c_wc);
            long parent;
            if (!dm_ieq(sheet_get(sh, r, c_ds), f->name))
                continue;
            parent = dm_file_var(f, sheet_get(sh, r, c_var));
            if (parent < 0)
                continue; /* not in the data: nothing to describe */
            if (!(sl = dvec_push(slices, nslices, slcap, sizeof *sl))) {
                tp_free(covered);
                return dm_nomem(b);
            }
            sl->parent = parent;
            sl->spec_row = (long)r;
            sl->group = -1;
            sl->labelvar = -1;
            vstat_init(&sl->st);
            rc = dm_is_where_text(w) ? dm_parse_where(b, f, w, sl, sh, r, c_wc)
                                     : dm_where_id(b, f, w, sl, sh, r, c_wc);
            if (rc) {
                tp_free(covered);
                return rc;
            }
            /* a test-code condition: the matching rows' --TEST names the item */
            for (size_t k = 0; k < sl->nconds; k++) {
                const char *vn = sl->conds[k].varname;
                size_t vl = strlen(vn);
                if (vl > 6 && strcasecmp(vn + vl - 6, "TESTCD") == 0 &&
                    strcmp(sl->conds[k].comparator, "EQ") == 0) {
                    char tn[64];
                    snprintf(tn, sizeof tn, "%.*sTEST", (int)(vl - 6), vn);
                    sl->labelvar = dm_file_var(f, tn);
                }
            }
            covered[parent] = true;
            covered_any = true;
        }
    }
    (void)covered_any;
    /* SUPP--: QVAL per QNAM */
    if (strncasecmp(f->name, "SUPP", 4) == 0) {
        long q = dm_file_var(f, "QNAM"), v = dm_file_var(f, "QVAL");
        if (q >= 0 && v >= 0 && !covered[v]) {
            struct grouping *g = &groups[(*ngroups)++];
            memset(g, 0, sizeof *g);
            g->keyvar = q;
            g->parents[0] = v;
            g->nparents = 1;
            g->labelvar = dm_file_var(f, "QLABEL");
            g->origvar = dm_file_var(f, "QORIG");
            dindex_init(&g->index);
        }
        tp_free(covered);
        return TP_OK;
    }
    /* Findings: --ORRES, --STRESC, --STRESN per --TESTCD */
    if (cls && (strcmp(cls, "FINDINGS") == 0 || strcmp(cls, "FINDINGS ABOUT") == 0) &&
        strlen(f->name) >= 2) {
        char nm[16];
        long k, p;
        struct grouping *g = &groups[*ngroups];
        memset(g, 0, sizeof *g);
        snprintf(nm, sizeof nm, "%.2sTESTCD", f->name);
        k = dm_file_var(f, nm);
        if (k < 0) {
            tp_free(covered);
            return TP_OK;
        }
        g->keyvar = k;
        snprintf(nm, sizeof nm, "%.2sTEST", f->name);
        g->labelvar = dm_file_var(f, nm);
        g->origvar = -1;
        {
            static const char *const res[] = {"ORRES", "STRESC", "STRESN"};
            for (size_t i = 0; i < 3; i++) {
                snprintf(nm, sizeof nm, "%.2s%s", f->name, res[i]);
                if ((p = dm_file_var(f, nm)) >= 0 && !covered[p])
                    g->parents[g->nparents++] = p;
            }
        }
        if (g->nparents) {
            dindex_init(&g->index);
            (*ngroups)++;
        }
    }
    tp_free(covered);
    return TP_OK;
}

/* WhereClauseDef for a slice (shared when the same conditions recur). */
static const char *dm_where(struct builder *b, struct dindex *wc_by_text, const char *ds,
                            const struct slice *sl, const char *const *item_oids)
{
    struct tp_strbuf key;
    const char *k, *oid;
    struct dm_wc *w;
    size_t i;
    tp_strbuf_init(&key);
    for (size_t c = 0; c < sl->nconds; c++) {
        tp_strbuf_addf(&key, "%s\x1f%s", sl->conds[c].varname, sl->conds[c].comparator);
        for (size_t v = 0; v < sl->conds[c].nvals; v++)
            tp_strbuf_addf(&key, "\x1f%s", sl->conds[c].vals[v]);
        tp_strbuf_addc(&key, '\x1e');
    }
    k = dpool_strdup(&b->d->pool, tp_strbuf_cstr(&key));
    tp_strbuf_release(&key);
    if (!k)
        return NULL;
    if (dindex_get(wc_by_text, k, &i))
        return b->d->wcs[i].oid;
    if (!(w = dvec_push(&b->d->wcs, &b->d->nwcs, &b->d->wccap, sizeof *w)))
        return NULL;
    oid = sl->wc_id ? dm_idoid(&b->d->pool, "WC.", sl->wc_id)
                    : define_oid(&b->d->pool, "WC.", ds, sl->conds[0].varname,
                                 sl->conds[0].nvals ? sl->conds[0].vals[0] : "");
    if (!oid || !(w->oid = dm_unique(b, oid)) || dindex_put(wc_by_text, k, b->d->nwcs - 1, NULL))
        return NULL;
    w->comment_oid =
        dm_comment(b, sl->wc_comment, w->oid + (strncmp(w->oid, "WC.", 3) == 0 ? 3 : 0));
    if (!w->comment_oid)
        return NULL;
    for (size_t c = 0; c < sl->nconds; c++) {
        struct dm_check *ch = dvec_push(&w->checks, &w->nchecks, &w->cap, sizeof *ch);
        if (!ch)
            return NULL;
        ch->comparator = sl->conds[c].comparator;
        ch->item_oid = item_oids[sl->conds[c].var];
        /* the slice's array is freed with the dataset: copy it into the pool */
        ch->nvals = sl->conds[c].nvals;
        ch->vals = dpool_alloc(&b->d->pool, (ch->nvals ? ch->nvals : 1) * sizeof *ch->vals);
        if (!ch->vals)
            return NULL;
        for (size_t v = 0; v < ch->nvals; v++)
            ch->vals[v] = sl->conds[c].vals[v];
        /* EQ/NE/LT... take exactly one CheckValue; IN/NOTIN one or more */
        if (strcmp(ch->comparator, "IN") != 0 && strcmp(ch->comparator, "NOTIN") != 0 &&
            ch->nvals > 1)
            ch->comparator = strcmp(ch->comparator, "NE") == 0 ? "NOTIN" : "IN";
    }
    return w->oid;
}

/* ---------------------------------------------------------------- SUPP--/RELREC without a spec */

static const struct {
    const char *ds, *name, *label, *role, *core;
} dm_builtin[] = {
    {"SUPP", "STUDYID", "Study Identifier", "Identifier", "Req"},
    {"SUPP", "RDOMAIN", "Related Domain Abbreviation", "Identifier", "Req"},
    {"SUPP", "USUBJID", "Unique Subject Identifier", "Identifier", "Req"},
    {"SUPP", "IDVAR", "Identifying Variable", "Identifier", "Exp"},
    {"SUPP", "IDVARVAL", "Identifying Variable Value", "Identifier", "Exp"},
    {"SUPP", "QNAM", "Qualifier Variable Name", "Topic", "Req"},
    {"SUPP", "QLABEL", "Qualifier Variable Label", "Synonym Qualifier", "Req"},
    {"SUPP", "QVAL", "Data Value", "Result Qualifier", "Req"},
    {"SUPP", "QORIG", "Origin", "Record Qualifier", "Req"},
    {"SUPP", "QEVAL", "Evaluator", "Record Qualifier", "Exp"},
    {"RELREC", "STUDYID", "Study Identifier", "Identifier", "Req"},
    {"RELREC", "RDOMAIN", "Related Domain Abbreviation", "Identifier", "Req"},
    {"RELREC", "USUBJID", "Unique Subject Identifier", "Identifier", "Exp"},
    {"RELREC", "IDVAR", "Identifying Variable", "Identifier", "Req"},
    {"RELREC", "IDVARVAL", "Identifying Variable Value", "Identifier", "Exp"},
    {"RELREC", "RELTYPE", "Relationship Type", "Record Qualifier", "Exp"},
    {"RELREC", "RELID", "Relationship Identifier", "Record Qualifier", "Req"},
};

static bool dm_builtin_var(const char *ds, const char *var, struct itemspec *is)
{
    const char *kind = strncasecmp(ds, "SUPP", 4) == 0 ? "SUPP"
                       : dm_ieq(ds, "RELREC")          ? "RELREC"
                                                       : NULL;
    if (!kind)
        return false;
    for (size_t i = 0; i < sizeof dm_builtin / sizeof dm_builtin[0]; i++)
        if (strcmp(dm_builtin[i].ds, kind) == 0 && dm_ieq(dm_builtin[i].name, var)) {
            is->label = dm_builtin[i].label;
            is->role = dm_builtin[i].role;
            is->mandatory = strcmp(dm_builtin[i].core, "Req") == 0 ? "Yes" : "No";
            is->datatype = "text";
            is->origin = "Assigned";
            is->source = "Sponsor";
            return true;
        }
    return false;
}

/* ---------------------------------------------------------------- one dataset */

static const char *dm_item_type(const struct itemspec *is, const struct fvar *fv)
{
    const char *dt = dm_datatype(is->datatype);
    if (fv->type == TP_NUM) {
        if (dt && (strcmp(dt, "integer") == 0 || strcmp(dt, "float") == 0))
            return dt;
        if (dt && strcmp(dt, "text") != 0)
            return dt; /* a numeric date (ADaM style) */
        return fv->st.all_int ? "integer" : "float";
    }
    if (dt && strcmp(dt, "integer") != 0 && strcmp(dt, "float") != 0)
        return dt;
    return "text";
}

/* Type of a value-level item from its slice (spec type kept when the values allow it). */
static const char *dm_slice_type(const char *spec_dt, const struct vstat *st, bool num_parent)
{
    const char *dt = dm_datatype(spec_dt);
    if (dt) {
        if (strcmp(dt, "integer") == 0 && (!st->any || st->all_int))
            return dt;
        if (strcmp(dt, "float") == 0 && (!st->any || st->all_num))
            return dt;
        if (strcmp(dt, "integer") != 0 && strcmp(dt, "float") != 0 && !num_parent)
            return dt;
    }
    if (num_parent)
        return st->all_int ? "integer" : "float";
    if (st->any && st->all_num)
        return st->all_int ? "integer" : "float";
    return "text";
}

static int dm_dataset(struct builder *b, struct dfile *f, struct dindex *wc_by_text)
{
    struct dm_doc *d = b->d;
    const struct tp_spec *s = b->s;
    long sd = spec_find_ds(s, f->name);
    const struct spec_dataset *sds = sd >= 0 ? &s->ds[sd] : NULL;
    bool supp = strncasecmp(f->name, "SUPP", 4) == 0, relrec = dm_ieq(f->name, "RELREC");
    long stdrow = dm_std_ds_row(b, supp ? "SUPPQUAL" : f->name);
    const char *std_cls =
        stdrow >= 0 ? sheet_get(&b->std_ds, (size_t)stdrow, sheet_col(&b->std_ds, "Class")) : "";
    const char **item_oids = NULL;
    size_t *item_idx = NULL;
    struct slice *slices = NULL;
    size_t nslices = 0, slcap = 0, ngroups = 0, igi;
    struct grouping groups[2];
    struct dm_ig *g;
    const char *keys_text = NULL;
    char **keys = NULL;
    size_t nkeys = 0;
    int rc = TP_OK;

    if (!(g = dvec_push(&d->igs, &d->nigs, &d->igcap, sizeof *g)))
        return dm_nomem(b);
    igi = d->nigs - 1;
    g->name = dpool_strdup(&d->pool, f->name);
    g->oid = dm_unique(b, define_oid(&d->pool, "IG.", f->name, NULL, NULL));
    if (!g->name || !g->oid)
        return dm_nomem(b);
    if (sds && *sds->domain)
        g->domain = dpool_strndup(&d->pool, sds->domain, 2);
    else if (supp && strlen(f->name) >= 6)
        g->domain = dpool_strdup(&d->pool, f->name + 4);
    else if (!relrec && strlen(f->name) == 2)
        g->domain = g->name;
    else
        g->domain = "";
    g->label = sds && *sds->label ? sds->label
               : *f->label        ? dpool_strdup(&d->pool, f->label)
               : stdrow >= 0 ? sheet_get(&b->std_ds, (size_t)stdrow, sheet_col(&b->std_ds, "Label"))
                             : g->name;
    if (supp && !(sds && *sds->label) && !*f->label)
        g->label = dpool_printf(&d->pool, "Supplemental Qualifiers for %s", g->domain);
    g->cls = dm_class(sds && *sds->cls ? sds->cls : std_cls);
    if (!g->cls && (supp || relrec))
        g->cls = "RELATIONSHIP";
    g->structure =
        sds && *sds->structure ? sds->structure
        : stdrow >= 0 && *sheet_get(&b->std_ds, (size_t)stdrow, sheet_col(&b->std_ds, "Structure"))
            ? sheet_get(&b->std_ds, (size_t)stdrow, sheet_col(&b->std_ds, "Structure"))
            : "One record per record";
    g->purpose = sds && *sds->purpose ? sds->purpose : "Tabulation";
    g->refdata = sds ? sds->refdata : (g->cls && strcmp(g->cls, "TRIAL DESIGN") == 0);
    g->repeating = sds ? sds->repeating : !(dm_ieq(f->name, "DM") || g->refdata);
    if (g->refdata)
        g->repeating = false;
    if (b->have_std && stdrow < 0)
        g->nonstandard = true;
    else
        g->std_oid = b->ig_std;
    g->leaf_id = dm_unique(b, define_oid(&d->pool, "LF.", f->name, NULL, NULL));
    g->leaf_href = dm_lower(&d->pool, f->file);
    g->file = g->leaf_href;
    g->comment_oid = dm_comment(b, sds ? sds->comment : "", f->name);
    /* the standards tables are freed before writing: keep copies */
    g->label = dpool_strdup(&d->pool, g->label);
    g->structure = dpool_strdup(&d->pool, g->structure);
    if (!g->leaf_id || !g->leaf_href || !g->comment_oid || !g->label || !g->structure)
        return dm_nomem(b);

    /* keys */
    if (sds && sds->nkeys) {
        keys = sds->keys;
        nkeys = sds->nkeys;
    } else {
        keys_text = supp     ? "STUDYID;RDOMAIN;USUBJID;IDVAR;IDVARVAL;QNAM"
                    : relrec ? "STUDYID;RDOMAIN;USUBJID;IDVAR;IDVARVAL;RELID"
                    : stdrow >= 0
                        ? sheet_get(&b->std_ds, (size_t)stdrow, sheet_col(&b->std_ds, "Keys"))
                        : "";
    }

    /* read the data once: every variable's statistics, and the value-level slices */
    if ((rc = dm_plan(b, f, g->cls, &slices, &nslices, &slcap, groups, &ngroups)) ||
        (rc = dm_read_file(b, f, &slices, &nslices, &slcap, groups, ngroups)))
        goto out;
    g = &d->igs[igi];

    item_oids = tp_calloc(f->nvars + 1, sizeof *item_oids);
    item_idx = tp_calloc(f->nvars + 1, sizeof *item_idx);
    if (!item_oids || !item_idx) {
        rc = dm_nomem(b);
        goto out;
    }
    for (size_t v = 0; v < f->nvars; v++) {
        struct fvar *fv = &f->vars[v];
        struct itemspec is;
        long svi = sds ? spec_find_var(s, sd, fv->name) : -1;
        const char *dt, *oid;
        long len, sig;
        struct dm_ref *r;
        memset(&is, 0, sizeof is);
        is.cl = -1;
        is.sigdig = -1;
        if (svi >= 0)
            dm_itemspec_var(b, &s->vars[svi], &is);
        else if (!dm_builtin_var(f->name, fv->name, &is)) {
            long vr = b->std_vars.nrows ? dm_std_var_row(b, f->name, g->domain, fv->name) : -1;
            is.origin = "Assigned";
            is.source = "Sponsor";
            is.mandatory = "No";
            if (vr >= 0) {
                const struct sheet *vs = &b->std_vars;
                is.label = sheet_get(vs, (size_t)vr, sheet_col(vs, "Label"));
                is.role = sheet_get(vs, (size_t)vr, sheet_col(vs, "Role"));
                is.mandatory =
                    dm_ieq(sheet_get(vs, (size_t)vr, sheet_col(vs, "Core")), "Req") ? "Yes" : "No";
            }
        }
        if (*fv->label)
            is.label = svi >= 0 && is.label && *is.label ? is.label : fv->label;
        if (!is.label || !*is.label)
            is.label = fv->label;
        if (!is.format || !*is.format)
            is.format = fv->fmt;
        dt = dm_item_type(&is, fv);
        dm_lengths(dt, &fv->st, fv->type == TP_CHAR ? fv->length : 0, &len, &sig);
        if (!(oid = define_oid(&d->pool, "IT.", f->name, fv->name, NULL)) ||
            !(item_oids[v] = dm_add_item(b, oid, dpool_strdup(&d->pool, fv->name), &is, dt, len,
                                         sig, f->name, fv->name))) {
            rc = b->err && b->err->code ? b->err->code : dm_nomem(b);
            goto out;
        }
        item_idx[v] = d->nits - 1;
        g = &d->igs[igi];
        if (!(r = dvec_push(&g->refs, &g->nrefs, &g->cap, sizeof *r))) {
            rc = dm_nomem(b);
            goto out;
        }
        r->item_oid = item_oids[v];
        r->order = (long)v + 1;
        r->mandatory = dm_mandatory(&is);
        r->role = dpool_strdup(&d->pool, is.role);
        r->method_oid = dm_method(b, is.method, strcmp(d->its[item_idx[v]].origin, "Derived") == 0,
                                  f->name, fv->name);
        if (!r->method_oid || !r->role) {
            rc = b->err && b->err->code ? b->err->code : dm_nomem(b);
            goto out;
        }
        /* KeySequence: position among the keys present in the data */
        {
            int pos = 0;
            if (keys) {
                for (size_t k = 0; k < nkeys; k++) {
                    if (dm_file_var(f, keys[k]) >= 0)
                        pos++;
                    if (dm_ieq(keys[k], fv->name)) {
                        r->key = pos;
                        break;
                    }
                }
            } else if (keys_text) {
                const char *p = keys_text;
                while (*p) {
                    size_t n = strcspn(p, ";, ");
                    if (n) {
                        char kn[64];
                        snprintf(kn, sizeof kn, "%.*s", (int)n, p);
                        if (dm_file_var(f, kn) >= 0)
                            pos++;
                        if (dm_ieq(kn, fv->name)) {
                            r->key = pos;
                            break;
                        }
                    }
                    p += n;
                    while (*p == ';' || *p == ',' || *p == ' ')
                        p++;
                }
            }
        }
    }

    /* value-level metadata (the slices were measured with the variables) */
    /* one value list per parent variable, in the order its slices were found */
    for (size_t v = 0; v < f->nvars && !rc; v++) {
        struct dm_vl *vl = NULL;
        size_t vli = 0;
        for (size_t k = 0; k < nslices; k++) {
            struct slice *sl = &slices[k];
            struct itemspec is;
            const struct sheet *vsh = &s->vlm_sh;
            const char *dt, *oid, *name, *wc, *method = "";
            long len, sig;
            struct dm_ref *r;
            bool mandatory = false;
            struct dm_it *parent;
            if (sl->parent != (long)v)
                continue;
            parent = &d->its[item_idx[v]];
            memset(&is, 0, sizeof is);
            is.cl = -1;
            is.sigdig = -1;
            if (sl->spec_row >= 0) {
                size_t r0 = (size_t)sl->spec_row;
                long c_cl = dm_col(vsh, "CodeList", NULL, NULL);
                const char *cl = sheet_get(vsh, r0, c_cl);
                is.label = sheet_get(vsh, r0, dm_col(vsh, "Label", "Description", NULL));
                if (!*is.label && sl->label)
                    is.label = sl->label;
                is.datatype = sheet_get(vsh, r0, dm_col(vsh, "DataType", "Type", NULL));
                is.format = sheet_get(vsh, r0, dm_col(vsh, "Format", "DisplayFormat", NULL));
                is.origin = sheet_get(vsh, r0, dm_col(vsh, "Origin", NULL, NULL));
                is.source = sheet_get(vsh, r0, dm_col(vsh, "Source", NULL, NULL));
                is.method = sheet_get(vsh, r0, dm_col(vsh, "Method", NULL, NULL));
                is.comment = sheet_get(vsh, r0, dm_col(vsh, "Comment", NULL, NULL));
                is.pages = sheet_get(vsh, r0, dm_col(vsh, "Pages", "CRF Pages", "PageRefs"));
                is.mandatory = sheet_get(vsh, r0, dm_col(vsh, "Mandatory", NULL, NULL));
                if (*cl && (is.cl = spec_find_cl(s, cl)) < 0) {
                    rc = sheet_fail(b->err, TP_E_SPEC, vsh, r0, c_cl,
                                    "codelist '%s' not in Codelists.csv", cl);
                    break;
                }
                oid = define_oid(&d->pool, "IT.", f->name, f->vars[v].name,
                                 sl->nconds == 1 && sl->conds[0].nvals == 1
                                     ? sl->conds[0].vals[0]
                                     : dpool_printf(&d->pool, "R%ld", sl->spec_row + 2));
            } else {
                /* data-driven: SUPP-- from the parent domain's variable, findings from --TEST */
                long pds = supp ? spec_find_ds(s, g->domain) : -1;
                long pv = pds >= 0 ? spec_find_var(s, pds, sl->key) : -1;
                struct cond *c;
                const char **slot;
                size_t vcap = 0, ccap = 0;
                if (pv >= 0) {
                    dm_itemspec_var(b, &s->vars[pv], &is);
                    is.role = "";
                } else {
                    is.label = sl->label && *sl->label ? sl->label : parent->label;
                    is.origin =
                        supp ? (sl->orig && *sl->orig ? sl->orig : "Assigned") : parent->origin;
                    is.source = supp ? "" : parent->source;
                    is.mandatory = "No";
                }
                if (!supp)
                    is.cl = -1;
                if (!(c = dvec_push(&sl->conds, &sl->nconds, &ccap, sizeof *c)) ||
                    !(slot = dvec_push(&c->vals, &c->nvals, &vcap, sizeof *slot))) {
                    rc = dm_nomem(b);
                    break;
                }
                *slot = sl->key;
                c->var = groups[sl->group].keyvar;
                c->varname = f->vars[c->var].name;
                c->comparator = "EQ";
                oid = define_oid(&d->pool, "IT.", f->name, f->vars[v].name, sl->key);
            }
            mandatory = dm_mandatory(&is);
            dt = dm_slice_type(is.datatype, &sl->st, f->vars[v].type == TP_NUM);
            dm_lengths(dt, &sl->st, 0, &len, &sig);
            if (!sl->st.any && parent->length > 0 && dm_has_length(dt))
                len = parent->length;
            if (len > 0 && parent->length > 0 && strcmp(parent->datatype, "text") == 0 &&
                len > parent->length)
                len = parent->length;
            if (!is.format || !*is.format)
                is.format = parent->display_format;
            if (!is.label || !*is.label)
                is.label = parent->label;
            if (!is.origin || !*is.origin) {
                is.origin = parent->origin;
                is.source = parent->source;
            }
            name = dpool_strdup(&d->pool, f->vars[v].name);
            if (!oid || !name ||
                !(oid = dm_add_item(b, oid, name, &is, dt, len, sig, f->name, name))) {
                rc = b->err && b->err->code ? b->err->code : dm_nomem(b);
                break;
            }
            {
                const struct dm_it *it = &d->its[d->nits - 1];
                const char *pm = d->igs[igi].refs[v].method_oid;
                bool derived = strcmp(it->origin, "Derived") == 0;
                if ((!is.method || !*is.method) && derived && pm && *pm)
                    method = pm; /* the parent's algorithm covers its values */
                else if (supp && sl->key)
                    method = dm_method(b, is.method, derived, g->domain, sl->key);
                else
                    method =
                        dm_method(b, is.method, derived, f->name,
                                  dpool_printf(&d->pool, "%s.%s", name, sl->key ? sl->key : "VLM"));
                if (!method) {
                    rc = b->err && b->err->code ? b->err->code : dm_nomem(b);
                    break;
                }
            }
            if (!(wc = dm_where(b, wc_by_text, f->name, sl, item_oids))) {
                rc = dm_nomem(b);
                break;
            }
            if (!vl) {
                if (!(vl = dvec_push(&d->vls, &d->nvls, &d->vlcap, sizeof *vl)) ||
                    !(vl->oid = dm_unique(
                          b, define_oid(&d->pool, "VL.", f->name, f->vars[v].name, NULL)))) {
                    rc = dm_nomem(b);
                    break;
                }
                vli = d->nvls - 1;
                d->its[item_idx[v]].vl_oid = vl->oid;
            }
            vl = &d->vls[vli];
            if (!(r = dvec_push(&vl->refs, &vl->nrefs, &vl->cap, sizeof *r))) {
                rc = dm_nomem(b);
                break;
            }
            r->item_oid = oid;
            r->order = (long)vl->nrefs;
            r->mandatory = mandatory;
            r->method_oid = method;
            r->role = "";
            {
                const char **slot = dvec_push(&r->wc, &r->nwc, &r->wccap, sizeof *slot);
                if (!slot) {
                    rc = dm_nomem(b);
                    break;
                }
                *slot = wc;
            }
        }
    }
out:
    for (size_t k = 0; k < nslices; k++) {
        for (size_t c = 0; c < slices[k].nconds; c++)
            tp_free(slices[k].conds[c].vals);
        tp_free(slices[k].conds);
    }
    tp_free(slices);
    for (size_t k = 0; k < ngroups; k++)
        dindex_release(&groups[k].index);
    tp_free(item_oids);
    tp_free(item_idx);
    return rc;
}

/* ---------------------------------------------------------------- the document */

void dm_doc_init(struct dm_doc *d)
{
    memset(d, 0, sizeof *d);
    dpool_init(&d->pool);
    dindex_init(&d->oids);
}

void dm_doc_release(struct dm_doc *d)
{
    for (size_t i = 0; i < d->nvls; i++) {
        for (size_t j = 0; j < d->vls[i].nrefs; j++)
            tp_free(d->vls[i].refs[j].wc);
        tp_free(d->vls[i].refs);
    }
    tp_free(d->vls);
    for (size_t i = 0; i < d->nwcs; i++)
        tp_free(d->wcs[i].checks); /* values belong to the slices' pool copies */
    tp_free(d->wcs);
    for (size_t i = 0; i < d->nigs; i++)
        tp_free(d->igs[i].refs);
    tp_free(d->igs);
    tp_free(d->its);
    for (size_t i = 0; i < d->ncls; i++)
        tp_free(d->cls[i].terms);
    tp_free(d->cls);
    tp_free(d->mts);
    tp_free(d->coms);
    tp_free(d->stds);
    tp_free(d->leafs);
    dindex_release(&d->oids);
    dpool_release(&d->pool);
    memset(d, 0, sizeof *d);
}

/* YYYY-MM-DD inside text (a CT file name), into buf; false when none. */
static bool dm_find_date(const char *t, char *buf, size_t size)
{
    for (const char *p = t; t && *p; p++) {
        if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
            isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) && p[4] == '-' &&
            isdigit((unsigned char)p[5]) && isdigit((unsigned char)p[6]) && p[7] == '-' &&
            isdigit((unsigned char)p[8]) && isdigit((unsigned char)p[9])) {
            snprintf(buf, size, "%.10s", p);
            return true;
        }
    }
    return false;
}

static bool dm_define_version_ok(const char *v)
{
    if (!v || strncmp(v, "2.1.", 4) != 0 || !v[4])
        return false;
    for (const char *p = v + 4; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

int dm_build(struct dm_doc *d, const struct tp_spec *s, const char *data_dir, struct tp_error *err)
{
    struct builder b;
    char created[32], ctver[32];
    const char *studyid, *igver, *v;
    char **names = NULL;
    size_t nnames = 0, *order = NULL, norder = 0;
    struct dindex wc_by_text;
    int rc;

    if (!s->finished)
        return tp_fail(err, TP_E_USAGE, "the spec must be finished (tp_spec_finish) first");
    memset(&b, 0, sizeof b);
    b.d = d;
    b.s = s;
    b.err = err;
    b.data_dir = data_dir;
    dindex_init(&b.it_index);
    dindex_init(&b.mt_index);
    dindex_init(&b.com_index);
    dindex_init(&b.leaf_index);
    dindex_init(&wc_by_text);
    b.cl_emitted = tp_calloc(s->ncls + 1, sizeof *b.cl_emitted);
    if (!b.cl_emitted) {
        rc = dm_nomem(&b);
        goto out;
    }
    for (size_t i = 0; i < s->ncls; i++)
        b.cl_emitted[i] = -1;

    /* header */
    tp_format_iso8601(tp_output_time(), created, sizeof created);
    studyid = dm_setting(s, "StudyID", "StudyName", "STUDY");
    igver = dm_setting(s, "SDTMIGVersion", "IGVersion", "3.4");
    d->created = dpool_strdup(&d->pool, created);
    d->file_oid = define_oid(&d->pool, "DEF.", studyid, "SDTM", NULL);
    d->study_oid = dpool_strdup(&d->pool, dm_setting(s, "StudyOID", NULL, NULL));
    if (d->study_oid && !*d->study_oid)
        d->study_oid = define_oid(&d->pool, "STDY.", studyid, NULL, NULL);
    d->study_name = dm_setting(s, "StudyName", "StudyID", studyid);
    d->study_desc = dm_setting(s, "StudyDescription", "ProtocolTitle", d->study_name);
    d->protocol = dm_setting(s, "ProtocolName", "StudyID", studyid);
    d->mdv_oid = define_oid(&d->pool, "MDV.", studyid, "SDTMIG", igver);
    d->mdv_name = dpool_printf(&d->pool, "%s SDTM metadata (SDTMIG %s)", d->study_name, igver);
    v = dm_setting(s, "DefineXMLVersion", "DefineVersion", "2.1.0");
    d->define_version = dm_define_version_ok(v) ? v : "2.1.0";
    d->originator = dm_setting(s, "Sponsor", "Originator", "trialpack");
    d->context = "Submission";
    if (!d->created || !d->file_oid || !d->study_oid || !d->mdv_oid || !d->mdv_name) {
        rc = dm_nomem(&b);
        goto out;
    }

    /* standards */
    {
        struct dm_std *st = dvec_push(&d->stds, &d->nstds, &d->stdcap, sizeof *st);
        if (!st) {
            rc = dm_nomem(&b);
            goto out;
        }
        st->oid = b.ig_std = dm_unique(&b, define_oid(&d->pool, "STD.", "SDTMIG", igver, NULL));
        st->name = "SDTMIG";
        st->type = "IG";
        st->version = igver;
        ctver[0] = '\0';
        v = dm_setting(s, "CTVersion.SDTM", "CTVersion", NULL);
        if (v)
            snprintf(ctver, sizeof ctver, "%s", v);
        else if (!dm_find_date(spec_setting(s, "CTFile", NULL), ctver, sizeof ctver) &&
                 !dm_find_date(s->ct.source, ctver, sizeof ctver))
            ctver[0] = '\0';
        if (ctver[0]) {
            if (!(st = dvec_push(&d->stds, &d->nstds, &d->stdcap, sizeof *st))) {
                rc = dm_nomem(&b);
                goto out;
            }
            st->oid = b.ct_std = dm_unique(&b, define_oid(&d->pool, "STD.", "CT", "SDTM", ctver));
            st->name = "CDISC/NCI";
            st->type = "CT";
            st->pset = "SDTM";
            st->version = dpool_strdup(&d->pool, ctver);
        }
        if (!b.ig_std || (ctver[0] && !b.ct_std)) {
            rc = dm_nomem(&b);
            goto out;
        }
    }
    dm_load_standards(&b, igver);
    if ((rc = dm_documents(&b)))
        goto out;

    /* data files, in spec order (SUPP-- after its parent), then the rest by name */
    if ((rc = dm_list_files(data_dir, &names, &nnames, err)))
        goto out;
    if (!(b.files = tp_calloc(nnames + 1, sizeof *b.files)) ||
        !(order = tp_calloc(nnames + 1, sizeof *order))) {
        rc = dm_nomem(&b);
        goto out;
    }
    for (size_t i = 0; i < nnames; i++) {
        struct dfile *f = &b.files[i];
        f->file = names[i];
        names[i] = NULL;
        f->path = tp_malloc(strlen(data_dir) + strlen(f->file) + 2);
        if (!f->path) {
            rc = dm_nomem(&b);
            goto out;
        }
        snprintf(f->path, strlen(data_dir) + strlen(f->file) + 2, "%s/%s", data_dir, f->file);
        b.nfiles++;
        if ((rc = dm_open_meta(&b, f)))
            goto out;
        f->spec_ds = spec_find_ds(s, f->name);
    }
    for (size_t i = 0; i < nnames; i++)
        for (size_t j = 0; j < i; j++)
            if (dm_ieq(b.files[i].name, b.files[j].name)) {
                struct tp_loc loc;
                tp_loc_init(&loc);
                tp_loc_set_path(&loc, b.files[i].path);
                rc = tp_fail_at(err, TP_E_USAGE, &loc, "dataset %s is in both '%s' and '%s'",
                                b.files[i].name, b.files[j].file, b.files[i].file);
                goto out;
            }
    {
        bool *done = tp_calloc(nnames + 1, sizeof *done);
        if (!done) {
            rc = dm_nomem(&b);
            goto out;
        }
        for (size_t k = 0; k < s->nds; k++)
            for (size_t i = 0; i < nnames; i++) {
                char supp[16];
                if (done[i] || !dm_ieq(b.files[i].name, s->ds[k].name))
                    continue;
                order[norder++] = i;
                done[i] = true;
                snprintf(supp, sizeof supp, "SUPP%s", s->ds[k].name);
                for (size_t j = 0; j < nnames; j++)
                    if (!done[j] && dm_ieq(b.files[j].name, supp) && spec_find_ds(s, supp) < 0) {
                        order[norder++] = j;
                        done[j] = true;
                    }
            }
        for (size_t i = 0; i < nnames; i++)
            if (!done[i])
                order[norder++] = i;
        tp_free(done);
    }
    for (size_t k = 0; k < norder; k++) {
        struct dfile *f = &b.files[order[k]];
        if ((rc = dm_dataset(&b, f, &wc_by_text))) {
            if (err && err->code && !err->loc.dataset[0])
                snprintf(err->loc.dataset, sizeof err->loc.dataset, "%s", f->name);
            goto out;
        }
    }
    rc = TP_OK;
out:
    for (size_t i = 0; i < nnames; i++)
        tp_free(names ? names[i] : NULL);
    tp_free(names);
    for (size_t i = 0; i < b.nfiles; i++)
        dfile_release(&b.files[i]);
    tp_free(b.files);
    tp_free(order);
    tp_free(b.cl_emitted);
    dindex_release(&b.it_index);
    dindex_release(&b.mt_index);
    dindex_release(&b.com_index);
    dindex_release(&b.leaf_index);
    dindex_release(&wc_by_text);
    sheet_release(&b.std_ds);
    sheet_release(&b.std_vars);
    if (rc && err && !err->code)
        tp_fail(err, rc, "cannot build define.xml");
    return rc;
}

/* ---------------------------------------------------------------- public entry points */

int tp_define_write(const struct tp_spec *spec, const char *data_dir, const char *out_path,
                    struct tp_error *err)
{
    struct dm_doc d;
    int rc;
    if (!spec || !data_dir || !out_path)
        return tp_fail(err, TP_E_USAGE, "tp_define_write needs a spec, a data folder and a path");
    dm_doc_init(&d);
    rc = dm_build(&d, spec, data_dir, err);
    if (!rc)
        rc = dm_write(&d, out_path, err);
    dm_doc_release(&d);
    return rc;
}

int tp_define_write_study(const char *study_dir, const char *ct_path, const char *data_dir,
                          const char *out_path, struct tp_error *err)
{
    struct tp_spec *spec;
    char dir[4096], probe[4200];
    struct stat st;
    int rc;
    snprintf(probe, sizeof probe, "%s/Datasets.csv", study_dir);
    if (stat(probe, &st) == 0)
        snprintf(dir, sizeof dir, "%s", study_dir);
    else
        snprintf(dir, sizeof dir, "%s/sdtm", study_dir);
    if (!(spec = tp_spec_new()))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    rc = tp_spec_load_dir(spec, dir, err);
    if (!rc && ct_path)
        rc = tp_spec_load_ct(spec, ct_path, err);
    if (!rc)
        rc = tp_spec_finish(spec, err);
    if (!rc)
        rc = tp_define_write(spec, data_dir, out_path, err);
    if (rc && err && err->loc.path[0] && !strchr(err->loc.path, '/') &&
        strstr(err->loc.path, ".csv")) {
        /* a sheet name: give it its folder */
        char full[300];
        snprintf(full, sizeof full, "%s/%s", dir, err->loc.path);
        snprintf(err->loc.path, sizeof err->loc.path, "%s", full);
    }
    tp_spec_free(spec);
    return rc;
}
