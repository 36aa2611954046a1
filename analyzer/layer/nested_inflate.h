/*
 * nested_inflate.h - the gzip or zstd wrapper of a nested stream (a Debian
 * changelog.gz, a man page, the outside of a nested tar.gz or tar.zst)
 * inflated by the blob stage's decoders (blob/decoder.h: ISA-L's igzip when
 * built with it, else zlib; libzstd) instead of libarchive's zlib filter.
 * Internal to layer/nested.c, which reads the result with libarchive as a
 * tar or as one raw file, as before.
 *
 * What libarchive's gzip and zstd filters did is what the reports showed, so
 * this keeps their semantics, not the blob stage's:
 *  - gzip members back to back are one stream; after a member, bytes that
 *    do not start another one end the stream and are ignored (the blob
 *    stage refuses them as trailing garbage); the CRC-32 is not verified;
 *  - zstd frames back to back are one stream; anything else after a frame
 *    is damage; content checksums are verified;
 *  - an output that is itself of the same kind (a .gz of a .gz) is inflated
 *    again, up to LS_NESTED_INFLATE_MAX_LAYERS in all (libarchive's filter
 *    bidding loop).
 */
#ifndef LS_NESTED_INFLATE_H
#define LS_NESTED_INFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/blocks.h"
#include "layer/nested.h"
#include "layerscan/error.h"

/* The most wrappers libarchive unwrapped: its filter bidding stops at
 * MAX_NUMBER_FILTERS (25) and fails when the 25th would be needed. */
#define LS_NESTED_INFLATE_MAX_LAYERS 24

typedef struct ls_nested_inflate ls_nested_inflate;

/* Whether a stream whose first len bytes are head is one libarchive's
 * `kind` filter (LS_NESTED_GZIP or LS_NESTED_ZSTD) takes: for gzip a
 * complete header without reserved flags (so len must reach past it), for
 * zstd a frame or skippable-frame magic. */
bool ls_nested_inflate_bids(ls_nested_kind kind, const unsigned char *head, size_t len);

/* Opens the inflater of a `kind` stream whose compressed bytes come from
 * below (from their first byte, which must bid), stacking another layer for
 * each output that bids again. Every compressed byte pulled from below is
 * added to *consumed. Returns the inflater with *why[0] == '\0'; NULL with
 * why set ("truncated gzip input") when the stream is damaged
 * before its output could be sniffed; NULL with err filled (why empty) when
 * below failed or on allocation failure. */
ls_nested_inflate *ls_nested_inflate_open(ls_nested_kind kind, ls_blocks *below, uint64_t *consumed,
                                          char *why, size_t why_cap, ls_error *err);

/* The plain bytes as a block source. Its next() returns -1 with err filled
 * when below failed, on allocation failure, or when the stream is damaged
 * (LS_ERR_FORMAT or LS_ERR_LIMIT; ls_nested_inflate_damage says which). The
 * bytes decoded before damage are delivered first. */
ls_blocks ls_nested_inflate_src(ls_nested_inflate *f);

/* The one-line reason when the stream is damaged ("corrupt gzip data at
 * byte 12: invalid code"), else NULL: a failure of next() with no damage
 * is below's or an allocation's. */
const char *ls_nested_inflate_damage(const ls_nested_inflate *f);

/* Plain bytes delivered so far. */
uint64_t ls_nested_inflate_out(const ls_nested_inflate *f);

/* Frees f and its decoders. Accepts NULL. */
void ls_nested_inflate_free(ls_nested_inflate *f);

#endif
