/*
 * The raw EDC export generator: the generic driver (study brief §6.1-§6.5).
 *
 * One CSV per form ("<table>.csv") plus centres.csv, dictionnaire.csv, listes.csv and
 * errors.csv, in the study's raw conventions (study.csv Raw.*: ';' separator, decimal
 * comma, dd/mm/yyyy, CRLF, UTF-8 with BOM). A model (gen_generic.c or a study model) produces one
 * screened subject at a time; the subject's rows are buffered per table and appended to the open
 * sinks when the subject ends, so memory does not grow with the number of subjects. Every sink
 * writes a temporary file that is renamed only when the whole export succeeded.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen/gen.h"

#define GEN_MAX_SUBJECTS ((size_t)100000000)

/* ------------------------------------------------------------------ small formatters */

/* Decimal digits of v into p (no NUL); returns the count. The hot paths avoid printf. */
static size_t gen_utoa(char *p, unsigned long v)
{
    char tmp[24];
    size_t n = 0, k = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        p[k++] = tmp[--n];
    return k;
}

/* Bounded copy (always NUL-terminated). */
static void gen_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void gen_two(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

char *gen_fmt_date(char *buf, size_t n, long day)
{
    int y, m, d;
    gen_civil(day, &y, &m, &d);
    if (n < 11 || y < 0 || y > 9999) {
        snprintf(buf, n, "%02d/%02d/%04d", d, m, y);
        return buf;
    }
    gen_two(buf, d);
    buf[2] = '/';
    gen_two(buf + 3, m);
    buf[5] = '/';
    gen_two(buf + 6, y / 100);
    gen_two(buf + 8, y % 100);
    buf[10] = '\0';
    return buf;
}

char *gen_fmt_dec(char *buf, size_t n, long scaled, int ndec, char mark)
{
    char digits[32];
    unsigned long u = scaled < 0 ? (unsigned long)(-(scaled + 1)) + 1u : (unsigned long)scaled;
    size_t len, pos = 0;
    if (n < 32) {
        if (n)
            buf[0] = '\0';
        return buf;
    }
    len = gen_utoa(digits, u);
    digits[len] = '\0';
    if (scaled < 0)
        buf[pos++] = '-';
    if (ndec <= 0) {
        memcpy(buf + pos, digits, len + 1);
        return buf;
    }
    if (len <= (size_t)ndec) {
        /* 0,07 */
        if (pos + 2 + (size_t)ndec < n) {
            buf[pos++] = '0';
            buf[pos++] = mark;
            for (size_t i = len; i < (size_t)ndec; i++)
                buf[pos++] = '0';
            memcpy(buf + pos, digits, len);
            pos += len;
        }
        buf[pos] = '\0';
        return buf;
    }
    if (pos + len + 2 > n) {
        buf[0] = '\0';
        return buf;
    }
    memcpy(buf + pos, digits, len - (size_t)ndec);
    pos += len - (size_t)ndec;
    buf[pos++] = mark;
    memcpy(buf + pos, digits + len - (size_t)ndec, (size_t)ndec);
    pos += (size_t)ndec;
    buf[pos] = '\0';
    return buf;
}

/* A number from the metadata (range bound) in raw style. */
static void gen_fmt_number(char *buf, size_t n, double v, char mark)
{
    tp_format_double(v, buf, n);
    for (char *p = buf; *p; p++)
        if (*p == '.')
            *p = mark;
}

/* ------------------------------------------------------------------ CSV output */

static bool gen_needs_quotes(const char *s, size_t n, char delim)
{
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return true;
    for (size_t i = 0; i < n; i++)
        if (s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    return false;
}

static int gen_add_field(struct tp_strbuf *sb, const char *s, size_t n, char delim, bool first)
{
    if (!first && tp_strbuf_addc(sb, delim))
        return TP_E_NOMEM;
    if (!gen_needs_quotes(s, n, delim))
        return tp_strbuf_add(sb, s, n);
    if (tp_strbuf_addc(sb, '"'))
        return TP_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' && tp_strbuf_addc(sb, '"'))
            return TP_E_NOMEM;
        if (tp_strbuf_addc(sb, s[i]))
            return TP_E_NOMEM;
    }
    return tp_strbuf_addc(sb, '"');
}

static int gen_add_fields(struct tp_strbuf *sb, const char *const *v, size_t n, char delim,
                          const char *eol)
{
    for (size_t i = 0; i < n; i++)
        if (gen_add_field(sb, v[i], strlen(v[i]), delim, i == 0))
            return TP_E_NOMEM;
    return tp_strbuf_adds(sb, eol);
}

/* Windows-1252 bytes for U+0080..U+009F's printable replacements (0x80..0x9F). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static unsigned char gen_cp1252(uint32_t cp)
{
    if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
        return (unsigned char)cp;
    for (int i = 0; i < 32; i++)
        if (cp1252_high[i] && cp1252_high[i] == cp)
            return (unsigned char)(0x80 + i);
    return '?';
}

/* Write bytes to a sink, transcoding UTF-8 to Windows-1252 when asked. */
static int gen_sink_put(struct gen *g, struct tp_sink *sink, const char *s, size_t n)
{
    unsigned char tmp[4096];
    size_t k = 0, i = 0;
    if (g->opt->encoding != TP_GEN_CP1252)
        return tp_sink_write(sink, s, n, g->err);
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp = c;
        size_t len = 1;
        if (c >= 0xC0 && c < 0xE0 && i + 1 < n) {
            cp = ((uint32_t)(c & 0x1F) << 6) | (s[i + 1] & 0x3F);
            len = 2;
        } else if (c >= 0xE0 && c < 0xF0 && i + 2 < n) {
            cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) |
                 (s[i + 2] & 0x3F);
            len = 3;
        } else if (c >= 0xF0 && i + 3 < n) {
            cp = 0xFFFD;
            len = 4;
        }
        tmp[k++] = gen_cp1252(cp);
        i += len;
        if (k == sizeof tmp) {
            int rc = tp_sink_write(sink, tmp, k, g->err);
            if (rc)
                return rc;
            k = 0;
        }
    }
    return k ? tp_sink_write(sink, tmp, k, g->err) : TP_OK;
}

