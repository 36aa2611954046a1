/*
 * transport.h - the image transports behind source.c (internal), as a
 * table of operations.
 *
 * A transport turns one image into an ls_image (`load`) and hands out a raw
 * reader per layer blob (`open_layer`); `free` releases whatever it holds.
 * oci.c (directory and oci-archive), docker_archive.c, lone_layer.c (a bare
 * layer file) and analyzer/registry/transport.c (docker://) each fill one
 * table, and source.c calls through it instead of testing which of a
 * store, a registry client or a file it holds: a new transport (a stream,
 * an engine) is a new table, not a new branch at every call site. source.c
 * owns the reference parsing and the sniffing that picks a transport, and
 * opens the store a store-backed transport reads.
 */
#ifndef LS_SOURCE_TRANSPORT_H
#define LS_SOURCE_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/reader.h"
#include "layerscan/error.h"
#include "layerscan/image.h"
#include "source/attached.h"
#include "source/manifest.h"
#include "source/platform.h"
#include "source/store.h"

struct ls_registry_opts;

/* What `load` is told about the image. */
typedef struct {
    const char *ref;          /* the REF of PATH:REF (NULL when absent); for docker://,
                               * HOST/REPO[:TAG|@DIGEST] */
    const ls_platform *want;  /* the platform to pick; NULL for the default */
    const char *label;        /* names the image in messages (the path or reference) */
    const struct ls_registry_opts *registry; /* docker://: credentials, TLS; NULL = defaults */
    uint64_t max_json;        /* --max-json-size (0 = LS_MAX_JSON_BYTES) */
    uint64_t max_layer_bytes; /* --max-layer-size */
    uint64_t deadline_ms;     /* the image's --image-timeout deadline; 0 = none */
    bool index_only;          /* find_attached: only what the image index names, no
                               * referrers or tag requests (audits without keys) */
} ls_transport_args;

typedef struct ls_transport {
    /* Fills img (everything but reference and transport). On entry *state
     * is what source.c opened for the transport (the store of oci and
     * docker-archive, the file of a lone layer; NULL for a registry); the
     * transport owns it from then on, success or not, and may replace it
     * (the registry puts its client there). 0, or -1 with err filled. */
    int (*load)(void **state, ls_image *img, const ls_transport_args *a, ls_error *err);
    /* A new raw reader over layer i of img (unbounded: source.c bounds it).
     * NULL with err filled ("LABEL: layer I blob NAME is missing"). Safe to
     * call from several threads at once. */
    ls_reader *(*open_layer)(void *state, const ls_image *img, size_t i, const char *label,
                             ls_error *err);
    /* Lists the manifests attached to img (source/attached.h) into out.
     * NULL for a transport that has none (a lone layer). 0, or -1 with err
     * filled; what was listed before a failure stays in out. */
    int (*find_attached)(void *state, const ls_image *img, const ls_transport_args *a,
                         ls_attached_list *out, ls_error *err);
    /* Reads the blob named by digest whole (at most max bytes) and checks
     * that it hashes to digest. NULL when find_attached is. */
    int (*read_blob)(void *state, const char *digest, size_t max, unsigned char **data,
                     size_t *len, ls_error *err);
    /* Releases state. Accepts NULL. */
    void (*free)(void *state);
} ls_transport;

/* An OCI layout (directory or oci-archive): index.json -> (nested) index ->
 * platform/ref selection -> manifest -> config. `ref` selects by the
 * org.opencontainers.image.ref.name (or io.containerd.image.name)
 * annotation; `want` (may be NULL) by platform. State: the ls_store. */
extern const ls_transport ls_oci_transport;

/* A docker-archive (legacy or current Docker form): manifest.json's Config
 * and Layers paths. `ref` picks an image by RepoTags when there are
 * several. State: the ls_store. */
extern const ls_transport ls_docker_archive_transport;

/* A whole file that is one layer blob: no config, no digests; refused at
 * load when larger than max_layer_bytes. State: an ls_lone_layer. */
extern const ls_transport ls_lone_layer_transport;

/* docker://HOST/REPO[:TAG|@DIGEST]: opens a registry client (its state)
 * that the layer readers stream from (analyzer/registry/transport.c). */
extern const ls_transport ls_registry_transport;

/* The state of a lone layer: the open file (taken) and its size. */
typedef struct {
    int fd;
    uint64_t size;
} ls_lone_layer;

/* The operations oci and docker-archive share: layer i is the store's file
 * img->layers[i].location; freeing frees the store. */
ls_reader *ls_store_transport_open_layer(void *store, const ls_image *img, size_t i,
                                         const char *label, ls_error *err);
int ls_store_transport_find_attached(void *store, const ls_image *img, const ls_transport_args *a,
                                     ls_attached_list *out, ls_error *err);
int ls_store_transport_read_blob(void *store, const char *digest, size_t max, unsigned char **data,
                                 size_t *len, ls_error *err);
void ls_store_transport_free(void *store);

/* Picks one entry of an index (or manifest list) the way the OCI transport
 * does: attestations dropped, then the entry named `ref` (may be NULL), then
 * the platform `want` (NULL: linux/amd64 when several). *chosen is its
 * position in doc->manifests. LS_ERR_USAGE listing the choices when
 * ambiguous or absent; `what` and `label` name the index in messages.
 * Shared with the registry transport (analyzer/registry/pull.c). */
int ls_oci_choose_manifest(const ls_manifest_doc *doc, const char *what, const char *ref,
                           const ls_platform *want, const char *label, size_t *chosen, ls_error *err);

#endif
