/*
 * trialpack sdtm: map a study's raw EDC export to SDTM with the study's mapping spec
 * (mappings/<study>/sdtm/, doc/sdtm-spec.md): one file per dataset (XPT v5 by default) plus the
 * reconciliation report. The output folder appears only when complete.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "trialpack/sdtm.h"

int cmd_sdtm(int argc, char **argv);
int cli_sdtm_map(const char *study, const char *raw, const char *out, const char *formats,
                 const char *ct, const char *profile, bool quiet);
static const char *sdtm_chunk;

static void sdtm_usage(FILE *f)
{
    fprintf(f,
            "Usage: trialpack sdtm --study DIR --raw DIR --out DIR [OPTIONS]\n"
            "\n"
            "Map a raw EDC export (one CSV per form) to SDTM datasets with the study's mapping\n"
            "spec (DIR/sdtm/*.csv; see doc/sdtm-spec.md). Writes one file per dataset, named\n"
            "like the dataset in lower case, sorted by the dataset's keys, plus\n"
            "reconciliation.csv (every raw record and what it became) and reconciliation.txt.\n"
            "\n"
            "Options:\n"
            "      --study DIR      study folder (holding sdtm/) or the sdtm spec folder itself\n"
            "      --raw DIR        raw export folder\n"
            "      --out DIR        output folder (replaced atomically when complete)\n"
            "  -f, --format LIST    comma list of xpt (default), json, ndjson, dsjc\n"
            "      --ct FILE        controlled terminology (NCI EVS tab-delimited release) to\n"
            "                       check the spec's codelists against, besides the bundled one\n"
            "      --profile P      fda (default: character values transliterated to ASCII and\n"
            "                       reported), pmda or nmpa (UTF-8 kept)\n"
            "      --chunk N        subjects mapped at a time (default 1000): memory use\n"
            "  -q, --quiet          no summary line\n"
            "  -h, --help           show this help\n"
            "\n"
            "Exit status: 0 ok, 2 usage error, 3 invalid spec or input, or I/O error.\n"
            "Bad raw values (dates, codes) do not fail the run: see reconciliation.csv.\n");
}

struct sdtm_progress {
    bool on;
};

static void sdtm_progress_cb(void *ctx, const char *what, size_t done, size_t total)
{
    struct sdtm_progress *p = ctx;
    if (!p->on)
        return;
    fprintf(stderr, "\r\033[Ksdtm: %s (%zu/%zu)", what, done + 1, total);
    fflush(stderr);
}

/* "Rules.csv" -> "DIR/Rules.csv" in place (cut to size). */
static void sdtm_prefix_path(char *path, size_t size, const char *dir)
{
    char full[4400];
    size_t n;
    snprintf(full, sizeof full, "%.4096s/%.256s", dir, path);
    n = strlen(full);
    if (n >= size)
        n = size - 1;
    memcpy(path, full, n);
    path[n] = '\0';
}

