/*
 * tarsplit.h - a layer's original tar, rebuilt from tar-split metadata and
 * the files the layer unpacked to (containers-storage keeps both, not the
 * tar itself).
 *
 * tar-split (github.com/vbatts/tar-split) records a tar as gzip'd JSON
 * lines: type 2 "segments" carry raw bytes (headers, padding, the end
 * blocks) as base64, type 1 "files" name a member whose `size` content
 * bytes come from the unpacked directory. Concatenated in order they give
 * the uncompressed layer byte for byte, so its SHA-256 must be the layer's
 * diff_id: the reader checks it at the end of the stream, which turns any
 * edit of the store (a file changed, grown or swapped) into an error of
 * the layer rather than a silently different scan.
 *
 * Everything in the store is hostile: a member name is opened relative to
 * the directory, one component at a time with O_NOFOLLOW (a symlink on the
 * way is refused, never followed), an absolute name or a ".." component is
 * refused, the file must be a regular file of exactly the entry's size,
 * and a JSON line is bounded.
 */
#ifndef LS_SOURCE_TARSPLIT_H
#define LS_SOURCE_TARSPLIT_H

#include <stddef.h>

#include "core/reader.h"
#include "layerscan/error.h"

/* A reader over the tar that `meta` (the raw .tar-split.gz bytes, taken)
 * and the directory `dir_fd` (taken) rebuild. want_diff is the
 * "sha256:<hex>" the stream must hash to (copied); max_line bounds one JSON
 * line; label names the layer in messages ("LABEL: ..."). Reads fail with
 * LS_ERR_FORMAT for damaged metadata or a refused name, LS_ERR_IO for a
 * missing or short file, LS_ERR_DIGEST ("LABEL: rebuilt tar is X, the
 * store says Y") when the stream does not hash to want_diff; a failure is
 * sticky. NULL with err filled on allocation failure (both are then
 * released). One reader per thread; readers share nothing. */
ls_reader *ls_tarsplit_reader(ls_reader *meta, int dir_fd, const char *want_diff, size_t max_line,
                              const char *label, ls_error *err);

/* Opens name (a relative path from hostile metadata) under dir_fd one
 * component at a time with O_NOFOLLOW; empty and "." components are
 * skipped. want_dir: the last component must be a directory (else a
 * regular file). Returns an fd, or -1 with errno set: EINVAL for an
 * absolute name, a ".." component or nothing left to open, ELOOP for a
 * symlink, ENOENT when missing, ENOTDIR when a directory was wanted and
 * the last component is not one, EISDIR or EINVAL when a file was wanted
 * and it is a directory or not a regular file. */
int ls_tarsplit_openat(int dir_fd, const char *name, int want_dir);

#endif
