/*
 * layer_cache.c - see layer_cache.h: entry names, bounded reads, atomic
 * writes, and the in-process single-flight table.
 *
 * The single-flight table is a short list (at most one claim per scanning
 * thread) under one mutex, with one condition variable broadcast whenever a
 * claim is released. Reading and decoding an entry happen outside the lock;
 * only the claim bookkeeping and the counters are under it.
 *
 * The root and ROOT/layers are opened once as trusted directories
 * (core/trustdir.h) and every entry is then read and written relative to the
 * layers directory's descriptor (openat, O_NOFOLLOW, renameat): a root that
 * is not ours is refused whole, and a symlink put in later is never followed.
 */
#include "pipeline/layer_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "blob/sha256.h"
#include "core/fileio.h"
#include "core/trustdir.h"
#include "pipeline/layer_codec.h"
#include "source/digest.h"

#define LAYERS_SUBDIR "layers"
#define ENTRY_SUFFIX ".lsl"
#define PATH_MAX_LEN 4096

typedef struct inflight {
    struct inflight *next;
    char *digest;
} inflight;

struct ls_layer_cache {
    char dir[PATH_MAX_LEN];      /* ROOT/layers */
    char root[PATH_MAX_LEN];     /* ROOT */
    bool private_dir;            /* created by us, removed by free */
    int root_fd;                 /* ROOT, a trusted directory (-1 once closed) */
    int layers_fd;               /* ROOT/layers, a trusted directory: entries are openat() here */
    unsigned char *mac_key;      /* the entries' HMAC key (a copy; wiped by free) */
    size_t mac_key_len;
    const ls_ruleset *rules;     /* borrowed */
    char rules_hash[65];
    char key_suffix[17];         /* 16 hex of SHA-256(format, version, rules hash) */
    pthread_mutex_t lock;
    pthread_cond_t released;     /* a claim was released */
    inflight *claims;            /* digests being scanned now, under lock */
    ls_layer_cache_stats stats;  /* under lock */
};


/* The running binary's SHA-256: a layer result depends on the code that
 * scanned it (detectors, suppression, nesting) as much as on the rules, and
 * a development build changes that code without changing the version. So
 * any rebuild starts a fresh set of entries. "unknown" when the binary
 * cannot be read (then the version alone keys the code). */
static void engine_id(char out[LS_DIGEST_MAX])
{
    unsigned char buf[1 << 16];
    ls_sha256 h;
    ssize_t n = 0;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    snprintf(out, LS_DIGEST_MAX, "unknown");
    if (fd < 0)
        return;
    if (ls_sha256_init(&h, NULL) == 0) {
        while ((n = read(fd, buf, sizeof buf)) != 0) {
            if (n < 0 && errno == EINTR)
                continue; /* a signal is not the end of the binary */
            if (n < 0 || ls_sha256_update(&h, buf, (size_t)n, NULL) != 0)
                break;
        }
        if (n != 0 || ls_sha256_final(&h, out, NULL) != 0)
            snprintf(out, LS_DIGEST_MAX, "unknown");
        ls_sha256_dispose(&h);
    }
    close(fd);
}

static bool key_suffix(const char *rules_hash, const char *settings, char out[17])
{
    char text[512], digest[LS_DIGEST_MAX], engine[LS_DIGEST_MAX];
    int k;
    engine_id(engine);
    k = snprintf(text, sizeof text,
                 "layerscan-layer-cache\nformat %d\nversion %s\nengine %s\nrules %s\nsettings %s\n",
                 LS_LAYER_CODEC_FORMAT, LAYERSCAN_VERSION, engine, rules_hash, settings ? settings : "");
    if (k < 0 || (size_t)k >= sizeof text || ls_sha256_buffer(text, (size_t)k, digest, NULL) != 0)
        return false;
    memcpy(out, digest + strlen("sha256:"), 16);
    out[16] = '\0';
    return true;
}

/* A private directory for --no-cache: TMP (or /tmp)/layerscan-layers-XXXXXX. */
static int make_private_root(char *out, size_t n, const char *tmp)
{
    int k;
    if (!tmp || tmp[0] != '/')
        tmp = "/tmp";
    k = snprintf(out, n, "%s/layerscan-layers-XXXXXX", tmp);
    if (k < 0 || (size_t)k >= n || !mkdtemp(out))
        return -1;
    return 0;
}

/* Opens (creating) the trusted root and root/layers into c. 0, or -1 with err. */
static int open_dirs(ls_layer_cache *c, ls_error *err)
{
    int k = snprintf(c->dir, sizeof c->dir, "%s/%s", c->root, LAYERS_SUBDIR);
    if (k <= 0 || (size_t)k >= sizeof c->dir - 256)
        return ls_error_set(err, LS_ERR_USAGE, "%s: cache directory name too long", c->root);
    if ((c->root_fd = ls_trustdir_open(c->root, true, err)) < 0 ||
        (c->layers_fd = ls_trustdir_openat(c->root_fd, c->root, LAYERS_SUBDIR, true, err)) < 0)
        return -1;
    return 0;
}

