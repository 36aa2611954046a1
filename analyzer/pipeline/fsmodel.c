/*
 * fsmodel.c - per-layer path tables and the fate replay.
 *
 * A table is an open-addressing hash of path -> record, with the path bytes
 * packed into 64 KiB arena chunks (one malloc per chunk, not per path: a
 * layer of 500,000 small files is common). We keep whole paths rather than path hashes because
 * a hostile image could otherwise forge a collision and change a verdict;
 * 500,000 entries cost about 40 MB.
 *
 * The hash slots are 8 bytes (the hash's low 32 bits and a record number):
 * the records themselves sit in one array in insertion order and never move
 * when the slots grow. With 40-byte records in the slots, growing them was
 * a third of the CPU time of a layer of 200,000 small files (rehashing 20
 * MB at random, each fresh page faulted twice: read as the zero page, then
 * copied on write with a TLB flush on every core). A slot's position is
 * the same as it was with whole records in it, so the table order
 * (ls_fs_layer_each) is unchanged.
 *
 * Past 2 MiB, the slots, the records and the path arena are mapped as
 * transparent huge pages where the kernel offers them (madvise mode, the
 * common default): a table of 200,000 paths otherwise takes some 7,000 page
 * faults and as many TLB misses on its random probes, which cost more than
 * the hashing itself in a virtual machine.
 */
#include "pipeline/fsmodel.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

#define ARENA_CHUNK (64 * 1024)
#define HUGE_SIZE ((size_t)2 << 20)  /* an x86-64 huge page; elsewhere merely an alignment */
/* record numbers are 32-bit (0 = empty slot) and positions come from a
 * 32-bit hash: far beyond any layer's entry count (the tar walk bounds it) */
#define MAX_RECORDS 0x7fffffffu

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    size_t size;          /* of the allocation (big_free) */
    char data[];
} arena_chunk;

typedef struct {
    char *path;           /* in the layer's arena */
    size_t len;           /* strlen(path) */
    ls_fs_kind kind;      /* what the layer put at the path, LS_FS_NONE if nothing */
    bool whiteout;        /* the layer deletes the path from lower layers */
    bool opaque;          /* the layer hides everything lower layers put under the path */
    ls_content_id content;
} fs_record;

typedef struct {
    uint32_t hash;        /* the path hash's low 32 bits: its position and a quick compare */
    uint32_t rec;         /* 1 + index into records, 0 when the slot is empty */
} fs_slot;

struct ls_fs_layer {
    fs_slot *slots;       /* capacity slots */
    size_t capacity;      /* power of two, at most 2^32 */
    size_t count;
    fs_record *recs;      /* count records in insertion order */
    size_t recs_cap;
    arena_chunk *arena;   /* newest chunk first */
    size_t arena_bytes;   /* allocated to the arena so far */
};

/* n zeroed bytes: from malloc below HUGE_SIZE, else a fresh anonymous
 * mapping aligned to HUGE_SIZE and offered as huge pages. Free with
 * big_free(p, n). */
