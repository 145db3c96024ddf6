/*
 * Serialising the Define-XML 2.1 write model with libxml2's xmlTextWriter, in the element order of
 * the Define-XML 2.1 schema (define2-1-0.xsd; specification section 5.3): ODM > Study >
 * GlobalVariables, MetaDataVersion > def:Standards, def:AnnotatedCRF, def:SupplementalDoc,
 * def:ValueListDef*, def:WhereClauseDef*, ItemGroupDef*, ItemDef*, CodeList*, MethodDef*,
 * def:CommentDef*, def:leaf*. Before writing, every OID reference is resolved against the model
 * (the schema types them as plain strings and cannot): a dangling one is a bug, TP_E_INTERNAL.
 * Output goes through a file sink: a temporary file renamed into place when complete.
 */
#include "define.h"
#include "io.h"
#include "trialpack/trialpack.h"

#include <libxml/xmlwriter.h>

#define NS_ODM "http://www.cdisc.org/ns/odm/v1.3"
#define NS_DEF "http://www.cdisc.org/ns/def/v2.1"
#define NS_XLINK "http://www.w3.org/1999/xlink"

/* ---------------------------------------------------------------- reference check */

struct refctx {
    struct dindex ig, it, cl, vl, wc, mt, com, lf, std;
    const struct dm_doc *d;
};

static int ref_fail(struct tp_error *err, const char *what, const char *oid, const char *kind,
                    const char *owner)
{
    return tp_fail(err, TP_E_INTERNAL, "dangling %s '%s' (no %s with that OID) in %s", what, oid,
                   kind, owner);
}

static int ref_need(const struct dindex *x, const char *oid, const char *what, const char *kind,
                    const char *owner, struct tp_error *err)
{
    if (!oid || !*oid)
        return TP_OK;
    if (!dindex_get(x, oid, NULL))
        return ref_fail(err, what, oid, kind, owner);
    return TP_OK;
}

static int ref_def(struct dindex *all, struct dindex *x, const char *oid, size_t i,
                   const char *kind, struct tp_error *err)
{
    bool added;
    if (!oid || !*oid)
        return tp_fail(err, TP_E_INTERNAL, "%s without an OID", kind);
    if (dindex_put(all, oid, i, &added))
        return TP_E_NOMEM;
    if (!added)
        return tp_fail(err, TP_E_INTERNAL, "OID '%s' defined twice (%s)", oid, kind);
    return x ? dindex_put(x, oid, i, NULL) : TP_OK;
}

static int ref_docref(const struct refctx *c, const struct dm_docref *r, const char *owner,
                      struct tp_error *err)
{
    return ref_need(&c->lf, r->leaf, "leafID", "def:leaf", owner, err);
}

