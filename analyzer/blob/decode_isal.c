/*
 * decode_isal.c - gzip through ISA-L's streaming inflate (isal_inflate,
 * ISAL_GZIP_NO_HDR_VER: CRC-32 and length checked by ISA-L), behind the
 * decoder vtable. About 2x zlib's inflate on x86-64; built only when libisal
 * is found (LAYERSCAN_ISAL), decode_gzip.c stays the fallback.
 *
 * Same contract as decode_gzip.c, message for message where the tests look:
 * several members back to back are one stream, zeros after the last member
 * are padding, anything else after a member is trailing garbage; a stream
 * that ends inside a member is truncated; every decode error is LS_ERR_FORMAT.
 * When a member ends ISA-L hands back the input bytes it had buffered past
 * the trailer (next_in/avail_in are rewound), so the next member starts at
 * the right byte (in raw mode the trailer's first bytes may still sit in its
 * bit buffer: ig_trailer_from_bits).
 *
 * Headers are parsed by gzip_frame.c. With skip_checksum (the caller checks
 * a SHA-256 of these bytes) ISA-L decodes raw deflate (ISAL_DEFLATE: no
 * CRC-32 pass over the output), gzip_frame.c checks the trailer's length and
 * each member's end and trailer CRC-32 go to the blob's content checker,
 * which computes the CRC-32 off this thread (content_check.h).
 */
#include "blob/decoder.h"
#include "blob/gzip_frame.h"

#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdlib.h>

typedef enum {
    IG_HEADER,  /* in a member's header (gzip_frame.c) */
    IG_MEMBER,  /* in a member's deflate data (and, unless raw, ISA-L's trailer) */
    IG_TRAILER, /* raw mode: in a member's trailer */
    IG_BETWEEN, /* a member just ended; the next byte decides */
    IG_PADDING  /* zeros after the last member; only zeros may follow */
} ig_state;

typedef struct {
    struct inflate_state st; /* ~100 KiB: history window and buffers */
    ig_state state;
    bool raw;          /* skip_checksum: raw deflate between our header and trailer */
    ls_gz_frame frame;
    ls_ccheck *check;     /* raw mode: where member ends and trailer CRCs go (may be NULL) */
    uint64_t member_out;  /* plain bytes of the current member */
    const char *label;
    uint64_t consumed; /* compressed bytes consumed so far */
} ig_decoder;

/* Every member's header is parsed by gzip_frame.c (ISA-L's own parser
 * ignores reserved flag bits that zlib and RFC 1952 reject); ISA-L then
 * inflates and, unless raw, checks the CRC-32 and length trailer itself. */
static void ig_member_start(ig_decoder *g)
{
    isal_inflate_init(&g->st);
    g->st.crc_flag = g->raw ? ISAL_DEFLATE : ISAL_GZIP_NO_HDR_VER;
    g->member_out = 0;
    ls_gz_frame_header_begin(&g->frame);
    g->state = IG_HEADER;
}

/* Raw mode, the deflate data just ended: ISA-L may hold the first trailer
 * bytes in its bit buffer (it rewinds the input only when it parses the
 * trailer itself). They go to the trailer parser first. */
static int ig_trailer_from_bits(ig_decoder *g, ls_error *err)
{
    unsigned char held[8];
    int32_t have = g->st.read_in_length > 0 ? g->st.read_in_length : 0;
    unsigned n = (unsigned)have / 8, i;
    uint64_t bits = have % 8 ? g->st.read_in >> (have % 8) : g->st.read_in;
    uint64_t at = g->consumed - n; /* those bytes were counted as consumed */
    ls_dec_io io;
    if (n > sizeof held)
        n = sizeof held;
    for (i = 0; i < n; i++)
        held[i] = (unsigned char)(bits >> (8 * i));
    io = (ls_dec_io){.in = held, .in_len = n};
    ls_gz_frame_trailer_begin(&g->frame);
    return ls_gz_frame_trailer(&g->frame, &io, g->st.total_out, &at, g->label, err);
}

static void *ig_create(const char *label, ls_error *err)
{
    ig_decoder *g = calloc(1, sizeof *g);
    if (!g) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        return NULL;
    }
    g->label = label;
    ig_member_start(g);
    return g;
}

static int ig_trailing(ig_decoder *g, ls_error *err)
{
    return ls_error_set(err, LS_ERR_FORMAT, "%s: trailing garbage after gzip stream at byte %llu",
                        g->label, (unsigned long long)g->consumed);
}

static const char *ig_reason(int ret)
{
    switch (ret) {
    case ISAL_INVALID_BLOCK: return "invalid block type";
    case ISAL_INVALID_SYMBOL: return "invalid code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    case ISAL_NEED_DICT: return "needs a dictionary";
    default: return "inflate failed";
    }
}

