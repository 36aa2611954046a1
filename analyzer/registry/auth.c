/*
 * auth.c - Basic and Bearer (token) authentication state for a registry
 * client.
 *
 * The token flow is Docker's: a 401 carries `WWW-Authenticate: Bearer
 * realm="R",service="S",scope="T"`; GET R?service=S&scope=T (with the
 * user's password as Basic credentials when there is one) answers
 * {"token": "..."}; the request is retried with `Authorization: Bearer`.
 * This file parses the challenge, builds the token URL and keeps the
 * tokens; it sends nothing, so it needs neither the request loop nor the
 * client (registry.c sends the token request through its one loop). The
 * mutex guards the token table only: the fetch runs outside it, and
 * parallel layer readers that all meet an expired token for one scope fetch
 * it once (the first one fetches, the others wait on the condition variable
 * for its outcome; other scopes go on in parallel). Tokens and passwords
 * never reach a message.
 */
#include "registry/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/http.h" /* and curl.h: curl_easy_escape */

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
    wipe_free(a->refresh);
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

/* The token URL: realm ? service & scope (one parameter per scope word). */
static int token_url(char *url, size_t cap, const ls_challenge *ch, const char *scope)
{
    const char *scopes = ch->scope[0] ? ch->scope : scope;
    char word[1024];
    if (snprintf(url, cap, "%s", ch->realm) >= (int)cap)
        return -1;
    if (ch->service[0] && ls_http_url_add_query(url, cap, "service", ch->service) < 0)
        return -1;
    while (scopes && *scopes) {
        size_t n = strcspn(scopes, " ");
        if (n > 0) {
            if (n >= sizeof word)
                return -1;
            memcpy(word, scopes, n);
            word[n] = '\0';
            if (ls_http_url_add_query(url, cap, "scope", word) < 0)
                return -1;
        }
        scopes += n + (scopes[n] == ' ');
    }
    return 0;
}

/* "key=VALUE" (VALUE form-escaped) appended to the form *f, '&'-joined.
 * -1 out of memory (*f freed). */
static int form_add(char **f, const char *key, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0), *next;
    size_t n;
    if (!esc) {
        wipe_free(*f);
        *f = NULL;
        return -1;
    }
    n = (*f ? strlen(*f) + 1 : 0) + strlen(key) + 1 + strlen(esc) + 1;
    if ((next = malloc(n)))
        snprintf(next, n, "%s%s%s=%s", *f ? *f : "", *f ? "&" : "", key, esc);
    explicit_bzero(esc, strlen(esc));
    curl_free(esc);
    wipe_free(*f);
    *f = next;
    return next ? 0 : -1;
}

/* The refresh-token grant's form for ch and scope (the scope words
 * space-separated in one parameter, as oauth.md has it). NULL out of memory. */
static char *refresh_form(const ls_auth *a, const ls_challenge *ch, const char *scope)
{
    const char *scopes = ch->scope[0] ? ch->scope : scope;
    char *f = NULL;
    if (form_add(&f, "grant_type", "refresh_token") < 0 || form_add(&f, "refresh_token", a->refresh) < 0 ||
        (ch->service[0] && form_add(&f, "service", ch->service) < 0) ||
        (scopes && *scopes && form_add(&f, "scope", scopes) < 0) ||
        form_add(&f, "client_id", "layerscan") < 0)
        return NULL;
    return f;
}

static int check_realm(const ls_auth *a, const char *realm, bool plain_http_ok, const char *label,
                       ls_error *err)
{
    if (strncmp(realm, "https://", 8) == 0)
        return 0;
    if (strncmp(realm, "http://", 7) != 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: the registry's token realm is not an http(s) URL",
                            label);
    if ((a->basic || a->refresh) && !plain_http_ok)
        return ls_error_set(err, LS_ERR_USAGE,
                            "%s: the token service is plain http; refusing to send credentials "
                            "(--tls-verify=false allows it)",
                            label);
    return 0;
}

/* Under a->mu: the fetch of scope in flight, or NULL. */
static ls_auth_fetch *inflight_of(ls_auth *a, const char *scope)
{
    for (ls_auth_fetch *f = a->inflight; f; f = f->next)
        if (strcmp(f->scope, scope ? scope : "") == 0)
            return f;
    return NULL;
}

/* Under a->mu (released meanwhile): waits for f's outcome. */
static int wait_for(ls_auth *a, ls_auth_fetch *f, ls_error *err)
{
    int rc;
    f->waiters++;
    while (!f->finished)
        pthread_cond_wait(&a->done, &a->mu);
    rc = f->rc;
    if (rc < 0 && err)
        ls_error_pass(err, &f->err);
    f->waiters--;
    pthread_cond_broadcast(&a->done); /* the fetcher may be waiting for us to leave */
    return rc;
}

/* Under a->mu: describes the token request of ch and scope in tr, and
 * enters it in the in-flight list. -1 with err filled (nothing entered)
 * when the realm is unusable. */
