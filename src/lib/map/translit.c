/*
 * Text encoding policy for submissions: under the FDA profile every character value is written
 * as printable ASCII (FDA TCG: ASCII is the portable choice; the validator rejects non-ASCII in
 * test names and labels). French text is transliterated (é -> e, œ -> oe, µ -> u, ° -> deg,
 * non-breaking space -> space, β -> beta ...) and every changed value is recorded in the
 * reconciliation report. Characters with no transliteration become '?', also recorded.
 */
#include "map.h"

#include <string.h>

struct tl {
    unsigned cp;
    const char *ascii;
};

/* Sorted by code point. */
static const struct tl tl_table[] = {
    {0x00A0, " "},  {0x00A1, "!"},   {0x00AB, "\""},  {0x00B0, "deg"}, {0x00B1, "+/-"},
    {0x00B2, "2"},  {0x00B3, "3"},   {0x00B5, "u"},   {0x00B7, "."},   {0x00BB, "\""},
    {0x00BC, "1/4"}, {0x00BD, "1/2"}, {0x00BF, "?"},  {0x00C0, "A"},   {0x00C1, "A"},
    {0x00C2, "A"},  {0x00C3, "A"},   {0x00C4, "A"},   {0x00C5, "A"},   {0x00C6, "AE"},
    {0x00C7, "C"},  {0x00C8, "E"},   {0x00C9, "E"},   {0x00CA, "E"},   {0x00CB, "E"},
    {0x00CC, "I"},  {0x00CD, "I"},   {0x00CE, "I"},   {0x00CF, "I"},   {0x00D1, "N"},
    {0x00D2, "O"},  {0x00D3, "O"},   {0x00D4, "O"},   {0x00D5, "O"},   {0x00D6, "O"},
    {0x00D7, "x"},  {0x00D8, "O"},   {0x00D9, "U"},   {0x00DA, "U"},   {0x00DB, "U"},
    {0x00DC, "U"},  {0x00DD, "Y"},   {0x00DF, "ss"},  {0x00E0, "a"},   {0x00E1, "a"},
    {0x00E2, "a"},  {0x00E3, "a"},   {0x00E4, "a"},   {0x00E5, "a"},   {0x00E6, "ae"},
    {0x00E7, "c"},  {0x00E8, "e"},   {0x00E9, "e"},   {0x00EA, "e"},   {0x00EB, "e"},
    {0x00EC, "i"},  {0x00ED, "i"},   {0x00EE, "i"},   {0x00EF, "i"},   {0x00F1, "n"},
    {0x00F2, "o"},  {0x00F3, "o"},   {0x00F4, "o"},   {0x00F5, "o"},   {0x00F6, "o"},
    {0x00F7, "/"},  {0x00F8, "o"},   {0x00F9, "u"},   {0x00FA, "u"},   {0x00FB, "u"},
    {0x00FC, "u"},  {0x00FD, "y"},   {0x00FF, "y"},   {0x0152, "OE"},  {0x0153, "oe"},
    {0x0178, "Y"},  {0x03B1, "alpha"}, {0x03B2, "beta"}, {0x03B3, "gamma"}, {0x03BC, "u"},
    {0x2009, " "},  {0x2010, "-"},   {0x2011, "-"},   {0x2013, "-"},   {0x2014, "-"},
    {0x2018, "'"},  {0x2019, "'"},   {0x201C, "\""},  {0x201D, "\""},  {0x2022, "*"},
    {0x2026, "..."}, {0x202F, " "},  {0x2070, "0"},   {0x2074, "4"},   {0x2075, "5"},
    {0x2076, "6"},  {0x2077, "7"},   {0x2078, "8"},   {0x2079, "9"},   {0x20AC, "EUR"},
    {0x2122, "TM"}, {0x2264, "<="},  {0x2265, ">="},
};

static const char *tl_find(unsigned cp)
{
    size_t lo = 0, hi = sizeof tl_table / sizeof tl_table[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (tl_table[mid].cp == cp)
            return tl_table[mid].ascii;
        if (tl_table[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool translit_ascii(const char *s, size_t n, struct tp_strbuf *sb)
{
    const unsigned char *p = (const unsigned char *)s;
    bool changed = false;
    tp_strbuf_reset(sb);
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t len;
        if (p[i] < 0x80) {
            if (p[i] < 0x20 || p[i] == 0x7F) { /* CR, LF, TAB: one space */
                tp_strbuf_addc(sb, ' ');
                changed = true;
            } else
                tp_strbuf_addc(sb, (char)p[i]);
            i++;
            continue;
        }
        changed = true;
        if ((p[i] & 0xE0) == 0xC0 && i + 1 < n) {
            cp = ((p[i] & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu);
            len = 2;
        } else if ((p[i] & 0xF0) == 0xE0 && i + 2 < n) {
            cp = ((p[i] & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
            len = 3;
        } else if ((p[i] & 0xF8) == 0xF0 && i + 3 < n) {
            cp = ((p[i] & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) | ((p[i + 2] & 0x3Fu) << 6) |
                 (p[i + 3] & 0x3Fu);
            len = 4;
        } else {
            cp = 0xFFFD;
            len = 1;
        }
        {
            const char *a = tl_find(cp);
            tp_strbuf_adds(sb, a ? a : "?");
        }
        i += len;
    }
    tp_strbuf_cstr(sb);
    return changed;
}

int exec_translit(struct tp_sdtm *r, struct tp_error *err)
{
    struct tp_strbuf sb;
    int rc = TP_OK;
    (void)err;
    if (strcmp(r->profile, "fda") != 0)
        return TP_OK;
    tp_strbuf_init(&sb);
    for (size_t i = 0; i < r->ntabs && !rc; i++) {
        struct otab *t = &r->tabs[i];
        for (size_t c = 0; c < t->ncols && !rc; c++) {
            if (t->cols[c].num)
                continue;
            for (size_t row = 0; row < t->nrows && !rc; row++) {
                size_t n;
                const char *v = otab_str(t, row, c, &n);
                if (n == 0 || tp_is_ascii((const unsigned char *)v, n))
                    continue;
                translit_ascii(v, n, &sb);
                rc = exec_add_issue(r, t->src_form[row], t->src_row[row], t->subj[row], (long)i,
                                    row, t->names[c], "TRANSLITERATED", "'%.*s' -> '%s'",
                                    (int)(n > 200 ? 200 : n), v, sb.buf);
                if (!rc)
                    rc = otab_set_str(t, row, c, sb.buf, sb.len);
            }
        }
    }
    tp_strbuf_release(&sb);
    return rc;
}
