/*
 * extract.c - the exact bytes of one tar entry of one layer, streamed to a
 * file descriptor: the evidence a responder preserves, whether later layers
 * deleted the file or not. Nothing is followed: a symlink is refused, a hard
 * link without data of its own yields its target's bytes from the same layer.
 *
 * Within the layer, the last entry at the path is what the layer serves
 * (runtimes unpack in tar order, each entry replacing what is at its path):
 * entries are tracked as the walk goes, and a file's bytes written earlier
 * are rewound when a later entry replaces them. Whiteouts are the exception:
 * they hide the layers below only (the OCI rule, which diff.c and the scan's
 * fsmodel follow), so a file of the same layer stays whatever the order.
 * Whether the layer's bytes are the ones the image names is only known after
 * the whole layer was read: the walk's inventory goes back to the caller,
 * which holds the output back until it has checked it.
 */
#include "inspect/inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layer/sparse.h"

/* Hard links to hard links are followed this many times at most (each hop
 * reads the layer again). */
#define MAX_LINK_HOPS 8

typedef struct {
    const char *want;          /* normalized path looked for */
    uint64_t limit;            /* only entries before this index count (a hard link's position) */
    uint64_t index;            /* index of the entry being visited */
    int fd;
    bool found;                /* some entry at want was seen */
    bool written;              /* the last entry at want is a file whose bytes are in fd */
    bool dirty;                /* fd holds bytes (of an entry since replaced, maybe) */
    bool holes_cut;            /* the written file's holes exceeded the zero-fill bound */
    ls_entry_type type;        /* of the last entry at want */
    char target[4096];         /* the last entry is a hard link without data: its target */
    uint64_t link_index;       /* and its index */
    uint64_t bytes;
    ls_sha256 hash;
    bool hashing;              /* hash is initialized */
} extract_ctx;

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Forgets the bytes of an entry that a later one replaced. */
static int rewind_output(extract_ctx *c, ls_error *err)
{
    if (c->hashing) {
        ls_sha256_dispose(&c->hash);
        c->hashing = false;
    }
    c->bytes = 0;
    c->written = false;
    c->holes_cut = false;
    if (c->dirty) {
        if (lseek(c->fd, 0, SEEK_SET) != 0 || ftruncate(c->fd, 0) != 0)
            return ls_error_set(err, LS_ERR_IO, "%s appears twice in the layer and the output cannot be rewound",
                                c->want);
        c->dirty = false;
    }
    return 0;
}

static int copy_file(extract_ctx *c, ls_entry_data *data, ls_error *err)
{
    ls_blocks blocks = ls_entry_data_blocks(data);
    const void *buf;
    size_t len;
    int r;
    if (ls_sha256_init(&c->hash, err) != 0)
        return -1;
    c->hashing = true;
    c->written = true;
    while ((r = ls_blocks_next(&blocks, &buf, &len, err)) > 0) {
        c->dirty = true;
        if (write_all(c->fd, buf, len) != 0)
            return ls_error_set(err, LS_ERR_IO, "cannot write the extracted bytes: %s", strerror(errno));
        if (ls_sha256_update(&c->hash, buf, len, err) != 0)
            return -1;
        c->bytes += len;
    }
    c->holes_cut = ls_entry_data_holes_cut(data, NULL);
    return r < 0 ? -1 : 0;
}

static int on_entry(void *ud, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    extract_ctx *c = ud;
    uint64_t index = c->index++;
    if (index >= c->limit || strcmp(e->path, c->want) != 0)
        return 0;
    /* a whiteout or DIR/.wh..wh..opq hides the layers below, not this
     * layer's own entry at the path: it only counts when nothing else is */
    if ((e->type == LS_ENTRY_WHITEOUT || e->type == LS_ENTRY_OPAQUE) && c->found &&
        c->type != LS_ENTRY_WHITEOUT && c->type != LS_ENTRY_OPAQUE)
        return 0;
    if (rewind_output(c, err) != 0)
        return -1;
    c->found = true;
    c->type = e->type;
    c->target[0] = '\0';
    if (e->type == LS_ENTRY_HARDLINK && e->size == 0) {
        snprintf(c->target, sizeof c->target, "%s", e->target ? e->target : "");
        c->link_index = index;
        return 0;
    }
    if (e->type != LS_ENTRY_FILE && e->type != LS_ENTRY_HARDLINK)
        return 0;
    return copy_file(c, data, err);
}

