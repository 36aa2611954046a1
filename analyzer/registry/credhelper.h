/*
 * credhelper.h - asks a Docker credential helper for a registry's
 * credentials: `docker-credential-NAME get`, the server on stdin, JSON
 * {"ServerURL","Username","Secret"} on stdout
 * (https://github.com/docker/docker-credential-helpers).
 *
 * The helper is a program of the user's, but its output is still bounded:
 * it runs without a shell (posix_spawn), at most LS_CREDHELPER_TIMEOUT_MS
 * (then it is killed and reaped), its stdout is read up to
 * LS_CREDHELPER_MAX_OUTPUT bytes and its stderr goes to /dev/null. What it
 * prints never reaches a message: it may be the secret.
 */
#ifndef LS_REGISTRY_CREDHELPER_H
#define LS_REGISTRY_CREDHELPER_H

#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"

#define LS_CREDHELPER_TIMEOUT_MS 10000u
#define LS_CREDHELPER_MAX_OUTPUT (64u * 1024u)

/* Runs docker-credential-NAME (looked up in path_env, the PATH string;
 * NULL or "" finds nothing) with `get` and the environment envp (NULL =
 * an empty one), writing server on its stdin;
 * timeout_ms 0 = LS_CREDHELPER_TIMEOUT_MS. `registry` names the registry
 * in messages. Returns 1 with *user and *secret (new strings; the caller
 * wipes and frees them; user "<token>" means secret is an identity token),
 * 0 when the helper has no credentials for server (it exits non-zero
 * saying "credentials not found"), or -1 with err (LS_ERR_IO, one line
 * naming the helper and the registry, never the output): "credential
 * helper docker-credential-NAME for REGISTRY: not found on PATH" (also for
 * a name that is not a plain file name), "...: exited with status N",
 * "...: killed by signal N", "...: no answer within 10s", "...: its answer
 * is not JSON with Username and Secret", "...: its answer is larger than
 * 65536 bytes". */
int ls_credhelper_get(const char *name, const char *server, const char *registry,
                      const char *path_env, char *const *envp, uint64_t timeout_ms, char **user,
                      char **secret, ls_error *err);

#endif
