/*
 * stream.c - a layer blob as an ls_reader over the registry's HTTP body.
 *
 * Each reader has its own ls_http (its own curl handle and connection), so
 * the worker threads of image_scan.c pull layers in parallel; it takes the
 * handle from the client's host and gives it back when closed, so the next
 * reader reuses its connection. The other shared state is the host's token
 * table (auth.c, under its mutex) and byte counters (atomics). Bytes flow through http.c's bounded buffer, so a
 * layer of any size costs the same memory.
 *
 * Digests are not checked here on purpose: the blob stage already hashes
 * every compressed byte it pulls and the layer stage compares that with the
 * manifest's digest, reporting a mismatch in `errors` like for any other
 * transport. What this reader adds is what only the transport can know:
 * the body must not run past the size the manifest declares (a hostile
 * registry cannot feed an endless stream; a layer whose descriptor has no
 * size is refused), and a connection reset midway
 * resumes with `Range: bytes=N-` instead of failing the layer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/client.h"

#define MAX_RESUMES 3

typedef struct {
    ls_registry *c;
    ls_http *h;
    char url[LS_URL_MAX];
    char scope[600];
    char label[600];     /* "LABEL blob sha256:abcdef012345" */
    uint64_t pos;        /* body bytes handed out */
    uint64_t skip;       /* bytes to drop (a server that ignored Range) */
    int64_t size;        /* declared size, -1 when unknown */
    int resumes;
} blob_stream;

/* Sends the GET (from pos) and checks the answer; -1 with err filled. */
static int start(blob_stream *b, ls_error *err)
{
    const ls_request rq = {.scope = b->scope, .range_from = b->pos, .blob = true};
    const ls_http_response *resp;
    if (ls_registry_send(b->c, b->h, b->url, &rq, b->label, err) < 0)
        return -1;
    resp = ls_http_response_of(b->h);
    b->skip = 0;
    if (b->pos > 0 && resp->status == 206) {
        unsigned long long first = 0;
        if (sscanf(resp->content_range, "bytes %llu-", &first) != 1 || first != b->pos) {
            ls_http_end(b->h);
            return ls_error_set(err, LS_ERR_IO, "%s: the registry resumed at the wrong offset",
                                b->label);
        }
        return 0;
    }
    if (resp->status != 200)
        return ls_registry_status_error(b->c, b->h, b->label, "", err);
    if (b->size >= 0 && resp->content_length > b->size) {
        ls_http_end(b->h);
        return ls_error_set(err, LS_ERR_FORMAT,
                            "%s: the registry sends %lld bytes but the manifest declares %lld",
                            b->label, (long long)resp->content_length, (long long)b->size);
    }
    b->skip = b->pos; /* a 200 to a Range request: the whole body again */
    return 0;
}

static bool resumable(CURLcode cc)
{
    return cc == CURLE_RECV_ERROR || cc == CURLE_PARTIAL_FILE || cc == CURLE_GOT_NOTHING ||
           cc == CURLE_HTTP2_STREAM || cc == CURLE_HTTP2;
}

static ssize_t stream_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    blob_stream *b = ctx;
    /* at most one byte past the declared size is taken, to see that there is one */
    if (b->size >= 0 && b->skip == 0 && b->pos <= (uint64_t)b->size &&
        n > (uint64_t)b->size - b->pos + 1)
        n = (size_t)((uint64_t)b->size - b->pos + 1);
    for (;;) {
        CURLcode cc = CURLE_OK;
        ssize_t k = ls_http_read(b->h, buf, n, &cc);
        if (k > 0 && b->skip > 0) {
            size_t drop = (uint64_t)k < b->skip ? (size_t)k : (size_t)b->skip;
            b->skip -= drop;
            if ((size_t)k == drop)
                continue;
            memmove(buf, (char *)buf + drop, (size_t)k - drop);
            k -= (ssize_t)drop;
        }
        if (k > 0) {
            b->pos += (uint64_t)k;
            if (b->size >= 0 && b->pos > (uint64_t)b->size)
                return ls_error_set(err, LS_ERR_FORMAT,
                                    "%s: the registry sends more than the %lld bytes the manifest "
                                    "declares", b->label, (long long)b->size);
            return k;
        }
        if (k == 0) {
            if (b->skip > 0)
                return ls_error_set(err, LS_ERR_IO, "%s: the blob ended early on a resumed transfer",
                                    b->label);
            if (b->size >= 0 && b->pos < (uint64_t)b->size)
                return ls_error_set(err, LS_ERR_FORMAT,
                                    "%s: the blob ends after %llu of the %lld bytes the manifest "
                                    "declares", b->label, (unsigned long long)b->pos,
                                    (long long)b->size);
            return 0;
        }
        if (!resumable(cc) || b->resumes++ >= MAX_RESUMES)
            return ls_registry_curl_error(b->c, b->h, cc, b->label, err);
        ls_http_end(b->h);
        ls_http_sleep_ms(250L << b->resumes);
        if (start(b, err) < 0)
            return -1;
    }
}

static void stream_close(void *ctx)
{
    blob_stream *b = ctx;
    ls_registry_host_give(b->c->host, b->h);
    free(b);
}

static const ls_reader_ops stream_ops = {.read = stream_read, .close = stream_close};

ls_reader *ls_registry_open_blob(ls_registry *c, const char *repo, const char *digest,
                                 int64_t size, const char *label, ls_error *err)
{
    blob_stream *b = calloc(1, sizeof *b);
    ls_reader *r;
    if (!b) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        return NULL;
    }
    b->c = c;
    b->size = size;
    snprintf(b->scope, sizeof b->scope, "repository:%s:pull", repo);
    snprintf(b->label, sizeof b->label, "%s blob %.19s", label, digest);
    if (size <= 0) { /* the OCI spec requires a size; without one a server could stream forever */
        if (size < 0)
            ls_error_set(err, LS_ERR_FORMAT, "%s: the manifest declares no size for this layer, "
                         "which the OCI image spec requires (not fetched)", b->label);
        else
            ls_error_set(err, LS_ERR_FORMAT, "%s: the manifest declares size 0 for this layer (not "
                         "fetched)", b->label);
        free(b);
        return NULL;
    }
    if (snprintf(b->url, sizeof b->url, "%s/v2/%s/blobs/%s", c->base, repo, digest) >=
        (int)sizeof b->url) {
        ls_error_set(err, LS_ERR_LIMIT, "%s: reference too long", b->label);
        free(b);
        return NULL;
    }
    if (!(b->h = ls_registry_host_take(c->host))) {
        ls_error_set(err, LS_ERR_INTERNAL, "%s: libcurl cannot make a handle", b->label);
        free(b);
        return NULL;
    }
    if (start(b, err) < 0) {
        stream_close(b);
        return NULL;
    }
    if (!(r = ls_reader_new(&stream_ops, b)))
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    return r;
}
