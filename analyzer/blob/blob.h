/*
 * blob.h - one layer blob as a stream of uncompressed tar bytes.
 *
 * Sniffs the magic bytes (blob/sniff.h): gzip (1f 8b 08), zstd (28 b5 2f fd),
 * otherwise passed through as plain tar. Decompresses in a stream and hashes
 * both the compressed bytes (the manifest digest) and the uncompressed bytes
 * (rootfs.diff_ids[i]) with SHA-256 (once for a plain tar, where both are
 * the same bytes). xz and bzip2 are recognised and refused. Each
 * decompressor sits behind the small vtable in decoder.h (decode_*.c); a
 * mappable plain tar is served from the mapping (blob_map.c) and a
 * compressed one decoded in place, on a decoder thread unless
 * ls_blob_opts says otherwise.
 */
#ifndef LS_BLOB_H
#define LS_BLOB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/reader.h"
#include "layerscan/error.h"

typedef enum {
    LS_COMP_NONE = 0,
    LS_COMP_GZIP,
    LS_COMP_ZSTD
} ls_compression;

typedef struct ls_blob ls_blob;

typedef struct {
    ls_compression compression;
    uint64_t compressed_bytes;   /* bytes read from the raw reader */
    uint64_t bytes;              /* uncompressed bytes produced */
    char digest[72];             /* "sha256:<64 hex>" of the compressed bytes */
    char diff_id[72];            /* "sha256:<64 hex>" of the uncompressed bytes */
} ls_blob_info;

/* Takes ownership of raw. Returns NULL with err filled on failure (raw freed):
 * LS_ERR_UNSUPPORTED for xz or bzip2, LS_ERR_IO/FORMAT if the first read fails. */
ls_blob *ls_blob_open(ls_reader *raw, ls_error *err);

/* Same, with `name` (e.g. "blobs/sha256/ab12..") starting every error
 * message; ls_blob_open uses "layer blob". */
ls_blob *ls_blob_open_named(ls_reader *raw, const char *name, ls_error *err);

/* How a blob is read; all false (or a NULL pointer) is the default. The
 * program sets these (LAYERSCAN_MMAP=0, LAYERSCAN_DECODE_THREAD=0, for
 * measurements); the bytes read are the same either way. */
typedef struct {
    bool no_map;    /* read a mappable file with read(2) instead of mapping it */
    bool no_thread; /* decompress on the reading thread, not on a decoder thread */
} ls_blob_opts;

/* ls_blob_open_named with opts (NULL = the defaults). */
ls_blob *ls_blob_open_with(ls_reader *raw, const char *name, const ls_blob_opts *opts, ls_error *err);

/* Returns the detected compression (valid right after open). */
ls_compression ls_blob_compression(const ls_blob *b);

/* The caller will compare this blob's digest or diff_id with an expected
 * SHA-256 (a manifest or config names it): the compression format's own
 * checksum of the output (gzip's CRC-32) then proves nothing more and is
 * not computed; every structural check of the stream stays. Call before
 * the first read; later calls do nothing. */
void ls_blob_skip_checksum(ls_blob *b);

/* Reads decompressed bytes: count, 0 at the end, -1 on a corrupt or truncated
 * stream (err filled: LS_ERR_FORMAT names the problem). */
ssize_t ls_blob_read(ls_blob *b, void *buf, size_t n, ls_error *err);

/* Zero-copy read: *buf points at the next decompressed bytes (up to one
 * ring slot), lent until the next call on b. Returns the count, 0 at the end,
 * -1 as ls_blob_read. Reads and peeks may be mixed. */
ssize_t ls_blob_peek(ls_blob *b, const void **buf, ls_error *err);

/* A reader view over the decompressed stream (borrowing b; freeing the view
 * does not free b), peek included. Used to hand the stream to the layer
 * walker. */
ls_reader *ls_blob_reader(ls_blob *b);

/* Drains whatever the consumer did not read (still decompressing and hashing
 * it, so digests cover the whole blob) and fills info. Returns 0, or -1 if the
 * remaining stream is corrupt (info is still filled with what was seen). */
int ls_blob_finish(ls_blob *b, ls_blob_info *info, ls_error *err);

/* "gzip" | "zstd" | "none" */
const char *ls_compression_name(ls_compression c);

/* The gzip inflater this build uses: "isa-l VERSION" or "zlib". */
const char *ls_blob_inflater(void);

/* Frees b and its raw reader. Accepts NULL. */
void ls_blob_free(ls_blob *b);

#endif
