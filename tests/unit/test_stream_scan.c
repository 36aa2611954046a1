/*
 * test_stream_scan.c - one stream through the stream scan, no image built:
 * a plain buffer (its findings at their offsets), a .gz file whose member
 * is scanned (the raw hits held and dropped), and a truncated nested tar
 * (the raw hits kept, minus those a member already reported, plus one error
 * naming the archive). Fake secrets only.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "layerscan/rules.h"
#include "match/matcher.h"
#include "pipeline/stream_scan.h"

static char tmpdir[] = "/tmp/test_stream_scan.XXXXXX";

static const char rules_json[] =
    "[{\"id\": \"tok\", \"title\": \"tok\", \"severity\": \"high\", \"confidence\": \"high\", "
    "\"regex\": \"(?:^|[^A-Za-z0-9_])(?P<secret>tok_[a-z0-9]{8})(?:[^A-Za-z0-9_]|$)\", "
    "\"examples\": [{\"text\": \"x\", \"secret\": \"x\"}], \"negatives\": [\"y\"]}]";

/* A block source over a buffer, handed out in blocks of `step` bytes. */
typedef struct {
    const unsigned char *p;
    size_t len, pos, step;
} mem_src;

static int mem_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    mem_src *m = ud;
    size_t k = m->len - m->pos < m->step ? m->len - m->pos : m->step;
    (void)err;
    if (k == 0)
        return 0;
    *buf = m->p + m->pos;
    *len = k;
    m->pos += k;
    return 1;
}

typedef struct {
    ls_ruleset *rs;
    ls_matcher *m;
    ls_scanner *sc;
    ls_finding_list findings;
    ls_error_list errors;
    uint64_t bytes;
} fixture;

static void setup(fixture *f)
{
    char path[512];
    ls_error err = {0};
    FILE *fp;
    memset(f, 0, sizeof *f);
    snprintf(path, sizeof path, "%s/rules.json", tmpdir);
    fp = fopen(path, "w");
    CHECK(fp != NULL);
    fputs(rules_json, fp);
    fclose(fp);
    f->rs = ls_ruleset_new();
    CHECK_INT(ls_ruleset_load(f->rs, path, &err), 0);
    CHECK_INT(ls_matcher_new(&f->m, f->rs, &err), 0);
    f->sc = ls_scanner_new(f->m, &err);
    CHECK(f->sc != NULL);
}

static void teardown(fixture *f)
{
    ls_finding_list_free(&f->findings);
    ls_error_list_free(&f->errors);
    ls_scanner_free(f->sc);
    ls_matcher_free(f->m);
    ls_ruleset_free(f->rs);
}

/* Scans buf as the layer-3 file `path`; returns ls_stream_scan_run's result. */
static int run(fixture *f, const char *path, const void *buf, size_t len, size_t step)
{
    ls_stream_scan_cfg cfg = {.scanner = f->sc, .rules = f->rs, .opts = NULL, .layer = 3,
                              .findings = &f->findings, .errors = &f->errors, .bytes_scanned = &f->bytes};
    mem_src m = {buf, len, 0, step};
    ls_blocks src = {.next = mem_next, .ud = &m};
    ls_stream_scan *s = ls_stream_scan_new(&cfg);
    ls_error err = {0};
    int rc;
    CHECK(s != NULL);
    rc = ls_stream_scan_run(s, path, &src, &err);
    ls_stream_scan_free(s);
    return rc;
}

static void expect_finding(const fixture *f, size_t i, const char *path, const char *secret, uint64_t offset)
{
    CHECK(i < f->findings.n);
    if (i >= f->findings.n)
        return;
    CHECK_STR(ls_ruleset_get(f->rs, f->findings.items[i].rule)->id, "tok");
    CHECK_STR(f->findings.items[i].path, path);
    CHECK_STR(f->findings.items[i].secret, secret);
    CHECK_INT(f->findings.items[i].offset, offset);
    CHECK_INT(f->findings.items[i].layer, 3);
}

