/*
 * blob.c - one layer blob as a stream of uncompressed tar bytes.
 *
 * The raw reader is pulled into one fixed input buffer (allocated with the
 * blob, reused for every read), the first bytes are sniffed for a magic
 * number (media types lie), and a decoder from decoder.h turns them into
 * plain bytes written straight into the caller's buffer. Both sides are
 * hashed as they pass: the compressed bytes give the manifest digest, the
 * plain ones the diff_id. Memory is the blob struct plus the decoder's
 * bounded state, whatever the input. Errors are sticky: once a read fails,
 * every later read fails with the same message.
 */
#include "blob/blob.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/decoder.h"
#include "blob/sha256.h"

#define BLOB_IN_SIZE (128u * 1024u)
#define BLOB_DRAIN_SIZE (64u * 1024u)
#define BLOB_SNIFF_SIZE 10u

struct ls_blob {
    ls_reader *raw;                 /* owned */
    ls_compression compression;
    const ls_decoder_ops *ops;
    void *dec;                      /* decoder state */
    ls_sha256 h_raw, h_plain;       /* compressed / uncompressed digests */
    uint64_t compressed_bytes, bytes;
    size_t in_pos, in_len;          /* window of `in` not yet decoded */
    bool eof;                       /* raw reader returned 0 */
    bool done;                      /* decoder finished cleanly */
    bool failed;                    /* sticky error in `error` */
    bool raw_failed;                /* the raw reader itself failed */
    bool finished;                  /* digests finalised into `info` */
    ls_error error;
    ls_blob_info info;
    char label[256];                /* names the blob in messages */
    unsigned char in[BLOB_IN_SIZE];
    unsigned char drain[BLOB_DRAIN_SIZE];
};

const char *ls_compression_name(ls_compression c)
{
    switch (c) {
    case LS_COMP_GZIP: return "gzip";
    case LS_COMP_ZSTD: return "zstd";
    case LS_COMP_NONE: return "none";
    }
    return "none";
}

/* Appends one raw read at in_len, hashing it. Returns bytes read, 0 at EOF. */
static ssize_t blob_read_raw(ls_blob *b, ls_error *err)
{
    ssize_t k = ls_reader_read(b->raw, b->in + b->in_len, BLOB_IN_SIZE - b->in_len, err);
    if (k < 0) {
        b->raw_failed = true;
        return -1;
    }
    if (k == 0) {
        b->eof = true;
        return 0;
    }
    if (ls_sha256_update(&b->h_raw, b->in + b->in_len, (size_t)k, err) < 0)
        return -1;
    b->in_len += (size_t)k;
    b->compressed_bytes += (uint64_t)k;
    return k;
}

/* Refills the (fully consumed) input buffer. */
static int blob_refill(ls_blob *b, ls_error *err)
{
    b->in_pos = b->in_len = 0;
    return blob_read_raw(b, err) < 0 ? -1 : 0;
}

static bool has_magic(const ls_blob *b, const char *magic, size_t n)
{
    return b->in_len >= n && memcmp(b->in, magic, n) == 0;
}

/* Reads the first bytes (kept in `in`) and picks the decoder. */
static int blob_sniff(ls_blob *b, ls_error *err)
{
    while (b->in_len < BLOB_SNIFF_SIZE && !b->eof)
        if (blob_read_raw(b, err) < 0)
            return -1;
    if (has_magic(b, "\x1f\x8b", 2)) {
        b->compression = LS_COMP_GZIP;
        b->ops = ls_decoder_gzip();
    } else if (has_magic(b, "\x28\xb5\x2f\xfd", 4)) {
        b->compression = LS_COMP_ZSTD;
        b->ops = ls_decoder_zstd();
    } else if (has_magic(b, "\xfd" "7zXZ\x00", 6)) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: compression xz not supported", b->label);
    } else if (has_magic(b, "BZh", 3) && b->in_len >= 10 && b->in[3] >= '1' && b->in[3] <= '9' &&
               (memcmp(b->in + 4, "1AY&SY", 6) == 0 || memcmp(b->in + 4, "\x17rE8P\x90", 6) == 0)) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: compression bzip2 not supported", b->label);
    } else {
        b->compression = LS_COMP_NONE;
        b->ops = ls_decoder_none();
    }
    b->dec = b->ops->create(b->label, err);
    return b->dec ? 0 : -1;
}

ls_blob *ls_blob_open_named(ls_reader *raw, const char *name, ls_error *err)
{
    ls_blob *b = calloc(1, sizeof *b);
    if (!b) {
        ls_reader_free(raw);
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", name ? name : "layer blob");
        return NULL;
    }
    b->raw = raw;
    snprintf(b->label, sizeof b->label, "%s", name ? name : "layer blob");
    if (!raw) {
        ls_error_set(err, LS_ERR_INTERNAL, "%s: no input reader", b->label);
        goto fail;
    }
    if (ls_sha256_init(&b->h_raw, err) < 0 || ls_sha256_init(&b->h_plain, err) < 0)
        goto fail;
    if (blob_sniff(b, err) < 0)
        goto fail;
    return b;
fail:
    ls_blob_free(b);
    return NULL;
}

