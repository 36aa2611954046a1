/*
 * blob_map.c - a plain tar blob served straight from a read-only mapping.
 *
 * Two positions move through the mapping: how far the walker is done
 * (`walked`) and how far SHA-256 has got (`hashed`; without a hashing thread
 * the walker hashes each piece as it takes it). Pages behind both are
 * dropped; pages between them stay resident, so the side ahead waits once
 * it leads by MAP_AHEAD: the total time is the slower side's either way.
 *
 * The file may be cut short while it is mapped (a page past its new end
 * raises SIGBUS): every access runs under ls_mapguard_run and a fault is an
 * I/O error, "input file shrank while being read". libarchive consumes what
 * a peek lends outside our code (and hands data blocks on, zero-copy, to the
 * scanner), where no guard can be armed around just the mapping's reads; so
 * a peek copies the piece out of the mapping under the guard into a buffer
 * of its own and lends that (one memcpy per byte: ~3% of a plain-tar scan,
 * README "Performance"). The hashing side reads the mapping itself, guarded
 * one step at a time.
 */
#include "blob/blob_map.h"

#include "core/mapguard.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A peek lends this much: large enough that libarchive rarely stitches a
 * header across two pieces, small enough to release memory behind. */
#define MAP_PIECE (1u << 20)
/* The hashing thread hashes (and publishes its progress) this much at a time. */
#define MAP_HASH_STEP (1u << 20)
/* The side ahead waits once it leads by this much. */
#define MAP_AHEAD (16u << 20)
/* Pages behind both sides are dropped in runs of at least this much. */
#define MAP_RELEASE_STEP (4u << 20)

struct ls_blob_map {
    const unsigned char *base;
    uint64_t len;
    uint64_t pos;                /* the walker's own: next byte to lend or copy */
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* a side moved, or cancel */
    uint64_t walked;             /* under mu: the walker is done with [0, walked) */
    uint64_t hashed;             /* under mu: [0, hashed) is in h */
    uint64_t released;           /* under mu: pages of [0, released) were dropped */
    bool cancel;                 /* under mu */
    bool hash_ended;             /* under mu: the hashing thread has returned */
    long page;
    ls_sha256 h;
    bool threaded, running;
    pthread_t tid;
    bool hash_failed;            /* set by whoever hashes; read after the join */
    ls_error hash_error;
    unsigned char *piece;        /* the walker's: MAP_PIECE bytes, what a peek lends */
    bool failed;                 /* the walker's: a read faulted (sticky, `error`) */
    ls_error error;
    char label[512];             /* names the blob (and its file) in messages */
};

/* The message of a fault on the mapping. */
static void shrank(ls_error *err, const char *label)
{
    ls_error_set(err, LS_ERR_IO, "%s: input file shrank while being read", label);
}

typedef struct {
    void *dst;
    const void *src;
    size_t n;
    ls_sha256 *h;
    ls_error *err;
} map_job;

static int job_copy(void *arg)
{
    map_job *j = arg;
    memcpy(j->dst, j->src, j->n);
    return 0;
}

static int job_hash(void *arg)
{
    map_job *j = arg;
    return ls_sha256_update(j->h, j->src, j->n, j->err);
}

/* With mu held: drops the pages both sides have passed, once that run is
 * long enough (the page cache keeps them; only this process lets go). */
static void release_locked(ls_blob_map *m)
{
    uint64_t low = m->walked < m->hashed ? m->walked : m->hashed;
    uintptr_t from, to, mask = ~((uintptr_t)m->page - 1);
    if (low < m->released + MAP_RELEASE_STEP)
        return;
    from = ((uintptr_t)(m->base + m->released) + (uintptr_t)m->page - 1) & mask;
    to = (uintptr_t)(m->base + low) & mask;
    if (to > from)
        (void)madvise((void *)from, to - from, MADV_DONTNEED);
    m->released = low;
}

/* Publishes one side's progress; then, with `wait`, blocks while that side
 * leads the other by more than MAP_AHEAD (so the pages between them stay
 * few). Returns false if cancelled. */
static bool moved(ls_blob_map *m, uint64_t *mine, const uint64_t *other, uint64_t to, bool wait)
{
    bool go;
    pthread_mutex_lock(&m->mu);
    *mine = to;
    release_locked(m);
    pthread_cond_broadcast(&m->cv);
    /* the hashing side may also stop early (a failed update): never wait on it then */
    while (wait && !m->cancel && *other < m->len && *mine > *other + MAP_AHEAD &&
           !(other == &m->hashed && m->hash_ended))
        pthread_cond_wait(&m->cv, &m->mu);
    go = !m->cancel;
    pthread_mutex_unlock(&m->mu);
    return go;
}

