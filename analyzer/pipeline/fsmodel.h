/*
 * fsmodel.h - which layer wrote, deleted or replaced each path, and from that
 * the fate of every finding in the final image.
 *
 * Each layer records what it did to each path it touches: put an entry there
 * (a file with a content hash, a directory, or something else), whited it out,
 * or made it an opaque directory. A finding's fate is then a replay of the
 * later layers over its path, applying each layer's deletions before its
 * additions, as an overlay union mount does.
 */
#ifndef LS_FSMODEL_H
#define LS_FSMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layerscan/report.h"

typedef enum { LS_FS_NONE = 0, LS_FS_FILE, LS_FS_DIR, LS_FS_OTHER } ls_fs_kind;

/* 128-bit content identity of a regular file (XXH3-128 over its bytes). */
typedef struct {
    uint64_t lo, hi;
} ls_content_id;

typedef struct ls_fs_layer ls_fs_layer;

ls_fs_layer *ls_fs_layer_new(void);
void ls_fs_layer_free(ls_fs_layer *l);

/* Records an entry at path (a later record at the same path replaces the
 * earlier one, as extraction would). content is used for LS_FS_FILE only.
 * Returns 0 or -1 on allocation failure. */
int ls_fs_layer_put(ls_fs_layer *l, const char *path, ls_fs_kind kind, ls_content_id content);
int ls_fs_layer_whiteout(ls_fs_layer *l, const char *path);
int ls_fs_layer_opaque(ls_fs_layer *l, const char *dir);

/* The content recorded for a regular file at path, if the layer has one. */
bool ls_fs_layer_file(const ls_fs_layer *l, const char *path, ls_content_id *content);

/* Number of distinct paths recorded. */
size_t ls_fs_layer_size(const ls_fs_layer *l);

/* Serialization (the layer result cache): one path's record exactly as the
 * table holds it. Iterating a table and restoring every record into a new
 * one gives a table with the same answers to every query above. */
typedef struct {
    const char *path;        /* borrowed from the table while iterating */
    ls_fs_kind kind;         /* what the layer put there, LS_FS_NONE if nothing */
    bool whiteout;           /* the layer deletes the path from lower layers */
    bool opaque;             /* the layer hides what lower layers put under it */
    ls_content_id content;   /* meaningful for LS_FS_FILE */
} ls_fs_record;

/* Calls fn for every recorded path, in table order (deterministic for the
 * same sequence of records). Stops at and returns fn's first nonzero return;
 * 0 when all were visited. */
int ls_fs_layer_each(const ls_fs_layer *l, int (*fn)(void *ctx, const ls_fs_record *rec), void *ctx);

/* Sets the record for rec->path to exactly rec's kind, content and flags
 * (replacing what was there). Returns 0 or -1 on allocation failure. */
int ls_fs_layer_restore(ls_fs_layer *l, const ls_fs_record *rec);

typedef struct {
    ls_status status;        /* present, deleted or overwritten */
    long removed_in_layer;   /* first layer at which the content stopped being served; -1 if present */
} ls_fs_fate;

/* The fate of the file content `content` that layer `from` stored at `path`,
 * given all n layers (a NULL entry is a layer that could not be read: it is
 * treated as touching nothing). */
ls_fs_fate ls_fs_resolve(ls_fs_layer *const *layers, size_t n, size_t from, const char *path,
                         ls_content_id content);

/* What the union of layers[0..n) serves at path (the kind, and for a
 * regular file its content in *content, which may be NULL): LS_FS_NONE when
 * no layer put anything there or a later one deleted it. */
ls_fs_kind ls_fs_served(ls_fs_layer *const *layers, size_t n, const char *path, ls_content_id *content);

#endif
