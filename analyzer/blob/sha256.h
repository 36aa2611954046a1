/*
 * sha256.h - streaming SHA-256 formatted the way OCI spells digests
 * ("sha256:<64 lowercase hex>").
 *
 * A thin wrapper over OpenSSL 3's EVP interface so the blob stage (compressed
 * and uncompressed digests) and the source stage (manifest and config
 * digests) hash the same way, and so callers never touch EVP directly.
 */
#ifndef LS_SHA256_H
#define LS_SHA256_H

#include <stddef.h>

#include "layerscan/error.h"

/* "sha256:" + 64 hex + NUL */
#define LS_DIGEST_MAX 72

typedef struct {
    void *ctx; /* EVP_MD_CTX *, NULL when not initialised */
} ls_sha256;

/* Starts a hash. Returns 0, or -1 with err filled (LS_ERR_NOMEM/INTERNAL). */
int ls_sha256_init(ls_sha256 *h, ls_error *err);

/* Adds n bytes. Returns 0, or -1 with err filled. */
int ls_sha256_update(ls_sha256 *h, const void *data, size_t n, ls_error *err);

/* Writes "sha256:<hex>" into out. Returns 0, or -1 with err filled. The hash
 * cannot be updated afterwards. */
int ls_sha256_final(ls_sha256 *h, char out[LS_DIGEST_MAX], ls_error *err);

/* Releases the context. Accepts a zeroed or disposed h. */
void ls_sha256_dispose(ls_sha256 *h);

/* One-shot digest of a buffer. Returns 0, or -1 with err filled. */
int ls_sha256_buffer(const void *data, size_t n, char out[LS_DIGEST_MAX], ls_error *err);

#endif
