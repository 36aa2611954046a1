/*
 * test_dbcache.c - the compiled-rules cache: a cold then a warm load give
 * identical scan results; a truncated or byte-flipped entry is ignored,
 * recompiled and rewritten; another rule set gets another key; a cache
 * directory that cannot be written is not an error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "layerscan/rules.h"
#include "match/dbcache.h"
#include "match/matcher.h"

typedef struct {
    const ls_ruleset *rs;
    char *text;
    size_t len, cap;
} hits;

static int collect(void *ud, const ls_hit *h)
{
    hits *c = ud;
    char line[512];
    int k = snprintf(line, sizeof line, "%s %llu %llu:%llu %.*s\n", ls_ruleset_get(c->rs, h->rule)->id,
                     (unsigned long long)h->offset, (unsigned long long)h->line,
                     (unsigned long long)h->column, (int)(h->secret_len > 200 ? 200 : h->secret_len),
                     h->secret);
    if (k < 0)
        return 1;
    if (c->len + (size_t)k + 1 > c->cap) {
        c->cap = (c->len + (size_t)k + 1) * 2;
        c->text = realloc(c->text, c->cap);
        if (!c->text)
            abort();
    }
    memcpy(c->text + c->len, line, (size_t)k + 1);
    c->len += (size_t)k;
    return 0;
}

/* Every rule's examples, one per line: input that hits every rule. */
static char *corpus_of(const ls_ruleset *rs, size_t *len)
{
    size_t cap = 1, n = 0;
    char *s;
    for (size_t i = 0; i < ls_ruleset_count(rs); i++)
        for (size_t e = 0; e < ls_ruleset_get(rs, i)->n_examples; e++)
            cap += strlen(ls_ruleset_get(rs, i)->examples[e].text) + 1;
    s = malloc(cap);
    if (!s)
        abort();
    for (size_t i = 0; i < ls_ruleset_count(rs); i++)
        for (size_t e = 0; e < ls_ruleset_get(rs, i)->n_examples; e++) {
            const char *t = ls_ruleset_get(rs, i)->examples[e].text;
            memcpy(s + n, t, strlen(t));
            n += strlen(t);
            s[n++] = '\n';
        }
    *len = n;
    return s;
}

/* Builds a matcher through the cache, scans the corpus, returns the hits. */
static char *scan_with(const ls_ruleset *rs, const char *dir, ls_dbcache_state *state)
{
    ls_matcher *m = NULL;
    ls_scanner *sc;
    ls_error err = {0};
    hits h = {.rs = rs};
    size_t len;
    char *data = corpus_of(rs, &len);
    if (ls_matcher_new_cached(&m, rs, dir, &err) != 0) {
        fprintf(stderr, "matcher: %s\n", err.msg);
        abort();
    }
    *state = ls_matcher_cache_state(m);
    sc = ls_scanner_new(m, &err);
    CHECK(sc != NULL);
    CHECK_INT(ls_scanner_scan(sc, "/etc/app/config", data, len, collect, &h, &err), 0);
    ls_scanner_free(sc);
    ls_matcher_free(m);
    free(data);
    return h.text ? h.text : calloc(1, 1);
}

