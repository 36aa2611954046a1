/*
 * fuzz_nested.c - nested archives from hostile bytes: the input is sniffed
 * and, when it is an archive, walked with ls_nested_walk over a block source
 * that hands out uneven blocks; every member is read and, recursively, walked
 * again down to depth 3, with small limits so a bomb stops quickly. The same
 * bytes go through the keystore detector and the .pyc view. Nothing may
 * crash, hang or leak; member bytes never exceed the size limit.
 */
#include <stdlib.h>
#include <string.h>

#include "detect/magic.h"
#include "fuzz.h"
#include "layer/nested.h"
#include "layer/pyc.h"

#define MAX_DEPTH 3
#define LIMIT_BYTES (4u * 1024 * 1024)

typedef struct {
    const uint8_t *p;
    size_t n, pos, k;
} mem_src;

static int mem_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    mem_src *m = ud;
    size_t step;
    (void)err;
    if (m->pos >= m->n)
        return 0;
    step = (size_t)(m->p[m->k++ % m->n] % 61) * 97 + 1; /* 1 .. 5821 bytes */
    if (step > m->n - m->pos)
        step = m->n - m->pos;
    *buf = m->p + m->pos;
    *len = step;
    m->pos += step;
    return 1;
}

typedef struct {
    unsigned depth;
    uint64_t bytes;
} walk_state;

static int visit(void *ud, const ls_nested_member *m, ls_blocks *data, ls_error *err);

/* Gives the block read for sniffing again, then the rest of the source. */
typedef struct {
    ls_blocks *below;
    const void *first;
    size_t first_len;
    int given;
} replay_src;

static int replay_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    replay_src *r = ud;
    if (!r->given) {
        r->given = 1;
        *buf = r->first;
        *len = r->first_len;
        return 1;
    }
    return r->below->next(r->below->ud, buf, len, err);
}

/* Reads a stream to its end, walking it as an archive when it is one. */
static int consume(walk_state *st, const char *name, ls_blocks *src, ls_error *err)
{
    static const ls_nested_limits lim = {.max_depth = MAX_DEPTH, .max_bytes = LIMIT_BYTES,
                                         .max_ratio = 50, .max_entries = 200};
    unsigned char head[LS_NESTED_SNIFF_BYTES];
    size_t have = 0;
    const void *b;
    size_t len;
    int r;
    /* sniff on the first block only (enough for the fuzzer) */
    r = src->next(src->ud, &b, &len, err);
    if (r <= 0)
        return r;
    have = len < sizeof head ? len : sizeof head;
    memcpy(head, b, have);
    if (st->depth < MAX_DEPTH && ls_nested_sniff(head, have, name) != LS_NESTED_NONE) {
        char why[256];
        walk_state inner = {st->depth + 1, 0};
        replay_src rs = {.below = src, .first = b, .first_len = len};
        ls_blocks again = {.next = replay_next, .ud = &rs};
        int w = ls_nested_walk(&again, ls_nested_sniff(head, have, name), name, &lim, visit, &inner,
                               why, sizeof why, err);
        if (w == 1 && !why[0])
            abort(); /* a stop always says why */
        if (inner.bytes > LIMIT_BYTES)
            abort();
    }
    while ((r = src->next(src->ud, &b, &len, err)) > 0)
        ;
    return r;
}

static int visit(void *ud, const ls_nested_member *m, ls_blocks *data, ls_error *err)
{
    walk_state *st = ud;
    const void *b;
    size_t len;
    int r;
    if (st->depth < MAX_DEPTH) {
        walk_state inner = {st->depth, 0};
        r = consume(&inner, m->name, data, err);
        return r < 0 ? -1 : 0;
    }
    while ((r = data->next(data->ud, &b, &len, err)) > 0)
        st->bytes += len;
    return r < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mem_src m = {.p = data, .n = size};
    ls_blocks src = {.next = mem_next, .ud = &m};
    walk_state st = {0, 0};
    ls_error err = {0};
    ls_magic_kind kind;
    char desc[256];
    ls_confidence conf;
    ls_pyc_view view;
    unsigned char *copy;
    if (size == 0)
        return 0;
    /* the whole input as one archive (from its first byte) */
    {
        ls_nested_kind k = ls_nested_sniff(data, size, "fuzz.tar");
        if (k != LS_NESTED_NONE) {
            char why[256];
            (void)ls_nested_walk(&src, k, "fuzz.gz", NULL, visit, &st, why, sizeof why, &err);
        }
    }
    m.pos = m.k = 0;
    (void)consume(&st, "fuzz", &src, &err);
    kind = ls_magic_sniff(data, size);
    if (kind != LS_MAGIC_NONE)
        (void)ls_magic_describe(kind, data, size, size, desc, sizeof desc, &conf);
    (void)ls_magic_describe(LS_MAGIC_JKS, data, size, size, desc, sizeof desc, &conf);
    (void)ls_magic_describe(LS_MAGIC_PKCS12, data, size, size, desc, sizeof desc, &conf);
    if ((copy = malloc(size)) != NULL) {
        memcpy(copy, data, size);
        ls_pyc_view_init(&view);
        ls_pyc_view_apply(&view, copy, size / 2);
        ls_pyc_view_apply(&view, copy + size / 2, size - size / 2);
        free(copy);
    }
    return 0;
}
