/*
 * Reading Define-XML 2.0 and 2.1 (Define-XML 2.1 specification section 5.3; the 2.0 forms of
 * def:Class, def:Origin and standards are accepted too) into a small model: ItemGroupDefs with
 * their ItemRefs and ItemDefs, codelists, and every OID reference with its line, so that
 * tp_define_check can report what the schema cannot (dangling OIDs and leaves, section 2.12 of the
 * project's standards notes), and tp_define_apply can give a dataset the define's metadata.
 *
 * The input is untrusted: XML_PARSE_NONET, no DTD loading, no entity substitution, and a DOCTYPE
 * is refused before parsing starts (XXE and entity-expansion attacks need one).
 */
#include "define.h"
#include "xml/xmlsafe.h"
#include "trialpack/report.h"

#include <ctype.h>
#include <limits.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define NS_ODM "http://www.cdisc.org/ns/odm/v1.3"
#define NS_DEF20 "http://www.cdisc.org/ns/def/v2.0"
#define NS_DEF21 "http://www.cdisc.org/ns/def/v2.1"
#define NS_ARM "http://www.cdisc.org/ns/arm/v1.0"
#define DR_MAX_BYTES ((size_t)1 << 30)

enum dr_kind { K_IG, K_IT, K_CL, K_VL, K_WC, K_MT, K_COM, K_STD, K_LF, K_COUNT };
static const char *const dr_kind_name[K_COUNT] = {
    "ItemGroupDef", "ItemDef",        "CodeList",     "def:ValueListDef", "def:WhereClauseDef",
    "MethodDef",    "def:CommentDef", "def:Standard", "def:leaf",
};

struct dr_ref { /* ItemRef of a group */
    const char *item_oid, *method_oid;
    long order, line;
    int key;
    bool mandatory, has_order;
};

struct dr_group {
    const char *oid, *name, *sas_name, *label, *leaf_id, *leaf_href;
    long line, leaf_line;
    struct dr_ref *refs;
    size_t nrefs, cap;
};

struct dr_item {
    const char *oid, *name, *label, *datatype, *display_format, *codelist_oid, *origin;
    long length, sigdig, line;
};

struct dr_term {
    const char *coded, *decode;
};

struct dr_cl {
    const char *oid, *name;
    struct dr_term *terms;
    size_t nterms, cap;
};

struct dr_use { /* one OID reference to check */
    enum dr_kind kind;
    const char *oid, *attr, *owner;
    long line;
};

struct tp_define {
    struct dpool pool;
    char path[256];
    int version;
    struct dr_group *groups;
    size_t ngroups, gcap;
    struct dr_item *items;
    size_t nitems, icap;
    struct dr_cl *cls;
    size_t ncls, clcap;
    struct dr_use *uses;
    size_t nuses, ucap;
    struct dindex defs[K_COUNT];
    struct dr_leaf_file {
        const char *id, *href;
        long line;
        bool dataset;
    } * leaves;
    size_t nleaves, lcap;
};

struct dr_ctx {
    struct tp_define *d;
    struct tp_error *err;
    const char *defns; /* the def namespace URI in use */
    int rc;
};

/* ---------------------------------------------------------------- parse errors */

struct dr_perr {
    long line;
    char msg[200];
};

static void dr_error_cb(void *data, void *error)
{
    struct dr_perr *p = data;
    const xmlError *e = error;
    size_t n;
    if (!e || e->level == XML_ERR_WARNING || p->msg[0])
        return;
    p->line = e->line;
    snprintf(p->msg, sizeof p->msg, "%s", e->message ? e->message : "syntax error");
    n = strlen(p->msg);
    while (n && (p->msg[n - 1] == '\n' || p->msg[n - 1] == ' '))
        p->msg[--n] = '\0';
}

static void dr_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static int dr_fail_line(struct tp_define *d, struct tp_error *err, int code, long line,
                        const char *fmt, ...) TP_PRINTF(5, 6);
