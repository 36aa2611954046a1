/*
 * layer.c - the tar walk over libarchive's client callbacks.
 *
 * libarchive reads our reader's blocks (core/blocks.h) through read_cb, so
 * any stage can sit underneath; we only enable the tar formats, with no
 * filters, because the blob stage has already decompressed and hashed the
 * stream. Errors from the
 * reader below are kept in the callback context so the message that reaches
 * the report is the real cause ("truncated gzip stream"), not libarchive's
 * paraphrase.
 */
#include "layer/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "layer/path.h"
#include "layer/sparse.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_NAME ".wh..wh..opq"

typedef struct {
    ls_blocks tar;       /* the tar bytes (the reader's blocks) */
    ls_error below;      /* error from the reader, if any */
    uint64_t fill_left;  /* zeros the walk may still hand out for sparse holes */
} walk_ctx;

struct ls_entry_data {
    struct archive *a;
    walk_ctx *ctx;
    int done;
    ls_sparse sp;        /* holes between libarchive's blocks, read as zeros */
};

/* libarchive keeps a client block only until its next call here, which is
 * exactly how long a block source lends its block: no copy. 0 is its end,
 * so empty blocks are passed over. */
static la_ssize_t read_cb(struct archive *a, void *ud, const void **out)
{
    walk_ctx *ctx = ud;
    size_t n = 0;
    int r;
    while ((r = ls_blocks_next(&ctx->tar, out, &n, &ctx->below)) > 0 && n == 0)
        ;
    if (r < 0) {
        archive_set_error(a, -1, "%s", ctx->below.msg);
        return -1;
    }
    return r == 0 ? 0 : (la_ssize_t)n;
}

/* The error to report: the reader's own when it failed, else libarchive's. */
static int walk_fail(struct archive *a, walk_ctx *ctx, ls_error *err, const char *what)
{
    if (ctx->below.code != LS_OK)
        return ls_error_set(err, ctx->below.code, "%s", ctx->below.msg);
    if (archive_errno(a) == ENOMEM) /* libarchive's own allocation: not the layer's fault */
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    return ls_error_set(err, LS_ERR_FORMAT, "%s: %s", what,
                        archive_error_string(a) ? archive_error_string(a) : "unknown tar error");
}

/* Blocks come with their offset in the file: a gap before one (or before
 * the end) is a hole of a sparse entry, handed out as zeros (sparse.h). */
static int entry_blocks_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    ls_entry_data *d = ud;
    const void *b;
    size_t n;
    la_int64_t off;
    int r;
    while (!d->done) {
        if (ls_sparse_take(&d->sp, buf, len))
            return 1;
        if (d->sp.at_end)
            break;
        r = archive_read_data_block(d->a, &b, &n, &off);
        if (r < ARCHIVE_WARN) {
            d->done = 1;
            return walk_fail(d->a, d->ctx, err, "file data");
        }
        if ((r == ARCHIVE_EOF ? ls_sparse_end(&d->sp, off, &d->ctx->fill_left)
                              : ls_sparse_put(&d->sp, b, n, off, &d->ctx->fill_left)) != 0) {
            d->done = 1;
            return ls_error_set(err, LS_ERR_FORMAT, "file data: sparse map out of order (a block at offset %lld, "
                                "after offset %llu)", (long long)off, (unsigned long long)d->sp.next);
        }
    }
    d->done = 1;
    return 0;
}

ls_blocks ls_entry_data_blocks(ls_entry_data *d)
{
    return (ls_blocks){.next = entry_blocks_next, .ud = d};
}

bool ls_entry_data_holes_cut(const ls_entry_data *d, uint64_t *at)
{
    if (d->sp.cut && at)
        *at = d->sp.cut_at;
    return d->sp.cut;
}

/* Names are taken as the bytes the tar holds. No locale is set, so the
 * multibyte form is those bytes (a pax UTF-8 name that the C locale cannot
 * represent is stored raw too); asking for the UTF-8 form would convert each
 * name through iconv (mbrtowc, a converter opened per call) to get the same
 * bytes back, or fail on invalid UTF-8. The UTF-8 form is only a fallback
 * for an entry that has no multibyte form. */
static const char *entry_name(struct archive_entry *e)
{
    const char *n = archive_entry_pathname(e);
    if (!n)
        n = archive_entry_pathname_utf8(e);
    return n ? n : "";
}

static const char *entry_hardlink(struct archive_entry *e)
{
    const char *n = archive_entry_hardlink(e);
    return n ? n : archive_entry_hardlink_utf8(e);
}

