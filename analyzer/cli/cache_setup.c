/*
 * cache_setup.c - which caches a scan or an audit may use, and the key of
 * the layer result cache. The library decides whether a directory is ours
 * (core/trustdir.h) and says why not; this file reads the environment and
 * the key files, prints the one-line warning, and turns "not trusted" into
 * "no cache" (the run goes on without one, exactly as with --no-cache).
 *
 * The layer cache key is what makes a shared cache safe: entries are
 * authenticated with it (HMAC-SHA-256) and it never lives in the cache
 * directory. It is --cache-key FILE (the same file for every machine that
 * shares a cache, e.g. a Kubernetes Secret), else 32 random bytes made the
 * first time a persistent layer cache is used, kept 0600 in the user's
 * private config directory. A plain scan has no layer cache and so never
 * touches that directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/failure.h"
#include "core/trustdir.h"
#include "match/dbcache.h"
#include "pipeline/layer_cache.h"
#include "pipeline/layer_codec.h"

#define KEY_FILE "cache-key"
#define KEY_GENERATED_LEN 32
#define KEY_MAX_LEN 4096

void cli_cache_warn(const ls_error *why)
{
    fprintf(stderr, "layerscan: warning: cache not used: %s\n", ls_failure_msg(why));
}

bool cli_cache_trusted(const char *root, bool with_layers)
{
    ls_error why = {0};
    int fd, sub = -1;
    fd = ls_trustdir_open(root, true, &why);
    if (fd >= 0 && with_layers)
        sub = ls_trustdir_openat(fd, root, "layers", true, &why);
    if (sub >= 0)
        close(sub);
    if (fd >= 0)
        close(fd);
    if (fd < 0 || (with_layers && sub < 0)) {
        cli_cache_warn(&why);
        return false;
    }
    return true;
}

const char *cli_cache_root(const cli_opts *o, char *buf, size_t cap)
{
    if (o->no_cache)
        return NULL;
    if (o->cache_dir)
        return snprintf(buf, cap, "%s", o->cache_dir) < (int)cap ? buf : NULL;
    return ls_dbcache_default_dir(buf, cap) ? buf : NULL;
}

const char *cli_rules_cache_dir(const cli_opts *o, char *buf, size_t cap)
{
    const char *root = cli_cache_root(o, buf, cap);
    return root && cli_cache_trusted(root, false) ? root : NULL;
}

/* Reads fd whole into a new buffer of 1..KEY_MAX_LEN bytes. */
static unsigned char *read_key(int fd, size_t *len)
{
    unsigned char *buf = malloc(KEY_MAX_LEN + 1);
    size_t got = 0;
    ssize_t r;
    if (!buf)
        return NULL;
    while (got <= KEY_MAX_LEN && ((r = read(fd, buf + got, KEY_MAX_LEN + 1 - got)) > 0 || (r < 0 && errno == EINTR)))
        got += r > 0 ? (size_t)r : 0;
    *len = got;
    return buf;
}

/* --cache-key FILE: named by the user, so followed if a symlink (a mounted
 * Kubernetes Secret is one), but the file must be a regular file of ours or
 * root's, writable by nobody else and readable by no other user. */
