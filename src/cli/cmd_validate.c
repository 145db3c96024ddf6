/*
 * trialpack validate: check files and report findings a person and a pipeline can read.
 * XML documents (ODM 1.3.2, Define-XML 2.0/2.1) are validated against the bundled schemas, or
 * CDISC's official set with --schema-dir. Findings stream out as they are found (CSV/JSON have no
 * row caps); the exit status is 1 when any finding is an error.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_json.h"
#include "trialpack/report.h"
#include "trialpack/xml.h"

enum validate_fmt { VF_TEXT, VF_CSV, VF_JSON };

struct validate_out {
    FILE *f;
    enum validate_fmt fmt;
    size_t emitted;
};

static void validate_usage(FILE *f)
{
    fprintf(f,
            "Usage: trialpack validate [OPTIONS] PATH...\n"
            "\n"
            "Validate ODM 1.3.2 and Define-XML 2.0/2.1 documents against XML schemas (the bundled\n"
            "ones, written by trialpack from the standards, or CDISC's official set).\n"
            "\n"
            "Options:\n"
            "      --schema-dir DIR   use the schemas found under DIR (e.g. CDISC's official\n"
            "                         ODM or Define-XML schema folder) instead of the bundled ones\n"
            "  -f, --format FMT       text (default), csv or json\n"
            "  -o, --out FILE         write the report to FILE (written whole, then renamed)\n"
            "  -h, --help             show this help\n"
            "\n"
            "Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error,\n"
            "3 unreadable input or schema.\n");
}

static void csv_field(FILE *f, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int validate_emit(const struct tp_finding *fd, void *ctx)
{
    struct validate_out *o = ctx;
    switch (o->fmt) {
    case VF_TEXT:
        fprintf(o->f, "%s", fd->path);
        if (fd->line > 0)
            fprintf(o->f, ":%ld", fd->line);
        fprintf(o->f, ": %s: [%s] ", tp_severity_name(fd->severity), fd->rule_id);
        if (fd->dataset[0])
            fprintf(o->f, "%s%s%s: ", fd->dataset, fd->variable[0] ? "." : "", fd->variable);
        if (fd->row > 0)
            fprintf(o->f, "record %ld: ", fd->row);
        fprintf(o->f, "%s", fd->message);
        if (fd->value[0])
            fprintf(o->f, " (value '%s')", fd->value);
        fputc('\n', o->f);
        break;
    case VF_CSV:
        fprintf(o->f, "%s,", tp_severity_name(fd->severity));
        csv_field(o->f, fd->rule_id);
        fputc(',', o->f);
        csv_field(o->f, fd->path);
        fprintf(o->f, ",%ld,", fd->line > 0 ? fd->line : 0);
        csv_field(o->f, fd->dataset);
        fputc(',', o->f);
        csv_field(o->f, fd->variable);
        fprintf(o->f, ",%ld,", fd->row > 0 ? fd->row : 0);
        csv_field(o->f, fd->value);
        fputc(',', o->f);
        csv_field(o->f, fd->message);
        fputc('\n', o->f);
        break;
    case VF_JSON:
        fprintf(o->f, "%s\n{\"severity\":\"%s\",\"rule\":", o->emitted ? "," : "",
                tp_severity_name(fd->severity));
        cli_json_string(o->f, fd->rule_id);
        fprintf(o->f, ",\"path\":");
        cli_json_string(o->f, fd->path);
        fprintf(o->f, ",\"line\":%ld,\"dataset\":", fd->line > 0 ? fd->line : 0);
        cli_json_string(o->f, fd->dataset);
        fprintf(o->f, ",\"variable\":");
        cli_json_string(o->f, fd->variable);
        fprintf(o->f, ",\"row\":%ld,\"value\":", fd->row > 0 ? fd->row : 0);
        cli_json_string(o->f, fd->value);
        fprintf(o->f, ",\"message\":");
        cli_json_string(o->f, fd->message);
        fputc('}', o->f);
        break;
    }
    o->emitted++;
    return 0;
}

static const char *validate_kind_name(enum tp_xml_kind k)
{
    switch (k) {
    case TP_XML_ODM: return "ODM 1.3.2";
    case TP_XML_DEFINE20: return "Define-XML 2.0";
    case TP_XML_DEFINE21: return "Define-XML 2.1";
    default: return "unknown";
    }
}

static int validate_xml(const char *path, const char *schema_dir, struct tp_report *rep,
                        FILE *log, struct tp_error *err)
{
    enum tp_xml_kind kind;
    int arm;
    char xsd[4096];
    size_t n;
    int rc = tp_xml_sniff(path, &kind, &arm, err);
    if (rc == TP_E_PARSE) {
        /* bad input is a finding, not a failure of the tool */
        char msg[sizeof err->msg];
        struct tp_finding f = {TP_SEV_ERROR, "XML", path, err->loc.line, "", "", -1, "", msg};
        snprintf(msg, sizeof msg, "%s", err->msg);
        tp_error_init(err);
        if (log)
            fprintf(log, "%s: not well-formed or refused\n", path);
        return tp_report_add(rep, &f);
    }
    if (rc)
        return rc;
    if (kind == TP_XML_UNKNOWN) {
        struct tp_finding f = {TP_SEV_ERROR, "XML", path, -1, "", "", -1, "",
                               "not an ODM 1.3 or Define-XML document (root element namespace)"};
        return tp_report_add(rep, &f);
    }
    if ((rc = tp_xml_schema_for(kind, arm, schema_dir, xsd, sizeof xsd, err)))
        return rc;
    if ((rc = tp_xml_validate(path, xsd, rep, &n, err)))
        return rc;
    if (log)
        fprintf(log, "%s: %s, schema %s: %s\n", path, validate_kind_name(kind), xsd,
                n ? "INVALID" : "valid");
    return TP_OK;
}

