/*
 * Controlled terminology for the CT rules, from NCI EVS tab-delimited files (the layout of
 * SDTM_Terminology.txt: Code, Codelist Code, Codelist Extensible (Yes/No), Codelist Name, CDISC
 * Submission Value, CDISC Synonym(s), ...). A row with an empty Codelist Code is a codelist; the
 * others are its terms. A folder (mappings/ct/) is read file by file (*.txt).
 */
#include "rules.h"

#include <dirent.h>
#include <sys/stat.h>

#define CT_MAX_BYTES (256u << 20)

static void ct_free_list(void *p)
{
    struct rules_codelist *cl = p;
    if (!cl)
        return;
    rules_map_release(&cl->terms, tp_free);
    rules_map_release(&cl->synonyms, tp_free);
    tp_free(cl->code);
    tp_free(cl->name);
    tp_free(cl->submission);
    tp_free(cl);
}

static struct rules_codelist *ct_list_get(struct rules_ct *ct, const char *code, size_t n)
{
    bool created;
    void **slot = rules_map_slot(&ct->lists, code, n, &created);
    struct rules_codelist *cl;
    if (!slot)
        return NULL;
    if (!created)
        return *slot;
    cl = tp_calloc(1, sizeof *cl);
    if (!cl || !(cl->code = tp_strndup(code, n))) {
        tp_free(cl);
        return NULL;
    }
    rules_map_init(&cl->terms);
    rules_map_init(&cl->synonyms);
    *slot = cl;
    return cl;
}

/* split a line into at most max tab-separated fields (in place) */
static size_t ct_fields(char *line, char **f, size_t max)
{
    size_t k = 0;
    f[k++] = line;
    for (char *p = line; *p && k < max; p++)
        if (*p == '\t') {
            *p = '\0';
            f[k++] = p + 1;
        }
    return k;
}

static int ct_put(struct rules_map *m, const char *key, size_t n, const char *code)
{
    bool created;
    void **slot = rules_map_slot(m, key, n, &created);
    if (!slot)
        return TP_E_NOMEM;
    if (created && !(*slot = tp_strdup(code)))
        return TP_E_NOMEM;
    return TP_OK;
}

static int ct_load_file(struct rules_ct *ct, const char *path, struct tp_error *err)
{
    char *text, *p;
    size_t n;
    int rc;
    long line = 0;
    if ((rc = rules_read_file(path, &text, &n, CT_MAX_BYTES, err)))
        return rc;
    p = text;
    while (p < text + n) {
        char *e = memchr(p, '\n', (size_t)(text + n - p));
        char *f[8];
        size_t nf;
        if (!e)
            e = text + n;
        *e = '\0';
        if (e > p && e[-1] == '\r')
            e[-1] = '\0';
        line++;
        nf = ct_fields(p, f, 8);
        if (line == 1 || nf < 5 || !f[0][0]) {
            p = e + 1;
            continue;
        }
        if (!f[1][0]) { /* codelist row */
            struct rules_codelist *cl = ct_list_get(ct, f[0], strlen(f[0]));
            if (!cl) {
                tp_free(text);
                return tp_fail(err, TP_E_NOMEM, "out of memory");
            }
            cl->extensible = strcasecmp(f[2], "Yes") == 0;
            tp_free(cl->name);
            tp_free(cl->submission);
            cl->name = tp_strdup(f[3]);
            cl->submission = tp_strdup(f[4]);
        } else {
            struct rules_codelist *cl = ct_list_get(ct, f[1], strlen(f[1]));
            if (!cl || ct_put(&cl->terms, f[4], strlen(f[4]), f[0])) {
                tp_free(text);
                return tp_fail(err, TP_E_NOMEM, "out of memory");
            }
            ct->nterms++;
            if (nf > 5 && f[5][0]) {
                /* synonyms separated by "; " */
                char *s = f[5];
                while (*s) {
                    char *semi = strstr(s, "; ");
                    size_t len = semi ? (size_t)(semi - s) : strlen(s);
                    if (ct_put(&cl->synonyms, s, len, f[0])) {
                        tp_free(text);
                        return tp_fail(err, TP_E_NOMEM, "out of memory");
                    }
                    s += len;
                    if (semi)
                        s += 2;
                }
            }
        }
        p = e + 1;
    }
    tp_free(text);
    return TP_OK;
}

int rules_ct_load(struct rules_ct *ct, const char *path, struct tp_error *err)
{
    struct stat st;
    int rc = TP_OK;
    memset(ct, 0, sizeof *ct);
    rules_map_init(&ct->lists);
    if (stat(path, &st) != 0)
        return tp_fail(err, TP_E_IO, "cannot open '%s'", path);
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        char **names = NULL;
        size_t nn = 0, cap = 0;
        if (!d)
            return tp_fail(err, TP_E_IO, "cannot list '%s'", path);
        while ((de = readdir(d))) {
            size_t len = strlen(de->d_name);
            if (len > 4 && strcasecmp(de->d_name + len - 4, ".txt") == 0) {
                if (tp_grow((void **)&names, &cap, nn + 1, sizeof *names) ||
                    !(names[nn] = tp_strdup(de->d_name))) {
                    rc = tp_fail(err, TP_E_NOMEM, "out of memory");
                    break;
                }
                nn++;
            }
        }
        closedir(d);
        for (size_t i = 0; i < nn; i++) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", path, names[i]);
            if (rc == TP_OK)
                rc = ct_load_file(ct, p, err);
            tp_free(names[i]);
        }
        tp_free(names);
    } else {
        rc = ct_load_file(ct, path, err);
    }
    if (rc == TP_OK && !(ct->source = tp_strdup(path)))
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
    if (rc)
        rules_ct_release(ct);
    return rc;
}

void rules_ct_release(struct rules_ct *ct)
{
    rules_map_release(&ct->lists, ct_free_list);
    tp_free(ct->source);
    memset(ct, 0, sizeof *ct);
}

const struct rules_codelist *rules_ct_list(const struct rules_ct *ct, const char *code)
{
    return ct ? rules_map_gets(&ct->lists, code) : NULL;
}

const char *rules_ct_term(const struct rules_codelist *cl, const char *value, size_t n)
{
    return cl ? rules_map_get(&cl->terms, value, n) : NULL;
}
