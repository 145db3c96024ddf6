/*
 * Controlled terminology: the NCI EVS tab-delimited release layout (SDTM_Terminology.txt: Code,
 * Codelist Code, Codelist Extensible (Yes/No), Codelist Name, CDISC Submission Value, CDISC
 * Synonym(s), CDISC Definition, NCI Preferred Term). A row with an empty Codelist Code heads a
 * codelist; the other rows are its terms. Used to check that spec codelists only hold published
 * submission values unless a term is marked Extended=Yes in an extensible codelist.
 */
#include "map.h"

#include <string.h>

void ct_release(struct ct *ct)
{
    for (size_t i = 0; i < ct->n; i++) {
        struct ct_list *l = &ct->lists[i];
        tp_free(l->code);
        tp_free(l->name);
        tp_free(l->subval);
        for (size_t j = 0; j < l->nterm; j++) {
            tp_free(l->term[j]);
            tp_free(l->term_code[j]);
        }
        tp_free(l->term);
        tp_free(l->term_code);
        hmap_release(&l->terms);
    }
    tp_free(ct->lists);
    hmap_release(&ct->by_code);
    tp_free(ct->source);
    memset(ct, 0, sizeof *ct);
}

const struct ct_list *ct_find(const struct ct *ct, const char *code)
{
    size_t i;
    if (!code || !hmap_get(&ct->by_code, code, strlen(code), &i))
        return NULL;
    return &ct->lists[i];
}

bool ct_has_term(const struct ct_list *l, const char *term, const char **term_code)
{
    size_t i;
    if (!hmap_get(&l->terms, term, strlen(term), &i))
        return false;
    if (term_code)
        *term_code = l->term_code[i];
    return true;
}

static struct ct_list *ct_list_get(struct ct *ct, const char *code, size_t n)
{
    size_t i;
    if (hmap_get(&ct->by_code, code, n, &i))
        return &ct->lists[i];
    if (tp_grow((void **)&ct->lists, &ct->cap, ct->n + 1, sizeof *ct->lists))
        return NULL;
    memset(&ct->lists[ct->n], 0, sizeof ct->lists[0]);
    if (!(ct->lists[ct->n].code = tp_strndup(code, n)) ||
        hmap_put(&ct->by_code, code, n, ct->n)) {
        tp_free(ct->lists[ct->n].code);
        return NULL;
    }
    return &ct->lists[ct->n++];
}

int ct_parse(struct ct *ct, const char *name, const char *data, size_t n, struct tp_error *err)
{
    size_t i = 0;
    long line = 0;
    struct tp_loc loc;
    tp_loc_init(&loc);
    snprintf(loc.path, sizeof loc.path, "%s", name ? name : "ct");
    if (!ct->source && !(ct->source = tp_strdup(name ? name : "ct")))
        return TP_E_NOMEM;
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n) {
        const char *f[8];
        size_t fn[8], nf = 0, start = i;
        size_t end = i;
        line++;
        while (end < n && data[end] != '\n')
            end++;
        {
            size_t e = end;
            if (e > start && data[e - 1] == '\r')
                e--;
            size_t s = start;
            for (size_t j = start; j <= e && nf < 8; j++) {
                if (j == e || data[j] == '\t') {
                    f[nf] = data + s;
                    fn[nf] = j - s;
                    /* strip surrounding quotes */
                    if (fn[nf] >= 2 && f[nf][0] == '"' && f[nf][fn[nf] - 1] == '"') {
                        f[nf]++;
                        fn[nf] -= 2;
                    }
                    nf++;
                    s = j + 1;
                }
            }
        }
        i = end < n ? end + 1 : n;
        if (line == 1) {
            if (nf < 5 || fn[0] != 4 || memcmp(f[0], "Code", 4) != 0) {
                loc.line = 1;
                return tp_fail_at(err, TP_E_PARSE, &loc,
                                  "not an NCI EVS terminology file (header must start 'Code')");
            }
            continue;
        }
        if (nf == 0 || (nf == 1 && fn[0] == 0))
            continue;
        if (nf < 5) {
            loc.line = line;
            return tp_fail_at(err, TP_E_PARSE, &loc, "row has %zu fields, expected 8", nf);
        }
        if (fn[1] == 0) {
            struct ct_list *l = ct_list_get(ct, f[0], fn[0]);
            if (!l)
                return TP_E_NOMEM;
            l->extensible = fn[2] == 3 && memcmp(f[2], "Yes", 3) == 0;
            tp_free(l->name);
            tp_free(l->subval);
            if (!(l->name = tp_strndup(f[3], fn[3])) || !(l->subval = tp_strndup(f[4], fn[4])))
                return TP_E_NOMEM;
        } else {
            struct ct_list *l = ct_list_get(ct, f[1], fn[1]);
            size_t k;
            if (!l)
                return TP_E_NOMEM;
            if (hmap_get(&l->terms, f[4], fn[4], &k))
                continue;
            if (tp_grow((void **)&l->term, &l->cap, l->nterm + 1, sizeof *l->term))
                return TP_E_NOMEM;
            {
                size_t cap2 = l->nterm;
                char **tc = tp_reallocarray(l->term_code, l->cap, sizeof *tc);
                (void)cap2;
                if (!tc)
                    return TP_E_NOMEM;
                l->term_code = tc;
            }
            l->term[l->nterm] = tp_strndup(f[4], fn[4]);
            l->term_code[l->nterm] = tp_strndup(f[0], fn[0]);
            if (!l->term[l->nterm] || !l->term_code[l->nterm] ||
                hmap_put(&l->terms, f[4], fn[4], l->nterm)) {
                tp_free(l->term[l->nterm]);
                tp_free(l->term_code[l->nterm]);
                return TP_E_NOMEM;
            }
            l->nterm++;
        }
    }
    return TP_OK;
}
