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
 *
 * A path the scan reports inside a nested archive ("/app/a.jar!/x/y",
 * "/b/env.gz!/env", "/c.tar.gz!/d.zip!/e") is read the way the scan reads
 * it: the outer entry's bytes are sniffed and walked by layer/nested.h with
 * the same limits and depth, each level's members named as stream_scan.c
 * names them, and the member whose name matches is copied out. An entry
 * whose whole path is the one asked for wins over a nested reading of it (a
 * tar path may itself hold "!/"); among members of one name the last wins,
 * as among tar entries. A member cut short by a limit is refused, never
 * handed out incomplete.
 */
#include "inspect/inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layer/nested.h"
#include "layer/sparse.h"

/* Hard links to hard links are followed this many times at most (each hop
 * reads the layer again). */
#define MAX_LINK_HOPS 8

typedef struct {
    const char *want;          /* normalized path looked for */
    size_t layer;              /* its index, for messages */
    ls_nested_limits lim;      /* resolved: the scan's nesting rules */
    bool exact;                /* an entry at exactly want was seen: nested readings no longer count */
    const char *member;        /* the last matching entry is read as an archive: this rest of want */
    size_t outer_len;          /* the length of that entry's path in want */
    char miss[LS_ERROR_MSG_MAX]; /* why the nested member was not written (the last reading's) */
    bool cut;                  /* a member's bytes broke off while being copied */
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

/* Copies a stream to the output; c->written only once it ended whole. */
static int copy_blocks(extract_ctx *c, ls_blocks *blocks, ls_error *err)
{
    const void *buf;
    size_t len;
    int r;
    if (ls_sha256_init(&c->hash, err) != 0)
        return -1;
    c->hashing = true;
    while ((r = ls_blocks_next(blocks, &buf, &len, err)) > 0) {
        c->dirty = true;
        if (write_all(c->fd, buf, len) != 0)
            return ls_error_set(err, LS_ERR_IO, "cannot write the extracted bytes: %s", strerror(errno));
        if (ls_sha256_update(&c->hash, buf, len, err) != 0)
            return -1;
        c->bytes += len;
    }
    if (r < 0) {
        c->cut = true;
        return -1;
    }
    c->written = true;
    return 0;
}

static int copy_file(extract_ctx *c, ls_entry_data *data, ls_error *err)
{
    ls_blocks blocks = ls_entry_data_blocks(data);
    if (copy_blocks(c, &blocks, err) != 0)
        return -1;
    c->holes_cut = ls_entry_data_holes_cut(data, NULL);
    return 0;
}

/* One nested archive level being searched for the rest of a path. */
typedef struct {
    extract_ctx *c;
    unsigned depth;           /* the members' depth (the layer file is 0) */
    const char *parent;       /* the archive's path as the scan reports it */
    const char *rest;         /* what is looked for among its members */
} level_ctx;

static int descend(extract_ctx *c, unsigned depth, const char *name, ls_blocks *src, const char *rest,
                   ls_error *err);

/* Whether want is prefix "!/" something: that something, else NULL. */
static const char *nested_rest(const char *want, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(want, prefix, n) != 0 || want[n] != '!' || want[n + 1] != '/')
        return NULL;
    return want + n + 2;
}

static int on_member(void *ud, const ls_nested_member *m, ls_blocks *data, ls_error *err)
{
    level_ctx *lv = ud;
    extract_ctx *c = lv->c;
    const char *deeper = nested_rest(lv->rest, m->name);
    char *child;
    int rc;
    if (strcmp(lv->rest, m->name) != 0 && !deeper)
        return 0;
    /* the last member of the name wins, as among tar entries */
    if (rewind_output(c, err) != 0)
        return -1;
    c->miss[0] = '\0';
    if (!deeper)
        return copy_blocks(c, data, err);
    if (!(child = malloc(strlen(lv->parent) + 2 + strlen(m->name) + 1)))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    sprintf(child, "%s!/%s", lv->parent, m->name);
    rc = descend(c, lv->depth, child, data, deeper, err);
    free(child);
    return rc;
}

