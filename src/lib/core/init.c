/*
 * Process-wide initialisation: libxml2's parser state, and an external-entity loader that refuses
 * every URL that is not a local file, so that neither a document nor a schema import can make
 * trialpack reach the network. (Documents are also parsed with XML_PARSE_NONET and without DTD
 * loading; see xml/xsd.c.)
 */
#include "internal.h"
#include "trialpack/trialpack.h"

#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/xmlIO.h>

static xmlExternalEntityLoader init_default_loader;
static int init_done;

static xmlParserInputPtr init_local_only_loader(const char *url, const char *id,
                                                xmlParserCtxtPtr ctxt)
{
    if (url && (strncasecmp(url, "http:", 5) == 0 || strncasecmp(url, "https:", 6) == 0 ||
                strncasecmp(url, "ftp:", 4) == 0))
        return NULL;
    return init_default_loader ? init_default_loader(url, id, ctxt) : NULL;
}

int tp_init(struct tp_error *err)
{
    (void)err;
    if (init_done)
        return TP_OK;
    xmlInitParser();
    init_default_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(init_local_only_loader);
    init_done = 1;
    return TP_OK;
}

void tp_shutdown(void)
{
    if (!init_done)
        return;
    xmlSetExternalEntityLoader(init_default_loader);
    xmlCleanupParser();
    init_done = 0;
}
