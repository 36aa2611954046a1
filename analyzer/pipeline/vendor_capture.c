/*
 * vendor_capture.c - see vendor_capture.h. Costs what it must: every file of
 * up to 1 MiB is copied once into a buffer that stays in cache (about 7 ms
 * per 300 MB of small files), only files with findings are hashed, and the
 * second read happens only for layers that need it.
 */
#include "pipeline/vendor_capture.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#if (defined(__x86_64__) || defined(__i386__)) && defined(__has_include)
#if __has_include(<xxh_x86dispatch.h>)
#include <xxh_x86dispatch.h>
#endif
#endif

#include "blob/blob.h"
#include "core/failure.h"
#include "layer/layer.h"
#include "pkgdb/pkgdb.h"
#include "tamper/files.h"

/* A file whose digests need the second read: the copy at path with this content. */
typedef struct {
    char *path;
    ls_content_id content;
    bool done;
} target;

struct ls_vendor_capture {
    ls_vendor_evidence *out;
    ls_error_list *errors;
    long layer;
    unsigned char *hold;     /* the current file's bytes, while it fits hold_max */
    size_t hold_max;         /* LS_VENDOR_HOLD_MAX, or more when there is no second read */
    size_t hold_len, hold_cap;
    bool holding;
    ls_digester *digester;   /* made for the first file with findings, reused */
    ls_pkgdb_kind db_kind;   /* the current file is a package database */
    bool kept;               /* it is one, or a file the tamper checks read (tamper/files.h) */
    unsigned char *db;       /* its bytes, up to LS_VENDOR_DB_MAX */
    size_t db_len, db_cap;
    bool db_over;            /* it did not fit */
    target *targets;
    size_t n_targets, cap_targets;
    char **pycs;             /* .pyc files with findings */
    size_t n_pycs, cap_pycs;
    bool oom;
};

ls_vendor_capture *ls_vendor_capture_new(ls_vendor_evidence *out, ls_error_list *errors, long layer)
{
    ls_vendor_capture *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->out = out;
    c->errors = errors;
    c->layer = layer;
    c->hold_max = LS_VENDOR_HOLD_MAX;
    return c;
}

void ls_vendor_capture_read_once(ls_vendor_capture *c)
{
    c->hold_max = LS_VENDOR_HOLD_ONCE_MAX;
}

void ls_vendor_capture_free(ls_vendor_capture *c)
{
    if (!c)
        return;
    free(c->hold);
    free(c->db);
    ls_digester_free(c->digester);
    for (size_t i = 0; i < c->n_targets; i++)
        free(c->targets[i].path);
    free(c->targets);
    for (size_t i = 0; i < c->n_pycs; i++)
        free(c->pycs[i]);
    free(c->pycs);
    free(c);
}

void ls_vendor_capture_begin(ls_vendor_capture *c, const char *path, int64_t size)
{
    c->hold_len = 0;
    c->holding = size >= 0 && (uint64_t)size <= c->hold_max;
    c->db_kind = ls_pkgdb_classify(path);
    c->kept = c->db_kind != LS_PKGDB_NONE || ls_tamper_classify(path) != LS_TFILE_NONE;
    c->db_len = 0;
    c->db_over = false;
}

/* Appends len bytes to a growable buffer bounded by max; false when they do
 * not fit (or memory ran out: *oom set). */
static bool keep(unsigned char **b, size_t *n, size_t *cap, size_t max, const void *buf, size_t len, bool *oom)
{
    if (len > max - *n)
        return false;
    if (*n + len > *cap) {
        size_t ncap = *cap ? *cap : 64 * 1024;
        unsigned char *p;
        while (ncap < *n + len)
            ncap *= 2;
        if (ncap > max)
            ncap = max;
        if (!(p = realloc(*b, ncap))) {
            *oom = true;
            return false;
        }
        *b = p;
        *cap = ncap;
    }
    if (len)
        memcpy(*b + *n, buf, len);
    *n += len;
    return true;
}

void ls_vendor_capture_block(ls_vendor_capture *c, const void *buf, size_t len)
{
    if (c->holding && !keep(&c->hold, &c->hold_len, &c->hold_cap, c->hold_max, buf, len, &c->oom))
        c->holding = false;
    if (c->kept && !c->db_over &&
        !keep(&c->db, &c->db_len, &c->db_cap, LS_VENDOR_DB_MAX, buf, len, &c->oom))
        c->db_over = true;
}

/* Callers add a content only while it has no digests; a path and content
 * added twice (a file stored twice with the same bytes) is hashed once. */
