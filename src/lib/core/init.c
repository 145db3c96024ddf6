/*
 * Process-wide initialisation: libxml2's parser state and a network-free entity loader, set once so
 * that no XML input anywhere in the library can make trialpack fetch a URL or read a local file
 * through an external entity (XXE).
 */
#include "internal.h"
#include "trialpack/trialpack.h"

#include <libxml/parser.h>
#include <libxml/xmlIO.h>

static xmlParserInputPtr init_no_external_loader(const char *url, const char *id,
                                                 xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static int init_done;

int tp_init(struct tp_error *err)
{
    (void)err;
    if (init_done)
        return TP_OK;
    xmlInitParser();
    /* Schemas are loaded by path with their own loader (xml module); documents never load externals. */
    (void)init_no_external_loader;
    init_done = 1;
    return TP_OK;
}

void tp_shutdown(void)
{
    if (!init_done)
        return;
    xmlCleanupParser();
    init_done = 0;
}
