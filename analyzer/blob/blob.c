/*
 * blob.c - one layer blob as a stream of uncompressed tar bytes.
 *
 * The raw reader is pulled into one fixed input buffer (allocated with the
 * blob, reused for every read), the first bytes are sniffed for a magic
 * number (media types lie), and a decoder from decoder.h turns them into
 * plain bytes written straight into the caller's buffer (a plain tar is read
 * straight into it, no decoder copy). The compressed bytes are hashed as they
 * are read (the manifest digest); the plain bytes are hashed once they are
 * produced (the diff_id). For a plain tar they are the same bytes: only the
 * plain side is hashed and both digests are that one hash. Memory is the
 * blob struct plus the decoder's bounded state, whatever the input. Errors
 * are sticky: once a read fails, every later read fails with the same
 * message.
 *
 * Decoding overlaps scanning: on the first read a decoder thread starts and
 * fills a ring (ring.h: the slots, the lock, and which thread owns which of
 * its fields) of LS_RING_SLOTS reused buffers of LS_RING_SLOT bytes,
 * allocated once; ls_blob_read copies out of the ring and ls_blob_peek lends
 * a whole slot (zero-copy, what the tar walk uses). While the thread runs it
 * owns every field of the blob except `ring` and `h_plain`; the reader takes
 * them back by joining it (at the end of the stream, on its error, in finish,
 * or in free, which cancels it). A failure travels as the ring's end, after
 * all the bytes decoded before it, so errors arrive in order.
 *
 * Hashing (SHA-256 runs at about the speed of a fast inflater) is work
 * either thread can do, in stream order, so whichever side is idle does it:
 * the diff_id slot by slot (the reader hashes each slot it takes unless the
 * decoder thread already did; the decoder thread hashes filled slots instead
 * of sleeping while the ring is full), and the compressed digest chunk by
 * chunk (the decoder thread reads into LS_RING_RAW_SLOTS chunk buffers; the
 * reader hashes them while it waits for plain bytes, the decoder thread when
 * it needs a chunk buffer back or the ring is full). With a slow inflater the
 * scanner hashes nearly everything; with a plain tar (nothing to inflate)
 * the reading thread does.
 * ls_blob_opts.no_decode_thread (the program's LAYERSCAN_DECODE_THREAD=0)
 * decodes on the caller's thread instead (for measurements).
 *
 * A plain tar whose reader can map its bytes (a layer in a local file)
 * skips all of this: blob_map.c serves the mapping and hashes it on a
 * thread of its own.
 *
 * Every access to a mapping (decoding a mapped compressed blob, hashing its
 * chunks) runs under ls_mapguard_run: a file cut short while it is scanned
 * is the error "input file shrank while being read", not a SIGBUS.
 */
#include "blob/blob.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blob/blob_map.h"
#include "blob/content_check.h"
#include "blob/decoder.h"
#include "blob/ring.h"
#include "blob/sha256.h"
#include "blob/sniff.h"
#include "core/mapguard.h"

#define BLOB_IN_SIZE (128u * 1024u)
/* A plain tar at least this large is served from a mapping when its reader
 * offers one (blob_map.h); smaller ones are not worth a hashing thread.
 * A compressed blob that large is decoded from its mapping (no read copy). */
#define BLOB_MAP_MIN (1u << 20)
/* Pages of a mapped compressed blob are dropped behind in steps this large. */
#define BLOB_CMAP_RELEASE_STEP (4u << 20)


