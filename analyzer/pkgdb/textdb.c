/*
 * textdb.c - line cursor, path normalisation and digest decoding shared by
 * the text package databases (see textdb.h). Every function works on
 * (pointer, length) spans of the database buffer and writes into buffers the
 * caller sized, so a hostile database can make a parser fail but never make
 * it allocate.
 */
#include "pkgdb/textdb.h"

#include <string.h>

void ls_lines_init(ls_lines *it, const void *bytes, size_t len)
{
    it->p = len ? (const char *)bytes : "";
    it->end = it->p + len;
    it->lineno = 0;
}

int ls_lines_next(ls_lines *it, const char **line, size_t *n)
{
    const char *nl;
    size_t avail = (size_t)(it->end - it->p);
    if (avail == 0)
        return 0;
    it->lineno++;
    nl = memchr(it->p, '\n', avail);
    *line = it->p;
    *n = nl ? (size_t)(nl - it->p) : avail;
    if (*n > LS_PKGDB_LINE_MAX)
        return -1;
    it->p = nl ? nl + 1 : it->end;
    return 1;
}

bool ls_pkgdb_has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

/* Appends the components of s[0..n) to out[0..*len), resolving "." and "..". */
static int join_part(const char *s, size_t n, char *out, size_t cap, size_t *len)
{
    size_t i = 0;
    while (i < n) {
        size_t start, clen;
        while (i < n && s[i] == '/')
            i++;
        start = i;
        while (i < n && s[i] != '/')
            i++;
        clen = i - start;
        if (clen == 0 || (clen == 1 && s[start] == '.'))
            continue;
        if (clen == 2 && s[start] == '.' && s[start + 1] == '.') {
            if (*len == 0)
                return LS_PATH_ESCAPES;
            while (*len > 0 && out[*len - 1] != '/')
                (*len)--;
            (*len)--; /* the slash before the dropped component */
            continue;
        }
        if (*len + 1 + clen + 1 > cap)
            return LS_PATH_TOOLONG;
        out[(*len)++] = '/';
        memcpy(out + *len, s + start, clen);
        *len += clen;
    }
    return 0;
}

long ls_pkgdb_join(const char *base, size_t blen, const char *rel, size_t rlen, char *out, size_t cap)
{
    size_t len = 0;
    int rc;
    if (cap < 2)
        return LS_PATH_TOOLONG;
    if ((base && ls_pkgdb_has_control(base, blen)) || ls_pkgdb_has_control(rel, rlen))
        return LS_PATH_CONTROL;
    if (base && !(rlen > 0 && rel[0] == '/')) {
        rc = join_part(base, blen, out, cap, &len);
        if (rc)
            return rc;
    }
    rc = join_part(rel, rlen, out, cap, &len);
    if (rc)
        return rc;
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    return (long)len;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool ls_pkgdb_unhex(const char *s, size_t n, unsigned char *out)
{
    if (n % 2)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

static int b64val(unsigned char c, bool url_safe)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url_safe ? '-' : '+'))
        return 62;
    if (c == (url_safe ? '_' : '/'))
        return 63;
    return -1;
}

long ls_pkgdb_unbase64(const char *s, size_t n, bool url_safe, bool pad_required, unsigned char *out,
                       size_t cap)
{
    size_t pad = 0, data, olen = 0;
    unsigned acc = 0;
    int bits = 0;
    while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
        pad++;
    if (pad && n % 4)
        return -1;
    if (pad_required && n % 4)
        return -1;
    data = n - pad;
    if (data % 4 == 1)
        return -1; /* one lone character cannot encode a byte */
    for (size_t i = 0; i < data; i++) {
        int v = b64val((unsigned char)s[i], url_safe);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (olen >= cap)
                return -1;
            out[olen++] = (unsigned char)(acc >> bits);
        }
    }
    /* "xx==" decodes to 1 byte, "xxx=" to 2: padding must match the data */
    if (pad && (data % 4) + pad != 4)
        return -1;
    return (long)olen;
}

size_t ls_pkgdb_digest_len(ls_digest_algo algo)
{
    switch (algo) {
    case LS_DIGEST_MD5:
        return 16;
    case LS_DIGEST_SHA1:
        return 20;
    case LS_DIGEST_SHA256:
        return 32;
    case LS_DIGEST_SHA512:
        return 64;
    default:
        return 0;
    }
}

int ls_pkgdb_line_path(long plen, const char *db, size_t lineno, ls_error *err)
{
    if (plen == LS_PATH_ESCAPES)
        return 1; /* names a file above "/": no file of the image */
    if (plen == LS_PATH_CONTROL)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: control byte in path", db, lineno);
    if (plen < 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: path too long", db, lineno);
    return 0;
}
