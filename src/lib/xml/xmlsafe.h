/*
 * Checks done on untrusted XML before libxml2 sees it.
 */
#ifndef TP_XML_XMLSAFE_H
#define TP_XML_XMLSAFE_H

#include <stddef.h>

/* Line of a DOCTYPE declaration in the prolog of p (BOM, blanks, PIs, comments skipped), or 0 when
   the prolog has none. libxml2 reads ahead and would parse a DTD's internal subset before a
   streaming reader reports the node, so documents are refused on this check first. */
long xml_doctype_line(const char *p, size_t n);

/* The same on the first 64 KiB of a file; 0 also when the file cannot be read (the parser will
   report that). */
long xml_file_doctype_line(const char *path);

#endif
