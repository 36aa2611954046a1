/*
 * signatures.h - the image's signatures: found among its attached
 * manifests, verified against the user's keys (--verify-key), and, under
 * --require-signature, a provenance finding when none verifies.
 *
 * A signature manifest is one whose layers are cosign simple-signing
 * payloads (the legacy sha256-<hex>.sig tag; the signature is the layer's
 * dev.cosignproject.cosign/signature annotation) or Sigstore bundles (a
 * referrer; its artifactType or a layer's media type starts with
 * LS_MT_SIGSTORE_BUNDLE_PREFIX). Other attached manifests (attestations),
 * and bytes that are not a manifest at all, are skipped silently: the
 * attestation stage reports those. So is a bundle whose DSSE statement's
 * predicateType is not LS_COSIGN_SIGN_PREDICATE (cosign attest's bundles,
 * signed or not): a manifest whose signature layers are all such is no
 * entry. One manifest is one report entry; it is verified when any of its
 * signatures verifies with any key. For each
 * signature layer, in order (at most LS_SIGNATURE_LAYERS_MAX per manifest;
 * the rest are not read):
 *   1. the payload (or bundle) blob is read by its descriptor's digest and
 *      must hash to it (the fetch callback checks);
 *   2. the payload must name this image's manifest digest (simple signing:
 *      critical.image.docker-manifest-digest; a bundle's DSSE envelope: its
 *      payloadType is in-toto and a subject's digest is the image's; a
 *      bundle's messageSignature: its messageDigest is the image's);
 *   3. the signature must verify over the payload (simple signing), the
 *      DSSE pre-authentication encoding (any of the envelope's signatures)
 *      or, prehashed, the message digest, with one of the keys.
 *
 * The entry (ls_signature_report):
 *   - kind "cosign"; source ls_attached_via_name (tag, referrer, index);
 *   - with keys: verified 1 and key the file that verified it; else
 *     verified 0, key the first key file when any signature reached step 3
 *     (else NULL), and error why the manifest's first failing signature
 *     failed: the fetch callback's message, "payload sha256:...: not a
 *     simple-signing payload (...)", "payload names sha256:..., not this
 *     image", "bundle sha256:...: the statement's subjects do not name
 *     this image", "signature does not verify with KEYFILE" ("... with
 *     KEYFILE or N other key(s)" for several keys), "the manifest holds no
 *     signature";
 *   - without keys (NULL or none): verified -1 and key NULL: found, not
 *     checked. error stays NULL when some signature passed steps 1-2;
 *     when none did (unreadable, malformed, names another image) it says
 *     why, as above, and verified stays -1.
 * Every error text goes through ls_error_set's escaping (it quotes hostile
 * JSON).
 */
#ifndef LS_PIPELINE_SIGNATURES_H
#define LS_PIPELINE_SIGNATURES_H

#include <stddef.h>

#include "layerscan/error.h"
#include "layerscan/report.h"
#include "pipeline/findings.h"
#include "source/attached.h"
#include "supply/keys.h"

/* The most signature layers read from one manifest (cosign appends one per
 * `cosign sign` to the .sig manifest). */
#define LS_SIGNATURE_LAYERS_MAX 64u

/* Reads the blob named by digest whole (bounded) and checks its digest:
 * 0, or -1 with err filled (the message names the blob; it becomes the
 * entry's error as written, LS_ERR_NOMEM aborts the check). */
typedef int (*ls_blob_fetch)(void *ctx, const char *digest, unsigned char **data, size_t *len,
                             ls_error *err);

/* One entry per signature manifest of att (others are skipped) into a new
 * array *out of *n. image_digest is the scanned manifest's digest; keys may
 * be NULL (verified is then -1, "null": found, not checked). 0, or -1 with
 * err filled only for out of memory: a signature that cannot be read or
 * parsed is an entry with verified 0 (or -1 without keys) and its error. */
int ls_signatures_check(const ls_attached_list *att, const char *image_digest,
                        const ls_keyring *keys, ls_blob_fetch fetch, void *ctx,
                        ls_signature_report **out, size_t *n, ls_error *err);

/* --require-signature: appends signature-missing (no entry) or
 * signature-invalid (entries, none with verified 1: unchecked entries,
 * verified -1, do not count) to out, when that rule is in rs (nothing when
 * it is disabled): source signature, path "image.signatures", line and
 * column 1, layer, history and removed_in_layer -1, status metadata,
 * secret (evidence) the image's manifest digest (or "(no manifest
 * digest)"), fingerprint over rule and evidence. 0, or -1 with err filled
 * (out of memory). */
int ls_signatures_require(const ls_signature_report *v, size_t n, const char *image_digest,
                          const ls_ruleset *rs, ls_finding_list *out, ls_error *err);

void ls_signature_reports_free(ls_signature_report *v, size_t n);

#endif
