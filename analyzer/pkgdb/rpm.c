/*
 * rpm.c - rpm's sqlite database (rpmdb.sqlite, rpm 4.16+): the Packages
 * table holds one header blob per installed package, and each header lists
 * the package's files with their digests.
 *
 * The database bytes are opened in memory with sqlite3_deserialize (a copy
 * sqlite owns, read-only), with views, triggers and untrusted schema
 * functions off, a bounded row length and a progress budget, so a hostile
 * schema can neither run code nor loop; Packages must be a plain table (no
 * virtual table, no generated column) and its rows may not add up to more
 * bytes than the file. Only "SELECT blob FROM Packages" is run; each blob is parsed here by hand (rpm's header format, as headerImport
 * reads a blob without its magic):
 *
 *   be32 il, be32 dl, il index entries {be32 tag, type, offset, count},
 *   then dl bytes of data; 8 + 16*il + dl is the blob's exact size.
 *
 * Every offset and count is checked against the data before use; string
 * arrays are walked sequentially, and only the directory names (indexed
 * by DIRINDEXES) get an offset table, bounded by one header. A file's path
 * is DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]; its digest is FILEDIGESTS[i]
 * in hex, of the algorithm FILEDIGESTALGO names (MD5 when absent, as rpm
 * assumes). An empty digest (directories, symlinks, ghost files) or an
 * algorithm we do not hash with gives LS_DIGEST_NONE. Packages without
 * BASENAMES (gpg-pubkey) list no files. The version is
 * "[EPOCH:]VERSION-RELEASE".
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkgdb/textdb.h"

enum {
    TAG_NAME = 1000,
    TAG_VERSION = 1001,
    TAG_RELEASE = 1002,
    TAG_EPOCH = 1003,
    TAG_FILEDIGESTS = 1035,
    TAG_DIRINDEXES = 1116,
    TAG_BASENAMES = 1117,
    TAG_DIRNAMES = 1118,
    TAG_FILEDIGESTALGO = 5011,

    TYPE_INT32 = 4,
    TYPE_STRING = 6,
    TYPE_STRING_ARRAY = 8,
    TYPE_I18NSTRING = 9,

    MAX_INDEX = 0xffff,        /* rpm's own bound on il (hdrchkTags) */
    MAX_DATA = 0x0fffffff,     /* rpm's own bound on dl (hdrchkData) */
    MAX_FILES = 1000000,       /* per header */
    ROW_LIMIT = 256 * 1024 * 1024 /* longest blob sqlite may hand us */
};

typedef struct {
    bool present;
    uint32_t type, offset, count;
} entry;

typedef struct {
    const unsigned char *data; /* dl bytes */
    uint32_t dl;
    entry name, version, release, epoch, digests, dirindexes, basenames, dirnames, algo;
} header;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The length of the NUL-terminated string at data[off], or -1 when it runs
 * past the data. */
static long str_at(const header *h, uint32_t off)
{
    const unsigned char *nul;
    if (off >= h->dl)
        return -1;
    nul = memchr(h->data + off, '\0', h->dl - off);
    return nul ? (long)(nul - (h->data + off)) : -1;
}

/* A string entry's value, or NULL when absent or malformed (*bad set). */
static const char *entry_string(const header *h, const entry *e, bool *bad)
{
    if (!e->present)
        return NULL;
    if ((e->type != TYPE_STRING && e->type != TYPE_I18NSTRING && e->type != TYPE_STRING_ARRAY) ||
        e->count < 1 || str_at(h, e->offset) < 0) {
        *bad = true;
        return NULL;
    }
    return (const char *)h->data + e->offset;
}

/* Checks that an INT32 array entry of `count` values fits the data. */
static bool int32_fits(const header *h, const entry *e)
{
    return e->type == TYPE_INT32 && e->offset <= h->dl && (uint64_t)e->count * 4 <= h->dl - e->offset;
}

/* Checks that a string array's count is possible (each string takes at
 * least one byte) and its first string starts inside the data. */
static bool strings_fit(const header *h, const entry *e)
{
    return e->type == TYPE_STRING_ARRAY && e->offset < h->dl && e->count <= h->dl - e->offset;
}

