/*
 * ODM 1.3.x ClinicalData -> one CSV table per item group (ODM 1.3.2 specification §3.1.4;
 * standards.md §3.2-3.3 for keys, repeat keys, TransactionType and Value/IsNull).
 *
 * The document is read with libxml2's xmlTextReader (a pull parser), never as a tree: the
 * metadata (Study/MetaDataVersion: ItemGroupDef with its ItemRefs, ItemDef, FormDef,
 * StudyEventDef, Include) is kept, everything else is skipped, and each ItemGroupData becomes one
 * row of its item group's table, written through tp_writer (format csv) in batches. Untrusted
 * input: XML_PARSE_NONET, no DTD loading, no entity substitution, and a DOCTYPE is refused before
 * anything else is read (XXE, billion laughs).
 *
 * Columns come from the file's own ItemDefs in ItemRef order. When the data hold more than the
 * metadata say (an ItemGroupData without ItemGroupDef, an ItemData its ItemGroupDef does not
 * reference, a ClinicalData whose MetaDataVersion is not in the file), the run starts over: one
 * quick pass collects every (item group, item) pair seen, then the tables are written with those
 * columns added. Warnings of the abandoned pass are not repeated.
 *
 * Outputs: a temporary folder beside outdir, moved into place only when every table is complete
 * (nothing is left behind on error); or memory tables (tp_odm_import_memory, for tests and the
 * fuzzer).
 */
#include "odm/odm.h"

#include "trialpack/format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

/* no XML_PARSE_NOENT (no entity substitution), no XML_PARSE_DTDLOAD, no network */
#define ODMR_OPTS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT | XML_PARSE_BIG_LINES)
#define ODMR_BATCH 512
#define ODMR_MAX_TABLES 1000
#define ODMR_MAX_COLS 100000
#define ODMR_MAX_INCLUDE 16

static const char *const odmr_keycols[] = {"SubjectKey", "StudyEventOID", "StudyEventRepeatKey",
                                           "FormOID",    "FormRepeatKey", "ItemGroupRepeatKey"};
#define ODMR_NKEYS 6

enum odmr_key { K_SUBJECT, K_EVENT, K_EVENT_REPEAT, K_FORM, K_FORM_REPEAT, K_GROUP_REPEAT };

/* ------------------------------------------------------------------ metadata */

struct odmr_item {
    char *oid, *name;
    enum tp_crf_datatype type; /* 0 when unknown */
    unsigned length;
    bool keep_text; /* the study allows missing codes: keep the text */
};

struct odmr_group {
    char *oid, *name;
    bool repeating;
    char **refs; /* ItemOIDs in ItemRef order */
    size_t nrefs, caprefs;
};

struct odmr_def {
    char *oid;
    bool repeating;
};

struct odmr_mdv {
    char *study_oid, *oid;
    char *inc_study, *inc_mdv;
    struct odmr_item *items;
    size_t nitems, capitems;
    struct odmr_group *groups;
    size_t ngroups, capgroups;
    struct odmr_def *events, *forms;
    size_t nevents, capevents, nforms, capforms;
    struct crf_map item_map, group_map, event_map, form_map;
    bool from_crf;
};

/* What the scan pass saw of an item group: every ItemOID in first-seen order. */
struct odmr_seen {
    char *group;
    char **items;
    size_t nitems, capitems;
    struct crf_map map;
};

/* ------------------------------------------------------------------ tables */

struct odmr_table {
    char *group_oid;
    char *file;
    struct tp_dataset *meta, *batch;
    struct tp_writer *w;
    char **col_oids;       /* item OID of each item column (keys excluded) */
    size_t ncols, capcols; /* item columns */
    size_t nkeys;          /* key columns before them */
    struct crf_map cols;   /* item OID -> item column */
    unsigned char *set;    /* item column set in the current row */
    /* per item column: 1 its ItemDef was found in mdv, 2 its group's ItemDef also refers to it */
    unsigned char *known;
    const struct odmr_mdv *mdv; /* metadata the table was made with (NULL: none) */
    size_t rows;
    unsigned char *data; /* memory mode: the finished bytes */
    size_t ndata;
};

struct tp_odm_tables {
    struct odmr_table *t;
    size_t n;
};

/* ------------------------------------------------------------------ reader state */

enum odmr_pass { PASS_WRITE, PASS_SCAN };

enum odmr_tx { TX_NONE = 0, TX_INSERT, TX_UPDATE, TX_REMOVE, TX_UPSERT, TX_CONTEXT, TX_BAD };

static const char *const odmr_tx_names[] = {"",       "Insert",  "Update", "Remove",
                                            "Upsert", "Context", ""};

struct odmr {
    const struct tp_odm_import_options *o;
    struct tp_report *rep;
    struct tp_error *err;
    const char *name; /* path or memory name, for locations */
    const void *mem;  /* memory input */
    size_t memlen;
    const char *outdir; /* NULL = memory tables */
    char *tmpdir;
    size_t max_tables;

    xmlTextReaderPtr rd;
    enum odmr_pass pass;
    bool restart; /* the write pass needs the scan: start over */
    bool scanned;
    size_t warnings_to_skip; /* already reported by an abandoned pass */
    size_t nwarn_pass;
    struct tp_odm_stats st;

    /* XML errors */
    long xml_line;
    char xml_msg[200];

    /* document */
    bool transactional;
    bool root_seen;
    struct odmr_mdv *mdvs;
    size_t nmdvs, capmdvs;
    struct odmr_mdv *crf_mdv; /* the study's metadata (options), NULL when none */
    char *study_oid;          /* current Study element */

    /* ClinicalData context */
    struct odmr_mdv *cur; /* NULL: no metadata for this ClinicalData */
    bool in_cd;
    struct tp_strbuf key[ODMR_NKEYS];
    enum odmr_tx tx_subject, tx_event, tx_form, tx_group;
    struct odmr_table *table; /* table of the current ItemGroupData (write pass) */
    size_t row;
    struct odmr_seen *seen_cur; /* scan pass: record of the current item group */
    const char *group_oid;      /* current ItemGroupOID (points into gbuf) */
    struct tp_strbuf gbuf;
    struct tp_strbuf val;
    struct tp_strbuf attr_val[6]; /* ODMR_MAXATTR */

    /* tables */
    struct odmr_table *tables;
    size_t ntables, captables;
    struct crf_map table_map; /* group OID -> table */
    struct crf_map file_map;  /* file name (case-insensitive) -> table */

    /* scan results */
    struct odmr_seen *seen;
    size_t nseen, capseen;
    struct crf_map seen_map;

    /* once-only warnings: keys kept alive in once_keys */
    struct crf_map once;
    char **once_keys;
    size_t nonce, caponce;
};

/* ------------------------------------------------------------------ small helpers */

static int odmr_nomem(struct odmr *r)
{
    return tp_fail(r->err, TP_E_NOMEM, "out of memory");
}

/* Line of the current element (the parser itself may have read ahead). */
static long odmr_line(const struct odmr *r)
{
    xmlNodePtr node;
    long line;
    if (!r->rd)
        return -1;
    node = xmlTextReaderCurrentNode(r->rd);
    if (node && node->type == XML_ATTRIBUTE_NODE)
        node = node->parent;
    line = node ? xmlGetLineNo(node) : -1;
    return line > 0 ? line : (long)xmlTextReaderGetParserLineNumber(r->rd);
}

static int odmr_fail(struct odmr *r, int code, long line, const char *fmt, ...) TP_PRINTF(4, 5);

static int odmr_fail(struct odmr *r, int code, long line, const char *fmt, ...)
{
    struct tp_loc loc;
    va_list ap;
    tp_loc_init(&loc);
    snprintf(loc.path, sizeof loc.path, "%s", r->name);
    loc.line = line;
    va_start(ap, fmt);
    tp_vfail_at(r->err, code, &loc, fmt, ap);
    va_end(ap);
    return code;
}

static void odmr_warn(struct odmr *r, long line, const char *rule, const char *dataset,
                      const char *variable, const char *value, const char *fmt, ...)
    TP_PRINTF(7, 8);

static void odmr_warn(struct odmr *r, long line, const char *rule, const char *dataset,
                      const char *variable, const char *value, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    if (r->pass == PASS_SCAN)
        return;
    r->nwarn_pass++;
    if (r->warnings_to_skip) {
        r->warnings_to_skip--;
        r->st.warnings++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    odm_warn(r->rep, &r->st.warnings, rule, r->name, line, dataset, variable, -1, value, "%s", msg);
}

/* True the first time key is seen (warn once per key); false after, or on OOM. */
static bool odmr_once(struct odmr *r, const char *kind, const char *id)
{
    struct tp_strbuf sb;
    char *k;
    tp_strbuf_init(&sb);
    if (tp_strbuf_addf(&sb, "%s\x1f%s", kind, id ? id : "")) {
        tp_strbuf_release(&sb);
        return false;
    }
    if (crf_map_get(&r->once, tp_strbuf_cstr(&sb)) != CRF_NONE) {
        tp_strbuf_release(&sb);
        return false;
    }
    k = sb.buf;
    if (tp_grow((void **)&r->once_keys, &r->caponce, r->nonce + 1, sizeof *r->once_keys) ||
        crf_map_put(&r->once, k, r->nonce, NULL) != TP_OK) {
        tp_free(k);
        return false;
    }
    r->once_keys[r->nonce++] = k;
    return true;
}

static void odmr_once_reset(struct odmr *r)
{
    for (size_t i = 0; i < r->nonce; i++)
        tp_free(r->once_keys[i]);
    r->nonce = 0;
    crf_map_release(&r->once);
    crf_map_init(&r->once, false);
}

static bool odmr_is(const xmlChar *s, const char *lit)
{
    return s && strcmp((const char *)s, lit) == 0;
}

static const char *odmr_s(const xmlChar *s)
{
    return s ? (const char *)s : "";
}

static enum odmr_tx odmr_tx_parse(const char *s)
{
    for (int i = TX_INSERT; i <= TX_CONTEXT; i++)
        if (strcmp(s, odmr_tx_names[i]) == 0)
            return (enum odmr_tx)i;
    return TX_BAD;
}

static bool odmr_parse_datatype(const char *s, enum tp_crf_datatype *t)
{
    static const struct {
        const char *name;
        enum tp_crf_datatype t;
    } extra[] = {{"boolean", TP_DT_BOOLEAN}, {"double", TP_DT_DOUBLE}};
    if (tp_crf_datatype_parse(s, t))
        return true;
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strcmp(s, extra[i].name) == 0) {
            *t = extra[i].t;
            return true;
        }
    return false;
}

