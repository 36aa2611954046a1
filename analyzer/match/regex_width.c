/*
 * regex_width.c - see regex_width.h. A recursive descent over the
 * expression: alternation = max of branches, a branch = sum of its pieces,
 * a piece = an atom times its quantifier's upper bound. Sums and products
 * saturate at SIZE_MAX (unbounded). Every construct not listed is refused,
 * so a result is only ever given for syntax whose width is plain.
 */
#include "match/regex_width.h"

#include <stdint.h>
#include <string.h>

#define UNBOUNDED SIZE_MAX
#define MAX_DEPTH 64
#define MAX_REPEAT 100000 /* a larger {n,m} is refused (Hyperscan caps repeats too) */

typedef struct {
    const char *p;
    bool bad;
    int depth;
} rx;

static size_t add(size_t a, size_t b)
{
    return a == UNBOUNDED || b == UNBOUNDED || a > UNBOUNDED - b ? UNBOUNDED : a + b;
}

static size_t mul(size_t a, size_t n)
{
    if (a == 0 || n == 0)
        return 0;
    return a == UNBOUNDED || n == UNBOUNDED || a > UNBOUNDED / n ? UNBOUNDED : a * n;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* After a backslash: the width of the escape (0 or 1), p moved past it. */
static size_t escape(rx *r)
{
    char c = *r->p;
    if (!c) {
        r->bad = true;
        return 0;
    }
    r->p++;
    if (strchr("bBAzZ", c))
        return 0; /* assertions */
    if (strchr("dwsDWStnrfe", c))
        return 1;
    if (c == 'x') { /* \xHH only; \x{...} refused */
        if (is_hex(r->p[0]) && is_hex(r->p[1])) {
            r->p += 2;
            return 1;
        }
        r->bad = true;
        return 0;
    }
    if (strchr(".\\+*?()[]{}|^$/-=~#&% '\"!@:;,<>_", c))
        return 1; /* an escaped punctuation character is itself */
    r->bad = true; /* backreferences, \Q, \p, \k, \c, \o, \h, \v, \R, \X, \N, \G, ... */
    return 0;
}

/* After '[': one byte, p past the closing ']'. */
static size_t char_class(rx *r)
{
    const char *p = r->p;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++; /* a leading ']' is a member */
    while (*p && *p != ']') {
        if (*p == '\\') {
            rx e = {p + 1, false, 0};
            (void)escape(&e);
            if (e.bad || strchr("bBAzZ", p[1])) { /* no assertion inside a class */
                r->bad = true;
                return 0;
            }
            p = e.p;
        } else if (p[0] == '[') { /* only a whole [:name:] or [:^name:]; any other '[' refused */
            const char *q = p + 2;
            if (p[1] != ':') {
                r->bad = true;
                return 0;
            }
            if (*q == '^')
                q++;
            while (*q >= 'a' && *q <= 'z')
                q++;
            if (q == p + 2 || q[-1] == '^' || q[0] != ':' || q[1] != ']') {
                r->bad = true;
                return 0;
            }
            p = q + 2;
        } else {
            p++;
        }
    }
    if (*p != ']') {
        r->bad = true;
        return 0;
    }
    r->p = p + 1;
    return 1;
}

static size_t alternation(rx *r);

/* After '(': the group's width, p past ')'. */
static size_t group(rx *r)
{
    size_t w;
    if (r->p[0] == '?') {
        const char *p = r->p + 1;
        if (*p == ':') {
            p++;
        } else if (*p == 'P' && p[1] == '<') {
            p = strchr(p + 2, '>');
            if (!p) {
                r->bad = true;
                return 0;
            }
            p++;
        } else if (*p == '<' && ((p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= 'a' && p[1] <= 'z') || p[1] == '_')) {
            p = strchr(p + 1, '>');
            if (!p) {
                r->bad = true;
                return 0;
            }
            p++;
        } else { /* flags: (?i) (?i-s) (?i:...) with i, m, s only */
            while (*p == 'i' || *p == 'm' || *p == 's' || *p == '-')
                p++;
            if (p == r->p + 1 || (*p != ')' && *p != ':')) {
                r->bad = true; /* lookaround, (?x), (?#, (?|, (?>, conditionals, ... */
                return 0;
            }
            if (*p == ')') { /* (?i): a setting, no width */
                r->p = p + 1;
                return 0;
            }
            p++;
        }
        r->p = p;
    }
    w = alternation(r);
    if (r->bad || *r->p != ')') {
        r->bad = true;
        return 0;
    }
    r->p++;
    return w;
}

/* A decimal of at most 6 digits, or -1. */
static long number(rx *r)
{
    long v = 0;
    int digits = 0;
    while (*r->p >= '0' && *r->p <= '9' && digits < 7) {
        v = v * 10 + (*r->p++ - '0');
        digits++;
    }
    return digits == 0 || digits > 6 ? -1 : v;
}

/* The upper bound of the quantifier at p (1 when none), p past it. */
static size_t quantifier(rx *r)
{
    size_t n = 1;
    char c = *r->p;
    if (c == '*' || c == '+') {
        n = UNBOUNDED;
        r->p++;
    } else if (c == '?') {
        n = 1;
        r->p++;
    } else if (c == '{') {
        long lo, hi;
        r->p++;
        lo = number(r);
        if (lo < 0) {
            r->bad = true; /* a literal '{' or {,n}: refused */
            return 0;
        }
        if (*r->p == '}') {
            hi = lo;
        } else if (*r->p == ',') {
            r->p++;
            hi = *r->p == '}' ? -2 : number(r);
            if (hi == -1 || (hi >= 0 && hi < lo)) {
                r->bad = true;
                return 0;
            }
        } else {
            r->bad = true;
            return 0;
        }
        if (*r->p != '}' || lo > MAX_REPEAT || hi > MAX_REPEAT) {
            r->bad = true;
            return 0;
        }
        r->p++;
        n = hi == -2 ? UNBOUNDED : (size_t)hi;
    } else {
        return 1;
    }
    if (*r->p == '?' || *r->p == '+')
        r->p++; /* lazy or possessive: the same bound */
    if (*r->p == '*' || *r->p == '+' || *r->p == '?' || *r->p == '{')
        r->bad = true; /* a quantifier on a quantifier */
    return n;
}

/* One branch: the sum of its pieces, up to '|' or ')' or the end. */
static size_t branch(rx *r)
{
    size_t total = 0;
    while (!r->bad && *r->p && *r->p != '|' && *r->p != ')') {
        size_t w;
        char c = *r->p++;
        switch (c) {
        case '\\': w = escape(r); break;
        case '[': w = char_class(r); break;
        case '(': w = group(r); break;
        case '.': w = 1; break;
        case '^': case '$': w = 0; break;
        case '*': case '+': case '?': case '{': case ']': case '}':
            r->bad = true; /* nothing to repeat, or a stray bracket */
            return 0;
        default: w = 1; break;
        }
        if (r->bad)
            return 0;
        total = add(total, mul(w, quantifier(r)));
    }
    return total;
}

static size_t alternation(rx *r)
{
    size_t best;
    if (++r->depth > MAX_DEPTH) {
        r->bad = true;
        return 0;
    }
    best = branch(r);
    while (!r->bad && *r->p == '|') {
        size_t w;
        r->p++;
        w = branch(r);
        if (w > best)
            best = w;
    }
    r->depth--;
    return best;
}

bool ls_regex_max_width(const char *regex, size_t *out)
{
    rx r = {regex, false, 0};
    size_t w;
    if (!regex)
        return false;
    w = alternation(&r);
    if (r.bad || *r.p != '\0')
        return false;
    *out = w;
    return true;
}