static int key_from_file(const char *path, unsigned char **key, size_t *len, ls_error *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return ls_error_set(err, LS_ERR_IO, "--cache-key %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ls_error_set(err, LS_ERR_USAGE, "--cache-key %s: not a regular file", path);
    }
    if ((st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & (S_IWGRP | S_IWOTH | S_IROTH))) {
        close(fd);
        return ls_error_set(err, LS_ERR_USAGE,
                            "--cache-key %s: must be owned by this user or root and neither writable by "
                            "group or others nor readable by others (uid %u, mode %04o)",
                            path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
    }
    *key = read_key(fd, len);
    close(fd);
    if (!*key)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (*len < LS_LAYER_CODEC_MIN_KEY || *len > KEY_MAX_LEN) {
        OPENSSL_cleanse(*key, KEY_MAX_LEN + 1);
        free(*key);
        *key = NULL;
        return ls_error_set(err, LS_ERR_USAGE, "--cache-key %s: a key has %d to %d bytes (this one %s)", path,
                            LS_LAYER_CODEC_MIN_KEY, KEY_MAX_LEN, *len > KEY_MAX_LEN ? "more" : "fewer");
    }
    return 0;
}

/* The generated key in dirfd (the trusted config directory), made if absent.
 * 0, or -1 with err. */
static int key_generated(int dirfd, const char *dir, unsigned char **key, size_t *len, ls_error *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        struct stat st;
        unsigned char fresh[KEY_GENERATED_LEN];
        ls_file_part part = {fresh, sizeof fresh};
        int fd = openat(dirfd, KEY_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
                (st.st_mode & 077) || st.st_size != KEY_GENERATED_LEN) {
                close(fd);
                return ls_error_set(err, LS_ERR_IO,
                                    "%s/%s: not a private key file of this user (want a 0600 file of %d bytes)",
                                    dir, KEY_FILE, KEY_GENERATED_LEN);
            }
            *key = read_key(fd, len);
            close(fd);
            if (!*key || *len != KEY_GENERATED_LEN) {
                free(*key);
                *key = NULL;
                return ls_error_set(err, LS_ERR_IO, "%s/%s: cannot read the key", dir, KEY_FILE);
            }
            return 0;
        }
        if (errno != ENOENT)
            return ls_error_set(err, LS_ERR_IO, "%s/%s: %s", dir, KEY_FILE, strerror(errno));
        if (RAND_bytes(fresh, sizeof fresh) != 1)
            return ls_error_set(err, LS_ERR_INTERNAL, "no random bytes for a cache key");
        /* linked, never renamed over: a key another process made first wins */
        if (ls_trustdir_replace(dirfd, KEY_FILE, &part, 1, true) != 0 && errno != EEXIST) {
            OPENSSL_cleanse(fresh, sizeof fresh);
            return ls_error_set(err, LS_ERR_IO, "%s/%s: cannot write the key: %s", dir, KEY_FILE, strerror(errno));
        }
        OPENSSL_cleanse(fresh, sizeof fresh);
    }
    return ls_error_set(err, LS_ERR_IO, "%s/%s: cannot read the key", dir, KEY_FILE);
}

int cli_cache_key(const cli_opts *o, unsigned char **key, size_t *len, ls_error *err)
{
    char dir[4096];
    const char *env;
    int fd, rc, k;
    *key = NULL;
    *len = 0;
    if (o->cache_key)
        return key_from_file(o->cache_key, key, len, err) == 0 ? 0 : -1;
    if ((env = getenv("XDG_CONFIG_HOME")) && env[0] == '/')
        k = snprintf(dir, sizeof dir, "%s/layerscan", env);
    else if ((env = getenv("HOME")) && env[0] == '/')
        k = snprintf(dir, sizeof dir, "%s/.config/layerscan", env);
    else {
        ls_error_set(err, LS_ERR_USAGE, "no key for the layer cache: give --cache-key FILE, or set HOME");
        return 1;
    }
    if (k < 0 || (size_t)k >= sizeof dir) {
        ls_error_set(err, LS_ERR_USAGE, "config directory name too long");
        return 1;
    }
    if ((fd = ls_trustdir_open(dir, true, err)) < 0)
        return 1;
    rc = key_generated(fd, dir, key, len, err);
    close(fd);
    return rc == 0 ? 0 : 1;
}

void cli_cache_key_free(unsigned char *key, size_t len)
{
    if (key)
        OPENSSL_cleanse(key, len);
    free(key);
}

int cli_open_layer_cache(const cli_opts *o, const ls_ruleset *rs, const char *root, ls_layer_cache **out,
                         ls_error *err)
{
    char settings[256];
    unsigned char *key = NULL;
    size_t key_len = 0;
    ls_error why = {0};
    int rc;
    *out = NULL;
    /* every setting a layer's result depends on besides the rules and the code */
    snprintf(settings, sizeof settings, "window %llu findings %llu nested %u %llu %u %llu",
             (unsigned long long)o->match_window, (unsigned long long)o->max_findings_per_file,
             o->nested.max_depth, (unsigned long long)o->nested.max_bytes, o->nested.max_ratio,
             (unsigned long long)o->nested.max_entries);
    if (root) {
        rc = cli_cache_key(o, &key, &key_len, &why);
        if (rc < 0) { /* --cache-key FILE is unusable: the user's input */
            *err = why;
            return -1;
        }
        if (rc > 0) { /* no key to be had here: no persistent layer cache */
            cli_cache_warn(&why);
            root = NULL;
        }
    }
    rc = ls_layer_cache_new(out, root, rs, settings, key, key_len, &why);
    if (rc != 0 && root) { /* the root or its layers turned out not to be ours */
        cli_cache_warn(&why);
        ls_error_clear(&why);
        rc = ls_layer_cache_new(out, NULL, rs, settings, NULL, 0, &why);
    }
    cli_cache_key_free(key, key_len);
    if (rc != 0)
        *err = why;
    return rc;
}
