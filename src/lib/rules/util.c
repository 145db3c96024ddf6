/*
 * Shared helpers of the check kinds: cell access (text of any cell, null-ness, numbers),
 * variable-name patterns of the catalogue ("--SEQ" for the domain prefix, "*DTC" wildcards,
 * "DM.RFSTDTC" for another dataset), conditions "VAR:VALUE", subject lookup and row fingerprints.
 * All pure: no I/O.
 */
#include "rules.h"

#include <ctype.h>
#include <math.h>

bool rules_is_char(const struct tp_dataset *meta, long col)
{
    return col >= 0 && tp_dataset_var(meta, (size_t)col)->type == TP_CHAR;
}

const char *rules_cell(const struct tp_dataset *b, size_t row, long col, char *buf, size_t size,
                       size_t *len)
{
    const struct tp_var *v;
    if (col < 0) {
        *len = 0;
        return "";
    }
    v = tp_dataset_var(b, (size_t)col);
    if (v->type == TP_CHAR) {
        size_t n;
        const char *s = tp_dataset_str(b, row, (size_t)col, &n);
        while (n && s[n - 1] == ' ')
            n--;
        *len = n;
        return s ? s : "";
    } else {
        char miss;
        double d = tp_dataset_num(b, row, (size_t)col, &miss);
        if (miss != TP_PRESENT) {
            *len = 0;
            return "";
        }
        if (d == floor(d) && fabs(d) < 1e15 && size >= 24) {
            /* integers (the common case: --SEQ, VISITNUM, study days) without printf */
            char tmp[24];
            long long iv = (long long)d;
            unsigned long long u =
                iv < 0 ? (unsigned long long)(-(iv + 1)) + 1 : (unsigned long long)iv;
            size_t k = 0, o = 0;
            do {
                tmp[k++] = (char)('0' + u % 10);
                u /= 10;
            } while (u);
            if (iv < 0)
                buf[o++] = '-';
            while (k)
                buf[o++] = tmp[--k];
            buf[o] = '\0';
            *len = o;
        } else {
            /* 15 significant digits when they give the number back, else 17 (one or two
               snprintf calls: cheaper than the shortest-digits search) */
            double back;
            *len = (size_t)snprintf(buf, size, "%.15g", d);
            if (*len < size && !(rules_text_is_number(buf, *len, &back) && back == d))
                *len = (size_t)snprintf(buf, size, "%.17g", d);
        }
        if (*len >= size)
            *len = size - 1;
        return buf;
    }
}

bool rules_cell_null(const struct tp_dataset *b, size_t row, long col)
{
    const struct tp_var *v;
    if (col < 0)
        return true;
    v = tp_dataset_var(b, (size_t)col);
    if (v->type == TP_CHAR) {
        size_t n;
        const char *s = tp_dataset_str(b, row, (size_t)col, &n);
        for (size_t i = 0; i < n; i++)
            if (s[i] != ' ')
                return false;
        return true;
    } else {
        char miss;
        (void)tp_dataset_num(b, row, (size_t)col, &miss);
        return miss != TP_PRESENT;
    }
}

/* decimal number syntax: [+-]digits[.digits][(e|E)[+-]digits], or .digits */
static bool util_number_syntax(const char *s, size_t n)
{
    size_t i = 0, d1 = 0, d2 = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, d1++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, d2++;
    }
    if (!d1 && !d2)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t d3 = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, d3++;
        if (!d3)
            return false;
    }
    return i == n;
}