static int gen_fail_nomem(struct gen *g)
{
    if (!g->rc)
        g->rc = tp_fail(g->err, TP_E_NOMEM, "out of memory");
    return g->rc;
}

/* ------------------------------------------------------------------ binding */

size_t gen_table(struct gen *g, const char *name)
{
    for (size_t i = 0; i < g->ntables; i++)
        if (strcmp(tp_crf_form_table(g->tables[i].form), name) == 0)
            return i;
    return GEN_NONE;
}

size_t gen_col(struct gen *g, size_t table, const char *name)
{
    const struct tp_crf_item *it;
    if (table == GEN_NONE || table >= g->ntables)
        return GEN_NONE;
    it = tp_crf_form_item_find(g->tables[table].form, name);
    return it ? tp_crf_item_position(it) : GEN_NONE;
}

size_t gen_cols(struct gen *g, size_t table, const char *const *names, size_t n, size_t *cols)
{
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        cols[i] = gen_col(g, table, names[i]);
        found += cols[i] != GEN_NONE;
    }
    return found;
}

void gen_set_class(struct gen *g, size_t table, size_t col, enum gen_class cls)
{
    if (table == GEN_NONE || table >= g->ntables || col == GEN_NONE ||
        col >= g->tables[table].nitems)
        return;
    g->tables[table].cls[col] = (uint8_t)cls;
}

void gen_set_register(struct gen *g, size_t table)
{
    if (table != GEN_NONE && table < g->ntables)
        g->tables[table].subject_register = true;
}

/* ------------------------------------------------------------------ subjects */

static int gen_note_site(struct gen *g, const char *site)
{
    for (size_t i = g->nsites; i > 0; i--)
        if (strcmp(g->sites[i - 1], site) == 0)
            return TP_OK;
    if (tp_grow((void **)&g->sites, &g->capsites, g->nsites + 1, sizeof *g->sites))
        return gen_fail_nomem(g);
    snprintf(g->sites[g->nsites++], sizeof *g->sites, "%s", site);
    return TP_OK;
}

int gen_subject_begin(struct gen *g, uint64_t idx, const char *site, const char *patnum, bool hold,
                      const char *sortkey)
{
    if (g->rc)
        return g->rc;
    g->subject = idx;
    snprintf(g->site, sizeof g->site, "%s", site);
    snprintf(g->patnum, sizeof g->patnum, "%s", patnum);
    g->hold = hold;
    snprintf(g->sortkey, sizeof g->sortkey, "%s", sortkey ? sortkey : "");
    gen_rng_init(&g->inj, g->opt->seed, idx, "gen.inject");
    for (size_t t = 0; t < g->ntables; t++)
        g->tables[t].streams_ready = false;
    return gen_note_site(g, site);
}

static int gen_put_manifest(struct gen *g, struct tp_strbuf *chunk)
{
    /* entries are NUL-separated; ERRID is assigned here so that it follows file order */
    size_t pos = 0;
    while (pos < chunk->len) {
        const char *e = chunk->buf + pos;
        size_t n = strlen(e);
        char id[24];
        int rc;
        snprintf(id, sizeof id, "ERR%06lu%c", ++g->errid, g->delim);
        if ((rc = gen_sink_put(g, g->manifest, id, strlen(id))) ||
            (rc = gen_sink_put(g, g->manifest, e, n)) ||
            (rc = gen_sink_put(g, g->manifest, g->eol, strlen(g->eol))))
            return g->rc = rc;
        pos += n + 1;
    }
    return TP_OK;
}

static int gen_put_chunks(struct gen *g, struct tp_strbuf *chunks)
{
    int rc;
    for (size_t t = 0; t < g->ntables; t++) {
        if (chunks[t].len &&
            (rc = gen_sink_put(g, g->tables[t].sink, chunks[t].buf, chunks[t].len)))
            return g->rc = rc;
        tp_strbuf_reset(&chunks[t]);
    }
    rc = gen_put_manifest(g, &chunks[g->ntables]);
    tp_strbuf_reset(&chunks[g->ntables]);
    return rc;
}

static int gen_held_cmp(const void *a, const void *b)
{
    const struct gen_held *x = a, *y = b;
    return strcmp(x->sortkey, y->sortkey);
}

static void gen_held_free(struct gen *g, struct gen_held *h)
{
    if (!h->chunks)
        return;
    for (size_t t = 0; t <= g->ntables; t++)
        tp_strbuf_release(&h->chunks[t]);
    tp_free(h->chunks);
    h->chunks = NULL;
}

static int gen_flush_held(struct gen *g)
{
    int rc = TP_OK;
    if (!g->nheld)
        return TP_OK;
    /* sort keys are unique per subject (site and sequence), so qsort's instability is harmless */
    qsort(g->held, g->nheld, sizeof *g->held, gen_held_cmp);
    for (size_t i = 0; i < g->nheld; i++) {
        if (!rc)
            rc = gen_put_chunks(g, g->held[i].chunks);
        gen_held_free(g, &g->held[i]);
    }
    g->nheld = 0;
    return rc;
}

/* The current subject's chunks: the tables' chunk strbufs and the manifest chunk. */
static int gen_take_chunks(struct gen *g, struct tp_strbuf **out)
{
    struct tp_strbuf *c = tp_calloc(g->ntables + 1, sizeof *c);
    if (!c)
        return gen_fail_nomem(g);
    for (size_t t = 0; t < g->ntables; t++) {
        c[t] = g->tables[t].chunk;
        tp_strbuf_init(&g->tables[t].chunk);
    }
    c[g->ntables] = g->manifest_chunk;
    tp_strbuf_init(&g->manifest_chunk);
    *out = c;
    return TP_OK;
}

