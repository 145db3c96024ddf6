/*
 * Keys and identity (SDTMIG 3.4 sections 4.1.2 and 5.1: --SEQ unique within subject and domain,
 * natural keys, one DM record per subject): --SEQ uniqueness (also across split datasets), key
 * uniqueness on given variables or define.xml's KeySequence, duplicate records on the class's
 * natural key, USUBJID present in DM, subject visits present in SV, one-to-one variables.
 *
 * Uniqueness over a large dataset costs one 64-bit fingerprint per distinct key (struct
 * rules_fpset), never the rows: the first pass collects fingerprints and the ones seen twice;
 * when there are any, a second pass compares the exact key values of only those rows, so every
 * duplicate reported is a real one (a fingerprint collision is never reported).
 */
#include "rules.h"

#include <math.h>

#define KEY_MAX 24

struct kcfg {
    struct rules_list keys, by, exclude;
    struct rules_conds where;
    bool from_define, across_splits, seq;
    const char *cls;
    const char *a, *b;
};

static void kcfg_free(void *p)
{
    struct kcfg *c = p;
    if (!c)
        return;
    rules_list_release(&c->keys);
    rules_list_release(&c->by);
    rules_list_release(&c->exclude);
    rules_conds_release(&c->where);
    tp_free(c);
}

static int kcfg_new(struct rules_rule *r, const char *allowed)
{
    struct kcfg *c;
    const char *t;
    int rc = rules_keys_allowed(r, allowed);
    if (rc)
        return rc;
    if (!(c = tp_calloc(1, sizeof *c)))
        return TP_E_NOMEM;
    r->cfg = c;
    if (((t = rules_param(r, "keys")) && rules_list_split(t, ',', &c->keys)) ||
        ((t = rules_param(r, "by")) && rules_list_split(t, ',', &c->by)) ||
        ((t = rules_param(r, "exclude")) && rules_list_split(t, ',', &c->exclude)) ||
        rules_conds_parse(rules_param(r, "where"), &c->where))
        return TP_E_NOMEM;
    if ((t = rules_param(r, "source"))) {
        if (strcmp(t, "define") != 0)
            return TP_E_UNSUPPORTED;
        c->from_define = true;
    }
    c->across_splits = rules_param_yes(r, "across_splits");
    c->cls = rules_param(r, "class");
    c->a = rules_param(r, "a");
    c->b = rules_param(r, "b");
    return TP_OK;
}

/* Fast fingerprint of the key cells: numbers hashed as values, text as trimmed bytes. */
static uint64_t k_fp(const struct tp_dataset *b, size_t row, const long *cols, size_t n)
{
    uint64_t h = 0x9AE16A3B2F90404Full;
    for (size_t i = 0; i < n; i++) {
        const struct tp_var *v = tp_dataset_var(b, (size_t)cols[i]);
        if (v->type == TP_NUM) {
            char miss;
            double d = tp_dataset_num(b, row, (size_t)cols[i], &miss);
            unsigned char buf[9];
            if (miss != TP_PRESENT) {
                d = 0;
            } else if (d == 0) {
                d = 0; /* -0 == 0 */
            }
            memcpy(buf, &d, 8);
            buf[8] = (unsigned char)miss;
            h = rules_hash(buf, 9, h + i);
        } else {
            size_t len;
            const char *s = tp_dataset_str(b, row, (size_t)cols[i], &len);
            while (len && s[len - 1] == ' ')
                len--;
            h = rules_hash(s, len, h + i);
        }
    }
    return h;
}

/* Exact key text "v1\x1fv2..." into sb. */
static void k_text(struct tp_strbuf *sb, const struct tp_dataset *b, size_t row, const long *cols,
                   size_t n)
{
    tp_strbuf_reset(sb);
    for (size_t i = 0; i < n; i++) {
        char buf[48];
        size_t len;
        const char *s = rules_cell(b, row, cols[i], buf, sizeof buf, &len);
        if (i)
            tp_strbuf_addc(sb, '\x1f');
        tp_strbuf_add(sb, s, len);
    }
}

/* The key's values as "A=x, B=y" and the placeholders named after its variables. */
struct k_kv {
    const char *kv[2 * KEY_MAX + 12];
    char vals[KEY_MAX][96];
    char keytext[600];
};

static const char *k_alias(const char *name, const char *prefix)
{
    size_t pl = strlen(prefix);
    const char *suffix = (pl && strncasecmp(name, prefix, pl) == 0) ? name + pl : name;
    if (strcmp(name, "USUBJID") == 0)
        return "usubjid";
    if (strcmp(name, "TSPARMCD") == 0)
        return "param";
    if (strcmp(name, "TIVERS") == 0)
        return "version";
    if (strcmp(name, "ARMCD") == 0)
        return "armcd";
    if (strcmp(name, "QNAM") == 0)
        return "qnam";
    if (strcmp(name, "IDVAR") == 0)
        return "idvar";
    if (strcmp(name, "IDVARVAL") == 0)
        return "idvarval";
    if (strcmp(suffix, "TESTCD") == 0)
        return "testcd";
    if (strcmp(suffix, "TERM") == 0)
        return "term";
    if (strcmp(suffix, "TRT") == 0)
        return "trt";
    if (strcmp(suffix, "SEQ") == 0)
        return "seq";
    return NULL;
}

