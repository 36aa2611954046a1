/*
 * header.h - the two HTTP header values a registry client must understand:
 * the WWW-Authenticate challenge of a 401 (RFC 7235: a scheme, then
 * key=value parameters, values quoted or not) and the Link header of a
 * paginated listing (RFC 8288: "<url>; rel=\"next\""). Pure string
 * functions, so they are unit-tested without a server.
 */
#ifndef LS_REGISTRY_HEADER_H
#define LS_REGISTRY_HEADER_H

#include <stddef.h>

typedef enum { LS_AUTH_UNKNOWN = 0, LS_AUTH_BASIC, LS_AUTH_BEARER } ls_auth_scheme;

typedef struct {
    ls_auth_scheme scheme;
    char realm[1024];  /* "" when absent */
    char service[256];
    char scope[1024];
    char error[64];    /* "insufficient_scope", "invalid_token", ... */
} ls_challenge;

/* Parses the first challenge of a WWW-Authenticate value. Quoted values may
 * hold commas, '=' and backslash escapes; keys are case-insensitive;
 * unknown keys are skipped; a value too long for its field is an error.
 * Returns 0, or -1 when the value is malformed or its scheme is neither
 * Basic nor Bearer (c->scheme is then LS_AUTH_UNKNOWN). */
int ls_challenge_parse(ls_challenge *c, const char *value);

/* Finds the link whose rel (a space-separated list) holds "next" in a Link
 * value and copies its URI reference (possibly relative) into out. Returns
 * 1 when found, 0 when there is none, -1 when malformed or longer than
 * cap - 1. */
int ls_link_next(const char *value, char *out, size_t cap);

#endif
