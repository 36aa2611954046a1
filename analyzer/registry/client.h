/*
 * client.h - the inside of an ls_registry, shared by the files of the
 * registry module (registry.c: the request loop, token requests included;
 * pull.c: images; stream.c: blob readers; list.c: catalog and tags). auth.c
 * (token state) and http.c (transfers, URLs) do not need it. Not for other
 * modules.
 */
#ifndef LS_REGISTRY_CLIENT_H
#define LS_REGISTRY_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "blob/sha256.h" /* LS_DIGEST_MAX */
#include "registry/auth.h"
#include "registry/creds.h"
#include "registry/host.h"
#include "registry/http.h"
#include "registry/registry.h"

#define LS_URL_MAX LS_AUTH_URL_MAX

struct ls_registry {
    char *domain;           /* as references name it: "docker.io", "127.0.0.1:5000" */
    char base[LS_HOST_BASE_MAX]; /* "https://HOST" or "http://HOST" (the host's probe decided) */
    bool insecure;          /* --tls-verify=false */
    ls_registry_host *host; /* shared with the pool's other clients of the host (host.h) */
    bool own_host;          /* no pool: the host is this client's, freed with it */
    ls_creds creds;         /* for messages (the host's auth holds what is sent) */
    ls_auth *auth;          /* the host's token table */
    ls_http *meta;          /* manifests, config, listings: the opening thread's, taken
                             * from the host and given back when the client is freed */
    bool debug;             /* LAYERSCAN_DEBUG set: one line per request on stderr */
    size_t max_json;        /* bound on manifests, configs, listings (--max-json-size) */
    uint64_t doc_timeout_ms; /* one whole document request (--registry-timeout) */
    uint64_t stall_ms;      /* the low-speed window (--registry-stall) */
    uint64_t deadline_ms;   /* ls_monotonic_ms() past which nothing is sent; 0 = none */
};

/* Which limit a transfer runs under (the tag of ls_http_set_timeout). */
enum { LS_LIMIT_NONE = 0, LS_LIMIT_DOC, LS_LIMIT_DEADLINE };

/* Arms h for one request: a document gets the document limit, a blob none
 * (only the low-speed rule), and either at most what is left before the
 * deadline. -1 with err filled ("LABEL: --image-timeout reached") when the
 * deadline has passed already. */
int ls_registry_arm(const struct ls_registry *c, ls_http *h, bool document, const char *label,
                    ls_error *err);

typedef struct {
    const char *scope;      /* the token scope the request needs; NULL for none */
    const char *accept;     /* the Accept value, or NULL */
    uint64_t range_from;    /* resume a body at this offset; 0 = from the start */
    bool no_auth;           /* never authenticate (the /v2/ probe) */
    bool blob;              /* a layer blob: no total time limit, only the low-speed
                             * rule and the deadline (documents get --registry-timeout) */
    const char *credentials; /* an Authorization value sent as is, wherever the URL
                             * points (the token request's Basic); NULL = none */
    bool no_redirect;       /* a 3xx is the answer, not followed (the token request) */
} ls_request;

/* GET url (absolute) through h: follows redirects (Authorization only ever
 * goes to the registry's own origin, never to blob storage elsewhere),
 * answers 401 challenges (fetching a token through this same function when
 * a Bearer challenge asks for one), and retries 429/5xx and reset
 * connections with backoff (honouring Retry-After). Returns 0 with the final response's
 * headers in h, whatever its status (the caller judges it), or -1 with err
 * filled ("LABEL: ..." naming curl's reason; TLS failures with a hint). */
int ls_registry_send(struct ls_registry *c, ls_http *h, const char *url, const ls_request *rq,
                     const char *label, ls_error *err);

/* A small document fetched whole (manifest, config, listing page). */
typedef struct {
    char *data;              /* NUL-terminated; the caller frees it */
    size_t len;
    char content_type[256];
    char link[4096];         /* the Link header, "" when none */
} ls_small_doc;

/* GETs url and reads the body when the answer is 200 (at most max bytes:
 * more is LS_ERR_LIMIT); any other answer becomes the error
 * ("LABEL[ WHAT]: 404 manifest unknown"). A body cut by a reset connection
 * is fetched again, a bounded number of times. 0 or -1 with err filled. */
int ls_registry_get_small(struct ls_registry *c, const char *url, const ls_request *rq, size_t max,
                          const char *label, const char *what, ls_small_doc *out, ls_error *err);

/* ls_registry_get_small where a 404 means "not there" rather than an
 * error (the referrers API, cosign's tags): 1 then, nothing allocated. */
int ls_registry_get_small_opt(struct ls_registry *c, const char *url, const ls_request *rq,
                              size_t max, const char *label, const char *what, ls_small_doc *out,
                              ls_error *err);

/* pull.c: GETs /v2/REPO/KIND/OBJECT whole, at most max bytes (0: the
 * client's max_json), asking for `accept` (may be NULL); `what` names the
 * object in messages ("" for the reference itself). 0; 1 when absent_ok and
 * the answer is 404; -1 with err filled. */
int ls_registry_fetch_object(struct ls_registry *c, const char *repo, const char *kind,
                             const char *object, const char *accept, size_t max, bool absent_ok,
                             const char *label, const char *what, ls_small_doc *doc, ls_error *err);

/* pull.c: hashes data into got and checks it against want (a validated
 * digest; NULL checks nothing). LS_ERR_DIGEST "LABEL: WHAT digest
 * mismatch: asked for D, the registry sent G"; LS_ERR_UNSUPPORTED for an
 * algorithm other than sha256. */
int ls_registry_verify(const void *data, size_t len, const char *want, const char *label,
                       const char *what, char got[LS_DIGEST_MAX], ls_error *err);

/* Formats the error of a non-2xx response (reading the registry's error
 * body for its message): "LABEL[ WHAT]: 404 manifest unknown",
 * "LABEL: 401 Unauthorized (check --creds)". Always returns -1. */
int ls_registry_status_error(struct ls_registry *c, ls_http *h, const char *label,
                             const char *what, ls_error *err);

/* Formats curl's failure: "LABEL: REASON" (with a --cert-dir hint for TLS;
 * a time limit is named: "LABEL: no complete answer within 60s
 * (--registry-timeout)", "LABEL: the transfer stalled: under 1024 bytes/s
 * for 30s (--registry-stall)", "LABEL: --image-timeout reached"). */
int ls_registry_curl_error(const struct ls_registry *c, const ls_http *h, CURLcode cc,
                           const char *label, ls_error *err);

/* What to tell the user about credentials after a 401. */
void ls_registry_creds_hint(const struct ls_registry *c, char *out, size_t cap);

#endif
