/*
 * platform.c - parsing and matching "os/arch[/variant]" platform strings,
 * kept apart so index selection (oci.c) and the final config check
 * (source.c) agree on what "the same platform" means.
 */
#include "source/platform.h"

#include <stdio.h>
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
