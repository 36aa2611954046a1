/*
 * test_pkgdb.c - the package database parsers (analyzer/pkgdb) on samples
 * written from each format's documentation: dpkg's status (dpkg-query(1),
 * deb-control(5)) and md5sums (deb-md5sums(5)), apk's installed database
 * (apk-tools' FDB format), rpm's sqlite database with header blobs built
 * here byte by byte (rpm's header format), and PEP 376/627 RECORD files.
 * Every record is asserted exactly, and every hostile input gives its exact
 * error. The digests are of the empty string (md5 d41d8cd9..., sha1
 * da39a3ee..., sha256 e3b0c442..., sha512 cf83e135...).
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pkgdb/pkgdb.h"

#define MD5_E "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1_E "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define SHA256_E "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA512_E                                                                                     \
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f" \
    "63b931bd47417a81a538327af927da3e"
#define SHA256_B64URL "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
#define SHA512_B64URL "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg_SpIdNs6c5H0NE8XYXysP-DGNKHfuwvY7kxvUdBeoGlODJ6-SfaPg"

/* Every record as one "path|package|version|algo|hex\n" line. */
typedef struct {
    char text[16384];
    size_t n;
    int stop_after; /* nonzero: return 7 after this many records */
    int count;
} recorder;

static void put(recorder *r, const char *s)
{
    size_t k = strlen(s);
    if (r->n + k < sizeof r->text) {
        memcpy(r->text + r->n, s, k);
        r->n += k;
        r->text[r->n] = '\0';
    }
}

static int on_file(void *ctx, const ls_pkg_file *f)
{
    recorder *r = ctx;
    char hex[2 * LS_PKG_DIGEST_MAX + 1] = "";
    for (size_t i = 0; i < f->digest_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", f->digest[i]);
    put(r, f->path);
    put(r, "|");
    put(r, f->package);
    put(r, "|");
    put(r, f->version ? f->version : "(null)");
    put(r, "|");
    put(r, ls_digest_algo_name(f->algo));
    put(r, "|");
    put(r, hex);
    put(r, "\n");
    r->count++;
    return r->stop_after && r->count >= r->stop_after ? 7 : 0;
}

static int on_package(void *ctx, const ls_pkg_version *p)
{
    recorder *r = ctx;
    put(r, p->package);
    put(r, "|");
    put(r, p->arch ? p->arch : "(null)");
    put(r, "|");
    put(r, p->version);
    put(r, "\n");
    r->count++;
    return 0;
}

/* Parses and returns rc; records in r, the error in err. */
static int run(ls_pkgdb_kind kind, const char *path, const void *b, size_t n, recorder *r, ls_error *err)
{
    ls_pkgdb_visitor v = {.file = on_file, .package = on_package, .ctx = r};
    r->n = 0;
    r->text[0] = '\0';
    r->count = 0;
    ls_error_clear(err);
    return ls_pkgdb_parse(kind, path, b, n, &v, err);
}

#define RUN_S(kind, path, s) run(kind, path, s, strlen(s), &r, &err)

/* Expects a clean parse with exactly these records. */
#define EXPECT_OK(kind, path, s, want)                                                               \
    do {                                                                                             \
        CHECK_INT(RUN_S(kind, path, s), 0);                                                          \
        CHECK_STR(err.msg, "");                                                                      \
        CHECK_STR(r.text, want);                                                                     \
    } while (0)

#define EXPECT_ERR(kind, path, s, want_code, want_msg)                                               \
    do {                                                                                             \
        CHECK_INT(RUN_S(kind, path, s), -1);                                                         \
        CHECK_INT(err.code, want_code);                                                              \
        CHECK_STR(err.msg, want_msg);                                                                \
    } while (0)

static recorder r;
static ls_error err;

static void test_dpkg_status(void)
{
    const char *st = "/var/lib/dpkg/status";
    static const char status[] =
        "Package: libgnutls30\n"
        "Status: install ok installed\n"
        "Priority: optional\n"
        "Section: libs\n"
        "Installed-Size: 3417\n"
        "Maintainer: Debian GnuTLS Maintainers <pkg-gnutls-maint@lists.alioth.debian.org>\n"
        "Architecture: amd64\n"
        "Multi-Arch: same\n"
        "Source: gnutls28\n"
        "Version: 3.7.9-2+deb12u3\n"
        "Depends: libc6 (>= 2.34), libgmp10 (>= 2:6.2.1+dfsg1)\n"
        "Description: GNU TLS library - main runtime library\n"
        " GnuTLS is a portable library which implements the Transport Layer\n"
        " .\n"
        " This package contains the main runtime library.\n"
        "Homepage: https://www.gnutls.org/\n"
        "\n"
        "Package: oldpkg\n"
        "Status: deinstall ok config-files\n"
        "Architecture: all\n"
        "Version: 1.0\n"
        "Conffiles:\n"
        " /etc/oldpkg.conf 0123456789abcdef0123456789abcdef\n"
        "\n"
        "package: held\n"
        "status:  hold  ok  installed \n"
        "architecture: all\n"
        "version:\t1:2.0-1\t\n"
        "\n"
        "\n"
        "Package: half\n"
        "Status: install reinstreq half-installed\n"
        "Version: 2\n"
        "\n"
        "Package: noarch\n"
        "Status: install ok installed\n"
        "Version: 0.1";
    EXPECT_OK(LS_PKGDB_DPKG_STATUS, st, status,
              "libgnutls30|amd64|3.7.9-2+deb12u3\n"
              "held|all|1:2.0-1\n"
              "noarch|(null)|0.1\n");
    EXPECT_OK(LS_PKGDB_DPKG_STATUS, st, "", "");
    EXPECT_OK(LS_PKGDB_DPKG_STATUS, st, "\n\n\n", "");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, "Package: a\nStatus install ok installed\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/status: line 2: not a \"Field: value\" line");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, "Package: a\n\n continued\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/status: line 3: continuation line before any field");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, "Package: a\nVersion: 1\nPackage: b\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/status: line 3: Package given twice in one stanza");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, "\nPackage: a\nStatus: install ok installed\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/status: line 2: installed package without Version");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, "Status: install ok installed\nVersion: 1\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/status: line 1: installed package without Package");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, "Package: a\nStatus: installed\nVersion: 1\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/status: line 1: Status is not \"WANT FLAG STATUS\"");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, "Package: a b\nStatus: install ok installed\nVersion: 1\n",
               LS_ERR_FORMAT, "/var/lib/dpkg/status: line 1: blank inside a Package, Version or Architecture");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, "Package: a\x1b[31m\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/status: line 1: control byte in Package");
    /* records before the malformed one are already visited */
    CHECK_INT(RUN_S(LS_PKGDB_DPKG_STATUS, st,
                    "Package: a\nStatus: install ok installed\nVersion: 1\n\nbroken\n"), -1);
    CHECK_STR(r.text, "a|(null)|1\n");
    CHECK_STR(err.msg, "/var/lib/dpkg/status: line 5: not a \"Field: value\" line");
    {
        /* a line over 64 KiB */
        size_t n = 70000;
        char *big = malloc(n + 1);
        memcpy(big, "Description: ", 13);
        memset(big + 13, 'x', n - 13);
        big[n] = '\0';
        EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st, big, LS_ERR_FORMAT,
                   "/var/lib/dpkg/status: line 1: longer than 65536 bytes");
        free(big);
    }
}

