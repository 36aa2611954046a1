/* Vendor verification: a finding is vendor only when a package database
 * visible at its layer records the file's exact bytes; third-party by path;
 * a .pyc follows its verified source. */
#include "check.h"
#include "detect/detect.h"
#include "pipeline/vendor.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ls_content_id LIB = {11, 1}, LIB_EDITED = {12, 1}, PY = {13, 1}, PYC = {14, 1}, DB1 = {21, 1},
                           DB2 = {22, 1}, STATUS = {23, 1};

#define N 4
static ls_fs_layer *fs[N];
static ls_finding_list fl[N];
static ls_error_list el[N];
static ls_vendor_evidence ev[N];

static void reset(void)
{
    for (int i = 0; i < N; i++) {
        ls_fs_layer_free(fs[i]);
        fs[i] = ls_fs_layer_new();
        ls_finding_list_free(&fl[i]);
        ls_error_list_free(&el[i]);
        ls_vendor_evidence_free(&ev[i]);
    }
}

static void add_finding(int layer, const char *path, ls_content_id c)
{
    ls_finding_list *l = &fl[layer];
    l->items = realloc(l->items, (l->n + 1) * sizeof *l->items);
    l->content = realloc(l->content, (l->n + 1) * sizeof *l->content);
    memset(&l->items[l->n], 0, sizeof *l->items);
    l->items[l->n].path = strdup(path);
    l->items[l->n].secret = strdup("-----BEGIN PRIVATE KEY-----");
    l->items[l->n].layer = layer;
    l->items[l->n].package = -1;
    l->content[l->n] = c;
    l->n++;
    l->cap = l->n;
}

static void put_file(int layer, const char *path, ls_content_id c, const char *bytes)
{
    ls_fs_layer_put(fs[layer], path, LS_FS_FILE, c);
    if (bytes)
        CHECK_INT(ls_vendor_digest_bytes(&ev[layer], NULL, c, bytes, strlen(bytes)), 0);
}

static void put_db(int layer, const char *path, ls_content_id c, const char *text)
{
    unsigned char *b = malloc(strlen(text) + 1);
    memcpy(b, text, strlen(text) + 1);
    ls_fs_layer_put(fs[layer], path, LS_FS_FILE, c);
    CHECK_INT(ls_vendor_add_db(&ev[layer], path, c, b, strlen(text)), 0);
}

