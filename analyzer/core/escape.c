/*
 * escape.c - see escape.h. An ANSI sequence (ESC [ or the one-byte CSI,
 * U+009B) in a file name or a digest must reach the responder's screen as
 * text, never as a command to the terminal; invalid UTF-8 is shown byte by
 * byte, because a terminal may read it as a C1 control.
 */
#include "core/escape.h"

#include <stdio.h>
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

size_t ls_escape_one(const unsigned char *s, char out[LS_ESCAPE_ONE_MAX], size_t *used)
{
    unsigned int cp = 0;
    size_t n = ls_utf8_decode(s, &cp);
    int k;
    *used = n ? n : 1;
    if (n == 0)
        k = snprintf(out, LS_ESCAPE_ONE_MAX, "\\x%02x", s[0]);
    else if (cp == '\n')
        k = snprintf(out, LS_ESCAPE_ONE_MAX, "\\n");
    else if (cp == '\t')
        k = snprintf(out, LS_ESCAPE_ONE_MAX, "\\t");
    else if (cp == '\r')
        k = snprintf(out, LS_ESCAPE_ONE_MAX, "\\r");
    else if (cp < 0x20 || cp == 0x7f)
        k = snprintf(out, LS_ESCAPE_ONE_MAX, "\\x%02x", cp);
    else if (cp >= 0x80 && cp <= 0x9f)
        k = snprintf(out, LS_ESCAPE_ONE_MAX, "\\u%04x", cp);
    else {
        memcpy(out, s, n);
        out[n] = '\0';
        k = (int)n;
    }
    return (size_t)k;
}

size_t ls_escape_into(char *dst, size_t cap, const char *src)
{
    const unsigned char *p = (const unsigned char *)src;
    size_t len = 0;
    while (*p) {
        char one[LS_ESCAPE_ONE_MAX];
        size_t used, k = ls_escape_one(p, one, &used);
        if (len + k >= cap)
            break;
        memcpy(dst + len, one, k);
        len += k;
        p += used;
    }
    dst[len] = '\0';
    return len;
}
