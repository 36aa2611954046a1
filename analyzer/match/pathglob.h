/*
 * pathglob.h - a rule's path filter glob, classified once so the per-file
 * test is a memcmp, not an fnmatch.
 *
 * Rule path filters are fnmatch globs applied with flags 0 ('*' crosses
 * '/', a leading '.' is not special). Nearly all of them are a literal with
 * a '*' at one or both ends ("*.md", "*kubeconfig*", a '*' before
 * "/.npmrc"), which is an exact, prefix, suffix or substring test on the bytes; anything else
 * ('?', '[...]', '\\', or a '*' inside) goes to fnmatch unchanged, so the
 * answer is always fnmatch's.
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
    LS_GLOB_FNMATCH   /* anything else */
} ls_glob_kind;

typedef struct {
    ls_glob_kind kind;
    const char *glob;   /* the pattern (borrowed: must outlive this) */
    const char *lit;    /* its literal part, inside glob */
    size_t lit_len;
} ls_glob;

/* Classifies pattern (borrowed). Never fails. */
void ls_glob_compile(ls_glob *g, const char *pattern);

/* fnmatch(g->glob, path, 0) == 0, for a path of path_len bytes (NUL-terminated). */
bool ls_glob_match(const ls_glob *g, const char *path, size_t path_len);

#endif
