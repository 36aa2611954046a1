/*
 * cmd_rules.c - `layerscan rules list|test`: the rule library and its
 * self-test through the real engine.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "match/matcher.h"
#include "rules/selftest.h"

int cli_cmd_rules(const cli_opts *o, const char *what)
{
    ls_error err;
    ls_ruleset *rs;
    ls_matcher *m = NULL;
    int status = EXIT_ERROR;
    ls_error_clear(&err);
    if (!(rs = cli_load_rules(o, &err)))
        goto out;
    if (strcmp(what, "list") == 0) {
        for (size_t i = 0; i < ls_ruleset_count(rs); i++) {
            const ls_rule *r = ls_ruleset_get(rs, i);
            printf("%-32s %-8s %-6s %s\n", r->id, ls_severity_name(r->severity),
                   ls_confidence_name(r->confidence), r->title);
        }
        status = EXIT_CLEAN;
    } else if (strcmp(what, "test") == 0) {
        size_t failed;
        if (ls_matcher_new(&m, rs, &err) != 0)
            goto out;
        failed = ls_rules_selftest(m, stdout, o->verbose, &err);
        if (failed == (size_t)-1)
            goto out;
        printf("%zu rules, %zu passed, %zu failed\n", ls_ruleset_count(rs), ls_ruleset_count(rs) - failed,
               failed);
        status = failed ? EXIT_FINDINGS : EXIT_CLEAN;
    } else {
        ls_error_set(&err, LS_ERR_USAGE, "rules %s: expected list or test", what);
    }
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", err.msg);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    return status;
}

