/*
 * trialpack convert: stream one dataset from one format to another, choosing formats by extension,
 * keeping every piece of metadata both formats can carry. Output is atomic: written to a temporary
 * file and renamed only when complete.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "trialpack/define.h"
#include "trialpack/meta.h"

#define CONVERT_BATCH 8192

static void convert_usage(FILE *f)
{
    fprintf(f,
            "Usage: trialpack convert [OPTIONS] IN OUT\n"
            "\n"
            "Convert a dataset between SAS XPORT (.xpt, v5 or v8), CSV (.csv), Dataset-JSON (.json),\n"
            "Dataset-NDJSON (.ndjson) and compressed Dataset-JSON (.dsjc). Formats follow the file\n"
            "extensions unless --from/--to say otherwise. The output appears only when complete.\n"
            "\n"
            "Options:\n"
            "  -m, --meta VARS.csv       variable metadata for CSV input (columns Variable, Label,\n"
            "                            Type, Length, Format; optional Dataset to pick rows)\n"
            "  -i, --infer               infer CSV column types and lengths from the data\n"
            "  -D, --define FILE         take names, labels, types, lengths, formats, itemOIDs,\n"
            "                            data types and key sequence from a define.xml (2.0/2.1)\n"
            "  -n, --dataset-name NAME   name of the output dataset (default: input's, or the\n"
            "                            file name without extension)\n"
            "  -l, --dataset-label TEXT  label of the output dataset\n"
            "  -x, --xpt-version 5|8     XPT version to write (default 5, the FDA's)\n"
            "      --member NAME         member of a multi-member input to convert (default first)\n"
            "  -d, --delimiter C         CSV delimiter: ',' ';' or 'tab' (input: auto-detected)\n"
            "  -e, --encoding ENC        CSV input encoding: utf-8 (default), latin1, cp1252\n"
            "      --decimal-comma       CSV input numbers use a decimal comma\n"
            "      --profile P           fda (default: ASCII only in XPT), pmda, nmpa, none\n"
            "      --from FMT            input format: xpt, csv, json, ndjson, dsjc\n"
            "      --to FMT              output format: xpt, csv, json, ndjson, dsjc\n"
            "  -O, --opt KEY=VALUE       a format option, e.g. dsjson.level=6 (DSJC compression;\n"
            "                            default 9 as the DSJC spec recommends)\n"
            "  -h, --help                show this help\n"
            "\n"
            "Exit status: 0 ok, 2 usage error, 3 invalid input, limit exceeded, or I/O error.\n");
}

/* Dataset name from a path: basename without extension, upper-cased. */
static void convert_name_from_path(const char *path, char *buf, size_t size)
{
    const char *b = strrchr(path, '/');
    size_t n = 0;
    b = b ? b + 1 : path;
    while (b[n] && b[n] != '.' && n + 1 < size) {
        char ch = b[n];
        buf[n] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
        n++;
    }
    buf[n] = '\0';
}

/* Compute the longest value of every CHAR variable that has no length (needed by XPT). */
static int convert_measure(const char *in, const char *from, const struct tp_options *o,
                           const char *member, size_t *lens, size_t nvars, struct tp_error *err)
{
    struct tp_reader *r;
    int rc = tp_reader_open(in, from, o, &r, err);
    bool more = true;
    if (rc)
        return rc;
    while (member && strcasecmp(tp_dataset_name(tp_reader_meta(r)), member) != 0 && more)
        if ((rc = tp_reader_next_member(r, &more, err)))
            goto out;
    for (;;) {
        const struct tp_dataset *b;
        size_t n;
        if ((rc = tp_reader_next(r, CONVERT_BATCH, &b, err)))
            goto out;
        n = tp_dataset_nrows(b);
        if (n == 0)
            break;
        for (size_t v = 0; v < nvars; v++) {
            if (tp_dataset_var(b, v)->type != TP_CHAR)
                continue;
            for (size_t i = 0; i < n; i++) {
                size_t len;
                tp_dataset_str(b, i, v, &len);
                if (len > lens[v])
                    lens[v] = len;
            }
        }
    }
out:
    tp_reader_close(r);
    return rc;
}

