/*
 * transport.h - the image transports behind source.c (internal).
 *
 * Each loader reads the metadata of one image out of a blob store and fills
 * the ls_image: manifest and config digests, layers (with the store name of
 * each blob in `location`) and the parsed config. source.c owns the store,
 * the reference parsing and the sniffing that picks a loader.
 */
#ifndef LS_SOURCE_TRANSPORT_H
#define LS_SOURCE_TRANSPORT_H

#include "layerscan/error.h"
#include "layerscan/image.h"
#include "source/manifest.h"
#include "source/platform.h"
#include "source/store.h"

/* An OCI layout (directory or oci-archive): index.json -> (nested) index ->
 * platform/ref selection -> manifest -> config. `ref` selects by the
 * org.opencontainers.image.ref.name (or io.containerd.image.name)
 * annotation; `want` (may be NULL) by platform. */
int ls_oci_load(ls_image *img, ls_store *store, const char *ref, const ls_platform *want,
                ls_error *err);

/* Picks one entry of an index (or manifest list) the way ls_oci_load does:
 * attestations dropped, then the entry named `ref` (may be NULL), then the
 * platform `want` (NULL: linux/amd64 when several). *chosen is its position
 * in doc->manifests. LS_ERR_USAGE listing the choices when ambiguous or
 * absent; `what` and `label` name the index in messages. Shared with the
 * registry transport (analyzer/registry/pull.c). */
int ls_oci_choose_manifest(const ls_manifest_doc *doc, const char *what, const char *ref,
                           const ls_platform *want, const char *label, size_t *chosen, ls_error *err);

/* A docker-archive (legacy or current Docker form): manifest.json's Config
 * and Layers paths. `ref` picks an image by RepoTags when there are several. */
int ls_docker_archive_load(ls_image *img, ls_store *store, const char *ref, ls_error *err);

#endif
