/*
 * fuzz_http_header.c - arbitrary bytes through the registry's header
 * parsers (analyzer/registry/header.c): the WWW-Authenticate challenge of a
 * 401 and the Link header of a listing page, both written by the server.
 * The first byte picks the parser (and, for Link, the output capacity, so
 * the "longer than cap - 1" edge is reached from small caps too); the rest
 * is the header value, NUL-terminated as curl hands it over.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value;
    if (size < 1 || size > 64 * 1024)
        return 0;
    if (!(value = malloc(size)))
        return 0;
    memcpy(value, data + 1, size - 1);
    value[size - 1] = '\0';
    if (data[0] & 1) {
        ls_challenge c;
        int rc = ls_challenge_parse(&c, value);
        if (rc == 0 && c.scheme != LS_AUTH_BASIC && c.scheme != LS_AUTH_BEARER)
            abort(); /* success names a scheme we answer */
        if (rc == 0 && (strlen(c.realm) >= sizeof c.realm || strlen(c.service) >= sizeof c.service ||
                        strlen(c.scope) >= sizeof c.scope || strlen(c.error) >= sizeof c.error))
            abort();
    } else {
        size_t cap = (size_t)(data[0] >> 1) + 1; /* 1 .. 128 */
        char small[129], big[4096];
        int rc = ls_link_next(value, small, cap);
        if (rc == 1 && strlen(small) >= cap)
            abort();
        rc = ls_link_next(value, big, sizeof big);
        if (rc == 1 && strlen(big) >= sizeof big)
            abort();
    }
    free(value);
    return 0;
}