struct ls_blob {
    ls_reader *raw;                 /* owned */
    ls_blob_map *map;               /* a mapped plain tar: serves every read (owned) */
    const unsigned char *cmap;      /* a mapped compressed blob (the reader's): chunks are
                                       decoded and hashed in place, no read copy */
    uint64_t cmap_len;
    uint64_t cmap_first;            /* bytes before the ring's first chunk (the sniffed ones) */
    uint64_t cmap_released;         /* pages of [0, cmap_released) were dropped */
    uintptr_t cmap_page;            /* the page size */
    ls_compression compression;
    const ls_decoder_ops *ops;
    void *dec;                      /* decoder state */
    ls_sha256 h_raw, h_plain;       /* compressed / uncompressed digests */
    ls_ccheck *check;               /* the format's checksum, verified where h_plain is
                                       updated (skip_checksum; NULL otherwise) */
    uint64_t compressed_bytes, bytes;
    size_t in_pos, in_len;          /* window of `in` not yet decoded */
    bool eof;                       /* raw reader returned 0 */
    bool done;                      /* decoder finished cleanly */
    bool failed;                    /* sticky error in `error` */
    bool fail_next;                 /* `error` is due after the bytes decoded before it */
    bool raw_failed;                /* the raw reader itself failed */
    bool finished;                  /* digests finalised into `info` */
    bool threaded;                  /* decode on a thread (unless disabled) */
    bool thread_tried;              /* the thread was started (or could not be) */
    bool ring_hashes;               /* plain bytes are hashed per ring slot, not in blob_pull */
    bool raw_deferred;              /* compressed chunks are hashed through the ring */
    const unsigned char *in;        /* the chunk being decoded: `in_buf` or in the mapping */
    unsigned char *in_buf;          /* where raw reads land: `first` or a raw slot */
    ls_ring ring;                   /* the decoder thread's hand-off (ring.h) */
    ls_error error;
    ls_blob_info info;
    char label[256];                /* names the blob in messages */
    char map_label[512];            /* a mapped blob: "label: file" (faults name the file) */
    unsigned char first[BLOB_IN_SIZE]; /* the sniffed chunk, and every chunk without a thread */
};

const char *ls_compression_name(ls_compression c)
{
    switch (c) {
    case LS_COMP_GZIP: return "gzip";
    case LS_COMP_ZSTD: return "zstd";
    case LS_COMP_NONE: return "none";
    }
    return "none";
}

typedef struct {
    ls_sha256 *h;
    const unsigned char *p;
    size_t n;
    ls_error *err;
} sha_job;

static int sha_job_run(void *arg)
{
    sha_job *j = arg;
    return ls_sha256_update(j->h, j->p, j->n, j->err);
}

static void shrank(const ls_blob *b, ls_error *err)
{
    ls_error_set(err, LS_ERR_IO, "%s: input file shrank while being read", b->map_label);
}

/* Hashes compressed bytes: guarded when they are in the mapping. */
static int hash_raw(ls_blob *b, const unsigned char *p, size_t n, ls_error *err)
{
    sha_job j = {&b->h_raw, p, n, err};
    int rc;
    if (!b->cmap)
        return ls_sha256_update(&b->h_raw, p, n, err);
    rc = ls_mapguard_run(b->cmap, b->cmap_len, sha_job_run, &j);
    if (rc == LS_MAPGUARD_FAULT)
        shrank(b, err);
    return rc < 0 ? -1 : 0;
}

/* Appends one raw read at in_len, and hashes it once the compression is
 * known to be gzip or zstd: here, or (raw_deferred, on the decoder thread)
 * later by whichever thread is idle. Returns bytes read, 0 at EOF. */
static ssize_t blob_read_raw(ls_blob *b, ls_error *err)
{
    ssize_t k = ls_reader_read(b->raw, b->in_buf + b->in_len, BLOB_IN_SIZE - b->in_len, err);
    if (k < 0) {
        b->raw_failed = true;
        return -1;
    }
    if (k == 0) {
        b->eof = true;
        return 0;
    }
    if (b->raw_deferred)
        ls_ring_raw_publish(&b->ring, b->in_buf + b->in_len, (size_t)k);
    else if (b->ops && b->compression != LS_COMP_NONE &&
             ls_sha256_update(&b->h_raw, b->in_buf + b->in_len, (size_t)k, err) < 0)
        return -1;
    b->in_len += (size_t)k;
    b->compressed_bytes += (uint64_t)k;
    return k;
}

/* On the decoder thread: the next raw chunk's slot (ring.h), or -1 if the
 * reader cancelled; *hashed_end: the compressed bytes hashed so far. */
static long raw_claim_slot(ls_blob *b, uint64_t *hashed_end)
{
    uint64_t through_ring;
    long slot = ls_ring_raw_claim(&b->ring, &through_ring);
    *hashed_end = b->cmap_first + through_ring;
    return slot;
}

/* A mapped blob: drops the pages both the inflater and the digest are past
 * (in steps: one madvise per few MiB), so resident memory stays flat. */
