/*
 * The validation engine (include/trialpack/rules.h): finds the inputs, reads the small
 * reference datasets (DM, TA, TE, TV, TI, TS, SE, SV, DS, RELREC, SUPP--) whole and builds the
 * subject table from DM, then streams every other dataset in batches (a reader thread parses the
 * next batch while the rules check the current one), and calls the hooks of every implemented
 * rule (registry.c). Memory stays bounded by the reference tables plus, per dataset, the key
 * fingerprints of the uniqueness rules: never by the rows of a large dataset.
 *
 * The engine is the only part of the module that does I/O; rules see batches and the package
 * context (struct rules_pkg) and append findings through rules_emit*().
 */
#include "rules.h"
#include "trialpack/format.h"
#include "trialpack/trialpack.h"
#include "trialpack/xml.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>

#define ENG_BATCH_ROWS 16384

/* the message buffer of each thread, kept between findings (no allocation per finding) */
static _Thread_local struct tp_strbuf eng_tls_msg;

struct tp_validation {
    struct tp_validate_opts o;
    char *standard, *define_path, *ct_path, *schema_dir, *datadir;
    struct rules_catalogue cat;
    struct rules_std std;
    struct rules_ct ct;
    bool have_ct;
    struct rules_define *def;
    struct rules_file **files;
    size_t nfiles, cfiles;
    struct rules_ds **ds;
    size_t nds, cds;
    struct rules_pkg pkg;
    bool ran;
    bool folder_input;
};

void tp_validate_opts_init(struct tp_validate_opts *o)
{
    memset(o, 0, sizeof *o);
    o->standard = "sdtmig-3.4";
    o->xml_schema = true;
}

static void eng_free_subject(void *p)
{
    struct rules_subject *s = p;
    if (!s)
        return;
    tp_free(s->usubjid);
    tp_free(s->armcd);
    tp_free(s->arm);
    tp_free(s->actarmcd);
    tp_free(s->actarm);
    tp_free(s->rfstdtc);
    tp_free(s->rfendtc);
    tp_free(s->rfxstdtc);
    tp_free(s->rfxendtc);
    tp_free(s->dthdtc);
    tp_free(s->dthfl);
    tp_free(s->rficdtc);
    tp_free(s->studyid);
    for (size_t i = 0; i < s->nse; i++) {
        tp_free(s->se[i].etcd);
        tp_free(s->se[i].epoch);
        tp_free(s->se[i].st);
        tp_free(s->se[i].en);
    }
    tp_free(s->se);
    tp_free(s);
}

void tp_validation_free(struct tp_validation *v)
{
    if (!v)
        return;
    tp_strbuf_release(&eng_tls_msg);
    rules_catalogue_release(&v->cat);
    rules_std_release(&v->std);
    if (v->have_ct)
        rules_ct_release(&v->ct);
    rules_define_free(v->def);
    for (size_t i = 0; i < v->nfiles; i++) {
        tp_free(v->files[i]->path);
        tp_free(v->files[i]);
    }
    tp_free(v->files);
    for (size_t i = 0; i < v->nds; i++) {
        tp_dataset_free(v->ds[i]->meta);
        tp_dataset_free(v->ds[i]->data);
        tp_free(v->ds[i]);
    }
    tp_free(v->ds);
    rules_map_release(&v->pkg.subjects, eng_free_subject);
    rules_map_release(&v->pkg.sv_visits, NULL);
    tp_free(v->standard);
    tp_free(v->define_path);
    tp_free(v->ct_path);
    tp_free(v->schema_dir);
    tp_free(v->datadir);
    tp_free(v);
}

static int eng_dup(char **dst, const char *src)
{
    if (!src) {
        *dst = NULL;
        return TP_OK;
    }
    *dst = tp_strdup(src);
    return *dst ? TP_OK : TP_E_NOMEM;
}

int tp_validation_new(const struct tp_validate_opts *o, struct tp_validation **out,
                      struct tp_error *err)
{
    struct tp_validation *v;
    struct tp_validate_opts def;
    char dir[4096];
    int rc;
    struct stat st;

    *out = NULL;
    if (!o) {
        tp_validate_opts_init(&def);
        o = &def;
    }
    v = tp_calloc(1, sizeof *v);
    if (!v)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    v->o = *o;
    if (eng_dup(&v->standard, o->standard ? o->standard : "sdtmig-3.4") ||
        eng_dup(&v->define_path, o->define_path) || eng_dup(&v->ct_path, o->ct_path) ||
        eng_dup(&v->schema_dir, o->schema_dir) ||
        eng_dup(&v->datadir, o->datadir ? o->datadir : tp_datadir())) {
        tp_validation_free(v);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    v->o.standard = v->standard;
    v->o.define_path = v->define_path;
    v->o.ct_path = v->ct_path;
    v->o.schema_dir = v->schema_dir;
    v->o.datadir = v->datadir;
    if (!v->o.batch_rows)
        v->o.batch_rows = ENG_BATCH_ROWS;
    rules_map_init(&v->pkg.subjects);
    rules_map_init(&v->pkg.sv_visits);
    if ((rc = rules_catalogue_load(&v->cat, v->datadir, err)) ||
        (rc = rules_registry_bind(&v->cat, err))) {
        tp_validation_free(v);
        return rc;
    }
    snprintf(dir, sizeof dir, "%s/mappings/standards/%s", v->datadir, v->standard);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = tp_fail(err, TP_E_USAGE, "unknown standard '%s' (no folder '%s')", v->standard, dir);
        tp_validation_free(v);
        return rc;
    }
    if ((rc = rules_std_load(&v->std, dir, err))) {
        tp_validation_free(v);
        return rc;
    }
    /* controlled terminology: --ct, else mappings/ct/ when the data folder has one */
    if (v->ct_path) {
        if ((rc = rules_ct_load(&v->ct, v->ct_path, err))) {
            tp_validation_free(v);
            return rc;
        }
        v->have_ct = true;
    } else {
        snprintf(dir, sizeof dir, "%s/mappings/ct", v->datadir);
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (rules_ct_load(&v->ct, dir, err) == TP_OK && v->ct.nterms > 0)
                v->have_ct = true;
            else if (v->ct.source || v->ct.lists.n)
                rules_ct_release(&v->ct);
            tp_error_init(err);
        }
    }
    *out = v;
    return TP_OK;
}

/* ---- inputs ---- */

static const char *eng_kind_for(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return "other";
    if (strcasecmp(dot, ".xpt") == 0)
        return "xpt";
    if (strcasecmp(dot, ".json") == 0)
        return "json";
    if (strcasecmp(dot, ".ndjson") == 0)
        return "ndjson";
    if (strcasecmp(dot, ".dsjc") == 0)
        return "dsjc";
    if (strcasecmp(dot, ".xml") == 0)
        return "xml";
    return "other";
}

