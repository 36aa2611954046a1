/*
 * layer.h - walk every entry of one layer's tar stream.
 *
 * The uncompressed tar bytes come from a reader (the blob stage); libarchive
 * parses them through its client read callbacks (ustar, pax, GNU long names),
 * so nothing is extracted. Each entry is classified - including the OCI
 * whiteouts, which are reported as what they mean (a deletion or an opaque
 * directory) and never as content - and handed to a visitor that may pull the
 * file's data block by block while the entry is current.
 */
#ifndef LS_LAYER_H
#define LS_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/blocks.h"
#include "core/reader.h"
#include "layerscan/error.h"

typedef enum {
    LS_ENTRY_FILE,      /* regular file: data available */
    LS_ENTRY_DIR,
    LS_ENTRY_SYMLINK,   /* target recorded, never followed */
    LS_ENTRY_HARDLINK,  /* target is another entry of this layer */
    LS_ENTRY_DEVICE,    /* character or block device */
    LS_ENTRY_FIFO,
    LS_ENTRY_WHITEOUT,  /* ".wh.NAME": path is the deleted NAME */
    LS_ENTRY_OPAQUE,    /* "DIR/.wh..wh..opq": path is DIR */
    LS_ENTRY_OTHER      /* sockets, aufs metadata (.wh..wh.plnk ...) */
} ls_entry_type;

typedef struct {
    ls_entry_type type;
    const char *path;    /* normalized absolute path (see layer/path.h) */
    const char *raw_name;/* the name as stored in the tar */
    const char *target;  /* hard link: normalized absolute target; symlink: raw target; else NULL */
    int64_t size;        /* data size in the tar (0 for most non-files) */
    uint32_t mode;       /* permission bits, setuid/setgid/sticky included */
    int64_t uid, gid;    /* the owner the tar header records */
} ls_entry;

typedef struct ls_entry_data ls_entry_data;

/* The current entry's data as a block source (core/blocks.h): each block
 * stays valid until the next call, 0 ends the data, -1 is a corrupt or
 * truncated stream (err filled). Zero-copy where libarchive can. The holes
 * of a sparse entry come out as zeros, so the blocks are the file as a
 * runtime writes it, up to LS_SPARSE_FILL_MAX zeros per walk (see
 * layer/sparse.h): past that a hole is shortened to one zero byte. Valid
 * while the entry is current. */
ls_blocks ls_entry_data_blocks(ls_entry_data *d);

/* Whether a hole of this entry was shortened so far (the zero-fill budget of
 * the walk ran out): the bytes after file offset *at (may be NULL) sit at
 * other offsets than in the file. Extract refuses such an entry; the scan
 * reports it and goes on. */
bool ls_entry_data_holes_cut(const ls_entry_data *d, uint64_t *at);

/* Visitor: called once per entry in tar order. Return 0 to go on, -1 to stop
 * the walk (err filled by the visitor). Unread data is skipped. */
typedef int (*ls_entry_fn)(void *ud, const ls_entry *e, ls_entry_data *data, ls_error *err);

typedef struct {
    uint64_t entries;    /* every tar member, whiteouts included */
    uint64_t whiteouts;  /* .wh.NAME and .wh..wh..opq members */
} ls_layer_counts;

/* Walks the tar in `tar` (borrowed). Returns 0 when the whole archive was
 * read, -1 when it is corrupt or truncated or the visitor stopped it (err
 * filled; entries visited before stay valid and counts reflect them). */
int ls_layer_walk(ls_reader *tar, ls_entry_fn fn, void *ud, ls_layer_counts *counts, ls_error *err);

#endif
