/*
 * docs.h - the small JSON documents of the Distribution API that are not
 * image metadata (those are source/manifest.c's): a token endpoint's answer,
 * an error body, and the name lists of /v2/_catalog and /v2/REPO/tags/list.
 */
#ifndef LS_REGISTRY_DOCS_H
#define LS_REGISTRY_DOCS_H

#include <stddef.h>

#include "layerscan/error.h"
#include "registry/registry.h"

#define LS_MAX_TOKEN_BYTES (16u * 1024u)

/* The "token" (or "access_token") of a token endpoint's JSON answer, as a
 * new string. Refuses a token that is not printable ASCII or longer than
 * LS_MAX_TOKEN_BYTES (it goes into a header line). -1 with LS_ERR_FORMAT
 * "WHAT: ..." (never quoting the token). */
int ls_docs_token(const void *data, size_t len, const char *what, char **token, ls_error *err);

/* The first errors[].message (else .code) of a registry error body into out
 * ("manifest unknown"); "" when the body says nothing usable. */
void ls_docs_error_message(const void *data, size_t len, char *out, size_t cap);

/* Calls fn for every string of the array `key` ("repositories" or "tags") of
 * a listing page; an absent or null array is an empty page. Returns 0, the
 * callback's nonzero value, or -1 with LS_ERR_FORMAT "WHAT: ...". */
int ls_docs_names(const void *data, size_t len, const char *key, const char *what,
                  ls_registry_name_fn fn, void *ctx, ls_error *err);

#endif
