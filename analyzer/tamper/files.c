/*
 * files.c - see files.h.
 */
#include "tamper/files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tamper/sshkey.h"

ls_tamper_file ls_tamper_classify(const char *path)
{
    static const char confd[] = "/etc/ssh/sshd_config.d/";
    size_t n;
    if (strncmp(path, "/etc/", 5) != 0 && strncmp(path, "/var/lib/dpkg/", 14) != 0)
        return LS_TFILE_NONE;
    if (strcmp(path, "/etc/passwd") == 0)
        return LS_TFILE_PASSWD;
    if (strcmp(path, "/etc/shadow") == 0)
        return LS_TFILE_SHADOW;
    if (strcmp(path, "/etc/ssh/sshd_config") == 0)
        return LS_TFILE_SSHD_CONFIG;
    if (strcmp(path, "/var/lib/dpkg/statoverride") == 0)
        return LS_TFILE_STATOVERRIDE;
    if (strcmp(path, "/etc/ld.so.preload") == 0)
        return LS_TFILE_LD_PRELOAD;
    /* sshd's Include on Debian and Fedora: every sshd_config.d/NAME.conf */
    n = strlen(path);
    if (strncmp(path, confd, sizeof confd - 1) == 0 && n > sizeof confd - 1 + 5 &&
        strcmp(path + n - 5, ".conf") == 0 && !strchr(path + sizeof confd - 1, '/'))
        return LS_TFILE_SSHD_CONFIG;
    return LS_TFILE_NONE;
}

size_t ls_tamper_key_evidence(const char *line, size_t n, char *out, size_t cap)
{
    ls_sshkey k;
    ls_error err = {0};
    int w;
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (ls_sshkey_parse_line(&k, line, n, &err) != 1 || !k.type_matches)
        return 0;
    if (k.comment_len)
        w = snprintf(out, cap, "%s %s %.*s", k.type, k.fingerprint, (int)k.comment_len, k.comment);
    else
        w = snprintf(out, cap, "%s %s", k.type, k.fingerprint);
    if (w < 0)
        return 0;
    return (size_t)w < cap ? (size_t)w : cap - 1;
}

bool ls_tamper_setid(uint32_t mode)
{
    return (mode & 06000) != 0;
}

void ls_tamper_setid_evidence(uint32_t mode, int64_t uid, int64_t gid, int64_t size, char *out, size_t cap)
{
    snprintf(out, cap, "mode %04o, owner %lld:%lld, size %lld", (unsigned)(mode & 07777), (long long)uid,
             (long long)gid, (long long)size);
}

bool ls_statoverride_sets(const void *bytes, size_t len, const char *path, unsigned mode)
{
    const char *p = bytes, *end = p + len;
    size_t plen = strlen(path);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *f[4];
        size_t flen[4], k = 0;
        const char *q = p;
        while (k < 4 && q < e) {
            while (q < e && (*q == ' ' || *q == '\t'))
                q++;
            if (q == e)
                break;
            f[k] = q;
            /* the path is the rest of the line: it may hold blanks */
            while (q < e && (k == 3 || (*q != ' ' && *q != '\t')))
                q++;
            flen[k] = (size_t)(q - f[k]);
            k++;
        }
        if (k == 4 && flen[3] == plen && memcmp(f[3], path, plen) == 0 && flen[2] < 8) {
            char m[8];
            memcpy(m, f[2], flen[2]);
            m[flen[2]] = '\0';
            if ((unsigned)strtoul(m, NULL, 8) == mode)
                return true;
        }
        p = nl ? nl + 1 : end;
    }
    return false;
}

size_t ls_preload_next(const char *bytes, size_t len, size_t *pos, const char **tok, size_t *line)
{
    size_t i = *pos, lineno = *line;
    for (;;) {
        while (i < len && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == ':' ||
                           bytes[i] == '\r' || bytes[i] == '\0')) {
            lineno += bytes[i] == '\n';
            i++;
        }
        if (i >= len) {
            *pos = len;
            return 0;
        }
        if (bytes[i] == '#') {
            while (i < len && bytes[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    *tok = bytes + i;
    *line = lineno;
    while (i < len && bytes[i] != ' ' && bytes[i] != '\t' && bytes[i] != '\n' && bytes[i] != ':' &&
           bytes[i] != '\r' && bytes[i] != '\0')
        i++;
    *pos = i;
    return (size_t)(bytes + i - *tok);
}
