/*
 * lookback.h - the bytes of a stream a scanner can still look at, and where
 * lines start in them.
 *
 * A raw hit ending at `to` needs up to LS_MATCH_WINDOW bytes before it, which
 * may lie in earlier blocks. The look-back keeps the last LS_MATCH_WINDOW bytes
 * before the current block in a fixed tail buffer and borrows the current
 * block itself, so a byte range is copied only when it straddles the two.
 * Lines are counted with a cursor that only moves forward (hits are resolved
 * in increasing offset order), so counting costs O(stream) in total.
 */
#ifndef LS_MATCH_LOOKBACK_H
#define LS_MATCH_LOOKBACK_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned char *tail;        /* `window` bytes, owned */
    size_t window;              /* look-back kept (the matcher's confirmation window) */
    size_t tail_len;            /* tail holds stream [block_start - tail_len, block_start) */
    const unsigned char *block; /* the block being fed (borrowed), or NULL */
    size_t block_len;
    uint64_t block_start;       /* stream offset of block[0] */
    uint64_t cur_off;           /* line cursor: a stream offset ... */
    uint64_t cur_newlines;      /* ... the '\n' count in [0, cur_off) ... */
    uint64_t cur_line_start;    /* ... and the offset after the last of them (0 if none) */
} ls_lookback;

/* Keeps `window` bytes of look-back. 0, or -1 on allocation failure. */
int ls_lookback_init(ls_lookback *h, size_t window);
void ls_lookback_free(ls_lookback *h);

/* Back to an empty stream at offset 0. */
void ls_lookback_reset(ls_lookback *h);

/* The stream continues with data[0..len) (borrowed until ls_lookback_commit). */
void ls_lookback_set_block(ls_lookback *h, const void *data, size_t len);

/* Lowest stream offset still available. */
uint64_t ls_lookback_floor(const ls_lookback *h);

/* Bytes [a, b) of the stream, which must lie within [floor, block end):
 * a pointer into the tail or the block, or into scratch (at least
 * 2 * LS_MATCH_WINDOW bytes) when the range straddles both and b - a is at
 * most LS_MATCH_WINDOW. NULL if the range is not available. */
const unsigned char *ls_lookback_range(const ls_lookback *h, uint64_t a, uint64_t b,
                                      unsigned char *scratch);

/* 1-based line and column of stream offset off, which must be >= every
 * offset asked before (since the last reset) and >= the floor. */
void ls_lookback_position(ls_lookback *h, uint64_t off, uint64_t *line, uint64_t *column);

/* The block is done: moves the line cursor up to (end - LS_MATCH_WINDOW) and
 * keeps the block's last bytes in the tail. Call once per fed block. */
void ls_lookback_commit(ls_lookback *h);

#endif