/* ------------------------------------------------------------------ metadata building */

static void odmr_mdv_release(struct odmr_mdv *m)
{
    for (size_t i = 0; i < m->nitems; i++) {
        tp_free(m->items[i].oid);
        tp_free(m->items[i].name);
    }
    for (size_t i = 0; i < m->ngroups; i++) {
        struct odmr_group *g = &m->groups[i];
        tp_free(g->oid);
        tp_free(g->name);
        for (size_t k = 0; k < g->nrefs; k++)
            tp_free(g->refs[k]);
        tp_free(g->refs);
    }
    for (size_t i = 0; i < m->nevents; i++)
        tp_free(m->events[i].oid);
    for (size_t i = 0; i < m->nforms; i++)
        tp_free(m->forms[i].oid);
    tp_free(m->items);
    tp_free(m->groups);
    tp_free(m->events);
    tp_free(m->forms);
    tp_free(m->study_oid);
    tp_free(m->oid);
    tp_free(m->inc_study);
    tp_free(m->inc_mdv);
    crf_map_release(&m->item_map);
    crf_map_release(&m->group_map);
    crf_map_release(&m->event_map);
    crf_map_release(&m->form_map);
}

static void odmr_mdv_init(struct odmr_mdv *m)
{
    memset(m, 0, sizeof *m);
    crf_map_init(&m->item_map, false);
    crf_map_init(&m->group_map, false);
    crf_map_init(&m->event_map, false);
    crf_map_init(&m->form_map, false);
}

/* Add an ItemDef; a duplicate OID keeps the first. NULL on OOM; *dup when it existed. */
static struct odmr_item *odmr_mdv_add_item(struct odmr_mdv *m, const char *oid, bool *dup)
{
    struct odmr_item *it;
    char *k;
    *dup = crf_map_get(&m->item_map, oid) != CRF_NONE;
    if (*dup)
        return &m->items[crf_map_get(&m->item_map, oid)];
    if (tp_grow((void **)&m->items, &m->capitems, m->nitems + 1, sizeof *m->items))
        return NULL;
    k = tp_strdup(oid);
    if (!k)
        return NULL;
    it = &m->items[m->nitems];
    memset(it, 0, sizeof *it);
    it->oid = k;
    if (crf_map_put(&m->item_map, k, m->nitems, NULL) != TP_OK) {
        tp_free(k);
        return NULL;
    }
    m->nitems++;
    return it;
}

static struct odmr_group *odmr_mdv_add_group(struct odmr_mdv *m, const char *oid, bool *dup)
{
    struct odmr_group *g;
    char *k;
    size_t old = crf_map_get(&m->group_map, oid);
    *dup = old != CRF_NONE;
    if (*dup)
        return &m->groups[old];
    if (tp_grow((void **)&m->groups, &m->capgroups, m->ngroups + 1, sizeof *m->groups))
        return NULL;
    k = tp_strdup(oid);
    if (!k)
        return NULL;
    g = &m->groups[m->ngroups];
    memset(g, 0, sizeof *g);
    g->oid = k;
    if (crf_map_put(&m->group_map, k, m->ngroups, NULL) != TP_OK) {
        tp_free(k);
        return NULL;
    }
    m->ngroups++;
    return g;
}

static int odmr_group_add_ref(struct odmr_group *g, const char *oid)
{
    char *k;
    for (size_t i = 0; i < g->nrefs; i++)
        if (strcmp(g->refs[i], oid) == 0)
            return TP_OK;
    if (tp_grow((void **)&g->refs, &g->caprefs, g->nrefs + 1, sizeof *g->refs))
        return TP_E_NOMEM;
    k = tp_strdup(oid);
    if (!k)
        return TP_E_NOMEM;
    g->refs[g->nrefs++] = k;
    return TP_OK;
}

static int odmr_mdv_add_def(struct odmr_def **arr, size_t *n, size_t *cap, struct crf_map *map,
                            const char *oid, bool repeating)
{
    char *k;
    if (crf_map_get(map, oid) != CRF_NONE)
        return TP_OK;
    if (tp_grow((void **)arr, cap, *n + 1, sizeof **arr))
        return TP_E_NOMEM;
    k = tp_strdup(oid);
    if (!k)
        return TP_E_NOMEM;
    if (crf_map_put(map, k, *n, NULL) != TP_OK) {
        tp_free(k);
        return TP_E_NOMEM;
    }
    (*arr)[*n].oid = k;
    (*arr)[*n].repeating = repeating;
    (*n)++;
    return TP_OK;
}

/* The study's CRF as a MetaDataVersion. */
static int odmr_mdv_from_crf(const struct tp_crf *crf, struct odmr_mdv **out)
{
    struct odmr_mdv *m = tp_calloc(1, sizeof *m);
    const char *mdv = tp_crf_attr(crf, "MetaDataVersionOID");
    bool dup;
    *out = NULL;
    if (!m)
        return TP_E_NOMEM;
    odmr_mdv_init(m);
    m->from_crf = true;
    m->study_oid = tp_strdup(tp_crf_study_oid(crf));
    m->oid = tp_strdup(mdv && *mdv ? mdv : "MDV.1");
    if (!m->study_oid || !m->oid)
        goto nomem;
    for (size_t i = 0; i < tp_crf_item_count(crf); i++) {
        const struct tp_crf_item *ci = tp_crf_item_at(crf, i);
        struct odmr_item *it = odmr_mdv_add_item(m, tp_crf_item_oid(ci), &dup);
        if (!it)
            goto nomem;
        if (dup)
            continue;
        it->name = tp_strdup(tp_crf_item_name(ci));
        if (!it->name)
            goto nomem;
        it->type = tp_crf_item_datatype(ci);
        it->length = tp_crf_item_length(ci);
        it->keep_text = tp_crf_item_missing_count(ci) > 0;
    }
    for (size_t i = 0; i < tp_crf_itemgroup_count(crf); i++) {
        const struct tp_crf_itemgroup *cg = tp_crf_itemgroup_at(crf, i);
        struct odmr_group *g = odmr_mdv_add_group(m, tp_crf_itemgroup_oid(cg), &dup);
        if (!g)
            goto nomem;
        if (dup)
            continue;
        g->name = tp_strdup(tp_crf_itemgroup_name(cg));
        g->repeating = tp_crf_itemgroup_repeating(cg);
        if (!g->name)
            goto nomem;
        for (size_t k = 0; k < tp_crf_itemgroup_item_count(cg); k++)
            if (odmr_group_add_ref(g, tp_crf_item_oid(tp_crf_itemgroup_item_at(cg, k))))
                goto nomem;
    }
    for (size_t i = 0; i < tp_crf_event_count(crf); i++) {
        const struct tp_crf_event *e = tp_crf_event_at(crf, i);
        if (odmr_mdv_add_def(&m->events, &m->nevents, &m->capevents, &m->event_map,
                             tp_crf_event_oid(e), tp_crf_event_repeating(e)))
            goto nomem;
    }
    for (size_t i = 0; i < tp_crf_form_count(crf); i++) {
        const struct tp_crf_form *f = tp_crf_form_at(crf, i);
        if (odmr_mdv_add_def(&m->forms, &m->nforms, &m->capforms, &m->form_map, tp_crf_form_oid(f),
                             tp_crf_form_repeating(f)))
            goto nomem;
    }
    *out = m;
    return TP_OK;
nomem:
    odmr_mdv_release(m);
    tp_free(m);
    return TP_E_NOMEM;
}

static struct odmr_mdv *odmr_find_mdv(struct odmr *r, const char *study, const char *oid)
{
    for (size_t i = 0; i < r->nmdvs; i++)
        if (strcmp(r->mdvs[i].oid, oid) == 0 && strcmp(r->mdvs[i].study_oid, study) == 0)
            return &r->mdvs[i];
    return NULL;
}

/* Item / group / def look-ups that follow Include chains. */
static const struct odmr_item *odmr_item_of(struct odmr *r, const struct odmr_mdv *m,
                                            const char *oid)
{
    for (int depth = 0; m && depth < ODMR_MAX_INCLUDE; depth++) {
        size_t i = crf_map_get(&m->item_map, oid);
        if (i != CRF_NONE)
            return &m->items[i];
        m = m->inc_mdv ? odmr_find_mdv(r, m->inc_study ? m->inc_study : m->study_oid, m->inc_mdv)
                       : NULL;
    }
    return NULL;
}

static const struct odmr_group *odmr_group_of(struct odmr *r, const struct odmr_mdv *m,
                                              const char *oid)
{
    for (int depth = 0; m && depth < ODMR_MAX_INCLUDE; depth++) {
        size_t i = crf_map_get(&m->group_map, oid);
        if (i != CRF_NONE)
            return &m->groups[i];
        m = m->inc_mdv ? odmr_find_mdv(r, m->inc_study ? m->inc_study : m->study_oid, m->inc_mdv)
                       : NULL;
    }
    return NULL;
}

/* Repeating flag of an event (events true) or form def: 1 yes, 0 no, -1 no such def. */
static int odmr_def_repeating(struct odmr *r, const struct odmr_mdv *m, bool events,
                              const char *oid)
{
    for (int depth = 0; m && depth < ODMR_MAX_INCLUDE; depth++) {
        size_t i = crf_map_get(events ? &m->event_map : &m->form_map, oid);
        if (i != CRF_NONE)
            return (events ? m->events[i].repeating : m->forms[i].repeating) ? 1 : 0;
        m = m->inc_mdv ? odmr_find_mdv(r, m->inc_study ? m->inc_study : m->study_oid, m->inc_mdv)
                       : NULL;
    }
    return -1;
}

