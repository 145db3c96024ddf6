/*
 * rules_define_read.c: a small Define-XML reader for the define rules (Define-XML 2.0/2.1
 * specification sections 4-5; the element and attribute names also match Define-XML 1.0 closely
 * enough for the dataset and variable checks). The document is parsed into a tree with libxml2
 * under the project's safe options: no network (XML_PARSE_NONET), no DTD loading, no entity
 * substitution, and a document with a DOCTYPE is refused before parsing (tp_xml_sniff). Names are
 * matched by local name, with "def:" for the Define-XML namespace, so prefixes in the file do not
 * matter.
 */
#include "rules.h"
#include "trialpack/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#define DEF_OPTS                                                                     \
    (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT | XML_PARSE_NOWARNING | \
     XML_PARSE_NOERROR)

static bool dr_is_def(const xmlNode *n)
{
    return n->ns && n->ns->href && strstr((const char *)n->ns->href, "/def/") != NULL;
}

static bool dr_el(const xmlNode *n, const char *name)
{
    if (n->type != XML_ELEMENT_NODE)
        return false;
    if (strncmp(name, "def:", 4) == 0)
        return dr_is_def(n) && strcmp((const char *)n->name, name + 4) == 0;
    return !dr_is_def(n) && strcmp((const char *)n->name, name) == 0;
}

/* attribute by local name: "def:X" in the def namespace, "xlink:href", or unqualified */
static char *dr_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        const char *local = (const char *)a->name;
        bool def = a->ns && a->ns->href && strstr((const char *)a->ns->href, "/def/");
        bool xlink = a->ns && a->ns->href && strstr((const char *)a->ns->href, "xlink");
        bool match;
        if (strncmp(name, "def:", 4) == 0)
            match = def && strcmp(local, name + 4) == 0;
        else if (strncmp(name, "xlink:", 6) == 0)
            match = xlink && strcmp(local, name + 6) == 0;
        else
            match = !a->ns && strcmp(local, name) == 0;
        if (match) {
            xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
            char *s = tp_strdup(v ? (const char *)v : "");
            xmlFree(v);
            return s;
        }
    }
    return NULL;
}

static char *dr_text(const xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *s = tp_strdup(v ? (const char *)v : "");
    xmlFree(v);
    return s;
}

/* Description/TranslatedText */
static char *dr_description(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (dr_el(c, "Description"))
            for (const xmlNode *t = c->children; t; t = t->next)
                if (dr_el(t, "TranslatedText"))
                    return dr_text(t);
    return NULL;
}

static int dr_id(struct rules_define *d, const char *element, char *oid, long line)
{
    size_t cap = d->nids; /* grows by doubling through tp_grow with a shadow capacity */
    static const size_t unused = 0;
    (void)unused;
    (void)cap;
    if (!oid)
        return TP_OK;
    {
        struct rules_def_id *nv = tp_reallocarray(d->ids, d->nids + 1, sizeof *d->ids);
        if (!nv) {
            tp_free(oid);
            return TP_E_NOMEM;
        }
        d->ids = nv;
    }
    d->ids[d->nids].element = element;
    d->ids[d->nids].oid = oid;
    d->ids[d->nids].line = line;
    d->nids++;
    return TP_OK;
}

static int dr_use(struct rules_define *d, const xmlNode *n, const char *element, const char *attr)
{
    char *v = dr_attr(n, attr);
    struct rules_def_use *nv;
    if (!v)
        return TP_OK;
    nv = tp_reallocarray(d->uses, d->nuses + 1, sizeof *d->uses);
    if (!nv) {
        tp_free(v);
        return TP_E_NOMEM;
    }
    d->uses = nv;
    d->uses[d->nuses].element = element;
    d->uses[d->nuses].attr = attr;
    d->uses[d->nuses].oid = v;
    d->uses[d->nuses].line = xmlGetLineNo(n);
    d->nuses++;
    return TP_OK;
}

static long dr_long(const xmlNode *n, const char *attr)
{
    char *v = dr_attr(n, attr);
    long x = v ? strtol(v, NULL, 10) : 0;
    tp_free(v);
    return x;
}

