/*
 * test_blob.c - the blob stage: sniffing, gzip (multi-member, padding),
 * zstd (multi-frame, window bound), plain, digests of both sides, truncated
 * and corrupt streams, unsupported compressions, and 1-byte reads. All
 * compressed inputs are generated here with zlib/zstd; expected digests are
 * computed independently with OpenSSL's one-shot EVP_Digest.
 */
#include "check.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <xxhash.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blob/blob.h"
#include "core/mapguard.h"

typedef struct {
    unsigned char *p;
    size_t n, cap;
} buf;

/* Geometric growth: 1-byte appends must not copy the buffer each time. */
static void buf_append(buf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* Compressible but not trivial: text-like with a counter. */
static buf make_data(size_t n, unsigned seed)
{
    buf b = {malloc(n + 1), n, n + 1};
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        b.p[i] = (i % 61 == 60) ? '\n' : (unsigned char)('a' + ((x >> 16) % 7));
    }
    return b;
}

static buf gzip_level(const buf *in, int level)
{
    z_stream zs;
    buf out = {0};
    size_t cap = compressBound((uLong)in->n) + 64;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    out.p = malloc(cap);
    zs.next_in = in->p;
    zs.avail_in = (uInt)in->n;
    zs.next_out = out.p;
    zs.avail_out = (uInt)cap;
    CHECK_INT(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.n = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static buf gzip_of(const buf *in)
{
    return gzip_level(in, 6);
}

static buf zstd_of(const buf *in)
{
    buf out = {0};
    size_t cap = ZSTD_compressBound(in->n);
    out.p = malloc(cap);
    out.n = ZSTD_compress(out.p, cap, in->p, in->n, 3);
    CHECK(!ZSTD_isError(out.n));
    return out;
}

/* A zstd frame with its XXH64 content checksum (what the zstd command writes). */
static buf zstd_checked_of(const buf *in)
{
    buf out = {0};
    size_t cap = ZSTD_compressBound(in->n);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    out.p = malloc(cap);
    CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)));
    out.n = ZSTD_compress2(c, out.p, cap, in->p, in->n);
    CHECK(!ZSTD_isError(out.n));
    ZSTD_freeCCtx(c);
    return out;
}

static void sha256_hex(const void *p, size_t n, char out[72])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    strcpy(out, "sha256:");
    for (unsigned i = 0; i < 32; i++)
        sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

#define PEEK 0               /* read_all: zero-copy peeks */
#define MIXED ((size_t)-1)   /* read_all: peeks and 1000-byte reads in turn */

/* Reads the whole blob in chunks of `chunk` (or PEEK / MIXED); returns 0 or
 * -1 (err filled). */
static int read_all(ls_blob *b, size_t chunk, buf *out, ls_error *err)
{
    unsigned char tmp[70000];
    for (size_t i = 0;; i++) {
        const void *p = tmp;
        ssize_t k = chunk == PEEK || (chunk == MIXED && i % 2 == 0) ? ls_blob_peek(b, &p, err)
                    : ls_blob_read(b, tmp, chunk == MIXED ? 1000 : chunk, err);
        if (k < 0)
            return -1;
        if (k == 0)
            return 0;
        buf_append(out, p, (size_t)k);
    }
}

/* Decodes the blob `raw` holds (the bytes of `comp`) fully and checks plain
 * output, digests and sizes. */
static void expect_roundtrip_from(ls_reader *raw, const buf *comp, const buf *plain,
                                  ls_compression want, size_t chunk)
{
    ls_error err = {0};
    ls_blob_info info;
    buf got = {0};
    char d_comp[72], d_plain[72];
    ls_blob *b = ls_blob_open(raw, &err);
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK_INT(ls_blob_compression(b), want);
    CHECK_INT(read_all(b, chunk, &got, &err), 0);
    if (err.code)
        fprintf(stderr, "error: %s\n", err.msg);
    CHECK_INT(got.n, plain->n);
    CHECK(got.n == plain->n && (plain->n == 0 || memcmp(got.p, plain->p, plain->n) == 0));
    CHECK_INT(ls_blob_finish(b, &info, &err), 0);
    sha256_hex(comp->p, comp->n, d_comp);
    sha256_hex(plain->p, plain->n, d_plain);
    CHECK_STR(info.digest, d_comp);
    CHECK_STR(info.diff_id, d_plain);
    CHECK_INT(info.compressed_bytes, comp->n);
    CHECK_INT(info.bytes, plain->n);
    CHECK_INT(info.compression, want);
    ls_blob_free(b);
    free(got.p);
}

static void expect_roundtrip(const buf *comp, const buf *plain, ls_compression want, size_t chunk)
{
    expect_roundtrip_from(ls_reader_mem(comp->p, comp->n), comp, plain, want, chunk);
}

