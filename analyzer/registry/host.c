/*
 * host.c - the state clients of one registry share (see host.h): the probe
 * done once, idle handles handed from one request to the next.
 */
#include "registry/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HOST_UNPROBED = 0, HOST_PROBING, HOST_READY };

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

ls_registry_host *ls_registry_host_new(const char *key, const char *cert_dir, bool insecure,
                                       char *basic, char *refresh, ls_registry_counters *counters,
                                       _Atomic uint64_t *extra_bytes, long low_speed_secs,
                                       long connect_ms, const char *domain, ls_error *err)
{
    ls_registry_host *h = calloc(1, sizeof *h);
    if (!h || !(h->key = strdup(key))) {
        free(h);
        wipe_free(basic);
        wipe_free(refresh);
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", domain);
        return NULL;
    }
    if (pthread_mutex_init(&h->mu, NULL) != 0 || pthread_cond_init(&h->probed, NULL) != 0 ||
        ls_auth_init(&h->auth, basic) < 0) {
        /* nothing half-made survives: the primitives are not destroyed (their
         * init failed or never ran), only memory is released */
        free(h->key);
        free(h);
        wipe_free(basic);
        wipe_free(refresh);
        ls_error_set(err, LS_ERR_INTERNAL, "%s: cannot make a lock", domain);
        return NULL;
    }
    h->auth.refresh = refresh;
    h->counters = counters ? counters : &h->own_counters;
    if (ls_http_config_init(&h->http, cert_dir, insecure, err) < 0) {
        ls_registry_host_free(h);
        return NULL;
    }
    h->http.counters[0] = &h->bytes;
    h->http.counters[1] = extra_bytes;
    h->http.requests = &h->counters->requests;
    h->http.connections = &h->counters->connections;
    h->http.low_speed_bytes = LS_REGISTRY_LOW_SPEED;
    h->http.low_speed_secs = low_speed_secs;
    h->http.connect_ms = connect_ms;
    return h;
}

void ls_registry_host_free(ls_registry_host *h)
{
    if (!h)
        return;
    for (unsigned i = 0; i < h->n_idle; i++)
        ls_http_free(h->idle[i]);
    atomic_fetch_sub(&h->counters->idle, h->n_idle);
    ls_auth_clear(&h->auth);
    ls_http_config_clear(&h->http);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->probed);
    free(h->key);
    free(h);
}

ls_http *ls_registry_host_take(ls_registry_host *h)
{
    ls_http *http = NULL;
    pthread_mutex_lock(&h->mu);
    if (h->n_idle > 0) {
        http = h->idle[--h->n_idle];
        atomic_fetch_sub(&h->counters->idle, 1);
    }
    pthread_mutex_unlock(&h->mu);
    return http ? http : ls_http_new(&h->http);
}

void ls_registry_host_give(ls_registry_host *h, ls_http *http)
{
    if (!http)
        return;
    ls_http_end(http);
    /* back to GET, so the next taker's request never re-sends a token form */
    if (ls_http_set_post(http, NULL) < 0) {
        ls_http_free(http);
        return;
    }
    pthread_mutex_lock(&h->mu);
    /* the pool-wide count is reserved before the handle is kept, so hosts
     * giving back at once never keep more than LS_POOL_IDLE together */
    if (h->n_idle < LS_HOST_IDLE && atomic_fetch_add(&h->counters->idle, 1) < LS_POOL_IDLE) {
        h->idle[h->n_idle++] = http;
        http = NULL;
    } else if (h->n_idle < LS_HOST_IDLE) {
        atomic_fetch_sub(&h->counters->idle, 1);
    }
    pthread_mutex_unlock(&h->mu);
    ls_http_free(http);
}

bool ls_registry_host_probe_begin(ls_registry_host *h, char out[LS_HOST_BASE_MAX])
{
    bool mine;
    pthread_mutex_lock(&h->mu);
    while (h->probe == HOST_PROBING)
        pthread_cond_wait(&h->probed, &h->mu);
    mine = h->probe == HOST_UNPROBED;
    if (mine)
        h->probe = HOST_PROBING;
    else
        memcpy(out, h->base, LS_HOST_BASE_MAX);
    pthread_mutex_unlock(&h->mu);
    return mine;
}

void ls_registry_host_probed(ls_registry_host *h, bool ok, const char *base)
{
    pthread_mutex_lock(&h->mu);
    if (ok)
        snprintf(h->base, sizeof h->base, "%s", base);
    h->probe = ok ? HOST_READY : HOST_UNPROBED;
    pthread_cond_broadcast(&h->probed);
    pthread_mutex_unlock(&h->mu);
}