int dm_check_refs(const struct dm_doc *d, struct tp_error *err)
{
    struct refctx c;
    struct dindex all, leafs;
    int rc = TP_OK;
    memset(&c, 0, sizeof c);
    dindex_init(&all);
    dindex_init(&leafs);
    c.d = d;
    for (size_t i = 0; !rc && i < d->nstds; i++)
        rc = ref_def(&all, &c.std, d->stds[i].oid, i, "def:Standard", err);
    for (size_t i = 0; !rc && i < d->nvls; i++)
        rc = ref_def(&all, &c.vl, d->vls[i].oid, i, "def:ValueListDef", err);
    for (size_t i = 0; !rc && i < d->nwcs; i++)
        rc = ref_def(&all, &c.wc, d->wcs[i].oid, i, "def:WhereClauseDef", err);
    for (size_t i = 0; !rc && i < d->nigs; i++)
        rc = ref_def(&all, &c.ig, d->igs[i].oid, i, "ItemGroupDef", err);
    for (size_t i = 0; !rc && i < d->nits; i++)
        rc = ref_def(&all, &c.it, d->its[i].oid, i, "ItemDef", err);
    for (size_t i = 0; !rc && i < d->ncls; i++)
        rc = ref_def(&all, &c.cl, d->cls[i].oid, i, "CodeList", err);
    for (size_t i = 0; !rc && i < d->nmts; i++)
        rc = ref_def(&all, &c.mt, d->mts[i].oid, i, "MethodDef", err);
    for (size_t i = 0; !rc && i < d->ncoms; i++)
        rc = ref_def(&all, &c.com, d->coms[i].oid, i, "def:CommentDef", err);
    /* leaf IDs are xs:ID: unique in the document, in their own space here */
    for (size_t i = 0; !rc && i < d->nleafs; i++)
        rc = ref_def(&leafs, &c.lf, d->leafs[i].id, i, "def:leaf", err);
    for (size_t i = 0; !rc && i < d->nigs; i++)
        if (d->igs[i].leaf_id && *d->igs[i].leaf_id)
            rc = ref_def(&leafs, NULL, d->igs[i].leaf_id, i, "def:leaf", err);

    for (size_t i = 0; !rc && i < d->nvls; i++) {
        const struct dm_vl *v = &d->vls[i];
        if (v->nrefs == 0)
            rc = tp_fail(err, TP_E_INTERNAL, "value list '%s' has no ItemRef", v->oid);
        for (size_t j = 0; !rc && j < v->nrefs; j++) {
            const struct dm_ref *r = &v->refs[j];
            rc = ref_need(&c.it, r->item_oid, "ItemOID", "ItemDef", v->oid, err);
            if (!rc)
                rc = ref_need(&c.mt, r->method_oid, "MethodOID", "MethodDef", v->oid, err);
            if (!rc && r->nwc == 0)
                rc = tp_fail(err, TP_E_INTERNAL, "value list '%s' item '%s' has no where clause",
                             v->oid, r->item_oid);
            for (size_t k = 0; !rc && k < r->nwc; k++)
                rc = ref_need(&c.wc, r->wc[k], "WhereClauseOID", "def:WhereClauseDef", v->oid, err);
        }
    }
    for (size_t i = 0; !rc && i < d->nwcs; i++) {
        const struct dm_wc *w = &d->wcs[i];
        rc = ref_need(&c.com, w->comment_oid, "CommentOID", "def:CommentDef", w->oid, err);
        if (!rc && w->nchecks == 0)
            rc = tp_fail(err, TP_E_INTERNAL, "where clause '%s' has no RangeCheck", w->oid);
        for (size_t k = 0; !rc && k < w->nchecks; k++)
            rc = ref_need(&c.it, w->checks[k].item_oid, "def:ItemOID", "ItemDef", w->oid, err);
    }
    for (size_t i = 0; !rc && i < d->nigs; i++) {
        const struct dm_ig *g = &d->igs[i];
        rc = ref_need(&c.com, g->comment_oid, "CommentOID", "def:CommentDef", g->oid, err);
        if (!rc)
            rc = ref_need(&c.std, g->std_oid, "def:StandardOID", "def:Standard", g->oid, err);
        if (!rc && g->leaf_id && strcmp(g->leaf_id, "") != 0 &&
            !dindex_get(&leafs, g->leaf_id, NULL))
            rc = ref_fail(err, "def:ArchiveLocationID", g->leaf_id, "def:leaf", g->oid);
        for (size_t j = 0; !rc && j < g->nrefs; j++) {
            rc = ref_need(&c.it, g->refs[j].item_oid, "ItemOID", "ItemDef", g->oid, err);
            if (!rc)
                rc = ref_need(&c.mt, g->refs[j].method_oid, "MethodOID", "MethodDef", g->oid, err);
        }
    }
    for (size_t i = 0; !rc && i < d->nits; i++) {
        const struct dm_it *t = &d->its[i];
        rc = ref_need(&c.cl, t->codelist_oid, "CodeListOID", "CodeList", t->oid, err);
        if (!rc)
            rc = ref_need(&c.vl, t->vl_oid, "ValueListOID", "def:ValueListDef", t->oid, err);
        if (!rc)
            rc = ref_need(&c.com, t->comment_oid, "CommentOID", "def:CommentDef", t->oid, err);
        if (!rc)
            rc = ref_docref(&c, &t->doc, t->oid, err);
    }
    for (size_t i = 0; !rc && i < d->ncls; i++)
        rc = ref_need(&c.std, d->cls[i].std_oid, "def:StandardOID", "def:Standard", d->cls[i].oid,
                      err);
    for (size_t i = 0; !rc && i < d->nmts; i++)
        rc = ref_docref(&c, &d->mts[i].doc, d->mts[i].oid, err);
    for (size_t i = 0; !rc && i < d->ncoms; i++)
        rc = ref_docref(&c, &d->coms[i].doc, d->coms[i].oid, err);

    dindex_release(&all);
    dindex_release(&leafs);
    dindex_release(&c.ig);
    dindex_release(&c.it);
    dindex_release(&c.cl);
    dindex_release(&c.vl);
    dindex_release(&c.wc);
    dindex_release(&c.mt);
    dindex_release(&c.com);
    dindex_release(&c.lf);
    dindex_release(&c.std);
    return rc;
}