/* ------------------------------------------------------------------ scan records */

static struct odmr_seen *odmr_seen_get(struct odmr *r, const char *group, bool create)
{
    size_t i = crf_map_get(&r->seen_map, group);
    struct odmr_seen *s;
    if (i != CRF_NONE)
        return &r->seen[i];
    if (!create)
        return NULL;
    if (r->nseen == r->capseen) {
        size_t ncap = r->capseen ? r->capseen * 2 : 16;
        struct odmr_seen *n = tp_reallocarray(r->seen, ncap, sizeof *n);
        if (!n)
            return NULL;
        r->seen = n;
        r->capseen = ncap;
    }
    s = &r->seen[r->nseen];
    memset(s, 0, sizeof *s);
    crf_map_init(&s->map, false);
    s->group = tp_strdup(group);
    if (!s->group || crf_map_put(&r->seen_map, s->group, r->nseen, NULL) != TP_OK) {
        tp_free(s->group);
        return NULL;
    }
    r->nseen++;
    return s;
}

static int odmr_seen_add(struct odmr_seen *s, const char *item)
{
    char *k;
    if (crf_map_get(&s->map, item) != CRF_NONE)
        return TP_OK;
    if (s->nitems >= ODMR_MAX_COLS)
        return TP_E_LIMIT;
    if (tp_grow((void **)&s->items, &s->capitems, s->nitems + 1, sizeof *s->items))
        return TP_E_NOMEM;
    k = tp_strdup(item);
    if (!k)
        return TP_E_NOMEM;
    if (crf_map_put(&s->map, k, s->nitems, NULL) != TP_OK) {
        tp_free(k);
        return TP_E_NOMEM;
    }
    s->items[s->nitems++] = k;
    return TP_OK;
}

/* ------------------------------------------------------------------ tables */

static void odmr_table_release(struct odmr_table *t)
{
    tp_writer_abort(t->w);
    tp_dataset_free(t->meta);
    tp_dataset_free(t->batch);
    for (size_t i = 0; i < t->ncols; i++)
        tp_free(t->col_oids[i]);
    tp_free(t->col_oids);
    crf_map_release(&t->cols);
    tp_free(t->set);
    tp_free(t->known);
    tp_free(t->group_oid);
    tp_free(t->file);
    tp_free(t->data);
    memset(t, 0, sizeof *t);
}

static void odmr_tables_drop(struct odmr *r)
{
    for (size_t i = 0; i < r->ntables; i++)
        odmr_table_release(&r->tables[i]);
    r->ntables = 0;
    crf_map_release(&r->table_map);
    crf_map_release(&r->file_map);
    crf_map_init(&r->table_map, false);
    crf_map_init(&r->file_map, true);
}

/* A file name for a group OID: [A-Za-z0-9._-] kept, the rest '_', unique without case. */
static int odmr_table_filename(struct odmr *r, const char *oid, char **out)
{
    struct tp_strbuf sb;
    size_t base;
    tp_strbuf_init(&sb);
    *out = NULL;
    if (!*oid || *oid == '.')
        tp_strbuf_addc(&sb, '_');
    for (const char *p = oid; *p && sb.len < 120; p++) {
        unsigned char c = (unsigned char)*p;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (tp_strbuf_addc(&sb, ok ? (char)c : '_'))
            goto nomem;
    }
    base = sb.len;
    for (unsigned n = 1;; n++) {
        sb.len = base;
        if ((n > 1 && tp_strbuf_addf(&sb, "_%u", n)) || tp_strbuf_adds(&sb, ".csv"))
            goto nomem;
        if (crf_map_get(&r->file_map, tp_strbuf_cstr(&sb)) == CRF_NONE)
            break;
    }
    *out = sb.buf;
    return TP_OK;
nomem:
    tp_strbuf_release(&sb);
    return TP_E_NOMEM;
}

/*
 * A column name any CSV reader takes back: no control characters, no blanks around it, at most 60
 * bytes (cut at a UTF-8 character boundary), never empty.
 */
static void odmr_column_name(const char *name, char *buf, size_t size)
{
    size_t n = 0, start = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 1 < size && n < 60; p++)
        buf[n++] = (char)(*p < 0x20 || *p == 0x7F ? '_' : *p);
    while (n && ((unsigned char)name[n] & 0xC0) == 0x80) /* cut: do not split a character */
        n--;
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    while (start < n && (buf[start] == ' ' || buf[start] == '\t'))
        start++;
    memmove(buf, buf + start, n - start);
    n -= start;
    if (n == 0)
        buf[n++] = '_';
    buf[n] = '\0';
}

/* Add a variable, renaming on a clash (case-insensitive) or an unusable name, with a warning. */
static int odmr_add_var(struct odmr *r, struct tp_dataset *ds, const char *name,
                        enum tp_vartype type, const char *data_type, size_t length,
                        const char *item_oid)
{
    struct tp_var v;
    char base[64], buf[80];
    const char *want = *name ? name : (item_oid ? item_oid : "_");
    odmr_column_name(want, base, sizeof base);
    snprintf(buf, sizeof buf, "%s", base);
    for (unsigned n = 2; tp_dataset_find_var(ds, buf) >= 0; n++)
        snprintf(buf, sizeof buf, "%s_%u", base, n);
    if (strcmp(buf, want) != 0)
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, tp_dataset_name(ds), buf, item_oid,
                  "column name '%.80s' (item '%.80s') is already used in this table or unusable "
                  "as a CSV header; written as '%s'",
                  want, item_oid ? item_oid : "", buf);
    memset(&v, 0, sizeof v);
    v.name = buf;
    v.type = type;
    v.length = type == TP_NUM ? 8 : length;
    v.item_oid = (char *)(uintptr_t)item_oid;
    v.data_type = (char *)(uintptr_t)data_type;
    if (tp_dataset_add_var(ds, &v, NULL))
        return TP_E_NOMEM;
    return TP_OK;
}

static const char *odmr_dstype(enum tp_crf_datatype t)
{
    switch (t) {
    case TP_DT_INTEGER: return "integer";
    case TP_DT_FLOAT: return "float";
    case TP_DT_DOUBLE: return "double";
    case TP_DT_BOOLEAN: return "boolean";
    case TP_DT_DATE: return "date";
    case TP_DT_DATETIME: return "datetime";
    case TP_DT_TIME: return "time";
    default: return "string";
    }
}

/* Add an item column for item_oid (once), typed by its ItemDef when the metadata has one. */
static int odmr_table_add_col(struct odmr *r, struct odmr_table *t, const char *item_oid)
{
    const struct odmr_item *it = r->cur ? odmr_item_of(r, r->cur, item_oid) : NULL;
    enum tp_crf_datatype type = it ? it->type : (enum tp_crf_datatype)0;
    bool num = it && odm_type_numeric(type) && !it->keep_text;
    const char *name = it && it->name && *it->name ? it->name : item_oid;
    char *k;
    if (crf_map_get(&t->cols, item_oid) != CRF_NONE)
        return TP_OK;
    if (t->ncols >= ODMR_MAX_COLS)
        return odmr_fail(r, TP_E_LIMIT, odmr_line(r), "item group '%s' has more than %d items",
                         t->group_oid, ODMR_MAX_COLS);
    if (tp_grow((void **)&t->col_oids, &t->capcols, t->ncols + 1, sizeof *t->col_oids))
        return odmr_nomem(r);
    k = tp_strdup(item_oid);
    if (!k)
        return odmr_nomem(r);
    if (crf_map_put(&t->cols, k, t->ncols, NULL) != TP_OK) {
        tp_free(k);
        return odmr_nomem(r);
    }
    t->col_oids[t->ncols++] = k;
    if (odmr_add_var(r, t->meta, name, num ? TP_NUM : TP_CHAR, it ? odmr_dstype(type) : "string",
                     it ? it->length : 0, item_oid))
        return odmr_nomem(r);
    return TP_OK;
}

/* Create the table of item group goid (write pass), with the columns of its ItemGroupDef and
   those the scan pass saw. */
static int odmr_table_open(struct odmr *r, const char *goid, const struct odmr_group *g,
                           struct odmr_table **out)
{
    struct odmr_table *t;
    const struct odmr_seen *seen = odmr_seen_get(r, goid, false);
    struct tp_strbuf path;
    int rc;
    *out = NULL;
    if (r->ntables >= r->max_tables)
        return odmr_fail(r, TP_E_LIMIT, odmr_line(r),
                         "more than %zu item groups: not read (raise the table limit)",
                         r->max_tables);
    if (tp_grow((void **)&r->tables, &r->captables, r->ntables + 1, sizeof *r->tables))
        return odmr_nomem(r);
    t = &r->tables[r->ntables];
    memset(t, 0, sizeof *t);
    crf_map_init(&t->cols, false);
    r->ntables++; /* from here on the cleanup path owns it */
    t->group_oid = tp_strdup(goid);
    if (!t->group_oid || odmr_table_filename(r, goid, &t->file) ||
        crf_map_put(&r->table_map, t->group_oid, r->ntables - 1, NULL) != TP_OK ||
        crf_map_put(&r->file_map, t->file, r->ntables - 1, NULL) != TP_OK)
        return odmr_nomem(r);
    t->meta = tp_dataset_new(goid, g && g->name ? g->name : "");
    if (!t->meta)
        return odmr_nomem(r);
    for (size_t i = 0; i < ODMR_NKEYS; i++)
        if (odmr_add_var(r, t->meta, odmr_keycols[i], TP_CHAR, "string", 0, NULL))
            return odmr_nomem(r);
    if (r->transactional && odmr_add_var(r, t->meta, "TransactionType", TP_CHAR, "string", 0, NULL))
        return odmr_nomem(r);
    t->nkeys = tp_dataset_nvars(t->meta);
    for (size_t i = 0; g && i < g->nrefs; i++)
        if ((rc = odmr_table_add_col(r, t, g->refs[i])))
            return rc;
    for (size_t i = 0; seen && i < seen->nitems; i++)
        if ((rc = odmr_table_add_col(r, t, seen->items[i])))
            return rc;
    t->set = tp_calloc(t->ncols ? t->ncols : 1, 1);
    t->known = tp_calloc(t->ncols ? t->ncols : 1, 1);
    t->batch = tp_dataset_clone_meta(t->meta);
    if (!t->set || !t->known || !t->batch)
        return odmr_nomem(r);
    t->mdv = r->cur;
    for (size_t i = 0; r->cur && i < t->ncols; i++) {
        bool ref = false;
        if (!odmr_item_of(r, r->cur, t->col_oids[i]))
            continue; /* an ItemRef without ItemDef: data for it will be refused */
        for (size_t k = 0; g && k < g->nrefs && !ref; k++)
            ref = strcmp(g->refs[k], t->col_oids[i]) == 0;
        t->known[i] = ref ? 2 : 1;
    }
    if (r->outdir) {
        tp_strbuf_init(&path);
        if (tp_strbuf_addf(&path, "%s/%s", r->tmpdir, t->file)) {
            tp_strbuf_release(&path);
            return odmr_nomem(r);
        }
        rc = tp_writer_open(tp_strbuf_cstr(&path), "csv", t->meta, NULL, &t->w, r->err);
        tp_strbuf_release(&path);
    } else {
        rc = tp_writer_open_memory("csv", t->meta, NULL, &t->w, r->err);
    }
    if (rc)
        return rc;
    *out = t;
    return TP_OK;
}

