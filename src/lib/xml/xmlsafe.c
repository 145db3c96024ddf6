/*
 * Prolog checks on untrusted XML (see xmlsafe.h).
 */
#include "internal.h"
#include "xmlsafe.h"

long xml_doctype_line(const char *p, size_t n)
{
    size_t i = 0;
    long line = 1;
    if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        i = 3;
    while (i < n) {
        if (p[i] == '\n') {
            line++;
            i++;
        } else if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r') {
            i++;
        } else if (i + 1 < n && p[i] == '<' && p[i + 1] == '?') {
            for (i += 2; i + 1 < n && !(p[i] == '?' && p[i + 1] == '>'); i++)
                if (p[i] == '\n')
                    line++;
            i += 2;
        } else if (i + 3 < n && memcmp(p + i, "<!--", 4) == 0) {
            for (i += 4; i + 2 < n && memcmp(p + i, "-->", 3) != 0; i++)
                if (p[i] == '\n')
                    line++;
            i += 3;
        } else if (i + 9 <= n && strncasecmp(p + i, "<!DOCTYPE", 9) == 0) {
            return line;
        } else {
            return 0;
        }
    }
    return 0;
}

long xml_file_doctype_line(const char *path)
{
    char buf[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return xml_doctype_line(buf, n);
}
