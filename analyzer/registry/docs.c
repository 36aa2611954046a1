/*
 * docs.c - jansson over the registry's own small documents (token answers,
 * error bodies, listing pages). Like source/manifest.c for image metadata,
 * this is the one place in the registry module that touches json_t.
 */
#include "registry/docs.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "source/manifest.h"

static json_t *load(const void *data, size_t len, const char *what, ls_error *err)
{
    json_error_t je;
    json_t *root;
    if (len > LS_MAX_JSON_HARD) { /* readers enforce --max-json-size; this is the backstop */
        ls_error_set(err, LS_ERR_LIMIT, "%s: larger than %u MiB (refused)", what,
                     LS_MAX_JSON_HARD >> 20);
        return NULL;
    }
    root = json_loadb(data, len, 0, &je);
    if (!root)
        ls_error_set(err, LS_ERR_FORMAT, "%s: invalid JSON at line %d: %s", what, je.line, je.text);
    else if (!json_is_object(root)) {
        json_decref(root);
        root = NULL;
        ls_error_set(err, LS_ERR_FORMAT, "%s: not a JSON object", what);
    }
    return root;
}

static int header_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return n > 0;
}

int ls_docs_token(const void *data, size_t len, const char *what, char **token, ls_error *err)
{
    json_t *root = load(data, len, what, err), *t;
    int rc = -1;
    *token = NULL;
    if (!root)
        return -1;
    t = json_object_get(root, "token");
    if (!json_is_string(t) || json_string_length(t) == 0)
        t = json_object_get(root, "access_token");
    if (!json_is_string(t) || json_string_length(t) == 0)
        ls_error_set(err, LS_ERR_FORMAT, "%s: the answer holds no token", what);
    else if (json_string_length(t) > LS_MAX_TOKEN_BYTES ||
             !header_safe(json_string_value(t), json_string_length(t)))
        ls_error_set(err, LS_ERR_FORMAT, "%s: the token is too long or not printable ASCII", what);
    else if (!(*token = strdup(json_string_value(t))))
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
    else
        rc = 0;
    json_decref(root);
    return rc;
}

void ls_docs_error_message(const void *data, size_t len, char *out, size_t cap)
{
    json_t *root = load(data, len, "", NULL), *first, *msg;
    out[0] = '\0';
    if (!root)
        return;
    first = json_array_get(json_object_get(root, "errors"), 0);
    msg = json_object_get(first, "message");
    if (!json_is_string(msg) || json_string_length(msg) == 0)
        msg = json_object_get(first, "code");
    if (json_is_string(msg))
        snprintf(out, cap, "%s", json_string_value(msg));
    json_decref(root);
}

int ls_docs_names(const void *data, size_t len, const char *key, const char *what,
                  ls_registry_name_fn fn, void *ctx, ls_error *err)
{
    json_t *root = load(data, len, what, err), *arr;
    int rc = 0;
    if (!root)
        return -1;
    arr = json_object_get(root, key);
    if (arr && !json_is_null(arr) && !json_is_array(arr)) {
        json_decref(root);
        return ls_error_set(err, LS_ERR_FORMAT, "%s: field %s must be an array", what, key);
    }
    for (size_t i = 0; arr && i < json_array_size(arr) && rc == 0; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s))
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: %s[%zu] must be a string", what, key, i);
        else
            rc = fn(ctx, json_string_value(s));
    }
    json_decref(root);
    return rc;
}
