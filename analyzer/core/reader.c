/*
 * reader.c - the pull stream and its three leaf kinds: a byte range of a file
 * read with pread (members of an outer tar, blobs of an OCI layout), a whole
 * file, and a memory buffer (tests, metadata); and the one wrapper every
 * layer blob passes through (ls_reader_bounded), so the size bound and the
 * image deadline hold for every transport without each knowing of them.
 */
#include "core/reader.h"

#include "core/mapguard.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

struct ls_reader {
    const ls_reader_ops *ops;
    void *ctx;
    unsigned char *block;   /* ls_reader_blocks' buffer when ops cannot lend (owned) */
};

ls_reader *ls_reader_new(const ls_reader_ops *ops, void *ctx)
{
    ls_reader *r = malloc(sizeof *r);
    if (!r) {
        if (ops->close)
            ops->close(ctx);
        return NULL;
    }
    r->ops = ops;
    r->ctx = ctx;
    r->block = NULL;
    return r;
}

ssize_t ls_reader_read(ls_reader *r, void *buf, size_t n, ls_error *err)
{
    return r->ops->read(r->ctx, buf, n, err);
}

int ls_reader_can_peek(const ls_reader *r)
{
    return r->ops->peek != NULL;
}

ssize_t ls_reader_peek(ls_reader *r, const void **buf, ls_error *err)
{
    return r->ops->peek(r->ctx, buf, err);
}

static int reader_blocks_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    ls_reader *r = ud;
    ssize_t n;
    if (r->ops->peek) {
        n = r->ops->peek(r->ctx, buf, err);
    } else {
        if (!r->block && !(r->block = malloc(LS_READER_BLOCK)))
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        n = r->ops->read(r->ctx, r->block, LS_READER_BLOCK, err);
        *buf = r->block;
    }
    if (n <= 0)
        return (int)n;
    *len = (size_t)n;
    return 1;
}

ls_blocks ls_reader_blocks(ls_reader *r)
{
    return (ls_blocks){.next = reader_blocks_next, .ud = r};
}

const void *ls_reader_map(ls_reader *r, uint64_t *len)
{
    return r->ops->map ? r->ops->map(r->ctx, len) : NULL;
}

const char *ls_reader_name(ls_reader *r)
{
    return r->ops->name ? r->ops->name(r->ctx) : NULL;
}

ssize_t ls_reader_read_full(ls_reader *r, void *buf, size_t n, ls_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = ls_reader_read(r, (char *)buf + got, n - got, err);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

void ls_reader_free(ls_reader *r)
{
    if (!r)
        return;
    if (r->ops->close)
        r->ops->close(r->ctx);
    free(r->block);
    free(r);
}

/* ---- a byte range of a file descriptor ---------------------------------- */

typedef struct {
    int fd;
    int owns_fd;
    uint64_t start, pos, end;
    void *map;            /* the mapping of [start, end), page-aligned below */
    size_t map_len;       /* its length from the page boundary */
    size_t map_skew;      /* start - the page boundary */
    char name[256];
} fd_range;

static ssize_t fd_range_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    fd_range *f = ctx;
    if (f->pos >= f->end)
        return 0;
    if (n > f->end - f->pos)
        n = (size_t)(f->end - f->pos);
    for (;;) {
        ssize_t k = pread(f->fd, buf, n, (off_t)f->pos);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ls_error_set(err, LS_ERR_IO, "%s: read failed: %s", f->name, strerror(errno));
        if (k == 0)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: file ends %llu bytes early", f->name,
                                (unsigned long long)(f->end - f->pos));
        f->pos += (uint64_t)k;
        return k;
    }
}

/* Whether fd lives on a local disk file system. A mapped page that cannot
 * be read (an I/O error, a network file system's hiccup, a file cut short
 * under us) raises SIGBUS where pread would return an error we can report,
 * so only file systems on local storage are mapped. */