/* Opens and reads to the end, expecting failure with code and a message part. */
static void expect_failure(const buf *comp, ls_code code, const char *part)
{
    ls_error err = {0};
    buf got = {0};
    ls_blob_info info;
    ls_blob *b = ls_blob_open(ls_reader_mem(comp->p, comp->n), &err);
    if (b) {
        CHECK_INT(read_all(b, 4096, &got, &err), -1);
        /* errors are sticky, and finish reports them too */
        CHECK_INT(ls_blob_read(b, got.p ? got.p : (unsigned char *)"x", 1, &err), -1);
        CHECK_INT(ls_blob_finish(b, &info, &err), -1);
        CHECK_INT(info.compressed_bytes, comp->n);
    }
    CHECK_INT(err.code, code);
    if (!strstr(err.msg, part))
        fprintf(stderr, "message was: %s\n", err.msg);
    CHECK(strstr(err.msg, part) != NULL);
    ls_blob_free(b);
    free(got.p);
}

static void test_plain_known_digest(void)
{
    buf abc = {(unsigned char *)"abc", 3, 0};
    buf empty = {(unsigned char *)"", 0, 0};
    ls_error err = {0};
    ls_blob_info info;
    ls_blob *b = ls_blob_open(ls_reader_mem(abc.p, abc.n), &err);
    unsigned char tmp[8];
    CHECK(b != NULL);
    CHECK_INT(ls_blob_read(b, tmp, sizeof tmp, &err), 3);
    CHECK_INT(ls_blob_finish(b, &info, &err), 0);
    CHECK_STR(info.digest, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_STR(info.diff_id, info.digest);
    CHECK_STR(ls_compression_name(info.compression), "none");
    ls_blob_free(b);
    expect_roundtrip(&empty, &empty, LS_COMP_NONE, 100);
    expect_roundtrip(&empty, &empty, LS_COMP_NONE, PEEK);
}

static void test_formats(void)
{
    buf a = make_data(300000, 1), c = make_data(5000, 2), both = {0};
    buf gz = gzip_of(&a), gz2 = gzip_of(&c), multi = {0};
    buf zs = zstd_of(&a), zs2 = zstd_of(&c), zmulti = {0};
    buf padded = {0}, garbage = {0};
    static const unsigned char zeros[1024];
    expect_roundtrip(&a, &a, LS_COMP_NONE, 65536);
    expect_roundtrip(&gz, &a, LS_COMP_GZIP, 65536);
    expect_roundtrip(&zs, &a, LS_COMP_ZSTD, 65536);

    buf_append(&both, a.p, a.n);
    buf_append(&both, c.p, c.n);
    buf_append(&multi, gz.p, gz.n);
    buf_append(&multi, gz2.p, gz2.n);
    expect_roundtrip(&multi, &both, LS_COMP_GZIP, 65536);
    buf_append(&zmulti, zs.p, zs.n);
    buf_append(&zmulti, zs2.p, zs2.n);
    expect_roundtrip(&zmulti, &both, LS_COMP_ZSTD, 65536);

    /* 1-byte reads give the same bytes and digests */
    expect_roundtrip(&multi, &both, LS_COMP_GZIP, 1);
    expect_roundtrip(&zmulti, &both, LS_COMP_ZSTD, 1);
    expect_roundtrip(&c, &c, LS_COMP_NONE, 1);
    /* and so do zero-copy peeks, alone or between reads */
    expect_roundtrip(&multi, &both, LS_COMP_GZIP, PEEK);
    expect_roundtrip(&zmulti, &both, LS_COMP_ZSTD, PEEK);
    expect_roundtrip(&c, &c, LS_COMP_NONE, MIXED);

    /* zero padding after the last member is accepted; other bytes are not */
    buf_append(&padded, gz2.p, gz2.n);
    buf_append(&padded, zeros, sizeof zeros);
    expect_roundtrip(&padded, &c, LS_COMP_GZIP, 4096);
    buf_append(&garbage, gz2.p, gz2.n);
    buf_append(&garbage, "junk", 4);
    expect_failure(&garbage, LS_ERR_FORMAT, "trailing garbage");
    buf_append(&padded, "x", 1);
    expect_failure(&padded, LS_ERR_FORMAT, "trailing garbage");

    free(a.p), free(c.p), free(both.p), free(gz.p), free(gz2.p), free(multi.p);
    free(zs.p), free(zs2.p), free(zmulti.p), free(padded.p), free(garbage.p);
}

static void test_broken(void)
{
    buf a = make_data(200000, 3);
    buf gz = gzip_of(&a), zs = zstd_of(&a);
    buf t = {0}, xz = {(unsigned char *)"\xfd" "7zXZ\x00\x00\x04\xe6\xd6\xb4\x46", 12, 0};
    buf bz = {(unsigned char *)"BZh91AY&SY\x01\x02\x03", 13, 0};

    t = (buf){gz.p, gz.n - 5, 0};
    expect_failure(&t, LS_ERR_FORMAT, "truncated gzip stream after");
    t = (buf){gz.p, gz.n / 2, 0};
    expect_failure(&t, LS_ERR_FORMAT, "truncated gzip stream");
    t = (buf){zs.p, zs.n - 3, 0};
    expect_failure(&t, LS_ERR_FORMAT, "truncated zstd stream after");
    t = (buf){zs.p, zs.n / 2, 0};
    expect_failure(&t, LS_ERR_FORMAT, "truncated zstd stream");

    /* corrupt the deflate data and, separately, the CRC */
    for (size_t i = 100; i < 140; i++)
        gz.p[i] ^= 0x5a;
    expect_failure(&gz, LS_ERR_FORMAT, "corrupt gzip data");
    for (size_t i = 100; i < 140; i++)
        gz.p[i] ^= 0x5a;
    gz.p[gz.n - 6] ^= 1;
    expect_failure(&gz, LS_ERR_FORMAT, "incorrect data check");
    zs.p[zs.n / 2] ^= 0xff;
    zs.p[zs.n / 2 + 1] ^= 0xff;
    expect_failure(&zs, LS_ERR_FORMAT, "zstd");

    expect_failure(&xz, LS_ERR_UNSUPPORTED, "compression xz not supported");
    expect_failure(&bz, LS_ERR_UNSUPPORTED, "compression bzip2 not supported");
    free(a.p), free(gz.p), free(zs.p);
}

static void test_zstd_window_bound(void)
{
    buf a = make_data(100000, 4), out = {0};
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_inBuffer in = {a.p, a.n / 2, 0};
    ZSTD_outBuffer ob;
    size_t cap = ZSTD_compressBound(a.n) + 64;
    out.p = malloc(cap);
    ob = (ZSTD_outBuffer){out.p, cap, 0};
    ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 28);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
    ZSTD_compressStream2(cc, &ob, &in, ZSTD_e_continue);
    in = (ZSTD_inBuffer){a.p + a.n / 2, a.n - a.n / 2, 0};
    while (ZSTD_compressStream2(cc, &ob, &in, ZSTD_e_end) != 0)
        ;
    out.n = ob.pos;
    expect_failure(&out, LS_ERR_LIMIT, "window larger than 128 MiB");
    ZSTD_freeCCtx(cc);
    free(a.p), free(out.p);
}

