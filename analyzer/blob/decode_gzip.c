/*
 * decode_gzip.c - gzip through zlib's inflate, behind the decoder vtable.
 *
 * Layer blobs are sometimes several gzip members back to back (pigz, some
 * registries' re-compression), and some writers pad the end with zero
 * blocks. So after a member ends we look at what follows: another gzip
 * magic starts a new member, zeros are padding to the end, anything else is
 * garbage we refuse (it would otherwise be a place to hide bytes from the
 * digest-to-content mapping).
 *
 * With skip_checksum (the caller checks a SHA-256 of these bytes) zlib
 * inflates raw deflate (no CRC-32 of the output) between a header and a
 * trailer parsed by gzip_frame.c; each member's end and trailer CRC-32 go
 * to the blob's content checker (content_check.h).
 */
#include "blob/blob.h"
#include "blob/decoder.h"
#include "blob/gzip_frame.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef enum {
    GZ_HEADER,  /* raw mode: in a member's header (gzip_frame.c) */
    GZ_MEMBER,  /* inside a member (or at the start of the first one) */
    GZ_TRAILER, /* raw mode: in a member's trailer */
    GZ_BETWEEN, /* a member just ended; the next byte decides */
    GZ_PADDING  /* zeros after the last member; only zeros may follow */
} gz_state;

typedef struct {
    z_stream zs;
    gz_state state;
    bool raw;          /* skip_checksum: raw deflate between our header and trailer */
    ls_gz_frame frame;
    ls_ccheck *check;  /* raw mode: where member ends and trailer CRCs go (may be NULL) */
    const char *label;
    uint64_t consumed; /* compressed bytes consumed so far */
} gz_decoder;

static void *gz_create(const char *label, ls_error *err)
{
    gz_decoder *g = calloc(1, sizeof *g);
    if (!g) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        return NULL;
    }
    g->label = label;
    g->state = GZ_MEMBER;
    if (inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: cannot initialise zlib", label);
        free(g);
        return NULL;
    }
    return g;
}

static int gz_member_start(gz_decoder *g, ls_error *err)
{
    if (inflateReset(&g->zs) != Z_OK)
        return ls_error_set(err, LS_ERR_INTERNAL, "%s: inflateReset failed", g->label);
    if (g->raw) {
        ls_gz_frame_header_begin(&g->frame);
        g->state = GZ_HEADER;
    } else {
        g->state = GZ_MEMBER;
    }
    return 0;
}

static int gz_trailing(gz_decoder *g, ls_error *err)
{
    return ls_error_set(err, LS_ERR_FORMAT, "%s: trailing garbage after gzip stream at byte %llu",
                        g->label, (unsigned long long)g->consumed);
}

/* After a member: a new member, padding, or garbage. Consumes nothing
 * itself except when switching into padding. */
static int gz_between(gz_decoder *g, ls_dec_io *io, ls_error *err)
{
    unsigned char c = io->in[io->in_pos];
    if (c == 0x00) {
        g->state = GZ_PADDING;
        return 0;
    }
    if (c != 0x1f)
        return gz_trailing(g, err);
    return gz_member_start(g, err);
}

static int gz_padding(gz_decoder *g, ls_dec_io *io, ls_error *err)
{
    while (io->in_pos < io->in_len) {
        if (io->in[io->in_pos] != 0x00)
            return gz_trailing(g, err);
        io->in_pos++;
        g->consumed++;
    }
    return 0;
}

/* One inflate call. Returns 1 if the member ended, 0 to continue, -1 error. */
static int gz_inflate(gz_decoder *g, ls_dec_io *io, ls_error *err)
{
    size_t in_avail = io->in_len - io->in_pos;
    size_t out_avail = io->out_len - io->out_pos;
    int ret;
    /* uInt may be 32-bit: clamp so the casts below are exact. */
    if (in_avail > (1u << 30))
        in_avail = 1u << 30;
    if (out_avail > (1u << 30))
        out_avail = 1u << 30;
    g->zs.next_in = (Bytef *)(io->in + io->in_pos);
    g->zs.avail_in = (uInt)in_avail;
    g->zs.next_out = io->out + io->out_pos;
    g->zs.avail_out = (uInt)out_avail;
    ret = inflate(&g->zs, Z_NO_FLUSH);
    io->in_pos += in_avail - g->zs.avail_in;
    g->consumed += in_avail - g->zs.avail_in;
    io->out_pos += out_avail - g->zs.avail_out;
    switch (ret) {
    case Z_STREAM_END:
        return 1;
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible: needs more input or room */
        return 0;
    case Z_MEM_ERROR:
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory in zlib", g->label);
    default:
        return ls_error_set(err, LS_ERR_FORMAT, "%s: corrupt gzip data at byte %llu: %s", g->label,
                            (unsigned long long)g->consumed, g->zs.msg ? g->zs.msg : "inflate failed");
    }
}

