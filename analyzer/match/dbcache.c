/*
 * dbcache.c - the compiled Hyperscan database serialized to a cache file.
 *
 * File layout (all integers little-endian u64):
 *   "LSHSDB\0\1" | n_rules | width[0..n_rules) | db_len | db bytes |
 *   XXH3-128 of everything before it (16 bytes)
 * Hyperscan itself refuses a database of another version or platform; the
 * checksum catches a truncated or flipped file before Hyperscan sees it.
 * Writes go to a mkstemp() file in the same directory, renamed over the entry,
 * so concurrent runs never see half a file. No failure here is ever fatal.
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

#define DBCACHE_MAGIC "LSHSDB\0\1"
#define DBCACHE_MAGIC_LEN 8
#define DBCACHE_FORMAT "layerscan-hsdb-2" /* 2: widths stored uncapped */
#define DBCACHE_MAX_FILE (256u * 1024u * 1024u) /* refuse anything absurd */

bool ls_dbcache_default_dir(char *out, size_t n)
{
    const char *env = getenv("LAYERSCAN_CACHE_DIR");
    int k;
    if (env && *env)
        k = snprintf(out, n, "%s", env);
    else if ((env = getenv("XDG_CACHE_HOME")) && env[0] == '/')
        k = snprintf(out, n, "%s/layerscan", env);
    else if ((env = getenv("HOME")) && *env)
        k = snprintf(out, n, "%s/.cache/layerscan", env);
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


hs_database_t *ls_dbcache_load(const char *dir, const char *key, size_t *widths, size_t n)
{
    char path[4096];
    unsigned char *buf;
    size_t len = 0, pos, body;
    uint64_t db_len;
    XXH128_hash_t h;
    XXH128_canonical_t want;
    hs_database_t *db = NULL;
    if (!ls_dbcache_path(dir, key, path, sizeof path) || !(buf = ls_file_slurp(path, DBCACHE_MAX_FILE, &len, NULL)))
        return NULL;
    if (len < DBCACHE_MAGIC_LEN + 8 + 8 + 16 || memcmp(buf, DBCACHE_MAGIC, DBCACHE_MAGIC_LEN) != 0)
        goto out;
    body = len - 16;
    h = XXH3_128bits(buf, body);
    XXH128_canonicalFromHash(&want, h);
    if (memcmp(want.digest, buf + body, 16) != 0)
        goto out;
    pos = DBCACHE_MAGIC_LEN;
    if (get_u64(buf + pos) != n || (body - pos - 16) / 8 < n)
        goto out;
    pos += 8;
    for (size_t i = 0; i < n; i++, pos += 8)
        widths[i] = (size_t)get_u64(buf + pos);
    db_len = get_u64(buf + pos);
    pos += 8;
    if (db_len != body - pos)
        goto out;
    if (hs_deserialize_database((const char *)buf + pos, (size_t)db_len, &db) != HS_SUCCESS)
        db = NULL;
out:
    free(buf);
    return db;
}



int ls_dbcache_store(const char *dir, const char *key, const hs_database_t *db,
                     const size_t *widths, size_t n)
{
    char path[4096], tmp[4096];
    char *ser = NULL;
    size_t ser_len = 0, head_len = DBCACHE_MAGIC_LEN + 8 + 8 * n + 8, pos;
    unsigned char *head = NULL;
    XXH3_state_t *xs = NULL;
    XXH128_canonical_t sum;
    int rc = -1;
    if (!db || !ls_dbcache_path(dir, key, path, sizeof path) ||
        snprintf(tmp, sizeof tmp, "%s/.tmp-%.16s-XXXXXX", dir, key) >= (int)sizeof tmp)
        return -1;
    if (ls_file_mkdirs(dir) != 0 || hs_serialize_database(db, &ser, &ser_len) != HS_SUCCESS)
        return -1;
    if (!(head = malloc(head_len)) || !(xs = XXH3_createState()))
        goto out;
    memcpy(head, DBCACHE_MAGIC, DBCACHE_MAGIC_LEN);
    pos = DBCACHE_MAGIC_LEN;
    put_u64(head + pos, n);
    pos += 8;
    for (size_t i = 0; i < n; i++, pos += 8)
        put_u64(head + pos, widths[i]);
    put_u64(head + pos, ser_len);
    XXH3_128bits_reset(xs);
    XXH3_128bits_update(xs, head, head_len);
    XXH3_128bits_update(xs, ser, ser_len);
    XXH128_canonicalFromHash(&sum, XXH3_128bits_digest(xs));
    {
        ls_file_part parts[] = {{head, head_len}, {ser, ser_len}, {sum.digest, sizeof sum.digest}};
        if (ls_file_replace(path, tmp, parts, sizeof parts / sizeof *parts) != 0)
            goto out;
    }
    rc = 0;
out:
    XXH3_freeState(xs);
    free(head);
    free(ser); /* hs_serialize_database uses the default allocator (malloc) */
    return rc;
}
