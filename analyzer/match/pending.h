/*
 * pending.h - confirmed hits waiting to be delivered, kept sorted by
 * (secret offset, rule).
 *
 * Two reasons to wait: a greedy rule reports one secret at several ends (the
 * longest one wins, so the hit must not leave before the last of them), and
 * a rule with a long reach can still confirm a secret that starts before one
 * already confirmed. A hit is final once the stream has moved more than the
 * longest rule reach past its start; ls_pending_release hands those out in
 * order. The capacity is fixed when created: distinct (rule, start) pairs in
 * the reach plus one scan call, so it never grows and never fills.
 */
#ifndef LS_MATCH_PENDING_H
#define LS_MATCH_PENDING_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t start;  /* stream offset of the secret */
    uint32_t len;    /* secret length */
    uint32_t rule;   /* rule index */
} ls_pending_hit;

typedef struct {
    ls_pending_hit *v;  /* v[0..n), sorted by (start, rule), unique pairs */
    size_t n;
    size_t cap;         /* allocated */
    size_t max;         /* the bound the list may grow to */
} ls_pending;

/* An empty list that grows on demand up to max hits (the worst case the
 * scanner can produce: it scales with the match window, so it is a bound,
 * not an allocation). 0, or -1 on allocation failure. */
int ls_pending_init(ls_pending *p, size_t max);
void ls_pending_free(ls_pending *p);
void ls_pending_clear(ls_pending *p);

/* Adds a hit or, when (rule, start) is already pending, keeps the longer
 * length. Returns 0, or -1 when out of memory or past max (a broken bound). */
int ls_pending_add(ls_pending *p, uint32_t rule, uint64_t start, uint32_t len);

/* Number of leading hits whose start is below limit (the final ones). */
size_t ls_pending_ready(const ls_pending *p, uint64_t limit);

/* Drops the first k hits. */
void ls_pending_drop(ls_pending *p, size_t k);

#endif
