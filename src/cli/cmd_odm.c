/*
 * trialpack odm: CDISC ODM 1.3.2 export of a study's raw EDC data, and import of an ODM 1.3.x
 * document's ClinicalData as one CSV table per item group (include/trialpack/odm.h).
 * Nested verbs (git's OPT_SUBCOMMAND pattern): a small table, each verb with its own getopt_long.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "trialpack/odm.h"
#include "trialpack/report.h"
#include "trialpack/study.h"

/* Declared in cli.h once the command is in main.c's table. */
int cmd_odm(int argc, char **argv);

struct odm_verb {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static int odm_export(int argc, char **argv);
static int odm_import(int argc, char **argv);

static const struct odm_verb odm_verbs[] = {
    {"export", odm_export, "write a study's raw export as one ODM 1.3.2 document"},
    {"import", odm_import, "read an ODM document's ClinicalData into CSV tables"},
    {NULL, NULL, NULL},
};

static void odm_usage(FILE *f)
{
    fprintf(f, "Usage: trialpack odm VERB [OPTIONS]\n"
               "\n"
               "CDISC ODM 1.3.2 export and import.\n"
               "\n"
               "Verbs:\n");
    for (const struct odm_verb *v = odm_verbs; v->name; v++)
        fprintf(f, "  %-8s %s\n", v->name, v->summary);
    fprintf(f, "\n"
               "Run 'trialpack odm VERB --help' for a verb's options.\n"
               "\n"
               "Exit status: 0 ok (warnings allowed), 2 usage error, 3 invalid input or I/O "
               "error.\n");
}

/* Findings stream to stderr as "path:line: warning: [RULE] where: message (value 'v')". */
struct odm_out {
    bool quiet;
};

static int odm_print_finding(const struct tp_finding *fd, void *ctx)
{
    const struct odm_out *o = ctx;
    if (o->quiet)
        return 0;
    fprintf(stderr, "%s", fd->path[0] ? fd->path : "trialpack");
    if (fd->line > 0)
        fprintf(stderr, ":%ld", fd->line);
    fprintf(stderr, ": %s: [%s] ", tp_severity_name(fd->severity), fd->rule_id);
    if (fd->dataset[0] || fd->variable[0])
        fprintf(stderr, "%s%s%s: ", fd->dataset, fd->dataset[0] && fd->variable[0] ? "." : "",
                fd->variable);
    fprintf(stderr, "%s", fd->message);
    if (fd->value[0])
        fprintf(stderr, " (value '%s')", fd->value);
    fputc('\n', stderr);
    return 0;
}

static struct tp_report *odm_report(struct odm_out *out)
{
    struct tp_report *rep = tp_report_new();
    if (rep)
        tp_report_set_sink(rep, odm_print_finding, out, false);
    return rep;
}

/* ------------------------------------------------------------------ export */

static void odm_export_usage(FILE *f)
{
    fprintf(f,
            "Usage: trialpack odm export --study DIR --raw DIR --out FILE.xml [OPTIONS]\n"
            "\n"
            "Write the raw EDC export of a study (one CSV per form, as 'trialpack generate'\n"
            "writes it) as one ODM 1.3.2 Snapshot: the study's metadata (events, forms, item\n"
            "groups, items with French and English questions, units, range checks, codelists)\n"
            "and its ClinicalData. Raw values are converted to ODM forms (decimal point, ISO 8601\n"
            "dates, partial dates for partialDate items); a value that cannot be converted is\n"
            "kept and reported as a warning. CreationDateTime comes from SOURCE_DATE_EPOCH when\n"
            "set, so the output is reproducible. The file is written whole, then renamed.\n"
            "\n"
            "Options:\n"
            "      --study DIR       study folder (study.csv and crf/*.csv)\n"
            "      --raw DIR         folder of the raw export (<table>.csv per form)\n"
            "  -o, --out FILE        ODM document to write\n"
            "      --encoding ENC    raw files' encoding: utf-8, cp1252 or latin1\n"
            "                        (default: the study's Raw.Encoding)\n"
            "      --file-oid OID    FileOID (default ODM.<StudyOID>.<CreationDateTime>)\n"
            "      --no-restricted   leave out restricted forms (unblinding, cell-therapy sheets)\n"
            "      --compact         no indentation\n"
            "  -q, --quiet           do not list warnings\n"
            "  -h, --help            show this help\n"
            "\n"
            "Exit status: 0 ok (warnings allowed), 2 usage error, 3 invalid input or I/O error.\n");
}

static int odm_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"study", required_argument, NULL, 's'},    {"raw", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},      {"encoding", required_argument, NULL, 'e'},
        {"file-oid", required_argument, NULL, 'f'}, {"no-restricted", no_argument, NULL, 'R'},
        {"compact", no_argument, NULL, 'c'},        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *study = NULL, *raw = NULL, *out = NULL;
    struct tp_odm_export_options o;
    struct tp_odm_stats st;
    struct odm_out pr = {false};
    struct tp_report *rep = NULL;
    struct tp_crf *crf = NULL;
    struct tp_error err;
    int c, rc;

    tp_odm_export_options_init(&o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 's': study = optarg; break;
        case 'r': raw = optarg; break;
        case 'o': out = optarg; break;
        case 'e': o.encoding = optarg; break;
        case 'f': o.file_oid = optarg; break;
        case 'R': o.skip_restricted = true; break;
        case 'c': o.compact = true; break;
        case 'q': pr.quiet = true; break;
        case 'h': odm_export_usage(stdout); return CLI_OK;
        default: return cli_usage_error("odm export", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("odm export", "unexpected argument '%s'", argv[optind]);
    if (!study || !raw || !out)
        return cli_usage_error("odm export", "--study, --raw and --out are required");
    tp_error_init(&err);
    if (tp_crf_load(study, &crf, &err))
        return cli_report_error(&err);
    rep = odm_report(&pr);
    if (!rep) {
        tp_crf_free(crf);
        fprintf(stderr, "trialpack: out of memory\n");
        return CLI_INPUT;
    }
    rc = tp_odm_export(crf, raw, out, &o, rep, &st, &err);
    if (rc)
        rc = cli_report_error(&err);
    else if (!pr.quiet)
        fprintf(stderr,
                "odm export: %zu subjects, %zu events, %zu forms, %zu item groups, %zu items, "
                "%zu warnings -> %s (%llu bytes)\n",
                st.subjects, st.events, st.forms, st.itemgroups, st.items, st.warnings, out,
                st.bytes);
    tp_report_free(rep);
    tp_crf_free(crf);
    return rc;
}

/* ------------------------------------------------------------------ import */

static void odm_import_usage(FILE *f)
{
    fprintf(f,
            "Usage: trialpack odm import FILE.xml --out DIR [OPTIONS]\n"
            "\n"
            "Read the ClinicalData of an ODM 1.3.x document into one CSV table per item group\n"
            "(DIR/<ItemGroupOID>.csv): key columns SubjectKey, StudyEventOID,\n"
            "StudyEventRepeatKey, FormOID, FormRepeatKey, ItemGroupRepeatKey (plus\n"
            "TransactionType in a Transactional file), then one column per item named by its\n"
            "ItemDef. Deviations seen in real EDC exports (REDCap: FormData without\n"
            "StudyEventData, vendor extensions, items missing from their ItemGroupDef) are\n"
            "accepted with a warning; an ItemOID without ItemDef is an error. Documents with a\n"
            "DOCTYPE are refused; nothing is fetched from the network. The tables are written\n"
            "into a temporary folder and moved into DIR only when all are complete.\n"
            "Transactional files: every ItemGroupData is a row with its effective\n"
            "TransactionType; the instructions (Remove, Upsert...) are not applied.\n"
            "\n"
            "Options:\n"
            "  -o, --out DIR         folder for the tables (created if needed)\n"
            "      --study DIR       study folder: keep the study's missing codes (ND, NA) as\n"
            "                        text, and read ClinicalData whose metadata are the study's\n"
            "      --max-tables N    most item groups accepted (default 1000)\n"
            "  -q, --quiet           do not list warnings\n"
            "  -h, --help            show this help\n"
            "\n"
            "Exit status: 0 ok (warnings allowed), 2 usage error, 3 invalid input or I/O error.\n");
}

static int odm_import(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"study", required_argument, NULL, 's'},
                                         {"max-tables", required_argument, NULL, 'm'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *study = NULL, *out = NULL, *in;
    struct tp_odm_import_options o;
    struct tp_odm_stats st;
    struct odm_out pr = {false};
    struct tp_report *rep = NULL;
    struct tp_crf *crf = NULL;
    struct tp_error err;
    int c, rc;

    tp_odm_import_options_init(&o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': study = optarg; break;
        case 'm': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v == 0)
                return cli_usage_error("odm import", "--max-tables needs a positive number");
            o.max_tables = (size_t)v;
            break;
        }
        case 'q': pr.quiet = true; break;
        case 'h': odm_import_usage(stdout); return CLI_OK;
        default: return cli_usage_error("odm import", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("odm import", optind >= argc ? "an ODM file is required"
                                                            : "exactly one ODM file is expected");
    in = argv[optind];
    if (!out)
        return cli_usage_error("odm import", "--out is required");
    tp_error_init(&err);
    if (study && tp_crf_load(study, &crf, &err))
        return cli_report_error(&err);
    o.crf = crf;
    rep = odm_report(&pr);
    if (!rep) {
        tp_crf_free(crf);
        fprintf(stderr, "trialpack: out of memory\n");
        return CLI_INPUT;
    }
    rc = tp_odm_import(in, out, &o, rep, &st, &err);
    if (rc)
        rc = cli_report_error(&err);
    else if (!pr.quiet)
        fprintf(stderr,
                "odm import: %zu subjects, %zu item groups in %zu tables, %zu items, %zu "
                "warnings -> %s\n",
                st.subjects, st.itemgroups, st.tables, st.items, st.warnings, out);
    tp_report_free(rep);
    tp_crf_free(crf);
    return rc;
}

/* ------------------------------------------------------------------ dispatch */

int cmd_odm(int argc, char **argv)
{
    if (argc < 2) {
        odm_usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        odm_usage(stdout);
        return CLI_OK;
    }
    for (const struct odm_verb *v = odm_verbs; v->name; v++)
        if (strcmp(v->name, argv[1]) == 0)
            return v->fn(argc - 1, argv + 1);
    return cli_usage_error("odm", "unknown verb '%s' (export or import)", argv[1]);
}
