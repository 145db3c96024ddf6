/*
 * trialpack render: define.xml -> define.html for reviewers (browsers no longer run the XSLT).
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "trialpack/xml.h"

static void render_usage(FILE *f)
{
    fprintf(f, "Usage: trialpack render [--stylesheet XSL] DEFINE.xml -o DEFINE.html\n"
               "\n"
               "Render a Define-XML 2.0 or 2.1 document (with ARM analysis results, if any) into one\n"
               "self-contained HTML file: contents, datasets, variables, value-level metadata,\n"
               "codelists, methods, comments and documents, hyperlinked.\n"
               "\n"
               "Options:\n"
               "  -o, --out FILE          the HTML file to write (default: DEFINE with .html)\n"
               "  -s, --stylesheet XSL    another XSLT 1.0 stylesheet (default: the bundled one)\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 ok, 2 usage error, 3 unreadable or malformed input.\n");
}

int cmd_render(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"stylesheet", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *xsl = NULL;
    char defout[4096];
    struct tp_error err;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': xsl = optarg; break;
        case 'h':
            render_usage(stdout);
            return CLI_OK;
        default:
            return cli_usage_error("render", "invalid option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("render", "expected one define.xml");
    if (!out) {
        const char *in = argv[optind];
        size_t n = strlen(in);
        if (n > 4 && strcmp(in + n - 4, ".xml") == 0)
            n -= 4;
        snprintf(defout, sizeof defout, "%.*s.html", (int)n, in);
        out = defout;
    }
    tp_error_init(&err);
    if (tp_define_render_html(argv[optind], xsl, out, &err))
        return cli_report_error(&err);
    return CLI_OK;
}