static size_t k_fill(struct k_kv *k, const struct tp_dataset *b, size_t row, const long *cols,
                     size_t n, const char *prefix)
{
    size_t m = 0, off = 0;
    k->keytext[0] = '\0';
    for (size_t i = 0; i < n && i < KEY_MAX; i++) {
        char buf[48];
        size_t len;
        const char *s = rules_cell(b, row, cols[i], buf, sizeof buf, &len);
        const char *name = tp_dataset_var(b, (size_t)cols[i])->name;
        const char *alias = k_alias(name, prefix);
        if (len >= sizeof k->vals[i])
            len = sizeof k->vals[i] - 1;
        memcpy(k->vals[i], s, len);
        k->vals[i][len] = '\0';
        off += (size_t)snprintf(k->keytext + off,
                                off < sizeof k->keytext ? sizeof k->keytext - off : 0, "%s%s=%s",
                                i ? ", " : "", name, k->vals[i]);
        if (off >= sizeof k->keytext)
            off = sizeof k->keytext - 1;
        if (alias) {
            k->kv[m++] = alias;
            k->kv[m++] = k->vals[i];
        }
    }
    k->kv[m++] = "key";
    k->kv[m++] = k->keytext;
    return m;
}

/* ---- the uniqueness engine shared by seq_unique, key_unique and duplicate_records ----
 *
 * Datasets are nearly always grouped by subject, so the usual case costs a small exact set per
 * subject ("grouped" mode, pass 1): the key bytes of the subject's records are compared exactly
 * and the set is cleared when USUBJID changes. A subject that comes back after another one
 * (records not grouped) switches to the general method for the whole dataset: pass 2 collects a
 * 64-bit fingerprint per key and the fingerprints seen twice, pass 3 compares the exact keys of
 * only those rows and reports the duplicates that pass 1 could not see (those in different runs
 * of the subject). Keys without USUBJID use passes 2 and 3 directly.
 */

/* exact set of byte strings with the first row of each (arena-backed, cleared in O(capacity)) */
struct xset {
    uint64_t *h;
    uint32_t *off, *len, *row, *run;
    size_t cap, n;
    char *arena;
    size_t alen, acap;
};

static void xset_release(struct xset *x)
{
    tp_free(x->h);
    tp_free(x->off);
    tp_free(x->len);
    tp_free(x->row);
    tp_free(x->run);
    tp_free(x->arena);
    memset(x, 0, sizeof *x);
}

static void xset_clear(struct xset *x)
{
    if (x->n)
        memset(x->h, 0, x->cap * sizeof *x->h);
    x->n = 0;
    x->alen = 0;
}

static int xset_grow(struct xset *x)
{
    size_t ncap = x->cap ? x->cap * 2 : 256;
    struct xset y;
    memset(&y, 0, sizeof y);
    y.cap = ncap;
    if (!(y.h = tp_calloc(ncap, sizeof *y.h)) || !(y.off = tp_malloc(ncap * sizeof *y.off)) ||
        !(y.len = tp_malloc(ncap * sizeof *y.len)) || !(y.row = tp_malloc(ncap * sizeof *y.row)) ||
        !(y.run = tp_malloc(ncap * sizeof *y.run))) {
        xset_release(&y);
        return TP_E_NOMEM;
    }
    for (size_t i = 0; i < x->cap; i++) {
        size_t j;
        if (!x->h[i])
            continue;
        for (j = x->h[i] & (ncap - 1); y.h[j]; j = (j + 1) & (ncap - 1))
            ;
        y.h[j] = x->h[i];
        y.off[j] = x->off[i];
        y.len[j] = x->len[i];
        y.row[j] = x->row[i];
        y.run[j] = x->run[i];
    }
    y.n = x->n;
    y.arena = x->arena;
    y.alen = x->alen;
    y.acap = x->acap;
    x->arena = NULL;
    xset_release(x);
    *x = y;
    return TP_OK;
}

/* Find or add key; *idx is its slot, *found whether it was there. */
static int xset_put(struct xset *x, const char *key, size_t n, uint32_t row, uint32_t run,
                    size_t *idx, bool *found)
{
    uint64_t h = rules_hash(key, n, 0x5bd1e995) | 1;
    size_t j;
    if ((x->n + 1) * 10 > x->cap * 7 && xset_grow(x))
        return TP_E_NOMEM;
    for (j = h & (x->cap - 1); x->h[j]; j = (j + 1) & (x->cap - 1))
        if (x->h[j] == h && x->len[j] == n && memcmp(x->arena + x->off[j], key, n) == 0) {
            *idx = j;
            *found = true;
            return TP_OK;
        }
    if (x->alen + n > x->acap) {
        size_t ncap = x->acap ? x->acap * 2 : 4096;
        char *na;
        while (ncap < x->alen + n)
            ncap *= 2;
        if (!(na = tp_realloc(x->arena, ncap)))
            return TP_E_NOMEM;
        x->arena = na;
        x->acap = ncap;
    }
    memcpy(x->arena + x->alen, key, n);
    x->h[j] = h;
    x->off[j] = (uint32_t)x->alen;
    x->len[j] = (uint32_t)n;
    x->row[j] = row;
    x->run[j] = run;
    x->alen += n;
    x->n++;
    *idx = j;
    *found = false;
    return TP_OK;
}

