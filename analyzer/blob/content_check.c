/*
 * content_check.c - see content_check.h.
 *
 * Members are a FIFO of records: `end` (the member's last plain offset + 1,
 * set by the decoder side when its data ends), `expect` (set when its
 * trailer is read), `computed` (set by the hashing side when it passes
 * `end`). A record leaves the FIFO once it has both values. A member with no
 * bytes needs no hashing: it is compared as soon as its trailer is known.
 * The running checksum itself is computed outside the lock.
 */
#include "blob/content_check.h"

#include <pthread.h>
#include <stdlib.h>
#include <xxhash.h>
#include <zlib.h>
#ifdef LAYERSCAN_HAVE_ISAL
#include <isa-l/crc.h>
#endif

typedef struct {
    uint64_t end;      /* plain offset just past the member */
    uint64_t index;    /* 1-based member number */
    uint32_t expect, computed;
    bool has_expect;   /* the trailer was read */
    bool checked;      /* the trailer carries a checksum (else nothing to compare) */
    bool has_computed; /* the hashing side passed `end` */
} cc_member;

struct ls_ccheck {
    ls_ccheck_kind kind;
    const char *label;
    pthread_mutex_t mu;
    /* under mu: */
    cc_member q[LS_CCHECK_CAP];
    size_t head, count;       /* FIFO of records */
    size_t computed;          /* records from head with has_computed */
    bool last_empty;          /* the last member posted had no bytes; its trailer is due */
    bool awaiting_expect;     /* the newest record (or the empty member) waits for its trailer */
    uint64_t posted_end;      /* end of the last member posted */
    uint64_t members;         /* members posted */
    uint64_t bad;             /* members whose checksum did not match */
    uint64_t first_bad;       /* the first of them (1-based) */
    uint32_t first_expect, first_computed;
    bool lost;                /* a member could not be queued (never: see room) */
    /* the hashing side's own: */
    uint64_t pos;             /* plain bytes hashed */
    uint32_t crc;             /* the current member's CRC-32 so far */
    XXH64_state_t *xxh;       /* the current frame's XXH64 so far */
    uint32_t empty_value;     /* the checksum of no bytes */
};

static void hash_reset(ls_ccheck *c)
{
    c->crc = 0;
    if (c->xxh)
        (void)XXH64_reset(c->xxh, 0);
}

static uint32_t hash_value(const ls_ccheck *c)
{
    return c->kind == LS_CCHECK_CRC32 ? c->crc : (uint32_t)XXH64_digest(c->xxh);
}

static void hash_bytes(ls_ccheck *c, const unsigned char *p, size_t n)
{
    if (c->kind == LS_CCHECK_XXH64) {
        (void)XXH64_update(c->xxh, p, n);
        return;
    }
#ifdef LAYERSCAN_HAVE_ISAL
    c->crc = crc32_gzip_refl(c->crc, p, n);
#else
    while (n > 0) { /* zlib's length is a uInt */
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c->crc = (uint32_t)crc32(c->crc, p, k);
        p += k;
        n -= k;
    }
#endif
}

ls_ccheck *ls_ccheck_new(ls_ccheck_kind kind, const char *label)
{
    ls_ccheck *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->kind = kind;
    c->label = label;
    if (kind == LS_CCHECK_XXH64 && !(c->xxh = XXH64_createState()))
        goto fail;
    if (pthread_mutex_init(&c->mu, NULL) != 0)
        goto fail;
    hash_reset(c);
    c->empty_value = hash_value(c);
    return c;
fail:
    XXH64_freeState(c->xxh);
    free(c);
    return NULL;
}

/* With mu held: a member's two values are known. */
static void compare(ls_ccheck *c, uint64_t index, uint32_t expect, uint32_t computed)
{
    if (expect == computed)
        return;
    if (c->bad++ == 0) {
        c->first_bad = index;
        c->first_expect = expect;
        c->first_computed = computed;
    }
}

/* With mu held: compares and drops the settled records at the head. */
static void settle(ls_ccheck *c)
{
    while (c->count > 0 && c->computed > 0 && c->q[c->head].has_expect) {
        cc_member *m = &c->q[c->head];
        if (m->checked)
            compare(c, m->index, m->expect, m->computed);
        c->head = (c->head + 1) % LS_CCHECK_CAP;
        c->count--;
        c->computed--;
    }
}

