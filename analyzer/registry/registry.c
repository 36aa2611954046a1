/*
 * registry.c - the registry client: opening it (credentials, TLS, the
 * /v2/ probe that also picks http or https under --tls-verify=false) and
 * the one request loop every GET goes through.
 *
 * The loop owns the three things a registry GET must survive: redirects
 * (blob storage lives elsewhere; Authorization never follows a redirect to
 * another origin, whatever the libcurl version would do), 401 challenges
 * (auth.c says what to send; a token request goes through this same loop,
 * so the token service gets the same retries, Retry-After and time limits
 * as the registry), and transient failures (429, 5xx, reset connections:
 * bounded attempts with exponential backoff, or the server's Retry-After). Messages
 * name the registry or the image and echo URLs without their query string
 * (presigned blob URLs carry signatures there).
 */
#include "registry/client.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "registry/docs.h"
#include "registry/pool.h"
#include "registry/ref.h"
#include "source/manifest.h"

#define MAX_ATTEMPTS 4        /* one try and three retries */
#define MAX_REDIRECTS 5
#define MAX_AUTH_ROUNDS 2
#define MAX_RETRY_AFTER 60    /* seconds we are willing to wait when told to */
#define MAX_ERROR_BODY (64u * 1024u)
#define MAX_TOKEN_BODY (1024u * 1024u)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int ls_registry_global_init(void)
{
    pthread_once(&curl_once, curl_init_once);
    return curl_init_rc == CURLE_OK ? 0 : -1;
}

uint64_t ls_registry_bytes_fetched(const ls_registry *c)
{
    return atomic_load(&c->host->bytes);
}

/* ---- messages ----------------------------------------------------------- */

void ls_registry_creds_hint(const ls_registry *c, char *out, size_t cap)
{
    switch (c->creds.kind) {
    case LS_CREDS_PASSWORD:
        if (strcmp(c->creds.source, "--creds") == 0)
            snprintf(out, cap, "check --creds");
        else
            snprintf(out, cap, "check the credentials for %s in %s", c->domain, c->creds.source);
        break;
    case LS_CREDS_HELPER: /* it was run, and had none or failed: helper_msg says which */
        snprintf(out, cap, "%s (named in %s)", c->creds.helper_msg, c->creds.source);
        break;
    case LS_CREDS_TOKEN:
        snprintf(out, cap, "check the identity token for %s in %s", c->domain, c->creds.source);
        break;
    case LS_CREDS_NONE:
        snprintf(out, cap, "no credentials for %s: pass --creds or --authfile", c->domain);
        break;
    }
}

static bool is_tls_error(CURLcode cc)
{
    switch (cc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
        return true;
    default:
        return false;
    }
}

/* ms as "60s", "1.5s". */
static void format_ms(char *out, size_t cap, uint64_t ms)
{
    if (ms % 1000 == 0)
        snprintf(out, cap, "%llus", (unsigned long long)(ms / 1000));
    else
        snprintf(out, cap, "%.1fs", (double)ms / 1000.0);
}

int ls_registry_arm(const ls_registry *c, ls_http *h, bool document, const char *label,
                    ls_error *err)
{
    uint64_t ms = document ? c->doc_timeout_ms : 0, now;
    int tag = document ? LS_LIMIT_DOC : LS_LIMIT_NONE;
    if (c->deadline_ms) {
        now = ls_monotonic_ms();
        if (now >= c->deadline_ms)
            return ls_error_set(err, LS_ERR_LIMIT, "%s: --image-timeout reached", label);
        if (!ms || c->deadline_ms - now < ms) {
            ms = c->deadline_ms - now;
            tag = LS_LIMIT_DEADLINE;
        }
    }
    ls_http_set_timeout(h, ms > LONG_MAX ? LONG_MAX : (long)ms, tag);
    return 0;
}

