/*
 * digest.c - digests as blob names and as tamper evidence: a manifest or
 * config is only trusted after its bytes hash to the digest that the level
 * above named, so a swapped blob is an error (LS_ERR_DIGEST), not a quiet
 * scan of something else.
 */
#include "source/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/sha256.h"

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[n] == '\0';
}

int ls_digest_validate(const char *digest, const char *label, const char *what, ls_error *err)
{
    if (digest && strncmp(digest, "sha256:", 7) == 0 && strlen(digest) == 7 + 64 && all_hex(digest + 7, 64))
        return 0;
    if (digest && strncmp(digest, "sha512:", 7) == 0 && strlen(digest) == 7 + 128 &&
        all_hex(digest + 7, 128))
        return 0;
    return ls_error_set(err, LS_ERR_FORMAT, "%s: %s has an invalid digest \"%.80s\"", label, what,
                        digest ? digest : "");
}

void ls_digest_blob_path(const char *digest, char *out, size_t cap)
{
    snprintf(out, cap, "blobs/%.6s/%s", digest, digest + 7);
}

int ls_digest_read_verified(ls_store *store, const char *digest, size_t max, unsigned char **data,
                            size_t *len, ls_error *err)
{
    char path[160], got[LS_DIGEST_MAX];
    if (strncmp(digest, "sha256:", 7) != 0)
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: digest algorithm of %.80s not supported",
                            ls_store_label(store), digest);
    ls_digest_blob_path(digest, path, sizeof path);
    if (ls_store_read_all(store, path, max, data, len, err) < 0)
        return -1;
    if (ls_sha256_buffer(*data, *len, got, err) < 0)
        goto fail;
    if (strcmp(got, digest) != 0) {
        ls_error_set(err, LS_ERR_DIGEST, "%s: %s does not match its digest (content is %s)",
                     ls_store_label(store), path, got);
        goto fail;
    }
    return 0;
fail:
    free(*data);
    *data = NULL;
    *len = 0;
    return -1;
}

int ls_digest_from_path(const char *path, char *out, size_t cap)
{
    const char *p = path;
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    if (strncmp(p, "blobs/sha256/", 13) != 0 || strlen(p + 13) != 64 || !all_hex(p + 13, 64))
        return 0;
    snprintf(out, cap, "sha256:%s", p + 13);
    return 1;
}
