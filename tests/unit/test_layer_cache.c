/*
 * test_layer_cache.c - the layer result cache.
 *
 * Codec: a result with every kind of path record and findings survives a
 * round trip field for field (and the restored path table answers fate
 * queries as the original does); every truncation, every flipped byte, a
 * foreign key and hostile counts behind a valid checksum are refused;
 * results with errors are never encoded.
 * Cache: miss, store, hit (with the image's own media type and index); a
 * corrupt entry is ignored, counted and rewritten; a diff_id the image
 * declares differently is a miss; a hostile digest never names a file; a
 * private directory is removed; two threads asking for one digest are
 * single-flight (the second waits for the first's result).
 * Forgery: an entry edited to hold no finding, sealed with a recomputed
 * XXH3 checksum or an HMAC under another key, is rejected and counted, the
 * layer is scanned again and its findings come back; the same edit under the
 * real key would be accepted (so it is the tag that refuses it). An entry
 * file that is not ours (group-writable, a symlink) is rejected too.
 * Trust: a root that is group-writable, another user's, under an ancestor
 * writable by others without the sticky bit, or whose layers/ is a symlink,
 * is refused with a one-line reason and nothing is created in it; a sticky
 * ancestor (/tmp) and a group-writable one (setgid 2775, as a Kubernetes
 * fsGroup volume) are fine; directories we create are 0700.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "check.h"
#include "layerscan/rules.h"
#include "pipeline/layer_cache.h"
#include "pipeline/layer_codec.h"
#include <xxhash.h>

#define DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DIFF_ID "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define OTHER "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static ls_ruleset *rules;
static char rules_hash[65];
/* the cache key (fake, made for this test) */
static const unsigned char KEY[32] = "layerscan-test-key-0123456789abc";
#define MAC .mac_key = KEY, .mac_key_len = sizeof KEY

static const ls_content_id C1 = {0x0123456789abcdefull, 0xfedcba9876543210ull}, C2 = {7, 9}, Z = {0, 0};

static ls_finding *add_finding(ls_layer_result *r, const char *rule_id, const char *path,
                               const char *secret, ls_content_id c)
{
    ls_finding_list *l = &r->findings;
    ls_finding *f;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        l->content = realloc(l->content, l->cap * sizeof *l->content);
        if (!l->items || !l->content)
            abort();
    }
    f = &l->items[l->n];
    memset(f, 0, sizeof *f);
    f->rule = (size_t)ls_ruleset_find(rules, rule_id);
    f->source = LS_SOURCE_FILE;
    f->layer = 0;
    f->history = f->removed_in_layer = -1;
    f->status = LS_STATUS_METADATA;
    f->path = strdup(path);
    f->secret = strdup(secret);
    f->line = 3;
    f->column = 9;
    f->offset = 33;
    ls_fingerprint(rule_id, secret, strlen(secret), f->fingerprint);
    f->validation = "checksum-valid";
    f->confidence = LS_CONF_HIGH;
    l->content[l->n++] = c;
    return f;
}

/* A clean result as layer 0 would give it. */
static void make_result(ls_layer_result *r)
{
    ls_finding *f;
    memset(r, 0, sizeof *r);
    r->info.index = 0;
    r->info.history = -1;
    r->info.digest = strdup(DIGEST);
    r->info.diff_id = strdup(DIFF_ID);
    r->info.media_type = strdup("application/vnd.oci.image.layer.v1.tar+gzip");
    r->info.compression = "gzip";
    r->info.compressed_bytes = 1234;
    r->info.bytes = 10240;
    r->info.entries = 9;
    r->info.whiteouts = 2;
    r->info.scanned = true;
    r->info.digest_verified = true;
    r->bytes_scanned = 777;
    r->fs = ls_fs_layer_new();
    ls_fs_layer_put(r->fs, "/root", LS_FS_DIR, Z);
    ls_fs_layer_put(r->fs, "/root/.gitconfig", LS_FS_FILE, C1);
    ls_fs_layer_put(r->fs, "/etc/link", LS_FS_OTHER, Z);
    ls_fs_layer_whiteout(r->fs, "/srv/billing");
    ls_fs_layer_opaque(r->fs, "/var/cache");
    ls_fs_layer_put(r->fs, "/var/cache", LS_FS_DIR, Z);
    ls_fs_layer_whiteout(r->fs, "/tmp/x");        /* whiteout and re-add in one layer */
    ls_fs_layer_put(r->fs, "/tmp/x", LS_FS_FILE, C2);
    ls_fs_layer_put(r->fs, "/weird/\xff\xfe name", LS_FS_FILE, C2);
    add_finding(r, "github-pat", "/root/.gitconfig", "ghp_5uOWkLGHKqJYsOwTLn3TVo8KAHXkKj1svQsl", C1);
    f = add_finding(r, "stripe-secret-key", "/weird/\xff\xfe name", "sk_live_vpf7a10UCpvUHRh7guPEXAOdV5ZP", C2);
    f->validation = "none";
    f->confidence = LS_CONF_MEDIUM;
    f->line = 1;
    f->column = 1;
    f->offset = 0;
}