/* ---------------------------------------------------------------- writer wrapper */

struct dw {
    xmlTextWriterPtr w;
    struct tp_strbuf clean;
    int rc;
    struct tp_error *err;
};

/* Valid XML 1.0 text from any bytes: invalid UTF-8 and control characters become '?'. */
static const char *dw_clean(struct dw *x, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    tp_strbuf_reset(&x->clean);
    while (n) {
        size_t ok = tp_utf8_valid_prefix(p, n);
        for (size_t i = 0; i < ok; i++) {
            unsigned char c = p[i];
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                c = '?';
            /* U+FFFE / U+FFFF are not XML characters */
            if (c == 0xEF && i + 2 < ok && p[i + 1] == 0xBF &&
                (p[i + 2] == 0xBE || p[i + 2] == 0xBF)) {
                tp_strbuf_addc(&x->clean, '?');
                i += 2;
                continue;
            }
            tp_strbuf_addc(&x->clean, (char)c);
        }
        p += ok;
        n -= ok;
        if (n) {
            tp_strbuf_addc(&x->clean, '?');
            p++;
            n--;
        }
    }
    return tp_strbuf_cstr(&x->clean);
}

static void dw_check(struct dw *x, int r)
{
    if (r < 0 && !x->rc)
        x->rc = tp_fail(x->err, TP_E_IO, "cannot write define.xml (XML writer failed)");
}

static void dw_start(struct dw *x, const char *name)
{
    if (!x->rc)
        dw_check(x, xmlTextWriterStartElement(x->w, (const xmlChar *)name));
}

static void dw_end(struct dw *x)
{
    if (!x->rc)
        dw_check(x, xmlTextWriterEndElement(x->w));
}

/* Attribute, skipped when value is NULL or empty. */
static void dw_attr(struct dw *x, const char *name, const char *value)
{
    if (x->rc || !value || !*value)
        return;
    dw_check(x, xmlTextWriterWriteAttribute(x->w, (const xmlChar *)name,
                                            (const xmlChar *)dw_clean(x, value)));
}

static void dw_attrl(struct dw *x, const char *name, long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    dw_attr(x, name, buf);
}

static void dw_text(struct dw *x, const char *s)
{
    if (!x->rc)
        dw_check(x, xmlTextWriterWriteString(x->w, (const xmlChar *)dw_clean(x, s)));
}

static void dw_elem_text(struct dw *x, const char *name, const char *s)
{
    dw_start(x, name);
    dw_text(x, s);
    dw_end(x);
}

/* <Description><TranslatedText xml:lang="en">s</TranslatedText></Description> */
static void dw_desc(struct dw *x, const char *outer, const char *s)
{
    if (!s || !*s)
        return;
    dw_start(x, outer);
    dw_start(x, "TranslatedText");
    dw_attr(x, "xml:lang", "en");
    dw_text(x, s);
    dw_end(x);
    dw_end(x);
}

static void dw_docref(struct dw *x, const struct dm_docref *r)
{
    if (!r->leaf || !*r->leaf)
        return;
    dw_start(x, "def:DocumentRef");
    dw_attr(x, "leafID", r->leaf);
    if (r->pages && *r->pages) {
        dw_start(x, "def:PDFPageRef");
        dw_attr(x, "PageRefs", r->pages);
        dw_attr(x, "Type", r->named ? "NamedDestination" : "PhysicalRef");
        dw_end(x);
    }
    dw_end(x);
}

static void dw_leaf(struct dw *x, const char *id, const char *href, const char *title)
{
    dw_start(x, "def:leaf");
    dw_attr(x, "ID", id);
    dw_attr(x, "xlink:href", href);
    dw_elem_text(x, "def:title", title && *title ? title : href);
    dw_end(x);
}

