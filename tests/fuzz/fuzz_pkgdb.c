/*
 * fuzz_pkgdb.c - arbitrary bytes as a package database (analyzer/pkgdb):
 * the first byte picks the format (dpkg status, dpkg md5sums, apk
 * installed, rpm sqlite, rpm Berkeley DB, Python RECORD, or one rpm header
 * blob straight to the header parser, past sqlite), the rest is the file. Every database is written by whoever built the image, so beyond
 * "no crash, no leak" each record must keep the parser's promises: an
 * absolute normalised path without control bytes, a package name, a digest
 * length that is its algorithm's; every refusal names the file in one line.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pkgdb/pkgdb.h"
#include "pkgdb/textdb.h"

static const struct {
    ls_pkgdb_kind kind;
    const char *path;
} kinds[] = {
    {LS_PKGDB_DPKG_STATUS, "/var/lib/dpkg/status"},
    {LS_PKGDB_DPKG_MD5SUMS, "/var/lib/dpkg/info/libssl3:amd64.md5sums"},
    {LS_PKGDB_APK, "/lib/apk/db/installed"},
    {LS_PKGDB_RPM_SQLITE, "/var/lib/rpm/rpmdb.sqlite"},
    {LS_PKGDB_RPM_BDB, "/var/lib/rpm/Packages"},
    {LS_PKGDB_PY_RECORD, "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD"},
    {LS_PKGDB_NONE, "/var/lib/rpm/rpmdb.sqlite"}, /* one header blob */
};

static size_t algo_len(ls_digest_algo a)
{
    switch (a) {
    case LS_DIGEST_NONE: return 0;
    case LS_DIGEST_MD5: return 16;
    case LS_DIGEST_SHA1: return 20;
    case LS_DIGEST_SHA256: return 32;
    case LS_DIGEST_SHA512: return 64;
    }
    abort();
}

static void check_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            abort();
}

static int on_file(void *ctx, const ls_pkg_file *f)
{
    (void)ctx;
    if (!f->path || f->path[0] != '/' || !f->package)
        abort();
    if (strstr(f->path, "//") || strstr(f->path, "/./") || strstr(f->path, "/../"))
        abort();
    {
        size_t n = strlen(f->path);
        if (n > 1 && f->path[n - 1] == '/')
            abort();
        if ((n >= 2 && strcmp(f->path + n - 2, "/.") == 0) || (n >= 3 && strcmp(f->path + n - 3, "/..") == 0))
            abort();
    }
    check_text(f->path);
    check_text(f->package);
    if (f->version)
        check_text(f->version);
    if (f->digest_len != algo_len(f->algo))
        abort();
    return 0;
}

static int on_package(void *ctx, const ls_pkg_version *p)
{
    (void)ctx;
    if (!p->package || !p->version || !*p->package || !*p->version)
        abort();
    check_text(p->package);
    check_text(p->version);
    if (p->arch)
        check_text(p->arch);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_pkgdb_visitor v = {.file = on_file, .package = on_package};
    ls_error err = {0};
    size_t k;
    int rc;
    if (size < 1 || size > 1024 * 1024)
        return 0;
    k = data[0] % (sizeof kinds / sizeof *kinds);
    if (kinds[k].kind == LS_PKGDB_NONE)
        rc = ls_pkgdb_rpm_header(kinds[k].path, 1, data + 1, size - 1, &v, &err);
    else
        rc = ls_pkgdb_parse(kinds[k].kind, kinds[k].path, data + 1, size - 1, &v, &err);
    if (rc != 0 && rc != -1)
        abort(); /* the visitor never stops the parse here */
    if (rc == -1) {
        if (err.code != LS_ERR_FORMAT && err.code != LS_ERR_UNSUPPORTED && err.code != LS_ERR_NOMEM)
            abort();
        if (strncmp(err.msg, kinds[k].path, strlen(kinds[k].path)) != 0 || strchr(err.msg, '\n'))
            abort();
    } else if (err.code != LS_OK) {
        abort();
    }
    return 0;
}
