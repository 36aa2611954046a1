/*
 * report.h - the result of scanning one image: the data behind the JSON
 * report contract (version 1). Writers in analyzer/report/ turn it into JSON
 * or text; nothing in here knows about output formats.
 *
 * Indexes that may be absent use -1 for JSON null.
 */
#ifndef LAYERSCAN_REPORT_H
#define LAYERSCAN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layerscan/image.h"
#include "layerscan/rules.h"

typedef enum {
    LS_SOURCE_FILE,
    LS_SOURCE_HISTORY,
    LS_SOURCE_CONFIG,
    LS_SOURCE_ATTESTATION, /* a string of an in-toto statement attached to the image */
    LS_SOURCE_SIGNATURE    /* the image's signatures (--require-signature) */
} ls_finding_source;

typedef enum {
    LS_STATUS_PRESENT,     /* the final image serves this content at this path */
    LS_STATUS_DELETED,     /* hidden by a whiteout, opaque dir or replaced ancestor */
    LS_STATUS_OVERWRITTEN, /* a later layer put other content at this path */
    LS_STATUS_METADATA     /* found in history or config, not in a file */
} ls_status;

/* Who put the bytes a finding is in (pipeline/vendor.h). */
typedef enum {
    LS_ORIGIN_IMAGE = 0,   /* whoever built the image: the default, never hidden */
    LS_ORIGIN_VENDOR,      /* a file whose bytes match its package database record */
    LS_ORIGIN_THIRD_PARTY, /* a test, fixture, example or docs tree of a dependency */
    LS_ORIGIN_GENERATED    /* a key a package's install script made in the layer that installed it */
} ls_origin;

/* The package a vendor file belongs to, as its database records it. */
typedef struct {
    const char *manager;   /* static: "dpkg", "apk", "rpm", "python" */
    char *name;
    char *version;         /* NULL when the database does not say */
} ls_package;

typedef struct {
    size_t rule;               /* index into the rule set */
    ls_finding_source source;
    long layer;                /* layers[] index, -1 for config and empty-layer history */
    long history;              /* history[] index that introduced it, -1 if unknown */
    char *path;                /* absolute path, "config.Env", "history[5].created_by" */
    uint64_t line, column, offset;
    ls_status status;
    long removed_in_layer;     /* -1 when still present or not applicable */
    char *secret;              /* the full secret; writers redact it */
    char fingerprint[33];      /* hex, 128 bits of SHA-256(rule id, secret) */
    const char *validation;    /* "none", "checksum-valid", "checksum-invalid", "structure-valid" */
    ls_confidence confidence;  /* the rule's, adjusted by validation (analyzer/detect) */
    ls_origin origin;          /* image unless the bytes are a package's or a dependency's */
    long package;              /* the report's packages[] index for vendor findings, else -1 */
    size_t platform;           /* platforms[] index; meaningful only when n_platforms > 0 */
} ls_finding;

/* A finding kept out of findings[] by a baseline, the config file or
 * --min-confidence: still counted and listed in the report, never dropped. */
typedef struct {
    ls_finding finding;
    const char *reason;        /* static: "baseline", "allowlist-path", "allowlist-fingerprint",
                                * "min-confidence", "vendor", "third-party", "generated" */
} ls_suppressed;

typedef struct {
    long index;
    char *digest;              /* from the manifest, or computed when the manifest has none */
    char *diff_id;             /* computed SHA-256 of the uncompressed tar */
    char *media_type;
    const char *compression;   /* "gzip" | "zstd" | "none" | NULL when unreadable */
    uint64_t compressed_bytes, bytes;
    long history;              /* the history entry owning the layer, -1 if unknown */
    uint64_t entries, whiteouts;
    bool digest_verified;      /* every digest the image declares for it matched */
    bool scanned;              /* the whole tar was walked */
    size_t platform;           /* platforms[] index; meaningful only when n_platforms > 0 */
} ls_layer_report;

typedef struct {
    long index;
    char *instruction;         /* cleaned created_by: "RUN x", "COPY a /b", "ENV K=V" */
    char **build_args;         /* "NAME=value" from "|N A=1 B=2 /bin/sh -c", n_build_args of them */
    size_t n_build_args;
    long layer;                /* the layer it created, -1 for empty_layer entries or when unknown */
    size_t platform;           /* platforms[] index; meaningful only when n_platforms > 0 */
} ls_history_report;