static int dr_fail_line(struct tp_define *d, struct tp_error *err, int code, long line,
                        const char *fmt, ...)
{
    struct tp_loc loc;
    va_list ap;
    int rc;
    tp_loc_init(&loc);
    tp_loc_set_path(&loc, d->path);
    loc.line = line > 0 ? line : -1;
    va_start(ap, fmt);
    rc = tp_vfail_at(err, code, &loc, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---------------------------------------------------------------- DOM helpers */

static bool dr_is(xmlNodePtr n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

static bool dr_is_def(const struct dr_ctx *c, xmlNodePtr n, const char *name)
{
    return dr_is(n, c->defns, name);
}

static long dr_line(xmlNodePtr n)
{
    long l = xmlGetLineNo(n);
    return l > 0 ? l : -1;
}

/* Attribute value (pool copy) or NULL when absent; def = in the def namespace. */
static const char *dr_attr(struct dr_ctx *c, xmlNodePtr n, const char *name, bool def)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        xmlChar *v;
        const char *r;
        if (strcmp((const char *)a->name, name) != 0)
            continue;
        if (def ? !(a->ns && a->ns->href && strcmp((const char *)a->ns->href, c->defns) == 0)
                : a->ns != NULL)
            continue;
        v = xmlNodeListGetString(n->doc, a->children, 1);
        r = dpool_strdup(&c->d->pool, v ? (const char *)v : "");
        if (v)
            xmlFree(v);
        if (!r && !c->rc)
            c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        return r;
    }
    return NULL;
}

static const char *dr_attr0(struct dr_ctx *c, xmlNodePtr n, const char *name, bool def)
{
    const char *v = dr_attr(c, n, name, def);
    return v ? v : "";
}

/* Required attribute: TP_E_PARSE with the line when absent or empty. */
static const char *dr_need(struct dr_ctx *c, xmlNodePtr n, const char *name, bool def)
{
    const char *v = dr_attr(c, n, name, def);
    if ((!v || !*v) && !c->rc)
        c->rc = dr_fail_line(c->d, c->err, TP_E_PARSE, dr_line(n), "%s without %s%s",
                             (const char *)n->name, def ? "def:" : "", name);
    return v && *v ? v : NULL;
}

static const char *dr_text(struct dr_ctx *c, xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    const char *r = dpool_strdup(&c->d->pool, v ? (const char *)v : "");
    if (v)
        xmlFree(v);
    if (!r && !c->rc)
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
    return r ? r : "";
}

/* Text of a Description/Decode: its English (or first) TranslatedText. */
static const char *dr_translated(struct dr_ctx *c, xmlNodePtr n)
{
    xmlNodePtr first = NULL;
    for (xmlNodePtr t = n ? n->children : NULL; t; t = t->next) {
        xmlChar *lang;
        bool en;
        if (!dr_is(t, NS_ODM, "TranslatedText"))
            continue;
        if (!first)
            first = t;
        lang = xmlGetNsProp(t, (const xmlChar *)"lang", XML_XML_NAMESPACE);
        en = lang && strncasecmp((const char *)lang, "en", 2) == 0;
        if (lang)
            xmlFree(lang);
        if (en)
            return dr_text(c, t);
    }
    return first ? dr_text(c, first) : "";
}

static xmlNodePtr dr_child(xmlNodePtr n, const char *ns, const char *name)
{
    for (xmlNodePtr t = n ? n->children : NULL; t; t = t->next)
        if (dr_is(t, ns, name))
            return t;
    return NULL;
}

static void dr_use(struct dr_ctx *c, enum dr_kind kind, const char *oid, const char *attr,
                   const char *owner, long line)
{
    struct dr_use *u;
    if (!oid || c->rc)
        return;
    if (!(u = dvec_push(&c->d->uses, &c->d->nuses, &c->d->ucap, sizeof *u))) {
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        return;
    }
    u->kind = kind;
    u->oid = oid;
    u->attr = attr;
    u->owner = owner ? owner : "";
    u->line = line;
}

/* Record a definition; a duplicate OID is a parse error (the schema's uniqueness rule). */
static void dr_def(struct dr_ctx *c, enum dr_kind kind, const char *oid, size_t idx, long line)
{
    bool added;
    if (!oid || c->rc)
        return;
    if (dindex_put(&c->d->defs[kind], oid, idx, &added)) {
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        return;
    }
    if (!added)
        c->rc = dr_fail_line(c->d, c->err, TP_E_PARSE, line, "%s OID '%s' defined twice",
                             dr_kind_name[kind], oid);
}

static long dr_long(const char *s, long dflt)
{
    char *end;
    long v;
    if (!s || !*s)
        return dflt;
    v = strtol(s, &end, 10);
    return *end || v < 0 ? dflt : v;
}

/* def:DocumentRef leafIDs below n (any depth). */
static void dr_docrefs(struct dr_ctx *c, xmlNodePtr n, const char *owner)
{
    for (xmlNodePtr t = n ? n->children : NULL; t && !c->rc; t = t->next) {
        if (t->type != XML_ELEMENT_NODE)
            continue;
        if (dr_is_def(c, t, "DocumentRef"))
            dr_use(c, K_LF, dr_need(c, t, "leafID", false), "leafID", owner, dr_line(t));
        else
            dr_docrefs(c, t, owner);
    }
}

/* def:leaf: an ID and a file. */
static void dr_leaf(struct dr_ctx *c, xmlNodePtr n, bool dataset, const char **id,
                    const char **href)
{
    struct dr_leaf_file *l;
    const char *lid = dr_need(c, n, "ID", false);
    const char *h = NULL;
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (strcmp((const char *)a->name, "href") == 0 && a->ns && a->ns->href &&
            strcmp((const char *)a->ns->href, "http://www.w3.org/1999/xlink") == 0) {
            xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
            h = dpool_strdup(&c->d->pool, v ? (const char *)v : "");
            if (v)
                xmlFree(v);
        }
    if (c->rc)
        return;
    if (!h || !*h) {
        c->rc = dr_fail_line(c->d, c->err, TP_E_PARSE, dr_line(n), "def:leaf without xlink:href");
        return;
    }
    dr_def(c, K_LF, lid, c->d->nleaves, dr_line(n));
    if (!(l = dvec_push(&c->d->leaves, &c->d->nleaves, &c->d->lcap, sizeof *l))) {
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        return;
    }
    l->id = lid;
    l->href = h;
    l->line = dr_line(n);
    l->dataset = dataset;
    if (id)
        *id = lid;
    if (href)
        *href = h;
}

/* ---------------------------------------------------------------- elements */

static void dr_itemref(struct dr_ctx *c, xmlNodePtr n, const char *owner, struct dr_group *g)
{
    const char *item = dr_need(c, n, "ItemOID", false);
    const char *method = dr_attr(c, n, "MethodOID", false);
    long line = dr_line(n);
    dr_use(c, K_IT, item, "ItemOID", owner, line);
    if (method && *method)
        dr_use(c, K_MT, method, "MethodOID", owner, line);
    for (xmlNodePtr t = n->children; t && !c->rc; t = t->next)
        if (dr_is_def(c, t, "WhereClauseRef"))
            dr_use(c, K_WC, dr_need(c, t, "WhereClauseOID", false), "WhereClauseOID", owner,
                   dr_line(t));
    if (g && !c->rc) {
        struct dr_ref *r = dvec_push(&g->refs, &g->nrefs, &g->cap, sizeof *r);
        const char *ord = dr_attr(c, n, "OrderNumber", false);
        if (!r) {
            c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
            return;
        }
        r->item_oid = item;
        r->method_oid = method ? method : "";
        r->line = line;
        r->has_order = ord && *ord;
        r->order = dr_long(ord, (long)g->nrefs);
        r->key = (int)dr_long(dr_attr(c, n, "KeySequence", false), 0);
        r->mandatory = strcmp(dr_attr0(c, n, "Mandatory", false), "Yes") == 0;
    }
}

static void dr_group(struct dr_ctx *c, xmlNodePtr n)
{
    struct dr_group *g;
    const char *oid = dr_need(c, n, "OID", false), *v;
    long line = dr_line(n);
    if (c->rc)
        return;
    dr_def(c, K_IG, oid, c->d->ngroups, line);
    if (!(g = dvec_push(&c->d->groups, &c->d->ngroups, &c->d->gcap, sizeof *g))) {
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        return;
    }
    g->oid = oid;
    g->line = line;
    g->name = dr_need(c, n, "Name", false);
    g->sas_name = dr_attr0(c, n, "SASDatasetName", false);
    g->label = dr_translated(c, dr_child(n, NS_ODM, "Description"));
    g->leaf_id = "";
    g->leaf_href = NULL;
    if ((v = dr_attr(c, n, "CommentOID", true)) && *v)
        dr_use(c, K_COM, v, "def:CommentOID", oid, line);
    if ((v = dr_attr(c, n, "StandardOID", true)) && *v)
        dr_use(c, K_STD, v, "def:StandardOID", oid, line);
    if ((v = dr_attr(c, n, "ArchiveLocationID", true)) && *v)
        dr_use(c, K_LF, v, "def:ArchiveLocationID", oid, line);
    for (xmlNodePtr t = n->children; t && !c->rc; t = t->next) {
        if (dr_is(t, NS_ODM, "ItemRef"))
            dr_itemref(c, t, oid, &c->d->groups[c->d->ngroups - 1]);
        else if (dr_is_def(c, t, "leaf")) {
            const char *id = NULL, *href = NULL;
            dr_leaf(c, t, true, &id, &href);
            g = &c->d->groups[c->d->ngroups - 1];
            if (id) {
                g->leaf_id = id;
                g->leaf_href = href;
                g->leaf_line = dr_line(t);
            }
        }
    }
}

static void dr_item(struct dr_ctx *c, xmlNodePtr n)
{
    struct dr_item *it;
    const char *oid = dr_need(c, n, "OID", false), *v;
    long line = dr_line(n);
    xmlNodePtr t;
    if (c->rc)
        return;
    dr_def(c, K_IT, oid, c->d->nitems, line);
    if (!(it = dvec_push(&c->d->items, &c->d->nitems, &c->d->icap, sizeof *it))) {
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        return;
    }
    it->oid = oid;
    it->line = line;
    it->name = dr_need(c, n, "Name", false);
    it->datatype = dr_need(c, n, "DataType", false);
    it->length = dr_long(dr_attr(c, n, "Length", false), -1);
    it->sigdig = dr_long(dr_attr(c, n, "SignificantDigits", false), -1);
    it->display_format = dr_attr0(c, n, "DisplayFormat", true);
    it->label = dr_translated(c, dr_child(n, NS_ODM, "Description"));
    it->codelist_oid = "";
    it->origin = "";
    if ((v = dr_attr(c, n, "CommentOID", true)) && *v)
        dr_use(c, K_COM, v, "def:CommentOID", oid, line);
    if ((t = dr_child(n, NS_ODM, "CodeListRef"))) {
        it->codelist_oid = dr_need(c, t, "CodeListOID", false);
        dr_use(c, K_CL, it->codelist_oid, "CodeListOID", oid, dr_line(t));
        if (!it->codelist_oid)
            it->codelist_oid = "";
    }
    if ((t = dr_child(n, c->defns, "ValueListRef")))
        dr_use(c, K_VL, dr_need(c, t, "ValueListOID", false), "ValueListOID", oid, dr_line(t));
    if ((t = dr_child(n, c->defns, "Origin"))) {
        it->origin = dr_attr0(c, t, "Type", false);
        dr_docrefs(c, t, oid);
    }
}

static void dr_codelist(struct dr_ctx *c, xmlNodePtr n)
{
    struct dr_cl *cl;
    const char *oid = dr_need(c, n, "OID", false), *v;
    long line = dr_line(n);
    if (c->rc)
        return;
    dr_def(c, K_CL, oid, c->d->ncls, line);
    if (!(cl = dvec_push(&c->d->cls, &c->d->ncls, &c->d->clcap, sizeof *cl))) {
        c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
        return;
    }
    cl->oid = oid;
    cl->name = dr_attr0(c, n, "Name", false);
    if ((v = dr_attr(c, n, "CommentOID", true)) && *v)
        dr_use(c, K_COM, v, "def:CommentOID", oid, line);
    if ((v = dr_attr(c, n, "StandardOID", true)) && *v)
        dr_use(c, K_STD, v, "def:StandardOID", oid, line);
    for (xmlNodePtr t = n->children; t && !c->rc; t = t->next) {
        bool enumerated = dr_is(t, NS_ODM, "EnumeratedItem");
        struct dr_term *term;
        if (!enumerated && !dr_is(t, NS_ODM, "CodeListItem"))
            continue;
        cl = &c->d->cls[c->d->ncls - 1];
        if (!(term = dvec_push(&cl->terms, &cl->nterms, &cl->cap, sizeof *term))) {
            c->rc = tp_fail(c->err, TP_E_NOMEM, "out of memory");
            return;
        }
        term->coded = dr_attr0(c, t, "CodedValue", false);
        term->decode = enumerated ? "" : dr_translated(c, dr_child(t, NS_ODM, "Decode"));
    }
}

static void dr_valuelist(struct dr_ctx *c, xmlNodePtr n)
{
    const char *oid = dr_need(c, n, "OID", false);
    if (c->rc)
        return;
    dr_def(c, K_VL, oid, 0, dr_line(n));
    for (xmlNodePtr t = n->children; t && !c->rc; t = t->next)
        if (dr_is(t, NS_ODM, "ItemRef"))
            dr_itemref(c, t, oid, NULL);
}

static void dr_whereclause(struct dr_ctx *c, xmlNodePtr n)
{
    const char *oid = dr_need(c, n, "OID", false), *v;
    if (c->rc)
        return;
    dr_def(c, K_WC, oid, 0, dr_line(n));
    if ((v = dr_attr(c, n, "CommentOID", true)) && *v)
        dr_use(c, K_COM, v, "def:CommentOID", oid, dr_line(n));
    for (xmlNodePtr t = n->children; t && !c->rc; t = t->next)
        if (dr_is(t, NS_ODM, "RangeCheck"))
            dr_use(c, K_IT, dr_need(c, t, "ItemOID", true), "def:ItemOID", oid, dr_line(t));
}

/* arm:AnalysisResultDisplays: references to datasets, items, where clauses and documents. */
static void dr_arm(struct dr_ctx *c, xmlNodePtr n, const char *owner)
{
    for (xmlNodePtr t = n->children; t && !c->rc; t = t->next) {
        const char *v;
        if (t->type != XML_ELEMENT_NODE)
            continue;
        if (dr_is(t, NS_ARM, "AnalysisDataset") && (v = dr_attr(c, t, "ItemGroupOID", false)))
            dr_use(c, K_IG, v, "ItemGroupOID", owner, dr_line(t));
        else if (dr_is(t, NS_ARM, "AnalysisVariable") && (v = dr_attr(c, t, "ItemOID", false)))
            dr_use(c, K_IT, v, "ItemOID", owner, dr_line(t));
        else if (dr_is(t, NS_ARM, "AnalysisResult") && (v = dr_attr(c, t, "ParameterOID", false)) &&
                 *v)
            dr_use(c, K_IT, v, "ParameterOID", owner, dr_line(t));
        else if (dr_is_def(c, t, "WhereClauseRef") && (v = dr_attr(c, t, "WhereClauseOID", false)))
            dr_use(c, K_WC, v, "WhereClauseOID", owner, dr_line(t));
        else if (dr_is_def(c, t, "DocumentRef")) {
            dr_use(c, K_LF, dr_need(c, t, "leafID", false), "leafID", owner, dr_line(t));
            continue;
        }
        dr_arm(c, t, owner);
    }
}

static void dr_mdv(struct dr_ctx *c, xmlNodePtr mdv)
{
    const char *v;
    if ((v = dr_attr(c, mdv, "CommentOID", true)) && *v)
        dr_use(c, K_COM, v, "def:CommentOID", "MetaDataVersion", dr_line(mdv));
    for (xmlNodePtr t = mdv->children; t && !c->rc; t = t->next) {
        if (t->type != XML_ELEMENT_NODE)
            continue;
        if (dr_is(t, NS_ODM, "ItemGroupDef"))
            dr_group(c, t);
        else if (dr_is(t, NS_ODM, "ItemDef"))
            dr_item(c, t);
        else if (dr_is(t, NS_ODM, "CodeList"))
            dr_codelist(c, t);
        else if (dr_is_def(c, t, "ValueListDef"))
            dr_valuelist(c, t);
        else if (dr_is_def(c, t, "WhereClauseDef"))
            dr_whereclause(c, t);
        else if (dr_is(t, NS_ODM, "MethodDef")) {
            const char *oid = dr_need(c, t, "OID", false);
            dr_def(c, K_MT, oid, 0, dr_line(t));
            dr_docrefs(c, t, oid);
        } else if (dr_is_def(c, t, "CommentDef")) {
            const char *oid = dr_need(c, t, "OID", false);
            dr_def(c, K_COM, oid, 0, dr_line(t));
            dr_docrefs(c, t, oid);
        } else if (dr_is_def(c, t, "leaf"))
            dr_leaf(c, t, false, NULL, NULL);
        else if (dr_is_def(c, t, "Standards")) {
            for (xmlNodePtr s = t->children; s && !c->rc; s = s->next)
                if (dr_is_def(c, s, "Standard")) {
                    const char *oid = dr_need(c, s, "OID", false);
                    dr_def(c, K_STD, oid, 0, dr_line(s));
                    if ((v = dr_attr(c, s, "CommentOID", true)) && *v)
                        dr_use(c, K_COM, v, "def:CommentOID", oid, dr_line(s));
                }
        } else if (dr_is_def(c, t, "AnnotatedCRF") || dr_is_def(c, t, "SupplementalDoc"))
            dr_docrefs(c, t, (const char *)t->name);
        else if (dr_is(t, NS_ARM, "AnalysisResultDisplays"))
            dr_arm(c, t, "arm:AnalysisResultDisplays");
    }
}

/* ---------------------------------------------------------------- reading */

void tp_define_free(struct tp_define *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ngroups; i++)
        tp_free(d->groups[i].refs);
    tp_free(d->groups);
    tp_free(d->items);
    for (size_t i = 0; i < d->ncls; i++)
        tp_free(d->cls[i].terms);
    tp_free(d->cls);
    tp_free(d->uses);
    tp_free(d->leaves);
    for (int k = 0; k < K_COUNT; k++)
        dindex_release(&d->defs[k]);
    dpool_release(&d->pool);
    tp_free(d);
}

