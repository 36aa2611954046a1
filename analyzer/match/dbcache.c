/*
 * dbcache.c - the compiled Hyperscan database serialized to a cache file.
 *
 * File layout (all integers little-endian u64):
 *   "LSHSDB\0\2" | n_rules | db_len | db bytes |
 *   XXH3-128 of everything before it (16 bytes)
 * Hyperscan itself refuses a database of another version or platform; the
 * checksum catches a truncated or flipped file before Hyperscan sees it. The
 * checksum is no authentication (anyone can recompute it), so nothing the
 * file says is believed beyond what is checked: the directory must be ours
 * (core/trustdir.h), the rule widths are not in the file at all (the matcher
 * recomputes them from the rules), and a database that loads must report
 * every example of every rule before it is used (ls_dbcache_verify, about
 * 1.5 ms for the bundled rules). Writes go to a new file in the same
 * directory, renamed over the entry, so concurrent runs never see half a
 * file. No failure here is ever fatal.
 */
#include "match/dbcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "blob/sha256.h"
#include "core/fileio.h"
#include "core/trustdir.h"

#define DBCACHE_MAGIC "LSHSDB\0\2"
#define DBCACHE_MAGIC_LEN 8
#define DBCACHE_FORMAT "layerscan-hsdb-3" /* 3: no widths (recomputed from the rules) */
#define DBCACHE_MAX_FILE (256u * 1024u * 1024u) /* refuse anything absurd */

bool ls_dbcache_dir_from(const char *cache_dir, const char *xdg_cache_home, const char *home,
                         char *out, size_t n)
{
    int k;
    if (cache_dir && *cache_dir)
        k = snprintf(out, n, "%s", cache_dir);
    else if (xdg_cache_home && xdg_cache_home[0] == '/')
        k = snprintf(out, n, "%s/layerscan", xdg_cache_home);
    else if (home && *home)
        k = snprintf(out, n, "%s/.cache/layerscan", home);
    else
        return false;
    return k > 0 && (size_t)k < n;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

bool ls_dbcache_key(const ls_ruleset *rs, unsigned mode, unsigned flags,
                    char key[LS_DBCACHE_KEY_MAX])
{
    hs_platform_info_t plat;
    char rules_hex[65], digest[LS_DIGEST_MAX], text[512];
    int k;
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return false;
    ls_ruleset_hash(rs, rules_hex);
    k = snprintf(text, sizeof text, "%s\nrules %s\nhyperscan %s\ntune %u\ncpu %llu\nmode %u\nflags %u\n",
                 DBCACHE_FORMAT, rules_hex, hs_version(), plat.tune,
                 (unsigned long long)plat.cpu_features, mode, flags);
    if (k < 0 || (size_t)k >= sizeof text || ls_sha256_buffer(text, (size_t)k, digest, NULL) != 0)
        return false;
    memcpy(key, digest + strlen("sha256:"), 64);
    key[64] = '\0';
    return true;
}

bool ls_dbcache_path(const char *dir, const char *key, char *out, size_t n)
{
    int k = snprintf(out, n, "%s/%s.hsdb", dir, key);
    return k > 0 && (size_t)k < n;
}


/* What the rules' examples saw: one stream per example. */
typedef struct {
    unsigned want;   /* the rule whose example is scanned */
    bool hit;        /* the database reported it */
} probe;

static int probe_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    probe *p = ctx;
    (void)from;
    (void)to;
    (void)flags;
    if (id == p->want) {
        p->hit = true;
        return 1; /* enough: stop this stream */
    }
    return 0;
}

bool ls_dbcache_verify(const hs_database_t *db, const ls_ruleset *rs)
{
    hs_scratch_t *scratch = NULL;
    bool ok = true;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
        return false;
    for (size_t i = 0; ok && i < ls_ruleset_count(rs); i++) {
        const ls_rule *r = ls_ruleset_get(rs, i);
        for (size_t e = 0; ok && e < r->n_examples; e++) {
            probe p = {(unsigned)i, false};
            hs_stream_t *st = NULL;
            const char *text = r->examples[e].text;
            hs_error_t rc;
            if (hs_open_stream(db, 0, &st) != HS_SUCCESS) {
                ok = false;
                break;
            }
            rc = hs_scan_stream(st, text, (unsigned)strlen(text), 0, scratch, probe_cb, &p);
            /* the end of the stream is where `$` and \z rules report */
            if (hs_close_stream(st, scratch, p.hit ? NULL : probe_cb, &p) != HS_SUCCESS ||
                (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED))
                ok = false;
            ok = ok && p.hit;
        }
    }
    hs_free_scratch(scratch);
    return ok;
}

