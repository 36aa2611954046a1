/*
 * dpkg.c - dpkg's two databases: /var/lib/dpkg/status (which packages are
 * installed, at which version) and /var/lib/dpkg/info/NAME[:ARCH].md5sums
 * (the md5 of every file a package installed).
 *
 * status is deb822 (dpkg-query(1), deb-control(5)): stanzas separated by an
 * empty line, "Field: value" lines, continuation lines starting with a space
 * or a tab (Description, Conffiles). Only stanzas whose Status ends in
 * "installed" ("install ok installed", "hold ok installed") are reported;
 * "deinstall ok config-files", "half-installed" and the like are not, since
 * their files are gone or unfinished. A Package, Version or Status field
 * given twice, a field line without ':' or a continuation line before any
 * field is a malformed database.
 *
 * An installed package's Conffiles (one " /etc/x MD5" line each) are file
 * records like md5sums lines: dpkg keeps configuration files' digests only
 * there.
 *
 * md5sums (deb-md5sums(5)) is "<32 hex>  <path relative to />" per line, as
 * md5sum(1) prints it (" *" before the path, md5sum's binary marker, is
 * accepted too). The package is the file's own name. Both are read in one
 * pass over the buffer; a stanza's values are spans of it, copied into one
 * fixed scratch area only to NUL-terminate them for the visitor.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkgdb/textdb.h"

typedef struct {
    const char *s; /* NULL when the field is absent */
    size_t n;
} span;

static span trim(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return (span){s, n};
}

static bool has_space(span v)
{
    return memchr(v.s, ' ', v.n) || memchr(v.s, '\t', v.n);
}

/* The last whitespace-separated word of a Status value and the word count. */
static size_t status_words(span v, span *last)
{
    size_t words = 0, i = 0;
    while (i < v.n) {
        size_t start;
        while (i < v.n && (v.s[i] == ' ' || v.s[i] == '\t'))
            i++;
        if (i == v.n)
            break;
        start = i;
        while (i < v.n && v.s[i] != ' ' && v.s[i] != '\t')
            i++;
        words++;
        *last = (span){v.s + start, i - start};
    }
    return words;
}

typedef struct {
    span package, version, arch, status;
    span conffiles;    /* the Conffiles field's continuation lines, whole */
    size_t conffiles_line; /* line of its first one */
    bool in_conffiles; /* the last field line was "Conffiles:" */
    size_t first_line; /* line of the stanza's first field, 0 before any */
} stanza;

/* The Conffiles of an installed package: one " /path md5 [obsolete|...]"
 * per line, the md5 of the file as the package shipped it (what debsums
 * checks). Obsolete ones and "newconffile" (not yet configured) are left
 * out; a line that is neither is a malformed database. */
static int conffiles(const char *path, const stanza *st, const char *pkg, const char *ver,
                     const ls_pkgdb_visitor *v, ls_error *err)
{
    ls_lines it;
    const char *line;
    size_t n, at = st->conffiles_line;
    int r, rc = 0;
    char *out = malloc(LS_PKGDB_PATH_MAX + 1);
    if (!out)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    ls_lines_init(&it, st->conffiles.s, st->conffiles.n);
    for (; (r = ls_lines_next(&it, &line, &n)) > 0; at++) {
        ls_pkg_file f = {.package = pkg, .version = ver, .algo = LS_DIGEST_MD5, .digest_len = 16};
        span t = trim(line, n), file, sum, flag = {0};
        const char *sp;
        long plen;
        if (t.n == 0)
            continue;
        sp = t.s;
        while (sp < t.s + t.n && *sp != ' ' && *sp != '\t')
            sp++;
        file = (span){t.s, (size_t)(sp - t.s)};
        sum = trim(sp, (size_t)(t.s + t.n - sp));
        sp = sum.s;
        while (sp < sum.s + sum.n && *sp != ' ' && *sp != '\t')
            sp++;
        flag = trim(sp, (size_t)(sum.s + sum.n - sp));
        sum.n = (size_t)(sp - sum.s);
        if (flag.n || (sum.n == 11 && memcmp(sum.s, "newconffile", 11) == 0))
            continue; /* obsolete, remove-on-upgrade, or never configured */
        if (file.n == 0 || file.s[0] != '/' || sum.n != 32 || !ls_pkgdb_unhex(sum.s, 32, f.digest)) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: not a \"/PATH MD5\" conffile line", path, at);
            break;
        }
        plen = ls_pkgdb_join(NULL, 0, file.s + 1, file.n - 1, out, LS_PKGDB_PATH_MAX + 1);
        if ((rc = ls_pkgdb_line_path(plen, path, at, err)) < 0)
            break;
        if (rc == 1) {
            rc = 0;
            continue;
        }
        f.path = out;
        if (v->file && (rc = v->file(v->ctx, &f)) != 0)
            break;
    }
    free(out);
    return rc;
}