int gen_subject_end(struct gen *g)
{
    int rc;
    if (g->rc)
        return g->rc;
    if (g->hold) {
        struct gen_held *h;
        if (tp_grow((void **)&g->held, &g->capheld, g->nheld + 1, sizeof *g->held))
            return gen_fail_nomem(g);
        h = &g->held[g->nheld];
        memset(h, 0, sizeof *h);
        snprintf(h->sortkey, sizeof h->sortkey, "%s", g->sortkey);
        if ((rc = gen_take_chunks(g, &h->chunks)))
            return rc;
        g->nheld++;
        return TP_OK;
    }
    if ((rc = gen_flush_held(g)))
        return rc;
    for (size_t t = 0; t < g->ntables; t++) {
        struct tp_strbuf *c = &g->tables[t].chunk;
        if (c->len && (rc = gen_sink_put(g, g->tables[t].sink, c->buf, c->len)))
            return g->rc = rc;
        tp_strbuf_reset(c);
    }
    rc = gen_put_manifest(g, &g->manifest_chunk);
    tp_strbuf_reset(&g->manifest_chunk);
    return rc;
}

/* ------------------------------------------------------------------ rows */

void gen_row_begin(struct gen *g, size_t table, const struct tp_crf_event *ev, const char *visit,
                   long line, long day)
{
    struct gen_table *t;
    g->rt = NULL;
    if (g->rc || table == GEN_NONE || table >= g->ntables)
        return;
    t = &g->tables[table];
    if (tp_grow((void **)&g->cells, &g->capcells, t->nitems + 1, sizeof *g->cells)) {
        gen_fail_nomem(g);
        return;
    }
    memset(g->cells, 0, t->nitems * sizeof *g->cells);
    tp_strbuf_reset(&g->arena);
    g->rt = t;
    g->rev = ev;
    gen_copy(g->rvisit, sizeof g->rvisit, visit ? visit : "");
    g->rline = line;
    g->rday = day;
    gen_copy(g->rsite, sizeof g->rsite, g->site);
    gen_copy(g->rpatnum, sizeof g->rpatnum, g->patnum);
    if (!t->streams_ready) {
        char name[96];
        snprintf(name, sizeof name, "gen.fill/%s", tp_crf_form_table(t->form));
        gen_rng_init(&t->fill, g->opt->seed, g->subject, name);
        snprintf(name, sizeof name, "gen.inject/%s", tp_crf_form_table(t->form));
        gen_rng_init(&t->inj, g->opt->seed, g->subject, name);
        t->streams_ready = true;
    }
    g->rrng = &t->fill;
    g->rinj = &t->inj;
}

void gen_row_injected(struct gen *g)
{
    g->rrng = g->rinj;
}

static void gen_cell_put(struct gen *g, size_t col, const char *s, size_t n)
{
    struct gen_cell *c;
    if (!g->rt || col == GEN_NONE || col >= g->rt->nitems)
        return;
    c = &g->cells[col];
    c->off = (uint32_t)g->arena.len;
    c->len = (uint32_t)n;
    c->state = GEN_SET;
    /* keep a NUL after each value so that gen_get can return it */
    if (tp_grow((void **)&g->arena.buf, &g->arena.cap, g->arena.len + n + 2, 1)) {
        gen_fail_nomem(g);
        return;
    }
    memcpy(g->arena.buf + g->arena.len, s, n);
    g->arena.len += n;
    g->arena.buf[g->arena.len++] = '\0';
}

void gen_set_str(struct gen *g, size_t col, const char *s)
{
    gen_cell_put(g, col, s, strlen(s));
}

void gen_set_int(struct gen *g, size_t col, long v)
{
    char buf[24];
    size_t n = 0;
    if (v < 0) {
        buf[n++] = '-';
        n += gen_utoa(buf + n, (unsigned long)(-(v + 1)) + 1u);
    } else {
        n = gen_utoa(buf, (unsigned long)v);
    }
    gen_cell_put(g, col, buf, n);
}

void gen_set_dec(struct gen *g, size_t col, long scaled, int ndec)
{
    char buf[40];
    gen_fmt_dec(buf, sizeof buf, scaled, ndec, g->decimal);
    gen_set_str(g, col, buf);
}

void gen_set_date(struct gen *g, size_t col, long day)
{
    char buf[16];
    gen_set_str(g, col, gen_fmt_date(buf, sizeof buf, day));
}

void gen_set_pdate(struct gen *g, size_t col, long day, int prec)
{
    char buf[16];
    int y, m, d;
    gen_civil(day, &y, &m, &d);
    if (prec == 1)
        snprintf(buf, sizeof buf, "UK/%02d/%04d", m, y);
    else if (prec >= 2)
        snprintf(buf, sizeof buf, "UK/UK/%04d", y);
    else
        gen_fmt_date(buf, sizeof buf, day);
    gen_set_str(g, col, buf);
}

void gen_set_time(struct gen *g, size_t col, int minutes)
{
    char buf[8];
    minutes = ((minutes % 1440) + 1440) % 1440;
    gen_two(buf, minutes / 60);
    buf[2] = ':';
    gen_two(buf + 3, minutes % 60);
    gen_cell_put(g, col, buf, 5);
}

void gen_set_blank(struct gen *g, size_t col)
{
    gen_cell_put(g, col, "", 0);
}

void gen_set_code(struct gen *g, size_t col, const char *value)
{
    char buf[64];
    gen_copy(buf, sizeof buf, value);
    if (g->decimal != '.')
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = g->decimal;
    gen_set_str(g, col, buf);
}

void gen_row_set_site(struct gen *g, const char *site)
{
    gen_copy(g->rsite, sizeof g->rsite, site);
}

void gen_row_set_patnum(struct gen *g, const char *patnum)
{
    gen_copy(g->rpatnum, sizeof g->rpatnum, patnum);
}

