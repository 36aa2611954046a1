/*
 * host.h - what every client of one registry, under one set of credentials
 * and TLS settings, shares: the scheme the /v2/ probe chose (probed once),
 * the token table (a token fetched for "repository:team/app:pull" serves
 * every later request of that scope, whichever image asks), idle HTTP
 * handles (each keeps its open connections, so the next request to the
 * host reuses one instead of connecting and shaking hands again) and the
 * byte and request counters.
 *
 * A client without a pool has a host of its own (its meta handle and its
 * layer readers then still share connections); with a pool
 * (ls_registry_opts.pool, an audit) every image's client of the same host
 * and credentials gets the same one. A handle is used by one thread at a
 * time: it is taken, used, and given back; libcurl's connection cache is
 * not shared between threads (its documentation says it is not supported),
 * only handed over with the handle.
 */
#ifndef LS_REGISTRY_HOST_H
#define LS_REGISTRY_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/registry.h" /* LS_REGISTRY_LOW_SPEED */
#include "registry/auth.h"
#include "registry/http.h"

#define LS_HOST_IDLE 16       /* idle handles kept per host; more are freed when given back */
#define LS_POOL_IDLE 32       /* ... and for all the hosts of a pool together: an audit list
                               * naming a thousand registries keeps at most this many open
                               * connections and 256 KiB body buffers */
#define LS_HOST_BASE_MAX 600  /* "https://HOST" */

/* Counters every client of a pool (or of one private host) adds to. */
typedef struct {
    _Atomic uint64_t requests;    /* HTTP requests sent (every attempt, token requests too) */
    _Atomic uint64_t connections; /* new connections those requests opened */
    _Atomic uint64_t probes;      /* GET /v2/ probes */
    _Atomic uint64_t tokens;      /* token requests */
    _Atomic uint64_t idle;        /* idle handles kept, every host together (LS_POOL_IDLE) */
} ls_registry_counters;

typedef struct ls_registry_host {
    char *key;                 /* what clients must agree on to share it (pool.c) */
    pthread_mutex_t mu;
    pthread_cond_t probed;     /* the probe in flight ended */
    int probe;                 /* HOST_UNPROBED, HOST_PROBING, HOST_READY (host.c) */
    char base[LS_HOST_BASE_MAX]; /* "https://HOST" or "http://HOST", once READY */
    ls_http_config http;       /* TLS, limits, counters: every handle's */
    ls_auth auth;              /* tokens by scope, the Basic value, the refresh token */
    _Atomic uint64_t bytes;    /* body bytes fetched through this host */
    ls_registry_counters *counters; /* the pool's, or own_counters */
    ls_registry_counters own_counters;
    ls_http *idle[LS_HOST_IDLE];
    unsigned n_idle;
    struct ls_registry_host *next; /* the pool's list */
} ls_registry_host;

/* A host for domain. cert_dir (may be NULL) is read now; basic and refresh
 * (taken, may be NULL) are the credentials' Basic value and identity token;
 * counters NULL = the host's own; extra_bytes (may be NULL) also receives
 * every body byte. low_speed_secs and connect_ms as in ls_http_config.
 * NULL with err filled (the --cert-dir message, or out of memory; basic and
 * refresh are wiped then too). */
ls_registry_host *ls_registry_host_new(const char *key, const char *cert_dir, bool insecure,
                                       char *basic, char *refresh, ls_registry_counters *counters,
                                       _Atomic uint64_t *extra_bytes, long low_speed_secs,
                                       long connect_ms, const char *domain, ls_error *err);

/* Frees h and its idle handles. Accepts NULL. No handle may be out. */
void ls_registry_host_free(ls_registry_host *h);

/* An idle handle (its connections open), else a new one; NULL when libcurl
 * cannot make one. */
ls_http *ls_registry_host_take(ls_registry_host *h);

/* Ends what transfer h has, forgets any POST form and keeps h for the next
 * taker (or frees it past LS_HOST_IDLE for the host or LS_POOL_IDLE for all
 * the hosts sharing its counters). Accepts NULL. */
void ls_registry_host_give(ls_registry_host *h, ls_http *http);

/* The probe is done once per host: returns true when the caller must probe
 * now (it then calls ls_registry_host_probed), false when a probe already
 * succeeded (base copied into out). A caller arriving while another probes
 * waits for its outcome; after a failed probe the next caller probes again. */
bool ls_registry_host_probe_begin(ls_registry_host *h, char out[LS_HOST_BASE_MAX]);

/* The outcome of the probe begun above: ok with the base it chose. */
void ls_registry_host_probed(ls_registry_host *h, bool ok, const char *base);

#endif
