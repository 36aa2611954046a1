/*
 * layer_cache.h - per-layer scan results kept on disk, so a layer shared by
 * many images (a base image under a whole registry) is read and scanned once
 * per rule set, not once per image.
 *
 * Files live in ROOT/layers/ (ROOT: --cache DIR, else the directory the
 * compiled-rules cache uses: $LAYERSCAN_CACHE_DIR, $XDG_CACHE_HOME/layerscan,
 * ~/.cache/layerscan), one per (layer digest, rule set, layerscan version,
 * cache format), named "<alg>-<hex>.<16 hex of the rest>.lsl". Writes are a
 * temporary file in the same directory renamed over the entry, so any number
 * of processes can share the directory (on shared storage too): a reader sees
 * a whole entry or none. Each entry is authenticated (HMAC-SHA-256, see
 * layer_codec.h) under a key the directory does not hold, given by the
 * caller; the root and ROOT/layers must be trusted directories
 * (core/trustdir.h: ours, not writable by others, no symlinks) or the cache
 * is refused whole. An entry that does not decode (truncated, corrupt,
 * foreign, forged: its tag does not verify, or its file is not ours) is
 * ignored, counted as rejected and replaced by the next store. The files
 * hold the secrets found, unredacted (reports are rebuilt from them): the
 * directories are created 0700 and the files 0600.
 *
 * Only layers that have a digest in their manifest are cached, and only clean
 * results (see layer_codec.h): a layer whose blob was missing, truncated,
 * corrupt or did not match its digests is read again every time.
 *
 * Within one process, lookups of the same digest are single-flight: while one
 * thread scans a layer, others asking for it wait, then read its stored
 * result. Each thread holds at most one claim and never waits while holding
 * one, so waiting cannot deadlock.
 *
 * Use from the image pipeline (image_scan.c):
 *   r = ls_layer_cache_lookup(c, rules, img, i, &result, &claim);
 *   if (r == 0) { scan the layer into result; ls_layer_cache_done(c, &claim, &result or NULL); }
 */
#ifndef LS_PIPELINE_LAYER_CACHE_H
#define LS_PIPELINE_LAYER_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/image.h"
#include "layerscan/rules.h"
#include "pipeline/layer_scan.h"

typedef struct ls_layer_cache ls_layer_cache;

typedef struct {
    uint64_t hits;          /* layers served from the cache */
    uint64_t scanned;       /* layers read and scanned (misses, layers without digest, uncacheable) */
    uint64_t bytes_fetched; /* compressed bytes of the layer blobs those scans read from local
                             * images (a registry image's bytes are counted by its registry
                             * client, ls_registry_opts.bytes_fetched, manifests included) */
    uint64_t stored;        /* results written */
    uint64_t store_failed;  /* results that could not be written (full disk, read-only dir) */
    uint64_t rejected;      /* entries ignored as truncated, corrupt, foreign or forged */
    uint64_t waits;         /* lookups that waited for another thread's scan of the same layer */
} ls_layer_cache_stats;

/* What a miss hands to the caller: ownership of a digest until
 * ls_layer_cache_done(). Opaque to callers; starts and ends empty. */
typedef struct {
    char *digest;           /* NULL when nothing is claimed */
    bool remote;            /* the image comes from a registry: its bytes are not counted here */
} ls_layer_claim;

/* A cache for results scanned with `rules` (borrowed: it must outlive the
 * cache) under root/layers/, created 0700 if needed. A NULL root means a
 * private temporary directory (in tmpdir when it is absolute, else /tmp) that
 * ls_layer_cache_free() removes: results are still shared within the run
 * but nothing is read from or left in a persistent cache (--no-cache).
 * `settings` (may be NULL) spells every option a layer result depends on
 * besides the rules (match window, nested limits): it is part of the key.
 * mac_key (copied) authenticates the entries: required with a root (at least
 * LS_LAYER_CODEC_MIN_KEY bytes); a private directory makes its own.
 * Returns 0, or -1 with err naming the directory and the problem (a root or
 * ROOT/layers that is not a trusted directory among them: the caller then
 * goes on without a persistent cache). */
int ls_layer_cache_open(ls_layer_cache **out, const char *root, const char *tmpdir,
                        const ls_ruleset *rules, const char *settings, const unsigned char *mac_key,
                        size_t mac_key_len, ls_error *err);

/* ls_layer_cache_open with tmpdir = $TMPDIR. Defined by the program
 * (analyzer/cli/env.c), not the library: only it reads the environment. */
int ls_layer_cache_new(ls_layer_cache **out, const char *root, const ls_ruleset *rules,
                       const char *settings, const unsigned char *mac_key, size_t mac_key_len,
                       ls_error *err);

/* Frees c (removing a private directory with its entries). Accepts NULL. */
void ls_layer_cache_free(ls_layer_cache *c);

/* The directory holding the entries ("ROOT/layers"). */
const char *ls_layer_cache_dir(const ls_layer_cache *c);

/* The path of the entry for digest into out; false when digest is not a
 * valid "sha256:<64 hex>"/"sha512:<128 hex>" or the path does not fit. */
bool ls_layer_cache_entry_path(const ls_layer_cache *c, const char *digest, char *out, size_t n);

/* A snapshot of the counters (thread-safe). */
void ls_layer_cache_get_stats(ls_layer_cache *c, ls_layer_cache_stats *out);

/* Layer i of img, scanned with rules. Returns 1 with *out filled (index i,
 * the image's media type, history -1) when the cache holds a result for the
 * layer's digest that also matches the diff_id img declares for it; 0 when
 * the caller must scan the layer itself (*out untouched) and then call
 * ls_layer_cache_done() with the same claim, whatever the outcome. Blocks
 * while another thread of this process scans the same digest. A layer
 * without a valid digest, or rules other than the cache's, is never cached
 * (0, nothing claimed). */
int ls_layer_cache_lookup(ls_layer_cache *c, const ls_ruleset *rules, const ls_image *img, size_t i,
                          ls_layer_result *out, ls_layer_claim *claim);

/* After a miss: counts the scan, stores r when it is a clean result for the
 * claimed digest, and releases the claim (waking waiters). r is NULL when the
 * scan itself failed. */
void ls_layer_cache_done(ls_layer_cache *c, ls_layer_claim *claim, const ls_layer_result *r);

#endif
