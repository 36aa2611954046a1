/*
 * fuzz_origin.c - the path judgements of vendor verification over any path a
 * layer could hold: ls_detect_third_party (dependency sample trees) and
 * ls_vendor_pyc_source (a .pyc's source), the latter into a separate buffer
 * and in place, with the result checked against the promise: a ".py" path no
 * longer than the input, in the same directory tree.
 */
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "fuzz.h"
#include "pipeline/vendor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path, *out;
    if (size > 8192 || memchr(data, 0, size))
        return 0;
    path = malloc(size + 1);
    out = malloc(size + 1);
    if (!path || !out) {
        free(path);
        free(out);
        return 0;
    }
    memcpy(path, data, size);
    path[size] = '\0';
    (void)ls_detect_third_party(path);
    if (ls_vendor_pyc_source(path, out, size + 1)) {
        size_t n = strlen(out);
        if (n > size || n < 3 || strcmp(out + n - 3, ".py") != 0 || out[0] != path[0])
            abort();
        /* in place gives the same answer */
        if (!ls_vendor_pyc_source(path, path, size + 1) || strcmp(path, out) != 0)
            abort();
    }
    free(path);
    free(out);
    return 0;
}
