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

typedef enum { LS_CREDS_NONE = 0, LS_CREDS_PASSWORD, LS_CREDS_HELPER } ls_creds_kind;

typedef struct {
    ls_creds_kind kind;
    char *user, *pass;  /* LS_CREDS_PASSWORD; wiped and freed by ls_creds_clear */
    char helper[128];   /* LS_CREDS_HELPER: the helper's name ("desktop", "ecr-login") */
    char source[512];   /* "--creds" or the auth file the entry is in */
} ls_creds;

/* Splits "USER:PASS" (USER non-empty; PASS may hold ':'). -1 with
 * LS_ERR_USAGE "--creds: expected USER:PASSWORD" (the value is never
 * quoted back). */
int ls_creds_parse(ls_creds *out, const char *userpass, ls_error *err);

/* Looks domain ("127.0.0.1:5000", "docker.io") up in one auth file. Keys
 * may be "host[:port]" or URLs ("https://index.docker.io/v1/"); Docker
 * Hub's aliases (docker.io, index.docker.io, registry-1.docker.io) are one
 * registry; namespaced keys ("quay.io/team") are ignored. Returns 1 when the
 * file has an entry (password or helper; out filled), 0 when it has none
 * or is absent (unless must_exist), -1 with err: LS_ERR_IO for an absent
 * must_exist file, LS_ERR_FORMAT "FILE: ..." for a malformed one. */
int ls_authfile_lookup(ls_creds *out, const char *path, const char *domain, bool must_exist,
                       ls_error *err);

/* ls_creds_env (include/layerscan/registry.h): the environment the
 * auth-file chain follows, as the program read it. */

/* The whole chain (see the top of this file) over env (NULL = all unset:
 * only --creds and --authfile). creds_opt and authfile_opt may be NULL.
 * Returns 0 (out->kind may be LS_CREDS_NONE) or -1. */
int ls_creds_resolve_in(ls_creds *out, const char *domain, const char *creds_opt,
                        const char *authfile_opt, const ls_creds_env *env, ls_error *err);

/* ls_creds_resolve_in over the process environment. Defined by the
 * program (analyzer/cli/env.c), not the library: only it reads the
 * environment. */
int ls_creds_resolve(ls_creds *out, const char *domain, const char *creds_opt,
                     const char *authfile_opt, ls_error *err);

/* "Basic base64(user:pass)" as a new string; NULL without a password or
 * on allocation failure. */
char *ls_creds_basic(const ls_creds *c);

/* Wipes and frees. Accepts a zeroed struct. */
void ls_creds_clear(ls_creds *c);

#endif
