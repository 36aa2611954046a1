/*
 * blob_map.h - a plain tar blob served straight from a read-only mapping.
 *
 * When the raw reader can map its bytes (a layer in a local file), a plain
 * tar needs neither a decoder nor a read system call: a peek copies the next
 * piece out of the mapping under the SIGBUS guard (core/mapguard.h: a file
 * cut short is then an error, not a crash) and lends it, and the one SHA-256
 * a plain tar needs (its digest is its diff_id) runs on a thread of its own
 * over the whole mapping while the layer is walked. The pages both sides have passed are dropped from the
 * process (MADV_DONTNEED; the page cache keeps them), so resident memory
 * stays flat however large the layer is.
 */
#ifndef LS_BLOB_MAP_H
#define LS_BLOB_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "blob/sha256.h"
#include "layerscan/error.h"

typedef struct ls_blob_map ls_blob_map;

/* Serves [base, base+len), which must stay mapped until ls_blob_map_free.
 * threaded: hash on a thread of its own (else on the caller's, as pieces
 * are taken). `label` names the blob (and its file) in messages. NULL with err filled on
 * allocation failure. */
ls_blob_map *ls_blob_map_new(const unsigned char *base, uint64_t len, bool threaded,
                             const char *label, ls_error *err);

/* Lends the next piece (valid until the next call on m). Returns its size,
 * 0 at the end, -1 (err filled, LS_ERR_IO "input file shrank while being
 * read", sticky) when the file was cut short under the mapping. A hashing
 * failure is reported by finish. */
ssize_t ls_blob_map_peek(ls_blob_map *m, const void **buf, ls_error *err);

/* Copies up to n of the next bytes into buf. Returns the count, 0 at the
 * end, -1 as ls_blob_map_peek. */
ssize_t ls_blob_map_read(ls_blob_map *m, void *buf, size_t n, ls_error *err);

/* Waits for the hash of every byte (read or not) and writes it into
 * diff_id. Returns 0, or -1 with err filled if a read or hashing failed
 * (the file cut short: the read's error first). */
int ls_blob_map_finish(ls_blob_map *m, char diff_id[LS_DIGEST_MAX], ls_error *err);

/* The blob's size. */
uint64_t ls_blob_map_size(const ls_blob_map *m);

/* Stops the hashing thread (if any) and frees m. Accepts NULL. */
void ls_blob_map_free(ls_blob_map *m);

#endif
