/*
 * fuzz_image_ref.c - arbitrary bytes as a registry reference
 * (analyzer/registry/ref.c), as an audit list or `registry ls` hands them
 * over. A reference that parses must have parts that pass the module's own
 * checks, and writing them back as "DOMAIN/REPO[:TAG][@DIGEST]" must parse
 * to the same parts (normalisation is idempotent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry/ref.h"

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_registry_ref r, again;
    ls_error err = {0};
    char *s, *back;
    size_t n;
    if (size > 8192)
        return 0;
    if (!(s = malloc(size + 1)))
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (ls_registry_ref_parse(&r, s, &err) == 0) {
        if (!r.domain || !r.host || !r.repo || (!r.tag && !r.digest) || !ls_registry_ref_object(&r))
            abort();
        if (ls_registry_repo_validate(r.repo, NULL) != 0 ||
            ls_registry_domain_validate(r.domain, NULL) != 0)
            abort();
        n = strlen(r.domain) + strlen(r.repo) + (r.tag ? strlen(r.tag) : 0) +
            (r.digest ? strlen(r.digest) : 0) + 16;
        if (!(back = malloc(n)))
            abort();
        snprintf(back, n, "docker://%s/%s%s%s%s%s", r.domain, r.repo, r.tag ? ":" : "",
                 r.tag ? r.tag : "", r.digest ? "@" : "", r.digest ? r.digest : "");
        if (ls_registry_ref_parse(&again, back, &err) != 0)
            abort(); /* its own normal form must parse */
        if (!same(r.domain, again.domain) || !same(r.host, again.host) ||
            !same(r.repo, again.repo) || !same(r.tag, again.tag) || !same(r.digest, again.digest))
            abort();
        ls_registry_ref_clear(&again);
        free(back);
        ls_registry_ref_clear(&r);
    } else if (err.code != LS_ERR_USAGE && err.code != LS_ERR_NOMEM) {
        abort();
    }
    free(s);
    return 0;
}
