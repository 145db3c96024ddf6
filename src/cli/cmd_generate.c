/*
 * trialpack generate: write the synthetic raw EDC export of a study folder (study brief §6).
 * The CLI only parses options and reports; the work is tp_crf_load() and tp_generate().
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "trialpack/study.h"
#include "trialpack/trialpack.h"

int cmd_generate(int argc, char **argv);

enum { GEN_EXIT_OK = 0, GEN_EXIT_USAGE = 2, GEN_EXIT_INPUT = 3 };

static void generate_usage(FILE *out)
{
    fputs("Usage: trialpack generate --study DIR --out DIR [options]\n"
          "\n"
          "Write a deterministic synthetic raw EDC export (one CSV per CRF form, plus\n"
          "centres.csv, dictionnaire.csv, listes.csv and errors.csv) from the CRF\n"
          "sheets of a study folder.\n"
          "\n"
          "  -s, --study DIR       study folder (study.csv, crf/*.csv); a bare name such as\n"
          "                        'scleradec2' is looked up in $TP_DATADIR/mappings\n"
          "  -o, --out DIR         output folder (created if missing; files are replaced\n"
          "                        only when the whole export succeeded)\n"
          "  -n, --subjects N      randomised subjects (default: study.csv DefaultSubjects)\n"
          "  -S, --seed S          random seed (default: study.csv DefaultSeed)\n"
          "  -e, --errors MODE     none (clean set, default), standard or heavy (x10):\n"
          "                        inject data-entry errors listed in errors.csv\n"
          "      --encoding ENC    utf-8-bom (default), utf-8 or cp1252\n"
          "      --no-diary        skip the daily Raynaud diary (smaller files)\n"
          "  -h, --help            show this help\n"
          "\n"
          "The same study, seed and options always give byte-identical files, and the\n"
          "first N subjects of a larger run are the N-subject run.\n"
          "\n"
          "Exit status: 0 success, 2 usage error, 3 invalid study folder or I/O error.\n",
          out);
}

static int generate_error(const struct tp_error *err)
{
    char buf[768];
    fprintf(stderr, "%s\n", tp_error_format(err, buf, sizeof buf));
    return GEN_EXIT_INPUT;
}

static bool generate_parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* A bare study name (no '/') that is not a folder here is looked up in the data directory. */
static const char *generate_study_dir(const char *arg, char *buf, size_t size)
{
    struct stat st;
    if (strchr(arg, '/') || (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)))
        return arg;
    snprintf(buf, size, "%s/mappings/%s", tp_datadir(), arg);
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
        return buf;
    return arg;
}

int cmd_generate(int argc, char **argv)
{
    enum { OPT_ENCODING = 256, OPT_NO_DIARY };
    static const struct option longopts[] = {{"study", required_argument, NULL, 's'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"subjects", required_argument, NULL, 'n'},
                                             {"seed", required_argument, NULL, 'S'},
                                             {"errors", required_argument, NULL, 'e'},
                                             {"encoding", required_argument, NULL, OPT_ENCODING},
                                             {"no-diary", no_argument, NULL, OPT_NO_DIARY},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *study = NULL, *out = NULL, *subjects = NULL, *seed = NULL, *errors = NULL,
               *encoding = NULL;
    bool no_diary = false;
    struct tp_crf *crf = NULL;
    struct tp_gen_options o;
    struct tp_error err;
    char dirbuf[4096];
    unsigned long long n_subjects = 0, n_seed = 0;
    enum tp_gen_errors mode = TP_GEN_ERRORS_NONE;
    enum tp_gen_encoding enc = TP_GEN_UTF8_BOM;
    int c, rc;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":s:o:n:S:e:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': study = optarg; break;
        case 'o': out = optarg; break;
        case 'n': subjects = optarg; break;
        case 'S': seed = optarg; break;
        case 'e': errors = optarg; break;
        case OPT_ENCODING: encoding = optarg; break;
        case OPT_NO_DIARY: no_diary = true; break;
        case 'h': generate_usage(stdout); return GEN_EXIT_OK;
        case ':':
            fprintf(stderr, "trialpack generate: option '%s' needs a value\n", argv[optind - 1]);
            return GEN_EXIT_USAGE;
        default:
            fprintf(stderr, "trialpack generate: unknown option '%s'\n", argv[optind - 1]);
            fputs("Try 'trialpack generate --help'.\n", stderr);
            return GEN_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "trialpack generate: unexpected argument '%s'\n", argv[optind]);
        return GEN_EXIT_USAGE;
    }
    if (!study || !out) {
        fprintf(stderr, "trialpack generate: %s is required\n", !study ? "--study" : "--out");
        fputs("Try 'trialpack generate --help'.\n", stderr);
        return GEN_EXIT_USAGE;
    }

    /* check every option before touching the study folder: usage errors exit 2 */
    if (subjects && !generate_parse_u64(subjects, 100000000ULL, &n_subjects)) {
        fprintf(stderr,
                "trialpack generate: --subjects must be an integer 0..100000000, not '%s'\n",
                subjects);
        return GEN_EXIT_USAGE;
    }
    if (seed && !generate_parse_u64(seed, ULLONG_MAX, &n_seed)) {
        fprintf(stderr, "trialpack generate: --seed must be a non-negative integer, not '%s'\n",
                seed);
        return GEN_EXIT_USAGE;
    }
    if (errors) {
        if (strcmp(errors, "none") == 0 || strcmp(errors, "clean") == 0)
            mode = TP_GEN_ERRORS_NONE;
        else if (strcmp(errors, "standard") == 0)
            mode = TP_GEN_ERRORS_STANDARD;
        else if (strcmp(errors, "heavy") == 0)
            mode = TP_GEN_ERRORS_HEAVY;
        else {
            fprintf(stderr,
                    "trialpack generate: --errors must be none, standard or heavy, not '%s'\n",
                    errors);
            return GEN_EXIT_USAGE;
        }
    }
    if (encoding) {
        if (strcasecmp(encoding, "utf-8-bom") == 0)
            enc = TP_GEN_UTF8_BOM;
        else if (strcasecmp(encoding, "utf-8") == 0)
            enc = TP_GEN_UTF8;
        else if (strcasecmp(encoding, "cp1252") == 0)
            enc = TP_GEN_CP1252;
        else {
            fprintf(stderr,
                    "trialpack generate: --encoding must be utf-8-bom, utf-8 or cp1252, not '%s'\n",
                    encoding);
            return GEN_EXIT_USAGE;
        }
    }

    tp_error_init(&err);
    if (tp_crf_load(generate_study_dir(study, dirbuf, sizeof dirbuf), &crf, &err))
        return generate_error(&err);
    tp_gen_options_init(&o, crf);
    if (subjects)
        o.subjects = (size_t)n_subjects;
    if (seed)
        o.seed = (uint64_t)n_seed;
    if (errors)
        o.errors = mode;
    if (encoding)
        o.encoding = enc;
    o.no_diary = no_diary;
    rc = tp_generate(crf, &o, out, &err) ? generate_error(&err) : GEN_EXIT_OK;
    tp_crf_free(crf);
    return rc;
}
