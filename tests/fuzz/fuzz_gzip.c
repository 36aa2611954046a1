/*
 * fuzz_gzip.c - arbitrary bytes through the gzip decoders: zlib and, when
 * built with it, ISA-L, each once checking the CRC-32 and once skipping it
 * (raw deflate between the header and trailer blob/gzip_frame.c parses),
 * fed in pieces whose sizes the first two input bytes choose (headers and
 * trailers then split anywhere). Nothing may crash or read out of bounds,
 * and when the checked and the raw decode of one inflater both succeed they
 * must give the same bytes.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "blob/decoder.h"
#include "fuzz.h"

/* Output kept per decode: a small input can be a bomb. */
#define FUZZ_GZIP_MAX_OUT (1u << 20)

typedef struct {
    unsigned char *p;
    size_t n;
    bool capped; /* stopped at FUZZ_GZIP_MAX_OUT */
} out_buf;

/* 0 when the stream decoded cleanly to its end. */
static int decode(const ls_decoder_ops *ops, bool raw, const uint8_t *in, size_t len, size_t in_chunk,
                  size_t out_chunk, out_buf *o)
{
    ls_error err = {0};
    unsigned char *out = malloc(out_chunk);
    void *st = ops->create("fuzz", &err);
    size_t fed = 0, pos = 0;
    int rc = -1;
    if (!out || !st)
        abort();
    if (raw)
        ops->skip_checksum(st, NULL);
    o->p = malloc(FUZZ_GZIP_MAX_OUT);
    o->n = 0;
    o->capped = false;
    if (!o->p)
        abort();
    for (;;) {
        ls_dec_io io;
        if (pos == fed)
            fed = fed + in_chunk < len ? fed + in_chunk : len;
        io = (ls_dec_io){.in = in, .in_len = fed, .in_pos = pos, .out = out, .out_len = out_chunk};
        if (ops->decode(st, &io, &err) < 0)
            break;
        if (io.in_pos > fed || io.out_pos > out_chunk)
            abort(); /* a decoder moved past its buffers */
        if (o->n + io.out_pos > FUZZ_GZIP_MAX_OUT) {
            o->capped = true;
            break;
        }
        memcpy(o->p + o->n, out, io.out_pos);
        o->n += io.out_pos;
        if (io.in_pos == pos && io.out_pos == 0 && fed == len) {
            rc = ops->finish(st, len, &err);
            break;
        }
        pos = io.in_pos;
    }
    ops->destroy(st);
    free(out);
    return rc;
}

static void both_ways(const ls_decoder_ops *ops, const uint8_t *in, size_t len, size_t in_chunk,
                      size_t out_chunk)
{
    out_buf checked, raw;
    int rc_checked = decode(ops, false, in, len, in_chunk, out_chunk, &checked);
    int rc_raw = decode(ops, true, in, len, in_chunk, out_chunk, &raw);
    if (rc_checked == 0 && rc_raw == 0 && !checked.capped && !raw.capped &&
        (checked.n != raw.n || memcmp(checked.p, raw.p, checked.n) != 0))
        abort(); /* one inflater, one stream: skipping the CRC changed the bytes */
    free(checked.p);
    free(raw.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t in_chunk, out_chunk;
    if (size < 2)
        return 0;
    in_chunk = 1 + (size_t)data[0] * 17;    /* 1 .. 4336 */
    out_chunk = 1 + (size_t)data[1] * 257;  /* 1 .. 65536 */
    data += 2;
    size -= 2;
    both_ways(ls_decoder_gzip_zlib(), data, size, in_chunk, out_chunk);
#ifdef LAYERSCAN_HAVE_ISAL
    both_ways(ls_decoder_gzip_isal(), data, size, in_chunk, out_chunk);
#endif
    return 0;
}
