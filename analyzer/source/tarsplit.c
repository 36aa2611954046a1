/*
 * tarsplit.c - rebuilding a layer tar from tar-split metadata and its
 * unpacked directory (see tarsplit.h).
 *
 * The reader is a small state machine pulled by ls_reader_read: pending
 * segment bytes first, then the remaining content of the open member file,
 * else the next JSON line. The metadata is inflated in 64 KiB steps and
 * split into lines, so memory stays at one line (bounded) plus fixed
 * buffers whatever the layer's size. Each member file is opened only when
 * its entry has content (size > 0): directories, links, devices and
 * whiteouts carry everything in their header segment, so the directory's
 * own whiteout representation (overlay's 0/0 character devices, opaque
 * xattrs) never matters here.
 */
#include "source/tarsplit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "blob/sha256.h"
#include "supply/cosign.h" /* ls_base64_decode */

#define TS_CHUNK (64u * 1024u)
/* A hostile stream of empty entries must not spin forever inside one read:
 * far more lines than any real layer has (two per member). */
#define TS_MAX_LINES (64u * 1024u * 1024u)

typedef struct {
    ls_reader *meta;       /* the raw .tar-split.gz */
    int dir_fd;            /* the unpacked layer */
    int file_fd;           /* the member being copied, -1 when none */
    uint64_t file_left;    /* its content bytes still to hand out */
    z_stream z;
    bool z_ready;          /* inflateInit2 done */
    bool z_member_end;     /* a gzip member ended: reset before more input */
    bool meta_eof;         /* meta has no more bytes */
    bool done;             /* the last line was read and the digest checked */
    bool failed;           /* err holds the sticky failure */
    unsigned char in[TS_CHUNK];
    unsigned char out[TS_CHUNK];
    size_t out_pos, out_len; /* inflated bytes not yet split into lines */
    char *line;            /* the current JSON line (NUL-terminated) */
    size_t line_len, line_cap, max_line;
    uint64_t lines;        /* lines read so far (TS_MAX_LINES) */
    unsigned char *seg;    /* decoded segment bytes pending */
    size_t seg_len, seg_pos;
    ls_sha256 hash;        /* over every byte handed out */
    char want[LS_DIGEST_MAX];
    char *label;
    ls_error err;
} tarsplit;

/* ---- opening members ----------------------------------------------------- */

/* An absolute name, or one with a ".." component. */
static bool escapes(const char *name)
{
    if (name[0] == '/')
        return true;
    for (const char *q = name; *q;) {
        size_t len = strcspn(q, "/");
        if (len == 2 && q[0] == '.' && q[1] == '.')
            return true;
        q += len;
        while (*q == '/')
            q++;
    }
    return false;
}

