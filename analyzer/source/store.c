/*
 * store.c - named files of an image, from a directory or an indexed tar.
 *
 * Both kinds hand out readers that read with pread, so several layers can be
 * read at once. A directory store opens every path component relative to
 * the layout's directory descriptor with O_NOFOLLOW: metadata cannot send us
 * outside the layout with "..", an absolute path or a symlink, and a FIFO or
 * device in the layout is refused rather than blocking or streaming forever.
 */
#include "source/store.h"

#include "source/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ls_store {
    int fd;            /* the layout directory, or the archive file */
    ls_tarindex *tar;  /* NULL for a directory store */
    char *label;
    size_t max_json;   /* --max-json-size: bound on index/manifest/config reads */
};

static ls_store *store_new(int fd, ls_tarindex *tar, const char *label)
{
    ls_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->max_json = LS_MAX_JSON_BYTES;
    s->label = strdup(label);
    if (!s->label) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->tar = tar;
    return s;
}

int ls_store_open_dir(ls_store **out, const char *dir, ls_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    *out = NULL;
    if (fd < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: %s", dir, strerror(errno));
    *out = store_new(fd, NULL, dir);
    if (!*out) {
        close(fd);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", dir);
    }
    return 0;
}

int ls_store_open_tar(ls_store **out, int fd, ls_tarindex *idx, const char *label, ls_error *err)
{
    *out = store_new(fd, idx, label);
    if (!*out) {
        close(fd);
        ls_tarindex_free(idx);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    }
    return 0;
}

const char *ls_store_label(const ls_store *s)
{
    return s->label;
}

int ls_store_check_name(const ls_store *s, const char *name, ls_error *err)
{
    const char *p = name;
    if (!name || !*name || *name == '/')
        goto refuse;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            goto refuse;
        p += len;
        if (*p == '/')
            p++;
    }
    return 0;
refuse:
    return ls_error_set(err, LS_ERR_FORMAT, "%s: path %s escapes the image (refused)", s->label,
                        name ? name : "(null)");
}

/* ---- directory stores --------------------------------------------------- */

/* Opens name under the layout, one component at a time, never following a
 * symlink. Returns an fd, or -1 with errno set (ENOENT when missing, ELOOP
 * for a symlink, EINVAL for something that is not a regular file). */
static int dir_open(const ls_store *s, const char *name)
{
    char comp[LS_TAR_MAX_NAME + 1];
    const char *p = name;
    int dfd = s->fd, fd = -1;
    for (;;) {
        size_t len = strcspn(p, "/");
        int last = p[len] == '\0';
        int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NONBLOCK : O_DIRECTORY);
        if (len >= sizeof comp) {
            errno = ENAMETOOLONG;
            fd = -1;
            break;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        fd = len == 0 || (len == 1 && comp[0] == '.') ? dup(dfd) : openat(dfd, comp, flags);
        if (dfd != s->fd)
            close(dfd);
        if (fd < 0 || last)
            break;
        dfd = fd;
        p += len + 1;
    }
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
    }
    return fd;
}

static int dir_failure(const ls_store *s, const char *name, bool *missing, ls_error *err)
{
    if (errno == ENOENT) {
        if (missing)
            *missing = true;
        return ls_error_set(err, LS_ERR_IO, "%s: %s is missing", s->label, name);
    }
    if (errno == ELOOP)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: %s is a symlink (refused)", s->label, name);
    if (errno == EINVAL || errno == ENOTDIR)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: %s is not a regular file", s->label, name);
    return ls_error_set(err, LS_ERR_IO, "%s: %s: %s", s->label, name, strerror(errno));
}

/* Opens a directory-store file: fd and size. */
static int dir_locate(const ls_store *s, const char *name, int *fd, uint64_t *size, bool *missing,
                      ls_error *err)
{
    struct stat st;
    *fd = dir_open(s, name);
    if (*fd < 0)
        return dir_failure(s, name, missing, err);
    if (fstat(*fd, &st) < 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        return ls_error_set(err, LS_ERR_IO, "%s: %s: %s", s->label, name, strerror(e));
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

/* ---- both kinds --------------------------------------------------------- */

static char *display_name(const ls_store *s, const char *name)
{
    size_t n = strlen(s->label) + strlen(name) + 2;
    char *d = malloc(n);
    if (d)
        snprintf(d, n, "%s/%s", s->label, name);
    return d;
}

ls_reader *ls_store_open(ls_store *s, const char *name, bool *missing, ls_error *err)
{
    ls_reader *r = NULL;
    char *shown = NULL;
    if (missing)
        *missing = false;
    if (ls_store_check_name(s, name, err) < 0)
        return NULL;
    shown = display_name(s, name);
    if (!shown) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", s->label);
        return NULL;
    }
    if (s->tar) {
        const ls_tar_member *m = ls_tarindex_find(s->tar, name);
        if (!m) {
            if (missing)
                *missing = true;
            ls_error_set(err, LS_ERR_IO, "%s: %s is missing", s->label, name);
            goto out;
        }
        if (m->offset == LS_TAR_NOT_KEPT) { /* a stream's member, scanned as it passed */
            ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: %s was read once from the stream and not kept",
                         s->label, name);
            goto out;
        }
        r = ls_reader_fd_range(s->fd, m->offset, m->size, shown);
    } else {
        int fd;
        uint64_t size;
        if (dir_locate(s, name, &fd, &size, missing, err) < 0)
            goto out;
        r = ls_reader_fd_range_owned(fd, 0, size, shown);
    }
    if (!r)
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", s->label);
out:
    free(shown);
    return r;
}

