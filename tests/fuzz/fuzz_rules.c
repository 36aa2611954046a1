/*
 * fuzz_rules.c - arbitrary bytes as a rule file: the loader must reject
 * what is malformed with a message, and whatever it accepts must either
 * compile or be refused by ls_matcher_new with a message naming the rule.
 */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_temp_file(data, size);
    ls_ruleset *rs = ls_ruleset_new();
    ls_matcher *m = NULL;
    ls_error err = {0};
    if (rs && ls_ruleset_load(rs, path, &err) == 0 && ls_ruleset_count(rs) > 0 &&
        ls_matcher_new(&m, rs, &err) == 0)
        ls_matcher_free(m);
    ls_ruleset_free(rs);
    unlink(path);
    return 0;
}
