/*
 * scan.h - the library entry point: scan one image reference into a report.
 *
 * Basic outline:
 *   1. ls_ruleset_new() + ls_ruleset_load() the patterns,
 *   2. ls_matcher_new() compiles them once (share it between scans),
 *   3. ls_scan_image() for each image, then a report writer,
 *   4. ls_report_free(), ls_matcher_free(), ls_ruleset_free().
 */
#ifndef LAYERSCAN_SCAN_H
#define LAYERSCAN_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/matcher.h"
#include "layerscan/registry.h"
#include "layerscan/report.h"
#include "layerscan/rules.h"

/* Layer results kept across scans: an opaque handle the layerscan program
 * makes for its cache (analyzer/pipeline); other callers pass NULL. */
struct ls_layer_cache;

/* Public keys a user trusts (--verify-key): an opaque handle the program
 * loads (analyzer/supply/keys.h); other callers pass NULL. */
struct ls_keyring;

/* Limits on archives found inside layers (jars, zips, tarballs, .gz/.zst/
 * .bz2/.xz files), which are opened in-stream and their members scanned.
 * A breach stops that nested archive only (an entry in the report's errors);
 * 0 in a field means its default (LS_NESTED_DEFAULT_*). */
typedef struct {
    unsigned max_depth;     /* archives within archives opened; 0 = default 3 */
    uint64_t max_bytes;     /* uncompressed bytes out of one nested archive; default 1 GiB */
    unsigned max_ratio;     /* uncompressed bytes / bytes consumed, once past 1 MiB; default 100 */
    uint64_t max_entries;   /* members of one nested archive; default 100000 */
} ls_nested_limits;

#define LS_DEFAULT_MAX_FINDINGS_PER_FILE 1000u

#define LS_NESTED_DEFAULT_DEPTH 3u
#define LS_NESTED_MAX_DEPTH 16u
#define LS_NESTED_DEFAULT_BYTES (1024ull * 1024 * 1024)
#define LS_NESTED_DEFAULT_RATIO 100u
#define LS_NESTED_DEFAULT_ENTRIES 100000ull

typedef struct {
    /* "os/arch[/variant]" or NULL for the default; "all": every image of
     * the index scanned into one report (report.h: platforms[]), the
     * layers they share read once through layer_cache (a private one for
     * the call when NULL). */
    const char *platform;
    /* Called after each layer is read: done of total layers, bytes = that
     * layer's compressed size. NULL = no progress reports. */
    void (*progress)(void *ctx, size_t done, size_t total, uint64_t bytes);
    void *progress_ctx;
    unsigned jobs;          /* layers scanned at once; 0 = online cores */
    /* Layer results shared across scans: a cached layer is not read at
     * all. NULL = scan every layer. */
    struct ls_layer_cache *layer_cache;
    const struct ls_registry_opts *registry; /* docker://: credentials, TLS; NULL = defaults */
    uint64_t max_json_bytes; /* index/manifest/config documents; 0 = 64 MiB (--max-json-size) */
    const ls_nested_limits *nested; /* NULL = the defaults */
    /* Findings one file (or nested member) may report; past
     * it one "not reported" entry goes to errors. 0 = the default. */
    uint64_t max_findings_per_file;
    /* The bound on every layer blob, whatever the transport (--max-layer-size):
     * a larger declared size is refused unread, a longer stream stopped; the
     * layer gets an errors entry. 0 = 64 GiB. */
    uint64_t max_layer_bytes;
    /* The time the whole scan of this image may take (--image-timeout), in
     * ms; 0 = no limit. Past it registry requests and layer reads fail, and
     * ls_scan_image fails with "REF: not scanned within --image-timeout 30s". */
    uint64_t image_timeout_ms;
    /* Switches the program takes from its environment (the library never
     * reads it); false is the default. */
    bool debug;            /* LAYERSCAN_DEBUG: suppressed candidates traced to stderr */
    bool no_mmap;          /* LAYERSCAN_MMAP=0: layer files read, not mapped */
    bool no_decode_thread; /* LAYERSCAN_DECODE_THREAD=0: no decoder thread */
    /* Signatures found for the image are verified with these keys; NULL =
     * found and listed, not verified (verified: null). */
    const struct ls_keyring *verify_keys;
    /* --require-signature: no signature verified by verify_keys becomes a
     * provenance finding (signature-missing, signature-invalid). */
    bool require_signature;
    /* What is attached to the image is read only where the image index
     * names it: a registry is not asked for referrers or cosign's tags
     * (three requests an image; audits without --verify-key). */
    bool attached_index_only;
    /* The descriptor a stream reference ("-", "docker-archive:-",
     * "oci-archive:-") is read from, once; 0 (stdin) by default. */
    int stream_fd;
    /* docker-daemon:NAME: the engine's Unix socket (the program takes it
     * from DOCKER_HOST=unix://PATH); NULL = /var/run/docker.sock. */
    const char *engine_socket;
} ls_scan_opts;

/* Scans ref ("oci:DIR:REF", "docker-archive:FILE", a bare path...). Returns 0
 * with *out set, or -1 with err filled when the image is unusable (cannot be
 * opened, malformed manifest or config, a lone file that is not a tar).
 * Problems confined to one layer are in (*out)->errors instead. */
int ls_scan_image(const char *ref, const struct ls_matcher *m, const ls_scan_opts *opts,
                  ls_report **out, ls_error *err);

#endif