int ls_layer_cache_open(ls_layer_cache **out, const char *root, const char *tmpdir,
                        const ls_ruleset *rules, const char *settings, const unsigned char *mac_key,
                        size_t mac_key_len, ls_error *err)
{
    ls_layer_cache *c = calloc(1, sizeof *c);
    int k;
    *out = NULL;
    if (!c)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    c->root_fd = c->layers_fd = -1;
    c->rules = rules;
    ls_ruleset_hash(rules, c->rules_hash);
    if (strlen(c->rules_hash) != 64 || !key_suffix(c->rules_hash, settings, c->key_suffix)) {
        free(c);
        return ls_error_set(err, LS_ERR_INTERNAL, "cannot hash the rule set for the layer cache");
    }
    if (root && (!mac_key || mac_key_len < LS_LAYER_CODEC_MIN_KEY)) {
        free(c);
        return ls_error_set(err, LS_ERR_USAGE, "%s: a layer cache needs a key of at least %d bytes", root,
                            LS_LAYER_CODEC_MIN_KEY);
    }
    /* a private directory gets a key of its own, for this run only */
    c->mac_key_len = root ? mac_key_len : 32;
    if (!(c->mac_key = malloc(c->mac_key_len))) {
        free(c);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (root)
        memcpy(c->mac_key, mac_key, mac_key_len);
    else if (RAND_bytes(c->mac_key, (int)c->mac_key_len) != 1) {
        ls_error_set(err, LS_ERR_INTERNAL, "no random bytes for the layer cache key");
        goto fail;
    }
    if (!root) {
        if (make_private_root(c->root, sizeof c->root, tmpdir) != 0) {
            ls_error_set(err, LS_ERR_IO, "cannot create a temporary layer cache directory: %s", strerror(errno));
            goto fail;
        }
        c->private_dir = true;
    } else if ((k = snprintf(c->root, sizeof c->root, "%s", root)) <= 0 || (size_t)k >= sizeof c->root) {
        ls_error_set(err, LS_ERR_USAGE, "cache directory name is empty or too long");
        goto fail;
    }
    if (open_dirs(c, err) != 0) {
        if (c->private_dir) {
            rmdir(c->dir);
            rmdir(c->root);
        }
        goto fail;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->released, NULL);
    *out = c;
    return 0;
fail:
    if (c->layers_fd >= 0)
        close(c->layers_fd);
    if (c->root_fd >= 0)
        close(c->root_fd);
    OPENSSL_cleanse(c->mac_key, c->mac_key_len);
    free(c->mac_key);
    free(c);
    return -1;
}

/* Removes the private directory: our entries, stray temporaries, the dirs. */
static void remove_private(ls_layer_cache *c)
{
    DIR *d = opendir(c->dir);
    struct dirent *e;
    char p[PATH_MAX_LEN + 300];
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", c->dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(c->dir);
    rmdir(c->root);
}

void ls_layer_cache_free(ls_layer_cache *c)
{
    if (!c)
        return;
    while (c->claims) { /* none are left by correct callers */
        inflight *next = c->claims->next;
        free(c->claims->digest);
        free(c->claims);
        c->claims = next;
    }
    if (c->private_dir)
        remove_private(c);
    if (c->layers_fd >= 0)
        close(c->layers_fd);
    if (c->root_fd >= 0)
        close(c->root_fd);
    OPENSSL_cleanse(c->mac_key, c->mac_key_len);
    free(c->mac_key);
    pthread_cond_destroy(&c->released);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

const char *ls_layer_cache_dir(const ls_layer_cache *c)
{
    return c->dir;
}

/* The entry's file name in ROOT/layers; false for a digest that is not
 * plain hex (it comes from a hostile manifest) or a name too long. */
static bool entry_name(const ls_layer_cache *c, const char *digest, char *out, size_t n)
{
    int k;
    if (ls_digest_validate(digest, "layer cache", "layer", NULL) != 0)
        return false;
    k = snprintf(out, n, "%.6s-%s.%s%s", digest, digest + 7, c->key_suffix, ENTRY_SUFFIX);
    return k > 0 && (size_t)k < n;
}

bool ls_layer_cache_entry_path(const ls_layer_cache *c, const char *digest, char *out, size_t n)
{
    char name[300];
    int k;
    if (!entry_name(c, digest, name, sizeof name))
        return false;
    k = snprintf(out, n, "%s/%s", c->dir, name);
    return k > 0 && (size_t)k < n;
}

void ls_layer_cache_get_stats(ls_layer_cache *c, ls_layer_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->lock);
}

/* ---- files ------------------------------------------------------------ */

/* Writes buf as the entry `name`: a new 0600 file in ROOT/layers renamed
 * over it. 0 or -1 (nothing left behind). */
static int write_entry(const ls_layer_cache *c, const char *name, const unsigned char *buf, size_t len)
{
    ls_file_part part = {buf, len};
    return ls_trustdir_replace(c->layers_fd, name, &part, 1, false);
}

/* ---- single flight ---------------------------------------------------- */

static bool claimed(const ls_layer_cache *c, const char *digest)
{
    for (const inflight *f = c->claims; f; f = f->next)
        if (strcmp(f->digest, digest) == 0)
            return true;
    return false;
}

/* Waits until nobody scans digest, then claims it. false when out of memory
 * (nothing claimed: the caller goes on without the cache). */
static bool claim(ls_layer_cache *c, const char *digest, ls_layer_claim *cl)
{
    inflight *f = malloc(sizeof *f);
    char *d = strdup(digest);
    if (!f || !d) {
        free(f);
        free(d);
        return false;
    }
    pthread_mutex_lock(&c->lock);
    if (claimed(c, digest)) {
        c->stats.waits++;
        do
            pthread_cond_wait(&c->released, &c->lock);
        while (claimed(c, digest));
    }
    f->digest = d;
    f->next = c->claims;
    c->claims = f;
    pthread_mutex_unlock(&c->lock);
    cl->digest = d;
    return true;
}

/* Under lock: drops the claim on cl->digest and wakes the waiters. */
static void release_locked(ls_layer_cache *c, ls_layer_claim *cl)
{
    for (inflight **p = &c->claims; *p; p = &(*p)->next) {
        if ((*p)->digest == cl->digest) {
            inflight *f = *p;
            *p = f->next;
            free(f->digest);
            free(f);
            break;
        }
    }
    cl->digest = NULL;
    pthread_cond_broadcast(&c->released);
}

/* ---- lookups ---------------------------------------------------------- */

/* The entry decodes for this key and agrees with what img declares. */
static bool load(ls_layer_cache *c, const ls_image *img, size_t i, const char *name,
                 const ls_layer_codec_key *key, ls_layer_result *out)
{
    size_t len = 0;
    int state = LS_TRUST_ABSENT;
    unsigned char *buf = ls_trustdir_slurp(c->layers_fd, name, LS_LAYER_CODEC_MAX, &len, &state);
    bool exists = state != LS_TRUST_ABSENT; /* refused (not ours, not a file) counts as rejected */
    const char *want_diff = i < img->n_diff_ids ? img->diff_ids[i] : NULL;
    int rc = buf ? ls_layer_codec_decode(buf, len, c->rules, key, i, out) : -1;
    free(buf);
    if (rc != 0) {
        if (exists) {
            pthread_mutex_lock(&c->lock);
            c->stats.rejected++;
            pthread_mutex_unlock(&c->lock);
        }
        return false;
    }
    /* same blob, but this image's config may name another diff_id: then the
     * layer is scanned, and reported exactly as a scan reports the mismatch */
    if ((want_diff && strcmp(want_diff, out->info.diff_id) != 0) ||
        (img->layers[i].media_type && !(out->info.media_type = strdup(img->layers[i].media_type)))) {
        ls_layer_result_free(out);
        return false;
    }
    return true;
}

int ls_layer_cache_lookup(ls_layer_cache *c, const ls_ruleset *rules, const ls_image *img, size_t i,
                          ls_layer_result *out, ls_layer_claim *cl)
{
    const char *digest = img->layers[i].digest;
    char name[300];
    ls_layer_codec_key key = {.digest = digest, .rules_hash = c->rules_hash, .mac_key = c->mac_key,
                              .mac_key_len = c->mac_key_len};
    ls_layer_result res;
    cl->digest = NULL;
    cl->remote = img->transport && strcmp(img->transport, "docker") == 0;
    if (rules != c->rules || !entry_name(c, digest, name, sizeof name) || !claim(c, digest, cl))
        return 0;
    if (!load(c, img, i, name, &key, &res))
        return 0; /* the caller scans, holding the claim */
    pthread_mutex_lock(&c->lock);
    c->stats.hits++;
    release_locked(c, cl);
    pthread_mutex_unlock(&c->lock);
    *out = res;
    return 1;
}

void ls_layer_cache_done(ls_layer_cache *c, ls_layer_claim *cl, const ls_layer_result *r)
{
    bool stored = false, tried = false;
    if (cl->digest) {
        ls_layer_codec_key key = {.digest = cl->digest, .rules_hash = c->rules_hash,
                                  .mac_key = c->mac_key, .mac_key_len = c->mac_key_len};
        char name[300];
        unsigned char *buf = NULL;
        size_t len = 0;
        /* stored before the claim is released, so waiters find it */
        if (r && ls_layer_codec_cacheable(r, &key) && entry_name(c, cl->digest, name, sizeof name)) {
            tried = true;
            stored = ls_layer_codec_encode(r, c->rules, &key, &buf, &len) == 0 &&
                     write_entry(c, name, buf, len) == 0;
            free(buf);
        }
    }
    pthread_mutex_lock(&c->lock);
    c->stats.scanned++;
    c->stats.bytes_fetched += r && !cl->remote ? r->info.compressed_bytes : 0;
    c->stats.stored += stored;
    c->stats.store_failed += tried && !stored;
    if (cl->digest)
        release_locked(c, cl);
    cl->remote = false;
    pthread_mutex_unlock(&c->lock);
}
