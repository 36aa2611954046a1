/*
 * extract.c - the exact bytes of one tar entry of one layer, streamed to a
 * file descriptor: the evidence a responder preserves, whether later layers
 * deleted the file or not. Nothing is followed: a symlink is refused, a hard
 * link without data of its own yields its target's bytes from the same layer.
 */
#include "inspect/inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *want;          /* normalized path looked for */
    int fd;
    bool found, written;
    ls_entry_type type;
    char target[4096];         /* hard link target to look for on a second walk */
    uint64_t bytes;
    ls_sha256 hash;
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

static int on_entry(void *ud, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    extract_ctx *c = ud;
    const void *buf;
    size_t len;
    int r;
    if (strcmp(e->path, c->want) != 0)
        return 0;
    /* the last entry at a path is the one the layer serves: keep looking,
     * but an earlier copy already written is replaced only by a later file */
    if (e->type == LS_ENTRY_OPAQUE && c->found)
        return 0; /* DIR/.wh..wh..opq after DIR: the entry is still the directory */
    c->found = true;
    c->type = e->type;
    if (e->type == LS_ENTRY_HARDLINK && e->size == 0) {
        snprintf(c->target, sizeof c->target, "%s", e->target ? e->target : "");
        return 0;
    }
    if (e->type != LS_ENTRY_FILE && e->type != LS_ENTRY_HARDLINK)
        return 0;
    if (c->written) {
        /* a second entry at the same path: start the output over */
        if (lseek(c->fd, 0, SEEK_SET) != 0 || ftruncate(c->fd, 0) != 0)
            return ls_error_set(err, LS_ERR_IO, "%s appears twice in the layer and the output cannot be rewound",
                                c->want);
        ls_sha256_dispose(&c->hash);
        c->bytes = 0;
    }
    if (ls_sha256_init(&c->hash, err) != 0)
        return -1;
    c->written = true;
    while ((r = ls_entry_data_next(data, &buf, &len, err)) > 0) {
        if (write_all(c->fd, buf, len) != 0)
            return ls_error_set(err, LS_ERR_IO, "cannot write the extracted bytes: %s", strerror(errno));
        if (ls_sha256_update(&c->hash, buf, len, err) != 0)
            return -1;
        c->bytes += len;
    }
    return r < 0 ? -1 : 0;
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

int ls_inspect_extract(ls_source *src, size_t i, const char *path, int fd, uint64_t *bytes,
                       char sha256[LS_DIGEST_MAX], ls_error *err)
{
    extract_ctx c = {.want = path, .fd = fd};
    ls_layer_inventory inv;
    char digest[LS_DIGEST_MAX];
    int rc = ls_inspect_walk(src, i, on_entry, &c, &inv, err);
    if (rc == 0 && c.found && !c.written && c.target[0]) {
        /* a hard link: its target precedes it in the same layer */
        char target[4096];
        memcpy(target, c.target, sizeof target);
        c = (extract_ctx){.want = target, .fd = fd};
        rc = ls_inspect_walk(src, i, on_entry, &c, &inv, err);
        if (rc == 0 && !c.written)
            rc = ls_error_set(err, LS_ERR_FORMAT, "layer %zu: %s is a hard link to %s, which the layer lacks", i,
                              path, target);
    }
    if (rc == 0 && !c.found)
        rc = ls_error_set(err, LS_ERR_USAGE, "layer %zu has no entry %s", i, path);
    else if (rc == 0 && !c.written)
        rc = ls_error_set(err, LS_ERR_USAGE, "layer %zu: %s is %s", i, path, type_name(c.type));
    if (c.written) {
        if (rc == 0)
            rc = ls_sha256_final(&c.hash, digest, err);
        ls_sha256_dispose(&c.hash);
    }
    if (rc == 0) {
        if (bytes)
            *bytes = c.bytes;
        if (sha256)
            memcpy(sha256, digest, LS_DIGEST_MAX);
    }
    return rc;
}
