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
#include <stdio.h>

#include "layerscan/error.h"

/* The whole regular file at path (not followed if it is a symlink), when it
 * holds 1..max bytes: a malloc'd buffer and *len. NULL otherwise (missing,
 * empty, too large, unreadable, not a regular file: a FIFO or a device is
 * refused without blocking); *exists (if given) tells a missing file apart
 * from the other cases. */
unsigned char *ls_file_slurp(const char *path, uint64_t max, size_t *len, bool *exists);

/* The same for an open file descriptor, which it closes in every case. */
unsigned char *ls_file_slurp_fd(int fd, uint64_t max, size_t *len);

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

/* ---- output files (-o FILE of every command) --------------------------
 * Reports, baselines and extracted entries can hold secrets, and the path
 * comes from a command line that may point into a directory others write.
 * So an output is created with mode 0600, never through a symlink
 * (O_NOFOLLOW: a symlink at path is refused, dangling or not), and an
 * existing file is reused only when it is a regular file: a FIFO, a device
 * or a socket is refused before it is opened for writing (opening a FIFO
 * with no reader blocks forever). An existing regular file we own loses its
 * group and other permission bits; one we do not own keeps its mode (its
 * owner chose it). */
typedef enum {
    LS_OUT_TRUNCATE,  /* create, or truncate an existing regular file */
    LS_OUT_APPEND,    /* create, or append to an existing regular file */
    LS_OUT_NEW        /* create; any existing file is refused */
} ls_out_mode;

/* Checks that path may receive an output under mode without touching it:
 * 0 (*exists tells whether a regular file is there), or -1 with err
 * (LS_ERR_USAGE) naming path and why: a symlink, not a regular file, or an
 * existing file under LS_OUT_NEW; LS_ERR_IO when it cannot be examined. */
int ls_file_check_output(const char *path, ls_out_mode mode, bool *exists, ls_error *err);

/* Opens path for writing per the rules above: a file descriptor (O_CLOEXEC,
 * blocking) or -1 with err as for ls_file_check_output, or LS_ERR_IO when
 * the open itself fails. *created (may be NULL) tells whether the file is
 * new, so a caller that fails later can remove what it made. */
int ls_file_open_output(const char *path, ls_out_mode mode, bool *created, ls_error *err);

/* The same as a stdio stream ("w" or "a"). NULL with err filled. */
FILE *ls_file_fopen_output(const char *path, ls_out_mode mode, ls_error *err);

/* A 0600 temporary file beside path (same directory, so a rename is atomic),
 * named ".NAME.layerscan-XXXXXX"; its name is written to tmp (tmp_cap bytes).
 * A descriptor, or -1 with err. */
int ls_file_temp_beside(const char *path, char *tmp, size_t tmp_cap, ls_error *err);

/* Moves the finished temporary file tmp to path: with LS_OUT_NEW only if
 * nothing is at path (link(2), so a file created meanwhile is not
 * clobbered), with LS_OUT_TRUNCATE replacing a regular file (never a
 * symlink, FIFO or device: checked again here). tmp is gone either way.
 * 0, or -1 with err. */
int ls_file_publish(const char *tmp, const char *path, ls_out_mode mode, ls_error *err);

#endif
