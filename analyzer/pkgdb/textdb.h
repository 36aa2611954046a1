/*
 * textdb.h - what the text package databases (dpkg, apk, Python RECORD)
 * share: a line cursor over the whole buffer with a fixed line bound, path
 * joining and normalisation into a caller's fixed buffer, and strict hex
 * and base64 decoding. Private to analyzer/pkgdb.
 *
 * Nothing here allocates: a parser owns one scratch area of fixed size for
 * a whole database, so memory never grows with the number of records.
 */
#ifndef LS_PKGDB_TEXTDB_H
#define LS_PKGDB_TEXTDB_H

#include <stdbool.h>
#include <stddef.h>

#include "pkgdb/pkgdb.h"

/* The longest line any text database may hold (64 KiB, newline excluded). */
#define LS_PKGDB_LINE_MAX (64 * 1024)
/* The longest path handed to a visitor, NUL excluded. */
#define LS_PKGDB_PATH_MAX (2 * LS_PKGDB_LINE_MAX)

typedef struct {
    const char *p;   /* next unread byte; p <= end */
    const char *end; /* one past the buffer */
    size_t lineno;   /* number of the line last returned (1-based) */
} ls_lines;

void ls_lines_init(ls_lines *it, const void *bytes, size_t len);

/* The next line (without its newline) in line and n: 1; 0 at the end of the
 * buffer; -1 when the line is longer than LS_PKGDB_LINE_MAX (it->lineno is
 * then that line's number). A last line without '\n' counts as a line. */
int ls_lines_next(ls_lines *it, const char **line, size_t *n);

/* Joins base (an absolute directory, or NULL for "/") and rel, and
 * normalises the result into out (cap bytes): "//" and "/./" collapse, ".."
 * removes the previous component. A rel starting with '/' ignores base.
 * Returns the length written (out is NUL-terminated) or:
 *   LS_PATH_ESCAPES  a ".." would climb above "/"
 *   LS_PATH_CONTROL  a control byte (C0 or DEL) in base or rel
 *   LS_PATH_TOOLONG  the result does not fit in cap */
#define LS_PATH_ESCAPES (-1)
#define LS_PATH_CONTROL (-2)
#define LS_PATH_TOOLONG (-3)
long ls_pkgdb_join(const char *base, size_t blen, const char *rel, size_t rlen, char *out, size_t cap);

/* What a line-oriented database does with a join result: 0 use the path,
 * 1 skip the record (it names no file of the image), -1 a malformed
 * database (err: "DB: line N: control byte in path" or "path too long"). */
int ls_pkgdb_line_path(long plen, const char *db, size_t lineno, ls_error *err);

/* True when s[0..n) holds a C0 control byte or DEL. */
bool ls_pkgdb_has_control(const char *s, size_t n);

/* Decodes exactly n hex digits (either case) into out (n/2 bytes). False on
 * an odd n or a non-hex byte. */
bool ls_pkgdb_unhex(const char *s, size_t n, unsigned char *out);

/* Decodes base64 of s[0..n) (the URL-safe alphabet when url_safe) into out
 * (cap bytes). Padding '=' is accepted only where it belongs (total length a
 * multiple of 4); when pad_required, unpadded input is refused. Returns the
 * number of bytes, or -1 on a byte outside the alphabet, a bad length or
 * padding, or output longer than cap. */
long ls_pkgdb_unbase64(const char *s, size_t n, bool url_safe, bool pad_required, unsigned char *out,
                       size_t cap);

/* The digest length of an algorithm (0 for LS_DIGEST_NONE). */
size_t ls_pkgdb_digest_len(ls_digest_algo algo);

/* Per-format parsers (pkgdb.c dispatches). Contract as ls_pkgdb_parse. */
int ls_pkgdb_parse_dpkg_status(const char *path, const char *b, size_t len, const ls_pkgdb_visitor *v,
                               ls_error *err);
int ls_pkgdb_parse_dpkg_md5sums(const char *path, const char *b, size_t len, const ls_pkgdb_visitor *v,
                                ls_error *err);
int ls_pkgdb_parse_apk(const char *path, const char *b, size_t len, const ls_pkgdb_visitor *v,
                       ls_error *err);
int ls_pkgdb_parse_rpm_sqlite(const char *path, const unsigned char *b, size_t len,
                              const ls_pkgdb_visitor *v, ls_error *err);
/* One rpm header blob (il, dl, index, data) of row `row` of db_path's
 * Packages table: its files to the visitor (the fuzz target feeds blobs here
 * directly, past sqlite). */
int ls_pkgdb_rpm_header(const char *db_path, size_t row, const unsigned char *blob, size_t len,
                        const ls_pkgdb_visitor *v, ls_error *err);
int ls_pkgdb_parse_py_record(const char *path, const char *b, size_t len, const ls_pkgdb_visitor *v,
                             ls_error *err);

#endif