static int dr_itemref(struct rules_define *d, const xmlNode *n, struct rules_def_ref **refs,
                      size_t *nrefs)
{
    struct rules_def_ref *nv = tp_reallocarray(*refs, *nrefs + 1, sizeof **refs), *r;
    char *mand;
    int rc;
    if (!nv)
        return TP_E_NOMEM;
    *refs = nv;
    r = &nv[*nrefs];
    memset(r, 0, sizeof *r);
    (*nrefs)++;
    r->item_oid = dr_attr(n, "ItemOID");
    r->method_oid = dr_attr(n, "MethodOID");
    r->order = (int)dr_long(n, "OrderNumber");
    r->keyseq = (int)dr_long(n, "KeySequence");
    mand = dr_attr(n, "Mandatory");
    r->mandatory = mand && strcmp(mand, "Yes") == 0;
    tp_free(mand);
    r->line = xmlGetLineNo(n);
    if ((rc = dr_use(d, n, "ItemRef", "ItemOID")) || (rc = dr_use(d, n, "ItemRef", "MethodOID")))
        return rc;
    for (const xmlNode *c = n->children; c; c = c->next)
        if (dr_el(c, "def:WhereClauseRef")) {
            if (!r->where_oid)
                r->where_oid = dr_attr(c, "WhereClauseOID");
            if ((rc = dr_use(d, c, "def:WhereClauseRef", "WhereClauseOID")))
                return rc;
        }
    return TP_OK;
}

static void dr_ref_free(struct rules_def_ref *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tp_free(r[i].item_oid);
        tp_free(r[i].method_oid);
        tp_free(r[i].where_oid);
    }
    tp_free(r);
}

/* comments/standards referenced from any element */
static int dr_common_uses(struct rules_define *d, const xmlNode *n)
{
    int rc;
    const char *el = dr_is_def(n) ? "def:*" : (const char *)n->name;
    (void)el;
    if ((rc = dr_use(d, n, "*", "def:CommentOID")) || (rc = dr_use(d, n, "*", "def:StandardOID")))
        return rc;
    return TP_OK;
}

static int dr_walk(struct rules_define *d, const xmlNode *n);

