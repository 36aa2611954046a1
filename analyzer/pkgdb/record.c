/*
 * record.c - a Python distribution's RECORD (PEP 376, PEP 627, the wheel
 * spec): a CSV file "path,algorithm=digest,size" per installed file, next
 * to METADATA in NAME-VERSION.dist-info/.
 *
 * Paths are relative to the directory that holds the .dist-info directory
 * (site-packages), may climb out of it ("../../../bin/tool" for scripts) or
 * be absolute; they are resolved against that directory and normalised, and
 * a path that would climb above "/" is skipped (it names no file of the
 * image). The digest is urlsafe base64 without padding (padding is
 * tolerated), or hex as Debian's python3 packages write it (told apart by
 * length: 64 hex characters against 43 of base64 for sha256); sha256 is what pip and every wheel builder write, sha512, sha1
 * and md5 are decoded too, any other algorithm and an empty hash field (the
 * RECORD itself, *.pyc written at install time) give a record with
 * LS_DIGEST_NONE. Fields follow Python's csv module: a field may be quoted
 * with '"', a '"' inside quotes is doubled; a quote in the middle of an
 * unquoted field is literal (csv's default dialect). Text after a closing
 * quote, an unterminated quote, a line that is not exactly three fields, a
 * digest that does not decode to its algorithm's length, a size that is not
 * a decimal number: a malformed RECORD. Lines may end in "\r\n".
 *
 * The package and version come from the dist-info directory's name, split
 * at its first '-' (the wheel spec escapes '-' in names as '_'; the name is
 * reported as written there).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkgdb/textdb.h"

#define HASH_CAP 256
#define SIZE_CAP 32

typedef struct {
    char *buf;
    size_t cap; /* bytes, NUL included */
    size_t n;
    bool overflow;
} field;

static void field_put(field *f, char c)
{
    if (f->n + 1 >= f->cap) {
        f->overflow = true;
        return;
    }
    f->buf[f->n++] = c;
}

/* Splits one CSV line into up to three fields; returns the number of fields,
 * or -1 with *why set when the quoting is malformed. */
