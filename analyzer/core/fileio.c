/*
 * fileio.c - bounded whole-file reads and atomic replacement (fileio.h).
 */
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

unsigned char *ls_file_slurp(const char *path, uint64_t max, size_t *len, bool *exists)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (exists)
        *exists = fd >= 0 || errno != ENOENT;
    if (fd < 0)
        return NULL;
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