static int dr_node(struct rules_define *d, const xmlNode *n)
{
    int rc;
    long line = xmlGetLineNo(n);
    if ((rc = dr_common_uses(d, n)))
        return rc;
    if (dr_el(n, "MetaDataVersion")) {
        tp_free(d->def_version);
        d->def_version = dr_attr(n, "def:DefineVersion");
    } else if (dr_el(n, "ItemGroupDef")) {
        struct rules_def_ig *nv = tp_reallocarray(d->igs, d->nigs + 1, sizeof *d->igs), *g;
        if (!nv)
            return TP_E_NOMEM;
        d->igs = nv;
        g = &d->igs[d->nigs++];
        memset(g, 0, sizeof *g);
        g->oid = dr_attr(n, "OID");
        g->name = dr_attr(n, "Name");
        g->sasname = dr_attr(n, "SASDatasetName");
        g->domain = dr_attr(n, "Domain");
        g->structure = dr_attr(n, "def:Structure");
        g->archive_id = dr_attr(n, "def:ArchiveLocationID");
        g->standard_oid = dr_attr(n, "def:StandardOID");
        g->nonstandard = dr_attr(n, "def:IsNonStandard");
        g->label = dr_description(n);
        g->line = line;
        if ((rc = dr_id(d, "ItemGroupDef", tp_strdup(g->oid), line)) ||
            (rc = dr_use(d, n, "ItemGroupDef", "def:ArchiveLocationID")))
            return rc;
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (dr_el(c, "ItemRef") && (rc = dr_itemref(d, c, &g->refs, &g->nrefs)))
                return rc;
            if (dr_el(c, "def:leaf")) {
                tp_free(g->leaf_id);
                tp_free(g->leaf_href);
                g->leaf_id = dr_attr(c, "ID");
                g->leaf_href = dr_attr(c, "xlink:href");
            }
        }
    } else if (dr_el(n, "ItemDef")) {
        struct rules_def_item *nv = tp_reallocarray(d->items, d->nitems + 1, sizeof *d->items), *it;
        if (!nv)
            return TP_E_NOMEM;
        d->items = nv;
        it = &d->items[d->nitems++];
        memset(it, 0, sizeof *it);
        it->oid = dr_attr(n, "OID");
        it->name = dr_attr(n, "Name");
        it->datatype = dr_attr(n, "DataType");
        it->length = dr_attr(n, "Length");
        it->sigdig = dr_attr(n, "SignificantDigits");
        it->label = dr_description(n);
        it->has_description = it->label != NULL;
        it->line = line;
        if ((rc = dr_id(d, "ItemDef", tp_strdup(it->oid), line)))
            return rc;
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (dr_el(c, "CodeListRef")) {
                tp_free(it->codelist_oid);
                it->codelist_oid = dr_attr(c, "CodeListOID");
                if ((rc = dr_use(d, c, "CodeListRef", "CodeListOID")))
                    return rc;
            } else if (dr_el(c, "def:ValueListRef")) {
                tp_free(it->vlist_oid);
                it->vlist_oid = dr_attr(c, "ValueListOID");
                if ((rc = dr_use(d, c, "def:ValueListRef", "ValueListOID")))
                    return rc;
            } else if (dr_el(c, "def:Origin")) {
                it->has_origin = true;
                tp_free(it->origin);
                it->origin = dr_attr(c, "Type");
                if ((rc = dr_walk(d, c)))
                    return rc;
            }
        }
    } else if (dr_el(n, "CodeList")) {
        struct rules_def_cl *nv = tp_reallocarray(d->cls, d->ncls + 1, sizeof *d->cls), *cl;
        if (!nv)
            return TP_E_NOMEM;
        d->cls = nv;
        cl = &d->cls[d->ncls++];
        memset(cl, 0, sizeof *cl);
        cl->oid = dr_attr(n, "OID");
        cl->name = dr_attr(n, "Name");
        cl->datatype = dr_attr(n, "DataType");
        cl->line = line;
        if ((rc = dr_id(d, "CodeList", tp_strdup(cl->oid), line)))
            return rc;
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (dr_el(c, "CodeListItem") || dr_el(c, "EnumeratedItem")) {
                struct rules_def_term *tv =
                    tp_reallocarray(cl->terms, cl->nterms + 1, sizeof *cl->terms);
                struct rules_def_term *t;
                if (!tv)
                    return TP_E_NOMEM;
                cl->terms = tv;
                t = &cl->terms[cl->nterms++];
                memset(t, 0, sizeof *t);
                t->value = dr_attr(c, "CodedValue");
                t->extended = dr_attr(c, "def:ExtendedValue");
                t->line = xmlGetLineNo(c);
                cl->enumerated |= dr_el(c, "EnumeratedItem");
                for (const xmlNode *a = c->children; a; a = a->next)
                    if (dr_el(a, "Alias") && !t->nci)
                        t->nci = dr_attr(a, "Name");
            } else if (dr_el(c, "Alias") && !cl->nci) {
                cl->nci = dr_attr(c, "Name");
            }
        }
    } else if (dr_el(n, "def:ValueListDef")) {
        struct rules_def_vl *nv = tp_reallocarray(d->vls, d->nvls + 1, sizeof *d->vls), *vl;
        if (!nv)
            return TP_E_NOMEM;
        d->vls = nv;
        vl = &d->vls[d->nvls++];
        memset(vl, 0, sizeof *vl);
        vl->oid = dr_attr(n, "OID");
        vl->line = line;
        if ((rc = dr_id(d, "def:ValueListDef", tp_strdup(vl->oid), line)))
            return rc;
        for (const xmlNode *c = n->children; c; c = c->next)
            if (dr_el(c, "ItemRef") && (rc = dr_itemref(d, c, &vl->refs, &vl->nrefs)))
                return rc;
    } else if (dr_el(n, "def:WhereClauseDef")) {
        struct rules_def_wc *nv = tp_reallocarray(d->wcs, d->nwcs + 1, sizeof *d->wcs), *wc;
        if (!nv)
            return TP_E_NOMEM;
        d->wcs = nv;
        wc = &d->wcs[d->nwcs++];
        memset(wc, 0, sizeof *wc);
        wc->oid = dr_attr(n, "OID");
        wc->line = line;
        if ((rc = dr_id(d, "def:WhereClauseDef", tp_strdup(wc->oid), line)))
            return rc;
        for (const xmlNode *c = n->children; c; c = c->next) {
            struct rules_def_check *ck, *cv;
            if (!dr_el(c, "RangeCheck"))
                continue;
            cv = tp_reallocarray(wc->checks, wc->nchecks + 1, sizeof *wc->checks);
            if (!cv)
                return TP_E_NOMEM;
            wc->checks = cv;
            ck = &wc->checks[wc->nchecks++];
            memset(ck, 0, sizeof *ck);
            ck->comparator = dr_attr(c, "Comparator");
            ck->softhard = dr_attr(c, "SoftHard");
            ck->item_oid = dr_attr(c, "def:ItemOID");
            if ((rc = dr_use(d, c, "RangeCheck", "def:ItemOID")))
                return rc;
            for (const xmlNode *v = c->children; v; v = v->next)
                if (dr_el(v, "CheckValue")) {
                    char **vv = tp_reallocarray(ck->values, ck->nvalues + 1, sizeof *ck->values);
                    if (!vv)
                        return TP_E_NOMEM;
                    ck->values = vv;
                    if (!(ck->values[ck->nvalues] = dr_text(v)))
                        return TP_E_NOMEM;
                    ck->nvalues++;
                }
        }
    } else if (dr_el(n, "MethodDef")) {
        if ((rc = dr_id(d, "MethodDef", dr_attr(n, "OID"), line)))
            return rc;
    } else if (dr_el(n, "def:CommentDef")) {
        if ((rc = dr_id(d, "def:CommentDef", dr_attr(n, "OID"), line)))
            return rc;
    } else if (dr_el(n, "def:Standard")) {
        if ((rc = dr_id(d, "def:Standard", dr_attr(n, "OID"), line)))
            return rc;
    } else if (dr_el(n, "def:leaf")) {
        struct rules_def_leaf *nv = tp_reallocarray(d->leaves, d->nleaves + 1, sizeof *d->leaves);
        if (!nv)
            return TP_E_NOMEM;
        d->leaves = nv;
        nv[d->nleaves].id = dr_attr(n, "ID");
        nv[d->nleaves].href = dr_attr(n, "xlink:href");
        nv[d->nleaves].line = line;
        d->nleaves++;
        if ((rc = dr_id(d, "def:leaf", dr_attr(n, "ID"), line)))
            return rc;
    } else if (dr_el(n, "def:DocumentRef")) {
        if ((rc = dr_use(d, n, "def:DocumentRef", "leafID")))
            return rc;
    }
    /* ItemGroupDef children were handled above; walk everything else */
    if (!dr_el(n, "ItemGroupDef") && !dr_el(n, "def:ValueListDef") &&
        !dr_el(n, "def:WhereClauseDef") && !dr_el(n, "CodeList") && !dr_el(n, "ItemDef"))
        return dr_walk(d, n);
    if (dr_el(n, "ItemGroupDef") || dr_el(n, "ItemDef")) {
        /* documents (def:DocumentRef) and comments nested in these */
        for (const xmlNode *c = n->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && !dr_el(c, "ItemRef") && !dr_el(c, "def:Origin") &&
                (rc = dr_node(d, c)))
                return rc;
    }
    return TP_OK;
}