static int odmr_table_flush(struct odmr *r, struct odmr_table *t)
{
    int rc;
    if (!t->batch || tp_dataset_nrows(t->batch) == 0)
        return TP_OK;
    rc = tp_writer_write(t->w, t->batch, r->err);
    tp_dataset_clear_rows(t->batch);
    return rc;
}

/* ------------------------------------------------------------------ attributes */

#define ODMR_MAXATTR 6

struct odmr_attrs {
    const char *const *names;
    size_t n;
    bool has[ODMR_MAXATTR];
    struct tp_strbuf *val; /* r->attr_val */
};

/* Read the listed (namespace-less) attributes of the current element into a->val[i]; note the
   vendor namespaces of the others. */
static int odmr_attrs(struct odmr *r, struct odmr_attrs *a, const char *const *names, size_t n)
{
    a->names = names;
    a->n = n;
    a->val = r->attr_val;
    for (size_t i = 0; i < n; i++) {
        a->has[i] = false;
        tp_strbuf_reset(&a->val[i]);
    }
    if (xmlTextReaderHasAttributes(r->rd) != 1)
        return TP_OK;
    while (xmlTextReaderMoveToNextAttribute(r->rd) == 1) {
        const xmlChar *ns = xmlTextReaderConstNamespaceUri(r->rd);
        const xmlChar *ln = xmlTextReaderConstLocalName(r->rd);
        if (ns) {
            const char *u = (const char *)ns;
            if (strcmp(u, "http://www.w3.org/2000/xmlns/") != 0 &&
                strcmp(u, "http://www.w3.org/XML/1998/namespace") != 0 &&
                strcmp(u, "http://www.w3.org/2001/XMLSchema-instance") != 0 &&
                odmr_once(r, "ns", u))
                odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, u,
                          "attributes and elements of namespace '%s' (a vendor extension) are "
                          "ignored",
                          u);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (odmr_is(ln, names[i])) {
                const xmlChar *v = xmlTextReaderConstValue(r->rd);
                a->has[i] = true;
                if (tp_strbuf_adds(&a->val[i], odmr_s(v))) {
                    xmlTextReaderMoveToElement(r->rd);
                    return odmr_nomem(r);
                }
                /* libxml2 lets some malformed sequences through; the tables must be UTF-8 */
                if (tp_utf8_valid_prefix((const unsigned char *)a->val[i].buf, a->val[i].len) !=
                    a->val[i].len) {
                    xmlTextReaderMoveToElement(r->rd);
                    return odmr_fail(r, TP_E_PARSE, odmr_line(r),
                                     "not well-formed XML: invalid UTF-8 in attribute '%s'",
                                     names[i]);
                }
                break;
            }
    }
    xmlTextReaderMoveToElement(r->rd);
    return TP_OK;
}

static const char *odmr_av(struct odmr_attrs *a, size_t i)
{
    return tp_strbuf_cstr(&a->val[i]);
}

/* ------------------------------------------------------------------ element handlers */

enum odmr_kind {
    E_SKIP = 0,
    E_ODM,
    E_STUDY,
    E_MDV,
    E_IGDEF,
    E_CD,
    E_SUBJ,
    E_SE,
    E_FORM,
    E_IG,
    E_LEAF /* handled at its start, never entered */
};

#define ODMR_MAXDEPTH 16

struct odmr_walk {
    enum odmr_kind kind[ODMR_MAXDEPTH];
};

static int odmr_set_key(struct odmr *r, enum odmr_key k, const char *v)
{
    tp_strbuf_reset(&r->key[k]);
    return tp_strbuf_adds(&r->key[k], v) ? odmr_nomem(r) : TP_OK;
}

/* TransactionType of a data element: own value checked against the FileType. */
static int odmr_tx(struct odmr *r, struct odmr_attrs *a, size_t idx, const char *what,
                   enum odmr_tx inherited, enum odmr_tx *eff, bool *skip)
{
    enum odmr_tx own = TX_NONE;
    *skip = false;
    *eff = inherited;
    if (!a->has[idx])
        return TP_OK;
    own = odmr_tx_parse(odmr_av(a, idx));
    if (own == TX_BAD) {
        odmr_warn(r, odmr_line(r), ODM_RULE_TX, NULL, NULL, odmr_av(a, idx),
                  "%s: unknown TransactionType '%s' ignored", what, odmr_av(a, idx));
        return TP_OK;
    }
    if (!r->transactional && own != TX_INSERT) {
        if (own == TX_REMOVE) {
            odmr_warn(r, odmr_line(r), ODM_RULE_TX, NULL, NULL, "Remove",
                      "%s: TransactionType Remove in a Snapshot (only Insert is allowed); the "
                      "element and its data are left out",
                      what);
            *skip = true;
            return TP_OK;
        }
        odmr_warn(r, odmr_line(r), ODM_RULE_TX, NULL, NULL, odmr_tx_names[own],
                  "%s: TransactionType %s in a Snapshot (only Insert is allowed); read as Insert",
                  what, odmr_tx_names[own]);
        own = TX_INSERT;
    }
    *eff = own;
    return TP_OK;
}

/* Warn when a repeat key does not match its definition's Repeating flag (once per OID). */
static void odmr_check_repeat(struct odmr *r, const char *kind, const char *oid, int repeating,
                              bool has_key)
{
    if (repeating == 0 && has_key && odmr_once(r, "rk+", kind))
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, oid,
                  "%s '%s' has a repeat key but its definition is not repeating; key kept (first "
                  "such %s, others not listed)",
                  kind, oid, kind);
    else if (repeating == 1 && !has_key && odmr_once(r, "rk-", kind))
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, oid,
                  "%s '%s' has no repeat key but its definition is repeating (first such %s, "
                  "others not listed)",
                  kind, oid, kind);
}

static int odmr_start_root(struct odmr *r, const xmlChar *ln, const xmlChar *ns)
{
    static const char *const names[] = {"FileType", "ODMVersion"};
    struct odmr_attrs a;
    int rc;
    r->root_seen = true;
    if (!odmr_is(ln, "ODM"))
        return odmr_fail(r, TP_E_PARSE, odmr_line(r),
                         "not an ODM document: the root element is "
                         "'%s'",
                         odmr_s(ln));
    if (!odmr_is(ns, ODM_NS))
        return odmr_fail(r, TP_E_PARSE, odmr_line(r),
                         "not an ODM 1.3 document: the root element is in namespace '%s'",
                         ns ? odmr_s(ns) : "(none)");
    if ((rc = odmr_attrs(r, &a, names, 2)))
        return rc;
    if (!a.has[0])
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, NULL,
                  "the ODM element has no FileType; read as a Snapshot");
    else if (strcmp(odmr_av(&a, 0), "Transactional") == 0)
        r->transactional = true;
    else if (strcmp(odmr_av(&a, 0), "Snapshot") != 0)
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 0),
                  "unknown FileType '%s'; read as a Snapshot", odmr_av(&a, 0));
    if (a.has[1] && strncmp(odmr_av(&a, 1), "1.3", 3) != 0)
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 1),
                  "ODMVersion '%s' is not 1.3.x; read as ODM 1.3", odmr_av(&a, 1));
    return TP_OK;
}

static int odmr_start_mdv(struct odmr *r)
{
    static const char *const names[] = {"OID"};
    struct odmr_attrs a;
    struct odmr_mdv *m;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 1)))
        return rc;
    if (odmr_find_mdv(r, r->study_oid ? r->study_oid : "", odmr_av(&a, 0)))
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 0),
                  "MetaDataVersion '%s' is defined twice; the first one is used", odmr_av(&a, 0));
    if (tp_grow((void **)&r->mdvs, &r->capmdvs, r->nmdvs + 1, sizeof *r->mdvs))
        return odmr_nomem(r);
    m = &r->mdvs[r->nmdvs];
    odmr_mdv_init(m);
    m->study_oid = tp_strdup(r->study_oid ? r->study_oid : "");
    m->oid = tp_strdup(odmr_av(&a, 0));
    r->nmdvs++;
    if (!m->study_oid || !m->oid)
        return odmr_nomem(r);
    return TP_OK;
}

