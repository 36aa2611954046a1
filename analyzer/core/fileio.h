/*
 * fileio.h - the two ways the caches touch files: read a whole small file
 * with a bound, and replace a file atomically (a mkstemp() sibling renamed
 * over it), so readers in other processes see the old entry or the new one,
 * never half of one.
 */
#ifndef LS_CORE_FILEIO_H
#define LS_CORE_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The whole regular file at path (not followed if it is a symlink), when it
 * holds 1..max bytes: a malloc'd buffer and *len. NULL otherwise (missing,
 * empty, too large, unreadable); *exists (if given) tells a missing file
 * apart from the other cases. */
unsigned char *ls_file_slurp(const char *path, uint64_t max, size_t *len, bool *exists);

/* mkdir -p with mode 0700 for each directory created (cache entries hold
 * rule sets and findings). 0, or -1 (errno set by mkdir, or ENAMETOOLONG). */
int ls_file_mkdirs(const char *dir);

/* Writes n bytes to fd, retrying short writes and EINTR. 0 or -1. */
int ls_file_write_all(int fd, const void *p, size_t n);

/* One piece of a file being written. */
typedef struct {
    const void *data;
    size_t len;
} ls_file_part;

/* Replaces path with the concatenated parts: written to a 0600 mkstemp()
 * file named tmpl (a path in path's directory ending in "XXXXXX", modified
 * in place), then renamed over path. 0, or -1 with nothing left behind. */
int ls_file_replace(const char *path, char *tmpl, const ls_file_part *parts, size_t n);

#endif