static int dr_walk(struct rules_define *d, const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) {
            int rc = dr_node(d, c);
            if (rc)
                return rc;
        }
    return TP_OK;
}

static int dr_index(struct rules_define *d)
{
    for (size_t i = 0; i < d->nitems; i++)
        if (d->items[i].oid && rules_map_puts(&d->item_by_oid, d->items[i].oid, &d->items[i]))
            return TP_E_NOMEM;
    for (size_t i = 0; i < d->ncls; i++)
        if (d->cls[i].oid && rules_map_puts(&d->cl_by_oid, d->cls[i].oid, &d->cls[i]))
            return TP_E_NOMEM;
    for (size_t i = 0; i < d->nvls; i++)
        if (d->vls[i].oid && rules_map_puts(&d->vl_by_oid, d->vls[i].oid, &d->vls[i]))
            return TP_E_NOMEM;
    for (size_t i = 0; i < d->nwcs; i++)
        if (d->wcs[i].oid && rules_map_puts(&d->wc_by_oid, d->wcs[i].oid, &d->wcs[i]))
            return TP_E_NOMEM;
    for (size_t i = 0; i < d->nigs; i++) {
        const char *n = d->igs[i].name ? d->igs[i].name : d->igs[i].sasname;
        char up[64];
        size_t k;
        if (!n)
            continue;
        for (k = 0; n[k] && k + 1 < sizeof up; k++)
            up[k] = (char)(n[k] >= 'a' && n[k] <= 'z' ? n[k] - 32 : n[k]);
        up[k] = '\0';
        if (!rules_map_gets(&d->ig_by_name, up) && rules_map_puts(&d->ig_by_name, up, &d->igs[i]))
            return TP_E_NOMEM;
    }
    for (size_t i = 0; i < d->nids; i++) {
        char k[300];
        snprintf(k, sizeof k, "%s\x1f%s", d->ids[i].element, d->ids[i].oid);
        if (!rules_map_gets(&d->id_by_key, k) && rules_map_puts(&d->id_by_key, k, &d->ids[i]))
            return TP_E_NOMEM;
    }
    return TP_OK;
}