typedef struct {
    const char *db_path;
    size_t row;           /* 1-based row of Packages, for messages */
    char *out;            /* path buffer, LS_PKGDB_PATH_MAX + 1 */
    char version[1024];
} rpm_ctx;

#define HERR(...) ls_error_set(err, LS_ERR_FORMAT, __VA_ARGS__)

static int parse_header(rpm_ctx *c, const unsigned char *blob, size_t len, const ls_pkgdb_visitor *v,
                        ls_error *err)
{
    header h = {0};
    uint32_t il, dl, ndirs = 0, nfiles, *diroff = NULL;
    uint32_t bn_off, dg_off;
    ls_digest_algo algo = LS_DIGEST_MD5;
    const char *name, *ver, *rel;
    bool bad = false;
    int rc = 0;
    if (len < 8)
        return HERR("%s: header %zu: shorter than its 8-byte preamble", c->db_path, c->row);
    il = be32(blob);
    dl = be32(blob + 4);
    if (il < 1 || il > MAX_INDEX || dl > MAX_DATA)
        return HERR("%s: header %zu: index count %u or data length %u out of bounds", c->db_path, c->row,
                    il, dl);
    if ((uint64_t)8 + 16 * (uint64_t)il + dl != len)
        return HERR("%s: header %zu: size %zu is not 8 + 16 * %u + %u", c->db_path, c->row, len, il, dl);
    h.data = blob + 8 + 16 * (size_t)il;
    h.dl = dl;
    for (uint32_t i = 0; i < il; i++) {
        const unsigned char *p = blob + 8 + 16 * (size_t)i;
        entry e = {true, be32(p + 4), be32(p + 8), be32(p + 12)};
        entry *slot = NULL;
        switch (be32(p)) {
        case TAG_NAME: slot = &h.name; break;
        case TAG_VERSION: slot = &h.version; break;
        case TAG_RELEASE: slot = &h.release; break;
        case TAG_EPOCH: slot = &h.epoch; break;
        case TAG_FILEDIGESTS: slot = &h.digests; break;
        case TAG_DIRINDEXES: slot = &h.dirindexes; break;
        case TAG_BASENAMES: slot = &h.basenames; break;
        case TAG_DIRNAMES: slot = &h.dirnames; break;
        case TAG_FILEDIGESTALGO: slot = &h.algo; break;
        default: break;
        }
        if (!slot)
            continue;
        if (slot->present)
            return HERR("%s: header %zu: tag %u given twice", c->db_path, c->row, be32(p));
        *slot = e;
    }
    name = entry_string(&h, &h.name, &bad);
    ver = entry_string(&h, &h.version, &bad);
    rel = entry_string(&h, &h.release, &bad);
    if (bad || !name || !ver || !rel)
        return HERR("%s: header %zu: NAME, VERSION or RELEASE missing or malformed", c->db_path, c->row);
    if (h.epoch.present) {
        if (!int32_fits(&h, &h.epoch) || h.epoch.count < 1)
            return HERR("%s: header %zu: malformed EPOCH", c->db_path, c->row);
        snprintf(c->version, sizeof c->version, "%u:%s-%s", be32(h.data + h.epoch.offset), ver, rel);
    } else {
        snprintf(c->version, sizeof c->version, "%s-%s", ver, rel);
    }
    if (ls_pkgdb_has_control(name, strlen(name)) || ls_pkgdb_has_control(c->version, strlen(c->version)))
        return HERR("%s: header %zu: control byte in NAME or version", c->db_path, c->row);
    if (h.algo.present) {
        if (!int32_fits(&h, &h.algo) || h.algo.count < 1)
            return HERR("%s: header %zu: malformed FILEDIGESTALGO", c->db_path, c->row);
        switch (be32(h.data + h.algo.offset)) {
        case 1: algo = LS_DIGEST_MD5; break;
        case 2: algo = LS_DIGEST_SHA1; break;
        case 8: algo = LS_DIGEST_SHA256; break;
        case 10: algo = LS_DIGEST_SHA512; break;
        default: algo = LS_DIGEST_NONE; break; /* SHA-384, SHA-224, ...: not hashed by us */
        }
    }
    if (!h.basenames.present)
        return 0;
    nfiles = h.basenames.count;
    if (nfiles > MAX_FILES)
        return HERR("%s: header %zu: %u files (more than %d)", c->db_path, c->row, nfiles, MAX_FILES);
    if (!strings_fit(&h, &h.basenames) || !h.dirindexes.present || !int32_fits(&h, &h.dirindexes) ||
        h.dirindexes.count != nfiles || !h.dirnames.present || !strings_fit(&h, &h.dirnames) ||
        (h.digests.present && (!strings_fit(&h, &h.digests) || h.digests.count != nfiles)))
        return HERR("%s: header %zu: BASENAMES, DIRINDEXES, DIRNAMES or FILEDIGESTS malformed or of "
                    "different lengths", c->db_path, c->row);
    ndirs = h.dirnames.count;
    if (ndirs > MAX_FILES)
        return HERR("%s: header %zu: %u directories (more than %d)", c->db_path, c->row, ndirs, MAX_FILES);
    diroff = malloc(((size_t)ndirs + 1) * sizeof *diroff);
    if (!diroff)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", c->db_path);
    for (uint32_t i = 0, off = h.dirnames.offset; i < ndirs; i++) {
        long n = str_at(&h, off);
        if (n < 0) {
            rc = HERR("%s: header %zu: DIRNAMES runs past the data", c->db_path, c->row);
            goto out;
        }
        diroff[i] = off;
        off += (uint32_t)n + 1;
    }
    bn_off = h.basenames.offset;
    dg_off = h.digests.offset;
    for (uint32_t i = 0; i < nfiles; i++) {
        ls_pkg_file f = {.package = name, .version = c->version};
        uint32_t di = be32(h.data + h.dirindexes.offset + 4 * (size_t)i);
        long bn = str_at(&h, bn_off), dn, plen;
        const char *base = (const char *)h.data + bn_off, *dir;
        if (bn < 0) {
            rc = HERR("%s: header %zu: BASENAMES runs past the data", c->db_path, c->row);
            goto out;
        }
        bn_off += (uint32_t)bn + 1;
        if (di >= ndirs) {
            rc = HERR("%s: header %zu: file %u: directory index %u out of %u", c->db_path, c->row, i, di,
                      ndirs);
            goto out;
        }
        dir = (const char *)h.data + diroff[di];
        if (h.digests.present) {
            long gn = str_at(&h, dg_off);
            const char *hex = (const char *)h.data + dg_off;
            if (gn < 0) {
                rc = HERR("%s: header %zu: FILEDIGESTS runs past the data", c->db_path, c->row);
                goto out;
            }
            dg_off += (uint32_t)gn + 1;
            if (gn > 0 && algo != LS_DIGEST_NONE) {
                f.algo = algo;
                f.digest_len = ls_pkgdb_digest_len(algo);
                if ((size_t)gn != 2 * f.digest_len || !ls_pkgdb_unhex(hex, (size_t)gn, f.digest)) {
                    rc = HERR("%s: header %zu: file %u: bad digest", c->db_path, c->row, i);
                    goto out;
                }
            }
        }
        dn = (long)strlen(dir);
        /* dir + base into out, then normalised in place (join copies) */
        if ((size_t)dn + (size_t)bn + 1 > LS_PKGDB_PATH_MAX + 1) {
            rc = HERR("%s: header %zu: file %u: path too long", c->db_path, c->row, i);
            goto out;
        }
        plen = ls_pkgdb_join(dir, (size_t)dn, base, (size_t)bn, c->out, LS_PKGDB_PATH_MAX + 1);
        if (plen == LS_PATH_ESCAPES)
            continue;
        if (plen == LS_PATH_CONTROL) {
            rc = HERR("%s: header %zu: file %u: control byte in path", c->db_path, c->row, i);
            goto out;
        }
        if (plen < 0) {
            rc = HERR("%s: header %zu: file %u: path too long", c->db_path, c->row, i);
            goto out;
        }
        f.path = c->out;
        if (v->file && (rc = v->file(v->ctx, &f)) != 0)
            goto out;
    }
out:
    free(diroff);
    return rc;
}