static int gz_decode(void *st, ls_dec_io *io, ls_error *err)
{
    gz_decoder *g = st;
    size_t out_entry = io->out_pos;
    for (;;) {
        size_t in0 = io->in_pos, out0 = io->out_pos;
        int r;
        if (io->in_pos == io->in_len && g->state != GZ_MEMBER)
            return 0;
        if (g->state == GZ_HEADER || g->state == GZ_TRAILER) {
            int f = g->state == GZ_HEADER
                        ? ls_gz_frame_header(&g->frame, io, &g->consumed, g->label, err)
                        : ls_gz_frame_trailer(&g->frame, io, (uint32_t)g->zs.total_out, &g->consumed,
                                              g->label, err);
            if (f <= 0)
                return f;
            if (g->state == GZ_HEADER) {
                g->state = GZ_MEMBER;
                continue;
            }
            if (g->check)
                ls_ccheck_expect(g->check, true, ls_gz_frame_crc(&g->frame));
            g->state = GZ_BETWEEN;
            if (io->out_pos > out_entry) /* at most two members posted per call */
                return 0;
            continue;
        }
        if (g->state == GZ_BETWEEN) {
            if (gz_between(g, io, err) < 0)
                return -1;
            continue;
        }
        if (g->state == GZ_PADDING)
            return gz_padding(g, io, err);
        if (io->out_pos == io->out_len)
            return 0;
        r = gz_inflate(g, io, err);
        if (r < 0)
            return -1;
        if (r == 1) {
            if (g->raw) {
                if (g->check)
                    ls_ccheck_end(g->check, (uint64_t)g->zs.total_out);
                ls_gz_frame_trailer_begin(&g->frame);
                g->state = GZ_TRAILER;
            } else {
                g->state = GZ_BETWEEN;
            }
            continue;
        }
        if (io->in_pos == in0 && io->out_pos == out0)
            return 0;
        if (io->in_pos == io->in_len || io->out_pos == io->out_len)
            return 0;
    }
}

static int gz_finish(void *st, uint64_t consumed, ls_error *err)
{
    gz_decoder *g = st;
    if (g->state == GZ_MEMBER || g->state == GZ_HEADER || g->state == GZ_TRAILER)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: truncated gzip stream after %llu bytes", g->label,
                            (unsigned long long)consumed);
    return 0;
}

static void gz_destroy(void *st)
{
    gz_decoder *g = st;
    if (!g)
        return;
    inflateEnd(&g->zs);
    free(g);
}

/* Before the first decode: raw deflate from here on (windowBits -15 is
 * inflate's raw mode; inflateReset keeps it for later members). */
static void gz_skip_checksum(void *st, ls_ccheck *check)
{
    gz_decoder *g = st;
    g->check = check;
    ls_error ignored = {0};
    if (inflateReset2(&g->zs, -MAX_WBITS) != Z_OK)
        return; /* keep checking: correct, only slower */
    g->raw = true;
    gz_member_start(g, &ignored);
}

static const ls_decoder_ops gz_ops = {
    .name = "gzip",
    .create = gz_create,
    .decode = gz_decode,
    .finish = gz_finish,
    .destroy = gz_destroy,
    .skip_checksum = gz_skip_checksum,
};

const ls_decoder_ops *ls_decoder_gzip_zlib(void)
{
    return &gz_ops;
}

const ls_decoder_ops *ls_decoder_gzip(void)
{
#ifdef LAYERSCAN_HAVE_ISAL
    return ls_decoder_gzip_isal();
#else
    return &gz_ops;
#endif
}

const char *ls_blob_inflater(void)
{
#ifdef LAYERSCAN_HAVE_ISAL
    return "isa-l " LAYERSCAN_ISAL_VERSION;
#else
    return "zlib";
#endif
}
