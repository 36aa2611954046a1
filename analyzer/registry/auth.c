/*
 * auth.c - Basic and Bearer (token) authentication for a registry client.
 *
 * The token flow is Docker's: a 401 carries `WWW-Authenticate: Bearer
 * realm="R",service="S",scope="T"`; GET R?service=S&scope=T (with the
 * user's password as Basic credentials when there is one) answers
 * {"token": "..."}; the request is retried with `Authorization: Bearer`.
 * The client's mutex guards the token table only: the fetch runs outside
 * it, and parallel layer readers that all meet an expired token for one
 * scope fetch it once (the first one fetches, the others wait on the
 * condition variable for its outcome; other scopes go on in parallel).
 * Each fetch is a document request (--registry-timeout, the deadline), so
 * a stalled token service costs that much and no more. Tokens and passwords never
 * reach a message: a refused fetch says "401 Unauthorized" and which
 * credentials to check.
 */
#include "registry/auth.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/client.h"
#include "registry/docs.h"

#define TOKEN_ATTEMPTS 3

/* A fetch in flight, on the fetching thread's stack: it leaves the list
 * (and its frame) only once no waiter still reads it. */
struct ls_auth_fetch {
    const char *scope;          /* "" for none */
    struct ls_auth_fetch *next;
    bool finished;
    int rc;                     /* as ls_auth_challenge returns */
    ls_error err;               /* the failure, for every waiter */
    unsigned waiters;
};

int ls_auth_init(ls_auth *a, char *basic)
{
    memset(a, 0, sizeof *a);
    a->basic = basic;
    if (pthread_mutex_init(&a->mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&a->done, NULL) != 0) {
        pthread_mutex_destroy(&a->mu);
        return -1;
    }
    return 0;
}

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void ls_auth_clear(ls_auth *a)
{
    wipe_free(a->basic);
    for (size_t i = 0; i < LS_AUTH_SLOTS; i++) {
        free(a->slots[i].scope);
        wipe_free(a->slots[i].value);
    }
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->done);
    memset(a, 0, sizeof *a);
}

static int slot_of(const ls_auth *a, const char *scope)
{
    for (int i = 0; i < LS_AUTH_SLOTS; i++)
        if (a->slots[i].scope && strcmp(a->slots[i].scope, scope ? scope : "") == 0)
            return i;
    return -1;
}

char *ls_auth_value(ls_auth *a, const char *scope)
{
    char *out = NULL;
    int i;
    pthread_mutex_lock(&a->mu);
    if ((i = slot_of(a, scope)) >= 0)
        out = strdup(a->slots[i].value);
    else if (a->scheme == LS_AUTH_BASIC && a->basic)
        out = strdup(a->basic);
    pthread_mutex_unlock(&a->mu);
    return out;
}

/* Stores value (taken) for scope, reusing its slot or the oldest one. */
static void store_token(ls_auth *a, const char *scope, char *value)
{
    int i = slot_of(a, scope);
    if (i < 0) {
        i = (int)(a->next++ % LS_AUTH_SLOTS);
        free(a->slots[i].scope);
        a->slots[i].scope = strdup(scope ? scope : "");
    }
    wipe_free(a->slots[i].value);
    a->slots[i].value = value;
    if (!a->slots[i].scope) { /* out of memory: forget it rather than keep a half slot */
        wipe_free(a->slots[i].value);
        a->slots[i].value = NULL;
    }
}

/* Appends "&key=escaped(value)" to url. -1 when it does not fit. */
static int add_param(char *url, size_t cap, const char *key, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);
    size_t len = strlen(url);
    int n;
    if (!esc)
        return -1;
    n = snprintf(url + len, cap - len, "%c%s=%s", strchr(url, '?') ? '&' : '?', key, esc);
    curl_free(esc);
    return n < 0 || (size_t)n >= cap - len ? -1 : 0;
}