/* Hashes [from, upto) on the calling thread, publishing progress. */
static void hash_range(ls_blob_map *m, uint64_t from, uint64_t upto, bool wait)
{
    while (from < upto && !m->hash_failed) {
        size_t n = upto - from > MAP_HASH_STEP ? MAP_HASH_STEP : (size_t)(upto - from);
        map_job j = {.src = m->base + from, .n = n, .h = &m->h, .err = &m->hash_error};
        int rc = ls_mapguard_run(m->base, m->len, job_hash, &j);
        if (rc == LS_MAPGUARD_FAULT)
            shrank(&m->hash_error, m->label);
        if (rc < 0) {
            m->hash_failed = true;
            break;
        }
        from += n;
        if (!moved(m, &m->hashed, &m->walked, from, wait))
            break;
    }
}

static void *hash_thread(void *arg)
{
    ls_blob_map *m = arg;
    hash_range(m, 0, m->len, true);
    pthread_mutex_lock(&m->mu);
    m->hash_ended = true;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

ls_blob_map *ls_blob_map_new(const unsigned char *base, uint64_t len, bool threaded,
                             const char *label, ls_error *err)
{
    ls_blob_map *m = calloc(1, sizeof *m);
    if (!m) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        return NULL;
    }
    m->base = base;
    m->len = len;
    snprintf(m->label, sizeof m->label, "%s", label);
    if (!(m->piece = malloc(MAP_PIECE))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto fail;
    }
    m->page = sysconf(_SC_PAGESIZE);
    if (m->page <= 0)
        m->page = 4096;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto fail;
    }
    if (pthread_cond_init(&m->cv, NULL) != 0) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto fail_mu;
    }
    if (ls_sha256_init(&m->h, err) < 0)
        goto fail_cv;
    /* no thread (disabled, or none to be had): the walker hashes as it goes */
    m->threaded = threaded && pthread_create(&m->tid, NULL, hash_thread, m) == 0;
    m->running = m->threaded;
    return m;
fail_cv:
    pthread_cond_destroy(&m->cv);
fail_mu:
    pthread_mutex_destroy(&m->mu);
fail:
    free(m->piece);
    free(m);
    return NULL;
}

/* Moves pos past n bytes; the walker is done with everything before `done`. */
static void advance(ls_blob_map *m, uint64_t done, size_t n)
{
    uint64_t from = m->pos;
    m->pos += n;
    if (!m->threaded)
        hash_range(m, from, m->pos, false);
    (void)moved(m, &m->walked, &m->hashed, done, m->threaded);
}

/* Copies [pos, pos+n) of the mapping into dst under the guard. Returns 0,
 * or -1 with the walker's sticky error filled. */
static int copy_out(ls_blob_map *m, void *dst, size_t n, ls_error *err)
{
    map_job j = {.dst = dst, .src = m->base + m->pos, .n = n};
    if (!m->failed && ls_mapguard_run(m->base, m->len, job_copy, &j) == LS_MAPGUARD_FAULT) {
        m->failed = true;
        shrank(&m->error, m->label);
    }
    if (m->failed) {
        ls_error_pass(err, &m->error);
        return -1;
    }
    return 0;
}

ssize_t ls_blob_map_peek(ls_blob_map *m, const void **buf, ls_error *err)
{
    uint64_t at = m->pos;
    size_t n;
    if (m->failed || at >= m->len)
        return m->failed ? copy_out(m, NULL, 0, err) : 0;
    n = m->len - at > MAP_PIECE ? MAP_PIECE : (size_t)(m->len - at);
    if (copy_out(m, m->piece, n, err) < 0)
        return -1;
    *buf = m->piece;
    advance(m, m->pos + n, n); /* the copy stays lent until the next call */
    return (ssize_t)n;
}

ssize_t ls_blob_map_read(ls_blob_map *m, void *buf, size_t n, ls_error *err)
{
    if (m->failed)
        return copy_out(m, NULL, 0, err);
    if (m->pos >= m->len || n == 0)
        return 0;
    if (n > m->len - m->pos)
        n = (size_t)(m->len - m->pos);
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    if (copy_out(m, buf, n, err) < 0)
        return -1;
    advance(m, m->pos + n, n);
    return (ssize_t)n;
}

uint64_t ls_blob_map_size(const ls_blob_map *m)
{
    return m->len;
}

/* Lets the hashing thread run to the end (or stop, with cancel) and joins it. */
static void join(ls_blob_map *m, bool cancel)
{
    if (!m->running)
        return;
    pthread_mutex_lock(&m->mu);
    m->walked = m->len; /* nothing left to wait for */
    m->cancel = m->cancel || cancel;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->tid, NULL);
    m->running = false;
}

int ls_blob_map_finish(ls_blob_map *m, char diff_id[LS_DIGEST_MAX], ls_error *err)
{
    join(m, false);
    if (!m->threaded)
        hash_range(m, m->hashed, m->len, false);
    if (m->failed) { /* the walker's fault comes first */
        ls_error_pass(err, &m->error);
        return -1;
    }
    if (m->hash_failed) {
        ls_error_pass(err, &m->hash_error);
        return -1;
    }
    return ls_sha256_final(&m->h, diff_id, err);
}

void ls_blob_map_free(ls_blob_map *m)
{
    if (!m)
        return;
    join(m, true);
    ls_sha256_dispose(&m->h);
    free(m->piece);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}
