/*
 * keys.h - the public keys a user trusts (--verify-key FILE, repeatable),
 * and signature verification with OpenSSL's libcrypto.
 *
 * A key file is one PEM public key (SubjectPublicKeyInfo, "BEGIN PUBLIC
 * KEY", as cosign writes cosign.pub): ECDSA (P-256, P-384, P-521), RSA of
 * 2048 bits or more, or Ed25519. cosign hashes what it signs with SHA-256 (its specification: the
 * registry's digest algorithm); newer cosign signs with a P-384 key over
 * SHA-384 and with P-521 over SHA-512, so for those curves both are tried.
 * RSA is PKCS#1 v1.5, then PSS. Ed25519 signs the message itself.
 */
#ifndef LS_SUPPLY_KEYS_H
#define LS_SUPPLY_KEYS_H

#include <stddef.h>

#include "layerscan/error.h"

typedef struct ls_keyring ls_keyring;

/* The largest key file read. */
#define LS_KEY_FILE_MAX (64u * 1024u)

/* Loads n PEM public key files, in order (symlinks followed). Every failure
 * is LS_ERR_USAGE with one line naming the file: "FILE: not a PEM public
 * key (ECDSA P-256/P-384/P-521, RSA or Ed25519)", "FILE: not a regular
 * file" (a directory, a FIFO: refused without blocking), "FILE: larger than
 * 64 KiB", "FILE: RSA key shorter than 2048 bits", "FILE: <strerror>";
 * LS_ERR_NOMEM when out of memory. *out is NULL on failure. */
int ls_keyring_load(ls_keyring **out, const char *const *paths, size_t n, ls_error *err);

size_t ls_keyring_count(const ls_keyring *k);

/* The file key i was loaded from. */
const char *ls_keyring_path(const ls_keyring *k, size_t i);

/* Does sig verify over msg with key i? 1 yes, 0 no (a malformed signature
 * is a no), -1 with err filled for an allocation failure. */
int ls_keyring_verify(const ls_keyring *k, size_t i, const void *msg, size_t msg_len,
                      const void *sig, size_t sig_len, ls_error *err);

/* Does sig verify over a message whose digest is given (a Sigstore bundle's
 * messageSignature signs the artifact; we hold only its digest)? md is
 * "SHA256", "SHA384" or "SHA512" and digest_len must be that hash's size.
 * ECDSA and RSA (PKCS#1 v1.5, then PSS) only: Ed25519 signs the message
 * itself, so it never verifies a digest (0). Returns as ls_keyring_verify. */
int ls_keyring_verify_digest(const ls_keyring *k, size_t i, const char *md, const void *digest,
                             size_t digest_len, const void *sig, size_t sig_len, ls_error *err);

/* Accepts NULL. */
void ls_keyring_free(ls_keyring *k);

#endif