static int eng_add_file(struct tp_validation *v, const char *path, struct tp_error *err)
{
    struct rules_file *f;
    struct stat st;
    for (size_t i = 0; i < v->nfiles; i++)
        if (strcmp(v->files[i]->path, path) == 0)
            return TP_OK;
    if (tp_grow((void **)&v->files, &v->cfiles, v->nfiles + 1, sizeof *v->files))
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    f = tp_calloc(1, sizeof *f);
    if (!f || !(f->path = tp_strdup(path))) {
        tp_free(f);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    snprintf(f->kind, sizeof f->kind, "%s", eng_kind_for(path));
    f->size = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    f->rows = -1;
    v->files[v->nfiles++] = f;
    return TP_OK;
}

static int eng_walk(struct tp_validation *v, const char *dir, int depth, struct tp_error *err)
{
    struct dirent **ents = NULL;
    int n, rc = TP_OK;
    if (depth > 16)
        return TP_OK;
    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        return tp_fail(err, TP_E_IO, "cannot list '%s': %s", dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        char p[4096];
        struct stat st;
        const char *name = ents[i]->d_name;
        if (rc == TP_OK && name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, name);
            if (stat(p, &st) == 0) {
                if (S_ISDIR(st.st_mode))
                    rc = eng_walk(v, p, depth + 1, err);
                else if (S_ISREG(st.st_mode))
                    rc = eng_add_file(v, p, err);
            }
        }
        free(ents[i]);
    }
    free(ents);
    return rc;
}

int tp_validation_add_path(struct tp_validation *v, const char *path, struct tp_error *err)
{
    struct stat st;
    char buf[4096];
    size_t n;
    struct tp_loc loc;
    tp_loc_init(&loc);
    tp_loc_set_path(&loc, path);
    if (stat(path, &st) != 0)
        return tp_fail_at(err, TP_E_IO, &loc, "cannot open '%s': %s", path, strerror(errno));
    snprintf(buf, sizeof buf, "%s", path);
    n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    if (S_ISDIR(st.st_mode)) {
        v->folder_input = true;
        return eng_walk(v, buf, 0, err);
    }
    return eng_add_file(v, buf, err);
}

/* ---- findings ---- */

void rules_skip(struct rules_rule *r, const char *fmt, ...)
{
    va_list ap;
    if (r->status == TP_RULE_RAN || r->skip_reason[0])
        return;
    va_start(ap, fmt);
    vsnprintf(r->skip_reason, sizeof r->skip_reason, fmt, ap);
    va_end(ap);
}

static const char *eng_base(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : (path ? path : "");
}

/* Fill the message template: {key} from kv, then the built-in keys; "--X" -> prefix + "X". */
static void eng_message(struct tp_strbuf *sb, const struct rules_rule *r, const struct rules_ds *ds,
                        const char *file, long row, const char *usubjid, const char *variable,
                        const char *value, const char *const *kv)
{
    const char *m = r->message;
    tp_strbuf_reset(sb);
    while (*m) {
        if (*m == '{') {
            const char *e = strchr(m, '}');
            size_t klen;
            const char *rep = NULL;
            char num[32];
            if (!e) {
                tp_strbuf_adds(sb, m);
                break;
            }
            klen = (size_t)(e - m - 1);
            for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2)
                if (strlen(kv[i]) == klen && strncmp(kv[i], m + 1, klen) == 0) {
                    rep = kv[i + 1];
                    break;
                }
            if (!rep) {
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(m + 1, k, klen) == 0)
                if (KEY("dataset"))
                    rep = ds ? ds->name : "";
                else if (KEY("variable"))
                    rep = variable ? variable : "";
                else if (KEY("value"))
                    rep = value ? value : "";
                else if (KEY("record") && row > 0) {
                    char tmp[24];
                    size_t k = 0, o = 0;
                    unsigned long u = (unsigned long)row;
                    do {
                        tmp[k++] = (char)('0' + u % 10);
                        u /= 10;
                    } while (u);
                    while (k)
                        num[o++] = tmp[--k];
                    num[o] = '\0';
                    rep = num;
                } else if (KEY("usubjid"))
                    rep = usubjid ? usubjid : "";
                else if (KEY("file"))
                    rep = eng_base(file);
                else if (KEY("domain"))
                    rep = ds ? ds->domain : "";
                else if (KEY("rdomain"))
                    rep = ds ? ds->rdomain : "";
#undef KEY
            }
            if (rep) {
                tp_strbuf_adds(sb, rep);
            } else {
                tp_strbuf_add(sb, m, klen + 2);
            }
            m = e + 1;
            continue;
        }
        if (m[0] == '-' && m[1] == '-' && isupper((unsigned char)m[2]) && ds && ds->prefix[0]) {
            tp_strbuf_adds(sb, ds->prefix);
            m += 2;
            continue;
        }
        tp_strbuf_addc(sb, *m++);
    }
}

/* Findings of the second checking thread wait here until the batch is done, then go to the
   report in a fixed order (see eng_batch), so the output stays deterministic. */
struct eng_fbuf {
    struct tp_finding *f;
    size_t n, cap;
    struct tp_strbuf text; /* the strings, NUL-separated; offsets kept in the finding fields */
};
static _Thread_local struct eng_fbuf *eng_tls_buf;

static int eng_fbuf_add(struct eng_fbuf *b, const struct tp_finding *f)
{
    const char *src[6] = {f->rule_id, f->path, f->dataset, f->variable, f->value, f->message};
    struct tp_finding *d;
    if (tp_grow((void **)&b->f, &b->cap, b->n + 1, sizeof *b->f))
        return TP_E_NOMEM;
    d = &b->f[b->n];
    *d = *f;
    for (int i = 0; i < 6; i++) {
        size_t off = b->text.len;
        if (tp_strbuf_adds(&b->text, src[i] ? src[i] : "") || tp_strbuf_addc(&b->text, '\0'))
            return TP_E_NOMEM;
        /* store the offset in the pointer until the flush */
        switch (i) {
        case 0: d->rule_id = (const char *)(uintptr_t)off; break;
        case 1: d->path = (const char *)(uintptr_t)off; break;
        case 2: d->dataset = (const char *)(uintptr_t)off; break;
        case 3: d->variable = (const char *)(uintptr_t)off; break;
        case 4: d->value = (const char *)(uintptr_t)off; break;
        default: d->message = (const char *)(uintptr_t)off; break;
        }
    }
    b->n++;
    return TP_OK;
}

static int eng_fbuf_flush(struct eng_fbuf *b, struct tp_report *rep)
{
    int rc = TP_OK;
    for (size_t i = 0; i < b->n && rc == TP_OK; i++) {
        struct tp_finding f = b->f[i];
        const char *base = b->text.buf;
        f.rule_id = base + (uintptr_t)f.rule_id;
        f.path = base + (uintptr_t)f.path;
        f.dataset = base + (uintptr_t)f.dataset;
        f.variable = base + (uintptr_t)f.variable;
        f.value = base + (uintptr_t)f.value;
        f.message = base + (uintptr_t)f.message;
        rc = tp_report_add(rep, &f);
    }
    b->n = 0;
    tp_strbuf_reset(&b->text);
    return rc;
}

static int eng_add(struct rules_pkg *p, struct rules_rule *r, const char *path, long line,
                   const struct rules_ds *ds, long row, const char *usubjid, const char *variable,
                   const char *value, const char *const *kv)
{
    struct tp_strbuf sb = eng_tls_msg;
    struct tp_finding f;
    int rc;
    eng_message(&sb, r, ds, path, row, usubjid, variable, value, kv);
    memset(&f, 0, sizeof f);
    f.severity = r->sev;
    f.rule_id = r->id;
    f.path = path ? path : "";
    f.line = line;
    f.dataset = ds ? ds->name : "";
    f.variable = variable ? variable : "";
    f.row = row;
    f.value = value ? value : "";
    f.message = tp_strbuf_cstr(&sb);
    rc = eng_tls_buf ? eng_fbuf_add(eng_tls_buf, &f) : tp_report_add(p->rep, &f);
    eng_tls_msg = sb;
    r->nfindings++;
    r->status = TP_RULE_RAN;
    return rc;
}

