/*
 * layer_codec.c - see layer_codec.h. Layout (integers little-endian, a
 * string is a u32 length then that many bytes, no NUL inside):
 *
 *   "LSLAYER\0" | u32 format | str layerscan version | str rules hash |
 *   str digest | u32 rule count |
 *   str diff_id | u8 compression | u64 compressed_bytes, bytes, entries,
 *   whiteouts, bytes_scanned |
 *   u64 n_paths, then per path: str path | u8 kind | u8 flags | u64 lo, hi |
 *   u64 n_findings, then per finding: u32 rule | str rule id | str path |
 *   u64 line, column, offset | str secret | 32 bytes fingerprint |
 *   u8 validation | u8 confidence | u64 content lo, hi |
 *   u64 n_digests, then per file: u64 content lo, hi | u64 size | md5 16 |
 *   sha1 20 | sha256 32 | sha512 64 bytes |
 *   u64 n_databases, then per package database: str path | u64 content lo,
 *   hi | u64 length | that many bytes |
 *   HMAC-SHA-256 of everything before it under the cache key (32 bytes)
 *
 * The tag is checked (CRYPTO_memcmp, constant time) before a byte is parsed:
 * whoever can write the cache directory but does not hold the key cannot
 * make an entry that decodes, so a layer's findings cannot be edited away.
 * The parser still trusts nothing (the key may be shared by many machines,
 * a bug may have written the entry): every count is bounded by the bytes
 * left, and the rule index is checked against the rule id at that index.
 */
#include "pipeline/layer_codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "blob/blob.h"
#include "detect/detect.h"
#include "pkgdb/pkgdb.h"
#include "tamper/files.h"

#define CODEC_MAGIC "LSLAYER\0"
#define CODEC_MAGIC_LEN 8
#define CODEC_SUM_LEN 32 /* HMAC-SHA-256 */
#define COMP_ABSENT 255
#define FLAG_WHITEOUT 1u
#define FLAG_OPAQUE 2u

/* ---- writing ---------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t len, cap;
    bool failed;     /* out of memory or over LS_LAYER_CODEC_MAX */
} wbuf;

