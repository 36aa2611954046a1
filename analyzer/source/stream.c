/*
 * stream.c - see stream.h. The tar headers are parsed by tarindex.c's walk
 * (the same code that indexes an archive file); this file decides, member
 * by member, what is a layer, what is kept, and whether the stream is an
 * image archive at all.
 */
#define _GNU_SOURCE /* memfd_create */
#include "source/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Bytes read before the first regular member decides what the stream is
 * (tar headers of directories): kept to be replayed to a lone layer. */
#define HEAD_RECORD_MAX ((size_t)4 << 20)

/* Bytes of a member's head looked at to tell metadata from a layer. */
#define MEMBER_HEAD 512u

/* ---- the pipe, with its head recorded and replayed ----------------------- */

typedef struct {
    ls_reader *src;         /* the stream (borrowed) */
    const char *label;
    unsigned char *rec;     /* what was read while recording */
    size_t rec_len, rec_cap;
    bool recording, rec_over;
    bool replaying;
    size_t replay;          /* next byte of rec to replay */
} pipe_in;

static void record(pipe_in *p, const void *buf, size_t n)
{
    if (!p->recording || p->rec_over || n == 0)
        return;
    if (n > HEAD_RECORD_MAX - p->rec_len) {
        p->rec_over = true;
        return;
    }
    if (p->rec_len + n > p->rec_cap) {
        size_t cap = p->rec_cap ? p->rec_cap : 64 * 1024;
        unsigned char *r;
        while (cap < p->rec_len + n)
            cap *= 2;
        if (!(r = realloc(p->rec, cap))) {
            p->rec_over = true;
            return;
        }
        p->rec = r;
        p->rec_cap = cap;
    }
    memcpy(p->rec + p->rec_len, buf, n);
    p->rec_len += n;
}

static ssize_t pipe_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    pipe_in *p = ctx;
    ssize_t k;
    if (p->replaying && p->replay < p->rec_len) {
        size_t left = p->rec_len - p->replay;
        if (n > left)
            n = left;
        memcpy(buf, p->rec + p->replay, n);
        p->replay += n;
        return (ssize_t)n;
    }
    if ((k = ls_reader_read(p->src, buf, n, err)) < 0)
        return -1;
    record(p, buf, (size_t)k);
    return k;
}

/* ---- a descriptor read forward (a pipe) ---------------------------------- */

typedef struct {
    int fd;
    char *label;
} fd_in;

static ssize_t fd_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    fd_in *f = ctx;
    ssize_t k;
    do
        k = read(f->fd, buf, n);
    while (k < 0 && errno == EINTR);
    if (k < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: read failed: %s", f->label, strerror(errno));
    return k;
}

static void fd_close(void *ctx)
{
    fd_in *f = ctx;
    free(f->label);
    free(f);
}

static const ls_reader_ops fd_ops = {.read = fd_read, .close = fd_close};

ls_reader *ls_stream_fd(int fd, const char *label)
{
    fd_in *f = malloc(sizeof *f);
    if (!f || !(f->label = strdup(label))) {
        free(f);
        return NULL;
    }
    f->fd = fd;
    return ls_reader_new(&fd_ops, f);
}

static const char *pipe_name(void *ctx)
{
    return ((pipe_in *)ctx)->label;
}

/* The walk owns the pipe_in: the reader over it closes nothing. */
static const ls_reader_ops pipe_ops = {.read = pipe_read, .name = pipe_name};

/* ---- a member's head put back in front of its data ----------------------- */

typedef struct {
    unsigned char head[MEMBER_HEAD];
    size_t len, pos;
    ls_reader *rest;        /* owned */
} prefixed;

static ssize_t prefixed_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    prefixed *p = ctx;
    if (p->pos < p->len) {
        size_t left = p->len - p->pos;
        if (n > left)
            n = left;
        memcpy(buf, p->head + p->pos, n);
        p->pos += n;
        return (ssize_t)n;
    }
    return ls_reader_read(p->rest, buf, n, err);
}

