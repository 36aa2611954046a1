/*
 * test_pathglob.c - path filter globs classified once (match/pathglob.c):
 * each shape gets the expected kind, and every pattern x path answer equals
 * fnmatch(pattern, path, 0), the semantics rules are documented with,
 * including '*' crossing '/', leading dots, bytes that are not UTF-8, and
 * patterns that must fall back to fnmatch.
 */
#include "check.h"

#include <fnmatch.h>
#include <stdint.h>

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
    expect_kind("*/test/*.py", LS_GLOB_STARS, "");
    expect_kind("/home/*/.bashrc", LS_GLOB_STARS, "/home/");
    expect_kind("*application*.yml", LS_GLOB_STARS, "");
    expect_kind("/etc/rc[0-6S].d/*", LS_GLOB_FNMATCH, "/etc/rc");
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
        "/home/*/.bashrc", "*/my.cnf.d/*.cnf", "*application*.yml", "*settings*.py", "/etc/rc[0-6S].d/*",
        "a*a", "*a*a*", "/*/*/*", "/q/a*\\*", "*.m*d", "/etc/*wd", "/n/*\xfe*",
    };
    static const char *const paths[] = {
        "/README.md", "/srv/app/.npmrc", "/srv/app/npmrc", "/root/.kube/config",
        "/home/u/kubeconfig-prod", "/srv/test/a.py", "/srv/tests/b", "/etc/passwd", "/etc/",
        "/etc", "", "/", "/a/b.md.bak", "/x/terraform.tfstate", "/x/terraform.tfstate.backup",
        "/src/x.c", "/src/x.h", "/q/a*", "/q/a\\*", "/n/\xff\xfe.md", "/n/\xc3\x28/.npmrc",
        "/.hidden", "/x.", "/dir/", ".md", "md", "/.docker/config.json", "/root/.docker/config.json",
        "/home/u/.bashrc", "/home/.bashrc", "/home//.bashrc", "/etc/my.cnf.d/a.cnf", "/etc/my.cnf.d/.cnf",
        "/app/application-prod.yml", "/app/application.yml", "/app/applicationyml", "/s/settings.py",
        "/s/settingspy", "/etc/rc3.d/S01x", "/etc/rc7.d/S01x", "/etc/rcS.d/", "a", "aa", "aaa", "/a/b/c",
        "/a/b", "/m.md", "/mm.d",
    };
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
        ls_glob g;
        ls_glob_compile(&g, patterns[i]);
        for (size_t j = 0; j < sizeof paths / sizeof *paths; j++) {
            bool want = fnmatch(patterns[i], paths[j], 0) == 0;
            bool got = ls_glob_match(&g, paths[j], strlen(paths[j]));
            CHECK(!want || ls_glob_may_match(&g, paths[j], strlen(paths[j]))); /* the prefilter never rejects a match */
            if (want != got)
                fprintf(stderr, "pattern \"%s\" path \"%s\": fnmatch %d, glob %d\n", patterns[i],
                        paths[j], want, got);
            CHECK(want == got);
        }
    }
}

/* Random globs of a small alphabet (so segments repeat and overlap) against
 * random paths of it: every answer is fnmatch's. Deterministic. */
static void test_random_same_as_fnmatch(void)
{
    static const char pat_alpha[] = "ab/*", path_alpha[] = "ab/";
    uint32_t x = 2463534242u;
    char pattern[9], path[13];
    for (int round = 0; round < 20000; round++) {
        size_t pn, qn;
        ls_glob g;
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        pn = x % 9;
        for (size_t i = 0; i < pn; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            pattern[i] = pat_alpha[x % 4];
        }
        pattern[pn] = '\0';
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        qn = x % 13;
        for (size_t i = 0; i < qn; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            path[i] = path_alpha[x % 3];
        }
        path[qn] = '\0';
        ls_glob_compile(&g, pattern);
        if ((fnmatch(pattern, path, 0) == 0) != ls_glob_match(&g, path, qn))
            fprintf(stderr, "pattern \"%s\" path \"%s\": fnmatch %d\n", pattern, path,
                    fnmatch(pattern, path, 0) == 0);
        CHECK((fnmatch(pattern, path, 0) == 0) == ls_glob_match(&g, path, qn));
        CHECK((fnmatch(pattern, path, 0) != 0) || ls_glob_may_match(&g, path, qn));
    }
}

int main(void)
{
    test_kinds();
    test_same_as_fnmatch();
    test_random_same_as_fnmatch();
    CHECK_DONE();
}
