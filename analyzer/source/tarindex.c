/*
 * tarindex.c - walks the 512-byte headers of an outer tar and records where
 * each member's data lives.
 *
 * We parse headers ourselves instead of going through libarchive because we
 * need offsets (for pread, so each layer gets an independent reader) and the
 * formats image tools write are few: ustar with its prefix field, pax `x`
 * records (path, size, linkpath), GNU `L`/`K` long names and base-256 sizes.
 * Every number is validated and every allocation bounded because the archive
 * is hostile input. A header checksum is verified on every block, which is
 * also how "this file is not a tar" is decided.
 */
#include "source/tarindex.h"

#include "core/reader.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAR_BLOCK 512u
#define TAR_MAX_PAX (1u << 20)
#define TAR_MAX_LINK_HOPS 16

struct ls_tarindex {
    ls_tar_member *members; /* sorted by name, unique */
    size_t n, cap;
    ls_error problem;       /* code LS_OK when the walk completed */
};

/* What extended headers (pax, GNU) say about the next member. */
typedef struct {
    char *path;
    char *linkpath;
    uint64_t size;
    bool has_size;
} tar_pending;

/* Headers of small members sit next to each other: they are read through a
 * window of this size (one pread per window, not one per member: 500,000
 * one-block members took 3 s of preads). A header more than TAR_DENSE past
 * the previous read is read alone: refilling the window for every member of
 * a tar of large files would copy 256 KiB per header. */
#define TAR_WINDOW (256u * 1024u)
#define TAR_DENSE (32u * 1024u)

typedef struct {
    int fd;
    const char *label;
    uint64_t file_size;
    ls_tarindex *t;
    tar_pending pending;
    const char *const *only;  /* keep only members with these names (NULL: all) */
    const char *const *stop;  /* top-level names that end the walk (NULL: none) */
    unsigned char *win;       /* TAR_WINDOW bytes, or NULL: read each header directly */
    uint64_t win_off;
    size_t win_len;
    uint64_t last_off;        /* where the previous read started */
    ls_reader *in;            /* a stream (ls_tarindex_stream), read forward only; NULL: fd */
    uint64_t in_pos;          /* bytes of `in` consumed */
    ls_tar_visit_fn visit;    /* the stream's regular members go here */
    void *visit_ctx;
    const unsigned char *first; /* the stream's first header, read to sniff it */
} tar_walk;

/* ---- header fields ------------------------------------------------------ */

static int parse_octal(const unsigned char *f, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < len && f[i] == ' ')
        i++;
    for (; i < len && f[i] != '\0' && f[i] != ' '; i++) {
        if (f[i] < '0' || f[i] > '7' || v > (UINT64_MAX >> 3))
            return -1;
        v = (v << 3) | (uint64_t)(f[i] - '0');
    }
    *out = v;
    return 0;
}

/* A numeric field: octal, or GNU base-256 when the high bit is set. */
static int parse_number(const unsigned char *f, size_t len, uint64_t *out)
{
    uint64_t v;
    size_t i;
    if (!(f[0] & 0x80))
        return parse_octal(f, len, out);
    if (f[0] & 0x40)
        return -1; /* negative */
    v = f[0] & 0x3f;
    for (i = 1; i < len; i++) {
        if (v > (UINT64_MAX >> 8))
            return -1;
        v = (v << 8) | f[i];
    }
    if (v > (uint64_t)INT64_MAX)
        return -1;
    *out = v;
    return 0;
}

static bool block_is_zero(const unsigned char *b)
{
    for (size_t i = 0; i < TAR_BLOCK; i++)
        if (b[i])
            return false;
    return true;
}

/* The stored checksum matches either the unsigned or the (historic) signed sum. */
static bool checksum_ok(const unsigned char *h)
{
    uint64_t stored;
    long usum = 0, ssum = 0;
    if (parse_octal(h + 148, 8, &stored) < 0)
        return false;
    for (size_t i = 0; i < TAR_BLOCK; i++) {
        unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
        usum += c;
        ssum += (signed char)c;
    }
    return stored == (uint64_t)usum || (long)stored == ssum;
}

/* ---- names -------------------------------------------------------------- */

