/*
 * rules_load.c - finding the bundled patterns and building the rule set the
 * options ask for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "match/matcher.h"

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The bundled rules: $LAYERSCAN_PATTERNS, then <prefix>/share/layerscan/patterns
 * beside an installed binary, then the source tree this binary was built from. */
static const char *default_patterns(char *buf, size_t cap)
{
    const char *env = getenv("LAYERSCAN_PATTERNS");
    char exe[4096];
    ssize_t n;
    if (env && *env)
        return env;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, cap, "%s/../share/layerscan/patterns", exe);
            if (is_dir(buf))
                return buf;
        }
    }
    return LAYERSCAN_DEFAULT_PATTERNS;
}

ls_ruleset *cli_load_rules(const cli_opts *o, ls_error *err)
{
    char buf[4200];
    ls_ruleset *rs = ls_ruleset_new();
    if (!rs) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (!o->no_default_rules && ls_ruleset_load(rs, default_patterns(buf, sizeof buf), err) != 0)
        goto fail;
    for (size_t i = 0; i < o->n_rule_paths; i++)
        if (ls_ruleset_load(rs, o->rule_paths[i], err) != 0)
            goto fail;
    for (size_t i = 0; i < o->n_disabled; i++)
        if (ls_ruleset_disable(rs, o->disabled[i]) != 0) {
            ls_error_set(err, LS_ERR_USAGE, "--disable-rule %s: no such rule", o->disabled[i]);
            goto fail;
        }
    if (ls_ruleset_count(rs) == 0) {
        ls_error_set(err, LS_ERR_USAGE, "no rules to scan with");
        goto fail;
    }
    return rs;
fail:
    ls_ruleset_free(rs);
    return NULL;
}


int cli_new_matcher(const cli_opts *o, const ls_ruleset *rs, const char *cache_dir, ls_matcher **m,
                    ls_error *err)
{
    if (ls_matcher_new_cached(m, rs, cache_dir, err) != 0)
        return -1;
    if (o->match_window && ls_matcher_set_window(*m, (size_t)o->match_window, err) != 0) {
        ls_matcher_free(*m);
        *m = NULL;
        return -1;
    }
    return 0;
}