/* Conffiles of installed packages are file records (dpkg keeps their md5
 * nowhere else); obsolete, remove-on-upgrade and newconffile ones are not. */
static void test_dpkg_conffiles(void)
{
    const char *st = "/var/lib/dpkg/status";
    EXPECT_OK(LS_PKGDB_DPKG_STATUS, st,
              "Package: openssh-server\n"
              "Status: install ok installed\n"
              "Architecture: amd64\n"
              "Conffiles:\n"
              " /etc/default/ssh 500e3cf069fe9a7b9936108eb9d9c035\n"
              " /etc/ssh/moduli " MD5_E " obsolete\n"
              " /etc/ssh/sshd_config.d/x.conf newconffile\n"
              " /etc/init.d/../ssh/ssh_config 0123456789ABCDEF0123456789abcdef remove-on-upgrade\n"
              "\t/etc/pam.d/sshd  " MD5_E "\n"
              "Version: 1:9.2p1-2+deb12u3\n"
              "Description: secure shell (SSH) server\n"
              " more\n"
              "\n"
              "Package: gone\n"
              "Status: deinstall ok config-files\n"
              "Version: 1\n"
              "Conffiles:\n"
              " /etc/gone.conf " MD5_E "\n",
              "openssh-server|amd64|1:9.2p1-2+deb12u3\n"
              "/etc/default/ssh|openssh-server|1:9.2p1-2+deb12u3|md5|500e3cf069fe9a7b9936108eb9d9c035\n"
              "/etc/pam.d/sshd|openssh-server|1:9.2p1-2+deb12u3|md5|" MD5_E "\n");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st,
               "Package: a\nStatus: install ok installed\nVersion: 1\nConffiles:\n /etc/a.conf nothex\n",
               LS_ERR_FORMAT, "/var/lib/dpkg/status: line 5: not a \"/PATH MD5\" conffile line");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st,
               "Package: a\nStatus: install ok installed\nVersion: 1\nConffiles:\n etc/a.conf " MD5_E "\n",
               LS_ERR_FORMAT, "/var/lib/dpkg/status: line 5: not a \"/PATH MD5\" conffile line");
    EXPECT_ERR(LS_PKGDB_DPKG_STATUS, st,
               "Package: a\nStatus: install ok installed\nConffiles:\n /etc/a " MD5_E "\nVersion: 1\n"
               "Conffiles:\n /etc/b " MD5_E "\n",
               LS_ERR_FORMAT, "/var/lib/dpkg/status: line 6: Conffiles given twice in one stanza");
    /* a path climbing above / names no file of the image: skipped */
    EXPECT_OK(LS_PKGDB_DPKG_STATUS, st,
              "Package: a\nStatus: install ok installed\nVersion: 1\nConffiles:\n /../../x " MD5_E "\n",
              "a|(null)|1\n");
}

