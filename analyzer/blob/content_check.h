/*
 * content_check.h - a compression format's own checksum of its output
 * (gzip's CRC-32 per member, zstd's XXH64 per frame), verified off the
 * decoder's path (internal to analyzer/blob).
 *
 * Why: when a SHA-256 vouches for a layer the inflater skips the format's
 * checksum (a pass over every decompressed byte). A wrong checksum is still
 * evidence (a runtime refuses to unpack such a layer), so the blob computes
 * it where it already hashes the plain bytes for the diff_id: on whichever
 * thread is idle, in stream order. The decoder only says where each member
 * (frame) ends and what its trailer claims; this file pairs the two and
 * remembers the first mismatch, which ls_blob_finish reports.
 *
 * Two sides, each used by one thread at a time (they may run at once):
 * the decoder side (end, expect) and the hashing side (update, finish).
 * The members whose end is posted but not yet settled are bounded
 * (LS_CCHECK_CAP): the blob publishes its ring slot early when room runs
 * low (ls_ccheck_room), so the hashing side can always catch up.
 */
#ifndef LS_BLOB_CONTENT_CHECK_H
#define LS_BLOB_CONTENT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"

typedef enum {
    LS_CCHECK_CRC32, /* gzip: CRC-32 (ISA-L's crc32_gzip_refl, else zlib's crc32) */
    LS_CCHECK_XXH64  /* zstd: the low 32 bits of XXH64 (seed 0) of the frame's content */
} ls_ccheck_kind;

/* Members (frames) posted and not yet compared. */
#define LS_CCHECK_CAP 64

typedef struct ls_ccheck ls_ccheck;

/* A checker; label (borrowed, outlives it) names the blob in messages.
 * NULL on allocation failure. */
ls_ccheck *ls_ccheck_new(ls_ccheck_kind kind, const char *label);

/* Decoder side: the next member's data ended after `bytes` plain bytes. */
void ls_ccheck_end(ls_ccheck *c, uint64_t bytes);

/* Decoder side, after ls_ccheck_end of the same member: the checksum its
 * trailer (frame) claims; has == false when it carries none (a zstd frame
 * without the checksum flag, a skippable frame). */
void ls_ccheck_expect(ls_ccheck *c, bool has, uint32_t value);

/* How many more members may be posted before the hashing side has to catch
 * up (the decoder side posts at most 2 per blob_pull). */
size_t ls_ccheck_room(ls_ccheck *c);

/* Hashing side: the next n plain bytes, in stream order. */
void ls_ccheck_update(ls_ccheck *c, const void *p, size_t n);

/* Once every byte was hashed and the decoder finished: 0 when every
 * member's checksum matched, else -1 with err (LS_ERR_FORMAT) naming the
 * first member that did not and how many did not. */
int ls_ccheck_finish(ls_ccheck *c, ls_error *err);

/* Frees c. Accepts NULL. */
void ls_ccheck_free(ls_ccheck *c);

#endif