static int odmr_start_itemdef(struct odmr *r, struct odmr_mdv *m)
{
    static const char *const names[] = {"OID", "Name", "DataType", "Length"};
    struct odmr_attrs a;
    struct odmr_item *it;
    bool dup;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 4)))
        return rc;
    if (!a.has[0] || !*odmr_av(&a, 0)) {
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, NULL,
                  "ItemDef without OID ignored");
        return TP_OK;
    }
    it = odmr_mdv_add_item(m, odmr_av(&a, 0), &dup);
    if (!it)
        return odmr_nomem(r);
    if (dup) {
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 0),
                  "ItemDef '%s' is defined twice; the first one is used", odmr_av(&a, 0));
        return TP_OK;
    }
    it->name = tp_strdup(odmr_av(&a, 1));
    if (!it->name)
        return odmr_nomem(r);
    if (!odmr_parse_datatype(odmr_av(&a, 2), &it->type)) {
        it->type = TP_DT_TEXT;
        if (odmr_once(r, "dt", odmr_av(&a, 2)))
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, it->name, odmr_av(&a, 2),
                      "unknown DataType '%s' (item '%s' and others); read as text", odmr_av(&a, 2),
                      it->oid);
    }
    if (a.has[3]) {
        char *end;
        unsigned long v = strtoul(odmr_av(&a, 3), &end, 10);
        if (*end == '\0' && v < 1000000)
            it->length = (unsigned)v;
    }
    if (r->o->crf) {
        const struct tp_crf_item *ci = tp_crf_item_find(r->o->crf, it->oid);
        if (ci && tp_crf_item_missing_count(ci) > 0)
            it->keep_text = true;
    }
    return TP_OK;
}

static int odmr_start_igdef(struct odmr *r, struct odmr_mdv *m, bool *skip)
{
    static const char *const names[] = {"OID", "Name", "Repeating"};
    struct odmr_attrs a;
    struct odmr_group *g;
    bool dup;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 3)))
        return rc;
    g = odmr_mdv_add_group(m, odmr_av(&a, 0), &dup);
    if (!g)
        return odmr_nomem(r);
    if (dup) {
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 0),
                  "ItemGroupDef '%s' is defined twice; the first one is used", odmr_av(&a, 0));
        *skip = true;
        return TP_OK;
    }
    g->name = tp_strdup(odmr_av(&a, 1));
    if (!g->name)
        return odmr_nomem(r);
    g->repeating = strcmp(odmr_av(&a, 2), "Yes") == 0;
    return TP_OK;
}

static int odmr_start_clinicaldata(struct odmr *r)
{
    static const char *const names[] = {"StudyOID", "MetaDataVersionOID"};
    struct odmr_attrs a;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 2)))
        return rc;
    r->in_cd = true;
    r->cur = odmr_find_mdv(r, odmr_av(&a, 0), odmr_av(&a, 1));
    if (!r->cur && r->crf_mdv && strcmp(r->crf_mdv->study_oid, odmr_av(&a, 0)) == 0 &&
        strcmp(r->crf_mdv->oid, odmr_av(&a, 1)) == 0) {
        r->cur = r->crf_mdv;
        if (odmr_once(r, "crfmdv", odmr_av(&a, 1)))
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 1),
                      "MetaDataVersion '%s' is not in this file; the study's metadata are used",
                      odmr_av(&a, 1));
    }
    if (!r->cur) {
        if (!r->scanned && r->pass == PASS_WRITE) {
            r->restart = true;
            return TP_OK;
        }
        if (odmr_once(r, "nomdv", odmr_av(&a, 1)))
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 1),
                      "ClinicalData refers to MetaDataVersion '%s' of study '%s', which this "
                      "file does not define: columns are named by ItemOID and read as text",
                      odmr_av(&a, 1), odmr_av(&a, 0));
    }
    return TP_OK;
}

static int odmr_start_subject(struct odmr *r, bool *skip)
{
    static const char *const names[] = {"SubjectKey", "TransactionType"};
    struct odmr_attrs a;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 2)))
        return rc;
    if (!a.has[0] || !*odmr_av(&a, 0))
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, NULL,
                  "SubjectData without SubjectKey; its rows have an empty SubjectKey");
    if (r->transactional && !a.has[1] && odmr_once(r, "toptx", ""))
        odmr_warn(r, odmr_line(r), ODM_RULE_TX, NULL, NULL, odmr_av(&a, 0),
                  "SubjectData without TransactionType in a Transactional file (first of them)");
    if ((rc = odmr_tx(r, &a, 1, "SubjectData", TX_NONE, &r->tx_subject, skip)) || *skip)
        return rc;
    if ((rc = odmr_set_key(r, K_SUBJECT, odmr_av(&a, 0))))
        return rc;
    for (int k = K_EVENT; k <= K_GROUP_REPEAT; k++)
        tp_strbuf_reset(&r->key[k]);
    r->tx_event = r->tx_form = r->tx_group = r->tx_subject;
    if (r->pass == PASS_WRITE)
        r->st.subjects++;
    return TP_OK;
}

static int odmr_start_event(struct odmr *r, bool *skip)
{
    static const char *const names[] = {"StudyEventOID", "StudyEventRepeatKey", "TransactionType"};
    struct odmr_attrs a;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 3)))
        return rc;
    if ((rc = odmr_tx(r, &a, 2, "StudyEventData", r->tx_subject, &r->tx_event, skip)) || *skip)
        return rc;
    if (r->cur) {
        int rep = odmr_def_repeating(r, r->cur, true, odmr_av(&a, 0));
        if (rep < 0 && odmr_once(r, "sedef", odmr_av(&a, 0)))
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 0),
                      "StudyEventData '%s' has no StudyEventDef", odmr_av(&a, 0));
        odmr_check_repeat(r, "StudyEventData", odmr_av(&a, 0), rep, a.has[1]);
    }
    if ((rc = odmr_set_key(r, K_EVENT, odmr_av(&a, 0))) ||
        (rc = odmr_set_key(r, K_EVENT_REPEAT, odmr_av(&a, 1))))
        return rc;
    if (r->pass == PASS_WRITE)
        r->st.events++;
    return TP_OK;
}

static int odmr_start_form(struct odmr *r, bool direct, bool *skip)
{
    static const char *const names[] = {"FormOID", "FormRepeatKey", "TransactionType"};
    struct odmr_attrs a;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 3)))
        return rc;
    if (direct) {
        if (odmr_once(r, "direct", ""))
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 0),
                      "FormData directly under SubjectData, without StudyEventData (as REDCap "
                      "classic projects write); StudyEventOID left empty");
        tp_strbuf_reset(&r->key[K_EVENT]);
        tp_strbuf_reset(&r->key[K_EVENT_REPEAT]);
        r->tx_event = r->tx_subject;
    }
    if ((rc = odmr_tx(r, &a, 2, "FormData", r->tx_event, &r->tx_form, skip)) || *skip)
        return rc;
    if (r->cur) {
        int rep = odmr_def_repeating(r, r->cur, false, odmr_av(&a, 0));
        if (rep < 0 && odmr_once(r, "formdef", odmr_av(&a, 0)))
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_av(&a, 0),
                      "FormData '%s' has no FormDef", odmr_av(&a, 0));
        odmr_check_repeat(r, "FormData", odmr_av(&a, 0), rep, a.has[1]);
    }
    if ((rc = odmr_set_key(r, K_FORM, odmr_av(&a, 0))) ||
        (rc = odmr_set_key(r, K_FORM_REPEAT, odmr_av(&a, 1))))
        return rc;
    if (r->pass == PASS_WRITE)
        r->st.forms++;
    return TP_OK;
}

static int odmr_start_group(struct odmr *r, bool *skip)
{
    static const char *const names[] = {"ItemGroupOID", "ItemGroupRepeatKey", "TransactionType"};
    struct odmr_attrs a;
    const struct odmr_group *g = NULL;
    const char *goid;
    size_t ti;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 3)))
        return rc;
    if ((rc = odmr_tx(r, &a, 2, "ItemGroupData", r->tx_form, &r->tx_group, skip)) || *skip)
        return rc;
    tp_strbuf_reset(&r->gbuf);
    if (tp_strbuf_adds(&r->gbuf, odmr_av(&a, 0)))
        return odmr_nomem(r);
    goid = r->group_oid = tp_strbuf_cstr(&r->gbuf);
    if ((rc = odmr_set_key(r, K_GROUP_REPEAT, odmr_av(&a, 1))))
        return rc;
    if (r->cur) {
        g = odmr_group_of(r, r->cur, goid);
        if (!g) {
            if (odmr_once(r, "igdef", goid))
                odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, goid, NULL, goid,
                          "ItemGroupData '%s' has no ItemGroupDef; its columns are the items "
                          "found in the data",
                          goid);
        } else {
            odmr_check_repeat(r, "ItemGroupData", goid, g->repeating ? 1 : 0, a.has[1]);
        }
    }
    if (r->pass == PASS_SCAN) {
        r->seen_cur = odmr_seen_get(r, goid, true);
        return r->seen_cur ? TP_OK : odmr_nomem(r);
    }
    ti = crf_map_get(&r->table_map, goid);
    if (ti != CRF_NONE)
        r->table = &r->tables[ti];
    else {
        if (!g && !r->scanned) {
            r->restart = true;
            return TP_OK;
        }
        if ((rc = odmr_table_open(r, goid, g, &r->table)))
            return rc;
    }
    {
        struct odmr_table *t = r->table;
        if (tp_dataset_nrows(t->batch) >= ODMR_BATCH && (rc = odmr_table_flush(r, t)))
            return rc;
        if (tp_dataset_add_rows(t->batch, 1, &r->row, r->err))
            return r->err && r->err->code ? r->err->code : odmr_nomem(r);
        for (size_t k = 0; k < ODMR_NKEYS; k++) {
            const struct tp_strbuf *sb = &r->key[k];
            if (sb->len && tp_dataset_set_str(t->batch, r->row, k, sb->buf, sb->len))
                return odmr_nomem(r);
        }
        if (r->transactional) {
            const char *tx = odmr_tx_names[r->tx_group];
            if (*tx && tp_dataset_set_str(t->batch, r->row, ODMR_NKEYS, tx, strlen(tx)))
                return odmr_nomem(r);
        }
        memset(t->set, 0, t->ncols ? t->ncols : 1);
    }
    r->st.itemgroups++;
    return TP_OK;
}

static int odmr_end_group(struct odmr *r)
{
    if (r->pass == PASS_WRITE && r->table) {
        r->table->rows++;
        r->table = NULL;
    }
    r->seen_cur = NULL;
    return TP_OK;
}