int ls_pkgdb_rpm_header(const char *db_path, size_t row, const unsigned char *blob, size_t len,
                        const ls_pkgdb_visitor *v, ls_error *err)
{
    rpm_ctx c = {.db_path = db_path, .row = row};
    int rc;
    c.out = malloc(LS_PKGDB_PATH_MAX + 1);
    if (!c.out)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", db_path);
    rc = parse_header(&c, blob, len, v, err);
    free(c.out);
    return rc;
}

/* The progress handler: a budget of VM steps proportional to the input, so
 * a hostile schema cannot make one query run forever. */
typedef struct {
    uint64_t left;
} budget;

static int progress(void *p)
{
    budget *b = p;
    if (b->left == 0)
        return 1;
    b->left--;
    return 0;
}

/* Packages must be a plain table without generated or hidden columns, as
 * rpm creates it: a virtual table or a computed column would run code of
 * the database's choosing for every row. */
static int check_schema(sqlite3 *db, const char *path, ls_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'Packages' "
                           "COLLATE NOCASE) LIKE 'CREATE TABLE%', "
                           "(SELECT count(*) FROM pragma_table_xinfo('Packages') WHERE hidden <> 0)",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: not an rpm sqlite database: %s", path, sqlite3_errmsg(db));
    } else if (sqlite3_column_int(st, 0) != 1 || sqlite3_column_int(st, 1) != 0) {
        rc = ls_error_set(err, LS_ERR_FORMAT,
                          "%s: not an rpm sqlite database: Packages is not a plain table", path);
    }
    sqlite3_finalize(st);
    return rc;
}

