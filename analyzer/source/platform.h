/*
 * platform.h - "os/arch[/variant]" as the user types it (--platform) and as
 * an OCI index declares it, and the matching rule between the two.
 */
#ifndef LS_SOURCE_PLATFORM_H
#define LS_SOURCE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "layerscan/error.h"

typedef struct {
    char os[64];
    char arch[64];
    char variant[64]; /* "" when not given */
} ls_platform;

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
