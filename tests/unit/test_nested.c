/* Nested archives: sniffing, walking zips and tar.gz made with libarchive's
 * writer, the limits (bytes, ratio, entries), corrupt input, the gzip and
 * zstd wrappers inflated by the blob decoders (checked against libarchive's
 * own filters, which read them before), and the .pyc view. */
#include "check.h"
#include "layer/nested.h"
#include "layer/nested_inflate.h"
#include "layer/pyc.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* An archive in memory: format "zip" or "tar", filter "gzip" or NULL. */
static size_t make_archive(unsigned char *buf, size_t cap, const char *format, const char *filter,
                           const char *const *names, const char *const *datas, const size_t *sizes, size_t n)
{
    struct archive *a = archive_write_new();
    size_t used = 0;
    if (strcmp(format, "zip") == 0)
        archive_write_set_format_zip(a);
    else
        archive_write_set_format_pax_restricted(a);
    if (filter && strcmp(filter, "gzip") == 0)
        archive_write_add_filter_gzip(a);
    archive_write_open_memory(a, buf, cap, &used);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        size_t sz = sizes ? sizes[i] : strlen(datas[i]);
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)sz);
        archive_write_header(a, e);
        if (datas[i])
            archive_write_data(a, datas[i], sz);
        else { /* sz zero bytes */
            static const char zeros[65536];
            for (size_t left = sz; left;) {
                size_t k = left < sizeof zeros ? left : sizeof zeros;
                archive_write_data(a, zeros, k);
                left -= k;
            }
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return used;
}

typedef struct {
    const unsigned char *p;
    size_t n, pos, block;
} mem_src;

static int mem_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    mem_src *m = ud;
    (void)err;
    if (m->pos >= m->n)
        return 0;
    *buf = m->p + m->pos;
    *len = m->n - m->pos < m->block ? m->n - m->pos : m->block;
    m->pos += *len;
    return 1;
}

typedef struct {
    char names[8][128];
    char data[8][256];
    uint32_t crc[8];      /* CRC-32 and length of each member's whole data */
    uint64_t len[8];
    bool cut[8];          /* the member's data ended in a failure */
    size_t n;
    uint64_t bytes;
} seen;

static void seen_add(seen *s, size_t i, const void *b, size_t len)
{
    size_t at = s->len[i];
    if (len && at + len < sizeof s->data[i]) {
        memcpy(s->data[i] + at, b, len);
        s->data[i][at + len] = '\0';
    }
    if (len)
        s->crc[i] = (uint32_t)crc32(s->crc[i], b, (uInt)len);
    s->len[i] += len;
    s->bytes += len;
}

static int collect(void *ud, const ls_nested_member *m, ls_blocks *data, ls_error *err)
{
    seen *s = ud;
    const void *b;
    size_t len;
    int r;
    size_t i = s->n < 8 ? s->n : 7;
    snprintf(s->names[i], sizeof s->names[i], "%s", m->name);
    s->data[i][0] = '\0';
    s->crc[i] = 0;
    s->len[i] = 0;
    while ((r = data->next(data->ud, &b, &len, err)) > 0)
        seen_add(s, i, b, len);
    s->cut[i] = r < 0;
    s->n++;
    return r < 0 ? -1 : 0;
}

static int walk(const unsigned char *p, size_t n, size_t block, const char *name,
                const ls_nested_limits *lim, seen *s, char *why)
{
    mem_src m = {p, n, 0, block};
    ls_blocks src = {mem_next, &m};
    ls_error err = {0};
    memset(s, 0, sizeof *s);
    return ls_nested_walk(&src, ls_nested_sniff(p, n, name), name, lim, collect, s, why, 300, &err);
}

static unsigned char big[8 << 20];