static void test_finish_drains(void)
{
    buf a = make_data(250000, 5), gz = gzip_of(&a);
    ls_error err = {0};
    ls_blob_info info;
    unsigned char tmp[100];
    char d_comp[72], d_plain[72];
    ls_blob *b = ls_blob_open(ls_reader_mem(gz.p, gz.n), &err);
    ls_reader *view = ls_blob_reader(b);
    CHECK_INT(ls_reader_read_full(view, tmp, sizeof tmp, &err), 100);
    CHECK(memcmp(tmp, a.p, 100) == 0);
    ls_reader_free(view); /* does not free b */
    CHECK_INT(ls_blob_finish(b, &info, &err), 0);
    sha256_hex(gz.p, gz.n, d_comp);
    sha256_hex(a.p, a.n, d_plain);
    CHECK_STR(info.digest, d_comp);
    CHECK_STR(info.diff_id, d_plain);
    CHECK_INT(info.bytes, a.n);
    /* finish is idempotent and reading after it yields the end */
    CHECK_INT(ls_blob_finish(b, &info, &err), 0);
    CHECK_STR(info.digest, d_comp);
    CHECK_INT(ls_blob_read(b, tmp, sizeof tmp, &err), 0);
    ls_blob_free(b);
    ls_blob_free(NULL);
    free(a.p), free(gz.p);
}

static void test_corrupt_still_hashes_raw(void)
{
    buf a = make_data(300000, 6), gz = gzip_of(&a);
    ls_error err = {0};
    ls_blob_info info;
    char d_comp[72];
    ls_blob *b;
    for (size_t i = 50; i < 90; i++)
        gz.p[i] ^= 0x33;
    b = ls_blob_open(ls_reader_mem(gz.p, gz.n), &err);
    CHECK_INT(ls_blob_finish(b, &info, &err), -1);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    sha256_hex(gz.p, gz.n, d_comp);
    CHECK_STR(info.digest, d_comp);
    CHECK_INT(info.compressed_bytes, gz.n);
    ls_blob_free(b);
    free(a.p), free(gz.p);
}

/* A CRC-32 flipped in the gzip trailer: an error for a blob nobody
 * verifies; once the caller says it checks a SHA-256 the inflater skips it
 * and the blob verifies it off the inflater's path: still an error, named
 * exactly, after every byte was decoded and hashed (the digests cover every
 * byte; the length in the trailer is still checked by the inflater). After
 * the first read the call changes nothing. zstd's frame checksum likewise. */