/* Exact key bytes of the record (numbers as their 8 bytes, text trimmed), skipping skip. */
static void k_bytes(struct tp_strbuf *sb, const struct tp_dataset *b, size_t row, const long *cols,
                    size_t n, long skip)
{
    tp_strbuf_reset(sb);
    for (size_t i = 0; i < n; i++) {
        const struct tp_var *v;
        if (cols[i] == skip)
            continue;
        v = tp_dataset_var(b, (size_t)cols[i]);
        if (v->type == TP_NUM) {
            char miss, buf[9];
            double d = tp_dataset_num(b, row, (size_t)cols[i], &miss);
            if (miss != TP_PRESENT || d == 0)
                d = 0;
            memcpy(buf, &d, 8);
            buf[8] = miss;
            tp_strbuf_add(sb, buf, 9);
        } else {
            size_t len;
            const char *s = tp_dataset_str(b, row, (size_t)cols[i], &len);
            while (len && s[len - 1] == ' ')
                len--;
            tp_strbuf_add(sb, s, len);
            tp_strbuf_addc(sb, '\x1f');
        }
    }
}

struct ustate {
    long cols[KEY_MAX];
    size_t n;
    long group; /* USUBJID column among the keys, or -1 */
    struct rules_cond *where;
    size_t nwhere;
    bool noncontig;       /* a subject's records are not together: passes 2 and 3 */
    struct tp_strbuf cur; /* current subject (grouped mode and run tracking) */
    uint32_t runid;
    struct rules_fpset done;       /* subjects finished (grouped mode) */
    struct xset local;             /* grouped mode: the current subject's keys */
    struct rules_fpset seen, cand; /* pass 2 */
    struct xset global;            /* pass 3 */
    struct rules_map *shared;      /* across splits: the domain's exact key map (pstate) */
    struct tp_strbuf sb, sb2;
};

static void ustate_free(void *p)
{
    struct ustate *s = p;
    if (!s)
        return;
    tp_free(s->where);
    tp_strbuf_release(&s->cur);
    rules_fpset_release(&s->done);
    xset_release(&s->local);
    rules_fpset_release(&s->seen);
    rules_fpset_release(&s->cand);
    xset_release(&s->global);
    tp_strbuf_release(&s->sb);
    tp_strbuf_release(&s->sb2);
    tp_free(s);
}

static struct ustate *ustate_new(void)
{
    struct ustate *s = tp_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->group = -1;
    tp_strbuf_init(&s->cur);
    tp_strbuf_init(&s->sb);
    tp_strbuf_init(&s->sb2);
    rules_fpset_init(&s->done);
    rules_fpset_init(&s->seen);
    rules_fpset_init(&s->cand);
    return s;
}

/* choose USUBJID as the grouping column when it is one of the keys */
static void u_pick_group(struct ustate *s, long usubjid_col)
{
    s->group = -1;
    for (size_t i = 0; i < s->n; i++)
        if (s->cols[i] == usubjid_col && usubjid_col >= 0)
            s->group = usubjid_col;
}

static bool u_where(const struct rules_run *run, const struct ustate *s, const struct tp_dataset *b,
                    size_t i)
{
    for (size_t k = 0; k < s->nwhere; k++)
        if (!rules_cond_eval(run->pkg, &s->where[k], b, i, run->usubjid_col, false))
            return false;
    return true;
}

static int u_report(struct rules_rule *r, struct rules_run *run, struct ustate *s,
                    const struct tp_dataset *b, size_t i, size_t first_row, size_t count)
{
    struct k_kv k;
    size_t m = k_fill(&k, b, i, s->cols, s->n, run->ds->prefix);
    char recs[64], cnt[24], seqvar[40];
    const char *value = s->n ? k.vals[s->n - 1 < KEY_MAX ? s->n - 1 : KEY_MAX - 1] : "";
    snprintf(recs, sizeof recs, "%zu and %zu", first_row, (size_t)(run->row0 + i + 1));
    snprintf(cnt, sizeof cnt, "%zu", count);
    rules_varname(run->ds, "--SEQ", seqvar, sizeof seqvar);
    k.kv[m++] = "records";
    k.kv[m++] = recs;
    k.kv[m++] = "count";
    k.kv[m++] = cnt;
    k.kv[m++] = "seqvar";
    k.kv[m++] = seqvar;
    k.kv[m] = NULL;
    return rules_emit_row(run, r, b, i, tp_dataset_var(b, (size_t)s->cols[s->n - 1])->name, value,
                          k.kv);
}

