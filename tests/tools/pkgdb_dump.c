/*
 * pkgdb_dump.c - prints every record a package database holds, as
 * analyzer/pkgdb parses it, so tests can compare our reading with what the
 * real tools (dpkg, rpm, pip) installed. Never part of layerscan.
 *
 *   pkgdb_dump FILE IMAGE_PATH
 *
 * FILE is read whole; IMAGE_PATH is where it sits in the image (it picks
 * the format, as ls_pkgdb_classify does, and gives an md5sums file its
 * package and a RECORD its base directory). One line per record, fields
 * separated by one TAB, "-" for an absent value:
 *
 *   file    MANAGER PATH PACKAGE VERSION ALGO HEX     (ALGO: none md5 sha1 sha256 sha512)
 *   package MANAGER NAME ARCH VERSION                 (dpkg status: installed packages)
 *
 * Exit 0 when the whole database was read; 1 with "pkgdb_dump: MESSAGE" on
 * stderr (the parser's error, after the records visited before it); 2 for
 * usage, an unreadable FILE or an IMAGE_PATH that is no database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkgdb/pkgdb.h"

static int on_file(void *ctx, const ls_pkg_file *f)
{
    const char *manager = ctx;
    printf("file\t%s\t%s\t%s\t%s\t%s\t", manager, f->path, f->package, f->version ? f->version : "-",
           ls_digest_algo_name(f->algo));
    for (size_t i = 0; i < f->digest_len; i++)
        printf("%02x", f->digest[i]);
    printf("%s\n", f->digest_len ? "" : "-");
    return 0;
}

static int on_package(void *ctx, const ls_pkg_version *p)
{
    printf("package\t%s\t%s\t%s\t%s\n", (const char *)ctx, p->package, p->arch ? p->arch : "-", p->version);
    return 0;
}

int main(int argc, char **argv)
{
    FILE *fp;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    ls_pkgdb_kind kind;
    ls_pkgdb_visitor v = {.file = on_file, .package = on_package};
    ls_error err;
    if (argc != 3) {
        fprintf(stderr, "usage: pkgdb_dump FILE IMAGE_PATH\n");
        return 2;
    }
    kind = ls_pkgdb_classify(argv[2]);
    if (kind == LS_PKGDB_NONE) {
        fprintf(stderr, "pkgdb_dump: %s: not a package database path\n", argv[2]);
        return 2;
    }
    v.ctx = (void *)ls_pkgdb_manager(kind);
    fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 2;
    }
    do {
        if (len == cap) {
            char *n = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!n) {
                fprintf(stderr, "pkgdb_dump: out of memory\n");
                return 2;
            }
            buf = n;
        }
        got = fread(buf + len, 1, cap - len, fp);
        len += got;
    } while (got > 0);
    fclose(fp);
    ls_error_clear(&err);
    if (ls_pkgdb_parse(kind, argv[2], buf, len, &v, &err) != 0) {
        fflush(stdout);
        fprintf(stderr, "pkgdb_dump: %s\n", err.msg);
        free(buf);
        return 1;
    }
    free(buf);
    return 0;
}
