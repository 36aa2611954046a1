/*
 * gzip_frame.h - a gzip member's header and trailer (RFC 1952) parsed
 * byte by byte across any input split, for the inflaters' raw-deflate mode
 * (internal to analyzer/blob).
 *
 * Why: when a SHA-256 over the same bytes is checked by the caller (the
 * manifest digest or the config's diff_id), the member's CRC-32 proves
 * nothing more and costs a pass over every decompressed byte (about 5% of
 * an ISA-L decode). The inflaters then decode raw deflate between a header
 * and a trailer parsed here: every structural check stays (magic, method,
 * reserved flags, the length in the trailer), only the CRC-32 values are
 * skipped (the data's and the optional header's).
 */
#ifndef LS_BLOB_GZIP_FRAME_H
#define LS_BLOB_GZIP_FRAME_H

#include <stdint.h>

#include "blob/decoder.h"
#include "layerscan/error.h"

typedef struct {
    unsigned phase;      /* where in the header or trailer (gzip_frame.c) */
    unsigned char flags; /* the header's FLG byte */
    uint32_t skip;       /* bytes of the current field still to skip */
    unsigned got;        /* trailer bytes collected */
    unsigned char trailer[8];
} ls_gz_frame;

/* Starts a member's header. */
void ls_gz_frame_header_begin(ls_gz_frame *f);

/* Consumes header bytes from io (advancing io->in_pos and *consumed).
 * Returns 1 once the header is complete, 0 if it needs more input, -1 with
 * err (LS_ERR_FORMAT, "corrupt gzip data at byte N: ...") if it is not a
 * deflate gzip header. */
int ls_gz_frame_header(ls_gz_frame *f, ls_dec_io *io, uint64_t *consumed, const char *label,
                       ls_error *err);

/* The CRC-32 a complete trailer claims. */
uint32_t ls_gz_frame_crc(const ls_gz_frame *f);

/* Starts a member's 8-byte trailer. */
void ls_gz_frame_trailer_begin(ls_gz_frame *f);

/* Consumes trailer bytes. Returns 1 once complete and its length field
 * equals `isize` (the member's decoded length modulo 2^32), 0 if it needs
 * more input, -1 with err on a length mismatch. */
int ls_gz_frame_trailer(ls_gz_frame *f, ls_dec_io *io, uint32_t isize, uint64_t *consumed,
                        const char *label, ls_error *err);

#endif