static int add_target(ls_vendor_capture *c, const char *path, ls_content_id content)
{
    if (c->n_targets == c->cap_targets) {
        size_t cap = c->cap_targets ? c->cap_targets * 2 : 16;
        target *t = realloc(c->targets, cap * sizeof *t);
        if (!t)
            return -1;
        c->targets = t;
        c->cap_targets = cap;
    }
    if (!(c->targets[c->n_targets].path = strdup(path)))
        return -1;
    c->targets[c->n_targets].content = content;
    c->targets[c->n_targets].done = false;
    c->n_targets++;
    return 0;
}

static int add_pyc(ls_vendor_capture *c, const char *path)
{
    size_t n = strlen(path);
    if (n < 4 || strcmp(path + n - 4, ".pyc") != 0)
        return 0;
    if (c->n_pycs == c->cap_pycs) {
        size_t cap = c->cap_pycs ? c->cap_pycs * 2 : 16;
        char **p = realloc(c->pycs, cap * sizeof *p);
        if (!p)
            return -1;
        c->pycs = p;
        c->cap_pycs = cap;
    }
    if (!(c->pycs[c->n_pycs] = strdup(path)))
        return -1;
    c->n_pycs++;
    return 0;
}

/* A database's bytes go to the evidence whole, or not at all. */
static int keep_db(ls_vendor_capture *c, const char *path, ls_content_id content)
{
    ls_vendor_evidence *v = c->out;
    if ((c->db_over || v->db_bytes + c->db_len > LS_VENDOR_DB_TOTAL_MAX) && c->db_kind == LS_PKGDB_NONE)
        return ls_error_list_add(c->errors, c->layer, path,
                                 "%s is larger than %zu MiB (or the layer's kept files are): not read, "
                                 "the accounts or keys it configures are not checked",
                                 path, (c->db_over ? LS_VENDOR_DB_MAX : LS_VENDOR_DB_TOTAL_MAX) >> 20);
    if (c->db_over || v->db_bytes + c->db_len > LS_VENDOR_DB_TOTAL_MAX)
        return ls_error_list_add(c->errors, c->layer, path,
                                 "package database %s is larger than %zu MiB (or the layer's databases "
                                 "are): not used, the files it lists are not verified",
                                 path, (c->db_over ? LS_VENDOR_DB_MAX : LS_VENDOR_DB_TOTAL_MAX) >> 20);
    /* handed over: freed with the evidence, also when adding fails */
    if (ls_vendor_add_db(v, path, content, c->db, c->db_len) != 0) {
        c->db = NULL;
        c->db_cap = c->db_len = 0;
        return -1;
    }
    c->db = NULL;
    c->db_cap = c->db_len = 0;
    return 0;
}

int ls_vendor_capture_end(ls_vendor_capture *c, const char *path, ls_content_id content, bool findings)
{
    ls_vendor_evidence *v = c->out;
    if (c->oom)
        return -1;
    if (findings) {
        if (c->holding) {
            if (!c->digester && !(c->digester = ls_digester_new()))
                return -1;
            if (ls_vendor_digest_bytes(v, c->digester, content, c->hold, c->hold_len) != 0)
                return -1;
        } else if (!ls_vendor_find_digests(v, content) && add_target(c, path, content) != 0) {
            return -1;
        }
        if (add_pyc(c, path) != 0)
            return -1;
    }
    if (c->kept)
        return keep_db(c, path, content);
    return 0;
}

/* ---- the second read ---------------------------------------------------- */

static int by_path(const void *a, const void *b)
{
    return strcmp(((const target *)a)->path, ((const target *)b)->path);
}

static size_t lower_bound(const target *t, size_t n, const char *path)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t[mid].path, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct {
    ls_vendor_capture *c;
    ls_digester *dg;
    XXH3_state_t *hash;
    size_t left;             /* targets not yet hashed */
    bool stopped;            /* every target done: the walk was stopped on purpose */
} reread_ctx;

