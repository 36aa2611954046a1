/*
 * manifest.h - image metadata documents (OCI index, OCI/Docker manifest,
 * Docker's manifest.json, image config) parsed into plain structs.
 *
 * jansson is used only in manifest.c: nothing here exposes a json_t. Every
 * parser takes `what` (the file, for messages) and reports malformed JSON
 * as LS_ERR_FORMAT "WHAT: invalid JSON at line L: msg", a wrong type as
 * LS_ERR_FORMAT naming the field, and too many layers as LS_ERR_LIMIT.
 */
#ifndef LS_SOURCE_MANIFEST_H
#define LS_SOURCE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/image.h"

#define LS_MAX_JSON_BYTES (64u * 1024u * 1024u) /* default of --max-json-size */
#define LS_MAX_JSON_HARD (1024u * 1024u * 1024u) /* what --max-json-size may raise it to */
#define LS_MAX_LAYERS 100000u

/* An OCI descriptor, with the platform and annotations we select on. */
typedef struct {
    char *media_type;
    char *digest;
    int64_t size;                     /* -1 when absent */
    char *os, *architecture, *variant; /* platform; NULL when absent */
    char *ref_name;                   /* org.opencontainers.image.ref.name */
    char *image_name;                 /* io.containerd.image.name */
    bool attestation;                 /* a BuildKit attestation, not an image */
    char *artifact_type;              /* artifactType (OCI 1.1); NULL when absent */
    char *ref_digest;                 /* vnd.docker.reference.digest: the manifest an
                                       * attestation is about */
    char *kind;                       /* cosign's "kind" annotation in a saved layout
                                       * ("dev.cosignproject.cosign/sigs", ...) */
    char *predicate_type;             /* in-toto.io/predicate-type (attestation layers) */
    char *signature;                  /* dev.cosignproject.cosign/signature (base64) */
} ls_descriptor;

typedef enum { LS_DOC_INDEX, LS_DOC_MANIFEST } ls_doc_kind;

/* An image index (manifests) or an image manifest (config + layers). */
typedef struct {
    ls_doc_kind kind;
    char *media_type;
    ls_descriptor *manifests; /* index */
    size_t n_manifests;
    ls_descriptor config;     /* manifest */
    ls_descriptor *layers;    /* manifest */
    size_t n_layers;
    char *artifact_type;      /* artifactType (OCI 1.1); NULL when absent */
    char *subject;            /* subject.digest: the manifest this one refers to; NULL when absent */
} ls_manifest_doc;

/* One image of Docker's manifest.json. */
typedef struct {
    char *config;       /* member path of the config */
    char **repo_tags;
    size_t n_repo_tags;
    char **layers;      /* member paths, bottom first */
    size_t n_layers;
} ls_docker_entry;

typedef struct {
    ls_docker_entry *entries;
    size_t n;
} ls_docker_manifest;

/* Parses an OCI/Docker index or manifest; decides the kind from mediaType,
 * else from which of "manifests"/"layers" is present. */
int ls_manifest_parse(ls_manifest_doc *doc, const char *what, const void *data, size_t len,
                      ls_error *err);
void ls_manifest_doc_free(ls_manifest_doc *doc);

/* Parses Docker's manifest.json (an array of {Config, RepoTags, Layers}). */
int ls_manifest_parse_docker(ls_docker_manifest *out, const char *what, const void *data, size_t len,
                             ls_error *err);
void ls_manifest_docker_free(ls_docker_manifest *m);

/* Fills img's config fields (os, architecture, variant, created, diff_ids,
 * history, env, labels sorted by key, cmd, entrypoint) and sets has_config. */
int ls_manifest_parse_config(ls_image *img, const char *what, const void *data, size_t len,
                             ls_error *err);

/* Is d an artifact rather than an image: a BuildKit attestation, a
 * descriptor with an artifactType, cosign's signature/attestation entries of
 * a saved layout, or a tag of cosign's or the referrers tag schema
 * ("sha256-<hex>[.sig|.att|.sbom]")? Artifacts are never chosen as images. */
bool ls_descriptor_is_artifact(const ls_descriptor *d);

/* Frees a descriptor's strings (not the struct). */
void ls_descriptor_clear(ls_descriptor *d);

#endif