int ls_tar_normalise(const char *name, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = name;
    if (cap == 0)
        return -1;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* empty or "." component: skip */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (o == 0)
                return -1;
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* drop the separator too */
        } else {
            if (o + (o ? 1 : 0) + len + 1 > cap)
                return -1;
            if (o)
                out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    out[o] = '\0';
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

/* Reads up to n bytes at off, stopping early only at the end of the file.
 * Returns the count, or -1 (LS_ERR_IO) if a read fails. */
static ssize_t stream_upto(tar_walk *w, void *buf, size_t n, uint64_t off, ls_error *err);

static ssize_t read_upto(tar_walk *w, void *buf, size_t n, uint64_t off, ls_error *err)
{
    size_t got = 0;
    if (w->in)
        return stream_upto(w, buf, n, off, err);
    while (got < n) {
        ssize_t k = pread(w->fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ls_error_set(err, LS_ERR_IO, "%s: read failed: %s", w->label, strerror(errno));
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* A stream is read forward only: what lies before off (the rest of a
 * member's data the visitor left, padding) is read and dropped. */
static ssize_t stream_upto(tar_walk *w, void *buf, size_t n, uint64_t off, ls_error *err)
{
    unsigned char skip[8192];
    size_t got = 0;
    if (off < w->in_pos)
        return ls_error_set(err, LS_ERR_INTERNAL, "%s: stream read at %llu after %llu", w->label,
                            (unsigned long long)off, (unsigned long long)w->in_pos);
    while (w->in_pos < off) {
        uint64_t want = off - w->in_pos;
        ssize_t k = ls_reader_read(w->in, skip, want < sizeof skip ? (size_t)want : sizeof skip, err);
        if (k < 0)
            return -1;
        if (k == 0)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: truncated tar at offset %llu", w->label,
                                (unsigned long long)w->in_pos);
        w->in_pos += (uint64_t)k;
    }
    while (got < n) {
        ssize_t k = ls_reader_read(w->in, (char *)buf + got, n - got, err);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
        w->in_pos += (uint64_t)k;
    }
    return (ssize_t)got;
}

static int read_direct(tar_walk *w, void *buf, size_t n, uint64_t off, ls_error *err)
{
    ssize_t got = read_upto(w, buf, n, off, err);
    if (got < 0)
        return -1;
    if ((size_t)got < n)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: truncated tar at offset %llu", w->label,
                            (unsigned long long)(off + (uint64_t)got));
    return 0;
}

/* Refills the window from off: as much as the file holds, up to TAR_WINDOW. */
static int fill_window(tar_walk *w, uint64_t off, ls_error *err)
{
    ssize_t got = read_upto(w, w->win, TAR_WINDOW, off, err);
    w->win_off = off;
    w->win_len = got < 0 ? 0 : (size_t)got;
    return got < 0 ? -1 : 0;
}

/* Reads n bytes at off, through the window when they fit in one. */
static int read_at(tar_walk *w, void *buf, size_t n, uint64_t off, ls_error *err)
{
    bool inside = off >= w->win_off && off + n <= w->win_off + w->win_len;
    bool dense = off >= w->last_off && off - w->last_off <= TAR_DENSE;
    w->last_off = off;
    if (!w->win || n > TAR_WINDOW || (!inside && !dense))
        return read_direct(w, buf, n, off, err);
    if (!inside && fill_window(w, off, err) < 0)
        return -1;
    if (off + n > w->win_off + w->win_len)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: truncated tar at offset %llu", w->label,
                            (unsigned long long)(w->win_off + w->win_len));
    memcpy(buf, w->win + (off - w->win_off), n);
    return 0;
}

/* Reads a member's data (an extended header) into a new NUL-terminated string. */
static char *read_data(tar_walk *w, uint64_t off, uint64_t size, ls_error *err)
{
    char *s = malloc((size_t)size + 1);
    if (!s) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
        return NULL;
    }
    if (read_at(w, s, (size_t)size, off, err) < 0) {
        free(s);
        return NULL;
    }
    s[size] = '\0';
    return s;
}

static void pending_clear(tar_pending *p)
{
    free(p->path);
    free(p->linkpath);
    memset(p, 0, sizeof *p);
}

static int replace_string(char **dst, const char *src, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        return -1;
    memcpy(s, src, len);
    s[len] = '\0';
    free(*dst);
    *dst = s;
    return 0;
}

/* Applies one pax record "key=value" of the given length. */
static int pax_record(tar_walk *w, const char *kv, size_t len, ls_error *err)
{
    const char *eq = memchr(kv, '=', len);
    size_t klen, vlen;
    if (!eq)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: malformed pax record", w->label);
    klen = (size_t)(eq - kv);
    vlen = len - klen - 1;
    if (klen == 4 && memcmp(kv, "path", 4) == 0) {
        if (vlen > LS_TAR_MAX_NAME)
            return ls_error_set(err, LS_ERR_LIMIT, "%s: pax path longer than %u bytes", w->label,
                                LS_TAR_MAX_NAME);
        if (replace_string(&w->pending.path, eq + 1, vlen) < 0)
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
    } else if (klen == 8 && memcmp(kv, "linkpath", 8) == 0) {
        if (vlen > LS_TAR_MAX_NAME)
            return ls_error_set(err, LS_ERR_LIMIT, "%s: pax linkpath longer than %u bytes", w->label,
                                LS_TAR_MAX_NAME);
        if (replace_string(&w->pending.linkpath, eq + 1, vlen) < 0)
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
    } else if (klen == 4 && memcmp(kv, "size", 4) == 0) {
        uint64_t v = 0;
        if (vlen == 0 || vlen > 19)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: bad pax size", w->label);
        for (size_t i = 0; i < vlen; i++) {
            if (eq[1 + i] < '0' || eq[1 + i] > '9')
                return ls_error_set(err, LS_ERR_FORMAT, "%s: bad pax size", w->label);
            v = v * 10 + (uint64_t)(eq[1 + i] - '0');
        }
        w->pending.size = v;
        w->pending.has_size = true;
    }
    return 0;
}

/* Parses "LEN key=value\n" records. */
static int pax_parse(tar_walk *w, const char *d, size_t n, ls_error *err)
{
    size_t pos = 0;
    while (pos < n) {
        size_t len = 0, i = pos;
        if (d[pos] == '\0')
            break; /* some writers pad with NULs */
        while (i < n && d[i] >= '0' && d[i] <= '9' && len < n)
            len = len * 10 + (size_t)(d[i++] - '0');
        if (i >= n || d[i] != ' ' || len <= i - pos + 1 || len > n - pos || d[pos + len - 1] != '\n')
            return ls_error_set(err, LS_ERR_FORMAT, "%s: malformed pax header", w->label);
        i++;
        if (pax_record(w, d + i, pos + len - 1 - i, err) < 0)
            return -1;
        pos += len;
    }
    return 0;
}

/* ---- members ------------------------------------------------------------ */

static int add_member(tar_walk *w, const char *raw_name, const char *link, char type, uint64_t off,
                      uint64_t size, ls_error *err)
{
    ls_tarindex *t = w->t;
    ls_tar_member *m;
    char name[LS_TAR_MAX_NAME + 1];
    if (ls_tar_normalise(raw_name, name, sizeof name) < 0 || name[0] == '\0')
        return 0; /* a name that escapes or is empty can never be looked up */
    if (w->only) {
        size_t i = 0;
        while (w->only[i] && strcmp(w->only[i], name) != 0)
            i++;
        if (!w->only[i])
            return 0;
    }
    if (t->n == LS_TAR_MAX_MEMBERS)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: more than %u tar members", w->label,
                            LS_TAR_MAX_MEMBERS);
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        ls_tar_member *p = realloc(t->members, cap * sizeof *p);
        if (!p)
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
        t->members = p;
        t->cap = cap;
    }
    m = &t->members[t->n];
    memset(m, 0, sizeof *m);
    m->name = strdup(name);
    m->link = link ? strdup(link) : NULL;
    if (!m->name || (link && !m->link)) {
        free(m->name);
        free(m->link);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
    }
    m->offset = off;
    m->size = size;
    m->type = type;
    t->n++;
    return 0;
}