/* The subject of row i changed? Updates cur/runid; *back says it was seen before. */
static int u_group_step(struct ustate *s, const struct tp_dataset *b, size_t i, bool track_done,
                        bool *changed)
{
    size_t len;
    const char *g = tp_dataset_str(b, i, (size_t)s->group, &len);
    while (len && g[len - 1] == ' ')
        len--;
    *changed = !(s->cur.len == len && (len == 0 || memcmp(s->cur.buf, g, len) == 0));
    if (!*changed)
        return TP_OK;
    if (track_done && s->runid > 0) {
        bool existed;
        if (rules_fpset_add(&s->done, rules_hash(s->cur.buf ? s->cur.buf : "", s->cur.len, 3), 0,
                            &existed, NULL))
            return TP_E_NOMEM;
    }
    tp_strbuf_reset(&s->cur);
    tp_strbuf_add(&s->cur, g, len);
    s->runid++;
    if (track_done && rules_fpset_has(&s->done, rules_hash(g, len, 3)))
        s->noncontig = true;
    return TP_OK;
}

static int u_rows(struct rules_rule *r, struct rules_run *run, void *state,
                  const struct tp_dataset *b)
{
    struct ustate *s = state;
    size_t n = tp_dataset_nrows(b);
    long last = s->cols[s->n - 1];
    int rc;
    bool grouped_pass = run->pass == 1 && s->group >= 0 && !s->shared;
    for (size_t i = 0; i < n; i++) {
        size_t idx;
        bool found, changed;
        uint32_t row = (uint32_t)(run->row0 + i + 1);
        if (s->group >= 0 && (rc = u_group_step(s, b, i, grouped_pass, &changed)))
            return rc;
        if (grouped_pass && changed)
            xset_clear(&s->local);
        if (rules_cell_null(b, i, last) || !u_where(run, s, b, i))
            continue;
        if (s->shared) {
            bool created;
            void **slot;
            k_text(&s->sb, b, i, s->cols, s->n);
            slot = rules_map_slot(s->shared, s->sb.buf ? s->sb.buf : "", s->sb.len, &created);
            if (!slot)
                return TP_E_NOMEM;
            if (created)
                *slot = (void *)(uintptr_t)row;
            else if ((rc = u_report(r, run, s, b, i, (size_t)(uintptr_t)*slot, 2)))
                return rc;
            continue;
        }
        if (grouped_pass) {
            k_bytes(&s->sb, b, i, s->cols, s->n, s->group);
            if ((rc = xset_put(&s->local, s->sb.buf ? s->sb.buf : "", s->sb.len, row, 0, &idx,
                               &found)))
                return rc;
            if (found && (rc = u_report(r, run, s, b, i, s->local.row[idx], 2)))
                return rc;
            continue;
        }
        if (run->pass == (s->group >= 0 ? 2 : 1)) {
            /* global fingerprints (keys without USUBJID: pass 1; ungrouped subjects: pass 2) */
            bool existed;
            uint64_t fp = k_fp(b, i, s->cols, s->n);
            if (rules_fpset_add(&s->seen, fp, 0, &existed, NULL))
                return TP_E_NOMEM;
            if (existed && rules_fpset_add(&s->cand, fp, 0, &existed, NULL))
                return TP_E_NOMEM;
            continue;
        }
        /* last pass: exact keys of candidate rows only */
        if (!rules_fpset_has(&s->cand, k_fp(b, i, s->cols, s->n)))
            continue;
        k_bytes(&s->sb, b, i, s->cols, s->n, -1);
        if ((rc = xset_put(&s->global, s->sb.buf ? s->sb.buf : "", s->sb.len, row, s->runid, &idx,
                           &found)))
            return rc;
        if (!found)
            continue;
        if (s->group >= 0 && s->global.run[idx] == s->runid)
            continue; /* same run of the subject: reported by the grouped pass */
        s->global.run[idx] = s->runid;
        if ((rc = u_report(r, run, s, b, i, s->global.row[idx], 2)))
            return rc;
    }
    return TP_OK;
}

static int u_end(struct rules_rule *r, struct rules_run *run, void *state)
{
    struct ustate *s = state;
    (void)r;
    if (s->shared)
        return TP_OK;
    if (run->pass == 1 && s->group >= 0) {
        xset_release(&s->local);
        rules_fpset_release(&s->done);
        if (!s->noncontig)
            return TP_OK;
        s->runid = 0;
        tp_strbuf_reset(&s->cur);
        return RULES_PASS2; /* pass 2: fingerprints */
    }
    if (run->pass == (s->group >= 0 ? 2 : 1)) {
        rules_fpset_release(&s->seen);
        if (!s->cand.n)
            return TP_OK;
        s->runid = 0;
        tp_strbuf_reset(&s->cur);
        /* one more pass compares the exact keys; key_unique without subject grouping uses
           pass 2 for it, the others pass 3 */
        return RULES_PASS2;
    }
    return TP_OK;
}