static void test_skip_checksum(void)
{
    buf a = make_data(3u << 20, 8), gz = gzip_of(&a);
    char d_comp[72], d_plain[72], want[256];
    uint32_t crc = (uint32_t)crc32(0, a.p, (uInt)a.n);
    gz.p[gz.n - 7] ^= 0x10; /* the CRC's second byte */
    sha256_hex(gz.p, gz.n, d_comp);
    sha256_hex(a.p, a.n, d_plain);
    snprintf(want, sizeof want,
             "layer blob: gzip member 1: incorrect data check (CRC-32 %08x in the stream, %08x computed)",
             crc ^ 0x1000u, crc);
    for (int mode = 0; mode < 3; mode++) {
        ls_error err = {0};
        ls_blob_info info;
        unsigned char tmp[4096];
        ls_blob *b = ls_blob_open(ls_reader_mem(gz.p, gz.n), &err);
        if (mode == 1)
            ls_blob_skip_checksum(b);
        if (mode == 2) { /* too late: already decoding */
            CHECK_INT(ls_blob_read(b, tmp, sizeof tmp, &err), (long)sizeof tmp);
            ls_blob_skip_checksum(b);
        }
        CHECK_INT(ls_blob_finish(b, &info, &err), -1);
        CHECK_INT(err.code, LS_ERR_FORMAT);
        if (mode == 1)
            CHECK_STR(err.msg, want);
        else
            CHECK(strstr(err.msg, "incorrect data check") != NULL);
        /* every byte was decoded and hashed, the error or not */
        CHECK_INT(info.bytes, a.n);
        CHECK_STR(info.digest, d_comp);
        CHECK_STR(info.diff_id, d_plain);
        ls_blob_free(b);
    }
    { /* the right CRC: no error either way */
        gz.p[gz.n - 7] ^= 0x10;
        ls_error err = {0};
        ls_blob_info info;
        ls_blob *b = ls_blob_open(ls_reader_mem(gz.p, gz.n), &err);
        ls_blob_skip_checksum(b);
        CHECK_INT(ls_blob_finish(b, &info, &err), 0);
        CHECK_INT(info.bytes, a.n);
        ls_blob_free(b);
        gz.p[gz.n - 7] ^= 0x10;
    }
    { /* zstd's XXH64 content checksum: the same */
        buf zs = zstd_checked_of(&a);
        uint32_t xx = (uint32_t)XXH64(a.p, a.n, 0);
        zs.p[zs.n - 1] ^= 0x40; /* the checksum's last byte */
        snprintf(want, sizeof want,
                 "layer blob: zstd frame 1: incorrect content checksum (XXH64 %08x in the stream, %08x computed)",
                 xx ^ 0x40000000u, xx);
        for (int mode = 0; mode < 2; mode++) {
            ls_error err = {0};
            ls_blob_info info;
            ls_blob *b = ls_blob_open(ls_reader_mem(zs.p, zs.n), &err);
            if (mode == 1)
                ls_blob_skip_checksum(b);
            CHECK_INT(ls_blob_finish(b, &info, &err), -1);
            if (mode == 0) { /* libzstd keeps the last block when its checksum fails */
                CHECK(strstr(err.msg, "corrupt zstd data") != NULL);
            } else {
                CHECK_STR(err.msg, want);
                CHECK_INT(info.bytes, a.n);
                CHECK_STR(info.diff_id, d_plain);
            }
            ls_blob_free(b);
        }
        zs.p[zs.n - 1] ^= 0x40;
        {
            ls_error err = {0};
            ls_blob_info info;
            ls_blob *b = ls_blob_open(ls_reader_mem(zs.p, zs.n), &err);
            ls_blob_skip_checksum(b);
            CHECK_INT(ls_blob_finish(b, &info, &err), 0);
            ls_blob_free(b);
        }
        free(zs.p);
    }
    gz.p[gz.n - 7] ^= 0x10;
    gz.p[gz.n - 2] ^= 0x01; /* the length */
    {
        ls_error err = {0};
        ls_blob_info info;
        ls_blob *b = ls_blob_open(ls_reader_mem(gz.p, gz.n), &err);
        ls_blob_skip_checksum(b);
        CHECK_INT(ls_blob_finish(b, &info, &err), -1);
        CHECK(strstr(err.msg, "incorrect length check") != NULL);
        ls_blob_free(b);
    }
    free(a.p), free(gz.p);
}

/* Appends one gzip member of [p, p+n) (level 1) to out; bad: its CRC-32
 * flipped. */
static void gzip_member(buf *out, const unsigned char *p, size_t n, bool bad)
{
    buf in = {(unsigned char *)p, n, n}, m = gzip_level(&in, 1);
    if (bad)
        m.p[m.n - 8] ^= 0x01;
    buf_append(out, m.p, m.n);
    free(m.p);
}

/* Appends one zstd frame of [p, p+n); checksum: with the content checksum,
 * bad: that checksum flipped. */
