/*
 * test_pathglob.c - path filter globs classified once (match/pathglob.c):
 * each shape gets the expected kind, and every pattern x path answer equals
 * fnmatch(pattern, path, 0), the semantics rules are documented with,
 * including '*' crossing '/', leading dots, bytes that are not UTF-8, and
 * patterns that must fall back to fnmatch.
 */
#include "check.h"

#include <fnmatch.h>

#include "match/pathglob.h"

static void expect_kind(const char *pattern, ls_glob_kind kind, const char *lit)
{
    ls_glob g;
    ls_glob_compile(&g, pattern);
    CHECK_INT(g.kind, kind);
    if (lit) {
        CHECK_INT(g.lit_len, strlen(lit));
        CHECK(strncmp(g.lit, lit, g.lit_len) == 0);
    }
}

static void test_kinds(void)
{
    expect_kind("*.md", LS_GLOB_SUFFIX, ".md");
    expect_kind("*/.npmrc", LS_GLOB_SUFFIX, "/.npmrc");
    expect_kind("*kubeconfig*", LS_GLOB_CONTAINS, "kubeconfig");
    expect_kind("/etc/*", LS_GLOB_PREFIX, "/etc/");
    expect_kind("/etc/passwd", LS_GLOB_EXACT, "/etc/passwd");
    expect_kind("*", LS_GLOB_SUFFIX, "");
    expect_kind("**", LS_GLOB_CONTAINS, "");
    expect_kind("", LS_GLOB_EXACT, "");
    expect_kind("*/test/*.py", LS_GLOB_FNMATCH, NULL);
    expect_kind("*.tfstate?", LS_GLOB_FNMATCH, NULL);
    expect_kind("*.[ch]", LS_GLOB_FNMATCH, NULL);
    expect_kind("*a\\*", LS_GLOB_FNMATCH, NULL);
}

static void test_same_as_fnmatch(void)
{
    static const char *const patterns[] = {
        "*.md", "*/.npmrc", "*npmrc", "*kubeconfig*", "*/test/*", "*/tests/*", "/etc/*", "/etc/passwd",
        "*", "**", "", "*/.docker/config.json", "*.tfstate", "*.tfstate.backup", "*/test/*.py",
        "*.[ch]", "*a\\*", "?etc*", "*\xff*", ".*", "*.", "*/",
    };
    static const char *const paths[] = {
        "/README.md", "/srv/app/.npmrc", "/srv/app/npmrc", "/root/.kube/config",
        "/home/u/kubeconfig-prod", "/srv/test/a.py", "/srv/tests/b", "/etc/passwd", "/etc/",
        "/etc", "", "/", "/a/b.md.bak", "/x/terraform.tfstate", "/x/terraform.tfstate.backup",
        "/src/x.c", "/src/x.h", "/q/a*", "/q/a\\*", "/n/\xff\xfe.md", "/n/\xc3\x28/.npmrc",
        "/.hidden", "/x.", "/dir/", ".md", "md", "/.docker/config.json", "/root/.docker/config.json",
    };
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
        ls_glob g;
        ls_glob_compile(&g, patterns[i]);
        for (size_t j = 0; j < sizeof paths / sizeof *paths; j++) {
            bool want = fnmatch(patterns[i], paths[j], 0) == 0;
            bool got = ls_glob_match(&g, paths[j], strlen(paths[j]));
            if (want != got)
                fprintf(stderr, "pattern \"%s\" path \"%s\": fnmatch %d, glob %d\n", patterns[i],
                        paths[j], want, got);
            CHECK(want == got);
        }
    }
}

int main(void)
{
    test_kinds();
    test_same_as_fnmatch();
    CHECK_DONE();
}
