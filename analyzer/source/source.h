/*
 * source.h - image transports: turn a reference into an ls_image and a byte
 * stream per layer blob.
 *
 * A reference is "TRANSPORT:PATH[:REF]" in skopeo's spelling (docker-archive:,
 * oci:, oci-archive:) or a bare path that is sniffed: a directory with
 * index.json is an OCI layout; a tar holding manifest.json is a docker-archive
 * (legacy <id>/layer.tar or current Docker's OCI-in-tar form); a tar holding
 * only index.json is an oci-archive; anything else is a lone layer blob
 * (tar, tar.gz, tar.zst) with no config.
 *
 * Archives are never extracted: we index the outer tar's members once
 * (name -> offset, size) and read blobs in place with pread, so memory stays
 * bounded by the index, not by the image, and each layer gets an independent
 * reader (layers can later be scanned in parallel).
 *
 * "docker://HOST/REPO[:TAG|@DIGEST]" is a registry (analyzer/registry):
 * metadata is fetched when the source opens and each layer reader streams
 * its blob over its own HTTP connection.
 */
#ifndef LS_SOURCE_H
#define LS_SOURCE_H

#include "blob/blob.h"
#include "core/reader.h"
#include "layerscan/error.h"
#include "layerscan/image.h"
#include "source/attached.h"
#include "source/platform.h"
#include "source/stream.h"

typedef struct ls_source ls_source;

struct ls_registry_opts;

typedef struct {
    const char *platform; /* "os/arch[/variant]" or NULL for the default */
    const struct ls_registry_opts *registry; /* docker:// credentials and TLS; NULL = defaults */
    uint64_t max_json_bytes; /* --max-json-size for index/manifest/config; 0 = LS_MAX_JSON_BYTES */
    uint64_t max_layer_bytes; /* --max-layer-size: bound on every layer blob; 0 = LS_DEFAULT_MAX_LAYER_BYTES */
    uint64_t deadline_ms;     /* ls_monotonic_ms() past which registry requests and layer
                               * reads fail (--image-timeout); 0 = none */
    ls_blob_opts blob;        /* how the layer blobs are read (mapped, decoded on a thread) */
    const char *engine_socket; /* docker-daemon: the engine's Unix socket; NULL = Docker's */
    /* With platform "all" (LS_PLATFORM_ALL, pipeline/platforms.h): the
     * images of the index, listed here as the index is resolved (the first
     * is the one loaded); the caller clears it. Required with "all". */
    ls_platform_list *platforms;
} ls_source_opts;

/* The default bound on one layer blob (compressed bytes as stored). */
#define LS_DEFAULT_MAX_LAYER_BYTES (64ull << 30)

/* Opens ref, reads index/manifest/config. On failure returns -1 with err
 * filled (LS_ERR_IO, LS_ERR_FORMAT, LS_ERR_USAGE for a platform that is not
 * there, listing the ones that are; for docker:// also LS_ERR_DIGEST and
 * registry errors naming the reference); *out is then NULL. */
int ls_source_open(ls_source **out, const char *ref, const ls_source_opts *opts, ls_error *err);

/* Whether ref is read from a stream: "-", "docker-archive:-", "oci-archive:-",
 * or "docker-daemon:NAME" (the engine's saved archive: registry/engine.h). */
bool ls_source_is_stream(const char *ref);

/* Opens a stream ref (ls_source_is_stream) read once from fd (borrowed: a
 * pipe, stdin) as source/stream.h describes: every layer blob is handed to
 * `visit` as it passes, by its member name (NULL when the stream is one
 * lone layer), before this returns; then the image is loaded from the kept
 * metadata, as for the archive file. The source's layer readers fail
 * (LS_ERR_UNSUPPORTED: a layer is not kept), so layers must be matched to
 * the visited blobs by their location (ls_layer_ref.location, the member
 * name). -1 with err filled as ls_source_open, or with the visitor's error. */
int ls_source_open_stream(ls_source **out, const char *ref, int fd, const ls_source_opts *opts,
                          ls_stream_layer_fn visit, void *ctx, ls_error *err);

/* For a stream's archive: the member name layer i was read from (as the
 * visitor saw it; links in the archive followed), or NULL (a lone layer,
 * a layer whose blob the stream did not hold). Owned by src. */
const char *ls_source_stream_member(const ls_source *src, size_t i);

/* The parsed image; owned by src. */
const ls_image *ls_source_image(const ls_source *src);

/* A new reader over the raw (possibly compressed) bytes of layer i's blob,
 * which the caller frees. Every transport's reader is bounded the same way
 * (ls_reader_bounded: max_layer_bytes and the deadline); a layer whose
 * declared size (the manifest's, or the lone file's) is above the bound is
 * refused before any byte is fetched. Returns NULL with err filled if the
 * blob is missing or refused (LS_ERR_LIMIT). Safe to call from several
 * threads at once (one reader per thread). */
ls_reader *ls_source_open_layer(ls_source *src, size_t i, ls_error *err);

/* How the caller opens the layer blobs (ls_blob_open_with): the opts.blob
 * the source was opened with; owned by src. */
const ls_blob_opts *ls_source_blob_opts(const ls_source *src);

/* The manifests attached to the image (source/attached.h): attestations,
 * signatures, referrers. An empty list for a transport that has none. With
 * index_only, a registry is asked for nothing more than the image index
 * named (no referrers, no cosign tags: three requests an image saved in a
 * bulk audit). 0, or -1 with err filled (what was found before the failure
 * stays in out); the caller frees out with ls_attached_list_free. */
int ls_source_find_attached(ls_source *src, bool index_only, ls_attached_list *out, ls_error *err);

/* A blob of the image by digest, whole, bounded by --max-json-size and
 * verified against the digest (for attached manifests' blobs: statements,
 * payloads, bundles). The caller frees *data. LS_ERR_UNSUPPORTED for a
 * transport without blobs. */
int ls_source_read_blob(ls_source *src, const char *digest, unsigned char **data, size_t *len,
                        ls_error *err);

/* Frees src (and its image). Accepts NULL. */
void ls_source_free(ls_source *src);

#endif
