/*
 * pool.c - hosts found by key, and credential helpers' answers kept, for
 * every client of a run (see pool.h).
 */
#include "registry/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A helper's answer for one registry, as the entry that named it says. */
typedef struct helper_answer {
    char *key;                  /* "DOMAIN\n HELPER\n SOURCE" */
    ls_creds creds;             /* what running it gave (a copy goes to each client) */
    struct helper_answer *next;
} helper_answer;

struct ls_registry_pool {
    pthread_mutex_t mu;         /* hosts, hosts_made */
    ls_registry_host *hosts;
    uint64_t hosts_made;
    pthread_mutex_t helper_mu;  /* answers; held while a helper runs, so each runs once */
    helper_answer *answers;
    uint64_t helper_runs;
    ls_registry_counters counters;
};

int ls_registry_pool_new(ls_registry_pool **out, ls_error *err)
{
    ls_registry_pool *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return ls_error_set(err, LS_ERR_INTERNAL, "cannot make a lock");
    }
    if (pthread_mutex_init(&p->helper_mu, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return ls_error_set(err, LS_ERR_INTERNAL, "cannot make a lock");
    }
    *out = p;
    return 0;
}

void ls_registry_pool_free(ls_registry_pool *p)
{
    if (!p)
        return;
    while (p->hosts) {
        ls_registry_host *h = p->hosts;
        p->hosts = h->next;
        ls_registry_host_free(h);
    }
    while (p->answers) {
        helper_answer *a = p->answers;
        p->answers = a->next;
        ls_creds_clear(&a->creds);
        free(a->key);
        free(a);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->helper_mu);
    free(p);
}

void ls_registry_pool_get_stats(ls_registry_pool *p, ls_registry_pool_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    out->hosts = p->hosts_made;
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_lock(&p->helper_mu);
    out->helper_runs = p->helper_runs;
    pthread_mutex_unlock(&p->helper_mu);
    out->requests = atomic_load(&p->counters.requests);
    out->connections = atomic_load(&p->counters.connections);
    out->probes = atomic_load(&p->counters.probes);
    out->tokens = atomic_load(&p->counters.tokens);
}

ls_registry_host *ls_registry_pool_host(ls_registry_pool *p, const char *key, const char *cert_dir,
                                        bool insecure, char *basic, char *refresh,
                                        _Atomic uint64_t *extra_bytes, long low_speed_secs,
                                        long connect_ms, const char *domain, ls_error *err)
{
    ls_registry_host *h;
    pthread_mutex_lock(&p->mu);
    for (h = p->hosts; h; h = h->next)
        if (strcmp(h->key, key) == 0)
            break;
    if (h) {
        /* the host has the same credentials (they are in the key) */
        if (basic)
            explicit_bzero(basic, strlen(basic));
        if (refresh)
            explicit_bzero(refresh, strlen(refresh));
        free(basic);
        free(refresh);
    } else if ((h = ls_registry_host_new(key, cert_dir, insecure, basic, refresh, &p->counters,
                                         extra_bytes, low_speed_secs, connect_ms, domain, err))) {
        h->next = p->hosts;
        p->hosts = h;
        p->hosts_made++;
    }
    pthread_mutex_unlock(&p->mu);
    return h;
}

static char *answer_key(const char *domain, const ls_creds *c)
{
    size_t n = strlen(domain) + strlen(c->helper) + strlen(c->source) + 3;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s\n%s\n%s", domain, c->helper, c->source);
    return k;
}

/* The kept answer for key copied into out: 1; 0 when there is none; -1 out
 * of memory. Under helper_mu. */
static int kept_answer(ls_registry_pool *p, const char *key, ls_creds *out)
{
    for (helper_answer *a = p->answers; a; a = a->next)
        if (strcmp(a->key, key) == 0)
            return ls_creds_copy(out, &a->creds) < 0 ? -1 : 1;
    return 0;
}

/* Keeps a copy of c under key (taken); out of memory only loses the memo. */
static void keep_answer(ls_registry_pool *p, char *key, const ls_creds *c)
{
    helper_answer *a = calloc(1, sizeof *a);
    if (!a || ls_creds_copy(&a->creds, c) < 0) {
        free(a);
        free(key);
        return;
    }
    a->key = key;
    a->next = p->answers;
    p->answers = a;
}

int ls_registry_pool_creds(ls_registry_pool *p, ls_creds *out, const char *domain,
                           const char *repo, const char *creds_opt, const char *authfile_opt,
                           const ls_creds_env *env, ls_error *err)
{
    char *key;
    int rc;
    if (ls_creds_find(out, domain, repo, creds_opt, authfile_opt, env, err) < 0)
        return -1;
    if (out->kind != LS_CREDS_HELPER)
        return 0;
    if (!(key = answer_key(domain, out))) {
        ls_creds_clear(out);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", domain);
    }
    pthread_mutex_lock(&p->helper_mu);
    /* out is the entry (kind HELPER, no secret yet): a copy of a kept
     * answer replaces it whole */
    if ((rc = kept_answer(p, key, out)) == 0) {
        rc = ls_creds_run_helper(out, domain, env, err);
        p->helper_runs++;
        if (rc == 0) {
            keep_answer(p, key, out);
            key = NULL;
        }
    } else if (rc < 0) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", domain);
    } else {
        rc = 0;
    }
    pthread_mutex_unlock(&p->helper_mu);
    free(key);
    return rc;
}
