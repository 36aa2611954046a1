/*
 * sparse.c - holes of sparse tar entries handed out as zeros (sparse.h).
 */
#include "layer/sparse.h"

#define ZEROS_SIZE (64 * 1024)

static const unsigned char zeros[ZEROS_SIZE];

/* Queues the hole from s->next to off, within *budget. */
static int plan_hole(ls_sparse *s, int64_t off, uint64_t *budget, bool separator)
{
    uint64_t gap;
    if (off < 0 || (uint64_t)off < s->next)
        return -1;
    gap = (uint64_t)off - s->next;
    if (gap == 0)
        return 0;
    if (gap <= *budget) {
        *budget -= gap;
        s->hole = gap;
    } else {
        if (!s->cut) {
            s->cut = true;
            s->cut_at = s->next;
        }
        s->hole = separator ? 1 : 0;
        *budget = 0;
    }
    s->next = (uint64_t)off;
    return 0;
}

int ls_sparse_put(ls_sparse *s, const void *buf, size_t len, int64_t off, uint64_t *budget)
{
    if (plan_hole(s, off, budget, true) != 0)
        return -1;
    s->pending = len ? buf : NULL;
    s->pending_len = len;
    s->next += len;
    return 0;
}

int ls_sparse_end(ls_sparse *s, int64_t size, uint64_t *budget)
{
    s->at_end = true;
    /* an end before the last run (no real size recorded) has no hole */
    if (size >= 0 && (uint64_t)size < s->next)
        return 0;
    return plan_hole(s, size, budget, false);
}

int ls_sparse_take(ls_sparse *s, const void **buf, size_t *len)
{
    if (s->hole) {
        *len = s->hole < ZEROS_SIZE ? (size_t)s->hole : ZEROS_SIZE;
        *buf = zeros;
        s->hole -= *len;
        return 1;
    }
    if (s->pending) {
        *buf = s->pending;
        *len = s->pending_len;
        s->pending = NULL;
        return 1;
    }
    return 0;
}
