/*
 * trialpack: git-style dispatch to subcommands (git.c's commands[] table). main() handles only the
 * global options and checks that stdout was written successfully.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct cli_command commands[] = {
    {"build", cmd_build, "build a study's submission package end to end (default: SCLERADEC II)"},
    {"sdtm", cmd_sdtm, "map a raw EDC export to SDTM datasets with a reconciliation report"},
    {"odm", cmd_odm, "export or import ODM 1.3.2 (study metadata and clinical data)"},
    {"generate", cmd_generate, "write a synthetic raw EDC export of a study folder"},
    {"define", cmd_define, "write define.xml (+ define.html) from the spec and the data; --check one"},
    {"info", cmd_info, "describe datasets in XPT, CSV or Dataset-JSON files"},
    {"convert", cmd_convert, "convert a dataset between XPT v5/v8, CSV and Dataset-JSON"},
    {"validate", cmd_validate, "validate a package, datasets, define.xml or ODM: schemas and conformance rules"},
    {"render", cmd_render, "render a define.xml as one self-contained HTML page"},
    {NULL, NULL, NULL},
};

static void main_usage(FILE *f)
{
    fprintf(f,
            "Usage: trialpack [--help] [--version] COMMAND [ARGS]\n"
            "\n"
            "Turn a clinical trial's raw data into a CDISC submission package.\n"
            "\n"
            "Commands:\n");
    for (const struct cli_command *c = commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\n"
               "Run 'trialpack COMMAND --help' for a command's options.\n"
               "\n"
               "Exit status: 0 ok, 1 validation findings at error level, 2 usage error,\n"
               "3 invalid input or I/O error.\n");
}

int main(int argc, char **argv)
{
    const struct cli_command *c;
    struct tp_error err;
    int rc;

    if (argc < 2) {
        main_usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2 && strcmp(argv[1], "help") == 0) {
            for (c = commands; c->name; c++)
                if (strcmp(c->name, argv[2]) == 0) {
                    static char help_opt[] = "--help";
                    char *hargv[] = {argv[2], help_opt, NULL};
                    return c->fn(2, hargv);
                }
        }
        main_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("trialpack %s\n", tp_version());
        return CLI_OK;
    }
    for (c = commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0)
            break;
    if (!c->name) {
        fprintf(stderr, "trialpack: '%s' is not a trialpack command. See 'trialpack --help'.\n",
                argv[1]);
        return CLI_USAGE;
    }
    tp_error_init(&err);
    if (tp_init(&err))
        return cli_report_error(&err);
    rc = c->fn(argc - 1, argv + 1);
    tp_shutdown();
    /* like git's run_builtin(): a failed write to stdout is an error */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "trialpack: write error on standard output: %s\n", strerror(errno));
        return CLI_INPUT;
    }
    return rc;
}