static void test_zip_and_targz(void)
{
    const char *names[] = {"./BOOT-INF/classes/app.properties", "lib/b.txt"};
    const char *datas[] = {"token=abc\n", "hello\n"};
    seen s;
    char why[300];
    size_t n = make_archive(big, sizeof big, "zip", NULL, names, datas, NULL, 2);
    CHECK_INT(ls_nested_sniff(big, n, "x.bin"), LS_NESTED_ZIP);
    for (size_t block = 1; block <= 4096; block *= 8) {
        CHECK_INT(walk(big, n, block, "/app/a.jar", NULL, &s, why), 0);
        CHECK_INT(s.n, 2);
        CHECK_STR(s.names[0], "BOOT-INF/classes/app.properties");
        CHECK_STR(s.data[0], "token=abc\n");
        CHECK_STR(s.names[1], "lib/b.txt");
    }
    n = make_archive(big, sizeof big, "tar", "gzip", names, datas, NULL, 2);
    CHECK_INT(ls_nested_sniff(big, n, NULL), LS_NESTED_GZIP);
    CHECK_INT(walk(big, n, 100, "/x.tar.gz", NULL, &s, why), 0);
    CHECK_INT(s.n, 2);
    CHECK_STR(s.data[1], "hello\n");
    n = make_archive(big, sizeof big, "tar", NULL, names, datas, NULL, 2);
    CHECK_INT(ls_nested_sniff(big, n, NULL), LS_NESTED_TAR);
    CHECK_INT(walk(big, n, 7, "/x.tar", NULL, &s, why), 0);
    CHECK_STR(s.names[0], "BOOT-INF/classes/app.properties");
}

static void test_limits(void)
{
    const char *names[] = {"zeros", "zeros2"};
    const char *datas[] = {NULL, NULL};
    size_t sizes[] = {4 << 20, 4 << 20};
    ls_nested_limits lim = {0};
    seen s;
    char why[300];
    size_t n = make_archive(big, sizeof big, "zip", NULL, names, datas, sizes, 1);
    /* 4 MiB of zeros deflate ~1000:1: over the default ratio of 100 */
    CHECK_INT(walk(big, n, 65536, "/b.zip", NULL, &s, why), 1);
    CHECK_STR(why, "nested archive exceeds expansion ratio 100 (--max-nested-ratio)");
    CHECK(s.bytes < 2 << 20);
    lim.max_ratio = 100000;
    CHECK_INT(walk(big, n, 65536, "/b.zip", &lim, &s, why), 0);
    CHECK_INT(s.bytes, 4 << 20);
    lim.max_bytes = 1 << 20;
    CHECK_INT(walk(big, n, 65536, "/b.zip", &lim, &s, why), 1);
    CHECK_STR(why, "nested archive exceeds 1048576 uncompressed bytes (--max-nested-bytes)");
    CHECK(s.bytes <= 1 << 20);
    n = make_archive(big, sizeof big, "zip", NULL, names, (const char *[]){"a", "b"}, NULL, 2);
    lim = (ls_nested_limits){.max_entries = 1};
    CHECK_INT(walk(big, n, 65536, "/e.zip", &lim, &s, why), 1);
    CHECK_STR(why, "nested archive exceeds 1 entries (--max-nested-entries)");
    CHECK_INT(s.n, 1);
}

static void test_corrupt_and_streams(void)
{
    static const unsigned char garbage[] = "PK\x03\x04\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
    const char *names[] = {"a.txt"};
    const char *datas[] = {NULL};
    size_t sizes[] = {100000};
    seen s;
    char why[300];
    size_t n;
    CHECK_INT(walk(garbage, sizeof garbage - 1, 4096, "/g.zip", NULL, &s, why), 1);
    CHECK(strncmp(why, "corrupt zip archive: ", 21) == 0);
    n = make_archive(big, sizeof big, "tar", "gzip", names, datas, sizes, 1);
    CHECK_INT(walk(big, n / 2, 4096, "/t.tgz", NULL, &s, why), 1); /* truncated */
    CHECK(strncmp(why, "corrupt gzip archive: ", 22) == 0);
    /* a single gzip stream: one member named after the file */
    {
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();
        size_t used = 0;
        archive_write_set_format_raw(a);
        archive_write_add_filter_gzip(a);
        archive_write_open_memory(a, big, sizeof big, &used);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_pathname(e, "x");
        archive_write_header(a, e);
        archive_write_data(a, "K=V\n", 4);
        archive_write_close(a);
        archive_write_free(a);
        archive_entry_free(e);
        CHECK_INT(walk(big, used, 3, "/etc/app.env.gz", NULL, &s, why), 0);
        CHECK_INT(s.n, 1);
        CHECK_STR(s.names[0], "app.env");
        CHECK_STR(s.data[0], "K=V\n");
    }
    CHECK_INT(ls_nested_sniff((const unsigned char *)"hello", 5, "a.zip"), LS_NESTED_NONE);
    CHECK_INT(ls_nested_sniff((const unsigned char *)"\x28\xb5\x2f\xfd", 4, NULL), LS_NESTED_ZSTD);
    CHECK_INT(ls_nested_sniff((const unsigned char *)"\xfd" "7zXZ\0", 6, NULL), LS_NESTED_XZ);
    CHECK_INT(ls_nested_sniff((const unsigned char *)"BZh91AY&SY", 10, NULL), LS_NESTED_BZIP2);
    CHECK_INT(ls_nested_sniff((const unsigned char *)"BZh9hello!", 10, NULL), LS_NESTED_NONE);
}

