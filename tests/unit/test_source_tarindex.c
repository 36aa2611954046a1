/*
 * test_source_tarindex.c - the outer-tar indexer on hand-made headers: ustar
 * prefix, pax path/size, GNU long names and base-256 sizes, "./" prefixes,
 * duplicate names (last wins), hard and symbolic links (inside the archive
 * only), checksum failures, truncation and "not a tar at all".
 */
#include "check.h"

#include <stdbool.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/tarindex.h"

typedef struct {
    unsigned char *p;
    size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    b->p = realloc(b->p, b->n + n);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void pad(buf *b)
{
    static const unsigned char zeros[512];
    if (b->n % 512)
        put(b, zeros, 512 - b->n % 512);
}

static void finish_header(unsigned char *h)
{
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

/* A header; size < 0 means "write it as base-256 of -size". */
static void header(buf *b, const char *name, long long size, char type, const char *link,
                   const char *prefix)
{
    unsigned char h[512];
    memset(h, 0, sizeof h);
    strncpy((char *)h, name, 100);
    memcpy(h + 100, "0000644", 7);
    if (size >= 0) {
        snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
    } else {
        unsigned long long v = (unsigned long long)-size;
        h[124] = 0x80;
        for (int i = 11; i >= 1; i--, v >>= 8)
            h[124 + i] = (unsigned char)(v & 0xff);
    }
    h[156] = (unsigned char)type;
    if (link)
        strncpy((char *)h + 157, link, 100);
    memcpy(h + 257, "ustar\0" "00", 8);
    if (prefix)
        strncpy((char *)h + 345, prefix, 155);
    finish_header(h);
    put(b, h, 512);
}

static void member(buf *b, const char *name, const char *data)
{
    header(b, name, (long long)strlen(data), '0', NULL, NULL);
    put(b, data, strlen(data));
    pad(b);
}

static int write_tmp(const buf *b, char *path)
{
    int fd;
    strcpy(path, "/tmp/layerscan-tarindex-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (b->n && write(fd, b->p, b->n) != (ssize_t)b->n) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Returns the member's data as a string (static buffer). */
static const char *content(int fd, const ls_tarindex *t, const char *name)
{
    static char out[256];
    const ls_tar_member *m = ls_tarindex_find(t, name);
    if (!m || m->size >= sizeof out)
        return NULL;
    if (pread(fd, out, (size_t)m->size, (off_t)m->offset) != (ssize_t)m->size)
        return NULL;
    out[m->size] = '\0';
    return out;
}

static void test_formats(void)
{
    buf b = {0};
    char path[64], longname[300], pax[400];
    ls_tarindex *t = NULL;
    ls_error err = {0};
    int fd;
    memset(longname, 'n', 200);
    strcpy(longname + 200, "/file.txt");

    member(&b, "./manifest.json", "[]");
    header(&b, "file.txt", 5, '0', NULL, "some/prefix");
    put(&b, "hello", 5);
    pad(&b);
    /* GNU long name */
    header(&b, "././@LongLink", (long long)strlen(longname) + 1, 'L', NULL, NULL);
    put(&b, longname, strlen(longname) + 1);
    pad(&b);
    member(&b, "truncated-name", "long");
    /* pax path and size override the header's */
    snprintf(pax, sizeof pax, "%d path=pax/named\n%d size=3\n", 18, 10);
    header(&b, "PaxHeaders/1", (long long)strlen(pax), 'x', NULL, NULL);
    put(&b, pax, strlen(pax));
    pad(&b);
    header(&b, "ignored", 999, '0', NULL, NULL);
    put(&b, "pax", 3);
    pad(&b);
    /* base-256 size */
    header(&b, "b256", -4, '0', NULL, NULL);
    put(&b, "b256", 4);
    pad(&b);
    /* duplicates: last wins; a directory is not a file */
    member(&b, "dup", "first");
    member(&b, "dup", "second");
    header(&b, "dir/", 0, '5', NULL, NULL);
    /* links */
    header(&b, "links/sym", 0, '2', "../dup", NULL);
    header(&b, "links/hard", 0, '1', "file.txt", NULL);
    header(&b, "links/out", 0, '2', "../../etc/passwd", NULL);
    header(&b, "links/loop", 0, '2', "loop", NULL);
    {
        static const unsigned char zeros[1024];
        put(&b, zeros, sizeof zeros);
    }
    fd = write_tmp(&b, path);
    CHECK(fd >= 0);
    CHECK_INT(ls_tarindex_build(&t, fd, "test.tar", &err), 0);
    if (t) {
        CHECK(ls_tarindex_problem(t) == NULL);
        CHECK_STR(content(fd, t, "manifest.json"), "[]");
        CHECK_STR(content(fd, t, "./manifest.json"), "[]");
        CHECK_STR(content(fd, t, "some/prefix/file.txt"), "hello");
        CHECK_STR(content(fd, t, longname), "long");
        CHECK(ls_tarindex_find(t, "truncated-name") == NULL);
        CHECK_STR(content(fd, t, "pax/named"), "pax");
        CHECK(ls_tarindex_find(t, "ignored") == NULL);
        CHECK_STR(content(fd, t, "b256"), "b256");
        CHECK_STR(content(fd, t, "dup"), "second");
        CHECK(ls_tarindex_find(t, "dir") == NULL);
        CHECK_STR(content(fd, t, "links/sym"), "second");
        CHECK(ls_tarindex_find(t, "links/hard") == NULL); /* "file.txt" is some/prefix/file.txt */
        CHECK(ls_tarindex_find(t, "links/out") == NULL);
        CHECK(ls_tarindex_find(t, "links/loop") == NULL);
        CHECK(ls_tarindex_find(t, "nope") == NULL);
    }
    ls_tarindex_free(t);
    close(fd);
    unlink(path);
    free(b.p);
}

static void test_broken(void)
{
    buf b = {0};
    char path[64];
    ls_tarindex *t = NULL;
    ls_error err = {0};
    int fd;

    /* not a tar: random bytes, too short, empty */
    for (int i = 0; i < 1500; i++) {
        unsigned char c = (unsigned char)(i * 37 + 11);
        put(&b, &c, 1);
    }
    fd = write_tmp(&b, path);
    CHECK_INT(ls_tarindex_build(&t, fd, "junk", &err), -1);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    CHECK_STR(err.msg, "junk: not a tar archive");
    CHECK(t == NULL);
    close(fd);
    unlink(path);
    b.n = 100;
    fd = write_tmp(&b, path);
    CHECK_INT(ls_tarindex_build(&t, fd, "short", &err), -1);
    close(fd);
    unlink(path);

    /* a bad checksum after the first member: the walk stops with a problem */
    b.n = 0;
    member(&b, "a", "aaa");
    member(&b, "b", "bbb");
    b.p[512 * 2 + 3] ^= 1;
    fd = write_tmp(&b, path);
    CHECK_INT(ls_tarindex_build(&t, fd, "bad", &err), 0);
    if (t) {
        CHECK(ls_tarindex_problem(t) != NULL);
        CHECK(strstr(ls_tarindex_problem(t)->msg, "bad tar header checksum at offset 1024") != NULL);
        CHECK(ls_tarindex_find(t, "a") != NULL);
        CHECK_INT(ls_tarindex_count(t), 1);
    }
    ls_tarindex_free(t);
    close(fd);
    unlink(path);

    /* truncated data, and no end-of-archive marker (accepted) */
    b.n = 0;
    member(&b, "a", "aaa");
    header(&b, "big", 100000, '0', NULL, NULL);
    put(&b, "xx", 2);
    fd = write_tmp(&b, path);
    CHECK_INT(ls_tarindex_build(&t, fd, "trunc", &err), 0);
    if (t) {
        CHECK(ls_tarindex_problem(t) != NULL);
        CHECK(strstr(ls_tarindex_problem(t)->msg, "truncated tar") != NULL);
    }
    ls_tarindex_free(t);
    close(fd);
    unlink(path);
    b.n = 0;
    member(&b, "a", "aaa");
    fd = write_tmp(&b, path);
    CHECK_INT(ls_tarindex_build(&t, fd, "noeof", &err), 0);
    if (t)
        CHECK(ls_tarindex_problem(t) == NULL);
    ls_tarindex_free(t);
    close(fd);
    unlink(path);
    free(b.p);
}

/* Many small members (their headers span several 256 KiB read windows,
 * some straddling a window's end) are all indexed at the right offsets; a
 * header cut short near the end is still "truncated"; the marker-only
 * build keeps just the named members, and finds one after thousands. */
static void test_many_members(void)
{
    buf b = {0};
    char path[64], name[32], data[32], want[32];
    ls_error err = {0};
    ls_tarindex *t = NULL;
    static const char *const only[] = {"manifest.json", "index.json", NULL};
    int fd;
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "d/f%04d", i);
        snprintf(data, sizeof data, "member %d%*s", i, i % 700, ""); /* sizes vary: headers drift */
        member(&b, name, data);
    }
    member(&b, "manifest.json", "[]");
    fd = write_tmp(&b, path);
    CHECK_INT(ls_tarindex_build(&t, fd, "many", &err), 0);
    CHECK_INT(ls_tarindex_count(t), 3001);
    CHECK(ls_tarindex_problem(t) == NULL);
    for (int i = 0; i < 3000; i += 7) {
        const char *got;
        snprintf(name, sizeof name, "d/f%04d", i);
        snprintf(want, sizeof want, "member %d", i);
        got = content(fd, t, name);
        CHECK(got != NULL && strncmp(got, want, strlen(want)) == 0);
    }
    ls_tarindex_free(t);
    CHECK_INT(ls_tarindex_build_only(&t, fd, "many", only, NULL, &err), 0);
    CHECK_INT(ls_tarindex_count(t), 1);
    CHECK_STR(content(fd, t, "manifest.json"), "[]");
    CHECK(ls_tarindex_find(t, "d/f0001") == NULL);
    ls_tarindex_free(t);
    close(fd);
    unlink(path);
    /* the last header cut in half */
    b.n -= 512 + 300; /* the manifest's data block and 300 bytes of its header */
    fd = write_tmp(&b, path);
    CHECK_INT(ls_tarindex_build(&t, fd, "cut", &err), 0);
    CHECK(t && ls_tarindex_problem(t) && strstr(ls_tarindex_problem(t)->msg, "truncated tar") != NULL);
    CHECK_INT(ls_tarindex_count(t), 3000);
    ls_tarindex_free(t);
    close(fd);
    unlink(path);
    free(b.p);
}

static void test_normalise(void)
{
    char out[64];
    CHECK_INT(ls_tar_normalise("./a//b/./c/", out, sizeof out), 0);
    CHECK_STR(out, "a/b/c");
    CHECK_INT(ls_tar_normalise("/abs/x", out, sizeof out), 0);
    CHECK_STR(out, "abs/x");
    CHECK_INT(ls_tar_normalise("a/../b", out, sizeof out), 0);
    CHECK_STR(out, "b");
    CHECK_INT(ls_tar_normalise("a/../../b", out, sizeof out), -1);
    CHECK_INT(ls_tar_normalise("0123456789", out, 8), -1);
}

/* The marker walk ends at the first member only a layer holds (under a
 * root file system's top-level directory, any type, any spelling; or a
 * whiteout), so a marker after one is not seen; before one it is. */
static void test_stop(void)
{
    static const char *const only[] = {"manifest.json", NULL};
    static const char *const stop[] = {"etc", "usr", NULL};
    static const struct {
        const char *first;
        char type;
        bool marker_first; /* manifest.json before the member, not after */
        int want;          /* markers found with stop */
    } cases[] = {
        {"usr/", '5', false, 0},        {"./etc/passwd", '0', false, 0}, {"/usr/bin/x", '0', false, 0},
        {"usr", '2', false, 0},         {"app/.wh.cfg", '0', false, 0},  {"usrx/y", '0', false, 1},
        {"app/etc/x", '0', false, 1},   {"blobs/sha256/ab", '0', false, 1},
        {"etc/x", '0', true, 1}, /* the marker first: an archive, whatever follows */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf b = {0};
        char path[64];
        ls_tarindex *t = NULL;
        ls_error err = {0};
        int fd;
        if (cases[i].marker_first)
            member(&b, "manifest.json", "[]");
        header(&b, cases[i].first, 0, cases[i].type, cases[i].type == '2' ? "x" : NULL, NULL);
        if (!cases[i].marker_first)
            member(&b, "manifest.json", "[]");
        put(&b, (unsigned char[1024]){0}, 1024);
        fd = write_tmp(&b, path);
        CHECK_INT(ls_tarindex_build_only(&t, fd, "stop", only, stop, &err), 0);
        if (ls_tarindex_count(t) != (size_t)cases[i].want)
            fprintf(stderr, "stop case %s\n", cases[i].first);
        CHECK_INT(ls_tarindex_count(t), cases[i].want);
        ls_tarindex_free(t);
        CHECK_INT(ls_tarindex_build_only(&t, fd, "stop", only, NULL, &err), 0);
        CHECK_INT(ls_tarindex_count(t), 1);
        ls_tarindex_free(t);
        close(fd);
        unlink(path);
        free(b.p);
    }
}

int main(void)
{
    test_formats();
    test_broken();
    test_normalise();
    test_many_members();
    test_stop();
    CHECK_DONE();
}