/* The member name from the header (ustar prefix + name), unless extended
 * headers supplied one. */
static void header_name(const unsigned char *h, char *out, size_t cap)
{
    char name[101], prefix[156];
    memcpy(name, h, 100);
    name[100] = '\0';
    if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345]) {
        memcpy(prefix, h + 345, 155);
        prefix[155] = '\0';
        snprintf(out, cap, "%s/%s", prefix, name);
    } else {
        snprintf(out, cap, "%s", name);
    }
}

/* A pax `x` header or a GNU `L`/`K` long name: remembered for the next
 * member. Sizes are bounded before anything is allocated. */
static int walk_extended(tar_walk *w, char type, uint64_t pos, uint64_t size, ls_error *err)
{
    char *data;
    int rc = 0;
    if (size > (type == 'x' ? TAR_MAX_PAX : LS_TAR_MAX_NAME + 1))
        return ls_error_set(err, LS_ERR_LIMIT, "%s: extended tar header at offset %llu too large",
                            w->label, (unsigned long long)pos);
    data = read_data(w, pos + TAR_BLOCK, size, err);
    if (!data)
        return -1;
    if (type == 'x') {
        rc = pax_parse(w, data, (size_t)size, err);
        free(data);
    } else if (type == 'L') {
        free(w->pending.path);
        w->pending.path = data;
    } else {
        free(w->pending.linkpath);
        w->pending.linkpath = data;
    }
    return rc;
}

