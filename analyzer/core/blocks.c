/*
 * blocks.c - the look-ahead over a block source (see blocks.h): the head is
 * served from the first block itself when it is long enough, else gathered
 * into a copy, and the tail of the last block read ahead is served after it.
 */
#include "core/blocks.h"

#include <string.h>

int ls_blocks_ahead_fill(ls_blocks_ahead *p, ls_blocks *below, size_t want, ls_error *err)
{
    const void *b;
    size_t n = 0, total;
    int r;
    if (want > LS_BLOCKS_AHEAD_MAX)
        want = LS_BLOCKS_AHEAD_MAX;
    memset(p, 0, sizeof *p);
    p->below = below;
    if ((r = ls_blocks_next(below, &b, &n, err)) <= 0) {
        p->eof = r == 0;
        return r < 0 ? -1 : 0;
    }
    if (n >= want) {
        p->head = b;
        p->head_len = n;
        return 0;
    }
    if (n) /* libarchive may hand out an empty block with a NULL pointer */
        memcpy(p->copy, b, n);
    total = n;
    while (total < want) {
        size_t take;
        if ((r = ls_blocks_next(below, &b, &n, err)) < 0)
            return -1;
        if (r == 0) {
            p->eof = true;
            break;
        }
        take = n < want - total ? n : want - total;
        if (take)
            memcpy(p->copy + total, b, take);
        total += take;
        if (take < n) {
            p->rest = (const unsigned char *)b + take;
            p->rest_len = n - take;
        }
    }
    p->head = p->copy;
    p->head_len = total;
    return 0;
}

static int ahead_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    ls_blocks_ahead *p = ud;
    if (p->stage == 0) {
        p->stage = 1;
        if (p->head_len) {
            *buf = p->head;
            *len = p->head_len;
            return 1;
        }
    }
    if (p->stage == 1) {
        p->stage = 2;
        if (p->rest_len) {
            *buf = p->rest;
            *len = p->rest_len;
            return 1;
        }
    }
    if (p->eof)
        return 0;
    return ls_blocks_next(p->below, buf, len, err);
}

ls_blocks ls_blocks_ahead_src(ls_blocks_ahead *a)
{
    return (ls_blocks){.next = ahead_next, .ud = a};
}
