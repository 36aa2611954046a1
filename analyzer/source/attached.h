/*
 * attached.h - the manifests attached to an image beside its layers:
 * BuildKit attestation manifests, cosign signatures and attestations, OCI
 * 1.1 referrers.
 *
 * A transport finds them where its medium keeps them and hands back each
 * manifest's bytes, verified against its digest; what they hold (in-toto
 * statements, simple-signing payloads, Sigstore bundles) is read by
 * analyzer/supply. Where each was found is kept, because the report says
 * it ("index", "referrer", "tag"):
 *   - index: an entry of the image index that names the image
 *     (vnd.docker.reference.digest, BuildKit's older form), or an entry of
 *     a saved layout that cosign marked with its "kind" annotation;
 *   - referrer: a manifest whose subject is the image (BuildKit's current
 *     form, cosign's bundles): from the referrers API, the referrers tag
 *     schema, an index entry or, in a layout, any manifest among blobs/;
 *   - tag: cosign's legacy tags sha256-<hex>.sig / .att.
 * The same manifest found twice is listed once (the first way wins).
 */
#ifndef LS_SOURCE_ATTACHED_H
#define LS_SOURCE_ATTACHED_H

#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/image.h"
#include "source/store.h"

typedef enum { LS_ATTACHED_INDEX, LS_ATTACHED_REFERRER, LS_ATTACHED_TAG } ls_attached_via;

typedef struct {
    char *digest;        /* "sha256:<hex>" of the manifest bytes (verified) */
    ls_attached_via via;
    unsigned char *data; /* the manifest bytes, NUL-terminated */
    size_t len;
} ls_attached;

typedef struct {
    ls_attached *items;
    size_t n, cap;
    size_t bytes;        /* of all items' data */
} ls_attached_list;

/* The most attached manifests read for one image, the largest one, and
 * their total: past these the rest are left and the caller is told
 * (LS_ERR_LIMIT). Real ones are a few KiB; an image may attach anything. */
#define LS_ATTACHED_MAX 256u
#define LS_ATTACHED_MANIFEST_MAX (4u << 20)
#define LS_ATTACHED_TOTAL_MAX (32u << 20)

/* "index", "referrer", "tag". */
const char *ls_attached_via_name(ls_attached_via via);

/* Appends a copy of data unless digest is already listed (then returns 0
 * and leaves the list alone). LS_ERR_LIMIT past LS_ATTACHED_MAX, for a
 * manifest over LS_ATTACHED_MANIFEST_MAX or a list over
 * LS_ATTACHED_TOTAL_MAX ("attached manifest sha256:...: ..."). */
int ls_attached_add(ls_attached_list *l, const char *digest, ls_attached_via via,
                    const void *data, size_t len, ls_error *err);

/* Is digest already listed? */
int ls_attached_has(const ls_attached_list *l, const char *digest);

void ls_attached_list_free(ls_attached_list *l);

/* The store-backed transports (OCI layout, oci-archive, docker-archive's
 * OCI form): walks index.json and the indexes it names for entries about
 * img->manifest_digest, then the manifests among blobs/sha256/ whose
 * subject it is. Nothing (0, empty list) when the store has no index.json
 * or the image has no manifest digest. Reads are bounded by the store's
 * max JSON size. */
int ls_store_find_attached(ls_store *store, const ls_image *img, ls_attached_list *out, ls_error *err);

/* Docker's OCI-form archive names its image by config in manifest.json;
 * what is attached names it by manifest digest. Finds the manifest that
 * index.json (or an index it names) lists whose config is config_digest:
 * *digest gets a copy of its digest, or NULL when there is none (no
 * index.json, a legacy archive). -1 with err filled only for out of
 * memory or an I/O error on index.json. */
int ls_store_manifest_of_config(ls_store *store, const char *config_digest, char **digest,
                                ls_error *err);

#endif
