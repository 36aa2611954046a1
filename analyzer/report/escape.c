/*
 * escape.c - see escape.h. The escaping itself is core/escape.c, shared with
 * the error messages.
 */
#include "report/escape.h"

#include <string.h>

int ls_fputs_escaped(const char *s, FILE *out)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        char one[LS_ESCAPE_ONE_MAX];
        size_t used, k = ls_escape_one(p, one, &used);
        if (fwrite(one, 1, k, out) != k)
            return -1;
        p += used;
    }
    return 0;
}