const char *gen_get(struct gen *g, size_t col)
{
    if (!g->rt || col == GEN_NONE || col >= g->rt->nitems || g->cells[col].state != GEN_SET)
        return "";
    return g->arena.buf + g->cells[col].off;
}

/* A value for an item from its metadata alone (any study folder). */
static void gen_fill_cell(struct gen *g, size_t col)
{
    const struct tp_crf_item *it = tp_crf_form_item_at(g->rt->form, col);
    const struct tp_crf_codelist *cl = tp_crf_item_codelist(it);
    struct gen_rng *r = g->rrng;
    double lo, hi;
    long day = g->rday;
    char buf[256];

    g->nunset_filled++;
    if (g->rev && !tp_crf_item_collected_at(it, g->rev)) {
        gen_set_blank(g, col);
        return;
    }
    if (!tp_crf_item_mandatory(it) && gen_chance(r, 0.1)) {
        gen_set_blank(g, col);
        return;
    }
    if (cl && tp_crf_codelist_size(cl)) {
        gen_set_code(
            g, col,
            tp_crf_code_value(cl, (size_t)gen_int(r, 0, (long)tp_crf_codelist_size(cl) - 1)));
        return;
    }
    if (!tp_crf_item_range(it, TP_RANGE_SOFT, &lo, &hi) &&
        !tp_crf_item_range(it, TP_RANGE_HARD, &lo, &hi)) {
        unsigned len = tp_crf_item_length(it);
        lo = 0;
        hi = len && len < 3 ? (len == 1 ? 9 : 99) : 100;
    }
    if (lo < -1e9)
        lo = hi < 1e9 ? hi - 100 : 0;
    if (hi > 1e9)
        hi = lo + 100;
    switch (tp_crf_item_datatype(it)) {
    case TP_DT_INTEGER: gen_set_int(g, col, gen_int(r, (long)ceil(lo), (long)floor(hi))); return;
    case TP_DT_FLOAT:
    case TP_DT_DOUBLE: {
        unsigned dig = tp_crf_item_digits(it);
        double scale = 1;
        for (unsigned i = 0; i < dig && i < 9; i++)
            scale *= 10;
        gen_set_dec(g, col, gen_int(r, (long)ceil(lo * scale), (long)floor(hi * scale)), (int)dig);
        return;
    }
    case TP_DT_BOOLEAN: gen_set_int(g, col, gen_int(r, 0, 1)); return;
    case TP_DT_DATE:
    case TP_DT_PARTIAL_DATE: gen_set_date(g, col, day); return;
    case TP_DT_TIME:
    case TP_DT_PARTIAL_TIME: gen_set_time(g, col, (int)gen_int(r, 8 * 60, 18 * 60)); return;
    case TP_DT_DATETIME:
    case TP_DT_PARTIAL_DATETIME: {
        char d[16];
        int m = (int)gen_int(r, 8 * 60, 18 * 60);
        snprintf(buf, sizeof buf, "%s %02d:%02d", gen_fmt_date(d, sizeof d, day), m / 60, m % 60);
        gen_set_str(g, col, buf);
        return;
    }
    default: {
        unsigned len = tp_crf_item_length(it);
        int n = snprintf(buf, sizeof buf, "Texte %ld", gen_int(r, 1, 999));
        if (len && (unsigned)n > len)
            buf[len] = '\0';
        gen_set_str(g, col, buf);
        return;
    }
    }
}

/* Append one field (quoted when needed) at p; returns the new end. Room checked by the caller. */
static char *gen_put_field(char *p, const char *v, size_t n, char delim)
{
    if (!gen_needs_quotes(v, n, delim)) {
        memcpy(p, v, n);
        return p + n;
    }
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '"')
            *p++ = '"';
        *p++ = v[i];
    }
    *p++ = '"';
    return p;
}

int gen_write_row(struct gen *g)
{
    struct gen_table *t = g->rt;
    struct tp_strbuf *sb = &t->chunk;
    char line[24], *p;
    const char *keys[5];
    size_t need = 64 + strlen(g->entry) + strlen(g->status_text), n;
    n = gen_utoa(line, (unsigned long)(g->rline > 0 ? g->rline : 1));
    line[n] = '\0';
    keys[0] = g->study_id;
    keys[1] = g->rsite;
    keys[2] = g->rpatnum;
    keys[3] = g->rvisit;
    keys[4] = line;
    for (size_t i = 0; i < 5; i++)
        need += 2 * strlen(keys[i]) + 3;
    for (size_t i = 0; i < t->nitems; i++)
        need += 2 * (size_t)g->cells[i].len + 3;
    if (tp_grow((void **)&sb->buf, &sb->cap, sb->len + need + 1, 1))
        return gen_fail_nomem(g);
    p = sb->buf + sb->len;
    for (size_t i = 0; i < 5; i++) {
        if (i)
            *p++ = g->delim;
        p = gen_put_field(p, keys[i], strlen(keys[i]), g->delim);
    }
    for (size_t i = 0; i < t->nitems; i++) {
        const struct gen_cell *c = &g->cells[i];
        *p++ = g->delim;
        p = gen_put_field(p, g->arena.buf + c->off, c->len, g->delim);
    }
    *p++ = g->delim;
    p = gen_put_field(p, g->status_text, strlen(g->status_text), g->delim);
    *p++ = g->delim;
    p = gen_put_field(p, g->entry, strlen(g->entry), g->delim);
    for (const char *e = g->eol; *e; e++)
        *p++ = *e;
    *p = '\0';
    sb->len = (size_t)(p - sb->buf);
    t->rows++;
    g->nrows++;
    return TP_OK;
}

