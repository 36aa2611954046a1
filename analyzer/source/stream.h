/*
 * stream.h - an image archive read once from a pipe (`layerscan scan -`).
 *
 * A pipe cannot be indexed and read again like a file: its members pass
 * once, in the order the writer chose, and `docker save` writes
 * manifest.json after the layers. So the walk sorts each member as it
 * passes: a layer blob is handed to the caller's visitor at once (which
 * scans it there and then), while metadata (manifest.json, index.json, the
 * config, OCI manifests, attestation statements: small members) is kept in
 * an anonymous memory file, bounded in all. At the end the kept members
 * and the names of the passed ones form an ordinary indexed store
 * (store.h), which the docker-archive and OCI transports load as they load
 * a file; asking that store for a passed member's bytes is an error naming
 * the stream ("read once, not kept").
 *
 * A stream whose first regular member is not an image archive's (a layer
 * tar piped in, or a compressed layer) is one lone layer: the bytes read to
 * decide that are replayed in front of the rest of the pipe.
 */
#ifndef LS_SOURCE_STREAM_H
#define LS_SOURCE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/reader.h"
#include "layerscan/error.h"
#include "source/tarindex.h"

/* Layer blobs a stream may pass (each is scanned, and its result held,
 * before the manifest says which are the image's): Docker allows 127 layers
 * an image, so this leaves room for many platforms. */
#define LS_STREAM_MAX_BLOBS 4096u

/* Metadata a stream may hold in all (the kept members). */
#define LS_STREAM_KEPT_MAX ((uint64_t)256 << 20)

/* A layer blob as it passes: `name` its member name ("blobs/sha256/HEX",
 * "ID/layer.tar"), or NULL when the whole stream is one layer; raw its
 * bytes, which the visitor frees before it returns. 0, or -1 with err
 * filled to end the walk (failures that are the caller's, like out of
 * memory; a layer's own problems are the visitor's to record). */
typedef int (*ls_stream_layer_fn)(void *ctx, const char *name, ls_reader *raw, ls_error *err);

typedef struct {
    bool lone;          /* the stream was one layer, handed to the visitor whole */
    int fd;             /* the kept members' memory file (-1 for a lone layer) */
    ls_tarindex *index; /* the archive's members; passed ones at LS_TAR_NOT_KEPT */
} ls_stream_walk_result;

/* A reader over descriptor fd (borrowed) read forward with read(2): a pipe,
 * stdin. NULL when out of memory. */
ls_reader *ls_stream_fd(int fd, const char *label);

/* Reads src (borrowed) to its end. max_json bounds one kept member (a larger
 * one that is not a layer is skipped, as unreadable metadata). With
 * `archive` the stream must be an image archive (the transport was named):
 * no lone layer is considered. 0 with out
 * filled (the caller owns out->fd and out->index; index may carry a
 * problem, as ls_tarindex_build's); -1 with err filled. */
int ls_stream_walk(ls_reader *src, const char *label, uint64_t max_json, bool archive, ls_stream_layer_fn visit,
                   void *ctx, ls_stream_walk_result *out, ls_error *err);

#endif
