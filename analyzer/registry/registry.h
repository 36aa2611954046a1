/*
 * registry.h - a client of the OCI Distribution API (a "docker://" registry).
 *
 * One ls_registry per image (or registry walk), on a host (host.h) that
 * owns the TLS settings, the tokens and the idle connections and counts the
 * bytes fetched: the client's own, or shared through a pool (pool.h) by
 * every client of the same registry and credentials in a run. Requests are
 * made with libcurl; every error names the registry (or the reference) and
 * never carries a credential, a token or a URL query string.
 *
 * Basic outline:
 *   1. ls_registry_global_init() once, before any thread (main.c does it),
 *   2. ls_registry_open() for a host ("127.0.0.1:5000", "docker.io"),
 *   3. ls_registry_load_image() for a reference, then ls_registry_open_blob()
 *      for each layer (thread-safe: each reader has its own connection),
 *      and ls_registry_find_attached() / ls_registry_read_blob() for what is
 *      attached to the image; or ls_registry_list_repos() / ls_registry_list_tags(),
 *   4. ls_registry_free().
 */
#ifndef LS_REGISTRY_H
#define LS_REGISTRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/reader.h"
#include "layerscan/error.h"
#include "layerscan/image.h"
#include "layerscan/registry.h" /* ls_registry_opts */
#include "registry/ref.h"
#include "source/attached.h"
#include "source/platform.h"

#define LS_REGISTRY_CONNECT_MS 30000u   /* connecting (at most the document limit) */

/* What a manifest GET asks for: images, indexes and manifest lists. */
#define LS_REGISTRY_ACCEPT_MANIFESTS                                                            \
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "     \
    "application/vnd.docker.distribution.manifest.v2+json, "                                    \
    "application/vnd.docker.distribution.manifest.list.v2+json"

typedef struct ls_registry ls_registry;

/* Initialises libcurl (curl_global_init is not thread-safe): call once
 * before any thread starts. Safe to call again; ls_registry_open calls it
 * too for embedders that forgot. Returns 0, or -1 when libcurl cannot start. */
int ls_registry_global_init(void);

/* A client for host (as a reference names it: "docker.io" means Docker Hub).
 * Reads the credentials for the host (an auth file naming a credential
 * helper is not an error here: anonymous access is tried, and a 401 says
 * that helpers are unsupported) and checks that the host speaks the API
 * (GET /v2/); with opts->insecure that probe also picks https or http.
 * Returns -1 with err filled: LS_ERR_USAGE for a bad option or auth file,
 * LS_ERR_IO for a registry that cannot be reached. */
int ls_registry_open(ls_registry **out, const char *host, const ls_registry_opts *opts,
                     ls_error *err);

/* Accepts NULL. */
void ls_registry_free(ls_registry *c);

/* Bounds manifests, configs and listing pages at max bytes (--max-json-size;
 * LS_MAX_JSON_BYTES unless set; 0 leaves it; capped at LS_MAX_JSON_HARD). */
void ls_registry_set_max_json(ls_registry *c, uint64_t max);

/* Body bytes fetched through this client's host so far (every request,
 * every reader; with a pool, every client of the host). */
uint64_t ls_registry_bytes_fetched(const ls_registry *c);

/* An entry of the image's index that may be about the image, noted while
 * pulling it (so that finding what is attached needs no second fetch of
 * the index). */
typedef struct {
    char *digest;     /* the entry's digest as the index says it (unvalidated) */
    char *ref_digest; /* a BuildKit attestation: the manifest it names, which is
                       * the image's; NULL for an artifact (artifactType), which
                       * is the image's only if its own subject says so */
} ls_registry_entry;

typedef struct {
    ls_registry_entry *items; /* in index order, outer indexes first */
    size_t n;                 /* n <= LS_ATTACHED_MAX */
    bool truncated;           /* the indexes held more than LS_ATTACHED_MAX */
} ls_registry_entries;

/* Accepts a zeroed list. */
void ls_registry_entries_free(ls_registry_entries *e);

/* Pulls the manifest that ref names (following an index or manifest list to
 * the platform `want` picks, as the OCI layout does), verifies the manifest
 * digest when ref names one and the digest of every document fetched by
 * digest, reads and verifies the config, and fills img (everything but
 * reference and transport). `about` (NULL: not wanted; else zeroed, the
 * caller frees it) receives the entries of the indexes passed through that
 * may be about the image. `label` names the image in messages. Returns -1
 * with err filled ("LABEL: 404 manifest unknown", "LABEL: 401 Unauthorized
 * (check --creds)", LS_ERR_DIGEST, LS_ERR_USAGE for a platform not there). */
