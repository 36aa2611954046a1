/* The hole filler of sparse tar entries (layer/sparse.h): runs with gaps
 * come out as runs with zeros between them, a trailing hole is filled to the
 * real size, the budget bounds the zeros (a hole past it shrinks to one zero
 * byte, a trailing one to nothing, and the cut is recorded), and a map that
 * goes backwards is refused. Then a real sparse entry through the tar walk,
 * written with libarchive's pax writer (GNU sparse 1.0). */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layer/layer.h"
#include "layer/sparse.h"

/* Everything queued, appended to out (zeros as '0' is not possible: count). */
static size_t drain(ls_sparse *s, unsigned char *out, size_t cap, size_t at)
{
    const void *buf;
    size_t len;
    while (ls_sparse_take(s, &buf, &len)) {
        if (at + len <= cap)
            memcpy(out + at, buf, len);
        at += len;
    }
    return at;
}

static void test_machine(void)
{
    unsigned char out[300000];
    uint64_t budget = 1000000;
    ls_sparse s = {0};
    size_t n = 0;
    memset(out, 0xee, sizeof out);
    CHECK_INT(ls_sparse_put(&s, "abc", 3, 0, &budget), 0);
    n = drain(&s, out, sizeof out, n);
    CHECK_INT(ls_sparse_put(&s, "def", 3, 200000, &budget), 0); /* a hole of 199997 bytes (several zero blocks) */
    n = drain(&s, out, sizeof out, n);
    CHECK_INT(ls_sparse_end(&s, 250000, &budget), 0);           /* a trailing hole */
    n = drain(&s, out, sizeof out, n);
    CHECK(s.at_end);
    CHECK_INT(n, 250000);
    CHECK(memcmp(out, "abc", 3) == 0);
    CHECK(memcmp(out + 200000, "def", 3) == 0);
    CHECK(out[3] == 0 && out[199999] == 0 && out[200003] == 0 && out[249999] == 0);
    CHECK_INT(budget, 1000000 - 199997 - 49997);
    CHECK(!s.cut);

    /* the budget runs out: the hole shrinks to one zero, the cut is recorded */
    memset(&s, 0, sizeof s);
    budget = 10;
    n = 0;
    CHECK_INT(ls_sparse_put(&s, "x", 1, 5, &budget), 0);   /* 5 zeros: within */
    n = drain(&s, out, sizeof out, n);
    CHECK_INT(ls_sparse_put(&s, "y", 1, 100, &budget), 0); /* 94: beyond the 5 left */
    n = drain(&s, out, sizeof out, n);
    CHECK_INT(n, 5 + 1 + 1 + 1);
    CHECK(out[6] == 0 && out[7] == 'y');
    CHECK(s.cut);
    CHECK_INT(s.cut_at, 6);
    CHECK_INT(budget, 0);
    CHECK_INT(ls_sparse_end(&s, 1000, &budget), 0);        /* a trailing hole past the budget: nothing */
    CHECK_INT(drain(&s, out, sizeof out, n), n);

    /* a map that goes backwards is corrupt; an end before the last run is no hole */
    memset(&s, 0, sizeof s);
    budget = 1000;
    CHECK_INT(ls_sparse_put(&s, "abcd", 4, 100, &budget), 0);
    drain(&s, out, sizeof out, 0);
    CHECK_INT(ls_sparse_put(&s, "e", 1, 50, &budget), -1);
    CHECK_INT(ls_sparse_put(&s, "e", 1, -1, &budget), -1);
    CHECK_INT(ls_sparse_end(&s, 10, &budget), 0);
    CHECK_INT(drain(&s, out, sizeof out, 0), 0);

    /* a zero-length block queues nothing */
    memset(&s, 0, sizeof s);
    CHECK_INT(ls_sparse_put(&s, "", 0, 0, &budget), 0);
    CHECK_INT(drain(&s, out, sizeof out, 0), 0);
}

typedef struct {
    unsigned char *data;
    size_t len, cap;
    int64_t size;
} got_file;

static int collect(void *ud, const ls_entry *e, ls_entry_data *d, ls_error *err)
{
    got_file *g = ud;
    const void *buf;
    size_t len;
    int r;
    g->size = e->size;
    ls_blocks blocks = ls_entry_data_blocks(d);
    while ((r = ls_blocks_next(&blocks, &buf, &len, err)) > 0) {
        if (g->len + len <= g->cap)
            memcpy(g->data + g->len, buf, len);
        g->len += len;
    }
    CHECK(!ls_entry_data_holes_cut(d, NULL));
    return r < 0 ? -1 : 0;
}

/* A 1 MiB + 20 byte file: "head" at 0, "tail" at 1 MiB, a trailing hole. */
static void test_walk_sparse(void)
{
    static unsigned char tarbuf[64 * 1024];
    static unsigned char file[(1 << 20) + 64];
    got_file g = {file, 0, sizeof file, 0};
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    size_t used = 0;
    ls_layer_counts counts;
    ls_error err = {0};
    ls_reader *r;
    archive_write_set_format_pax(a);
    archive_write_open_memory(a, tarbuf, sizeof tarbuf, &used);
    archive_entry_set_pathname(e, "var/log/lastlog");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (1 << 20) + 20);
    archive_entry_sparse_add_entry(e, 0, 4);
    archive_entry_sparse_add_entry(e, 1 << 20, 4);
    CHECK_INT(archive_write_header(a, e), ARCHIVE_OK);
    /* the writer takes the whole file and leaves the holes out */
    memset(file, 0, sizeof file);
    memcpy(file, "head", 4);
    memcpy(file + (1 << 20), "tail", 4);
    CHECK_INT(archive_write_data(a, file, (1 << 20) + 20), (1 << 20) + 20);
    archive_write_close(a);
    archive_write_free(a);
    archive_entry_free(e);
    CHECK(used < 8192); /* the holes are not in the tar */

    memset(file, 0xee, sizeof file);
    r = ls_reader_mem(tarbuf, used);
    CHECK_INT(ls_layer_walk(r, collect, &g, &counts, &err), 0);
    ls_reader_free(r);
    CHECK_INT(g.size, (1 << 20) + 20);
    CHECK_INT(g.len, (1 << 20) + 20);
    CHECK(memcmp(file, "head", 4) == 0);
    CHECK(memcmp(file + (1 << 20), "tail", 4) == 0);
    CHECK(file[4] == 0 && file[(1 << 20) - 1] == 0 && file[(1 << 20) + 4] == 0 && file[(1 << 20) + 19] == 0);
}

int main(void)
{
    test_machine();
    test_walk_sparse();
    CHECK_DONE();
}