int tp_define_read_memory(const void *data, size_t n, const char *name, struct tp_define **out,
                          struct tp_error *err)
{
    struct tp_define *d;
    struct dr_ctx c;
    struct dr_perr pe = {-1, ""};
    xmlDocPtr doc = NULL;
    xmlNodePtr root, study, mdv;
    long dt;
    int rc = TP_OK;

    *out = NULL;
    if (!(d = tp_calloc(1, sizeof *d)))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    dpool_init(&d->pool);
    for (int k = 0; k < K_COUNT; k++)
        dindex_init(&d->defs[k]);
    snprintf(d->path, sizeof d->path, "%s", name ? name : "define.xml");
    memset(&c, 0, sizeof c);
    c.d = d;
    c.err = err;
    if (n > DR_MAX_BYTES || n > (size_t)INT_MAX) {
        rc = dr_fail_line(d, err, TP_E_LIMIT, -1, "define.xml larger than 1 GiB");
        goto out;
    }
    if ((dt = xml_doctype_line(data, n)) > 0) {
        rc = dr_fail_line(d, err, TP_E_PARSE, dt,
                          "DOCTYPE declarations are not allowed (external entities are never "
                          "resolved)");
        goto out;
    }
    xmlSetGenericErrorFunc(NULL, dr_silent);
    xmlSetStructuredErrorFunc(&pe, (xmlStructuredErrorFunc)(void (*)(void))dr_error_cb);
    doc = xmlReadMemory(data, (int)n, d->path, NULL,
                        XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlSetGenericErrorFunc(NULL, NULL);
    if (!doc || pe.msg[0]) {
        rc = dr_fail_line(d, err, TP_E_PARSE, pe.line, "not well-formed XML: %s",
                          pe.msg[0] ? pe.msg : "empty document");
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        rc = dr_fail_line(d, err, TP_E_PARSE, -1, "DOCTYPE declarations are not allowed");
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    if (!dr_is(root, NS_ODM, "ODM")) {
        rc = dr_fail_line(d, err, TP_E_PARSE, root ? dr_line(root) : -1,
                          "not a Define-XML document: the root is not an ODM 1.3 element");
        goto out;
    }
    /* the def namespace declared on the root (or anywhere above MetaDataVersion) */
    for (xmlNsPtr ns = root->nsDef; ns; ns = ns->next) {
        if (ns->href && strcmp((const char *)ns->href, NS_DEF21) == 0) {
            c.defns = NS_DEF21;
            d->version = 21;
        } else if (ns->href && strcmp((const char *)ns->href, NS_DEF20) == 0 && !c.defns) {
            c.defns = NS_DEF20;
            d->version = 20;
        }
    }
    study = dr_child(root, NS_ODM, "Study");
    mdv = dr_child(study, NS_ODM, "MetaDataVersion");
    if (!mdv) {
        rc = dr_fail_line(d, err, TP_E_PARSE, study ? dr_line(study) : dr_line(root),
                          "not a Define-XML document: no Study/MetaDataVersion");
        goto out;
    }
    if (!c.defns) {
        for (xmlNsPtr ns = mdv->nsDef; ns; ns = ns->next) {
            if (ns->href && strcmp((const char *)ns->href, NS_DEF21) == 0) {
                c.defns = NS_DEF21;
                d->version = 21;
            } else if (ns->href && strcmp((const char *)ns->href, NS_DEF20) == 0) {
                c.defns = NS_DEF20;
                d->version = 20;
            }
        }
    }
    if (!c.defns) {
        rc = dr_fail_line(d, err, TP_E_PARSE, dr_line(root),
                          "not a Define-XML document: no Define-XML 2.0 or 2.1 namespace");
        goto out;
    }
    dr_mdv(&c, mdv);
    rc = c.rc;
out:
    if (doc)
        xmlFreeDoc(doc);
    if (rc) {
        tp_define_free(d);
        return rc;
    }
    *out = d;
    return TP_OK;
}

int tp_define_read(const char *path, struct tp_define **out, struct tp_error *err)
{
    FILE *f;
    struct tp_strbuf sb;
    char buf[65536];
    size_t got;
    int rc;
    struct tp_loc loc;
    *out = NULL;
    tp_loc_init(&loc);
    tp_loc_set_path(&loc, path);
    if (!(f = fopen(path, "rb")))
        return tp_fail_at(err, TP_E_IO, &loc, "cannot open '%s'", path);
    tp_strbuf_init(&sb);
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (sb.len + got > DR_MAX_BYTES) {
            fclose(f);
            tp_strbuf_release(&sb);
            return tp_fail_at(err, TP_E_LIMIT, &loc, "define.xml larger than 1 GiB");
        }
        if (tp_strbuf_add(&sb, buf, got)) {
            fclose(f);
            tp_strbuf_release(&sb);
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        }
    }
    if (ferror(f)) {
        fclose(f);
        tp_strbuf_release(&sb);
        return tp_fail_at(err, TP_E_IO, &loc, "cannot read '%s'", path);
    }
    fclose(f);
    rc = tp_define_read_memory(sb.buf ? sb.buf : "", sb.len, path, out, err);
    tp_strbuf_release(&sb);
    return rc;
}

int tp_define_version(const struct tp_define *d)
{
    return d->version;
}

/* ---------------------------------------------------------------- checking */

static int dr_finding(struct tp_report *rep, const struct tp_define *d, enum tp_severity sev,
                      long line, const char *value, const char *msg)
{
    struct tp_finding f;
    if (!rep)
        return TP_OK;
    memset(&f, 0, sizeof f);
    f.severity = sev;
    f.rule_id = "DEFINE";
    f.path = d->path;
    f.line = line;
    f.dataset = f.variable = "";
    f.row = -1;
    f.value = value ? value : "";
    f.message = msg;
    return tp_report_add(rep, &f);
}

/* First dangling reference: its message and line; false when every reference resolves. */
static bool dr_first_dangling(const struct tp_define *d, char *msg, size_t size, long *line)
{
    for (size_t i = 0; i < d->nuses; i++) {
        const struct dr_use *u = &d->uses[i];
        if (!dindex_get(&d->defs[u->kind], u->oid, NULL)) {
            snprintf(msg, size, "dangling %s '%s' in %s: no %s with that %s", u->attr, u->oid,
                     u->owner, dr_kind_name[u->kind], u->kind == K_LF ? "ID" : "OID");
            *line = u->line;
            return true;
        }
    }
    return false;
}

int tp_define_check(const struct tp_define *d, const char *base_dir, struct tp_report *rep,
                    size_t *nproblems, struct tp_error *err)
{
    size_t n = 0;
    char msg[512];
    (void)err;
    for (size_t i = 0; i < d->nuses; i++) {
        const struct dr_use *u = &d->uses[i];
        if (dindex_get(&d->defs[u->kind], u->oid, NULL))
            continue;
        snprintf(msg, sizeof msg, "dangling %s '%s' in %s: no %s with that %s", u->attr, u->oid,
                 u->owner, dr_kind_name[u->kind], u->kind == K_LF ? "ID" : "OID");
        n++;
        if (dr_finding(rep, d, TP_SEV_ERROR, u->line, u->oid, msg))
            return TP_E_NOMEM;
    }
    if (base_dir)
        for (size_t i = 0; i < d->nleaves; i++) {
            const struct dr_leaf_file *l = &d->leaves[i];
            char path[4096];
            struct stat st;
            if (strstr(l->href, "://") || l->href[0] == '/')
                continue; /* absolute references are not checked */
            {
                size_t hl = strcspn(l->href, "#");
                snprintf(path, sizeof path, "%s/%.*s", base_dir, (int)hl, l->href);
            }
            if (stat(path, &st) == 0)
                continue;
            snprintf(msg, sizeof msg, "def:leaf '%s' points to '%s', which does not exist", l->id,
                     l->href);
            if (l->dataset)
                n++;
            if (dr_finding(rep, d, l->dataset ? TP_SEV_ERROR : TP_SEV_WARNING, l->line, l->href,
                           msg))
                return TP_E_NOMEM;
        }
    if (nproblems)
        *nproblems = n;
    return TP_OK;
}

/* ---------------------------------------------------------------- accessors */

size_t tp_define_ndatasets(const struct tp_define *d)
{
    return d->ngroups;
}

const char *tp_define_dataset_name(const struct tp_define *d, size_t i)
{
    return i < d->ngroups ? d->groups[i].name : NULL;
}

const char *tp_define_dataset_label(const struct tp_define *d, size_t i)
{
    return i < d->ngroups ? d->groups[i].label : NULL;
}

const char *tp_define_dataset_leaf(const struct tp_define *d, size_t i)
{
    return i < d->ngroups ? d->groups[i].leaf_href : NULL;
}

long tp_define_find_dataset(const struct tp_define *d, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < d->ngroups; i++)
        if (strcasecmp(d->groups[i].name, name) == 0)
            return (long)i;
    for (size_t i = 0; i < d->ngroups; i++)
        if (strcasecmp(d->groups[i].sas_name, name) == 0)
            return (long)i;
    return -1;
}

