/*
 * Row filter / condition expressions of the mapping spec (Rules.csv columns Condition and the
 * filter algorithm, "where=" parameters). Grammar:
 *   expr := and ('or' and)* ; and := not ('and' not)* ; not := 'not' not | cmp
 *   cmp  := term [ op term | 'in' '(' term {',' term} ')' | 'is' ['not'] 'empty' ]
 *   op   := = == != <> < <= > >=
 *   term := NAME | 'text' | "text" | number | '(' expr ')'
 * Comparisons are numeric when both sides are numbers (a decimal comma is accepted), else byte
 * comparisons of trimmed text; a bare term is true when not empty. Keywords are case-insensitive.
 */
#include "map.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum enode { E_OR, E_AND, E_NOT, E_CMP, E_IN, E_EMPTY, E_NAME, E_LIT };
enum eop { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct expr {
    enum enode kind;
    enum eop op;
    bool negate;
    long id;
    char *lit;
    struct expr **kids;
    size_t nkids;
};

struct eparser {
    const char *p;
    expr_resolve_fn resolve;
    void *rctx;
    char *msg;
    size_t msgsize;
    int depth;
};

void expr_free(struct expr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nkids; i++)
        expr_free(e->kids[i]);
    tp_free(e->kids);
    tp_free(e->lit);
    tp_free(e);
}

static struct expr *expr_node(enum enode k)
{
    struct expr *e = tp_calloc(1, sizeof *e);
    if (e)
        e->kind = k;
    return e;
}

static int expr_add(struct expr *e, struct expr *kid)
{
    struct expr **k = tp_reallocarray(e->kids, e->nkids + 1, sizeof *k);
    if (!k)
        return TP_E_NOMEM;
    e->kids = k;
    e->kids[e->nkids++] = kid;
    return TP_OK;
}

static void ep_skip(struct eparser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

static bool ep_word(struct eparser *ps, const char *w)
{
    size_t n = strlen(w);
    ep_skip(ps);
    if (strncasecmp(ps->p, w, n) == 0 && !isalnum((unsigned char)ps->p[n]) && ps->p[n] != '_') {
        ps->p += n;
        return true;
    }
    return false;
}

static int ep_err(struct eparser *ps, const char *fmt, ...) TP_PRINTF(2, 3);
static int ep_err(struct eparser *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->msg, ps->msgsize, fmt, ap);
    va_end(ap);
    return TP_E_SPEC;
}

static int ep_or(struct eparser *ps, struct expr **out);

static int ep_term(struct eparser *ps, struct expr **out)
{
    struct expr *e;
    ep_skip(ps);
    *out = NULL;
    if (*ps->p == '(') {
        int rc;
        ps->p++;
        if (++ps->depth > 64)
            return ep_err(ps, "expression nested too deeply");
        if ((rc = ep_or(ps, out)))
            return rc;
        ps->depth--;
        ep_skip(ps);
        if (*ps->p != ')') {
            expr_free(*out);
            *out = NULL;
            return ep_err(ps, "expected ')' at '%s'", ps->p);
        }
        ps->p++;
        return TP_OK;
    }
    if (*ps->p == '\'' || *ps->p == '"') {
        char q = *ps->p++;
        const char *s = ps->p;
        while (*ps->p && *ps->p != q)
            ps->p++;
        if (!*ps->p)
            return ep_err(ps, "unterminated string");
        if (!(e = expr_node(E_LIT)) || !(e->lit = tp_strndup(s, (size_t)(ps->p - s)))) {
            expr_free(e);
            return TP_E_NOMEM;
        }
        ps->p++;
        *out = e;
        return TP_OK;
    }
    if (isdigit((unsigned char)*ps->p) || ((*ps->p == '-' || *ps->p == '+') &&
                                            isdigit((unsigned char)ps->p[1]))) {
        const char *s = ps->p++;
        while (isdigit((unsigned char)*ps->p) ||
               ((*ps->p == '.' || *ps->p == ',') && isdigit((unsigned char)ps->p[1])))
            ps->p++;
        if (!(e = expr_node(E_LIT)) || !(e->lit = tp_strndup(s, (size_t)(ps->p - s)))) {
            expr_free(e);
            return TP_E_NOMEM;
        }
        *out = e;
        return TP_OK;
    }
    if (isalpha((unsigned char)*ps->p) || *ps->p == '_') {
        const char *s = ps->p;
        char name[128];
        size_t n;
        while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '.')
            ps->p++;
        n = (size_t)(ps->p - s);
        if (n >= sizeof name)
            return ep_err(ps, "name too long");
        memcpy(name, s, n);
        name[n] = '\0';
        if (!(e = expr_node(E_NAME)))
            return TP_E_NOMEM;
        e->id = ps->resolve ? ps->resolve(ps->rctx, name) : -1;
        if (e->id < 0) {
            expr_free(e);
            return ep_err(ps, "unknown name '%s'", name);
        }
        *out = e;
        return TP_OK;
    }
    if (*ps->p)
        return ep_err(ps, "unexpected '%s'", ps->p);
    return ep_err(ps, "unexpected end of expression");
}