static int begin_fetch(ls_auth *a, const ls_challenge *ch, const char *scope, bool plain_http_ok,
                       const char *label, ls_auth_token_request *tr, ls_error *err)
{
    a->scheme = LS_AUTH_BEARER;
    if (check_realm(a, ch->realm, plain_http_ok, label, err) < 0)
        return -1;
    /* remembered for the next scopes' tokens (ls_auth_prefetch) */
    snprintf(a->realm, sizeof a->realm, "%s", ch->realm);
    snprintf(a->service, sizeof a->service, "%s", ch->service);
    tr->form = NULL;
    if (a->refresh ? snprintf(tr->url, sizeof tr->url, "%s", ch->realm) >= (int)sizeof tr->url
                   : token_url(tr->url, sizeof tr->url, ch, scope) < 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: the registry's token realm is too long", label);
    if (a->refresh && !(tr->form = refresh_form(a, ch, scope)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    tr->basic = a->refresh ? NULL : a->basic;
    tr->scope = scope;
    memset(&tr->fetch, 0, sizeof tr->fetch);
    tr->fetch.scope = scope ? scope : "";
    tr->fetch.next = a->inflight;
    ls_error_clear(&tr->fetch.err);
    a->inflight = &tr->fetch;
    return LS_AUTH_FETCH;
}

int ls_auth_challenge(ls_auth *a, const char *www_authenticate, const char *scope,
                      const char *sent, bool plain_http_ok, const char *label,
                      ls_auth_token_request *tr, ls_error *err)
{
    ls_challenge ch;
    ls_auth_fetch *f;
    int rc = LS_AUTH_GIVE_UP, i;
    if (ls_challenge_parse(&ch, www_authenticate) < 0)
        return LS_AUTH_GIVE_UP; /* no challenge we can answer: the 401 stands */
    pthread_mutex_lock(&a->mu);
    if (ch.scheme == LS_AUTH_BASIC) {
        if (a->basic && !(sent && strcmp(sent, a->basic) == 0)) {
            a->scheme = LS_AUTH_BASIC;
            rc = LS_AUTH_RETRY;
        }
    } else if ((i = slot_of(a, scope)) >= 0 && a->slots[i].value &&
               !(sent && strcmp(sent, a->slots[i].value) == 0)) {
        rc = LS_AUTH_RETRY; /* another thread has refreshed it meanwhile */
    } else if (!ch.realm[0]) {
        rc = ls_error_set(err, LS_ERR_FORMAT, "%s: the registry's Bearer challenge has no realm", label);
    } else if ((f = inflight_of(a, scope))) {
        rc = wait_for(a, f, err); /* another thread is fetching this scope's token */
    } else {
        rc = begin_fetch(a, &ch, scope, plain_http_ok, label, tr, err);
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int ls_auth_prefetch(ls_auth *a, const char *scope, bool plain_http_ok, const char *label,
                     ls_auth_token_request *tr, ls_error *err)
{
    ls_challenge ch = {.scheme = LS_AUTH_BEARER};
    ls_auth_fetch *f;
    int rc = LS_AUTH_GIVE_UP, i;
    pthread_mutex_lock(&a->mu);
    if (a->scheme != LS_AUTH_BEARER || !a->realm[0]) {
        rc = LS_AUTH_GIVE_UP;
    } else if ((i = slot_of(a, scope)) >= 0 && a->slots[i].value) {
        rc = LS_AUTH_RETRY;
    } else if ((f = inflight_of(a, scope))) {
        rc = wait_for(a, f, err);
    } else {
        /* the realm and service as the registry named them; the scope is
         * this request's (ch.scope empty: token_url takes it) */
        memcpy(ch.realm, a->realm, sizeof ch.realm);
        memcpy(ch.service, a->service, sizeof ch.service);
        rc = begin_fetch(a, &ch, scope, plain_http_ok, label, tr, err);
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int ls_auth_token_done(ls_auth *a, ls_auth_token_request *tr, char *value,
                       const ls_error *failure, ls_error *err)
{
    ls_auth_fetch *me = &tr->fetch;
    int rc;
    wipe_free(tr->form);
    tr->form = NULL;
    pthread_mutex_lock(&a->mu);
    if (value) {
        store_token(a, tr->scope, value);
        rc = LS_AUTH_RETRY;
    } else {
        rc = -1;
        if (failure)
            me->err = *failure;
    }
    me->rc = rc;
    me->finished = true;
    for (ls_auth_fetch **p = &a->inflight; *p; p = &(*p)->next)
        if (*p == me) {
            *p = me->next;
            break;
        }
    pthread_cond_broadcast(&a->done);
    while (me->waiters > 0) /* they read `me`, which lives in the caller's frame */
        pthread_cond_wait(&a->done, &a->mu);
    if (rc < 0 && err)
        ls_error_pass(err, &me->err);
    pthread_mutex_unlock(&a->mu);
    return rc;
}
