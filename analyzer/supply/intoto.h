/*
 * intoto.h - an attestation's in-toto statement as the strings it holds.
 *
 * What leaks from a build into an attestation is a string somewhere in the
 * predicate: a build argument in SLSA provenance
 * (/predicate/invocation/parameters/args/build-arg:NAME), an environment
 * value, a URL with credentials in a materials list. So a statement is read
 * as every string it holds, each named by its RFC 6901 JSON pointer, and
 * the caller scans them. A DSSE envelope (cosign attestations), bare or in
 * a Sigstore bundle, is opened first: its payload is the statement.
 */
#ifndef LS_SUPPLY_INTOTO_H
#define LS_SUPPLY_INTOTO_H

#include <stddef.h>

#include "layerscan/error.h"

/* The longest pointer passed on; deeper names are cut there (still unique
 * enough to find the string, and bounded however hostile the nesting). */
#define LS_JSON_POINTER_MAX 1024u

/* One string of the statement: its pointer ("/predicate/x/0"), the member
 * name holding it (NULL for an array element) and its value (may hold NUL
 * bytes: len counts them). Returns 0 to go on, non-zero to stop the walk. */
typedef int (*ls_json_string_fn)(void *ctx, const char *pointer, const char *key, const char *value,
                                 size_t len);

/* Parses doc (a statement, or a DSSE envelope holding one) and calls fn for
 * every string value in document order. *predicate_type (may be NULL)
 * receives a copy of the statement's predicateType, or NULL. LS_ERR_FORMAT
 * "WHAT: ..." when doc is not JSON (or a DSSE payload is not); a
 * non-zero return from fn is returned as is. */
int ls_intoto_strings(const void *doc, size_t len, const char *what, ls_json_string_fn fn,
                      void *ctx, char **predicate_type, ls_error *err);

#endif
