/*
 * test_matcher.c - the streaming matcher: secrets across block boundaries,
 * exact offsets, lines and columns, ordering across rules, greedy rules
 * reported once, `$` at end of stream, min_entropy, path filters, a burst of
 * raw hits (and one that overflows a long sub-block), binary input, stopping, where rules look
 * (files, history, config), and compile errors naming the rule.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "layerscan/rules.h"
#include "match/matcher.h"

static char tmpdir[] = "/tmp/test_matcher.XXXXXX";

#define EX ", \"examples\": [{\"text\": \"x\", \"secret\": \"x\"}], \"negatives\": [\"y\"]"
#define R(id, regex, extra)                                                              \
    "{\"id\": \"" id "\", \"title\": \"" id "\", \"severity\": \"high\", \"confidence\": " \
    "\"high\", \"regex\": \"" regex "\"" EX extra "}"

#define RC(id, conf, regex)                                                              \
    "{\"id\": \"" id "\", \"title\": \"" id "\", \"severity\": \"low\", \"confidence\": " \
    "\"" conf "\", \"regex\": \"" regex "\"" EX "}"

static const char rules_json[] =
    "["
    R("tok", "(?:^|[^A-Za-z0-9_])(?P<secret>tok_[a-z0-9]{8})(?:[^A-Za-z0-9_]|$)", "") ","
    R("greedy", "key=(?P<secret>[A-Za-z0-9]{8,200})", "") ","
    R("at-end", "(?P<secret>EOF[0-9]{3})$", "") ","
    R("ent", "ent=(?P<secret>[a-z]{10})", ", \"min_entropy\": 2.0") ","
    R("pathy", "pth_[0-9]{6}",
      ", \"path_include\": [\"*/etc/*\"], \"path_exclude\": [\"*/etc/skip/*\"]") ","
    R("span", "<<([^<>]{1,100})>>", "") ","
    R("burst", "zz", "") ","
    RC("generic-val", "low", "val=(?P<secret>[a-z_0-9]{12})") ","
    R("hist-only", "hst_[0-9]{6}", ", \"scans\": [\"history\"]") ","
    R("file-cfg", "fcg_[0-9]{6}", ", \"scans\": [\"files\", \"config\"]") ","
    RC("generic-val2", "low", "val=(?P<secret>[a-z_]{12})")
    "]";

typedef struct {
    char rule[16];
    char secret[64];
    uint64_t offset, line, column;
} got_hit;

typedef struct {
    const ls_ruleset *rs;
    got_hit v[32];
    size_t n;            /* hits stored (all but burst) */
    size_t burst;        /* burst hits counted */
    uint64_t burst_next; /* offset the next burst hit must have */
    size_t burst_bad;    /* burst hits out of sequence */
    size_t stop_after;   /* return nonzero after this many hits (0 = never) */
    size_t total;
} collector;

static int collect(void *ud, const ls_hit *h)
{
    collector *c = ud;
    const char *id = ls_ruleset_get(c->rs, h->rule)->id;
    c->total++;
    if (strcmp(id, "burst") == 0) {
        if (h->offset != c->burst_next || h->secret_len != 2 || memcmp(h->secret, "zz", 2))
            c->burst_bad++;
        c->burst_next = h->offset + 1;
        c->burst++;
    } else if (c->n < sizeof c->v / sizeof c->v[0]) {
        got_hit *g = &c->v[c->n++];
        size_t len = h->secret_len < sizeof g->secret - 1 ? h->secret_len : sizeof g->secret - 1;
        snprintf(g->rule, sizeof g->rule, "%s", id);
        memcpy(g->secret, h->secret, len);
        g->secret[len] = '\0';
        g->offset = h->offset;
        g->line = h->line;
        g->column = h->column;
    }
    return c->stop_after && c->total >= c->stop_after;
}

static void reset(collector *c, const ls_ruleset *rs)
{
    memset(c, 0, sizeof *c);
    c->rs = rs;
}

static void expect_hit(const collector *c, size_t i, const char *rule, const char *secret,
                       uint64_t offset, uint64_t line, uint64_t column)
{
    if (i >= c->n) {
        fprintf(stderr, "missing hit %zu (%s %s)\n", i, rule, secret);
        CHECK(i < c->n);
        return;
    }
    CHECK_STR(c->v[i].rule, rule);
    CHECK_STR(c->v[i].secret, secret);
    CHECK_INT(c->v[i].offset, offset);
    CHECK_INT(c->v[i].line, line);
    CHECK_INT(c->v[i].column, column);
}