bool rules_text_is_number(const char *s, size_t n, double *out)
{
    double d;
    while (n && s[0] == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    if (!n || !util_number_syntax(s, n))
        return false;
    if (!out)
        return true;
    {
        /* fast path, exact: at most 15 significant digits and no exponent give an integer
           mantissa below 2^53 and a power of ten that doubles hold exactly, so one division
           is correctly rounded (the same double strtod gives) */
        uint64_t m = 0;
        int digits = 0, frac = -1;
        bool neg = false, simple = true;
        size_t i = 0;
        static const double p10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
        if (s[0] == '-' || s[0] == '+')
            neg = s[i++] == '-';
        for (; i < n && simple; i++) {
            if (s[i] == '.') {
                frac = 0;
                continue;
            }
            if (s[i] < '0' || s[i] > '9' || ++digits > 15) {
                simple = false;
                break;
            }
            m = m * 10 + (uint64_t)(s[i] - '0');
            if (frac >= 0)
                frac++;
        }
        if (simple) {
            d = (double)m;
            if (frac > 0)
                d /= p10[frac];
            *out = neg ? -d : d;
            return true;
        }
    }
    if (n && s[0] == '+')
        s++, n--;
    if (!tp_parse_double(s, n, &d) || !isfinite(d))
        return false;
    if (out)
        *out = d;
    return true;
}

bool rules_cell_number(const struct tp_dataset *b, size_t row, long col, double *out)
{
    const struct tp_var *v;
    if (col < 0)
        return false;
    v = tp_dataset_var(b, (size_t)col);
    if (v->type == TP_NUM) {
        char miss;
        double d = tp_dataset_num(b, row, (size_t)col, &miss);
        if (miss != TP_PRESENT)
            return false;
        *out = d;
        return true;
    } else {
        size_t n;
        const char *s = tp_dataset_str(b, row, (size_t)col, &n);
        return rules_text_is_number(s, n, out);
    }
}

/* ---- names ---- */

const char *rules_varname(const struct rules_ds *ds, const char *pattern, char *buf, size_t size)
{
    if (pattern[0] == '-' && pattern[1] == '-')
        snprintf(buf, size, "%s%s", ds->prefix[0] ? ds->prefix : "--", pattern + 2);
    else
        snprintf(buf, size, "%s", pattern);
    return buf;
}

long rules_col(const struct rules_ds *ds, const struct tp_dataset *meta, const char *pattern)
{
    char buf[80];
    const char *dot = strchr(pattern, '.');
    if (dot) { /* "AE.AEOCCUR": only in that dataset */
        size_t k = (size_t)(dot - pattern);
        if (strlen(ds->domain) != k || strncasecmp(ds->domain, pattern, k) != 0)
            if (strlen(ds->name) != k || strncasecmp(ds->name, pattern, k) != 0)
                return -1;
        pattern = dot + 1;
    }
    rules_varname(ds, pattern, buf, sizeof buf);
    if (buf[0] == '-')
        return -1;
    return tp_dataset_find_var(meta, buf);
}

bool rules_name_match(const struct rules_ds *ds, const char *pattern, const char *name)
{
    char buf[80];
    const char *dot = strchr(pattern, '.');
    const char *star;
    size_t pn, nn = strlen(name);
    if (dot) {
        size_t k = (size_t)(dot - pattern);
        if (!((strlen(ds->domain) == k && strncasecmp(ds->domain, pattern, k) == 0) ||
              (strlen(ds->name) == k && strncasecmp(ds->name, pattern, k) == 0)))
            return false;
        pattern = dot + 1;
    }
    rules_varname(ds, pattern, buf, sizeof buf);
    if (buf[0] == '-')
        return false;
    pn = strlen(buf);
    star = strchr(buf, '*');
    if (!star)
        return strcasecmp(buf, name) == 0;
    if (star == buf) /* "*DTC" */
        return nn >= pn - 1 && strcasecmp(name + nn - (pn - 1), buf + 1) == 0;
    if ((size_t)(star - buf) == pn - 1) /* "COVAL*" */
        return nn >= pn - 1 && strncasecmp(name, buf, pn - 1) == 0;
    return false;
}

/* ---- conditions ---- */

int rules_conds_parse(const char *text, struct rules_conds *out)
{
    struct rules_list l;
    memset(out, 0, sizeof *out);
    if (!text)
        return TP_OK;
    if (rules_list_split(text, ',', &l))
        goto nomem;
    out->c = tp_calloc(l.n + 1, sizeof *out->c);
    if (!out->c)
        goto nomem;
    for (size_t i = 0; i < l.n; i++) {
        struct rules_cond *c = &out->c[out->n];
        char *colon = strchr(l.v[i], ':');
        const char *val = colon ? colon + 1 : "notnull";
        if (colon)
            *colon = '\0';
        c->col = -1;
        if (strncmp(l.v[i], "DM.", 3) == 0) {
            c->dm = true;
            c->var = tp_strdup(l.v[i] + 3);
        } else {
            c->var = tp_strdup(l.v[i]);
        }
        c->value = tp_strdup(val);
        if (!c->var || !c->value)
            goto nomem;
        out->n++;
        if (strcmp(val, "null") == 0)
            c->op = RCO_NULL;
        else if (strcmp(val, "notnull") == 0)
            c->op = RCO_NOTNULL;
        else if (strcmp(val, "numeric") == 0)
            c->op = RCO_NUMERIC;
        else if (strcmp(val, "not_numeric") == 0)
            c->op = RCO_NOT_NUMERIC;
        else if (strcmp(val, "versioned") == 0)
            c->op = RCO_VERSIONED;
        else
            c->op = RCO_EQ;
    }
    rules_list_release(&l);
    return TP_OK;
nomem:
    rules_list_release(&l);
    rules_conds_release(out);
    return TP_E_NOMEM;
}

void rules_conds_release(struct rules_conds *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        tp_free(cs->c[i].var);
        tp_free(cs->c[i].value);
    }
    tp_free(cs->c);
    memset(cs, 0, sizeof *cs);
}