static void cmap_release(ls_blob *b, uint64_t low)
{
    uintptr_t mask = ~(b->cmap_page - 1), from, to;
    if (low < b->cmap_released + BLOB_CMAP_RELEASE_STEP)
        return;
    from = ((uintptr_t)(b->cmap + b->cmap_released) + b->cmap_page - 1) & mask;
    to = (uintptr_t)(b->cmap + low) & mask;
    if (to > from)
        (void)madvise((void *)from, to - from, MADV_DONTNEED);
    b->cmap_released = low;
}

/* A mapped blob: the next chunk is lent from the mapping. */
static int blob_refill_mapped(ls_blob *b, ls_error *err)
{
    uint64_t at = b->compressed_bytes, hashed_end = at;
    size_t k = b->cmap_len - at > BLOB_IN_SIZE ? BLOB_IN_SIZE : (size_t)(b->cmap_len - at);
    b->in_pos = b->in_len = 0;
    if (k == 0) {
        b->eof = true;
        return 0;
    }
    if (b->raw_deferred) {
        if (raw_claim_slot(b, &hashed_end) < 0)
            return ls_error_set(err, LS_ERR_INTERNAL, "%s: cancelled", b->label);
        ls_ring_raw_publish(&b->ring, b->cmap + at, k);
    } else if (hash_raw(b, b->cmap + at, k, err) < 0) {
        return -1;
    }
    b->in = b->cmap + at;
    b->in_len = k;
    b->compressed_bytes += k;
    cmap_release(b, hashed_end < at ? hashed_end : at);
    return 0;
}

/* Refills the (fully consumed) input buffer. */
static int blob_refill(ls_blob *b, ls_error *err)
{
    uint64_t hashed_end;
    long slot;
    if (b->cmap)
        return blob_refill_mapped(b, err);
    b->in_pos = b->in_len = 0;
    if (b->raw_deferred) {
        if ((slot = raw_claim_slot(b, &hashed_end)) < 0)
            return ls_error_set(err, LS_ERR_INTERNAL, "%s: cancelled", b->label);
        b->in = b->in_buf = ls_ring_raw_slot(&b->ring, slot);
    }
    return blob_read_raw(b, err) < 0 ? -1 : 0;
}

/* Reads the first bytes (kept in `in`) and picks the decoder (sniff.h). The
 * sniffed bytes enter the compressed digest here, once it is known to be
 * separate. Not a look-ahead (core/blocks.h): nothing is delivered again,
 * the chunk read here is the decoder's first input, consumed in place. */
static int blob_sniff(ls_blob *b, ls_error *err)
{
    while (b->in_len < LS_SNIFF_BYTES && !b->eof)
        if (blob_read_raw(b, err) < 0)
            return -1;
    switch (ls_sniff(b->in, b->in_len)) {
    case LS_SNIFF_GZIP:
        b->compression = LS_COMP_GZIP;
        b->ops = ls_decoder_gzip();
        break;
    case LS_SNIFF_ZSTD:
        b->compression = LS_COMP_ZSTD;
        b->ops = ls_decoder_zstd();
        break;
    case LS_SNIFF_XZ:
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: compression xz not supported", b->label);
    case LS_SNIFF_BZIP2:
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: compression bzip2 not supported", b->label);
    case LS_SNIFF_NONE:
        b->compression = LS_COMP_NONE;
        b->ops = ls_decoder_none();
        break;
    }
    if (b->compression != LS_COMP_NONE && ls_sha256_update(&b->h_raw, b->in, b->in_len, err) < 0)
        return -1;
    b->dec = b->ops->create(b->label, err);
    return b->dec ? 0 : -1;
}

/* A blob in a mappable file (the sniffed bytes are its first bytes again:
 * the mapping starts where the reader did): a plain tar is served by
 * blob_map.c, a compressed one is decoded in place. no_map (the program's
 * LAYERSCAN_MMAP=0) reads instead (for measurements). */
