/*
 * trialpack define: write a study's define.xml (Define-XML 2.1) from its mapping spec and the
 * datasets mapped with it, optionally rendered to define.html; or check an existing define.xml
 * (2.0 or 2.1) for dangling OID references and missing def:leaf files.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "trialpack/define.h"
#include "trialpack/report.h"
#include "trialpack/xml.h"

int cmd_define(int argc, char **argv);

static void define_usage(FILE *f)
{
    fprintf(
        f, "Usage: trialpack define --study DIR --data DIR [--out define.xml] [--html FILE]\n"
           "       trialpack define --check define.xml [--data DIR]\n"
           "\n"
           "Write the Define-XML 2.1 document of a study's SDTM datasets from the same mapping\n"
           "spec the data were made with: one dataset per file in --data (XPT, or Dataset-JSON),\n"
           "variables in file order, lengths from the data, value-level metadata for findings\n"
           "and SUPP-- datasets, codelists, methods, comments and documents from the spec.\n"
           "Every OID reference is checked; the file appears only when complete.\n"
           "\n"
           "With --check, read a Define-XML 2.0 or 2.1 document and report dangling OID or\n"
           "leaf references, and with --data the def:leaf files missing from that folder,\n"
           "with their lines.\n"
           "\n"
           "Options:\n"
           "      --study DIR     study folder (its sdtm/ spec), or a spec folder\n"
           "      --data DIR      folder of the dataset files (e.g. the output of trialpack sdtm)\n"
           "  -o, --out FILE      define.xml to write (default: DIR/define.xml of --data)\n"
           "      --html FILE     also render the define.xml into this HTML file\n"
           "      --ct FILE       NCI EVS terminology file to check codelists against\n"
           "      --check FILE    check FILE instead of writing\n"
           "  -h, --help          show this help\n"
           "\n"
           "SOURCE_DATE_EPOCH, when set, gives the CreationDateTime (reproducible output).\n"
           "\n"
           "Exit status: 0 ok, 1 --check found errors, 2 usage error, 3 invalid spec, data or\n"
           "define.xml, or an I/O error.\n");
}

static int define_check(const char *path, const char *data)
{
    struct tp_error err;
    struct tp_define *d = NULL;
    struct tp_report *rep = tp_report_new();
    size_t nerr = 0;
    int rc;
    tp_error_init(&err);
    if (!rep) {
        fprintf(stderr, "trialpack define: out of memory\n");
        return CLI_INPUT;
    }
    if ((rc = tp_define_read(path, &d, &err)) ||
        (rc = tp_define_check(d, data, rep, &nerr, &err))) {
        rc = cli_report_error(&err);
        goto out;
    }
    for (size_t i = 0; i < tp_report_count(rep); i++) {
        const struct tp_finding *f = tp_report_at(rep, i);
        if (f->line > 0)
            fprintf(stderr, "%s:%ld: %s: %s\n", f->path, f->line, tp_severity_name(f->severity),
                    f->message);
        else
            fprintf(stderr, "%s: %s: %s\n", f->path, tp_severity_name(f->severity), f->message);
    }
    printf("define: %s: Define-XML %s, %zu dataset(s), %zu error(s), %zu warning(s)\n", path,
           tp_define_version(d) == 21 ? "2.1" : "2.0", tp_define_ndatasets(d), nerr,
           tp_report_count_severity(rep, TP_SEV_WARNING));
    rc = nerr ? CLI_FINDINGS : CLI_OK;
out:
    tp_define_free(d);
    tp_report_free(rep);
    return rc;
}

int cmd_define(int argc, char **argv)
{
    enum { OPT_STUDY = 256, OPT_DATA, OPT_HTML, OPT_CT, OPT_CHECK };
    static const struct option longopts[] = {
        {"study", required_argument, NULL, OPT_STUDY},
        {"data", required_argument, NULL, OPT_DATA},
        {"out", required_argument, NULL, 'o'},
        {"html", required_argument, NULL, OPT_HTML},
        {"ct", required_argument, NULL, OPT_CT},
        {"check", required_argument, NULL, OPT_CHECK},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *study = NULL, *data = NULL, *out = NULL, *html = NULL, *ct = NULL, *check = NULL;
    char defout[4096];
    struct tp_error err;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_STUDY: study = optarg; break;
        case OPT_DATA: data = optarg; break;
        case 'o': out = optarg; break;
        case OPT_HTML: html = optarg; break;
        case OPT_CT: ct = optarg; break;
        case OPT_CHECK: check = optarg; break;
        case 'h': define_usage(stdout); return CLI_OK;
        default: return cli_usage_error("define", "invalid option");
        }
    }
    if (optind < argc)
        return cli_usage_error("define", "unexpected argument '%s'", argv[optind]);
    if (check) {
        if (study || out || html || ct)
            return cli_usage_error("define", "--check takes only --data");
        return define_check(check, data);
    }
    if (!study || !data)
        return cli_usage_error("define", "--study and --data are required");
    if (!out) {
        snprintf(defout, sizeof defout, "%s/define.xml", data);
        out = defout;
    }
    tp_error_init(&err);
    if (tp_define_write_study(study, ct, data, out, &err))
        return cli_report_error(&err);
    if (html && tp_define_render_html(out, NULL, html, &err))
        return cli_report_error(&err);
    return CLI_OK;
}
