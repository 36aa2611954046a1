/*
 * decode_zstd.c - zstd through ZSTD_decompressStream, behind the decoder
 * vtable.
 *
 * Several frames back to back (and skippable frames) are handled by libzstd
 * itself. The window is bounded (ZSTD_d_windowLogMax) so a hostile frame
 * header cannot make us allocate gigabytes: memory stays bounded whatever
 * the input says. A stream is complete only when the last call reported a
 * frame fully decoded and flushed (return value 0). With skip_checksum the
 * frames' optional XXH64 content checksums are not verified by libzstd (the
 * caller checks a SHA-256 of these bytes); each frame's end and the checksum
 * it carries go to the blob's content checker instead (content_check.h),
 * which computes XXH64 off this thread. libzstd stops at the end of a frame,
 * so a call ends at most one: its checksum is the last 4 bytes consumed, its
 * header's descriptor byte (the 5th) says whether it has one.
 */
#include "blob/decoder.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

/* 2^27 = 128 MiB: what `zstd --long=27` produces; larger needs opt-in there too. */
#define ZS_WINDOW_LOG_MAX 27

typedef struct {
    ZSTD_DCtx *dctx;
    size_t last;       /* last ZSTD_decompressStream hint; 0 = frame complete */
    const char *label;
    uint64_t consumed;
    ls_ccheck *check;         /* skip_checksum: frame ends and checksums go here (may be NULL) */
    uint64_t frame_out;       /* plain bytes of the current frame */
    uint64_t frame_in;        /* compressed bytes of the current frame */
    unsigned char head[5];    /* the frame's first bytes: magic and descriptor */
    unsigned char tail[4];    /* the last 4 bytes consumed */
} zs_decoder;

/* Notes the compressed bytes [p, p+n) of the current frame: its first 5 and
 * last 4. */
static void zs_track(zs_decoder *z, const unsigned char *p, size_t n)
{
    for (size_t i = 0; z->frame_in + i < sizeof z->head && i < n; i++)
        z->head[z->frame_in + i] = p[i];
    if (n >= sizeof z->tail) {
        memcpy(z->tail, p + n - sizeof z->tail, sizeof z->tail);
    } else if (n > 0) {
        memmove(z->tail, z->tail + n, sizeof z->tail - n);
        memcpy(z->tail + sizeof z->tail - n, p, n);
    }
    z->frame_in += n;
}

/* A frame ended: its size and the checksum it carries (a zstd frame with the
 * Content_Checksum_flag, bit 2 of its descriptor; a skippable frame has none). */
static void zs_frame_done(zs_decoder *z)
{
    uint32_t magic = (uint32_t)z->head[0] | (uint32_t)z->head[1] << 8 | (uint32_t)z->head[2] << 16 |
                     (uint32_t)z->head[3] << 24;
    bool has = z->frame_in >= 9 && magic == ZSTD_MAGICNUMBER && (z->head[4] & 0x04);
    ls_ccheck_end(z->check, z->frame_out);
    ls_ccheck_expect(z->check, has,
                     (uint32_t)z->tail[0] | (uint32_t)z->tail[1] << 8 | (uint32_t)z->tail[2] << 16 |
                         (uint32_t)z->tail[3] << 24);
    z->frame_out = z->frame_in = 0;
}

static void *zs_create(const char *label, ls_error *err)
{
    zs_decoder *z = calloc(1, sizeof *z);
    if (!z) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        return NULL;
    }
    z->label = label;
    z->last = 1; /* nothing decoded yet: not complete */
    z->dctx = ZSTD_createDCtx();
    if (!z->dctx || ZSTD_isError(ZSTD_DCtx_setParameter(z->dctx, ZSTD_d_windowLogMax, ZS_WINDOW_LOG_MAX))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: cannot initialise zstd", label);
        ZSTD_freeDCtx(z->dctx);
        free(z);
        return NULL;
    }
    return z;
}

static int zs_error(zs_decoder *z, size_t ret, ls_error *err)
{
    if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge)
        return ls_error_set(err, LS_ERR_LIMIT,
                            "%s: zstd frame needs a window larger than %u MiB (refused)", z->label,
                            (1u << ZS_WINDOW_LOG_MAX) >> 20);
    if (ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory in zstd", z->label);
    return ls_error_set(err, LS_ERR_FORMAT, "%s: corrupt zstd data at byte %llu: %s", z->label,
                        (unsigned long long)z->consumed, ZSTD_getErrorName(ret));
}

static int zs_decode(void *st, ls_dec_io *io, ls_error *err)
{
    zs_decoder *z = st;
    ZSTD_inBuffer in = {io->in, io->in_len, io->in_pos};
    ZSTD_outBuffer out = {io->out, io->out_len, io->out_pos};
    size_t ret, in0 = io->in_pos, out0 = io->out_pos;
    if (io->out_pos == io->out_len)
        return 0;
    ret = ZSTD_decompressStream(z->dctx, &out, &in);
    z->consumed += in.pos - io->in_pos;
    if (z->check) {
        zs_track(z, io->in + io->in_pos, in.pos - io->in_pos);
        z->frame_out += out.pos - io->out_pos;
    }
    io->in_pos = in.pos;
    io->out_pos = out.pos;
    if (ZSTD_isError(ret))
        return zs_error(z, ret, err);
    if (z->check && ret == 0 && (in.pos != in0 || out.pos != out0))
        zs_frame_done(z);
    /* An idle call at a frame boundary returns the next header's size hint;
     * only a call that moved bytes says where the stream stands. */
    if (in.pos != in0 || out.pos != out0)
        z->last = ret;
    return 0;
}

static int zs_finish(void *st, uint64_t consumed, ls_error *err)
{
    zs_decoder *z = st;
    if (z->last != 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: truncated zstd stream after %llu bytes", z->label,
                            (unsigned long long)consumed);
    return 0;
}

static void zs_destroy(void *st)
{
    zs_decoder *z = st;
    if (!z)
        return;
    ZSTD_freeDCtx(z->dctx);
    free(z);
}

/* ZSTD_d_forceIgnoreChecksum, by its stable enum name (the named one is
 * behind ZSTD_STATIC_LINKING_ONLY); 1 = ZSTD_d_ignoreChecksum. A library
 * that refuses it keeps verifying: correct, only slower. */
static void zs_skip_checksum(void *st, ls_ccheck *check)
{
    zs_decoder *z = st;
    if (!ZSTD_isError(ZSTD_DCtx_setParameter(z->dctx, ZSTD_d_experimentalParam3, 1)))
        z->check = check; /* else libzstd keeps verifying: nothing to defer */
}

static const ls_decoder_ops zs_ops = {
    .name = "zstd",
    .create = zs_create,
    .decode = zs_decode,
    .finish = zs_finish,
    .destroy = zs_destroy,
    .skip_checksum = zs_skip_checksum,
};

const ls_decoder_ops *ls_decoder_zstd(void)
{
    return &zs_ops;
}