typedef struct {
    char text[4096];
    size_t len;
} dump;

static int dump_record(void *ctx, const ls_fs_record *rec)
{
    dump *d = ctx;
    int k = snprintf(d->text + d->len, sizeof d->text - d->len, "%s|%d|%d|%d|%llx|%llx\n", rec->path,
                     (int)rec->kind, rec->whiteout, rec->opaque, (unsigned long long)rec->content.lo,
                     (unsigned long long)rec->content.hi);
    if (k > 0)
        d->len += (size_t)k;
    return 0;
}

static int cmp_line(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The records one per line, sorted: the table order is not part of the API. */
static void sort_lines(dump *d)
{
    char *lines[64], copy[4096], *save = NULL, *tok;
    size_t n = 0, len = 0;
    memcpy(copy, d->text, sizeof copy);
    for (tok = strtok_r(copy, "\n", &save); tok && n < 64; tok = strtok_r(NULL, "\n", &save))
        lines[n++] = tok;
    qsort(lines, n, sizeof *lines, cmp_line);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(d->text + len, sizeof d->text - len, "%s\n", lines[i]);
}

static void check_same_fs(const ls_fs_layer *a, const ls_fs_layer *b)
{
    dump da = {{0}, 0}, db = {{0}, 0};
    ls_fs_layer_each(a, dump_record, &da);
    ls_fs_layer_each(b, dump_record, &db);
    sort_lines(&da);
    sort_lines(&db);
    CHECK_INT(ls_fs_layer_size(a), ls_fs_layer_size(b));
    CHECK_INT(ls_fs_layer_size(b), 7);
    CHECK_STR(da.text, db.text); /* the same records */
}

static void check_same_findings(const ls_layer_result *a, const ls_layer_result *b, long index)
{
    CHECK_INT(a->findings.n, b->findings.n);
    for (size_t i = 0; i < a->findings.n && i < b->findings.n; i++) {
        const ls_finding *x = &a->findings.items[i], *y = &b->findings.items[i];
        CHECK_INT(x->rule, y->rule);
        CHECK_INT(y->source, LS_SOURCE_FILE);
        CHECK_INT(y->layer, index);
        CHECK_INT(y->history, -1);
        CHECK_INT(y->removed_in_layer, -1);
        CHECK_STR(x->path, y->path);
        CHECK_STR(x->secret, y->secret);
        CHECK_INT(x->line, y->line);
        CHECK_INT(x->column, y->column);
        CHECK_INT(x->offset, y->offset);
        CHECK_STR(x->fingerprint, y->fingerprint);
        CHECK_STR(x->validation, y->validation);
        CHECK_INT(x->confidence, y->confidence);
        CHECK(a->findings.content[i].lo == b->findings.content[i].lo);
        CHECK(a->findings.content[i].hi == b->findings.content[i].hi);
    }
}

static void test_round_trip(void)
{
    ls_layer_result r, back;
    ls_layer_codec_key key = {.digest = DIGEST, .rules_hash = rules_hash, MAC};
    unsigned char *buf = NULL;
    size_t len = 0;
    ls_fs_layer *stack_a[2], *stack_b[2];
    make_result(&r);
    /* vendor evidence: a file's digests and a package database's bytes */
    {
        static const char md5sums[] = "0123456789abcdef0123456789abcdef  usr/lib/x.so\n";
        unsigned char *db = malloc(sizeof md5sums - 1);
        CHECK(db != NULL);
        memcpy(db, md5sums, sizeof md5sums - 1);
        CHECK_INT(ls_vendor_digest_bytes(&r.vendor, NULL, C1, "abc", 3), 0);
        CHECK_INT(ls_vendor_add_db(&r.vendor, "/var/lib/dpkg/info/x.md5sums", C2, db, sizeof md5sums - 1), 0);
    }
    CHECK(ls_layer_codec_cacheable(&r, &key));
    CHECK_INT(ls_layer_codec_encode(&r, rules, &key, &buf, &len), 0);
    CHECK(buf && len > 100);
    CHECK_INT(ls_layer_codec_decode(buf, len, rules, &key, 5, &back), 0);
    CHECK_INT(back.info.index, 5);
    CHECK_INT(back.info.history, -1);
    CHECK_STR(back.info.digest, DIGEST);
    CHECK_STR(back.info.diff_id, DIFF_ID);
    CHECK(back.info.media_type == NULL); /* the image's, set by the cache */
    CHECK_STR(back.info.compression, "gzip");
    CHECK_INT(back.info.compressed_bytes, 1234);
    CHECK_INT(back.info.bytes, 10240);
    CHECK_INT(back.info.entries, 9);
    CHECK_INT(back.info.whiteouts, 2);
    CHECK(back.info.scanned && back.info.digest_verified);
    CHECK_INT(back.bytes_scanned, 777);
    CHECK_INT(back.errors.n, 0);
    check_same_fs(r.fs, back.fs);
    check_same_findings(&r, &back, 5);
    CHECK_INT(back.vendor.n_digests, 1);
    CHECK_INT(back.vendor.n_dbs, 1);
    if (back.vendor.n_digests == 1 && back.vendor.n_dbs == 1) {
        /* MD5("abc") */
        static const unsigned char md5_abc[16] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                                  0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
        CHECK(back.vendor.digests[0].content.lo == C1.lo && back.vendor.digests[0].content.hi == C1.hi);
        CHECK_INT(back.vendor.digests[0].size, 3);
        CHECK(memcmp(back.vendor.digests[0].md5, md5_abc, 16) == 0);
        CHECK_STR(back.vendor.dbs[0].path, "/var/lib/dpkg/info/x.md5sums");
        CHECK_INT(back.vendor.dbs[0].len, r.vendor.dbs[0].len);
        CHECK(memcmp(back.vendor.dbs[0].bytes, r.vendor.dbs[0].bytes, r.vendor.dbs[0].len) == 0);
    }
    /* the restored table gives the same fates over a lower layer */
    {
        ls_fs_layer *lower = ls_fs_layer_new();
        const char *paths[] = {"/root/.gitconfig", "/srv/billing/keys.yml", "/var/cache/apt/x",
                               "/etc/link", "/tmp/x", "/etc/link/under", "/nothing"};
        stack_a[0] = stack_b[0] = lower;
        stack_a[1] = r.fs;
        stack_b[1] = back.fs;
        for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
            ls_fs_fate fa = ls_fs_resolve(stack_a, 2, 0, paths[i], C1);
            ls_fs_fate fb = ls_fs_resolve(stack_b, 2, 0, paths[i], C1);
            CHECK_INT(fa.status, fb.status);
            CHECK_INT(fa.removed_in_layer, fb.removed_in_layer);
        }
        CHECK_INT(ls_fs_resolve(stack_b, 2, 0, "/srv/billing/keys.yml", C1).status, LS_STATUS_DELETED);
        CHECK_INT(ls_fs_resolve(stack_b, 2, 0, "/var/cache/apt/x", C1).status, LS_STATUS_DELETED);
        CHECK_INT(ls_fs_resolve(stack_b, 2, 0, "/root/.gitconfig", C1).status, LS_STATUS_PRESENT);
        CHECK_INT(ls_fs_resolve(stack_b, 2, 0, "/root/.gitconfig", C2).status, LS_STATUS_OVERWRITTEN);
        ls_fs_layer_free(lower);
    }
    ls_layer_result_free(&back);
    free(buf);
    ls_layer_result_free(&r);
}

