/*
 * http.c - a pull-driven HTTP GET over libcurl's multi interface.
 *
 * curl pushes body bytes into a write callback; the layer pipeline pulls.
 * The bridge is one bounded buffer: the callback appends while there is
 * room and otherwise returns CURL_WRITEFUNC_PAUSE, which makes curl hold
 * that chunk and stop reading the socket; ls_http_read() drains the buffer,
 * un-pauses when it is empty (curl then re-delivers the held chunk) and
 * drives curl_multi_perform()/curl_multi_poll() only when it needs bytes.
 * So a 10 GB layer streams through BODY_BUF bytes, with TCP flow control
 * slowing the server down while the scanner works.
 *
 * No option here follows redirects, sends credentials or prints anything
 * (CURLOPT_VERBOSE stays off: its trace would show Authorization headers).
 * The URL helpers and the sleep at the end are here, beside the transfer,
 * so that the request loop (registry.c), the token state (auth.c) and the
 * readers (stream.c, list.c) share them without including one another.
 */
#include "registry/http.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define BODY_BUF (256u * 1024u)         /* the pull buffer */
#define MAX_CHUNK (16u * 1024u * 1024u) /* refuse a curl chunk larger than this */
#define MAX_HEADERS (256u * 1024u)     /* response header bytes of one transfer */
#define MAX_CA_FILE (1u * 1024u * 1024u)
#define MAX_CA_TOTAL (16u * 1024u * 1024u)

struct ls_http {
    CURL *easy;
    CURLM *multi;
    const ls_http_config *cfg;
    struct curl_slist *headers; /* of the current transfer */
    bool active;                /* easy is in multi */
    bool headers_done;          /* the final response's header block ended */
    bool finished;              /* the transfer is over (result says how) */
    bool paused;                /* curl holds a chunk we refused */
    bool discard;               /* drop body bytes (ending a paused transfer) */
    long timeout_ms;            /* CURLOPT_TIMEOUT_MS of the next transfers; 0 = none */
    bool post;                  /* ls_http_set_post gave a form: transfers POST it */
    int timeout_tag;            /* the caller's name for that limit */
    size_t header_bytes;        /* response header bytes of this transfer */
    bool header_flood;          /* they passed MAX_HEADERS: the transfer was stopped */
    CURLcode result;
    ls_http_response resp;
    unsigned char *buf;         /* pending body bytes are buf[off, off+len) */
    size_t cap, off, len;
    char errbuf[CURL_ERROR_SIZE];
};

/* ---- TLS configuration -------------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

static int append_file(ls_http_config *cfg, const char *dir, const char *name, ls_error *err)
{
    char path[4096];
    FILE *f;
    size_t got;
    char *grown;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "rb")))
        return ls_error_set(err, LS_ERR_USAGE, "--cert-dir %s: %s: %s", dir, name, strerror(errno));
    grown = realloc(cfg->ca_pem, cfg->ca_len + MAX_CA_FILE + 2);
    if (!grown) {
        fclose(f);
        return ls_error_set(err, LS_ERR_NOMEM, "--cert-dir %s: out of memory", dir);
    }
    cfg->ca_pem = grown;
    got = fread(cfg->ca_pem + cfg->ca_len, 1, MAX_CA_FILE + 1, f);
    fclose(f);
    if (got > MAX_CA_FILE || cfg->ca_len + got > MAX_CA_TOTAL)
        return ls_error_set(err, LS_ERR_LIMIT, "--cert-dir %s: %s is too large for a certificate",
                            dir, name);
    cfg->ca_len += got;
    cfg->ca_pem[cfg->ca_len++] = '\n';
    return 0;
}

/* A *.cert file with its *.key beside it: a client certificate. */
static int take_client_pair(ls_http_config *cfg, const char *dir, const char *name, ls_error *err)
{
    char cert[4096], key[4096];
    struct stat st;
    size_t n = strlen(name) - 5;
    if (cfg->client_cert)
        return 0; /* the first pair wins */
    snprintf(cert, sizeof cert, "%s/%s", dir, name);
    snprintf(key, sizeof key, "%s/%.*s.key", dir, (int)n, name);
    if (stat(key, &st) != 0)
        return ls_error_set(err, LS_ERR_USAGE, "--cert-dir %s: %s has no matching %.*s.key", dir,
                            name, (int)n, name);
    cfg->client_cert = strdup(cert);
    cfg->client_key = strdup(key);
    if (!cfg->client_cert || !cfg->client_key)
        return ls_error_set(err, LS_ERR_NOMEM, "--cert-dir %s: out of memory", dir);
    return 0;
}