static ls_ruleset *load_rules(const char *json, const char *name)
{
    char path[512];
    ls_ruleset *rs = ls_ruleset_new();
    ls_error err = {0};
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    fputs(json, f);
    fclose(f);
    if (ls_ruleset_load(rs, path, &err) < 0) {
        fprintf(stderr, "load: %s\n", err.msg);
        CHECK(0);
    }
    return rs;
}

static const char multi[] =
    "first line\n  tok_abcd1234 and key=Zq9Zq9Zq9Zq9!\n<<in tok_zzzz9999 side>>\n"
    "ent=aaaaaaaaaa ent=abcdefghij\nlast EOF123";

/* The hits of `multi`, in order, whatever the block boundaries. */
static void expect_multi(const collector *c)
{
    CHECK_INT(c->n, 6);
    expect_hit(c, 0, "tok", "tok_abcd1234", 13, 2, 3);
    expect_hit(c, 1, "greedy", "Zq9Zq9Zq9Zq9", 34, 2, 24);
    expect_hit(c, 2, "span", "in tok_zzzz9999 side", 50, 3, 3);
    expect_hit(c, 3, "tok", "tok_zzzz9999", 53, 3, 6);
    expect_hit(c, 4, "ent", "abcdefghij", 92, 4, 20);
    expect_hit(c, 5, "at-end", "EOF123", 108, 5, 6);
}

static void test_multi(ls_scanner *s, const ls_ruleset *rs)
{
    collector c;
    ls_error err = {0};
    size_t len = sizeof multi - 1, k, i;

    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, multi, len, collect, &c, &err), 0);
    expect_multi(&c);

    /* Two blocks, split at every boundary. */
    for (k = 0; k <= len; k++) {
        reset(&c, rs);
        CHECK_INT(ls_scanner_begin(s, NULL, collect, &c, &err), 0);
        CHECK_INT(ls_scanner_feed(s, multi, k, &err), 0);
        CHECK_INT(ls_scanner_feed(s, multi + k, len - k, &err), 0);
        CHECK_INT(ls_scanner_end(s, &err), 0);
        if (c.n != 6)
            fprintf(stderr, "split at %zu: %zu hits\n", k, c.n);
        expect_multi(&c);
    }

    /* One byte per block. */
    reset(&c, rs);
    CHECK_INT(ls_scanner_begin(s, NULL, collect, &c, &err), 0);
    for (i = 0; i < len; i++)
        CHECK_INT(ls_scanner_feed(s, multi + i, 1, &err), 0);
    CHECK_INT(ls_scanner_end(s, &err), 0);
    expect_multi(&c);
}

/* A secret split across two blocks at every boundary. */
static void test_split_secret(ls_scanner *s, const ls_ruleset *rs)
{
    static const char text[] = "x=tok_q1w2e3r4;";
    collector c;
    ls_error err = {0};
    size_t len = sizeof text - 1, k;
    for (k = 1; k < len; k++) {
        reset(&c, rs);
        CHECK_INT(ls_scanner_begin(s, "/app/config", collect, &c, &err), 0);
        CHECK_INT(ls_scanner_feed(s, text, k, &err), 0);
        CHECK_INT(ls_scanner_feed(s, text + k, len - k, &err), 0);
        CHECK_INT(ls_scanner_end(s, &err), 0);
        CHECK_INT(c.n, 1);
        expect_hit(&c, 0, "tok", "tok_q1w2e3r4", 2, 1, 3);
    }
}

static void test_greedy_and_end(ls_scanner *s, const ls_ruleset *rs)
{
    collector c;
    ls_error err = {0};
    /* Greedy at end of stream (no terminator): one hit, full secret. */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "key=ABCDEFGHIJKLMNOPQRST", 24, collect, &c, &err), 0);
    CHECK_INT(c.n, 1);
    expect_hit(&c, 0, "greedy", "ABCDEFGHIJKLMNOPQRST", 4, 1, 5);
    /* `$` only at the end of the stream. */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "EOF123 x", 8, collect, &c, &err), 0);
    CHECK_INT(c.n, 0);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "\n\nEOF999", 8, collect, &c, &err), 0);
    CHECK_INT(c.n, 1);
    expect_hit(&c, 0, "at-end", "EOF999", 2, 3, 1);
    /* ... or just before a final newline, as in PCRE. */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "x EOF321\n", 9, collect, &c, &err), 0);
    CHECK_INT(c.n, 1);
    expect_hit(&c, 0, "at-end", "EOF321", 2, 1, 3);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "x EOF321\n\n", 10, collect, &c, &err), 0);
    CHECK_INT(c.n, 0);
    /* A token ending the stream uses the `$` side of its right boundary. */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "a tok_abcd1234", 14, collect, &c, &err), 0);
    CHECK_INT(c.n, 1);
    expect_hit(&c, 0, "tok", "tok_abcd1234", 2, 1, 3);
    /* ... but not when the token goes on. */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "a tok_abcd12345", 15, collect, &c, &err), 0);
    CHECK_INT(c.n, 0);
    /* Entropy: a flat secret is dropped. */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "ent=zzzzzzzzzz", 14, collect, &c, &err), 0);
    CHECK_INT(c.n, 0);
}

