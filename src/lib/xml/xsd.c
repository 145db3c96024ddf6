/*
 * XML Schema validation with libxml2's streaming reader (xmlTextReader + xmlSchemaValidCtxt), so
 * that a 100,000-subject ODM file is checked without building its tree. Untrusted documents are
 * read with XML_PARSE_NONET and without DTD loading or entity substitution; a DOCTYPE is refused.
 */
#include "internal.h"
#include "trialpack/trialpack.h"
#include "trialpack/xml.h"
#include "xmlsafe.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>

#define XSD_READER_OPTS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT)
#define XSD_MAX_FINDINGS_PER_FILE 100000  /* a broken generator can emit millions: count the rest */

struct xsd_ctx {
    struct tp_report *rep;
    const char *path;
    size_t n;
    size_t suppressed;
};

/* libxml2 < 2.12 passes a non-const xmlError *; >= 2.12 a const one: take void * and cast. */
static void xsd_structured_error(void *data, void *error)
{
    struct xsd_ctx *c = data;
    const xmlError *e = error;
    struct tp_finding f;
    char msg[512];
    size_t len;
    if (!e || e->level == XML_ERR_WARNING)
        return;
    c->n++;
    if (c->n > XSD_MAX_FINDINGS_PER_FILE) {
        c->suppressed++;
        return;
    }
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "schema violation");
    len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    memset(&f, 0, sizeof f);
    f.severity = TP_SEV_ERROR;
    f.rule_id = e->domain == XML_FROM_SCHEMASV ? "XSD" : "XML";
    f.path = c->path;
    f.line = e->line > 0 ? e->line : -1;
    f.row = -1;
    f.dataset = f.variable = f.value = "";
    f.message = msg;
    tp_report_add(c->rep, &f);
}

static void xsd_add(struct xsd_ctx *c, const char *rule, long line, const char *msg)
{
    struct tp_finding f;
    memset(&f, 0, sizeof f);
    f.severity = TP_SEV_ERROR;
    f.rule_id = rule;
    f.path = c->path;
    f.line = line;
    f.row = -1;
    f.dataset = f.variable = f.value = "";
    f.message = msg;
    c->n++;
    tp_report_add(c->rep, &f);
}

static void xsd_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int tp_xml_validate(const char *xml_path, const char *xsd_path, struct tp_report *rep,
                    size_t *nerrors, struct tp_error *err)
{
    xmlSchemaParserCtxtPtr pctx = NULL;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctx = NULL;
    xmlTextReaderPtr reader = NULL;
    struct xsd_ctx c = {rep, xml_path, 0, 0};
    struct tp_loc loc;
    int rc = TP_OK, r;
    struct stat st;

    tp_loc_init(&loc);
    tp_loc_set_path(&loc, xml_path);
    if (nerrors)
        *nerrors = 0;
    if (stat(xml_path, &st) != 0)
        return tp_fail_at(err, TP_E_IO, &loc, "cannot open '%s'", xml_path);
    {
        long dt = xml_file_doctype_line(xml_path);
        if (dt > 0) {
            xsd_add(&c, "XML", dt,
                    "DOCTYPE declarations are not allowed (external entities are never resolved)");
            if (nerrors)
                *nerrors = c.n;
            return TP_OK;
        }
    }
    /* schema: a trusted local file set; its includes/imports resolve relative to it */
    xmlSetGenericErrorFunc(NULL, xsd_silent);
    pctx = xmlSchemaNewParserCtxt(xsd_path);
    if (!pctx) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    xmlSchemaSetParserErrors(pctx, xsd_silent, xsd_silent, NULL);
    schema = xmlSchemaParse(pctx);
    if (!schema) {
        tp_loc_set_path(&loc, xsd_path);
        rc = tp_fail_at(err, TP_E_IO, &loc, "cannot load XML schema '%s'", xsd_path);
        goto out;
    }
    vctx = xmlSchemaNewValidCtxt(schema);
    if (!vctx) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    xmlSchemaSetValidStructuredErrors(vctx, (xmlStructuredErrorFunc)(void (*)(void))xsd_structured_error, &c);
    reader = xmlReaderForFile(xml_path, NULL, XSD_READER_OPTS);
    if (!reader) {
        rc = tp_fail_at(err, TP_E_IO, &loc, "cannot open '%s'", xml_path);
        goto out;
    }
    xmlTextReaderSetStructuredErrorHandler(reader, (xmlStructuredErrorFunc)(void (*)(void))xsd_structured_error, &c);
    if (xmlTextReaderSchemaValidateCtxt(reader, vctx, 0) != 0) {
        rc = tp_fail(err, TP_E_INTERNAL, "cannot start schema validation");
        goto out;
    }
    while ((r = xmlTextReaderRead(reader)) == 1) {
        if (xmlTextReaderNodeType(reader) == XML_READER_TYPE_DOCUMENT_TYPE) {
            xsd_add(&c, "XML", xmlTextReaderGetParserLineNumber(reader),
                    "DOCTYPE declarations are not allowed (external entities are never resolved)");
            break;
        }
    }
    if (r < 0 && c.n == 0)
        xsd_add(&c, "XML", -1, "document is not well-formed XML");
    if (c.suppressed) {
        char msg[128];
        snprintf(msg, sizeof msg, "%zu further schema findings not listed", c.suppressed);
        xsd_add(&c, "XSD", -1, msg);
    }
out:
    if (nerrors)
        *nerrors = c.n;
    if (reader)
        xmlFreeTextReader(reader);
    if (vctx)
        xmlSchemaFreeValidCtxt(vctx);
    if (schema)
        xmlSchemaFree(schema);
    if (pctx)
        xmlSchemaFreeParserCtxt(pctx);
    xmlSetGenericErrorFunc(NULL, NULL);
    return rc;
}

