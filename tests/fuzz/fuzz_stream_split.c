/*
 * fuzz_stream_split.c - streaming must not depend on where blocks end: the
 * hits of one whole-buffer scan must equal, exactly and in order, the hits
 * of the same bytes fed in blocks whose sizes come from the first input
 * bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAX_HITS 256

typedef struct {
    size_t rule[MAX_HITS];
    uint64_t offset[MAX_HITS], line[MAX_HITS], column[MAX_HITS];
    size_t len[MAX_HITS];
    size_t n;
    int overflow;
} hit_log;

static int record(void *ud, const ls_hit *h)
{
    hit_log *l = ud;
    if (l->n == MAX_HITS) {
        l->overflow = 1;
        return 0;
    }
    l->rule[l->n] = h->rule;
    l->offset[l->n] = h->offset;
    l->line[l->n] = h->line;
    l->column[l->n] = h->column;
    l->len[l->n] = h->secret_len;
    l->n++;
    return 0;
}

FUZZ_COMPILE_MATCHER_AT_START

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static hit_log whole, split;
    ls_scanner *s;
    ls_error err = {0};
    const uint8_t *body;
    size_t blen, pos = 0, k = 0;
    if (size < 4)
        return 0;
    s = ls_scanner_new(fuzz_matcher(), &err);
    if (!s)
        abort();
    body = data + 4;
    blen = size - 4;
    memset(&whole, 0, sizeof whole);
    memset(&split, 0, sizeof split);
    if (ls_scanner_scan(s, "/fuzz", body, blen, record, &whole, &err) != 0)
        abort();
    if (ls_scanner_begin(s, "/fuzz", record, &split, &err) != 0)
        abort();
    while (pos < blen) {
        size_t step = (size_t)data[k++ % 4] * 7 + 1;
        if (step > blen - pos)
            step = blen - pos;
        if (ls_scanner_feed(s, body + pos, step, &err) != 0)
            abort();
        pos += step;
    }
    if (ls_scanner_end(s, &err) != 0)
        abort();
    if (!whole.overflow && !split.overflow) {
        if (whole.n != split.n)
            abort();
        for (size_t i = 0; i < whole.n; i++)
            if (whole.rule[i] != split.rule[i] || whole.offset[i] != split.offset[i] ||
                whole.len[i] != split.len[i] || whole.line[i] != split.line[i] ||
                whole.column[i] != split.column[i])
                abort();
    }
    ls_scanner_free(s);
    return 0;
}