/* Rules of different confidence finding one secret: the most confident
 * wins; rules of equal confidence all report. */
static void test_same_start(ls_scanner *s, const ls_ruleset *rs)
{
    collector c;
    ls_error err = {0};
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "val=tok_abcd1234 val=qwer_tyuiop_ ", 34, collect, &c,
                              &err), 0);
    CHECK_INT(c.n, 3);
    expect_hit(&c, 0, "tok", "tok_abcd1234", 4, 1, 5);
    expect_hit(&c, 1, "generic-val", "qwer_tyuiop_", 21, 1, 22);
    expect_hit(&c, 2, "generic-val2", "qwer_tyuiop_", 21, 1, 22);
}

static void test_paths(ls_scanner *s, const ls_ruleset *rs)
{
    static const char text[] = "v=pth_123456";
    collector c;
    ls_error err = {0};
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, text, 12, collect, &c, &err), 0);
    CHECK_INT(c.n, 1); /* metadata: no path filter applies */
    expect_hit(&c, 0, "pathy", "pth_123456", 2, 1, 3);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, "/srv/etc/app.conf", text, 12, collect, &c, &err), 0);
    CHECK_INT(c.n, 1);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, "/srv/etc/skip/app.conf", text, 12, collect, &c, &err), 0);
    CHECK_INT(c.n, 0);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, "/srv/var/app.conf", text, 12, collect, &c, &err), 0);
    CHECK_INT(c.n, 0);
}

/* Where a rule looks (scans): a file stream runs the rules that scan files,
 * metadata the rules that scan its kind, a stream of unknown kind all. */
static void test_scans(ls_scanner *s, const ls_ruleset *rs)
{
    static const char text[] = "a=hst_123456 b=fcg_654321 c=pth_123456";
    size_t len = sizeof text - 1;
    collector c;
    ls_error err = {0};
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, "/srv/etc/app.conf", text, len, collect, &c, &err), 0);
    CHECK_INT(c.n, 2);
    expect_hit(&c, 0, "file-cfg", "fcg_654321", 15, 1, 16);
    expect_hit(&c, 1, "pathy", "pth_123456", 28, 1, 29);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan_metadata(s, LS_SCANS_HISTORY, text, len, collect, &c, &err), 0);
    CHECK_INT(c.n, 2);
    expect_hit(&c, 0, "hist-only", "hst_123456", 2, 1, 3);
    expect_hit(&c, 1, "pathy", "pth_123456", 28, 1, 29); /* no path filter on metadata */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan_metadata(s, LS_SCANS_CONFIG, text, len, collect, &c, &err), 0);
    CHECK_INT(c.n, 2);
    expect_hit(&c, 0, "file-cfg", "fcg_654321", 15, 1, 16);
    expect_hit(&c, 1, "pathy", "pth_123456", 28, 1, 29);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, text, len, collect, &c, &err), 0);
    CHECK_INT(c.n, 3);
    /* and the filters are set anew for every stream: a file again */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, "/srv/var/app.conf", text, len, collect, &c, &err), 0);
    CHECK_INT(c.n, 1);
    expect_hit(&c, 0, "file-cfg", "fcg_654321", 15, 1, 16);
}

/* 100000 overlapping raw hits in one block around two real secrets. */
static void test_burst(ls_scanner *s, const ls_ruleset *rs)
{
    size_t nz = 100001, len = 14 + nz + 14;
    char *buf = malloc(len);
    collector c;
    ls_error err = {0};
    memcpy(buf, "tok_aaaa1111 ", 13);
    buf[13] = ' ';
    memset(buf + 14, 'z', nz);
    memcpy(buf + 14 + nz, " tok_bbbb2222 ", 14);
    reset(&c, rs);
    c.burst_next = 14;
    CHECK_INT(ls_scanner_scan(s, NULL, buf, len, collect, &c, &err), 0);
    CHECK_INT(c.burst, 100000);
    CHECK_INT(c.burst_bad, 0);
    CHECK_INT(c.n, 2);
    expect_hit(&c, 0, "tok", "tok_aaaa1111", 0, 1, 1);
    expect_hit(&c, 1, "tok", "tok_bbbb2222", 14 + nz + 1, 1, 14 + nz + 2);
    free(buf);
}

