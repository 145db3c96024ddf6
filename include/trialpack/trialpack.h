/*
 * libtrialpack umbrella header: include this one.
 */
#ifndef TRIALPACK_H
#define TRIALPACK_H

#include "trialpack/error.h"
#include "trialpack/dataset.h"
#include "trialpack/format.h"
#include "trialpack/report.h"
#include "trialpack/study.h"
#include "trialpack/xml.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Library version, e.g. "0.1.0". */
const char *tp_version(void);
/* Directory of the installed data (mappings/, xsd/, xsl/): $TP_DATADIR when set, else the
   compiled-in package data directory. */
const char *tp_datadir(void);
/* Once per process, before other calls (initialises the XML parser). Safe to call twice. */
int tp_init(struct tp_error *err);
/* At process exit (frees the XML parser's global state). */
void tp_shutdown(void);

#ifdef __cplusplus
}
#endif
#endif