static int ep_cmp(struct eparser *ps, struct expr **out)
{
    struct expr *l, *e;
    int rc = ep_term(ps, &l);
    static const struct {
        const char *s;
        enum eop op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<>", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
               {"=", OP_EQ},  {"<", OP_LT},  {">", OP_GT}};
    if (rc)
        return rc;
    ep_skip(ps);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].s);
        if (strncmp(ps->p, ops[i].s, n) == 0) {
            struct expr *r;
            ps->p += n;
            if ((rc = ep_term(ps, &r))) {
                expr_free(l);
                return rc;
            }
            if (!(e = expr_node(E_CMP)) || expr_add(e, l) || expr_add(e, r)) {
                expr_free(e);
                return TP_E_NOMEM;
            }
            e->op = ops[i].op;
            *out = e;
            return TP_OK;
        }
    }
    {
        const char *save = ps->p;
        bool neg = ep_word(ps, "not");
        if (ep_word(ps, "in")) {
            if (!(e = expr_node(E_IN)) || expr_add(e, l)) {
                expr_free(e);
                expr_free(l);
                return TP_E_NOMEM;
            }
            e->negate = neg;
            ep_skip(ps);
            if (*ps->p != '(') {
                expr_free(e);
                return ep_err(ps, "expected '(' after 'in'");
            }
            ps->p++;
            for (;;) {
                struct expr *t;
                if ((rc = ep_term(ps, &t))) {
                    expr_free(e);
                    return rc;
                }
                if (expr_add(e, t)) {
                    expr_free(t);
                    expr_free(e);
                    return TP_E_NOMEM;
                }
                ep_skip(ps);
                if (*ps->p == ',') {
                    ps->p++;
                    continue;
                }
                if (*ps->p == ')') {
                    ps->p++;
                    break;
                }
                expr_free(e);
                return ep_err(ps, "expected ',' or ')' in list at '%s'", ps->p);
            }
            *out = e;
            return TP_OK;
        }
        ps->p = save;
    }
    if (ep_word(ps, "is")) {
        bool neg = ep_word(ps, "not");
        if (!ep_word(ps, "empty")) {
            expr_free(l);
            return ep_err(ps, "expected 'empty' after 'is'");
        }
        if (!(e = expr_node(E_EMPTY)) || expr_add(e, l)) {
            expr_free(e);
            expr_free(l);
            return TP_E_NOMEM;
        }
        e->negate = neg;
        *out = e;
        return TP_OK;
    }
    *out = l;
    return TP_OK;
}

static int ep_not(struct eparser *ps, struct expr **out)
{
    const char *save = ps->p;
    if (ep_word(ps, "not")) {
        struct expr *k, *e;
        int rc;
        if (++ps->depth > 64)
            return ep_err(ps, "expression nested too deeply");
        rc = ep_not(ps, &k);
        ps->depth--;
        if (rc)
            return rc;
        if (!(e = expr_node(E_NOT)) || expr_add(e, k)) {
            expr_free(e);
            expr_free(k);
            return TP_E_NOMEM;
        }
        *out = e;
        return TP_OK;
    }
    ps->p = save;
    return ep_cmp(ps, out);
}

