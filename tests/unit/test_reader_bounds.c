/*
 * test_reader_bounds.c - ls_reader_bounded, the wrapper every layer blob is
 * read through (--max-layer-size, --image-timeout): exactly the bound is
 * fine, one byte more is an error naming the bound, and nothing past the
 * bound is handed out; the same through the zero-copy peek path and the
 * mapping; a passed deadline fails the next read. And ls_reader_blocks, the
 * block source every consumer pulls: a lending reader's own buffers, a
 * plain reader's bytes in blocks of LS_READER_BLOCK.
 */
#include "check.h"

#include <stdlib.h>

#include "core/reader.h"

/* A peekable reader over a buffer, in chunks of `chunk` bytes. */
typedef struct {
    const unsigned char *data;
    size_t len, pos, chunk;
} chunked;

static ssize_t chunked_peek(void *ctx, const void **buf, ls_error *err)
{
    chunked *c = ctx;
    size_t n = c->len - c->pos < c->chunk ? c->len - c->pos : c->chunk;
    (void)err;
    *buf = c->data + c->pos;
    c->pos += n;
    return (ssize_t)n;
}

static ssize_t chunked_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    const void *p;
    chunked *c = ctx;
    size_t save = c->chunk;
    ssize_t k;
    if (n < c->chunk)
        c->chunk = n;
    k = chunked_peek(ctx, &p, err);
    c->chunk = save;
    memcpy(buf, p, (size_t)k);
    return k;
}

static const ls_reader_ops chunked_ops = {.read = chunked_read, .peek = chunked_peek, .close = free};

static ls_reader *bounded_mem(const unsigned char *data, size_t len, uint64_t max, uint64_t deadline)
{
    ls_reader_bounds b = {.max_bytes = max, .deadline_ms = deadline};
    return ls_reader_bounded(ls_reader_mem(data, len), &b, "img layer 3");
}

/* Reads r to its end or first error: bytes got, *rc the last return. */
static size_t drain(ls_reader *r, size_t step, ssize_t *rc, ls_error *err)
{
    unsigned char buf[4096];
    size_t got = 0;
    for (;;) {
        *rc = ls_reader_read(r, buf, step, err);
        if (*rc <= 0)
            return got;
        got += (size_t)*rc;
    }
}

/* ls_reader_blocks: a lending reader hands its own buffers on (no copy);
 * a plain reader is read in blocks of LS_READER_BLOCK; both end with 0. */
static void check_blocks(const unsigned char *data, size_t len)
{
    ls_error err = {0};
    ls_reader *r;
    ls_blocks src;
    const void *p;
    size_t n = 0, got = 0, blocks = 0;
    int rc;
    chunked *c = calloc(1, sizeof *c);
    CHECK(c != NULL);
    c->data = data;
    c->len = len;
    c->chunk = 1000;
    r = ls_reader_new(&chunked_ops, c);
    src = ls_reader_blocks(r);
    while ((rc = ls_blocks_next(&src, &p, &n, &err)) > 0) {
        CHECK(p == data + got); /* lent, not copied */
        CHECK_INT(n, len - got < 1000 ? len - got : 1000);
        got += n;
    }
    CHECK_INT(rc, 0);
    CHECK_INT(got, len);
    ls_reader_free(r);

    r = ls_reader_mem(data, len); /* read only: no peek */
    CHECK(!ls_reader_can_peek(r));
    src = ls_reader_blocks(r);
    got = 0;
    while ((rc = ls_blocks_next(&src, &p, &n, &err)) > 0) {
        CHECK(n <= LS_READER_BLOCK);
        CHECK(memcmp(p, data + got, n) == 0);
        got += n;
        blocks++;
    }
    CHECK_INT(rc, 0);
    CHECK_INT(got, len);
    CHECK_INT(blocks, (len + LS_READER_BLOCK - 1) / LS_READER_BLOCK);
    ls_reader_free(r);
}

