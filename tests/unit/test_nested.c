/* Nested archives: sniffing, walking zips and tar.gz made with libarchive's
 * writer, the limits (bytes, ratio, entries), corrupt input, and the .pyc view. */
#include "check.h"
#include "layer/nested.h"
#include "layer/pyc.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

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
    size_t n;
    uint64_t bytes;
} seen;

static int collect(void *ud, const ls_nested_member *m, ls_blocks *data, ls_error *err)
{
    seen *s = ud;
    const void *b;
    size_t len, at = 0;
    int r;
    size_t i = s->n < 8 ? s->n : 7;
    snprintf(s->names[i], sizeof s->names[i], "%s", m->name);
    s->data[i][0] = '\0';
    while ((r = data->next(data->ud, &b, &len, err)) > 0) {
        if (len && at + len < sizeof s->data[i]) {
            memcpy(s->data[i] + at, b, len);
            s->data[i][at + len] = '\0';
        }
        at += len;
        s->bytes += len;
    }
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
    test_pyc_view();
    return check_failures != 0;
}