int gen_row_end(struct gen *g)
{
    static const char *const statuses[] = {"SIGNE", "VERIFIE", "SAISI"};
    static const double status_w[] = {0.6, 0.3, 0.1};
    struct gen_table *t = g->rt;
    long delay;
    int minute;
    char d[16];
    if (!t || g->rc)
        return g->rc;
    for (size_t i = 0; i < t->nitems; i++)
        if (g->cells[i].state == GEN_UNSET)
            gen_fill_cell(g, i);
    /* system columns: entry status and entry timestamp (on or after the data were collected) */
    g->status_text = statuses[gen_pick(g->rrng, status_w, 3)];
    delay = gen_chance(g->rrng, 0.5) ? 0 : gen_int(g->rrng, 1, 10);
    minute = (int)gen_int(g->rrng, 8 * 60, 19 * 60 + 59);
    gen_fmt_date(d, sizeof d, g->rday + delay);
    memcpy(g->entry, d, 10);
    g->entry[10] = ' ';
    gen_two(g->entry + 11, minute / 60);
    g->entry[13] = ':';
    gen_two(g->entry + 14, minute % 60);
    g->entry[16] = '\0';
    if (g->rate > 0)
        gen_inject_row(g);
    if (g->rc || gen_write_row(g))
        return g->rc;
    if (g->rate > 0)
        gen_inject_after_row(g);
    g->rt = NULL;
    return g->rc;
}

/* ------------------------------------------------------------------ metadata files */

static const char *gen_type_code(const struct tp_crf_item *it, char *buf, size_t n)
{
    const struct tp_crf_codelist *cl = tp_crf_item_codelist(it);
    if (cl) {
        snprintf(buf, n, "CL:%s", tp_crf_codelist_name(cl));
        return buf;
    }
    switch (tp_crf_item_datatype(it)) {
    case TP_DT_INTEGER:
    case TP_DT_BOOLEAN: return "N";
    case TP_DT_FLOAT:
    case TP_DT_DOUBLE: snprintf(buf, n, "D%u", tp_crf_item_digits(it)); return buf;
    case TP_DT_DATE:
    case TP_DT_PARTIAL_DATE: return "DT";
    case TP_DT_TIME:
    case TP_DT_PARTIAL_TIME: return "TM";
    case TP_DT_DATETIME:
    case TP_DT_PARTIAL_DATETIME: return "DTM";
    default: return "C";
    }
}

static int gen_write_dictionary(struct gen *g, struct tp_sink *sink)
{
    static const char *const head[] = {
        "FICHIER",       "VARIABLE",      "ORDRE",       "LIBELLE", "LIBELLE_EN", "TYPE",
        "LONGUEUR",      "DECIMALES",     "UNITE",       "LISTE",   "MIN",        "MAX",
        "MIN_PLAUSIBLE", "MAX_PLAUSIBLE", "OBLIGATOIRE", "PARTIEL", "MANQUANTS",  "VISITES"};
    static const char *const key_labels[TP_RAW_NCOLS][2] = {{"Étude", "Study"},
                                                            {"Centre", "Site"},
                                                            {"Numéro patient", "Subject number"},
                                                            {"Visite", "Visit"},
                                                            {"Ligne", "Line"},
                                                            {"Statut de saisie", "Entry status"},
                                                            {"Date de saisie", "Entry date"}};
    static const char *const key_types[TP_RAW_NCOLS] = {"C", "C", "C", "C", "N", "C", "DTM"};
    struct tp_strbuf sb;
    int rc = TP_OK;
    bool status_list = false;
    /* the entry status is described by a codelist named STATSAIS when the study has one */
    for (size_t i = 0; i < tp_crf_codelist_count(g->crf); i++)
        status_list |= strcmp(tp_crf_codelist_name(tp_crf_codelist_at(g->crf, i)), "STATSAIS") == 0;
    tp_strbuf_init(&sb);
    if (gen_add_fields(&sb, head, sizeof head / sizeof *head, g->delim, g->eol))
        goto nomem;
    for (size_t t = 0; t < g->ntables; t++) {
        const struct tp_crf_form *f = g->tables[t].form;
        char file[80];
        long order = 0;
        snprintf(file, sizeof file, "%s.csv", tp_crf_form_table(f));
        for (size_t phase = 0; phase < 3; phase++) {
            size_t n = phase == 0 ? 5 : phase == 1 ? tp_crf_form_item_count(f) : 2;
            for (size_t i = 0; i < n; i++) {
                char ord[24], len[16], dig[16], lo[32], hi[32], slo[32], shi[32], tb[80], at[256];
                char miss[64];
                const char *v[18];
                size_t k = phase == 0 ? i : 5 + i;
                snprintf(ord, sizeof ord, "%ld", ++order);
                lo[0] = hi[0] = slo[0] = shi[0] = len[0] = dig[0] = at[0] = '\0';
                if (phase != 1) {
                    v[0] = file;
                    v[1] = tp_crf_raw_column(g->crf, (enum tp_crf_rawcol)k);
                    v[2] = ord;
                    v[3] = key_labels[k][0];
                    v[4] = key_labels[k][1];
                    v[5] = k == TP_RAW_STATUS && status_list ? "CL:STATSAIS" : key_types[k];
                    v[6] = len;
                    v[7] = dig;
                    v[8] = "";
                    v[9] = k == TP_RAW_STATUS && status_list ? "STATSAIS" : "";
                    v[10] = lo;
                    v[11] = hi;
                    v[12] = slo;
                    v[13] = shi;
                    v[14] = k == TP_RAW_ENTRYDATE || k == TP_RAW_STATUS || k <= TP_RAW_SUBJECT ||
                                    (k == TP_RAW_LINE)
                                ? "O"
                                : "N";
                    v[15] = "N";
                    v[16] = "";
                    v[17] = "";
                } else {
                    const struct tp_crf_item *it = tp_crf_form_item_at(f, i);
                    const struct tp_crf_unit *u = tp_crf_item_unit(it);
                    const struct tp_crf_codelist *cl = tp_crf_item_codelist(it);
                    double a, b;
                    size_t used = 0;
                    if (tp_crf_item_length(it))
                        snprintf(len, sizeof len, "%u", tp_crf_item_length(it));
                    if (tp_crf_item_datatype(it) == TP_DT_FLOAT ||
                        tp_crf_item_datatype(it) == TP_DT_DOUBLE)
                        snprintf(dig, sizeof dig, "%u", tp_crf_item_digits(it));
                    if (tp_crf_item_range(it, TP_RANGE_HARD, &a, &b)) {
                        if (a > -1e300)
                            gen_fmt_number(lo, sizeof lo, a, g->decimal);
                        if (b < 1e300)
                            gen_fmt_number(hi, sizeof hi, b, g->decimal);
                    }
                    if (tp_crf_item_range(it, TP_RANGE_SOFT, &a, &b)) {
                        if (a > -1e300)
                            gen_fmt_number(slo, sizeof slo, a, g->decimal);
                        if (b < 1e300)
                            gen_fmt_number(shi, sizeof shi, b, g->decimal);
                    }
                    miss[0] = '\0';
                    for (size_t m = 0; m < tp_crf_item_missing_count(it); m++) {
                        int w = snprintf(miss + used, sizeof miss - used, "%s%s", m ? " " : "",
                                         tp_crf_item_missing_at(it, m));
                        if (w > 0 && (size_t)w < sizeof miss - used)
                            used += (size_t)w;
                    }
                    used = 0;
                    for (size_t e = 0; e < tp_crf_event_count(g->crf); e++) {
                        const struct tp_crf_event *ev = tp_crf_event_at(g->crf, e);
                        const char *code = tp_crf_event_visit_code(ev);
                        int w;
                        if (!tp_crf_item_collected_at(it, ev))
                            continue;
                        w = snprintf(at + used, sizeof at - used, "%s%s", used ? " " : "",
                                     *code ? code : "*");
                        if (w > 0 && (size_t)w < sizeof at - used)
                            used += (size_t)w;
                    }
                    v[0] = file;
                    v[1] = tp_crf_item_name(it);
                    v[2] = ord;
                    v[3] = tp_crf_item_question(it);
                    v[4] = tp_crf_item_question_en(it);
                    v[5] = gen_type_code(it, tb, sizeof tb);
                    v[6] = len;
                    v[7] = dig;
                    v[8] = u ? tp_crf_unit_symbol(u) : "";
                    v[9] = cl ? tp_crf_codelist_name(cl) : "";
                    v[10] = lo;
                    v[11] = hi;
                    v[12] = slo;
                    v[13] = shi;
                    v[14] = tp_crf_item_mandatory(it) ? "O" : "N";
                    v[15] = tp_crf_item_datatype(it) == TP_DT_PARTIAL_DATE ? "O" : "N";
                    v[16] = miss;
                    v[17] = at;
                }
                if (gen_add_fields(&sb, v, 18, g->delim, g->eol))
                    goto nomem;
            }
        }
    }
    rc = gen_sink_put(g, sink, sb.buf ? sb.buf : "", sb.len);
    tp_strbuf_release(&sb);
    return rc;
nomem:
    tp_strbuf_release(&sb);
    return gen_fail_nomem(g);
}