static int blob_try_map(ls_blob *b, bool no_map, ls_error *err)
{
    uint64_t len = 0;
    const void *p;
    if (no_map)
        return 0;
    p = ls_reader_map(b->raw, &len);
    if (!p || len < BLOB_MAP_MIN || len < b->compressed_bytes)
        return 0;
    {
        const char *file = ls_reader_name(b->raw);
        if (file && strcmp(file, b->label) != 0)
            snprintf(b->map_label, sizeof b->map_label, "%s: %s", b->label, file);
        else
            snprintf(b->map_label, sizeof b->map_label, "%s", b->label);
    }
    if (b->compression != LS_COMP_NONE) {
        long page = sysconf(_SC_PAGESIZE);
        b->cmap_page = page > 0 ? (uintptr_t)page : 4096u;
        b->cmap = p;
        b->cmap_len = len;
        b->cmap_first = b->compressed_bytes;
        return 0;
    }
    b->map = ls_blob_map_new(p, len, b->threaded, b->map_label, err);
    return b->map ? 0 : -1;
}

ls_blob *ls_blob_open_with(ls_reader *raw, const char *name, const ls_blob_opts *opts, ls_error *err)
{
    static const ls_blob_opts defaults = {.no_map = false};
    ls_blob *b = calloc(1, sizeof *b);
    if (!b) {
        ls_reader_free(raw);
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", name ? name : "layer blob");
        return NULL;
    }
    b->raw = raw;
    b->in = b->in_buf = b->first;
    snprintf(b->label, sizeof b->label, "%s", name ? name : "layer blob");
    if (!raw) {
        ls_error_set(err, LS_ERR_INTERNAL, "%s: no input reader", b->label);
        goto fail;
    }
    if (ls_sha256_init(&b->h_raw, err) < 0 || ls_sha256_init(&b->h_plain, err) < 0)
        goto fail;
    if (blob_sniff(b, err) < 0)
        goto fail;
    if (!opts)
        opts = &defaults;
    b->threaded = !opts->no_thread;
    if (blob_try_map(b, opts->no_map, err) < 0)
        goto fail;
    return b;
fail:
    ls_blob_free(b);
    return NULL;
}

ls_blob *ls_blob_open_named(ls_reader *raw, const char *name, ls_error *err)
{
    return ls_blob_open_with(raw, name, NULL, err);
}

ls_blob *ls_blob_open(ls_reader *raw, ls_error *err)
{
    return ls_blob_open_named(raw, NULL, err);
}

ls_compression ls_blob_compression(const ls_blob *b)
{
    return b->compression;
}

void ls_blob_skip_checksum(ls_blob *b)
{
    /* before the first read nothing has been decoded (the sniff only read) */
    if (b->thread_tried || b->bytes > 0 || !b->dec || !b->ops->skip_checksum || b->check)
        return;
    b->check = ls_ccheck_new(b->compression == LS_COMP_ZSTD ? LS_CCHECK_XXH64 : LS_CCHECK_CRC32,
                             b->label);
    if (b->check) /* else the inflater keeps checking: correct, only slower */
        b->ops->skip_checksum(b->dec, b->check);
}

/* The plain bytes [p, p+n), in stream order, into the diff_id and, when
 * deferred, the format's checksum. */
static int hash_plain(ls_blob *b, const unsigned char *p, size_t n, ls_error *err)
{
    if (ls_sha256_update(&b->h_plain, p, n, err) < 0)
        return -1;
    if (b->check)
        ls_ccheck_update(b->check, p, n);
    return 0;
}

/* Whether the decoder may post more members before the plain bytes
 * already produced are hashed (content_check.h). */
static bool check_has_room(ls_blob *b)
{
    return !b->check || ls_ccheck_room(b->check) >= 4;
}

/* Records the first error so later calls repeat it, and copies it out. */
static ssize_t blob_fail(ls_blob *b, ls_error *err)
{
    b->failed = true;
    ls_error_pass(err, &b->error);
    return -1;
}

static ssize_t blob_repeat_failure(const ls_blob *b, ls_error *err)
{
    ls_error_pass(err, &b->error);
    return -1;
}

/* A plain tar once the sniffed bytes are used up: raw reads go straight
 * into out. */
static ssize_t blob_pull_direct(ls_blob *b, unsigned char *out, size_t n, ls_error *err)
{
    ssize_t k;
    if (b->eof) {
        b->done = true;
        return 0;
    }
    k = ls_reader_read(b->raw, out, n, &b->error);
    if (k < 0) {
        b->raw_failed = true;
        return blob_fail(b, err);
    }
    if (k == 0) {
        b->eof = b->done = true;
        return 0;
    }
    b->compressed_bytes += (uint64_t)k;
    return k;
}

