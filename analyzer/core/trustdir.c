/*
 * trustdir.c - see trustdir.h. The walk resolves the ancestors' symlinks
 * once (realpath of the parent), then opens the resolved path again one
 * component at a time from "/" with O_NOFOLLOW, checking each directory's
 * owner and mode on the open descriptor (fstat), so what is checked is what
 * is used. Ancestors are opened O_PATH: a directory we may only traverse
 * (a 0711 home) is still checked.
 */
#define _GNU_SOURCE /* O_PATH */
#include "core/trustdir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif

#define TRUST_PATH_MAX 4096

/* A directory of ours: owned by euid, not writable by group or others. */
static int check_own(const struct stat *st, const char *label, ls_error *err)
{
    if (S_ISLNK(st->st_mode))
        return ls_error_set(err, LS_ERR_IO, "%s: is a symbolic link", label);
    if (st->st_uid != geteuid())
        return ls_error_set(err, LS_ERR_IO, "%s: owned by uid %u, not by this user (uid %u)", label,
                            (unsigned)st->st_uid, (unsigned)geteuid());
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return ls_error_set(err, LS_ERR_IO, "%s: writable by group or others (mode %04o)", label,
                            (unsigned)(st->st_mode & 07777));
    return 0;
}

/* An ancestor: owned by root or us; writable by others only when sticky
 * (then nobody else can rename or remove what we own in it). A
 * group-writable ancestor is accepted: its group is trusted with the
 * directories in it (a Kubernetes volume with fsGroup is root:fsGroup 2775,
 * its group the pods of the job). */
static int check_ancestor(const struct stat *st, const char *label, ls_error *err)
{
    if (!S_ISDIR(st->st_mode))
        return ls_error_set(err, LS_ERR_IO, "%s: not a directory", label);
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return ls_error_set(err, LS_ERR_IO, "%s: an ancestor owned by uid %u (not root, not this user)",
                            label, (unsigned)st->st_uid);
    if ((st->st_mode & S_IWOTH) && !(st->st_mode & S_ISVTX))
        return ls_error_set(err, LS_ERR_IO, "%s: an ancestor writable by others without the sticky bit (mode %04o)",
                            label, (unsigned)(st->st_mode & 07777));
    return 0;
}