hs_database_t *ls_dbcache_decode(const unsigned char *buf, size_t len, const ls_ruleset *rs)
{
    size_t pos, body;
    uint64_t db_len;
    XXH128_canonical_t want;
    hs_database_t *db = NULL;
    if (!buf || len < DBCACHE_MAGIC_LEN + 8 + 8 + 16 || memcmp(buf, DBCACHE_MAGIC, DBCACHE_MAGIC_LEN) != 0)
        return NULL;
    body = len - 16;
    XXH128_canonicalFromHash(&want, XXH3_128bits(buf, body));
    if (memcmp(want.digest, buf + body, 16) != 0)
        return NULL;
    pos = DBCACHE_MAGIC_LEN;
    if (get_u64(buf + pos) != ls_ruleset_count(rs))
        return NULL;
    pos += 8;
    db_len = get_u64(buf + pos);
    pos += 8;
    if (db_len == 0 || db_len != body - pos)
        return NULL;
    if (hs_deserialize_database((const char *)buf + pos, (size_t)db_len, &db) != HS_SUCCESS)
        return NULL;
    if (!ls_dbcache_verify(db, rs)) {
        hs_free_database(db);
        return NULL;
    }
    return db;
}

hs_database_t *ls_dbcache_load(const char *dir, const char *key, const ls_ruleset *rs)
{
    char name[LS_DBCACHE_KEY_MAX + 8];
    unsigned char *buf;
    size_t len = 0;
    hs_database_t *db;
    int fd = ls_trustdir_open(dir, false, NULL);
    if (fd < 0)
        return NULL;
    snprintf(name, sizeof name, "%s.hsdb", key);
    buf = ls_trustdir_slurp(fd, name, DBCACHE_MAX_FILE, &len, NULL);
    close(fd);
    db = ls_dbcache_decode(buf, len, rs);
    free(buf);
    return db;
}

int ls_dbcache_encode(const hs_database_t *db, size_t n, unsigned char **out, size_t *len)
{
    char *ser = NULL;
    size_t ser_len = 0, head = DBCACHE_MAGIC_LEN + 16;
    unsigned char *buf;
    XXH128_canonical_t sum;
    *out = NULL;
    *len = 0;
    if (!db || hs_serialize_database(db, &ser, &ser_len) != HS_SUCCESS)
        return -1;
    if (!(buf = malloc(head + ser_len + 16))) {
        free(ser);
        return -1;
    }
    memcpy(buf, DBCACHE_MAGIC, DBCACHE_MAGIC_LEN);
    put_u64(buf + DBCACHE_MAGIC_LEN, n);
    put_u64(buf + DBCACHE_MAGIC_LEN + 8, ser_len);
    memcpy(buf + head, ser, ser_len);
    free(ser); /* hs_serialize_database uses the default allocator (malloc) */
    XXH128_canonicalFromHash(&sum, XXH3_128bits(buf, head + ser_len));
    memcpy(buf + head + ser_len, sum.digest, 16);
    *out = buf;
    *len = head + ser_len + 16;
    return 0;
}

int ls_dbcache_store(const char *dir, const char *key, const hs_database_t *db, size_t n)
{
    char name[LS_DBCACHE_KEY_MAX + 8];
    unsigned char *buf = NULL;
    size_t len = 0;
    int fd, rc = -1;
    if (ls_dbcache_encode(db, n, &buf, &len) != 0)
        return -1;
    if ((fd = ls_trustdir_open(dir, true, NULL)) >= 0) {
        ls_file_part part = {buf, len};
        snprintf(name, sizeof name, "%s.hsdb", key);
        rc = ls_trustdir_replace(fd, name, &part, 1, false);
        close(fd);
    }
    free(buf);
    return rc;
}
