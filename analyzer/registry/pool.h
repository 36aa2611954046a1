/*
 * pool.h - registry hosts shared by every image of an audit.
 *
 * An audit of a thousand images on one registry should not probe /v2/ a
 * thousand times, fetch a token for "repository:team/app:pull" once per
 * tag, connect anew for every manifest, or run a credential helper once per
 * image. The caller makes one pool (ls_registry_pool_new), points
 * ls_registry_opts.pool at it, and every ls_registry_open() of the run then
 * shares a host (host.h) with the other clients of the same registry,
 * credentials and TLS settings (the first client's bytes_fetched counter is
 * the host's: a run's clients give the same one). Idle handles are bounded
 * for the whole pool (host.h: LS_POOL_IDLE), so a list naming many
 * registries keeps few connections open. Thread-safe; the pool outlives its
 * clients.
 */
#ifndef LS_REGISTRY_POOL_H
#define LS_REGISTRY_POOL_H

#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/registry.h"
#include "registry/creds.h"
#include "registry/host.h"

typedef struct ls_registry_pool ls_registry_pool;

/* What the pool's clients did, all hosts together. */
typedef struct {
    uint64_t hosts;       /* hosts (registry + credentials + TLS settings) opened */
    uint64_t requests;    /* HTTP requests sent, retries and token requests included */
    uint64_t connections; /* new connections opened (the rest reused one) */
    uint64_t probes;      /* GET /v2/ probes */
    uint64_t tokens;      /* token requests */
    uint64_t helper_runs; /* credential helpers run (each answer serves the run) */
} ls_registry_pool_stats;

/* 0, or -1 with err (out of memory). */
int ls_registry_pool_new(ls_registry_pool **out, ls_error *err);

/* Accepts NULL. Every client opened with the pool must be freed first. */
void ls_registry_pool_free(ls_registry_pool *p);

void ls_registry_pool_get_stats(ls_registry_pool *p, ls_registry_pool_stats *out);

/* registry.c: the host for key, made with these settings the first time
 * (see ls_registry_host_new; basic and refresh are taken either way). NULL
 * with err. */
ls_registry_host *ls_registry_pool_host(ls_registry_pool *p, const char *key, const char *cert_dir,
                                        bool insecure, char *basic, char *refresh,
                                        _Atomic uint64_t *extra_bytes, long low_speed_secs,
                                        long connect_ms, const char *domain, ls_error *err);

/* registry.c: ls_creds_resolve_in, except that a credential helper is run
 * once per (registry, helper, auth file) for the whole pool: later lookups
 * get a copy of its answer (or of why it had none). */
int ls_registry_pool_creds(ls_registry_pool *p, ls_creds *out, const char *domain,
                           const char *repo, const char *creds_opt, const char *authfile_opt,
                           const ls_creds_env *env, ls_error *err);

#endif