static bool local_fs(int fd)
{
    static const unsigned long local[] = {
        0xEF53,     /* ext2/3/4 */
        0x58465342, /* xfs */
        0x9123683E, /* btrfs */
        0xF2F52010, /* f2fs */
        0x2FC12FC1, /* zfs */
        0x01021994, /* tmpfs */
        0x794C7630, /* overlayfs (a container's root) */
    };
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return false;
    for (size_t i = 0; i < sizeof local / sizeof *local; i++)
        if ((unsigned long)fs.f_type == local[i])
            return true;
    return false;
}

/* Maps [start, end) once. Only a regular file on a local file system whose
 * size covers the range is mapped (anything else is read, and reports its
 * own errors), and only once the SIGBUS guard is installed: a file cut short
 * later is then an error of its readers (mapguard.h), not the end of the
 * process. */
static const void *fd_range_map(void *ctx, uint64_t *len)
{
    fd_range *f = ctx;
    struct stat st;
    long page = sysconf(_SC_PAGESIZE);
    uint64_t base;
    void *p;
    if (!f->map) {
        if (!ls_mapguard_ready() || page <= 0 || f->end <= f->start || fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
            (uint64_t)st.st_size < f->end || f->end - f->start > SIZE_MAX / 2 || !local_fs(f->fd))
            return NULL;
        base = f->start - f->start % (uint64_t)page;
        p = mmap(NULL, (size_t)(f->end - base), PROT_READ, MAP_SHARED, f->fd, (off_t)base);
        if (p == MAP_FAILED)
            return NULL;
        (void)madvise(p, (size_t)(f->end - base), MADV_SEQUENTIAL);
        f->map = p;
        f->map_len = (size_t)(f->end - base);
        f->map_skew = (size_t)(f->start - base);
    }
    *len = f->end - f->start;
    return (const unsigned char *)f->map + f->map_skew;
}

static void fd_range_close(void *ctx)
{
    fd_range *f = ctx;
    if (f->map)
        munmap(f->map, f->map_len);
    if (f->owns_fd)
        close(f->fd);
    free(f);
}

static const char *fd_range_name(void *ctx)
{
    return ((fd_range *)ctx)->name;
}

static const ls_reader_ops fd_range_ops = {.read = fd_range_read, .close = fd_range_close,
                                           .map = fd_range_map, .name = fd_range_name};

static ls_reader *fd_range_new(int fd, int owns, uint64_t off, uint64_t len, const char *name)
{
    fd_range *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->fd = fd;
    f->owns_fd = owns;
    f->start = f->pos = off;
    f->end = off + len;
    snprintf(f->name, sizeof f->name, "%s", name ? name : "(input)");
    return ls_reader_new(&fd_range_ops, f);
}

ls_reader *ls_reader_fd_range(int fd, uint64_t off, uint64_t len, const char *name)
{
    return fd_range_new(fd, 0, off, len, name);
}

ls_reader *ls_reader_fd_range_owned(int fd, uint64_t off, uint64_t len, const char *name)
{
    ls_reader *r = fd_range_new(fd, 1, off, len, name);
    if (!r)
        close(fd);
    return r;
}

