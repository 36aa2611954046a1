/*
 * registry.h - a client of the OCI Distribution API (a "docker://" registry).
 *
 * One ls_registry per registry host: it owns the TLS settings, the
 * credentials and the tokens, and counts the bytes it fetched. Requests are
 * made with libcurl; every error names the registry (or the reference) and
 * never carries a credential, a token or a URL query string.
 *
 * Basic outline:
 *   1. ls_registry_global_init() once, before any thread (main.c does it),
 *   2. ls_registry_open() for a host ("127.0.0.1:5000", "docker.io"),
 *   3. ls_registry_load_image() for a reference, then ls_registry_open_blob()
 *      for each layer (thread-safe: each reader has its own connection),
 *      or ls_registry_list_repos() / ls_registry_list_tags(),
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
#include "registry/creds.h"
#include "registry/ref.h"
#include "source/platform.h"

/* What the command line says about registries (all optional). */
typedef struct ls_registry_opts {
    const char *creds;     /* --creds USER:PASS; beats every auth file */
    const char *authfile;  /* --authfile FILE; else REGISTRY_AUTH_FILE, then
                            * $XDG_RUNTIME_DIR/containers/auth.json,
                            * ~/.config/containers/auth.json, ~/.docker/config.json */
    const char *cert_dir;  /* --cert-dir DIR: *.crt are trusted CAs (besides the
                            * system's), a *.cert + *.key pair a client certificate */
    bool insecure;         /* --tls-verify=false: plain http allowed, TLS unverified */
    _Atomic uint64_t *bytes_fetched; /* optional: body bytes fetched are also added here */
    /* Time limits; 0 = the default. */
    uint64_t doc_timeout_ms; /* --registry-timeout: one whole request for a manifest, config,
                              * token or listing page (LS_REGISTRY_DOC_TIMEOUT_MS) */
    uint64_t stall_ms;       /* --registry-stall: a transfer under LS_REGISTRY_LOW_SPEED
                              * bytes/s for this long fails (LS_REGISTRY_STALL_MS) */
    uint64_t deadline_ms;    /* ls_monotonic_ms() past which every request fails (the
                              * image's --image-timeout; set by the source); 0 = none */
    ls_creds_env auth_env;   /* where the auth files are, as the program read its
                              * environment; all NULL = only --creds/--authfile */
    bool debug;              /* LAYERSCAN_DEBUG: requests traced to stderr */
} ls_registry_opts;

#define LS_REGISTRY_DOC_TIMEOUT_MS 60000u
#define LS_REGISTRY_STALL_MS 30000u
#define LS_REGISTRY_LOW_SPEED 1024u     /* bytes per second */
#define LS_REGISTRY_CONNECT_MS 30000u   /* connecting (at most the document limit) */

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

/* Body bytes fetched by this client so far (every request, every reader). */
uint64_t ls_registry_bytes_fetched(const ls_registry *c);

/* Pulls the manifest that ref names (following an index or manifest list to
 * the platform `want` picks, as the OCI layout does), verifies the manifest
 * digest when ref names one and the digest of every document fetched by
 * digest, reads and verifies the config, and fills img (everything but
 * reference and transport). `label` names the image in messages. Returns -1
 * with err filled ("LABEL: 404 manifest unknown", "LABEL: 401 Unauthorized
 * (check --creds)", LS_ERR_DIGEST, LS_ERR_USAGE for a platform not there). */
int ls_registry_load_image(ls_registry *c, const ls_registry_ref *ref, const ls_platform *want,
                           const char *label, ls_image *img, ls_error *err);

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