/* ---- gzip and zstd wrappers (nested_inflate.c) ------------------------- */

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* One gzip member of data at out, with the optional header fields `flags`
 * asks for (FHCRC 2, FEXTRA 4, FNAME 8, FCOMMENT 16). Returns its size. */
static size_t gz_member(unsigned char *out, size_t cap, unsigned flags, const void *data, size_t len)
{
    z_stream z = {0};
    size_t n = 0;
    memcpy(out, "\x1f\x8b\x08", 3);
    out[3] = (unsigned char)flags;
    memset(out + 4, 0, 6);
    out[9] = 3;
    n = 10;
    if (flags & 4) {
        memcpy(out + n, "\x03\x00xyz", 5);
        n += 5;
    }
    if (flags & 8) {
        memcpy(out + n, "name.txt", 9);
        n += 9;
    }
    if (flags & 16) {
        memcpy(out + n, "a comment", 10);
        n += 10;
    }
    if (flags & 2) {
        memcpy(out + n, "\x00\x00", 2);
        n += 2;
    }
    deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = out + n;
    z.avail_out = (uInt)(cap - n - 8);
    CHECK_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
    n += z.total_out;
    deflateEnd(&z);
    le32(out + n, (uint32_t)crc32(0, data, (uInt)len));
    le32(out + n + 4, (uint32_t)len);
    return n + 8;
}

static size_t zst_frame(unsigned char *out, size_t cap, const void *data, size_t len)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    size_t n;
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    n = ZSTD_compress2(c, out, cap, data, len);
    ZSTD_freeCCtx(c);
    CHECK(!ZSTD_isError(n));
    return ZSTD_isError(n) ? 0 : n;
}

/* What libarchive's own gzip or zstd filter made of the stream (the nested
 * walk's reader before the blob decoders): 0 and the members, or 1. */
static int reference(const unsigned char *p, size_t n, ls_nested_kind kind, seen *s)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    int r, rc = 0;
    memset(s, 0, sizeof *s);
    if (kind == LS_NESTED_GZIP)
        archive_read_support_filter_gzip(a);
    else
        archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_raw(a);
    if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
        archive_read_free(a);
        return 1;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const void *b;
        size_t len;
        la_int64_t off;
        size_t i = s->n < 8 ? s->n : 7;
        int d;
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        s->n++;
        while ((d = archive_read_data_block(a, &b, &len, &off)) == ARCHIVE_OK)
            seen_add(s, i, b, len);
        if (d != ARCHIVE_EOF) {
            rc = 1;
            break;
        }
    }
    if (r < ARCHIVE_WARN)
        rc = 1;
    archive_read_free(a);
    return rc;
}

/* The walk (at several block sizes) agrees with libarchive's filter: the
 * same outcome, and on success the same members byte for byte. */
static void same_as_libarchive(const char *what, const unsigned char *p, size_t n)
{
    /* byte by byte only for short streams: under ASan a call per byte of a
     * 60 KB stream costs seconds */
    static const size_t blocks[] = {1, 7, 4096, 1 << 20};
    ls_nested_kind kind = ls_nested_sniff(p, n, NULL);
    seen want, got;
    char why[300];
    int ref = reference(p, n, kind, &want);
    for (size_t b = n > 2048 ? 1 : 0; b < sizeof blocks / sizeof *blocks; b++) {
        int rc = walk(p, n, blocks[b], "/x.gz", NULL, &got, why);
        int bad = check_failures;
        CHECK_INT(rc, ref);
        if (ref == 0) {
            CHECK_INT(got.n, want.n);
            for (size_t i = 0; i < got.n && i < 8; i++) {
                CHECK_INT(got.len[i], want.len[i]);
                CHECK_INT(got.crc[i], want.crc[i]);
            }
        }
        if (check_failures != bad)
            fprintf(stderr, "  in: %s, blocks of %zu (why: %s)\n", what, blocks[b], why);
    }
}

