/*
 * creds.h - where a registry's username and password come from: --creds,
 * or the first auth file that has an entry for the registry among
 * --authfile (only that one when given), REGISTRY_AUTH_FILE,
 * $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json and
 * ~/.docker/config.json. Entries are `auths` objects with a base64 "auth"
 * ("user:pass") or "username"/"password"; a `credHelpers` entry for the
 * registry or a `credsStore` names a helper program we do not run, which is
 * remembered so a 401 can say so.
 */
#ifndef LS_REGISTRY_CREDS_H
#define LS_REGISTRY_CREDS_H

#include <stdbool.h>

#include "layerscan/error.h"
#include "layerscan/registry.h" /* ls_creds_env */

typedef enum {
    LS_CREDS_NONE = 0,
    LS_CREDS_PASSWORD, /* user + pass: Basic credentials */
    LS_CREDS_HELPER,   /* a helper holds them: not run yet, or it had none or failed */
    LS_CREDS_TOKEN,    /* pass is an identity (OAuth2 refresh) token; user may be NULL */
} ls_creds_kind;

typedef struct {
    ls_creds_kind kind;
    char *user, *pass;  /* PASSWORD, TOKEN; wiped and freed by ls_creds_clear */
    char helper[128];   /* the helper's name ("desktop", "ecr-login") when one is named */
    char source[512];   /* "--creds" or the auth file the entry is in */
    char helper_msg[512]; /* LS_CREDS_HELPER after running it: why there is nothing
                           * ("credential helper ... for H: not found on PATH") */
} ls_creds;

/* Splits "USER:PASS" (USER non-empty; PASS may hold ':'). -1 with
 * LS_ERR_USAGE "--creds: expected USER:PASSWORD" (the value is never
 * quoted back). */
int ls_creds_parse(ls_creds *out, const char *userpass, ls_error *err);

/* Looks domain ("127.0.0.1:5000", "docker.io") and repository ("team/app",
 * "library/alpine"; NULL for the registry as a whole) up in one auth file.
 * Keys may be "host[:port]", URLs ("https://index.docker.io/v1/") or
 * namespaced "host[:port]/path", which applies to repository path and
 * those under it; Docker Hub's aliases (docker.io, index.docker.io,
 * registry-1.docker.io) are one registry. credHelpers keys are hosts only.
 * Returns 1 when the file has an entry (password, token or helper; out
 * filled), 0 when it has none or is absent (unless must_exist), -1 with
 * err: LS_ERR_IO for an absent must_exist file, LS_ERR_FORMAT "FILE: ..."
 * for a malformed one. */
int ls_authfile_lookup_repo(ls_creds *out, const char *path, const char *domain, const char *repo,
                            bool must_exist, ls_error *err);

/* ls_authfile_lookup_repo for the registry as a whole (repo NULL). */
int ls_authfile_lookup(ls_creds *out, const char *path, const char *domain, bool must_exist,
                       ls_error *err);

/* ls_creds_env (include/layerscan/registry.h): the environment the
 * auth-file chain follows, as the program read it. */

/* The whole chain (see the top of this file) over env (NULL = all unset:
 * only --creds and --authfile, and no helper found) for repo (may be NULL).
 * A helper the entry names is run, along env->path: its credentials make
 * out PASSWORD or TOKEN (source "credential helper docker-credential-NAME");
 * when it has none or fails, out stays LS_CREDS_HELPER with helper_msg
 * saying why. creds_opt and authfile_opt may be NULL. Returns 0 (out->kind
 * may be LS_CREDS_NONE) or -1. */
int ls_creds_resolve_in(ls_creds *out, const char *domain, const char *repo, const char *creds_opt,
                        const char *authfile_opt, const ls_creds_env *env, ls_error *err);

/* ls_creds_resolve_in in two steps, so that a caller can keep a helper's
 * answer for later lookups (pool.c): the entry found along the chain
 * (a helper's not run yet: kind LS_CREDS_HELPER), then the helper run when
 * the entry names one (nothing to do otherwise). -1 with err; a failed
 * find leaves out empty, a failed run clears c. */
int ls_creds_find(ls_creds *out, const char *domain, const char *repo, const char *creds_opt,
                  const char *authfile_opt, const ls_creds_env *env, ls_error *err);
int ls_creds_run_helper(ls_creds *c, const char *domain, const ls_creds_env *env, ls_error *err);

/* A deep copy (the secrets duplicated); -1 (dst empty) when out of memory. */
int ls_creds_copy(ls_creds *dst, const ls_creds *src);

/* ls_creds_resolve_in over the process environment. Defined by the
 * program (analyzer/cli/env.c), not the library: only it reads the
 * environment. */
int ls_creds_resolve(ls_creds *out, const char *domain, const char *repo, const char *creds_opt,
                     const char *authfile_opt, ls_error *err);

/* "Basic base64(user:pass)" as a new string; NULL without a password (a
 * token is none) or on allocation failure. */
char *ls_creds_basic(const ls_creds *c);

/* Wipes and frees. Accepts a zeroed struct. */
void ls_creds_clear(ls_creds *c);

#endif