int rules_emit(struct rules_pkg *p, struct rules_rule *r, const struct rules_ds *ds, long row,
               const char *usubjid, const char *variable, const char *value, const char *const *kv)
{
    return eng_add(p, r, ds && ds->file ? ds->file->path : "", -1, ds, row, usubjid, variable,
                   value, kv);
}

int rules_emit_row(struct rules_run *run, struct rules_rule *r, const struct tp_dataset *b,
                   size_t i, const char *variable, const char *value, const char *const *kv)
{
    char ubuf[8], us[201];
    size_t n = 0;
    const char *u =
        run->usubjid_col >= 0 ? rules_cell(b, i, run->usubjid_col, ubuf, sizeof ubuf, &n) : "";
    if (n >= sizeof us)
        n = sizeof us - 1;
    memcpy(us, u, n);
    us[n] = '\0';
    return rules_emit(run->pkg, r, run->ds, (long)(run->row0 + i + 1), us, variable, value, kv);
}

int rules_emit_file(struct rules_pkg *p, struct rules_rule *r, const struct rules_file *f,
                    const struct rules_ds *ds, const char *variable, const char *value,
                    const char *const *kv)
{
    return eng_add(p, r, f ? f->path : "", -1, ds, -1, NULL, variable, value, kv);
}

int rules_emit_define(struct rules_pkg *p, struct rules_rule *r, long line, const char *dataset,
                      const char *variable, const char *value, const char *const *kv)
{
    struct rules_ds tmp, *ds = NULL;
    if (dataset && dataset[0]) {
        /* a dataset named in define.xml: use the real one when present (prefix for "--") */
        for (size_t i = 0; i < p->nds; i++)
            if (strcasecmp(p->ds[i]->name, dataset) == 0)
                ds = p->ds[i];
        if (!ds) {
            memset(&tmp, 0, sizeof tmp);
            snprintf(tmp.name, sizeof tmp.name, "%s", dataset);
            ds = &tmp;
        }
    }
    return eng_add(p, r, p->define_path ? p->define_path : "", line > 0 ? line : -1, ds, -1, NULL,
                   variable, value, kv);
}

/* A finding outside the catalogue ("READ", "XML"): bad input the engine met. */
static int eng_plain(struct rules_pkg *p, const char *rule, const char *path, long line,
                     const char *dataset, long row, const char *msg)
{
    struct tp_finding f;
    memset(&f, 0, sizeof f);
    f.severity = TP_SEV_ERROR;
    f.rule_id = rule;
    f.path = path;
    f.line = line;
    f.dataset = dataset ? dataset : "";
    f.variable = "";
    f.row = row;
    f.value = "";
    f.message = msg;
    return tp_report_add(p->rep, &f);
}

/* ---- domain matching ---- */

bool rules_domain_match(const struct rules_rule *r, const struct rules_ds *ds)
{
    for (size_t i = 0; i < r->ntokens; i++) {
        const char *t = r->tokens[i];
        if (strcmp(t, "ALL") == 0)
            return !ds->is_adam || strcmp(r->scope, "xpt") == 0;
        if (strcmp(t, "SUPP--") == 0) {
            if (ds->is_supp)
                return true;
            continue;
        }
        if (strcmp(t, "AP--") == 0) {
            if (ds->is_ap)
                return true;
            continue;
        }
        if (strcasecmp(t, ds->name) == 0 || strcasecmp(t, ds->domain) == 0)
            return true;
        if (ds->is_supp || ds->is_ap)
            continue;
        if ((strcmp(t, "INTERVENTIONS") == 0 && ds->cls == RC_INTERVENTIONS) ||
            (strcmp(t, "EVENTS") == 0 && ds->cls == RC_EVENTS) ||
            (strcmp(t, "FINDINGS") == 0 && ds->cls == RC_FINDINGS) ||
            (strcmp(t, "FINDINGS_ABOUT") == 0 && ds->cls == RC_FINDINGS_ABOUT) ||
            (strcmp(t, "SPECIAL_PURPOSE") == 0 && ds->cls == RC_SPECIAL_PURPOSE) ||
            (strcmp(t, "TRIAL_DESIGN") == 0 && ds->cls == RC_TRIAL_DESIGN) ||
            (strcmp(t, "RELATIONSHIP") == 0 && ds->cls == RC_RELATIONSHIP) ||
            (strcmp(t, "STUDY_REFERENCE") == 0 && ds->cls == RC_STUDY_REFERENCE) ||
            (strcmp(t, "BDS") == 0 && ds->cls == RC_BDS) ||
            (strcmp(t, "OCCDS") == 0 && ds->cls == RC_OCCDS) ||
            (strcmp(t, "ADAMOTHER") == 0 && ds->cls == RC_ADAMOTHER))
            return true;
    }
    return false;
}

/* ---- datasets ---- */

static void eng_upper(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < size; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = '\0';
}

static bool eng_has_var_suffix(const struct tp_dataset *meta, const char *prefix,
                               const char *suffix)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s%s", prefix, suffix);
    return tp_dataset_find_var(meta, buf) >= 0;
}

