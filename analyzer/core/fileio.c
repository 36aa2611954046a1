/*
 * fileio.c - bounded whole-file reads, atomic replacement, and the one way
 * every command opens its -o output (fileio.h).
 */
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

unsigned char *ls_file_slurp_fd(int fd, uint64_t max, size_t *len)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > max || !(buf = malloc((size_t)st.st_size)))
        goto fail;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto fail;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

unsigned char *ls_file_slurp(const char *path, uint64_t max, size_t *len, bool *exists)
{
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer; the
     * regular-file check refuses it (and a device) right after */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (exists)
        *exists = fd >= 0 || errno != ENOENT;
    if (fd < 0)
        return NULL;
    return ls_file_slurp_fd(fd, max, len);
}

int ls_file_mkdirs(const char *dir)
{
    char p[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(p, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return -1;
        p[i] = i == len ? '\0' : '/';
    }
    return 0;
}

int ls_file_write_all(int fd, const void *p, size_t n)
{
    const unsigned char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int ls_file_replace(const char *path, char *tmpl, const ls_file_part *parts, size_t n)
{
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ls_file_write_all(fd, parts[i].data, parts[i].len) != 0) {
            close(fd);
            unlink(tmpl);
            return -1;
        }
    if (close(fd) != 0 || rename(tmpl, path) != 0) {
        unlink(tmpl);
        return -1;
    }
    return 0;
}

/* ---- output files ------------------------------------------------------ */

static int refuse_existing(const char *path, const struct stat *st, ls_out_mode mode, ls_error *err)
{
    if (S_ISLNK(st->st_mode))
        return ls_error_set(err, LS_ERR_USAGE, "%s is a symlink: refusing to write through it", path);
    if (!S_ISREG(st->st_mode))
        return ls_error_set(err, LS_ERR_USAGE, "%s is not a regular file: refusing to write to it", path);
    if (mode == LS_OUT_NEW)
        return ls_error_set(err, LS_ERR_USAGE, "%s exists: refusing to overwrite it without --force", path);
    return 0;
}

int ls_file_check_output(const char *path, ls_out_mode mode, bool *exists, ls_error *err)
{
    struct stat st;
    *exists = false;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return ls_error_set(err, LS_ERR_IO, "%s: cannot examine: %s", path, strerror(errno));
    }
    if (refuse_existing(path, &st, mode, err) != 0)
        return -1;
    *exists = true;
    return 0;
}

int ls_file_open_output(const char *path, ls_out_mode mode, bool *created, ls_error *err)
{
    int append = mode == LS_OUT_APPEND ? O_APPEND : 0;
    struct stat before, st;
    int fd = -1;
    if (created)
        *created = false;
    /* Two tries: a file that appears between the lstat and the O_EXCL create
     * is examined again; one that keeps changing is refused. */
    for (int tries = 0; tries < 2; tries++) {
        if (lstat(path, &before) != 0) {
            if (errno != ENOENT)
                return ls_error_set(err, LS_ERR_IO, "%s: cannot examine: %s", path, strerror(errno));
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | append, 0600);
            if (fd >= 0) {
                if (created)
                    *created = true;
                return fd;
            }
            if (errno == EEXIST)
                continue;
            return ls_error_set(err, LS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        }
        if (refuse_existing(path, &before, mode, err) != 0)
            return -1;
        /* O_NONBLOCK: if a FIFO was swapped in since the lstat, the open
         * fails (ENXIO) or returns at once instead of waiting for a reader */
        fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | append);
        if (fd < 0) {
            if (errno == ELOOP)
                return ls_error_set(err, LS_ERR_USAGE, "%s is a symlink: refusing to write through it", path);
            if (errno == ENXIO)
                return ls_error_set(err, LS_ERR_USAGE, "%s is not a regular file: refusing to write to it",
                                    path);
            return ls_error_set(err, LS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != before.st_dev ||
            st.st_ino != before.st_ino) {
            close(fd);
            return ls_error_set(err, LS_ERR_USAGE, "%s is not a regular file: refusing to write to it", path);
        }
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
            (mode != LS_OUT_APPEND && ftruncate(fd, 0) != 0)) {
            int e = errno;
            close(fd);
            return ls_error_set(err, LS_ERR_IO, "%s: cannot truncate: %s", path, strerror(e));
        }
        /* ours: what it will hold may be secret, so nobody else reads it */
        if (st.st_uid == geteuid() && (st.st_mode & 077) != 0 && fchmod(fd, st.st_mode & 0700) != 0) {
            int e = errno;
            close(fd);
            return ls_error_set(err, LS_ERR_IO, "%s: cannot restrict its mode to the owner: %s", path,
                                strerror(e));
        }
        return fd;
    }
    return ls_error_set(err, LS_ERR_IO, "%s: keeps changing while it is opened: refusing it", path);
}

FILE *ls_file_fopen_output(const char *path, ls_out_mode mode, ls_error *err)
{
    FILE *f;
    int fd = ls_file_open_output(path, mode, NULL, err);
    if (fd < 0)
        return NULL;
    if (!(f = fdopen(fd, mode == LS_OUT_APPEND ? "a" : "w"))) {
        close(fd);
        ls_error_set(err, LS_ERR_NOMEM, "%s: cannot open a stream: %s", path, strerror(errno));
    }
    return f;
}

int ls_file_temp_beside(const char *path, char *tmp, size_t tmp_cap, ls_error *err)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    int fd, n = snprintf(tmp, tmp_cap, "%.*s.%s.layerscan-XXXXXX", dir_len, path, base);
    if (n < 0 || (size_t)n >= tmp_cap)
        return ls_error_set(err, LS_ERR_USAGE, "%s: path too long", path);
    if ((fd = mkstemp(tmp)) < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
                            strerror(errno));
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

int ls_file_publish(const char *tmp, const char *path, ls_out_mode mode, ls_error *err)
{
    bool exists;
    int rc = -1;
    if (ls_file_check_output(path, mode, &exists, err) != 0)
        goto out;
    if (mode == LS_OUT_NEW) {
        if (link(tmp, path) == 0) {
            rc = 0;
            goto out;
        }
        if (errno == EEXIST) {
            ls_error_set(err, LS_ERR_USAGE, "%s exists: refusing to overwrite it without --force", path);
            goto out;
        }
        /* a file system without hard links: rename, after the check above */
    }
    if (rename(tmp, path) != 0) {
        ls_error_set(err, LS_ERR_IO, "%s: cannot rename the finished file into place: %s", path, strerror(errno));
        goto out;
    }
    return 0;
out:
    unlink(tmp);
    return rc;
}