int main(void)
{
    static unsigned char data[10000];
    ls_error err = {0};
    ssize_t rc;
    ls_reader *r;

    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)i;

    /* exactly the bound: read whole, whatever the read size */
    for (size_t step = 1; step <= 4096; step *= 4) {
        ls_error_clear(&err);
        r = bounded_mem(data, 1000, 1000, 0);
        CHECK_INT(drain(r, step, &rc, &err), 1000);
        CHECK_INT(rc, 0);
        ls_reader_free(r);
    }
    /* one byte more: an error naming the bound, nothing past it handed out */
    for (size_t step = 1; step <= 4096; step *= 4) {
        ls_error_clear(&err);
        r = bounded_mem(data, 1001, 1000, 0);
        CHECK(drain(r, step, &rc, &err) <= 1000);
        CHECK_INT(rc, -1);
        CHECK_INT(err.code, LS_ERR_LIMIT);
        CHECK_STR(err.msg, "img layer 3: larger than --max-layer-size 1000 (read stopped there)");
        ls_reader_free(r);
    }
    /* the bound spelled as the option is */
    ls_error_clear(&err);
    r = bounded_mem(data, sizeof data, 8192, 0);
    drain(r, 4096, &rc, &err);
    CHECK_STR(err.msg, "img layer 3: larger than --max-layer-size 8K (read stopped there)");
    ls_reader_free(r);
    {
        char s[32];
        ls_format_size(s, sizeof s, 64ull << 30);
        CHECK_STR(s, "64G");
        ls_format_size(s, sizeof s, 3ull << 40);
        CHECK_STR(s, "3T");
        ls_format_size(s, sizeof s, 1536);
        CHECK_STR(s, "1536");
    }
    /* no bound: everything */
    ls_error_clear(&err);
    r = bounded_mem(data, sizeof data, 0, 0);
    CHECK_INT(drain(r, 4096, &rc, &err), sizeof data);
    CHECK_INT(rc, 0);
    ls_reader_free(r);

    /* the peek path: a peekable reader stays peekable, and bounded */
    {
        chunked *c = calloc(1, sizeof *c);
        ls_reader_bounds b = {.max_bytes = 2500};
        const void *p;
        size_t got = 0;
        c->data = data;
        c->len = 3000;
        c->chunk = 1000;
        r = ls_reader_bounded(ls_reader_new(&chunked_ops, c), &b, "img layer 0");
        CHECK(ls_reader_can_peek(r));
        ls_error_clear(&err);
        while ((rc = ls_reader_peek(r, &p, &err)) > 0)
            got += (size_t)rc;
        CHECK_INT(got, 2000); /* the third chunk would pass 2500 */
        CHECK_INT(rc, -1);
        CHECK_STR(err.msg, "img layer 0: larger than --max-layer-size 2500 (read stopped there)");
        ls_reader_free(r);
    }
    /* a plain reader stays plain */
    r = bounded_mem(data, 10, 100, 0);
    CHECK(!ls_reader_can_peek(r));
    ls_reader_free(r);

    /* a deadline already passed: the first read fails */
    ls_error_clear(&err);
    r = bounded_mem(data, 100, 0, 1);
    CHECK_INT(drain(r, 50, &rc, &err), 0);
    CHECK_INT(rc, -1);
    CHECK_INT(err.code, LS_ERR_LIMIT);
    CHECK_STR(err.msg, "img layer 3: --image-timeout reached");
    ls_reader_free(r);
    /* a deadline far away: no effect */
    ls_error_clear(&err);
    r = bounded_mem(data, 100, 0, ls_monotonic_ms() + 3600 * 1000);
    CHECK_INT(drain(r, 50, &rc, &err), 100);
    CHECK_INT(rc, 0);
    ls_reader_free(r);

    /* the block source over both kinds of reader */
    {
        size_t big = 3 * LS_READER_BLOCK + 17;
        unsigned char *bytes = malloc(big);
        CHECK(bytes != NULL);
        for (size_t i = 0; i < big; i++)
            bytes[i] = (unsigned char)(i * 7);
        check_blocks(bytes, big);
        check_blocks(bytes, 0);
        free(bytes);
    }

    CHECK_DONE();
}
