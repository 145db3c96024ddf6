/*
 * trialpack validate: check a submission package, datasets, define.xml or ODM files against the
 * XML schemas and the conformance-rule catalogue (mappings/rules/catalogue.csv), and report the
 * findings for a person (text summary, HTML page) or a pipeline (CSV, JSON: streamed, no caps).
 * Exit status: 0 no finding at the --fail-on level, 1 findings, 2 usage, 3 unreadable input.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "trialpack/report.h"
#include "trialpack/rules.h"

static void validate_usage(FILE *f)
{
    fprintf(
        f, "Usage: trialpack validate [OPTIONS] PATH...\n"
           "       trialpack validate --list-rules [--format text|csv]\n"
           "\n"
           "Validate a submission package (a folder: datasets *.xpt, *.json, *.ndjson, *.dsjc,\n"
           "define.xml and ODM files found under it, e.g. m5/datasets/<study>/tabulations/sdtm),\n"
           "single datasets, a define.xml or an ODM file: XML schemas, SAS XPORT structure,\n"
           "SDTMIG metadata and values, controlled terminology, cross-dataset and define.xml\n"
           "consistency, as listed in the rule catalogue (mappings/rules/catalogue.csv).\n"
           "\n"
           "Options:\n"
           "      --define FILE      the define.xml to check the datasets against (default: the\n"
           "                         define.xml found among the inputs)\n"
           "      --ct FILE          controlled terminology, NCI EVS tab-delimited layout\n"
           "                         (SDTM_Terminology.txt); default: mappings/ct/ when present\n"
           "      --standard STD     standard tables to use (default sdtmig-3.4)\n"
           "      --schema-dir DIR   use the XML schemas found under DIR (e.g. CDISC's official\n"
           "                         ODM or Define-XML folder) instead of the bundled ones\n"
           "      --no-schema        skip XML schema validation\n"
           "      --max-file-size N  transport file size limit in bytes (default 5000000000)\n"
           "      --threads 1|2      threads checking a large dataset (default 2; a third reads)\n"
           "  -f, --format FMT       text (default: summary per rule with the first examples),\n"
           "                         csv, json (every finding, streamed) or html (one page)\n"
           "  -o, --out FILE         write the report to FILE (written whole, then renamed)\n"
           "      --fail-on LEVEL    error (default) or warning: lowest severity that fails\n"
           "      --list-rules       list the catalogue with each rule's implementation status\n"
           "  -h, --help             show this help\n"
           "\n"
           "Every report names the rule set: \"rules VERSION sha256:HASH\" of the catalogue.\n"
           "Rules the engine does not implement are listed as such and never counted as passed.\n"
           "\n"
           "Exit status: 0 no findings at the --fail-on level (warnings alone do not fail by\n"
           "default), 1 findings at that level, 2 usage error, 3 unreadable input or I/O error.\n");
}

static int validate_list(struct tp_validation *v, bool csv)
{
    size_t impl = 0, n = tp_validation_nrules(v);
    if (csv)
        printf("RuleID,Severity,Scope,Check,Implemented,Supported,Message\n");
    for (size_t i = 0; i < n; i++) {
        struct tp_rule_info ri;
        tp_validation_rule_at(v, i, &ri);
        impl += ri.implemented;
        if (csv) {
            const char *m = ri.message;
            printf("%s,%s,%s,%s,%s,%s,", ri.id, ri.severity, ri.scope, ri.check,
                   ri.implemented ? "Yes" : "No", ri.supported ? "Yes" : "No");
            if (strpbrk(m, ",\"")) {
                putchar('"');
                for (; *m; m++) {
                    if (*m == '"')
                        putchar('"');
                    putchar(*m);
                }
                putchar('"');
            } else {
                fputs(m, stdout);
            }
            putchar('\n');
        } else {
            printf("%s  %-7s %-8s %-24s %-15s %s\n", ri.id, ri.severity, ri.scope, ri.check,
                   ri.implemented ? "implemented" : "NOT IMPLEMENTED", ri.message);
        }
    }
    if (!csv)
        printf("%zu rules, %zu implemented, %zu not implemented; rules %s sha256:%s\n", n, impl,
               n - impl, tp_validation_catalogue_version(v), tp_validation_catalogue_sha256(v));
    return CLI_OK;
}

int cmd_validate(int argc, char **argv)
{
    enum {
        O_DEFINE = 256,
        O_CT,
        O_STANDARD,
        O_SCHEMA,
        O_FAILON,
        O_LIST,
        O_NOSCHEMA,
        O_MAXSIZE,
        O_THREADS
    };
    static const struct option longopts[] = {
        {"define", required_argument, NULL, O_DEFINE},
        {"ct", required_argument, NULL, O_CT},
        {"standard", required_argument, NULL, O_STANDARD},
        {"schema-dir", required_argument, NULL, O_SCHEMA},
        {"no-schema", no_argument, NULL, O_NOSCHEMA},
        {"max-file-size", required_argument, NULL, O_MAXSIZE},
        {"threads", required_argument, NULL, O_THREADS},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"fail-on", required_argument, NULL, O_FAILON},
        {"list-rules", no_argument, NULL, O_LIST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct tp_validate_opts o;
    enum tp_report_format fmt = TP_REPORT_TEXT;
    enum tp_severity fail_on = TP_SEV_ERROR;
    const char *out_path = NULL;
    bool list = false;
    struct tp_validation *v = NULL;
    struct tp_report *rep = NULL;
    struct tp_report_writer *w = NULL;
    struct tp_error err;
    int c, rc = CLI_OK;

    tp_validate_opts_init(&o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DEFINE: o.define_path = optarg; break;
        case O_CT: o.ct_path = optarg; break;
        case O_STANDARD: o.standard = optarg; break;
        case O_SCHEMA: o.schema_dir = optarg; break;
        case O_NOSCHEMA: o.xml_schema = false; break;
        case O_LIST: list = true; break;
        case O_THREADS:
            if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0)
                return cli_usage_error("validate", "--threads is 1 or 2");
            o.threads = optarg[0] - '0';
            break;
        case O_MAXSIZE: {
            char *end;
            o.max_file_size = strtoll(optarg, &end, 10);
            if (*end || o.max_file_size <= 0)
                return cli_usage_error("validate", "--max-file-size wants a byte count");
            break;
        }
        case O_FAILON:
            if (strcmp(optarg, "error") == 0)
                fail_on = TP_SEV_ERROR;
            else if (strcmp(optarg, "warning") == 0)
                fail_on = TP_SEV_WARNING;
            else
                return cli_usage_error("validate", "unknown --fail-on '%s' (error, warning)",
                                       optarg);
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = TP_REPORT_TEXT;
            else if (strcmp(optarg, "csv") == 0)
                fmt = TP_REPORT_CSV;
            else if (strcmp(optarg, "json") == 0)
                fmt = TP_REPORT_JSON;
            else if (strcmp(optarg, "html") == 0)
                fmt = TP_REPORT_HTML;
            else
                return cli_usage_error("validate", "unknown --format '%s' (text, csv, json, html)",
                                       optarg);
            break;
        case 'o': out_path = optarg; break;
        case 'h': validate_usage(stdout); return CLI_OK;
        default: return cli_usage_error("validate", "invalid option");
        }
    }
    if (!list && optind >= argc)
        return cli_usage_error("validate", "nothing to validate");
    tp_error_init(&err);
    if (tp_validation_new(&o, &v, &err))
        return cli_report_error(&err);
    if (list) {
        if (fmt != TP_REPORT_TEXT && fmt != TP_REPORT_CSV) {
            tp_validation_free(v);
            return cli_usage_error("validate", "--list-rules prints text or csv");
        }
        rc = validate_list(v, fmt == TP_REPORT_CSV);
        tp_validation_free(v);
        return rc;
    }
    for (int i = optind; i < argc; i++)
        if (tp_validation_add_path(v, argv[i], &err)) {
            rc = cli_report_error(&err);
            tp_validation_free(v);
            return rc;
        }
    rep = tp_report_new();
    if (!rep) {
        tp_validation_free(v);
        fprintf(stderr, "trialpack: out of memory\n");
        return CLI_INPUT;
    }
    if (tp_report_writer_open(out_path, stdout, fmt, v, &w, &err)) {
        rc = cli_report_error(&err);
        goto out;
    }
    tp_report_writer_attach(w, rep);
    if (tp_validation_run(v, rep, &err)) {
        rc = cli_report_error(&err);
        tp_report_writer_abort(w);
        goto out;
    }
    if (tp_report_writer_close(w, rep, &err)) {
        rc = cli_report_error(&err);
        goto out;
    }
    if (tp_report_count_severity(rep, TP_SEV_ERROR) > 0 ||
        (fail_on == TP_SEV_WARNING && tp_report_count_severity(rep, TP_SEV_WARNING) > 0))
        rc = CLI_FINDINGS;
out:
    tp_report_free(rep);
    tp_validation_free(v);
    return rc;
}
