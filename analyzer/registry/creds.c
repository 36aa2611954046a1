/*
 * creds.c - credentials from --creds and the containers/Docker auth files.
 *
 * Passwords are wiped from memory when dropped and never appear in a
 * message: errors about an auth file name the file and the registry, not
 * the entry. The files are JSON read with jansson (this file, docs.c and
 * credhelper.c are the registry module's jansson users). Helpers are run
 * by credhelper.c; this file only decides which one.
 */
#include "registry/creds.h"

#include "registry/credhelper.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void ls_creds_clear(ls_creds *c)
{
    wipe_free(c->user);
    wipe_free(c->pass);
    memset(c, 0, sizeof *c);
}

static int set_password(ls_creds *out, const char *user, size_t ulen, const char *pass,
                        const char *source, ls_error *err)
{
    out->user = strndup(user, ulen);
    out->pass = strdup(pass);
    if (!out->user || !out->pass) {
        ls_creds_clear(out);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", source);
    }
    out->kind = LS_CREDS_PASSWORD;
    snprintf(out->source, sizeof out->source, "%s", source);
    return 0;
}

int ls_creds_parse(ls_creds *out, const char *userpass, ls_error *err)
{
    const char *colon = strchr(userpass, ':');
    memset(out, 0, sizeof *out);
    if (!colon || colon == userpass)
        return ls_error_set(err, LS_ERR_USAGE, "--creds: expected USER:PASSWORD");
    return set_password(out, userpass, (size_t)(colon - userpass), colon + 1, "--creds", err);
}

static bool is_docker_hub(const char *h, size_t n)
{
    static const char *const names[] = {"docker.io", "index.docker.io", "registry-1.docker.io"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && strncmp(h, names[i], n) == 0)
            return true;
    return false;
}

/* How closely an auth-file key names domain and repo: -1 not at all, 0 the
 * registry as a whole ("host", a URL), 1 + the path's length for a
 * namespaced key ("host/team") that holds repo, so the most specific key
 * has the highest rank. */
static long key_rank(const char *key, const char *domain, const char *repo)
{
    const char *h = key, *path;
    size_t n, plen;
    bool url = false;
    if (strncmp(h, "https://", 8) == 0)
        h += 8, url = true;
    else if (strncmp(h, "http://", 7) == 0)
        h += 7, url = true;
    n = strcspn(h, "/");
    if (!(strlen(domain) == n && strncmp(h, domain, n) == 0) &&
        !(is_docker_hub(h, n) && is_docker_hub(domain, strlen(domain))))
        return -1;
    path = h + n + (h[n] == '/');
    plen = strlen(path);
    while (plen > 0 && path[plen - 1] == '/')
        plen--;
    if (url || plen == 0)
        return 0; /* a URL's path ("/v1/") is the API's, not a repository */
    if (!repo || strncmp(repo, path, plen) != 0 || (repo[plen] != '\0' && repo[plen] != '/'))
        return -1;
    return 1 + (long)plen;
}

/* user:pass from an "auth" (base64) or "username"/"password" entry: 1 when
 * found, 0 when the entry holds neither, -1 on a malformed one. */
static int entry_password(json_t *entry, ls_creds *out, const char *path, const char *domain,
                          ls_error *err)
{
    json_t *auth = json_object_get(entry, "auth");
    json_t *user = json_object_get(entry, "username"), *pass = json_object_get(entry, "password");
    json_t *token = json_object_get(entry, "identitytoken");
    if (json_is_string(token) && json_string_length(token) > 0) {
        /* Docker keeps the username beside it in "auth"; the token alone
         * is what the token service takes */
        if (!(out->pass = strdup(json_string_value(token))))
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
        out->kind = LS_CREDS_TOKEN;
        snprintf(out->source, sizeof out->source, "%s", path);
        return 1;
    }
    if (json_is_string(auth) && json_string_length(auth) > 0) {
        size_t n = json_string_length(auth), pad = 0;
        unsigned char *dec = malloc(n + 1);
        const char *colon;
        int rc;
        if (!dec)
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
        pad = (n > 0 && json_string_value(auth)[n - 1] == '=') + (n > 1 && json_string_value(auth)[n - 2] == '=');
        rc = n % 4 == 0 ? EVP_DecodeBlock(dec, (const unsigned char *)json_string_value(auth), (int)n) : -1;
        if (rc < 0 || (size_t)rc < pad) {
            free(dec);
            return ls_error_set(err, LS_ERR_FORMAT, "%s: the auth entry for %s is not base64", path,
                                domain);
        }
        dec[(size_t)rc - pad] = '\0';
        colon = strchr((char *)dec, ':');
        if (!colon || colon == (char *)dec || strlen((char *)dec) != (size_t)rc - pad) {
            explicit_bzero(dec, n);
            free(dec);
            return ls_error_set(err, LS_ERR_FORMAT,
                                "%s: the auth entry for %s is not base64 of USER:PASSWORD", path, domain);
        }
        rc = set_password(out, (char *)dec, (size_t)(colon - (char *)dec), colon + 1, path, err);
        explicit_bzero(dec, n);
        free(dec);
        return rc < 0 ? -1 : 1;
    }
    if (json_is_string(user) && json_string_length(user) > 0 && json_is_string(pass))
        return set_password(out, json_string_value(user), json_string_length(user),
                            json_string_value(pass), path, err) < 0 ? -1 : 1;
    return 0;
}

