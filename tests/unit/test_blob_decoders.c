/*
 * test_blob_decoders.c - the gzip decoders side by side, driven directly
 * through the decoder vtable with awkward input and output chunk sizes
 * (1 byte, odd sizes, whole buffers): zlib always, ISA-L when the build has
 * it. Both must give the same bytes for single, multi-member (with an empty
 * member) and zero-padded streams, and the same outcome and message for
 * trailing garbage, truncation, corrupt data and a bad CRC. Each runs twice:
 * checking the CRC-32, and with skip_checksum (raw deflate between a header
 * and trailer of our own parsing), where a bad CRC is accepted but a bad
 * length, a bad header or optional header fields split anywhere are not.
 */
#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "blob/decoder.h"

typedef struct {
    unsigned char *p;
    size_t n, cap;
} buf;

static buf make_data(size_t n, unsigned seed)
{
    buf b = {malloc(n ? n : 1), n, n ? n : 1};
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        b.p[i] = (i % 61 == 60) ? '\n' : (unsigned char)('a' + ((x >> 16) % 7));
    }
    return b;
}

/* Geometric growth: 1-byte appends must not copy the buffer each time. */
static void append(buf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* One gzip member of `in`; h (or NULL) sets the optional header fields. */
static void append_gzip_header(buf *out, const buf *in, int level, gz_header *h)
{
    z_stream zs;
    size_t cap = compressBound((uLong)in->n) + 1024;
    unsigned char *tmp = malloc(cap);
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    if (h)
        CHECK_INT(deflateSetHeader(&zs, h), Z_OK);
    zs.next_in = in->p;
    zs.avail_in = (uInt)in->n;
    zs.next_out = tmp;
    zs.avail_out = (uInt)cap;
    CHECK_INT(deflate(&zs, Z_FINISH), Z_STREAM_END);
    append(out, tmp, cap - zs.avail_out);
    deflateEnd(&zs);
    free(tmp);
}

static void append_gzip(buf *out, const buf *in, int level)
{
    append_gzip_header(out, in, level, NULL);
}

/* A gzip member with every optional header field (FEXTRA, FNAME,
 * FCOMMENT, FHCRC), which plain deflateInit2 never writes. */
static void append_gzip_fields(buf *out, const buf *in)
{
    static unsigned char extra[300];
    gz_header h;
    memset(extra, 'x', sizeof extra);
    memset(&h, 0, sizeof h);
    h.extra = extra;
    h.extra_len = sizeof extra;
    h.name = (Bytef *)"a-name-longer-than-one-chunk.tar";
    h.comment = (Bytef *)"a comment";
    h.hcrc = 1;
    append_gzip_header(out, in, 6, &h);
}

/* Decodes comp feeding `in_chunk` bytes at a time into `out_chunk`-byte
 * outputs. Returns 0 with *plain filled, or -1 with err filled. */
static int decode(const ls_decoder_ops *ops, bool raw, const buf *comp, size_t in_chunk,
                  size_t out_chunk, buf *plain, ls_error *err)
{
    void *st = ops->create("test", err);
    unsigned char *out = malloc(out_chunk);
    size_t fed = 0, pos = 0;
    int rc = -1;
    *plain = (buf){0};
    if (!st)
        return -1;
    if (raw)
        ops->skip_checksum(st, NULL);
    for (;;) {
        ls_dec_io io;
        size_t end = fed + in_chunk < comp->n ? fed + in_chunk : comp->n;
        if (pos == fed)
            fed = end; /* everything exposed was consumed: expose the next chunk */
        io = (ls_dec_io){.in = comp->p, .in_len = fed, .in_pos = pos, .out = out, .out_len = out_chunk};
        if (ops->decode(st, &io, err) < 0)
            goto out;
        append(plain, out, io.out_pos);
        if (io.in_pos == pos && io.out_pos == 0 && fed == comp->n) {
            if (ops->finish(st, comp->n, err) < 0)
                goto out;
            rc = 0;
            goto out;
        }
        pos = io.in_pos;
    }
out:
    ops->destroy(st);
    free(out);
    return rc;
}

typedef struct {
    const char *name;
    const ls_decoder_ops *ops;
    bool raw; /* skip_checksum */
} impl;

static const size_t in_chunks[] = {1, 7, 4093, 1u << 20};
static const size_t out_chunks[] = {1, 13, 65536};

static void expect_ok(const impl *im, const buf *comp, const buf *want)
{
    for (size_t a = 0; a < sizeof in_chunks / sizeof *in_chunks; a++)
        for (size_t b = 0; b < sizeof out_chunks / sizeof *out_chunks; b++) {
            buf got;
            ls_error err = {0};
            if ((in_chunks[a] == 1 || out_chunks[b] == 1) && want->n > 100000)
                continue; /* 1-byte steps over big inputs: slow (sanitizers), nothing new */
            if (decode(im->ops, im->raw, comp, in_chunks[a], out_chunks[b], &got, &err) != 0) {
                fprintf(stderr, "%s in=%zu out=%zu: %s\n", im->name, in_chunks[a], out_chunks[b], err.msg);
                CHECK(0);
            } else {
                CHECK_INT(got.n, want->n);
                CHECK(got.n == want->n && memcmp(got.p, want->p, got.n) == 0);
            }
            free(got.p);
        }
}

static void expect_fail(const impl *im, const buf *comp, const char *part)
{
    for (size_t a = 0; a < sizeof in_chunks / sizeof *in_chunks; a++) {
        buf got;
        ls_error err = {0};
        CHECK_INT(decode(im->ops, im->raw, comp, in_chunks[a], 65536, &got, &err), -1);
        CHECK_INT(err.code, LS_ERR_FORMAT);
        if (!strstr(err.msg, part)) {
            fprintf(stderr, "%s in=%zu: \"%s\" lacks \"%s\"\n", im->name, in_chunks[a], err.msg, part);
            CHECK(0);
        }
        free(got.p);
    }
}

static void run(const impl *im)
{
    buf a = make_data(300000, 1), b = make_data(5000, 2), empty = {0}, both = {0};
    buf gz = {0}, multi = {0}, padded = {0}, t = {0}, bad = {0};
    unsigned char zeros[1000] = {0};
    append_gzip(&gz, &a, 6);
    expect_ok(im, &gz, &a);
    {
        buf s = make_data(20000, 4), sgz = {0}, smulti = {0}, sboth = {0};
        append_gzip(&sgz, &s, 6);
        expect_ok(im, &sgz, &s); /* 1-byte input and output steps too */
        append_gzip(&smulti, &s, 1);
        append_gzip(&smulti, &empty, 6);
        append_gzip(&smulti, &b, 9);
        append(&sboth, s.p, s.n);
        append(&sboth, b.p, b.n);
        expect_ok(im, &smulti, &sboth);
        free(s.p), free(sgz.p), free(smulti.p), free(sboth.p);
    }

    append_gzip(&multi, &a, 1);
    append_gzip(&multi, &empty, 6);
    append_gzip(&multi, &b, 9);
    append(&both, a.p, a.n);
    append(&both, b.p, b.n);
    expect_ok(im, &multi, &both);

    append(&padded, multi.p, multi.n);
    append(&padded, zeros, sizeof zeros);
    expect_ok(im, &padded, &both);

    append(&padded, "x", 1);
    expect_fail(im, &padded, "trailing garbage after gzip stream");
    append(&t, gz.p, gz.n);
    append(&t, "garbage", 7);
    expect_fail(im, &t, "trailing garbage after gzip stream");

    t.n = gz.n - 5;
    expect_fail(im, &t, "truncated gzip stream after");
    t.n = gz.n / 2;
    expect_fail(im, &t, "truncated gzip stream after");
    t.n = 5;
    expect_fail(im, &t, "truncated gzip stream after");

    append(&bad, gz.p, gz.n);
    for (size_t i = 100; i < 140; i++)
        bad.p[i] ^= 0x5a;
    expect_fail(im, &bad, "corrupt gzip data");
    memcpy(bad.p, gz.p, gz.n);
    bad.p[gz.n - 6] ^= 1; /* the CRC-32 */
    if (im->raw)
        expect_ok(im, &bad, &a); /* not computed: the caller's SHA-256 covers it */
    else
        expect_fail(im, &bad, "incorrect data check");
    memcpy(bad.p, gz.p, gz.n);
    bad.p[gz.n - 3] ^= 1; /* the length */
    expect_fail(im, &bad, im->raw ? "incorrect length check" : "corrupt gzip data");
    memcpy(bad.p, gz.p, gz.n);
    bad.p[1] = 0x8c;
    expect_fail(im, &bad, "corrupt gzip data");
    memcpy(bad.p, gz.p, gz.n);
    bad.p[3] |= 0x80; /* a reserved flag */
    expect_fail(im, &bad, "corrupt gzip data");
    {
        buf fields = {0}, fmulti = {0}, fboth = {0};
        append_gzip_fields(&fields, &b);
        expect_ok(im, &fields, &b);
        append_gzip(&fmulti, &b, 6);
        append_gzip_fields(&fmulti, &a);
        append(&fboth, b.p, b.n);
        append(&fboth, a.p, a.n);
        expect_ok(im, &fmulti, &fboth);
        fields.n = 20; /* inside the extra field */
        expect_fail(im, &fields, "truncated gzip stream after");
        free(fields.p), free(fmulti.p), free(fboth.p);
    }
    memcpy(bad.p, gz.p, gz.n);
    bad.p[2] = 7; /* compression method other than deflate */
    expect_fail(im, &bad, "corrupt gzip data");

    free(a.p), free(b.p), free(both.p), free(gz.p), free(multi.p), free(padded.p), free(t.p);
    free(bad.p);
}

int main(void)
{
    const impl zlib_impl = {"zlib", ls_decoder_gzip_zlib(), false};
    const impl zlib_raw = {"zlib raw", ls_decoder_gzip_zlib(), true};
    run(&zlib_impl);
    run(&zlib_raw);
#ifdef LAYERSCAN_HAVE_ISAL
    {
        const impl isal_impl = {"isa-l", ls_decoder_gzip_isal(), false};
        const impl isal_raw = {"isa-l raw", ls_decoder_gzip_isal(), true};
        CHECK(ls_decoder_gzip() == isal_impl.ops);
        run(&isal_impl);
        run(&isal_raw);
    }
#else
    CHECK(ls_decoder_gzip() == zlib_impl.ops);
#endif
    return check_failures ? 1 : 0;
}