static const char *type_name(ls_entry_type t)
{
    switch (t) {
    case LS_ENTRY_DIR: return "a directory";
    case LS_ENTRY_SYMLINK: return "a symlink (never followed)";
    case LS_ENTRY_DEVICE: return "a device";
    case LS_ENTRY_FIFO: return "a fifo";
    case LS_ENTRY_WHITEOUT: return "a whiteout (a deletion: it holds no bytes)";
    case LS_ENTRY_OPAQUE: return "an opaque directory marker";
    default: return "not a regular file";
    }
}

/* Keeps the walk whose layer is least trusted: a mismatch in any walk taints
 * the evidence (the first walk chose which entry the bytes come from). */
static void keep_worst(const ls_image *img, ls_layer_inventory *acc, const ls_layer_inventory *inv)
{
    if (ls_inspect_trust(img, acc, NULL, 0) != LS_LAYER_MISMATCH)
        *acc = *inv;
}

int ls_inspect_extract(ls_source *src, size_t i, const char *path, int fd, uint64_t *bytes,
                       char sha256[LS_DIGEST_MAX], ls_layer_inventory *inv_out, ls_error *err)
{
    const ls_image *img = ls_source_image(src);
    extract_ctx c = {.want = path, .fd = fd, .limit = UINT64_MAX};
    ls_layer_inventory inv, worst;
    char digest[LS_DIGEST_MAX];
    char want[4096];
    int rc = ls_inspect_walk(src, i, on_entry, &c, &inv, err);
    worst = inv;
    /* a hard link: its target precedes it in the same layer; what the
     * target was at that point of the tar is what the link shares */
    for (int hop = 0; rc == 0 && c.found && c.type == LS_ENTRY_HARDLINK && !c.written && hop < MAX_LINK_HOPS;
         hop++) {
        uint64_t limit = c.link_index;
        bool dirty = c.dirty;
        snprintf(want, sizeof want, "%s", c.target);
        if (c.hashing)
            ls_sha256_dispose(&c.hash);
        c = (extract_ctx){.want = want, .fd = fd, .limit = limit, .dirty = dirty};
        rc = ls_inspect_walk(src, i, on_entry, &c, &inv, err);
        keep_worst(img, &worst, &inv);
        if (rc == 0 && !c.found)
            rc = ls_error_set(err, LS_ERR_FORMAT, "layer %zu: %s is a hard link to %s, which the layer lacks before it",
                              i, path, want);
        else if (rc == 0 && !c.written && c.type != LS_ENTRY_HARDLINK)
            rc = ls_error_set(err, LS_ERR_USAGE, "layer %zu: %s is a hard link to %s, which is %s", i, path, want,
                              type_name(c.type));
    }
    if (rc == 0 && !c.found)
        rc = ls_error_set(err, LS_ERR_USAGE, "layer %zu has no entry %s", i, path);
    else if (rc == 0 && c.type == LS_ENTRY_HARDLINK && !c.written)
        rc = ls_error_set(err, LS_ERR_FORMAT, "layer %zu: %s: hard links chained more than %d deep", i, path,
                          MAX_LINK_HOPS);
    else if (rc == 0 && !c.written)
        rc = ls_error_set(err, LS_ERR_USAGE, "layer %zu: %s is %s", i, path, type_name(c.type));
    else if (rc == 0 && c.holes_cut)
        rc = ls_error_set(err, LS_ERR_LIMIT, "layer %zu: %s is a sparse file whose holes exceed %llu bytes: "
                          "not extracted", i, path, (unsigned long long)LS_SPARSE_FILL_MAX);
    if (c.hashing) {
        if (rc == 0)
            rc = ls_sha256_final(&c.hash, digest, err);
        ls_sha256_dispose(&c.hash);
    }
    if (inv_out)
        *inv_out = worst;
    if (rc == 0) {
        if (bytes)
            *bytes = c.bytes;
        if (sha256)
            memcpy(sha256, digest, LS_DIGEST_MAX);
    }
    return rc;
}