static void test_dpkg_md5sums(void)
{
    const char *p = "/var/lib/dpkg/info/libgnutls30:amd64.md5sums";
    static const char sums[] =
        MD5_E "  usr/lib/x86_64-linux-gnu/libgnutls.so.30.34.3\n"
        "0123456789ABCDEF0123456789abcdef  usr/share/doc/libgnutls30/file with  spaces.txt\n"
        "\n"
        MD5_E "  usr//share/./doc/../doc/x\n"
        MD5_E "  ../../etc/shadow\n"
        MD5_E " *usr/bin/binary-marker";
    EXPECT_OK(LS_PKGDB_DPKG_MD5SUMS, p, sums,
              "/usr/lib/x86_64-linux-gnu/libgnutls.so.30.34.3|libgnutls30|(null)|md5|" MD5_E "\n"
              "/usr/share/doc/libgnutls30/file with  spaces.txt|libgnutls30|(null)|md5|"
              "0123456789abcdef0123456789abcdef\n"
              "/usr/share/doc/x|libgnutls30|(null)|md5|" MD5_E "\n"
              "/usr/bin/binary-marker|libgnutls30|(null)|md5|" MD5_E "\n");
    EXPECT_OK(LS_PKGDB_DPKG_MD5SUMS, "/var/lib/dpkg/info/base-files.md5sums", MD5_E "  etc/issue\n",
              "/etc/issue|base-files|(null)|md5|" MD5_E "\n");
    EXPECT_OK(LS_PKGDB_DPKG_MD5SUMS, p, "", "");
    /* a record naming a file above "/" is skipped, also as the last one: the parse still ends in 0 */
    EXPECT_OK(LS_PKGDB_DPKG_MD5SUMS, "/var/lib/dpkg/info/base-files.md5sums",
              MD5_E "  etc/issue\n" MD5_E "  ../../../../escape\n", "/etc/issue|base-files|(null)|md5|" MD5_E "\n");
    EXPECT_OK(LS_PKGDB_PY_RECORD, "/site/a-1.dist-info/RECORD", "../../../../../escape,,\n", "");
    /* truncated in the middle of a digest */
    EXPECT_ERR(LS_PKGDB_DPKG_MD5SUMS, p, MD5_E "  etc/a\nd41d8cd98f", LS_ERR_FORMAT,
               "/var/lib/dpkg/info/libgnutls30:amd64.md5sums: line 2: not a \"MD5  PATH\" line");
    EXPECT_ERR(LS_PKGDB_DPKG_MD5SUMS, p, "d41d8cd98f00b204e9800998ecf8427g  etc/x\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/info/libgnutls30:amd64.md5sums: line 1: bad md5 digest");
    EXPECT_ERR(LS_PKGDB_DPKG_MD5SUMS, p, MD5_E " etc/x\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/info/libgnutls30:amd64.md5sums: line 1: not a \"MD5  PATH\" line");
    EXPECT_ERR(LS_PKGDB_DPKG_MD5SUMS, p, SHA1_E "  etc/x\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/info/libgnutls30:amd64.md5sums: line 1: not a \"MD5  PATH\" line");
    EXPECT_ERR(LS_PKGDB_DPKG_MD5SUMS, p, MD5_E "  \n", LS_ERR_FORMAT,
               "/var/lib/dpkg/info/libgnutls30:amd64.md5sums: line 1: not a \"MD5  PATH\" line");
    EXPECT_ERR(LS_PKGDB_DPKG_MD5SUMS, p, MD5_E "  etc/a\n" MD5_E "  etc/\x1b[2Jx\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/info/libgnutls30:amd64.md5sums: line 2: control byte in path");
    EXPECT_ERR(LS_PKGDB_DPKG_MD5SUMS, p, MD5_E "  etc/crlf\r\n", LS_ERR_FORMAT,
               "/var/lib/dpkg/info/libgnutls30:amd64.md5sums: line 1: control byte in path");
    {
        static const char nul[] = MD5_E "  etc/a\0b\n";
        CHECK_INT(run(LS_PKGDB_DPKG_MD5SUMS, p, nul, sizeof nul - 1, &r, &err), -1);
        CHECK_STR(err.msg, "/var/lib/dpkg/info/libgnutls30:amd64.md5sums: line 1: control byte in path");
    }
    /* the visitor's nonzero return stops the parse and is returned */
    r.stop_after = 1;
    CHECK_INT(RUN_S(LS_PKGDB_DPKG_MD5SUMS, p, sums), 7);
    CHECK_INT(r.count, 1);
    CHECK_INT(err.code, LS_OK);
    r.stop_after = 0;
}

