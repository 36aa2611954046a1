/*
 * digest.h - OCI digests as names of blobs: validating "alg:hex" strings
 * from hostile metadata, mapping them to "blobs/<alg>/<hex>", and reading a
 * blob whose bytes must hash to the digest that named it.
 */
#ifndef LS_SOURCE_DIGEST_H
#define LS_SOURCE_DIGEST_H

#include <stddef.h>

#include "layerscan/error.h"
#include "source/store.h"

/* Checks "sha256:<64 lowercase hex>" (or sha512 with 128): returns 0, or -1
 * with LS_ERR_FORMAT "LABEL: WHAT has an invalid digest". */
int ls_digest_validate(const char *digest, const char *label, const char *what, ls_error *err);

/* "blobs/<alg>/<hex>" for a validated digest, into out (cap >= 150). */
void ls_digest_blob_path(const char *digest, char *out, size_t cap);

/* Reads the blob named by digest (at most max bytes) and verifies it:
 * mismatch is LS_ERR_DIGEST, a non-sha256 digest LS_ERR_UNSUPPORTED. */
int ls_digest_read_verified(ls_store *store, const char *digest, size_t max, unsigned char **data,
                            size_t *len, ls_error *err);

/* If path is "blobs/sha256/<64 hex>", writes "sha256:<hex>" into out
 * (cap >= 72) and returns 1; otherwise 0. */
int ls_digest_from_path(const char *path, char *out, size_t cap);

#endif