ls_reader *ls_reader_open_file(const char *path, ls_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    off_t size;
    ls_reader *r;
    if (fd < 0) {
        ls_error_set(err, LS_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size = lseek(fd, 0, SEEK_END);
    if (size < 0) {
        ls_error_set(err, LS_ERR_IO, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    r = ls_reader_fd_range_owned(fd, 0, (uint64_t)size, path);
    if (!r)
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    return r;
}

/* ---- a memory buffer ---------------------------------------------------- */

typedef struct {
    const unsigned char *data;
    size_t len, pos;
} mem_reader;

static ssize_t mem_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    mem_reader *m = ctx;
    (void)err;
    if (n > m->len - m->pos)
        n = m->len - m->pos;
    if (n == 0)
        return 0;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static const ls_reader_ops mem_ops = {.read = mem_read, .close = free};

ls_reader *ls_reader_mem(const void *data, size_t len)
{
    mem_reader *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->data = data;
    m->len = len;
    return ls_reader_new(&mem_ops, m);
}

/* ---- bounds ------------------------------------------------------------- */

uint64_t ls_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void ls_format_size(char *out, size_t cap, uint64_t n)
{
    static const char units[] = "KMGT";
    int u = -1;
    while (u < 3 && n >= 1024 && n % 1024 == 0) {
        n /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(out, cap, "%llu", (unsigned long long)n);
    else
        snprintf(out, cap, "%llu%c", (unsigned long long)n, units[u]);
}

typedef struct {
    ls_reader *inner;
    ls_reader_bounds b;
    uint64_t pos;         /* bytes handed out */
    char name[256];
} bounded;

/* Whether k more bytes (or, for k == 0, another read) are allowed. */
static int bounded_check(bounded *w, uint64_t k, ls_error *err)
{
    char lim[32];
    if (w->b.max_bytes && k > w->b.max_bytes - w->pos) {
        ls_format_size(lim, sizeof lim, w->b.max_bytes);
        return ls_error_set(err, LS_ERR_LIMIT,
                            "%s: larger than --max-layer-size %s (read stopped there)",
                            w->name, lim);
    }
    if (w->b.deadline_ms && ls_monotonic_ms() >= w->b.deadline_ms)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: --image-timeout reached", w->name);
    return 0;
}

static ssize_t bounded_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    bounded *w = ctx;
    ssize_t k;
    if (bounded_check(w, 0, err) < 0)
        return -1;
    /* one byte past the bound is asked for, so a longer stream is caught
     * without handing out anything beyond it */
    if (w->b.max_bytes && n > w->b.max_bytes - w->pos + 1)
        n = (size_t)(w->b.max_bytes - w->pos + 1);
    k = ls_reader_read(w->inner, buf, n, err);
    if (k > 0 && bounded_check(w, (uint64_t)k, err) < 0)
        return -1;
    if (k > 0)
        w->pos += (uint64_t)k;
    return k;
}

static ssize_t bounded_peek(void *ctx, const void **buf, ls_error *err)
{
    bounded *w = ctx;
    ssize_t k;
    if (bounded_check(w, 0, err) < 0)
        return -1;
    k = ls_reader_peek(w->inner, buf, err);
    if (k > 0 && bounded_check(w, (uint64_t)k, err) < 0)
        return -1;
    if (k > 0)
        w->pos += (uint64_t)k;
    return k;
}

static const void *bounded_map(void *ctx, uint64_t *len)
{
    bounded *w = ctx;
    const void *p = ls_reader_map(w->inner, len);
    if (p && w->b.max_bytes && *len > w->b.max_bytes)
        return NULL; /* read instead: the read past the bound fails */
    return p;
}

/* The file is the inner reader's: a fault in a mapping names it. */
static const char *bounded_name(void *ctx)
{
    bounded *w = ctx;
    return ls_reader_name(w->inner);
}

static void bounded_close(void *ctx)
{
    bounded *w = ctx;
    ls_reader_free(w->inner);
    free(w);
}

static const ls_reader_ops bounded_ops = {.read = bounded_read, .close = bounded_close,
                                          .map = bounded_map, .name = bounded_name};
static const ls_reader_ops bounded_peek_ops = {.read = bounded_read, .close = bounded_close,
                                               .peek = bounded_peek, .map = bounded_map,
                                               .name = bounded_name};

ls_reader *ls_reader_bounded(ls_reader *inner, const ls_reader_bounds *b, const char *name)
{
    bounded *w = calloc(1, sizeof *w);
    if (!w) {
        ls_reader_free(inner);
        return NULL;
    }
    w->inner = inner;
    w->b = *b;
    snprintf(w->name, sizeof w->name, "%s", name ? name : "(layer)");
    return ls_reader_new(ls_reader_can_peek(inner) ? &bounded_peek_ops : &bounded_ops, w);
}