static bool k_excluded(const struct rules_list *ex, const struct rules_ds *ds)
{
    return rules_list_has(ex, ds->name, strlen(ds->name), true) ||
           rules_list_has(ex, ds->domain, strlen(ds->domain), true) ||
           (ds->is_ap && rules_list_has(ex, "AP--", 4, false));
}

static int u_where_copy(const struct kcfg *c, const struct rules_run *run, struct ustate *s)
{
    struct rules_conds tmp;
    if (!c->where.n)
        return TP_OK;
    if (!(s->where = tp_calloc(c->where.n, sizeof *s->where)))
        return TP_E_NOMEM;
    memcpy(s->where, c->where.c, c->where.n * sizeof *s->where);
    s->nwhere = c->where.n;
    tmp.c = s->where;
    tmp.n = s->nwhere;
    rules_conds_resolve(run->ds, run->meta, &tmp);
    for (size_t k = 0; k < s->nwhere; k++)
        if (!s->where[k].dm && s->where[k].col < 0)
            return RULES_SKIP;
    return TP_OK;
}

/* ---- seq_unique ---- */
static int su_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return kcfg_new(r, "by,across_splits");
}

static void su_pfree(void *p)
{
    struct rules_map *m = p;
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].val) {
            rules_map_release(m->slots[i].val, NULL);
            tp_free(m->slots[i].val);
        }
    rules_map_release(m, NULL);
    tp_free(m);
}

static int su_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct kcfg *c = r->cfg;
    struct ustate *s;
    long seq = rules_col(run->ds, run->meta, "--SEQ"), by = -1;
    if (!applies || seq < 0 || run->ds->is_supp)
        return RULES_SKIP;
    for (size_t k = 0; k < c->by.n && by < 0; k++)
        by = tp_dataset_find_var(run->meta, c->by.v[k]);
    if (by < 0)
        return RULES_SKIP;
    if (!(s = ustate_new()))
        return TP_E_NOMEM;
    s->cols[0] = by;
    s->cols[1] = seq;
    s->n = 2;
    u_pick_group(s, run->usubjid_col);
    if (c->across_splits && run->ds->is_split) {
        struct rules_map *pm = r->pstate;
        void **slot;
        bool created;
        if (!pm) {
            if (!(pm = tp_calloc(1, sizeof *pm))) {
                ustate_free(s);
                return TP_E_NOMEM;
            }
            rules_map_init(pm);
            r->pstate = pm;
        }
        slot = rules_map_slot(pm, run->ds->domain, strlen(run->ds->domain), &created);
        if (!slot || (created && !(*slot = tp_calloc(1, sizeof(struct rules_map))))) {
            ustate_free(s);
            return TP_E_NOMEM;
        }
        s->shared = *slot;
    }
    *st = s;
    return TP_OK;
}

static const struct rules_kind kind_seq_unique = {.name = "seq_unique",
                                                  .compile = su_compile,
                                                  .free_cfg = kcfg_free,
                                                  .ds_begin = su_begin,
                                                  .ds_rows = u_rows,
                                                  .ds_end = u_end,
                                                  .state_free = ustate_free,
                                                  .pstate_free = su_pfree};

/* ---- key_unique ---- */
static int ku_compile(struct rules_rule *r, struct tp_error *err)
{
    struct kcfg *c;
    int rc;
    (void)err;
    if ((rc = kcfg_new(r, "keys,source,where")))
        return rc;
    c = r->cfg;
    if (!c->keys.n && !c->from_define)
        return TP_E_UNSUPPORTED;
    if (strcmp(r->scope, "dataset") != 0)
        return TP_E_UNSUPPORTED; /* ODM keys: not wired in */
    return TP_OK;
}

static int ku_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct kcfg *c = r->cfg;
    struct ustate *s;
    int rc;
    if (!applies)
        return RULES_SKIP;
    if (!(s = ustate_new()))
        return TP_E_NOMEM;
    if (c->from_define) {
        const struct rules_def_ig *ig = run->ds->def;
        if (!run->pkg->def) {
            rules_skip(r, "no define.xml");
            ustate_free(s);
            return RULES_SKIP;
        }
        if (!ig) {
            ustate_free(s);
            return RULES_SKIP;
        }
        /* KeySequence order */
        for (int want = 1; want <= KEY_MAX; want++)
            for (size_t k = 0; k < ig->nrefs; k++) {
                const struct rules_def_item *it;
                long col;
                if (ig->refs[k].keyseq != want)
                    continue;
                it = rules_define_item(run->pkg->def, ig->refs[k].item_oid);
                col = it && it->name ? tp_dataset_find_var(run->meta, it->name) : -1;
                if (col >= 0 && s->n < KEY_MAX)
                    s->cols[s->n++] = col;
            }
    } else {
        /* a key variable the dataset lacks is null in every record: it drops out of the key
           (DS without DSSCAT); the subject and the last key variable must be there */
        size_t missing = 0;
        for (size_t k = 0; k < c->keys.n; k++) {
            long col = rules_col(run->ds, run->meta, c->keys.v[k]);
            if (col < 0) {
                missing++;
                if (k + 1 == c->keys.n || strcmp(c->keys.v[k], "USUBJID") == 0) {
                    ustate_free(s);
                    return RULES_SKIP;
                }
                continue;
            }
            if (s->n < KEY_MAX)
                s->cols[s->n++] = col;
        }
        (void)missing;
    }
    if (!s->n) {
        ustate_free(s);
        return RULES_SKIP;
    }
    if ((rc = u_where_copy(c, run, s))) {
        ustate_free(s);
        return rc;
    }
    u_pick_group(s, run->usubjid_col);
    *st = s;
    return TP_OK;
}