static void entry_path(const ls_ruleset *rs, const char *dir, char *out, size_t n)
{
    char key[LS_DBCACHE_KEY_MAX];
    CHECK(ls_dbcache_key(rs, HS_MODE_STREAM, 0, key));
    CHECK(ls_dbcache_path(dir, key, out, n));
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void flip_bytes(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    CHECK(fd >= 0);
    CHECK(pread(fd, &c, 1, at) == 1);
    c ^= 0x5a;
    CHECK(pwrite(fd, &c, 1, at) == 1);
    close(fd);
}

int main(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    char patterns[4096], dir[] = "/tmp/test_dbcache.XXXXXX", path[4096], key1[65], key2[65];
    char *cold, *warm, *again, *plain;
    ls_ruleset *rs = ls_ruleset_new(), *rs2 = ls_ruleset_new();
    ls_error err = {0};
    ls_dbcache_state st;
    off_t size;

    snprintf(patterns, sizeof patterns, "%s/patterns", src ? src : ".");
    if (!rs || !rs2 || ls_ruleset_load(rs, patterns, &err) != 0 ||
        ls_ruleset_load(rs2, patterns, &err) != 0 || !mkdtemp(dir)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }

    plain = scan_with(rs, NULL, &st);
    CHECK_INT(st, LS_DBCACHE_OFF);
    CHECK(strlen(plain) > 100); /* every rule's examples hit */

    /* cold, then warm: same hits */
    cold = scan_with(rs, dir, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    warm = scan_with(rs, dir, &st);
    CHECK_INT(st, LS_DBCACHE_HIT);
    CHECK_STR(cold, plain);
    CHECK_STR(warm, plain);
    entry_path(rs, dir, path, sizeof path);
    size = file_size(path);
    CHECK(size > 0);

    /* truncated: ignored, recompiled, rewritten whole */
    CHECK(truncate(path, size / 2) == 0);
    again = scan_with(rs, dir, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    CHECK_STR(again, plain);
    free(again);
    CHECK_INT(file_size(path), size);
    again = scan_with(rs, dir, &st);
    CHECK_INT(st, LS_DBCACHE_HIT);
    free(again);

    /* a flipped byte in the database, then one in the widths */
    flip_bytes(path, size / 2);
    again = scan_with(rs, dir, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    CHECK_STR(again, plain);
    free(again);
    flip_bytes(path, 20);
    again = scan_with(rs, dir, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    free(again);
    again = scan_with(rs, dir, &st);
    CHECK_INT(st, LS_DBCACHE_HIT);
    CHECK_STR(again, plain);
    free(again);

    /* an empty file (e.g. a crash on a filesystem without rename atomicity) */
    CHECK(truncate(path, 0) == 0);
    again = scan_with(rs, dir, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    free(again);

    /* another rule set: another key */
    CHECK_INT(ls_ruleset_disable(rs2, ls_ruleset_get(rs2, 0)->id), 0);
    CHECK(ls_dbcache_key(rs, HS_MODE_STREAM, 0, key1));
    CHECK(ls_dbcache_key(rs2, HS_MODE_STREAM, 0, key2));
    CHECK(strcmp(key1, key2) != 0);
    CHECK(ls_dbcache_key(rs, HS_MODE_BLOCK, 0, key2));
    CHECK(strcmp(key1, key2) != 0);
    again = scan_with(rs2, dir, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    free(again);

    /* a cache "directory" that is a file: no cache, no error */
    {
        char file_dir[4096];
        snprintf(file_dir, sizeof file_dir, "%s/not-a-dir", dir);
        CHECK(close(open(file_dir, O_CREAT | O_WRONLY, 0600)) == 0);
        again = scan_with(rs, file_dir, &st);
        CHECK_INT(st, LS_DBCACHE_MISS);
        CHECK_STR(again, plain);
        free(again);
    }

    /* the directory from the environment */
    {
        char d[4096];
        setenv("LAYERSCAN_CACHE_DIR", "/x/y", 1);
        CHECK(ls_dbcache_default_dir(d, sizeof d));
        CHECK_STR(d, "/x/y");
        unsetenv("LAYERSCAN_CACHE_DIR");
        setenv("XDG_CACHE_HOME", "/xdg", 1);
        CHECK(ls_dbcache_default_dir(d, sizeof d));
        CHECK_STR(d, "/xdg/layerscan");
        unsetenv("XDG_CACHE_HOME");
        setenv("HOME", "/home/u", 1);
        CHECK(ls_dbcache_default_dir(d, sizeof d));
        CHECK_STR(d, "/home/u/.cache/layerscan");
    }

    free(plain);
    free(cold);
    free(warm);
    ls_ruleset_free(rs);
    ls_ruleset_free(rs2);
    {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
    }
    return check_failures ? 1 : 0;
}
