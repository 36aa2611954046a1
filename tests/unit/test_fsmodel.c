/* Fate of findings: whiteouts, opaque dirs, replaced ancestors, overwrites. */
#include "check.h"
#include "layer/path.h"
#include "pipeline/fsmodel.h"

#include <stdlib.h>

static const ls_content_id A = {1, 2}, B = {3, 4}, Z = {0, 0};

static ls_fs_layer *L[6];

static void reset(void)
{
    for (int i = 0; i < 6; i++) {
        ls_fs_layer_free(L[i]);
        L[i] = ls_fs_layer_new();
    }
}

static void expect(size_t n, size_t from, const char *path, ls_content_id c, ls_status st, long removed)
{
    ls_fs_fate f = ls_fs_resolve(L, n, from, path, c);
    if (f.status != st || f.removed_in_layer != removed)
        fprintf(stderr, "  for %s from layer %zu over %zu layers:\n", path, from, n);
    CHECK_INT(f.status, st);
    CHECK_INT(f.removed_in_layer, removed);
}

static void test_fates(void)
{
    reset();
    ls_fs_layer_put(L[0], "/app/.env", LS_FS_FILE, A);
    expect(1, 0, "/app/.env", A, LS_STATUS_PRESENT, -1);
    ls_fs_layer_put(L[1], "/app", LS_FS_DIR, Z); /* a dir entry does not hide */
    expect(2, 0, "/app/.env", A, LS_STATUS_PRESENT, -1);
    ls_fs_layer_whiteout(L[2], "/app/.env");
    expect(3, 0, "/app/.env", A, LS_STATUS_DELETED, 2);
    ls_fs_layer_put(L[3], "/app/.env", LS_FS_FILE, B); /* re-created, other bytes */
    expect(4, 0, "/app/.env", A, LS_STATUS_OVERWRITTEN, 2);
    ls_fs_layer_put(L[4], "/app/.env", LS_FS_FILE, A); /* back to the original bytes */
    expect(5, 0, "/app/.env", A, LS_STATUS_PRESENT, -1);

    reset(); /* opaque dir hides the subtree; the same layer re-adds one file */
    ls_fs_layer_put(L[0], "/etc/app/a", LS_FS_FILE, A);
    ls_fs_layer_put(L[0], "/etc/app/b", LS_FS_FILE, B);
    ls_fs_layer_opaque(L[1], "/etc/app");
    ls_fs_layer_put(L[1], "/etc/app/a", LS_FS_FILE, B);
    expect(2, 0, "/etc/app/a", A, LS_STATUS_OVERWRITTEN, 1);
    expect(2, 0, "/etc/app/b", B, LS_STATUS_DELETED, 1);
    expect(2, 1, "/etc/app/a", B, LS_STATUS_PRESENT, -1);

    reset(); /* ancestor replaced by a file, by a symlink, whited out */
    ls_fs_layer_put(L[0], "/srv/x/key", LS_FS_FILE, A);
    ls_fs_layer_put(L[1], "/srv/x", LS_FS_FILE, B);
    expect(2, 0, "/srv/x/key", A, LS_STATUS_DELETED, 1);
    reset();
    ls_fs_layer_put(L[0], "/srv/x/key", LS_FS_FILE, A);
    ls_fs_layer_put(L[1], "/srv", LS_FS_OTHER, Z);
    expect(2, 0, "/srv/x/key", A, LS_STATUS_DELETED, 1);
    reset();
    ls_fs_layer_put(L[0], "/srv/x/key", LS_FS_FILE, A);
    ls_fs_layer_whiteout(L[1], "/srv");
    ls_fs_layer_put(L[2], "/srv/x/other", LS_FS_FILE, B); /* re-creating the dir does not bring it back */
    expect(3, 0, "/srv/x/key", A, LS_STATUS_DELETED, 1);

    reset(); /* root opaque, sibling whiteout with a common prefix */
    ls_fs_layer_put(L[0], "/a/keyfile", LS_FS_FILE, A);
    ls_fs_layer_whiteout(L[1], "/a/key");
    expect(2, 0, "/a/keyfile", A, LS_STATUS_PRESENT, -1);
    ls_fs_layer_opaque(L[2], "/");
    expect(3, 0, "/a/keyfile", A, LS_STATUS_DELETED, 2);

    reset(); /* a path replaced by a directory; same name twice in one layer */
    ls_fs_layer_put(L[0], "/k", LS_FS_FILE, A);
    ls_fs_layer_put(L[1], "/k", LS_FS_DIR, Z);
    expect(2, 0, "/k", A, LS_STATUS_OVERWRITTEN, 1);
    reset();
    ls_fs_layer_put(L[0], "/k", LS_FS_FILE, A);
    ls_fs_layer_put(L[0], "/k", LS_FS_FILE, B);
    expect(1, 0, "/k", A, LS_STATUS_OVERWRITTEN, 0);
    expect(1, 0, "/k", B, LS_STATUS_PRESENT, -1);

    /* an unreadable layer (NULL) touches nothing */
    reset();
    ls_fs_layer_put(L[0], "/k", LS_FS_FILE, A);
    ls_fs_layer_free(L[1]);
    L[1] = NULL;
    expect(2, 0, "/k", A, LS_STATUS_PRESENT, -1);
}