static unsigned char gzbuf[1 << 20], plain[1 << 18];

static void test_gzip_like_libarchive(void)
{
    static const unsigned flag_sets[] = {0, 2, 4, 8, 16, 30};
    const char *names[] = {"etc/a.conf", "etc/b.conf"};
    const char *datas[] = {"token=abc\n", "hello\n"};
    size_t n, k;
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof plain; i++) { /* text that deflates about 2:1 */
        x = x * 1103515245u + 12345u;
        plain[i] = i % 61 == 60 ? '\n' : (unsigned char)('a' + (x >> 16) % 26);
    }
    for (size_t f = 0; f < sizeof flag_sets / sizeof *flag_sets; f++) {
        n = gz_member(gzbuf, sizeof gzbuf, flag_sets[f], plain, 100000);
        same_as_libarchive("one member, header flags", gzbuf, n);
    }
    n = gz_member(gzbuf, sizeof gzbuf, 0, plain, 5000);
    n += gz_member(gzbuf + n, sizeof gzbuf - n, 8, plain + 5000, 70000);
    same_as_libarchive("two members", gzbuf, n);
    k = n;
    n += gz_member(gzbuf + n, sizeof gzbuf - n, 0, "", 0);
    same_as_libarchive("an empty member last", gzbuf, n);
    n = k;
    memset(gzbuf + n, 0, 1000);
    same_as_libarchive("zero padding", gzbuf, n + 1000);
    memcpy(gzbuf + n, "trailing garbage", 16);
    same_as_libarchive("trailing garbage", gzbuf, n + 16);
    memcpy(gzbuf + n, "\0\0\0junk", 7);
    same_as_libarchive("zeros then garbage", gzbuf, n + 7);
    gzbuf[k - 8] ^= 0xff; /* the last member's CRC-32: libarchive never checked it */
    same_as_libarchive("bad CRC-32", gzbuf, k);
    gzbuf[k - 8] ^= 0xff;
    same_as_libarchive("truncated in the deflate data", gzbuf, k - 400);
    same_as_libarchive("truncated in the trailer", gzbuf, k - 3);
    same_as_libarchive("truncated in the first header", gzbuf, 6);
    memcpy(gzbuf + 20, "\xff\xff\xff\xff", 4);
    same_as_libarchive("corrupt deflate data", gzbuf, k);
    /* a tar inside, with and without garbage after the gzip stream */
    n = make_archive(gzbuf, sizeof gzbuf, "tar", "gzip", names, datas, NULL, 2);
    same_as_libarchive("tar.gz", gzbuf, n);
    memcpy(gzbuf + n, "garbage", 7);
    same_as_libarchive("tar.gz, trailing garbage", gzbuf, n + 7);
    /* a gzip of a gzip: libarchive's filter bidding unwrapped both */
    k = gz_member(gzbuf + 500000, sizeof gzbuf - 500000, 0, plain, 9000);
    n = gz_member(gzbuf, 500000, 0, gzbuf + 500000, k);
    same_as_libarchive("gzip of gzip", gzbuf, n);
    /* 1024 zeros: libarchive's tar reader bids on a zero block (an empty tar) */
    memset(plain + 200000, 0, 1024);
    n = gz_member(gzbuf, sizeof gzbuf, 0, plain + 200000, 1024);
    same_as_libarchive("gzip of zero blocks", gzbuf, n);
    n = gz_member(gzbuf, sizeof gzbuf, 0, plain + 200000, 100);
    same_as_libarchive("gzip of 100 zeros", gzbuf, n);
}

