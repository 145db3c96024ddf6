/*
 * Library identity and process-wide set-up.
 */
#include "internal.h"
#include "trialpack/trialpack.h"

#include <stdlib.h>

#ifndef TP_DATADIR
#define TP_DATADIR "/usr/local/share/trialpack"
#endif

const char *tp_version(void)
{
    return PACKAGE_VERSION;
}

const char *tp_datadir(void)
{
    const char *d = getenv("TP_DATADIR");
    return (d && *d) ? d : TP_DATADIR;
}