static void test_apk(void)
{
    const char *p = "/lib/apk/db/installed";
    static const char db[] =
        "C:Q1ZCLfGsX3/G5+1E1NwbjJ26DORoo=\n"
        "P:musl\n"
        "V:1.2.4-r2\n"
        "A:x86_64\n"
        "S:383152\n"
        "I:622592\n"
        "T:the musl c library (libc) implementation\n"
        "o:musl\n"
        "F:lib\n"
        "R:ld-musl-x86_64.so.1\n"
        "a:0:0:755\n"
        "Z:Q12jmj7l5rSw0yVb/vlWAYkK/YBwk=\n"
        "R:libc.musl-x86_64.so.1\n"
        "Z:X1" SHA1_E "\n"
        "F:usr/lib\n"
        "M:0:0:755\n"
        "R:no-checksum\n"
        "\n"
        "P:busybox\n"
        "V:1.36.1-r5\n"
        "F:\n"
        "R:at-root\n"
        "Z:" MD5_E "\n"
        "F:bin\n"
        "R:sha256file\n"
        "Z:Q247DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
        "R:X2hex\n"
        "Z:X2" SHA256_E "\n"
        "R:../../../escape\n"
        "Z:Q12jmj7l5rSw0yVb/vlWAYkK/YBwk=\n"
        "\n"
        "P:truncated-sha256\n"
        "V:1\n"
        "f:S\n"
        "F:etc\n"
        "R:x\n"
        "Z:Q12jmj7l5rSw0yVb/vlWAYkK/YBwk=\n";
    EXPECT_OK(LS_PKGDB_APK, p, db,
              "/lib/ld-musl-x86_64.so.1|musl|1.2.4-r2|sha1|" SHA1_E "\n"
              "/lib/libc.musl-x86_64.so.1|musl|1.2.4-r2|sha1|" SHA1_E "\n"
              "/usr/lib/no-checksum|musl|1.2.4-r2|none|\n"
              "/at-root|busybox|1.36.1-r5|md5|" MD5_E "\n"
              "/bin/sha256file|busybox|1.36.1-r5|sha256|" SHA256_E "\n"
              "/bin/X2hex|busybox|1.36.1-r5|sha256|" SHA256_E "\n"
              "/etc/x|truncated-sha256|1|none|\n");
    EXPECT_OK(LS_PKGDB_APK, p, "", "");
    /* truncated in the middle of a checksum */
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nV:1\nF:x\nR:y\nZ:Q12jmj7l5r", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 5: bad checksum");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nV:1\nF:x\nR:y\nZ:Q1abc\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 5: bad checksum");
    /* unpadded base64: apk always pads */
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nV:1\nF:x\nR:y\nZ:Q12jmj7l5rSw0yVb/vlWAYkK/YBwk\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 5: bad checksum");
    /* an MD5's worth of bytes behind a SHA-1 prefix */
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nV:1\nF:x\nR:y\nZ:Q11B2M2Y8AsgTpgAmY7PhCfg==\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 5: bad checksum");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nV:1\nF:x\nR:y\nZ:Q3AAAA\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 5: bad checksum");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nV:1\nF:x\nR:y\nZ:" MD5_E "00\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 5: bad checksum");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nV:1\nR:y\n", LS_ERR_FORMAT, "/lib/apk/db/installed: line 3: R: before F:");
    EXPECT_ERR(LS_PKGDB_APK, p, "V:1\nF:x\n", LS_ERR_FORMAT, "/lib/apk/db/installed: line 2: F: before P:");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nF:x\nZ:" MD5_E "\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 3: Z: before R:");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nF:x\nR:y\nZ:" MD5_E "\nZ:" MD5_E "\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 5: Z: given twice for one file");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nP:b\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 2: P: given twice in one stanza");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nbroken line\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 2: not a \"K:value\" line");
    EXPECT_ERR(LS_PKGDB_APK, p, "P:a\nF:x\nR:y\x7f\n", LS_ERR_FORMAT,
               "/lib/apk/db/installed: line 3: control byte in path");
    /* a P: without V: reports a NULL version; the stanza separator resets P: */
    EXPECT_OK(LS_PKGDB_APK, p, "P:a\nF:x\nR:y\n\nP:b\nV:2\nF:z\nR:w\n",
              "/x/y|a|(null)|none|\n/z/w|b|2|none|\n");
}