/* The stream src, reported at name (nesting depth `depth`), opened as the
 * scan opens it and searched for the member `rest`. 0 whether or not it was
 * found (c->written, else c->miss says why); -1 with err filled when the
 * layer failed, on allocation failure, or when the member broke off. */
static int descend(extract_ctx *c, unsigned depth, const char *name, ls_blocks *src, const char *rest,
                   ls_error *err)
{
    ls_blocks_ahead ahead;
    ls_blocks peek;
    ls_nested_kind kind;
    level_ctx lv = {.c = c, .depth = depth + 1, .parent = name, .rest = rest};
    char why[400];
    int rc;
    if (ls_blocks_ahead_fill(&ahead, src, LS_NESTED_SNIFF_BYTES, err) != 0)
        return -1;
    peek = ls_blocks_ahead_src(&ahead);
    kind = ls_nested_sniff(ahead.head, ahead.head_len, name);
    if (kind == LS_NESTED_NONE) {
        snprintf(c->miss, sizeof c->miss, "%s is not an archive the scan opens", name);
        return 0;
    }
    if (depth >= c->lim.max_depth) {
        snprintf(c->miss, sizeof c->miss, "%s: nested archive exceeds depth %u (--max-nested-depth): not opened",
                 name, c->lim.max_depth);
        return 0;
    }
    rc = ls_nested_walk(&peek, kind, name, &c->lim, on_member, &lv, why, sizeof why, err);
    if (rc < 0)
        return -1;
    if (c->cut) { /* this archive stopped inside the member (rc 1): its bytes are not whole */
        ls_error_clear(err);
        return ls_error_set(err, LS_ERR_LIMIT, "layer %zu: %s: %s: the member is incomplete, not extracted",
                            c->layer, c->want, why);
    }
    if (!c->written && !c->miss[0]) {
        if (rc == 1)
            snprintf(c->miss, sizeof c->miss, "%s stopped before a member %s: %s", name, rest, why);
        else
            snprintf(c->miss, sizeof c->miss, "%s (%s) has no member %s", name, ls_nested_kind_name(kind), rest);
    }
    return 0;
}

