/*
 * auth.h - what a client sends as Authorization, per scope, and what a 401
 * asks for: a Basic challenge gets the user's password (once), a Bearer
 * challenge a token from the challenge's realm for the request's scope
 * ("repository:REPO:pull"), with the password as Basic credentials when
 * there is one.
 *
 * This is state only: it parses the challenge, describes the token request
 * (ls_auth_token_request) and stores the token it brings back. It sends
 * nothing: the request loop (registry.c) sends the token request like any
 * other, under the same retry rules and time limits, so there is one loop
 * and one set of rules. Tokens are shared by every thread of the client
 * under one mutex; a thread whose token went stale while another thread
 * refreshed it just retries with the new one. The fetch itself runs outside
 * the mutex, one at a time per scope: a thread needing a scope whose token
 * is being fetched waits (on `done`) for that fetch's outcome, so a slow
 * token service stalls only the requests of that scope, and no longer than
 * the fetch's own time limit.
 */
#ifndef LS_REGISTRY_AUTH_H
#define LS_REGISTRY_AUTH_H

#include <pthread.h>
#include <stdbool.h>

#include "layerscan/error.h"
#include "registry/header.h"

#define LS_AUTH_SLOTS 64 /* scopes whose tokens are kept: an audit shares them across its images */
#define LS_AUTH_URL_MAX 8192

/* A token fetch in flight: one per scope at most, on the fetching
 * thread's stack (inside its ls_auth_token_request); it leaves the list
 * (and its frame) only once no waiter still reads it. */
typedef struct ls_auth_fetch {
    const char *scope;          /* "" for none */
    struct ls_auth_fetch *next;
    bool finished;
    int rc;                     /* 1 (a token is stored) or -1 (err) */
    ls_error err;               /* the failure, for every waiter */
    unsigned waiters;
} ls_auth_fetch;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t done;    /* a fetch in flight finished, or lost a waiter */
    ls_auth_fetch *inflight; /* the fetches in flight, one per scope at most */
    ls_auth_scheme scheme;  /* what the registry asked for: Basic is then sent to every request */
    char *basic;            /* "Basic <base64>" when there is a password, else NULL; set
                             * before the first request and never changed afterwards */
    char *refresh;          /* an identity (OAuth2 refresh) token, else NULL: tokens are
                             * then POSTed for (oauth.md) instead of GET with Basic; set
                             * like basic, wiped by ls_auth_clear */
    struct {
        char *scope;        /* "repository:app:pull", "registry:catalog:*" */
        char *value;        /* "Bearer <token>" */
    } slots[LS_AUTH_SLOTS];
    unsigned next;          /* the slot to reuse when all are taken */
    char realm[1024];       /* the last Bearer challenge's realm and service ("" until one
                             * came): a new scope's token is asked for before its first
                             * request (ls_auth_prefetch) */
    char service[256];
} ls_auth;

/* The token request a Bearer challenge asks for. Filled by
 * ls_auth_challenge; the caller GETs url (sending `basic` as Authorization
 * when not NULL) and then hands the outcome to ls_auth_token_done. */
typedef struct {
    char url[LS_AUTH_URL_MAX]; /* realm?service=S&scope=T (one scope= per scope word);
                                * the realm alone when form is set */
    const char *basic;         /* the client's "Basic ..." value (ls_auth's), or NULL */
    char *form;                /* with a refresh token: the POST body
                                * "grant_type=refresh_token&refresh_token=..&service=..
                                * &scope=..&client_id=layerscan" (a secret: never logged),
                                * else NULL; wiped and freed by ls_auth_token_done */
    const char *scope;         /* the scope the token is stored under; NULL for none */
    ls_auth_fetch fetch;       /* this fetch's entry in the in-flight list */
} ls_auth_token_request;

/* basic: the "Basic ..." value (taken) or NULL. Returns 0 or -1. */
int ls_auth_init(ls_auth *a, char *basic);
void ls_auth_clear(ls_auth *a);

/* The Authorization value to send for scope (may be NULL) as a new string,
 * or NULL when there is none yet. */
char *ls_auth_value(ls_auth *a, const char *scope);

/* What ls_auth_challenge says to do next. */
typedef enum {
    LS_AUTH_GIVE_UP = 0, /* nothing more can be tried: the 401 stands */
    LS_AUTH_RETRY = 1,   /* retry the request: Basic is now known, or a token was
                          * stored meanwhile (by another thread's fetch) */
    LS_AUTH_FETCH = 2,   /* send *tr, then call ls_auth_token_done exactly once */
} ls_auth_next;

/* After a 401 with challenge `www_authenticate` (the header's value), for
 * a request of scope (may be NULL) that sent `sent` (or NULL). `plain_http_ok`
 * allows sending credentials to a plain-http realm (--tls-verify=false).
 * Returns an ls_auth_next, or -1 with err filled ("LABEL: the registry's
 * Bearer challenge has no realm", a realm that is not http(s) or too long,
 * or the failure of another thread's fetch of the same scope, which this
 * call waited for). On LS_AUTH_FETCH this thread owns the scope's fetch:
 * others needing it wait until ls_auth_token_done. */
int ls_auth_challenge(ls_auth *a, const char *www_authenticate, const char *scope,
                      const char *sent, bool plain_http_ok, const char *label,
                      ls_auth_token_request *tr, ls_error *err);

/* Before the first request of scope (not NULL) on a registry that has
 * asked for Bearer tokens already: the token request a challenge of the
 * same realm and service would make for scope, so the request goes out
 * with its token instead of earning a 401 first (one round trip saved for
 * each new repository of an audit). LS_AUTH_FETCH (then as after
 * ls_auth_challenge: send *tr, call ls_auth_token_done), LS_AUTH_RETRY when
 * scope has a token (perhaps another thread's, waited for), LS_AUTH_GIVE_UP
 * when no token is known to be wanted, or -1 with err (another thread's
 * fetch of scope failed). */
int ls_auth_prefetch(ls_auth *a, const char *scope, bool plain_http_ok, const char *label,
                     ls_auth_token_request *tr, ls_error *err);

/* Ends the fetch tr describes: value ("Bearer <token>", taken) is stored
 * for tr->scope, or, when value is NULL, `failure` is every waiter's error.
 * Returns when no waiter still reads tr: 1 (retry the request) or -1 with
 * err = *failure. */
int ls_auth_token_done(ls_auth *a, ls_auth_token_request *tr, char *value,
                       const ls_error *failure, ls_error *err);

#endif