static void test_py_record(void)
{
    const char *p = "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD";
    static const char rec[] =
        "boto3/__init__.py,sha256=" SHA256_B64URL ",0\n"
        "\"boto3/with,comma \"\"q\"\".py\",sha256=" SHA256_B64URL ",0\n"
        "\"boto3/quoted.py\",\"sha256=" SHA256_B64URL "\",\"0\"\n"
        "boto3-1.26.27.dist-info/RECORD,,\n"
        "boto3/__pycache__/x.cpython-311.pyc,,\n"
        "../../../bin/boto3-tool,sha256=" SHA256_B64URL ",12\r\n"
        "../../../../../../etc/escape,sha256=" SHA256_B64URL ",1\n"
        "/opt/abs/./file,sha512=" SHA512_B64URL ",0\n"
        "boto3/padded.py,sha256=" SHA256_B64URL "=,0\n"
        "boto3/lit\"quote.py,blake2b=anything-at-all,1\n"
        "\n";
    EXPECT_OK(LS_PKGDB_PY_RECORD, p, rec,
              "/usr/lib/python3/dist-packages/boto3/__init__.py|boto3|1.26.27|sha256|" SHA256_E "\n"
              "/usr/lib/python3/dist-packages/boto3/with,comma \"q\".py|boto3|1.26.27|sha256|" SHA256_E "\n"
              "/usr/lib/python3/dist-packages/boto3/quoted.py|boto3|1.26.27|sha256|" SHA256_E "\n"
              "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD|boto3|1.26.27|none|\n"
              "/usr/lib/python3/dist-packages/boto3/__pycache__/x.cpython-311.pyc|boto3|1.26.27|none|\n"
              "/usr/bin/boto3-tool|boto3|1.26.27|sha256|" SHA256_E "\n"
              "/opt/abs/file|boto3|1.26.27|sha512|" SHA512_E "\n"
              "/usr/lib/python3/dist-packages/boto3/padded.py|boto3|1.26.27|sha256|" SHA256_E "\n"
              "/usr/lib/python3/dist-packages/boto3/lit\"quote.py|boto3|1.26.27|none|\n");
    /* Debian's python3 packages write hex digests (blinker-1.5.dist-info/RECORD in python3-blinker) */
    EXPECT_OK(LS_PKGDB_PY_RECORD, "/usr/lib/python3/dist-packages/blinker-1.5.dist-info/RECORD",
              "blinker/__init__.py,sha256=" SHA256_E ",0\n",
              "/usr/lib/python3/dist-packages/blinker/__init__.py|blinker|1.5|sha256|" SHA256_E "\n");
    /* 64 characters that are not all hex: not a digest in either form */
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g,1\n",
               LS_ERR_FORMAT, "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: bad sha256 digest");
    EXPECT_OK(LS_PKGDB_PY_RECORD, "/site/python_dateutil-2.8.2.dist-info/RECORD", "dateutil/a.py,,\n",
              "/site/dateutil/a.py|python_dateutil|2.8.2|none|\n");
    EXPECT_OK(LS_PKGDB_PY_RECORD, "/site/noversion.dist-info/RECORD", "a.py,,\n",
              "/site/a.py|noversion|(null)|none|\n");
    EXPECT_OK(LS_PKGDB_PY_RECORD, p, "", "");
    /* truncated in the middle of a digest */
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,sha256=47DEQpj8HBSa-_TImW", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: not a \"path,hash,size\" line");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,sha256=47DEQpj8HBSa-_TImW,1", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: bad sha256 digest");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "\"a\"b,sha256=" SHA256_B64URL ",1\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: text after a closing quote");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,,\n\"abc,sha256=x,1\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 2: unterminated quote");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,sha256=AAAA,1\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: bad sha256 digest");
    /* the standard alphabet's '+' and '/' are not urlsafe base64 */
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU,1\n",
               LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: bad sha256 digest");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,sha256=" SHA256_B64URL ",1,extra\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: not a \"path,hash,size\" line");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,sha256=" SHA256_B64URL "\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: not a \"path,hash,size\" line");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,nohash,1\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: bad hash (not ALGORITHM=DIGEST)");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "a,,1x\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: bad size");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, ",,1\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: empty path");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "\"a\nb\",,1\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: unterminated quote");
    EXPECT_ERR(LS_PKGDB_PY_RECORD, p, "\"a\tb\",,1\n", LS_ERR_FORMAT,
               "/usr/lib/python3/dist-packages/boto3-1.26.27.dist-info/RECORD: line 1: control byte in path");
}