static int on_entry(void *ud, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    extract_ctx *c = ud;
    uint64_t index = c->index++;
    const char *member = NULL;
    if (index >= c->limit)
        return 0;
    if (strcmp(e->path, c->want) == 0) {
        /* the whole path names a tar entry: it wins over a nested reading */
        if (!c->exact && c->found && rewind_output(c, err) != 0)
            return -1;
        if (!c->exact)
            c->found = false;
        c->exact = true;
    } else if (c->exact || !(member = nested_rest(c->want, e->path))) {
        return 0;
    }
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
    c->member = member;
    c->outer_len = strlen(e->path);
    c->miss[0] = '\0';
    if (e->type == LS_ENTRY_HARDLINK && e->size == 0) {
        snprintf(c->target, sizeof c->target, "%s", e->target ? e->target : "");
        c->link_index = index;
        return 0;
    }
    if (e->type != LS_ENTRY_FILE && e->type != LS_ENTRY_HARDLINK)
        return 0;
    if (member) {
        ls_blocks blocks = ls_entry_data_blocks(data);
        return descend(c, 0, e->path, &blocks, member, err);
    }
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

/* The verdict of a walk that wrote nothing (or wrote a sparse file cut
 * short): one line naming the layer and the path. target is the hard
 * link's target the last walk looked for, or NULL. */
static int outcome(const extract_ctx *c, size_t i, const char *path, const char *target, ls_error *err)
{
    if (!c->found && target)
        return ls_error_set(err, LS_ERR_FORMAT, "layer %zu: %s is a hard link to %s, which the layer lacks before it",
                            i, path, target);
    if (!c->found) {
        const char *bang = strstr(path, "!/");
        if (bang)
            return ls_error_set(err, LS_ERR_USAGE, "layer %zu has no entry %s (no file %.*s in the layer)", i, path,
                                (int)(bang - path), path);
        return ls_error_set(err, LS_ERR_USAGE, "layer %zu has no entry %s", i, path);
    }
    if (c->type == LS_ENTRY_HARDLINK && !c->written)
        return ls_error_set(err, LS_ERR_FORMAT, "layer %zu: %s: hard links chained more than %d deep", i, path,
                            MAX_LINK_HOPS);
    if (!c->written && c->member && (c->type == LS_ENTRY_FILE || c->type == LS_ENTRY_HARDLINK))
        return ls_error_set(err, LS_ERR_USAGE, "layer %zu has no entry %s: %s", i, path, c->miss);
    if (!c->written && target)
        return ls_error_set(err, LS_ERR_USAGE, "layer %zu: %s is a hard link to %s, which is %s", i, path, target,
                            type_name(c->type));
    if (!c->written && c->member)
        return ls_error_set(err, LS_ERR_USAGE, "layer %zu: %.*s (of %s) is %s", i, (int)c->outer_len, c->want,
                            path, type_name(c->type));
    if (!c->written)
        return ls_error_set(err, LS_ERR_USAGE, "layer %zu: %s is %s", i, path, type_name(c->type));
    if (c->holes_cut)
        return ls_error_set(err, LS_ERR_LIMIT, "layer %zu: %s is a sparse file whose holes exceed %llu bytes: "
                            "not extracted", i, path, (unsigned long long)LS_SPARSE_FILL_MAX);
    return 0;
}

int ls_inspect_extract(ls_source *src, size_t i, const char *path, const ls_nested_limits *lim, int fd,
                       uint64_t *bytes, char sha256[LS_DIGEST_MAX], ls_layer_inventory *inv_out, ls_error *err)
{
    const ls_image *img = ls_source_image(src);
    ls_nested_limits nl = ls_nested_limits_resolve(lim);
    extract_ctx c = {.want = path, .layer = i, .lim = nl, .fd = fd, .limit = UINT64_MAX};
    ls_layer_inventory inv, worst;
    char digest[LS_DIGEST_MAX];
    char *want = NULL, *target = NULL;
    int rc = ls_inspect_walk(src, i, on_entry, &c, &inv, err);
    worst = inv;
    /* a hard link: its target precedes it in the same layer; what the
     * target was at that point of the tar is what the link shares (a
     * member of the link is that member of the target) */
    for (int hop = 0; rc == 0 && c.found && c.type == LS_ENTRY_HARDLINK && !c.written && hop < MAX_LINK_HOPS;
         hop++) {
        uint64_t limit = c.link_index;
        bool dirty = c.dirty;
        size_t n = strlen(c.target) + (c.member ? 2 + strlen(c.member) : 0) + 1;
        char *next = malloc(n), *t = strdup(c.target);
        if (!next || !t) {
            free(next);
            free(t);
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(next, n, "%s%s%s", c.target, c.member ? "!/" : "", c.member ? c.member : "");
        free(want);
        free(target);
        want = next;
        target = t;
        if (c.hashing)
            ls_sha256_dispose(&c.hash);
        c = (extract_ctx){.want = want, .layer = i, .lim = nl, .fd = fd, .limit = limit, .dirty = dirty};
        rc = ls_inspect_walk(src, i, on_entry, &c, &inv, err);
        keep_worst(img, &worst, &inv);
    }
    if (rc == 0)
        rc = outcome(&c, i, path, target, err);
    if (c.hashing) {
        if (rc == 0)
            rc = ls_sha256_final(&c.hash, digest, err);
        ls_sha256_dispose(&c.hash);
    }
    free(want);
    free(target);
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
