/*
 * fuzz_regex_width.c - the width read from an expression (regex_width.h)
 * against Hyperscan's own analysis: whenever both accept an expression, the
 * bound read must be at least Hyperscan's max_width (a shorter one would cut
 * confirmation short and lose secrets). Input: the expression (NUL-free).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "fuzz.h"
#include "match/regex_width.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *re;
    size_t mine;
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    if (size > 4096 || memchr(data, 0, size))
        return 0;
    if (!(re = malloc(size + 1)))
        return 0;
    memcpy(re, data, size);
    re[size] = '\0';
    if (ls_regex_max_width(re, &mine)) {
        if (hs_expression_info(re, 0, &info, &cerr) == HS_SUCCESS) {
            size_t theirs = info->max_width == UINT_MAX ? SIZE_MAX : info->max_width;
            if (mine < theirs) {
                fprintf(stderr, "width %zu < Hyperscan's %zu for: %s\n", mine, theirs, re);
                abort();
            }
            free(info);
        } else {
            hs_free_compile_error(cerr);
        }
    }
    free(re);
    return 0;
}