/* Handles one header at pos; sets *next to the following header's offset.
 * Returns 1 at the end-of-archive marker, 0 to continue, -1 on a problem. */
/* Whether a member named `raw` (any type) is under one of the top-level
 * names in `stop`, or is a whiteout. */
static bool stops_walk(const char *const *stop, const char *raw)
{
    char name[LS_TAR_MAX_NAME + 1];
    const char *slash, *base;
    size_t top;
    if (ls_tar_normalise(raw, name, sizeof name) < 0 || name[0] == '\0')
        return false;
    slash = strchr(name, '/');
    top = slash ? (size_t)(slash - name) : strlen(name);
    base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (strncmp(base, ".wh.", 4) == 0)
        return true;
    for (size_t i = 0; stop[i]; i++)
        if (strlen(stop[i]) == top && memcmp(stop[i], name, top) == 0)
            return true;
    return false;
}

/* ---- streams ------------------------------------------------------------ */

/* A member's data as the visitor reads it: at most `left` more bytes of the
 * stream, which must hold them all. */
typedef struct {
    tar_walk *w;
    uint64_t left;
} slice_ctx;

static ssize_t slice_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    slice_ctx *c = ctx;
    ssize_t k;
    if (c->left == 0)
        return 0;
    if (n > c->left)
        n = (size_t)c->left;
    k = ls_reader_read(c->w->in, buf, n, err);
    if (k < 0)
        return -1;
    if (k == 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: truncated tar: the stream ends %llu bytes into a member",
                            c->w->label, (unsigned long long)c->left);
    c->w->in_pos += (uint64_t)k;
    c->left -= (uint64_t)k;
    return k;
}

static const ls_reader_ops slice_ops = {.read = slice_read, .close = free};

/* Hands a regular member of a stream to the visitor; *where becomes the
 * offset it gives (where its bytes can be read again, or LS_TAR_NOT_KEPT). */