int ls_http_config_init(ls_http_config *cfg, const char *cert_dir, bool insecure, ls_error *err)
{
    DIR *d;
    struct dirent *e;
    int rc = 0;
    memset(cfg, 0, sizeof *cfg);
    cfg->insecure = insecure;
    if (!cert_dir)
        return 0;
    if (!(d = opendir(cert_dir)))
        return ls_error_set(err, LS_ERR_USAGE, "--cert-dir %s: %s", cert_dir, strerror(errno));
    while (rc == 0 && (e = readdir(d)))
        if (has_suffix(e->d_name, ".crt"))
            rc = append_file(cfg, cert_dir, e->d_name, err);
        else if (has_suffix(e->d_name, ".cert"))
            rc = take_client_pair(cfg, cert_dir, e->d_name, err);
    closedir(d);
    if (rc < 0)
        ls_http_config_clear(cfg);
    return rc;
}

int ls_http_certs_d_pick(const char *roots, const char *hostport, char *out, size_t cap)
{
    const char *p = roots;
    if (strchr(hostport, '/') || strcmp(hostport, "..") == 0 || strcmp(hostport, ".") == 0)
        return 0; /* a host is one path component, never a way out of the root */
    while (p && *p) {
        size_t n = strcspn(p, ":");
        struct stat st;
        if (n > 0 && snprintf(out, cap, "%.*s/%s", (int)n, p, hostport) < (int)cap &&
            stat(out, &st) == 0 && S_ISDIR(st.st_mode))
            return 1;
        p += n + (p[n] == ':');
    }
    out[0] = '\0';
    return 0;
}

void ls_http_config_clear(ls_http_config *cfg)
{
    free(cfg->ca_pem);
    free(cfg->client_cert);
    free(cfg->client_key);
    cfg->ca_pem = cfg->client_cert = cfg->client_key = NULL;
    cfg->ca_len = 0;
}

/* ---- callbacks ---------------------------------------------------------- */

