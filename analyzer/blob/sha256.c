/*
 * sha256.c - SHA-256 over OpenSSL 3's EVP_MD_CTX, hex-formatted as an OCI
 * digest. Kept apart so every stage spells digests identically.
 */
#include "blob/sha256.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

int ls_sha256_init(ls_sha256 *h, ls_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    h->ctx = NULL;
    if (!ctx)
        return ls_error_set(err, LS_ERR_NOMEM, "sha256: out of memory");
    /* the default provider's SHA-256 is always there: the init fails only
     * when its context cannot be allocated */
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return ls_error_set(err, LS_ERR_NOMEM, "sha256: out of memory");
    }
    h->ctx = ctx;
    return 0;
}

int ls_sha256_update(ls_sha256 *h, const void *data, size_t n, ls_error *err)
{
    if (n == 0)
        return 0;
    if (EVP_DigestUpdate(h->ctx, data, n) != 1)
        return ls_error_set(err, LS_ERR_INTERNAL, "sha256: EVP_DigestUpdate failed");
    return 0;
}

int ls_sha256_final(ls_sha256 *h, char out[LS_DIGEST_MAX], ls_error *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0, i;
    if (EVP_DigestFinal_ex(h->ctx, md, &len) != 1 || len != 32)
        return ls_error_set(err, LS_ERR_INTERNAL, "sha256: EVP_DigestFinal_ex failed");
    memcpy(out, "sha256:", 7);
    for (i = 0; i < len; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[7 + 2 * len] = '\0';
    return 0;
}

void ls_sha256_dispose(ls_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

int ls_sha256_buffer(const void *data, size_t n, char out[LS_DIGEST_MAX], ls_error *err)
{
    ls_sha256 h = {0};
    int rc = -1;
    if (ls_sha256_init(&h, err) < 0)
        goto out;
    if (ls_sha256_update(&h, data, n, err) < 0)
        goto out;
    rc = ls_sha256_final(&h, out, err);
out:
    ls_sha256_dispose(&h);
    return rc;
}
