/*
 * nested_inflate.c - a nested gzip or zstd stream through the blob stage's
 * decoders (see nested_inflate.h for the semantics kept from libarchive).
 *
 * Each layer of wrapping is a block source over the one below: it pulls
 * compressed blocks, runs the decoder into its own output buffer and lends
 * that buffer out (the ls_blocks contract: valid until the next call).
 * Nothing is read ahead beyond what the caller asks for, so a tar inside
 * stops the inflating where it ends, as libarchive did. The decoders run in
 * their checksum-skipping mode for gzip (libarchive never checked the
 * CRC-32, and that pass costs about 5%) and verify zstd's (libarchive did).
 * The first failure wins and sticks: below's (or an allocation's), returned
 * as it came, or the stream's damage, which the walk reports as a corrupt
 * archive.
 */
#include "layer/nested_inflate.h"
#include "blob/decoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Output per call: what a member block, and the matcher's feed, is. */
#define OUT_CAP (64 * 1024)
/* The decoders prefix their messages with the label; the walk has its own. */
#define LABEL "nested"

typedef struct inf_layer inf_layer;

struct ls_nested_inflate {
    bool gzip;
    uint64_t *consumed;      /* compressed bytes pulled from the bottom source */
    inf_layer *layers[LS_NESTED_INFLATE_MAX_LAYERS];
    size_t n;                /* layers stacked */
    ls_blocks top;           /* the top layer's output, its head delivered again */
    uint64_t out;            /* plain bytes delivered by the top */
    bool failed;             /* first failure, sticky: */
    bool damaged;            /*   the stream's (why), else below's or memory's (fail) */
    ls_error fail;
    char why[LS_ERROR_MSG_MAX];
};

struct inf_layer {
    ls_nested_inflate *f;
    const ls_decoder_ops *ops;
    void *st;
    ls_blocks *from;         /* compressed bytes: the caller's source or the layer below's */
    bool bottom;             /* counts what it pulls into *f->consumed */
    const unsigned char *in; /* the current compressed block (lent by from) */
    size_t in_len, in_pos;
    bool in_end;             /* from ended */
    bool done;               /* the stream ended cleanly */
    unsigned char *buf;      /* OUT_CAP bytes */
    ls_blocks self;          /* this layer's output */
    const void *head;        /* its first block, read to see whether it bids again */
    size_t head_len;
    int head_state;          /* 0 head to deliver again (if head_len), 1 delivered, 2 self ended */
    ls_blocks again;         /* the first block again, then the rest */
};

/* libarchive's gzip bidder (peek_at_header): the magic and method, no
 * reserved flag, and every byte up to the last optional field it reads. */
static bool gzip_bids(const unsigned char *p, size_t n)
{
    size_t len = 10;
    unsigned flags;
    if (n < 10 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8 || (p[3] & 0xe0))
        return false;
    flags = p[3];
    if (flags & 4) { /* FEXTRA: its length is read, its bytes only skipped */
        if (n < len + 2)
            return false;
        len += 2 + ((size_t)p[len + 1] << 8 | p[len]);
    }
    for (unsigned bit = 8; bit <= 16; bit <<= 1) { /* FNAME, FCOMMENT: to a zero */
        if (!(flags & bit))
            continue;
        do {
            if (++len > n)
                return false;
        } while (p[len - 1] != 0);
    }
    if ((flags & 2) && n < len + 2) /* FHCRC */
        return false;
    return true;
}

bool ls_nested_inflate_bids(ls_nested_kind kind, const unsigned char *p, size_t n)
{
    uint32_t magic;
    if (kind == LS_NESTED_GZIP)
        return gzip_bids(p, n);
    if (kind != LS_NESTED_ZSTD || n < 4)
        return false;
    magic = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return magic == 0xFD2FB528u || (magic & 0xFFFFFFF0u) == 0x184D2A50u;
}

/* Records the first failure. A decoder's error is damage unless it is about
 * memory (or our own bug): those fail the walk like below's. */