static void test_zstd_like_libarchive(void)
{
    const char *names[] = {"etc/a.conf"};
    const char *datas[] = {"token=abc\n"};
    size_t n, k;
    n = zst_frame(gzbuf, sizeof gzbuf, plain, 100000);
    same_as_libarchive("one zstd frame", gzbuf, n);
    k = n;
    memcpy(gzbuf + n, "\x50\x2a\x4d\x18\x04\x00\x00\x00skip", 12); /* a skippable frame */
    n += 12;
    n += zst_frame(gzbuf + n, sizeof gzbuf - n, plain + 100000, 50000);
    same_as_libarchive("frame, skippable frame, frame", gzbuf, n);
    memcpy(gzbuf + n, "garbage", 7);
    same_as_libarchive("zstd, trailing garbage", gzbuf, n + 7);
    same_as_libarchive("zstd, truncated", gzbuf, k - 10);
    gzbuf[k - 1] ^= 0xff; /* the content checksum: libarchive's zstd checked it */
    same_as_libarchive("zstd, bad checksum", gzbuf, k);
    {
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();
        size_t used = 0;
        archive_write_set_format_pax_restricted(a);
        archive_write_add_filter_zstd(a);
        archive_write_open_memory(a, gzbuf, sizeof gzbuf, &used);
        archive_entry_set_pathname(e, names[0]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(datas[0]));
        archive_write_header(a, e);
        archive_write_data(a, datas[0], strlen(datas[0]));
        archive_write_close(a);
        archive_write_free(a);
        archive_entry_free(e);
        same_as_libarchive("tar.zst", gzbuf, used);
    }
}

