/*
 * ring.c - the decoder thread's ring of slots (see ring.h).
 *
 * The producer fills whole slots (fewer hand-offs); while the ring is full
 * it hashes filled slots and raw chunks rather than sleep, and the consumer
 * does the same while it waits for bytes, so hashing goes to whichever
 * thread is idle. Every hash runs outside the lock with a flag (`hashing`,
 * `raw_hashing`) that keeps the order: one slot or chunk at a time, in
 * stream order.
 */
#include "blob/ring.h"

#include <stdlib.h>
#include <string.h>

static unsigned char *slot_mem(const ls_ring *r, size_t slot)
{
    return r->fixed.mem + slot * LS_RING_SLOT;
}

/* With mu held and the first unhashed filled slot available (not being
 * hashed): hashes it outside the lock. Either thread may call this. */
static void hash_next(ls_ring *r)
{
    size_t slot = (r->shared.head + r->shared.hashed) % LS_RING_SLOTS;
    ls_error e = {0};
    int rc;
    r->shared.hashing = true;
    pthread_mutex_unlock(&r->shared.mu);
    rc = r->fixed.ops->hash_plain(r->fixed.ud, slot_mem(r, slot), r->shared.len[slot], &e);
    pthread_mutex_lock(&r->shared.mu);
    r->shared.hashing = false;
    r->shared.hashed++;
    if (rc < 0 && !r->shared.hash_failed) {
        r->shared.hash_failed = true;
        r->shared.hash_error = e;
    }
    pthread_cond_broadcast(&r->shared.cv_data);
    pthread_cond_broadcast(&r->shared.cv_space); /* a producer waiting for checksum room */
}

/* With mu held and chunk raw_hashed published and not being hashed: hashes
 * it outside the lock. Either thread may call this. */
static void hash_raw_next(ls_ring *r)
{
    size_t slot = (size_t)(r->shared.raw_hashed % LS_RING_RAW_SLOTS);
    ls_error e = {0};
    int rc;
    r->shared.raw_hashing = true;
    pthread_mutex_unlock(&r->shared.mu);
    rc = r->fixed.ops->hash_raw(r->fixed.ud, r->shared.raw_ptr[slot], r->shared.raw_len[slot], &e);
    pthread_mutex_lock(&r->shared.mu);
    r->shared.raw_hashing = false;
    r->shared.raw_hashed++;
    r->shared.raw_hashed_bytes += r->shared.raw_len[slot];
    if (rc < 0 && !r->shared.hash_failed) {
        r->shared.hash_failed = true;
        r->shared.hash_error = e;
    }
    pthread_cond_broadcast(&r->shared.cv_space);
}

/* With mu held: whether a raw chunk is waiting for its hash. */
static bool raw_hash_ready(const ls_ring *r)
{
    return !r->shared.raw_hashing && r->shared.raw_hashed < r->shared.raw_read;
}

long ls_ring_raw_claim(ls_ring *r, uint64_t *hashed_bytes)
{
    long slot = -1;
    pthread_mutex_lock(&r->shared.mu);
    while (r->shared.raw_read >= r->shared.raw_hashed + LS_RING_RAW_SLOTS && !r->shared.cancel) {
        if (!r->shared.raw_hashing)
            hash_raw_next(r);
        else
            pthread_cond_wait(&r->shared.cv_space, &r->shared.mu);
    }
    if (!r->shared.cancel)
        slot = (long)(r->shared.raw_read % LS_RING_RAW_SLOTS);
    *hashed_bytes = r->shared.raw_hashed_bytes;
    pthread_mutex_unlock(&r->shared.mu);
    return slot;
}

unsigned char *ls_ring_raw_slot(ls_ring *r, long slot)
{
    return r->fixed.raw_mem + (size_t)slot * r->fixed.raw_chunk;
}

void ls_ring_raw_publish(ls_ring *r, const unsigned char *p, size_t n)
{
    pthread_mutex_lock(&r->shared.mu);
    r->shared.raw_ptr[r->shared.raw_read % LS_RING_RAW_SLOTS] = p;
    r->shared.raw_len[r->shared.raw_read % LS_RING_RAW_SLOTS] = n;
    r->shared.raw_read++;
    pthread_cond_broadcast(&r->shared.cv_data);
    pthread_mutex_unlock(&r->shared.mu);
}