static bool sdtm_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_sdtm_map(const char *study, const char *raw, const char *out, const char *formats,
                 const char *ct, const char *profile, bool quiet)
{
    struct tp_error err;
    struct tp_spec *spec = NULL;
    struct tp_sdtm *run = NULL;
    struct sdtm_progress prog = {cli_progress_enabled()};
    char dir[4096], probe[4200];
    int rc;

    tp_error_init(&err);
    snprintf(probe, sizeof probe, "%s/Datasets.csv", study);
    {
        struct stat st;
        if (stat(probe, &st) == 0)
            snprintf(dir, sizeof dir, "%s", study);
        else
            snprintf(dir, sizeof dir, "%s/sdtm", study);
    }
    if (!sdtm_is_dir(dir)) {
        fprintf(stderr, "trialpack sdtm: '%s' is not a study folder (no sdtm/ spec)\n", study);
        return CLI_INPUT;
    }
    if (!sdtm_is_dir(raw)) {
        fprintf(stderr, "trialpack sdtm: raw folder '%s' not found\n", raw);
        return CLI_INPUT;
    }
    if (!(spec = tp_spec_new())) {
        fprintf(stderr, "trialpack sdtm: out of memory\n");
        return CLI_INPUT;
    }
    if ((rc = tp_spec_load_dir(spec, dir, &err)) || (ct && (rc = tp_spec_load_ct(spec, ct, &err))) ||
        (rc = tp_spec_finish(spec, &err))) {
        if (err.loc.path[0] && err.loc.path[0] != '/' && strchr(err.loc.path, '/') == NULL) {
            /* a sheet name: print it with its folder */
            sdtm_prefix_path(err.loc.path, sizeof err.loc.path, dir);
        }
        rc = cli_report_error(&err);
        tp_spec_free(spec);
        return rc == CLI_USAGE ? CLI_INPUT : rc;
    }
    if ((rc = tp_sdtm_new(spec, &run, &err)) ||
        (formats && (rc = tp_sdtm_set_option(run, "formats", formats, &err))) ||
        (profile && (rc = tp_sdtm_set_option(run, "profile", profile, &err))) ||
        (sdtm_chunk && (rc = tp_sdtm_set_option(run, "chunk", sdtm_chunk, &err)))) {
        rc = cli_report_error(&err);
        tp_sdtm_free(run);
        tp_spec_free(spec);
        return rc;
    }
    tp_sdtm_set_progress(run, sdtm_progress_cb, &prog);
    rc = tp_sdtm_run(run, raw, out, &err);
    if (prog.on)
        fprintf(stderr, "\r\033[K");
    if (rc) {
        if (err.loc.path[0] && strchr(err.loc.path, '/') == NULL && strstr(err.loc.path, ".csv")) {
            sdtm_prefix_path(err.loc.path, sizeof err.loc.path, dir);
        }
        rc = cli_report_error(&err);
        if (rc == CLI_USAGE)
            rc = CLI_INPUT;
    } else if (!quiet) {
        size_t n = 0;
        for (size_t i = 0; i < tp_sdtm_nresults(run); i++)
            n++;
        printf("sdtm: %zu raw records mapped into %s (%zu not mapped, reasons in "
               "reconciliation.csv; %zu raw-value issues or transliterations)\n",
               tp_sdtm_raw_records(run), out, tp_sdtm_unmapped_records(run),
               tp_sdtm_nissues(run));
    }
    tp_sdtm_free(run);
    tp_spec_free(spec);
    return rc;
}

int cmd_sdtm(int argc, char **argv)
{
    static const struct option opts[] = {
        {"study", required_argument, NULL, 's'}, {"raw", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},   {"format", required_argument, NULL, 'f'},
        {"ct", required_argument, NULL, 'c'},    {"profile", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
        {"chunk", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0}};
    const char *study = NULL, *raw = NULL, *out = NULL, *formats = NULL, *ct = NULL,
               *profile = NULL;
    bool quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 's': study = optarg; break;
        case 'r': raw = optarg; break;
        case 'o': out = optarg; break;
        case 'f': formats = optarg; break;
        case 'c': ct = optarg; break;
        case 'p': profile = optarg; break;
        case 'q': quiet = true; break;
        case 'k': sdtm_chunk = optarg; break;
        case 'h': sdtm_usage(stdout); return CLI_OK;
        default: return cli_usage_error("sdtm", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("sdtm", "unexpected argument '%s'", argv[optind]);
    if (!study || !raw || !out)
        return cli_usage_error("sdtm", "--study, --raw and --out are required");
    if (profile && strcmp(profile, "fda") && strcmp(profile, "pmda") && strcmp(profile, "nmpa"))
        return cli_usage_error("sdtm", "unknown profile '%s' (fda, pmda, nmpa)", profile);
    if (formats) {
        char buf[128], *save = NULL, *tok;
        snprintf(buf, sizeof buf, "%s", formats);
        for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if (strcmp(tok, "xpt") && strcmp(tok, "json") && strcmp(tok, "ndjson") &&
                strcmp(tok, "dsjc"))
                return cli_usage_error("sdtm", "unknown format '%s' (xpt, json, ndjson, dsjc)",
                                       tok);
    }
    return cli_sdtm_map(study, raw, out, formats, ct, profile, quiet);
}
