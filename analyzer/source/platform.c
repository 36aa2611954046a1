/*
 * platform.c - parsing and matching "os/arch[/variant]" platform strings,
 * kept apart so index selection (oci.c) and the final config check
 * (source.c) agree on what "the same platform" means.
 */
#include "source/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copy_part(char *dst, size_t cap, const char *s, size_t len)
{
    if (len == 0 || len >= cap)
        return -1;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

int ls_platform_parse(ls_platform *p, const char *s, ls_error *err)
{
    const char *a, *v;
    memset(p, 0, sizeof *p);
    a = s ? strchr(s, '/') : NULL;
    if (!a)
        goto bad;
    v = strchr(a + 1, '/');
    if (copy_part(p->os, sizeof p->os, s, (size_t)(a - s)) < 0)
        goto bad;
    if (copy_part(p->arch, sizeof p->arch, a + 1, v ? (size_t)(v - a - 1) : strlen(a + 1)) < 0)
        goto bad;
    if (v && (strchr(v + 1, '/') || copy_part(p->variant, sizeof p->variant, v + 1, strlen(v + 1)) < 0))
        goto bad;
    return 0;
bad:
    return ls_error_set(err, LS_ERR_USAGE, "--platform: expected os/arch[/variant], got \"%s\"",
                        s ? s : "");
}

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool ls_platform_match(const ls_platform *want, const char *os, const char *arch,
                       const char *variant)
{
    if (!eq(want->os, os) || !eq(want->arch, arch))
        return false;
    if (!want->variant[0])
        return true;
    if (eq(want->variant, variant))
        return true;
    return !variant && strcmp(want->arch, "arm64") == 0 && strcmp(want->variant, "v8") == 0;
}

void ls_platform_format(char *out, size_t cap, const char *os, const char *arch,
                        const char *variant)
{
    if (variant && *variant)
        snprintf(out, cap, "%s/%s/%s", os ? os : "?", arch ? arch : "?", variant);
    else
        snprintf(out, cap, "%s/%s", os ? os : "?", arch ? arch : "?");
}

void ls_platform_list_clear(ls_platform_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].digest);
    free(l->items);
    free(l->index_digest);
    free(l->root_digest);
    memset(l, 0, sizeof *l);
}

int ls_platform_note_index(const ls_platform *want, const char *digest, const char *label,
                           ls_error *err)
{
    ls_platform_list *l = want ? want->collect : NULL;
    char *copy;
    if (!l)
        return 0;
    copy = digest ? strdup(digest) : NULL;
    if (digest && !copy)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    free(l->index_digest);
    l->index_digest = copy;
    if (digest && !l->root_digest && !(l->root_digest = strdup(digest)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    return 0;
}
