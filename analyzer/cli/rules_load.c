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

/* Drops the rules of every category --checks leaves out. */
static int drop_unchecked(ls_ruleset *rs, unsigned checks)
{
    size_t i = 0;
    while (i < ls_ruleset_count(rs)) {
        const ls_rule *r = ls_ruleset_get(rs, i);
        char *id;
        if (checks & (1u << r->category)) {
            i++;
            continue;
        }
        if (!(id = strdup(r->id)))
            return -1;
        (void)ls_ruleset_disable(rs, id); /* the id exists: it was just read */
        free(id);
    }
    return 0;
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
    if (drop_unchecked(rs, o->checks ? o->checks : CLI_CHECKS_DEFAULT) != 0) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
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
