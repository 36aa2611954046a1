/*
 * path.c - name normalization, kept apart from the tar walk because every
 * stage that compares paths (whiteouts, hard links, fate) must agree on it.
 */
#include "layer/path.h"

#include <stdlib.h>
#include <string.h>

char *ls_path_normalize(const char *name)
{
    size_t n = strlen(name);
    char *out = malloc(n + 2);
    size_t len = 0;
    const char *p = name;
    if (!out)
        return NULL;
    while (*p) {
        const char *start, *end;
        size_t clen;
        while (*p == '/')
            p++;
        start = p;
        while (*p && *p != '/')
            p++;
        end = p;
        clen = (size_t)(end - start);
        if (clen == 0 || (clen == 1 && start[0] == '.'))
            continue;
        if (clen == 2 && start[0] == '.' && start[1] == '.') {
            /* clamp at the root: drop the last component written, if any */
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
            continue;
        }
        out[len++] = '/';
        memcpy(out + len, start, clen);
        len += clen;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    return out;
}

void ls_path_dirname(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (cap == 0)
        return;
    if (n == 0) {
        out[0] = '/';
        if (cap > 1)
            out[1] = '\0';
        else
            out[0] = '\0';
        return;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(out, path, n);
    out[n] = '\0';
}

const char *ls_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *ls_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *tmp = malloc(a + b + 2);
    char *out;
    if (!tmp)
        return NULL;
    memcpy(tmp, dir, a);
    tmp[a] = '/';
    memcpy(tmp + a + 1, name, b + 1);
    out = ls_path_normalize(tmp);
    free(tmp);
    return out;
}