static int odmr_set_cell(struct odmr *r, struct odmr_table *t, size_t col, const char *oid,
                         const char *v, size_t n, bool null)
{
    size_t var = t->nkeys + col;
    const struct tp_var *tv = tp_dataset_var(t->batch, var);
    if (t->set[col])
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, t->group_oid, tv->name, oid,
                  "item '%s' appears twice in one ItemGroupData; the last value is kept", oid);
    t->set[col] = 1;
    if (tv->type == TP_NUM) {
        double d;
        if (null || n == 0)
            return tp_dataset_set_num(t->batch, r->row, var, 0, TP_MISSING) ? odmr_nomem(r) : TP_OK;
        if (!tp_parse_double(v, n, &d)) {
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, t->group_oid, tv->name, v,
                      "value of numeric item '%s' is not a number; written as missing", oid);
            return tp_dataset_set_num(t->batch, r->row, var, 0, TP_MISSING) ? odmr_nomem(r) : TP_OK;
        }
        return tp_dataset_set_num(t->batch, r->row, var, d, TP_PRESENT) ? odmr_nomem(r) : TP_OK;
    }
    return tp_dataset_set_str(t->batch, r->row, var, null ? "" : v, null ? 0 : n) ? odmr_nomem(r)
                                                                                  : TP_OK;
}

static int odmr_item(struct odmr *r, const xmlChar *ln)
{
    static const char *const names[] = {"ItemOID", "Value", "IsNull", "TransactionType"};
    struct odmr_attrs a;
    bool typed = !odmr_is(ln, "ItemData"), null = false;
    const char *oid;
    size_t col0 = CRF_NONE;
    int rc;
    if ((rc = odmr_attrs(r, &a, names, 4)))
        return rc;
    oid = odmr_av(&a, 0);
    if (!a.has[0] || !*oid) {
        odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, r->group_oid, NULL, NULL,
                  "%s without ItemOID ignored", odmr_s(ln));
        return TP_OK;
    }
    /* strict: the file's own metadata must define every item it holds data for (checked once
       per table column in the write pass) */
    if (r->cur &&
        !(r->pass == PASS_WRITE && r->table && r->table->mdv == r->cur &&
          (col0 = crf_map_get(&r->table->cols, oid)) != CRF_NONE && r->table->known[col0]) &&
        !odmr_item_of(r, r->cur, oid))
        return odmr_fail(r, TP_E_PARSE, odmr_line(r),
                         "ItemOID '%s' has no ItemDef in MetaDataVersion '%s'", oid, r->cur->oid);
    if (r->pass == PASS_WRITE)
        r->st.items++;
    if (r->pass == PASS_SCAN) {
        rc = r->seen_cur ? odmr_seen_add(r->seen_cur, oid) : TP_OK;
        if (rc == TP_E_LIMIT)
            return odmr_fail(r, rc, odmr_line(r), "item group '%s' has more than %d items",
                             r->group_oid, ODMR_MAX_COLS);
        return rc ? odmr_nomem(r) : TP_OK;
    }
    if (!r->table)
        return TP_OK;
    {
        struct odmr_table *t = r->table;
        size_t col = col0 != CRF_NONE ? col0 : crf_map_get(&t->cols, oid);
        const char *v;
        size_t n;
        xmlChar *text = NULL;
        if (col == CRF_NONE) {
            if (!r->scanned) {
                r->restart = true;
                return TP_OK;
            }
            /* the scan recorded every (item group, item) pair of the document */
            return tp_fail(r->err, TP_E_INTERNAL, "item '%s' of item group '%s' missed by the scan",
                           oid, t->group_oid);
        }
        if (r->cur && r->cur == t->mdv && t->known[col] != 2 && r->cur != r->crf_mdv &&
            odmr_group_of(r, r->cur, t->group_oid) && odmr_once(r, "notref", oid))
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, t->group_oid, NULL, oid,
                      "item '%s' is not referenced by ItemGroupDef '%s'; a column was added", oid,
                      t->group_oid);
        if (a.has[3]) {
            enum odmr_tx tx = odmr_tx_parse(odmr_av(&a, 3));
            if (tx == TX_REMOVE) {
                null = true;
                odmr_warn(r, odmr_line(r), ODM_RULE_TX, t->group_oid, NULL, oid,
                          "ItemData '%s' with TransactionType Remove: written as an empty cell",
                          oid);
            } else if (tx != TX_INSERT && odmr_once(r, "itemtx", ""))
                odmr_warn(r, odmr_line(r), ODM_RULE_TX, t->group_oid, NULL, odmr_av(&a, 3),
                          "TransactionType on ItemData is not kept (tables carry the item "
                          "group's); first at item '%s'",
                          oid);
        }
        if (a.has[2]) {
            if (strcmp(odmr_av(&a, 2), "Yes") == 0)
                null = true;
            if (a.has[1] && odmr_once(r, "valnull", ""))
                odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, t->group_oid, NULL, oid,
                          "ItemData with both Value and IsNull (first at item '%s'): IsNull wins",
                          oid);
        }
        if (typed && !a.has[1]) {
            text = xmlTextReaderReadString(r->rd);
            v = odmr_s(text);
        } else
            v = odmr_av(&a, 1);
        n = strlen(v);
        if (text && tp_utf8_valid_prefix((const unsigned char *)v, n) != n) {
            xmlFree(text);
            return odmr_fail(r, TP_E_PARSE, odmr_line(r),
                             "not well-formed XML: invalid UTF-8 in the value of item '%s'", oid);
        }
        rc = odmr_set_cell(r, t, col, oid, v, n, null);
        if (text)
            xmlFree(text);
        return rc;
    }
}

/* Dispatch one element start. *skip: do not descend (skip the subtree); *kind: what it is. */
static int odmr_start(struct odmr *r, int depth, enum odmr_kind parent, enum odmr_kind *kind,
                      bool *skip)
{
    const xmlChar *ln = xmlTextReaderConstLocalName(r->rd);
    const xmlChar *ns = xmlTextReaderConstNamespaceUri(r->rd);
    int rc = TP_OK;
    *kind = E_SKIP;
    *skip = true;
    if (depth == 0) {
        *kind = E_ODM;
        *skip = false;
        return odmr_start_root(r, ln, ns);
    }
    if (!odmr_is(ns, ODM_NS)) {
        if (ns && odmr_once(r, "ns", odmr_s(ns)))
            odmr_warn(r, odmr_line(r), ODM_RULE_IMPORT, NULL, NULL, odmr_s(ns),
                      "attributes and elements of namespace '%s' (a vendor extension) are "
                      "ignored",
                      odmr_s(ns));
        return TP_OK;
    }
    switch (parent) {
    case E_ODM:
        if (odmr_is(ln, "Study")) {
            static const char *const names[] = {"OID"};
            struct odmr_attrs a;
            if ((rc = odmr_attrs(r, &a, names, 1)))
                return rc;
            tp_free(r->study_oid);
            r->study_oid = tp_strdup(odmr_av(&a, 0));
            if (!r->study_oid)
                return odmr_nomem(r);
            *kind = E_STUDY;
        } else if (odmr_is(ln, "ClinicalData")) {
            *kind = E_CD;
            rc = odmr_start_clinicaldata(r);
        }
        break;
    case E_STUDY:
        if (odmr_is(ln, "MetaDataVersion")) {
            *kind = E_MDV;
            rc = odmr_start_mdv(r);
        }
        break;
    case E_MDV: {
        struct odmr_mdv *m = &r->mdvs[r->nmdvs - 1];
        if (odmr_is(ln, "ItemGroupDef")) {
            bool dup = false;
            *kind = E_IGDEF;
            rc = odmr_start_igdef(r, m, &dup);
            if (dup)
                return rc; /* skip the duplicate's refs */
        } else if (odmr_is(ln, "ItemDef")) {
            rc = odmr_start_itemdef(r, m);
        } else if (odmr_is(ln, "Include")) {
            static const char *const names[] = {"StudyOID", "MetaDataVersionOID"};
            struct odmr_attrs a;
            if ((rc = odmr_attrs(r, &a, names, 2)))
                return rc;
            tp_free(m->inc_study);
            tp_free(m->inc_mdv);
            m->inc_study = tp_strdup(odmr_av(&a, 0));
            m->inc_mdv = tp_strdup(odmr_av(&a, 1));
            if (!m->inc_study || !m->inc_mdv)
                return odmr_nomem(r);
        } else if (odmr_is(ln, "FormDef") || odmr_is(ln, "StudyEventDef")) {
            static const char *const names[] = {"OID", "Repeating"};
            struct odmr_attrs a;
            bool ev = odmr_is(ln, "StudyEventDef");
            if ((rc = odmr_attrs(r, &a, names, 2)))
                return rc;
            if (ev)
                rc = odmr_mdv_add_def(&m->events, &m->nevents, &m->capevents, &m->event_map,
                                      odmr_av(&a, 0), strcmp(odmr_av(&a, 1), "Yes") == 0);
            else
                rc = odmr_mdv_add_def(&m->forms, &m->nforms, &m->capforms, &m->form_map,
                                      odmr_av(&a, 0), strcmp(odmr_av(&a, 1), "Yes") == 0);
            if (rc)
                return odmr_nomem(r);
        }
        break;
    }
    case E_IGDEF:
        if (odmr_is(ln, "ItemRef")) {
            static const char *const names[] = {"ItemOID"};
            struct odmr_attrs a;
            struct odmr_mdv *m = &r->mdvs[r->nmdvs - 1];
            if ((rc = odmr_attrs(r, &a, names, 1)))
                return rc;
            if (a.has[0] && m->ngroups &&
                odmr_group_add_ref(&m->groups[m->ngroups - 1], odmr_av(&a, 0)))
                return odmr_nomem(r);
        }
        break;
    case E_CD:
        if (odmr_is(ln, "SubjectData")) {
            bool s = false;
            *kind = E_SUBJ;
            rc = odmr_start_subject(r, &s);
            if (s)
                return rc;
        }
        break;
    case E_SUBJ:
        if (odmr_is(ln, "StudyEventData")) {
            bool s = false;
            *kind = E_SE;
            rc = odmr_start_event(r, &s);
            if (s)
                return rc;
        } else if (odmr_is(ln, "FormData")) {
            bool s = false;
            *kind = E_FORM;
            rc = odmr_start_form(r, true, &s);
            if (s)
                return rc;
        }
        break;
    case E_SE:
        if (odmr_is(ln, "FormData")) {
            bool s = false;
            *kind = E_FORM;
            rc = odmr_start_form(r, false, &s);
            if (s)
                return rc;
        }
        break;
    case E_FORM:
        if (odmr_is(ln, "ItemGroupData")) {
            bool s = false;
            *kind = E_IG;
            rc = odmr_start_group(r, &s);
            if (s)
                return rc;
        }
        break;
    case E_IG:
        if (ln && strncmp((const char *)ln, "ItemData", 8) == 0)
            return odmr_item(r, ln); /* a leaf: skipped after reading */
        break;
    default: break;
    }
    if (*kind != E_SKIP)
        *skip = false;
    return rc;
}