int ls_trustdir_openat(int dirfd, const char *label, const char *name, bool create, ls_error *err)
{
    char where[TRUST_PATH_MAX + 256];
    struct stat st;
    int fd;
    snprintf(where, sizeof where, "%s%s%s", label, label[0] && label[strlen(label) - 1] == '/' ? "" : "/",
             name);
    if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return ls_error_set(err, LS_ERR_USAGE, "%s: not a directory name", where);
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT || !create)
            return ls_error_set(err, LS_ERR_IO, "%s: %s", where, strerror(errno));
        if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
            return ls_error_set(err, LS_ERR_IO, "%s: cannot create: %s", where, strerror(errno));
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return ls_error_set(err, LS_ERR_IO, "%s: %s", where, strerror(errno));
    }
    if (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode))
        return ls_error_set(err, LS_ERR_IO, "%s: not a directory", where);
    if (check_own(&st, where, err) != 0) /* before opening: another user's may not even open */
        return -1;
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: %s", where, strerror(errno));
    if (fstat(fd, &st) != 0 || check_own(&st, where, err) != 0) { /* what we opened is what counts */
        if (err && err->code == LS_OK)
            ls_error_set(err, LS_ERR_IO, "%s: %s", where, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Opens the resolved absolute directory `canon` from "/", checking every
 * component as an ancestor. An O_PATH descriptor, or -1 with err. */
static int open_ancestors(const char *canon, ls_error *err)
{
    char label[TRUST_PATH_MAX], copy[TRUST_PATH_MAX], *save = NULL, *comp;
    struct stat st;
    size_t used = 0;
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), next;
    if (fd < 0)
        return ls_error_set(err, LS_ERR_IO, "/: %s", strerror(errno));
    if (fstat(fd, &st) != 0 || check_ancestor(&st, "/", err) != 0) {
        close(fd);
        return -1;
    }
    snprintf(copy, sizeof copy, "%s", canon);
    label[0] = '\0';
    for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
        int k = snprintf(label + used, sizeof label - used, "/%s", comp);
        if (k < 0 || (size_t)k >= sizeof label - used) {
            close(fd);
            return ls_error_set(err, LS_ERR_USAGE, "%s: name too long", canon);
        }
        used += (size_t)k;
        next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        if (next < 0)
            return ls_error_set(err, LS_ERR_IO, "%s: %s", label, strerror(errno));
        fd = next;
        if (fstat(fd, &st) != 0 || check_ancestor(&st, label, err) != 0) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

int ls_trustdir_open(const char *path, bool create, ls_error *err)
{
    char abs[TRUST_PATH_MAX], parent[TRUST_PATH_MAX], canon[PATH_MAX], *slash, *leaf;
    size_t len;
    int pfd, fd;
    if (!path || !*path)
        return ls_error_set(err, LS_ERR_USAGE, "cache directory name is empty");
    if (path[0] == '/') {
        if (snprintf(abs, sizeof abs, "%s", path) >= (int)sizeof abs)
            return ls_error_set(err, LS_ERR_USAGE, "%.200s...: name too long", path);
    } else {
        char cwd[TRUST_PATH_MAX];
        if (!getcwd(cwd, sizeof cwd) || snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= (int)sizeof abs)
            return ls_error_set(err, LS_ERR_USAGE, "%s: name too long", path);
    }
    for (len = strlen(abs); len > 1 && abs[len - 1] == '/'; len--)
        abs[len - 1] = '\0';
    slash = strrchr(abs, '/');
    leaf = slash + 1;
    if (!*leaf || strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0) {
        /* "/", "x/.", "x/..": the directory a resolved name gives */
        if (!realpath(abs, canon))
            return ls_error_set(err, LS_ERR_IO, "%s: %s", path, strerror(errno));
        if (strcmp(canon, "/") == 0)
            return ls_error_set(err, LS_ERR_USAGE, "%s: the root directory is no cache directory", path);
        snprintf(abs, sizeof abs, "%s", canon);
        slash = strrchr(abs, '/');
        leaf = slash + 1;
    }
    if (slash == abs)
        snprintf(parent, sizeof parent, "/");
    else
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - abs), abs);
    if (create && ls_file_mkdirs(parent) != 0)
        return ls_error_set(err, LS_ERR_IO, "%s: cannot create: %s", parent, strerror(errno));
    if (!realpath(parent, canon))
        return ls_error_set(err, LS_ERR_IO, "%s: %s", parent, strerror(errno));
    if ((pfd = open_ancestors(canon, err)) < 0)
        return -1;
    fd = ls_trustdir_openat(pfd, strcmp(canon, "/") == 0 ? "" : canon, leaf, create, err);
    close(pfd);
    return fd;
}

unsigned char *ls_trustdir_slurp(int dirfd, const char *name, uint64_t max, size_t *len, int *state)
{
    struct stat st;
    unsigned char *buf;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int dummy;
    state = state ? state : &dummy;
    *state = fd < 0 && errno == ENOENT ? LS_TRUST_ABSENT : LS_TRUST_REFUSED;
    if (fd < 0)
        return NULL;
    /* ours, and only ours to write; ls_file_slurp_fd checks type and size */
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        close(fd);
        return NULL;
    }
    if (!(buf = ls_file_slurp_fd(fd, max, len)))
        return NULL;
    *state = LS_TRUST_READ;
    return buf;
}

/* ".tmp-" and 12 random characters from [a-z0-9]. */
static int temp_name(char out[24])
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[12];
    if (getentropy(r, sizeof r) != 0)
        return -1;
    memcpy(out, ".tmp-", 5);
    for (size_t i = 0; i < sizeof r; i++)
        out[5 + i] = set[r[i] % (sizeof set - 1)];
    out[17] = '\0';
    return 0;
}

int ls_trustdir_replace(int dirfd, const char *name, const ls_file_part *parts, size_t n, bool no_replace)
{
    char tmp[24];
    int fd = -1, tries = 0, saved;
    do {
        if (temp_name(tmp) != 0)
            return -1;
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    } while (fd < 0 && errno == EEXIST && ++tries < 8);
    if (fd < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ls_file_write_all(fd, parts[i].data, parts[i].len) != 0)
            goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (no_replace) {
        if (linkat(dirfd, tmp, dirfd, name, 0) != 0)
            goto fail;
        unlinkat(dirfd, tmp, 0);
        return 0;
    }
    if (renameat(dirfd, tmp, dirfd, name) != 0)
        goto fail;
    return 0;
fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlinkat(dirfd, tmp, 0);
    errno = saved;
    return -1;
}
