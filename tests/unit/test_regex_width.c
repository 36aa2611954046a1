/*
 * test_regex_width.c - the width read from an expression (regex_width.h):
 * for every bundled rule it is read (no fallback needed) and equals
 * Hyperscan's own max_width exactly; hand-made cases give the expected
 * bound; syntax it does not know is refused, never guessed.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <hs/hs.h>

#include "check.h"
#include "layerscan/rules.h"
#include "match/regex_width.h"

static size_t width_of(const char *re)
{
    size_t w = 12345;
    CHECK(ls_regex_max_width(re, &w));
    return w;
}

static size_t hs_width(const char *re)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    size_t w;
    if (hs_expression_info(re, 0, &info, &cerr) != HS_SUCCESS) {
        hs_free_compile_error(cerr);
        return 0;
    }
    w = info->max_width == UINT_MAX ? SIZE_MAX : info->max_width;
    free(info);
    return w;
}

int main(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    char patterns[4096];
    ls_ruleset *rs = ls_ruleset_new();
    ls_error err = {0};
    static const struct {
        const char *re;
        size_t want;
    } cases[] = {
        {"abc", 3},
        {"a|bcd|ef", 3},
        {"(?:ab){2,5}c?", 11},
        {"x{3}", 3},
        {"x{3,}", SIZE_MAX},
        {"[A-Za-z0-9_\\]-]{20,40}", 40},
        {"\\bghp_[A-Za-z0-9]{36}\\b", 40},
        {"^a$", 1},
        {"(?i)key(?P<s>[a-f0-9]{32})", 35},
        {"(?<secret>\\x41\\d\\.)", 3},
        {"(?i:ab)+", SIZE_MAX},
        {"a*?b", SIZE_MAX},
        {"[[:alpha:]]{2}", 2},
        {"(a|)", 1},
        {"()", 0},
        {"a{2}?", 2},
    };
    static const char *const refused[] = {
        "(a)\\1", "\\Qa+b\\E", "\\x{263a}", "\\p{L}", "(?=a)b", "(?<=a)b", "(?!a)", "(?x) a b",
        "(?#c)a", "a{", "a{,3}", "a**", "*a", "(a", "a)", "[a", "\\k<n>", "\\c[", "(?>a)", "a{3,2}",
        "x{1000000}", "[[:alp]a:]x", "[[=a=]]", "[[.a.]]", "[a[b]",
    };
    snprintf(patterns, sizeof patterns, "%s/patterns", src ? src : ".");
    if (!rs || ls_ruleset_load(rs, patterns, &err) != 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK_INT(width_of(cases[i].re), cases[i].want);
        if (hs_width(cases[i].re) != 0 || cases[i].want == 0)
            CHECK_INT(hs_width(cases[i].re), cases[i].want); /* and Hyperscan agrees */
    }
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        size_t w;
        if (ls_regex_max_width(refused[i], &w)) {
            fprintf(stderr, "not refused: %s (%zu)\n", refused[i], w);
            check_failures++;
        }
    }
    for (size_t i = 0; i < ls_ruleset_count(rs); i++) {
        const ls_rule *r = ls_ruleset_get(rs, i);
        size_t mine = 0, theirs;
        if (r->structural) { /* code, no expression to measure */
            CHECK(r->regex == NULL);
            continue;
        }
        theirs = hs_width(r->regex);
        if (!ls_regex_max_width(r->regex, &mine)) {
            fprintf(stderr, "rule %s: not read\n", r->id);
            check_failures++;
        } else if (mine != theirs) {
            fprintf(stderr, "rule %s: width %zu, Hyperscan %zu\n", r->id, mine, theirs);
            check_failures++;
        }
    }
    ls_ruleset_free(rs);
    CHECK_DONE();
}