/* The exact outcomes: names, texts, limits. */
static void test_inflated_exact(void)
{
    const char *names[] = {"./etc/a.conf", "lib/b.txt"};
    const char *datas[] = {"token=abc\n", "hello\n"};
    ls_nested_limits lim = {0};
    seen s;
    char why[300];
    size_t n;
    /* concatenated members are one file, named after the outer one */
    n = gz_member(gzbuf, sizeof gzbuf, 8, "A=1\n", 4);
    n += gz_member(gzbuf + n, sizeof gzbuf - n, 0, "B=2\n", 4);
    CHECK_INT(walk(gzbuf, n, 3, "/etc/app.env.gz", NULL, &s, why), 0);
    CHECK_INT(s.n, 1);
    CHECK(!s.cut[0]);
    CHECK_STR(s.names[0], "app.env");
    CHECK_STR(s.data[0], "A=1\nB=2\n");
    /* bytes after the stream that start no member are ignored, as libarchive did */
    memcpy(gzbuf + n, "PK\x03\x04 not a member", 17);
    CHECK_INT(walk(gzbuf, n + 17, 4096, "/etc/app.env.gz", NULL, &s, why), 0);
    CHECK_STR(s.data[0], "A=1\nB=2\n");
    CHECK_STR(why, "");
    /* ... but a second gzip magic must start a member (libarchive ended the
     * stream there too: a known difference, damage reported instead) */
    memcpy(gzbuf + n, "\x1f\x8b\x09", 3);
    CHECK_INT(walk(gzbuf, n + 3, 4096, "/etc/app.env.gz", NULL, &s, why), 1);
    CHECK_STR(why, "corrupt gzip archive: corrupt gzip data at byte 59: unknown compression method");
    CHECK_STR(s.data[0], "A=1\nB=2\n");
    /* truncated: what was inflated is delivered, then the damage */
    n = gz_member(gzbuf, sizeof gzbuf, 0, plain, 100000);
    CHECK_INT(walk(gzbuf, n - 9, 4096, "/var/log/x.log.gz", NULL, &s, why), 1);
    CHECK_INT(s.n, 1);
    CHECK(s.cut[0]); /* the member broke off: `extract` refuses it */
    CHECK_STR(s.names[0], "x.log");
    CHECK_INT(s.len[0], 100000);
    CHECK_INT(s.crc[0], crc32(0, plain, 100000));
    CHECK_STR(why, "corrupt gzip archive: truncated gzip input"); /* libarchive's words */
    CHECK_INT(walk(gzbuf, 40, 4096, "/opt/cut.json.gz", NULL, &s, why), 1);
    CHECK_STR(why, "corrupt gzip archive: truncated gzip input");
    /* a wrong length in the trailer: libarchive never checked it (known difference) */
    n = gz_member(gzbuf, sizeof gzbuf, 0, "K=V\n", 4);
    gzbuf[n - 4] ^= 1;
    CHECK_INT(walk(gzbuf, n, 4096, "/a.gz", NULL, &s, why), 1);
    CHECK_STR(why, "corrupt gzip archive: corrupt gzip data at byte 20: incorrect length check");
    CHECK_STR(s.data[0], "K=V\n");
    /* compressed nothing: no member, no damage (Debian's empty man pages) */
    n = gz_member(gzbuf, sizeof gzbuf, 0, "", 0);
    CHECK_INT(walk(gzbuf, n, 4096, "/usr/share/man/man1/x.1.gz", NULL, &s, why), 0);
    CHECK_INT(s.n, 0);
    /* a tar inside: its members, relative names */
    n = make_archive(gzbuf, sizeof gzbuf, "tar", "gzip", names, datas, NULL, 2);
    CHECK_INT(walk(gzbuf, n, 100, "/x.tar.gz", NULL, &s, why), 0);
    CHECK_INT(s.n, 2);
    CHECK_STR(s.names[0], "etc/a.conf");
    CHECK_STR(s.data[0], "token=abc\n");
    CHECK_STR(s.names[1], "lib/b.txt");
    CHECK_STR(s.data[1], "hello\n");
    /* a tar.gz cut inside its second member: the first is whole, the second cut */
    {
        const char *tnames[] = {"a.txt", "b.bin"};
        const char *tdatas[] = {"whole\n", (const char *)plain};
        size_t sizes[] = {6, 200000};
        n = make_archive(gzbuf, sizeof gzbuf, "tar", "gzip", tnames, tdatas, sizes, 2);
        CHECK_INT(walk(gzbuf, n / 2, 4096, "/t.tar.gz", NULL, &s, why), 1);
        CHECK_INT(s.n, 2);
        CHECK_STR(s.data[0], "whole\n");
        CHECK(!s.cut[0]);
        CHECK(s.cut[1]);
        CHECK(s.len[1] > 0 && s.len[1] < 200000);
        CHECK_STR(why, "corrupt gzip archive: truncated gzip input");
    }
    /* a .tgz holding one file that is no tar: one member "<name>.tar" */
    n = gz_member(gzbuf, sizeof gzbuf, 0, "not a tar\n", 10);
    CHECK_INT(walk(gzbuf, n, 100, "/x.tgz", NULL, &s, why), 0);
    CHECK_INT(s.n, 1);
    CHECK_STR(s.names[0], "x.tar");
    CHECK_STR(s.data[0], "not a tar\n");
    /* a gzip of a gzip is unwrapped twice (libarchive's bidding loop), up to 24 times */
    n = gz_member(gzbuf, sizeof gzbuf, 0, "deep=1\n", 7);
    for (int layers = 1; layers <= 25; layers++) {
        int ref = reference(gzbuf, n, LS_NESTED_GZIP, &s);
        CHECK_INT(ref, layers > LS_NESTED_INFLATE_MAX_LAYERS);
        CHECK_INT(walk(gzbuf, n, 4096, "/d.gz", NULL, &s, why), ref);
        if (layers <= LS_NESTED_INFLATE_MAX_LAYERS) {
            CHECK_INT(s.n, 1);
            CHECK_STR(s.data[0], "deep=1\n");
        } else {
            CHECK_STR(why, "corrupt gzip archive: Input requires too many filters for decoding");
        }
        memcpy(plain, gzbuf, n);
        n = gz_member(gzbuf, sizeof gzbuf, 0, plain, n);
    }
    /* a gzip bomb stops at the expansion ratio, early (not zeros: those are an empty tar) */
    memset(plain, 'a', sizeof plain);
    {
        z_stream z = {0};
        deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY);
        z.next_out = gzbuf;
        z.avail_out = sizeof gzbuf;
        for (int i = 0; i < 64; i++) { /* 16 MiB of zeros */
            z.next_in = plain;
            z.avail_in = sizeof plain;
            deflate(&z, i == 63 ? Z_FINISH : Z_NO_FLUSH);
        }
        n = z.total_out;
        deflateEnd(&z);
    }
    CHECK_INT(walk(gzbuf, n, 65536, "/bomb.gz", NULL, &s, why), 1);
    CHECK_STR(why, "nested archive exceeds expansion ratio 100 (--max-nested-ratio)");
    CHECK(s.bytes > 1 << 20 && s.bytes < 2 << 20);
    lim.max_ratio = 100000;
    CHECK_INT(walk(gzbuf, n, 65536, "/bomb.gz", &lim, &s, why), 0);
    CHECK_INT(s.bytes, 16 << 20);
    lim.max_bytes = 1 << 20;
    CHECK_INT(walk(gzbuf, n, 65536, "/bomb.gz", &lim, &s, why), 1);
    CHECK_STR(why, "nested archive exceeds 1048576 uncompressed bytes (--max-nested-bytes)");
    /* zstd: several frames are one file; damage after a frame is damage */
    n = zst_frame(gzbuf, sizeof gzbuf, "A=1\n", 4);
    n += zst_frame(gzbuf + n, sizeof gzbuf - n, "B=2\n", 4);
    CHECK_INT(walk(gzbuf, n, 5, "/etc/app.env.zst", NULL, &s, why), 0);
    CHECK_INT(s.n, 1);
    CHECK_STR(s.names[0], "app.env");
    CHECK_STR(s.data[0], "A=1\nB=2\n");
    memcpy(gzbuf + n, "junk", 4);
    CHECK_INT(walk(gzbuf, n + 4, 4096, "/etc/app.env.zst", NULL, &s, why), 1);
    CHECK_STR(why, "corrupt zstd archive: corrupt zstd data at byte 38: Unknown frame descriptor");
    CHECK_STR(s.data[0], "A=1\nB=2\n");
    CHECK_INT(walk(gzbuf, n - 2, 4096, "/etc/app.env.zst", NULL, &s, why), 1);
    CHECK_STR(why, "corrupt zstd archive: Truncated zstd input");
    CHECK_INT(s.n, 1);
    CHECK(s.cut[0]);
}