int ls_tarsplit_openat(int dir_fd, const char *name, int want_dir)
{
    const char *p = name, *last = NULL;
    int dfd = dir_fd, fd = -1;
    struct stat st;
    if (!name || escapes(name)) {
        errno = EINVAL;
        return -1;
    }
    /* the last non-empty, non-"." component is opened as the file */
    for (const char *q = name; *q;) {
        size_t len = strcspn(q, "/");
        if (len > 0 && !(len == 1 && q[0] == '.'))
            last = q;
        q += len;
        while (*q == '/')
            q++;
    }
    if (!last) {
        errno = EINVAL;
        return -1;
    }
    for (;;) {
        char comp[256];
        size_t len = strcspn(p, "/");
        bool is_last = p == last;
        if (len == 0 || (len == 1 && p[0] == '.')) {
            p += len;
            while (*p == '/')
                p++;
            continue;
        }
        if (len >= sizeof comp) {
            fd = -1;
            errno = ENAMETOOLONG;
            break;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        fd = openat(dfd, comp,
                    O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
                        (is_last && !want_dir ? O_NONBLOCK : O_DIRECTORY));
        if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
            /* O_DIRECTORY on a symlink says ENOTDIR: tell the two apart */
            struct stat lst;
            if (fstatat(dfd, comp, &lst, AT_SYMLINK_NOFOLLOW) == 0)
                errno = S_ISLNK(lst.st_mode) ? ELOOP : ENOTDIR;
        }
        if (dfd != dir_fd) {
            int e = errno;
            close(dfd);
            errno = e;
        }
        if (fd < 0 || is_last)
            break;
        dfd = fd;
        p += len;
        while (*p == '/')
            p++;
    }
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
        int e = want_dir ? ENOTDIR : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* ---- the metadata as lines ------------------------------------------------ */

/* One place that words failures, so each is "LABEL: ..." and sticky. */
__attribute__((format(printf, 3, 4))) static int fail(tarsplit *t, ls_code code, const char *fmt, ...)
{
    char msg[LS_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    t->failed = true;
    return ls_error_set(&t->err, code, "%s: %s", t->label, msg);
}

/* Inflates more metadata into t->out. 1 with bytes, 0 at the end of the
 * metadata, -1 failed. */
static int inflate_more(tarsplit *t)
{
    for (;;) {
        int zr;
        if (t->z.avail_in == 0 && !t->meta_eof) {
            ls_error local = {0};
            ssize_t n = ls_reader_read(t->meta, t->in, sizeof t->in, &local);
            if (n < 0) {
                t->failed = true;
                ls_error_pass(&t->err, &local);
                return -1;
            }
            if (n == 0)
                t->meta_eof = true;
            t->z.next_in = t->in;
            t->z.avail_in = (uInt)n;
        }
        if (t->z.avail_in == 0 && t->meta_eof)
            return t->z_member_end ? 0 : fail(t, LS_ERR_FORMAT, "tar-split metadata is truncated");
        if (t->z_member_end) { /* concatenated gzip members: go on with the next */
            if (inflateReset(&t->z) != Z_OK)
                return fail(t, LS_ERR_INTERNAL, "inflateReset failed");
            t->z_member_end = false;
        }
        t->z.next_out = t->out;
        t->z.avail_out = sizeof t->out;
        zr = inflate(&t->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END)
            t->z_member_end = true;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return fail(t, LS_ERR_FORMAT, "tar-split metadata is not valid gzip (%s)",
                        t->z.msg ? t->z.msg : "inflate error");
        t->out_pos = 0;
        t->out_len = sizeof t->out - t->z.avail_out;
        if (t->out_len > 0)
            return 1;
    }
}

/* The next line into t->line. 1, 0 at the end (a last line without '\n'
 * counts), -1 failed. */
static int next_line(tarsplit *t)
{
    t->line_len = 0;
    for (;;) {
        const unsigned char *start, *nl;
        size_t take;
        if (t->out_pos == t->out_len) {
            int r = inflate_more(t);
            if (r < 0)
                return -1;
            if (r == 0)
                break;
        }
        start = t->out + t->out_pos;
        nl = memchr(start, '\n', t->out_len - t->out_pos);
        take = nl ? (size_t)(nl - start) : t->out_len - t->out_pos;
        if (t->line_len + take + 1 > t->max_line)
            return fail(t, LS_ERR_LIMIT, "a tar-split line is longer than the JSON bound (refused)");
        if (t->line_len + take + 1 > t->line_cap) {
            size_t cap = t->line_cap ? t->line_cap : 4096;
            char *n;
            while (cap < t->line_len + take + 1)
                cap *= 2;
            if (cap > t->max_line)
                cap = t->max_line;
            if (!(n = realloc(t->line, cap)))
                return fail(t, LS_ERR_NOMEM, "out of memory");
            t->line = n;
            t->line_cap = cap;
        }
        memcpy(t->line + t->line_len, start, take);
        t->line_len += take;
        t->line[t->line_len] = '\0';
        t->out_pos += take + (nl ? 1 : 0);
        if (nl)
            return 1;
    }
    return t->line_len > 0 ? 1 : 0;
}

/* ---- entries ---------------------------------------------------------------- */

/* A base64 string member (absent or null: empty) into a new buffer. */
static int member_bytes(tarsplit *t, json_t *o, const char *key, unsigned char **out, size_t *len)
{
    json_t *v = json_object_get(o, key);
    int r;
    *out = NULL;
    *len = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return fail(t, LS_ERR_FORMAT, "tar-split entry field %s is not a string", key);
    r = ls_base64_decode(json_string_value(v), json_string_length(v), out, len);
    if (r == -2)
        return fail(t, LS_ERR_NOMEM, "out of memory");
    if (r < 0)
        return fail(t, LS_ERR_FORMAT, "tar-split entry field %s is not base64", key);
    return 0;
}

/* Opens the member a type 1 entry names, whose content is `size` bytes. */
static int open_member(tarsplit *t, json_t *o, uint64_t size)
{
    json_t *nv = json_object_get(o, "name");
    char *name = NULL;
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    struct stat st;
    char want[32], have[32];
    int fd, rc = -1;
    if (json_is_string(nv)) {
        name = strdup(json_string_value(nv));
    } else {
        /* tar-split keeps a name that is not UTF-8 as name_raw (base64) */
        if (member_bytes(t, o, "name_raw", &raw, &raw_len) < 0)
            return -1;
        if (!raw || raw_len == 0 || memchr(raw, '\0', raw_len)) {
            free(raw);
            return fail(t, LS_ERR_FORMAT, "a tar-split file entry has no usable name");
        }
        if ((name = malloc(raw_len + 1))) {
            memcpy(name, raw, raw_len);
            name[raw_len] = '\0';
        }
        free(raw);
    }
    if (!name)
        return fail(t, LS_ERR_NOMEM, "out of memory");
    if (escapes(name)) {
        fail(t, LS_ERR_FORMAT, "tar-split names %.200s, outside the layer directory (refused)", name);
        goto out;
    }
    fd = ls_tarsplit_openat(t->dir_fd, name, 0);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            fail(t, LS_ERR_FORMAT, "layer file %.200s is reached through a symlink (refused)", name);
        else if (e == ENOENT)
            fail(t, LS_ERR_IO, "layer file %.200s is missing from the layer directory", name);
        else if (e == EISDIR || e == EINVAL || e == ENOTDIR)
            fail(t, LS_ERR_FORMAT, "layer file %.200s is not a regular file", name);
        else
            fail(t, LS_ERR_IO, "layer file %.200s: %s", name, strerror(e));
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        fail(t, LS_ERR_IO, "layer file %.200s: %s", name, strerror(errno));
        close(fd);
        goto out;
    }
    if ((uint64_t)st.st_size != size) {
        snprintf(want, sizeof want, "%llu", (unsigned long long)size);
        snprintf(have, sizeof have, "%lld", (long long)st.st_size);
        close(fd);
        t->failed = true;
        ls_error_set(&t->err, LS_ERR_FORMAT, "%s: layer file %.200s has %s bytes, its tar entry says %s",
                     t->label, name, have, want);
        goto out;
    }
    t->file_fd = fd;
    t->file_left = size;
    rc = 0;
out:
    free(name);
    return rc;
}

/* The digest of everything handed out must be the store's diff_id. */
static int finish(tarsplit *t)
{
    char got[LS_DIGEST_MAX];
    ls_error local = {0};
    t->done = true;
    if (ls_sha256_final(&t->hash, got, &local) < 0) {
        t->failed = true;
        return ls_error_pass(&t->err, &local);
    }
    if (strcmp(got, t->want) != 0) {
        t->failed = true;
        return ls_error_set(&t->err, LS_ERR_DIGEST, "%s: rebuilt tar is %s, the store says %s",
                            t->label, got, t->want);
    }
    return 0;
}

/* Reads the next entry: a segment becomes pending bytes, a file entry with
 * content an open member; 0, or -1 failed. At the end, checks the digest. */
static int next_entry(tarsplit *t)
{
    json_error_t je;
    json_t *o, *type, *size;
    json_int_t ty, sz = 0;
    int r = next_line(t), rc = -1;
    if (r < 0)
        return -1;
    if (r == 0)
        return finish(t);
    if (++t->lines > TS_MAX_LINES)
        return fail(t, LS_ERR_LIMIT, "tar-split metadata has too many lines (refused)");
    if (t->line_len == 0)
        return 0;
    if (!(o = json_loadb(t->line, t->line_len, 0, &je)))
        return fail(t, LS_ERR_FORMAT, "tar-split line is not JSON: %s", je.text);
    type = json_object_get(o, "type");
    size = json_object_get(o, "size");
    if (!json_is_integer(type)) {
        fail(t, LS_ERR_FORMAT, "tar-split entry has no type");
        goto out;
    }
    ty = json_integer_value(type);
    if (size && !json_is_null(size)) {
        if (!json_is_integer(size) || (sz = json_integer_value(size)) < 0) {
            fail(t, LS_ERR_FORMAT, "tar-split entry has an invalid size");
            goto out;
        }
    }
    if (ty == 2) {
        free(t->seg);
        t->seg = NULL;
        t->seg_pos = 0;
        if (member_bytes(t, o, "payload", &t->seg, &t->seg_len) < 0)
            goto out;
    } else if (ty == 1) {
        if (sz > 0 && open_member(t, o, (uint64_t)sz) < 0)
            goto out;
    } else {
        fail(t, LS_ERR_FORMAT, "tar-split entry has an unknown type");
        goto out;
    }
    rc = 0;
out:
    json_decref(o);
    return rc;
}

/* ---- the reader ------------------------------------------------------------ */

static int hash(tarsplit *t, const void *p, size_t n)
{
    ls_error local = {0};
    if (ls_sha256_update(&t->hash, p, n, &local) < 0) {
        t->failed = true;
        return ls_error_pass(&t->err, &local);
    }
    return 0;
}

static ssize_t ts_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    tarsplit *t = ctx;
    while (n > 0 && !t->failed) {
        if (t->seg_pos < t->seg_len) {
            size_t k = t->seg_len - t->seg_pos < n ? t->seg_len - t->seg_pos : n;
            memcpy(buf, t->seg + t->seg_pos, k);
            t->seg_pos += k;
            if (hash(t, buf, k) < 0)
                break;
            return (ssize_t)k;
        }
        if (t->file_fd >= 0) {
            size_t want = t->file_left < n ? (size_t)t->file_left : n;
            ssize_t k = read(t->file_fd, buf, want);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                if (k < 0)
                    fail(t, LS_ERR_IO, "reading a layer file: %s", strerror(errno));
                else
                    fail(t, LS_ERR_IO, "a layer file ended early (it shrank while read)");
                break;
            }
            t->file_left -= (uint64_t)k;
            if (t->file_left == 0) {
                close(t->file_fd);
                t->file_fd = -1;
            }
            if (hash(t, buf, (size_t)k) < 0)
                break;
            return k;
        }
        if (t->done)
            return 0;
        if (next_entry(t) < 0)
            break;
    }
    if (t->failed) {
        ls_error_pass(err, &t->err);
        return -1;
    }
    return 0;
}