static void zstd_frame(buf *out, const unsigned char *p, size_t n, bool checksum, bool bad)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(n), k;
    unsigned char *f = malloc(cap);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, checksum ? 1 : 0);
    k = ZSTD_compress2(cc, f, cap, p, n);
    CHECK(!ZSTD_isError(k));
    if (bad)
        f[k - 4] ^= 0x01;
    buf_append(out, f, k);
    free(f);
    ZSTD_freeCCtx(cc);
}

/* Decodes comp with skip_checksum through read_all(chunk) (or, with
 * !read, ls_blob_finish alone); returns finish's result, the message in msg. */
static int decode_checked(const buf *comp, const buf *plain, bool read, size_t chunk,
                          char msg[LS_ERROR_MSG_MAX])
{
    ls_error err = {0};
    ls_blob_info info;
    char d_plain[72];
    buf got = {0};
    int rc;
    ls_blob *b = ls_blob_open(ls_reader_mem(comp->p, comp->n), &err);
    CHECK(b != NULL);
    ls_blob_skip_checksum(b);
    if (read)
        CHECK_INT(read_all(b, chunk, &got, &err), 0);
    rc = ls_blob_finish(b, &info, &err);
    snprintf(msg, LS_ERROR_MSG_MAX, "%s", rc < 0 ? err.msg : "");
    sha256_hex(plain->p, plain->n, d_plain);
    CHECK_INT(info.bytes, plain->n);
    CHECK_STR(info.diff_id, d_plain);
    if (read) {
        CHECK_INT(got.n, plain->n);
        CHECK(got.n == plain->n && memcmp(got.p, plain->p, got.n) == 0);
    }
    ls_blob_free(b);
    free(got.p);
    return rc;
}

/* Several members (frames), each checked on its own: empty members, members
 * of one byte, far more members than the checker queues (LS_CCHECK_CAP),
 * a large member across ring slots, and the wrong one named by its number;
 * two wrong ones counted. */
static void test_checksum_members(void)
{
    buf a = make_data(7u << 20, 9);
    size_t sizes[400], n = 0, off = 0;
    char msg[LS_ERROR_MSG_MAX], want[LS_ERROR_MSG_MAX];
    for (size_t i = 0; i < 400; i++) /* 0, 1, small, and (i % 97 == 5) 1.2 MiB */
        sizes[i] = i % 50 == 3 ? 0 : i % 97 == 5 ? (1200u << 10) : i % 7 == 1 ? 1 : 100 + i * 13;
    for (size_t i = 0; i < 400; i++)
        n += sizes[i];
    CHECK(n <= a.n);
    for (int fmt = 0; fmt < 2; fmt++) {
        for (int bad = 0; bad < 3; bad++) { /* none, member 300, members 6 and 300 */
            buf comp = {0}, plain = {a.p, n, n};
            uint32_t good = 0;
            off = 0;
            for (size_t i = 0; i < 400; i++) {
                bool flip = (bad >= 1 && i == 299) || (bad == 2 && i == 5);
                if (fmt == 0)
                    gzip_member(&comp, a.p + off, sizes[i], flip);
                else
                    zstd_frame(&comp, a.p + off, sizes[i], i % 11 != 4, flip);
                if (i == 299)
                    good = fmt == 0 ? (uint32_t)crc32(0, a.p + off, (uInt)sizes[i])
                                    : (uint32_t)XXH64(a.p + off, sizes[i], 0);
                off += sizes[i];
            }
            if (fmt == 0)
                snprintf(want, sizeof want,
                         "layer blob: gzip member 300: incorrect data check (CRC-32 %08x in the stream, %08x computed)",
                         good ^ 0x01u, good);
            else
                snprintf(want, sizeof want,
                         "layer blob: zstd frame 300: incorrect content checksum (XXH64 %08x in the stream, %08x computed)",
                         good ^ 0x01u, good);
            if (bad == 2) { /* the first is named, the other counted */
                char *at = strstr(want, " 300:");
                CHECK(at != NULL);
                snprintf(want, sizeof want, "%s", fmt == 0 ? "layer blob: gzip member 6: incorrect data check (CRC-32 "
                                                           : "layer blob: zstd frame 6: incorrect content checksum (XXH64 ");
            }
            for (int how = 0; how < 3; how++) { /* finish only, peeks, 64 KiB reads */
                int rc = decode_checked(&comp, &plain, how > 0, how == 1 ? PEEK : 65536, msg);
                CHECK_INT(rc, bad ? -1 : 0);
                if (bad == 1)
                    CHECK_STR(msg, want);
                if (bad == 2) {
                    CHECK(strncmp(msg, want, strlen(want)) == 0);
                    CHECK(strstr(msg, "computed), and 1 more of 400") != NULL);
                }
            }
            free(comp.p);
        }
    }
    free(a.p);
}

/* Several megabytes: more compressed chunks than the decoder thread's chunk
 * buffers and more plain bytes than its ring, so both digests are handed
 * between the threads; through reads, zero-copy peeks (what the tar walk
 * uses), and both mixed. */