typedef struct {
    ls_blob *b;
    ls_dec_io *io;
} decode_job;

static int decode_job_run(void *arg)
{
    decode_job *j = arg;
    return j->b->ops->decode(j->b->dec, j->io, &j->b->error);
}

/* One decode step; a mapped blob's input is read under the guard (after a
 * fault the decoder state is only fit to be destroyed: the error is sticky). */
static int blob_decode(ls_blob *b, ls_dec_io *io)
{
    decode_job j = {b, io};
    int rc;
    if (!b->cmap)
        return b->ops->decode(b->dec, io, &b->error);
    rc = ls_mapguard_run(b->cmap, b->cmap_len, decode_job_run, &j);
    if (rc == LS_MAPGUARD_FAULT) {
        shrank(b, &b->error);
        io->out_pos = 0; /* what it wrote is not known to be whole */
    }
    return rc < 0 ? -1 : 0;
}

/* Produces up to n plain bytes into out; 0 at the clean end. Hashes them
 * into h_plain unless the ring does that per slot. */
static ssize_t blob_pull(ls_blob *b, unsigned char *out, size_t n, ls_error *err)
{
    size_t produced;
    if (b->failed)
        return blob_repeat_failure(b, err);
    if (b->fail_next)
        return blob_fail(b, err);
    if (b->done || n == 0)
        return 0;
    for (;;) {
        ls_dec_io io;
        size_t consumed;
        if (b->compression == LS_COMP_NONE && b->in_pos == b->in_len) {
            ssize_t k = blob_pull_direct(b, out, n, err);
            if (k <= 0)
                return k;
            produced = (size_t)k;
            goto produced;
        }
        if (b->in_pos == b->in_len && !b->eof && blob_refill(b, &b->error) < 0)
            return blob_fail(b, err);
        io = (ls_dec_io){.in = b->in, .in_len = b->in_len, .in_pos = b->in_pos,
                         .out = out, .out_len = n, .out_pos = 0};
        if (blob_decode(b, &io) < 0) {
            if (io.out_pos == 0)
                return blob_fail(b, err);
            /* bytes decoded before the error (all of them, for a bad CRC)
             * are delivered and scanned; the error comes with the next pull */
            b->fail_next = true;
            b->in_pos = io.in_pos;
            produced = io.out_pos;
            goto produced;
        }
        consumed = io.in_pos - b->in_pos;
        b->in_pos = io.in_pos;
        if (io.out_pos > 0) {
            produced = io.out_pos;
            goto produced;
        }
        if (b->in_pos == b->in_len && b->eof) {
            if (b->ops->finish(b->dec, b->compressed_bytes, &b->error) < 0)
                return blob_fail(b, err);
            b->done = true;
            return 0;
        }
        if (consumed == 0 && b->in_pos < b->in_len) {
            ls_error_set(&b->error, LS_ERR_INTERNAL, "%s: %s decoder made no progress", b->label,
                         b->ops->name);
            return blob_fail(b, err);
        }
    }
produced:
    if (!b->ring_hashes && hash_plain(b, out, produced, &b->error) < 0)
        return blob_fail(b, err);
    b->bytes += produced;
    return (ssize_t)produced;
}

/* ---- decoder thread ----------------------------------------------------- */

static ssize_t ring_fill(void *ud, unsigned char *out, size_t n)
{
    return blob_pull(ud, out, n, NULL);
}

static int ring_hash_plain(void *ud, const unsigned char *p, size_t n, ls_error *err)
{
    return hash_plain(ud, p, n, err);
}

static int ring_hash_raw(void *ud, const unsigned char *p, size_t n, ls_error *err)
{
    return hash_raw(ud, p, n, err);
}

static bool ring_has_room(void *ud)
{
    return check_has_room(ud);
}

static const ls_ring_ops blob_ring_ops = {
    .fill = ring_fill, .hash_plain = ring_hash_plain, .hash_raw = ring_hash_raw, .has_room = ring_has_room};

/* With the thread joined: hashes the raw chunks it left, in order, and
 * hashes any later chunk as it is read. */