static const struct rules_kind kind_key_unique = {.name = "key_unique",
                                                  .compile = ku_compile,
                                                  .free_cfg = kcfg_free,
                                                  .ds_begin = ku_begin,
                                                  .ds_rows = u_rows,
                                                  .ds_end = u_end,
                                                  .state_free = ustate_free};

/* ---- duplicate_records: the class's natural key (the variables the dataset has) ---- */
static int dr_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return kcfg_new(r, "class,keys");
}

static int dr_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct kcfg *c = r->cfg;
    struct ustate *s;
    bool have_usubjid = false;
    if (!applies)
        return RULES_SKIP;
    if (!(s = ustate_new()))
        return TP_E_NOMEM;
    for (size_t k = 0; k < c->keys.n && s->n < KEY_MAX; k++) {
        long col = rules_col(run->ds, run->meta, c->keys.v[k]);
        if (col < 0)
            continue;
        have_usubjid |= col == run->usubjid_col;
        s->cols[s->n++] = col;
    }
    /* Findings About: the object of the observation is part of the natural key */
    if (run->ds->cls == RC_FINDINGS_ABOUT && s->n < KEY_MAX) {
        long obj = rules_col(run->ds, run->meta, "--OBJ");
        bool have = false;
        for (size_t k = 0; k < s->n; k++)
            have |= s->cols[k] == obj;
        if (obj >= 0 && !have) {
            memmove(&s->cols[2], &s->cols[1], (s->n - 1) * sizeof s->cols[0]);
            s->cols[1] = obj;
            s->n++;
        }
    }
    if (!have_usubjid || s->n < 2) {
        ustate_free(s);
        return RULES_SKIP;
    }
    /* the last key column must be populated for a record to count: use the topic variable */
    {
        long topic = s->cols[1];
        s->cols[1] = s->cols[s->n - 1];
        s->cols[s->n - 1] = topic;
    }
    u_pick_group(s, run->usubjid_col);
    *st = s;
    return TP_OK;
}

static const struct rules_kind kind_duplicate_records = {.name = "duplicate_records",
                                                         .compile = dr_compile,
                                                         .free_cfg = kcfg_free,
                                                         .ds_begin = dr_begin,
                                                         .ds_rows = u_rows,
                                                         .ds_end = u_end,
                                                         .state_free = ustate_free};

/* ---- usubjid_in_dm: once per dataset and subject ---- */
struct idm_state {
    struct rules_map reported;
    char last[201];
    size_t lastn;
};

static void idm_free(void *p)
{
    struct idm_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->reported, NULL);
    tp_free(s);
}

static int idm_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return kcfg_new(r, "exclude");
}

static int idm_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct kcfg *c = r->cfg;
    struct idm_state *s;
    if (!applies || run->usubjid_col < 0 || k_excluded(&c->exclude, run->ds))
        return RULES_SKIP;
    if (!run->pkg->dm || !run->pkg->dm->data) {
        rules_skip(r, "no DM dataset");
        return RULES_SKIP;
    }
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    rules_map_init(&s->reported);
    s->lastn = (size_t)-1;
    *st = s;
    return TP_OK;
}

static int idm_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct idm_state *s = state;
    size_t n = tp_dataset_nrows(b);
    int rc;
    for (size_t i = 0; i < n; i++) {
        char buf[8];
        size_t len;
        const char *u = rules_cell(b, i, run->usubjid_col, buf, sizeof buf, &len);
        bool created;
        if (!len || (len == s->lastn && memcmp(u, s->last, len) == 0))
            continue;
        if (len < sizeof s->last) {
            memcpy(s->last, u, len);
            s->lastn = len;
        } else {
            s->lastn = (size_t)-1;
        }
        if (rules_map_get(&run->pkg->subjects, u, len))
            continue;
        if (!rules_map_slot(&s->reported, u, len, &created))
            return TP_E_NOMEM;
        if (created && (rc = rules_emit_row(run, r, b, i, "USUBJID", s->last, NULL)))
            return rc;
    }
    return TP_OK;
}

