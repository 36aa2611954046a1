/*
 * decode_none.c - the identity decoder: an uncompressed layer tar goes
 * through the same vtable as gzip and zstd so blob.c has one code path.
 */
#include "blob/decoder.h"

#include <string.h>

/* No state is needed; any non-NULL pointer will do. */
static const char none_state;

static void *none_create(const char *label, ls_error *err)
{
    (void)label;
    (void)err;
    return (void *)&none_state;
}

static int none_decode(void *st, ls_dec_io *io, ls_error *err)
{
    size_t n = io->in_len - io->in_pos;
    (void)st;
    (void)err;
    if (n > io->out_len - io->out_pos)
        n = io->out_len - io->out_pos;
    memcpy(io->out + io->out_pos, io->in + io->in_pos, n);
    io->in_pos += n;
    io->out_pos += n;
    return 0;
}

static int none_finish(void *st, uint64_t consumed, ls_error *err)
{
    (void)st;
    (void)consumed;
    (void)err;
    return 0;
}

static void none_destroy(void *st)
{
    (void)st;
}

static const ls_decoder_ops none_ops = {
    .name = "none",
    .create = none_create,
    .decode = none_decode,
    .finish = none_finish,
    .destroy = none_destroy,
};

const ls_decoder_ops *ls_decoder_none(void)
{
    return &none_ops;
}
