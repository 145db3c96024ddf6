/*
 * Rendering define.xml to HTML with the project's own XSLT 1.0 stylesheet (xsl/define2html.xsl)
 * through libxslt. The stylesheet may not write files or reach the network (xsltSecurityPrefs);
 * the document is parsed like all untrusted XML here: no network, no DTD, no entity expansion.
 */
#include "internal.h"
#include "io.h"
#include "trialpack/trialpack.h"
#include "trialpack/xml.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <libexslt/exslt.h>

static void xslt_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int tp_define_render_html(const char *define_path, const char *xsl_path, const char *out_path,
                          struct tp_error *err)
{
    char bundled[4096];
    xsltStylesheetPtr style = NULL;
    xmlDocPtr doc = NULL, res = NULL;
    xsltSecurityPrefsPtr sec = NULL;
    xsltTransformContextPtr tctx = NULL;
    xmlChar *html = NULL;
    int html_len = 0, rc = TP_OK;
    struct tp_sink *sink = NULL;
    struct tp_loc loc;
    xmlParserCtxtPtr pctx = NULL;

    tp_loc_init(&loc);
    if (!xsl_path) {
        snprintf(bundled, sizeof bundled, "%s/xsl/define2html.xsl", tp_datadir());
        xsl_path = bundled;
    }
    xmlSetGenericErrorFunc(NULL, xslt_silent);
    xsltSetGenericErrorFunc(NULL, xslt_silent);
    exsltRegisterAll();   /* exsl:node-set and friends, as xsltproc offers them */
    style = xsltParseStylesheetFile((const xmlChar *)xsl_path);
    if (!style) {
        tp_loc_set_path(&loc, xsl_path);
        rc = tp_fail_at(err, TP_E_IO, &loc, "cannot load stylesheet '%s'", xsl_path);
        goto out;
    }
    pctx = xmlNewParserCtxt();
    if (!pctx) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    doc = xmlCtxtReadFile(pctx, define_path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    tp_loc_set_path(&loc, define_path);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(pctx);
        if (e) {
            loc.line = e->line;
            rc = tp_fail_at(err, TP_E_PARSE, &loc, "not well-formed XML: %.180s",
                            e->message ? e->message : "");
            /* trim the trailing newline libxml2 leaves in its messages */
            if (err && err->msg[0] && err->msg[strlen(err->msg) - 1] == '\n')
                err->msg[strlen(err->msg) - 1] = '\0';
        } else {
            rc = tp_fail_at(err, TP_E_IO, &loc, "cannot read '%s'", define_path);
        }
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        rc = tp_fail_at(err, TP_E_PARSE, &loc, "DOCTYPE declarations are not allowed");
        goto out;
    }
    sec = xsltNewSecurityPrefs();
    if (!sec) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
    tctx = xsltNewTransformContext(style, doc);
    if (!tctx || xsltSetCtxtSecurityPrefs(sec, tctx) != 0) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    res = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, tctx);
    if (!res || tctx->state != XSLT_STATE_OK) {
        rc = tp_fail_at(err, TP_E_PARSE, &loc, "the stylesheet could not render this document");
        goto out;
    }
    if (xsltSaveResultToString(&html, &html_len, res, style) != 0 || !html) {
        rc = tp_fail(err, TP_E_NOMEM, "cannot serialise the HTML");
        goto out;
    }
    if ((rc = tp_sink_open_file(&sink, out_path, err)) ||
        (rc = tp_sink_write(sink, html, (size_t)html_len, err)) ||
        (rc = tp_sink_commit(sink, err)))
        goto out;
out:
    tp_sink_free(sink);
    if (html)
        xmlFree(html);
    if (res)
        xmlFreeDoc(res);
    if (tctx)
        xsltFreeTransformContext(tctx);
    if (sec)
        xsltFreeSecurityPrefs(sec);
    if (doc)
        xmlFreeDoc(doc);
    if (pctx)
        xmlFreeParserCtxt(pctx);
    if (style)
        xsltFreeStylesheet(style);
    xmlSetGenericErrorFunc(NULL, NULL);
    xsltSetGenericErrorFunc(NULL, NULL);
    return rc;
}
