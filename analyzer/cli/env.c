/*
 * env.c - every read of the environment: the library never calls getenv
 * (tests/integration/test_library_env.sh checks its objects), it takes
 * options. Besides cli_env_read, this file defines the env-resolving
 * defaults the library declares for its callers (ls_dbcache_default_dir,
 * ls_layer_cache_new, ls_creds_resolve): each reads the variables and
 * calls the library's explicit form. It is built as its own small library
 * (layerscan_env) so the program and the unit tests share it.
 */
#include "cli/env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "match/dbcache.h"
#include "pipeline/layer_cache.h"
#include "registry/creds.h"

extern char **environ;

/* A switch that is on when set, non-empty and not "0" (LAYERSCAN_DEBUG). */
static bool env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* A default-on switch turned off by exactly "0" (LAYERSCAN_MMAP=0). */
static bool env_zero(const char *name)
{
    const char *v = getenv(name);
    return v && strcmp(v, "0") == 0;
}

static ls_creds_env creds_env(void)
{
    const char *t = getenv("LAYERSCAN_CREDHELPER_TIMEOUT_MS"); /* tests: a hung helper fails fast */
    ls_creds_env e = {.auth_file = getenv("REGISTRY_AUTH_FILE"),
                      .xdg_runtime_dir = getenv("XDG_RUNTIME_DIR"),
                      .home = getenv("HOME"),
                      .path = getenv("PATH"),
                      .envp = environ,
                      .helper_timeout_ms = t ? strtoull(t, NULL, 10) : 0};
    return e;
}

/* Where registry certificates live without --cert-dir, as Docker and
 * podman keep them; LAYERSCAN_CERTS_D (':'-separated) replaces the list,
 * for tests and odd setups. */
static const char *certs_d_roots(void)
{
    const char *v = getenv("LAYERSCAN_CERTS_D");
    return v ? v : "/etc/containers/certs.d:/etc/docker/certs.d";
}

/* docker-daemon:'s engine: DOCKER_HOST, else the first socket that exists
 * of Docker's and Podman's (rootless, then system); NULL leaves the
 * library's default. */
static const char *engine_socket(void)
{
    static char rootless[4200];
    const char *v = getenv("DOCKER_HOST"), *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    if (v && *v)
        return v;
    if (stat("/var/run/docker.sock", &st) == 0)
        return NULL;
    if (xdg && *xdg && strlen(xdg) < 4000) {
        snprintf(rootless, sizeof rootless, "%s/podman/podman.sock", xdg);
        if (stat(rootless, &st) == 0)
            return rootless;
    }
    if (stat("/run/podman/podman.sock", &st) == 0)
        return "/run/podman/podman.sock";
    return NULL;
}

void cli_env_read(cli_opts *o)
{
    o->engine_socket = engine_socket();
    o->debug = env_on("LAYERSCAN_DEBUG");
    o->no_mmap = env_zero("LAYERSCAN_MMAP");
    o->no_decode_thread = env_zero("LAYERSCAN_DECODE_THREAD");
    o->registry.debug = o->debug;
    o->registry.auth_env = creds_env();
    o->registry.certs_d = certs_d_roots();
}

bool ls_dbcache_default_dir(char *out, size_t n)
{
    return ls_dbcache_dir_from(getenv("LAYERSCAN_CACHE_DIR"), getenv("XDG_CACHE_HOME"), getenv("HOME"), out, n);
}

int ls_layer_cache_new(ls_layer_cache **out, const char *root, const ls_ruleset *rules,
                       const char *settings, const unsigned char *mac_key, size_t mac_key_len,
                       ls_error *err)
{
    return ls_layer_cache_open(out, root, getenv("TMPDIR"), rules, settings, mac_key, mac_key_len, err);
}

int ls_creds_resolve(ls_creds *out, const char *domain, const char *repo, const char *creds_opt,
                     const char *authfile_opt, ls_error *err)
{
    ls_creds_env e = creds_env();
    return ls_creds_resolve_in(out, domain, repo, creds_opt, authfile_opt, &e, err);
}