/* An archive of `format` with `filter` over the given members, in memory. */
static size_t make_archive(unsigned char *out, size_t cap, int raw, const char *const *names,
                           const char *const *bodies, size_t n)
{
    struct archive *a = archive_write_new();
    size_t used = 0;
    CHECK(a != NULL);
    if (raw) {
        CHECK_INT(archive_write_add_filter_gzip(a), ARCHIVE_OK);
        CHECK_INT(archive_write_set_format_raw(a), ARCHIVE_OK);
    } else {
        CHECK_INT(archive_write_add_filter_none(a), ARCHIVE_OK);
        CHECK_INT(archive_write_set_format_ustar(a), ARCHIVE_OK);
    }
    CHECK_INT(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(bodies[i]));
        archive_entry_set_mtime(e, 0, 0);
        CHECK_INT(archive_write_header(a, e), ARCHIVE_OK);
        CHECK_INT(archive_write_data(a, bodies[i], strlen(bodies[i])), (long long)strlen(bodies[i]));
        archive_entry_free(e);
    }
    CHECK_INT(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return used;
}

static void test_plain(void)
{
    static const char text[] = "first tok_aaaa1111\nsecond line tok_bbbb2222 end\n";
    fixture f;
    setup(&f);
    CHECK_INT(run(&f, "/etc/app.conf", text, strlen(text), 7), 0);
    CHECK_INT(f.findings.n, 2);
    expect_finding(&f, 0, "/etc/app.conf", "tok_aaaa1111", 6);
    expect_finding(&f, 1, "/etc/app.conf", "tok_bbbb2222", 31);
    CHECK_INT(f.errors.n, 0);
    CHECK_INT(f.bytes, strlen(text));
    teardown(&f);
}

/* A single .gz stream: its member "app.env" is scanned, its raw hits dropped. */
static void test_nested_gz(void)
{
    static const char *const names[] = {"app.env"};
    static const char *const bodies[] = {"KEY=1\nTOKEN=tok_cccc3333\n"};
    unsigned char buf[4096];
    size_t len;
    fixture f;
    setup(&f);
    len = make_archive(buf, sizeof buf, 1, names, bodies, 1);
    CHECK(len > 20);
    CHECK_INT(run(&f, "/srv/app.env.gz", buf, len, 5), 0);
    CHECK_INT(f.findings.n, 1);
    expect_finding(&f, 0, "/srv/app.env.gz!/app.env", "tok_cccc3333", 12);
    CHECK_INT(f.errors.n, 0);
    teardown(&f);
}

/* A tar cut inside its second header: the member read is reported; the raw
 * hit in that header (a name no member delivered) is kept at the archive's
 * path, the raw copy of the member's secret is not; one error says why. */
static void test_truncated_nested(void)
{
    static const char *const names[] = {"a.txt", "tok_eeee5555"};
    static const char *const bodies[] = {"x tok_dddd4444 y\n", "z\n"};
    unsigned char buf[8192];
    size_t len;
    fixture f;
    setup(&f);
    len = make_archive(buf, sizeof buf, 0, names, bodies, 2);
    CHECK(len >= 2048);
    /* member 1: header 0..511, data 512..1023; member 2's header from 1024 */
    CHECK_INT(run(&f, "/opt/b.tar", buf, 1024 + 200, 100), 0);
    CHECK_INT(f.findings.n, 2);
    expect_finding(&f, 0, "/opt/b.tar!/a.txt", "tok_dddd4444", 2);
    expect_finding(&f, 1, "/opt/b.tar", "tok_eeee5555", 1024);
    CHECK_INT(f.errors.n, 1);
    if (f.errors.n == 1) {
        CHECK_INT(f.errors.items[0].layer, 3);
        CHECK_STR(f.errors.items[0].path, "/opt/b.tar");
        CHECK_STR(f.errors.items[0].message, "/opt/b.tar: corrupt tar archive: Truncated tar archive");
    }
    teardown(&f);
}

int main(void)
{
    char cmd[600];
    CHECK(mkdtemp(tmpdir) != NULL);
    test_plain();
    test_nested_gz();
    test_truncated_nested();
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    CHECK_INT(system(cmd), 0);
    CHECK_DONE();
}
