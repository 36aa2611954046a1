/*
 * pathglob.h - a rule's path filter glob, classified once so the per-file
 * test is a memcmp, not an fnmatch.
 *
 * Rule path filters are fnmatch globs applied with flags 0 ('*' crosses
 * '/', a leading '.' is not special). Nearly all of them are a literal with
 * a '*' at one or both ends ("*.md", "*kubeconfig*", a '*' before
 * "/.npmrc"), which is an exact, prefix, suffix or substring test on the bytes; a glob
 * whose only special character is '*' (also inside: a home directory's ".bashrc",
 * "*application*.yml") is matched segment by segment on the bytes, since
 * fnmatch with flags 0 gives '*' no other meaning; anything else ('?',
 * '[...]', '\\') goes to fnmatch unchanged, after a test of its literal
 * head (the bytes before its first special character must start the path),
 * so the answer is always fnmatch's.
 */
#ifndef LS_MATCH_PATHGLOB_H
#define LS_MATCH_PATHGLOB_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    LS_GLOB_EXACT,    /* "lit" */
    LS_GLOB_PREFIX,   /* "lit*" */
    LS_GLOB_SUFFIX,   /* "*lit" (and "*": the empty suffix) */
    LS_GLOB_CONTAINS, /* "*lit*" */
    LS_GLOB_STARS,    /* literals and '*' only, with a '*' inside: "a*b", "*a*b*" */
    LS_GLOB_FNMATCH   /* anything else */
} ls_glob_kind;

typedef struct {
    ls_glob_kind kind;
    const char *glob;   /* the pattern (borrowed: must outlive this) */
    const char *lit;    /* its literal part, inside glob (STARS, FNMATCH: the literal head) */
    size_t lit_len;
    /* what any matching path has, tested inline before the call (every file
     * meets every filtered rule's globs): at least min_len bytes, head_byte
     * at head_pos (head_byte -1: no such byte), end_byte last (-1: none) */
    size_t min_len;
    size_t head_pos;
    int head_byte;
    int end_byte;
} ls_glob;

/* Classifies pattern (borrowed). Never fails. */
void ls_glob_compile(ls_glob *g, const char *pattern);

/* fnmatch(g->glob, path, 0) == 0, for a path of path_len bytes (NUL-terminated). */
bool ls_glob_match(const ls_glob *g, const char *path, size_t path_len);

/* false when ls_glob_match is certainly false, from a byte or two; most
 * globs meet most paths here. */
static inline bool ls_glob_may_match(const ls_glob *g, const char *path, size_t path_len)
{
    return path_len >= g->min_len && (g->head_byte < 0 || (unsigned char)path[g->head_pos] == g->head_byte) &&
           (g->end_byte < 0 || (unsigned char)path[path_len - 1] == g->end_byte);
}

#endif