static void test_grow(void)
{
    char path[64];
    ls_content_id c;
    reset();
    for (int i = 0; i < 100000; i++) {
        snprintf(path, sizeof path, "/d%d/f%d", i % 97, i);
        CHECK(ls_fs_layer_put(L[0], path, LS_FS_FILE, (ls_content_id){(uint64_t)i, 1}) == 0);
    }
    CHECK_INT(ls_fs_layer_size(L[0]), 100000);
    CHECK(ls_fs_layer_file(L[0], "/d36/f99946", &c));
    CHECK_INT(c.lo, 99946);
    CHECK(!ls_fs_layer_file(L[0], "/d36/f99947x", &c));
}

typedef struct {
    size_t n;
    uint64_t sum;             /* of the contents' lo */
    ls_fs_layer *copy;        /* every record restored here */
} each_acc;

static int each_record(void *ctx, const ls_fs_record *rec)
{
    each_acc *a = ctx;
    a->n++;
    a->sum += rec->content.lo;
    return ls_fs_layer_restore(a->copy, rec);
}

/* Past 2 MiB the slots, the records and the arena are mapped (huge pages):
 * every path is found with its own content after the slots grew and the
 * records moved, a put at a known path replaces its record in place, a path
 * longer than an arena chunk is kept whole, and a table walk visits each
 * record once (restored into a new table, every answer is the same). */
static void test_grow_mapped(void)
{
    static char longp[200000];
    char path[64];
    ls_content_id c;
    each_acc acc = {0, 0, ls_fs_layer_new()};
    uint64_t want = 0;
    int missing = 0;
    reset();
    memset(longp, 'x', sizeof longp - 1);
    longp[0] = '/';
    for (int i = 0; i < 150000; i++) {
        snprintf(path, sizeof path, "/srv/d%04d/f%07d.conf", i / 1000, i);
        CHECK(ls_fs_layer_put(L[0], path, LS_FS_FILE, (ls_content_id){(uint64_t)i + 1, 7}) == 0);
        want += (uint64_t)i + 1;
        if (i == 70000)
            CHECK(ls_fs_layer_put(L[0], longp, LS_FS_FILE, (ls_content_id){0, 9}) == 0);
    }
    CHECK(ls_fs_layer_put(L[0], "/srv/d0003/f0003000.conf", LS_FS_FILE, (ls_content_id){3001, 8}) == 0);
    CHECK_INT(ls_fs_layer_size(L[0]), 150001);
    for (int i = 0; i < 150000; i++) {
        snprintf(path, sizeof path, "/srv/d%04d/f%07d.conf", i / 1000, i);
        if (!ls_fs_layer_file(L[0], path, &c) || c.lo != (uint64_t)i + 1)
            missing++;
    }
    CHECK_INT(missing, 0);
    CHECK(ls_fs_layer_file(L[0], "/srv/d0003/f0003000.conf", &c) && c.hi == 8);
    CHECK(ls_fs_layer_file(L[0], longp, &c) && c.hi == 9);
    longp[100000] = 'y';
    CHECK(!ls_fs_layer_file(L[0], longp, &c));
    longp[100000] = 'x';
    CHECK(acc.copy != NULL);
    CHECK_INT(ls_fs_layer_each(L[0], each_record, &acc), 0);
    CHECK_INT(acc.n, 150001);
    CHECK_INT(acc.sum, want);
    CHECK_INT(ls_fs_layer_size(acc.copy), 150001);
    CHECK(ls_fs_layer_file(acc.copy, "/srv/d0149/f0149999.conf", &c) && c.lo == 150000);
    CHECK(ls_fs_layer_file(acc.copy, longp, &c) && c.hi == 9);
    ls_fs_layer_free(acc.copy);
}