/* Copies a header value (trimmed) into dst; false when it does not fit. */
static bool copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    while (n && (v[0] == ' ' || v[0] == '\t'))
        v++, n--;
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n >= cap) {
        dst[0] = '\0';
        return false;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

static long parse_retry_after(const char *v)
{
    char *end;
    long secs = strtol(v, &end, 10);
    time_t when;
    if (end != v && *end == '\0')
        return secs < 0 ? 0 : secs;
    when = curl_getdate(v, NULL);
    if (when < 0)
        return -1;
    return when > time(NULL) ? (long)(when - time(NULL)) : 0;
}

static void keep_header(ls_http_response *r, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    char val[128];
    size_t klen, vlen;
    if (!colon)
        return;
    klen = (size_t)(colon - line);
    vlen = n - klen - 1;
#define IS(name) (klen == sizeof name - 1 && strncasecmp(line, name, klen) == 0)
    if (IS("www-authenticate")) {
        /* several challenges: prefer Bearer, which names the token service */
        if (!r->www_authenticate[0] || strncasecmp(r->www_authenticate, "bearer", 6) != 0)
            copy_value(r->www_authenticate, sizeof r->www_authenticate, colon + 1, vlen);
    } else if (IS("location")) {
        r->location_overlong = !copy_value(r->location, sizeof r->location, colon + 1, vlen);
    } else if (IS("link")) {
        copy_value(r->link, sizeof r->link, colon + 1, vlen);
    } else if (IS("content-type")) {
        copy_value(r->content_type, sizeof r->content_type, colon + 1, vlen);
    } else if (IS("content-range")) {
        copy_value(r->content_range, sizeof r->content_range, colon + 1, vlen);
    } else if (IS("retry-after")) {
        if (copy_value(val, sizeof val, colon + 1, vlen))
            r->retry_after = parse_retry_after(val);
    } else if (IS("content-length")) {
        if (copy_value(val, sizeof val, colon + 1, vlen)) {
            char *end;
            long long v = strtoll(val, &end, 10);
            r->content_length = (end != val && !*end && v >= 0) ? v : -1;
        }
    }
#undef IS
}

static void reset_response(ls_http_response *r)
{
    memset(r, 0, sizeof *r);
    r->retry_after = -1;
    r->content_length = -1;
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    ls_http *h = ud;
    size_t total = size * n;
    h->header_bytes += total;
    if (h->header_bytes > MAX_HEADERS) { /* a header flood: stop (CURLE_WRITE_ERROR) */
        h->header_flood = true;
        return 0;
    }
    if (total >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', total);
        reset_response(&h->resp); /* a new response (after 100 Continue, say) */
        h->headers_done = false;
        h->resp.status = sp ? strtol(sp + 1, NULL, 10) : 0;
    } else if (total <= 2 && (line[0] == '\r' || line[0] == '\n')) {
        if (h->resp.status >= 200)
            h->headers_done = true;
    } else {
        keep_header(&h->resp, line, total);
    }
    return total;
}

static void count_bytes(const ls_http_config *cfg, size_t n)
{
    for (size_t i = 0; i < 2; i++)
        if (cfg->counters[i])
            atomic_fetch_add(cfg->counters[i], (uint64_t)n);
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    ls_http *h = ud;
    size_t total = size * n;
    if (h->discard)
        return total;
    if (h->len == 0)
        h->off = 0;
    if (h->off + h->len + total > h->cap && h->off > 0) {
        memmove(h->buf, h->buf + h->off, h->len);
        h->off = 0;
    }
    if (h->len + total > h->cap) {
        unsigned char *grown;
        if (h->len > 0) {
            h->paused = true;
            return CURL_WRITEFUNC_PAUSE; /* curl keeps the chunk until we un-pause */
        }
        if (total > MAX_CHUNK || !(grown = realloc(h->buf, total)))
            return 0; /* an error: CURLE_WRITE_ERROR */
        h->buf = grown;
        h->cap = total;
    }
    memcpy(h->buf + h->off + h->len, data, total);
    h->len += total;
    count_bytes(h->cfg, total);
    return total;
}

/* ---- the handle --------------------------------------------------------- */

static int setup_easy(ls_http *h)
{
    CURL *e = h->easy;
    const ls_http_config *cfg = h->cfg;
    CURLcode rc = CURLE_OK;
#define SET(opt, val) \
    if (rc == CURLE_OK) \
        rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, h);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, h);
    SET(CURLOPT_ERRORBUFFER, h->errbuf);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_ms > 0 ? cfg->connect_ms : 30000L);
    /* a stalled server is an error (a paused transfer is not measured: curl
     * skips the check while we hold it back) */
    SET(CURLOPT_LOW_SPEED_LIMIT, cfg->low_speed_secs > 0 ? cfg->low_speed_bytes : 1L);
    SET(CURLOPT_LOW_SPEED_TIME, cfg->low_speed_secs > 0 ? cfg->low_speed_secs : 60L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_USERAGENT, "layerscan/" LAYERSCAN_VERSION);
    SET(CURLOPT_BUFFERSIZE, 64L * 1024L);
    /* HTTP/1.1 only: a paused HTTP/2 stream keeps receiving into curl's
     * buffers up to its flow-control window (tens of MiB), per layer; over
     * HTTP/1.1 a pause stops reading the socket and TCP holds the server. */
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (cfg->unix_socket)
        SET(CURLOPT_UNIX_SOCKET_PATH, cfg->unix_socket);
    if (cfg->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->ca_pem) {
        /* added to the system's CAs, which stay in CURLOPT_CAINFO */
        struct curl_blob blob = {.data = cfg->ca_pem, .len = cfg->ca_len, .flags = CURL_BLOB_NOCOPY};
        SET(CURLOPT_CAINFO_BLOB, &blob);
    }
    if (cfg->client_cert) {
        SET(CURLOPT_SSLCERT, cfg->client_cert);
        SET(CURLOPT_SSLKEY, cfg->client_key);
    }
#undef SET
    return rc == CURLE_OK ? 0 : -1;
}

