/*
 * blocks.h - a pull source of blocks: the seam through which a layer file's
 * bytes travel from the tar walk to the matcher, and a nested archive's
 * bytes to libarchive and its members back out.
 *
 * One callback hands out the next block, lent until the following call
 * (libarchive's client read callback is the model: the source keeps the
 * buffer, nothing is copied). The look-ahead every consumer needs (sniffing
 * a stream's head before deciding what it is) is written once here, as a
 * source over a source that delivers the head again.
 */
#ifndef LS_BLOCKS_H
#define LS_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include "layerscan/error.h"

/* next returns 1 with *buf and *len set (valid until the following call; a
 * block may be empty, and then *buf may be NULL), 0 at the end, -1 with err
 * filled on failure. */
typedef struct {
    int (*next)(void *ud, const void **buf, size_t *len, ls_error *err);
    void *ud;
} ls_blocks;

/* The next block of s (see ls_blocks.next). */
static inline int ls_blocks_next(ls_blocks *s, const void **buf, size_t *len, ls_error *err)
{
    return s->next(s->ud, buf, len, err);
}

/* The most head bytes a look-ahead keeps. */
#define LS_BLOCKS_AHEAD_MAX 512

/* A source over `below` whose first `want` bytes (at most
 * LS_BLOCKS_AHEAD_MAX) are read ahead and then delivered again, head first:
 * zero-copy when the first block is long enough, a copy of the head
 * otherwise. */
typedef struct {
    ls_blocks *below;
    unsigned char copy[LS_BLOCKS_AHEAD_MAX];
    const unsigned char *head;   /* the head: what sniffers see (head_len bytes) */
    size_t head_len;
    const unsigned char *rest;   /* the uncopied tail of the last block read ahead */
    size_t rest_len;
    int stage;                   /* 0 head, 1 rest, 2 below */
    bool eof;                    /* below ended while reading ahead */
} ls_blocks_ahead;

/* Reads the head of below into a (want <= LS_BLOCKS_AHEAD_MAX; fewer bytes
 * at the end of a short stream). 0, or -1 with err filled when below failed. */
int ls_blocks_ahead_fill(ls_blocks_ahead *a, ls_blocks *below, size_t want, ls_error *err);

/* The look-ahead as a source: the head, then the rest of below. */
ls_blocks ls_blocks_ahead_src(ls_blocks_ahead *a);

#endif