static int reread_entry(void *ud, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    reread_ctx *x = ud;
    ls_vendor_capture *c = x->c;
    ls_blocks blocks = ls_entry_data_blocks(data);
    bool wanted = false;
    const void *buf;
    size_t len, first;
    int r;
    ls_file_digests d;
    XXH128_hash_t h;
    if (e->type != LS_ENTRY_FILE && !(e->type == LS_ENTRY_HARDLINK && e->size > 0))
        return 0;
    /* targets are sorted by path: this path's run starts at first */
    first = lower_bound(c->targets, c->n_targets, e->path);
    for (size_t i = first; i < c->n_targets && strcmp(c->targets[i].path, e->path) == 0 && !wanted; i++)
        wanted = !c->targets[i].done;
    if (!wanted)
        return 0;
    XXH3_128bits_reset(x->hash);
    if (ls_digester_reset(x->dg) != 0)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    while ((r = ls_blocks_next(&blocks, &buf, &len, err)) > 0) {
        XXH3_128bits_update(x->hash, buf, len);
        if (ls_digester_update(x->dg, buf, len) != 0)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (r < 0)
        return -1;
    h = XXH3_128bits_digest(x->hash);
    d.content = (ls_content_id){h.low64, h.high64};
    /* the same path may be stored twice in a layer: only the copy whose bytes
     * produced the findings counts (and a source that serves other bytes on
     * the second read verifies nothing) */
    for (size_t i = first; i < c->n_targets && strcmp(c->targets[i].path, e->path) == 0; i++) {
        target *t = &c->targets[i];
        if (t->done || t->content.lo != d.content.lo || t->content.hi != d.content.hi)
            continue;
        if (ls_digester_final(x->dg, &d) != 0 || ls_vendor_add_digests(c->out, &d) != 0)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        t->done = true;
        x->left--;
    }
    if (x->left == 0) {
        x->stopped = true;
        return ls_error_set(err, LS_ERR_LIMIT, "done");
    }
    return 0;
}

/* The .py sources of .pyc files with findings join the targets. */
static int pyc_targets(ls_vendor_capture *c, const ls_fs_layer *fs)
{
    char src[4096];
    for (size_t i = 0; i < c->n_pycs; i++) {
        ls_content_id cid;
        if (!ls_vendor_pyc_source(c->pycs[i], src, sizeof src) || !ls_fs_layer_file(fs, src, &cid) ||
            ls_vendor_find_digests(c->out, cid))
            continue;
        if (add_target(c, src, cid) != 0)
            return -1;
    }
    return 0;
}

static bool ours(const ls_error *e)
{
    return ls_error_level_of(e) == LS_LEVEL_FATAL;
}

int ls_vendor_capture_finish(ls_vendor_capture *c, const ls_fs_layer *fs, ls_source *src, size_t index,
                             ls_error *err)
{
    const ls_image *img = src ? ls_source_image(src) : NULL;
    reread_ctx x = {.c = c};
    ls_reader *raw, *tar = NULL;
    ls_blob *blob = NULL;
    ls_error lerr = {0};
    int rc = 0;
    if (c->oom || pyc_targets(c, fs) != 0)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (!c->n_targets)
        return 0;
    if (!src) /* a layer read from a stream: there is no second read */
        return ls_error_list_add(c->errors, (long)index, NULL,
                                 "layer %zu: read again to hash files for package verification: a layer "
                                 "piped in is read once (scan the archive as a file for these)", index) == 0
                   ? 0
                   : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    x.left = c->n_targets;
    qsort(c->targets, c->n_targets, sizeof *c->targets, by_path);
    x.dg = ls_digester_new();
    x.hash = XXH3_createState();
    if (!x.dg || !x.hash) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* the blob owns raw once opened; on failure it is already freed */
    if (!(raw = ls_source_open_layer(src, index, &lerr)) ||
        !(blob = ls_blob_open_with(raw, img->layers[index].location ? img->layers[index].location : "layer blob",
                                   ls_source_blob_opts(src), &lerr)))
        goto failed;
    ls_blob_skip_checksum(blob);
    if (!(tar = ls_blob_reader(blob))) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (ls_layer_walk(tar, reread_entry, &x, &(ls_layer_counts){0}, &lerr) == 0 || x.stopped)
        goto out;
failed:
    if (ours(&lerr)) {
        ls_error_pass(err, &lerr);
        rc = -1;
    } else if (ls_error_list_add(c->errors, (long)index, NULL,
                                 "layer %zu: read again to hash files for package verification: %s", index,
                                 ls_failure_msg(&lerr)) != 0) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
out:
    ls_reader_free(tar);
    ls_blob_free(blob);
    ls_digester_free(x.dg);
    XXH3_freeState(x.hash);
    return rc;
}

int ls_vendor_hash_files(ls_vendor_evidence *out, ls_error_list *errors, ls_source *src, size_t index,
                         char *const *paths, const ls_content_id *contents, size_t n, ls_error *err)
{
    ls_vendor_capture *c = ls_vendor_capture_new(out, errors, (long)index);
    int rc;
    if (!c)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!ls_vendor_find_digests(out, contents[i]) && add_target(c, paths[i], contents[i]) != 0) {
            ls_vendor_capture_free(c);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
    /* no .pyc targets here: the path table is not needed */
    rc = ls_vendor_capture_finish(c, NULL, src, index, err);
    ls_vendor_capture_free(c);
    return rc;
}