typedef struct {
    long layer;                /* -1 when not about one layer */
    char *path;                /* NULL when not about one path */
    char *message;
    size_t platform;           /* platforms[] index; meaningful only when n_platforms > 0 */
} ls_report_error;

/* One in-toto statement attached to the image (a BuildKit attestation
 * manifest's layer, a cosign attestation), whose strings were scanned. */
typedef struct {
    char *manifest;            /* the attestation manifest's digest */
    char *digest;              /* the statement blob's digest */
    char *media_type;          /* the blob's, as its descriptor declares */
    char *predicate_type;      /* the statement's predicateType; NULL when absent */
    const char *source;        /* static: "index" | "referrer" | "tag" (source/attached.h) */
    uint64_t strings;          /* strings scanned */
    size_t platform;           /* platforms[] index; meaningful only when n_platforms > 0 */
} ls_attestation_report;

/* One signature manifest found for the image (cosign: a legacy .sig tag's
 * manifest or a Sigstore bundle referrer). */
typedef struct {
    const char *kind;          /* static: "cosign" */
    const char *source;        /* static: "tag" | "referrer" | "index" */
    char *digest;              /* the signature manifest's digest */
    int verified;              /* 1 true, 0 false, -1 null (no key given) */
    char *key;                 /* the key file that verified it, else the first tried, else NULL */
    char *error;               /* why not, whenever verified is 0; else NULL */
    size_t platform;           /* platforms[] index; meaningful only when n_platforms > 0 */
} ls_signature_report;

/* One image of a multi-platform index in a --platform all report
 * (pipeline/platforms.h): where its layers and history sit in the report's
 * layers[] and history[]. */
typedef struct {
    char *platform;            /* "os/arch[/variant]" as the image's config says (else its descriptor) */
    char *os, *architecture, *variant;
    char *manifest_digest, *config_digest, *created;
    long first_layer;          /* layers[] index of its bottom layer, -1 when it has none */
    size_t n_layers;
    long first_history;        /* history[] index of its first entry, -1 when it has none */
    size_t n_history;
} ls_platform_report;

typedef struct {
    const ls_image *image;     /* borrowed from the source (see ls_report_free) */
    const ls_ruleset *rules;   /* borrowed */
    ls_layer_report *layers;
    size_t n_layers;
    ls_history_report *history;/* parallel to image->history */
    size_t n_history;
    bool history_mismatch;     /* history does not match the layer count: attribution is null */
    ls_finding *findings;
    size_t n_findings;
    ls_report_error *errors;
    size_t n_errors;
    void *owner;               /* keeps the image alive; released by ls_report_free */
    uint64_t entries;          /* tar entries walked, over all layers */
    uint64_t bytes_scanned;    /* file and metadata bytes fed to the matcher */
    double seconds;
    ls_suppressed *suppressed; /* findings filtered out of findings[] (see report/filter.h) */
    size_t n_suppressed;
    ls_package *packages;      /* what vendor findings' package fields index */
    size_t n_packages;
    ls_attestation_report *attestations; /* statements attached to the image, scanned */
    size_t n_attestations;
    ls_signature_report *signatures;     /* signatures found for the image */
    size_t n_signatures;
    /* --platform all (pipeline/platforms.h): the images scanned, in index
     * order; n_platforms is 0 in the report of one image. layers[],
     * history[] and every index into them run over all the images, and
     * each entry's `platform` says whose it is. */
    ls_platform_report *platforms;
    size_t n_platforms;
    uint64_t layers_read;      /* with n_platforms: layers read and scanned in this run */
    uint64_t layers_reused;    /* with n_platforms: layers whose result was reused (shared, cached) */
    /* Frees owner instead of the source that a one-image report owns (a
     * merged report's images); NULL for that source. */
    void (*owner_free)(void *owner);
} ls_report;

const char *ls_status_name(ls_status s);          /* "present", ... */
const char *ls_finding_source_name(ls_finding_source s); /* "file", ... */
const char *ls_origin_name(ls_origin o);          /* "image", "vendor", "third-party", "generated" */

/* Frees r and everything it owns (and, through owner, the image). Accepts NULL. */
void ls_report_free(ls_report *r);

/* The cleaned instruction of the history entry owning finding f, or NULL. */
const char *ls_report_instruction(const ls_report *r, const ls_finding *f);

#endif