bool ls_ring_flush_raw(ls_ring *r, ls_error *err)
{
    pthread_mutex_lock(&r->shared.mu);
    while (r->shared.raw_hashed < r->shared.raw_read)
        hash_raw_next(r);
    pthread_mutex_unlock(&r->shared.mu);
    if (r->shared.hash_failed)
        ls_error_pass(err, &r->shared.hash_error);
    return r->shared.hash_failed;
}

/* The producer thread: fills whole slots until the end, an error or
 * cancel; while the ring is full it hashes filled slots rather than wait. */
static void *producer(void *arg)
{
    ls_ring *r = arg;
    const ls_ring_ops *ops = r->fixed.ops;
    void *ud = r->fixed.ud;
    for (;;) {
        size_t slot, filled = 0;
        ssize_t k = 1;
        unsigned char *p;
        pthread_mutex_lock(&r->shared.mu);
        /* a full ring, or (deferred checksum) members posted past what
         * was hashed: hash filled slots rather than wait */
        while ((r->shared.count == LS_RING_SLOTS || !ops->has_room(ud)) && !r->shared.cancel) {
            if (!r->shared.hashing && r->shared.hashed < r->shared.count)
                hash_next(r);
            else if (raw_hash_ready(r))
                hash_raw_next(r);
            else if (r->shared.count < LS_RING_SLOTS && !r->shared.hashing)
                break; /* everything filled is hashed: room comes with the next trailer */
            else
                pthread_cond_wait(&r->shared.cv_space, &r->shared.mu);
        }
        if (r->shared.cancel) {
            pthread_mutex_unlock(&r->shared.mu);
            return NULL;
        }
        slot = (r->shared.head + r->shared.count) % LS_RING_SLOTS;
        pthread_mutex_unlock(&r->shared.mu);
        p = slot_mem(r, slot);
        /* a slot is published early when the checksum side needs its
         * bytes hashed to make room for more members */
        while (filled < LS_RING_SLOT && (filled == 0 || ops->has_room(ud)) &&
               (k = ops->fill(ud, p + filled, LS_RING_SLOT - filled)) > 0)
            filled += (size_t)k;
        pthread_mutex_lock(&r->shared.mu);
        if (filled > 0) {
            r->shared.len[slot] = filled;
            r->shared.count++;
        }
        if (k <= 0)
            r->shared.producer_done = true;
        pthread_cond_broadcast(&r->shared.cv_data);
        pthread_mutex_unlock(&r->shared.mu);
        if (k <= 0)
            return NULL;
    }
}

static int init_sync(ls_ring *r)
{
    if (pthread_mutex_init(&r->shared.mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&r->shared.cv_data, NULL) != 0)
        goto fail_mu;
    if (pthread_cond_init(&r->shared.cv_space, NULL) != 0)
        goto fail_data;
    r->consumer.sync_ready = true;
    return 0;
fail_data:
    pthread_cond_destroy(&r->shared.cv_data);
fail_mu:
    pthread_mutex_destroy(&r->shared.mu);
    return -1;
}

bool ls_ring_start(ls_ring *r, size_t raw_chunk, const ls_ring_ops *ops, void *ud)
{
    r->fixed.ops = ops;
    r->fixed.ud = ud;
    r->fixed.raw_chunk = raw_chunk;
    if (!r->fixed.mem && !(r->fixed.mem = malloc((size_t)LS_RING_SLOTS * LS_RING_SLOT)))
        return false;
    if (raw_chunk && !(r->fixed.raw_mem = malloc((size_t)LS_RING_RAW_SLOTS * raw_chunk)))
        goto fail_mem;
    if (!r->consumer.sync_ready && init_sync(r) < 0)
        goto fail_mem;
    /* the sniffed chunk is hashed already; chunks 1.. are deferred */
    r->shared.raw_read = r->shared.raw_hashed = 1;
    if (pthread_create(&r->consumer.tid, NULL, producer, r) != 0)
        goto fail_mem;
    r->consumer.running = r->consumer.used = true;
    return true;
fail_mem: /* a thread-less peek needs only one slot: reallocated then */
    free(r->fixed.mem);
    free(r->fixed.raw_mem);
    r->fixed.mem = r->fixed.raw_mem = NULL;
    return false;
}

