/*
 * header.c - WWW-Authenticate and Link values, parsed by hand.
 *
 * Both grammars are "token or quoted-string" parameters separated by ',' or
 * ';', so one small scanner (skip_ws, read_token, read_value) serves both.
 * The values come from a server we do not trust: every copy is bounded and
 * an overlong value is refused rather than cut (a cut realm is another URL).
 */
#include "registry/header.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool is_tchar(char c)
{
    return c && !strchr(" \t,;=\"<>()/\\", c) && (unsigned char)c > 0x20 && (unsigned char)c < 0x7f;
}

/* A token into out (cap > 0); returns the position after it, NULL if none
 * or too long. */
static const char *read_token(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    while (is_tchar(p[n]))
        n++;
    if (n == 0 || n >= cap)
        return NULL;
    memcpy(out, p, n);
    out[n] = '\0';
    return p + n;
}

/* A token or quoted-string (with \-escapes) into out; NULL when malformed
 * or longer than cap - 1. */
static const char *read_value(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    if (*p != '"') {
        while (p[n] && p[n] != ',' && p[n] != ';' && p[n] != ' ' && p[n] != '\t')
            n++;
        if (n >= cap)
            return NULL;
        memcpy(out, p, n);
        out[n] = '\0';
        return p + n;
    }
    for (p++; *p != '"'; p++) {
        if (!*p)
            return NULL; /* unterminated */
        if (*p == '\\' && p[1])
            p++;
        if (n + 1 >= cap)
            return NULL;
        out[n++] = *p;
    }
    out[n] = '\0';
    return p + 1;
}

/* The field of c a parameter fills, or NULL to skip it. */
static char *param_field(ls_challenge *c, const char *key, size_t *cap)
{
    static const struct {
        const char *key;
        size_t off, cap;
    } fields[] = {
        {"realm", offsetof(ls_challenge, realm), sizeof(((ls_challenge *)0)->realm)},
        {"service", offsetof(ls_challenge, service), sizeof(((ls_challenge *)0)->service)},
        {"scope", offsetof(ls_challenge, scope), sizeof(((ls_challenge *)0)->scope)},
        {"error", offsetof(ls_challenge, error), sizeof(((ls_challenge *)0)->error)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcasecmp(key, fields[i].key) == 0) {
            *cap = fields[i].cap;
            return (char *)c + fields[i].off;
        }
    return NULL;
}

int ls_challenge_parse(ls_challenge *c, const char *value)
{
    char scheme[32], key[64], skipped[2048];
    const char *p = skip_ws(value);
    memset(c, 0, sizeof *c);
    if (!(p = read_token(p, scheme, sizeof scheme)))
        return -1;
    if (strcasecmp(scheme, "basic") == 0)
        c->scheme = LS_AUTH_BASIC;
    else if (strcasecmp(scheme, "bearer") == 0)
        c->scheme = LS_AUTH_BEARER;
    else
        return -1;
    for (;;) {
        const char *after;
        size_t cap = 0;
        char *field;
        p = skip_ws(p);
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return 0;
        if (!(after = read_token(p, key, sizeof key)))
            return -1;
        after = skip_ws(after);
        if (*after != '=')
            return 0; /* the next challenge starts: we keep the first */
        p = skip_ws(after + 1);
        field = param_field(c, key, &cap);
        if (!(p = read_value(p, field ? field : skipped, field ? cap : sizeof skipped)))
            return -1;
    }
}

/* Whether a rel value (space-separated relation types) holds "next". */
static bool rel_has_next(const char *rel)
{
    const char *p = rel;
    while (*p) {
        size_t n;
        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n == 4 && strncasecmp(p, "next", 4) == 0)
            return true;
        p += n;
    }
    return false;
}

int ls_link_next(const char *value, char *out, size_t cap)
{
    char key[64], val[256];
    const char *p = value;
    for (;;) {
        const char *end;
        size_t n;
        bool next = false;
        p = skip_ws(p);
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return 0;
        if (*p != '<' || !(end = strchr(p, '>')))
            return -1;
        n = (size_t)(end - p - 1);
        p = end + 1;
        for (;;) { /* ; key=value ... up to ',' or the end */
            p = skip_ws(p);
            if (*p != ';')
                break;
            p = skip_ws(p + 1);
            if (!(p = read_token(p, key, sizeof key)))
                return -1;
            p = skip_ws(p);
            if (*p != '=')
                continue; /* a parameter without value */
            if (!(p = read_value(skip_ws(p + 1), val, sizeof val)))
                return -1;
            if (strcasecmp(key, "rel") == 0 && rel_has_next(val))
                next = true;
        }
        if (*p && *p != ',')
            return -1;
        if (next) {
            if (n >= cap)
                return -1;
            memcpy(out, end - n, n);
            out[n] = '\0';
            return 1;
        }
    }
}
