/*
 * test_registry_auth.c - the token state of a registry client (auth.c),
 * driven without a network: what a Bearer challenge asks to fetch (URL,
 * Basic credentials, scope), storing the token and handing it out, a stale
 * token versus one refreshed meanwhile, Basic challenges, refused realms, a
 * failed fetch reaching the caller, a second thread needing the same
 * scope waiting for the one fetch in flight instead of starting another,
 * and an identity token's refresh-token grant (a POST form, no Basic).
 */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/auth.h"

#define SCOPE "repository:app:pull"
#define BEARER "Bearer realm=\"https://auth.example/token\",service=\"reg\""

typedef struct {
    ls_auth *a;
    int rc;
    atomic_bool returned;
} waiter;

static void *wait_for_scope(void *arg)
{
    waiter *w = arg;
    ls_auth_token_request tr;
    ls_error err = {0};
    w->rc = ls_auth_challenge(w->a, BEARER, SCOPE, "Bearer t1", false, "L", &tr, &err);
    atomic_store(&w->returned, true);
    return NULL;
}

int main(void)
{
    ls_auth a;
    ls_auth_token_request tr;
    ls_error err = {0}, failure;
    char *v;

    /* Bearer without credentials: the request to send, nothing stored yet */
    CHECK_INT(ls_auth_init(&a, NULL), 0);
    CHECK_INT(ls_auth_challenge(&a, BEARER, SCOPE, NULL, false, "L", &tr, &err), LS_AUTH_FETCH);
    CHECK_STR(tr.url, "https://auth.example/token?service=reg&scope=repository%3Aapp%3Apull");
    CHECK(tr.basic == NULL);
    CHECK_STR(tr.scope, SCOPE);
    CHECK(ls_auth_value(&a, SCOPE) == NULL);
    CHECK_INT(ls_auth_token_done(&a, &tr, strdup("Bearer t1"), NULL, &err), LS_AUTH_RETRY);
    v = ls_auth_value(&a, SCOPE);
    CHECK_STR(v, "Bearer t1");
    free(v);
    CHECK(ls_auth_value(&a, "repository:other:pull") == NULL);

    /* the token sent was refused: fetch again; another token is there: retry */
    CHECK_INT(ls_auth_challenge(&a, BEARER, SCOPE, "Bearer t0", false, "L", &tr, &err), LS_AUTH_RETRY);
    CHECK_INT(ls_auth_challenge(&a, BEARER, SCOPE, "Bearer t1", false, "L", &tr, &err), LS_AUTH_FETCH);

    /* while that fetch is in flight, a second thread whose t1 was refused too
     * waits for it rather than fetching again */
    {
        waiter w = {.a = &a, .rc = -9};
        pthread_t t;
        CHECK_INT(pthread_create(&t, NULL, wait_for_scope, &w), 0);
        usleep(200 * 1000);
        CHECK(!atomic_load(&w.returned));
        CHECK_INT(ls_auth_token_done(&a, &tr, strdup("Bearer t2"), NULL, &err), LS_AUTH_RETRY);
        pthread_join(t, NULL);
        CHECK_INT(w.rc, LS_AUTH_RETRY);
        v = ls_auth_value(&a, SCOPE);
        CHECK_STR(v, "Bearer t2");
        free(v);
    }

    /* a failed fetch: its error reaches the caller */
    CHECK_INT(ls_auth_challenge(&a, BEARER, "repository:b:pull", NULL, false, "L", &tr, &err),
              LS_AUTH_FETCH);
    ls_error_clear(&failure);
    ls_error_set(&failure, LS_ERR_IO, "L: token service auth.example/token answered HTTP 500");
    ls_error_clear(&err);
    CHECK_INT(ls_auth_token_done(&a, &tr, NULL, &failure, &err), -1);
    CHECK_STR(err.msg, "L: token service auth.example/token answered HTTP 500");
    CHECK(ls_auth_value(&a, "repository:b:pull") == NULL);

    /* the challenge's own scope words win, one scope= each */
    CHECK_INT(ls_auth_challenge(&a, "Bearer realm=\"https://a/t?x=1\",scope=\"repository:p:pull "
                                    "repository:q:pull\"",
                                "repository:c:pull", NULL, false, "L", &tr, &err),
              LS_AUTH_FETCH);
    CHECK_STR(tr.url, "https://a/t?x=1&scope=repository%3Ap%3Apull&scope=repository%3Aq%3Apull");
    CHECK_INT(ls_auth_token_done(&a, &tr, strdup("Bearer t3"), NULL, &err), LS_AUTH_RETRY);

    /* refused challenges */
    ls_error_clear(&err);
    CHECK_INT(ls_auth_challenge(&a, "Bearer service=\"reg\"", SCOPE, "Bearer t2", false, "L", &tr, &err), -1);
    CHECK_STR(err.msg, "L: the registry's Bearer challenge has no realm");
    ls_error_clear(&err);
    CHECK_INT(ls_auth_challenge(&a, "Bearer realm=\"ftp://a/t\"", "repository:d:pull", NULL, false,
                                "L", &tr, &err),
              -1);
    CHECK_STR(err.msg, "L: the registry's token realm is not an http(s) URL");
    CHECK_INT(ls_auth_challenge(&a, "Negotiate abc", SCOPE, NULL, false, "L", &tr, &err), LS_AUTH_GIVE_UP);
    /* Basic without a password: nothing to answer with */
    CHECK_INT(ls_auth_challenge(&a, "Basic realm=\"r\"", SCOPE, NULL, false, "L", &tr, &err),
              LS_AUTH_GIVE_UP);
    ls_auth_clear(&a);

    /* with a password: Basic is sent once asked for; a plain-http realm gets
     * it only when allowed */
    CHECK_INT(ls_auth_init(&a, strdup("Basic dTpw")), 0);
    CHECK(ls_auth_value(&a, NULL) == NULL);
    CHECK_INT(ls_auth_challenge(&a, "Basic realm=\"r\"", NULL, NULL, false, "L", &tr, &err), LS_AUTH_RETRY);
    v = ls_auth_value(&a, "repository:any:pull");
    CHECK_STR(v, "Basic dTpw");
    free(v);
    CHECK_INT(ls_auth_challenge(&a, "Basic realm=\"r\"", NULL, "Basic dTpw", false, "L", &tr, &err),
              LS_AUTH_GIVE_UP);
    ls_error_clear(&err);
    CHECK_INT(ls_auth_challenge(&a, "Bearer realm=\"http://a/t\"", SCOPE, NULL, false, "L", &tr, &err), -1);
    CHECK_INT(err.code, LS_ERR_USAGE);
    CHECK_STR(err.msg, "L: the token service is plain http; refusing to send credentials "
                       "(--tls-verify=false allows it)");
    CHECK_INT(ls_auth_challenge(&a, "Bearer realm=\"http://a/t\"", SCOPE, NULL, true, "L", &tr, &err),
              LS_AUTH_FETCH);
    CHECK_STR(tr.url, "http://a/t?scope=repository%3Aapp%3Apull");
    CHECK_STR(tr.basic, "Basic dTpw");
    CHECK_INT(ls_auth_token_done(&a, &tr, strdup("Bearer t4"), NULL, &err), LS_AUTH_RETRY);
    v = ls_auth_value(&a, SCOPE);
    CHECK_STR(v, "Bearer t4");
    free(v);
    ls_auth_clear(&a);

    /* an identity token: the realm alone, the grant as a form, no Basic;
     * the challenge's scope words in one parameter, space-separated */
    CHECK_INT(ls_auth_init(&a, NULL), 0);
    a.refresh = strdup("idt s3cr3t&=");
    CHECK_INT(ls_auth_challenge(&a, "Bearer realm=\"https://a/t?x=1\",service=\"reg\",scope=\"repository:p:pull "
                                    "repository:q:pull\"",
                                SCOPE, NULL, false, "L", &tr, &err),
              LS_AUTH_FETCH);
    CHECK_STR(tr.url, "https://a/t?x=1");
    CHECK(tr.basic == NULL);
    CHECK_STR(tr.form, "grant_type=refresh_token&refresh_token=idt%20s3cr3t%26%3D&service=reg"
                       "&scope=repository%3Ap%3Apull%20repository%3Aq%3Apull&client_id=layerscan");
    CHECK_INT(ls_auth_token_done(&a, &tr, strdup("Bearer acc"), NULL, &err), LS_AUTH_RETRY);
    CHECK(tr.form == NULL);
    v = ls_auth_value(&a, "repository:p:pull repository:q:pull");
    CHECK(v == NULL); /* stored under the request's scope */
    v = ls_auth_value(&a, SCOPE);
    CHECK_STR(v, "Bearer acc");
    free(v);
    /* the request's own scope when the challenge names none; a plain-http
     * realm gets the token only when allowed */
    CHECK_INT(ls_auth_challenge(&a, "Bearer realm=\"https://a/t\"", "repository:e:pull", NULL, false, "L",
                                &tr, &err),
              LS_AUTH_FETCH);
    CHECK_STR(tr.form, "grant_type=refresh_token&refresh_token=idt%20s3cr3t%26%3D"
                       "&scope=repository%3Ae%3Apull&client_id=layerscan");
    ls_error_clear(&failure);
    ls_error_set(&failure, LS_ERR_IO, "L: 401 Unauthorized");
    CHECK_INT(ls_auth_token_done(&a, &tr, NULL, &failure, &err), -1);
    ls_error_clear(&err);
    CHECK_INT(ls_auth_challenge(&a, "Bearer realm=\"http://a/t\"", "repository:f:pull", NULL, false, "L",
                                &tr, &err),
              -1);
    CHECK_INT(err.code, LS_ERR_USAGE);
    /* Basic asks for a password, which a token is not */
    CHECK_INT(ls_auth_challenge(&a, "Basic realm=\"r\"", SCOPE, NULL, false, "L", &tr, &err), LS_AUTH_GIVE_UP);
    ls_auth_clear(&a);
    CHECK_DONE();
}