static const struct rules_kind kind_usubjid_in_dm = {.name = "usubjid_in_dm",
                                                     .compile = idm_compile,
                                                     .free_cfg = kcfg_free,
                                                     .ds_begin = idm_begin,
                                                     .ds_rows = idm_rows,
                                                     .state_free = idm_free};

/* ---- visitnum_in_sv: (USUBJID, VISITNUM) of every dataset is a visit in SV ---- */
struct vsv_state {
    long vcol;
    struct rules_map reported;
    struct tp_strbuf last;
};

static void vsv_free(void *p)
{
    struct vsv_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->reported, NULL);
    tp_strbuf_release(&s->last);
    tp_free(s);
}

static int vsv_compile(struct rules_rule *r, struct tp_error *err)
{
    (void)err;
    return kcfg_new(r, "");
}

static int vsv_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    struct vsv_state *s;
    long vcol;
    if (!applies || run->usubjid_col < 0 || strcmp(run->ds->name, "SV") == 0 ||
        run->ds->cls == RC_TRIAL_DESIGN || run->ds->is_supp)
        return RULES_SKIP;
    vcol = tp_dataset_find_var(run->meta, "VISITNUM");
    if (vcol < 0)
        return RULES_SKIP;
    if (!run->pkg->sv || !run->pkg->sv->data) {
        rules_skip(r, "no SV dataset");
        return RULES_SKIP;
    }
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->vcol = vcol;
    rules_map_init(&s->reported);
    tp_strbuf_init(&s->last);
    *st = s;
    return TP_OK;
}

static int vsv_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct vsv_state *s = state;
    size_t n = tp_dataset_nrows(b);
    struct tp_strbuf k;
    int rc = TP_OK;
    tp_strbuf_init(&k);
    for (size_t i = 0; i < n && rc == TP_OK; i++) {
        char b1[8], b2[48];
        size_t l1, l2;
        const char *u = rules_cell(b, i, run->usubjid_col, b1, sizeof b1, &l1);
        const char *v = rules_cell(b, i, s->vcol, b2, sizeof b2, &l2);
        bool created;
        if (!l1 || !l2)
            continue;
        tp_strbuf_reset(&k);
        tp_strbuf_add(&k, u, l1);
        tp_strbuf_addc(&k, '\x1f');
        tp_strbuf_add(&k, v, l2);
        if (s->last.len == k.len && memcmp(s->last.buf, k.buf, k.len) == 0)
            continue;
        tp_strbuf_reset(&s->last);
        tp_strbuf_add(&s->last, k.buf, k.len);
        if (rules_map_has(&run->pkg->sv_visits, k.buf, k.len))
            continue;
        if (!rules_map_slot(&s->reported, k.buf, k.len, &created)) {
            rc = TP_E_NOMEM;
            break;
        }
        if (created) {
            char val[64];
            snprintf(val, sizeof val, "%.*s", (int)l2, v);
            rc = rules_emit_row(run, r, b, i, "VISITNUM", val, NULL);
        }
    }
    tp_strbuf_release(&k);
    return rc;
}

static const struct rules_kind kind_visitnum_in_sv = {.name = "visitnum_in_sv",
                                                      .compile = vsv_compile,
                                                      .free_cfg = kcfg_free,
                                                      .ds_begin = vsv_begin,
                                                      .ds_rows = vsv_rows,
                                                      .state_free = vsv_free};

/* ---- one_to_one: a -> b and b -> a are functions (within by groups) ---- */
struct oto_state {
    long a, b, by;
    struct rules_okcache ok;
    struct rules_map ab, ba, reported;
    struct tp_strbuf k;
    struct tp_strbuf lasta, lastb, lastby;
};

static void oto_free(void *p)
{
    struct oto_state *s = p;
    if (!s)
        return;
    rules_map_release(&s->ab, tp_free);
    rules_map_release(&s->ba, tp_free);
    rules_map_release(&s->reported, NULL);
    tp_strbuf_release(&s->k);
    tp_strbuf_release(&s->lasta);
    tp_strbuf_release(&s->lastb);
    tp_strbuf_release(&s->lastby);
    tp_free(s);
}

static int oto_compile(struct rules_rule *r, struct tp_error *err)
{
    struct kcfg *c;
    int rc;
    (void)err;
    if ((rc = kcfg_new(r, "a,b,by")))
        return rc;
    c = r->cfg;
    if (!c->a || !c->b || c->by.n > 1)
        return TP_E_UNSUPPORTED;
    return TP_OK;
}

