/*
 * registry.h - what a caller says about "docker://" registries: the options
 * ls_scan_opts.registry points at (credentials, TLS, time limits).
 *
 * Public so that ls_scan_opts is complete on its own; the client that reads
 * these options lives in analyzer/registry.
 */
#ifndef LAYERSCAN_REGISTRY_H
#define LAYERSCAN_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#define LS_REGISTRY_DOC_TIMEOUT_MS 60000u
#define LS_REGISTRY_STALL_MS 30000u
#define LS_REGISTRY_LOW_SPEED 1024u     /* bytes per second */

/* The environment the auth-file chain follows, as the program read it
 * (the library never reads the environment); NULL or "" fields are unset. */
typedef struct {
    const char *auth_file;       /* REGISTRY_AUTH_FILE */
    const char *xdg_runtime_dir; /* XDG_RUNTIME_DIR */
    const char *home;            /* HOME */
    const char *path;            /* PATH: where docker-credential-NAME helpers are found */
    char *const *envp;           /* the environment helpers run with (the program's
                                  * environ); NULL = an empty one */
    uint64_t helper_timeout_ms;  /* a credential helper's time limit; 0 = 10 s
                                  * (LAYERSCAN_CREDHELPER_TIMEOUT_MS, for tests) */
} ls_creds_env;

/* What the command line says about registries (all optional). */
typedef struct ls_registry_opts {
    const char *creds;     /* --creds USER:PASS; beats every auth file */
    const char *authfile;  /* --authfile FILE; else REGISTRY_AUTH_FILE, then
                            * $XDG_RUNTIME_DIR/containers/auth.json,
                            * ~/.config/containers/auth.json, ~/.docker/config.json */
    const char *cert_dir;  /* --cert-dir DIR: *.crt are trusted CAs (besides the
                            * system's), a *.cert + *.key pair a client certificate */
    const char *certs_d;   /* without --cert-dir: ':'-separated roots R whose R/HOST[:PORT]/
                            * directory, the first that exists, is read as --cert-dir is;
                            * NULL = none (the program passes /etc/containers/certs.d and
                            * /etc/docker/certs.d, or LAYERSCAN_CERTS_D) */
    const char *repository; /* the repository the client is for ("team/app"): picks
                             * namespaced auth-file keys; NULL = the host's entry only */
    bool insecure;         /* --tls-verify=false: plain http allowed, TLS unverified */
    _Atomic uint64_t *bytes_fetched; /* optional: body bytes fetched are also added here */
    /* Time limits; 0 = the default. */
    uint64_t doc_timeout_ms; /* --registry-timeout: one whole request for a manifest, config,
                              * token or listing page (LS_REGISTRY_DOC_TIMEOUT_MS) */
    uint64_t stall_ms;       /* --registry-stall: a transfer under LS_REGISTRY_LOW_SPEED
                              * bytes/s for this long fails (LS_REGISTRY_STALL_MS) */
    uint64_t deadline_ms;    /* CLOCK_MONOTONIC time in ms past which every request fails
                              * (the image's --image-timeout; set by the source); 0 = none */
    ls_creds_env auth_env;   /* where the auth files are, as the program read its
                              * environment; all NULL = only --creds/--authfile */
    bool debug;              /* LAYERSCAN_DEBUG: requests traced to stderr */
    /* Clients shared per registry host by every image of a run (an audit):
     * one /v2/ probe, tokens reused per scope, connections reused, each
     * credential helper run once. NULL = each client on its own. Made with
     * ls_registry_pool_new (analyzer/registry/pool.h). */
    struct ls_registry_pool *pool;
} ls_registry_opts;

#endif