static void raw_flush(ls_blob *b)
{
    ls_error hash_err = {0};
    if (!b->raw_deferred)
        return;
    b->raw_deferred = false;
    if (ls_ring_flush_raw(&b->ring, &hash_err) && !b->failed) {
        b->failed = true;
        b->error = hash_err;
    }
    if (b->cmap) /* the chunk stays in the mapping */
        return;
    /* later reads (the rest of a corrupt blob) go to `first`: copy the
     * unconsumed input there so blob_pull sees the same bytes */
    memmove(b->first, b->in + b->in_pos, b->in_len - b->in_pos);
    b->in_len -= b->in_pos;
    b->in_pos = 0;
    b->in = b->in_buf = b->first;
}

/* Starts the thread on the first read. False: decode on the caller's thread. */
static bool ring_start(ls_blob *b)
{
    b->thread_tried = true;
    if (b->failed || b->done)
        return false;
    b->ring_hashes = true;
    b->raw_deferred = b->compression != LS_COMP_NONE;
    if (ls_ring_start(&b->ring, b->raw_deferred && !b->cmap ? BLOB_IN_SIZE : 0, &blob_ring_ops, b))
        return true;
    b->ring_hashes = b->raw_deferred = false;
    return false;
}

/* Joins the thread: its fields (done, failed, error, raw digest) are ours
 * again, and the compressed digest catches up with what it read. */
static void ring_join(ls_blob *b)
{
    if (ls_ring_join(&b->ring))
        raw_flush(b);
}

/* A read of the ring that returned 0: the thread ended; joined, its failure
 * (if any) is due now, after every byte decoded before it. */
static ssize_t ring_ended(ls_blob *b, ls_error *err)
{
    ring_join(b);
    return b->failed ? blob_repeat_failure(b, err) : 0;
}

/* Up to n bytes from the ring into out (out NULL: discard them). 0 at the end
 * of the stream, -1 on its error (err filled), both once the thread ended. */
static ssize_t ring_read(ls_blob *b, unsigned char *out, size_t n, ls_error *err)
{
    ssize_t k = ls_ring_read(&b->ring, out, n, err);
    return k != 0 ? k : ring_ended(b, err);
}

/* The rest of the head slot, lent until the next call. */
static ssize_t ring_peek(ls_blob *b, const void **buf, ls_error *err)
{
    ssize_t k = ls_ring_peek(&b->ring, buf, err);
    return k != 0 ? k : ring_ended(b, err);
}

/* Stops the thread early (the reader is done with the blob) and joins it. */
static void ring_cancel(ls_blob *b)
{
    if (ls_ring_cancel(&b->ring))
        raw_flush(b);
}

static void blob_maybe_start(ls_blob *b)
{
    if (b->threaded && !b->thread_tried)
        ring_start(b);
    b->thread_tried = true;
}

ssize_t ls_blob_read(ls_blob *b, void *buf, size_t n, ls_error *err)
{
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    if (b->map)
        return ls_blob_map_read(b->map, buf, n, err);
    if (n == 0)
        return !b->ring.consumer.running && b->failed ? blob_repeat_failure(b, err) : 0;
    blob_maybe_start(b);
    if (b->ring.consumer.used)
        return ring_read(b, buf, n, err);
    return blob_pull(b, buf, n, err);
}

ssize_t ls_blob_peek(ls_blob *b, const void **buf, ls_error *err)
{
    size_t filled = 0;
    ssize_t k = 1;
    if (b->map)
        return ls_blob_map_peek(b->map, buf, err);
    blob_maybe_start(b);
    if (b->ring.consumer.used)
        return ring_peek(b, buf, err);
    /* No thread: fill one slot here. */
    if (!b->ring.fixed.mem && !(b->ring.fixed.mem = malloc(LS_RING_SLOT))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", b->label);
        return -1;
    }
    while (filled < LS_RING_SLOT && (k = blob_pull(b, b->ring.fixed.mem + filled, LS_RING_SLOT - filled, err)) > 0)
        filled += (size_t)k;
    if (filled == 0)
        return k;
    *buf = b->ring.fixed.mem;
    return (ssize_t)filled;
}

/* ---- reader view -------------------------------------------------------- */

static ssize_t blob_view_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    return ls_blob_read(ctx, buf, n, err);
}

static ssize_t blob_view_peek(void *ctx, const void **buf, ls_error *err)
{
    return ls_blob_peek(ctx, buf, err);
}

static const ls_reader_ops blob_view_ops = {.read = blob_view_read, .close = NULL, .peek = blob_view_peek};

