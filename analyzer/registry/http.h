/*
 * http.h - one HTTP GET at a time over a libcurl easy handle, driven by the
 * multi interface so the body is PULLED: the caller reads, and only then
 * does curl read more from the socket. A full buffer pauses the transfer
 * (CURL_WRITEFUNC_PAUSE), so memory per transfer is one small buffer
 * whatever the blob size.
 *
 * Redirects are not followed here (registry.c follows them, and decides
 * whether Authorization may go along); nothing is retried here either.
 * Each ls_http belongs to one thread at a time; several can run at once.
 */
#ifndef LS_REGISTRY_HTTP_H
#define LS_REGISTRY_HTTP_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "layerscan/error.h"

/* TLS and accounting shared (read-only) by every transfer of a client. */
typedef struct {
    bool insecure;             /* no peer or host verification */
    char *ca_pem;              /* the --cert-dir *.crt files, concatenated; NULL = none */
    size_t ca_len;
    char *client_cert, *client_key; /* a --cert-dir .cert + .key pair; NULL = none */
    _Atomic uint64_t *counters[2];  /* body bytes are added to each non-NULL one */
    _Atomic uint64_t *requests;     /* transfers begun; NULL = not counted */
    _Atomic uint64_t *connections;  /* new connections they opened; NULL = not counted */
    long low_speed_bytes;      /* a transfer slower than this many bytes/s ... */
    long low_speed_secs;       /* ... for this many seconds fails (0: 1 byte/s for 60 s) */
    long connect_ms;           /* connecting; 0 = 30 s */
    const char *unix_socket;   /* connect to this Unix socket, whatever the URL's host; NULL = TCP */
} ls_http_config;

/* Reads cert_dir (may be NULL) into cfg. -1 with LS_ERR_USAGE "--cert-dir
 * DIR: ..." when the directory or a file in it cannot be read. */
int ls_http_config_init(ls_http_config *cfg, const char *cert_dir, bool insecure, ls_error *err);
void ls_http_config_clear(ls_http_config *cfg);

/* The certs.d directory of hostport ("reg.example:5000"): the first of
 * ROOT/hostport, for each ROOT of the ':'-separated roots, that is a
 * directory, into out. 1 found, 0 none (out ""). */
int ls_http_certs_d_pick(const char *roots, const char *hostport, char *out, size_t cap);

/* The response headers we use; strings are "" when absent (or too long to
 * keep, which the `*_overlong` flags say). */
typedef struct {
    long status;
    char www_authenticate[2048];
    char location[4096];
    bool location_overlong;
    char link[4096];
    char content_type[256];
    char content_range[128];
    long retry_after;        /* seconds; -1 when absent */
    int64_t content_length;  /* -1 when absent */
} ls_http_response;

typedef struct ls_http ls_http;

/* NULL when libcurl cannot make a handle. cfg must outlive the ls_http. */
ls_http *ls_http_new(const ls_http_config *cfg);

/* Starts GET url with the given header lines (taken: freed when the
 * transfer ends) and, when range_from > 0, "Range: bytes=N-"; returns once
 * the response headers are in (the body is unread). CURLE_OK, or the curl
 * code of a failed transfer (ls_http_errmsg says why). */
CURLcode ls_http_begin(ls_http *h, const char *url, struct curl_slist *headers, uint64_t range_from);

/* The transfers begun from now on POST form (application/x-www-form-
 * urlencoded; not copied: it must outlive them), or GET again when form is
 * NULL. 0 or -1. */
int ls_http_set_post(ls_http *h, const char *form);

/* "POST" after ls_http_set_post with a form, else "GET" (for debug lines). */
const char *ls_http_method(const ls_http *h);

/* The time limit of the transfers begun from now on: ms for the whole
 * transfer, headers to last byte (0 = none). `tag` is the caller's note of
 * which limit that is, handed back by ls_http_timeout_tag. */
void ls_http_set_timeout(ls_http *h, long ms, int tag);
int ls_http_timeout_tag(const ls_http *h);

/* Whether the last transfer failed for going slower than the low-speed
 * limit (rather than for its total time): both are CURLE_OPERATION_TIMEDOUT. */
bool ls_http_stalled(const ls_http *h);

/* The current response (valid after a successful begin, until the next). */
const ls_http_response *ls_http_response_of(const ls_http *h);

/* Up to n body bytes: the count, 0 at the end, -1 on failure (*cc set). */
ssize_t ls_http_read(ls_http *h, void *buf, size_t n, CURLcode *cc);

/* The rest of the body as a new NUL-terminated buffer. 0; -1 on a transfer
 * failure (*cc set); -2 when the body is larger than max; -3 out of memory. */
int ls_http_read_all(ls_http *h, size_t max, char **data, size_t *len, CURLcode *cc);

/* Ends (aborts, if unfinished) the current transfer; the handle may begin
 * another (kept-alive connections are reused). */
void ls_http_end(ls_http *h);

/* Why the last transfer failed: curl's own message, or its code's text. */
const char *ls_http_errmsg(const ls_http *h, CURLcode cc);

/* Accepts NULL. */
void ls_http_free(ls_http *h);

/* url without userinfo, query or fragment, for messages and debug lines. */
void ls_http_url_for_log(const char *url, char *out, size_t cap);

/* Resolves ref (absolute or relative) against base into out. -1 when
 * malformed, not http(s), or longer than cap. */
int ls_http_resolve_url(const char *base, const char *ref, char *out, size_t cap);

/* Whether a and b have the same scheme, host and port (false when either
 * is malformed). */
bool ls_http_same_origin(const char *a, const char *b);

/* Appends "?key=VALUE" (or "&key=VALUE" when url has a query already),
 * VALUE percent-escaped, to the NUL-terminated url of capacity cap. 0; -1
 * when it does not fit or out of memory. */
int ls_http_url_add_query(char *url, size_t cap, const char *key, const char *value);

/* Sleeps ms milliseconds (a signal does not cut it short). */
void ls_http_sleep_ms(long ms);

#endif