static void dw_itemref(struct dw *x, const struct dm_ref *r)
{
    dw_start(x, "ItemRef");
    dw_attr(x, "ItemOID", r->item_oid);
    dw_attrl(x, "OrderNumber", r->order);
    dw_attr(x, "Mandatory", r->mandatory ? "Yes" : "No");
    if (r->key > 0)
        dw_attrl(x, "KeySequence", r->key);
    dw_attr(x, "MethodOID", r->method_oid);
    dw_attr(x, "Role", r->role);
    for (size_t k = 0; k < r->nwc; k++) {
        dw_start(x, "def:WhereClauseRef");
        dw_attr(x, "WhereClauseOID", r->wc[k]);
        dw_end(x);
    }
    dw_end(x);
}

static void dw_body(struct dw *x, const struct dm_doc *d)
{
    bool acrf = false, supp = false;
    dw_check(x, xmlTextWriterSetIndent(x->w, 1));
    dw_check(x, xmlTextWriterSetIndentString(x->w, (const xmlChar *)"  "));
    dw_check(x, xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL));
    dw_start(x, "ODM");
    dw_attr(x, "xmlns", NS_ODM);
    dw_attr(x, "xmlns:def", NS_DEF);
    dw_attr(x, "xmlns:xlink", NS_XLINK);
    dw_attr(x, "ODMVersion", "1.3.2");
    dw_attr(x, "FileType", "Snapshot");
    dw_attr(x, "FileOID", d->file_oid);
    dw_attr(x, "CreationDateTime", d->created);
    dw_attr(x, "Originator", d->originator);
    dw_attr(x, "SourceSystem", "trialpack");
    dw_attr(x, "SourceSystemVersion", tp_version());
    dw_attr(x, "def:Context", d->context);

    dw_start(x, "Study");
    dw_attr(x, "OID", d->study_oid);
    dw_start(x, "GlobalVariables");
    dw_elem_text(x, "StudyName", d->study_name);
    dw_elem_text(x, "StudyDescription", d->study_desc);
    dw_elem_text(x, "ProtocolName", d->protocol);
    dw_end(x);

    dw_start(x, "MetaDataVersion");
    dw_attr(x, "OID", d->mdv_oid);
    dw_attr(x, "Name", d->mdv_name);
    dw_attr(x, "def:DefineVersion", d->define_version);

    if (d->nstds) {
        dw_start(x, "def:Standards");
        for (size_t i = 0; i < d->nstds; i++) {
            const struct dm_std *s = &d->stds[i];
            dw_start(x, "def:Standard");
            dw_attr(x, "OID", s->oid);
            dw_attr(x, "Name", s->name);
            dw_attr(x, "Type", s->type);
            dw_attr(x, "PublishingSet", s->pset);
            dw_attr(x, "Version", s->version);
            dw_attr(x, "Status", "Final");
            dw_end(x);
        }
        dw_end(x);
    }
    for (size_t i = 0; i < d->nleafs; i++) {
        acrf |= d->leafs[i].kind == 1;
        supp |= d->leafs[i].kind == 2;
    }
    for (int kind = 1; kind <= 2; kind++) {
        if ((kind == 1 && !acrf) || (kind == 2 && !supp))
            continue;
        dw_start(x, kind == 1 ? "def:AnnotatedCRF" : "def:SupplementalDoc");
        for (size_t i = 0; i < d->nleafs; i++)
            if (d->leafs[i].kind == kind) {
                dw_start(x, "def:DocumentRef");
                dw_attr(x, "leafID", d->leafs[i].id);
                dw_end(x);
            }
        dw_end(x);
    }
    for (size_t i = 0; i < d->nvls; i++) {
        dw_start(x, "def:ValueListDef");
        dw_attr(x, "OID", d->vls[i].oid);
        for (size_t j = 0; j < d->vls[i].nrefs; j++)
            dw_itemref(x, &d->vls[i].refs[j]);
        dw_end(x);
    }
    for (size_t i = 0; i < d->nwcs; i++) {
        const struct dm_wc *w = &d->wcs[i];
        dw_start(x, "def:WhereClauseDef");
        dw_attr(x, "OID", w->oid);
        dw_attr(x, "def:CommentOID", w->comment_oid);
        for (size_t k = 0; k < w->nchecks; k++) {
            const struct dm_check *c = &w->checks[k];
            dw_start(x, "RangeCheck");
            dw_attr(x, "Comparator", c->comparator);
            dw_attr(x, "SoftHard", "Soft");
            dw_attr(x, "def:ItemOID", c->item_oid);
            for (size_t v = 0; v < c->nvals; v++)
                dw_elem_text(x, "CheckValue", c->vals[v]);
            dw_end(x);
        }
        dw_end(x);
    }
    for (size_t i = 0; i < d->nigs; i++) {
        const struct dm_ig *g = &d->igs[i];
        dw_start(x, "ItemGroupDef");
        dw_attr(x, "OID", g->oid);
        dw_attr(x, "Name", g->name);
        dw_attr(x, "Repeating", g->repeating ? "Yes" : "No");
        dw_attr(x, "IsReferenceData", g->refdata ? "Yes" : "No");
        dw_attr(x, "SASDatasetName", g->name);
        dw_attr(x, "Domain", g->domain);
        dw_attr(x, "Purpose", g->purpose);
        dw_attr(x, "def:Structure", g->structure);
        dw_attr(x, "def:ArchiveLocationID", g->leaf_id);
        dw_attr(x, "def:StandardOID", g->std_oid);
        if (g->nonstandard)
            dw_attr(x, "def:IsNonStandard", "Yes");
        dw_attr(x, "def:CommentOID", g->comment_oid);
        dw_desc(x, "Description", g->label);
        for (size_t j = 0; j < g->nrefs; j++)
            dw_itemref(x, &g->refs[j]);
        if (g->cls && *g->cls) {
            dw_start(x, "def:Class");
            dw_attr(x, "Name", g->cls);
            dw_end(x);
        }
        if (g->leaf_id && *g->leaf_id)
            dw_leaf(x, g->leaf_id, g->leaf_href, g->leaf_href);
        dw_end(x);
    }
    for (size_t i = 0; i < d->nits; i++) {
        const struct dm_it *t = &d->its[i];
        dw_start(x, "ItemDef");
        dw_attr(x, "OID", t->oid);
        dw_attr(x, "Name", t->name);
        dw_attr(x, "DataType", t->datatype);
        if (t->length > 0)
            dw_attrl(x, "Length", t->length);
        if (t->sigdig >= 0)
            dw_attrl(x, "SignificantDigits", t->sigdig);
        if (strlen(t->name) <= 8)
            dw_attr(x, "SASFieldName", t->name);
        dw_attr(x, "def:DisplayFormat", t->display_format);
        dw_attr(x, "def:CommentOID", t->comment_oid);
        dw_desc(x, "Description", t->label);
        if (t->codelist_oid && *t->codelist_oid) {
            dw_start(x, "CodeListRef");
            dw_attr(x, "CodeListOID", t->codelist_oid);
            dw_end(x);
        }
        if (t->origin && *t->origin) {
            dw_start(x, "def:Origin");
            dw_attr(x, "Type", t->origin);
            dw_attr(x, "Source", t->source);
            dw_desc(x, "Description", t->origin_desc);
            dw_docref(x, &t->doc);
            dw_end(x);
        }
        if (t->vl_oid && *t->vl_oid) {
            dw_start(x, "def:ValueListRef");
            dw_attr(x, "ValueListOID", t->vl_oid);
            dw_end(x);
        }
        dw_end(x);
    }
    for (size_t i = 0; i < d->ncls; i++) {
        const struct dm_cl *c = &d->cls[i];
        dw_start(x, "CodeList");
        dw_attr(x, "OID", c->oid);
        dw_attr(x, "Name", c->name);
        dw_attr(x, "DataType", c->datatype);
        dw_attr(x, "def:StandardOID", c->std_oid);
        for (size_t k = 0; k < c->nterms; k++) {
            const struct dm_term *t = &c->terms[k];
            dw_start(x, c->decoded ? "CodeListItem" : "EnumeratedItem");
            dw_attr(x, "CodedValue", t->coded);
            dw_attrl(x, "OrderNumber", (long)k + 1);
            if (t->extended)
                dw_attr(x, "def:ExtendedValue", "Yes");
            if (c->decoded)
                dw_desc(x, "Decode", t->decode && *t->decode ? t->decode : t->coded);
            if (t->nci && *t->nci && !t->extended) {
                dw_start(x, "Alias");
                dw_attr(x, "Context", "nci:ExtCodeID");
                dw_attr(x, "Name", t->nci);
                dw_end(x);
            }
            dw_end(x);
        }
        if (c->nci && *c->nci) {
            dw_start(x, "Alias");
            dw_attr(x, "Context", "nci:ExtCodeID");
            dw_attr(x, "Name", c->nci);
            dw_end(x);
        }
        dw_end(x);
    }
    for (size_t i = 0; i < d->nmts; i++) {
        const struct dm_mt *m = &d->mts[i];
        dw_start(x, "MethodDef");
        dw_attr(x, "OID", m->oid);
        dw_attr(x, "Name", m->name);
        dw_attr(x, "Type", m->type);
        dw_desc(x, "Description", m->desc);
        if (m->expr && *m->expr) {
            dw_start(x, "FormalExpression");
            dw_attr(x, "Context", m->expr_ctx && *m->expr_ctx ? m->expr_ctx : "trialpack");
            dw_text(x, m->expr);
            dw_end(x);
        }
        dw_docref(x, &m->doc);
        dw_end(x);
    }
    for (size_t i = 0; i < d->ncoms; i++) {
        const struct dm_com *m = &d->coms[i];
        dw_start(x, "def:CommentDef");
        dw_attr(x, "OID", m->oid);
        dw_desc(x, "Description", m->desc);
        dw_docref(x, &m->doc);
        dw_end(x);
    }
    for (size_t i = 0; i < d->nleafs; i++)
        dw_leaf(x, d->leafs[i].id, d->leafs[i].href, d->leafs[i].title);
    dw_end(x); /* MetaDataVersion */
    dw_end(x); /* Study */
    dw_end(x); /* ODM */
    if (!x->rc)
        dw_check(x, xmlTextWriterEndDocument(x->w));
}