static int odmr_end(struct odmr *r, enum odmr_kind kind)
{
    switch (kind) {
    case E_IG: return odmr_end_group(r);
    case E_CD:
        r->in_cd = false;
        r->cur = NULL;
        break;
    case E_STUDY:
        tp_free(r->study_oid);
        r->study_oid = NULL;
        break;
    default: break;
    }
    return TP_OK;
}

/* ------------------------------------------------------------------ a pass over the document */

static void odmr_xml_error(void *data, void *error)
{
    struct odmr *r = data;
    const xmlError *e = error;
    size_t n;
    if (!e || e->level == XML_ERR_WARNING || r->xml_msg[0])
        return;
    r->xml_line = e->line;
    snprintf(r->xml_msg, sizeof r->xml_msg, "%s", e->message ? e->message : "syntax error");
    n = strlen(r->xml_msg);
    while (n && (r->xml_msg[n - 1] == '\n' || r->xml_msg[n - 1] == ' '))
        r->xml_msg[--n] = '\0';
}

static void odmr_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void odmr_doc_reset(struct odmr *r)
{
    for (size_t i = 0; i < r->nmdvs; i++)
        odmr_mdv_release(&r->mdvs[i]);
    r->nmdvs = 0;
    tp_free(r->study_oid);
    r->study_oid = NULL;
    r->cur = NULL;
    r->in_cd = false;
    r->table = NULL;
    r->seen_cur = NULL;
    r->transactional = false;
    r->root_seen = false;
    r->restart = false;
    r->xml_msg[0] = '\0';
    r->xml_line = -1;
    r->nwarn_pass = 0;
    odmr_once_reset(r);
}

/*
 * Refuse a DOCTYPE before the parser sees it: libxml2 reads ahead and would parse the internal
 * subset (and substitute entities in attribute values) before the reader reports the node. The
 * prolog (BOM, XML declaration, comments, processing instructions, blanks) is scanned up to the
 * root element; UTF-16 is read through its low bytes. *line gets the DOCTYPE's line.
 */
struct odmr_prolog {
    int state;   /* 0 text, 1 after '<', 2 in PI, 3 in comment, 4 done */
    char tag[9]; /* characters after '<' */
    size_t ntag;
    long line;
    int step, phase;
    bool doctype;
    unsigned char p1, p2; /* the two previous characters */
};

static void odmr_prolog_feed(struct odmr_prolog *p, const unsigned char *s, size_t n)
{
    static const char dt[] = "!DOCTYPE", cm[] = "!--";
    for (size_t i = 0; i < n && p->state != 4; i++) {
        unsigned char c = s[i];
        if (p->step == 2) { /* UTF-16: keep one byte in two */
            p->phase ^= 1;
            if (p->phase == 0)
                continue;
        }
        if (c == '\n')
            p->line++;
        switch (p->state) {
        case 0:
            if (c == '<') {
                p->state = 1;
                p->ntag = 0;
            }
            break;
        case 1:
            p->tag[p->ntag++] = (char)c;
            if (p->ntag == 1 && c == '?')
                p->state = 2;
            else if (p->tag[0] != '!')
                p->state = 4; /* the root element */
            else if (p->ntag <= 3 && memcmp(p->tag, cm, p->ntag) == 0) {
                if (p->ntag == 3)
                    p->state = 3;
            } else if (memcmp(p->tag, dt, p->ntag) == 0) {
                if (p->ntag == 8) {
                    p->doctype = true;
                    p->state = 4;
                }
            } else
                p->state = 4; /* something else: the parser judges it */
            break;
        case 2:
            if (c == '>' && p->p2 == '?')
                p->state = 0;
            break;
        case 3:
            if (c == '>' && p->p1 == '-' && p->p2 == '-')
                p->state = 0;
            break;
        default: break;
        }
        p->p1 = p->p2;
        p->p2 = c;
    }
}

static int odmr_check_prolog(struct odmr *r)
{
    struct odmr_prolog p;
    unsigned char buf[4096];
    FILE *f = NULL;
    size_t n, off = 0;
    bool first = true;
    memset(&p, 0, sizeof p);
    p.line = 1;
    p.step = 1;
    if (!r->mem) {
        f = fopen(r->name, "rb");
        if (!f)
            return odmr_fail(r, TP_E_IO, -1, "cannot open '%s': %s", r->name, strerror(errno));
    }
    for (;;) {
        const unsigned char *s;
        if (f) {
            n = fread(buf, 1, sizeof buf, f);
            s = buf;
        } else {
            n = r->memlen - off < sizeof buf ? r->memlen - off : sizeof buf;
            s = (const unsigned char *)r->mem + off;
            off += n;
        }
        if (n == 0)
            break;
        if (first) {
            first = false;
            if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
                p.step = 2;
                p.phase = s[0] == 0xFF ? 1 : 0; /* LE: low byte first */
                s += 2;
                n -= 2;
            }
        }
        odmr_prolog_feed(&p, s, n);
        if (p.state == 4)
            break;
    }
    if (f)
        fclose(f);
    if (p.doctype)
        return odmr_fail(r, TP_E_PARSE, p.line,
                         "DOCTYPE declarations are not allowed (no DTD is loaded and no entity is "
                         "expanded): document refused");
    return TP_OK;
}

static int odmr_run_pass(struct odmr *r)
{
    struct odmr_walk walk;
    int ret, rc = TP_OK;
    odmr_doc_reset(r);
    if ((rc = odmr_check_prolog(r)))
        return rc;
    if (r->mem) {
        if (r->memlen == 0)
            return odmr_fail(r, TP_E_PARSE, 1, "not well-formed XML: the document is empty");
        if (r->memlen > (size_t)INT32_MAX)
            return odmr_fail(r, TP_E_LIMIT, -1, "document too large for memory input");
        r->rd = xmlReaderForMemory(r->mem, (int)r->memlen, r->name, NULL, ODMR_OPTS);
    } else {
        r->rd = xmlReaderForFile(r->name, NULL, ODMR_OPTS);
    }
    if (!r->rd)
        return odmr_fail(r, TP_E_IO, -1, "cannot open '%s'", r->name);
    xmlTextReaderSetStructuredErrorHandler(
        r->rd, (xmlStructuredErrorFunc)(void (*)(void))odmr_xml_error, r);
    memset(&walk, 0, sizeof walk);
    ret = xmlTextReaderRead(r->rd);
    while (ret == 1) {
        int type = xmlTextReaderNodeType(r->rd);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            rc = odmr_fail(r, TP_E_PARSE, odmr_line(r),
                           "DOCTYPE declarations are not allowed (external entities are never "
                           "resolved)");
            break;
        }
        if (type == XML_READER_TYPE_ELEMENT) {
            int depth = xmlTextReaderDepth(r->rd);
            enum odmr_kind kind = E_SKIP;
            bool skip = true;
            if (depth < 0 || depth >= ODMR_MAXDEPTH) {
                ret = xmlTextReaderNext(r->rd);
                continue;
            }
            rc = odmr_start(r, depth, depth ? walk.kind[depth - 1] : E_SKIP, &kind, &skip);
            if (rc || r->restart)
                break;
            walk.kind[depth] = kind;
            if (skip) {
                ret = xmlTextReaderNext(r->rd);
                continue;
            }
            if (xmlTextReaderIsEmptyElement(r->rd) == 1 && (rc = odmr_end(r, kind)))
                break;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            int depth = xmlTextReaderDepth(r->rd);
            if (depth >= 0 && depth < ODMR_MAXDEPTH && (rc = odmr_end(r, walk.kind[depth])))
                break;
        }
        ret = xmlTextReaderRead(r->rd);
    }
    if (!rc && !r->restart && ret < 0)
        rc = odmr_fail(r, TP_E_PARSE, r->xml_line > 0 ? r->xml_line : odmr_line(r),
                       "not well-formed XML: %s", r->xml_msg[0] ? r->xml_msg : "syntax error");
    if (!rc && !r->restart && !r->root_seen)
        rc = odmr_fail(r, TP_E_PARSE, r->xml_line, "not well-formed XML: %s",
                       r->xml_msg[0] ? r->xml_msg : "no root element");
    xmlFreeTextReader(r->rd);
    r->rd = NULL;
    return rc;
}

/* ------------------------------------------------------------------ output folder */

/* Remove what this run created in the temporary folder, then the folder. */
static void odmr_tmpdir_remove(struct odmr *r)
{
    struct tp_strbuf p;
    if (!r->tmpdir)
        return;
    tp_strbuf_init(&p);
    for (size_t i = 0; i < r->ntables; i++) {
        tp_strbuf_reset(&p);
        if (r->tables[i].file && !tp_strbuf_addf(&p, "%s/%s", r->tmpdir, r->tables[i].file))
            unlink(tp_strbuf_cstr(&p));
    }
    tp_strbuf_release(&p);
    rmdir(r->tmpdir);
    tp_free(r->tmpdir);
    r->tmpdir = NULL;
}