ls_reader *ls_blob_reader(ls_blob *b)
{
    return ls_reader_new(&blob_view_ops, b);
}

/* ---- finishing ---------------------------------------------------------- */

/* After a decode error the compressed digest can still cover the whole blob:
 * the raw bytes are intact even if their content is not. A plain tar's
 * digest is its plain hash, which stops at the failure like its content. */
static void blob_hash_rest_of_raw(ls_blob *b)
{
    ls_error ignored = {0};
    if (b->raw_failed || b->compression == LS_COMP_NONE)
        return;
    if (b->cmap) { /* the raw reader never moved: the rest is in the mapping */
        uint64_t at = b->compressed_bytes;
        if (at < b->cmap_len && hash_raw(b, b->cmap + at, b->cmap_len - at, &ignored) == 0)
            b->compressed_bytes = b->cmap_len;
        b->eof = true;
        return;
    }
    while (!b->eof) {
        b->in_pos = b->in_len = 0;
        if (blob_read_raw(b, &ignored) < 0)
            return;
    }
}

static int blob_finalise(ls_blob *b, ls_error *err)
{
    b->info.compression = b->compression;
    b->info.compressed_bytes = b->compressed_bytes;
    b->info.bytes = b->bytes;
    if (ls_sha256_final(&b->h_plain, b->info.diff_id, err) < 0 ||
        (b->compression != LS_COMP_NONE && ls_sha256_final(&b->h_raw, b->info.digest, err) < 0))
        return -1;
    if (b->compression == LS_COMP_NONE)
        memcpy(b->info.digest, b->info.diff_id, sizeof b->info.digest);
    b->finished = true;
    return 0;
}

/* A mapped plain tar: its one hash is both digests. */
static int blob_finish_map(ls_blob *b)
{
    b->info.compression = LS_COMP_NONE;
    b->info.compressed_bytes = b->info.bytes = ls_blob_map_size(b->map);
    if (ls_blob_map_finish(b->map, b->info.diff_id, &b->error) < 0)
        return -1;
    memcpy(b->info.digest, b->info.diff_id, sizeof b->info.digest);
    b->finished = true;
    return 0;
}

int ls_blob_finish(ls_blob *b, ls_blob_info *info, ls_error *err)
{
    if (!b->finished && b->map) {
        if (blob_finish_map(b) < 0)
            b->failed = true;
    } else if (!b->finished) {
        ls_error ring_err = {0};
        ssize_t k;
        if (b->ring.consumer.used) {
            while ((k = ring_read(b, NULL, LS_RING_SLOT, &ring_err)) > 0)
                ;
            if (k < 0 && !b->failed) { /* a hash failure, not the stream's */
                ring_cancel(b);
                b->failed = true;
                b->error = ring_err;
            }
        }
        /* Thread-less (or after the thread): decode the rest into the
         * ring's slot, or a stack buffer when nothing was ever peeked. */
        {
            unsigned char small[16384];
            unsigned char *drain = b->ring.fixed.mem ? b->ring.fixed.mem : small;
            size_t cap = b->ring.fixed.mem ? LS_RING_SLOT : sizeof small;
            do
                k = blob_pull(b, drain, cap, NULL);
            while (k > 0);
        }
        if (b->failed)
            blob_hash_rest_of_raw(b);
        if (blob_finalise(b, &b->error) < 0)
            b->failed = true;
        /* the inflater skipped the format's checksum: compared here, once
         * every byte was hashed (a stream error comes first) */
        if (!b->failed && b->check && ls_ccheck_finish(b->check, &b->error) < 0)
            b->failed = true;
    }
    if (info)
        *info = b->info;
    if (b->failed)
        return (int)blob_repeat_failure(b, err);
    return 0;
}

void ls_blob_free(ls_blob *b)
{
    if (!b)
        return;
    ls_blob_map_free(b->map); /* before raw, which owns the mapping */
    ring_cancel(b);
    ls_ring_free(&b->ring);
    if (b->ops && b->dec)
        b->ops->destroy(b->dec);
    ls_sha256_dispose(&b->h_raw);
    ls_sha256_dispose(&b->h_plain);
    ls_ccheck_free(b->check);
    ls_reader_free(b->raw);
    free(b);
}
