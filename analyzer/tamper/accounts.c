/*
 * accounts.c - passwd and shadow entries (see accounts.h). The field rules
 * mirror glibc's nss_files parser (files-pwd.c, files-parse.c): STRING_FIELD
 * up to the next ':' or the end of the line, INT_FIELD as strtoul reads it,
 * the shell as the rest of the line; all on spans of the caller's buffer.
 */
#include "tamper/accounts.h"

#include <string.h>

void ls_acct_iter_init(ls_acct_iter *it, const void *bytes, size_t len)
{
    it->p = len ? (const char *)bytes : "";
    it->end = it->p + len;
    it->lineno = 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* The next line with leading blanks and a trailing CR removed: 1 a line to
 * parse, 0 the end, -1 a line over the bound. Blank and '#' lines are
 * skipped here. */
static int next_line(ls_acct_iter *it, ls_span *line)
{
    for (;;) {
        const char *nl, *s, *nul;
        size_t avail = (size_t)(it->end - it->p), n;
        if (avail == 0)
            return 0;
        it->lineno++;
        nl = memchr(it->p, '\n', avail);
        s = it->p;
        n = nl ? (size_t)(nl - s) : avail;
        it->p = nl ? nl + 1 : it->end;
        if (n > LS_ACCT_LINE_MAX)
            return -1;
        nul = memchr(s, '\0', n); /* the C library reads lines as C strings */
        if (nul)
            n = (size_t)(nul - s);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        while (n > 0 && is_space(*s)) {
            s++;
            n--;
        }
        if (n == 0 || *s == '#')
            continue;
        line->p = s;
        line->n = n;
        return 1;
    }
}

/* STRING_FIELD: the span up to the next ':' (or the end); *rest moves past it. */
static ls_span field(ls_span *rest)
{
    ls_span f = {rest->p, 0};
    const char *c = memchr(rest->p, ':', rest->n);
    f.n = c ? (size_t)(c - rest->p) : rest->n;
    rest->p += c ? f.n + 1 : f.n;
    rest->n -= c ? f.n + 1 : f.n;
    return f;
}

/* INT_FIELD: strtoull(base 10) on the field: leading white space, an optional
 * sign, at least one digit, and nothing else; overflow saturates and a
 * minus negates modulo 2^64 as strtoull does, and a value over 32 bits is
 * refused as glibc refuses it for uid_t/gid_t ("-1", "4294967296"). */
static bool int_field(ls_span f, uint32_t *out)
{
    size_t i = 0;
    bool neg = false, any = false;
    unsigned long long v = 0;
    while (i < f.n && (is_space(f.p[i]) || f.p[i] == '\n'))
        i++;
    if (i < f.n && (f.p[i] == '+' || f.p[i] == '-'))
        neg = f.p[i++] == '-';
    for (; i < f.n && f.p[i] >= '0' && f.p[i] <= '9'; i++) {
        any = true;
        if (v <= (0xffffffffffffffffULL - 9) / 10)
            v = v * 10 + (unsigned)(f.p[i] - '0');
        else
            v = 0xffffffffffffffffULL; /* ULONG_MAX on LP64 */
    }
    if (!any || i != f.n)
        return false;
    if (neg)
        v = 0 - v;
    if (v > 0xffffffffULL)
        return false;
    *out = (uint32_t)v;
    return true;
}

int ls_passwd_next(ls_acct_iter *it, ls_passwd_entry *e)
{
    for (;;) {
        ls_span rest;
        int rc = next_line(it, &rest);
        if (rc <= 0)
            return rc;
        memset(e, 0, sizeof *e);
        e->line = rest;
        e->name = field(&rest);
        e->passwd = field(&rest);
        e->uid_text = field(&rest);
        if ((e->name.n > 0 && (e->name.p[0] == '+' || e->name.p[0] == '-')) && e->uid_text.n == 0)
            continue; /* NIS compat */
        e->gid_text = field(&rest);
        if (e->name.n == 0 || !int_field(e->uid_text, &e->uid) || !int_field(e->gid_text, &e->gid))
            return -1;
        e->gecos = field(&rest);
        e->home = field(&rest);
        e->shell = rest;
        return 1;
    }
}

int ls_shadow_next(ls_acct_iter *it, ls_shadow_entry *e)
{
    for (;;) {
        ls_span rest;
        bool nis, colon;
        int rc = next_line(it, &rest);
        if (rc <= 0)
            return rc;
        memset(e, 0, sizeof *e);
        e->line = rest;
        nis = rest.p[0] == '+' || rest.p[0] == '-';
        colon = memchr(rest.p, ':', rest.n) != NULL;
        e->name = field(&rest);
        e->passwd = field(&rest);
        /* NIS compat: "+", "-name", "+@netgroup", "+name::..." (password from NIS) */
        if (nis && (!colon || e->passwd.n == 0))
            continue;
        if (!colon || e->name.n == 0)
            return -1;
        e->empty_password = e->passwd.n == 0;
        return 1;
    }
}

bool ls_acct_login_shell(ls_span shell)
{
    static const char *const no_login[] = {
        "/usr/sbin/nologin", "/sbin/nologin", "/usr/bin/nologin", "/bin/nologin",
        "/bin/false",        "/usr/bin/false", "/bin/true",       "/usr/bin/true",
    };
    for (size_t i = 0; i < sizeof no_login / sizeof *no_login; i++)
        if (strlen(no_login[i]) == shell.n && memcmp(no_login[i], shell.p, shell.n) == 0)
            return false;
    return true;
}

static void put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len < cap) {
        size_t room = cap - 1 - *len;
        memcpy(out + *len, s, n < room ? n : room);
    }
    *len += n;
}

size_t ls_passwd_evidence(const ls_passwd_entry *e, char *out, size_t cap)
{
    const ls_span *f[] = {&e->name, &e->uid_text, &e->gid_text, &e->gecos, &e->home, &e->shell};
    size_t len = 0;
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        if (i)
            put(out, cap, &len, ":", 1);
        put(out, cap, &len, f[i]->p ? f[i]->p : "", f[i]->n);
    }
    if (cap)
        out[len < cap ? len : cap - 1] = '\0';
    return len;
}