/* ---- rpm: header blobs built by hand, stored in a real sqlite database */

typedef struct {
    unsigned char index[64 * 16];
    unsigned char data[8192];
    uint32_t il, dl;
} hdr;

static void be32put(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void hdr_entry(hdr *h, uint32_t tag, uint32_t type, uint32_t offset, uint32_t count)
{
    unsigned char *e = h->index + 16 * h->il++;
    be32put(e, tag);
    be32put(e + 4, type);
    be32put(e + 8, offset);
    be32put(e + 12, count);
}

/* Appends strings (count of them, NUL-separated in s of n bytes). */
static void hdr_strings(hdr *h, uint32_t tag, uint32_t type, const char *s, size_t n, uint32_t count)
{
    hdr_entry(h, tag, type, h->dl, count);
    memcpy(h->data + h->dl, s, n);
    h->dl += (uint32_t)n;
}

static void hdr_int32(hdr *h, uint32_t tag, const uint32_t *v, uint32_t count)
{
    while (h->dl % 4)
        h->data[h->dl++] = 0;
    hdr_entry(h, tag, 4, h->dl, count);
    for (uint32_t i = 0; i < count; i++, h->dl += 4)
        be32put(h->data + h->dl, v[i]);
}

static size_t hdr_blob(const hdr *h, unsigned char *out)
{
    be32put(out, h->il);
    be32put(out + 4, h->dl);
    memcpy(out + 8, h->index, 16 * (size_t)h->il);
    memcpy(out + 8 + 16 * (size_t)h->il, h->data, h->dl);
    return 8 + 16 * (size_t)h->il + h->dl;
}

#define STRS(tag, type, lit, count) hdr_strings(h, tag, type, lit, sizeof lit, count)

static void hdr_nevr(hdr *h, const char *name, const char *ver, const char *rel)
{
    hdr_strings(h, 1000, 6, name, strlen(name) + 1, 1);
    hdr_strings(h, 1001, 6, ver, strlen(ver) + 1, 1);
    hdr_strings(h, 1002, 6, rel, strlen(rel) + 1, 1);
}

/* A database with one Packages row per blob, serialised: the bytes of an
 * rpmdb.sqlite. The caller frees with sqlite3_free. */
static unsigned char *make_rpmdb(const char *schema, unsigned char **blobs, size_t *lens, int n,
                                 sqlite3_int64 *size)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    unsigned char *out;
    CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &st, NULL), SQLITE_OK);
        sqlite3_bind_blob(st, 1, blobs[i], (int)lens[i], SQLITE_TRANSIENT);
        CHECK_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    out = sqlite3_serialize(db, "main", size, 0);
    sqlite3_close(db);
    return out;
}

static const char rpm_schema[] =
    "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);";

/* Parses a database holding this one header; returns rc. */
static int run_rpm_one(const hdr *h)
{
    static unsigned char blob[sizeof(hdr) + 8];
    unsigned char *blobs[1] = {blob};
    size_t lens[1];
    sqlite3_int64 size;
    unsigned char *db;
    int rc;
    lens[0] = hdr_blob(h, blob);
    db = make_rpmdb(rpm_schema, blobs, lens, 1, &size);
    rc = run(LS_PKGDB_RPM_SQLITE, "/var/lib/rpm/rpmdb.sqlite", db, (size_t)size, &r, &err);
    sqlite3_free(db);
    return rc;
}