/* A long stream fed in odd blocks: lines and columns far from any block. */
static void test_long_stream(ls_scanner *s, const ls_ruleset *rs)
{
    size_t len = 20000 * 11 + 15 + 10000 + 13, off = 0, i, n;
    char *buf = malloc(len);
    collector c;
    ls_error err = {0};
    for (i = 0; i < 20000; i++, off += 11)
        memcpy(buf + off, "abcdefghij\n", 11);
    memcpy(buf + off, "  tok_abcd1234\n", 15);
    off += 15;
    memset(buf + off, 'q', 10000);
    off += 10000;
    memcpy(buf + off, " tok_efgh5678", 13);
    reset(&c, rs);
    CHECK_INT(ls_scanner_begin(s, NULL, collect, &c, &err), 0);
    for (off = 0; off < len; off += n) {
        n = len - off < 4097 ? len - off : 4097;
        CHECK_INT(ls_scanner_feed(s, buf + off, n, &err), 0);
    }
    CHECK_INT(ls_scanner_end(s, &err), 0);
    CHECK_INT(c.n, 2);
    expect_hit(&c, 0, "tok", "tok_abcd1234", 220002, 20001, 3);
    expect_hit(&c, 1, "tok", "tok_efgh5678", 230016, 20002, 10002);
    /* the same bytes in one block: newline counts over long runs */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, buf, len, collect, &c, &err), 0);
    CHECK_INT(c.n, 2);
    expect_hit(&c, 0, "tok", "tok_abcd1234", 220002, 20001, 3);
    expect_hit(&c, 1, "tok", "tok_efgh5678", 230016, 20002, 10002);
    free(buf);
}

/* Raw hits too many for one long sub-block (the buffer holds what 2 KiB can
 * produce): the stream is rewound and rescanned in short pieces, with the
 * same hits whatever the block sizes, secrets on both sides included. */
static void test_burst_rewind(ls_scanner *s, const ls_ruleset *rs)
{
    size_t nz = 150000, pre = 70000, len = pre + 14 + nz + 14, off, n;
    const size_t steps[] = {len, 65536, 65537, 4096, 333};
    char *buf = malloc(len);
    ls_error err = {0};
    memset(buf, '\n', pre);
    memcpy(buf + pre, "tok_aaaa1111 ", 13);
    buf[pre + 13] = ' ';
    memset(buf + pre + 14, 'z', nz);
    memcpy(buf + pre + 14 + nz, " tok_bbbb2222 ", 14);
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        collector c;
        reset(&c, rs);
        c.burst_next = pre + 14;
        CHECK_INT(ls_scanner_begin(s, NULL, collect, &c, &err), 0);
        for (off = 0; off < len; off += n) {
            n = len - off < steps[k] ? len - off : steps[k];
            CHECK_INT(ls_scanner_feed(s, buf + off, n, &err), 0);
        }
        CHECK_INT(ls_scanner_end(s, &err), 0);
        CHECK_INT(c.burst, nz - 1);
        CHECK_INT(c.burst_bad, 0);
        CHECK_INT(c.n, 2);
        expect_hit(&c, 0, "tok", "tok_aaaa1111", pre, pre + 1, 1);
        expect_hit(&c, 1, "tok", "tok_bbbb2222", pre + 14 + nz + 1, pre + 1, 14 + nz + 2);
    }
    free(buf);
}

static void test_binary(ls_scanner *s, const ls_ruleset *rs)
{
    unsigned char buf[300];
    collector c;
    ls_error err = {0};
    memset(buf, 0, sizeof buf);
    buf[50] = '\n';
    buf[100] = 0xff;
    memcpy(buf + 102, "tok_bin00001", 12);
    buf[200] = 0x80;
    memcpy(buf + 250, "key=\0AAAAAAAAA", 14); /* NUL breaks the greedy secret */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, buf, sizeof buf, collect, &c, &err), 0);
    CHECK_INT(c.n, 1);
    expect_hit(&c, 0, "tok", "tok_bin00001", 102, 2, 52);
}