void rules_conds_resolve(const struct rules_ds *ds, const struct tp_dataset *meta,
                         struct rules_conds *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        cs->c[i].col = cs->c[i].dm ? -1 : rules_col(ds, meta, cs->c[i].var);
}

struct rules_subject *rules_subject_of(const struct rules_pkg *p, const struct tp_dataset *b,
                                       size_t row, long usubjid_col)
{
    char buf[8];
    size_t n;
    const char *s;
    if (usubjid_col < 0)
        return NULL;
    s = rules_cell(b, row, usubjid_col, buf, sizeof buf, &n);
    return n ? rules_map_get(&p->subjects, s, n) : NULL;
}

const char *rules_subject_field(const struct rules_subject *s, const char *v)
{
    if (!s)
        return NULL;
    if (strcasecmp(v, "ARMCD") == 0)
        return s->armcd;
    if (strcasecmp(v, "ARM") == 0)
        return s->arm;
    if (strcasecmp(v, "ACTARMCD") == 0)
        return s->actarmcd;
    if (strcasecmp(v, "ACTARM") == 0)
        return s->actarm;
    if (strcasecmp(v, "RFSTDTC") == 0)
        return s->rfstdtc;
    if (strcasecmp(v, "RFENDTC") == 0)
        return s->rfendtc;
    if (strcasecmp(v, "RFXSTDTC") == 0)
        return s->rfxstdtc;
    if (strcasecmp(v, "RFXENDTC") == 0)
        return s->rfxendtc;
    if (strcasecmp(v, "DTHDTC") == 0)
        return s->dthdtc;
    if (strcasecmp(v, "DTHFL") == 0)
        return s->dthfl;
    if (strcasecmp(v, "RFICDTC") == 0)
        return s->rficdtc;
    if (strcasecmp(v, "STUDYID") == 0)
        return s->studyid;
    return NULL;
}

static bool cond_versioned(const char *s, size_t n)
{
    static const char *const unversioned[] = {"ISO 8601", "ISO 3166",   "ISO 21090",
                                              "UNII",     "ISO 3166-1", NULL};
    if (!n)
        return false;
    for (size_t i = 0; unversioned[i]; i++)
        if (strlen(unversioned[i]) == n && strncasecmp(unversioned[i], s, n) == 0)
            return false;
    return true;
}

bool rules_cond_eval(const struct rules_pkg *p, const struct rules_cond *c,
                     const struct tp_dataset *b, size_t row, long usubjid_col, bool nocase)
{
    char buf[48];
    const char *s;
    size_t n;
    if (c->dm) {
        const struct rules_subject *subj = rules_subject_of(p, b, row, usubjid_col);
        s = subj ? rules_subject_field(subj, c->var) : NULL;
        if (!s)
            s = "";
        n = strlen(s);
    } else {
        if (c->col < 0)
            return false; /* the variable is not in the dataset: nothing can be decided */
        s = rules_cell(b, row, c->col, buf, sizeof buf, &n);
        while (n && s[0] == ' ')
            s++, n--;
    }
    switch (c->op) {
    case RCO_NULL: return n == 0;
    case RCO_NOTNULL: return n != 0;
    case RCO_NUMERIC: return n && rules_text_is_number(s, n, NULL);
    case RCO_NOT_NUMERIC: return n && !rules_text_is_number(s, n, NULL);
    case RCO_VERSIONED: return cond_versioned(s, n);
    case RCO_EQ:
        return strlen(c->value) == n &&
               (nocase ? strncasecmp(c->value, s, n) == 0 : memcmp(c->value, s, n) == 0);
    }
    return false;
}

uint64_t rules_row_fp(const struct tp_dataset *b, size_t row, const long *cols, size_t n)
{
    uint64_t h = 0x51ED270B27AC9A3Bull;
    for (size_t i = 0; i < n; i++) {
        char buf[48];
        size_t len;
        const char *s = rules_cell(b, row, cols[i], buf, sizeof buf, &len);
        h = rules_hash(s, len, h + i + (len ? 0 : 0x1000));
    }
    return h;
}
