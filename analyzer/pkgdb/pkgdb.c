/*
 * pkgdb.c - ls_pkgdb_parse: one database file's bytes to the visitor, by
 * kind. Each format lives in its own file (dpkg.c, apk.c, rpm.c,
 * record.c); this only dispatches and refuses what is recognised but not
 * read (Berkeley DB rpm databases).
 */
#include "pkgdb/pkgdb.h"

#include "pkgdb/textdb.h"

int ls_pkgdb_parse(ls_pkgdb_kind kind, const char *path, const void *bytes, size_t len,
                   const ls_pkgdb_visitor *v, ls_error *err)
{
    static const ls_pkgdb_visitor none = {0};
    const char *b = len ? (const char *)bytes : "";
    if (!v)
        v = &none;
    switch (kind) {
    case LS_PKGDB_DPKG_STATUS:
        return ls_pkgdb_parse_dpkg_status(path, b, len, v, err);
    case LS_PKGDB_DPKG_MD5SUMS:
        return ls_pkgdb_parse_dpkg_md5sums(path, b, len, v, err);
    case LS_PKGDB_APK:
        return ls_pkgdb_parse_apk(path, b, len, v, err);
    case LS_PKGDB_RPM_SQLITE:
        return ls_pkgdb_parse_rpm_sqlite(path, (const unsigned char *)b, len, v, err);
    case LS_PKGDB_RPM_BDB:
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "%s: Berkeley DB rpm database: not supported (rpm 4.16+ uses rpmdb.sqlite)", path);
    case LS_PKGDB_PY_RECORD:
        return ls_pkgdb_parse_py_record(path, b, len, v, err);
    default:
        return ls_error_set(err, LS_ERR_INTERNAL, "%s: not a package database", path);
    }
}
