/*
 * The public face of the mapping engine (include/trialpack/sdtm.h): the phases in order, the
 * atomic output folder (built beside the target as "<out>.tmp-XXXXXX", renamed into place only
 * when every file is written; a previous folder is swapped out and removed), and access to the
 * results for tests and in-memory callers.
 */
#include "map.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int sdtm_phases(struct tp_sdtm *r, struct tp_error *err)
{
    int rc;
    if (r->ran)
        return tp_fail(err, TP_E_USAGE, "a run can be executed once");
    r->ran = true;
    if ((rc = exec_subjects(r, err)) || (rc = exec_plan(r, err)) ||
        (rc = exec_records(r, err)) || (rc = derive_ids(r, err)) ||
        (rc = derive_visits(r, err)) || (rc = derive_cross(r, err)) ||
        (rc = derive_dm(r, err)) || (rc = derive_elements(r, err)) ||
        (rc = derive_timing(r, err)) || (rc = derive_design(r, err)) ||
        (rc = derive_ids(r, err)) || (rc = exec_check_ct(r, err)) ||
        (rc = derive_lobxfl(r, err)) || (rc = exec_translit(r, err)) ||
        (rc = derive_seq(r, err)) || (rc = derive_supp(r, err)) || (rc = derive_relrec(r, err)))
        return rc;
    return TP_OK;
}

int tp_sdtm_run_memory(struct tp_sdtm *r, struct tp_error *err)
{
    return sdtm_phases(r, err);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path);
    return unlink(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Atomically replace dst by the folder src. */
static int sdtm_swap_dir(const char *src, const char *dst, struct tp_error *err)
{
    struct stat st;
    if (stat(dst, &st) == 0) {
        char old[4400];
        snprintf(old, sizeof old, "%s.old-XXXXXX", dst);
        if (!mkdtemp(old))
            return tp_fail(err, TP_E_IO, "cannot create '%s': %s", old, strerror(errno));
        if (rename(dst, old) != 0) {
            rmdir(old);
            return tp_fail(err, TP_E_IO, "cannot move '%s' aside: %s", dst, strerror(errno));
        }
        if (rename(src, dst) != 0) {
            int e = errno;
            rename(old, dst);
            return tp_fail(err, TP_E_IO, "cannot rename '%s' to '%s': %s", src, dst, strerror(e));
        }
        rm_tree(old);
        return TP_OK;
    }
    if (rename(src, dst) != 0)
        return tp_fail(err, TP_E_IO, "cannot rename '%s' to '%s': %s", src, dst, strerror(errno));
    return TP_OK;
}

int tp_sdtm_run(struct tp_sdtm *r, const char *raw_dir, const char *out_dir,
                struct tp_error *err)
{
    char tmp[4200];
    int rc;
    size_t n = strlen(out_dir);
    if (r->ran)
        return tp_fail(err, TP_E_USAGE, "a run can be executed once");
    r->ran = true;
    while (n > 1 && out_dir[n - 1] == '/')
        n--;
    snprintf(tmp, sizeof tmp, "%.*s.tmp-XXXXXX", (int)n, out_dir);
    if (!mkdtemp(tmp))
        return tp_fail(err, TP_E_IO, "cannot create a folder beside '%s': %s", out_dir,
                       strerror(errno));
    chmod(tmp, 0755);
    /* chunks of subjects: memory does not grow with the study (stream.c) */
    if ((rc = stream_run(r, raw_dir, tmp, err))) {
        rm_tree(tmp);
        return rc;
    }
    {
        char dst[4200];
        snprintf(dst, sizeof dst, "%.*s", (int)n, out_dir);
        if ((rc = sdtm_swap_dir(tmp, dst, err)))
            rm_tree(tmp);
    }
    return rc;
}

int tp_sdtm_write_reconciliation(struct tp_sdtm *r, const char *dir, struct tp_error *err)
{
    return recon_write(r, dir, err);
}

size_t tp_sdtm_nresults(const struct tp_sdtm *r)
{
    return r->ntabs;
}

const char *tp_sdtm_result_name(const struct tp_sdtm *r, size_t i)
{
    return i < r->ntabs ? r->tabs[i].name : NULL;
}

struct tp_dataset *tp_sdtm_result(const struct tp_sdtm *r, const char *name,
                                  struct tp_error *err)
{
    const struct otab *t = NULL;
    struct tp_dataset *ds;
    size_t first;
    for (size_t i = 0; i < r->ntabs; i++)
        if (strcasecmp(r->tabs[i].name, name) == 0)
            t = &r->tabs[i];
    if (!t)
        return NULL;
    if (!(ds = tp_dataset_new(t->name, t->label)))
        return NULL;
    for (size_t c = 0; c < t->ncols; c++) {
        struct tp_var v;
        memset(&v, 0, sizeof v);
        v.name = t->names[c];
        v.label = (char *)(uintptr_t)"";
        v.type = t->cols[c].num ? TP_NUM : TP_CHAR;
        v.length = t->cols[c].num ? 8 : 200;
        if (t->ds >= 0 && r->spec->vars[r->spec->ds[t->ds].vars[c]].nonstandard)
            continue;
        if (tp_dataset_add_var(ds, &v, err))
            goto fail;
    }
    if (t->nrows && tp_dataset_add_rows(ds, t->nrows, &first, err))
        goto fail;
    for (size_t c = 0, j = 0; c < t->ncols; c++) {
        if (t->ds >= 0 && r->spec->vars[r->spec->ds[t->ds].vars[c]].nonstandard)
            continue;
        for (size_t row = 0; row < t->nrows; row++) {
            if (t->cols[c].num) {
                double d;
                if (otab_num(t, row, c, &d) && tp_dataset_set_num(ds, row, j, d, TP_PRESENT))
                    goto fail;
            } else {
                size_t n;
                const char *s = otab_str(t, row, c, &n);
                if (n && tp_dataset_set_str(ds, row, j, s, n))
                    goto fail;
            }
        }
        j++;
    }
    return ds;
fail:
    tp_dataset_free(ds);
    return NULL;
}

size_t tp_sdtm_raw_records(const struct tp_sdtm *r)
{
    size_t n = 0;
    if (r->streamed)
        return r->stream_records;
    for (size_t f = 0; f < r->nforms; f++)
        n += tp_dataset_nrows(r->forms[f].ds);
    return n;
}

size_t tp_sdtm_unmapped_records(const struct tp_sdtm *r)
{
    size_t n = 0;
    if (r->streamed)
        return r->stream_unmapped;
    for (size_t f = 0; f < r->nforms; f++)
        for (size_t row = 0; row < tp_dataset_nrows(r->forms[f].ds); row++)
            if (r->forms[f].nout && r->forms[f].nout[row] == 0 && r->forms[f].lookup_by[row] < 0)
                n++;
    return n;
}

size_t tp_sdtm_nissues(const struct tp_sdtm *r)
{
    if (r->streamed)
        return r->stream_issues;
    return r->nissues;
}
