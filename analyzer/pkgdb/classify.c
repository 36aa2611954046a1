/*
 * classify.c - which files of a layer are package databases, by path alone:
 * the entry callback asks for every regular file, so this is a handful of
 * string comparisons and never an allocation.
 */
#include "pkgdb/pkgdb.h"

#include <string.h>

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

ls_pkgdb_kind ls_pkgdb_classify(const char *path)
{
    static const char dpkg_info[] = "/var/lib/dpkg/info/";
    size_t n = strlen(path);
    if (strcmp(path, "/var/lib/dpkg/status") == 0)
        return LS_PKGDB_DPKG_STATUS;
    if (strncmp(path, dpkg_info, sizeof dpkg_info - 1) == 0 && ends_with(path, n, ".md5sums") &&
        !strchr(path + sizeof dpkg_info - 1, '/'))
        return LS_PKGDB_DPKG_MD5SUMS;
    if (strcmp(path, "/lib/apk/db/installed") == 0 || strcmp(path, "/usr/lib/apk/db/installed") == 0)
        return LS_PKGDB_APK;
    if (strcmp(path, "/var/lib/rpm/rpmdb.sqlite") == 0 || strcmp(path, "/usr/lib/sysimage/rpm/rpmdb.sqlite") == 0)
        return LS_PKGDB_RPM_SQLITE;
    if (strcmp(path, "/var/lib/rpm/Packages") == 0 || strcmp(path, "/usr/lib/sysimage/rpm/Packages") == 0)
        return LS_PKGDB_RPM_BDB;
    if (ends_with(path, n, ".dist-info/RECORD")) {
        /* the RECORD sits directly in the dist-info directory */
        const char *slash = path + n - sizeof "/RECORD" + 1;
        const char *start = slash;
        while (start > path && start[-1] != '/')
            start--;
        if (slash - start > (long)sizeof ".dist-info" - 1)
            return LS_PKGDB_PY_RECORD;
    }
    return LS_PKGDB_NONE;
}

const char *ls_pkgdb_manager(ls_pkgdb_kind kind)
{
    switch (kind) {
    case LS_PKGDB_DPKG_STATUS:
    case LS_PKGDB_DPKG_MD5SUMS:
        return "dpkg";
    case LS_PKGDB_APK:
        return "apk";
    case LS_PKGDB_RPM_SQLITE:
    case LS_PKGDB_RPM_BDB:
        return "rpm";
    case LS_PKGDB_PY_RECORD:
        return "python";
    default:
        return "none";
    }
}

const char *ls_digest_algo_name(ls_digest_algo algo)
{
    switch (algo) {
    case LS_DIGEST_MD5: return "md5";
    case LS_DIGEST_SHA1: return "sha1";
    case LS_DIGEST_SHA256: return "sha256";
    case LS_DIGEST_SHA512: return "sha512";
    default: return "none";
    }
}