size_t tp_define_dataset_nitems(const struct tp_define *d, size_t i)
{
    return i < d->ngroups ? d->groups[i].nrefs : 0;
}

/* ItemRefs in display order: OrderNumber when every ItemRef has one, else document order. */
static size_t dr_ref_at(const struct dr_group *g, size_t j)
{
    bool all = true;
    size_t rank = 0;
    for (size_t k = 0; k < g->nrefs && all; k++)
        all = g->refs[k].has_order;
    if (!all)
        return j;
    /* j-th smallest (order, position) */
    for (size_t k = 0; k < g->nrefs; k++) {
        rank = 0;
        for (size_t m = 0; m < g->nrefs; m++)
            if (g->refs[m].order < g->refs[k].order ||
                (g->refs[m].order == g->refs[k].order && m < k))
                rank++;
        if (rank == j)
            return k;
    }
    return j;
}

int tp_define_dataset_item(const struct tp_define *d, size_t i, size_t j,
                           struct tp_define_item *item, struct tp_error *err)
{
    const struct dr_group *g;
    const struct dr_ref *r;
    const struct dr_item *it;
    size_t ix;
    if (i >= d->ngroups || j >= d->groups[i].nrefs)
        return tp_fail(err, TP_E_USAGE, "no variable %zu in dataset %zu", j, i);
    g = &d->groups[i];
    r = &g->refs[dr_ref_at(g, j)];
    if (!dindex_get(&d->defs[K_IT], r->item_oid, &ix))
        return dr_fail_line((struct tp_define *)(uintptr_t)d, err, TP_E_PARSE, r->line,
                            "dangling ItemOID '%s' in %s: no ItemDef with that OID", r->item_oid,
                            g->oid);
    it = &d->items[ix];
    memset(item, 0, sizeof *item);
    item->oid = it->oid;
    item->name = it->name;
    item->label = it->label;
    item->data_type = it->datatype;
    item->length = it->length;
    item->significant_digits = it->sigdig;
    item->display_format = it->display_format;
    item->codelist_oid = it->codelist_oid;
    item->origin = it->origin;
    item->method_oid = r->method_oid;
    item->key_sequence = r->key;
    item->order = r->has_order ? r->order : (long)j + 1;
    item->mandatory = r->mandatory;
    item->line = it->line;
    return TP_OK;
}

