/*
 * fsmodel.c - per-layer path tables and the fate replay.
 *
 * A table is an open-addressing hash of path -> record, with the path bytes
 * packed into 64 KiB arena chunks (one malloc per chunk, not per path: a
 * layer of 500,000 small files is common). We keep whole paths rather than path hashes because
 * a hostile image could otherwise forge a collision and change a verdict;
 * 500,000 entries cost about 40 MB.
 */
#include "pipeline/fsmodel.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define ARENA_CHUNK (64 * 1024)

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
} arena_chunk;

typedef struct {
    uint64_t hash;
    char *path;           /* in the layer's arena */
    ls_fs_kind kind;      /* what the layer put at the path, LS_FS_NONE if nothing */
    bool whiteout;        /* the layer deletes the path from lower layers */
    bool opaque;          /* the layer hides everything lower layers put under the path */
    ls_content_id content;
} fs_record;

struct ls_fs_layer {
    fs_record *slots;     /* capacity slots, path == NULL when empty */
    size_t capacity;      /* power of two */
    size_t count;
    arena_chunk *arena;   /* newest chunk first */
};

/* Copies len bytes + NUL into the arena. NULL on allocation failure. */
static char *arena_copy(ls_fs_layer *l, const char *s, size_t len)
{
    arena_chunk *c = l->arena;
    char *out;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = l->arena;
        c->used = 0;
        c->cap = cap;
        l->arena = c;
    }
    out = c->data + c->used;
    memcpy(out, s, len);
    out[len] = '\0';
    c->used += len + 1;
    return out;
}

ls_fs_layer *ls_fs_layer_new(void)
{
    ls_fs_layer *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->capacity = 64;
    l->slots = calloc(l->capacity, sizeof *l->slots);
    if (!l->slots) {
        free(l);
        return NULL;
    }
    return l;
}

void ls_fs_layer_free(ls_fs_layer *l)
{
    if (!l)
        return;
    while (l->arena) {
        arena_chunk *next = l->arena->next;
        free(l->arena);
        l->arena = next;
    }
    free(l->slots);
    free(l);
}

static uint64_t path_hash(const char *path, size_t len)
{
    return XXH3_64bits(path, len);
}

static fs_record *find_slot(fs_record *slots, size_t capacity, uint64_t hash, const char *path)
{
    size_t i = (size_t)hash & (capacity - 1);
    for (;;) {
        fs_record *r = &slots[i];
        if (!r->path || (r->hash == hash && strcmp(r->path, path) == 0))
            return r;
        i = (i + 1) & (capacity - 1);
    }
}

static int grow(ls_fs_layer *l)
{
    size_t cap = l->capacity * 2;
    fs_record *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < l->capacity; i++) {
        fs_record *r = &l->slots[i];
        if (r->path)
            *find_slot(slots, cap, r->hash, r->path) = *r;
    }
    free(l->slots);
    l->slots = slots;
    l->capacity = cap;
    return 0;
}

/* The record for path, created empty when absent. NULL on allocation failure. */
static fs_record *record_for(ls_fs_layer *l, const char *path)
{
    size_t len = strlen(path);
    uint64_t h = path_hash(path, len);
    fs_record *r;
    if ((l->count + 1) * 4 > l->capacity * 3 && grow(l) != 0)
        return NULL;
    r = find_slot(l->slots, l->capacity, h, path);
    if (!r->path) {
        r->path = arena_copy(l, path, len);
        if (!r->path)
            return NULL;
        r->hash = h;
        l->count++;
    }
    return r;
}

static const fs_record *lookup(const ls_fs_layer *l, const char *path, size_t len)
{
    uint64_t h = path_hash(path, len);
    size_t i = (size_t)h & (l->capacity - 1);
    for (;;) {
        const fs_record *r = &l->slots[i];
        if (!r->path)
            return NULL;
        if (r->hash == h && strlen(r->path) == len && memcmp(r->path, path, len) == 0)
            return r;
        i = (i + 1) & (l->capacity - 1);
    }
}

int ls_fs_layer_put(ls_fs_layer *l, const char *path, ls_fs_kind kind, ls_content_id content)
{
    fs_record *r = record_for(l, path);
    if (!r)
        return -1;
    r->kind = kind;
    r->content = content;
    return 0;
}

int ls_fs_layer_whiteout(ls_fs_layer *l, const char *path)
{
    fs_record *r = record_for(l, path);
    if (!r)
        return -1;
    r->whiteout = true;
    return 0;
}

int ls_fs_layer_opaque(ls_fs_layer *l, const char *dir)
{
    fs_record *r = record_for(l, dir);
    if (!r)
        return -1;
    r->opaque = true;
    return 0;
}

bool ls_fs_layer_file(const ls_fs_layer *l, const char *path, ls_content_id *content)
{
    const fs_record *r = lookup(l, path, strlen(path));
    if (!r || r->kind != LS_FS_FILE)
        return false;
    *content = r->content;
    return true;
}