static void set_failed(ls_nested_inflate *f, bool damage, const ls_error *e)
{
    const char *m = e->msg;
    if (f->failed)
        return;
    f->failed = true;
    if (damage && (e->code == LS_ERR_FORMAT || e->code == LS_ERR_LIMIT)) {
        f->damaged = true;
        if (strncmp(m, LABEL ": ", sizeof LABEL + 1) == 0)
            m += sizeof LABEL + 1;
        snprintf(f->why, sizeof f->why, "%s", m);
        return;
    }
    ls_error_clear(&f->fail);
    ls_error_pass(&f->fail, e);
}

static int failure(ls_nested_inflate *f, ls_error *err)
{
    if (f->damaged)
        return ls_error_set(err, LS_ERR_FORMAT, "%s", f->why);
    return ls_error_set(err, f->fail.code, "%s", f->fail.msg);
}

/* The next compressed block into io (skipping empty ones); 0 at the end of
 * from, -1 when from failed (recorded, unless a layer below did). */
static int pull(inf_layer *l, ls_dec_io *io)
{
    const void *b;
    size_t n = 0;
    int r;
    ls_error e = {0};
    while ((r = ls_blocks_next(l->from, &b, &n, &e)) > 0 && n == 0)
        ;
    if (r < 0) {
        set_failed(l->f, false, &e);
        return -1;
    }
    if (r == 0) {
        l->in_end = true;
        return 0;
    }
    if (l->bottom)
        *l->f->consumed += n;
    io->in = b;
    io->in_len = n;
    io->in_pos = 0;
    return 1;
}

/* One decode step failed. For gzip, a decoder that then says its stream was
 * complete failed on the bytes after a member: libarchive's gzip filter ends
 * the stream there (whatever follows), so it ends here too. */
static void decode_failed(inf_layer *l, const ls_error *e)
{
    ls_error probe = {0};
    if (l->f->gzip && e->code == LS_ERR_FORMAT && l->ops->finish(l->st, 0, &probe) == 0) {
        l->done = true;
        return;
    }
    set_failed(l->f, true, e);
}

/* Fills the layer's buffer (until full, the end, or a failure). */
static void fill(inf_layer *l, ls_dec_io *io)
{
    ls_nested_inflate *f = l->f;
    for (;;) {
        size_t in0, out0;
        ls_error e = {0};
        if (io->in_pos == io->in_len && !l->in_end && pull(l, io) < 0)
            return;
        in0 = io->in_pos;
        out0 = io->out_pos;
        if (l->ops->decode(l->st, io, &e) < 0) {
            decode_failed(l, &e);
            return;
        }
        if (io->out_pos == io->out_len)
            return;
        if (io->in_pos == io->in_len && l->in_end) {
            if (io->out_pos != out0)
                continue; /* output the decoder still held: flush it all */
            if (l->ops->finish(l->st, *f->consumed, &e) < 0) {
                /* libarchive's words for it, as the reports always said */
                ls_error_clear(&e);
                ls_error_set(&e, LS_ERR_FORMAT, "%s", f->gzip ? "truncated gzip input" : "Truncated zstd input");
                set_failed(f, true, &e);
            } else {
                l->done = true;
            }
            return;
        }
        if (io->in_pos == in0 && io->out_pos == out0 && io->in_pos < io->in_len) {
            ls_error_set(&e, LS_ERR_INTERNAL, "%s decoder made no progress", l->ops->name);
            set_failed(f, false, &e);
            return;
        }
    }
}

static int layer_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    inf_layer *l = ud;
    ls_nested_inflate *f = l->f;
    ls_dec_io io;
    if (f->failed)
        return failure(f, err);
    if (l->done)
        return 0;
    io = (ls_dec_io){.in = l->in, .in_len = l->in_len, .in_pos = l->in_pos,
                     .out = l->buf, .out_len = OUT_CAP};
    fill(l, &io);
    l->in = io.in;
    l->in_len = io.in_len;
    l->in_pos = io.in_pos;
    if (io.out_pos > 0) { /* before a failure too: the failure comes next call */
        *buf = l->buf;
        *len = io.out_pos;
        return 1;
    }
    if (f->failed)
        return failure(f, err);
    return 0;
}