bool ls_ring_join(ls_ring *r)
{
    if (!r->consumer.running)
        return false;
    pthread_join(r->consumer.tid, NULL);
    r->consumer.running = false;
    return true;
}

/* Hands a lent head slot back to the producer (no-op otherwise). */
static void unlend(ls_ring *r)
{
    if (!r->consumer.held)
        return;
    pthread_mutex_lock(&r->shared.mu);
    r->consumer.held = false;
    r->shared.head = (r->shared.head + 1) % LS_RING_SLOTS;
    r->shared.count--;
    r->shared.hashed--;
    r->consumer.rd_off = 0;
    pthread_cond_signal(&r->shared.cv_space);
    pthread_mutex_unlock(&r->shared.mu);
}

/* Waits for the head slot and makes sure it is hashed. 1: the head slot is
 * ready; 0: the producer ended and the ring is empty; -1: hashing failed
 * (err filled). Only while running. */
static int take(ls_ring *r, ls_error *err)
{
    bool have;
    pthread_mutex_lock(&r->shared.mu);
    for (;;) {
        if (r->shared.hash_failed) {
            pthread_mutex_unlock(&r->shared.mu);
            ls_error_pass(err, &r->shared.hash_error);
            return -1;
        }
        if (r->shared.count > 0 && r->shared.hashed > 0)
            break;
        if (r->shared.count > 0 && !r->shared.hashing)
            hash_next(r);
        else if (r->shared.count == 0 && r->shared.producer_done)
            break;
        else if (raw_hash_ready(r)) /* idle: take the producer's hashing */
            hash_raw_next(r);
        else
            pthread_cond_wait(&r->shared.cv_data, &r->shared.mu);
    }
    have = r->shared.count > 0; /* read under mu: the producer may be filling another slot */
    pthread_mutex_unlock(&r->shared.mu);
    return have ? 1 : 0;
}

/* Copies up to n bytes of the ready head slot into out (NULL: discards
 * them), handing the slot back when it is used up. */
static size_t read_head(ls_ring *r, unsigned char *out, size_t n)
{
    /* The head slot is the consumer's until it hands it back. */
    size_t head = r->shared.head;
    size_t k = r->shared.len[head] - r->consumer.rd_off;
    if (k > n)
        k = n;
    if (out)
        memcpy(out, slot_mem(r, head) + r->consumer.rd_off, k);
    r->consumer.rd_off += k;
    if (r->consumer.rd_off == r->shared.len[head]) {
        r->consumer.held = true;
        unlend(r);
    }
    return k;
}

/* Lends the rest of the ready head slot (*buf) until the next call. */
static size_t peek_head(ls_ring *r, const void **buf)
{
    size_t head = r->shared.head;
    size_t k = r->shared.len[head] - r->consumer.rd_off;
    *buf = slot_mem(r, head) + r->consumer.rd_off;
    r->consumer.rd_off = r->shared.len[head];
    r->consumer.held = true;
    return k;
}

/* The head slot with bytes left, once a lent one is handed back: 1, 0 (the
 * producer ended, or never ran, and the ring is empty), -1 (err filled). */
static int next_head(ls_ring *r, ls_error *err)
{
    unlend(r);
    return r->consumer.running ? take(r, err) : 0;
}

ssize_t ls_ring_read(ls_ring *r, unsigned char *out, size_t n, ls_error *err)
{
    int t = next_head(r, err);
    return t <= 0 ? t : (ssize_t)read_head(r, out, n);
}

ssize_t ls_ring_peek(ls_ring *r, const void **buf, ls_error *err)
{
    int t = next_head(r, err);
    return t <= 0 ? t : (ssize_t)peek_head(r, buf);
}

bool ls_ring_cancel(ls_ring *r)
{
    if (!r->consumer.running)
        return false;
    pthread_mutex_lock(&r->shared.mu);
    r->shared.cancel = true;
    pthread_cond_signal(&r->shared.cv_space);
    pthread_mutex_unlock(&r->shared.mu);
    return ls_ring_join(r);
}

void ls_ring_free(ls_ring *r)
{
    if (r->consumer.sync_ready) {
        pthread_cond_destroy(&r->shared.cv_space);
        pthread_cond_destroy(&r->shared.cv_data);
        pthread_mutex_destroy(&r->shared.mu);
    }
    free(r->fixed.mem);
    free(r->fixed.raw_mem);
}
