/*
 * escape.c - see escape.h. An ANSI sequence in a file name must reach the
 * responder's screen as text, never as a command to the terminal.
 */
#include "report/escape.h"

#include <string.h>

size_t ls_utf8_decode(const unsigned char *s, unsigned int *cp)
{
    size_t n, i;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) { n = 2; *cp = s[0] & 0x1F; }
    else if ((s[0] & 0xF0) == 0xE0) { n = 3; *cp = s[0] & 0x0F; }
    else if ((s[0] & 0xF8) == 0xF0) { n = 4; *cp = s[0] & 0x07; }
    else return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && *cp < 0x80) || (n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) ||
        *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return n;
}

int ls_fputs_escaped(const char *s, FILE *out)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned int cp = 0;
        size_t n = ls_utf8_decode(p, &cp);
        int rc;
        if (n == 0)
            rc = fprintf(out, "\\x%02x", *p), n = 1;
        else if (cp == '\n')
            rc = fputs("\\n", out);
        else if (cp == '\t')
            rc = fputs("\\t", out);
        else if (cp == '\r')
            rc = fputs("\\r", out);
        else if (cp < 0x20 || cp == 0x7f)
            rc = fprintf(out, "\\x%02x", cp);
        else if (cp >= 0x80 && cp <= 0x9f)
            rc = fprintf(out, "\\u%04x", cp);
        else
            rc = fwrite(p, 1, n, out) == n ? 0 : EOF;
        if (rc == EOF)
            return -1;
        p += n;
    }
    return 0;
}
