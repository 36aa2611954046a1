/*
 * pending.c - the sorted, bounded list of confirmed hits (see pending.h).
 * Hits arrive almost in order, so insertion searches from the back.
 */
#include "match/pending.h"

#include <stdlib.h>
#include <string.h>

#define PENDING_INITIAL 256

int ls_pending_init(ls_pending *p, size_t max)
{
    p->n = 0;
    p->max = max ? max : 1;
    p->cap = p->max < PENDING_INITIAL ? p->max : PENDING_INITIAL;
    return (p->v = malloc(p->cap * sizeof *p->v)) ? 0 : -1;
}

/* Doubles the allocation, never past max. 0, or -1. */
static int grow(ls_pending *p)
{
    size_t cap = p->cap > p->max / 2 ? p->max : 2 * p->cap;
    ls_pending_hit *v;
    if (cap <= p->cap || !(v = realloc(p->v, cap * sizeof *v)))
        return -1;
    p->v = v;
    p->cap = cap;
    return 0;
}

void ls_pending_free(ls_pending *p)
{
    free(p->v);
    p->v = NULL;
    p->n = p->cap = p->max = 0;
}

void ls_pending_clear(ls_pending *p)
{
    p->n = 0;
}

static int before(const ls_pending_hit *a, uint64_t start, uint32_t rule)
{
    return a->start < start || (a->start == start && a->rule < rule);
}

int ls_pending_add(ls_pending *p, uint32_t rule, uint64_t start, uint32_t len)
{
    size_t i = p->n;
    while (i > 0 && !before(&p->v[i - 1], start, rule)) {
        ls_pending_hit *h = &p->v[i - 1];
        if (h->start == start && h->rule == rule) {
            if (len > h->len)
                h->len = len;
            return 0;
        }
        i--;
    }
    if (p->n == p->cap && grow(p) != 0)
        return -1;
    memmove(&p->v[i + 1], &p->v[i], (p->n - i) * sizeof *p->v);
    p->v[i].start = start;
    p->v[i].len = len;
    p->v[i].rule = rule;
    p->n++;
    return 0;
}

size_t ls_pending_ready(const ls_pending *p, uint64_t limit)
{
    size_t k = 0;
    while (k < p->n && p->v[k].start < limit)
        k++;
    return k;
}

void ls_pending_drop(ls_pending *p, size_t k)
{
    if (k >= p->n) {
        p->n = 0;
        return;
    }
    memmove(p->v, p->v + k, (p->n - k) * sizeof *p->v);
    p->n -= k;
}