static int gen_write_codelists(struct gen *g, struct tp_sink *sink)
{
    static const char *const head[] = {"LISTE", "CODE", "LIBELLE", "LABEL_EN", "CDISC", "ORDRE"};
    struct tp_strbuf sb;
    int rc;
    tp_strbuf_init(&sb);
    if (gen_add_fields(&sb, head, 6, g->delim, g->eol))
        goto nomem;
    for (size_t i = 0; i < tp_crf_codelist_count(g->crf); i++) {
        const struct tp_crf_codelist *cl = tp_crf_codelist_at(g->crf, i);
        for (size_t k = 0; k < tp_crf_codelist_size(cl); k++) {
            char code[64], ord[24];
            const char *v[6];
            snprintf(code, sizeof code, "%s", tp_crf_code_value(cl, k));
            if (tp_crf_codelist_datatype(cl) == TP_DT_FLOAT ||
                tp_crf_codelist_datatype(cl) == TP_DT_DOUBLE)
                for (char *p = code; *p; p++)
                    if (*p == '.')
                        *p = g->decimal;
            snprintf(ord, sizeof ord, "%zu", k + 1);
            v[0] = tp_crf_codelist_name(cl);
            v[1] = code;
            v[2] = tp_crf_code_decode(cl, k);
            v[3] = tp_crf_code_decode_en(cl, k);
            v[4] = tp_crf_code_submission(cl, k);
            v[5] = ord;
            if (gen_add_fields(&sb, v, 6, g->delim, g->eol))
                goto nomem;
        }
    }
    rc = gen_sink_put(g, sink, sb.buf ? sb.buf : "", sb.len);
    tp_strbuf_release(&sb);
    return rc;
nomem:
    tp_strbuf_release(&sb);
    return gen_fail_nomem(g);
}

static int gen_site_cmp(const void *a, const void *b)
{
    const char *x = a, *y = b;
    size_t lx = strlen(x), ly = strlen(y);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return strcmp(x, y);
}

static int gen_write_sites(struct gen *g, struct tp_sink *sink)
{
    const char *head[3];
    struct tp_strbuf sb;
    int rc;
    head[0] = tp_crf_raw_column(g->crf, TP_RAW_STUDY);
    head[1] = tp_crf_raw_column(g->crf, TP_RAW_SITE);
    head[2] = "NOMCENTRE";
    tp_strbuf_init(&sb);
    if (gen_add_fields(&sb, head, 3, g->delim, g->eol))
        goto nomem;
    if (g->nsites > 1)
        qsort(g->sites, g->nsites, sizeof *g->sites, gen_site_cmp);
    for (size_t i = 0; i < g->nsites; i++) {
        char key[32], name[64];
        const char *v[3], *a;
        snprintf(key, sizeof key, "Site.%s", g->sites[i]);
        a = tp_crf_attr(g->crf, key);
        snprintf(name, sizeof name, "%s", a && *a ? a : "");
        if (!*name)
            snprintf(name, sizeof name, "Centre %s", g->sites[i]);
        v[0] = tp_crf_attr(g->crf, "StudyID") ? tp_crf_attr(g->crf, "StudyID")
                                              : tp_crf_protocol_name(g->crf);
        v[1] = g->sites[i];
        v[2] = name;
        if (gen_add_fields(&sb, v, 3, g->delim, g->eol))
            goto nomem;
    }
    rc = gen_sink_put(g, sink, sb.buf ? sb.buf : "", sb.len);
    tp_strbuf_release(&sb);
    return rc;
nomem:
    tp_strbuf_release(&sb);
    return gen_fail_nomem(g);
}

