/*
 * pkgdb.h - what an image's package managers recorded about the files they
 * installed: dpkg, apk, rpm (sqlite) and Python wheels (*.dist-info/RECORD).
 *
 * A finding inside a file whose bytes still match what its package recorded
 * is vendor content (a self-test key compiled into a library, a fixture a
 * package ships), not something the image's builder put there. This module
 * only reads the databases: which files are databases (by path), and, for
 * one database file's bytes, every (installed path, digest, package) record
 * it holds. Matching records against file bytes is the pipeline's job
 * (pipeline/vendor.c).
 *
 * Every database is untrusted input written by whoever built the image:
 * parsers are bounded by the bytes they are given, never follow paths out of
 * the buffer, and report a malformed database as one error naming the file.
 */
#ifndef LS_PKGDB_H
#define LS_PKGDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"

typedef enum {
    LS_PKGDB_NONE = 0,
    LS_PKGDB_DPKG_STATUS,   /* /var/lib/dpkg/status: package -> version */
    LS_PKGDB_DPKG_MD5SUMS,  /* /var/lib/dpkg/info/NAME[:ARCH].md5sums: md5 per file */
    LS_PKGDB_APK,           /* /lib/apk/db/installed: Z:Q1<base64 sha1> per file */
    LS_PKGDB_RPM_SQLITE,    /* /var/lib/rpm/rpmdb.sqlite (also /usr/lib/sysimage/rpm/) */
    LS_PKGDB_RPM_BDB,       /* /var/lib/rpm/Packages (Berkeley DB): recognised, unsupported */
    LS_PKGDB_PY_RECORD      /* .../NAME-VERSION.dist-info/RECORD: sha256 per file */
} ls_pkgdb_kind;

typedef enum {
    LS_DIGEST_NONE = 0,
    LS_DIGEST_MD5,          /* 16 bytes */
    LS_DIGEST_SHA1,         /* 20 bytes */
    LS_DIGEST_SHA256,       /* 32 bytes */
    LS_DIGEST_SHA512        /* 64 bytes (rpm may use it) */
} ls_digest_algo;

#define LS_PKG_DIGEST_MAX 64

/* "md5", "sha1", "sha256", "sha512", "none" (as md5sum(1) and friends are named) */
const char *ls_digest_algo_name(ls_digest_algo algo);

/* Which database an absolute layer path is, LS_PKGDB_NONE for any other file. */
ls_pkgdb_kind ls_pkgdb_classify(const char *path);

/* "dpkg", "apk", "rpm", "python" */
const char *ls_pkgdb_manager(ls_pkgdb_kind kind);

/* One installed file as its package recorded it. All pointers are borrowed
 * for the duration of the callback only. */
typedef struct {
    const char *path;          /* absolute, normalised ("/usr/lib/x.so"; no "..", no "//") */
    const char *package;       /* "libgnutls30", "boto3"; for md5sums the file's name
                                * without ":ARCH" and ".md5sums" */
    const char *version;       /* NULL when this database does not say (dpkg md5sums:
                                * see LS_PKGDB_DPKG_STATUS) */
    ls_digest_algo algo;       /* LS_DIGEST_NONE: the file is listed without a digest */
    unsigned char digest[LS_PKG_DIGEST_MAX];
    size_t digest_len;
} ls_pkg_file;

/* For the status file: one installed package (Status: ... installed). */
typedef struct {
    const char *package;       /* "libgnutls30" (a multi-arch "Package:" is the bare name) */
    const char *arch;          /* "amd64", "all", or NULL */
    const char *version;
} ls_pkg_version;

typedef struct {
    /* Called for every file record; a nonzero return stops the parse and is
     * returned by ls_pkgdb_parse. May be NULL. */
    int (*file)(void *ctx, const ls_pkg_file *f);
    /* Called for every installed package of a dpkg status file. May be NULL. */
    int (*package)(void *ctx, const ls_pkg_version *p);
    void *ctx;
} ls_pkgdb_visitor;

/* Parses one database file: `path` is where it sits in the image (it gives
 * the package name of an md5sums file and the base directory of a RECORD's
 * relative paths), bytes/len its whole content. Returns 0 when every record
 * was visited; the visitor's nonzero return; or -1 with err filled
 * (LS_ERR_FORMAT "PATH: line N: ..." / "PATH: header N: ..." for a malformed
 * database, LS_ERR_UNSUPPORTED for a Berkeley DB rpm database, LS_ERR_NOMEM).
 * Records before a malformed one may already have been visited. A record
 * whose path would climb above "/" is skipped; a file listed without a
 * usable digest (RECORD's own line, rpm directories and symlinks, an
 * algorithm we do not hash with) is visited with LS_DIGEST_NONE. Uses memory bounded by the largest single record (rpm: sqlite's
 * own, over an in-memory copy of the bytes). */
int ls_pkgdb_parse(ls_pkgdb_kind kind, const char *path, const void *bytes, size_t len,
                   const ls_pkgdb_visitor *v, ls_error *err);

#endif
