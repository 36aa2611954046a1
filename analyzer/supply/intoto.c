/*
 * intoto.c - every string of an in-toto statement, with its JSON pointer.
 */
#include "supply/intoto.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supply/cosign.h"

typedef struct {
    ls_json_string_fn fn;
    void *ctx;
    char pointer[LS_JSON_POINTER_MAX + 1];
} walk_ctx;

/* Appends "/" + the RFC 6901 escape of name (~ -> ~0, / -> ~1) at len,
 * cut at the bound. Returns the new length. */
static size_t push_name(walk_ctx *w, size_t len, const char *name, size_t n)
{
    if (len < LS_JSON_POINTER_MAX)
        w->pointer[len++] = '/';
    for (size_t i = 0; i < n && len < LS_JSON_POINTER_MAX; i++) {
        char c = name[i];
        if ((c == '~' || c == '/') && len + 2 <= LS_JSON_POINTER_MAX) {
            w->pointer[len++] = '~';
            w->pointer[len++] = c == '~' ? '0' : '1';
        } else if (c != '~' && c != '/') {
            w->pointer[len++] = c ? c : '?';
        } else {
            break;
        }
    }
    w->pointer[len] = '\0';
    return len;
}

static int walk(walk_ctx *w, json_t *v, size_t len, const char *key)
{
    int rc = 0;
    if (json_is_string(v))
        return w->fn(w->ctx, w->pointer, key, json_string_value(v), json_string_length(v));
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m) {
            size_t n = push_name(w, len, k, strlen(k));
            rc = walk(w, m, n, k);
            w->pointer[len] = '\0';
            if (rc)
                return rc;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) {
            char idx[24];
            size_t n = push_name(w, len, idx, (size_t)snprintf(idx, sizeof idx, "%zu", i));
            rc = walk(w, m, n, NULL);
            w->pointer[len] = '\0';
            if (rc)
                return rc;
        }
    }
    return 0;
}

static json_t *load(const void *doc, size_t len, const char *what, ls_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(doc, len, JSON_ALLOW_NUL, &je);
    if (!root)
        ls_error_set(err, LS_ERR_FORMAT, "%s: invalid JSON at line %d: %s", what, je.line, je.text);
    return root;
}

/* A DSSE envelope's statement (bare, or in a Sigstore bundle), parsed;
 * NULL (err filled) when the payload is not JSON. *was_envelope says
 * whether root was one. */
static json_t *open_envelope(json_t *root, const void *doc, size_t len, const char *what,
                             bool *was_envelope, ls_error *err)
{
    ls_dsse env;
    ls_error e = {0};
    json_t *stmt;
    int rc;
    *was_envelope = false;
    if (!json_is_object(root))
        return root;
    if (json_is_object(json_object_get(root, "dsseEnvelope")))
        rc = ls_bundle_dsse(doc, len, what, &env, &e);
    else if (json_is_string(json_object_get(root, "payload")) && json_object_get(root, "payloadType"))
        rc = ls_dsse_parse(doc, len, what, &env, &e);
    else
        return root;
    if (rc < 0)
        return root; /* not an envelope after all: its strings are what there is */
    *was_envelope = true;
    stmt = load(env.payload, env.payload_len, what, err);
    ls_dsse_clear(&env);
    return stmt;
}

int ls_intoto_strings(const void *doc, size_t len, const char *what, ls_json_string_fn fn,
                      void *ctx, char **predicate_type, ls_error *err)
{
    walk_ctx w = {.fn = fn, .ctx = ctx};
    bool envelope;
    json_t *root = load(doc, len, what, err), *stmt, *pt;
    int rc;
    if (predicate_type)
        *predicate_type = NULL;
    if (!root)
        return -1;
    stmt = open_envelope(root, doc, len, what, &envelope, err);
    if (envelope)
        json_decref(root);
    if (!stmt)
        return -1;
    pt = json_is_object(stmt) ? json_object_get(stmt, "predicateType") : NULL;
    if (predicate_type && json_is_string(pt) && !(*predicate_type = strdup(json_string_value(pt)))) {
        json_decref(stmt);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
    }
    rc = walk(&w, stmt, 0, NULL);
    json_decref(stmt);
    return rc;
}