int ls_pkgdb_parse_rpm_sqlite(const char *path, const unsigned char *b, size_t len,
                              const ls_pkgdb_visitor *v, ls_error *err)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    unsigned char *copy = NULL;
    rpm_ctx c = {.db_path = path};
    budget steps = {.left = 100000 + len / 16}; /* units of 1000 VM instructions */
    size_t total = 0;
    int rc = 0, src;
    c.out = malloc(LS_PKGDB_PATH_MAX + 1);
    if (!c.out || sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, ROW_LIMIT);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 100000);
    sqlite3_limit(db, SQLITE_LIMIT_COLUMN, 100);
    sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 100);
    sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, 10);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_limit(db, SQLITE_LIMIT_FUNCTION_ARG, 8);
    sqlite3_limit(db, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
    sqlite3_progress_handler(db, 1000, progress, &steps);
    copy = sqlite3_malloc64(len ? len : 1);
    if (!copy) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    if (len)
        memcpy(copy, b, len);
    /* A WAL-mode file (header bytes 18-19 == 2) cannot be opened from memory;
     * rpm checkpoints on close, so the main file is complete: read it as a
     * rollback-journal database. */
    if (len >= 20 && copy[18] == 2 && copy[19] == 2)
        copy[18] = copy[19] = 1;
    src = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
                              SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
    copy = NULL; /* sqlite owns it now, even on failure */
    if (src != SQLITE_OK) {
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: not an rpm sqlite database: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_exec(db, "PRAGMA cell_size_check=ON", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(db, "SELECT blob FROM Packages", -1, &st, NULL) != SQLITE_OK) {
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: not an rpm sqlite database: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    if ((rc = check_schema(db, path, err)) != 0)
        goto out;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const void *blob;
        int n;
        c.row++;
        if (sqlite3_column_type(st, 0) != SQLITE_BLOB) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: header %zu: not a blob", path, c.row);
            goto out;
        }
        blob = sqlite3_column_blob(st, 0);
        n = sqlite3_column_bytes(st, 0);
        /* stored rows cannot hold more bytes than the file: more means
         * computed values, and computing them is work an attacker chose */
        total += (size_t)(n > 0 ? n : 0);
        if (total > len) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: not an rpm sqlite database: rows larger than the file",
                              path);
            goto out;
        }
        if ((rc = parse_header(&c, blob ? blob : "", (size_t)(n > 0 ? n : 0), v, err)) != 0)
            goto out;
    }
    if (src != SQLITE_DONE)
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: not an rpm sqlite database: %s", path,
                          steps.left == 0 ? "too much work for its size" : sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    sqlite3_free(copy);
    free(c.out);
    return rc;
}
