/*
 * audit_input.c - see audit.h: reference lists, shards, and the done-set of
 * a resumed audit.
 */
#include "cli/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "report/json_util.h"

int audit_refs_add_failed(audit_refs *refs, const char *ref, const ls_error *why, ls_error *err)
{
    char *copy;
    ls_error *why_copy = NULL;
    if (refs->n >= AUDIT_MAX_REFS)
        return ls_error_set(err, LS_ERR_LIMIT, "more than %u image references", AUDIT_MAX_REFS);
    if (refs->n == refs->cap) {
        size_t cap = refs->cap ? refs->cap * 2 : 64;
        char **v = realloc(refs->v, cap * sizeof *v);
        ls_error **w;
        if (!v)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        refs->v = v;
        if (!(w = realloc(refs->why, cap * sizeof *w)))
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        refs->why = w;
        refs->cap = cap;
    }
    if (why && !(why_copy = malloc(sizeof *why_copy)))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (!(copy = strdup(ref))) {
        free(why_copy);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (why_copy)
        *why_copy = *why;
    refs->why[refs->n] = why_copy;
    refs->v[refs->n++] = copy;
    return 0;
}

int audit_refs_add(audit_refs *refs, const char *ref, ls_error *err)
{
    return audit_refs_add_failed(refs, ref, NULL, err);
}

void audit_refs_free(audit_refs *refs)
{
    for (size_t i = 0; i < refs->n; i++) {
        free(refs->v[i]);
        free(refs->why[i]);
    }
    free(refs->v);
    free(refs->why);
    memset(refs, 0, sizeof *refs);
}

/* One input line: trimmed, checked, added unless blank or a comment. */
static int add_line(audit_refs *refs, char *line, size_t len, const char *label, size_t lineno,
                    ls_error *err)
{
    char *s = line, *e = line + len;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    if (s == e || *s == '#')
        return 0;
    for (const char *p = s; p < e; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return ls_error_set(err, LS_ERR_FORMAT, "%s:%zu: control character in an image reference",
                                label, lineno);
    *e = '\0';
    return audit_refs_add(refs, s, err);
}

/* Reads one line (without its newline) into buf, at most AUDIT_MAX_REF_LEN
 * bytes. Returns 1 for a line, 0 at the end, -1 when the line is too long,
 * -2 when it holds a NUL byte. */
static int read_line(FILE *in, char *buf, size_t *len)
{
    int c;
    size_t n = 0;
    bool nul = false;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (n == AUDIT_MAX_REF_LEN)
            return -1;
        nul |= c == '\0';
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    *len = n;
    if (c == EOF && n == 0)
        return 0;
    return nul ? -2 : 1;
}

int audit_enum_file(void *ctx, audit_refs *refs, ls_error *err)
{
    const char *path = ctx;
    bool is_stdin = strcmp(path, "-") == 0;
    const char *label = is_stdin ? "standard input" : path;
    FILE *in = is_stdin ? stdin : fopen(path, "r");
    char buf[AUDIT_MAX_REF_LEN + 1];
    size_t lineno = 0, len;
    int rc = 0, r;
    if (!in)
        return ls_error_set(err, LS_ERR_IO, "%s: cannot read the image list: %s", path, strerror(errno));
    while (rc == 0 && (r = read_line(in, buf, &len)) != 0) {
        lineno++;
        if (r == -1)
            rc = ls_error_set(err, LS_ERR_LIMIT, "%s:%zu: line longer than %d bytes", label, lineno,
                              AUDIT_MAX_REF_LEN);
        else if (r == -2)
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s:%zu: NUL byte in the image list", label, lineno);
        else
            rc = add_line(refs, buf, len, label, lineno, err);
    }
    if (rc == 0 && ferror(in))
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot read the image list", label);
    if (!is_stdin)
        fclose(in);
    return rc;
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    return h;
}

unsigned audit_shard_of(const char *ref, unsigned count)
{
    return count ? (unsigned)(fnv1a64(ref) % count) : 0;
}

int audit_parse_shard(const char *s, unsigned *index, unsigned *count)
{
    char *end;
    unsigned long i, n;
    if (*s < '0' || *s > '9')
        return -1;
    i = strtoul(s, &end, 10);
    if (*end != '/' || end[1] < '0' || end[1] > '9')
        return -1;
    n = strtoul(end + 1, &end, 10);
    if (*end || n < 1 || n > 65536 || i >= n)
        return -1;
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
}

/* ---- string set: open addressing over FNV-1a ------------------------- */

static int strset_grow(audit_strset *set)
{
    size_t cap = set->cap ? set->cap * 2 : 64;
    char **slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < set->cap; i++) {
        char *s = set->slots[i];
        size_t k;
        if (!s)
            continue;
        for (k = (size_t)fnv1a64(s) & (cap - 1); slots[k]; k = (k + 1) & (cap - 1))
            ;
        slots[k] = s;
    }
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
    return 0;
}

static char **strset_slot(const audit_strset *set, const char *s)
{
    size_t k = (size_t)fnv1a64(s) & (set->cap - 1);
    while (set->slots[k] && strcmp(set->slots[k], s) != 0)
        k = (k + 1) & (set->cap - 1);
    return &set->slots[k];
}

int audit_strset_add(audit_strset *set, const char *s)
{
    char **slot;
    if ((set->n + 1) * 2 > set->cap && strset_grow(set) != 0)
        return -1;
    slot = strset_slot(set, s);
    if (*slot)
        return 0;
    if (!(*slot = strdup(s)))
        return -1;
    set->n++;
    return 1;
}

bool audit_strset_has(const audit_strset *set, const char *s)
{
    return set->cap && *strset_slot(set, s) != NULL;
}

void audit_strset_free(audit_strset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof *set);
}