static int set_helper(ls_creds *out, const char *name, const char *path)
{
    out->kind = LS_CREDS_HELPER;
    snprintf(out->helper, sizeof out->helper, "%s", name);
    snprintf(out->source, sizeof out->source, "%s", path);
    return 1;
}

/* The most specific auths entry holding credentials: 1 (out filled), 0, -1. */
static int lookup_auths(json_t *auths, ls_creds *out, const char *path, const char *domain,
                        const char *repo, ls_error *err)
{
    long best = -1;
    const char *key;
    json_t *v;
    json_object_foreach(auths, key, v) {
        ls_creds c = {.kind = LS_CREDS_NONE};
        long rank = key_rank(key, domain, repo);
        int rc;
        if (rank <= best)
            continue;
        if (!json_is_object(v))
            return ls_error_set(err, LS_ERR_FORMAT, "%s: the entry for %s must be an object", path,
                                domain);
        if ((rc = entry_password(v, &c, path, domain, err)) < 0)
            return -1;
        if (rc == 0)
            continue; /* an empty entry ("{}" beside a credsStore) holds nothing */
        ls_creds_clear(out);
        *out = c;
        best = rank;
    }
    return best >= 0;
}

static int lookup_in(json_t *root, ls_creds *out, const char *path, const char *domain,
                     const char *repo, ls_error *err)
{
    json_t *auths = json_object_get(root, "auths"), *helpers = json_object_get(root, "credHelpers");
    json_t *store = json_object_get(root, "credsStore"), *v;
    const char *key;
    int rc;
    if (auths && !json_is_object(auths))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: field auths must be an object", path);
    /* Docker and containers/image both ask a registry's own helper first */
    json_object_foreach(helpers, key, v)
        if (key_rank(key, domain, NULL) == 0 && json_is_string(v) && json_string_length(v) > 0)
            return set_helper(out, json_string_value(v), path);
    if ((rc = lookup_auths(auths, out, path, domain, repo, err)) != 0)
        return rc;
    if (json_is_string(store) && json_string_length(store) > 0)
        return set_helper(out, json_string_value(store), path);
    return 0;
}

int ls_authfile_lookup_repo(ls_creds *out, const char *path, const char *domain, const char *repo,
                            bool must_exist, ls_error *err)
{
    json_error_t je;
    json_t *root;
    FILE *f;
    int rc;
    memset(out, 0, sizeof *out);
    f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT && !must_exist)
            return 0;
        return ls_error_set(err, LS_ERR_IO, "%s: %s", path, strerror(errno));
    }
    root = json_loadf(f, 0, &je);
    fclose(f);
    if (!root) /* je.text quotes the input ("near '...'"), which may be the password */
        return ls_error_set(err, LS_ERR_FORMAT, "%s: invalid JSON at line %d, column %d", path,
                            je.line, je.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return ls_error_set(err, LS_ERR_FORMAT, "%s: not a JSON object", path);
    }
    rc = lookup_in(root, out, path, domain, repo, err);
    json_decref(root);
    if (rc < 0)
        ls_creds_clear(out);
    return rc;
}

int ls_authfile_lookup(ls_creds *out, const char *path, const char *domain, bool must_exist,
                       ls_error *err)
{
    return ls_authfile_lookup_repo(out, path, domain, NULL, must_exist, err);
}

/* Runs the helper out names. Its answer replaces out's kind; when it has
 * none or fails, out keeps LS_CREDS_HELPER and helper_msg says why (a
 * broken helper only matters once the registry asks for a login). -1 only
 * when out of memory. */