ls_blob *ls_blob_open(ls_reader *raw, ls_error *err)
{
    return ls_blob_open_named(raw, NULL, err);
}

ls_compression ls_blob_compression(const ls_blob *b)
{
    return b->compression;
}

/* Records the first error so later calls repeat it, and copies it out. */
static ssize_t blob_fail(ls_blob *b, ls_error *err)
{
    b->failed = true;
    if (err)
        *err = b->error;
    return -1;
}

static ssize_t blob_repeat_failure(const ls_blob *b, ls_error *err)
{
    if (err)
        *err = b->error;
    return -1;
}

/* Produces up to n plain bytes into out; 0 at the clean end. */
static ssize_t blob_pull(ls_blob *b, unsigned char *out, size_t n, ls_error *err)
{
    if (b->failed)
        return blob_repeat_failure(b, err);
    if (b->done || n == 0)
        return 0;
    for (;;) {
        ls_dec_io io;
        size_t consumed;
        if (b->in_pos == b->in_len && !b->eof && blob_refill(b, &b->error) < 0)
            return blob_fail(b, err);
        io = (ls_dec_io){.in = b->in, .in_len = b->in_len, .in_pos = b->in_pos,
                         .out = out, .out_len = n, .out_pos = 0};
        if (b->ops->decode(b->dec, &io, &b->error) < 0)
            return blob_fail(b, err);
        consumed = io.in_pos - b->in_pos;
        b->in_pos = io.in_pos;
        if (io.out_pos > 0) {
            if (ls_sha256_update(&b->h_plain, out, io.out_pos, &b->error) < 0)
                return blob_fail(b, err);
            b->bytes += io.out_pos;
            return (ssize_t)io.out_pos;
        }
        if (b->in_pos == b->in_len && b->eof) {
            if (b->ops->finish(b->dec, b->compressed_bytes, &b->error) < 0)
                return blob_fail(b, err);
            b->done = true;
            return 0;
        }
        if (consumed == 0 && b->in_pos < b->in_len) {
            ls_error_set(&b->error, LS_ERR_INTERNAL, "%s: %s decoder made no progress", b->label,
                         b->ops->name);
            return blob_fail(b, err);
        }
    }
}

ssize_t ls_blob_read(ls_blob *b, void *buf, size_t n, ls_error *err)
{
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    return blob_pull(b, buf, n, err);
}

/* ---- reader view -------------------------------------------------------- */

static ssize_t blob_view_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    return ls_blob_read(ctx, buf, n, err);
}

static const ls_reader_ops blob_view_ops = {.read = blob_view_read, .close = NULL};

ls_reader *ls_blob_reader(ls_blob *b)
{
    return ls_reader_new(&blob_view_ops, b);
}

/* ---- finishing ---------------------------------------------------------- */

/* After a decode error the compressed digest can still cover the whole blob:
 * the raw bytes are intact even if their content is not. */
static void blob_hash_rest_of_raw(ls_blob *b)
{
    ls_error ignored;
    if (b->raw_failed)
        return;
    while (!b->eof) {
        b->in_pos = b->in_len = 0;
        if (blob_read_raw(b, &ignored) < 0)
            return;
    }
}

static int blob_finalise(ls_blob *b, ls_error *err)
{
    b->info.compression = b->compression;
    b->info.compressed_bytes = b->compressed_bytes;
    b->info.bytes = b->bytes;
    if (ls_sha256_final(&b->h_raw, b->info.digest, err) < 0 ||
        ls_sha256_final(&b->h_plain, b->info.diff_id, err) < 0)
        return -1;
    b->finished = true;
    return 0;
}

int ls_blob_finish(ls_blob *b, ls_blob_info *info, ls_error *err)
{
    if (!b->finished) {
        ssize_t k;
        do
            k = blob_pull(b, b->drain, sizeof b->drain, NULL);
        while (k > 0);
        if (b->failed)
            blob_hash_rest_of_raw(b);
        if (blob_finalise(b, &b->error) < 0)
            b->failed = true;
    }
    if (info)
        *info = b->info;
    if (b->failed)
        return (int)blob_repeat_failure(b, err);
    return 0;
}

void ls_blob_free(ls_blob *b)
{
    if (!b)
        return;
    if (b->ops && b->dec)
        b->ops->destroy(b->dec);
    ls_sha256_dispose(&b->h_raw);
    ls_sha256_dispose(&b->h_plain);
    ls_reader_free(b->raw);
    free(b);
}