static int visit_member(tar_walk *w, const char *raw_name, uint64_t off, uint64_t size, uint64_t *where,
                        ls_error *err)
{
    char name[LS_TAR_MAX_NAME + 1];
    slice_ctx *c;
    ls_reader *data;
    *where = LS_TAR_NOT_KEPT;
    if (ls_tar_normalise(raw_name, name, sizeof name) < 0 || name[0] == '\0')
        return 0; /* a name that escapes or is empty can never be looked up */
    if (off != w->in_pos) /* an extended header's data was read past: skip to ours */
        if (stream_upto(w, NULL, 0, off, err) < 0)
            return -1;
    if (!(c = malloc(sizeof *c)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
    c->w = w;
    c->left = size;
    if (!(data = ls_reader_new(&slice_ops, c)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", w->label);
    return w->visit(w->visit_ctx, name, size, data, where, err);
}

static int walk_one(tar_walk *w, uint64_t pos, uint64_t *next, ls_error *err)
{
    unsigned char h[TAR_BLOCK];
    char name[LS_TAR_MAX_NAME + 160], link[101];
    uint64_t size, off = pos + TAR_BLOCK;
    char type;
    if (pos == w->file_size)
        return 1; /* no end-of-archive blocks: accepted */
    if (w->in && pos == 0 && w->first) {
        memcpy(h, w->first, TAR_BLOCK);
    } else if (w->in) {
        ssize_t got = stream_upto(w, h, TAR_BLOCK, pos, err);
        if (got < 0)
            return -1;
        if (got == 0)
            return 1; /* the stream ends at a header: as a file without end blocks */
        if (got < (ssize_t)TAR_BLOCK)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: truncated tar at offset %llu", w->label,
                                (unsigned long long)(pos + (uint64_t)got));
    } else if (read_at(w, h, TAR_BLOCK, pos, err) < 0) {
        return -1;
    }
    if (block_is_zero(h))
        return 1;
    if (!checksum_ok(h))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: bad tar header checksum at offset %llu", w->label,
                            (unsigned long long)pos);
    if (parse_number(h + 124, 12, &size) < 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: bad tar size field at offset %llu", w->label,
                            (unsigned long long)pos);
    type = (char)h[156];
    if (w->pending.has_size && type != 'x' && type != 'g' && type != 'L' && type != 'K')
        size = w->pending.size;
    if (size > w->file_size || off > w->file_size - size)
        return ls_error_set(err, LS_ERR_FORMAT,
                            "%s: truncated tar: member at offset %llu needs %llu bytes past the end",
                            w->label, (unsigned long long)pos,
                            (unsigned long long)(off + size - w->file_size));
    *next = off + ((size + TAR_BLOCK - 1) / TAR_BLOCK) * TAR_BLOCK;
    if (type == 'x' || type == 'L' || type == 'K')
        return walk_extended(w, type, pos, size, err);
    if (type == 'g')
        return 0;
    if (w->pending.path)
        snprintf(name, sizeof name, "%s", w->pending.path);
    else
        header_name(h, name, sizeof name);
    if (w->stop && stops_walk(w->stop, name)) {
        pending_clear(&w->pending);
        return 1;
    }
    memcpy(link, h + 157, 100);
    link[100] = '\0';
    if (type == '0' || type == '\0' || type == '7') {
        if (w->visit && visit_member(w, name, off, size, &off, err) < 0)
            return -1;
        if (add_member(w, name, NULL, '0', off, size, err) < 0)
            return -1;
    } else if (type == '1' || type == '2') {
        if (add_member(w, name, w->pending.linkpath ? w->pending.linkpath : link, type, off, 0, err) < 0)
            return -1;
    }
    pending_clear(&w->pending);
    return 0;
}

/* ---- sorting and lookup ------------------------------------------------- */

static int member_cmp(const void *a, const void *b)
{
    const ls_tar_member *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    /* offsets grow through the archive: order ties by position */
    return (x->offset > y->offset) - (x->offset < y->offset);
}

static void member_free(ls_tar_member *m)
{
    free(m->name);
    free(m->link);
}

/* Sorts members and keeps only the last of each name (tar semantics). */
static void sort_unique(ls_tarindex *t)
{
    size_t o = 0;
    if (t->n == 0)
        return;
    qsort(t->members, t->n, sizeof *t->members, member_cmp);
    for (size_t i = 0; i < t->n; i++) {
        if (i + 1 < t->n && strcmp(t->members[i].name, t->members[i + 1].name) == 0) {
            member_free(&t->members[i]);
            continue;
        }
        t->members[o++] = t->members[i];
    }
    t->n = o;
}

static int name_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const ls_tar_member *)elem)->name);
}

/* Where a link points, as an archive path: symlinks relative to their dir. */
static int link_target(const ls_tar_member *m, char *out, size_t cap)
{
    char joined[2 * LS_TAR_MAX_NAME + 2];
    const char *slash = strrchr(m->name, '/');
    if (m->type == '1' || m->link[0] == '/' || !slash)
        return ls_tar_normalise(m->link, out, cap);
    snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - m->name), m->name, m->link);
    return ls_tar_normalise(joined, out, cap);
}

const ls_tar_member *ls_tarindex_find(const ls_tarindex *t, const char *name)
{
    char cur[LS_TAR_MAX_NAME + 1];
    if (!t || t->n == 0 || ls_tar_normalise(name, cur, sizeof cur) < 0)
        return NULL;
    for (int hop = 0; hop <= TAR_MAX_LINK_HOPS; hop++) {
        const ls_tar_member *m = bsearch(cur, t->members, t->n, sizeof *t->members, name_cmp);
        if (!m || m->type == '0')
            return m;
        if (link_target(m, cur, sizeof cur) < 0)
            return NULL;
    }
    return NULL;
}