static void md5_hex(const char *s, char out[33])
{
    unsigned char d[16];
    unsigned int n;
    EVP_Digest(s, strlen(s), d, &n, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static ls_report *resolve(int n)
{
    ls_report *r = calloc(1, sizeof *r);
    ls_vendor_layer v[N];
    ls_error err = {0};
    for (int i = 0; i < n; i++)
        v[i] = (ls_vendor_layer){.findings = &fl[i], .evidence = &ev[i], .errors = &el[i], .index = i};
    CHECK_INT(ls_vendor_resolve(v, fs, (size_t)n, r, NULL, &err), 0);
    return r;
}

static void free_report(ls_report *r)
{
    for (size_t i = 0; i < r->n_packages; i++) {
        free(r->packages[i].name);
        free(r->packages[i].version);
    }
    free(r->packages);
    free(r);
}

static const char lib_bytes[] = "\177ELF...-----BEGIN PRIVATE KEY-----...";
static const char status[] = "Package: libfaketls30\nStatus: install ok installed\nArchitecture: amd64\n"
                             "Version: 3.7.9-2\n\n";

static void md5sums(char *out, size_t cap, const char *bytes, const char *rel)
{
    char hex[33];
    md5_hex(bytes, hex);
    snprintf(out, cap, "%s  %s\n", hex, rel);
}

static void test_dpkg_layers(void)
{
    char sums[256];
    ls_report *r;
    md5sums(sums, sizeof sums, lib_bytes, "usr/lib/libfaketls.so");
    reset();
    /* layer 0 installs; layer 1 copies it up unchanged (chmod); layer 2
     * rewrites it; layer 3 removes the database */
    put_file(0, "/usr/lib/libfaketls.so", LIB, lib_bytes);
    put_db(0, "/var/lib/dpkg/status", STATUS, status);
    put_db(0, "/var/lib/dpkg/info/libfaketls30:amd64.md5sums", DB1, sums);
    put_file(1, "/usr/lib/libfaketls.so", LIB, lib_bytes);
    put_file(2, "/usr/lib/libfaketls.so", LIB_EDITED, "edited -----BEGIN PRIVATE KEY-----");
    ls_fs_layer_whiteout(fs[3], "/var/lib/dpkg/info/libfaketls30:amd64.md5sums");
    put_file(3, "/usr/lib/libfaketls.so", LIB, lib_bytes);
    add_finding(0, "/usr/lib/libfaketls.so", LIB);
    add_finding(1, "/usr/lib/libfaketls.so", LIB);
    add_finding(2, "/usr/lib/libfaketls.so", LIB_EDITED);
    add_finding(3, "/usr/lib/libfaketls.so", LIB);
    r = resolve(4);
    CHECK_INT(fl[0].items[0].origin, LS_ORIGIN_VENDOR);
    CHECK_INT(fl[1].items[0].origin, LS_ORIGIN_VENDOR);  /* the database below vouches */
    CHECK_INT(fl[2].items[0].origin, LS_ORIGIN_IMAGE);   /* other bytes than recorded */
    CHECK_INT(fl[3].items[0].origin, LS_ORIGIN_IMAGE);   /* the database is gone at layer 3 */
    CHECK_INT(r->n_packages, 1);
    CHECK_INT(fl[0].items[0].package, 0);
    CHECK_INT(fl[2].items[0].package, -1);
    if (r->n_packages == 1) {
        CHECK_STR(r->packages[0].manager, "dpkg");
        CHECK_STR(r->packages[0].name, "libfaketls30");
        CHECK_STR(r->packages[0].version, "3.7.9-2");
    }
    CHECK_INT(el[0].n + el[1].n + el[2].n + el[3].n, 0);
    free_report(r);

    /* a database written by a later layer does not vouch for an earlier file */
    reset();
    put_file(0, "/usr/lib/libfaketls.so", LIB, lib_bytes);
    put_db(1, "/var/lib/dpkg/info/libfaketls30.md5sums", DB1, sums);
    add_finding(0, "/usr/lib/libfaketls.so", LIB);
    r = resolve(2);
    CHECK_INT(fl[0].items[0].origin, LS_ORIGIN_IMAGE);
    free_report(r);

    /* no digests (a large file whose second read failed): never vendor */
    reset();
    ls_fs_layer_put(fs[0], "/usr/lib/libfaketls.so", LS_FS_FILE, LIB);
    put_db(0, "/var/lib/dpkg/info/libfaketls30.md5sums", DB1, sums);
    add_finding(0, "/usr/lib/libfaketls.so", LIB);
    r = resolve(1);
    CHECK_INT(fl[0].items[0].origin, LS_ORIGIN_IMAGE);
    CHECK_INT(r->n_packages, 0);
    free_report(r);
}

static void test_malformed_db(void)
{
    char sums[256], bad[300];
    ls_report *r;
    md5sums(sums, sizeof sums, lib_bytes, "usr/lib/libfaketls.so");
    snprintf(bad, sizeof bad, "%sno record here\n", sums);
    reset();
    put_file(0, "/usr/lib/libfaketls.so", LIB, lib_bytes);
    put_db(0, "/var/lib/dpkg/info/evil.md5sums", DB2, bad);
    add_finding(0, "/usr/lib/libfaketls.so", LIB);
    r = resolve(1);
    /* the record before the fault vouches for nothing */
    CHECK_INT(fl[0].items[0].origin, LS_ORIGIN_IMAGE);
    CHECK_INT(el[0].n, 1);
    if (el[0].n == 1) {
        CHECK_STR(el[0].items[0].path, "/var/lib/dpkg/info/evil.md5sums");
        CHECK(strstr(el[0].items[0].message, "package database") != NULL);
        CHECK(strstr(el[0].items[0].message, "not verified") != NULL);
    }
    free_report(r);
}

static void test_pyc(void)
{
    char sums[256], buf[256];
    const char *py = "K = ('-----BEGIN ' 'PRIVATE KEY-----')\n";
    ls_report *r;
    CHECK(ls_vendor_pyc_source("/d/__pycache__/m.cpython-311.pyc", buf, sizeof buf));
    CHECK_STR(buf, "/d/m.py");
    CHECK(ls_vendor_pyc_source("/__pycache__/m.cpython-311.opt-1.pyc", buf, sizeof buf));
    CHECK_STR(buf, "/m.py");
    CHECK(ls_vendor_pyc_source("/d/m.pyc", buf, sizeof buf));
    CHECK_STR(buf, "/d/m.py");
    CHECK(!ls_vendor_pyc_source("/d/__pycache__/.pyc", buf, sizeof buf));
    CHECK(!ls_vendor_pyc_source("/d/m.py", buf, sizeof buf));
    CHECK(!ls_vendor_pyc_source("m.pyc", buf, sizeof buf));
    CHECK(!ls_vendor_pyc_source("/d/m.pyc", buf, 8)); /* no room */
    strcpy(buf, "/x/__pycache__/mod.cpython-312.pyc"); /* in place */
    CHECK(ls_vendor_pyc_source(buf, buf, sizeof buf));
    CHECK_STR(buf, "/x/mod.py");

    md5sums(sums, sizeof sums, py, "usr/lib/python3/dist-packages/m/k.py");
    reset();
    put_file(0, "/usr/lib/python3/dist-packages/m/k.py", PY, py);
    put_file(0, "/usr/lib/python3/dist-packages/m/__pycache__/k.cpython-311.pyc", PYC, NULL);
    put_db(0, "/var/lib/dpkg/info/python3-m.md5sums", DB1, sums);
    add_finding(0, "/usr/lib/python3/dist-packages/m/__pycache__/k.cpython-311.pyc", PYC);
    add_finding(0, "/usr/lib/python3/dist-packages/m/__pycache__/other.cpython-311.pyc", PYC);
    r = resolve(1);
    CHECK_INT(fl[0].items[0].origin, LS_ORIGIN_VENDOR);
    CHECK_INT(fl[0].items[1].origin, LS_ORIGIN_IMAGE); /* its source is not there */
    if (r->n_packages == 1) {
        CHECK_STR(r->packages[0].name, "python3-m");
        CHECK(r->packages[0].version == NULL); /* no status file */
    }
    free_report(r);
}

static void test_third_party(void)
{
    static const struct {
        const char *path;
        bool third;
    } cases[] = {
        {"/app/node_modules/x/test/fixtures/key.pem", true},
        {"/app/node_modules/x/lib/config.js", false},
        {"/app/node_modules/@s/y/README.md", true},
        {"/app/node_modules/@s/y/index.js", false},
        {"/app/node_modules/@s/y/docs/setup.html", true},
        {"/app/node_modules/x/node_modules/z/examples/a.js", true},
        {"/app/node_modules/x/node_modules/z/dist/a.js", false},
        {"/app/node_modules/test/index.js", false}, /* a package named test */
        {"/app/test/fixtures/key.pem", false},      /* the app's own tests are the image's */
        {"/app/node_modules/x/spec.js", false},
        {"/usr/local/bundle/gems/g-1.0/spec/a_spec.rb", true},
        {"/usr/local/bundle/gems/g-1.0/lib/g.rb", false},
        {"/go/pkg/mod/github.com/a/b@v1.0.0/x_test.go", true},
        {"/go/pkg/mod/github.com/a/b@v1.0.0/testdata/k.pem", true},
        {"/go/pkg/mod/github.com/a/b@v1.0.0/b.go", false},
        {"/root/.m2/repository/org/x/1.0/x-1.0-tests.jar", true},
        {"/root/.m2/repository/org/x/1.0/x-1.0-tests.jar!/k.pem", true},
        {"/root/.m2/repository/org/x/1.0/x-1.0.jar", false},
        {"/app/node_modules/x/test", false}, /* a file named test */
        {"/node_modules/", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (ls_detect_third_party(cases[i].path) != cases[i].third)
            fprintf(stderr, "  third-party(%s) should be %d\n", cases[i].path, cases[i].third);
        CHECK(ls_detect_third_party(cases[i].path) == cases[i].third);
    }
}

/* ---- package-file-modified ------------------------------------------- */

static const ls_content_id LS_A = {31, 1}, LS_B = {32, 1}, CONF_C = {33, 1}, CONF_D = {34, 1}, TOOL_0 = {35, 1},
                           TOOL_1 = {36, 1}, NEW = {37, 1}, SUMS_CU = {38, 1}, SUMS_T0 = {39, 1}, SUMS_T1 = {40, 1},
                           ST = {41, 1};
static const struct {
    ls_content_id c;
    const char *bytes;
} bytes_of[] = {{LS_A, "\177ELF ls"}, {LS_B, "#!/bin/sh\nevil\n"}, {CONF_C, "a=1\n"}, {CONF_D, "a=2\n"},
                {TOOL_0, "tool 0"}, {TOOL_1, "tool 1"}, {NEW, "new"}};

/* What the second reads were asked for: "L:path " per file. */
static char rehashed[512];
static bool rehash_fails;

static int fake_rehash(void *ctx, long layer, char *const *paths, const ls_content_id *contents, size_t n,
                       ls_error *err)
{
    (void)ctx;
    (void)err;
    for (size_t i = 0; i < n; i++) {
        char one[128];
        snprintf(one, sizeof one, "%ld:%s ", layer, paths[i]);
        strncat(rehashed, one, sizeof rehashed - strlen(rehashed) - 1);
        for (size_t k = 0; !rehash_fails && k < sizeof bytes_of / sizeof *bytes_of; k++)
            if (bytes_of[k].c.lo == contents[i].lo)
                CHECK_INT(ls_vendor_digest_bytes(&ev[layer], NULL, contents[i], bytes_of[k].bytes,
                                                 strlen(bytes_of[k].bytes)), 0);
    }
    return 0;
}

static void test_rewrites(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    char path[4096], sums[256], tool0[256], tool1[256], st_text[512], md5c[33];
    ls_report *r = calloc(1, sizeof *r);
    ls_ruleset *rs = ls_ruleset_new();
    ls_vendor_layer v[N];
    ls_vendor_rehash rehash = {fake_rehash, NULL};
    ls_error err = {0};
    snprintf(path, sizeof path, "%s/patterns/tamper.json", src ? src : ".");
    CHECK_INT(ls_ruleset_load(rs, path, &err), 0);
    r->rules = rs;
    md5sums(sums, sizeof sums, "\177ELF ls", "bin/ls"); /* merged /usr: the tar holds usr/bin/ls */
    md5sums(tool0, sizeof tool0, "tool 0", "usr/bin/tool");
    md5sums(tool1, sizeof tool1, "tool 1", "usr/bin/tool");
    md5_hex("a=1\n", md5c);
    snprintf(st_text, sizeof st_text,
             "Package: cfg\nStatus: install ok installed\nVersion: 1\nConffiles:\n /etc/x.conf %s\n\n", md5c);
    reset();
    rehashed[0] = '\0';
    rehash_fails = false;
    /* layer 0 installs; layer 1 replaces ls and edits the conffile, adds a
     * file no package owns; layer 2 restores ls's bytes and updates tool
     * (its md5sums rewritten): nothing there */
    ls_fs_layer_put(fs[0], "/usr/bin/ls", LS_FS_FILE, LS_A);
    ls_fs_layer_put(fs[0], "/etc/x.conf", LS_FS_FILE, CONF_C);
    ls_fs_layer_put(fs[0], "/usr/bin/tool", LS_FS_FILE, TOOL_0);
    ls_fs_layer_put(fs[0], "/usr/lib/new.so", LS_FS_FILE, TOOL_0);
    put_db(0, "/var/lib/dpkg/info/coreutils.md5sums", SUMS_CU, sums);
    put_db(0, "/var/lib/dpkg/info/tool.md5sums", SUMS_T0, tool0);
    put_db(0, "/var/lib/dpkg/status", ST, st_text);
    ls_fs_layer_put(fs[1], "/usr/bin/ls", LS_FS_FILE, LS_B);
    ls_fs_layer_put(fs[1], "/etc/x.conf", LS_FS_FILE, CONF_D);
    ls_fs_layer_put(fs[1], "/usr/lib/new.so", LS_FS_FILE, NEW);
    ls_fs_layer_put(fs[2], "/usr/bin/ls", LS_FS_FILE, LS_A);
    ls_fs_layer_put(fs[2], "/usr/bin/tool", LS_FS_FILE, TOOL_1);
    put_db(2, "/var/lib/dpkg/info/tool.md5sums", SUMS_T1, tool1);
    for (int i = 0; i < 3; i++)
        v[i] = (ls_vendor_layer){.findings = &fl[i], .evidence = &ev[i], .errors = &el[i], .index = i};
    CHECK_INT(ls_vendor_resolve(v, fs, 3, r, &rehash, &err), 0);
    CHECK_INT(fl[0].n + fl[2].n, 0);
    CHECK_INT(fl[1].n, 2);
    for (size_t k = 0; k < fl[1].n; k++) {
        const ls_finding *f = &fl[1].items[k];
        char want[256], got[33];
        CHECK_STR(ls_ruleset_get(rs, f->rule)->id, "package-file-modified");
        CHECK_INT(f->layer, 1);
        CHECK_INT(f->source, LS_SOURCE_FILE);
        if (strcmp(f->path, "/usr/bin/ls") == 0) {
            md5_hex("#!/bin/sh\nevil\n", got);
            snprintf(want, sizeof want, "coreutils: recorded md5 %.32s, actual md5 %s", sums, got);
            CHECK_STR(f->secret, want);
            CHECK_INT(f->confidence, LS_CONF_HIGH);
            CHECK_INT(fl[1].content[k].lo, LS_B.lo);
        } else {
            CHECK_STR(f->path, "/etc/x.conf");
            md5_hex("a=2\n", got);
            snprintf(want, sizeof want, "cfg: recorded md5 %s, actual md5 %s", md5c, got);
            CHECK_STR(f->secret, want);
            CHECK_INT(f->confidence, LS_CONF_LOW);
        }
    }
    /* one read per layer, only the files a package owns and the layer did not update */
    /* (a layer's files come in its path table's order) */
    CHECK(strcmp(rehashed, "1:/etc/x.conf 1:/usr/bin/ls 2:/usr/bin/ls ") == 0 ||
          strcmp(rehashed, "1:/usr/bin/ls 1:/etc/x.conf 2:/usr/bin/ls ") == 0);

    /* the second read failed: nothing is claimed */
    for (int i = 0; i < N; i++) {
        ls_finding_list_free(&fl[i]);
        ls_vendor_evidence_free(&ev[i]);
    }
    put_db(0, "/var/lib/dpkg/info/coreutils.md5sums", SUMS_CU, sums);
    rehashed[0] = '\0';
    rehash_fails = true;
    CHECK_INT(ls_vendor_resolve(v, fs, 2, r, &rehash, &err), 0);
    CHECK_INT(fl[1].n, 0);
    CHECK_STR(rehashed, "1:/usr/bin/ls ");

    /* without the rule (--checks secret), no read at all */
    CHECK_INT(ls_ruleset_disable(rs, "package-file-modified"), 0);
    rehashed[0] = '\0';
    CHECK_INT(ls_vendor_resolve(v, fs, 2, r, &rehash, &err), 0);
    CHECK_STR(rehashed, "");
    ls_ruleset_free(rs);
    free_report(r);
}

int main(void)
{
    test_dpkg_layers();
    test_malformed_db();
    test_pyc();
    test_third_party();
    test_rewrites();
    reset();
    for (int i = 0; i < N; i++)
        ls_fs_layer_free(fs[i]);
    CHECK_DONE();
}