static int run_helper(ls_creds *out, const char *domain, const ls_creds_env *env, ls_error *err)
{
    ls_error herr = {0};
    char *user = NULL, *secret = NULL;
    const char *server = is_docker_hub(domain, strlen(domain)) ? "https://index.docker.io/v1/" : domain;
    int rc = ls_credhelper_get(out->helper, server, domain, env ? env->path : NULL,
                               env ? env->envp : NULL, env ? env->helper_timeout_ms : 0, &user,
                               &secret, &herr);
    if (rc < 0 && herr.code == LS_ERR_NOMEM)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", domain);
    if (rc < 0) {
        snprintf(out->helper_msg, sizeof out->helper_msg, "%s", herr.msg);
        return 0;
    }
    if (rc == 0) {
        snprintf(out->helper_msg, sizeof out->helper_msg,
                 "credential helper docker-credential-%s has no credentials for %s", out->helper,
                 domain);
        return 0;
    }
    if (strcmp(user, "<token>") == 0) { /* the protocol's mark of an identity token */
        wipe_free(user);
        user = NULL;
        out->kind = LS_CREDS_TOKEN;
    } else {
        out->kind = LS_CREDS_PASSWORD;
    }
    out->user = user;
    out->pass = secret;
    snprintf(out->source, sizeof out->source, "credential helper docker-credential-%s", out->helper);
    return 0;
}

/* The entry of the chain: 0 (out->kind may be LS_CREDS_NONE) or -1. */
static int find_entry(ls_creds *out, const char *domain, const char *repo, const char *creds_opt,
                      const char *authfile_opt, const ls_creds_env *env, ls_error *err)
{
    const char *env_file = env ? env->auth_file : NULL, *xdg = env ? env->xdg_runtime_dir : NULL;
    const char *home = env ? env->home : NULL;
    char paths[3][4096];
    size_t n = 0;
    if (creds_opt)
        return ls_creds_parse(out, creds_opt, err);
    if (authfile_opt)
        return ls_authfile_lookup_repo(out, authfile_opt, domain, repo, true, err) < 0 ? -1 : 0;
    if (env_file && *env_file)
        return ls_authfile_lookup_repo(out, env_file, domain, repo, false, err) < 0 ? -1 : 0;
    if (xdg && *xdg)
        snprintf(paths[n++], sizeof paths[0], "%s/containers/auth.json", xdg);
    if (home && *home) {
        snprintf(paths[n++], sizeof paths[0], "%s/.config/containers/auth.json", home);
        snprintf(paths[n++], sizeof paths[0], "%s/.docker/config.json", home);
    }
    for (size_t i = 0; i < n; i++) {
        int rc = ls_authfile_lookup_repo(out, paths[i], domain, repo, false, err);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    return 0;
}

int ls_creds_find(ls_creds *out, const char *domain, const char *repo, const char *creds_opt,
                  const char *authfile_opt, const ls_creds_env *env, ls_error *err)
{
    memset(out, 0, sizeof *out);
    return find_entry(out, domain, repo, creds_opt, authfile_opt, env, err) < 0 ? -1 : 0;
}

int ls_creds_run_helper(ls_creds *c, const char *domain, const ls_creds_env *env, ls_error *err)
{
    if (c->kind != LS_CREDS_HELPER)
        return 0;
    if (run_helper(c, domain, env, err) < 0) {
        ls_creds_clear(c);
        return -1;
    }
    return 0;
}

int ls_creds_copy(ls_creds *dst, const ls_creds *src)
{
    *dst = *src;
    dst->user = src->user ? strdup(src->user) : NULL;
    dst->pass = src->pass ? strdup(src->pass) : NULL;
    if ((src->user && !dst->user) || (src->pass && !dst->pass)) {
        ls_creds_clear(dst);
        return -1;
    }
    return 0;
}

int ls_creds_resolve_in(ls_creds *out, const char *domain, const char *repo, const char *creds_opt,
                        const char *authfile_opt, const ls_creds_env *env, ls_error *err)
{
    if (ls_creds_find(out, domain, repo, creds_opt, authfile_opt, env, err) < 0)
        return -1;
    return ls_creds_run_helper(out, domain, env, err);
}

char *ls_creds_basic(const ls_creds *c)
{
    size_t ul, pl, n, cap;
    unsigned char *plain;
    char *out;
    if (c->kind != LS_CREDS_PASSWORD)
        return NULL;
    ul = strlen(c->user);
    pl = strlen(c->pass);
    n = ul + 1 + pl;
    plain = malloc(n + 1);
    cap = 6 + 4 * ((n + 2) / 3) + 1;
    out = malloc(cap);
    if (!plain || !out) {
        free(plain);
        free(out);
        return NULL;
    }
    memcpy(plain, c->user, ul);
    plain[ul] = ':';
    memcpy(plain + ul + 1, c->pass, pl);
    memcpy(out, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)out + 6, plain, (int)n);
    explicit_bzero(plain, n);
    free(plain);
    return out;
}