static int odmr_tmpdir_create(struct odmr *r)
{
    struct tp_strbuf p;
    struct stat st;
    mode_t um;
    size_t n = strlen(r->outdir);
    while (n > 1 && r->outdir[n - 1] == '/')
        n--;
    if (stat(r->outdir, &st) == 0 && !S_ISDIR(st.st_mode))
        return odmr_fail(r, TP_E_IO, -1, "'%s' exists and is not a folder", r->outdir);
    tp_strbuf_init(&p);
    if (tp_strbuf_add(&p, r->outdir, n) || tp_strbuf_adds(&p, ".tmp-XXXXXX")) {
        tp_strbuf_release(&p);
        return odmr_nomem(r);
    }
    if (!mkdtemp(p.buf)) {
        int e = errno;
        struct tp_loc loc;
        tp_loc_init(&loc);
        snprintf(loc.path, sizeof loc.path, "%s", r->outdir);
        tp_strbuf_release(&p);
        return tp_fail_at(r->err, TP_E_IO, &loc, "cannot create a folder beside '%s': %s",
                          r->outdir, strerror(e));
    }
    um = umask(0);
    umask(um);
    chmod(p.buf, 0777 & ~um);
    r->tmpdir = p.buf;
    return TP_OK;
}

/* All tables complete in the temporary folder: move them into outdir. */
static int odmr_tmpdir_commit(struct odmr *r)
{
    struct stat st;
    struct tp_strbuf a, b;
    int rc = TP_OK;
    if (stat(r->outdir, &st) != 0 && errno == ENOENT) {
        if (rename(r->tmpdir, r->outdir) == 0) {
            tp_free(r->tmpdir);
            r->tmpdir = NULL;
            return TP_OK;
        }
    }
    if (mkdir(r->outdir, 0777) != 0 && errno != EEXIST)
        return odmr_fail(r, TP_E_IO, -1, "cannot create folder '%s': %s", r->outdir,
                         strerror(errno));
    tp_strbuf_init(&a);
    tp_strbuf_init(&b);
    for (size_t i = 0; i < r->ntables && !rc; i++) {
        tp_strbuf_reset(&a);
        tp_strbuf_reset(&b);
        if (tp_strbuf_addf(&a, "%s/%s", r->tmpdir, r->tables[i].file) ||
            tp_strbuf_addf(&b, "%s/%s", r->outdir, r->tables[i].file))
            rc = odmr_nomem(r);
        else if (rename(tp_strbuf_cstr(&a), tp_strbuf_cstr(&b)) != 0)
            rc = odmr_fail(r, TP_E_IO, -1, "cannot move '%s' into '%s': %s", tp_strbuf_cstr(&a),
                           r->outdir, strerror(errno));
    }
    tp_strbuf_release(&a);
    tp_strbuf_release(&b);
    if (!rc) {
        rmdir(r->tmpdir);
        tp_free(r->tmpdir);
        r->tmpdir = NULL;
    }
    return rc;
}

/* ------------------------------------------------------------------ driver */

static void odmr_release(struct odmr *r)
{
    odmr_doc_reset(r);
    odmr_tables_drop(r);
    tp_free(r->tables);
    for (size_t i = 0; i < r->nseen; i++) {
        struct odmr_seen *s = &r->seen[i];
        for (size_t k = 0; k < s->nitems; k++)
            tp_free(s->items[k]);
        tp_free(s->items);
        tp_free(s->group);
        crf_map_release(&s->map);
    }
    tp_free(r->seen);
    crf_map_release(&r->seen_map);
    crf_map_release(&r->table_map);
    crf_map_release(&r->file_map);
    crf_map_release(&r->once);
    tp_free(r->once_keys);
    tp_free(r->mdvs);
    if (r->crf_mdv) {
        odmr_mdv_release(r->crf_mdv);
        tp_free(r->crf_mdv);
    }
    for (int k = 0; k < ODMR_NKEYS; k++)
        tp_strbuf_release(&r->key[k]);
    tp_strbuf_release(&r->gbuf);
    tp_strbuf_release(&r->val);
    for (int k = 0; k < 6; k++)
        tp_strbuf_release(&r->attr_val[k]);
}

static int odmr_finish_tables(struct odmr *r)
{
    int rc = TP_OK;
    for (size_t i = 0; i < r->ntables && !rc; i++) {
        struct odmr_table *t = &r->tables[i];
        rc = odmr_table_flush(r, t);
        if (rc)
            break;
        if (r->outdir) {
            rc = tp_writer_close(t->w, r->err);
            t->w = NULL;
        } else {
            const unsigned char *mem;
            size_t n;
            rc = tp_writer_finish(t->w, r->err);
            if (rc)
                break;
            mem = tp_writer_memory(t->w, &n);
            t->data = tp_malloc(n ? n : 1);
            if (!t->data)
                rc = odmr_nomem(r);
            else {
                if (n)
                    memcpy(t->data, mem, n);
                t->ndata = n;
            }
            tp_writer_abort(t->w);
            t->w = NULL;
        }
    }
    return rc;
}

static int odmr_run(struct odmr *r)
{
    int rc;
    size_t k;
    xmlSetGenericErrorFunc(NULL, odmr_silent);
    r->pass = PASS_WRITE;
    rc = odmr_run_pass(r);
    if (!rc && r->restart) {
        /* the data hold more than the metadata say: collect every column, then write again */
        k = r->nwarn_pass;
        odmr_tables_drop(r);
        memset(&r->st, 0, sizeof r->st);
        r->pass = PASS_SCAN;
        rc = odmr_run_pass(r);
        r->scanned = true;
        if (!rc) {
            r->pass = PASS_WRITE;
            r->warnings_to_skip = k;
            rc = odmr_run_pass(r);
            if (!rc && r->restart)
                rc = tp_fail(r->err, TP_E_INTERNAL, "ODM import restarted twice");
        }
    }
    if (!rc)
        rc = odmr_finish_tables(r);
    xmlSetGenericErrorFunc(NULL, NULL);
    r->st.tables = r->ntables;
    return rc;
}

static int odmr_init(struct odmr *r, const struct tp_odm_import_options *o, struct tp_report *rep,
                     struct tp_error *err)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->rep = rep;
    r->err = err;
    r->max_tables = o->max_tables ? o->max_tables : ODMR_MAX_TABLES;
    for (int k = 0; k < ODMR_NKEYS; k++)
        tp_strbuf_init(&r->key[k]);
    tp_strbuf_init(&r->gbuf);
    tp_strbuf_init(&r->val);
    for (int k = 0; k < 6; k++)
        tp_strbuf_init(&r->attr_val[k]);
    crf_map_init(&r->table_map, false);
    crf_map_init(&r->file_map, true);
    crf_map_init(&r->seen_map, false);
    crf_map_init(&r->once, false);
    if (o->crf && odmr_mdv_from_crf(o->crf, &r->crf_mdv))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    return TP_OK;
}

void tp_odm_import_options_init(struct tp_odm_import_options *o)
{
    memset(o, 0, sizeof *o);
}

int tp_odm_import(const char *xml_path, const char *outdir, const struct tp_odm_import_options *o,
                  struct tp_report *rep, struct tp_odm_stats *st, struct tp_error *err)
{
    struct tp_odm_import_options defaults;
    struct odmr r;
    struct stat sb;
    int rc;
    if (!o) {
        tp_odm_import_options_init(&defaults);
        o = &defaults;
    }
    if (!xml_path || !outdir)
        return tp_fail(err, TP_E_USAGE, "tp_odm_import needs a document and an output folder");
    if ((rc = odmr_init(&r, o, rep, err))) {
        odmr_release(&r);
        return rc;
    }
    r.name = xml_path;
    r.outdir = outdir;
    if (stat(xml_path, &sb) != 0) {
        rc = odmr_fail(&r, TP_E_IO, -1, "cannot open '%s': %s", xml_path, strerror(errno));
        odmr_release(&r);
        return rc;
    }
    rc = odmr_tmpdir_create(&r);
    if (!rc)
        rc = odmr_run(&r);
    if (!rc)
        rc = odmr_tmpdir_commit(&r);
    if (rc) {
        for (size_t i = 0; i < r.ntables; i++) { /* uncommitted temporary files go */
            tp_writer_abort(r.tables[i].w);
            r.tables[i].w = NULL;
        }
        odmr_tmpdir_remove(&r); /* then the committed tables and the folder */
    }
    r.st.bytes = (unsigned long long)sb.st_size;
    if (st)
        *st = r.st;
    odmr_release(&r);
    return rc;
}

int tp_odm_import_memory(const void *xml, size_t n, const char *name,
                         const struct tp_odm_import_options *o, struct tp_report *rep,
                         struct tp_odm_tables **out, struct tp_error *err)
{
    struct tp_odm_import_options defaults;
    struct odmr r;
    int rc;
    *out = NULL;
    if (!o) {
        tp_odm_import_options_init(&defaults);
        o = &defaults;
    }
    if ((rc = odmr_init(&r, o, rep, err))) {
        odmr_release(&r);
        return rc;
    }
    r.name = name ? name : "<memory>";
    r.mem = xml ? xml : "";
    r.memlen = xml ? n : 0;
    rc = odmr_run(&r);
    if (!rc) {
        struct tp_odm_tables *t = tp_calloc(1, sizeof *t);
        if (!t)
            rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        else {
            t->t = r.tables;
            t->n = r.ntables;
            r.tables = NULL;
            r.ntables = 0;
            *out = t;
        }
    }
    odmr_release(&r);
    return rc;
}

size_t tp_odm_tables_count(const struct tp_odm_tables *t)
{
    return t ? t->n : 0;
}

const char *tp_odm_tables_name(const struct tp_odm_tables *t, size_t i)
{
    return t && i < t->n ? t->t[i].file : NULL;
}

size_t tp_odm_tables_rows(const struct tp_odm_tables *t, size_t i)
{
    return t && i < t->n ? t->t[i].rows : 0;
}

const unsigned char *tp_odm_tables_data(const struct tp_odm_tables *t, size_t i, size_t *n)
{
    if (!t || i >= t->n) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = t->t[i].ndata;
    return t->t[i].data;
}

void tp_odm_tables_free(struct tp_odm_tables *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        odmr_table_release(&t->t[i]);
    tp_free(t->t);
    tp_free(t);
}