static int oto_begin(struct rules_rule *r, struct rules_run *run, bool applies, void **st)
{
    const struct kcfg *c = r->cfg;
    struct oto_state *s;
    long a, b, by = -1;
    if (!applies)
        return RULES_SKIP;
    a = rules_col(run->ds, run->meta, c->a);
    b = rules_col(run->ds, run->meta, c->b);
    if (c->by.n)
        by = rules_col(run->ds, run->meta, c->by.v[0]);
    if (a < 0 || b < 0 || (c->by.n && by < 0))
        return RULES_SKIP;
    if (!(s = tp_calloc(1, sizeof *s)))
        return TP_E_NOMEM;
    s->a = a;
    s->b = b;
    s->by = by;
    rules_map_init(&s->ab);
    rules_map_init(&s->ba);
    rules_map_init(&s->reported);
    tp_strbuf_init(&s->k);
    tp_strbuf_init(&s->lasta);
    tp_strbuf_init(&s->lastb);
    tp_strbuf_init(&s->lastby);
    *st = s;
    return TP_OK;
}

static bool oto_same(const struct tp_strbuf *sb, const char *s, size_t n)
{
    return sb->len == n && (n == 0 || memcmp(sb->buf, s, n) == 0);
}

static void oto_set(struct tp_strbuf *sb, const char *s, size_t n)
{
    tp_strbuf_reset(sb);
    tp_strbuf_add(sb, s, n);
}

/* map key "by \x1f x" -> y; returns the conflicting earlier y or NULL */
static int oto_check(struct oto_state *s, struct rules_map *m, const char *by, size_t bn,
                     const char *x, size_t xn, const char *y, size_t yn, const char **conflict)
{
    bool created;
    void **slot;
    *conflict = NULL;
    tp_strbuf_reset(&s->k);
    tp_strbuf_add(&s->k, by, bn);
    tp_strbuf_addc(&s->k, '\x1f');
    tp_strbuf_add(&s->k, x, xn);
    slot = rules_map_slot(m, s->k.buf, s->k.len, &created);
    if (!slot)
        return TP_E_NOMEM;
    if (created) {
        if (!(*slot = tp_strndup(y, yn)))
            return TP_E_NOMEM;
        return TP_OK;
    }
    if (strlen(*slot) != yn || memcmp(*slot, y, yn) != 0)
        *conflict = *slot;
    return TP_OK;
}

static int oto_rows(struct rules_rule *r, struct rules_run *run, void *state,
                    const struct tp_dataset *b)
{
    struct oto_state *s = state;
    size_t n = tp_dataset_nrows(b);
    const char *an = tp_dataset_var(b, (size_t)s->a)->name;
    const char *bname = tp_dataset_var(b, (size_t)s->b)->name;
    int rc;
    for (size_t i = 0; i < n; i++) {
        char ba[48], bb[48], bc[48];
        size_t la, lb, lc = 0;
        const char *x = rules_cell(b, i, s->a, ba, sizeof ba, &la);
        const char *y = rules_cell(b, i, s->b, bb, sizeof bb, &lb);
        const char *g = s->by >= 0 ? rules_cell(b, i, s->by, bc, sizeof bc, &lc) : "";
        const char *c1, *c2;
        if (!la || !lb)
            continue;
        if (oto_same(&s->lasta, x, la) && oto_same(&s->lastb, y, lb) && oto_same(&s->lastby, g, lc))
            continue;
        {
            uint64_t h = rules_hash(y, lb, rules_hash(x, la, rules_hash(g, lc, 11)));
            if (rules_okcache_has(&s->ok, h))
                continue;
            rules_okcache_put(&s->ok, h); /* a pair seen once needs no second look */
        }
        oto_set(&s->lasta, x, la);
        oto_set(&s->lastb, y, lb);
        oto_set(&s->lastby, g, lc);
        if ((rc = oto_check(s, &s->ab, g, lc, x, la, y, lb, &c1)) ||
            (rc = oto_check(s, &s->ba, g, lc, y, lb, x, la, &c2)))
            return rc;
        if (c1 || c2) {
            char val[300];
            bool created;
            if (c1)
                snprintf(val, sizeof val, "%s %.*s has %s %s and %.*s", an, (int)la, x, bname, c1,
                         (int)lb, y);
            else
                snprintf(val, sizeof val, "%s %.*s has %s %s and %.*s", bname, (int)lb, y, an, c2,
                         (int)la, x);
            if (!rules_map_slot(&s->reported, val, strlen(val), &created))
                return TP_E_NOMEM;
            if (created) {
                char q[64];
                snprintf(q, sizeof q, "%.*s", (int)la, x);
                if ((rc = rules_emit_row(run, r, b, i, c1 ? an : bname, val,
                                         (const char *const[]){"qnam", q, NULL})))
                    return rc;
            }
        }
    }
    return TP_OK;
}

static const struct rules_kind kind_one_to_one = {.name = "one_to_one",
                                                  .compile = oto_compile,
                                                  .free_cfg = kcfg_free,
                                                  .ds_begin = oto_begin,
                                                  .ds_rows = oto_rows,
                                                  .state_free = oto_free};

const struct rules_kind *const rules_kinds_keys[] = {
    &kind_seq_unique,
    &kind_key_unique,
    &kind_duplicate_records,
    &kind_usubjid_in_dm,
    &kind_visitnum_in_sv,
    &kind_one_to_one,
    NULL,
};