struct sniff_err {
    long line;
    char msg[200];
};

static void sniff_error(void *data, void *error)
{
    struct sniff_err *s = data;
    const xmlError *e = error;
    size_t n;
    if (!e || e->level == XML_ERR_WARNING || s->msg[0])
        return;
    s->line = e->line;
    snprintf(s->msg, sizeof s->msg, "%s", e->message ? e->message : "syntax error");
    n = strlen(s->msg);
    while (n && (s->msg[n - 1] == '\n' || s->msg[n - 1] == ' '))
        s->msg[--n] = '\0';
}

int tp_xml_sniff(const char *path, enum tp_xml_kind *kind, int *uses_arm, struct tp_error *err)
{
    xmlTextReaderPtr reader;
    int r;
    struct tp_loc loc;
    bool root_seen = false, doctype = false;
    struct sniff_err se = {-1, ""};
    struct stat st;
    *kind = TP_XML_UNKNOWN;
    *uses_arm = 0;
    tp_loc_init(&loc);
    tp_loc_set_path(&loc, path);
    if (stat(path, &st) != 0)
        return tp_fail_at(err, TP_E_IO, &loc, "cannot open '%s'", path);
    if ((loc.line = xml_file_doctype_line(path)) > 0)
        return tp_fail_at(err, TP_E_PARSE, &loc,
                          "DOCTYPE declarations are not allowed (external entities are never "
                          "resolved)");
    loc.line = -1;
    xmlSetGenericErrorFunc(NULL, xsd_silent);
    reader = xmlReaderForFile(path, NULL, XSD_READER_OPTS);
    if (!reader) {
        xmlSetGenericErrorFunc(NULL, NULL);
        return tp_fail_at(err, TP_E_IO, &loc, "cannot open '%s'", path);
    }
    xmlTextReaderSetStructuredErrorHandler(reader, (xmlStructuredErrorFunc)(void (*)(void))sniff_error, &se);
    /* the namespaces declared on the root say what the document is; scan element names for arm: */
    while ((r = xmlTextReaderRead(reader)) == 1) {
        int type = xmlTextReaderNodeType(reader);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            doctype = true;
            loc.line = xmlTextReaderGetParserLineNumber(reader);
            break;
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        if (!root_seen) {
            const xmlChar *ns = xmlTextReaderConstNamespaceUri(reader);
            root_seen = true;
            if (!ns || strncmp((const char *)ns, "http://www.cdisc.org/ns/odm/v1.3", 32) != 0)
                break;
            *kind = TP_XML_ODM;
            while (xmlTextReaderMoveToNextAttribute(reader) == 1) {
                const xmlChar *v = xmlTextReaderConstValue(reader);
                if (!v)
                    continue;
                if (strcmp((const char *)v, "http://www.cdisc.org/ns/def/v2.1") == 0)
                    *kind = TP_XML_DEFINE21;
                else if (strcmp((const char *)v, "http://www.cdisc.org/ns/def/v2.0") == 0)
                    *kind = TP_XML_DEFINE20;
            }
            xmlTextReaderMoveToElement(reader);
            if (*kind == TP_XML_ODM)
                break;   /* plain ODM: no need to read further */
            continue;
        }
        {
            const xmlChar *ns = xmlTextReaderConstNamespaceUri(reader);
            if (ns && strcmp((const char *)ns, "http://www.cdisc.org/ns/arm/v1.0") == 0) {
                *uses_arm = 1;
                break;
            }
        }
    }
    xmlFreeTextReader(reader);
    xmlSetGenericErrorFunc(NULL, NULL);
    if (doctype)
        return tp_fail_at(err, TP_E_PARSE, &loc,
                          "DOCTYPE declarations are not allowed (external entities are never "
                          "resolved)");
    if (!root_seen) {
        loc.line = se.line;
        return tp_fail_at(err, TP_E_PARSE, &loc, "not well-formed XML: %s",
                          se.msg[0] ? se.msg : "no root element");
    }
    return TP_OK;
}