/* A below that fails is the walk's failure (-1), not the archive's damage. */
static int fail_after(void *ud, const void **buf, size_t *len, ls_error *err)
{
    mem_src *m = ud;
    if (m->pos >= m->n)
        return ls_error_set(err, LS_ERR_IO, "layer.tar: read failed");
    return mem_next(ud, buf, len, err);
}

static void test_inflated_below_fails(void)
{
    size_t n = gz_member(gzbuf, sizeof gzbuf, 0, plain, 100000);
    seen s;
    char why[300];
    for (size_t cut = 5; cut < n; cut += n / 3) {
        mem_src m = {gzbuf, cut, 0, 4096};
        ls_blocks src = {fail_after, &m};
        ls_error err = {0};
        memset(&s, 0, sizeof s);
        CHECK_INT(ls_nested_walk(&src, LS_NESTED_GZIP, "/a.gz", NULL, collect, &s, why, sizeof why, &err), -1);
        CHECK_STR(err.msg, "layer.tar: read failed");
        CHECK_INT(err.code, LS_ERR_IO);
    }
}

static void test_pyc_view(void)
{
    /* 'z' len "glpat-..." then 'N' (None) touching it; then FLAG_REF|'Z' len "ab" ')' */
    unsigned char in[] = "\x03\xf3\r\n............z\x1aglpat-4nvnamQkcbtZvONtc40SN\xda\x02" "ab)";
    unsigned char want[] = "\x03\xf3\r\n............z\x1aglpat-4nvnamQkcbtZvONtc40S\0\xda\x02" "ab\0";
    size_t n = sizeof in - 1;
    CHECK(ls_pyc_sniff(in, n, "/app/x.pyc"));
    CHECK(!ls_pyc_sniff(in, n, "/app/x.py"));
    for (size_t split = 0; split <= n; split++) {
        unsigned char buf[sizeof in];
        ls_pyc_view v;
        memcpy(buf, in, sizeof in);
        ls_pyc_view_init(&v);
        ls_pyc_view_apply(&v, buf, split);
        ls_pyc_view_apply(&v, buf + split, n - split);
        CHECK(memcmp(buf, want, n) == 0);
    }
}

int main(void)
{
    test_zip_and_targz();
    test_limits();
    test_corrupt_and_streams();
    test_gzip_like_libarchive();
    test_zstd_like_libarchive();
    test_inflated_exact();
    test_inflated_below_fails();
    test_pyc_view();
    return check_failures != 0;
}
