/*
 * sniff.h - which compression a stream's first bytes say it is, by magic
 * number (media types and file names lie). One rule for every stream: a
 * layer blob (blob.c, which decodes gzip and zstd and refuses the others)
 * and a file inside a layer (layer/nested.c, which opens all four).
 *
 * gzip is ID1 ID2 CM = 1f 8b 08: RFC 1952 defines no other method, and
 * every inflater here (zlib, ISA-L, libarchive's gzip reader) refuses any
 * other, so two bytes alone would only turn a binary file that happens to
 * start with 1f 8b into a corrupt archive.
 */
#ifndef LS_SNIFF_H
#define LS_SNIFF_H

#include <stddef.h>

typedef enum {
    LS_SNIFF_NONE = 0,
    LS_SNIFF_GZIP,    /* 1f 8b 08 */
    LS_SNIFF_ZSTD,    /* 28 b5 2f fd */
    LS_SNIFF_BZIP2,   /* "BZh1".."BZh9" + a block or end-of-stream magic */
    LS_SNIFF_XZ       /* fd "7zXZ" 00 */
} ls_sniffed;

/* The most head bytes ls_sniff looks at (fewer are fine at the end of a
 * short stream: a shorter head is simply not that format). */
#define LS_SNIFF_BYTES 10u

/* The compression of a stream whose first len bytes are head. */
ls_sniffed ls_sniff(const unsigned char *head, size_t len);

#endif