static void test_large(void)
{
    buf a = make_data(6u << 20, 11), gz = gzip_of(&a), zs = zstd_of(&a);
    static const size_t modes[] = {65536, 1009, PEEK, MIXED};
    CHECK(gz.n > 4 * 128 * 1024);
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        expect_roundtrip(&gz, &a, LS_COMP_GZIP, modes[m]);
        expect_roundtrip(&zs, &a, LS_COMP_ZSTD, modes[m]);
        expect_roundtrip(&a, &a, LS_COMP_NONE, modes[m]);
    }
    free(a.p), free(gz.p), free(zs.p);
}

/* A corrupt byte in the middle of a large gzip blob, read by peeks: the
 * plain bytes before it arrive, then the error, and the compressed digest
 * still covers every byte of the blob. */
static void test_corrupt_large_peek(void)
{
    buf a = make_data(6u << 20, 12), gz = gzip_of(&a), got = {0};
    ls_error err = {0};
    ls_blob_info info;
    char d_comp[72];
    ls_blob *b;
    for (size_t i = gz.n / 2; i < gz.n / 2 + 64; i++)
        gz.p[i] ^= 0x5a;
    b = ls_blob_open(ls_reader_mem(gz.p, gz.n), &err);
    CHECK_INT(read_all(b, PEEK, &got, &err), -1);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    /* inflate may emit some wrong bytes before it meets an invalid code */
    CHECK(got.n >= a.n / 4 && memcmp(got.p, a.p, a.n / 4) == 0);
    CHECK_INT(ls_blob_finish(b, &info, &err), -1);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    sha256_hex(gz.p, gz.n, d_comp);
    CHECK_STR(info.digest, d_comp);
    CHECK_INT(info.compressed_bytes, gz.n);
    ls_blob_free(b);
    free(a.p), free(gz.p), free(got.p);
}

/* The reader stops early: freeing the blob stops its decoder thread while
 * the ring is full and the thread is waiting, or still decoding. */
static void test_early_free(void)
{
    buf a = make_data(8u << 20, 9);
    buf gz = gzip_of(&a);
    for (int pass = 0; pass < 3; pass++) {
        ls_error err = {0};
        unsigned char tmp[100];
        ls_blob *b = ls_blob_open(ls_reader_mem(gz.p, gz.n), &err);
        CHECK(b != NULL);
        if (!b)
            break;
        if (pass > 0)
            CHECK_INT(ls_blob_read(b, tmp, sizeof tmp, &err), sizeof tmp);
        if (pass > 1)
            CHECK_INT(memcmp(tmp, a.p, sizeof tmp), 0);
        ls_blob_free(b);
    }
    free(a.p), free(gz.p);
}

/* A plain tar in a file is served from a mapping (blob_map.c) with its
 * hash on a thread of its own: the same bytes and digests through peeks,
 * reads and both mixed, from a range that starts off a page boundary (a
 * member of an outer tar), larger than the distance the hashing side may
 * lead and the runs of pages dropped behind; a blob finished unread is
 * hashed whole; one freed half-read stops its thread. A gzip blob in the
 * same file still takes the decoder path. (40 MiB: more than MAP_AHEAD plus
 * MAP_RELEASE_STEP.) */
static void test_mapped(void)
{
    buf a = make_data(40u << 20, 13), head = {a.p, 2u << 20, 0}, gz = gzip_of(&head);
    char path[] = "/tmp/layerscan-test-blob-XXXXXX";
    int fd = mkstemp(path);
    static const size_t modes[] = {65536, 1009, PEEK, MIXED};
    const size_t skew = 777;
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    unlink(path);
    CHECK_INT(write(fd, "x", 1), 1);
    CHECK_INT(pwrite(fd, a.p, a.n, (off_t)skew), (ssize_t)a.n);
    CHECK_INT(pwrite(fd, gz.p, gz.n, (off_t)(skew + a.n)), (ssize_t)gz.n);
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        expect_roundtrip_from(ls_reader_fd_range(fd, skew, a.n, "t"), &a, &a, LS_COMP_NONE, modes[m]);
        expect_roundtrip_from(ls_reader_fd_range(fd, skew + a.n, gz.n, "t"), &gz, &head, LS_COMP_GZIP, modes[m]);
    }
    {
        ls_error err = {0};
        ls_blob_info info;
        char want[72];
        ls_blob *b = ls_blob_open(ls_reader_fd_range(fd, skew, a.n, "t"), &err);
        const void *p;
        CHECK(b != NULL);
        CHECK_INT(ls_blob_finish(b, &info, &err), 0);
        sha256_hex(a.p, a.n, want);
        CHECK_STR(info.diff_id, want);
        CHECK_STR(info.digest, want);
        CHECK_INT(info.bytes, a.n);
        ls_blob_free(b);
        b = ls_blob_open(ls_reader_fd_range(fd, skew, a.n, "t"), &err);
        CHECK(b != NULL);
        CHECK(ls_blob_peek(b, &p, &err) > 0 && memcmp(p, a.p, 4096) == 0);
        ls_blob_free(b);
    }
    close(fd);
    free(a.p), free(gz.p);
}

