/*
 * pathglob.c - path filter globs as literal tests where fnmatch would give
 * the same answer (see pathglob.h).
 */
#include "match/pathglob.h"

#include <fnmatch.h>
#include <string.h>

static bool has_special(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
            return true;
    return false;
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
    if (has_special(g->lit, g->lit_len))
        g->kind = LS_GLOB_FNMATCH;
    else if (lead && trail)
        g->kind = LS_GLOB_CONTAINS;
    else if (lead)
        g->kind = LS_GLOB_SUFFIX;
    else if (trail)
        g->kind = LS_GLOB_PREFIX;
    else
        g->kind = LS_GLOB_EXACT;
}

/* Whether lit (k bytes) occurs in s (n bytes); an empty literal occurs
 * everywhere, as '*' matches anything. Literals and paths are short, so an
 * inline compare after each first-byte hit beats memcmp's call. */
static bool contains(const char *s, size_t n, const char *lit, size_t k)
{
    if (k == 0)
        return true;
    for (const char *p = s, *end = s + n; (size_t)(end - p) >= k;) {
        const char *q = memchr(p, lit[0], (size_t)(end - p) - k + 1);
        size_t j = 1;
        if (!q)
            return false;
        while (j < k && q[j] == lit[j])
            j++;
        if (j == k)
            return true;
        p = q + 1;
    }
    return false;
}

bool ls_glob_match(const ls_glob *g, const char *path, size_t path_len)
{
    switch (g->kind) {
    case LS_GLOB_EXACT:
        return path_len == g->lit_len && memcmp(path, g->lit, path_len) == 0;
    case LS_GLOB_PREFIX:
        return path_len >= g->lit_len && memcmp(path, g->lit, g->lit_len) == 0;
    case LS_GLOB_SUFFIX:
        return path_len >= g->lit_len && memcmp(path + path_len - g->lit_len, g->lit, g->lit_len) == 0;
    case LS_GLOB_CONTAINS:
        return contains(path, path_len, g->lit, g->lit_len);
    case LS_GLOB_FNMATCH:
        break;
    }
    return fnmatch(g->glob, path, 0) == 0;
}