static void test_paths(void)
{
    struct { const char *in, *out; } cases[] = {
        {"./etc/x", "/etc/x"}, {"etc/x", "/etc/x"}, {"/etc//x/", "/etc/x"}, {"./", "/"},
        {".", "/"}, {"", "/"}, {"../../etc/passwd", "/etc/passwd"}, {"a/./b/../c", "/a/c"},
        {"a/..", "/"}, {"a/../../../b", "/b"},
    };
    char dir[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = ls_path_normalize(cases[i].in);
        CHECK_STR(got, cases[i].out);
        free(got);
    }
    ls_path_dirname("/a/b/c", dir, sizeof dir);
    CHECK_STR(dir, "/a/b");
    ls_path_dirname("/a", dir, sizeof dir);
    CHECK_STR(dir, "/");
    CHECK_STR(ls_path_basename("/a/.wh.b"), ".wh.b");
}

/* A finding inside a nested archive ("/app/a.jar!/x.properties") has the
 * fate of the layer file it is in, keyed by that file's content id. */
static void test_nested(void)
{
    reset();
    ls_fs_layer_put(L[0], "/app/a.jar", LS_FS_FILE, A);
    ls_fs_layer_put(L[0], "/srv/v1!", LS_FS_DIR, Z); /* a directory really named "v1!" */
    ls_fs_layer_put(L[0], "/srv/v1!/b.txt", LS_FS_FILE, B);
    expect(1, 0, "/app/a.jar!/BOOT-INF/classes/application.properties", A, LS_STATUS_PRESENT, -1);
    expect(1, 0, "/app/a.jar!/lib/x.zip!/y.txt", A, LS_STATUS_PRESENT, -1);
    expect(1, 0, "/srv/v1!/b.txt", B, LS_STATUS_PRESENT, -1);
    ls_fs_layer_whiteout(L[1], "/app/a.jar");
    expect(2, 0, "/app/a.jar!/BOOT-INF/classes/application.properties", A, LS_STATUS_DELETED, 1);
    expect(2, 0, "/app/a.jar!/lib/x.zip!/y.txt", A, LS_STATUS_DELETED, 1);
    ls_fs_layer_put(L[2], "/app/a.jar", LS_FS_FILE, B); /* another jar at the path */
    expect(3, 0, "/app/a.jar!/x", A, LS_STATUS_OVERWRITTEN, 1);
    ls_fs_layer_put(L[3], "/srv/v1!/b.txt", LS_FS_FILE, A);
    expect(4, 0, "/srv/v1!/b.txt", B, LS_STATUS_OVERWRITTEN, 3);
    /* the same jar again in a later layer: present from there */
    ls_fs_layer_put(L[4], "/app/a.jar", LS_FS_FILE, A);
    expect(5, 2, "/app/a.jar!/x", B, LS_STATUS_OVERWRITTEN, 4);
    expect(5, 4, "/app/a.jar!/x", A, LS_STATUS_PRESENT, -1);
}

int main(void)
{
    test_fates();
    test_nested();
    test_grow();
    test_grow_mapped();
    test_paths();
    for (int i = 0; i < 6; i++)
        ls_fs_layer_free(L[i]);
    CHECK_DONE();
}