/* Compressed blobs in a file larger than BLOB_MAP_MIN are decoded from
 * the reader's mapping: several MiB (more chunks than the decoder thread's
 * digest may lag, past the page-release step), gzip and zstd, at an
 * unaligned offset; then a corrupt one (the error, and the digest of the
 * bytes as stored) and one cut in half. */
static void test_mapped_compressed(void)
{
    buf a = make_data(16u << 20, 17), gz = gzip_level(&a, 1), zs = zstd_of(&a); /* level 1: fast here */
    char path[] = "/tmp/layerscan-test-blob-XXXXXX";
    int fd = mkstemp(path);
    static const size_t modes[] = {1009, PEEK};
    const size_t skew = 333;
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    unlink(path);
    CHECK(gz.n > (5u << 20) && zs.n > (1u << 20));
    CHECK_INT(pwrite(fd, gz.p, gz.n, (off_t)skew), (ssize_t)gz.n);
    CHECK_INT(pwrite(fd, zs.p, zs.n, (off_t)(skew + gz.n)), (ssize_t)zs.n);
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        expect_roundtrip_from(ls_reader_fd_range(fd, skew, gz.n, "t"), &gz, &a, LS_COMP_GZIP, modes[m]);
        expect_roundtrip_from(ls_reader_fd_range(fd, skew + gz.n, zs.n, "t"), &zs, &a, LS_COMP_ZSTD, modes[m]);
    }
    for (int k = 0; k < 2; k++) {
        ls_error err = {0};
        ls_blob_info info;
        char want[72];
        size_t n = k == 0 ? gz.n : gz.n / 2;
        ls_blob *b;
        if (k == 0) { /* 16 flipped bytes in the middle */
            for (size_t i = gz.n / 2; i < gz.n / 2 + 16; i++)
                gz.p[i] ^= 0xa5;
            CHECK_INT(pwrite(fd, gz.p, gz.n, (off_t)skew), (ssize_t)gz.n);
        }
        b = ls_blob_open(ls_reader_fd_range(fd, skew, n, "t"), &err);
        CHECK(b != NULL);
        CHECK_INT(ls_blob_finish(b, &info, &err), -1);
        CHECK_INT(err.code, LS_ERR_FORMAT);
        CHECK(strstr(err.msg, k == 0 ? "corrupt gzip data" : "truncated gzip stream") != NULL);
        sha256_hex(gz.p, n, want);
        CHECK_STR(info.digest, want);
        CHECK_INT(info.compressed_bytes, n);
        ls_blob_free(b);
    }
    close(fd);
    free(a.p), free(gz.p), free(zs.p);
}

/* Incompressible bytes (a compressed blob about as large as its content). */
static buf make_noise(size_t n, uint64_t seed)
{
    buf b = {malloc(n + 1), n, n + 1};
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b.p[i] = (unsigned char)(x >> 24);
    }
    return b;
}

/* A temporary file holding [p, p+n); its path in path (unlinked by the
 * caller). Returns a descriptor open for writing, or -1. */
static int temp_file(char path[64], const void *p, size_t n)
{
    int fd;
    snprintf(path, 64, "/tmp/layerscan-test-blob-XXXXXX");
    fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0)
        CHECK_INT(write(fd, p, n), (ssize_t)n);
    return fd;
}

/* A mapped input cut short while it is read: no SIGBUS, the error
 * "input file shrank while being read" naming the file (sticky: every later
 * read and finish repeat it). A plain blob (the walker's copy faults) and a
 * gzip blob decoded from its mapping (the inflater's input faults). */
static void test_mapped_truncated(void)
{
    buf a = make_noise(24u << 20, 3), gz = gzip_level(&a, 1);
    char path[64], want[200];
    const buf *files[2] = {&a, &gz};
    for (int k = 0; k < 2; k++) {
        ls_error err = {0};
        ls_blob_info info;
        const void *p;
        unsigned char tmp[4096];
        ssize_t n;
        size_t got = 0;
        int fd = temp_file(path, files[k]->p, files[k]->n);
        ls_blob *b;
        if (fd < 0)
            continue;
        snprintf(want, sizeof want, "layer blob: %s: input file shrank while being read", path);
        b = ls_blob_open(ls_reader_open_file(path, &err), &err);
        CHECK(b != NULL);
        if (!b) {
            close(fd);
            unlink(path);
            continue;
        }
        CHECK_INT(ls_blob_compression(b), k == 0 ? LS_COMP_NONE : LS_COMP_GZIP);
        /* the first piece is whole */
        n = ls_blob_peek(b, &p, &err);
        CHECK(n > 0 && memcmp(p, a.p, (size_t)n) == 0);
        got = n > 0 ? (size_t)n : 0;
        CHECK_INT(ftruncate(fd, 1u << 20), 0); /* 24 MiB -> 1 MiB under the mapping */
        while ((n = ls_blob_peek(b, &p, &err)) > 0) {
            CHECK(got + (size_t)n <= a.n && memcmp(p, a.p + got, (size_t)n) == 0);
            got += (size_t)n;
        }
        CHECK_INT(n, -1);
        CHECK_INT(err.code, LS_ERR_IO);
        CHECK_STR(err.msg, want);
        CHECK(got < a.n);
        ls_error_clear(&err);
        CHECK_INT(ls_blob_read(b, tmp, sizeof tmp, &err), -1);
        CHECK_STR(err.msg, want);
        ls_error_clear(&err);
        CHECK_INT(ls_blob_finish(b, &info, &err), -1);
        CHECK_STR(err.msg, want);
        ls_blob_free(b);
        close(fd);
        unlink(path);
    }
    free(a.p), free(gz.p);
}