/* Name, IG dataset, class, prefix and role of a dataset. */
static void eng_classify(struct tp_validation *v, struct rules_ds *ds)
{
    const struct rules_stdds *sd;
    const char *n = ds->name;
    size_t len = strlen(n);
    snprintf(ds->domain, sizeof ds->domain, "%s", n);
    if (len > 4 && strncmp(n, "SUPP", 4) == 0) {
        ds->is_supp = true;
        snprintf(ds->rdomain, sizeof ds->rdomain, "%s", n + 4);
        ds->std = rules_std_dataset(&v->std, "SUPPQUAL");
        ds->cls = RC_RELATIONSHIP;
        return;
    }
    if (len > 4 && strncmp(n, "SQAP", 4) == 0) {
        ds->is_supp = true;
        snprintf(ds->rdomain, sizeof ds->rdomain, "%s", n + 2);
        ds->std = rules_std_dataset(&v->std, "SUPPQUAL");
        ds->cls = RC_RELATIONSHIP;
        return;
    }
    sd = rules_std_dataset(&v->std, n);
    if (!sd && len == 4 && strncmp(n, "AP", 2) == 0 && rules_std_dataset(&v->std, n + 2)) {
        ds->is_ap = true;
        sd = rules_std_dataset(&v->std, n + 2);
        snprintf(ds->domain, sizeof ds->domain, "%s", n + 2);
    }
    if (!sd && len > 2 && len <= 4) {
        char two[3] = {n[0], n[1], 0};
        const struct rules_stdds *p2 = rules_std_dataset(&v->std, two);
        if (p2 && p2->cls != RC_TRIAL_DESIGN && p2->cls != RC_SPECIAL_PURPOSE) {
            sd = p2;
            ds->is_split = true;
            snprintf(ds->domain, sizeof ds->domain, "%s", two);
        }
    }
    if (!sd && len >= 2 && strncmp(n, "AD", 2) == 0) {
        ds->is_adam = true;
        if (strcmp(n, "ADSL") == 0)
            ds->cls = RC_ADSL;
        else if (tp_dataset_find_var(ds->meta, "PARAMCD") >= 0)
            ds->cls = RC_BDS;
        else if (tp_dataset_find_var(ds->meta, "AEDECOD") >= 0 ||
                 tp_dataset_find_var(ds->meta, "CMDECOD") >= 0)
            ds->cls = RC_OCCDS;
        else
            ds->cls = RC_ADAMOTHER;
        return;
    }
    ds->std = sd;
    if (sd) {
        ds->cls = sd->cls;
    } else {
        /* a custom domain: class from its topic variable */
        char two[3] = {n[0], len > 1 ? n[1] : 0, 0};
        ds->is_custom = true;
        if (eng_has_var_suffix(ds->meta, two, "TESTCD"))
            ds->cls = eng_has_var_suffix(ds->meta, two, "OBJ") ? RC_FINDINGS_ABOUT : RC_FINDINGS;
        else if (eng_has_var_suffix(ds->meta, two, "TERM"))
            ds->cls = RC_EVENTS;
        else if (eng_has_var_suffix(ds->meta, two, "TRT"))
            ds->cls = RC_INTERVENTIONS;
    }
    if (ds->cls != RC_RELATIONSHIP && strlen(ds->domain) >= 2 && !ds->is_adam) {
        ds->prefix[0] = ds->domain[0];
        ds->prefix[1] = ds->domain[1];
        ds->prefix[2] = '\0';
    }
    if (strcmp(ds->name, "RELREC") == 0 || strcmp(ds->name, "RELSPEC") == 0 ||
        strcmp(ds->name, "RELSUB") == 0 || strcmp(ds->name, "POOLDEF") == 0)
        ds->prefix[0] = '\0';
}

