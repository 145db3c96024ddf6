/*
 * trialpack info: describe the members of dataset files (name, label, rows, variables with type,
 * length, label, format and informat), as text or JSON.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"

static void info_usage(FILE *f)
{
    fprintf(f, "Usage: trialpack info [--format text|json] [--encoding ENC] FILE...\n"
               "\n"
               "Describe every member (dataset) of each FILE (.xpt, .csv, .json, .ndjson, .dsjc):\n"
               "name, label, row count and variables with type, length, label, format, informat.\n"
               "\n"
               "Options:\n"
               "  -f, --format FMT    text (default) or json\n"
               "      --encoding ENC  character encoding of CSV input (utf-8, latin1, cp1252)\n"
               "  -h, --help          show this help\n"
               "\n"
               "Exit status: 0 ok, 2 usage error, 3 unreadable input.\n");
}

struct info_member {
    const struct tp_dataset *meta;
    size_t rows;
};

static int info_count_rows(struct tp_reader *r, size_t *rows, struct tp_error *err)
{
    *rows = 0;
    for (;;) {
        const struct tp_dataset *b;
        int rc = tp_reader_next(r, 65536, &b, err);
        if (rc)
            return rc;
        if (tp_dataset_nrows(b) == 0)
            return TP_OK;
        *rows += tp_dataset_nrows(b);
    }
}

static void info_print_text(const char *path, const char *fmt, const struct tp_dataset *m,
                            size_t rows)
{
    size_t nv = tp_dataset_nvars(m);
    printf("%s: %s member %s", path, fmt, tp_dataset_name(m));
    if (tp_dataset_label(m)[0])
        printf(" \"%s\"", tp_dataset_label(m));
    printf(", %zu rows, %zu variables\n", rows, nv);
    printf("  %4s  %-8s %-4s %6s  %-10s %-10s %s\n", "#", "name", "type", "length", "format",
           "informat", "label");
    for (size_t i = 0; i < nv; i++) {
        const struct tp_var *v = tp_dataset_var(m, i);
        char f[64], inf[64];
        tp_var_format_text(v, false, f, sizeof f);
        tp_var_format_text(v, true, inf, sizeof inf);
        printf("  %4zu  %-8s %-4s %6zu  %-10s %-10s %s\n", i + 1, v->name,
               v->type == TP_NUM ? "num" : "char", v->length, f, inf, v->label ? v->label : "");
    }
}

static void info_print_json(const char *fmt, const struct tp_dataset *m, size_t rows, bool first)
{
    size_t nv = tp_dataset_nvars(m);
    printf("%s{\"name\":", first ? "" : ",");
    cli_json_string(stdout, tp_dataset_name(m));
    printf(",\"label\":");
    cli_json_string(stdout, tp_dataset_label(m));
    printf(",\"format\":");
    cli_json_string(stdout, fmt);
    printf(",\"rows\":%zu,\"variables\":[", rows);
    for (size_t i = 0; i < nv; i++) {
        const struct tp_var *v = tp_dataset_var(m, i);
        char f[64], inf[64];
        tp_var_format_text(v, false, f, sizeof f);
        tp_var_format_text(v, true, inf, sizeof inf);
        printf("%s{\"name\":", i ? "," : "");
        cli_json_string(stdout, v->name);
        printf(",\"type\":\"%s\",\"length\":%zu,\"label\":", v->type == TP_NUM ? "num" : "char",
               v->length);
        cli_json_string(stdout, v->label);
        printf(",\"format\":");
        cli_json_string(stdout, f);
        printf(",\"informat\":");
        cli_json_string(stdout, inf);
        printf("}");
    }
    printf("]}");
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"encoding", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    const char *encoding = NULL;
    struct tp_options *o;
    int c, rc = CLI_OK;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0)
                return cli_usage_error("info", "unknown --format '%s' (text or json)", optarg);
            break;
        case 'E':
            encoding = optarg;
            break;
        case 'h':
            info_usage(stdout);
            return CLI_OK;
        default:
            return cli_usage_error("info", "invalid option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("info", "no input file");
    o = tp_options_new();
    if (!o || (encoding && tp_options_set(o, "encoding", encoding))) {
        tp_options_free(o);
        fprintf(stderr, "trialpack: out of memory\n");
        return CLI_INPUT;
    }
    if (json)
        printf("{\"files\":[");
    for (int i = optind; i < argc && rc == CLI_OK; i++) {
        struct tp_reader *r;
        struct tp_error err;
        bool more = true, first = true;
        tp_error_init(&err);
        if (tp_reader_open(argv[i], NULL, o, &r, &err)) {
            rc = cli_report_error(&err);
            break;
        }
        if (json) {
            printf("%s{\"path\":", i > optind ? "," : "");
            cli_json_string(stdout, argv[i]);
            printf(",\"members\":[");
        }
        while (more) {
            size_t rows;
            if (info_count_rows(r, &rows, &err)) {
                rc = cli_report_error(&err);
                break;
            }
            if (json)
                info_print_json(tp_reader_format(r), tp_reader_meta(r), rows, first);
            else
                info_print_text(argv[i], tp_reader_format(r), tp_reader_meta(r), rows);
            first = false;
            if (tp_reader_next_member(r, &more, &err)) {
                rc = cli_report_error(&err);
                break;
            }
        }
        if (json)
            printf("]}");
        tp_reader_close(r);
    }
    if (json)
        printf("]}\n");
    tp_options_free(o);
    return rc;
}
