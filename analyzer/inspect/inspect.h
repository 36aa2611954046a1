/*
 * inspect.h - incident response over one image, without the matcher: the
 * layer inventory, the exact bytes of one entry as one layer stored it, and
 * what one layer changed. Library code the CLI commands (layers, extract,
 * diff) call; each walks layer tars through source -> blob -> layer like the
 * scan does, so a deleted or overwritten file is still reachable.
 */
#ifndef LS_INSPECT_H
#define LS_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob/blob.h"
#include "blob/sha256.h"
#include "layer/layer.h"
#include "layerscan/error.h"
#include "layerscan/scan.h"
#include "source/source.h"

typedef struct {
    size_t index;
    ls_blob_info blob;        /* compression, compressed and uncompressed sizes, digest, diff_id */
    ls_layer_counts counts;   /* tar entries and whiteouts walked */
    bool digest_verified;     /* the image declares a digest or diff_id and all declared ones matched */
    bool complete;            /* the whole blob was read without error */
} ls_layer_inventory;

/* Walks layer i of src, calling fn (may be NULL) for every entry, then drains
 * and hashes the rest of the blob into inv. Returns 0, or -1 with err filled
 * when the blob is missing, corrupt or truncated, or fn stopped the walk (inv
 * holds what was seen). */
int ls_inspect_walk(ls_source *src, size_t i, ls_entry_fn fn, void *ud, ls_layer_inventory *inv,
                    ls_error *err);

/* Whether the bytes of a walked layer are the ones the image names. Evidence
 * taken from a layer says which: a digest is only known once the whole
 * layer was read, so the caller holds its output back until then. */
typedef enum {
    LS_LAYER_VERIFIED,  /* every digest the image declares for it (blob, diff_id) matched */
    LS_LAYER_NO_DIGEST, /* the image declares none (a bare tar): nothing to check */
    LS_LAYER_MISMATCH   /* a declared digest differs from the content: tampered or corrupt */
} ls_layer_trust;

/* The trust of the layer inv describes (inv->index of img, walked whole).
 * On LS_LAYER_MISMATCH, why (cap bytes, may be NULL) gets one line naming
 * each mismatch, expected then actual: "blob digest mismatch: manifest says
 * sha256:..., content is sha256:...; diff_id mismatch: config says ...". */
ls_layer_trust ls_inspect_trust(const ls_image *img, const ls_layer_inventory *inv, char *why, size_t cap);

/* Writes the data of the entry at path (normalized: "/root/.ssh/id_rsa") as
 * layer i serves it to fd, streaming: the last entry of the layer's tar at
 * that path decides, as when a runtime unpacks the layer (a file then a
 * symlink there is a symlink; two files, the later one's bytes), except that
 * a whiteout only hides the layers below (OCI: a file of the same layer
 * stays, whatever the order; the scan and diff read it so too). A hard link
 * with no data of its own gives the bytes its target had at that point of
 * the tar; a sparse file's holes are written as zeros (refused past
 * LS_SPARSE_FILL_MAX). fd must be a regular file: a replaced entry rewinds
 * and truncates it. *bytes and sha256 (may be NULL) describe what was
 * written; *inv (may be NULL) the layer as walked, to check with
 * ls_inspect_trust before the bytes are used (the worst of the walks when a
 * hard link took two). Returns 0, or -1 with err filled: LS_ERR_USAGE when
 * layer i has no such entry or the entry has no bytes (directory, symlink -
 * never followed -, whiteout...), LS_ERR_LIMIT for a sparse file with too
 * many holes, LS_ERR_IO on a write error, others from the walk.
 *
 * path may name a member of a nested archive as the scan reports it
 * ("/app/a.jar!/BOOT-INF/x.properties", "/b/env.gz!/env", deeper with more
 * "!/"): the entry before the first "!/" that the layer has is opened as the
 * scan opens it (layer/nested.h, with lim - the scan's --max-nested-*; NULL
 * for the defaults - and its depth rule) and the member's bytes as the scan
 * read them are written. An entry at exactly path wins over such a reading;
 * the last member of a name wins. LS_ERR_USAGE when the member is not there
 * ("layer 6 has no entry P: /app/a.jar (zip) has no member x"), LS_ERR_LIMIT
 * when a limit cut the member short (nothing partial is handed out). */
int ls_inspect_extract(ls_source *src, size_t i, const char *path, const ls_nested_limits *lim, int fd,
                       uint64_t *bytes, char sha256[LS_DIGEST_MAX], ls_layer_inventory *inv, ls_error *err);

typedef enum {
    LS_DIFF_ADDED,    /* nothing at the path in the layers below */
    LS_DIFF_CHANGED,  /* replaces what the layers below had there */
    LS_DIFF_DELETED,  /* a whiteout */
    LS_DIFF_HIDDEN    /* an opaque directory: everything below it is hidden */
} ls_diff_kind;

typedef struct {
    ls_diff_kind kind;
    ls_entry_type type;       /* of this layer's entry (whiteout/opaque for those) */
    char *path;
    int64_t size;             /* data size in this layer; for deleted/hidden: bytes below it hid */
    uint64_t count;           /* deleted/hidden: entries of the layers below it hid */
} ls_diff_item;

typedef struct {
    ls_diff_item *items;      /* in tar order */
    size_t n;
    ls_layer_inventory *layers; /* layers 0..i as walked, for ls_inspect_trust: the diff rests on all */
    size_t n_layers;
} ls_diff;

/* What layer i did relative to the union of layers 0..i-1. Returns 0 with
 * *out set (free with ls_diff_free), or -1 with err filled. The caller
 * checks out->layers before it trusts the result. */
int ls_inspect_diff(ls_source *src, size_t i, ls_diff **out, ls_error *err);
void ls_diff_free(ls_diff *d);
const char *ls_diff_kind_name(ls_diff_kind k); /* "added", "changed", "deleted", "hidden" */

#endif
