/*
 * origin.c - dependencies' test, fixture, example and documentation trees,
 * recognised by path.
 *
 * Package managers without per-file checksums (npm, RubyGems, the Go module
 * cache, Maven) still lay out each dependency under a root we can find by
 * path: node_modules/NAME (or @SCOPE/NAME), gems/NAME-VERSION,
 * pkg/mod/MODULE@VERSION, .m2/repository. Below that root, a directory named
 * like a test or docs tree, or a documentation file, holds the package
 * author's samples, not anything the image's builder configured. Runtime
 * code and config elsewhere in the package stay origin image: somebody may
 * have put a real key there.
 */
#include "detect/detect.h"

#include <stdbool.h>
#include <string.h>

static const char *const sample_dirs[] = {
    "test", "tests", "__tests__", "__test__", "spec", "specs", "__specs__", "fixture", "fixtures",
    "__fixtures__", "__mocks__", "mocks", "example", "examples", "demo", "demos", "sample",
    "samples", "doc", "docs", "documentation", "benchmark", "benchmarks", "bench", "testdata",
    "test-data", "test_data", "e2e", "coverage", ".github", NULL};

static bool segment_is(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(s, want, n) == 0;
}

static bool doc_file(const char *base)
{
    static const char *const exts[] = {".md", ".markdown", ".rst", ".adoc", NULL};
    static const char *const names[] = {"README", "readme", "Readme", "CHANGELOG", "changelog", "HISTORY",
                                        "History", "CHANGES", NULL};
    size_t n = strlen(base);
    for (int i = 0; exts[i]; i++) {
        size_t k = strlen(exts[i]);
        if (n > k && strcmp(base + n - k, exts[i]) == 0)
            return true;
    }
    for (int i = 0; names[i]; i++)
        if (strncmp(base, names[i], strlen(names[i])) == 0)
            return true;
    return false;
}

/* Below a package root (rel: "lib/x.js", "test/fixtures/k.pem"): a sample
 * directory anywhere on the way, or a documentation file. */
static bool sample_below(const char *rel, bool go)
{
    const char *base = strrchr(rel, '/');
    const char *s = rel;
    base = base ? base + 1 : rel;
    while (s < base) {
        const char *e = strchr(s, '/');
        size_t n = (size_t)(e - s);
        for (int i = 0; sample_dirs[i]; i++)
            if (segment_is(s, n, sample_dirs[i]))
                return true;
        s = e + 1;
    }
    if (go) {
        size_t n = strlen(base);
        if (n > 8 && strcmp(base + n - 8, "_test.go") == 0)
            return true;
    }
    return doc_file(base);
}

/* The path after the last "/MARKER/" and the package name below it (npm
 * scopes take two segments), or NULL. */
static const char *after_root(const char *path, const char *marker, bool scoped)
{
    const char *at = NULL, *p = path;
    size_t m = strlen(marker);
    while ((p = strstr(p, marker)) != NULL) {
        at = p + m;
        p += 1;
    }
    if (!at || !*at)
        return NULL;
    if (scoped && *at == '@') {
        at = strchr(at, '/');
        if (!at)
            return NULL;
        at++;
    }
    at = strchr(at, '/');
    return at ? at + 1 : NULL;
}

/* pkg/mod/github.com/x/y@v1.2.3/...: the segment holding '@' ends the module. */
static const char *after_go_module(const char *path)
{
    const char *p = strstr(path, "/pkg/mod/");
    if (!p)
        return NULL;
    p += strlen("/pkg/mod/");
    while (*p) {
        const char *e = strchr(p, '/');
        if (!e)
            return NULL;
        if (memchr(p, '@', (size_t)(e - p)))
            return e + 1;
        p = e + 1;
    }
    return NULL;
}

static bool maven_sample(const char *path)
{
    static const char *const kinds[] = {"-tests.jar", "-test-sources.jar", "-javadoc.jar", NULL};
    size_t n = strlen(path);
    if (!strstr(path, "/.m2/repository/"))
        return false;
    for (int i = 0; kinds[i]; i++) {
        size_t k = strlen(kinds[i]);
        if (n > k && strcmp(path + n - k, kinds[i]) == 0)
            return true;
    }
    return false;
}

bool ls_detect_third_party(const char *path)
{
    char outer[4096];
    const char *bang = strstr(path, "!/"), *rel;
    size_t n = bang ? (size_t)(bang - path) : strlen(path);
    if (n >= sizeof outer)
        return false;
    memcpy(outer, path, n);
    outer[n] = '\0';
    if ((rel = after_root(outer, "/node_modules/", true)) && sample_below(rel, false))
        return true;
    if ((rel = after_root(outer, "/gems/", false)) && sample_below(rel, false))
        return true;
    if ((rel = after_go_module(outer)) && sample_below(rel, true))
        return true;
    return maven_sample(outer);
}
