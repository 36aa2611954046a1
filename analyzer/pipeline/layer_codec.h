/*
 * layer_codec.h - one layer's scan result as bytes and back, for the layer
 * result cache (layer_cache.h).
 *
 * What is encoded is everything of an ls_layer_result that does not depend
 * on the image the layer sits in: the blob's computed digests and sizes, the
 * path table (fsmodel), the file findings with the content id of the file
 * each is in, and the bytes scanned. What does depend on the image (its
 * index, media type, owning history entry, and the fate of each finding) is
 * filled in by the caller or computed later, exactly as for a fresh scan.
 *
 * Only clean results are encoded (the whole tar walked, no error): a layer
 * with errors is read again next time. The bytes name what they were made for
 * (format version, layerscan version, ruleset hash, layer digest) and end
 * with an HMAC-SHA-256 tag under a key the cache directory does not hold
 * (cli/: --cache-key FILE, or one generated in the user's config directory),
 * so an entry edited by whoever can write the directory is refused. Decoding
 * checks the tag first and still trusts nothing: every count and size is
 * bounded by what is left of the buffer, so a truncated, corrupt, hostile or
 * foreign buffer is refused, never half-read.
 */
#ifndef LS_PIPELINE_LAYER_CODEC_H
#define LS_PIPELINE_LAYER_CODEC_H

#include <stddef.h>

#include "layerscan/image.h"
#include "layerscan/rules.h"
#include "pipeline/layer_scan.h"

/* Bumped whenever the encoding or the meaning of a field changes. */
#define LS_LAYER_CODEC_FORMAT 4 /* 2: HMAC-SHA-256 instead of XXH3; 3: vendor evidence;
                                   4: the files tamper checks read kept with the databases */
/* Shortest MAC key accepted (bytes). */
#define LS_LAYER_CODEC_MIN_KEY 32
/* No encoding grows beyond this: such a layer is simply not cached. */
#define LS_LAYER_CODEC_MAX ((size_t)512 * 1024 * 1024)
/* Longest string (path, secret, rule id) accepted when decoding. */
#define LS_LAYER_CODEC_MAX_STR ((size_t)1024 * 1024)

/* What an encoding is for: a buffer made for another key is refused. */
typedef struct {
    const char *digest;      /* the layer blob's digest, "sha256:<hex>" */
    const char *rules_hash;  /* ls_ruleset_hash() of the rule set it was scanned with */
    const unsigned char *mac_key; /* the HMAC key (at least LS_LAYER_CODEC_MIN_KEY bytes): */
    size_t mac_key_len;           /* without one nothing is encoded or decoded */
} ls_layer_codec_key;

/* Whether r can be encoded: the whole tar walked, no error, a path table,
 * and the digest it was read under equals key->digest. */
bool ls_layer_codec_cacheable(const ls_layer_result *r, const ls_layer_codec_key *key);

/* Encodes r into a new malloc'd buffer (*out, *len). Returns 0, or -1 when r
 * is not cacheable, the encoding would exceed LS_LAYER_CODEC_MAX, or memory
 * ran out, or there is no MAC key (nothing is allocated then). */
int ls_layer_codec_encode(const ls_layer_result *r, const ls_ruleset *rules,
                          const ls_layer_codec_key *key, unsigned char **out, size_t *len);

/* Decodes buf into *out as the result of layer `index` of an image (findings
 * and info carry that index; media_type and history are left for the caller).
 * Returns 0, or -1 when buf is truncated, corrupt, its tag does not verify
 * under key->mac_key, it was made for another digest, format, layerscan
 * version or rule set, or memory ran out; *out is then empty (zeroed). */
int ls_layer_codec_decode(const unsigned char *buf, size_t len, const ls_ruleset *rules,
                          const ls_layer_codec_key *key, size_t index, ls_layer_result *out);

#endif