/* The token URL: realm ? service & scope (one parameter per scope word). */
static int token_url(char *url, size_t cap, const ls_challenge *ch, const char *scope)
{
    const char *scopes = ch->scope[0] ? ch->scope : scope;
    char word[1024];
    if (snprintf(url, cap, "%s", ch->realm) >= (int)cap)
        return -1;
    if (ch->service[0] && add_param(url, cap, "service", ch->service) < 0)
        return -1;
    while (scopes && *scopes) {
        size_t n = strcspn(scopes, " ");
        if (n > 0) {
            if (n >= sizeof word)
                return -1;
            memcpy(word, scopes, n);
            word[n] = '\0';
            if (add_param(url, cap, "scope", word) < 0)
                return -1;
        }
        scopes += n + (scopes[n] == ' ');
    }
    return 0;
}

static int check_realm(const ls_registry *c, const char *realm, const char *label, ls_error *err)
{
    if (strncmp(realm, "https://", 8) == 0)
        return 0;
    if (strncmp(realm, "http://", 7) != 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: the registry's token realm is not an http(s) URL",
                            label);
    if (c->auth.basic && !c->insecure)
        return ls_error_set(err, LS_ERR_USAGE,
                            "%s: the token service is plain http; refusing to send credentials "
                            "(--tls-verify=false allows it)",
                            label);
    return 0;
}