ls_http *ls_http_new(const ls_http_config *cfg)
{
    ls_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->cfg = cfg;
    h->cap = BODY_BUF;
    h->buf = malloc(h->cap);
    h->easy = curl_easy_init();
    h->multi = curl_multi_init();
    if (!h->buf || !h->easy || !h->multi || setup_easy(h) < 0) {
        ls_http_free(h);
        return NULL;
    }
    return h;
}

void ls_http_set_timeout(ls_http *h, long ms, int tag)
{
    h->timeout_ms = ms > 0 ? ms : 0;
    h->timeout_tag = tag;
}

int ls_http_timeout_tag(const ls_http *h)
{
    return h->timeout_tag;
}

bool ls_http_stalled(const ls_http *h)
{
    return strncmp(h->errbuf, "Operation too slow", 18) == 0;
}

const ls_http_response *ls_http_response_of(const ls_http *h)
{
    return &h->resp;
}

/* Adds the connections this transfer had to open (0 when it reused one). */
static void count_connects(ls_http *h)
{
    long n = 0;
    if (h->cfg->connections && curl_easy_getinfo(h->easy, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK &&
        n > 0)
        atomic_fetch_add(h->cfg->connections, (uint64_t)n);
}

/* Records the end of the transfer, when curl reports it. */
static void collect_done(ls_http *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left)))
        if (m->msg == CURLMSG_DONE) {
            h->finished = true;
            h->result = m->data.result;
        }
}

static bool headers_in(const ls_http *h)
{
    return h->headers_done;
}

static bool body_ready(const ls_http *h)
{
    return h->len > 0 || h->paused;
}

/* Drives curl until ready(h) holds or the transfer ends. */
static void pump(ls_http *h, bool (*ready)(const ls_http *))
{
    while (!h->finished && !ready(h)) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(h->multi, &running);
        if (mc != CURLM_OK) {
            h->finished = true;
            h->result = CURLE_OUT_OF_MEMORY;
            snprintf(h->errbuf, sizeof h->errbuf, "%s", curl_multi_strerror(mc));
            return;
        }
        collect_done(h);
        if (h->finished || ready(h))
            return;
        curl_multi_poll(h->multi, NULL, 0, 1000, NULL);
    }
}

void ls_http_end(ls_http *h)
{
    if (h->active) {
        if (h->paused) {
            h->discard = true;
            curl_easy_pause(h->easy, CURLPAUSE_CONT);
        }
        curl_multi_remove_handle(h->multi, h->easy);
        h->active = false;
    }
    curl_slist_free_all(h->headers);
    h->headers = NULL;
    h->paused = h->discard = h->finished = h->headers_done = false;
    h->off = h->len = 0;
}

int ls_http_set_post(ls_http *h, const char *form)
{
    h->post = form != NULL;
    if (!form)
        return curl_easy_setopt(h->easy, CURLOPT_HTTPGET, 1L) == CURLE_OK ? 0 : -1;
    /* not COPYPOSTFIELDS: curl's copy of a secret would outlive our wipe */
    if (curl_easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(form)) != CURLE_OK ||
        curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, form) != CURLE_OK)
        return -1;
    return 0;
}

const char *ls_http_method(const ls_http *h)
{
    return h->post ? "POST" : "GET";
}

CURLcode ls_http_begin(ls_http *h, const char *url, struct curl_slist *headers, uint64_t range_from)
{
    char range[32];
    ls_http_end(h);
    h->headers = headers;
    h->result = CURLE_OK;
    h->errbuf[0] = '\0';
    h->header_bytes = 0;
    h->header_flood = false;
    reset_response(&h->resp);
    snprintf(range, sizeof range, "%llu-", (unsigned long long)range_from);
    if (curl_easy_setopt(h->easy, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
        curl_easy_setopt(h->easy, CURLOPT_RANGE, range_from ? range : NULL) != CURLE_OK ||
        curl_easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, h->timeout_ms) != CURLE_OK)
        return CURLE_URL_MALFORMAT;
    if (curl_multi_add_handle(h->multi, h->easy) != CURLM_OK)
        return CURLE_OUT_OF_MEMORY;
    h->active = true;
    if (h->cfg->requests)
        atomic_fetch_add(h->cfg->requests, 1);
    pump(h, headers_in);
    count_connects(h);
    if (h->headers_done)
        return CURLE_OK;
    if (h->result == CURLE_OUT_OF_MEMORY)
        h->header_flood = true; /* what libcurl answers a header line over its 100 KB cap */
    return h->result != CURLE_OK ? h->result : CURLE_GOT_NOTHING;
}

