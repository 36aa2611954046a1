/*
 * vendor.h - who put a finding's bytes there: the image's builder, a package
 * (its database records exactly these bytes), or a dependency's test,
 * fixture, example or documentation tree.
 *
 * Two halves, because evidence is gathered per layer (in parallel, cached
 * with the layer's result) and judged per image (a package database in one
 * layer vouches for files in the same or a later one):
 *   - while a layer is walked, ls_vendor_evidence collects the bytes of every
 *     package database file it holds (pkgdb/pkgdb.h) and the digests (MD5,
 *     SHA-1, SHA-256, SHA-512) of the files that produced findings, and of
 *     the .py sources of .pyc files that did. Only those files are hashed:
 *     everything else pays nothing beyond the content id it already has.
 *   - once every layer is in, ls_vendor_resolve gives each file finding its
 *     origin: vendor when a database visible at the finding's layer (the
 *     overlay of that layer and those below it) records a digest equal to the
 *     file's, third-party by path (detect/detect.h), image otherwise. A file
 *     at a package-owned path whose bytes differ from the record is never
 *     vendor, whatever the path: "deleted" and "edited" secrets stay found.
 */
#ifndef LS_PIPELINE_VENDOR_H
#define LS_PIPELINE_VENDOR_H

#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/report.h"
#include "pipeline/findings.h"
#include "pipeline/fsmodel.h"
#include "pkgdb/pkgdb.h"

/* One package database file as a layer stored it. A larger one is not kept
 * (an errors entry says so, and the files it lists stay origin image). */
#define LS_VENDOR_DB_MAX ((size_t)256 * 1024 * 1024)
/* Package database bytes one layer may hold in all. */
#define LS_VENDOR_DB_TOTAL_MAX ((size_t)512 * 1024 * 1024)

/* The digests of one file's bytes, by content id. */
typedef struct {
    ls_content_id content;
    uint64_t size;
    unsigned char md5[16], sha1[20], sha256[32], sha512[64];
} ls_file_digests;

typedef struct {
    char *path;             /* where the layer put it */
    ls_content_id content;  /* its content id, for its fate at a given layer */
    unsigned char *bytes;
    size_t len;
} ls_pkgdb_copy;

typedef struct {
    ls_file_digests *digests;
    size_t n_digests, cap_digests;
    size_t *slots;          /* open addressing by content id: digests index + 1, 0 = empty */
    size_t n_slots;         /* a power of two, at least twice n_digests */
    ls_pkgdb_copy *dbs;
    size_t n_dbs, cap_dbs;
    uint64_t db_bytes;
} ls_vendor_evidence;

/* Incremental digests, for a file read block by block. */
typedef struct ls_digester ls_digester;

/* Hashes one whole file's bytes into the evidence (a content id already
 * there is kept) with dg (reset first; NULL: a digester of its own). 0 or
 * -1 (out of memory). */
int ls_vendor_digest_bytes(ls_vendor_evidence *v, ls_digester *dg, ls_content_id content, const void *bytes,
                           size_t len);
ls_digester *ls_digester_new(void);
/* 0, or -1 when out of memory (the digester may then only be reset or freed). */
int ls_digester_reset(ls_digester *d);
int ls_digester_update(ls_digester *d, const void *buf, size_t len);
/* Finishes into out (content and size are the caller's). 0 or -1. */
int ls_digester_final(ls_digester *d, ls_file_digests *out);
void ls_digester_free(ls_digester *d);

/* Adds a finished digest record. 0 or -1. */
int ls_vendor_add_digests(ls_vendor_evidence *v, const ls_file_digests *d);
const ls_file_digests *ls_vendor_find_digests(const ls_vendor_evidence *v, ls_content_id content);

/* Keeps a package database's bytes (taken: freed with the evidence, also on
 * failure). 0 or -1. */
int ls_vendor_add_db(ls_vendor_evidence *v, const char *path, ls_content_id content,
                     unsigned char *bytes, size_t len);

void ls_vendor_evidence_free(ls_vendor_evidence *v);

/* The file a .pyc was compiled from ("d/__pycache__/m.cpython-311.pyc" and
 * "d/m.pyc" -> "d/m.py"), written into out; false when path is no .pyc. */
bool ls_vendor_pyc_source(const char *path, char *out, size_t cap);

/* One layer's findings and evidence, as image-level judging sees them. */
typedef struct {
    ls_finding_list *findings;        /* origin and package set here */
    const ls_vendor_evidence *evidence;
    ls_error_list *errors;            /* a malformed database is noted in its layer's */
    long index;
} ls_vendor_layer;

/* A second read of one layer, supplied by whoever holds the source: hashes
 * the files of layer `layer` at paths[i] whose content is contents[i] into
 * that layer's evidence. 0, or -1 with err filled on failures that are ours
 * (a layer that cannot be read again is noted in its errors, and its files
 * stay unhashed). */
typedef struct {
    int (*fn)(void *ctx, long layer, char *const *paths, const ls_content_id *contents, size_t n,
              ls_error *err);
    void *ctx;
} ls_vendor_rehash;

/* Sets origin (and package, interned into r->packages) on every file finding
 * of the n layers; fs are the layers' path tables (NULL: unreadable).
 *
 * With rehash, and the rule package-file-modified in r->rules: a regular
 * file that a layer writes over other bytes at a path a dpkg, apk or rpm
 * database visible below that layer lists (merged /usr included; dpkg's
 * conffiles by their Conffiles digest), while the layer leaves that
 * package's record as it was (it did not install or update the package),
 * is hashed by a second read of the layer; when its bytes differ from the
 * record, a package-file-modified finding is added to that layer's list
 * (evidence "PACKAGE: recorded ALGO HEX, actual ALGO HEX"; a conffile's at
 * low confidence: configuration is edited on purpose more often than not).
 * Only layers that rewrite package files pay the read.
 *
 * 0, or -1 with err filled on allocation failure. */
int ls_vendor_resolve(ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t n, ls_report *r,
                      const ls_vendor_rehash *rehash, ls_error *err);

#endif