static const char *entry_symlink(struct archive_entry *e)
{
    const char *n = archive_entry_symlink(e);
    return n ? n : archive_entry_symlink_utf8(e);
}

static ls_entry_type classify(struct archive_entry *e)
{
    if (entry_hardlink(e))
        return LS_ENTRY_HARDLINK;
    switch (archive_entry_filetype(e)) {
    case AE_IFREG: return LS_ENTRY_FILE;
    case AE_IFDIR: return LS_ENTRY_DIR;
    case AE_IFLNK: return LS_ENTRY_SYMLINK;
    case AE_IFCHR:
    case AE_IFBLK: return LS_ENTRY_DEVICE;
    case AE_IFIFO: return LS_ENTRY_FIFO;
    default: return LS_ENTRY_OTHER;
    }
}

/* Rewrites a whiteout member into what it means. *path is replaced. */
static int apply_whiteout(ls_entry *ent, char **path)
{
    const char *base = ls_path_basename(*path);
    char dir[4096];
    char *target;
    if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) != 0)
        return 0;
    ls_path_dirname(*path, dir, sizeof dir);
    if (strcmp(base, OPAQUE_NAME) == 0) {
        ent->type = LS_ENTRY_OPAQUE;
        target = ls_path_normalize(dir);
    } else if (strncmp(base, ".wh..wh.", 8) == 0) {
        ent->type = LS_ENTRY_OTHER; /* aufs bookkeeping, not a deletion */
        return 0;
    } else {
        ent->type = LS_ENTRY_WHITEOUT;
        target = ls_path_join(dir, base + strlen(WHITEOUT_PREFIX));
    }
    if (!target)
        return -1;
    free(*path);
    *path = target;
    return 1;
}

static int visit(struct archive *a, walk_ctx *ctx, struct archive_entry *ae, ls_entry_fn fn,
                 void *ud, ls_layer_counts *counts, ls_error *err)
{
    ls_entry ent = {0};
    ls_entry_data data = {.a = a, .ctx = ctx};
    const char *raw = entry_name(ae);
    char *path = ls_path_normalize(raw);
    char *target = NULL;
    int wh, rc;
    if (!path)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    ent.raw_name = raw;
    ent.type = classify(ae);
    ent.size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
    ent.mode = (uint32_t)(archive_entry_perm(ae) & 07777);
    ent.uid = archive_entry_uid(ae);
    ent.gid = archive_entry_gid(ae);
    wh = apply_whiteout(&ent, &path);
    if (wh < 0) {
        free(path);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (wh > 0 || ent.type == LS_ENTRY_OTHER)
        data.done = 1; /* whiteouts and bookkeeping are never content */
    if (wh > 0)
        counts->whiteouts++;
    if (ent.type == LS_ENTRY_HARDLINK) {
        target = ls_path_normalize(entry_hardlink(ae));
        if (!target) {
            free(path);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
        ent.target = target;
    } else if (ent.type == LS_ENTRY_SYMLINK) {
        ent.target = entry_symlink(ae);
    }
    ent.path = path;
    counts->entries++;
    rc = fn(ud, &ent, &data, err);
    free(path);
    free(target);
    return rc;
}

int ls_layer_walk(ls_reader *tar, ls_entry_fn fn, void *ud, ls_layer_counts *counts, ls_error *err)
{
    walk_ctx ctx = {.tar = ls_reader_blocks(tar), .fill_left = LS_SPARSE_FILL_MAX};
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    int rc = -1;
    memset(counts, 0, sizeof *counts);
    if (!a) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_support_format_empty(a) != ARCHIVE_OK) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory"); /* their only failure */
        goto out;
    }
    /* not archive_read_open2: it ignores a failed allocation in
     * archive_read_set_callback_data and then writes through the missing
     * node (libarchive 3.6, SIGSEGV) */
    if (archive_read_set_callback_data(a, &ctx) != ARCHIVE_OK ||
        archive_read_set_read_callback(a, read_cb) != ARCHIVE_OK) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (archive_read_open1(a) != ARCHIVE_OK) {
        walk_fail(a, &ctx, err, "not a tar archive");
        goto out;
    }
    for (;;) {
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            walk_fail(a, &ctx, err, counts->entries ? "tar header" : "not a tar archive");
            goto out;
        }
        if (visit(a, &ctx, ae, fn, ud, counts, err) != 0)
            goto out;
    }
    rc = 0;
out:
    if (a)
        archive_read_free(a);
    return rc;
}
