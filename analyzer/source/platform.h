/*
 * platform.h - "os/arch[/variant]" as the user types it (--platform) and as
 * an OCI index declares it, and the matching rule between the two.
 */
#ifndef LS_SOURCE_PLATFORM_H
#define LS_SOURCE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "layerscan/error.h"

struct ls_platform_list;

typedef struct {
    char os[64];
    char arch[64];
    char variant[64]; /* "" when not given */
    /* --platform all: index selection (ls_oci_choose_manifest) lists every
     * image of the index here, in index order, and picks the first; NULL
     * for a plain choice. os, arch and variant are then empty. */
    struct ls_platform_list *collect;
} ls_platform;

/* The --platform all value: every image of an index, each scanned. */
#define LS_PLATFORM_ALL "all"

/* Bound on the images one index may list for --platform all (hostile
 * indexes may list thousands). */
#define LS_PLATFORM_LIST_MAX 64

/* One image of an index as its descriptor declares it. */
typedef struct {
    char platform[200];  /* "os/arch[/variant]"; "" when the descriptor names no platform */
    char *digest;        /* the image manifest's digest */
} ls_platform_entry;

/* What --platform all learns while an index is resolved: the images of the
 * index that lists image manifests (the last one consulted, after the
 * descent through nested indexes), attestations dropped. n == 0 when the
 * reference named one manifest without any index. */
typedef struct ls_platform_list {
    ls_platform_entry *items;
    size_t n;
    char *index_digest;  /* the digest of the index listing them; NULL for a layout's index.json */
    char *root_digest;   /* the first digest noted: the document a registry reference named */
} ls_platform_list;

void ls_platform_list_clear(ls_platform_list *l);

/* For --platform all: notes the digest of the index about to be chosen
 * from (NULL for index.json). No-op unless want collects. 0, or -1 (out of
 * memory) with err filled. */
int ls_platform_note_index(const ls_platform *want, const char *digest, const char *label,
                           ls_error *err);

/* Parses "os/arch[/variant]". Returns -1 with LS_ERR_USAGE if malformed. */
int ls_platform_parse(ls_platform *p, const char *s, ls_error *err);

/* Whether a declared platform (any part may be NULL) satisfies `want`. A
 * wanted variant must match, except that arm64's default variant "v8" also
 * matches a declaration without variant. */
bool ls_platform_match(const ls_platform *want, const char *os, const char *arch,
                       const char *variant);

/* Writes "os/arch[/variant]" ("?" for missing parts) into out. */
void ls_platform_format(char *out, size_t cap, const char *os, const char *arch,
                        const char *variant);

#endif