ssize_t ls_http_read(ls_http *h, void *buf, size_t n, CURLcode *cc)
{
    for (;;) {
        if (h->len > 0) {
            size_t k = n < h->len ? n : h->len;
            memcpy(buf, h->buf + h->off, k);
            h->off += k;
            h->len -= k;
            return (ssize_t)k;
        }
        if (h->paused) {
            h->paused = false;
            curl_easy_pause(h->easy, CURLPAUSE_CONT); /* re-delivers the held chunk */
            continue;
        }
        if (h->finished) {
            *cc = h->result;
            return h->result == CURLE_OK ? 0 : -1;
        }
        pump(h, body_ready);
    }
}

int ls_http_read_all(ls_http *h, size_t max, char **data, size_t *len, CURLcode *cc)
{
    size_t cap = 4096, got = 0;
    char *out;
    *data = NULL;
    *len = 0;
    if (h->resp.content_length > 0 && (uint64_t)h->resp.content_length > max)
        return -2;
    if (h->resp.content_length > 0)
        cap = (size_t)h->resp.content_length + 1;
    if (!(out = malloc(cap)))
        return -3;
    for (;;) {
        ssize_t k;
        if (got + 1 == cap) {
            char *grown;
            if (got > max)
                break;
            cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            if (!(grown = realloc(out, cap))) {
                free(out);
                return -3;
            }
            out = grown;
        }
        k = ls_http_read(h, out + got, cap - 1 - got, cc);
        if (k < 0) {
            free(out);
            return -1;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    if (got > max) {
        free(out);
        return -2;
    }
    out[got] = '\0';
    *data = out;
    *len = got;
    return 0;
}

const char *ls_http_errmsg(const ls_http *h, CURLcode cc)
{
    if (h->header_flood)
        return "the response headers are too large (refused)";
    return h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc);
}

void ls_http_free(ls_http *h)
{
    if (!h)
        return;
    if (h->easy && h->multi)
        ls_http_end(h);
    curl_slist_free_all(h->headers);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    if (h->easy)
        curl_easy_cleanup(h->easy);
    free(h->buf);
    free(h);
}

/* ---- URLs and waiting (for the registry's request loop and its callers) -- */

void ls_http_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int ls_http_resolve_url(const char *base, const char *ref, char *out, size_t cap)
{
    CURLU *u = curl_url();
    char *s = NULL, *scheme = NULL;
    int rc = -1;
    if (!u)
        return -1;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (strcmp(scheme, "https") == 0 || strcmp(scheme, "http") == 0) &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK && strlen(s) < cap) {
        strcpy(out, s);
        rc = 0;
    }
    curl_free(s);
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

/* scheme://host:port of url into out ("" when malformed). */
static void origin_of(const char *url, char *out, size_t cap)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    out[0] = '\0';
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        for (char *p = host; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        snprintf(out, cap, "%s://%s:%s", scheme, host, port);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

bool ls_http_same_origin(const char *a, const char *b)
{
    char oa[600], ob[600];
    origin_of(a, oa, sizeof oa);
    origin_of(b, ob, sizeof ob);
    return oa[0] && strcmp(oa, ob) == 0;
}

void ls_http_url_for_log(const char *url, char *out, size_t cap)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL;
    out[0] = '\0';
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        snprintf(out, cap, "%s%s%s%s", host, port ? ":" : "", port ? port : "", path);
    } else {
        snprintf(out, cap, "(malformed URL)");
    }
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
}

int ls_http_url_add_query(char *url, size_t cap, const char *key, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);
    size_t len = strlen(url);
    int n;
    if (!esc)
        return -1;
    n = snprintf(url + len, cap - len, "%c%s=%s", strchr(url, '?') ? '&' : '?', key, esc);
    curl_free(esc);
    return n < 0 || (size_t)n >= cap - len ? -1 : 0;
}