static void w_bytes(wbuf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (n > LS_LAYER_CODEC_MAX - b->len) {
        b->failed = true;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        unsigned char *np;
        while (cap < b->len + n)
            cap *= 2;
        if (!(np = realloc(b->p, cap))) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void w_u8(wbuf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    w_bytes(b, &c, 1);
}

static void w_u32(wbuf *b, uint32_t v)
{
    unsigned char c[4];
    for (int i = 0; i < 4; i++)
        c[i] = (unsigned char)(v >> (8 * i));
    w_bytes(b, c, sizeof c);
}

static void w_u64(wbuf *b, uint64_t v)
{
    unsigned char c[8];
    for (int i = 0; i < 8; i++)
        c[i] = (unsigned char)(v >> (8 * i));
    w_bytes(b, c, sizeof c);
}

static void w_str(wbuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > LS_LAYER_CODEC_MAX_STR) {
        b->failed = true;
        return;
    }
    w_u32(b, (uint32_t)n);
    w_bytes(b, s, n);
}

static unsigned compression_code(const char *name)
{
    if (!name)
        return COMP_ABSENT;
    for (unsigned c = LS_COMP_NONE; c <= LS_COMP_ZSTD; c++)
        if (strcmp(ls_compression_name((ls_compression)c), name) == 0)
            return c;
    return COMP_ABSENT;
}

static unsigned validation_code(const char *name)
{
    for (unsigned v = LS_VALIDATION_NONE; v <= LS_VALIDATION_STRUCTURE_VALID; v++)
        if (name && strcmp(ls_validation_name((ls_validation)v), name) == 0)
            return v;
    return LS_VALIDATION_NONE;
}

static int put_record(void *ctx, const ls_fs_record *rec)
{
    wbuf *b = ctx;
    w_str(b, rec->path);
    w_u8(b, (unsigned)rec->kind);
    w_u8(b, (rec->whiteout ? FLAG_WHITEOUT : 0u) | (rec->opaque ? FLAG_OPAQUE : 0u));
    w_u64(b, rec->content.lo);
    w_u64(b, rec->content.hi);
    return b->failed;
}

static void w_header(wbuf *b, const ls_ruleset *rules, const ls_layer_codec_key *key)
{
    w_bytes(b, CODEC_MAGIC, CODEC_MAGIC_LEN);
    w_u32(b, LS_LAYER_CODEC_FORMAT);
    w_str(b, LAYERSCAN_VERSION);
    w_str(b, key->rules_hash);
    w_str(b, key->digest);
    w_u32(b, (uint32_t)ls_ruleset_count(rules));
}

/* The tag of buf[0..len) under key's MAC key into out; false without a key
 * or when OpenSSL fails. */
static bool mac(const ls_layer_codec_key *key, const unsigned char *buf, size_t len,
                unsigned char out[CODEC_SUM_LEN])
{
    unsigned int out_len = 0;
    if (!key->mac_key || key->mac_key_len < LS_LAYER_CODEC_MIN_KEY || key->mac_key_len > INT32_MAX)
        return false;
    return HMAC(EVP_sha256(), key->mac_key, (int)key->mac_key_len, buf, len, out, &out_len) != NULL &&
           out_len == CODEC_SUM_LEN;
}

static void w_vendor(wbuf *b, const ls_vendor_evidence *v)
{
    w_u64(b, v->n_digests);
    for (size_t i = 0; i < v->n_digests; i++) {
        const ls_file_digests *d = &v->digests[i];
        w_u64(b, d->content.lo);
        w_u64(b, d->content.hi);
        w_u64(b, d->size);
        w_bytes(b, d->md5, sizeof d->md5);
        w_bytes(b, d->sha1, sizeof d->sha1);
        w_bytes(b, d->sha256, sizeof d->sha256);
        w_bytes(b, d->sha512, sizeof d->sha512);
    }
    w_u64(b, v->n_dbs);
    for (size_t i = 0; i < v->n_dbs; i++) {
        w_str(b, v->dbs[i].path);
        w_u64(b, v->dbs[i].content.lo);
        w_u64(b, v->dbs[i].content.hi);
        w_u64(b, v->dbs[i].len);
        w_bytes(b, v->dbs[i].bytes, v->dbs[i].len);
    }
}

bool ls_layer_codec_cacheable(const ls_layer_result *r, const ls_layer_codec_key *key)
{
    return r && key && key->digest && r->fs && r->info.scanned && r->info.digest_verified &&
           r->errors.n == 0 && r->info.digest && strcmp(r->info.digest, key->digest) == 0;
}

int ls_layer_codec_encode(const ls_layer_result *r, const ls_ruleset *rules,
                          const ls_layer_codec_key *key, unsigned char **out, size_t *len)
{
    wbuf b = {0};
    unsigned char tag[CODEC_SUM_LEN];
    const ls_layer_report *info = &r->info;
    *out = NULL;
    *len = 0;
    if (!ls_layer_codec_cacheable(r, key))
        return -1;
    w_header(&b, rules, key);
    w_str(&b, info->diff_id);
    w_u8(&b, compression_code(info->compression));
    w_u64(&b, info->compressed_bytes);
    w_u64(&b, info->bytes);
    w_u64(&b, info->entries);
    w_u64(&b, info->whiteouts);
    w_u64(&b, r->bytes_scanned);
    w_u64(&b, ls_fs_layer_size(r->fs));
    if (!b.failed)
        ls_fs_layer_each(r->fs, put_record, &b);
    w_u64(&b, r->findings.n);
    for (size_t i = 0; i < r->findings.n; i++) {
        const ls_finding *f = &r->findings.items[i];
        w_u32(&b, (uint32_t)f->rule);
        w_str(&b, ls_ruleset_get(rules, f->rule)->id);
        w_str(&b, f->path);
        w_u64(&b, f->line);
        w_u64(&b, f->column);
        w_u64(&b, f->offset);
        w_str(&b, f->secret);
        w_bytes(&b, f->fingerprint, 32);
        w_u8(&b, validation_code(f->validation));
        w_u8(&b, (unsigned)f->confidence);
        w_u64(&b, r->findings.content[i].lo);
        w_u64(&b, r->findings.content[i].hi);
    }
    w_vendor(&b, &r->vendor);
    if (!b.failed) {
        if (mac(key, b.p, b.len, tag))
            w_bytes(&b, tag, CODEC_SUM_LEN);
        else
            b.failed = true;
    }
    if (b.failed) {
        free(b.p);
        return -1;
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

/* ---- reading ---------------------------------------------------------- */

typedef struct {
    const unsigned char *p;
    size_t left;
    bool bad;        /* ran past the end or met an invalid value */
} rbuf;

static const unsigned char *r_take(rbuf *b, size_t n)
{
    const unsigned char *p;
    if (b->bad || n > b->left) {
        b->bad = true;
        return NULL;
    }
    p = b->p;
    b->p += n;
    b->left -= n;
    return p;
}

static unsigned r_u8(rbuf *b)
{
    const unsigned char *p = r_take(b, 1);
    return p ? p[0] : 0;
}

static uint32_t r_u32(rbuf *b)
{
    const unsigned char *p = r_take(b, 4);
    uint32_t v = 0;
    for (int i = 3; p && i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t r_u64(rbuf *b)
{
    const unsigned char *p = r_take(b, 8);
    uint64_t v = 0;
    for (int i = 7; p && i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* A string's bytes in place (not NUL-terminated); NULL on a bad length or a
 * NUL inside. */
static const char *r_str_view(rbuf *b, size_t *n)
{
    uint32_t len = r_u32(b);
    const unsigned char *p;
    if (b->bad || len > LS_LAYER_CODEC_MAX_STR || !(p = r_take(b, len)) || memchr(p, '\0', len)) {
        b->bad = true;
        return NULL;
    }
    *n = len;
    return (const char *)p;
}

static bool r_str_is(rbuf *b, const char *want)
{
    size_t n;
    const char *s = r_str_view(b, &n);
    return s && want && n == strlen(want) && memcmp(s, want, n) == 0;
}

/* A new NUL-terminated copy; NULL with b->bad set (or on allocation failure,
 * with *oom set). */
static char *r_str_dup(rbuf *b, bool *oom)
{
    size_t n;
    const char *s = r_str_view(b, &n);
    char *out;
    if (!s)
        return NULL;
    if (!(out = malloc(n + 1))) {
        *oom = true;
        return NULL;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

/* Smallest encoded path record and finding: bounds the counts. */
#define MIN_RECORD (4 + 1 + 1 + 16 + 1)
#define MIN_FINDING (4 + 4 + 4 + 1 + 24 + 4 + 1 + 32 + 2 + 16)

static bool r_header(rbuf *b, const ls_ruleset *rules, const ls_layer_codec_key *key)
{
    const unsigned char *magic = r_take(b, CODEC_MAGIC_LEN);
    if (!magic || memcmp(magic, CODEC_MAGIC, CODEC_MAGIC_LEN) != 0)
        return false;
    if (r_u32(b) != LS_LAYER_CODEC_FORMAT || !r_str_is(b, LAYERSCAN_VERSION) ||
        !r_str_is(b, key->rules_hash) || !r_str_is(b, key->digest))
        return false;
    return r_u32(b) == ls_ruleset_count(rules) && !b->bad;
}

/* The path records, each NUL-terminated in one scratch buffer grown to the
 * longest path (never beyond LS_LAYER_CODEC_MAX_STR). */
static int r_records(rbuf *b, ls_fs_layer *fs)
{
    uint64_t n = r_u64(b);
    char *path = NULL;
    size_t path_cap = 0;
    int rc = -1;
    if (b->bad || n > b->left / MIN_RECORD)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        size_t len;
        const char *s = r_str_view(b, &len);
        ls_fs_record rec;
        unsigned kind, flags;
        if (!s || len == 0)
            goto out;
        kind = r_u8(b);
        flags = r_u8(b);
        rec.content.lo = r_u64(b);
        rec.content.hi = r_u64(b);
        if (b->bad || kind > LS_FS_OTHER || (flags & ~(FLAG_WHITEOUT | FLAG_OPAQUE)))
            goto out;
        if (len + 1 > path_cap) {
            char *np = realloc(path, len + 1);
            if (!np)
                goto out;
            path = np;
            path_cap = len + 1;
        }
        memcpy(path, s, len);
        path[len] = '\0';
        rec.path = path;
        rec.kind = (ls_fs_kind)kind;
        rec.whiteout = (flags & FLAG_WHITEOUT) != 0;
        rec.opaque = (flags & FLAG_OPAQUE) != 0;
        if (ls_fs_layer_restore(fs, &rec) != 0)
            goto out;
    }
    rc = 0;
out:
    free(path);
    return rc;
}

static bool hex32(const unsigned char *p)
{
    for (int i = 0; i < 32; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return true;
}

static int r_finding(rbuf *b, const ls_ruleset *rules, size_t index, ls_finding *f, ls_content_id *c)
{
    bool oom = false;
    uint32_t rule = r_u32(b);
    const unsigned char *fp;
    unsigned validation, confidence;
    if (b->bad || rule >= ls_ruleset_count(rules) || !r_str_is(b, ls_ruleset_get(rules, rule)->id))
        return -1;
    memset(f, 0, sizeof *f);
    f->rule = rule;
    f->source = LS_SOURCE_FILE;
    f->layer = (long)index;
    f->history = f->removed_in_layer = f->package = -1;
    f->status = LS_STATUS_METADATA; /* the fate and origin are resolved per image */
    f->path = r_str_dup(b, &oom);
    f->line = r_u64(b);
    f->column = r_u64(b);
    f->offset = r_u64(b);
    f->secret = r_str_dup(b, &oom);
    fp = r_take(b, 32);
    validation = r_u8(b);
    confidence = r_u8(b);
    c->lo = r_u64(b);
    c->hi = r_u64(b);
    if (b->bad || oom || !f->path || !f->secret || !fp || !hex32(fp) || f->path[0] == '\0' ||
        validation > LS_VALIDATION_STRUCTURE_VALID || confidence > LS_CONF_HIGH) {
        ls_finding_free_fields(f);
        return -1;
    }
    memcpy(f->fingerprint, fp, 32);
    f->fingerprint[32] = '\0';
    f->validation = ls_validation_name((ls_validation)validation);
    f->confidence = (ls_confidence)confidence;
    return 0;
}

static int r_findings(rbuf *b, const ls_ruleset *rules, size_t index, ls_finding_list *l)
{
    uint64_t n = r_u64(b);
    if (b->bad || n > b->left / MIN_FINDING)
        return -1;
    l->items = calloc(n ? (size_t)n : 1, sizeof *l->items);
    l->content = calloc(n ? (size_t)n : 1, sizeof *l->content);
    if (!l->items || !l->content)
        return -1;
    l->cap = (size_t)(n ? n : 1);
    for (uint64_t i = 0; i < n; i++) {
        if (r_finding(b, rules, index, &l->items[l->n], &l->content[l->n]) != 0)
            return -1;
        l->n++;
    }
    return 0;
}

#define DIGEST_RECORD (8 * 3 + 16 + 20 + 32 + 64)

static int r_vendor(rbuf *b, ls_vendor_evidence *v)
{
    uint64_t n = r_u64(b);
    if (b->bad || n > b->left / DIGEST_RECORD)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        ls_file_digests d;
        const unsigned char *p;
        d.content.lo = r_u64(b);
        d.content.hi = r_u64(b);
        d.size = r_u64(b);
        if (!(p = r_take(b, 16 + 20 + 32 + 64)))
            return -1;
        memcpy(d.md5, p, 16);
        memcpy(d.sha1, p + 16, 20);
        memcpy(d.sha256, p + 36, 32);
        memcpy(d.sha512, p + 68, 64);
        if (ls_vendor_add_digests(v, &d) != 0)
            return -1;
    }
    n = r_u64(b);
    if (b->bad || n > b->left / (4 + 8 * 3))
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        bool oom = false;
        char *path = r_str_dup(b, &oom);
        ls_content_id c;
        uint64_t len;
        const unsigned char *p;
        unsigned char *copy;
        c.lo = r_u64(b);
        c.hi = r_u64(b);
        len = r_u64(b);
        if (!path || oom || b->bad || len > LS_VENDOR_DB_MAX || !(p = r_take(b, (size_t)len)) ||
            (ls_pkgdb_classify(path) == LS_PKGDB_NONE && ls_tamper_classify(path) == LS_TFILE_NONE) || !(copy = malloc(len ? (size_t)len : 1))) {
            free(path);
            return -1;
        }
        if (len)
            memcpy(copy, p, (size_t)len);
        if (ls_vendor_add_db(v, path, c, copy, (size_t)len) != 0) {
            free(path);
            return -1;
        }
        free(path);
    }
    return 0;
}

int ls_layer_codec_decode(const unsigned char *buf, size_t len, const ls_ruleset *rules,
                          const ls_layer_codec_key *key, size_t index, ls_layer_result *out)
{
    rbuf b;
    unsigned char tag[CODEC_SUM_LEN];
    ls_layer_report *info = &out->info;
    bool oom = false;
    unsigned comp;
    memset(out, 0, sizeof *out);
    if (!buf || len < CODEC_MAGIC_LEN + CODEC_SUM_LEN || !key->digest || !key->rules_hash)
        return -1;
    if (!mac(key, buf, len - CODEC_SUM_LEN, tag) ||
        CRYPTO_memcmp(tag, buf + len - CODEC_SUM_LEN, CODEC_SUM_LEN) != 0)
        return -1;
    b = (rbuf){.p = buf, .left = len - CODEC_SUM_LEN};
    if (!r_header(&b, rules, key))
        return -1;
    info->index = (long)index;
    info->history = -1;
    info->scanned = true;
    info->digest_verified = true; /* only verified results are encoded */
    info->diff_id = r_str_dup(&b, &oom);
    comp = r_u8(&b);
    info->compressed_bytes = r_u64(&b);
    info->bytes = r_u64(&b);
    info->entries = r_u64(&b);
    info->whiteouts = r_u64(&b);
    out->bytes_scanned = r_u64(&b);
    if (b.bad || oom || !info->diff_id || info->diff_id[0] == '\0' || comp > LS_COMP_ZSTD)
        goto fail;
    info->compression = ls_compression_name((ls_compression)comp);
    if (!(info->digest = strdup(key->digest)) || !(out->fs = ls_fs_layer_new()))
        goto fail;
    if (r_records(&b, out->fs) != 0 || r_findings(&b, rules, index, &out->findings) != 0 ||
        r_vendor(&b, &out->vendor) != 0 || b.left != 0)
        goto fail;
    return 0;
fail:
    ls_layer_result_free(out);
    return -1;
}
