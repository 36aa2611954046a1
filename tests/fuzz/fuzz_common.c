/*
 * fuzz_common.c - see fuzz.h. The process-wide matcher is the one piece of
 * global state in the tree, and it lives only in test code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

static ls_ruleset *g_rules;
static ls_matcher *g_matcher;

static void release(void)
{
    ls_matcher_free(g_matcher);
    ls_ruleset_free(g_rules);
}

const ls_matcher *fuzz_matcher(void)
{
    ls_error err = {0};
    const char *dir = getenv("LAYERSCAN_PATTERNS");
    if (g_matcher)
        return g_matcher;
    g_rules = ls_ruleset_new();
    /* ctest names the build tree's compiled-rules cache (a replay under
     * ASan would otherwise compile the bundled rules for a minute); a
     * libFuzzer campaign compiles once at start (FUZZ_COMPILE_MATCHER_AT_START) */
    if (!g_rules || ls_ruleset_load(g_rules, dir ? dir : LAYERSCAN_DEFAULT_PATTERNS, &err) != 0 ||
        ls_matcher_new_cached(&g_matcher, g_rules, getenv("LAYERSCAN_CACHE_DIR"), &err) != 0) {
        fprintf(stderr, "fuzz: cannot load rules: %s\n", err.msg);
        abort();
    }
    atexit(release);
    return g_matcher;
}

const char *fuzz_temp_file(const uint8_t *data, size_t size)
{
    static char path[64];
    FILE *f;
    snprintf(path, sizeof path, "/tmp/layerscan-fuzz-%ld.bin", (long)getpid());
    f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}