bool tp_define_codelist(const struct tp_define *d, const char *oid, const char **name,
                        size_t *nterms)
{
    size_t i;
    if (!oid || !dindex_get(&d->defs[K_CL], oid, &i))
        return false;
    if (name)
        *name = d->cls[i].name;
    if (nterms)
        *nterms = d->cls[i].nterms;
    return true;
}

bool tp_define_codelist_term(const struct tp_define *d, const char *oid, size_t k,
                             const char **coded, const char **decode)
{
    size_t i;
    if (!oid || !dindex_get(&d->defs[K_CL], oid, &i) || k >= d->cls[i].nterms)
        return false;
    if (coded)
        *coded = d->cls[i].terms[k].coded;
    if (decode)
        *decode = d->cls[i].terms[k].decode;
    return true;
}

/* ---------------------------------------------------------------- applying */

static bool dr_is_num_type(const char *dt)
{
    return strcmp(dt, "integer") == 0 || strcmp(dt, "float") == 0 || strcmp(dt, "double") == 0;
}

/* SAS date, time and datetime format names: a numeric variable with one is a date, whose
   Dataset-JSON dataType the writer derives from the format. */
static bool dr_is_date_format(const char *f)
{
    static const char *const names[] = {
        "DATE",     "DATETIME", "TIME",   "E8601DA", "E8601DT", "E8601TM", "B8601DA", "B8601DT",
        "IS8601DA", "IS8601DT", "YYMMDD", "MMDDYY",  "DDMMYY",  "TOD",     "HHMM",    NULL};
    /* E8601DA etc. contain digits: compare prefixes too */
    for (size_t i = 0; names[i]; i++)
        if (strncasecmp(f, names[i], strlen(names[i])) == 0 &&
            !isalpha((unsigned char)f[strlen(names[i])]))
            return true;
    return false;
}