size_t audit_refs_dedup(audit_refs *refs)
{
    audit_strset seen = {0};
    size_t out = 0, dropped = 0;
    for (size_t i = 0; i < refs->n; i++) {
        int added = audit_strset_add(&seen, refs->v[i]);
        if (added == 0) {
            free(refs->v[i]);
            free(refs->why[i]);
            dropped++;
        } else { /* kept (also when the set ran out of memory) */
            refs->why[out] = refs->why[i];
            refs->v[out++] = refs->v[i];
        }
    }
    refs->n = out;
    audit_strset_free(&seen);
    return dropped;
}

char *audit_ref_key(const char *ref)
{
    json_t *j = ls_json_str(ref);
    char *key = json_is_string(j) ? strdup(json_string_value(j)) : NULL;
    json_decref(j);
    return key;
}

/* ---- resume ----------------------------------------------------------- */

void audit_resume_set_free(audit_resume_set *rs)
{
    audit_strset_free(&rs->done);
    audit_strset_free(&rs->failed);
}

/* One complete output line: its reference goes to done or failed unless a
 * later line (seen first: lines are read last to first) decided it. */
static int resume_line(const char *line, size_t len, audit_resume_set *rs)
{
    json_t *root = json_loadb(line, len, 0, NULL);
    json_t *ref = json_object_get(json_object_get(root, "audit"), "reference");
    int rc = 0;
    if (json_is_string(ref)) {
        const char *key = json_string_value(ref);
        if (!audit_strset_has(&rs->done, key) && !audit_strset_has(&rs->failed, key) &&
            audit_strset_add(json_is_object(json_object_get(root, "error")) ? &rs->failed : &rs->done,
                             key) < 0)
            rc = -1;
    }
    json_decref(root);
    return rc;
}

int audit_resume_parse(const char *buf, size_t len, audit_resume_set *rs)
{
    /* last to first, so the first line seen for a reference is its outcome */
    while (len > 0 && buf[len - 1] != '\n')
        len--;
    while (len > 0) {
        size_t end = len - 1, start = end; /* buf[end] is the newline of the line */
        while (start > 0 && buf[start - 1] != '\n')
            start--;
        if (resume_line(buf + start, end - start, rs) != 0)
            return -1;
        len = start;
    }
    return 0;
}

int audit_resume_load(const char *path, audit_resume_set *rs, ls_error *err)
{
    struct stat st;
    void *map = MAP_FAILED;
    size_t complete = 0; /* bytes up to and including the last newline */
    int rc = 0, fd;
    bool exists;
    /* the file is appended to afterwards: refused here on the output rules
     * (no symlink, regular files only) before anything is scanned */
    if (ls_file_check_output(path, LS_OUT_APPEND, &exists, err) != 0)
        return -1;
    fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return ls_error_set(err, LS_ERR_IO, "%s: cannot read the audit output to resume: %s", path,
                            strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot read the audit output to resume: %s", path,
                          strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot resume: not a regular file", path);
        goto out;
    }
    if (st.st_size == 0)
        goto out;
    if ((uint64_t)st.st_size > SIZE_MAX ||
        (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot read the audit output to resume: %s", path,
                          strerror(errno));
        goto out;
    }
    for (complete = (size_t)st.st_size; complete > 0 && ((const char *)map)[complete - 1] != '\n';)
        complete--;
    if (audit_resume_parse(map, complete, rs) != 0)
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    else if (complete < (size_t)st.st_size && ftruncate(fd, (off_t)complete) != 0)
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot cut the unfinished last line: %s", path,
                          strerror(errno));
out:
    if (map != MAP_FAILED)
        munmap(map, (size_t)st.st_size);
    close(fd);
    return rc;
}