static void test_refused(void)
{
    ls_layer_result r, back;
    ls_layer_codec_key key = {.digest = DIGEST, .rules_hash = rules_hash, MAC};
    ls_layer_codec_key other_digest = {.digest = OTHER, .rules_hash = rules_hash, MAC};
    ls_layer_codec_key other_rules = {.digest = DIGEST,
                                      .rules_hash = "0000000000000000000000000000000000000000000000000000000000000000",
                                      MAC};
    unsigned char *buf = NULL;
    size_t len = 0, bad = 0;
    make_result(&r);
    CHECK_INT(ls_layer_codec_encode(&r, rules, &key, &buf, &len), 0);

    for (size_t n = 0; n < len; n++) /* every truncation */
        bad += ls_layer_codec_decode(buf, n, rules, &key, 0, &back) != 0;
    CHECK_INT(bad, len);
    bad = 0;
    for (size_t i = 0; i < len; i++) { /* every flipped byte */
        buf[i] ^= 0x20;
        bad += ls_layer_codec_decode(buf, len, rules, &key, 0, &back) != 0;
        buf[i] ^= 0x20;
    }
    CHECK_INT(bad, len);
    CHECK(ls_layer_codec_decode(buf, len, rules, &other_digest, 0, &back) != 0);
    CHECK(ls_layer_codec_decode(buf, len, rules, &other_rules, 0, &back) != 0);
    CHECK_INT(ls_layer_codec_decode(buf, len, rules, &key, 0, &back), 0);
    ls_layer_result_free(&back);
    free(buf);

    /* a result made for one key is not encoded for another */
    CHECK(ls_layer_codec_encode(&r, rules, &other_digest, &buf, &len) != 0);
    /* results with errors, or not wholly read, are never encoded */
    ls_error_list_add(&r.errors, 0, NULL, "layer 0: truncated gzip stream");
    CHECK(!ls_layer_codec_cacheable(&r, &key));
    CHECK(ls_layer_codec_encode(&r, rules, &key, &buf, &len) != 0);
    ls_error_list_free(&r.errors);
    r.info.scanned = false;
    CHECK(ls_layer_codec_encode(&r, rules, &key, &buf, &len) != 0);
    r.info.scanned = true;
    r.info.digest_verified = false;
    CHECK(ls_layer_codec_encode(&r, rules, &key, &buf, &len) != 0);
    ls_layer_result_free(&r);
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A fresh tag under the cache key: what a holder of the key could write. */
static void reseal(unsigned char *buf, size_t len)
{
    unsigned int n = 0;
    CHECK(HMAC(EVP_sha256(), KEY, sizeof KEY, buf, len - 32, buf + len - 32, &n) != NULL && n == 32);
}

/* A valid tag proves who wrote an entry, not that it is sane: counts and
 * lengths behind a valid tag are still bounded by the bytes that are there. */
static void test_hostile_counts(void)
{
    ls_layer_result r, back;
    ls_layer_codec_key key = {.digest = DIGEST, .rules_hash = rules_hash, MAC};
    unsigned char *buf = NULL;
    size_t len = 0, at;
    memset(&r, 0, sizeof r);
    r.info.digest = strdup(DIGEST);
    r.info.diff_id = strdup(DIFF_ID);
    r.info.compression = "zstd";
    r.info.scanned = r.info.digest_verified = true;
    r.fs = ls_fs_layer_new(); /* no paths, no findings */
    CHECK_INT(ls_layer_codec_encode(&r, rules, &key, &buf, &len), 0);
    /* header: magic 8, format 4, version, rules hash, digest, rule count 4,
     * diff_id, compression 1, five u64 */
    at = 8 + 4 + 4 + strlen(LAYERSCAN_VERSION) + 4 + 64 + 4 + strlen(DIGEST) + 4 + 4 + strlen(DIFF_ID) + 1 + 40;
    /* n_paths, n_findings, n_digests, n_databases, the tag */
    CHECK_INT(len, at + 8 + 8 + 8 + 8 + 32);
    CHECK_INT(ls_layer_codec_decode(buf, len, rules, &key, 0, &back), 0);
    ls_layer_result_free(&back);

    put_u64(buf + at, (uint64_t)1 << 60); /* n_paths */
    reseal(buf, len);
    CHECK(ls_layer_codec_decode(buf, len, rules, &key, 0, &back) != 0);
    put_u64(buf + at, 0);
    put_u64(buf + at + 8, UINT64_MAX); /* n_findings */
    reseal(buf, len);
    CHECK(ls_layer_codec_decode(buf, len, rules, &key, 0, &back) != 0);
    put_u64(buf + at + 8, 0);
    put_u64(buf + at + 16, (uint64_t)1 << 58); /* n_digests */
    reseal(buf, len);
    CHECK(ls_layer_codec_decode(buf, len, rules, &key, 0, &back) != 0);
    put_u64(buf + at + 16, 0);
    put_u64(buf + at + 24, UINT64_MAX); /* n_databases */
    reseal(buf, len);
    CHECK(ls_layer_codec_decode(buf, len, rules, &key, 0, &back) != 0);
    put_u64(buf + at + 24, 0);
    buf[at - 41] = 9; /* compression code out of range */
    reseal(buf, len);
    CHECK(ls_layer_codec_decode(buf, len, rules, &key, 0, &back) != 0);
    buf[at - 41] = 2;
    reseal(buf, len);
    CHECK_INT(ls_layer_codec_decode(buf, len, rules, &key, 0, &back), 0);
    CHECK_STR(back.info.compression, "zstd");
    ls_layer_result_free(&back);
    {
        /* diff_id length field claiming 4 GiB */
        size_t diff_at = at - 41 - strlen(DIFF_ID) - 4;
        buf[diff_at] = buf[diff_at + 1] = buf[diff_at + 2] = buf[diff_at + 3] = 0xff;
        reseal(buf, len);
        CHECK(ls_layer_codec_decode(buf, len, rules, &key, 0, &back) != 0);
    }
    free(buf);
    ls_layer_result_free(&r);
}

/* ---- the cache ---------------------------------------------------------- */

static ls_image one_layer_image(const char *digest, const char *diff_id)
{
    static ls_layer_ref layer;
    static char *diff_ids[1];
    ls_image img;
    memset(&img, 0, sizeof img);
    layer.digest = (char *)digest;
    layer.media_type = (char *)"application/vnd.docker.image.rootfs.diff.tar.gzip";
    layer.size = -1;
    diff_ids[0] = (char *)diff_id;
    img.layers = &layer;
    img.n_layers = 1;
    img.diff_ids = diff_ids;
    img.n_diff_ids = diff_id ? 1 : 0;
    img.has_config = true;
    return img;
}

static void truncate_file(const char *path, off_t to)
{
    CHECK_INT(truncate(path, to), 0);
}

static void test_cache(const char *root)
{
    ls_layer_cache *c = NULL;
    ls_layer_cache_stats st;
    ls_layer_result r, got;
    ls_layer_claim claim;
    ls_error err = {0};
    char path[8192];
    struct stat sb;
    ls_image img = one_layer_image(DIGEST, DIFF_ID);

    CHECK_INT(ls_layer_cache_new(&c, root, rules, NULL, KEY, sizeof KEY, &err), 0);
    if (!c)
        return;
    CHECK(ls_layer_cache_entry_path(c, DIGEST, path, sizeof path));
    CHECK(strstr(path, "/layers/sha256-1111") != NULL);
    make_result(&r);

    CHECK_INT(ls_layer_cache_lookup(c, rules, &img, 0, &got, &claim), 0); /* cold */
    CHECK(claim.digest != NULL);
    ls_layer_cache_done(c, &claim, &r);
    CHECK(claim.digest == NULL);
    CHECK_INT(stat(path, &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0600);

    CHECK_INT(ls_layer_cache_lookup(c, rules, &img, 0, &got, &claim), 1); /* warm */
    CHECK(claim.digest == NULL);
    CHECK_STR(got.info.media_type, "application/vnd.docker.image.rootfs.diff.tar.gzip");
    CHECK_INT(got.info.index, 0);
    check_same_fs(r.fs, got.fs);
    check_same_findings(&r, &got, 0);
    ls_layer_result_free(&got);

    ls_layer_cache_get_stats(c, &st);
    CHECK_INT(st.hits, 1);
    CHECK_INT(st.scanned, 1);
    CHECK_INT(st.stored, 1);
    CHECK_INT(st.bytes_fetched, 1234);
    CHECK_INT(st.rejected, 0);

    /* a truncated entry: ignored, counted, rewritten by the next store */
    truncate_file(path, sb.st_size / 2);
    CHECK_INT(ls_layer_cache_lookup(c, rules, &img, 0, &got, &claim), 0);
    ls_layer_cache_done(c, &claim, &r);
    CHECK_INT(ls_layer_cache_lookup(c, rules, &img, 0, &got, &claim), 1);
    ls_layer_result_free(&got);
    ls_layer_cache_get_stats(c, &st);
    CHECK_INT(st.rejected, 1);
    CHECK_INT(st.stored, 2);

    /* the same blob in an image whose config names another diff_id: a miss
     * (the scan reports the mismatch), not a rejected entry */
    {
        ls_image img2 = one_layer_image(DIGEST, OTHER);
        CHECK_INT(ls_layer_cache_lookup(c, rules, &img2, 0, &got, &claim), 0);
        ls_layer_cache_done(c, &claim, NULL);
        ls_layer_cache_get_stats(c, &st);
        CHECK_INT(st.rejected, 1);
    }
    /* an image that declares no diff_id still gets the verified result */
    {
        ls_image img3 = one_layer_image(DIGEST, NULL);
        CHECK_INT(ls_layer_cache_lookup(c, rules, &img3, 0, &got, &claim), 1);
        ls_layer_result_free(&got);
    }
    /* a layer of a registry image: scanned and stored, but its bytes are the
     * registry client's to count (manifests and configs included), not ours */
    {
        ls_image img5 = one_layer_image(DIGEST, DIFF_ID);
        uint64_t before;
        img5.transport = (char *)"docker";
        CHECK_INT(unlink(path), 0);
        ls_layer_cache_get_stats(c, &st);
        before = st.bytes_fetched;
        CHECK_INT(ls_layer_cache_lookup(c, rules, &img5, 0, &got, &claim), 0);
        CHECK(claim.remote);
        ls_layer_cache_done(c, &claim, &r);
        CHECK(!claim.remote);
        ls_layer_cache_get_stats(c, &st);
        CHECK_INT(st.bytes_fetched, before);
        CHECK_INT(st.scanned, 4);
        CHECK_INT(ls_layer_cache_lookup(c, rules, &img5, 0, &got, &claim), 1);
        ls_layer_result_free(&got);
    }
    /* a hostile digest never names a file, and nothing is claimed */
    {
        ls_image img4 = one_layer_image("sha256:../../../../etc/passwd", NULL);
        CHECK(!ls_layer_cache_entry_path(c, "sha256:../../../../etc/passwd", path, sizeof path));
        CHECK_INT(ls_layer_cache_lookup(c, rules, &img4, 0, &got, &claim), 0);
        CHECK(claim.digest == NULL);
        ls_layer_cache_done(c, &claim, NULL);
    }
    /* other rules than the cache's: never cached */
    {
        ls_ruleset *rs2 = ls_ruleset_new();
        CHECK_INT(ls_layer_cache_lookup(c, rs2, &img, 0, &got, &claim), 0);
        CHECK(claim.digest == NULL);
        ls_ruleset_free(rs2);
    }
    ls_layer_result_free(&r);
    ls_layer_cache_free(c);
}

static void test_private_dir(const char *tmp)
{
    ls_layer_cache *c = NULL;
    ls_layer_result r, got;
    ls_layer_claim claim;
    ls_error err = {0};
    char dir[8192];
    struct stat sb;
    ls_image img = one_layer_image(DIGEST, DIFF_ID);
    setenv("TMPDIR", tmp, 1);
    CHECK_INT(ls_layer_cache_new(&c, NULL, rules, NULL, NULL, 0, &err), 0);
    if (!c)
        return;
    snprintf(dir, sizeof dir, "%s", ls_layer_cache_dir(c));
    CHECK(strncmp(dir, tmp, strlen(tmp)) == 0);
    make_result(&r);
    CHECK_INT(ls_layer_cache_lookup(c, rules, &img, 0, &got, &claim), 0);
    ls_layer_cache_done(c, &claim, &r);
    CHECK_INT(ls_layer_cache_lookup(c, rules, &img, 0, &got, &claim), 1);
    ls_layer_result_free(&got);
    ls_layer_result_free(&r);
    ls_layer_cache_free(c);
    CHECK(stat(dir, &sb) != 0); /* removed with its entries */
}

typedef struct {
    ls_layer_cache *c;
    const ls_image *img;
    int rc;
    atomic_bool finished;
} waiter;

static void *wait_thread(void *arg)
{
    waiter *w = arg;
    ls_layer_result got;
    ls_layer_claim claim;
    w->rc = ls_layer_cache_lookup(w->c, rules, w->img, 0, &got, &claim);
    if (w->rc == 1)
        ls_layer_result_free(&got);
    else
        ls_layer_cache_done(w->c, &claim, NULL);
    atomic_store(&w->finished, true);
    return NULL;
}

static void test_single_flight(const char *root)
{
    ls_layer_cache *c = NULL;
    ls_layer_cache_stats st;
    ls_layer_result r, got;
    ls_layer_claim claim;
    ls_error err = {0};
    pthread_t t;
    ls_image img = one_layer_image(DIGEST, DIFF_ID);
    waiter w = {.img = &img};
    CHECK_INT(ls_layer_cache_new(&c, root, rules, NULL, KEY, sizeof KEY, &err), 0);
    if (!c)
        return;
    w.c = c;
    atomic_init(&w.finished, false);
    CHECK_INT(ls_layer_cache_lookup(c, rules, &img, 0, &got, &claim), 0); /* we scan it */
    CHECK_INT(pthread_create(&t, NULL, wait_thread, &w), 0);
    for (int i = 0; i < 200; i++) { /* until the other thread is waiting */
        ls_layer_cache_get_stats(c, &st);
        if (st.waits)
            break;
        usleep(5000);
    }
    CHECK_INT(st.waits, 1);
    CHECK(!atomic_load(&w.finished)); /* it cannot finish while we hold the claim */
    make_result(&r);
    ls_layer_cache_done(c, &claim, &r);
    pthread_join(t, NULL);
    CHECK_INT(w.rc, 1); /* it got our result */
    ls_layer_cache_get_stats(c, &st);
    CHECK_INT(st.scanned, 1);
    CHECK_INT(st.hits, 1);
    ls_layer_result_free(&r);
    ls_layer_cache_free(c);
}


/* ---- forgery and trust ------------------------------------------------ */

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = malloc(1 << 20);
    CHECK(f && buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void write_all(const char *path, const unsigned char *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, buf, len) == (ssize_t)len);
    close(fd);
}

/* Looks layer 0 up: 1 with the number of findings in *n, or 0 after which
 * the caller's scan (r) is handed back, as image_scan.c does. */
static int lookup_or_rescan(ls_layer_cache *c, const ls_image *img, ls_layer_result *r, size_t *n)
{
    ls_layer_result got;
    ls_layer_claim claim;
    if (ls_layer_cache_lookup(c, rules, img, 0, &got, &claim) == 1) {
        *n = got.findings.n;
        ls_layer_result_free(&got);
        return 1;
    }
    ls_layer_cache_done(c, &claim, r);
    return 0;
}

static void test_forged_entry(const char *root)
{
    static const unsigned char OTHER_KEY[32] = "not-the-cache-key-0123456789abcd";
    ls_layer_cache *c = NULL;
    ls_layer_cache_stats st;
    ls_layer_result r, emptied;
    ls_layer_codec_key key = {.digest = DIGEST, .rules_hash = rules_hash, MAC};
    ls_layer_codec_key wrong = {.digest = DIGEST, .rules_hash = rules_hash, .mac_key = OTHER_KEY,
                                .mac_key_len = sizeof OTHER_KEY};
    ls_error err = {0};
    ls_image img = one_layer_image(DIGEST, DIFF_ID);
    char path[8192];
    unsigned char *genuine, *forged = NULL;
    size_t genuine_len, forged_len = 0, n = 99;
    uint64_t rejected = 0;
    CHECK_INT(ls_layer_cache_new(&c, root, rules, NULL, KEY, sizeof KEY, &err), 0);
    if (!c)
        return;
    CHECK(ls_layer_cache_entry_path(c, DIGEST, path, sizeof path));
    make_result(&r);
    CHECK_INT(lookup_or_rescan(c, &img, &r, &n), 0); /* cold: stored */
    CHECK_INT(lookup_or_rescan(c, &img, &r, &n), 1);
    CHECK_INT(n, 2);
    genuine = read_all(path, &genuine_len);
    CHECK_INT(ls_layer_codec_decode(genuine, genuine_len, rules, &key, 0, &emptied), 0);

    /* the attacker's edit: the findings gone (count 0), paths kept */
    for (size_t i = 0; i < emptied.findings.n; i++)
        ls_finding_free_fields(&emptied.findings.items[i]);
    emptied.findings.n = 0;
    for (int variant = 0; variant < 3; variant++) {
        free(forged);
        if (variant == 0) { /* count 0, checksum recomputed the old way (XXH3-128) */
            XXH128_canonical_t sum;
            CHECK_INT(ls_layer_codec_encode(&emptied, rules, &key, &forged, &forged_len), 0);
            XXH128_canonicalFromHash(&sum, XXH3_128bits(forged, forged_len - 32));
            memset(forged + forged_len - 32, 0, 32);
            memcpy(forged + forged_len - 32, sum.digest, 16);
        } else if (variant == 1) { /* an HMAC under a key of the attacker's */
            CHECK_INT(ls_layer_codec_encode(&emptied, rules, &wrong, &forged, &forged_len), 0);
        } else { /* the genuine tag kept on the edited body */
            CHECK_INT(ls_layer_codec_encode(&emptied, rules, &key, &forged, &forged_len), 0);
            memcpy(forged + forged_len - 32, genuine + genuine_len - 32, 32);
        }
        CHECK(forged_len < genuine_len);
        write_all(path, forged, forged_len);
        CHECK_INT(lookup_or_rescan(c, &img, &r, &n), 0); /* rejected: the layer is scanned again */
        ls_layer_cache_get_stats(c, &st);
        CHECK_INT(st.rejected, ++rejected);
        CHECK_INT(lookup_or_rescan(c, &img, &r, &n), 1); /* the rescan's result was stored */
        CHECK_INT(n, 2);                                  /* the findings are reported */
    }
    /* control: the same edit sealed with the real key decodes (it is the tag
     * that refuses the forgeries above, not the edit) */
    free(forged);
    CHECK_INT(ls_layer_codec_encode(&emptied, rules, &key, &forged, &forged_len), 0);
    write_all(path, forged, forged_len);
    CHECK_INT(lookup_or_rescan(c, &img, &r, &n), 1);
    CHECK_INT(n, 0);

    /* entry files that are not ours: group-writable, a symlink to a genuine copy */
    write_all(path, genuine, genuine_len);
    CHECK_INT(chmod(path, 0620), 0);
    CHECK_INT(lookup_or_rescan(c, &img, &r, &n), 0);
    ls_layer_cache_get_stats(c, &st);
    CHECK_INT(st.rejected, ++rejected);
    {
        char copy[8300];
        snprintf(copy, sizeof copy, "%s/genuine-copy", root);
        write_all(copy, genuine, genuine_len);
        CHECK_INT(unlink(path), 0);
        CHECK_INT(symlink(copy, path), 0);
        CHECK_INT(lookup_or_rescan(c, &img, &r, &n), 0);
        ls_layer_cache_get_stats(c, &st);
        CHECK_INT(st.rejected, ++rejected);
        CHECK_INT(lookup_or_rescan(c, &img, &r, &n), 1); /* replaced by a file of ours */
        CHECK_INT(n, 2);
    }
    /* no key, no persistent cache */
    {
        ls_layer_cache *c2 = NULL;
        ls_error e2 = {0};
        CHECK_INT(ls_layer_cache_new(&c2, root, rules, NULL, NULL, 0, &e2), -1);
        CHECK(strstr(e2.msg, "a layer cache needs a key of at least 32 bytes") != NULL);
        CHECK_INT(ls_layer_cache_new(&c2, root, rules, NULL, KEY, 16, &e2), -1);
    }
    free(forged);
    free(genuine);
    ls_layer_result_free(&emptied);
    ls_layer_result_free(&r);
    ls_layer_cache_free(c);
}

static size_t entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/* ls_layer_cache_new on root must fail with exactly `want`, creating nothing
 * in root. */
static void expect_refused(const char *root, const char *want)
{
    ls_layer_cache *c = NULL;
    ls_error err = {0};
    size_t before = entries_in(root);
    CHECK_INT(ls_layer_cache_new(&c, root, rules, NULL, KEY, sizeof KEY, &err), -1);
    CHECK(c == NULL);
    CHECK_STR(err.msg, want);
    CHECK_INT(entries_in(root), before);
}

/* out = a + "/" + b (out has room for PATH_MAX bytes) */
static void join(char *out, const char *a, const char *b)
{
    CHECK(snprintf(out, 4096, "%s/%s", a, b) < 4096);
}

static void test_untrusted_dirs(const char *base)
{
    char root[4096], want[8600], target[4096], sub[4096];
    ls_layer_cache *c = NULL;
    ls_error err = {0};
    struct stat sb;

    join(root, base, "group-writable");
    CHECK_INT(mkdir(root, 0700), 0);
    CHECK_INT(chmod(root, 0770), 0);
    snprintf(want, sizeof want, "%s: writable by group or others (mode 0770)", root);
    expect_refused(root, want);

    join(root, base, "others-writable");
    CHECK_INT(mkdir(root, 0700), 0);
    CHECK_INT(chmod(root, 0707), 0);
    snprintf(want, sizeof want, "%s: writable by group or others (mode 0707)", root);
    expect_refused(root, want);

    join(root, base, "linked-layers");
    join(target, base, "elsewhere");
    join(sub, root, "layers");
    CHECK_INT(mkdir(root, 0700), 0);
    CHECK_INT(mkdir(target, 0700), 0);
    CHECK_INT(symlink(target, sub), 0);
    snprintf(want, sizeof want, "%s/layers: is a symbolic link", root);
    expect_refused(root, want);
    CHECK_INT(entries_in(target), 0);

    join(root, base, "symlinked-root");
    CHECK_INT(symlink(target, root), 0);
    snprintf(want, sizeof want, "%s: is a symbolic link", root);
    expect_refused(root, want);
    CHECK_INT(entries_in(target), 0);

    if (geteuid() == 0) {
        join(root, base, "nobodys");
        CHECK_INT(mkdir(root, 0700), 0);
        CHECK_INT(chown(root, 65534, 65534), 0);
        snprintf(want, sizeof want, "%s: owned by uid 65534, not by this user (uid 0)", root);
    } else { /* a directory of root's stands for another user's */
        snprintf(root, sizeof root, "/usr");
        snprintf(want, sizeof want, "/usr: owned by uid 0, not by this user (uid %u)", (unsigned)geteuid());
    }
    expect_refused(root, want);

    /* an ancestor anyone can write to, without the sticky bit: refused; the
     * same ancestor sticky (as /tmp is): fine */
    join(sub, base, "open");
    CHECK_INT(mkdir(sub, 0700), 0);
    CHECK_INT(chmod(sub, 0777), 0);
    join(root, sub, "cache");
    snprintf(want, sizeof want, "%s: an ancestor writable by others without the sticky bit (mode 0777)",
             sub);
    CHECK_INT(ls_layer_cache_new(&c, root, rules, NULL, KEY, sizeof KEY, &err), -1);
    CHECK_STR(err.msg, want);
    CHECK_INT(entries_in(sub), 0);
    CHECK_INT(chmod(sub, 01777), 0);
    ls_error_clear(&err);
    CHECK_INT(ls_layer_cache_new(&c, root, rules, NULL, KEY, sizeof KEY, &err), 0);
    ls_layer_cache_free(c);
    CHECK_INT(stat(root, &sb), 0);
    CHECK_INT(sb.st_mode & 07777, 0700);
    join(sub, root, "layers");
    CHECK_INT(stat(sub, &sb), 0);
    CHECK_INT(sb.st_mode & 07777, 0700);

    join(sub, base, "fsgroup");
    CHECK_INT(mkdir(sub, 0700), 0);
    CHECK_INT(chmod(sub, 02775), 0);
    join(root, sub, "cache");
    ls_error_clear(&err);
    CHECK_INT(ls_layer_cache_new(&c, root, rules, NULL, KEY, sizeof KEY, &err), 0);
    ls_layer_cache_free(c);
}

int main(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    char patterns[4096], dir[] = "/tmp/test_layer_cache.XXXXXX", sub[4200];
    ls_error err = {0};
    rules = ls_ruleset_new();
    snprintf(patterns, sizeof patterns, "%s/patterns", src ? src : ".");
    if (!rules || ls_ruleset_load(rules, patterns, &err) != 0 || !mkdtemp(dir)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    ls_ruleset_hash(rules, rules_hash);
    test_round_trip();
    test_refused();
    test_hostile_counts();
    snprintf(sub, sizeof sub, "%s/cache", dir);
    test_cache(sub);
    snprintf(sub, sizeof sub, "%s/forged", dir);
    test_forged_entry(sub);
    test_untrusted_dirs(dir);
    snprintf(sub, sizeof sub, "%s/flight", dir);
    test_single_flight(sub);
    snprintf(sub, sizeof sub, "%s/tmp", dir);
    mkdir(sub, 0700);
    test_private_dir(sub);
    ls_ruleset_free(rules);
    {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    CHECK_DONE();
}