/* A mapped input replaced (renamed over) while it is read: the open file
 * keeps the old bytes, so the content and digests are the old file's,
 * whole and consistent. */
static void test_mapped_replaced(void)
{
    buf a = make_data(12u << 20, 21), other = make_data(12u << 20, 22);
    char path[64], path2[64], want[72];
    const void *p;
    ssize_t n;
    size_t got;
    ls_error err = {0};
    ls_blob_info info;
    int fd = temp_file(path, a.p, a.n), fd2 = temp_file(path2, other.p, other.n);
    ls_blob *b = ls_blob_open(ls_reader_open_file(path, &err), &err);
    CHECK(b != NULL);
    if (b && fd >= 0 && fd2 >= 0) {
        n = ls_blob_peek(b, &p, &err);
        CHECK(n > 0 && memcmp(p, a.p, (size_t)n) == 0);
        got = n > 0 ? (size_t)n : 0;
        CHECK_INT(rename(path2, path), 0);
        while ((n = ls_blob_peek(b, &p, &err)) > 0) {
            CHECK(got + (size_t)n <= a.n && memcmp(p, a.p + got, (size_t)n) == 0);
            got += (size_t)n;
        }
        CHECK_INT(n, 0);
        CHECK_INT(got, a.n);
        CHECK_INT(ls_blob_finish(b, &info, &err), 0);
        sha256_hex(a.p, a.n, want);
        CHECK_STR(info.diff_id, want);
        CHECK_STR(info.digest, want);
    }
    ls_blob_free(b);
    if (fd >= 0)
        close(fd);
    if (fd2 >= 0)
        close(fd2);
    unlink(path);
    unlink(path2);
    free(a.p), free(other.p);
}

/* A SIGBUS outside every guarded access keeps its old meaning: the process
 * dies of it (a child here; the guard must not swallow faults it does not
 * own). */
static void test_unguarded_sigbus_kills(void)
{
    char path[64];
    unsigned char page[8192] = {1};
    int fd = temp_file(path, page, sizeof page), status = 0;
    pid_t pid;
    if (fd < 0)
        return;
    pid = fork();
    if (pid == 0) {
        volatile unsigned char *m = mmap(NULL, sizeof page, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED)
            _exit(3);
        if (ftruncate(fd, 0) != 0)
            _exit(4);
        (void)m[4096];
        _exit(0);
    }
    CHECK(pid > 0);
    if (pid > 0) {
        CHECK_INT(waitpid(pid, &status, 0), pid);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        /* the sanitizer's own SIGBUS handler (the previous action) reports and ends it */
        CHECK(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
                                      WEXITSTATUS(status) != 3 && WEXITSTATUS(status) != 4));
#else
        CHECK(WIFSIGNALED(status));
        CHECK_INT(WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGBUS);
#endif
    }
    close(fd);
    unlink(path);
}

static void run_all(void)
{
    test_plain_known_digest();
    test_formats();
    test_broken();
    test_zstd_window_bound();
    test_finish_drains();
    test_corrupt_still_hashes_raw();
    test_skip_checksum();
    test_checksum_members();
    test_large();
    test_corrupt_large_peek();
    test_early_free();
    test_mapped();
    test_mapped_compressed();
    test_mapped_truncated();
    test_mapped_replaced();
}

int main(void)
{
    ls_error gerr = {0};
    /* mapped inputs need the SIGBUS guard, as in main.c */
    CHECK_INT(ls_mapguard_init(&gerr), 0);
    CHECK(ls_mapguard_ready());
    test_unguarded_sigbus_kills();
    /* Once with the decoder thread (the default), once without. */
    run_all();
    setenv("LAYERSCAN_DECODE_THREAD", "0", 1);
    run_all();
    setenv("LAYERSCAN_MMAP", "0", 1); /* mapped blobs read instead */
    test_mapped();
    test_mapped_compressed();
    CHECK_DONE();
}