int rules_define_load(const char *path, struct rules_define **out, struct tp_error *err)
{
    enum tp_xml_kind kind;
    int arm, rc;
    xmlDocPtr doc;
    struct rules_define *d;
    const xmlNode *root;
    *out = NULL;
    if ((rc = tp_xml_sniff(path, &kind, &arm, err)))
        return rc;
    doc = xmlReadFile(path, NULL, DEF_OPTS);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        struct tp_loc loc;
        tp_loc_init(&loc);
        tp_loc_set_path(&loc, path);
        loc.line = e ? e->line : -1;
        return tp_fail_at(err, TP_E_PARSE, &loc, "not well-formed XML: %s",
                          e && e->message ? e->message : "parse error");
    }
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        return tp_fail(err, TP_E_PARSE, "'%s': a DOCTYPE is not allowed", path);
    }
    d = tp_calloc(1, sizeof *d);
    if (!d) {
        xmlFreeDoc(doc);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    rules_map_init(&d->item_by_oid);
    rules_map_init(&d->cl_by_oid);
    rules_map_init(&d->vl_by_oid);
    rules_map_init(&d->wc_by_oid);
    rules_map_init(&d->ig_by_name);
    rules_map_init(&d->id_by_key);
    d->version = kind == TP_XML_DEFINE21 ? 21 : kind == TP_XML_DEFINE20 ? 20 : 0;
    d->path = tp_strdup(path);
    {
        const char *slash = strrchr(path, '/');
        d->dir = slash ? tp_strndup(path, (size_t)(slash - path)) : tp_strdup(".");
    }
    for (const xmlNode *c = doc->children; c; c = c->next)
        if (c->type == XML_PI_NODE && strcmp((const char *)c->name, "xml-stylesheet") == 0 &&
            c->content) {
            const char *h = strstr((const char *)c->content, "href=");
            if (h && (h[5] == '"' || h[5] == '\'')) {
                const char *e = strchr(h + 6, h[5]);
                if (e)
                    d->stylesheet = tp_strndup(h + 6, (size_t)(e - h - 6));
            }
        }
    root = xmlDocGetRootElement(doc);
    rc = (!d->path || !d->dir) ? TP_E_NOMEM : root ? dr_walk(d, root) : TP_OK;
    if (rc == TP_OK)
        rc = dr_index(d);
    xmlFreeDoc(doc);
    if (rc) {
        rules_define_free(d);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    *out = d;
    return TP_OK;
}

void rules_define_free(struct rules_define *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nigs; i++) {
        struct rules_def_ig *g = &d->igs[i];
        char *f[] = {g->oid,          g->name,        g->sasname,  g->domain,
                     g->label,        g->archive_id,  g->leaf_id,  g->leaf_href,
                     g->standard_oid, g->nonstandard, g->structure};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            tp_free(f[k]);
        dr_ref_free(g->refs, g->nrefs);
    }
    tp_free(d->igs);
    for (size_t i = 0; i < d->nitems; i++) {
        struct rules_def_item *it = &d->items[i];
        char *f[] = {it->oid,   it->name,         it->datatype,  it->length, it->sigdig,
                     it->label, it->codelist_oid, it->vlist_oid, it->origin};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            tp_free(f[k]);
    }
    tp_free(d->items);
    for (size_t i = 0; i < d->ncls; i++) {
        for (size_t k = 0; k < d->cls[i].nterms; k++) {
            tp_free(d->cls[i].terms[k].value);
            tp_free(d->cls[i].terms[k].extended);
            tp_free(d->cls[i].terms[k].nci);
        }
        tp_free(d->cls[i].terms);
        tp_free(d->cls[i].oid);
        tp_free(d->cls[i].name);
        tp_free(d->cls[i].datatype);
        tp_free(d->cls[i].nci);
    }
    tp_free(d->cls);
    for (size_t i = 0; i < d->nvls; i++) {
        dr_ref_free(d->vls[i].refs, d->vls[i].nrefs);
        tp_free(d->vls[i].oid);
    }
    tp_free(d->vls);
    for (size_t i = 0; i < d->nwcs; i++) {
        for (size_t k = 0; k < d->wcs[i].nchecks; k++) {
            struct rules_def_check *c = &d->wcs[i].checks[k];
            for (size_t j = 0; j < c->nvalues; j++)
                tp_free(c->values[j]);
            tp_free(c->values);
            tp_free(c->comparator);
            tp_free(c->item_oid);
            tp_free(c->softhard);
        }
        tp_free(d->wcs[i].checks);
        tp_free(d->wcs[i].oid);
    }
    tp_free(d->wcs);
    for (size_t i = 0; i < d->nids; i++)
        tp_free(d->ids[i].oid);
    tp_free(d->ids);
    for (size_t i = 0; i < d->nuses; i++)
        tp_free(d->uses[i].oid);
    tp_free(d->uses);
    for (size_t i = 0; i < d->nleaves; i++) {
        tp_free(d->leaves[i].id);
        tp_free(d->leaves[i].href);
    }
    tp_free(d->leaves);
    rules_map_release(&d->item_by_oid, NULL);
    rules_map_release(&d->cl_by_oid, NULL);
    rules_map_release(&d->vl_by_oid, NULL);
    rules_map_release(&d->wc_by_oid, NULL);
    rules_map_release(&d->ig_by_name, NULL);
    rules_map_release(&d->id_by_key, NULL);
    tp_free(d->path);
    tp_free(d->dir);
    tp_free(d->def_version);
    tp_free(d->stylesheet);
    tp_free(d);
}

