/*
 * redact.c - secrets never reach an output whole unless the user asks.
 *
 * A redacted secret keeps just enough of each end for a responder to match it
 * against a credential inventory: 4 + 4 characters of a long secret, 2 + 2 of
 * a medium one, nothing of a short one (a 6-character password shown 2+2 is
 * mostly shown), and the BEGIN line of a PEM block. The evidence of a tamper
 * or hygiene finding (a command, an account) is no secret: it is shown, with
 * any secret it contains redacted.
 */
#include "report/writer.h"

#include <stdlib.h>
#include <string.h>

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */
#define MIN_SECRET_IN_TEXT 6    /* shorter "secrets" would shred instructions */

/* Length of the UTF-8 sequence starting at s, never past the string end. */
static size_t keep_bytes(const char *s, size_t chars)
{
    size_t i = 0;
    while (chars-- && s[i]) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static size_t keep_tail(const char *s, size_t len, size_t chars)
{
    size_t i = len;
    while (chars-- && i > 0) {
        i--;
        while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
            i--;
    }
    return len - i;
}

#define PEM_BEGIN "-----BEGIN "

/* A PEM block's first line names its kind and is not secret; its ends are
 * all dashes. Shows "-----BEGIN RSA PRIVATE KEY-----…". */
static char *redact_pem(const char *secret)
{
    size_t head = strcspn(secret, "\r\n");
    char *out = malloc(head + strlen(ELLIPSIS) + 1);
    if (!out)
        return NULL;
    memcpy(out, secret, head);
    memcpy(out + head, ELLIPSIS, strlen(ELLIPSIS) + 1);
    return out;
}

char *ls_redact_secret(const char *secret)
{
    size_t len, show;
    if (strncmp(secret, PEM_BEGIN, strlen(PEM_BEGIN)) == 0 && strchr(secret, '\n'))
        return redact_pem(secret);
    len = strlen(secret);
    show = len >= 16 ? 4 : len >= 10 ? 2 : 0;
    size_t head = keep_bytes(secret, show), tail = keep_tail(secret, len, show);
    char *out;
    if (head + tail > len)
        head = tail = 0;
    out = malloc(head + strlen(ELLIPSIS) + tail + 1);
    if (!out)
        return NULL;
    memcpy(out, secret, head);
    memcpy(out + head, ELLIPSIS, strlen(ELLIPSIS));
    memcpy(out + head + strlen(ELLIPSIS), secret + len - tail, tail);
    out[head + strlen(ELLIPSIS) + tail] = '\0';
    return out;
}

/* Replaces every occurrence of needle in *text (reallocating it). */
static int replace_all(char **text, const char *needle, const char *with)
{
    size_t nl = strlen(needle), wl = strlen(with), count = 0;
    const char *p = *text;
    char *out, *w;
    while ((p = strstr(p, needle)) != NULL) {
        count++;
        p += nl;
    }
    if (count == 0)
        return 0;
    out = malloc(strlen(*text) + count * (wl > nl ? wl - nl : 0) + 1);
    if (!out)
        return -1;
    w = out;
    p = *text;
    for (;;) {
        const char *hit = strstr(p, needle);
        if (!hit)
            break;
        memcpy(w, p, (size_t)(hit - p));
        w += hit - p;
        memcpy(w, with, wl);
        w += wl;
        p = hit + nl;
    }
    strcpy(w, p);
    free(*text);
    *text = out;
    return 0;
}

/* Whether f's `secret` is one (not the evidence of a tamper or hygiene finding). */
static bool is_secret(const ls_report *r, const ls_finding *f)
{
    const ls_rule *rule = r->rules ? ls_ruleset_get(r->rules, f->rule) : NULL;
    return !rule || rule->category == LS_CATEGORY_SECRET;
}

char *ls_redact_text(const ls_report *r, const char *text, bool show)
{
    char *out;
    if (!text)
        return NULL;
    out = strdup(text);
    if (!out || show)
        return out;
    for (size_t i = 0; i < r->n_findings + r->n_suppressed; i++) {
        /* suppressed findings' secrets are redacted too: a baseline hides a
         * finding from the gate, not its secret from the output */
        const ls_finding *f = i < r->n_findings ? &r->findings[i] : &r->suppressed[i - r->n_findings].finding;
        const char *secret = f->secret;
        char *red;
        if (!is_secret(r, f) || strlen(secret) < MIN_SECRET_IN_TEXT || !strstr(out, secret))
            continue;
        red = ls_redact_secret(secret);
        if (!red || replace_all(&out, secret, red) != 0) {
            free(red);
            free(out);
            return NULL;
        }
        free(red);
    }
    return out;
}

char *ls_redact_evidence(const ls_report *r, const ls_finding *f, bool show)
{
    if (show || !f->secret)
        return f->secret ? strdup(f->secret) : NULL;
    if (is_secret(r, f))
        return ls_redact_secret(f->secret);
    return ls_redact_text(r, f->secret, false);
}
