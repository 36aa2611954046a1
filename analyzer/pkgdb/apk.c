/*
 * apk.c - Alpine's installed database, /lib/apk/db/installed (apk-tools'
 * "FDB" text format, as apk_db_fdb_read reads it): one stanza per
 * installed package, stanzas separated by an empty line, one "K:value" per
 * line. P: is the package, V: its version, F: a directory (relative to /),
 * R: a file in the last F:, Z: the checksum of the last R:; a: and M: (owner
 * and mode) and every other key are not needed here.
 *
 * A Z: value is "Q1" + base64 of a SHA-1 (what apk 2 writes), "Q2" + base64
 * of a SHA-256 (apk 3), "X1"/"X2" the same in hex, or 32 hex digits: an MD5
 * from before the prefix existed. A package whose f: flags hold 'S' keeps
 * SHA-256 cut to 160 bits in its Q1 values (apk's sha256_160): no algorithm
 * we hash with, so those files are reported with LS_DIGEST_NONE. An R:
 * without Z: (apk writes none for some special files) is reported with
 * LS_DIGEST_NONE too. A file is reported when the next R:, F: or the end of
 * its stanza shows its record is complete.
 */
#include <stdlib.h>
#include <string.h>

#include "pkgdb/textdb.h"

typedef struct {
    char *package;       /* P: (NUL-terminated copy), "" before it */
    char *version;       /* V: copy, NULL before it */
    bool have_package;
    bool sha256_160;     /* f: holds 'S' */
    const char *dir;     /* F: span of the buffer, NULL before it */
    size_t dir_n;
    const char *name;    /* pending R: span, NULL when none */
    size_t name_n;
    size_t name_line;
    ls_digest_algo algo; /* pending Z:, LS_DIGEST_NONE before it */
    bool have_z;
    unsigned char digest[LS_PKG_DIGEST_MAX];
    char *out;           /* path buffer, LS_PKGDB_PATH_MAX + 1 bytes */
} apk_state;

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Decodes a Z: value; false when malformed. */
static bool pull_checksum(const char *s, size_t n, bool sha256_160, ls_digest_algo *algo,
                          unsigned char *digest)
{
    size_t want;
    if (n > 0 && is_hex(s[0])) {
        *algo = LS_DIGEST_MD5;
        return n == 32 && ls_pkgdb_unhex(s, 32, digest);
    }
    if (n < 2 || (s[0] != 'Q' && s[0] != 'X') || (s[1] != '1' && s[1] != '2'))
        return false;
    *algo = s[1] == '1' ? LS_DIGEST_SHA1 : LS_DIGEST_SHA256;
    want = ls_pkgdb_digest_len(*algo);
    if (s[0] == 'X') {
        if (n - 2 != 2 * want || !ls_pkgdb_unhex(s + 2, n - 2, digest))
            return false;
    } else if (ls_pkgdb_unbase64(s + 2, n - 2, false, true, digest, LS_PKG_DIGEST_MAX) != (long)want) {
        return false;
    }
    if (sha256_160 && *algo == LS_DIGEST_SHA1)
        *algo = LS_DIGEST_NONE;
    return true;
}

/* Reports the pending R: if any; returns 0, the visitor's nonzero or -1. */
static int flush_file(const char *path, apk_state *st, const ls_pkgdb_visitor *v, ls_error *err)
{
    ls_pkg_file f = {0};
    long plen;
    int rc = 0;
    if (!st->name)
        return 0;
    plen = ls_pkgdb_join(st->dir, st->dir_n, st->name, st->name_n, st->out, LS_PKGDB_PATH_MAX + 1);
    if (plen == LS_PATH_CONTROL)
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: control byte in path", path, st->name_line);
    else if (plen == LS_PATH_TOOLONG)
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: path too long", path, st->name_line);
    else if (plen >= 0) {
        f.path = st->out;
        f.package = st->package;
        f.version = st->version;
        f.algo = st->have_z ? st->algo : LS_DIGEST_NONE;
        f.digest_len = ls_pkgdb_digest_len(f.algo);
        memcpy(f.digest, st->digest, f.digest_len);
        if (v->file)
            rc = v->file(v->ctx, &f);
    } /* else: climbs above "/", names no file of the image */
    st->name = NULL;
    st->have_z = false;
    return rc;
}

static void reset_stanza(apk_state *st)
{
    st->package[0] = '\0';
    st->version = NULL;
    st->have_package = false;
    st->sha256_160 = false;
    st->dir = NULL;
    st->name = NULL;
    st->have_z = false;
}

int ls_pkgdb_parse_apk(const char *path, const char *b, size_t len, const ls_pkgdb_visitor *v,
                       ls_error *err)
{
    ls_lines it;
    apk_state st = {0};
    const char *line;
    size_t n;
    int r, rc = 0;
    char *scratch = malloc(2 * (LS_PKGDB_LINE_MAX + 1) + LS_PKGDB_PATH_MAX + 1);
    if (!scratch)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    st.package = scratch;
    st.out = scratch + 2 * (LS_PKGDB_LINE_MAX + 1);
    reset_stanza(&st);
    ls_lines_init(&it, b, len);
    while ((r = ls_lines_next(&it, &line, &n)) != 0) {
        const char *val;
        size_t vn;
        if (r < 0) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: longer than %d bytes", path, it.lineno,
                              LS_PKGDB_LINE_MAX);
            goto out;
        }
        if (n == 0) {
            if ((rc = flush_file(path, &st, v, err)) != 0)
                goto out;
            reset_stanza(&st);
            continue;
        }
        if (n < 2 || line[1] != ':') {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: not a \"K:value\" line", path, it.lineno);
            goto out;
        }
        val = line + 2;
        vn = n - 2;
        switch (line[0]) {
        case 'P':
        case 'V': {
            char *dst = line[0] == 'P' ? st.package : scratch + LS_PKGDB_LINE_MAX + 1;
            if ((line[0] == 'P' && st.have_package) || (line[0] == 'V' && st.version)) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: %c: given twice in one stanza", path,
                                  it.lineno, line[0]);
                goto out;
            }
            if (ls_pkgdb_has_control(val, vn)) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: control byte in %c:", path, it.lineno,
                                  line[0]);
                goto out;
            }
            memcpy(dst, val, vn);
            dst[vn] = '\0';
            if (line[0] == 'P')
                st.have_package = true;
            else
                st.version = dst;
            break;
        }
        case 'f':
            if (memchr(val, 'S', vn))
                st.sha256_160 = true;
            break;
        case 'F':
            if ((rc = flush_file(path, &st, v, err)) != 0)
                goto out;
            if (!st.have_package) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: F: before P:", path, it.lineno);
                goto out;
            }
            st.dir = val;
            st.dir_n = vn;
            break;
        case 'R':
            if ((rc = flush_file(path, &st, v, err)) != 0)
                goto out;
            if (!st.dir) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: R: before F:", path, it.lineno);
                goto out;
            }
            if (vn == 0) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: empty R:", path, it.lineno);
                goto out;
            }
            st.name = val;
            st.name_n = vn;
            st.name_line = it.lineno;
            break;
        case 'Z':
            if (!st.name) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: Z: before R:", path, it.lineno);
                goto out;
            }
            if (st.have_z) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: Z: given twice for one file", path,
                                  it.lineno);
                goto out;
            }
            if (!pull_checksum(val, vn, st.sha256_160, &st.algo, st.digest)) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: bad checksum", path, it.lineno);
                goto out;
            }
            st.have_z = true;
            break;
        default:
            break;
        }
    }
    rc = flush_file(path, &st, v, err);
out:
    free(scratch);
    return rc;
}