const char *ls_store_member(const ls_store *s, const char *name)
{
    const ls_tar_member *m = s->tar ? ls_tarindex_find(s->tar, name) : NULL;
    return m ? m->name : NULL;
}

int ls_store_has(ls_store *s, const char *name, ls_error *err)
{
    int fd;
    uint64_t size;
    bool missing = false;
    ls_error local = {0};
    if (ls_store_check_name(s, name, err) < 0)
        return -1;
    if (s->tar)
        return ls_tarindex_find(s->tar, name) ? 1 : 0;
    if (dir_locate(s, name, &fd, &size, &missing, &local) < 0) {
        if (missing)
            return 0;
        ls_error_pass(err, &local);
        return -1;
    }
    close(fd);
    return 1;
}

/* The size of name, for the max check before allocating. */
static int store_size(ls_store *s, const char *name, uint64_t *size, ls_error *err)
{
    if (s->tar) {
        const ls_tar_member *m = ls_tarindex_find(s->tar, name);
        if (!m)
            return ls_error_set(err, LS_ERR_IO, "%s: %s is missing", s->label, name);
        *size = m->size;
        return 0;
    } else {
        int fd;
        if (dir_locate(s, name, &fd, size, NULL, err) < 0)
            return -1;
        close(fd);
        return 0;
    }
}

int ls_store_read_all(ls_store *s, const char *name, size_t max, unsigned char **data, size_t *len,
                      ls_error *err)
{
    uint64_t size = 0;
    unsigned char *buf = NULL;
    ls_reader *r = NULL;
    ssize_t got;
    int rc = -1;
    *data = NULL;
    *len = 0;
    if (ls_store_check_name(s, name, err) < 0 || store_size(s, name, &size, err) < 0)
        return -1;
    if (size > max)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: %s is larger than %zu bytes (refused; see --max-json-size)", s->label,
                            name, max);
    buf = malloc((size_t)size + 1);
    if (!buf)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", s->label);
    r = ls_store_open(s, name, NULL, err);
    if (!r)
        goto out;
    got = ls_reader_read_full(r, buf, (size_t)size, err);
    if (got < 0)
        goto out;
    if ((uint64_t)got != size) {
        ls_error_set(err, LS_ERR_IO, "%s: %s changed while being read", s->label, name);
        goto out;
    }
    buf[size] = '\0';
    *data = buf;
    *len = (size_t)size;
    buf = NULL;
    rc = 0;
out:
    ls_reader_free(r);
    free(buf);
    return rc;
}

void ls_store_free(ls_store *s)
{
    if (!s)
        return;
    close(s->fd);
    ls_tarindex_free(s->tar);
    free(s->label);
    free(s);
}

void ls_store_set_max_json(ls_store *s, uint64_t max)
{
    if (max)
        s->max_json = max > LS_MAX_JSON_HARD ? LS_MAX_JSON_HARD : (size_t)max;
}

size_t ls_store_max_json(const ls_store *s)
{
    return s->max_json;
}

/* Tar store: the members named DIR/<base> with no further '/'. */
static int tar_list(ls_store *s, const char *dir, size_t max, ls_store_list_fn fn, void *ctx)
{
    size_t dlen = strlen(dir), seen = 0;
    for (size_t i = 0; i < ls_tarindex_count(s->tar) && seen < max; i++) {
        const ls_tar_member *m = ls_tarindex_member(s->tar, i);
        const char *base = m->name + dlen + 1;
        int rc;
        if (m->type != '0' || strncmp(m->name, dir, dlen) != 0 || m->name[dlen] != '/' ||
            !*base || strchr(base, '/'))
            continue;
        seen++;
        if ((rc = fn(ctx, base, m->size)) != 0)
            return rc;
    }
    return 0;
}

/* Directory store: the directory is opened component by component like a
 * file (no symlink followed), then read with readdir; entries are stat'ed
 * without following links, so only regular files are reported. */
static int dir_list(ls_store *s, const char *dir, size_t max, ls_store_list_fn fn, void *ctx,
                    ls_error *err)
{
    int dfd = s->fd, fd;
    char comp[LS_TAR_MAX_NAME + 1];
    const char *p = dir;
    DIR *d;
    struct dirent *e;
    size_t seen = 0;
    int rc = 0;
    for (;;) { /* walk to the directory without following symlinks */
        size_t len = strcspn(p, "/");
        if (len == 0 || len >= sizeof comp)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: bad directory name %s", s->label, dir);
        memcpy(comp, p, len);
        comp[len] = '\0';
        fd = openat(dfd, comp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY);
        if (dfd != s->fd)
            close(dfd);
        if (fd < 0)
            return errno == ENOENT || errno == ENOTDIR || errno == ELOOP
                       ? 0
                       : ls_error_set(err, LS_ERR_IO, "%s: %s: %s", s->label, dir, strerror(errno));
        if (!p[len])
            break;
        dfd = fd;
        p += len + 1;
    }
    if (!(d = fdopendir(fd))) {
        close(fd);
        return ls_error_set(err, LS_ERR_IO, "%s: %s: %s", s->label, dir, strerror(errno));
    }
    while (rc == 0 && seen < max && (e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        seen++;
        rc = fn(ctx, e->d_name, (uint64_t)st.st_size);
    }
    closedir(d);
    return rc;
}

int ls_store_list(ls_store *s, const char *dir, size_t max, ls_store_list_fn fn, void *ctx,
                  ls_error *err)
{
    if (ls_store_check_name(s, dir, err) < 0)
        return -1;
    return s->tar ? tar_list(s, dir, max, fn, ctx) : dir_list(s, dir, max, fn, ctx, err);
}