static void test_stop(ls_scanner *s, const ls_ruleset *rs)
{
    collector c;
    ls_error err = {0};
    reset(&c, rs);
    c.stop_after = 1;
    CHECK_INT(ls_scanner_begin(s, NULL, collect, &c, &err), 0);
    CHECK_INT(ls_scanner_feed(s, multi, 60, &err), 0);
    CHECK_INT(ls_scanner_feed(s, multi + 60, sizeof multi - 61, &err), 0);
    CHECK_INT(ls_scanner_end(s, &err), 0);
    CHECK_INT(c.total, 1);
    expect_hit(&c, 0, "tok", "tok_abcd1234", 13, 2, 3);
    /* The scanner is reusable afterwards. */
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, multi, sizeof multi - 1, collect, &c, &err), 0);
    expect_multi(&c);
    /* Usage errors. */
    CHECK_INT(ls_scanner_feed(s, "x", 1, &err), -1);
    CHECK_INT(err.code, LS_ERR_USAGE);
    CHECK_INT(ls_scanner_end(s, &err), -1);
}

/* A rule longer than the window: `^` must not match at the window start. */
static void test_window_limit(void)
{
    ls_ruleset *rs = load_rules("[" R("long", "(?:^|#)(?P<secret>[a-z]+)", "") "]", "long.json");
    ls_matcher *m = NULL;
    ls_scanner *s;
    collector c;
    ls_error err = {0};
    size_t len = 1 + 9000 + 1;
    char *buf = malloc(len);
    buf[0] = '#';
    memset(buf + 1, 'a', 9000);
    buf[len - 1] = '!';
    CHECK_INT(ls_matcher_new(&m, rs, &err), 0);
    s = ls_scanner_new(m, &err);
    CHECK(s != NULL);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, buf, len, collect, &c, &err), 0);
    CHECK_INT(c.total, 1);
    CHECK_INT(c.v[0].offset, 1); /* the longest confirmable prefix */
    ls_scanner_free(s);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    free(buf);
}

static void expect_compile_error(const char *json, const char *name, const char *prefix)
{
    ls_ruleset *rs = load_rules(json, name);
    ls_matcher *m = (ls_matcher *)1;
    ls_error err = {0};
    char want[512];
    snprintf(want, sizeof want, "%s/%s: %s", tmpdir, name, prefix);
    CHECK_INT(ls_matcher_new(&m, rs, &err), -1);
    CHECK(m == NULL);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    if (strncmp(err.msg, want, strlen(want)) != 0) {
        fprintf(stderr, "got \"%s\", expected prefix \"%s\"\n", err.msg, want);
        CHECK(0);
    }
    ls_ruleset_free(rs);
}

static void test_compile_errors(void)
{
    expect_compile_error("[" R("ok-rule", "abc", "") "," R("bad-paren", "a(b", "") "]",
                         "e1.json", "rule bad-paren: hyperscan: ");
    expect_compile_error("[" R("ok-rule", "abc", "") "," R("backref", "(a)x\\\\1", "") "]",
                         "e2.json", "rule backref: hyperscan: ");
    expect_compile_error("[" R("ok-rule", "abc", "") "," R("empty", "a*", "") "]", "e3.json",
                         "rule empty: hyperscan: ");
}

static void test_empty_set(void)
{
    ls_ruleset *rs = ls_ruleset_new();
    ls_matcher *m = NULL;
    ls_scanner *s;
    collector c;
    ls_error err = {0};
    CHECK_INT(ls_matcher_new(&m, rs, &err), 0);
    s = ls_scanner_new(m, &err);
    CHECK(s != NULL);
    reset(&c, rs);
    CHECK_INT(ls_scanner_scan(s, NULL, "tok_abcd1234", 12, collect, &c, &err), 0);
    CHECK_INT(c.total, 0);
    ls_scanner_free(s);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
}

int main(void)
{
    ls_ruleset *rs;
    ls_matcher *m = NULL;
    ls_scanner *s = NULL;
    ls_error err = {0};
    char cmd[600];
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    rs = load_rules(rules_json, "rules.json");
    CHECK_INT(ls_ruleset_count(rs), 11);
    CHECK_INT(ls_matcher_new(&m, rs, &err), 0);
    if (m)
        s = ls_scanner_new(m, &err);
    CHECK(s != NULL);
    if (s) {
        CHECK(ls_matcher_rules(m) == rs);
        test_multi(s, rs);
        test_split_secret(s, rs);
        test_greedy_and_end(s, rs);
        test_same_start(s, rs);
        test_paths(s, rs);
        test_scans(s, rs);
        test_burst(s, rs);
        test_long_stream(s, rs);
        test_burst_rewind(s, rs);
        test_binary(s, rs);
        test_stop(s, rs);
    }
    ls_scanner_free(s);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    test_window_limit();
    test_compile_errors();
    test_empty_set();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    CHECK_DONE();
}