/* Dataset-JSON dataType for a Define-XML DataType. */
static const char *dr_dsjson_type(const char *dt, bool num, const char *display_format)
{
    if (num) {
        if (display_format && *display_format && dr_is_date_format(display_format))
            return NULL;
        if (strcmp(dt, "integer") == 0)
            return "integer";
        if (strcmp(dt, "float") == 0)
            return "float";
        if (strcmp(dt, "double") == 0)
            return "double";
        if (strcmp(dt, "date") == 0 || strcmp(dt, "datetime") == 0 || strcmp(dt, "time") == 0)
            return dt;
        return NULL;
    }
    if (strcmp(dt, "date") == 0 || strcmp(dt, "partialDate") == 0)
        return "date";
    if (strcmp(dt, "datetime") == 0 || strcmp(dt, "partialDatetime") == 0 ||
        strcmp(dt, "incompleteDatetime") == 0)
        return "datetime";
    if (strcmp(dt, "time") == 0 || strcmp(dt, "partialTime") == 0)
        return "time";
    if (strcmp(dt, "URI") == 0)
        return "URI";
    return "string";
}

/* Set the metadata of v from item (strings through tp_var_set_str). */
static int dr_set_var(struct tp_var *v, const struct tp_define_item *it, bool num)
{
    const char *dt = dr_dsjson_type(it->data_type, num, it->display_format);
    if (tp_var_set_str(&v->name, it->name) || tp_var_set_str(&v->label, it->label) ||
        tp_var_set_str(&v->item_oid, it->oid) || tp_var_set_str(&v->data_type, dt))
        return TP_E_NOMEM;
    if (!num && it->length > 0)
        v->length = (size_t)it->length;
    if (it->display_format && *it->display_format) {
        struct tp_error e2;
        tp_error_init(&e2);
        if (tp_var_parse_format(v, false, it->display_format, &e2) != TP_OK) {
            if (e2.code == TP_E_NOMEM)
                return TP_E_NOMEM;
        }
        if (tp_var_set_str(&v->display_format, it->display_format))
            return TP_E_NOMEM;
    }
    v->key_sequence = it->key_sequence;
    return TP_OK;
}

