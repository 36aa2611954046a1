/*
 * test_rules_selftest.c - the shipped rule library (patterns/) proves itself:
 * it loads, compiles in Hyperscan and PCRE2, every example yields exactly
 * its declared secret (whole and split across two blocks) and no negative
 * matches its rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "layerscan/rules.h"
#include "match/matcher.h"
#include "rules/selftest.h"

static const char *const required_ids[] = {
    "aws-access-key-id", "aws-secret-access-key", "github-pat", "github-oauth-token",
    "github-app-token", "github-refresh-token", "github-fine-grained-pat", "gitlab-pat",
    "slack-token", "slack-webhook-url", "stripe-secret-key", "stripe-restricted-key",
    "google-api-key", "npm-token", "pypi-token", "private-key", "pgp-private-key",
    "putty-private-key", "uri-credentials", "jwt", "generic-password", "generic-secret",
};

/* A broken rule file must be reported, rule by rule, with the reason. */
static void test_failures_reported(void)
{
    static const char json[] =
        "[{\"id\": \"good-one\", \"title\": \"g\", \"severity\": \"low\", "
        "\"confidence\": \"low\", \"regex\": \"(?:^|[^a-z])(?P<secret>qq_[a-z]{4})\", "
        "\"examples\": [{\"text\": \"v=qq_abcd\", \"secret\": \"qq_abcd\"}], "
        "\"negatives\": [\"qq_ab\"]},"
        " {\"id\": \"wrong-secret\", \"title\": \"w\", \"severity\": \"low\", "
        "\"confidence\": \"low\", \"regex\": \"ww_([a-z]{4})\", "
        "\"examples\": [{\"text\": \"ww_abcd\", \"secret\": \"ww_abcd\"}], "
        "\"negatives\": [\"x\"]},"
        " {\"id\": \"bad-negative\", \"title\": \"b\", \"severity\": \"low\", "
        "\"confidence\": \"low\", \"regex\": \"nn_[0-9]{2}\", "
        "\"examples\": [{\"text\": \"nn_12\", \"secret\": \"nn_12\"}], "
        "\"negatives\": [\"nn_99\"]}]";
    char path[] = "/tmp/test_rules_selftest.XXXXXX";
    int fd = mkstemp(path);
    ls_ruleset *rs = ls_ruleset_new();
    ls_matcher *m = NULL;
    ls_error err = {0};
    char *out = NULL;
    size_t out_len = 0, failed;
    FILE *mem;
    CHECK(fd >= 0);
    CHECK_INT(write(fd, json, sizeof json - 1), (long long)(sizeof json - 1));
    close(fd);
    CHECK_INT(ls_ruleset_load(rs, path, &err), 0);
    CHECK_INT(ls_matcher_new(&m, rs, &err), 0);
    mem = open_memstream(&out, &out_len);
    failed = ls_rules_selftest(m, mem, true, &err);
    fclose(mem);
    CHECK_INT(failed, 2);
    CHECK_STR(out, "ok   good-one\n"
                   "FAIL wrong-secret: example 1: got \"abcd\", expected \"ww_abcd\"\n"
                   "FAIL bad-negative: negative 1 matched \"nn_99\"\n");
    free(out);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    unlink(path);
}

int main(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    char dir[4096];
    ls_error err = {0};
    ls_ruleset *rs = ls_ruleset_new();
    ls_matcher *m = NULL;
    size_t i, failed;

    snprintf(dir, sizeof dir, "%s/patterns", src ? src : ".");
    CHECK(rs != NULL);
    CHECK_INT(ls_ruleset_load(rs, dir, &err), 0);
    if (err.code != LS_OK)
        fprintf(stderr, "load: %s\n", err.msg);
    CHECK(ls_ruleset_count(rs) >= 35);
    for (i = 0; i < sizeof required_ids / sizeof required_ids[0]; i++) {
        if (ls_ruleset_find(rs, required_ids[i]) < 0) {
            fprintf(stderr, "missing rule %s\n", required_ids[i]);
            CHECK(0);
        }
    }
    CHECK_INT(ls_matcher_new(&m, rs, &err), 0);
    if (!m) {
        fprintf(stderr, "matcher: %s\n", err.msg);
        ls_ruleset_free(rs);
        CHECK_DONE();
    }
    failed = ls_rules_selftest(m, stderr, getenv("LAYERSCAN_VERBOSE") != NULL, &err);
    if (failed == (size_t)-1)
        fprintf(stderr, "selftest: %s\n", err.msg);
    CHECK_INT(failed, 0);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    test_failures_reported();
    CHECK_DONE();
}
