/*
 * trialpack build: the whole bundled example in one command. With no arguments it takes the
 * SCLERADEC II study folder from the data directory, generates its 40-subject clean raw export
 * into a temporary folder (unless --raw is given), maps it to SDTM and writes ./submission/ in the
 * eCTD layout m5/datasets/<study>/tabulations/sdtm/, with the reconciliation report beside m5/.
 * The folder appears only when complete; SOURCE_DATE_EPOCH pins every timestamp.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "trialpack/define.h"
#include "trialpack/report.h"
#include "trialpack/rules.h"
#include "trialpack/xml.h"
#include "trialpack/sdtm.h"
#include "trialpack/study.h"

int cmd_build(int argc, char **argv);
int cli_sdtm_map(const char *study, const char *raw, const char *out, const char *formats,
                 const char *ct, const char *profile, bool quiet);

static void build_usage(FILE *f)
{
    fprintf(f,
            "Usage: trialpack build [--study DIR] [--raw DIR] [--out DIR]\n"
            "\n"
            "Build a submission package from a study folder. Without options: the bundled\n"
            "SCLERADEC II example (its 40-subject clean raw export is generated on the fly)\n"
            "into ./submission/, laid out as eCTD m5/datasets/<study>/tabulations/sdtm/ with\n"
            "reconciliation.csv and reconciliation.txt at the top. Atomic: the folder appears\n"
            "only when complete.\n"
            "\n"
            "Options:\n"
            "      --study DIR      study folder (default: $TP_DATADIR/mappings/scleradec2)\n"
            "      --raw DIR        raw export to use instead of generating one\n"
            "      --out DIR        output folder (default: submission)\n"
            "      --profile P      fda (default), pmda or nmpa\n"
            "  -h, --help           show this help\n"
            "\n"
            "Exit status: 0 ok, 2 usage error, 3 invalid spec or input, or I/O error.\n");
}

static int build_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void build_rm_tree(const char *p)
{
    nftw(p, build_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static int build_mkdirs(const char *path)
{
    char buf[4700];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* StudyID of a study folder (study.csv), lower-cased for the eCTD path. */
static void build_study_id(const char *study, char *out, size_t size)
{
    char path[4200], line[1024];
    FILE *f;
    snprintf(out, size, "study");
    snprintf(path, sizeof path, "%.4096s/study.csv", study);
    if (!(f = fopen(path, "r")))
        return;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "StudyID,", 8) == 0) {
            size_t n = 0;
            for (const char *p = line + 8; *p && *p != '\r' && *p != '\n' && n + 1 < size; p++)
                out[n++] = (char)tolower((unsigned char)*p);
            out[n] = '\0';
            break;
        }
    fclose(f);
}

