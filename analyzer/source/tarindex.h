/*
 * tarindex.h - an index of an outer (uncompressed) tar: member name -> data
 * offset and size, so an image archive is read in place with pread and never
 * extracted.
 *
 * Only headers are read (512 bytes per member); memory is bounded by the
 * member count and name length limits, not by the archive size.
 */
#ifndef LS_SOURCE_TARINDEX_H
#define LS_SOURCE_TARINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/reader.h"
#include "layerscan/error.h"

#define LS_TAR_MAX_MEMBERS 1000000u
#define LS_TAR_MAX_NAME 4096u

typedef struct {
    char *name;      /* normalised: no leading "/" or "./", no trailing "/" */
    uint64_t offset; /* of the member's data in the file */
    uint64_t size;
    char type;       /* '0' regular, '1' hard link, '2' symlink */
    char *link;      /* link target for '1' and '2', else NULL */
} ls_tar_member;

typedef struct ls_tarindex ls_tarindex;

/* Indexes the tar in fd (borrowed). Returns -1 with err filled only when the
 * file is not a tar at all (LS_ERR_FORMAT "LABEL: not a tar archive"), cannot
 * be read (LS_ERR_IO) or memory runs out. A problem further in (truncation, a
 * bad header, a limit) stops the walk but still returns 0 with the members
 * seen so far; ls_tarindex_problem() then reports it. */
int ls_tarindex_build(ls_tarindex **out, int fd, const char *label, ls_error *err);

/* Same, keeping only the members whose normalised names are in `only` (a
 * NULL-terminated list): the walk is the same, the memory is not. What a
 * bare tar is (an image archive or a layer) is decided this way first, since
 * a layer may hold millions of members the index would never be asked for.
 * `stop` (NULL-terminated, or NULL) ends the walk early, as if the archive
 * ended there, at the first member whose first path component is one of its
 * names or whose base name starts with ".wh.": what only a layer holds. */
int ls_tarindex_build_only(ls_tarindex **out, int fd, const char *label, const char *const *only,
                           const char *const *stop, ls_error *err);

/* Where a streamed member's bytes are kept: nowhere. */
#define LS_TAR_NOT_KEPT UINT64_MAX

/* A regular member of a streamed tar (ls_tarindex_stream): name normalised,
 * size as declared, data a reader over its bytes that the visitor frees
 * before it returns (what it leaves unread is skipped). The visitor sets
 * *offset to where the bytes can be read later (a store's file), or leaves
 * LS_TAR_NOT_KEPT. 0 to go on; -1 with err filled ends the walk. */
typedef int (*ls_tar_visit_fn)(void *ctx, const char *name, uint64_t size, ls_reader *data,
                               uint64_t *offset, ls_error *err);

/* Indexes a tar read once, forward, from `in` (a pipe): the same headers as
 * ls_tarindex_build, but each regular member is handed to `visit` as it
 * passes, and indexed at the offset the visitor gives. -1 with err filled
 * when the stream is not a tar (LS_ERR_FORMAT "LABEL: not a tar archive"),
 * on a read error or allocation failure, or when the visitor fails with
 * anything but LS_ERR_FORMAT or LS_ERR_LIMIT; a damaged or truncated stream
 * is the index's problem, as for a file. */
int ls_tarindex_stream(ls_tarindex **out, ls_reader *in, const char *label, ls_tar_visit_fn visit, void *ctx,
                       ls_error *err);

/* The problem that stopped the walk early, or NULL if the walk was complete. */
const ls_error *ls_tarindex_problem(const ls_tarindex *t);

/* The regular-file member named `name` (after normalisation), following hard
 * and symbolic links inside the archive; the last of duplicate names wins.
 * NULL when absent, a directory, or a link that leaves the archive. */
const ls_tar_member *ls_tarindex_find(const ls_tarindex *t, const char *name);

/* Number of indexed members (regular files and links). */
size_t ls_tarindex_count(const ls_tarindex *t);

/* Member i (0 <= i < count) in name order, as indexed (a link is not
 * followed). */
const ls_tar_member *ls_tarindex_member(const ls_tarindex *t, size_t i);

/* Accepts NULL. */
void ls_tarindex_free(ls_tarindex *t);

/* Writes the normalised form of name (see ls_tar_member.name) into out, which
 * has room for cap bytes. Resolves "." and ".." components; returns -1 if
 * ".." would climb above the root or the result does not fit. */
int ls_tar_normalise(const char *name, char *out, size_t cap);

#endif
