/*
 * decoder.h - the small vtable every decompressor of the blob stage plugs
 * into (internal to analyzer/blob).
 *
 * The blob stage owns the buffers, the hashing and the end-of-input logic;
 * a decoder only turns compressed bytes into plain ones. The interface is
 * this narrow (create, decode, finish, destroy, and an optional
 * skip_checksum) so inflaters are interchangeable: gzip is ISA-L's
 * (decode_isal.c) when built with it, else zlib's (decode_gzip.c), chosen by
 * ls_decoder_gzip() without blob.c knowing which.
 */
#ifndef LS_BLOB_DECODER_H
#define LS_BLOB_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "blob/content_check.h"
#include "layerscan/error.h"

/* One decode step's buffers: the decoder advances in_pos and out_pos. */
typedef struct {
    const unsigned char *in;
    size_t in_len, in_pos;
    unsigned char *out;
    size_t out_len, out_pos;
} ls_dec_io;

typedef struct {
    const char *name;
    /* A fresh decoder state; label (borrowed, outlives the state) names the
     * blob in error messages. NULL with err filled on failure. */
    void *(*create)(const char *label, ls_error *err);
    /* Consumes input and produces output until either runs out (or the
     * decoder cannot progress). Returns 0, or -1 with err filled
     * (LS_ERR_FORMAT for corrupt data, LS_ERR_LIMIT for a bound). */
    int (*decode)(void *st, ls_dec_io *io, ls_error *err);
    /* Input ended after `consumed` compressed bytes and every output was
     * taken: 0 if the stream ended cleanly, -1 (LS_ERR_FORMAT) if truncated. */
    int (*finish)(void *st, uint64_t consumed, ls_error *err);
    /* Frees the state. Accepts NULL. */
    void (*destroy)(void *st);
    /* Optional (NULL: the format has no checksum to skip). Called before the
     * first decode: the caller checks a SHA-256 over these bytes, so the
     * decoder does not compute the format's own checksum of the output;
     * every structural check stays. With `check` (may be NULL: not verified
     * at all) the decoder posts each member's (frame's) end and the checksum
     * its trailer claims (ls_ccheck_end, ls_ccheck_expect), and the caller
     * verifies it where it hashes the plain bytes. A decode call that
     * produced output returns once a member ends (so a call posts at most
     * two members). */
    void (*skip_checksum)(void *st, ls_ccheck *check);
} ls_decoder_ops;

/* gzip (multi-member, zero padding tolerated): ISA-L when built with it
 * (LAYERSCAN_HAVE_ISAL), else zlib. */
const ls_decoder_ops *ls_decoder_gzip(void);
/* The same through zlib, always available. */
const ls_decoder_ops *ls_decoder_gzip_zlib(void);
#ifdef LAYERSCAN_HAVE_ISAL
/* The same through ISA-L's isal_inflate. */
const ls_decoder_ops *ls_decoder_gzip_isal(void);
#endif
/* zstd (multi-frame, window bounded) through libzstd. */
const ls_decoder_ops *ls_decoder_zstd(void);
/* plain bytes passed through. */
const ls_decoder_ops *ls_decoder_none(void);

#endif