static void convert_progress(size_t rows, void *ctx)
{
    size_t *last = ctx;
    if (rows - *last >= (size_t)CONVERT_BATCH * 128 || rows < *last) {
        fprintf(stderr, "\rtrialpack convert: %zu rows", rows);
        *last = rows;
    }
}

int cmd_convert(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"meta", required_argument, NULL, 'm'},
        {"define", required_argument, NULL, 'D'},
        {"infer", no_argument, NULL, 'i'},
        {"dataset-name", required_argument, NULL, 'n'},
        {"dataset-label", required_argument, NULL, 'l'},
        {"xpt-version", required_argument, NULL, 'x'},
        {"member", required_argument, NULL, 'M'},
        {"delimiter", required_argument, NULL, 'd'},
        {"encoding", required_argument, NULL, 'e'},
        {"decimal-comma", no_argument, NULL, 'C'},
        {"profile", required_argument, NULL, 'P'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"opt", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *meta_path = NULL, *ds_name = NULL, *ds_label = NULL, *member = NULL;
    const char *from = NULL, *to = NULL, *define_path = NULL;
    struct tp_define *def = NULL;
    struct tp_options *o = tp_options_new();
    struct tp_dataset *tmpl = NULL, *outmeta = NULL;
    struct tp_reader *r = NULL;
    struct tp_writer *w = NULL;
    struct tp_error err;
    const char *in, *out;
    int c, rc = CLI_OK, st;
    size_t total = 0;
    bool more = true, progress = cli_progress_enabled();

    tp_error_init(&err);
    if (!o) {
        fprintf(stderr, "trialpack: out of memory\n");
        return CLI_INPUT;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:D:in:l:x:d:e:O:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': meta_path = optarg; break;
        case 'D': define_path = optarg; break;
        case 'i': tp_options_set(o, "csv.infer", "1"); break;
        case 'n': ds_name = optarg; break;
        case 'l': ds_label = optarg; break;
        case 'x':
            if (strcmp(optarg, "5") != 0 && strcmp(optarg, "8") != 0) {
                tp_options_free(o);
                return cli_usage_error("convert", "--xpt-version must be 5 or 8, not '%s'", optarg);
            }
            tp_options_set(o, "xpt.version", optarg);
            break;
        case 'M': member = optarg; break;
        case 'd':
            tp_options_set(o, "csv.delimiter", strcmp(optarg, "tab") == 0 ? "\t" : optarg);
            break;
        case 'e': tp_options_set(o, "encoding", optarg); break;
        case 'C': tp_options_set(o, "csv.decimal", ","); break;
        case 'P':
            if (strcmp(optarg, "fda") && strcmp(optarg, "pmda") && strcmp(optarg, "nmpa") &&
                strcmp(optarg, "none")) {
                tp_options_free(o);
                return cli_usage_error("convert", "unknown --profile '%s'", optarg);
            }
            tp_options_set(o, "profile", optarg);
            break;
        case 'F': from = optarg; break;
        case 'T': to = optarg; break;
        case 'O': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg) {
                tp_options_free(o);
                return cli_usage_error("convert", "--opt needs KEY=VALUE, not '%s'", optarg);
            }
            *eq = '\0';
            tp_options_set(o, optarg, eq + 1);
            *eq = '=';
            break;
        }
        case 'h':
            convert_usage(stdout);
            tp_options_free(o);
            return CLI_OK;
        default:
            tp_options_free(o);
            return cli_usage_error("convert", "invalid option");
        }
    }
    if (argc - optind != 2) {
        tp_options_free(o);
        return cli_usage_error("convert", "expected IN and OUT, got %d argument(s)", argc - optind);
    }
    in = argv[optind];
    out = argv[optind + 1];
    if (to && !tp_format_can_write(to)) {
        tp_options_free(o);
        return cli_usage_error("convert", "cannot write format '%s'", to);
    }
    if (!to && !tp_format_for_path(out)) {
        tp_options_free(o);
        return cli_usage_error("convert", "cannot tell the output format of '%s' (use --to)", out);
    }
    if (meta_path && define_path) {
        tp_options_free(o);
        return cli_usage_error("convert", "--meta and --define both describe the variables: pick one");
    }
    if (meta_path) {
        if ((st = tp_meta_read_csv(meta_path, &tmpl, &err)))
            goto fail;
        tp_options_set_template(o, tmpl);
    }
    if (define_path) {
        if ((st = tp_define_read(define_path, &def, &err)))
            goto fail;
        /* CSV input is typed by the define's variables; other inputs bring their own types */
        if ((from && strcasecmp(from, "csv") == 0) ||
            (!from && tp_format_for_path(in) && strcmp(tp_format_for_path(in), "csv") == 0)) {
            char nm[64];
            if (ds_name)
                snprintf(nm, sizeof nm, "%s", ds_name);
            else
                convert_name_from_path(in, nm, sizeof nm);
            if ((st = tp_define_dataset_meta(def, nm, &tmpl, &err)))
                goto fail;
            tp_options_set_template(o, tmpl);
        }
    }
    /* The target stores fixed CHAR lengths (XPT): a CSV reader measures the unknown ones itself
       in one pass at open that checks but stores nothing ("csv.measure"), which is much cheaper
       than convert_measure's second full read; other readers ignore the option, and whatever
       is still unknown afterwards is measured below as before. */
    {
        const char *ofmt = to ? to : tp_format_for_path(out);
        if (ofmt && tp_writer_needs_lengths(ofmt) && tp_options_set(o, "csv.measure", "1")) {
            st = tp_fail(&err, TP_E_NOMEM, "out of memory");
            goto fail;
        }
    }
    if ((st = tp_reader_open(in, from, o, &r, &err)))
        goto fail;
    while (member && strcasecmp(tp_dataset_name(tp_reader_meta(r)), member) != 0) {
        if ((st = tp_reader_next_member(r, &more, &err)))
            goto fail;
        if (!more) {
            fprintf(stderr, "trialpack: %s: no member named '%s'\n", in, member);
            rc = CLI_INPUT;
            goto done;
        }
    }
    outmeta = tp_dataset_clone_meta(tp_reader_meta(r));
    if (!outmeta) {
        st = tp_fail(&err, TP_E_NOMEM, "out of memory");
        goto fail;
    }
    if (ds_name)
        tp_dataset_set_name(outmeta, ds_name);
    else if (!tp_dataset_name(outmeta)[0]) {
        char nm[64];
        convert_name_from_path(in, nm, sizeof nm);
        tp_dataset_set_name(outmeta, nm);
    }
    if (def && (st = tp_define_apply_model(def, outmeta, &err)))
        goto fail;
    if (ds_label)
        tp_dataset_set_label(outmeta, ds_label);
    {
        const char *ofmt = to ? to : tp_format_for_path(out);
        size_t nv = tp_dataset_nvars(outmeta);
        bool unknown = false;
        for (size_t v = 0; v < nv; v++)
            if (tp_dataset_var(outmeta, v)->type == TP_CHAR && tp_dataset_var(outmeta, v)->length == 0)
                unknown = true;
        if (unknown && tp_writer_needs_lengths(ofmt)) {
            /* the target stores fixed lengths: measure the data first (second pass) */
            size_t *lens = calloc(nv ? nv : 1, sizeof *lens);
            if (!lens) {
                st = tp_fail(&err, TP_E_NOMEM, "out of memory");
                goto fail;
            }
            st = convert_measure(in, from, o, member, lens, nv, &err);
            for (size_t v = 0; st == TP_OK && v < nv; v++) {
                struct tp_var *var = tp_dataset_var_mut(outmeta, v);
                if (var->type == TP_CHAR && var->length == 0)
                    var->length = lens[v] ? lens[v] : 1;
            }
            free(lens);
            if (st)
                goto fail;
        }
    }
    if ((st = tp_writer_open(out, to, outmeta, o, &w, &err)))
        goto fail;
    if ((st = tp_pipe_rows(r, w, CONVERT_BATCH, progress ? convert_progress : NULL, &total, &err)))
        goto fail;
    st = tp_writer_close(w, &err);
    w = NULL;
    if (progress && total)
        fputc('\n', stderr);
    if (st)
        goto fail;
    goto done;
fail:
    rc = cli_report_error(&err);
done:
    tp_writer_abort(w);
    tp_reader_close(r);
    tp_dataset_free(outmeta);
    tp_dataset_free(tmpl);
    tp_define_free(def);
    tp_options_free(o);
    return rc;
}