int ls_registry_curl_error(const ls_registry *c, const ls_http *h, CURLcode cc, const char *label,
                           ls_error *err)
{
    char t[32];
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        if (ls_http_stalled(h)) {
            format_ms(t, sizeof t, c->stall_ms);
            return ls_error_set(err, LS_ERR_IO,
                                "%s: the transfer stalled: under %u bytes/s for %s (--registry-stall)",
                                label, (unsigned)LS_REGISTRY_LOW_SPEED, t);
        }
        if (ls_http_timeout_tag(h) == LS_LIMIT_DEADLINE)
            return ls_error_set(err, LS_ERR_LIMIT, "%s: --image-timeout reached", label);
        format_ms(t, sizeof t, c->doc_timeout_ms);
        return ls_error_set(err, LS_ERR_IO, "%s: no complete answer within %s (--registry-timeout)",
                            label, t);
    }
    if (is_tls_error(cc))
        return ls_error_set(err, LS_ERR_IO, "%s: TLS: %s (%s)", label, ls_http_errmsg(h, cc),
                            c->insecure ? "--tls-verify=false is set"
                                        : "trust the registry's CA with --cert-dir DIR, or "
                                          "--tls-verify=false");
    return ls_error_set(err, LS_ERR_IO, "%s: %s", label, ls_http_errmsg(h, cc));
}