/* Reports a finished stanza; returns 0, the visitor's nonzero, or -1 (err). */
static int finish_stanza(const char *path, stanza *st, char *scratch, const ls_pkgdb_visitor *v,
                         ls_error *err)
{
    span word = {0};
    ls_pkg_version pv;
    char *pkg, *ver, *arch = NULL;
    int rc = 0;
    if (!st->first_line)
        return 0;
    if (!st->status.s)
        goto done; /* not an installed-package stanza (dpkg writes Status always) */
    if (status_words(st->status, &word) != 3) {
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: Status is not \"WANT FLAG STATUS\"", path,
                          st->first_line);
        goto done;
    }
    if (word.n != 9 || memcmp(word.s, "installed", 9) != 0)
        goto done;
    if (!st->package.s || st->package.n == 0 || !st->version.s || st->version.n == 0) {
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: installed package without %s", path,
                          st->first_line, !st->package.s || st->package.n == 0 ? "Package" : "Version");
        goto done;
    }
    if (has_space(st->package) || has_space(st->version) || (st->arch.s && has_space(st->arch))) {
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: blank inside a Package, Version or Architecture",
                          path, st->first_line);
        goto done;
    }
    pkg = scratch;
    memcpy(pkg, st->package.s, st->package.n);
    pkg[st->package.n] = '\0';
    ver = pkg + st->package.n + 1;
    memcpy(ver, st->version.s, st->version.n);
    ver[st->version.n] = '\0';
    if (st->arch.s && st->arch.n) {
        arch = ver + st->version.n + 1;
        memcpy(arch, st->arch.s, st->arch.n);
        arch[st->arch.n] = '\0';
    }
    pv = (ls_pkg_version){.package = pkg, .arch = arch, .version = ver};
    if (v->package)
        rc = v->package(v->ctx, &pv);
    if (rc == 0 && st->conffiles.s)
        rc = conffiles(path, st, pkg, ver, v, err);
done:
    memset(st, 0, sizeof *st);
    return rc;
}