static void ts_close(void *ctx)
{
    tarsplit *t = ctx;
    if (!t)
        return;
    ls_reader_free(t->meta);
    if (t->dir_fd >= 0)
        close(t->dir_fd);
    if (t->file_fd >= 0)
        close(t->file_fd);
    if (t->z_ready)
        inflateEnd(&t->z);
    ls_sha256_dispose(&t->hash);
    free(t->line);
    free(t->seg);
    free(t->label);
    free(t);
}

static const char *ts_name(void *ctx)
{
    return ((tarsplit *)ctx)->label;
}

static const ls_reader_ops ts_ops = {.read = ts_read, .close = ts_close, .name = ts_name};

ls_reader *ls_tarsplit_reader(ls_reader *meta, int dir_fd, const char *want_diff, size_t max_line,
                              const char *label, ls_error *err)
{
    tarsplit *t = calloc(1, sizeof *t);
    ls_reader *r;
    if (!t) {
        ls_reader_free(meta);
        close(dir_fd);
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        return NULL;
    }
    t->meta = meta;
    t->dir_fd = dir_fd;
    t->file_fd = -1;
    t->max_line = max_line < 4096 ? 4096 : max_line;
    snprintf(t->want, sizeof t->want, "%s", want_diff ? want_diff : "");
    t->label = strdup(label);
    if (!t->label || inflateInit2(&t->z, 15 + 32) != Z_OK) {
        ts_close(t);
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        return NULL;
    }
    t->z_ready = true;
    if (ls_sha256_init(&t->hash, err) < 0) {
        ts_close(t);
        return NULL;
    }
    if (!(r = ls_reader_new(&ts_ops, t)))
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    return r;
}
