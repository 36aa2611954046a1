/*
 * test_dbcache.c - the compiled-rules cache: a cold then a warm load give
 * identical scan results; a truncated or byte-flipped entry is ignored,
 * recompiled and rewritten; another rule set gets another key; a cache
 * directory that cannot be written is not an error.
 * Forgery: an entry whose checksum is recomputed over an edited database
 * (a rule made blind, the rule ids permuted, another rule set's database)
 * is refused by the example check, recompiled and rewritten, and the hits
 * stay those of a fresh compile. A directory that is not ours (group
 * writable, a symlink, another user's) is neither read nor written.
 * The whole rule set is compiled twice (no cache; cold, then warm from the
 * entry); every case about the file itself runs on a small rule set, whose
 * entry has the same layout and checks: each compile of the whole set costs
 * about a minute of CPU under ASan.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
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


/* A small rule set (GitHub and AWS rules): the forgery and trust cases
 * compile it many times, which the whole set makes slow under ASan. */
static ls_ruleset *small_rules(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    const char *files[] = {"github.json", "aws.json"};
    ls_ruleset *rs = ls_ruleset_new();
    ls_error err = {0};
    CHECK(rs != NULL);
    for (size_t i = 0; rs && i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/patterns/%s", src ? src : ".", files[i]);
        if (ls_ruleset_load(rs, path, &err) != 0) {
            fprintf(stderr, "%s: %s\n", path, err.msg);
            abort();
        }
    }
    return rs;
}

static const char *key_of(const ls_ruleset *rs)
{
    static char key[LS_DBCACHE_KEY_MAX];
    CHECK(ls_dbcache_key(rs, HS_MODE_STREAM, 0, key));
    return key;
}

/* A database of rs's expressions where rule `blind` (if < n) never matches
 * and ids are shifted by `shift` (mod n): what a forger who can recompute
 * the checksum could put in the cache. */
static hs_database_t *forged_db(const ls_ruleset *rs, size_t blind, size_t shift)
{
    size_t n = ls_ruleset_count(rs);
    const char **exprs = calloc(n, sizeof *exprs);
    unsigned *flags = calloc(n, sizeof *flags), *ids = calloc(n, sizeof *ids);
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    CHECK(exprs && flags && ids);
    for (size_t i = 0; i < n; i++) {
        exprs[i] = i == blind ? "\\x00never\\x01matches\\x02" : ls_ruleset_get(rs, i)->regex;
        ids[i] = (unsigned)((i + shift) % n);
    }
    if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_STREAM, NULL, &db, &cerr) != HS_SUCCESS) {
        fprintf(stderr, "forged_db: %s\n", cerr ? cerr->message : "?");
        hs_free_compile_error(cerr);
        abort();
    }
    free(exprs);
    free(flags);
    free(ids);
    return db;
}

/* Writes db as the entry at path, checksum and all (ls_dbcache_encode). */
static void plant(const char *path, const hs_database_t *db, size_t n)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    FILE *f;
    CHECK_INT(ls_dbcache_encode(db, n, &buf, &len), 0);
    CHECK((f = fopen(path, "wb")) != NULL);
    CHECK(fwrite(buf, 1, len, f) == len);
    CHECK(fclose(f) == 0);
    free(buf);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = malloc(64u << 20);
    CHECK(f && buf);
    *len = fread(buf, 1, 64u << 20, f);
    fclose(f);
    return buf;
}