int tp_define_dataset_meta(const struct tp_define *d, const char *name, struct tp_dataset **out,
                           struct tp_error *err)
{
    long gi = tp_define_find_dataset(d, name);
    struct tp_dataset *ds;
    int rc = TP_OK;
    *out = NULL;
    if (gi < 0)
        return dr_fail_line((struct tp_define *)(uintptr_t)d, err, TP_E_SPEC, -1,
                            "define.xml has no dataset '%s'", name ? name : "");
    if (!(ds = tp_dataset_new(d->groups[gi].name, d->groups[gi].label)))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    for (size_t j = 0; j < d->groups[gi].nrefs && !rc; j++) {
        struct tp_define_item it;
        struct tp_var v;
        bool num;
        if ((rc = tp_define_dataset_item(d, (size_t)gi, j, &it, err)))
            break;
        memset(&v, 0, sizeof v);
        num = dr_is_num_type(it.data_type);
        v.name = (char *)(uintptr_t)it.name;
        v.type = num ? TP_NUM : TP_CHAR;
        v.length = num ? 8 : it.length > 0 ? (size_t)it.length : 0;
        if ((rc = tp_dataset_add_var(ds, &v, err)))
            break;
        if (dr_set_var(tp_dataset_var_mut(ds, tp_dataset_nvars(ds) - 1), &it, num))
            rc = tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    if (rc) {
        tp_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return TP_OK;
}

int tp_define_apply_model(const struct tp_define *d, struct tp_dataset *meta, struct tp_error *err)
{
    long gi;
    char msg[512];
    long line;
    struct tp_dataset *copy;
    int rc = TP_OK;
    if (dr_first_dangling(d, msg, sizeof msg, &line))
        return dr_fail_line((struct tp_define *)(uintptr_t)d, err, TP_E_PARSE, line, "%s", msg);
    gi = tp_define_find_dataset(d, tp_dataset_name(meta));
    if (gi < 0)
        return dr_fail_line((struct tp_define *)(uintptr_t)d, err, TP_E_SPEC, -1,
                            "define.xml has no dataset '%s'", tp_dataset_name(meta));
    /* work on a copy so that meta is unchanged on error */
    if (!(copy = tp_dataset_clone_meta(meta)))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (*d->groups[gi].label && tp_dataset_set_label(copy, d->groups[gi].label))
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
    for (size_t v = 0; v < tp_dataset_nvars(copy) && !rc; v++) {
        struct tp_var *var = tp_dataset_var_mut(copy, v);
        for (size_t j = 0; j < d->groups[gi].nrefs && !rc; j++) {
            struct tp_define_item it;
            bool num;
            if ((rc = tp_define_dataset_item(d, (size_t)gi, j, &it, err)))
                break;
            if (strcasecmp(it.name, var->name) != 0)
                continue;
            num = dr_is_num_type(it.data_type);
            if (var->type == TP_CHAR && num)
                rc = dr_fail_line((struct tp_define *)(uintptr_t)d, err, TP_E_SPEC, it.line,
                                  "variable %s is character in the data but %s in define.xml",
                                  var->name, it.data_type);
            else if (var->type == TP_NUM && strcmp(it.data_type, "text") == 0)
                rc = dr_fail_line((struct tp_define *)(uintptr_t)d, err, TP_E_SPEC, it.line,
                                  "variable %s is numeric in the data but text in define.xml",
                                  var->name);
            else if (dr_set_var(var, &it, var->type == TP_NUM))
                rc = tp_fail(err, TP_E_NOMEM, "out of memory");
            if (rc && err && !err->loc.variable[0])
                snprintf(err->loc.variable, sizeof err->loc.variable, "%s", var->name);
            break;
        }
    }
    if (rc) {
        tp_dataset_free(copy);
        return rc;
    }
    /* copy the updated metadata back into meta */
    if (tp_dataset_set_label(meta, tp_dataset_label(copy)))
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
    for (size_t v = 0; v < tp_dataset_nvars(copy) && !rc; v++) {
        const struct tp_var *src = tp_dataset_var(copy, v);
        struct tp_var *dst = tp_dataset_var_mut(meta, v);
        if (tp_var_set_str(&dst->name, src->name) || tp_var_set_str(&dst->label, src->label) ||
            tp_var_set_str(&dst->item_oid, src->item_oid) ||
            tp_var_set_str(&dst->data_type, src->data_type) ||
            tp_var_set_str(&dst->display_format, src->display_format) ||
            tp_var_set_str(&dst->format, src->format)) {
            rc = tp_fail(err, TP_E_NOMEM, "out of memory");
            break;
        }
        dst->length = src->length;
        dst->format_width = src->format_width;
        dst->format_decimals = src->format_decimals;
        dst->key_sequence = src->key_sequence;
    }
    tp_dataset_free(copy);
    return rc;
}

int tp_define_apply(const char *define_path, struct tp_dataset *meta, struct tp_error *err)
{
    struct tp_define *d;
    int rc = tp_define_read(define_path, &d, err);
    if (rc)
        return rc;
    rc = tp_define_apply_model(d, meta, err);
    tp_define_free(d);
    return rc;
}