/* GETs the token endpoint; *value = "Bearer <token>". */
static int fetch_token(ls_registry *c, const ls_challenge *ch, const char *scope, const char *label,
                       char **value, ls_error *err)
{
    char url[LS_URL_MAX], logurl[512], hint[600], what[700];
    ls_http *h = NULL;
    char *body = NULL, *token = NULL;
    size_t len = 0;
    int rc = -1;
    *value = NULL;
    if (check_realm(c, ch->realm, label, err) < 0)
        return -1;
    if (token_url(url, sizeof url, ch, scope) < 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: the registry's token realm is too long", label);
    ls_registry_url_for_log(url, logurl, sizeof logurl);
    if (!(h = ls_http_new(&c->http)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: cannot start libcurl", label);
    for (int attempt = 1;; attempt++) {
        struct curl_slist *hdrs = NULL;
        char line[LS_MAX_TOKEN_BYTES + 64];
        CURLcode cc;
        long st;
        if (c->auth.basic) {
            snprintf(line, sizeof line, "Authorization: %s", c->auth.basic);
            hdrs = curl_slist_append(NULL, line);
            explicit_bzero(line, sizeof line);
            if (!hdrs) {
                ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
                goto out;
            }
        }
        if (ls_registry_arm(c, h, true, label, err) < 0) {
            curl_slist_free_all(hdrs);
            goto out;
        }
        cc = ls_http_begin(h, url, hdrs, 0);
        st = ls_http_response_of(h)->status;
        if (c->debug)
            fprintf(stderr, "layerscan: registry: GET %s -> %ld\n", logurl, cc == CURLE_OK ? st : -1L);
        if (cc != CURLE_OK) {
            if (attempt < TOKEN_ATTEMPTS && (cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
                                             cc == CURLE_GOT_NOTHING)) {
                ls_registry_sleep_ms(250L << attempt);
                continue;
            }
            snprintf(what, sizeof what, "%s: token service %s", label, logurl);
            ls_registry_curl_error(c, h, cc, what, err);
            goto out;
        }
        if ((st == 429 || st >= 500) && attempt < TOKEN_ATTEMPTS) {
            ls_registry_sleep_ms(250L << attempt);
            continue;
        }
        if (st == 401 || st == 403) {
            ls_registry_creds_hint(c, hint, sizeof hint);
            ls_error_set(err, LS_ERR_IO, "%s: %ld %s (%s)", label, st,
                         st == 401 ? "Unauthorized" : "Forbidden", hint);
            goto out;
        }
        if (st != 200) {
            ls_error_set(err, LS_ERR_IO, "%s: token service %s answered HTTP %ld", label, logurl, st);
            goto out;
        }
        break;
    }
    snprintf(what, sizeof what, "%s: token service %s", label, logurl);
    {
        CURLcode cc = CURLE_OK;
        int r = ls_http_read_all(h, 1024 * 1024, &body, &len, &cc);
        if (r == -1) {
            ls_registry_curl_error(c, h, cc, what, err);
            goto out;
        }
        if (r < 0) {
            ls_error_set(err, LS_ERR_LIMIT, "%s: answer too large", what);
            goto out;
        }
    }
    if (ls_docs_token(body, len, what, &token, err) < 0)
        goto out;
    if (!(*value = malloc(strlen(token) + 8))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto out;
    }
    strcpy(*value, "Bearer ");
    strcat(*value, token);
    rc = 0;
out:
    wipe_free(token);
    if (body) {
        explicit_bzero(body, len);
        free(body);
    }
    ls_http_free(h);
    return rc;
}

/* Under a->mu: the fetch of scope in flight, or NULL. */
static struct ls_auth_fetch *inflight_of(ls_auth *a, const char *scope)
{
    for (struct ls_auth_fetch *f = a->inflight; f; f = f->next)
        if (strcmp(f->scope, scope ? scope : "") == 0)
            return f;
    return NULL;
}

/* Under a->mu (released meanwhile): waits for f's outcome. */
static int wait_for(ls_auth *a, struct ls_auth_fetch *f, ls_error *err)
{
    int rc;
    f->waiters++;
    while (!f->finished)
        pthread_cond_wait(&a->done, &a->mu);
    rc = f->rc;
    if (rc < 0 && err)
        *err = f->err;
    f->waiters--;
    pthread_cond_broadcast(&a->done); /* the fetcher may be waiting for us to leave */
    return rc;
}

/* Under a->mu (released during the fetch): fetches scope's token. */
static int fetch_for_all(ls_registry *c, const ls_challenge *ch, const char *scope,
                         const char *label, ls_error *err)
{
    ls_auth *a = &c->auth;
    struct ls_auth_fetch me = {.scope = scope ? scope : "", .next = a->inflight};
    char *value = NULL;
    int rc;
    ls_error_clear(&me.err);
    a->inflight = &me;
    pthread_mutex_unlock(&a->mu);
    rc = fetch_token(c, ch, scope, label, &value, &me.err);
    pthread_mutex_lock(&a->mu);
    if (rc == 0) {
        store_token(a, scope, value);
        rc = 1;
    }
    me.rc = rc;
    me.finished = true;
    for (struct ls_auth_fetch **p = &a->inflight; *p; p = &(*p)->next)
        if (*p == &me) {
            *p = me.next;
            break;
        }
    pthread_cond_broadcast(&a->done);
    while (me.waiters > 0) /* they read `me`, which lives in this frame */
        pthread_cond_wait(&a->done, &a->mu);
    if (rc < 0 && err)
        *err = me.err;
    return rc;
}

int ls_auth_challenge(ls_registry *c, const ls_http_response *resp, const char *scope,
                      const char *sent, const char *label, ls_error *err)
{
    ls_auth *a = &c->auth;
    ls_challenge ch;
    struct ls_auth_fetch *f;
    int rc = 0, i;
    if (ls_challenge_parse(&ch, resp->www_authenticate) < 0)
        return 0; /* no challenge we can answer: the 401 stands */
    pthread_mutex_lock(&a->mu);
    if (ch.scheme == LS_AUTH_BASIC) {
        if (a->basic && !(sent && strcmp(sent, a->basic) == 0)) {
            a->scheme = LS_AUTH_BASIC;
            rc = 1;
        }
    } else if ((i = slot_of(a, scope)) >= 0 && a->slots[i].value &&
               !(sent && strcmp(sent, a->slots[i].value) == 0)) {
        rc = 1; /* another thread has refreshed it meanwhile */
    } else if (!ch.realm[0]) {
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: the registry's Bearer challenge has no realm", label);
    } else if ((f = inflight_of(a, scope))) {
        rc = wait_for(a, f, err); /* another thread is fetching this scope's token */
    } else {
        a->scheme = LS_AUTH_BEARER;
        rc = fetch_for_all(c, &ch, scope, label, err);
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}
