/*
 * XML documents: schema validation and kind detection. Untrusted XML is parsed without network
 * access, without loading DTDs and without expanding entities; a document with a DOCTYPE is
 * refused (no CDISC document needs one, and it is how XXE and billion-laughs attacks start).
 */
#ifndef TRIALPACK_XML_H
#define TRIALPACK_XML_H

#include <stddef.h>

#include "trialpack/error.h"
#include "trialpack/report.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tp_xml_kind {
    TP_XML_UNKNOWN = 0,
    TP_XML_ODM,        /* ODM 1.3.x without Define-XML content */
    TP_XML_DEFINE20,   /* Define-XML 2.0 */
    TP_XML_DEFINE21,   /* Define-XML 2.1 */
};

/* Look at the root element of an XML file: its kind, and whether ARM (analysis results) is used.
   Streams only as far as needed. TP_E_PARSE (with the line) for a DOCTYPE or malformed XML before
   the root element; TP_E_IO when the file cannot be read. */
int tp_xml_sniff(const char *path, enum tp_xml_kind *kind, int *uses_arm, struct tp_error *err);

/* The schema entry point for a kind: inside schema_dir (NULL = the bundled xsd/ folder of
   tp_datadir()), found by file name breadth-first, so the bundled layout and CDISC's official
   layouts both work. Writes the path into buf. TP_E_USAGE when none is found. */
int tp_xml_schema_for(enum tp_xml_kind kind, int uses_arm, const char *schema_dir, char *buf,
                      size_t size, struct tp_error *err);

/* Validate xml_path against the schema xsd_path, streaming. Every schema violation becomes a
   finding (rule "XSD", severity error, with its line) in rep; well-formedness errors and a
   DOCTYPE become findings too. Returns TP_OK when the check ran; an error when the schema itself
   cannot be loaded or the file cannot be opened. *nerrors (may be NULL) counts the findings. */
int tp_xml_validate(const char *xml_path, const char *xsd_path, struct tp_report *rep,
                    size_t *nerrors, struct tp_error *err);

/* Render a Define-XML 2.0/2.1 document to one self-contained HTML file with the stylesheet
   xsl_path (NULL = the bundled xsl/define2html.xsl). out_path appears only when complete. */
int tp_define_render_html(const char *define_path, const char *xsl_path, const char *out_path,
                          struct tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