static int split_csv(const char *s, size_t n, field *out, const char **why)
{
    size_t i = 0;
    int k = 0;
    for (;;) {
        field scratch_field = {0};
        char dummy[1];
        field *f = k < 3 ? &out[k] : &scratch_field;
        if (k >= 3) {
            scratch_field.buf = dummy;
            scratch_field.cap = 1;
        }
        f->n = 0;
        f->overflow = false;
        if (i < n && s[i] == '"') {
            i++;
            for (;;) {
                if (i == n) {
                    *why = "unterminated quote";
                    return -1;
                }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        field_put(f, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                field_put(f, s[i++]);
            }
            if (i < n && s[i] != ',') {
                *why = "text after a closing quote";
                return -1;
            }
        } else {
            while (i < n && s[i] != ',')
                field_put(f, s[i++]);
        }
        if (k < 3)
            f->buf[f->n] = '\0';
        k++;
        if (i == n)
            return k;
        i++; /* the comma: another field follows, maybe empty */
    }
}

static ls_digest_algo algo_by_name(const char *s, size_t n)
{
    static const struct {
        const char *name;
        ls_digest_algo algo;
    } algos[] = {{"sha256", LS_DIGEST_SHA256}, {"sha512", LS_DIGEST_SHA512},
                 {"sha1", LS_DIGEST_SHA1},     {"md5", LS_DIGEST_MD5}};
    for (size_t i = 0; i < sizeof algos / sizeof *algos; i++)
        if (strlen(algos[i].name) == n && strncasecmp(algos[i].name, s, n) == 0)
            return algos[i].algo;
    return LS_DIGEST_NONE;
}

/* The site-packages directory and the dist-info name of a RECORD's path. */
static void split_record_path(const char *path, size_t *base_n, const char **dist, size_t *dist_n)
{
    size_t n = strlen(path), end, start;
    /* strip "/RECORD" */
    end = n;
    while (end > 0 && path[end - 1] != '/')
        end--;
    if (end > 0)
        end--; /* the slash before RECORD */
    start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    *dist = path + start;
    *dist_n = end - start;
    *base_n = start;
}

int ls_pkgdb_parse_py_record(const char *path, const char *b, size_t len, const ls_pkgdb_visitor *v,
                             ls_error *err)
{
    ls_lines it;
    const char *line, *dist;
    size_t n, base_n, dist_n, name_n;
    int r, rc = 0;
    char *package = NULL, *version = NULL, *out;
    field fields[3];
    char *scratch = malloc(LS_PKGDB_LINE_MAX + 1 + HASH_CAP + SIZE_CAP + LS_PKGDB_PATH_MAX + 1);
    if (!scratch)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    fields[0] = (field){.buf = scratch, .cap = LS_PKGDB_LINE_MAX + 1};
    fields[1] = (field){.buf = scratch + LS_PKGDB_LINE_MAX + 1, .cap = HASH_CAP};
    fields[2] = (field){.buf = fields[1].buf + HASH_CAP, .cap = SIZE_CAP};
    out = fields[2].buf + SIZE_CAP;

    split_record_path(path, &base_n, &dist, &dist_n);
    name_n = dist_n;
    if (name_n >= 10 && memcmp(dist + name_n - 10, ".dist-info", 10) == 0)
        name_n -= 10;
    package = malloc(name_n + 1);
    if (!package) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    memcpy(package, dist, name_n);
    package[name_n] = '\0';
    version = strchr(package, '-');
    if (version)
        *version++ = '\0';

    ls_lines_init(&it, b, len);
    while ((r = ls_lines_next(&it, &line, &n)) != 0) {
        ls_pkg_file f = {.package = package, .version = version};
        const char *why = NULL;
        const char *eq;
        long plen;
        int k;
        if (r < 0) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: longer than %d bytes", path, it.lineno,
                              LS_PKGDB_LINE_MAX);
            goto out;
        }
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        k = split_csv(line, n, fields, &why);
        if (k < 0) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: %s", path, it.lineno, why);
            goto out;
        }
        if (k != 3) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: not a \"path,hash,size\" line", path,
                              it.lineno);
            goto out;
        }
        if (fields[0].n == 0) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: empty path", path, it.lineno);
            goto out;
        }
        if (fields[2].overflow || strspn(fields[2].buf, "0123456789") != fields[2].n) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: bad size", path, it.lineno);
            goto out;
        }
        if (fields[1].n > 0) {
            eq = memchr(fields[1].buf, '=', fields[1].n);
            if (fields[1].overflow || !eq || eq == fields[1].buf) {
                rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: bad hash (not ALGORITHM=DIGEST)", path,
                                  it.lineno);
                goto out;
            }
            f.algo = algo_by_name(fields[1].buf, (size_t)(eq - fields[1].buf));
            if (f.algo != LS_DIGEST_NONE) {
                size_t dn = fields[1].n - (size_t)(eq + 1 - fields[1].buf);
                f.digest_len = ls_pkgdb_digest_len(f.algo);
                /* Debian's python3 packages write the digest in hex (64
                 * characters for sha256, never a base64 length) */
                bool hex = dn == 2 * f.digest_len && ls_pkgdb_unhex(eq + 1, dn, f.digest);
                if (!hex && ls_pkgdb_unbase64(eq + 1, dn, true, false, f.digest, sizeof f.digest) !=
                                (long)f.digest_len) {
                    rc = ls_error_set(err, LS_ERR_FORMAT, "%s: line %zu: bad %.*s digest", path, it.lineno,
                                      (int)(eq - fields[1].buf), fields[1].buf);
                    goto out;
                }
            }
        }
        plen = ls_pkgdb_join(path, base_n, fields[0].buf, fields[0].n, out, LS_PKGDB_PATH_MAX + 1);
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
    free(package);
    free(scratch);
    return rc;
}
