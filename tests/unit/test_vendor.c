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
    CHECK_INT(ls_vendor_resolve(v, fs, (size_t)n, r, &err), 0);
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

int main(void)
{
    test_dpkg_layers();
    test_malformed_db();
    test_pyc();
    test_third_party();
    reset();
    for (int i = 0; i < N; i++)
        ls_fs_layer_free(fs[i]);
    CHECK_DONE();
}