/* The layer's first block once more (still in its buffer: nothing was read
 * since), then the rest of its output. */
static int again_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    inf_layer *l = ud;
    if (l->head_state == 0) {
        l->head_state = 1;
        if (l->head_len) {
            *buf = l->head;
            *len = l->head_len;
            return 1;
        }
    }
    if (l->head_state == 2)
        return 0;
    return layer_next(l, buf, len, err);
}

static int top_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    ls_nested_inflate *f = ud;
    int r = ls_blocks_next(&f->layers[f->n - 1]->again, buf, len, err);
    if (r > 0)
        f->out += *len;
    return r;
}

/* A new layer over `from`; -1 with err on allocation failure. */
static int push_layer(ls_nested_inflate *f, ls_nested_kind kind, ls_blocks *from, ls_error *err)
{
    inf_layer *l = calloc(1, sizeof *l);
    if (!l || !(l->buf = malloc(OUT_CAP))) {
        free(l);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    f->layers[f->n++] = l;
    l->f = f;
    l->from = from;
    l->bottom = f->n == 1;
    l->ops = kind == LS_NESTED_GZIP ? ls_decoder_gzip() : ls_decoder_zstd();
    if (!(l->st = l->ops->create(LABEL, err)))
        return -1;
    if (kind == LS_NESTED_GZIP)
        l->ops->skip_checksum(l->st, NULL);
    l->self = (ls_blocks){.next = layer_next, .ud = l};
    return 0;
}

ls_nested_inflate *ls_nested_inflate_open(ls_nested_kind kind, ls_blocks *below, uint64_t *consumed,
                                          char *why, size_t why_cap, ls_error *err)
{
    ls_nested_inflate *f = calloc(1, sizeof *f);
    ls_blocks *from = below;
    why[0] = '\0';
    if (!f) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    f->gzip = kind == LS_NESTED_GZIP;
    f->consumed = consumed;
    for (;;) {
        inf_layer *l;
        ls_error e = {0};
        int r;
        if (f->n == LS_NESTED_INFLATE_MAX_LAYERS) {
            snprintf(why, why_cap, "Input requires too many filters for decoding");
            goto fail;
        }
        if (push_layer(f, kind, from, err) != 0)
            goto fail;
        l = f->layers[f->n - 1];
        /* What libarchive's bidders saw: the head of this layer's output. A
         * first block is as full as the buffer unless the stream ended or
         * broke off, so it holds any header a bidder reads whole. */
        r = layer_next(l, &l->head, &l->head_len, &e);
        if (r < 0) {
            if (f->damaged)
                snprintf(why, why_cap, "%s", f->why);
            else
                failure(f, err);
            goto fail;
        }
        l->head_state = r == 0 ? 2 : 0;
        if (r == 0)
            l->head_len = 0;
        l->again = (ls_blocks){.next = again_next, .ud = l};
        if (!ls_nested_inflate_bids(kind, l->head, l->head_len))
            break;
        from = &l->again;
    }
    f->top = (ls_blocks){.next = top_next, .ud = f};
    return f;
fail:
    ls_nested_inflate_free(f);
    return NULL;
}

ls_blocks ls_nested_inflate_src(ls_nested_inflate *f)
{
    return f->top;
}

const char *ls_nested_inflate_damage(const ls_nested_inflate *f)
{
    return f->damaged ? f->why : NULL;
}

uint64_t ls_nested_inflate_out(const ls_nested_inflate *f)
{
    return f->out;
}

void ls_nested_inflate_free(ls_nested_inflate *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        inf_layer *l = f->layers[i];
        if (l->st)
            l->ops->destroy(l->st);
        free(l->buf);
        free(l);
    }
    free(f);
}