int ls_registry_load_image(ls_registry *c, const ls_registry_ref *ref, const ls_platform *want,
                           const char *label, ls_image *img, ls_registry_entries *about,
                           ls_error *err);

/* Lists into out the manifests attached to manifest `digest` of repo
 * (source/attached.h), in this order:
 *   1. the entries of `about` (may be NULL): an attestation as "index", an
 *      artifact as "referrer" when its subject is digest;
 *   2. the referrers: GET /v2/REPO/referrers/DIGEST, or when the registry has
 *      no such API (404, as distribution 2.8) the referrers tag schema's
 *      index at tag "sha256-<hex>" (404: none); each listed manifest whose
 *      subject is digest, as "referrer";
 *   3. cosign's tags "sha256-<hex>.sig" and ".att" (404: none), as "tag".
 * With index_only, only step 1 (no request beyond what the index named).
 * Every manifest fetched by digest must hash to it. Each document is bounded
 * by --max-json-size and every request by the image's deadline. A failure
 * (401, 5xx after retries, bad JSON, a digest mismatch) does not stop the
 * rest: the first is returned at the end (-1 with err filled), and what was
 * listed stays in out; out of memory stops at once. Uses the client's
 * document connection: not to be called while another document request of
 * the same client runs. */
int ls_registry_find_attached(ls_registry *c, const char *repo, const char *digest,
                              const ls_registry_entries *about, bool index_only, const char *label,
                              ls_attached_list *out, ls_error *err);

/* Reads blob `digest` of repo whole (at most max bytes: more is
 * LS_ERR_LIMIT) into *data (NUL-terminated; the caller frees it) and checks
 * that it hashes to digest (LS_ERR_DIGEST "LABEL: blob sha256:... digest
 * mismatch: ..."). Same connection rule as ls_registry_find_attached. */
int ls_registry_read_blob(ls_registry *c, const char *repo, const char *digest, size_t max,
                          const char *label, unsigned char **data, size_t *len, ls_error *err);

/* A reader streaming blob `digest` of repo: the HTTP body, pulled through a
 * bounded buffer as the caller reads (no temporary file, no whole blob in
 * memory). `size` is the size the manifest declares: more bytes than that
 * is an error, and a size <= 0 (none declared) is refused before fetching. The bytes are not hashed here: the blob stage hashes
 * them and the layer stage compares with the manifest. A connection reset
 * mid-blob resumes with a Range request. Safe to call from several threads
 * at once. NULL with err filled (a 404 is "LABEL: blob sha256:... 404 blob
 * unknown"). */
ls_reader *ls_registry_open_blob(ls_registry *c, const char *repo, const char *digest,
                                 int64_t size, const char *label, ls_error *err);

/* Called with each name listed; a nonzero return stops the listing (and
 * becomes the listing's return value). */
typedef int (*ls_registry_name_fn)(void *ctx, const char *name);

/* Bounds on one listing: pages fetched and distinct names handed out. */
#define LS_LIST_MAX_PAGES 10000u
#define LS_LIST_MAX_NAMES 1000000u

/* Lists the repositories of the registry (GET /v2/_catalog?n=PAGE_SIZE) and
 * follows `Link: <...>; rel="next"` page by page; page_size 0 leaves n to
 * the server. A Link back to any page already fetched ends the walk (a
 * cycle is not an error); a name is handed out once however often the
 * server repeats it. *pages (if given) receives the number of pages
 * fetched. Returns 0, the callback's nonzero value, or -1 with err filled
 * (LS_ERR_LIMIT "LABEL: the listing runs past 10000 pages (the cap)" or
 * "LABEL: the listing holds more than 1000000 names (the cap)"). */
int ls_registry_list_repos(ls_registry *c, unsigned page_size, ls_registry_name_fn fn, void *ctx,
                           size_t *pages, ls_error *err);

/* The same for the tags of repo (GET /v2/REPO/tags/list). */
int ls_registry_list_tags(ls_registry *c, const char *repo, unsigned page_size,
                          ls_registry_name_fn fn, void *ctx, size_t *pages, ls_error *err);

#endif