static int gen_write_table_header(struct gen *g, struct gen_table *t)
{
    struct tp_strbuf sb;
    int rc;
    tp_strbuf_init(&sb);
    for (size_t k = 0; k < 5; k++)
        if (gen_add_field(&sb, tp_crf_raw_column(g->crf, (enum tp_crf_rawcol)k),
                          strlen(tp_crf_raw_column(g->crf, (enum tp_crf_rawcol)k)), g->delim,
                          k == 0))
            goto nomem;
    for (size_t i = 0; i < t->nitems; i++) {
        const char *n = tp_crf_item_name(tp_crf_form_item_at(t->form, i));
        if (gen_add_field(&sb, n, strlen(n), g->delim, false))
            goto nomem;
    }
    for (size_t k = TP_RAW_STATUS; k < TP_RAW_NCOLS; k++)
        if (gen_add_field(&sb, tp_crf_raw_column(g->crf, (enum tp_crf_rawcol)k),
                          strlen(tp_crf_raw_column(g->crf, (enum tp_crf_rawcol)k)), g->delim,
                          false))
            goto nomem;
    if (tp_strbuf_adds(&sb, g->eol))
        goto nomem;
    rc = gen_sink_put(g, t->sink, sb.buf, sb.len);
    tp_strbuf_release(&sb);
    return rc;
nomem:
    tp_strbuf_release(&sb);
    return gen_fail_nomem(g);
}

/* ------------------------------------------------------------------ the run */

static int gen_mkdirs(const char *dir, struct tp_error *err)
{
    char path[4096];
    size_t n = strlen(dir);
    struct stat st;
    if (n == 0 || n >= sizeof path)
        return tp_fail(err, TP_E_USAGE, "bad output folder '%s'", dir);
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char c = path[i];
            path[i] = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                struct tp_loc loc;
                int e = errno;
                tp_loc_init(&loc);
                snprintf(loc.path, sizeof loc.path, "%.255s", path);
                return tp_fail_at(err, TP_E_IO, &loc, "cannot create folder: %s", strerror(e));
            }
            path[i] = c;
        }
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        struct tp_loc loc;
        tp_loc_init(&loc);
        snprintf(loc.path, sizeof loc.path, "%.255s", dir);
        return tp_fail_at(err, TP_E_IO, &loc, "not a folder");
    }
    return TP_OK;
}

static int gen_open(struct gen *g, const char *outdir, const char *name, struct tp_sink **sink)
{
    char path[4096];
    int rc;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", outdir, name) >= sizeof path)
        return g->rc = tp_fail(g->err, TP_E_USAGE, "output path too long");
    if ((rc = tp_sink_open_file(sink, path, g->err)))
        return g->rc = rc;
    if (g->opt->encoding == TP_GEN_UTF8_BOM &&
        (rc = tp_sink_write(*sink, "\xEF\xBB\xBF", 3, g->err)))
        return g->rc = rc;
    return TP_OK;
}

static const struct gen_model *gen_pick_model(const struct tp_crf *crf)
{
    const char *m = tp_crf_attr(crf, "GeneratorModel");
    if (m && strcmp(m, gen_model_scleradec2.name) == 0)
        return &gen_model_scleradec2;
    return &gen_model_generic;
}

void tp_gen_options_init(struct tp_gen_options *o, const struct tp_crf *crf)
{
    const char *v;
    long n;
    memset(o, 0, sizeof *o);
    o->subjects = 40;
    o->seed = 20151013u;
    o->errors = TP_GEN_ERRORS_NONE;
    o->encoding = TP_GEN_UTF8_BOM;
    if (!crf)
        return;
    if ((v = tp_crf_attr(crf, "DefaultSubjects")) && crf_parse_long(v, &n) && n >= 0)
        o->subjects = (size_t)n;
    if ((v = tp_crf_attr(crf, "DefaultSeed")) && *v) {
        char *end;
        unsigned long long s = strtoull(v, &end, 10);
        if (*end == '\0')
            o->seed = s;
    }
    if ((v = tp_crf_attr(crf, "Raw.Encoding"))) {
        if (strcmp(v, "UTF-8") == 0)
            o->encoding = TP_GEN_UTF8;
        else if (strcmp(v, "CP1252") == 0)
            o->encoding = TP_GEN_CP1252;
    }
}

static void gen_release(struct gen *g)
{
    for (size_t t = 0; t < g->ntables; t++) {
        tp_sink_free(g->tables[t].sink);
        tp_free(g->tables[t].cls);
        tp_strbuf_release(&g->tables[t].chunk);
    }
    tp_free(g->tables);
    tp_sink_free(g->manifest);
    tp_strbuf_release(&g->manifest_chunk);
    for (size_t i = 0; i < g->nheld; i++)
        gen_held_free(g, &g->held[i]);
    tp_free(g->held);
    tp_free(g->cells);
    tp_strbuf_release(&g->arena);
    tp_strbuf_release(&g->line);
    tp_free(g->sites);
    if (g->model && g->model->release)
        g->model->release(g->mstate);
}

int gen_run(const struct tp_crf *crf, const struct tp_gen_options *o, const char *outdir,
            struct gen_stats *st, struct tp_error *err)
{
    static const char *const manifest_head[] = {
        "ERRID",   "REGLE",        "FICHIER",      "PATNUM",   "VISITE",          "LIGNE",
        "COLONNE", "VALEUR_AVANT", "VALEUR_APRES", "SEVERITE", "CONTROLE_ATTENDU"};
    struct gen g;
    struct tp_sink *sites = NULL, *dict = NULL, *lists = NULL;
    const char *le;
    int rc;