const struct rules_def_ig *rules_define_ig(const struct rules_define *d, const char *dataset)
{
    return d ? rules_map_gets(&d->ig_by_name, dataset) : NULL;
}

const struct rules_def_item *rules_define_item(const struct rules_define *d, const char *oid)
{
    return d && oid ? rules_map_gets(&d->item_by_oid, oid) : NULL;
}

const struct rules_def_cl *rules_define_cl(const struct rules_define *d, const char *oid)
{
    return d && oid ? rules_map_gets(&d->cl_by_oid, oid) : NULL;
}

const struct rules_def_item *rules_define_var(const struct rules_define *d,
                                              const struct rules_def_ig *ig, const char *name,
                                              const struct rules_def_ref **ref)
{
    if (ref)
        *ref = NULL;
    if (!d || !ig)
        return NULL;
    for (size_t i = 0; i < ig->nrefs; i++) {
        const struct rules_def_item *it = rules_define_item(d, ig->refs[i].item_oid);
        if (it && it->name && strcasecmp(it->name, name) == 0) {
            if (ref)
                *ref = &ig->refs[i];
            return it;
        }
    }
    return NULL;
}

bool rules_define_has_id(const struct rules_define *d, const char *element, const char *oid)
{
    char k[300];
    snprintf(k, sizeof k, "%s\x1f%s", element, oid);
    return rules_map_gets(&d->id_by_key, k) != NULL;
}