size_t ls_fs_layer_size(const ls_fs_layer *l)
{
    return l->count;
}

int ls_fs_layer_each(const ls_fs_layer *l, int (*fn)(void *ctx, const ls_fs_record *rec), void *ctx)
{
    for (size_t i = 0; i < l->capacity; i++) {
        const fs_record *r = &l->slots[i];
        ls_fs_record rec;
        int rc;
        if (!r->path)
            continue;
        rec = (ls_fs_record){.path = r->path, .kind = r->kind, .whiteout = r->whiteout,
                             .opaque = r->opaque, .content = r->content};
        if ((rc = fn(ctx, &rec)) != 0)
            return rc;
    }
    return 0;
}

int ls_fs_layer_restore(ls_fs_layer *l, const ls_fs_record *rec)
{
    fs_record *r = record_for(l, rec->path);
    if (!r)
        return -1;
    r->kind = rec->kind;
    r->whiteout = rec->whiteout;
    r->opaque = rec->opaque;
    r->content = rec->content;
    return 0;
}

/* Does layer l hide path from lower layers? A whiteout of the path or of an
 * ancestor, an opaque marker on a strict ancestor, or a non-directory put
 * at a strict ancestor (a directory replaced by a file or symlink). */
static bool hides(const ls_fs_layer *l, const char *path, size_t len)
{
    const fs_record *self = lookup(l, path, len);
    if (self && self->whiteout)
        return true;
    /* ancestors: "/" then each prefix ending before a '/' */
    for (size_t i = 0; i < len; i++) {
        const fs_record *r;
        if (path[i] != '/')
            continue;
        r = lookup(l, i == 0 ? "/" : path, i == 0 ? 1 : i);
        if (r && (r->whiteout || r->opaque || (r->kind != LS_FS_NONE && r->kind != LS_FS_DIR)))
            return true;
    }
    return false;
}

static bool same_content(ls_content_id a, ls_content_id b)
{
    return a.lo == b.lo && a.hi == b.hi;
}

/* The length of the layer file a finding's path is in. A finding inside a
 * nested archive has the path "/app/a.jar!/x/y.properties" and the fate of
 * "/app/a.jar": the first prefix ending before a "!/" that layer `l` stored
 * as a regular file. A real name may contain "!/" ("/srv/v1!/a.txt" in a
 * directory "v1!"), so a prefix that is not a file there does not count. */
static size_t outer_len(const ls_fs_layer *l, const char *path)
{
    size_t len = strlen(path);
    for (const char *p = strstr(path, "!/"); l && p; p = strstr(p + 2, "!/")) {
        const fs_record *r = lookup(l, path, (size_t)(p - path));
        if (r && r->kind == LS_FS_FILE)
            return (size_t)(p - path);
    }
    return len;
}

ls_fs_fate ls_fs_resolve(ls_fs_layer *const *layers, size_t n, size_t from, const char *path,
                         ls_content_id content)
{
    ls_fs_fate fate = {LS_STATUS_PRESENT, -1};
    bool exists = true, original = true;
    size_t len = outer_len(from < n ? layers[from] : NULL, path);
    /* removed_in_layer ends as the layer where the content last stopped
     * being served (it may be re-served by a byte-identical re-add). */
    /* A tar may hold the same name twice; the last one is what the layer serves. */
    if (from < n && layers[from]) {
        const fs_record *self = lookup(layers[from], path, len);
        if (self && (self->kind != LS_FS_FILE || !same_content(self->content, content))) {
            original = false;
            fate.removed_in_layer = (long)from;
        }
    }
    for (size_t k = from + 1; k < n; k++) {
        const ls_fs_layer *l = layers[k];
        const fs_record *r;
        if (!l)
            continue;
        if (hides(l, path, len)) {
            exists = false;
            if (original)
                fate.removed_in_layer = (long)k;
            original = false;
        }
        r = lookup(l, path, len);
        if (r && r->kind != LS_FS_NONE) {
            bool same = r->kind == LS_FS_FILE && same_content(r->content, content);
            exists = true;
            if (!same && original)
                fate.removed_in_layer = (long)k;
            original = same;
        }
    }
    if (exists && original) {
        fate.status = LS_STATUS_PRESENT;
        fate.removed_in_layer = -1;
    } else {
        fate.status = exists ? LS_STATUS_OVERWRITTEN : LS_STATUS_DELETED;
    }
    return fate;
}

ls_fs_kind ls_fs_served(ls_fs_layer *const *layers, size_t n, const char *path, ls_content_id *content)
{
    size_t len = strlen(path);
    for (size_t k = n; k-- > 0;) {
        const fs_record *r;
        if (!layers[k])
            continue;
        r = lookup(layers[k], path, len);
        /* a layer's own entry wins over its deletions (those apply first) */
        if (r && r->kind != LS_FS_NONE) {
            if (content)
                *content = r->content;
            return r->kind;
        }
        if (hides(layers[k], path, len))
            return LS_FS_NONE;
    }
    return LS_FS_NONE;
}