static bool same_file(const char *path, const unsigned char *want, size_t want_len)
{
    size_t len;
    unsigned char *got = slurp(path, &len);
    bool same = len == want_len && memcmp(got, want, len) == 0;
    free(got);
    return same;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    while (d && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* Forged entries: each refused, recompiled, the genuine entry rewritten. */
static void test_forged(const ls_ruleset *rs, const char *dir, const char *plain)
{
    char path[4096];
    ls_dbcache_state st;
    size_t n = ls_ruleset_count(rs), genuine_len;
    unsigned char *genuine;
    char *got;
    hs_database_t *db;
    entry_path(rs, dir, path, sizeof path);
    got = scan_with(rs, dir, &st); /* the genuine entry */
    free(got);
    genuine = slurp(path, &genuine_len);
    CHECK(genuine_len > 1000);
    for (int variant = 0; variant < 3; variant++) {
        if (variant == 0)
            db = forged_db(rs, ls_ruleset_find(rs, "github-pat"), 0); /* one rule blind */
        else if (variant == 1)
            db = forged_db(rs, n, 1); /* every hit reported as the next rule */
        else {
            ls_ruleset *other = small_rules(); /* the database of other rules */
            CHECK_INT(ls_ruleset_disable(other, "github-pat"), 0);
            CHECK_INT(ls_ruleset_disable(other, "aws-access-key-id"), 0);
            db = forged_db(other, SIZE_MAX, 0);
            n = ls_ruleset_count(rs);
            plant(path, db, ls_ruleset_count(other)); /* another rule count: refused outright */
            got = scan_with(rs, dir, &st);
            CHECK_INT(st, LS_DBCACHE_MISS);
            CHECK_STR(got, plain);
            free(got);
            hs_free_database(db);
            db = forged_db(other, SIZE_MAX, 0);
            ls_ruleset_free(other);
        }
        plant(path, db, n); /* the right count, a valid checksum */
        CHECK(ls_dbcache_load(dir, key_of(rs), rs) == NULL);
        got = scan_with(rs, dir, &st);
        CHECK_INT(st, LS_DBCACHE_MISS);
        CHECK_STR(got, plain); /* the findings of a fresh compile */
        free(got);
        CHECK(same_file(path, genuine, genuine_len)); /* rewritten with the genuine database */
        got = scan_with(rs, dir, &st);
        CHECK_INT(st, LS_DBCACHE_HIT);
        CHECK_STR(got, plain);
        free(got);
        hs_free_database(db);
    }
    free(genuine);
}

/* A directory that is not ours: a valid entry in it is not read, nothing is
 * written to it. */
static void test_untrusted(const ls_ruleset *rs, const char *base, const char *plain)
{
    char good[4096], dir[4096], path[4096], link[4096];
    ls_dbcache_state st;
    char *got;
    size_t len;
    unsigned char *entry;
    snprintf(good, sizeof good, "%s/good", base);
    entry_path(rs, good, path, sizeof path);
    got = scan_with(rs, good, &st);
    free(got);
    entry = slurp(path, &len);

    for (int variant = 0; variant < 4; variant++) {
        char epath[4096];
        snprintf(dir, sizeof dir, "%s/untrusted%d", base, variant);
        CHECK_INT(mkdir(dir, 0700), 0);
        entry_path(rs, dir, epath, sizeof epath);
        if (variant == 0) { /* group-writable */
            CHECK_INT(chmod(dir, 0770), 0);
        } else if (variant == 1) { /* writable by others */
            CHECK_INT(chmod(dir, 0703), 0);
        } else if (variant == 2) { /* another user's */
            if (geteuid() == 0) {
                CHECK_INT(chown(dir, 65534, 65534), 0);
            } else { /* not root: a directory of root's stands for another user's */
                rmdir(dir);
                snprintf(dir, sizeof dir, "/usr");
                entry_path(rs, dir, epath, sizeof epath);
            }
        }
        if (variant == 3) { /* a symlink to a directory of ours holding a valid entry */
            rmdir(dir);
            snprintf(link, sizeof link, "%s/good", base);
            CHECK_INT(symlink(link, dir), 0);
            CHECK(ls_dbcache_load(dir, key_of(rs), rs) == NULL);
            got = scan_with(rs, dir, &st);
            CHECK_INT(st, LS_DBCACHE_MISS);
            CHECK_STR(got, plain);
            free(got);
            CHECK(same_file(path, entry, len)); /* the target: untouched */
            CHECK_INT(count_entries(link), 1);
            continue;
        }
        if (strcmp(dir, "/usr") != 0) {
            FILE *f = fopen(epath, "wb"); /* a valid entry, planted */
            CHECK(f && fwrite(entry, 1, len, f) == len);
            fclose(f);
        }
        CHECK(ls_dbcache_load(dir, key_of(rs), rs) == NULL);
        got = scan_with(rs, dir, &st);
        CHECK_INT(st, LS_DBCACHE_MISS); /* not read */
        CHECK_STR(got, plain);
        free(got);
        if (strcmp(dir, "/usr") != 0) {
            CHECK_INT(count_entries(dir), 1); /* nothing written */
            CHECK(same_file(epath, entry, len));
        } else {
            CHECK(access(epath, F_OK) != 0);
        }
    }
    /* an entry that is a symlink (to a valid entry) in a directory of ours */
    snprintf(dir, sizeof dir, "%s/linked-entry", base);
    CHECK_INT(mkdir(dir, 0700), 0);
    {
        char epath[4096];
        entry_path(rs, dir, epath, sizeof epath);
        CHECK_INT(symlink(path, epath), 0);
        CHECK(ls_dbcache_load(dir, key_of(rs), rs) == NULL);
    }
    free(entry);
}

int main(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    char patterns[4096], dir[] = "/tmp/test_dbcache.XXXXXX", path[4096], key1[65], key2[65];
    char *cold, *warm, *again, *plain, *small_plain, mech[4200];
    ls_ruleset *rs = ls_ruleset_new(), *rs2 = ls_ruleset_new(), *small;
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

    /* the file's own cases: the small rule set in a directory of its own */
    small = small_rules();
    small_plain = scan_with(small, NULL, &st);
    CHECK(strstr(small_plain, "github-pat ") != NULL && strstr(small_plain, "aws-access-key-id ") != NULL);
    snprintf(mech, sizeof mech, "%s/mech", dir);
    CHECK_INT(mkdir(mech, 0700), 0);
    again = scan_with(small, mech, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    CHECK_STR(again, small_plain);
    free(again);
    entry_path(small, mech, path, sizeof path);
    size = file_size(path);
    CHECK(size > 1000);

    /* truncated: ignored, recompiled, rewritten whole */
    CHECK(truncate(path, size / 2) == 0);
    again = scan_with(small, mech, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    CHECK_STR(again, small_plain);
    free(again);
    CHECK_INT(file_size(path), size);
    again = scan_with(small, mech, &st);
    CHECK_INT(st, LS_DBCACHE_HIT);
    free(again);

    /* a flipped byte in the database, then one in the header (its length) */
    flip_bytes(path, size / 2);
    again = scan_with(small, mech, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    CHECK_STR(again, small_plain);
    free(again);
    flip_bytes(path, 20);
    again = scan_with(small, mech, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    free(again);
    again = scan_with(small, mech, &st);
    CHECK_INT(st, LS_DBCACHE_HIT);
    CHECK_STR(again, small_plain);
    free(again);

    /* an empty file (e.g. a crash on a filesystem without rename atomicity) */
    CHECK(truncate(path, 0) == 0);
    again = scan_with(small, mech, &st);
    CHECK_INT(st, LS_DBCACHE_MISS);
    free(again);

    /* another rule set: another key (the whole set less one rule; and the
     * small set less one rule finds no entry where the small set's is) */
    CHECK_INT(ls_ruleset_disable(rs2, ls_ruleset_get(rs2, 0)->id), 0);
    CHECK(ls_dbcache_key(rs, HS_MODE_STREAM, 0, key1));
    CHECK(ls_dbcache_key(rs2, HS_MODE_STREAM, 0, key2));
    CHECK(strcmp(key1, key2) != 0);
    CHECK(ls_dbcache_key(rs, HS_MODE_BLOCK, 0, key2));
    CHECK(strcmp(key1, key2) != 0);
    {
        ls_ruleset *small2 = small_rules();
        CHECK_INT(ls_ruleset_disable(small2, ls_ruleset_get(small2, 0)->id), 0);
        CHECK(ls_dbcache_key(small, HS_MODE_STREAM, 0, key1));
        CHECK(ls_dbcache_key(small2, HS_MODE_STREAM, 0, key2));
        CHECK(strcmp(key1, key2) != 0);
        again = scan_with(small2, mech, &st);
        CHECK_INT(st, LS_DBCACHE_MISS);
        free(again);
        ls_ruleset_free(small2);
    }

    /* a cache "directory" that is a file: no cache, no error */
    {
        char file_dir[4300];
        snprintf(file_dir, sizeof file_dir, "%s/not-a-dir", mech);
        CHECK(close(open(file_dir, O_CREAT | O_WRONLY, 0600)) == 0);
        again = scan_with(small, file_dir, &st);
        CHECK_INT(st, LS_DBCACHE_MISS);
        CHECK_STR(again, small_plain);
        free(again);
    }

    {
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/small", dir);
        CHECK_INT(mkdir(sub, 0700), 0);
        test_forged(small, sub, small_plain);
        test_untrusted(small, sub, small_plain);
        free(small_plain);
        ls_ruleset_free(small);
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