static int ep_chain(struct eparser *ps, struct expr **out, const char *word, enum enode kind,
                    int (*sub)(struct eparser *, struct expr **))
{
    struct expr *l, *e = NULL;
    int rc = sub(ps, &l);
    if (rc)
        return rc;
    while (ep_word(ps, word)) {
        struct expr *r;
        if (!e) {
            if (!(e = expr_node(kind)) || expr_add(e, l)) {
                expr_free(e);
                expr_free(l);
                return TP_E_NOMEM;
            }
        }
        if ((rc = sub(ps, &r))) {
            expr_free(e);
            return rc;
        }
        if (expr_add(e, r)) {
            expr_free(r);
            expr_free(e);
            return TP_E_NOMEM;
        }
    }
    *out = e ? e : l;
    return TP_OK;
}

static int ep_and(struct eparser *ps, struct expr **out)
{
    return ep_chain(ps, out, "and", E_AND, ep_not);
}

static int ep_or(struct eparser *ps, struct expr **out)
{
    return ep_chain(ps, out, "or", E_OR, ep_and);
}

int expr_parse(const char *text, expr_resolve_fn resolve, void *rctx, struct expr **out,
               char *msg, size_t msgsize)
{
    struct eparser ps = {text, resolve, rctx, msg, msgsize, 0};
    int rc;
    *out = NULL;
    msg[0] = '\0';
    ep_skip(&ps);
    if (!*ps.p)
        return TP_OK;
    if ((rc = ep_or(&ps, out)))
        return rc;
    ep_skip(&ps);
    if (*ps.p) {
        expr_free(*out);
        *out = NULL;
        return ep_err(&ps, "unexpected '%s'", ps.p);
    }
    return TP_OK;
}

/* ---- evaluation ---- */
static const char *expr_value(const struct expr *e, expr_get_fn get, void *gctx, size_t *n)
{
    if (e->kind == E_LIT) {
        *n = strlen(e->lit);
        return e->lit;
    }
    if (e->kind == E_NAME) {
        const char *s = get(gctx, e->id, n);
        if (!s) {
            *n = 0;
            return "";
        }
        while (*n && (s[0] == ' ' || s[0] == '\t')) {
            s++;
            (*n)--;
        }
        while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
            (*n)--;
        return s;
    }
    *n = expr_eval(e, get, gctx) ? 1 : 0;
    return *n ? "1" : "";
}

static bool expr_number(const char *s, size_t n, double *d)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] == ',' ? '.' : s[i];
    return tp_parse_double(buf, n, d);
}

static int expr_compare(const char *a, size_t an, const char *b, size_t bn)
{
    double x, y;
    int c;
    if (expr_number(a, an, &x) && expr_number(b, bn, &y))
        return x < y ? -1 : x > y ? 1 : 0;
    c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

bool expr_eval(const struct expr *e, expr_get_fn get, void *gctx)
{
    const char *a, *b;
    size_t an, bn;
    int c;
    if (!e)
        return true;
    switch (e->kind) {
    case E_OR:
        for (size_t i = 0; i < e->nkids; i++)
            if (expr_eval(e->kids[i], get, gctx))
                return true;
        return false;
    case E_AND:
        for (size_t i = 0; i < e->nkids; i++)
            if (!expr_eval(e->kids[i], get, gctx))
                return false;
        return true;
    case E_NOT:
        return !expr_eval(e->kids[0], get, gctx);
    case E_EMPTY:
        expr_value(e->kids[0], get, gctx, &an);
        return e->negate ? an != 0 : an == 0;
    case E_IN:
        a = expr_value(e->kids[0], get, gctx, &an);
        for (size_t i = 1; i < e->nkids; i++) {
            b = expr_value(e->kids[i], get, gctx, &bn);
            if (expr_compare(a, an, b, bn) == 0)
                return !e->negate;
        }
        return e->negate;
    case E_CMP:
        a = expr_value(e->kids[0], get, gctx, &an);
        b = expr_value(e->kids[1], get, gctx, &bn);
        c = expr_compare(a, an, b, bn);
        switch (e->op) {
        case OP_EQ: return c == 0;
        case OP_NE: return c != 0;
        case OP_LT: return c < 0;
        case OP_LE: return c <= 0;
        case OP_GT: return c > 0;
        case OP_GE: return c >= 0;
        }
        return false;
    case E_NAME:
    case E_LIT:
        expr_value(e, get, gctx, &an);
        return an != 0;
    }
    return false;
}