int cmd_validate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"schema-dir", required_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *schema_dir = NULL, *out_path = NULL;
    struct validate_out vo = {stdout, VF_TEXT, 0};
    struct tp_report *rep;
    struct tp_error err;
    char tmp_path[4096] = "";
    int c, rc = CLI_OK;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'S': schema_dir = optarg; break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                vo.fmt = VF_TEXT;
            else if (strcmp(optarg, "csv") == 0)
                vo.fmt = VF_CSV;
            else if (strcmp(optarg, "json") == 0)
                vo.fmt = VF_JSON;
            else
                return cli_usage_error("validate", "unknown --format '%s' (text, csv, json)", optarg);
            break;
        case 'o': out_path = optarg; break;
        case 'h':
            validate_usage(stdout);
            return CLI_OK;
        default:
            return cli_usage_error("validate", "invalid option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("validate", "nothing to validate");
    for (int i = optind; i < argc; i++) {
        const char *dot = strrchr(argv[i], '.');
        if (!dot || strcasecmp(dot, ".xml") != 0)
            return cli_usage_error("validate",
                                   "'%s': only XML documents (ODM, Define-XML) can be validated in "
                                   "this version", argv[i]);
    }
    rep = tp_report_new();
    if (!rep) {
        fprintf(stderr, "trialpack: out of memory\n");
        return CLI_INPUT;
    }
    if (out_path) {
        snprintf(tmp_path, sizeof tmp_path, "%s.tmp-%ld", out_path, (long)getpid());
        vo.f = fopen(tmp_path, "w");
        if (!vo.f) {
            fprintf(stderr, "trialpack: cannot create '%s'\n", out_path);
            tp_report_free(rep);
            return CLI_INPUT;
        }
    }
    tp_report_set_sink(rep, validate_emit, &vo, false);
    if (vo.fmt == VF_CSV)
        fprintf(vo.f, "severity,rule,path,line,dataset,variable,row,value,message\n");
    else if (vo.fmt == VF_JSON)
        fprintf(vo.f, "{\"findings\":[");
    for (int i = optind; i < argc && rc == CLI_OK; i++) {
        tp_error_init(&err);
        if (validate_xml(argv[i], schema_dir, rep, vo.fmt == VF_TEXT ? stderr : NULL, &err))
            rc = cli_report_error(&err);
    }
    {
        size_t ne = tp_report_count_severity(rep, TP_SEV_ERROR);
        size_t nw = tp_report_count_severity(rep, TP_SEV_WARNING);
        if (vo.fmt == VF_JSON)
            fprintf(vo.f, "\n],\"summary\":{\"errors\":%zu,\"warnings\":%zu,\"notices\":%zu}}\n", ne,
                    nw, tp_report_count_severity(rep, TP_SEV_NOTICE));
        else if (vo.fmt == VF_TEXT)
            fprintf(vo.f, "%zu error(s), %zu warning(s)\n", ne, nw);
        if (rc == CLI_OK && ne > 0)
            rc = CLI_FINDINGS;
    }
    if (out_path) {
        if (fclose(vo.f) != 0 || rename(tmp_path, out_path) != 0) {
            fprintf(stderr, "trialpack: cannot write '%s'\n", out_path);
            remove(tmp_path);
            rc = CLI_INPUT;
        }
    }
    tp_report_free(rep);
    return rc;
}
