/* The tar walk: entry kinds, whiteouts, name normalization, long names,
 * data in blocks, and truncated or non-tar input. Tars are written in memory
 * with libarchive's writer in both pax and GNU formats. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layer/layer.h"

typedef struct {
    char log[8192];
    size_t data_total;
} walk_log;

static int record(void *ud, const ls_entry *e, ls_entry_data *d, ls_error *err)
{
    walk_log *w = ud;
    static const char *kinds[] = {"file", "dir", "symlink", "hardlink", "device", "fifo", "whiteout", "opaque", "other"};
    const void *buf;
    size_t len, got = 0;
    int r;
    ls_blocks blocks = ls_entry_data_blocks(d);
    while ((r = ls_blocks_next(&blocks, &buf, &len, err)) > 0)
        got += len;
    if (r < 0)
        return -1;
    w->data_total += got;
    snprintf(w->log + strlen(w->log), sizeof w->log - strlen(w->log), "%s %s%s%s %zu\n", kinds[e->type],
             strlen(e->path) > 60 ? "(long)" : e->path, e->target ? " -> " : "", e->target ? e->target : "", got);
    return 0;
}

static void add(struct archive *a, const char *name, int type, const char *data, const char *link)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, (unsigned)type);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    if (type == AE_IFLNK)
        archive_entry_set_symlink(e, link);
    if (type == AE_IFREG && link) {
        archive_entry_set_hardlink(e, link);
        archive_entry_set_size(e, 0);
    } else {
        archive_entry_set_size(e, data ? (la_int64_t)strlen(data) : 0);
    }
    archive_write_header(a, e);
    if (data && !(type == AE_IFREG && link))
        archive_write_data(a, data, strlen(data));
    archive_entry_free(e);
}

static unsigned char *make_tar(int gnu, size_t *len, const char *longname)
{
    size_t cap = 1 << 20;
    unsigned char *buf = malloc(cap);
    struct archive *a = archive_write_new();
    if (gnu)
        archive_write_set_format_gnutar(a);
    else
        archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, len);
    add(a, "./etc/", AE_IFDIR, NULL, NULL);
    add(a, "./etc/app.conf", AE_IFREG, "token=abc\n", NULL);
    add(a, "etc/hard", AE_IFREG, NULL, "./etc/app.conf");
    add(a, "etc/sym", AE_IFLNK, NULL, "../secret");
    add(a, "./root/.wh.id_rsa", AE_IFREG, "", NULL);
    add(a, "./var/cache/.wh..wh..opq", AE_IFREG, "", NULL);
    add(a, "./var/.wh..wh.plnk", AE_IFREG, "", NULL);
    add(a, longname, AE_IFREG, "long\n", NULL);
    add(a, "dev/null", AE_IFCHR, NULL, NULL);
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

static void test_walk(int gnu)
{
    char longname[400];
    size_t len = 0;
    unsigned char *tar;
    walk_log w = {{0}, 0};
    ls_layer_counts counts;
    ls_error err = {0};
    ls_reader *r;
    memset(longname, 'n', sizeof longname);
    memcpy(longname, "./opt/", 6);
    longname[300] = '\0';
    tar = make_tar(gnu, &len, longname);
    r = ls_reader_mem(tar, len);
    CHECK_INT(ls_layer_walk(r, record, &w, &counts, &err), 0);
    CHECK_STR(w.log, "dir /etc 0\n"
                     "file /etc/app.conf 10\n"
                     "hardlink /etc/hard -> /etc/app.conf 0\n"
                     "symlink /etc/sym -> ../secret 0\n"
                     "whiteout /root/id_rsa 0\n"
                     "opaque /var/cache 0\n"
                     "other /var/.wh..wh.plnk 0\n"
                     "file (long) 5\n"
                     "device /dev/null 0\n");
    CHECK_INT(counts.entries, 9);
    CHECK_INT(counts.whiteouts, 2);
    ls_reader_free(r);

    /* truncated in the middle of the long file's data: an error, entries before it stay */
    {
        const unsigned char *at = NULL;
        for (size_t i = 0; i + 5 <= len && !at; i++)
            if (memcmp(tar + i, "long\n", 5) == 0)
                at = tar + i;
        CHECK(at != NULL);
        r = ls_reader_mem(tar, at ? (size_t)(at - tar) + 2 : 0);
    }
    memset(&w, 0, sizeof w);
    CHECK_INT(ls_layer_walk(r, record, &w, &counts, &err), -1);
    CHECK(err.code == LS_ERR_FORMAT);
    CHECK_INT(counts.entries, 8);
    ls_reader_free(r);
    free(tar);
}

static void test_not_tar(void)
{
    char junk[4096];
    walk_log w = {{0}, 0};
    ls_layer_counts counts;
    ls_error err = {0};
    ls_reader *r;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 + 3);
    r = ls_reader_mem(junk, sizeof junk);
    CHECK_INT(ls_layer_walk(r, record, &w, &counts, &err), -1);
    CHECK_INT(counts.entries, 0);
    CHECK(strstr(err.msg, "not a tar") != NULL);
    ls_reader_free(r);

    /* an empty layer is valid: zero entries */
    r = ls_reader_mem("", 0);
    CHECK_INT(ls_layer_walk(r, record, &w, &counts, &err), 0);
    CHECK_INT(counts.entries, 0);
    ls_reader_free(r);
}

int main(void)
{
    test_walk(0);
    test_walk(1);
    test_not_tar();
    CHECK_DONE();
}