static void *big_alloc(size_t n)
{
    void *p;
    char *m, *a;
    size_t len;
    if (n < HUGE_SIZE)
        return calloc(1, n);
    n = (n + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
    len = n + HUGE_SIZE;
    if (len < n || (p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
        return NULL;
    m = p;
    a = (char *)(((uintptr_t)m + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1));
    if (a > m)
        munmap(m, (size_t)(a - m));
    if (m + len > a + n)
        munmap(a + n, (size_t)(m + len - (a + n)));
#ifdef MADV_HUGEPAGE
    (void)madvise(a, n, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
    return a;
}

static void big_free(void *p, size_t n)
{
    if (!p)
        return;
    if (n < HUGE_SIZE)
        free(p);
    else
        munmap(p, (n + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
}

/* Copies len bytes + NUL into the arena. NULL on allocation failure. */
static char *arena_copy(ls_fs_layer *l, const char *s, size_t len)
{
    arena_chunk *c = l->arena;
    char *out;
    if (!c || c->cap - c->used < len + 1) {
        /* 64 KiB chunks up to 2 MiB of paths, then huge ones */
        size_t size = l->arena_bytes < HUGE_SIZE ? ARENA_CHUNK : HUGE_SIZE;
        if (len + 1 > size - sizeof *c)
            size = sizeof *c + len + 1;
        if (!(c = big_alloc(size)))
            return NULL;
        c->next = l->arena;
        c->used = 0;
        c->cap = size - sizeof *c;
        c->size = size;
        l->arena = c;
        l->arena_bytes += size;
    }
    out = c->data + c->used;
    memcpy(out, s, len);
    out[len] = '\0';
    c->used += len + 1;
    return out;
}

static fs_slot *slots_new(size_t capacity)
{
    return big_alloc(capacity * sizeof(fs_slot));
}

ls_fs_layer *ls_fs_layer_new(void)
{
    ls_fs_layer *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->capacity = 64;
    l->slots = slots_new(l->capacity);
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
        big_free(l->arena, l->arena->size);
        l->arena = next;
    }
    big_free(l->slots, l->capacity * sizeof *l->slots);
    big_free(l->recs, l->recs_cap * sizeof *l->recs);
    free(l);
}

static uint32_t path_hash(const char *path, size_t len)
{
    return (uint32_t)XXH3_64bits(path, len);
}

/* The slot holding path (len bytes), or the empty slot where it would go. */
static fs_slot *find_slot(const ls_fs_layer *l, uint32_t hash, const char *path, size_t len)
{
    size_t mask = l->capacity - 1, i = hash & mask;
    for (;;) {
        fs_slot *s = &l->slots[i];
        if (!s->rec)
            return s;
        if (s->hash == hash) {
            const fs_record *r = &l->recs[s->rec - 1];
            if (r->len == len && memcmp(r->path, path, len) == 0)
                return s;
        }
        i = (i + 1) & mask;
    }
}

/* Doubles the slots, re-placing them in the old table order (which keeps
 * every position what it was with whole records in the slots). */
static int grow(ls_fs_layer *l)
{
    size_t cap = l->capacity * 2, mask = cap - 1;
    fs_slot *slots;
    if (cap > ((size_t)1 << 32) || !(slots = slots_new(cap)))
        return -1;
    for (size_t i = 0; i < l->capacity; i++) {
        fs_slot s = l->slots[i];
        size_t j;
        if (!s.rec)
            continue;
        for (j = s.hash & mask; slots[j].rec; j = (j + 1) & mask)
            ;
        slots[j] = s;
    }
    big_free(l->slots, l->capacity * sizeof *l->slots);
    l->slots = slots;
    l->capacity = cap;
    return 0;
}

/* The record for path, created empty when absent. NULL on allocation failure. */
static fs_record *record_for(ls_fs_layer *l, const char *path)
{
    size_t len = strlen(path);
    uint32_t h = path_hash(path, len);
    fs_slot *s;
    fs_record *r;
    if ((l->count + 1) * 4 > l->capacity * 3 && grow(l) != 0)
        return NULL;
    s = find_slot(l, h, path, len);
    if (s->rec)
        return &l->recs[s->rec - 1];
    if (l->count >= MAX_RECORDS)
        return NULL;
    if (l->count == l->recs_cap) {
        size_t cap = l->recs_cap ? l->recs_cap * 2 : 64;
        fs_record *recs = big_alloc(cap * sizeof *recs);
        if (!recs)
            return NULL;
        if (l->count)
            memcpy(recs, l->recs, l->count * sizeof *recs);
        big_free(l->recs, l->recs_cap * sizeof *l->recs);
        l->recs = recs;
        l->recs_cap = cap;
    }
    r = &l->recs[l->count];
    *r = (fs_record){.path = arena_copy(l, path, len), .len = len};
    if (!r->path)
        return NULL;
    s->hash = h;
    s->rec = (uint32_t)++l->count;
    return r;
}

static const fs_record *lookup(const ls_fs_layer *l, const char *path, size_t len)
{
    const fs_slot *s = find_slot(l, path_hash(path, len), path, len);
    return s->rec ? &l->recs[s->rec - 1] : NULL;
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
        const fs_record *r;
        ls_fs_record rec;
        int rc;
        if (!l->slots[i].rec)
            continue;
        r = &l->recs[l->slots[i].rec - 1];
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
