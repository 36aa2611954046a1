/*
 * detect.h - judgement beyond the regex: offline validation of a secret's
 * own structure (checksums, decodable JSON, parseable keys) and suppression
 * of values that are known not to be secrets (documented examples,
 * placeholders, environment lookups, digests, public material).
 *
 * Everything here is a pure function of (rule, secret, path): no network, no
 * state, safe from any thread. The scanner asks ls_detect_nonsecret() before
 * delivering a hit; the finding list asks ls_detect_validate() when it turns
 * a hit into a finding.
 */
#ifndef LS_DETECT_H
#define LS_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layerscan/rules.h"

typedef enum {
    LS_VALIDATION_NONE = 0,        /* no validator for this kind, or nothing conclusive */
    LS_VALIDATION_CHECKSUM_VALID,  /* an embedded checksum matches */
    LS_VALIDATION_CHECKSUM_INVALID,/* an embedded checksum does not match: not issued */
    LS_VALIDATION_STRUCTURE_VALID  /* decodes/parses as the format requires */
} ls_validation;

/* "none", "checksum-valid", "checksum-invalid", "structure-valid" */
const char *ls_validation_name(ls_validation v);

/* Validates secret (len bytes, not NUL-terminated) found by rule: stores in
 * *verdict the verdict and in *conf the confidence the finding deserves
 * (starting from the rule's: raised to high by a valid checksum or
 * structure, lowered when the structure is broken or the checksum fails).
 * Returns 0, or -1 when memory ran out before the secret could be judged
 * (nothing stored: a finding must not carry a verdict its secret, judged in
 * full, would not get). */
int ls_detect_validate(const ls_rule *rule, const char *secret, size_t len, ls_validation *verdict,
                       ls_confidence *conf);

/* If secret is a known non-secret for this rule (path may be NULL for image
 * metadata), the reason ("documented example", "placeholder", ...); else NULL. */
const char *ls_detect_nonsecret(const ls_rule *rule, const char *secret, size_t len,
                                const char *path);

/* The confidence a finding at path deserves: one step lower (never below
 * low) in documentation, examples, tests, fixtures and source maps, where
 * keys are usually samples; unchanged elsewhere and for metadata (no '/'). */
ls_confidence ls_detect_path_confidence(const char *path, ls_confidence c);

/* Whether path lies in a dependency's test, fixture, example or
 * documentation tree (node_modules, gems, the Go module cache, Maven test
 * and javadoc jars): the package author's samples, origin third-party.
 * Runtime code and config of a dependency are not. */
bool ls_detect_third_party(const char *path);

/* Whether rule id a is a more specific form of rule id b (their hits on the
 * same secret at the same byte are one finding: a's). */
bool ls_detect_supersedes(const char *a, const char *b);

/* Decodes base64 (also the URL-safe alphabet when url_safe), skipping
 * whitespace and stopping at '=' or the first other byte; out must hold
 * len * 3 / 4 + 3 bytes. Returns the decoded length; *used (if not NULL)
 * receives the input bytes consumed. Shared by the token and key validators. */
size_t ls_detect_b64_decode(const char *in, size_t len, unsigned char *out, size_t *used, bool url_safe);

/* Helpers, exposed for the unit tests. */
uint32_t ls_crc32(const void *data, size_t len);
/* Base62 ("0-9A-Za-z") of v, left-padded with '0' to 6 characters. */
void ls_base62_6(uint32_t v, char out[7]);
/* 1 when tok (len bytes, "xxx_" + 30 random + 6 checksum) carries a valid
 * GitHub/npm style CRC32 checksum, 0 when not. */
int ls_detect_crc_token_ok(const char *tok, size_t len, size_t prefix_len);
/* 1 when a Grafana service account token (glsa_ + 32 + _ + 8 hex) carries the
 * CRC32 of its first 37 characters, 0 when not. */
int ls_detect_grafana_sa_ok(const char *tok, size_t len);
/* 1 when a GitLab routable token (prefix, base64url payload, ".01.", 2 base36
 * payload length, 7 base36 CRC32) checks out, 0 when not. */
int ls_detect_gitlab_routable_ok(const char *tok, size_t len);
/* 1 when a 52-character Azure DevOps PAT carries its seeded CRC32, 0 when not. */
int ls_detect_ado_pat_ok(const char *tok, size_t len);
/* 1 when m (n bytes) parses as a v2 binary macaroon with a 32-byte signature. */
int ls_detect_macaroon_ok(const unsigned char *m, size_t n);
/* Base58 (Bitcoin alphabet) into out (cap bytes); the length, 0 on error. */
size_t ls_base58_decode(const char *in, size_t len, unsigned char *out, size_t cap);
/* 1 when in decodes to want_len bytes ending with their double-SHA256
 * checksum, 0 when not, -1 when hashing failed (out of memory). */
int ls_detect_base58check_ok(const char *in, size_t len, size_t want_len);
/* Marvin32 (as .NET and Microsoft security-utilities compute it) of d with seed. */
uint32_t ls_marvin32(const unsigned char *d, size_t n, uint64_t seed);
/* 1 when s is bech32 or bech32m with a valid checksum, 0 when not. */
int ls_detect_bech32_ok(const char *s, size_t len);

#endif