static void test_rpm(void)
{
    static hdr h1, h2, h3, bad;
    static unsigned char b1[sizeof(hdr) + 8], b2[sizeof(hdr) + 8], b3[sizeof(hdr) + 8];
    unsigned char *blobs[3] = {b1, b2, b3};
    size_t lens[3];
    sqlite3_int64 size;
    unsigned char *db;
    const char *p = "/var/lib/rpm/rpmdb.sqlite";
    hdr *h = &h1;
    uint32_t epoch = 1, algo = 8, dirindexes[] = {0, 1, 1, 2};

    /* openssl-libs: epoch, SHA-256, a directory without digest */
    hdr_entry(h, 63, 7, 0, 16); /* a region tag first, as rpm writes (ignored) */
    h->dl = 16;
    hdr_nevr(h, "openssl-libs", "3.0.7", "27.el9");
    hdr_int32(h, 1003, &epoch, 1);
    STRS(1118, 8, "/usr/lib64/\0/etc/pki/\0/usr/share/../lib/", 3);
    STRS(1117, 8, "libssl.so.3\0tls\0cert.pem\0up", 4);
    hdr_int32(h, 1116, dirindexes, 4);
    STRS(1035, 8, SHA256_E "\0\0" SHA256_E "\0" SHA256_E, 4);
    hdr_int32(h, 5011, &algo, 1);
    lens[0] = hdr_blob(h, b1);

    /* gpg-pubkey: no files */
    h = &h2;
    hdr_nevr(h, "gpg-pubkey", "fd431d51", "4ae0493b");
    lens[1] = hdr_blob(h, b2);

    /* an old package: no FILEDIGESTALGO (MD5), no epoch */
    h = &h3;
    hdr_nevr(h, "oldpkg", "1.0", "1");
    STRS(1118, 8, "/etc/", 1);
    STRS(1117, 8, "old.conf", 1);
    hdr_int32(h, 1116, dirindexes, 1);
    STRS(1035, 8, MD5_E, 1);
    lens[2] = hdr_blob(h, b3);

    db = make_rpmdb(rpm_schema, blobs, lens, 3, &size);
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), 0);
    CHECK_STR(err.msg, "");
    CHECK_STR(r.text, "/usr/lib64/libssl.so.3|openssl-libs|1:3.0.7-27.el9|sha256|" SHA256_E "\n"
                      "/etc/pki/tls|openssl-libs|1:3.0.7-27.el9|none|\n"
                      "/etc/pki/cert.pem|openssl-libs|1:3.0.7-27.el9|sha256|" SHA256_E "\n"
                      "/usr/lib/up|openssl-libs|1:3.0.7-27.el9|sha256|" SHA256_E "\n"
                      "/etc/old.conf|oldpkg|1.0-1|md5|" MD5_E "\n");
    /* the same bytes marked as WAL mode are read too */
    db[18] = db[19] = 2;
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), 0);
    CHECK_INT(r.count, 5);
    /* a truncated database */
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, 100, &r, &err), -1);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database: database disk image is malformed");
    sqlite3_free(db);

    /* SHA-512 and an unknown algorithm (SHA-384: listed without digest) */
    memset(&bad, 0, sizeof bad);
    h = &bad;
    algo = 10;
    hdr_nevr(h, "p", "1", "2");
    STRS(1118, 8, "/", 1);
    STRS(1117, 8, "f", 1);
    hdr_int32(h, 1116, dirindexes, 1);
    STRS(1035, 8, SHA512_E, 1);
    hdr_int32(h, 5011, &algo, 1);
    CHECK_INT(run_rpm_one(h), 0);
    CHECK_STR(r.text, "/f|p|1-2|sha512|" SHA512_E "\n");
    be32put(bad.data + bad.dl - 4, 9);
    CHECK_INT(run_rpm_one(h), 0);
    CHECK_STR(r.text, "/f|p|1-2|none|\n");
    /* a digest of the wrong length for its algorithm */
    be32put(bad.data + bad.dl - 4, 8);
    CHECK_INT(run_rpm_one(h), -1);
    CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: file 0: bad digest");

    /* hostile counts */
    {
        static const struct {
            uint32_t tag, count;
            const char *msg;
        } cases[] = {
            {1117, 0xffffffffu, "/var/lib/rpm/rpmdb.sqlite: header 1: 4294967295 files (more than 1000000)"},
            {1117, 5000, "/var/lib/rpm/rpmdb.sqlite: header 1: BASENAMES, DIRINDEXES, DIRNAMES or "
                         "FILEDIGESTS malformed or of different lengths"},
            {1118, 0xffffffffu, "/var/lib/rpm/rpmdb.sqlite: header 1: BASENAMES, DIRINDEXES, DIRNAMES or "
                                "FILEDIGESTS malformed or of different lengths"},
            {1116, 0x40000001u, "/var/lib/rpm/rpmdb.sqlite: header 1: BASENAMES, DIRINDEXES, DIRNAMES or "
                                "FILEDIGESTS malformed or of different lengths"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            hdr copy = bad;
            for (uint32_t k = 0; k < copy.il; k++)
                if (copy.index[16 * k] == 0 && copy.index[16 * k + 1] == 0 &&
                    (uint32_t)(copy.index[16 * k + 2] << 8 | copy.index[16 * k + 3]) == cases[i].tag)
                    be32put(copy.index + 16 * k + 12, cases[i].count);
            CHECK_INT(run_rpm_one(&copy), -1);
            CHECK_INT(err.code, LS_ERR_FORMAT);
            CHECK_STR(err.msg, cases[i].msg);
        }
    }
    /* a directory index out of range; an offset past the data */
    {
        hdr copy = bad;
        be32put(copy.index + 16 * 5 + 8, copy.dl); /* DIRINDEXES offset: no room */
        CHECK_INT(run_rpm_one(&copy), -1);
        CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: BASENAMES, DIRINDEXES, DIRNAMES or "
                           "FILEDIGESTS malformed or of different lengths");
        copy = bad;
        be32put(copy.data + 12, 3); /* dirindexes[0] = 3, one directory */
        CHECK_INT(run_rpm_one(&copy), 0 - 1);
        CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: file 0: directory index 3 out of 1");
        copy = bad;
        be32put(copy.index + 8, 0x7fffffff); /* NAME offset past the data */
        CHECK_INT(run_rpm_one(&copy), -1);
        CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: NAME, VERSION or RELEASE missing or malformed");
        copy = bad;
        copy.data[2] = '\0'; /* "1\0" VERSION fine; cut the NAME's own string: none */
        copy.dl = 1;         /* data: "p" without its NUL */
        copy.il = 1;
        CHECK_INT(run_rpm_one(&copy), -1);
        CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: NAME, VERSION or RELEASE missing or malformed");
    }
    /* blobs that are not headers */
    {
        static unsigned char junk[64];
        unsigned char *blobs1[1] = {junk};
        size_t lens1[1];
        be32put(junk, 0xffffff);
        be32put(junk + 4, 0);
        lens1[0] = 8;
        db = make_rpmdb(rpm_schema, blobs1, lens1, 1, &size);
        CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
        CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: index count 16777215 or data length 0 out of bounds");
        sqlite3_free(db);
        be32put(junk, 1);
        be32put(junk + 4, 4);
        lens1[0] = 64;
        db = make_rpmdb(rpm_schema, blobs1, lens1, 1, &size);
        CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
        CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: size 64 is not 8 + 16 * 1 + 4");
        sqlite3_free(db);
        lens1[0] = 3;
        db = make_rpmdb(rpm_schema, blobs1, lens1, 1, &size);
        CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
        CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: shorter than its 8-byte preamble");
        sqlite3_free(db);
    }
    /* schemas that are not rpm's */
    db = make_rpmdb("CREATE TABLE Other (x);", NULL, NULL, 0, &size);
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
    CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database: no such table: Packages");
    sqlite3_free(db);
    db = make_rpmdb("CREATE TABLE T (blob); CREATE VIEW Packages AS "
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS blob FROM c;",
                    NULL, NULL, 0, &size);
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
    CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database: no such table: main.c");
    sqlite3_free(db);
    db = make_rpmdb("CREATE TABLE T (blob); CREATE VIEW Packages AS SELECT blob FROM T;", NULL, NULL, 0, &size);
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
    CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database: access to view \"Packages\" prohibited");
    sqlite3_free(db);
    /* computed values: a generated column, a virtual table */
    db = make_rpmdb("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, n, blob AS (zeroblob(n)));"
                    "INSERT INTO Packages (n) VALUES (100000000);", NULL, NULL, 0, &size);
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
    CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database: Packages is not a plain table");
    sqlite3_free(db);
    db = make_rpmdb("CREATE VIRTUAL TABLE Packages USING fts4(blob);", NULL, NULL, 0, &size);
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
    CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database: Packages is not a plain table");
    sqlite3_free(db);
    db = make_rpmdb("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob);"
                    "INSERT INTO Packages (blob) VALUES ('text');", NULL, NULL, 0, &size);
    CHECK_INT(run(LS_PKGDB_RPM_SQLITE, p, db, (size_t)size, &r, &err), -1);
    CHECK_STR(err.msg, "/var/lib/rpm/rpmdb.sqlite: header 1: not a blob");
    sqlite3_free(db);
    /* not sqlite at all; an empty file (an empty database: no table) */
    EXPECT_ERR(LS_PKGDB_RPM_SQLITE, p, "this is not an sqlite database, just some text bytes ok",
               LS_ERR_FORMAT, "/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database: file is not a database");
    EXPECT_ERR(LS_PKGDB_RPM_SQLITE, p, "", LS_ERR_FORMAT,
               "/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database: no such table: Packages");
    /* Berkeley DB */
    EXPECT_ERR(LS_PKGDB_RPM_BDB, "/var/lib/rpm/Packages", "\0\0\0\0", LS_ERR_UNSUPPORTED,
               "/var/lib/rpm/Packages: Berkeley DB rpm database: not supported (rpm 4.16+ uses rpmdb.sqlite)");
}

static void test_dispatch(void)
{
    EXPECT_ERR(LS_PKGDB_NONE, "/etc/passwd", "x", LS_ERR_INTERNAL, "/etc/passwd: not a package database");
    /* a NULL visitor is allowed */
    CHECK_INT(ls_pkgdb_parse(LS_PKGDB_DPKG_MD5SUMS, "/var/lib/dpkg/info/a.md5sums", MD5_E "  a\n", 35, NULL,
                             &err),
              0);
}

int main(void)
{
    test_dpkg_status();
    test_dpkg_conffiles();
    test_dpkg_md5sums();
    test_apk();
    test_py_record();
    test_rpm();
    test_dispatch();
    CHECK_DONE();
}
