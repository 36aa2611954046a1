/*
 * pathglob.c - path filter globs as literal tests where fnmatch would give
 * the same answer (see pathglob.h). Every file of a layer meets every
 * filtered rule's globs: on a layer of 200,000 small files, fnmatch on the
 * dozen globs with a '*' inside was 6% of the CPU time.
 */
#include "match/pathglob.h"

#include <fnmatch.h>
#include <string.h>

/* Bytes before the first special character of s (n bytes); with stars,
 * '*' counts as special. */
static size_t plain_len(const char *s, size_t n, bool stars)
{
    for (size_t i = 0; i < n; i++)
        if ((stars && s[i] == '*') || s[i] == '?' || s[i] == '[' || s[i] == '\\')
            return i;
    return n;
}

/* The inline prefilter (ls_glob_may_match): what the literal tests below
 * require of a path, so it never rejects a path they accept. */
static void prefilter(ls_glob *g, const char *pattern, size_t n)
{
    const unsigned char *lit = (const unsigned char *)g->lit;
    size_t k = g->lit_len, tail = 0;
    g->min_len = k;
    g->head_byte = g->end_byte = -1;
    g->head_pos = 0;
    if (g->kind == LS_GLOB_EXACT || g->kind == LS_GLOB_SUFFIX) {
        if (k > 0)
            g->end_byte = lit[k - 1];
        return;
    }
    if (g->kind == LS_GLOB_CONTAINS)
        return;
    /* prefix, stars and fnmatch: the literal head starts the path */
    if (k > 0) {
        g->head_pos = k - 1;
        g->head_byte = lit[k - 1];
    }
    if (g->kind == LS_GLOB_STARS) {
        tail = n - 1 - (size_t)(strrchr(pattern, '*') - pattern);
        if (tail > 0)
            g->end_byte = (unsigned char)pattern[n - 1];
        g->min_len = k + tail;
    }
}

void ls_glob_compile(ls_glob *g, const char *pattern)
{
    size_t n = strlen(pattern), lead = 0, trail = 0;
    g->glob = pattern;
    if (n > 0 && pattern[0] == '*')
        lead = 1;
    if (n > lead && pattern[n - 1] == '*')
        trail = 1;
    g->lit = pattern + lead;
    g->lit_len = n - lead - trail;
    if (plain_len(g->lit, g->lit_len, false) < g->lit_len) {
        g->kind = LS_GLOB_FNMATCH;
        g->lit = pattern;
        g->lit_len = plain_len(pattern, n, true);
    } else if (plain_len(g->lit, g->lit_len, true) < g->lit_len) {
        g->kind = LS_GLOB_STARS;
        g->lit = pattern;
        g->lit_len = plain_len(pattern, n, true);
    } else if (lead && trail)
        g->kind = LS_GLOB_CONTAINS;
    else if (lead)
        g->kind = LS_GLOB_SUFFIX;
    else if (trail)
        g->kind = LS_GLOB_PREFIX;
    else
        g->kind = LS_GLOB_EXACT;
    prefilter(g, pattern, n);
}

/* Where lit (k bytes, k > 0) first occurs in s (n bytes), or NULL. Literals
 * and paths are short, so an inline compare after each first-byte hit beats
 * memcmp's call. */
static const char *find(const char *s, size_t n, const char *lit, size_t k)
{
    for (const char *p = s, *end = s + n; (size_t)(end - p) >= k;) {
        const char *q = memchr(p, lit[0], (size_t)(end - p) - k + 1);
        size_t j = 1;
        if (!q)
            return NULL;
        while (j < k && q[j] == lit[j])
            j++;
        if (j == k)
            return q;
        p = q + 1;
    }
    return NULL;
}

/* Whether lit (k bytes) occurs in s (n bytes); an empty literal occurs
 * everywhere, as '*' matches anything. */
static bool contains(const char *s, size_t n, const char *lit, size_t k)
{
    return k == 0 || find(s, n, lit, k) != NULL;
}

/* A glob of literals and '*' (one '*' at least): the head before the first
 * '*' starts the path, the tail after the last one ends it (not overlapping
 * the head), and each segment between them is found leftmost, in order, in
 * what lies between. Taking the leftmost occurrence never loses a match:
 * it leaves the most room for the segments after it. */
static bool stars_match(const char *glob, size_t head, const char *path, size_t path_len)
{
    const char *last = strrchr(glob, '*'), *seg = glob + head;
    size_t tail = strlen(last + 1);
    const char *p = path + head, *end;
    if (path_len < head + tail || (tail > 0 && path[path_len - 1] != last[tail]) ||
        memcmp(path + path_len - tail, last + 1, tail) != 0)
        return false;
    end = path + path_len - tail;
    while (seg < last) {
        const char *stop;
        size_t k;
        seg++; /* past a '*' */
        stop = strchr(seg, '*');
        k = (size_t)(stop - seg);
        if (k > 0) {
            const char *q = find(p, (size_t)(end - p), seg, k);
            if (!q)
                return false;
            p = q + k;
        }
        seg = stop;
    }
    return true;
}

bool ls_glob_match(const ls_glob *g, const char *path, size_t path_len)
{
    /* Each literal test looks at one byte before calling memcmp: most globs
     * meet most paths at their last byte (a suffix's, a prefix's: "/etc/"
     * starts every path under /etc but also the path's own first bytes), and
     * the call costs more than the compare. */
    size_t k = g->lit_len;
    switch (g->kind) {
    case LS_GLOB_EXACT:
        return path_len == k && (k == 0 || path[k - 1] == g->lit[k - 1]) && memcmp(path, g->lit, k) == 0;
    case LS_GLOB_PREFIX:
        return path_len >= k && (k == 0 || path[k - 1] == g->lit[k - 1]) && memcmp(path, g->lit, k) == 0;
    case LS_GLOB_SUFFIX:
        return path_len >= k && (k == 0 || path[path_len - 1] == g->lit[k - 1]) &&
               memcmp(path + path_len - k, g->lit, k) == 0;
    case LS_GLOB_CONTAINS:
        return contains(path, path_len, g->lit, g->lit_len);
    case LS_GLOB_STARS:
    case LS_GLOB_FNMATCH:
        /* the literal head: each of its bytes matches only itself */
        if (path_len < k || (k > 0 && path[k - 1] != g->lit[k - 1]) || memcmp(path, g->lit, k) != 0)
            return false;
        if (g->kind == LS_GLOB_STARS)
            return stars_match(g->glob, g->lit_len, path, path_len);
        break;
    }
    return fnmatch(g->glob, path, 0) == 0;
}
