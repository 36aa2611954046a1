/*
 * auth.h - what a client sends as Authorization, per scope, and how it
 * answers a 401: a Basic challenge gets the user's password (once), a
 * Bearer challenge a token fetched from the challenge's realm for the
 * request's scope ("repository:REPO:pull"), with the password as Basic
 * credentials when there is one. Tokens are shared by every thread of the
 * client under one mutex; a thread whose token went stale while another
 * thread refreshed it just retries with the new one. The fetch itself runs
 * outside the mutex, one at a time per scope: a thread needing a scope
 * whose token is being fetched waits (on `done`) for that fetch's outcome,
 * so a slow token service stalls only the requests of that scope, and no
 * longer than the fetch's own time limit.
 */
#ifndef LS_REGISTRY_AUTH_H
#define LS_REGISTRY_AUTH_H

#include <pthread.h>

#include "layerscan/error.h"
#include "registry/header.h"
#include "registry/http.h"

#define LS_AUTH_SLOTS 16

struct ls_registry;
struct ls_auth_fetch; /* a token fetch in flight (auth.c) */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t done;    /* a fetch in flight finished, or lost a waiter */
    struct ls_auth_fetch *inflight; /* the fetches in flight, one per scope at most */
    ls_auth_scheme scheme;  /* what the registry asked for: Basic is then sent to every request */
    char *basic;            /* "Basic <base64>" when there is a password, else NULL */
    struct {
        char *scope;        /* "repository:app:pull", "registry:catalog:*" */
        char *value;        /* "Bearer <token>" */
    } slots[LS_AUTH_SLOTS];
    unsigned next;          /* the slot to reuse when all are taken */
} ls_auth;

/* basic: the "Basic ..." value (taken) or NULL. Returns 0 or -1. */
int ls_auth_init(ls_auth *a, char *basic);
void ls_auth_clear(ls_auth *a);

/* The Authorization value to send for scope (may be NULL) as a new string,
 * or NULL when there is none yet. */
char *ls_auth_value(ls_auth *a, const char *scope);

/* After a 401 whose challenge is in resp, for a request of scope that sent
 * `sent` (or NULL). Returns 1 when a retry may succeed (a token was
 * fetched, Basic is now known, or another thread refreshed the token), 0
 * when nothing more can be tried (the 401 stands), -1 with err filled when
 * the token service fails ("LABEL: 401 Unauthorized (HINT)" when it
 * refuses the credentials). */
int ls_auth_challenge(struct ls_registry *c, const ls_http_response *resp, const char *scope,
                      const char *sent, const char *label, ls_error *err);

#endif
