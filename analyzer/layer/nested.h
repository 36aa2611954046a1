/*
 * nested.h - archives inside a layer's files (jar/zip/whl/apk, tar, tar.gz,
 * single .gz/.zst/.bz2/.xz streams), opened in-stream with libarchive.
 *
 * A layer file's bytes are only ever available once, block by block, while
 * its tar entry is current: nothing is extracted to disk. So a nested
 * archive is read through libarchive's client callbacks pulling from a block
 * source (core/blocks.h) - the outer entry's data, or a member of an archive
 * one level up - and each member is handed to a visitor with its own block
 * source, which may in turn be opened as an archive. The caller (the layer
 * scan) owns the recursion, the scanners and the findings; this file owns
 * sniffing, libarchive and the limits (size, expansion ratio, entries) that
 * keep a zip bomb from costing more than a bounded amount of work. A gzip or
 * zstd wrapper is inflated by the blob stage's decoders, not libarchive's
 * (nested_inflate.h), with libarchive's semantics kept.
 */
#ifndef LS_NESTED_H
#define LS_NESTED_H

#include <stddef.h>
#include <stdint.h>

#include "core/blocks.h"
#include "layerscan/error.h"
#include "layerscan/scan.h"

typedef enum {
    LS_NESTED_NONE = 0,
    LS_NESTED_ZIP,    /* zip, jar, war, ear, whl, egg, apk, ...: PK\3\4 */
    LS_NESTED_TAR,    /* ustar/GNU tar ("ustar" at 257), or a v7 tar named *.tar */
    LS_NESTED_GZIP,   /* 1f 8b: tar.gz or a single gzip stream */
    LS_NESTED_ZSTD,   /* 28 b5 2f fd */
    LS_NESTED_BZIP2,  /* "BZh1".."BZh9" + block magic */
    LS_NESTED_XZ      /* fd "7zXZ" 00 */
} ls_nested_kind;

/* Bytes of a stream's head that ls_nested_sniff wants to see (fewer are
 * fine at the end of a short stream). */
#define LS_NESTED_SNIFF_BYTES 512

/* Which archive the head of a stream is, by magic bytes; name (may be NULL)
 * is only a hint, for v7 tars that carry no magic. */
ls_nested_kind ls_nested_sniff(const unsigned char *head, size_t len, const char *name);

/* "zip", "tar", "gzip", ... for messages. */
const char *ls_nested_kind_name(ls_nested_kind k);

/* The limits with every 0 field replaced by its default (lim may be NULL). */
ls_nested_limits ls_nested_limits_resolve(const ls_nested_limits *lim);

/* One member of a nested archive, as handed to the visitor. */
typedef struct {
    const char *name;   /* relative member name ("BOOT-INF/classes/a.properties"),
                           or the outer name without its suffix for a single
                           compressed stream ("app.env" of "app.env.gz") */
    int64_t size;       /* declared size, -1 when unknown */
} ls_nested_member;

/* Visitor for a regular-file member: may pull its data through `data` (what
 * it does not read is skipped). Return 0 to go on, -1 to stop (err filled). */
typedef int (*ls_nested_member_fn)(void *ud, const ls_nested_member *m, ls_blocks *data,
                                   ls_error *err);

/* Walks the archive of kind `kind` whose bytes come from src (which must
 * deliver them from the first byte). outer_name is the archive's own name
 * (for the member name of a single compressed stream). Returns:
 *   0  the whole archive was read;
 *   1  this archive stopped early - corrupt, truncated or over a limit - with
 *      `why` set to a one-line reason ("exceeds expansion ratio 100
 *      (--max-nested-ratio)", "corrupt zip: ..."); members already visited
 *      stay valid;
 *  -1  failure outside this archive (src failed, the visitor failed for its
 *      own reasons, allocation), err filled.
 * src is not drained: the caller reads what is left of it. */
int ls_nested_walk(ls_blocks *src, ls_nested_kind kind, const char *outer_name,
                   const ls_nested_limits *lim, ls_nested_member_fn fn, void *ud, char *why,
                   size_t why_cap, ls_error *err);

#endif