/* One isal_inflate call. Returns 1 if the member ended, 0 to continue, -1. */
static int ig_inflate(ig_decoder *g, ls_dec_io *io, ls_error *err)
{
    size_t in_avail = io->in_len - io->in_pos;
    size_t out_avail = io->out_len - io->out_pos;
    size_t in_left, out_left;
    int ret;
    /* avail_in/avail_out are 32-bit: clamp so the casts below are exact. */
    if (in_avail > (1u << 30))
        in_avail = 1u << 30;
    if (out_avail > (1u << 30))
        out_avail = 1u << 30;
    g->st.next_in = (uint8_t *)(io->in + io->in_pos);
    g->st.avail_in = (uint32_t)in_avail;
    g->st.next_out = io->out + io->out_pos;
    g->st.avail_out = (uint32_t)out_avail;
    ret = isal_inflate(&g->st);
    in_left = g->st.avail_in;
    out_left = g->st.avail_out;
    io->in_pos += in_avail - in_left;
    g->consumed += in_avail - in_left;
    io->out_pos += out_avail - out_left;
    g->member_out += out_avail - out_left;
    if (ret != ISAL_DECOMP_OK)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: corrupt gzip data at byte %llu: %s", g->label,
                            (unsigned long long)g->consumed, ig_reason(ret));
    return g->st.block_state == ISAL_BLOCK_FINISH ? 1 : 0;
}

/* Raw mode: a member's trailer was read; its CRC-32 goes to the checker. */
static void ig_member_done(ig_decoder *g)
{
    if (g->check)
        ls_ccheck_expect(g->check, true, ls_gz_frame_crc(&g->frame));
    g->state = IG_BETWEEN;
}

static int ig_decode(void *st, ls_dec_io *io, ls_error *err)
{
    ig_decoder *g = st;
    size_t out_entry = io->out_pos;
    for (;;) {
        size_t in0 = io->in_pos, out0 = io->out_pos;
        int r;
        if (io->in_pos == io->in_len && g->state != IG_MEMBER)
            return 0;
        if (g->state == IG_HEADER || g->state == IG_TRAILER) {
            int f = g->state == IG_HEADER
                        ? ls_gz_frame_header(&g->frame, io, &g->consumed, g->label, err)
                        : ls_gz_frame_trailer(&g->frame, io, g->st.total_out, &g->consumed, g->label, err);
            if (f <= 0)
                return f;
            if (g->state == IG_HEADER) {
                g->state = IG_MEMBER;
                continue;
            }
            ig_member_done(g);
            if (io->out_pos > out_entry) /* at most two members posted per call */
                return 0;
            continue;
        }
        if (g->state == IG_BETWEEN) {
            unsigned char c = io->in[io->in_pos];
            if (c == 0x00)
                g->state = IG_PADDING;
            else if (c != 0x1f)
                return ig_trailing(g, err);
            else
                ig_member_start(g);
            continue;
        }
        if (g->state == IG_PADDING) {
            while (io->in_pos < io->in_len) {
                if (io->in[io->in_pos] != 0x00)
                    return ig_trailing(g, err);
                io->in_pos++;
                g->consumed++;
            }
            return 0;
        }
        if (io->out_pos == io->out_len)
            return 0;
        r = ig_inflate(g, io, err);
        if (r < 0)
            return -1;
        if (r == 1) {
            int t = 1;
            if (g->raw) {
                if (g->check)
                    ls_ccheck_end(g->check, g->member_out);
                if ((t = ig_trailer_from_bits(g, err)) < 0)
                    return -1;
            }
            if (t == 0) {
                g->state = IG_TRAILER;
                continue;
            }
            if (g->raw)
                ig_member_done(g);
            else
                g->state = IG_BETWEEN;
            if (g->raw && io->out_pos > out_entry)
                return 0;
            continue;
        }
        if (io->in_pos == in0 && io->out_pos == out0)
            return 0;
        if (io->in_pos == io->in_len || io->out_pos == io->out_len)
            return 0;
    }
}

static int ig_finish(void *st, uint64_t consumed, ls_error *err)
{
    ig_decoder *g = st;
    if (g->state == IG_MEMBER || g->state == IG_HEADER || g->state == IG_TRAILER)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: truncated gzip stream after %llu bytes", g->label,
                            (unsigned long long)consumed);
    return 0;
}

static void ig_destroy(void *st)
{
    free(st);
}

static void ig_skip_checksum(void *st, ls_ccheck *check)
{
    ig_decoder *g = st;
    g->raw = true;
    g->check = check;
    g->st.crc_flag = ISAL_DEFLATE;
}

static const ls_decoder_ops ig_ops = {
    .name = "gzip",
    .create = ig_create,
    .decode = ig_decode,
    .finish = ig_finish,
    .destroy = ig_destroy,
    .skip_checksum = ig_skip_checksum,
};

const ls_decoder_ops *ls_decoder_gzip_isal(void)
{
    return &ig_ops;
}