/* Breadth-first search for a file name below dir (depth <= 3). */
static bool xsd_find(const char *dir, const char *name, int depth, char *buf, size_t size)
{
    DIR *d;
    struct dirent *e;
    char sub[4096];
    struct stat st;
    snprintf(sub, sizeof sub, "%s/%s", dir, name);
    if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
        snprintf(buf, size, "%s", sub);
        return true;
    }
    if (depth == 0)
        return false;
    d = opendir(dir);
    if (!d)
        return false;
    /* sorted traversal would be nicer; names differ enough that order does not matter here */
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && xsd_find(sub, name, depth - 1, buf, size)) {
            closedir(d);
            return true;
        }
    }
    closedir(d);
    return false;
}

int tp_xml_schema_for(enum tp_xml_kind kind, int uses_arm, const char *schema_dir, char *buf,
                      size_t size, struct tp_error *err)
{
    char dir[4096];
    const char *file, *sub;
    switch (kind) {
    case TP_XML_ODM:
        file = "ODM1-3-2.xsd";
        sub = "odm-1.3.2";
        break;
    case TP_XML_DEFINE21:
        file = uses_arm ? "arm1-0-0.xsd" : "define2-1-0.xsd";
        sub = "define-2.1";
        break;
    case TP_XML_DEFINE20:
        file = uses_arm ? "arm1-0-0.xsd" : "define2-0-0.xsd";
        sub = "define-2.0";
        break;
    default:
        return tp_fail(err, TP_E_USAGE, "not an ODM or Define-XML document");
    }
    if (schema_dir) {
        /* official layouts: define-2.1 puts ODM1-3-2.xsd under cdisc-odm-1.3.2/, so look for the
           kind's own entry point first, shallowest match wins */
        for (int depth = 0; depth <= 3; depth++)
            if (xsd_find(schema_dir, file, depth, buf, size))
                return TP_OK;
        return tp_fail(err, TP_E_USAGE, "no %s under schema folder '%s'", file, schema_dir);
    }
    snprintf(dir, sizeof dir, "%s/xsd/%s", tp_datadir(), sub);
    if (xsd_find(dir, file, 0, buf, size))
        return TP_OK;
    return tp_fail(err, TP_E_USAGE, "no bundled schema for this document (%s/%s)", dir, file);
}