int ls_pkgdb_parse_dpkg_status(const char *path, const char *b, size_t len, const ls_pkgdb_visitor *v,
                               ls_error *err)
{
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {
        {"Package", offsetof(stanza, package)},
        {"Version", offsetof(stanza, version)},
        {"Architecture", offsetof(stanza, arch)},
        {"Status", offsetof(stanza, status)},
    };
    ls_lines it;
    stanza st = {0};
    const char *line;
    size_t n;
    int r, rc = 0;
    /* three values of one stanza, each at most one line */
    char *scratch = malloc(3 * (LS_PKGDB_LINE_MAX + 1));
    if (!scratch)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    ls_lines_init(&it, b, len);
    while ((r = ls_lines_next(&it, &line, &n)) != 0) {
        const char *colon;
        span name, value;
        if (r < 0) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: longer than %d bytes", path, it.lineno,
                              LS_PKGDB_LINE_MAX);
            goto out;
        }
        if (n == 0) {
            if ((rc = finish_stanza(path, &st, scratch, v, err)) != 0)
                goto out;
            continue;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            if (!st.first_line) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: continuation line before any field",
                                  path, it.lineno);
                goto out;
            }
            if (st.in_conffiles) {
                if (!st.conffiles.s) {
                    st.conffiles.s = line;
                    st.conffiles_line = it.lineno;
                }
                st.conffiles.n = (size_t)(line + n - st.conffiles.s);
            }
            continue;
        }
        st.in_conffiles = false;
        colon = memchr(line, ':', n);
        if (!colon || colon == line) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: not a \"Field: value\" line", path,
                              it.lineno);
            goto out;
        }
        if (!st.first_line)
            st.first_line = it.lineno;
        name = (span){line, (size_t)(colon - line)};
        value = trim(colon + 1, n - (size_t)(colon - line) - 1);
        if (name.n == 9 && strncasecmp(name.s, "Conffiles", 9) == 0) {
            if (st.conffiles.s) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: Conffiles given twice in one stanza", path,
                                  it.lineno);
                goto out;
            }
            st.in_conffiles = true;
        }
        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
            span *slot = (span *)((char *)&st + fields[i].off);
            if (strlen(fields[i].name) != name.n || strncasecmp(fields[i].name, name.s, name.n) != 0)
                continue;
            if (slot->s) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: %s given twice in one stanza", path,
                                  it.lineno, fields[i].name);
                goto out;
            }
            if (ls_pkgdb_has_control(value.s, value.n)) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: control byte in %s", path, it.lineno,
                                  fields[i].name);
                goto out;
            }
            *slot = value;
        }
    }
    rc = finish_stanza(path, &st, scratch, v, err);
out:
    free(scratch);
    return rc;
}

/* "libc6:amd64.md5sums" -> "libc6" into out (cap bytes). */
static void md5sums_package(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    size_t n;
    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 8 && strcmp(base + n - 8, ".md5sums") == 0)
        n -= 8;
    for (size_t i = 0; i < n; i++)
        if (base[i] == ':') {
            n = i;
            break;
        }
    if (n >= cap)
        n = cap - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

int ls_pkgdb_parse_dpkg_md5sums(const char *path, const char *b, size_t len, const ls_pkgdb_visitor *v,
                                ls_error *err)
{
    ls_lines it;
    const char *line;
    size_t n;
    int r, rc = 0;
    char package[256];
    char *out = malloc(LS_PKGDB_PATH_MAX + 1);
    if (!out)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    md5sums_package(path, package, sizeof package);
    ls_lines_init(&it, b, len);
    while ((r = ls_lines_next(&it, &line, &n)) != 0) {
        ls_pkg_file f = {.package = package, .version = NULL, .algo = LS_DIGEST_MD5, .digest_len = 16};
        long plen;
        if (r < 0) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: longer than %d bytes", path, it.lineno,
                              LS_PKGDB_LINE_MAX);
            goto out;
        }
        if (n == 0)
            continue;
        if (n < 35 || line[32] != ' ' || (line[33] != ' ' && line[33] != '*')) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: not a \"MD5  PATH\" line", path, it.lineno);
            goto out;
        }
        if (!ls_pkgdb_unhex(line, 32, f.digest)) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: bad md5 digest", path, it.lineno);
            goto out;
        }
        plen = ls_pkgdb_join(NULL, 0, line + 34, n - 34, out, LS_PKGDB_PATH_MAX + 1);
        if ((rc = ls_pkgdb_line_path(plen, path, it.lineno, err)) < 0)
            goto out;
        if (rc == 1) {
            rc = 0;
            continue;
        }
        f.path = out;
        if (v->file && (rc = v->file(v->ctx, &f)) != 0)
            goto out;
    }
out:
    free(out);
    return rc;
}