static int eng_open_dataset(struct tp_validation *v, struct rules_file *f, struct tp_error *err)
{
    struct tp_reader *r = NULL;
    struct tp_error e;
    struct rules_ds *ds;
    const struct tp_dataset *meta;
    const char *ver;
    char stem[64];
    tp_error_init(&e);
    if (tp_reader_open(f->path, NULL, NULL, &r, &e)) {
        char msg[400];
        f->unreadable = true;
        snprintf(msg, sizeof msg, "cannot read dataset file: %s", e.msg);
        return eng_plain(&v->pkg, "READ", f->path, e.loc.line, "", e.loc.row, msg);
    }
    meta = tp_reader_meta(r);
    if (strcmp(f->kind, "xpt") == 0) {
        ver = tp_dataset_attr(meta, "xpt.version");
        f->xpt_version = ver ? (int)strtol(ver, NULL, 10) : 0;
    }
    f->members = 1;
    if (tp_grow((void **)&v->ds, &v->cds, v->nds + 1, sizeof *v->ds) ||
        !(ds = tp_calloc(1, sizeof *ds))) {
        tp_reader_close(r);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    ds->file = f;
    ds->meta = tp_dataset_clone_meta(meta);
    tp_reader_close(r);
    if (!ds->meta) {
        tp_free(ds);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    {
        const char *b = eng_base(f->path);
        const char *dot = strrchr(b, '.');
        size_t k = dot ? (size_t)(dot - b) : strlen(b);
        if (k >= sizeof stem)
            k = sizeof stem - 1;
        memcpy(stem, b, k);
        stem[k] = '\0';
    }
    {
        const char *nm = tp_dataset_name(ds->meta);
        eng_upper(ds->name, sizeof ds->name, nm && nm[0] ? nm : stem);
    }
    snprintf(f->dataset, sizeof f->dataset, "%s", ds->name);
    ds->nrows = -1;
    eng_classify(v, ds);
    v->ds[v->nds++] = ds;
    return TP_OK;
}

/* Read a whole (small, reference) dataset into ds->data; a failure becomes a finding. */
static int eng_load_whole(struct tp_validation *v, struct rules_ds *ds, struct tp_error *err)
{
    struct tp_error e;
    struct tp_reader *r = NULL;
    bool more = false;
    int rc;
    if (ds->data || ds->read_failed || ds->file->unreadable)
        return TP_OK;
    tp_error_init(&e);
    rc = tp_reader_open(ds->file->path, NULL, NULL, &r, &e);
    if (rc == TP_OK)
        rc = tp_read_all(r, &ds->data, &e);
    if (rc == TP_E_NOMEM) {
        tp_reader_close(r);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    if (rc) {
        char msg[400];
        tp_reader_close(r);
        ds->read_failed = true;
        ds->file->unreadable = true;
        snprintf(msg, sizeof msg, "cannot read dataset: %s", e.msg);
        return eng_plain(&v->pkg, "READ", ds->file->path, e.loc.line, ds->name, e.loc.row, msg);
    }
    while (tp_reader_next_member(r, &more, &e) == TP_OK && more)
        ds->file->members++;
    tp_reader_close(r);
    ds->nrows = (long long)tp_dataset_nrows(ds->data);
    ds->file->rows = ds->nrows;
    return TP_OK;
}

static char *eng_cell_dup(const struct tp_dataset *b, size_t row, long col)
{
    char buf[48];
    size_t n;
    const char *s = rules_cell(b, row, col, buf, sizeof buf, &n);
    return n ? tp_strndup(s, n) : NULL;
}

/* The subject table from DM, the SE elements per subject and the SV visits. */
static int eng_build_subjects(struct tp_validation *v, struct tp_error *err)
{
    struct rules_pkg *p = &v->pkg;
    if (p->dm && p->dm->data) {
        const struct tp_dataset *b = p->dm->data;
        long cu = tp_dataset_find_var(b, "USUBJID");
        long c[12];
        static const char *const names[12] = {"ARMCD",   "ARM",     "ACTARMCD", "ACTARM",
                                              "RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC",
                                              "DTHDTC",  "DTHFL",   "RFICDTC",  "STUDYID"};
        for (int k = 0; k < 12; k++)
            c[k] = tp_dataset_find_var(b, names[k]);
        for (size_t i = 0; cu >= 0 && i < tp_dataset_nrows(b); i++) {
            char buf[8];
            size_t n;
            const char *u = rules_cell(b, i, cu, buf, sizeof buf, &n);
            bool created;
            void **slot;
            struct rules_subject *s;
            if (!n)
                continue;
            slot = rules_map_slot(&p->subjects, u, n, &created);
            if (!slot)
                return tp_fail(err, TP_E_NOMEM, "out of memory");
            if (!created)
                continue; /* duplicates are TP0047's business; the first record counts */
            s = tp_calloc(1, sizeof *s);
            if (!s)
                return tp_fail(err, TP_E_NOMEM, "out of memory");
            *slot = s;
            s->usubjid = tp_strndup(u, n);
            s->dm_row = (long)i;
            {
                char **f[12] = {&s->armcd,   &s->arm,     &s->actarmcd, &s->actarm,
                                &s->rfstdtc, &s->rfendtc, &s->rfxstdtc, &s->rfxendtc,
                                &s->dthdtc,  &s->dthfl,   &s->rficdtc,  &s->studyid};
                for (int k = 0; k < 12; k++)
                    *f[k] = eng_cell_dup(b, i, c[k]);
            }
            if (s->rfstdtc)
                s->rfst_ok = rules_iso_days(s->rfstdtc, strlen(s->rfstdtc), &s->rfst_days);
        }
    }
    if (p->se && p->se->data) {
        const struct tp_dataset *b = p->se->data;
        long cu = tp_dataset_find_var(b, "USUBJID"), ce = tp_dataset_find_var(b, "ETCD"),
             cp = tp_dataset_find_var(b, "EPOCH"), cs = tp_dataset_find_var(b, "SESTDTC"),
             cn = tp_dataset_find_var(b, "SEENDTC"), ct = tp_dataset_find_var(b, "TAETORD");
        for (size_t i = 0; cu >= 0 && i < tp_dataset_nrows(b); i++) {
            struct rules_subject *s = rules_subject_of(p, b, i, cu);
            struct rules_se *e;
            double d;
            if (!s)
                continue;
            if (tp_grow((void **)&s->se, &s->cse, s->nse + 1, sizeof *s->se))
                return tp_fail(err, TP_E_NOMEM, "out of memory");
            e = &s->se[s->nse++];
            memset(e, 0, sizeof *e);
            e->etcd = eng_cell_dup(b, i, ce);
            e->epoch = eng_cell_dup(b, i, cp);
            e->st = eng_cell_dup(b, i, cs);
            e->en = eng_cell_dup(b, i, cn);
            e->taetord = rules_cell_number(b, i, ct, &d) ? (long)d : -1;
        }
    }
    if (p->sv && p->sv->data) {
        const struct tp_dataset *b = p->sv->data;
        long cu = tp_dataset_find_var(b, "USUBJID"), cv = tp_dataset_find_var(b, "VISITNUM");
        for (size_t i = 0; cu >= 0 && cv >= 0 && i < tp_dataset_nrows(b); i++) {
            char k[300], b1[8], b2[48];
            size_t n1, n2;
            const char *u = rules_cell(b, i, cu, b1, sizeof b1, &n1);
            const char *vn = rules_cell(b, i, cv, b2, sizeof b2, &n2);
            if (n1 + n2 + 2 > sizeof k)
                continue;
            memcpy(k, u, n1);
            k[n1] = '\x1f';
            memcpy(k + n1 + 1, vn, n2);
            if (rules_map_slot(&p->sv_visits, k, n1 + 1 + n2, NULL) == NULL)
                return tp_fail(err, TP_E_NOMEM, "out of memory");
        }
    }
    return TP_OK;
}

/* ---- streaming: a reader thread fills batches while this thread checks them ---- */

struct eng_pipe {
    struct tp_reader *r;
    struct tp_dataset *slot[2];
    bool full[2];
    bool eof, stop;
    size_t batch_rows;
    int rc;
    struct tp_error err;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *eng_pipe_reader(void *arg)
{
    struct eng_pipe *p = arg;
    int idx = 0;
    for (;;) {
        int rc;
        pthread_mutex_lock(&p->mu);
        while (p->full[idx] && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        pthread_mutex_unlock(&p->mu);
        rc = tp_reader_fill(p->r, p->slot[idx], p->batch_rows, &p->err);
        pthread_mutex_lock(&p->mu);
        if (rc || tp_dataset_nrows(p->slot[idx]) == 0) {
            p->rc = rc;
            p->eof = true;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
            break;
        }
        p->full[idx] = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        idx ^= 1;
    }
    return NULL;
}

struct eng_active {
    struct rules_rule *r;
    void *state;
    bool applies;
    bool pass2;
    int part; /* 0: main thread, 1: the helper thread */
};

/* Relative per-record cost of a kind's row hook (for splitting rules between two threads). */
static int eng_kind_cost(const struct rules_kind *k)
{
    static const struct {
        const char *name;
        int cost;
    } costs[] = {{"value_present_if", 3}, {"stresn_numeric", 4}, {"ct_value", 6},
                 {"seq_unique", 5},       {"key_unique", 5},     {"duplicate_records", 6},
                 {"one_to_one", 4},       {"ascii_only", 5},     {"units_consistent", 4},
                 {"text_value_clean", 3}, {"iso8601", 2},        {"ct_paired_code", 3},
                 {"value_null_if", 2},    {"value_in_list", 2},  {"dy_consistent", 3}};
    for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++)
        if (strcmp(costs[i].name, k->name) == 0)
            return costs[i].cost;
    return 1;
}

static int eng_batch_part(struct rules_run *run, struct eng_active *act, size_t nact,
                          const struct tp_dataset *b, int pass, int part)
{
    int rc;
    for (size_t k = 0; k < nact; k++) {
        if (!act[k].r->kind->ds_rows || (pass >= 2 && !act[k].pass2))
            continue;
        if (part >= 0 && act[k].part != part)
            continue;
        if ((rc = act[k].r->kind->ds_rows(act[k].r, run, act[k].state, b)))
            return rc;
    }
    return TP_OK;
}

/* A second checking thread: runs the rules of part 1 on the batch the main thread gives it,
   buffering their findings, while the main thread runs part 0. */
struct eng_helper {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, has_work, done, quit;
    struct rules_run *run;
    struct eng_active *act;
    size_t nact;
    const struct tp_dataset *b;
    int pass, rc;
    struct eng_fbuf buf;
};

static void *eng_helper_main(void *arg)
{
    struct eng_helper *h = arg;
    eng_tls_buf = &h->buf;
    for (;;) {
        pthread_mutex_lock(&h->mu);
        while (!h->has_work && !h->quit)
            pthread_cond_wait(&h->cv, &h->mu);
        if (h->quit) {
            pthread_mutex_unlock(&h->mu);
            break;
        }
        h->has_work = false;
        pthread_mutex_unlock(&h->mu);
        h->rc = eng_batch_part(h->run, h->act, h->nact, h->b, h->pass, 1);
        pthread_mutex_lock(&h->mu);
        h->done = true;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    tp_strbuf_release(&eng_tls_msg);
    return NULL;
}

static struct eng_helper *eng_helper_active;

static int eng_batch(struct rules_run *run, struct eng_active *act, size_t nact,
                     const struct tp_dataset *b, int pass)
{
    struct eng_helper *h = eng_helper_active;
    int rc, hrc;
    if (!h)
        return eng_batch_part(run, act, nact, b, pass, -1);
    pthread_mutex_lock(&h->mu);
    h->run = run;
    h->act = act;
    h->nact = nact;
    h->b = b;
    h->pass = pass;
    h->done = false;
    h->has_work = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    rc = eng_batch_part(run, act, nact, b, pass, 0);
    pthread_mutex_lock(&h->mu);
    while (!h->done)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    hrc = eng_fbuf_flush(&h->buf, run->pkg->rep);
    if (!rc)
        rc = h->rc ? h->rc : hrc;
    return rc;
}

static bool eng_helper_start(struct eng_helper *h)
{
    memset(h, 0, sizeof *h);
    tp_strbuf_init(&h->buf.text);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->th, NULL, eng_helper_main, h) != 0) {
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cv);
        tp_strbuf_release(&h->buf.text);
        return false;
    }
    h->running = true;
    return true;
}

static void eng_helper_stop(struct eng_helper *h)
{
    if (!h->running)
        return;
    pthread_mutex_lock(&h->mu);
    h->quit = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->th, NULL);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    tp_free(h->buf.f);
    tp_strbuf_release(&h->buf.text);
    h->running = false;
}

/* Stream the dataset's file through the active rules; read problems become findings. */
static int eng_stream(struct tp_validation *v, struct rules_run *run, struct eng_active *act,
                      size_t nact, int pass, struct tp_error *err)
{
    struct rules_ds *ds = run->ds;
    struct eng_pipe p;
    pthread_t th;
    int idx = 0, rc = TP_OK;
    struct tp_error e;
    bool threaded;

    run->pass = pass;
    run->row0 = 0;
    if (ds->data) {
        rc = eng_batch(run, act, nact, ds->data, pass);
        return rc;
    }
    tp_error_init(&e);
    memset(&p, 0, sizeof p);
    if (tp_reader_open(ds->file->path, NULL, NULL, &p.r, &e)) {
        char msg[400];
        ds->read_failed = true;
        snprintf(msg, sizeof msg, "cannot read dataset: %s", e.msg);
        return eng_plain(&v->pkg, "READ", ds->file->path, e.loc.line, ds->name, e.loc.row, msg);
    }
    p.batch_rows = v->o.batch_rows;
    tp_error_init(&p.err);
    p.slot[0] = tp_dataset_clone_meta(tp_reader_meta(p.r));
    p.slot[1] = tp_dataset_clone_meta(tp_reader_meta(p.r));
    if (!p.slot[0] || !p.slot[1]) {
        tp_dataset_free(p.slot[0]);
        tp_dataset_free(p.slot[1]);
        tp_reader_close(p.r);
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    threaded = pthread_create(&th, NULL, eng_pipe_reader, &p) == 0;
    for (;;) {
        struct tp_dataset *b;
        if (threaded) {
            pthread_mutex_lock(&p.mu);
            while (!p.full[idx] && !p.eof)
                pthread_cond_wait(&p.cv, &p.mu);
            if (!p.full[idx]) {
                pthread_mutex_unlock(&p.mu);
                break;
            }
            pthread_mutex_unlock(&p.mu);
            b = p.slot[idx];
        } else {
            p.rc = tp_reader_fill(p.r, p.slot[0], p.batch_rows, &p.err);
            if (p.rc || tp_dataset_nrows(p.slot[0]) == 0)
                break;
            b = p.slot[0];
        }
        rc = eng_batch(run, act, nact, b, pass);
        run->row0 += tp_dataset_nrows(b);
        if (threaded) {
            pthread_mutex_lock(&p.mu);
            p.full[idx] = false;
            if (rc)
                p.stop = true;
            pthread_cond_broadcast(&p.cv);
            pthread_mutex_unlock(&p.mu);
            idx ^= 1;
        }
        if (rc)
            break;
    }
    if (threaded)
        pthread_join(th, NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    if (rc == TP_OK && p.rc) {
        char msg[400];
        ds->read_failed = true;
        snprintf(msg, sizeof msg, "dataset unreadable after record %zu: %s", run->row0, p.err.msg);
        rc = eng_plain(&v->pkg, "READ", ds->file->path, p.err.loc.line, ds->name,
                       (long)run->row0 + 1, msg);
    }
    if (rc == TP_OK && pass == 1) {
        bool more = false;
        struct tp_error me;
        tp_error_init(&me);
        ds->nrows = (long long)run->row0;
        ds->file->rows = ds->nrows;
        /* count further members (one dataset per file is a rule) */
        while (!ds->read_failed && tp_reader_next_member(p.r, &more, &me) == TP_OK && more)
            ds->file->members++;
    }
    tp_dataset_free(p.slot[0]);
    tp_dataset_free(p.slot[1]);
    tp_reader_close(p.r);
    return rc;
}

static bool eng_scope_dataset(const struct rules_rule *r)
{
    return strcmp(r->scope, "dataset") == 0 || strcmp(r->scope, "xpt") == 0;
}

static int eng_run_dataset(struct tp_validation *v, struct rules_ds *ds, struct tp_error *err)
{
    struct rules_run run;
    struct eng_active *act;
    size_t nact = 0;
    int rc = TP_OK;
    bool any_pass2 = false;

    if (ds->file->unreadable && !ds->data)
        return TP_OK;
    memset(&run, 0, sizeof run);
    run.pkg = &v->pkg;
    run.ds = ds;
    run.meta = ds->data ? ds->data : ds->meta;
    run.usubjid_col = tp_dataset_find_var(run.meta, "USUBJID");
    run.pass = 1;
    act = tp_calloc(v->cat.n + 1, sizeof *act);
    if (!act)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    for (size_t i = 0; i < v->cat.n; i++) {
        struct rules_rule *r = &v->cat.rules[i];
        bool applies;
        void *state = NULL;
        if (!r->implemented || !r->kind->ds_begin)
            continue;
        applies = eng_scope_dataset(r) && rules_domain_match(r, ds) &&
                  (strcmp(r->scope, "xpt") != 0 || strcmp(ds->file->kind, "xpt") == 0);
        if (!applies && !r->kind->all_datasets)
            continue;
        rc = r->kind->ds_begin(r, &run, applies, &state);
        if (rc == RULES_SKIP || rc == RULES_DONE) {
            if (rc == RULES_DONE && applies)
                r->status = TP_RULE_RAN;
            rc = TP_OK;
            continue;
        }
        if (rc)
            break;
        if (applies && r->status != TP_RULE_RAN)
            r->status = TP_RULE_RAN;
        act[nact].r = r;
        act[nact].state = state;
        act[nact].applies = applies;
        nact++;
    }
    /* large (streamed) datasets: split the row hooks between this thread and a helper */
    {
        struct eng_helper helper;
        bool use_helper = false;
        if (!ds->data && nact > 1 && v->o.threads != 1) {
            int load[2] = {0, 0};
            for (size_t k = 0; k < nact; k++) {
                int c = act[k].r->kind->ds_rows ? eng_kind_cost(act[k].r->kind) : 0;
                act[k].part = load[1] < load[0] ? 1 : 0;
                load[act[k].part] += c;
            }
            use_helper = eng_helper_start(&helper);
        }
        if (use_helper)
            eng_helper_active = &helper;
        if (rc == TP_OK)
            rc = eng_stream(v, &run, act, nact, 1, err);
        for (size_t k = 0; rc == TP_OK && k < nact; k++) {
            int erc;
            if (!act[k].r->kind->ds_end)
                continue;
            erc = act[k].r->kind->ds_end(act[k].r, &run, act[k].state);
            if (erc == RULES_PASS2) {
                act[k].pass2 = true;
                any_pass2 = true;
            } else if (erc) {
                rc = erc;
            }
        }
        /* further passes (confirmation of candidate duplicates): at most 3 more */
        for (int pass = 2; rc == TP_OK && any_pass2 && !ds->read_failed && pass <= 4; pass++) {
            rc = eng_stream(v, &run, act, nact, pass, err);
            any_pass2 = false;
            for (size_t k = 0; rc == TP_OK && k < nact; k++)
                if (act[k].pass2) {
                    int erc = act[k].r->kind->ds_end(act[k].r, &run, act[k].state);
                    if (erc == RULES_PASS2 && pass < 4) {
                        any_pass2 = true;
                    } else {
                        act[k].pass2 = false;
                        if (erc && erc != RULES_PASS2)
                            rc = erc;
                    }
                }
        }
        eng_helper_active = NULL;
        if (use_helper)
            eng_helper_stop(&helper);
    }
    for (size_t k = 0; k < nact; k++)
        if (act[k].state && act[k].r->kind->state_free)
            act[k].r->kind->state_free(act[k].state);
    tp_free(act);
    return rc;
}

/* ---- XML documents: sniff, schema validation (findings under the catalogue's ids) ---- */

struct eng_xsd_fwd {
    struct rules_pkg *p;
    struct rules_rule *xsd_rule, *xml_rule;
};

static int eng_xsd_sink(const struct tp_finding *f, void *ctx)
{
    struct eng_xsd_fwd *x = ctx;
    struct tp_finding g = *f;
    struct rules_rule *r = strcmp(f->rule_id, "XSD") == 0 ? x->xsd_rule : x->xml_rule;
    if (r) {
        g.rule_id = r->id;
        g.severity = r->sev;
        r->nfindings++;
        r->status = TP_RULE_RAN;
    }
    return tp_report_add(x->p->rep, &g);
}

static struct rules_rule *eng_rule_by_check(struct tp_validation *v, const char *check,
                                            const char *scope)
{
    for (size_t i = 0; i < v->cat.n; i++) {
        struct rules_rule *r = &v->cat.rules[i];
        if (r->implemented && strcmp(r->check, check) == 0 && strcmp(r->scope, scope) == 0)
            return r;
    }
    return NULL;
}

static int eng_xml(struct tp_validation *v, struct rules_file *f, struct tp_error *err)
{
    enum tp_xml_kind kind;
    int arm, rc;
    struct tp_error e;
    char xsd[4096];
    bool is_define_name = strcasecmp(eng_base(f->path), "define.xml") == 0;
    struct rules_rule *wf = eng_rule_by_check(v, "xml_wellformed", "define");

    tp_error_init(&e);
    rc = tp_xml_sniff(f->path, &kind, &arm, &e);
    if (rc == TP_E_PARSE) {
        struct rules_rule *r = is_define_name ? wf : NULL;
        f->unreadable = true;
        snprintf(f->kind, sizeof f->kind, "%s", is_define_name ? "define" : "other");
        if (r) {
            const char *kv[] = {"detail", e.msg, NULL};
            return eng_add(&v->pkg, r, f->path, e.loc.line, NULL, -1, NULL, NULL, NULL, kv);
        }
        return eng_plain(&v->pkg, "XML", f->path, e.loc.line, "", -1, e.msg);
    }
    if (rc) {
        *err = e;
        return rc;
    }
    if (kind == TP_XML_UNKNOWN) {
        snprintf(f->kind, sizeof f->kind, "other");
        /* a define.xml in other namespaces (Define-XML 1.0 ...) is xml_namespace's finding */
        if (is_define_name && eng_rule_by_check(v, "xml_namespace", "define"))
            return TP_OK;
        return eng_plain(&v->pkg, "XML", f->path, -1, "", -1,
                         "not an ODM 1.3 or Define-XML document (root element namespace)");
    }
    snprintf(f->kind, sizeof f->kind, "%s", kind == TP_XML_ODM ? "odm" : "define");
    if (v->o.xml_schema) {
        struct eng_xsd_fwd x;
        struct tp_report *tmp = tp_report_new();
        const char *scope = kind == TP_XML_ODM ? "odm" : "define";
        if (!tmp)
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        x.p = &v->pkg;
        x.xsd_rule = eng_rule_by_check(v, "xsd_valid", scope);
        x.xml_rule = kind == TP_XML_ODM ? NULL : wf;
        tp_report_set_sink(tmp, eng_xsd_sink, &x, false);
        if ((rc = tp_xml_schema_for(kind, arm, v->schema_dir, xsd, sizeof xsd, err)) == TP_OK)
            rc = tp_xml_validate(f->path, xsd, tmp, NULL, err);
        tp_report_free(tmp);
        if (rc)
            return rc;
        if (x.xsd_rule && x.xsd_rule->status != TP_RULE_RAN)
            x.xsd_rule->status = TP_RULE_RAN;
    }
    return TP_OK;
}

static int eng_load_define(struct tp_validation *v, struct tp_error *err)
{
    const char *path = v->define_path;
    struct tp_error e;
    int rc;
    if (!path) {
        /* the define.xml found among the inputs (the first one in path order) */
        for (size_t i = 0; i < v->nfiles && !path; i++)
            if (strcmp(v->files[i]->kind, "define") == 0 && !v->files[i]->unreadable)
                path = v->files[i]->path;
    } else {
        struct rules_file *f;
        bool known = false;
        for (size_t i = 0; i < v->nfiles; i++)
            if (strcmp(v->files[i]->path, path) == 0)
                known = true;
        if (!known) {
            if ((rc = eng_add_file(v, path, err)))
                return rc;
            f = v->files[v->nfiles - 1];
            if (f->size < 0)
                return tp_fail(err, TP_E_IO, "cannot open '%s'", path);
            if ((rc = eng_xml(v, f, err)))
                return rc;
        }
    }
    if (!path)
        return TP_OK;
    v->pkg.define_path = path;
    v->pkg.have_define_file = true;
    tp_error_init(&e);
    rc = rules_define_load(path, &v->def, &e);
    if (rc == TP_E_NOMEM) {
        *err = e;
        return rc;
    }
    if (rc) {
        /* malformed or refused: already reported as XML/TP0324 by the schema step when run */
        if (!v->o.xml_schema) {
            struct rules_rule *wf = eng_rule_by_check(v, "xml_wellformed", "define");
            const char *kv[] = {"detail", e.msg, NULL};
            if (wf)
                return eng_add(&v->pkg, wf, path, e.loc.line, NULL, -1, NULL, NULL, NULL, kv);
            return eng_plain(&v->pkg, "XML", path, e.loc.line, "", -1, e.msg);
        }
        return TP_OK;
    }
    v->pkg.def = v->def;
    return TP_OK;
}

/* ---- the run ---- */

static int eng_ds_order(const void *a, const void *b)
{
    const struct rules_ds *x = *(struct rules_ds *const *)a, *y = *(struct rules_ds *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->file->path, y->file->path);
}

static bool eng_is_reference(const struct rules_ds *ds)
{
    static const char *const ref[] = {"DM", "TA", "TE",     "TV", "TI", "TS", "SE",
                                      "SV", "DS", "RELREC", "TD", "TM", NULL};
    if (ds->is_supp)
        return true;
    for (size_t i = 0; ref[i]; i++)
        if (strcmp(ds->name, ref[i]) == 0)
            return true;
    return false;
}

int tp_validation_run(struct tp_validation *v, struct tp_report *rep, struct tp_error *err)
{
    struct rules_pkg *p = &v->pkg;
    int rc = TP_OK;

    if (v->ran)
        return tp_fail(err, TP_E_USAGE, "a validation runs once");
    v->ran = true;
    p->v = v;
    p->rep = rep;
    p->std = &v->std;
    p->ct = v->have_ct ? &v->ct : NULL;
    p->package = v->folder_input;
    p->max_file_size = v->o.max_file_size;

    /* XML documents first: kinds, schema findings, define.xml */
    for (size_t i = 0; i < v->nfiles && rc == TP_OK; i++)
        if (strcmp(v->files[i]->kind, "xml") == 0)
            rc = eng_xml(v, v->files[i], err);
    if (rc == TP_OK)
        rc = eng_load_define(v, err);
    /* dataset headers */
    for (size_t i = 0; i < v->nfiles && rc == TP_OK; i++) {
        const char *k = v->files[i]->kind;
        if (strcmp(k, "xpt") == 0 || strcmp(k, "json") == 0 || strcmp(k, "ndjson") == 0 ||
            strcmp(k, "dsjc") == 0)
            rc = eng_open_dataset(v, v->files[i], err);
    }
    if (rc)
        return rc;
    if (v->nds > 1)
        qsort(v->ds, v->nds, sizeof *v->ds, eng_ds_order);
    p->ds = v->ds;
    p->nds = v->nds;
    p->files = v->files;
    p->nfiles = v->nfiles;
    for (size_t i = 0; i < v->nds; i++) {
        struct rules_ds *ds = v->ds[i];
        struct rules_ds **slot = NULL;
        if (v->def)
            ds->def = rules_define_ig(v->def, ds->name);
        if (strcmp(ds->name, "DM") == 0)
            slot = &p->dm;
        else if (strcmp(ds->name, "TA") == 0)
            slot = &p->ta;
        else if (strcmp(ds->name, "TE") == 0)
            slot = &p->te;
        else if (strcmp(ds->name, "TV") == 0)
            slot = &p->tv;
        else if (strcmp(ds->name, "TI") == 0)
            slot = &p->ti;
        else if (strcmp(ds->name, "TS") == 0)
            slot = &p->ts;
        else if (strcmp(ds->name, "SE") == 0)
            slot = &p->se;
        else if (strcmp(ds->name, "SV") == 0)
            slot = &p->sv;
        else if (strcmp(ds->name, "DS") == 0)
            slot = &p->dsd;
        else if (strcmp(ds->name, "RELREC") == 0)
            slot = &p->relrec;
        else if (strcmp(ds->name, "EX") == 0)
            slot = &p->ex;
        if (slot && !*slot)
            *slot = ds;
        if (eng_is_reference(ds) && (rc = eng_load_whole(v, ds, err)))
            return rc;
    }
    if ((rc = eng_build_subjects(v, err)))
        return rc;
    for (size_t i = 0; i < v->cat.n && rc == TP_OK; i++) {
        struct rules_rule *r = &v->cat.rules[i];
        if (r->implemented && r->kind->pkg_begin) {
            rc = r->kind->pkg_begin(r, p);
            if (rc == RULES_SKIP)
                rc = TP_OK;
        }
    }
    /* reference datasets (in memory) first, then the others streamed */
    for (int pass = 0; pass < 2 && rc == TP_OK; pass++)
        for (size_t i = 0; i < v->nds && rc == TP_OK; i++)
            if ((v->ds[i]->data != NULL) == (pass == 0))
                rc = eng_run_dataset(v, v->ds[i], err);
    for (size_t i = 0; i < v->cat.n && rc == TP_OK; i++) {
        struct rules_rule *r = &v->cat.rules[i];
        if (r->implemented && r->kind->pkg_end) {
            rc = r->kind->pkg_end(r, p);
            if (rc == RULES_SKIP)
                rc = TP_OK;
        }
    }
    if (rc)
        return rc;
    for (size_t i = 0; i < v->cat.n; i++) {
        struct rules_rule *r = &v->cat.rules[i];
        if (!r->implemented)
            r->status = TP_RULE_NOT_IMPLEMENTED;
        else if (r->status == TP_RULE_RAN)
            ;
        else if (r->skip_reason[0])
            r->status = TP_RULE_SKIPPED;
        else
            r->status = TP_RULE_NOT_APPLICABLE;
    }
    return TP_OK;
}

/* ---- accessors ---- */

const char *tp_validation_catalogue_version(const struct tp_validation *v)
{
    return v->cat.version;
}

const char *tp_validation_catalogue_sha256(const struct tp_validation *v)
{
    return v->cat.sha256;
}

const char *tp_validation_standard(const struct tp_validation *v)
{
    return v->standard;
}

const char *tp_validation_ct_source(const struct tp_validation *v)
{
    return v->have_ct && v->ct.source ? v->ct.source : "";
}

size_t tp_validation_nfiles(const struct tp_validation *v)
{
    return v->nfiles;
}

void tp_validation_file_at(const struct tp_validation *v, size_t i, const char **path,
                           const char **kind, const char **dataset, long long *rows)
{
    const struct rules_file *f = v->files[i];
    *path = f->path;
    *kind = f->kind;
    *dataset = f->dataset;
    *rows = f->rows;
}

size_t tp_validation_nrules(const struct tp_validation *v)
{
    return v->cat.n;
}

void tp_validation_rule_at(const struct tp_validation *v, size_t i, struct tp_rule_info *out)
{
    const struct rules_rule *r = &v->cat.rules[i];
    out->id = r->id;
    out->severity = r->severity_text;
    out->scope = r->scope;
    out->domains = r->domains;
    out->category = r->category;
    out->message = r->message;
    out->description = r->description;
    out->cdisc_id = r->cdisc;
    out->fda_id = r->fda;
    out->pmda_id = r->pmda;
    out->check = r->check;
    out->params = r->params_text;
    out->implemented = r->implemented;
    out->supported = r->supported;
    out->status = r->implemented ? r->status : TP_RULE_NOT_IMPLEMENTED;
    out->skip_reason = r->status == TP_RULE_SKIPPED ? r->skip_reason : "";
    out->findings = r->nfindings;
}

const char *tp_rule_status_name(enum tp_rule_status s)
{
    switch (s) {
    case TP_RULE_NOT_IMPLEMENTED: return "not implemented";
    case TP_RULE_NOT_APPLICABLE: return "not applicable";
    case TP_RULE_SKIPPED: return "skipped";
    case TP_RULE_RAN: return "ran";
    }
    return "?";
}

int tp_validate_package(const char *dir, const struct tp_validate_opts *o, struct tp_report *rep,
                        const char *report_path, enum tp_report_format fmt, struct tp_error *err)
{
    struct tp_validation *v = NULL;
    struct tp_report_writer *w = NULL;
    int rc;
    if ((rc = tp_validation_new(o, &v, err)))
        return rc;
    if ((rc = tp_validation_add_path(v, dir, err)))
        goto out;
    if (report_path) {
        if ((rc = tp_report_writer_open(report_path, NULL, fmt, v, &w, err)))
            goto out;
        tp_report_writer_attach(w, rep);
    }
    rc = tp_validation_run(v, rep, err);
    if (w) {
        if (rc == TP_OK)
            rc = tp_report_writer_close(w, rep, err);
        else
            tp_report_writer_abort(w);
        tp_report_set_sink(rep, NULL, NULL, true);
    }
out:
    tp_validation_free(v);
    return rc;
}
