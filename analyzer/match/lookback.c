/*
 * lookback.c - the look-back bytes of a stream and the forward line cursor
 * (see lookback.h for why it is shaped so).
 */
#include "match/lookback.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "match/matcher.h"

int ls_lookback_init(ls_lookback *h, size_t window)
{
    memset(h, 0, sizeof *h);
    h->window = window;
    return (h->tail = malloc(window)) ? 0 : -1;
}

void ls_lookback_free(ls_lookback *h)
{
    free(h->tail);
    h->tail = NULL;
}

void ls_lookback_reset(ls_lookback *h)
{
    unsigned char *tail = h->tail;
    size_t window = h->window;
    memset(h, 0, sizeof *h);
    h->tail = tail;
    h->window = window;
}

void ls_lookback_set_block(ls_lookback *h, const void *data, size_t len)
{
    h->block = data;
    h->block_len = len;
}

uint64_t ls_lookback_floor(const ls_lookback *h)
{
    return h->block_start - h->tail_len;
}

const unsigned char *ls_lookback_range(const ls_lookback *h, uint64_t a, uint64_t b,
                                      unsigned char *scratch)
{
    uint64_t end = h->block_start + h->block_len;
    size_t from_tail;
    if (a > b || a < ls_lookback_floor(h) || b > end)
        return NULL;
    if (a >= h->block_start)
        return h->block + (a - h->block_start);
    if (b <= h->block_start)
        return h->tail + (h->tail_len - (h->block_start - a));
    if (b - a > 2 * (uint64_t)h->window)
        return NULL;
    from_tail = (size_t)(h->block_start - a);
    memcpy(scratch, h->tail + (h->tail_len - from_tail), from_tail);
    memcpy(scratch + from_tail, h->block, (size_t)(b - h->block_start));
    return scratch;
}

/* The number of '\n' bytes in p[0..n). Every byte of every stream passes
 * here (line numbers of later hits depend on it), so it is vectorised: SSE2
 * compares 64 bytes per round into four sets of byte counters, summed every
 * 255 rounds (a memchr per line costs ~10% of a scan on text). */
static uint64_t count_newlines(const unsigned char *p, size_t n)
{
    uint64_t total = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (n - i >= 64) {
        __m128i a0 = zero, a1 = zero, a2 = zero, a3 = zero, sum;
        size_t rounds = (n - i) / 64;
        if (rounds > 255)
            rounds = 255;
        for (size_t k = 0; k < rounds; k++, i += 64) {
            const __m128i *v = (const __m128i *)(p + i);
            a0 = _mm_sub_epi8(a0, _mm_cmpeq_epi8(_mm_loadu_si128(v), nl));
            a1 = _mm_sub_epi8(a1, _mm_cmpeq_epi8(_mm_loadu_si128(v + 1), nl));
            a2 = _mm_sub_epi8(a2, _mm_cmpeq_epi8(_mm_loadu_si128(v + 2), nl));
            a3 = _mm_sub_epi8(a3, _mm_cmpeq_epi8(_mm_loadu_si128(v + 3), nl));
        }
        sum = _mm_add_epi64(_mm_add_epi64(_mm_sad_epu8(a0, zero), _mm_sad_epu8(a1, zero)),
                            _mm_add_epi64(_mm_sad_epu8(a2, zero), _mm_sad_epu8(a3, zero)));
        total += (uint64_t)_mm_cvtsi128_si64(sum) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum));
    }
#endif
    for (; i < n; i++)
        total += p[i] == '\n';
    return total;
}

/* Counts the newlines of p[0..n), which starts at stream offset base. */
static void count_lines(ls_lookback *h, const unsigned char *p, size_t n, uint64_t base)
{
    uint64_t k = count_newlines(p, n);
    if (k > 0) {
        const unsigned char *last = p + n - 1;
        while (*last != '\n') /* usually a few bytes back */
            last--;
        h->cur_newlines += k;
        h->cur_line_start = base + (uint64_t)(last - p) + 1;
    }
}

/* Moves the cursor forward to off (within the available bytes). */
static void advance(ls_lookback *h, uint64_t off)
{
    if (off <= h->cur_off)
        return;
    if (h->cur_off < h->block_start) {
        uint64_t stop = off < h->block_start ? off : h->block_start;
        size_t back = (size_t)(h->block_start - h->cur_off);
        count_lines(h, h->tail + (h->tail_len - back), (size_t)(stop - h->cur_off), h->cur_off);
        h->cur_off = stop;
    }
    if (off > h->cur_off) {
        count_lines(h, h->block + (h->cur_off - h->block_start), (size_t)(off - h->cur_off),
                    h->cur_off);
        h->cur_off = off;
    }
}

void ls_lookback_position(ls_lookback *h, uint64_t off, uint64_t *line, uint64_t *column)
{
    advance(h, off);
    *line = h->cur_newlines + 1;
    *column = off - h->cur_line_start + 1;
}

void ls_lookback_commit(ls_lookback *h)
{
    uint64_t end = h->block_start + h->block_len;
    if (end > h->window)
        advance(h, end - h->window);
    if (h->block_len >= h->window) {
        memcpy(h->tail, h->block + h->block_len - h->window, h->window);
        h->tail_len = h->window;
    } else if (h->block_len) {
        size_t keep = h->window - h->block_len;
        if (keep > h->tail_len)
            keep = h->tail_len;
        memmove(h->tail, h->tail + h->tail_len - keep, keep);
        memcpy(h->tail + keep, h->block, h->block_len);
        h->tail_len = keep + h->block_len;
    }
    h->block_start = end;
    h->block = NULL;
    h->block_len = 0;
}
