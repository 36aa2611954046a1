/*
 * reader.h - a pull byte stream, the seam between every pipeline stage.
 *
 * A source hands out one reader per layer blob; the blob stage wraps it in a
 * decompressing reader; the layer stage feeds that to libarchive. Keeping the
 * seam this small (read + close) is what lets a registry download, a member
 * of an outer tar, or a plain file sit at the bottom of the same stack
 * (libarchive's client callbacks, redis' rio). The ops are the producer's
 * side; a consumer that walks the stream pulls it as blocks
 * (ls_reader_blocks), the same seam entry data and nested members travel.
 */
#ifndef LS_READER_H
#define LS_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/blocks.h"
#include "layerscan/error.h"

typedef struct ls_reader ls_reader;

typedef struct {
    /* Reads up to n bytes into buf. Returns the count (0 at end of stream) or
     * -1 with err filled. Short reads are allowed; only 0 means the end. */
    ssize_t (*read)(void *ctx, void *buf, size_t n, ls_error *err);
    /* Releases ctx. May be NULL. */
    void (*close)(void *ctx);
    /* Optional zero-copy read, for streams that already hold their bytes in
     * buffers of their own (the blob stage's ring): sets *buf to the next
     * bytes, which stay valid until the next call on ctx. Returns the count
     * (0 at end of stream) or -1 with err filled. May be NULL. */
    ssize_t (*peek)(void *ctx, const void **buf, ls_error *err);
    /* Optional: the stream's whole byte range, from its first byte whatever
     * has been read since, as one read-only mapping owned by ctx (valid
     * until close); *len its size. NULL when the bytes cannot be mapped
     * (not an error: the caller reads instead). May be NULL. */
    const void *(*map)(void *ctx, uint64_t *len);
    /* Optional: the file the bytes come from (for messages). May be NULL. */
    const char *(*name)(void *ctx);
} ls_reader_ops;

/* Wraps ops+ctx; the reader owns ctx and calls ops->close(ctx) on free.
 * Returns NULL on allocation failure (ctx is then closed). */
ls_reader *ls_reader_new(const ls_reader_ops *ops, void *ctx);

/* Returns bytes read, 0 at end of stream, -1 on error (err filled). */
ssize_t ls_reader_read(ls_reader *r, void *buf, size_t n, ls_error *err);

/* Whether r lends its own buffers through ls_reader_peek. */
int ls_reader_can_peek(const ls_reader *r);

/* Zero-copy read (only when ls_reader_can_peek): *buf points at the next
 * bytes, valid until the next call on r. Returns the count, 0 at end of
 * stream, -1 on error (err filled). Reads and peeks may be mixed. */
ssize_t ls_reader_peek(ls_reader *r, const void **buf, ls_error *err);

/* r as a block source (core/blocks.h), the one shape in which consumers
 * pull bytes: the reader's own buffers when it lends them (peek, no copy),
 * else blocks of up to LS_READER_BLOCK bytes read into a buffer that r
 * allocates on the first call and frees with itself. The source is valid
 * while r lives; reads, peeks and blocks may be mixed. */
ls_blocks ls_reader_blocks(ls_reader *r);

/* The block size of a reader that does not lend its buffers. */
#define LS_READER_BLOCK (128u * 1024u)

/* The whole stream as one read-only mapping (see ls_reader_ops.map), or
 * NULL when r cannot offer one. A mapped page that cannot be read raises
 * SIGBUS instead of returning an error, so a file range is mapped only if
 * it is a regular file on a local disk file system (ext4, xfs, btrfs, f2fs,
 * zfs, tmpfs, overlayfs) whose size covers the range, and only once
 * ls_mapguard_init has run; every access to the mapping goes through
 * ls_mapguard_run (core/mapguard.h), so a file cut short while mapped is
 * an error of that access. */
const void *ls_reader_map(ls_reader *r, uint64_t *len);

/* The file r reads (as its ops name it), or NULL when it does not say. */
const char *ls_reader_name(ls_reader *r);

/* Reads until buf is full or the stream ends. Returns bytes read or -1. */
ssize_t ls_reader_read_full(ls_reader *r, void *buf, size_t n, ls_error *err);

/* Frees r and its ctx. Accepts NULL. */
void ls_reader_free(ls_reader *r);

/* A reader over bytes [off, off+len) of an open file descriptor, using pread so
 * several readers can share one descriptor (and one thread each). The fd is
 * borrowed: it must outlive the reader. `name` is used in error messages. */
ls_reader *ls_reader_fd_range(int fd, uint64_t off, uint64_t len, const char *name);

/* The same over a descriptor the reader owns (closed on free, also when
 * this fails: NULL). */
ls_reader *ls_reader_fd_range_owned(int fd, uint64_t off, uint64_t len, const char *name);

/* A reader over a whole file it opens itself (closed on free). Returns NULL with
 * err filled when the file cannot be opened. */
ls_reader *ls_reader_open_file(const char *path, ls_error *err);

/* A reader over a memory buffer that it does not own. */
ls_reader *ls_reader_mem(const void *data, size_t len);

/* The bounds every layer blob is read under, whatever its transport. */
typedef struct {
    uint64_t max_bytes;   /* more bytes than this is an error; 0 = no bound */
    uint64_t deadline_ms; /* ls_monotonic_ms() past which a read fails; 0 = none */
} ls_reader_bounds;

/* Wraps inner (taken) so that it hands out at most b->max_bytes bytes: the
 * read that would pass them fails instead ("NAME: the layer runs past
 * --max-layer-size 64G (read stopped there)", LS_ERR_LIMIT), as does any
 * read once the deadline has passed ("NAME: --image-timeout reached",
 * LS_ERR_LIMIT). Peeks are bounded the same way; a mapping is offered only
 * when it fits the bound. NULL on allocation failure (inner is then freed). */
ls_reader *ls_reader_bounded(ls_reader *inner, const ls_reader_bounds *b, const char *name);

/* CLOCK_MONOTONIC in milliseconds (deadlines). */
uint64_t ls_monotonic_ms(void);

/* n bytes as the size options spell them: "64G", "512K", "1000" (the largest
 * binary unit that divides n exactly, up to T). */
void ls_format_size(char *out, size_t cap, uint64_t n);

#endif