static const char *reason_of(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

int ls_registry_status_error(ls_registry *c, ls_http *h, const char *label, const char *what,
                             ls_error *err)
{
    long st = ls_http_response_of(h)->status;
    char msg[200] = "", hint[600];
    char *body = NULL;
    size_t len = 0;
    CURLcode cc;
    const char *sep = what && *what ? " " : "";
    if (ls_http_read_all(h, MAX_ERROR_BODY, &body, &len, &cc) == 0)
        ls_docs_error_message(body, len, msg, sizeof msg);
    free(body);
    ls_http_end(h);
    if (!what)
        what = "";
    if (st == 401) {
        ls_registry_creds_hint(c, hint, sizeof hint);
        return ls_error_set(err, LS_ERR_IO, "%s%s%s: 401 Unauthorized (%s)", label, sep, what, hint);
    }
    if (st == 403)
        return ls_error_set(err, LS_ERR_IO, "%s%s%s: 403 Forbidden%s%s (the credentials do not allow "
                            "pulling it)", label, sep, what, msg[0] ? ": " : "", msg);
    if (st == 404 && msg[0])
        return ls_error_set(err, LS_ERR_IO, "%s%s%s: 404 %s", label, sep, what, msg);
    return ls_error_set(err, LS_ERR_IO, "%s%s%s: %ld %s%s%s", label, sep, what, st, reason_of(st),
                        msg[0] ? ": " : "", msg);
}

/* ---- the request loop --------------------------------------------------- */

static bool retryable_curl(CURLcode cc)
{
    return cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
           cc == CURLE_PARTIAL_FILE || cc == CURLE_HTTP2 || cc == CURLE_HTTP2_STREAM;
}

static bool retryable_status(long st)
{
    return st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

static bool is_redirect(long st)
{
    return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* The wait before attempt `attempt` + 1, in ms; -1 when the server asks
 * for longer than we wait. */
static long backoff_ms(int attempt, long retry_after)
{
    if (retry_after > MAX_RETRY_AFTER)
        return -1;
    if (retry_after >= 0)
        return retry_after * 1000L;
    return 250L << (attempt - 1); /* 250 ms, 500 ms, 1 s */
}

static struct curl_slist *build_headers(const ls_request *rq, const char *auth, bool *oom)
{
    struct curl_slist *l = NULL, *t;
    char line[LS_MAX_TOKEN_BYTES + 64];
    *oom = false;
    if (rq->accept) {
        snprintf(line, sizeof line, "Accept: %s", rq->accept);
        if (!(l = curl_slist_append(l, line)))
            goto oom;
    }
    if (auth) {
        snprintf(line, sizeof line, "Authorization: %s", auth);
        t = curl_slist_append(l, line);
        explicit_bzero(line, sizeof line);
        if (!t)
            goto oom;
        l = t;
    }
    return l;
oom:
    curl_slist_free_all(l);
    *oom = true;
    return NULL;
}

static void free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

typedef enum { STEP_AGAIN, STEP_DONE, STEP_FAIL } step;

typedef struct {
    char cur[LS_URL_MAX]; /* the URL being fetched */
    int retries, redirects, auth_rounds; /* retries of transient failures */
} send_state;

static step after_redirect(ls_registry *c, ls_http *h, send_state *s, const char *label,
                           ls_error *err)
{
    char next[LS_URL_MAX];
    if (++s->redirects > MAX_REDIRECTS) {
        ls_error_set(err, LS_ERR_IO, "%s: more than %d redirects", label, MAX_REDIRECTS);
        return STEP_FAIL;
    }
    if (ls_http_resolve_url(s->cur, ls_http_response_of(h)->location, next, sizeof next) < 0) {
        ls_error_set(err, LS_ERR_IO, "%s: the registry redirects to an unusable location", label);
        return STEP_FAIL;
    }
    if (strncmp(s->cur, "https:", 6) == 0 && strncmp(next, "http:", 5) == 0 && !c->insecure) {
        ls_error_set(err, LS_ERR_IO,
                     "%s: refusing a redirect from https to plain http (--tls-verify=false allows it)",
                     label);
        return STEP_FAIL;
    }
    strcpy(s->cur, next);
    ls_http_end(h);
    return STEP_AGAIN;
}

/* ---- tokens ------------------------------------------------------------- */

/* GETs the token tr describes through the request loop (the same retries,
 * Retry-After and time limits as any document; no 401 answered, no
 * redirect followed); *value = "Bearer <token>". */
static int fetch_token(ls_registry *c, const ls_auth_token_request *tr, const char *label,
                       char **value, ls_error *err)
{
    const ls_request rq = {.no_auth = true, .no_redirect = true, .credentials = tr->basic};
    char logurl[512], hint[600], what[700];
    ls_http *h = NULL;
    char *body = NULL, *token = NULL;
    size_t len = 0;
    CURLcode cc = CURLE_OK;
    long st;
    int rc = -1, r;
    *value = NULL;
    ls_http_url_for_log(tr->url, logurl, sizeof logurl);
    snprintf(what, sizeof what, "%s: token service %s", label, logurl);
    if (!(h = ls_registry_host_take(c->host)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: cannot start libcurl", label);
    atomic_fetch_add(&c->host->counters->tokens, 1);
    /* an identity token is POSTed (oauth.md); h is this fetch's alone until
     * it goes back to the host, which forgets the form */
    if (tr->form && ls_http_set_post(h, tr->form) < 0) {
        ls_error_set(err, LS_ERR_INTERNAL, "%s: libcurl cannot POST", label);
        goto out;
    }
    /* a deadline already past names the image, as for its other requests */
    if (ls_registry_arm(c, h, true, label, err) < 0 || ls_registry_send(c, h, tr->url, &rq, what, err) < 0)
        goto out;
    st = ls_http_response_of(h)->status;
    if (st == 401 || st == 403) {
        ls_registry_creds_hint(c, hint, sizeof hint);
        ls_error_set(err, LS_ERR_IO, "%s: %ld %s (%s)", label, st,
                     st == 401 ? "Unauthorized" : "Forbidden", hint);
        goto out;
    }
    if (st != 200) {
        ls_error_set(err, LS_ERR_IO, "%s: token service %s answered HTTP %ld", label, logurl, st);
        goto out;
    }
    r = ls_http_read_all(h, MAX_TOKEN_BODY, &body, &len, &cc);
    if (r == -1) {
        ls_registry_curl_error(c, h, cc, what, err);
        goto out;
    }
    if (r < 0) {
        ls_error_set(err, LS_ERR_LIMIT, "%s: answer too large", what);
        goto out;
    }
    if (ls_docs_token(body, len, what, &token, err) < 0)
        goto out;
    if (!(*value = malloc(strlen(token) + 8))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto out;
    }
    strcpy(*value, "Bearer ");
    strcat(*value, token);
    rc = 0;
out:
    free_secret(token);
    if (body) {
        explicit_bzero(body, len);
        free(body);
    }
    ls_registry_host_give(c->host, h);
    return rc;
}

/* After a 401: what auth.c makes of the challenge, fetching the token when
 * it asks for one. An ls_auth_next (never LS_AUTH_FETCH), or -1 with err. */
static int answer_challenge(ls_registry *c, const char *challenge, const char *scope,
                            const char *sent, const char *label, ls_error *err)
{
    ls_auth_token_request tr;
    ls_error failure = {0};
    char *value = NULL;
    int r = ls_auth_challenge(c->auth, challenge, scope, sent, c->insecure, label, &tr, err);
    if (r != LS_AUTH_FETCH)
        return r;
    if (fetch_token(c, &tr, label, &value, &failure) < 0)
        value = NULL;
    return ls_auth_token_done(c->auth, &tr, value, &failure, err);
}

/* A request of a scope that has no token yet, to a registry that wants
 * tokens: the token is fetched first, saving the 401 round trip. A failure
 * is not this request's to report: sent without a token, it gets its 401,
 * and answering that challenge says what went wrong. */
static void prefetch_token(ls_registry *c, const ls_request *rq, const char *label)
{
    ls_auth_token_request tr;
    ls_error failure = {0}, ignored = {0};
    char *value = NULL;
    if (!rq->scope || rq->no_auth || rq->credentials ||
        ls_auth_prefetch(c->auth, rq->scope, c->insecure, label, &tr, &ignored) != LS_AUTH_FETCH)
        return;
    if (fetch_token(c, &tr, label, &value, &failure) < 0)
        value = NULL;
    (void)ls_auth_token_done(c->auth, &tr, value, &failure, &ignored);
}

/* What to do with the outcome of one attempt. */
static step judge(ls_registry *c, ls_http *h, send_state *s, const ls_request *rq, CURLcode cc,
                  bool own, const char *sent, const char *label, ls_error *err)
{
    const ls_http_response *resp = ls_http_response_of(h);
    if (cc != CURLE_OK) {
        if (!retryable_curl(cc) || s->retries + 1 >= MAX_ATTEMPTS) {
            ls_registry_curl_error(c, h, cc, label, err);
            return STEP_FAIL;
        }
        ls_http_end(h);
        ls_http_sleep_ms(backoff_ms(++s->retries, -1));
        return STEP_AGAIN;
    }
    if (resp->status == 401 && own && !rq->no_auth && s->auth_rounds++ < MAX_AUTH_ROUNDS) {
        int r = answer_challenge(c, resp->www_authenticate, rq->scope, sent, label, err);
        if (r < 0)
            return STEP_FAIL;
        if (r == LS_AUTH_GIVE_UP)
            return STEP_DONE; /* nothing to answer with: the 401 is the answer */
        ls_http_end(h);
        return STEP_AGAIN;
    }
    if (is_redirect(resp->status) && !rq->no_redirect &&
        (resp->location[0] || resp->location_overlong)) {
        if (resp->location_overlong) {
            ls_error_set(err, LS_ERR_IO, "%s: the registry redirects to an overlong URL", label);
            return STEP_FAIL;
        }
        return after_redirect(c, h, s, label, err);
    }
    if (retryable_status(resp->status) && s->retries + 1 < MAX_ATTEMPTS &&
        backoff_ms(s->retries + 1, resp->retry_after) >= 0) {
        long wait = backoff_ms(++s->retries, resp->retry_after);
        ls_http_end(h);
        ls_http_sleep_ms(wait);
        return STEP_AGAIN;
    }
    return STEP_DONE; /* the caller judges the status */
}

int ls_registry_send(ls_registry *c, ls_http *h, const char *url, const ls_request *rq,
                     const char *label, ls_error *err)
{
    send_state s = {.retries = 0};
    char logurl[512];
    if (strlen(url) >= sizeof s.cur)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: URL too long", label);
    strcpy(s.cur, url);
    if (ls_http_same_origin(s.cur, c->base))
        prefetch_token(c, rq, label);
    for (;;) {
        bool own = ls_http_same_origin(s.cur, c->base), oom;
        char *auth = rq->credentials           ? strdup(rq->credentials)
                     : own && !rq->no_auth ? ls_auth_value(c->auth, rq->scope)
                                           : NULL;
        struct curl_slist *hdrs = build_headers(rq, auth, &oom);
        CURLcode cc;
        step next;
        if (oom || (rq->credentials && !auth)) {
            curl_slist_free_all(hdrs);
            free_secret(auth);
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        }
        if (ls_registry_arm(c, h, !rq->blob, label, err) < 0) {
            free_secret(auth);
            curl_slist_free_all(hdrs);
            return -1;
        }
        cc = ls_http_begin(h, s.cur, hdrs, rq->range_from);
        if (c->debug) {
            ls_http_url_for_log(s.cur, logurl, sizeof logurl);
            fprintf(stderr, "layerscan: registry: %s %s -> %ld%s%s\n", ls_http_method(h), logurl,
                    cc == CURLE_OK ? ls_http_response_of(h)->status : -1L,
                    auth ? " (authorized)" : "", cc == CURLE_OK ? "" : " (transfer failed)");
        }
        next = judge(c, h, &s, rq, cc, own, auth, label, err);
        free_secret(auth);
        if (next == STEP_FAIL)
            ls_http_end(h);
        if (next != STEP_AGAIN)
            return next == STEP_DONE ? 0 : -1;
    }
}

/* ls_registry_get_small, and with absent_ok a 404 is no error: 1. */
static int get_small(ls_registry *c, const char *url, const ls_request *rq, size_t max,
                     bool absent_ok, const char *label, const char *what, ls_small_doc *out,
                     ls_error *err)
{
    memset(out, 0, sizeof *out);
    for (int attempt = 1;; attempt++) {
        const ls_http_response *resp;
        CURLcode cc = CURLE_OK;
        int r;
        if (ls_registry_send(c, c->meta, url, rq, label, err) < 0)
            return -1;
        resp = ls_http_response_of(c->meta);
        if (resp->status == 404 && absent_ok) {
            ls_http_end(c->meta);
            return 1;
        }
        if (resp->status != 200)
            return ls_registry_status_error(c, c->meta, label, what, err);
        snprintf(out->content_type, sizeof out->content_type, "%s", resp->content_type);
        snprintf(out->link, sizeof out->link, "%s", resp->link);
        r = ls_http_read_all(c->meta, max, &out->data, &out->len, &cc);
        if (r == -1 && retryable_curl(cc) && attempt < MAX_ATTEMPTS) {
            ls_http_end(c->meta);
            ls_http_sleep_ms(backoff_ms(attempt, -1));
            continue;
        }
        if (r == -1)
            ls_registry_curl_error(c, c->meta, cc, label, err);
        else if (r == -2)
            ls_error_set(err, LS_ERR_LIMIT, "%s%s%s: larger than %zu bytes (refused; see --max-json-size)", label,
                         what && *what ? " " : "", what ? what : "", max);
        else if (r < 0)
            ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        ls_http_end(c->meta);
        return r == 0 ? 0 : -1;
    }
}

int ls_registry_get_small(ls_registry *c, const char *url, const ls_request *rq, size_t max,
                          const char *label, const char *what, ls_small_doc *out, ls_error *err)
{
    return get_small(c, url, rq, max, false, label, what, out, err);
}

int ls_registry_get_small_opt(ls_registry *c, const char *url, const ls_request *rq, size_t max,
                              const char *label, const char *what, ls_small_doc *out, ls_error *err)
{
    return get_small(c, url, rq, max, true, label, what, out, err);
}

/* ---- opening ------------------------------------------------------------ */

/* GET /v2/ at base: 0 when it answers like a registry (2xx, 401, 403);
 * 1 when it answers otherwise, -1 when the request itself fails (err). */
static int probe(ls_registry *c, ls_error *err)
{
    const ls_request rq = {.no_auth = true};
    char url[700];
    long st;
    snprintf(url, sizeof url, "%s/v2/", c->base);
    atomic_fetch_add(&c->host->counters->probes, 1);
    if (ls_registry_send(c, c->meta, url, &rq, c->domain, err) < 0)
        return -1;
    st = ls_http_response_of(c->meta)->status;
    if ((st >= 200 && st < 300) || st == 401 || st == 403) {
        ls_http_end(c->meta);
        return 0;
    }
    if (st == 404 || (st >= 300 && st < 400)) {
        ls_http_end(c->meta);
        ls_error_set(err, LS_ERR_IO, "%s: not a container registry (GET /v2/ answered HTTP %ld)",
                     c->domain, st);
        return 1;
    }
    ls_registry_status_error(c, c->meta, c->domain, "", err);
    return 1;
}

/* With --tls-verify=false, plain http is tried when https fails to get any
 * answer (a plain-http server answers a TLS hello with garbage). */
static int probe_scheme(ls_registry *c, const char *host, ls_error *err)
{
    ls_error first = {0};
    int rc;
    snprintf(c->base, sizeof c->base, "https://%s", host);
    if ((rc = probe(c, &first)) == 0)
        return 0;
    if (!c->insecure || rc > 0) {
        ls_error_pass(err, &first);
        return -1;
    }
    snprintf(c->base, sizeof c->base, "http://%s", host);
    return probe(c, err) == 0 ? 0 : -1;
}

/* --cert-dir, else the registry's certs.d directory when one exists (as
 * Docker and podman find theirs), else NULL. */
static const char *cert_dir_of(const ls_registry_opts *opts, const char *domain, char *buf,
                               size_t cap)
{
    if (opts->cert_dir)
        return opts->cert_dir;
    if (opts->certs_d && ls_http_certs_d_pick(opts->certs_d, ls_registry_domain_host(domain), buf, cap))
        return buf;
    return NULL;
}

/* What clients must agree on to share a host: the registry, how it is
 * reached (TLS settings, limits) and who they are (the credentials, as a
 * SHA-256 so the key holds no secret). 0, or -1 out of memory. */
static int host_key(const ls_registry *c, const char *cert_dir, char **key, ls_error *err)
{
    char who[LS_DIGEST_MAX] = "", *id = NULL;
    size_t n;
    int rc;
    if (c->creds.kind != LS_CREDS_NONE) {
        const char *u = c->creds.user ? c->creds.user : "", *p = c->creds.pass ? c->creds.pass : "";
        n = strlen(u) + strlen(p) + strlen(c->creds.helper) + 16;
        if (!(id = malloc(n)))
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", c->domain);
        n = (size_t)snprintf(id, n, "%d%c%s%c%s%c%s", (int)c->creds.kind, 0, u, 0, p, 0,
                             c->creds.helper);
        rc = ls_sha256_buffer(id, n, who, err);
        explicit_bzero(id, n);
        free(id);
        if (rc < 0)
            return -1;
    }
    n = strlen(c->domain) + (cert_dir ? strlen(cert_dir) : 0) + sizeof who + 80;
    if (!(*key = malloc(n)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", c->domain);
    snprintf(*key, n, "%s\n%d\n%s\n%llu\n%llu\n%s", c->domain, (int)c->insecure,
             cert_dir ? cert_dir : "", (unsigned long long)c->stall_ms,
             (unsigned long long)c->doc_timeout_ms, who);
    return 0;
}

/* The client's host: the pool's for its key, else one of its own. */
static int attach_host(ls_registry *c, const ls_registry_opts *opts, const char *cert_dir,
                       ls_error *err)
{
    char *key = NULL, *basic = NULL, *refresh = NULL;
    long secs = (long)((c->stall_ms + 999) / 1000);
    long connect = (long)(c->doc_timeout_ms < LS_REGISTRY_CONNECT_MS ? c->doc_timeout_ms
                                                                     : LS_REGISTRY_CONNECT_MS);
    if (host_key(c, cert_dir, &key, err) < 0)
        return -1;
    if ((c->creds.kind == LS_CREDS_PASSWORD && !(basic = ls_creds_basic(&c->creds))) ||
        (c->creds.kind == LS_CREDS_TOKEN && !(refresh = strdup(c->creds.pass)))) {
        free(key);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", c->domain);
    }
    if (opts->pool)
        c->host = ls_registry_pool_host(opts->pool, key, cert_dir, opts->insecure, basic, refresh,
                                        opts->bytes_fetched, secs, connect, c->domain, err);
    else
        c->host = ls_registry_host_new(key, cert_dir, opts->insecure, basic, refresh, NULL,
                                       opts->bytes_fetched, secs, connect, c->domain, err);
    free(key);
    if (!c->host)
        return -1;
    c->own_host = !opts->pool;
    c->auth = &c->host->auth;
    return 0;
}

/* The /v2/ probe, once per host: the first client probes, the others wait
 * for it and take the scheme it chose. */
static int probe_once(ls_registry *c, ls_error *err)
{
    int rc;
    if (!ls_registry_host_probe_begin(c->host, c->base))
        return 0;
    rc = probe_scheme(c, ls_registry_domain_host(c->domain), err);
    ls_registry_host_probed(c->host, rc == 0, c->base);
    return rc;
}

int ls_registry_open(ls_registry **out, const char *domain, const ls_registry_opts *opts,
                     ls_error *err)
{
    static const ls_registry_opts none = {.creds = NULL};
    char certs_d[4096];
    ls_registry *c;
    int rc;
    *out = NULL;
    if (!opts)
        opts = &none;
    if (ls_registry_global_init() < 0)
        return ls_error_set(err, LS_ERR_INTERNAL, "%s: libcurl cannot start", domain);
    if (ls_registry_domain_validate(domain, err) < 0)
        return -1;
    if (!(c = calloc(1, sizeof *c)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", domain);
    c->insecure = opts->insecure;
    c->max_json = LS_MAX_JSON_BYTES;
    c->doc_timeout_ms = opts->doc_timeout_ms ? opts->doc_timeout_ms : LS_REGISTRY_DOC_TIMEOUT_MS;
    c->stall_ms = opts->stall_ms ? opts->stall_ms : LS_REGISTRY_STALL_MS;
    c->deadline_ms = opts->deadline_ms;
    c->debug = opts->debug;
    if (!(c->domain = strdup(domain))) {
        free(c);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", domain);
    }
    rc = opts->pool ? ls_registry_pool_creds(opts->pool, &c->creds, domain, opts->repository,
                                             opts->creds, opts->authfile, &opts->auth_env, err)
                    : ls_creds_resolve_in(&c->creds, domain, opts->repository, opts->creds,
                                          opts->authfile, &opts->auth_env, err);
    if (rc < 0 || attach_host(c, opts, cert_dir_of(opts, domain, certs_d, sizeof certs_d), err) < 0)
        goto fail;
    if (!(c->meta = ls_registry_host_take(c->host))) {
        ls_error_set(err, LS_ERR_INTERNAL, "%s: libcurl cannot make a handle", domain);
        goto fail;
    }
    if (probe_once(c, err) < 0)
        goto fail;
    *out = c;
    return 0;
fail:
    ls_registry_free(c);
    return -1;
}

void ls_registry_free(ls_registry *c)
{
    if (!c)
        return;
    if (c->host) {
        ls_registry_host_give(c->host, c->meta);
        if (c->own_host)
            ls_registry_host_free(c->host);
    }
    ls_creds_clear(&c->creds);
    free(c->domain);
    free(c);
}

void ls_registry_set_max_json(ls_registry *c, uint64_t max)
{
    if (max)
        c->max_json = max > LS_MAX_JSON_HARD ? LS_MAX_JSON_HARD : (size_t)max;
}
