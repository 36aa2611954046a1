/*
 * cosign.h - what cosign stores beside an image, parsed: simple-signing
 * payloads, DSSE envelopes and Sigstore bundles, and in-toto statements'
 * subjects. Pure functions over bytes; fetching is the caller's.
 *
 * Formats (cosign's specs/SIGNATURE_SPEC.md and BUNDLE_SPEC.md, the DSSE
 * protocol, the Sigstore bundle v0.1-v0.3):
 *   - a simple-signing payload names the signed manifest in
 *     critical.image.docker-manifest-digest (the key is matched without
 *     regard to case, as cosign's own decoder does);
 *   - a DSSE envelope {payloadType, payload (base64), signatures[{sig}]}
 *     is signed over its pre-authentication encoding
 *     "DSSEv1 <len(type)> <type> <len(body)> <body>";
 *   - a bundle carries either a DSSE envelope in "dsseEnvelope" or a
 *     "messageSignature": {messageDigest {algorithm, digest (base64)},
 *     signature (base64)}, a signature over the artifact's digest. For an
 *     image the artifact is its manifest, so the messageDigest must be the
 *     manifest digest, and the signature is verified over that digest as
 *     prehashed (ECDSA, RSA; an Ed25519 key signs whole messages and never
 *     verifies one). Both are supported.
 * JSON is parsed with duplicate keys rejected: a signed document that two
 * parsers could read two ways is refused, not guessed at.
 */
#ifndef LS_SUPPLY_COSIGN_H
#define LS_SUPPLY_COSIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "layerscan/error.h"

#define LS_MT_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define LS_MT_SIGSTORE_BUNDLE_PREFIX "application/vnd.dev.sigstore.bundle" /* v0.1 .. v0.3 */
#define LS_MT_DSSE "application/vnd.dsse.envelope.v1+json"
#define LS_MT_INTOTO "application/vnd.in-toto+json"
/* The predicate of the statement cosign signs as an image signature in a
 * bundle; any other predicate makes the bundle an attestation. */
#define LS_COSIGN_SIGN_PREDICATE "https://sigstore.dev/cosign/sign/v1"

/* Standard base64 (padding optional, no whitespace inside) into a new
 * buffer (never NULL on success, even for ""). -1 when s is not base64, -2
 * when out of memory; *out is then NULL. */
int ls_base64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len);

/* The digest a simple-signing payload names, as a new string (not checked
 * for form: the caller compares it). LS_ERR_FORMAT "WHAT: not a
 * simple-signing payload (no critical.image.docker-manifest-digest)", or
 * "WHAT: \"image\" is given twice (in another case)" when two spellings
 * of one member would both reach cosign's field. */
int ls_simplesigning_digest(const void *payload, size_t len, const char *what, char **digest,
                            ls_error *err);

/* The most signatures read from one envelope (DSSE allows several; cosign
 * writes one). Past it: LS_ERR_LIMIT. */
#define LS_DSSE_MAX_SIGS 16u

typedef struct {
    char *payload_type;
    unsigned char *payload;  /* decoded */
    size_t payload_len;
    unsigned char **sigs;    /* decoded signatures */
    size_t *sig_lens;
    size_t n_sigs;           /* 0 .. LS_DSSE_MAX_SIGS */
} ls_dsse;

/* Parses a DSSE envelope (JSON): payloadType (string), payload (base64),
 * signatures (an array, possibly empty, of objects with "sig", base64;
 * keyid is ignored). 0, or -1 with LS_ERR_FORMAT "WHAT: ..." (LS_ERR_LIMIT past
 * LS_DSSE_MAX_SIGS, LS_ERR_NOMEM); out is then cleared. */
int ls_dsse_parse(const void *json, size_t len, const char *what, ls_dsse *out, ls_error *err);

/* A bundle's messageSignature. */
typedef struct {
    char *algorithm;         /* messageDigest.algorithm as written: "SHA2_256", ... */
    unsigned char *digest;   /* messageDigest.digest, decoded */
    size_t digest_len;
    unsigned char *sig;      /* signature, decoded */
    size_t sig_len;
} ls_message_sig;

/* A Sigstore bundle: exactly one of the two forms. */
typedef struct {
    bool is_dsse;            /* dsse is filled, else msg */
    ls_dsse dsse;
    ls_message_sig msg;
} ls_bundle;

/* Parses a Sigstore bundle (mediaType must start with
 * LS_MT_SIGSTORE_BUNDLE_PREFIX; verificationMaterial is not read: keys
 * come from the user). 0, or -1 with LS_ERR_FORMAT "WHAT: ..." (neither
 * or both forms, a bad field); out is then cleared. */
int ls_bundle_parse(const void *json, size_t len, const char *what, ls_bundle *out, ls_error *err);

void ls_bundle_clear(ls_bundle *b);

/* Parses a Sigstore bundle's DSSE envelope. A bundle holding a
 * messageSignature instead is LS_ERR_UNSUPPORTED "WHAT: a message-signature
 * bundle holds no DSSE envelope" (ls_bundle_parse reads both). */
int ls_bundle_dsse(const void *json, size_t len, const char *what, ls_dsse *out, ls_error *err);

/* The hash name ls_keyring_verify_digest takes ("SHA256") and the OCI
 * digest algorithm ("sha256") for a bundle's algorithm name ("SHA2_256",
 * "SHA2_384", "SHA2_512"); -1 for another. */
int ls_message_algorithm(const char *algorithm, const char **md, const char **oci);

/* The pre-authentication encoding of (type, payload), a new buffer. NULL on
 * allocation failure. */
unsigned char *ls_dsse_pae(const char *type, const void *payload, size_t len, size_t *out_len);

void ls_dsse_clear(ls_dsse *d);

/* Does the in-toto statement name digest ("ALG:<hex>") among its subjects
 * (a subject's digest.ALG equal to hex, without regard to case)? 1 yes, 0
 * no (also for a digest without ':'), -1 with LS_ERR_FORMAT "WHAT: ..."
 * when it is not a statement: not JSON, not an object, _type not
 * "https://in-toto.io/Statement/...", subject not an array. */
int ls_intoto_names_digest(const void *stmt, size_t len, const char *digest, const char *what,
                           ls_error *err);

/* The statement's predicateType as a new string (*out NULL when absent or
 * not a string). 0, or -1 with LS_ERR_FORMAT as ls_intoto_names_digest
 * when it is not a statement. */
int ls_intoto_predicate_type(const void *stmt, size_t len, const char *what, char **out, ls_error *err);

#endif