int cmd_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"study", required_argument, NULL, 's'}, {"raw", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},   {"profile", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    const char *raw = NULL, *out = "submission", *profile = NULL;
    char study[4096], gen_dir[4200] = "", tmp[4200], sdtm[4600], id[64];
    bool progress = cli_progress_enabled();
    int c, rc;
    study[0] = '\0';
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': snprintf(study, sizeof study, "%s", optarg); break;
        case 'r': raw = optarg; break;
        case 'o': out = optarg; break;
        case 'p': profile = optarg; break;
        case 'h': build_usage(stdout); return CLI_OK;
        default: return cli_usage_error("build", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("build", "unexpected argument '%s'", argv[optind]);
    if (!study[0])
        snprintf(study, sizeof study, "%s/mappings/scleradec2", tp_datadir());
    build_study_id(study, id, sizeof id);

    if (!raw) {
        struct tp_error err;
        struct tp_crf *crf = NULL;
        struct tp_gen_options o;
        const char *td = getenv("TMPDIR");
        tp_error_init(&err);
        snprintf(gen_dir, sizeof gen_dir, "%s/trialpack-raw-XXXXXX", td && *td ? td : "/tmp");
        if (!mkdtemp(gen_dir)) {
            fprintf(stderr, "trialpack build: cannot create a temporary folder: %s\n",
                    strerror(errno));
            return CLI_INPUT;
        }
        if (progress)
            fprintf(stderr, "build: generating the raw export of %s\n", study);
        if (tp_crf_load(study, &crf, &err)) {
            build_rm_tree(gen_dir);
            return cli_report_error(&err);
        }
        tp_gen_options_init(&o, crf);
        o.errors = TP_GEN_ERRORS_NONE;
        rc = tp_generate(crf, &o, gen_dir, &err);
        tp_crf_free(crf);
        if (rc) {
            build_rm_tree(gen_dir);
            return cli_report_error(&err);
        }
        raw = gen_dir;
    }
    {
        size_t n = strlen(out);
        while (n > 1 && out[n - 1] == '/')
            n--;
        snprintf(tmp, sizeof tmp, "%.*s.tmp-XXXXXX", (int)n, out);
    }
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "trialpack build: cannot create a folder beside '%s': %s\n", out,
                strerror(errno));
        if (gen_dir[0])
            build_rm_tree(gen_dir);
        return CLI_INPUT;
    }
    chmod(tmp, 0755);
    snprintf(sdtm, sizeof sdtm, "%s/m5/datasets/%s/tabulations", tmp, id);
    if (build_mkdirs(sdtm) != 0) {
        fprintf(stderr, "trialpack build: cannot create '%s': %s\n", sdtm, strerror(errno));
        rc = CLI_INPUT;
        goto out;
    }
    snprintf(sdtm, sizeof sdtm, "%s/m5/datasets/%s/tabulations/sdtm", tmp, id);
    if (progress)
        fprintf(stderr, "build: mapping to SDTM\n");
    if ((rc = cli_sdtm_map(study, raw, sdtm, "xpt", NULL, profile, true)))
        goto out;
    {
        /* the reconciliation report goes beside m5/, not among the datasets */
        static const char *const rec[] = {"reconciliation.csv", "reconciliation.txt"};
        for (size_t i = 0; i < 2; i++) {
            char a[4700], b[4400];
            snprintf(a, sizeof a, "%s/%s", sdtm, rec[i]);
            snprintf(b, sizeof b, "%s/%s", tmp, rec[i]);
            if (rename(a, b) != 0) {
                fprintf(stderr, "trialpack build: cannot move '%s': %s\n", a, strerror(errno));
                rc = CLI_INPUT;
                goto out;
            }
        }
    }
    {
        /* define.xml and its HTML rendering sit beside the datasets they describe */
        char defxml[4700], defhtml[4700];
        struct tp_error err;
        tp_error_init(&err);
        snprintf(defxml, sizeof defxml, "%s/define.xml", sdtm);
        snprintf(defhtml, sizeof defhtml, "%s/define.html", sdtm);
        if (progress)
            fprintf(stderr, "build: writing define.xml and define.html\n");
        if (tp_define_write_study(study, NULL, sdtm, defxml, &err) ||
            tp_define_render_html(defxml, NULL, defhtml, &err)) {
            rc = cli_report_error(&err);
            goto out;
        }
    }
    {
        struct stat st;
        char dst[4096], old[4200];
        size_t n = strlen(out);
        while (n > 1 && out[n - 1] == '/')
            n--;
        snprintf(dst, sizeof dst, "%.*s", (int)n, out);
        if (stat(dst, &st) == 0) {
            snprintf(old, sizeof old, "%s.old-XXXXXX", dst);
            if (!mkdtemp(old) || rename(dst, old) != 0) {
                fprintf(stderr, "trialpack build: cannot replace '%s': %s\n", dst,
                        strerror(errno));
                rc = CLI_INPUT;
                goto out;
            }
            if (rename(tmp, dst) != 0) {
                fprintf(stderr, "trialpack build: cannot rename to '%s': %s\n", dst,
                        strerror(errno));
                rename(old, dst);
                rc = CLI_INPUT;
                goto out;
            }
            build_rm_tree(old);
        } else if (rename(tmp, dst) != 0) {
            fprintf(stderr, "trialpack build: cannot rename to '%s': %s\n", dst, strerror(errno));
            rc = CLI_INPUT;
            goto out;
        }
        tmp[0] = '\0';
        printf("build: %s/m5/datasets/%s/tabulations/sdtm (reconciliation in %s/)\n", dst, id,
               dst);
        {
            /* validate the finished package and keep the report in it; findings do not fail the
               build (the package is complete either way), they are summarised for the reader */
            char pkg[4200], rpt[4300];
            struct tp_report *rep = tp_report_new();
            struct tp_error err;
            tp_error_init(&err);
            snprintf(pkg, sizeof pkg, "%s/m5/datasets/%s/tabulations/sdtm", dst, id);
            snprintf(rpt, sizeof rpt, "%s/validation-report.html", dst);
            if (progress)
                fprintf(stderr, "build: validating the package\n");
            if (!rep || tp_validate_package(pkg, NULL, rep, rpt, TP_REPORT_HTML, &err)) {
                tp_report_free(rep);
                rc = cli_report_error(&err);
                goto out;
            }
            printf("build: validation: %zu error(s), %zu warning(s), %zu notice(s) (report in "
                   "%s)\n",
                   tp_report_count_severity(rep, TP_SEV_ERROR),
                   tp_report_count_severity(rep, TP_SEV_WARNING),
                   tp_report_count_severity(rep, TP_SEV_NOTICE), rpt);
            tp_report_free(rep);
        }
    }
    rc = CLI_OK;
out:
    if (tmp[0])
        build_rm_tree(tmp);
    if (gen_dir[0])
        build_rm_tree(gen_dir);
    return rc;
}
