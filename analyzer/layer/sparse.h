/*
 * sparse.h - a tar entry with holes read as the file a runtime would write.
 *
 * GNU sparse entries (old 'S' headers, PAX 0.0, 0.1 and 1.0) store only the
 * data runs of a file; libarchive hands them out as blocks, each with its
 * offset in the file, and the gaps between the runs are holes that read as
 * zeros. A reader that ignores the offsets gets the runs glued together: the
 * wrong size and SHA-256 on extract, and scan offsets, columns and matches
 * that join bytes the file keeps apart. This state machine sits between
 * archive_read_data_block and a consumer: blocks are put in with their
 * offsets, and zeros for the holes come out before the block behind them.
 *
 * A hostile sparse map can claim terabytes of holes for a few bytes of tar,
 * so zero filling draws on a budget the caller owns (one per layer walk:
 * many sparse entries share it). A hole the budget cannot cover is shortened
 * to one zero byte (still a break: data on either side is never joined) and
 * the entry is marked `cut`, so the caller can say that offsets after
 * `cut_at` are no longer the file's (scan) or refuse the entry (extract).
 * Runs must come in increasing offset order without overlap, as Go's
 * archive/tar (containerd, Docker) requires; anything else is corrupt.
 */
#ifndef LS_LAYER_SPARSE_H
#define LS_LAYER_SPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zeros one layer walk may write for holes (extract) or scan (scan): a
 * second of hashing or scanning. More is shortened as described above. */
#define LS_SPARSE_FILL_MAX ((uint64_t)1 << 30)

typedef struct {
    uint64_t next;          /* file offset of the next byte put in (end of the last run) */
    const void *pending;    /* data block held back while the hole before it is handed out */
    size_t pending_len;
    uint64_t hole;          /* zeros still to hand out before pending (or the end) */
    bool at_end;            /* the end was put: nothing more after hole */
    bool cut;               /* a hole was shortened: later offsets are not the file's */
    uint64_t cut_at;        /* file offset of the first shortened hole (valid when cut) */
} ls_sparse;

/* A block of len bytes at file offset off (libarchive's offset), drawing its
 * hole from *budget. Returns 0, or -1 when off goes backwards (a corrupt
 * sparse map). Only one block may be pending: take everything first. */
int ls_sparse_put(ls_sparse *s, const void *buf, size_t len, int64_t off, uint64_t *budget);

/* The end of the entry at file offset size (libarchive's offset at EOF, the
 * real size): a trailing hole, if any, is filled from *budget (a shortened
 * trailing hole is just cut, no separator is needed). An end before the
 * last run has no hole. Returns 0, or -1 for a negative size. */
int ls_sparse_end(ls_sparse *s, int64_t size, uint64_t *budget);

/* The next piece to hand out: 1 with *buf and *len (zeros or the pending
 * block), 0 when nothing is queued (put more, or the entry is over when
 * at_end). */
int ls_sparse_take(ls_sparse *s, const void **buf, size_t *len);

#endif