/* xmlOutputBuffer callbacks onto a tp_sink */
struct sinkctx {
    struct tp_sink *sink;
    struct tp_error *err;
    bool failed;
};

static int dw_sink_write(void *ctx, const char *buf, int len)
{
    struct sinkctx *c = ctx;
    if (len <= 0)
        return 0;
    if (tp_sink_write(c->sink, buf, (size_t)len, c->err)) {
        c->failed = true;
        return -1;
    }
    return len;
}

static int dw_sink_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static int dw_serialise(const struct dm_doc *d, struct tp_sink *sink, struct tp_error *err)
{
    struct sinkctx sc = {sink, err, false};
    xmlOutputBufferPtr ob;
    struct dw x;
    int rc;
    if ((rc = dm_check_refs(d, err)))
        return rc;
    ob = xmlOutputBufferCreateIO(dw_sink_write, dw_sink_close, &sc, NULL);
    if (!ob)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    memset(&x, 0, sizeof x);
    tp_strbuf_init(&x.clean);
    x.err = err;
    x.w = xmlNewTextWriter(ob); /* owns ob from here */
    if (!x.w) {
        xmlOutputBufferClose(ob);
        tp_strbuf_release(&x.clean);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    dw_body(&x, d);
    if (!x.rc)
        dw_check(&x, xmlTextWriterFlush(x.w));
    xmlFreeTextWriter(x.w);
    tp_strbuf_release(&x.clean);
    if (sc.failed && !x.rc)
        x.rc = err && err->code ? err->code : TP_E_IO;
    return x.rc;
}

int dm_write(const struct dm_doc *d, const char *path, struct tp_error *err)
{
    struct tp_sink *sink;
    int rc = tp_sink_open_file(&sink, path, err);
    if (rc)
        return rc;
    rc = dw_serialise(d, sink, err);
    if (!rc)
        rc = tp_sink_commit(sink, err);
    tp_sink_free(sink);
    return rc;
}

int dm_write_memory(const struct dm_doc *d, char **out, size_t *n, struct tp_error *err)
{
    struct tp_sink *sink;
    const unsigned char *m;
    size_t len;
    int rc = tp_sink_open_memory(&sink, err);
    *out = NULL;
    *n = 0;
    if (rc)
        return rc;
    rc = dw_serialise(d, sink, err);
    if (!rc)
        rc = tp_sink_commit(sink, err);
    if (!rc) {
        m = tp_sink_memory(sink, &len);
        if (!(*out = tp_malloc(len + 1)))
            rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        else {
            memcpy(*out, m, len);
            (*out)[len] = '\0';
            *n = len;
        }
    }
    tp_sink_free(sink);
    return rc;
}
