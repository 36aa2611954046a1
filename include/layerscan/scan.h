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

#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/report.h"

struct ls_matcher;
struct ls_layer_cache;
struct ls_registry_opts; /* analyzer/registry/registry.h */

typedef struct {
    const char *platform;   /* "os/arch[/variant]" or NULL for the default */
    /* Called after each layer is read: done of total layers, bytes = that
     * layer's compressed size. NULL = no progress reports. */
    void (*progress)(void *ctx, size_t done, size_t total, uint64_t bytes);
    void *progress_ctx;
    unsigned jobs;          /* layers scanned at once; 0 = online cores */
    /* Layer results shared across scans (analyzer/pipeline/layer_cache.h):
     * a cached layer is not read at all. NULL = scan every layer. */
    struct ls_layer_cache *layer_cache;
    const struct ls_registry_opts *registry; /* docker://: credentials, TLS; NULL = defaults */
    uint64_t max_json_bytes; /* index/manifest/config documents; 0 = 64 MiB (--max-json-size) */
} ls_scan_opts;

/* Scans ref ("oci:DIR:REF", "docker-archive:FILE", a bare path...). Returns 0
 * with *out set, or -1 with err filled when the image is unusable (cannot be
 * opened, malformed manifest or config, a lone file that is not a tar).
 * Problems confined to one layer are in (*out)->errors instead. */
int ls_scan_image(const char *ref, const struct ls_matcher *m, const ls_scan_opts *opts,
                  ls_report **out, ls_error *err);

void ls_report_free(ls_report *r);

#endif