void ls_ccheck_end(ls_ccheck *c, uint64_t bytes)
{
    pthread_mutex_lock(&c->mu);
    c->members++;
    c->awaiting_expect = true;
    c->last_empty = bytes == 0;
    if (bytes > 0) {
        if (c->count == LS_CCHECK_CAP) { /* the blob keeps room: never here */
            c->lost = true;
            c->awaiting_expect = false;
        } else {
            cc_member *m = &c->q[(c->head + c->count) % LS_CCHECK_CAP];
            *m = (cc_member){.end = c->posted_end + bytes, .index = c->members};
            c->posted_end = m->end;
            c->count++;
        }
    }
    pthread_mutex_unlock(&c->mu);
}

void ls_ccheck_expect(ls_ccheck *c, bool has, uint32_t value)
{
    pthread_mutex_lock(&c->mu);
    if (c->awaiting_expect) {
        c->awaiting_expect = false;
        if (c->last_empty) {
            if (has)
                compare(c, c->members, value, c->empty_value);
        } else {
            cc_member *m = &c->q[(c->head + c->count - 1) % LS_CCHECK_CAP];
            m->has_expect = true;
            m->checked = has;
            m->expect = value;
            settle(c);
        }
    }
    pthread_mutex_unlock(&c->mu);
}

size_t ls_ccheck_room(ls_ccheck *c)
{
    size_t room;
    pthread_mutex_lock(&c->mu);
    room = LS_CCHECK_CAP - c->count;
    pthread_mutex_unlock(&c->mu);
    return room;
}

/* The end of the first record the hashing side has not passed, or
 * UINT64_MAX when the decoder has not posted it yet. */
static uint64_t next_end(ls_ccheck *c)
{
    uint64_t end = UINT64_MAX;
    pthread_mutex_lock(&c->mu);
    if (c->computed < c->count)
        end = c->q[(c->head + c->computed) % LS_CCHECK_CAP].end;
    pthread_mutex_unlock(&c->mu);
    return end;
}

/* The hashing side reached `end`: the record's value is known. */
static void passed_end(ls_ccheck *c)
{
    uint32_t v = hash_value(c);
    pthread_mutex_lock(&c->mu);
    cc_member *m = &c->q[(c->head + c->computed) % LS_CCHECK_CAP];
    m->computed = v;
    m->has_computed = true;
    c->computed++;
    settle(c);
    pthread_mutex_unlock(&c->mu);
    hash_reset(c);
}

void ls_ccheck_update(ls_ccheck *c, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (;;) {
        uint64_t end = next_end(c);
        size_t k = n;
        if (end == c->pos && end != UINT64_MAX) {
            passed_end(c);
            continue;
        }
        if (n == 0)
            return;
        if (end - c->pos < k)
            k = (size_t)(end - c->pos);
        hash_bytes(c, b, k);
        c->pos += k;
        b += k;
        n -= k;
    }
}

int ls_ccheck_finish(ls_ccheck *c, ls_error *err)
{
    const char *what = c->kind == LS_CCHECK_CRC32 ? "gzip member" : "zstd frame";
    const char *sum = c->kind == LS_CCHECK_CRC32 ? "incorrect data check (CRC-32"
                                                 : "incorrect content checksum (XXH64";
    ls_ccheck_update(c, NULL, 0); /* settles records that end where hashing stopped */
    if (c->bad == 0)
        return 0;
    if (c->bad == 1)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: %s %llu: %s %08x in the stream, %08x computed)",
                            c->label, what, (unsigned long long)c->first_bad, sum, c->first_expect,
                            c->first_computed);
    return ls_error_set(err, LS_ERR_FORMAT,
                        "%s: %s %llu: %s %08x in the stream, %08x computed), and %llu more of %llu",
                        c->label, what, (unsigned long long)c->first_bad, sum, c->first_expect,
                        c->first_computed, (unsigned long long)(c->bad - 1),
                        (unsigned long long)c->members);
}

void ls_ccheck_free(ls_ccheck *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    XXH64_freeState(c->xxh);
    free(c);
}