static void prefixed_close(void *ctx)
{
    prefixed *p = ctx;
    ls_reader_free(p->rest);
    free(p);
}

static const ls_reader_ops prefixed_ops = {.read = prefixed_read, .close = prefixed_close};

/* ---- sorting members ----------------------------------------------------- */

typedef struct {
    pipe_in *in;
    const char *label;
    uint64_t max_json;
    ls_stream_layer_fn visit;
    void *ctx;
    bool decided;           /* the first regular member said what the stream is */
    bool lone;              /* ... a layer, not an image archive */
    unsigned passed;        /* layer blobs handed to the visitor */
    int memfd;              /* kept members, or -1 before the first */
    uint64_t kept;          /* bytes in memfd */
} walk;

static bool is_hex64(const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* A name only an image archive holds: its index files, OCI blobs, docker
 * save's "<id>/..." and "<id>.json", podman's "<id>.tar". */
static bool image_name(const char *name)
{
    static const char *const files[] = {"manifest.json", "index.json", "oci-layout", "repositories"};
    const char *slash = strchr(name, '/');
    size_t top = slash ? (size_t)(slash - name) : strlen(name);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (strcmp(name, files[i]) == 0)
            return true;
    if (slash)
        return (top == 5 && strncmp(name, "blobs", 5) == 0) || is_hex64(name, top);
    return top > 64 && is_hex64(name, 64) && (strcmp(name + 64, ".json") == 0 || strcmp(name + 64, ".tar") == 0);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Where a layer blob may sit: an OCI blob, "<id>/layer.tar", "<id>.tar". */
static bool layer_name(const char *name)
{
    return strncmp(name, "blobs/", 6) == 0 || ends_with(name, ".tar");
}

static bool looks_json(const unsigned char *h, size_t n)
{
    size_t i = 0;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    return i < n && (h[i] == '{' || h[i] == '[');
}

static int write_all(walk *w, const void *buf, size_t n, uint64_t off, ls_error *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pwrite(w->memfd, (const char *)buf + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ls_error_set(err, errno == ENOMEM || errno == ENOSPC ? LS_ERR_NOMEM : LS_ERR_IO,
                                "%s: cannot keep the stream's metadata: %s", w->label, strerror(errno));
        done += (size_t)k;
    }
    return 0;
}

/* Copies a small member into the memory file; *offset is where it starts. */
static int keep(walk *w, const unsigned char *head, size_t len, ls_reader *data, uint64_t size,
                uint64_t *offset, ls_error *err)
{
    unsigned char buf[64 * 1024];
    uint64_t off = w->kept, at;
    if (size > LS_STREAM_KEPT_MAX - w->kept)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: more than %llu MiB of metadata in the stream", w->label,
                            (unsigned long long)(LS_STREAM_KEPT_MAX >> 20));
    if (w->memfd < 0 && (w->memfd = memfd_create("layerscan-stream", MFD_CLOEXEC)) < 0)
        return ls_error_set(err, errno == ENOMEM ? LS_ERR_NOMEM : LS_ERR_IO, "%s: cannot keep the stream's metadata: %s",
                            w->label, strerror(errno));
    if (write_all(w, head, len, off, err) < 0)
        return -1;
    at = off + len;
    for (;;) {
        ssize_t k = ls_reader_read(data, buf, sizeof buf, err);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        if (write_all(w, buf, (size_t)k, at, err) < 0)
            return -1;
        at += (uint64_t)k;
    }
    w->kept = at;
    *offset = off;
    return 0;
}

static int pass_layer(walk *w, const char *name, const unsigned char *head, size_t len, ls_reader *data,
                      ls_error *err)
{
    prefixed *p;
    ls_reader *r;
    if (w->passed == LS_STREAM_MAX_BLOBS) {
        ls_reader_free(data);
        return ls_error_set(err, LS_ERR_LIMIT, "%s: more than %u layer blobs in the stream (refused)", w->label,
                            LS_STREAM_MAX_BLOBS);
    }
    w->passed++;
    if (!(p = malloc(sizeof *p))) {
        ls_reader_free(data);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
    }
    memcpy(p->head, head, len);
    p->len = len;
    p->pos = 0;
    p->rest = data;
    if (!(r = ls_reader_new(&prefixed_ops, p)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
    return w->visit(w->ctx, name, r, err);
}

static int on_member(void *ctx, const char *name, uint64_t size, ls_reader *data, uint64_t *offset,
                     ls_error *err)
{
    walk *w = ctx;
    unsigned char head[MEMBER_HEAD];
    ssize_t got;
    int rc;
    if (!w->decided) {
        w->decided = true;
        w->lone = !image_name(name);
        w->in->recording = w->lone;
        if (w->lone) { /* end the walk here; the bytes so far are replayed */
            ls_reader_free(data);
            return ls_error_set(err, LS_ERR_FORMAT, "%s: a layer, not an image archive", w->label);
        }
        free(w->in->rec);
        w->in->rec = NULL;
        w->in->rec_len = w->in->rec_cap = 0;
    }
    got = ls_reader_read_full(data, head, sizeof head, err);
    if (got < 0) {
        ls_reader_free(data);
        return -1;
    }
    if (layer_name(name) && !(looks_json(head, (size_t)got) && size <= w->max_json))
        return pass_layer(w, name, head, (size_t)got, data, err);
    rc = size <= w->max_json ? keep(w, head, (size_t)got, data, size, offset, err) : 0;
    ls_reader_free(data);
    return rc;
}

/* The whole stream as one layer: what was read to decide, then the rest. */
static int pass_lone(walk *w, ls_error *err)
{
    ls_reader *r;
    if (w->in->rec_over)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: more than %zu MiB of tar headers before the first file",
                            w->label, HEAD_RECORD_MAX >> 20);
    w->in->recording = false;
    w->in->replaying = true;
    w->in->replay = 0;
    if (!(r = ls_reader_new(&pipe_ops, w->in)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
    return w->visit(w->ctx, NULL, r, err);
}

int ls_stream_walk(ls_reader *src, const char *label, uint64_t max_json, bool archive, ls_stream_layer_fn visit,
                   void *ctx, ls_stream_walk_result *out, ls_error *err)
{
    pipe_in in = {.src = src, .label = label, .recording = !archive};
    walk w = {.in = &in, .label = label, .max_json = max_json, .visit = visit, .ctx = ctx, .memfd = -1,
              .decided = archive};
    ls_reader *r = ls_reader_new(&pipe_ops, &in);
    ls_tarindex *idx = NULL;
    ls_error local = {0};
    int rc = -1;
    memset(out, 0, sizeof *out);
    out->fd = -1;
    if (!r)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    if (ls_tarindex_stream(&idx, r, label, on_member, &w, &local) < 0) {
        if (local.code == LS_ERR_FORMAT && in.rec_len == 0 && !in.rec_over && !archive) {
            /* `docker save` failed upstream: that must not read as a clean image */
            ls_error_set(err, LS_ERR_FORMAT, "%s: empty stream (nothing was piped in)", label);
            goto out;
        }
        if (local.code != LS_ERR_FORMAT || w.decided) { /* not "not a tar": a real failure */
            ls_error_pass(err, &local);
            goto out;
        }
        w.lone = true; /* not a tar: a compressed layer, or junk the layer scan names */
    }
    if (!w.decided && idx && !ls_tarindex_problem(idx))
        w.lone = true; /* a tar of directories only */
    if (w.lone) {
        ls_tarindex_free(idx);
        idx = NULL;
        if (pass_lone(&w, err) < 0)
            goto out;
        out->lone = true;
        rc = 0;
        goto out;
    }
    out->index = idx;
    out->fd = w.memfd;
    idx = NULL;
    w.memfd = -1;
    rc = 0;
out:
    ls_tarindex_free(idx);
    if (w.memfd >= 0)
        close(w.memfd);
    ls_reader_free(r);
    free(in.rec);
    return rc;
}