    memset(&g, 0, sizeof g);
    if (st)
        memset(st, 0, sizeof *st);
    if (!crf || !o || !outdir)
        return tp_fail(err, TP_E_USAGE, "tp_generate needs a study, options and an output folder");
    if (o->subjects > GEN_MAX_SUBJECTS)
        return tp_fail(err, TP_E_USAGE, "too many subjects (at most %zu)", GEN_MAX_SUBJECTS);
    g.crf = crf;
    g.opt = o;
    g.err = err;
    g.delim = tp_crf_raw_delimiter(crf);
    g.decimal = tp_crf_raw_decimal_mark(crf);
    le = tp_crf_attr(crf, "Raw.LineEnding");
    g.eol = le && strcmp(le, "LF") == 0 ? "\n" : "\r\n";
    g.study_id =
        tp_crf_attr(crf, "StudyID") ? tp_crf_attr(crf, "StudyID") : tp_crf_protocol_name(crf);
    g.status_text = "";
    g.rate = o->errors == TP_GEN_ERRORS_HEAVY ? 10 : o->errors == TP_GEN_ERRORS_STANDARD ? 1 : 0;
    tp_strbuf_init(&g.arena);
    tp_strbuf_init(&g.line);
    tp_strbuf_init(&g.manifest_chunk);

    if ((rc = gen_mkdirs(outdir, err)))
        return rc;
    g.ntables = tp_crf_form_count(crf);
    g.tables = tp_calloc(g.ntables ? g.ntables : 1, sizeof *g.tables);
    if (!g.tables) {
        rc = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t t = 0; t < g.ntables; t++) {
        struct gen_table *tb = &g.tables[t];
        char name[96];
        tb->form = tp_crf_form_at(crf, t);
        tb->nitems = tp_crf_form_item_count(tb->form);
        tp_strbuf_init(&tb->chunk);
        tb->cls = tp_calloc(tb->nitems ? tb->nitems : 1, 1);
        if (!tb->cls) {
            rc = tp_fail(err, TP_E_NOMEM, "out of memory");
            goto out;
        }
        /* metadata default for E01: integer items with a range or a codelist */
        for (size_t i = 0; i < tb->nitems; i++) {
            const struct tp_crf_item *it = tp_crf_form_item_at(tb->form, i);
            if (tp_crf_item_datatype(it) == TP_DT_INTEGER &&
                (tp_crf_item_codelist(it) || tp_crf_item_range(it, TP_RANGE_HARD, NULL, NULL)))
                tb->cls[i] = GEN_CLASS_ITEM_RANGE;
        }
        snprintf(name, sizeof name, "%s.csv", tp_crf_form_table(tb->form));
        if ((rc = gen_open(&g, outdir, name, &tb->sink)) || (rc = gen_write_table_header(&g, tb)))
            goto out;
    }
    if ((rc = gen_open(&g, outdir, "errors.csv", &g.manifest)) ||
        (rc = gen_open(&g, outdir, "centres.csv", &sites)) ||
        (rc = gen_open(&g, outdir, "dictionnaire.csv", &dict)) ||
        (rc = gen_open(&g, outdir, "listes.csv", &lists)))
        goto out;
    {
        struct tp_strbuf sb;
        tp_strbuf_init(&sb);
        if (gen_add_fields(&sb, manifest_head, 11, g.delim, g.eol)) {
            tp_strbuf_release(&sb);
            rc = gen_fail_nomem(&g);
            goto out;
        }
        rc = gen_sink_put(&g, g.manifest, sb.buf, sb.len);
        tp_strbuf_release(&sb);
        if (rc)
            goto out;
    }
    if ((rc = gen_write_dictionary(&g, dict)) || (rc = gen_write_codelists(&g, lists)))
        goto out;

    g.model = gen_pick_model(crf);
    if ((rc = g.model->init(&g, &g.mstate)))
        goto out;
    g.extraction_day = g.model->extraction_day(&g, g.mstate, o->subjects);
    for (uint64_t idx = 0; g.nrandomised < o->subjects; idx++) {
        bool rnd = false;
        if (idx > (uint64_t)o->subjects * 100 + 1000) {
            rc = tp_fail(err, TP_E_INTERNAL, "generator model '%s' randomises no subject",
                         g.model->name);
            goto out;
        }
        if ((rc = g.model->subject(&g, g.mstate, idx, &rnd)) || (rc = g.rc))
            goto out;
        g.nscreened++;
        g.nrandomised += rnd;
    }
    if ((rc = gen_flush_held(&g)) || (rc = gen_write_sites(&g, sites)))
        goto out;
    /* everything is written: make the files visible */
    for (size_t t = 0; t < g.ntables; t++)
        if ((rc = tp_sink_commit(g.tables[t].sink, err)))
            goto out;
    if ((rc = tp_sink_commit(sites, err)) || (rc = tp_sink_commit(dict, err)) ||
        (rc = tp_sink_commit(lists, err)) || (rc = tp_sink_commit(g.manifest, err)))
        goto out;
    if (st) {
        st->rows = g.nrows;
        st->unset_filled = g.nunset_filled;
        st->injected = g.errid;
        st->randomised = g.nrandomised;
        st->screened = g.nscreened;
        st->extraction_day = g.extraction_day;
    }
out:
    if (rc && !g.rc)
        g.rc = rc;
    tp_sink_free(sites);
    tp_sink_free(dict);
    tp_sink_free(lists);
    gen_release(&g);
    return rc ? rc : g.rc;
}

int tp_generate(const struct tp_crf *crf, const struct tp_gen_options *o, const char *outdir,
                struct tp_error *err)
{
    return gen_run(crf, o, outdir, NULL, err);
}
