/*
 * ring.h - the hand-off between a blob's decoder thread (the producer) and
 * the thread that reads the blob (the consumer).
 *
 * The producer fills LS_RING_SLOTS reused buffers of LS_RING_SLOT bytes,
 * allocated once, through ops->fill; the consumer copies out of the head
 * slot or borrows it whole (zero-copy). Two digests run in stream order on
 * whichever thread is idle: the plain bytes slot by slot (ops->hash_plain)
 * and, when the blob is compressed, its raw chunks (ops->hash_raw), which
 * the producer publishes into LS_RING_RAW_SLOTS chunk slots and which are
 * hashed before a slot is reused, so the digest never lags more than that.
 * A failure travels as the ring's end, after every byte produced before it.
 *
 * Who owns what is the struct's shape: `fixed` is written by the consumer
 * before the producer starts and only read while it runs; `shared` is
 * touched by both threads under `shared.mu`; `consumer` is the reading
 * thread's own (the producer never touches it). The one exception is the
 * head slot's length and bytes: once filled, they are the consumer's until
 * it hands the slot back (the next ls_ring_read or ls_ring_peek).
 */
#ifndef LS_RING_H
#define LS_RING_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "layerscan/error.h"

#define LS_RING_SLOTS 4u
#define LS_RING_SLOT (1024u * 1024u)
#define LS_RING_RAW_SLOTS 4u

/* What the producer does, called with the blob as ud. */
typedef struct {
    /* Produces up to n plain bytes into out: count, 0 at the end, -1 on an
     * error (kept by the blob, delivered after the bytes before it). */
    ssize_t (*fill)(void *ud, unsigned char *out, size_t n);
    /* Hashes plain bytes (in stream order) / one raw chunk. 0 or -1. */
    int (*hash_plain)(void *ud, const unsigned char *p, size_t n, ls_error *err);
    int (*hash_raw)(void *ud, const unsigned char *p, size_t n, ls_error *err);
    /* Whether more may be produced before the filled slots are hashed. */
    bool (*has_room)(void *ud);
} ls_ring_ops;

typedef struct {
    struct {                          /* set before the producer starts, read-only after */
        const ls_ring_ops *ops;
        void *ud;
        unsigned char *mem;           /* LS_RING_SLOTS * LS_RING_SLOT bytes (one slot when the
                                         blob decodes on the caller's thread) */
        unsigned char *raw_mem;       /* LS_RING_RAW_SLOTS * raw_chunk bytes; chunk j in slot
                                         j % LS_RING_RAW_SLOTS (NULL: chunks live elsewhere) */
        size_t raw_chunk;
    } fixed;
    struct {                          /* both threads, under mu */
        pthread_mutex_t mu;
        pthread_cond_t cv_data;       /* a slot was filled or hashed, or the producer ended */
        pthread_cond_t cv_space;      /* a slot was freed, or cancel */
        size_t len[LS_RING_SLOTS];    /* bytes in each filled slot */
        size_t head, count;           /* first filled slot, number filled */
        size_t hashed;                /* filled slots from head already hashed */
        bool hashing;                 /* a thread is hashing slot head+hashed */
        bool producer_done;           /* the producer hit the end or an error */
        bool cancel;                  /* the consumer is going away */
        bool hash_failed;             /* hashing failed: hash_error */
        ls_error hash_error;
        /* raw chunks (one raw read each) whose digest is deferred: */
        const unsigned char *raw_ptr[LS_RING_RAW_SLOTS];
        size_t raw_len[LS_RING_RAW_SLOTS];
        uint64_t raw_hashed_bytes;    /* bytes of the chunks hashed through the ring */
        uint64_t raw_read, raw_hashed;/* chunks published / hashed, in order */
        bool raw_hashing;             /* a thread is hashing chunk raw_hashed */
    } shared;
    struct {                          /* the consumer's own */
        pthread_t tid;
        size_t rd_off;                /* bytes of the head slot already read */
        bool held;                    /* the head slot is lent out by a peek */
        bool sync_ready;              /* mu and the conds are initialised */
        bool used;                    /* the producer was started: reads go through the ring */
        bool running;                 /* started and not yet joined */
    } consumer;
} ls_ring;

/* Consumer: allocates the slots (and raw_chunk-byte raw slots unless
 * raw_chunk is 0), then starts the producer. Chunk 0 counts as read and
 * hashed already (the sniffed one). False when anything failed: nothing
 * runs, the caller decodes on its own thread. */
bool ls_ring_start(ls_ring *r, size_t raw_chunk, const ls_ring_ops *ops, void *ud);

/* Producer: waits until the next raw chunk has a slot (hashing the chunk
 * that used it last if nobody is). Returns the slot, or -1 if the consumer
 * cancelled; *hashed_bytes: the raw bytes hashed through the ring so far. */
long ls_ring_raw_claim(ls_ring *r, uint64_t *hashed_bytes);

/* Producer: the raw_chunk-byte buffer of slot `slot` (ls_ring_raw_claim). */
unsigned char *ls_ring_raw_slot(ls_ring *r, long slot);

/* Producer, once its slot is claimed: the next raw chunk is [p, p+n). */
void ls_ring_raw_publish(ls_ring *r, const unsigned char *p, size_t n);

/* Consumer: copies up to n bytes into out (NULL: discards them), handing
 * back a slot lent by ls_ring_peek first. Returns the count; 0 once the
 * producer ended (or never ran) and the ring is empty: join it, and the
 * blob's own failure, if any, is due; -1 when hashing failed (err filled). */
ssize_t ls_ring_read(ls_ring *r, unsigned char *out, size_t n, ls_error *err);

/* Consumer: as ls_ring_read, but lends the rest of the head slot (*buf)
 * until the next call on the ring. */
ssize_t ls_ring_peek(ls_ring *r, const void **buf, ls_error *err);

/* Consumer: joins the producer. True when it was running (now joined). */
bool ls_ring_join(ls_ring *r);

/* Consumer: stops the producer early and joins it. True when it was
 * running (now joined). */
bool ls_ring_cancel(ls_ring *r);

/* Consumer, with the producer joined: hashes the raw chunks it left, in
 * order. Returns true with *err filled when any hashing failed. */
bool ls_ring_flush_raw(ls_ring *r, ls_error *err);

/* Frees the slots and the locks (the producer joined or never started). */
void ls_ring_free(ls_ring *r);

#endif
