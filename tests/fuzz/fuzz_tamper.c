/*
 * fuzz_tamper.c - arbitrary bytes through the structural checks' parsers
 * (analyzer/tamper): the first byte picks authorized_keys (each line to
 * ls_sshkey_parse_line), sshd_config (ls_sshd_config_akf), passwd or shadow
 * (the whole file through the iterator), dpkg's statoverride, key lines
 * as a finding's evidence (ls_tamper_key_evidence), or ld.so.preload's
 * tokens; the rest is the file, copied into
 * a buffer of exactly its size so ASan sees any read past it. All four files
 * are written by whoever built the image. Beyond "no crash, no leak": every
 * span lies inside the input, a fingerprint has ssh-keygen's shape, a
 * refusal is one line with LS_ERR_FORMAT or LS_ERR_LIMIT, kept sshd patterns
 * are NUL-terminated within their bound, and the iterators always advance.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "tamper/accounts.h"
#include "tamper/files.h"
#include "tamper/sshkey.h"

static const char *lo, *hi; /* the input buffer */

static void in_input(const char *p, size_t n)
{
    if (n && (p < lo || p + n > hi))
        abort();
}

static void check_span(ls_span s)
{
    in_input(s.p, s.n);
}

static void fuzz_authorized_keys(const char *b, size_t len)
{
    const char *p = b, *end = b + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        ls_sshkey k;
        ls_error err = {0};
        int rc = ls_sshkey_parse_line(&k, p, n, &err);
        if (rc == 1) {
            size_t fl = strlen(k.fingerprint);
            if (!k.type || strncmp(k.fingerprint, "SHA256:", 7) != 0 || fl != 50 || err.code != LS_OK)
                abort();
            for (size_t i = 7; i < fl; i++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", k.fingerprint[i]))
                    abort();
            in_input(k.comment, k.comment_len);
            if (k.comment < p || k.comment + k.comment_len > p + n)
                abort();
            if (k.options) {
                in_input(k.options, k.options_len);
                if (k.options_len == 0 || k.options < p || k.options + k.options_len > p + n)
                    abort();
            }
        } else if (rc == -1) {
            if ((err.code != LS_ERR_FORMAT && err.code != LS_ERR_LIMIT) || !err.msg[0] || strchr(err.msg, '\n'))
                abort();
        } else if (rc != 0 || err.code != LS_OK) {
            abort();
        }
        p = nl ? nl + 1 : end;
    }
}

static void check_tokens(const ls_sshd_token *t, size_t n, size_t max)
{
    if (n > max)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!memchr(t[i].pattern, '\0', sizeof t[i].pattern))
            abort();
}

static void fuzz_sshd_config(const char *b, size_t len)
{
    static ls_sshd_akf a;
    ls_sshd_config_akf(&a, b, len);
    check_tokens(a.akf, a.n_akf, LS_SSHD_AKF_MAX);
    check_tokens(a.include, a.n_include, LS_SSHD_INCLUDE_MAX);
    for (size_t i = 0; i < a.n_akf; i++)
        if (strcasecmp(a.akf[i].pattern, "none") == 0)
            abort();
}

static void fuzz_passwd(const char *b, size_t len)
{
    static char ev[LS_ACCT_EVIDENCE_SIZE];
    ls_acct_iter it;
    ls_passwd_entry e;
    size_t last = 0;
    int rc;
    ls_acct_iter_init(&it, b, len);
    while ((rc = ls_passwd_next(&it, &e)) != 0) {
        if (it.lineno <= last || (rc != 1 && rc != -1))
            abort();
        last = it.lineno;
        if (rc != 1)
            continue;
        if (e.name.n == 0 || e.line.n > LS_ACCT_LINE_MAX)
            abort();
        check_span(e.line);
        check_span(e.name);
        check_span(e.passwd);
        check_span(e.uid_text);
        check_span(e.gid_text);
        check_span(e.gecos);
        check_span(e.home);
        check_span(e.shell);
        (void)ls_acct_login_shell(e.shell);
        {
            size_t n = ls_passwd_evidence(&e, ev, sizeof ev);
            if (n >= sizeof ev || strlen(ev) != n || n > e.line.n + 2)
                abort();
        }
    }
}

static void fuzz_shadow(const char *b, size_t len)
{
    ls_acct_iter it;
    ls_shadow_entry e;
    size_t last = 0;
    int rc;
    ls_acct_iter_init(&it, b, len);
    while ((rc = ls_shadow_next(&it, &e)) != 0) {
        if (it.lineno <= last || (rc != 1 && rc != -1))
            abort();
        last = it.lineno;
        if (rc != 1)
            continue;
        check_span(e.line);
        check_span(e.name);
        check_span(e.passwd);
        if (e.name.n == 0 || e.empty_password != (e.passwd.n == 0))
            abort();
    }
}

/* The finding's evidence of each line: NUL-terminated within its buffer,
 * the returned length exact, and a key's evidence starts with its type. */
static void fuzz_key_evidence(const char *b, size_t len)
{
    const char *p = b, *end = b + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char out[96];
        size_t w = ls_tamper_key_evidence(p, n, out, sizeof out);
        if (w >= sizeof out || strlen(out) != w || (w && !strstr(out, " SHA256:")))
            abort();
        p = nl ? nl + 1 : end;
    }
}

static void fuzz_statoverride(const char *b, size_t len)
{
    static const unsigned modes[] = {04755, 02755, 06755, 0};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        (void)ls_statoverride_sets(b, len, "/usr/bin/su", modes[i]);
        (void)ls_statoverride_sets(b, len, "", modes[i]);
    }
}

/* Tokens in order, inside the input, never empty, never holding a
 * separator, lines never going back. */
static void fuzz_preload(const char *b, size_t len)
{
    size_t pos = 0, line = 1, last_line = 1, n;
    const char *tok, *prev_end = b;
    while ((n = ls_preload_next(b, len, &pos, &tok, &line)) != 0) {
        in_input(tok, n);
        if (tok < prev_end || line < last_line || pos > len || tok[0] == '#')
            abort();
        for (size_t i = 0; i < n; i++)
            if (strchr(" \t\n:\r", tok[i]) || tok[i] == '\0')
                abort();
        prev_end = tok + n;
        last_line = line;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf;
    if (size < 1 || size > 256 * 1024)
        return 0;
    buf = malloc(size - 1 ? size - 1 : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    lo = buf;
    hi = buf + (size - 1);
    switch (data[0] % 7) {
    case 0: fuzz_authorized_keys(buf, size - 1); break;
    case 1: fuzz_sshd_config(buf, size - 1); break;
    case 2: fuzz_passwd(buf, size - 1); break;
    case 3: fuzz_shadow(buf, size - 1); break;
    case 4: fuzz_statoverride(buf, size - 1); break;
    case 5: fuzz_key_evidence(buf, size - 1); break;
    default: fuzz_preload(buf, size - 1); break;
    }
    free(buf);
    return 0;
}