/* ---- building ----------------------------------------------------------- */

/* Walks headers from pos to the end. A damaged or over-limit archive stops
 * the walk as the index's problem (the members seen so far stay); anything
 * else (out of memory, a read error, a visitor's own failure) is returned:
 * -1 with err filled. */
static int walk_all(tar_walk *w, uint64_t pos, ls_error *err)
{
    for (;;) {
        uint64_t next = 0;
        int r = walk_one(w, pos, &next, &w->t->problem);
        if (r == 1)
            return 0;
        if (r < 0) {
            if (w->t->problem.code == LS_ERR_FORMAT || w->t->problem.code == LS_ERR_LIMIT)
                return 0;
            ls_error_pass(err, &w->t->problem);
            return -1;
        }
        pos = next;
    }
}

int ls_tarindex_build(ls_tarindex **out, int fd, const char *label, ls_error *err)
{
    return ls_tarindex_build_only(out, fd, label, NULL, NULL, err);
}

int ls_tarindex_build_only(ls_tarindex **out, int fd, const char *label, const char *const *only,
                           const char *const *stop, ls_error *err)
{
    tar_walk w = {.fd = fd, .label = label, .only = only, .stop = stop};
    struct stat st;
    unsigned char first[TAR_BLOCK];
    uint64_t pos = 0;
    int rc = -1;
    *out = NULL;
    if (fstat(fd, &st) < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: %s", label, strerror(errno));
    w.file_size = (uint64_t)st.st_size;
    if (w.file_size < TAR_BLOCK || read_at(&w, first, TAR_BLOCK, 0, err) < 0 ||
        (!block_is_zero(first) && !checksum_ok(first))) {
        if (err && err->code == LS_ERR_IO)
            return -1;
        return ls_error_set(err, LS_ERR_FORMAT, "%s: not a tar archive", label);
    }
    w.t = calloc(1, sizeof *w.t);
    if (!w.t)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    w.win = malloc(TAR_WINDOW); /* without it, headers are read one by one */
    if (walk_all(&w, pos, err) < 0)
        goto out;
    sort_unique(w.t);
    *out = w.t;
    w.t = NULL;
    rc = 0;
out:
    pending_clear(&w.pending);
    free(w.win);
    ls_tarindex_free(w.t);
    return rc;
}

int ls_tarindex_stream(ls_tarindex **out, ls_reader *in, const char *label, ls_tar_visit_fn visit, void *ctx,
                       ls_error *err)
{
    tar_walk w = {.fd = -1, .label = label, .file_size = UINT64_MAX, .in = in, .visit = visit,
                  .visit_ctx = ctx};
    unsigned char first[TAR_BLOCK];
    ssize_t got;
    uint64_t pos = 0;
    int rc = -1;
    *out = NULL;
    got = stream_upto(&w, first, TAR_BLOCK, 0, err);
    if (got < 0)
        return -1;
    if (got < (ssize_t)TAR_BLOCK || (!block_is_zero(first) && !checksum_ok(first)))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: not a tar archive", label);
    w.t = calloc(1, sizeof *w.t);
    if (!w.t)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    if (block_is_zero(first))
        goto done;
    /* the first header is read again through the walk: replay it */
    w.first = first;
    if (walk_all(&w, pos, err) < 0)
        goto out;
done:
    sort_unique(w.t);
    *out = w.t;
    w.t = NULL;
    rc = 0;
out:
    pending_clear(&w.pending);
    ls_tarindex_free(w.t);
    return rc;
}

const ls_error *ls_tarindex_problem(const ls_tarindex *t)
{
    return t->problem.code == LS_OK ? NULL : &t->problem;
}

size_t ls_tarindex_count(const ls_tarindex *t)
{
    return t ? t->n : 0;
}

const ls_tar_member *ls_tarindex_member(const ls_tarindex *t, size_t i)
{
    return t && i < t->n ? &t->members[i] : NULL;
}

void ls_tarindex_free(ls_tarindex *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        member_free(&t->members[i]);
    free(t->members);
    free(t);
}
