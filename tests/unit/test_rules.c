/*
 * test_rules.c - the rule file loader: what it accepts, what it refuses and
 * the exact message it refuses with, directory order, replacement,
 * disable/find and the content hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "layerscan/rules.h"

static char tmpdir[] = "/tmp/test_rules.XXXXXX";

/* One valid rule object; `extra` is spliced in before the closing brace. */
#define RULE(id, extra)                                                              \
    "{\"id\": \"" id "\", \"title\": \"T " id "\", \"severity\": \"high\","         \
    " \"confidence\": \"medium\", \"regex\": \"x_[0-9]{4}\","                        \
    " \"examples\": [{\"text\": \"a x_1234 b\", \"secret\": \"x_1234\"}],"          \
    " \"negatives\": [\"x_12\"]" extra "}"

static const char *write_file(const char *name, const char *content)
{
    static char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(content, f);
    fclose(f);
    return path;
}

/* Loads content as file `name` into a fresh set; returns the load result. */
static int load_one(const char *name, const char *content, ls_ruleset **out, ls_error *err)
{
    const char *path = write_file(name, content);
    *out = ls_ruleset_new();
    ls_error_clear(err);
    return path && *out ? ls_ruleset_load(*out, path, err) : -2;
}

/* Expects content to be refused with exactly "<path>: <msg>". */
static void expect_error(const char *content, ls_code code, const char *msg)
{
    ls_ruleset *rs;
    ls_error err = {0};
    char want[LS_ERROR_MSG_MAX];
    CHECK_INT(load_one("bad.json", content, &rs, &err), -1);
    CHECK_INT(err.code, code);
    snprintf(want, sizeof want, "%s/bad.json: %s", tmpdir, msg);
    CHECK_STR(err.msg, want);
    CHECK_INT(ls_ruleset_count(rs), 0);
    ls_ruleset_free(rs);
}

static void test_good_file(void)
{
    ls_ruleset *rs;
    ls_error err = {0};
    const ls_rule *r;
    char origin[512];
    CHECK_INT(load_one("good.json",
                       "[" RULE("first-rule", ", \"keywords\": [\"x_\", \"y\"],"
                                              " \"min_entropy\": 2.5,"
                                              " \"path_include\": [\"*/etc/*\"],"
                                              " \"path_exclude\": [\"*.md\", \"*/test/*\"],"
                                              " \"references\": [\"https://example.com/a\"]")
                       ", " RULE("second-rule", "") "]",
                       &rs, &err),
              0);
    CHECK_STR(err.msg, "");
    CHECK_INT(ls_ruleset_count(rs), 2);
    r = ls_ruleset_get(rs, 0);
    CHECK_STR(r->id, "first-rule");
    CHECK_STR(r->title, "T first-rule");
    CHECK_INT(r->severity, LS_SEV_HIGH);
    CHECK_INT(r->confidence, LS_CONF_MEDIUM);
    CHECK_STR(r->regex, "x_[0-9]{4}");
    CHECK_INT(r->n_keywords, 2);
    CHECK_STR(r->keywords[1], "y");
    CHECK(r->min_entropy == 2.5);
    CHECK_INT(r->n_path_include, 1);
    CHECK_STR(r->path_include[0], "*/etc/*");
    CHECK_INT(r->n_path_exclude, 2);
    CHECK_STR(r->path_exclude[1], "*/test/*");
    CHECK_INT(r->n_references, 1);
    CHECK_STR(r->references[0], "https://example.com/a");
    CHECK_INT(r->n_examples, 1);
    CHECK_STR(r->examples[0].text, "a x_1234 b");
    CHECK_STR(r->examples[0].secret, "x_1234");
    CHECK_INT(r->n_negatives, 1);
    CHECK_STR(r->negatives[0], "x_12");
    snprintf(origin, sizeof origin, "%s/good.json", tmpdir);
    CHECK_STR(r->origin, origin);
    r = ls_ruleset_get(rs, 1);
    CHECK_STR(r->id, "second-rule");
    CHECK_INT(r->n_keywords, 0);
    CHECK(r->min_entropy == 0.0);
    CHECK_INT(r->n_path_include, 0);
    CHECK(ls_ruleset_get(rs, 2) == NULL);
    ls_ruleset_free(rs);
}

/* category and scans: defaults, and what a rule says */
static void test_category_scans(void)
{
    ls_ruleset *rs;
    ls_error err = {0};
    const ls_rule *r;
    CHECK_INT(load_one("cat.json",
                       "[" RULE("plain", "") ", " RULE("planted", ", \"category\": \"tamper\","
                                                                 " \"scans\": [\"history\", \"config\"]")
                       ", " RULE("weak", ", \"category\": \"hygiene\", \"scans\": [\"files\"],"
                                         " \"path_include\": [\"/etc/*\"]") "]",
                       &rs, &err),
              0);
    CHECK_STR(err.msg, "");
    r = ls_ruleset_get(rs, 0);
    CHECK_INT(r->category, LS_CATEGORY_SECRET);
    CHECK_INT(r->scans, LS_SCANS_ALL);
    r = ls_ruleset_get(rs, 1);
    CHECK_INT(r->category, LS_CATEGORY_TAMPER);
    CHECK_INT(r->scans, LS_SCANS_HISTORY | LS_SCANS_CONFIG);
    r = ls_ruleset_get(rs, 2);
    CHECK_INT(r->category, LS_CATEGORY_HYGIENE);
    CHECK_INT(r->scans, LS_SCANS_FILES);
    ls_ruleset_free(rs);
}

#define STRUCTURAL(id, extra)                                                       \
    "{\"id\": \"" id "\", \"title\": \"T\", \"severity\": \"high\", \"confidence\": \"high\","    \
    " \"category\": \"tamper\", \"structural\": true" extra "}"

/* A structural rule is code: no regex, examples or negatives; anything of a
 * pattern's is refused rather than silently ignored. */
static void test_structural(void)
{
    ls_ruleset *rs;
    ls_error err = {0};
    const ls_rule *r;
    CHECK_INT(load_one("s.json", "[" STRUCTURAL("s1", "") ", " RULE("r1", ", \"structural\": false") "]", &rs, &err), 0);
    CHECK_INT(ls_ruleset_count(rs), 2);
    r = ls_ruleset_get(rs, 0);
    CHECK_INT(r->structural, 1);
    CHECK(r->regex == NULL);
    CHECK_INT(r->n_examples, 0);
    CHECK_INT(ls_ruleset_get(rs, 1)->structural, 0);
    ls_ruleset_free(rs);
    expect_error("[" STRUCTURAL("s1", ", \"regex\": \"a\"") "]", LS_ERR_FORMAT,
                 "rule s1: structural: a structural rule has no regex, keywords, min_entropy, examples or negatives");
    expect_error("[" STRUCTURAL("s1", ", \"negatives\": [\"b\"]") "]", LS_ERR_FORMAT,
                 "rule s1: structural: a structural rule has no regex, keywords, min_entropy, examples or negatives");
    expect_error("[{\"id\": \"s1\", \"title\": \"T\", \"severity\": \"high\", \"confidence\": \"high\", "
                 "\"structural\": 1}]", LS_ERR_FORMAT,
                 "rule s1: structural: must be true or false");
}

static void test_errors(void)
{
    expect_error("[" RULE("r1", ", \"colour\": \"red\"") "]", LS_ERR_FORMAT,
                 "rule r1: unknown key \"colour\"");
    expect_error("[{\"id\": \"r1\", \"title\": \"t\", \"severity\": \"high\", \"confidence\": "
                 "\"high\", \"examples\": [{\"text\": \"a\", \"secret\": \"a\"}], "
                 "\"negatives\": [\"b\"]}]",
                 LS_ERR_FORMAT, "rule r1: missing required key \"regex\"");
    expect_error("[{\"title\": \"t\"}]", LS_ERR_FORMAT, "rule #0: missing required key \"id\"");
    expect_error("[" RULE("r1", "") ", " RULE("Bad_Id", "") "]", LS_ERR_FORMAT,
                 "rule #1: id: must be kebab-case ([a-z0-9]+ joined by single dashes)");
    expect_error("[{\"id\": \"r1\", \"title\": \"t\", \"severity\": \"urgent\"}]", LS_ERR_FORMAT,
                 "rule r1: severity: must be one of critical, high, medium, low");
    expect_error("[{\"id\": \"r1\", \"confidence\": 3}]", LS_ERR_FORMAT,
                 "rule r1: confidence: must be one of high, medium, low");
    expect_error("[" RULE("r1", "") ", " RULE("r2", "") ", " RULE("r1", "") "]", LS_ERR_FORMAT,
                 "rule r1: duplicate id (rules #0 and #2)");
    expect_error("[" RULE("r1", ", \"keywords\": \"x\"") "]", LS_ERR_FORMAT,
                 "rule r1: keywords: must be an array of strings");
    expect_error("[" RULE("r1", ", \"keywords\": [\"AKIA\"]") "]", LS_ERR_FORMAT,
                 "rule r1: keywords: must be lowercase");
    expect_error("[" RULE("r1", ", \"min_entropy\": \"high\"") "]", LS_ERR_FORMAT,
                 "rule r1: min_entropy: must be a number");
    expect_error("[" RULE("r1", ", \"min_entropy\": 9") "]", LS_ERR_FORMAT,
                 "rule r1: min_entropy: must be between 0 and 8 (bits per byte)");
    expect_error("[{\"id\": \"r1\", \"title\": \"t\", \"severity\": \"high\", \"confidence\": "
                 "\"high\", \"regex\": \"a\", \"examples\": [], \"negatives\": [\"b\"]}]",
                 LS_ERR_FORMAT, "rule r1: examples: must have at least one item");
    expect_error("[{\"id\": \"r1\", \"examples\": [{\"text\": \"abc\", \"secret\": \"zz\"}]}]",
                 LS_ERR_FORMAT, "rule r1: examples: secret does not occur in text");
    expect_error("[{\"id\": \"r1\", \"examples\": [{\"text\": \"abc\"}]}]", LS_ERR_FORMAT,
                 "rule r1: examples: each item needs both text and secret");
    expect_error("[{\"id\": \"r1\", \"negatives\": []}]", LS_ERR_FORMAT,
                 "rule r1: negatives: must have at least one item");
    expect_error("[{\"id\": \"r1\", \"title\": \"\"}]", LS_ERR_FORMAT,
                 "rule r1: title: must not be empty");
    expect_error("[" RULE("r1", ", \"category\": \"backdoor\"") "]", LS_ERR_FORMAT,
                 "rule r1: category: must be one of secret, tamper, hygiene, provenance");
    expect_error("[" RULE("r1", ", \"scans\": []") "]", LS_ERR_FORMAT,
                 "rule r1: scans: must be a non-empty array of \"files\", \"history\", \"config\"");
    expect_error("[" RULE("r1", ", \"scans\": [\"files\", \"env\"]") "]", LS_ERR_FORMAT,
                 "rule r1: scans: items must be \"files\", \"history\" or \"config\"");
    expect_error("[" RULE("r1", ", \"scans\": [\"history\", \"history\"]") "]", LS_ERR_FORMAT,
                 "rule r1: scans: an item is listed twice");
    expect_error("[" RULE("r1", ", \"scans\": [\"history\"], \"path_include\": [\"/etc/*\"]") "]",
                 LS_ERR_FORMAT, "rule r1: scans: path_include and path_exclude filter files: list \"files\" too");
    expect_error("[" RULE("r1", "") ", 7]", LS_ERR_FORMAT, "rule #1: must be a JSON object");
    expect_error("{\"id\": \"r1\"}", LS_ERR_FORMAT, "top level must be a JSON array of rules");
}

/* JSON syntax errors carry line and column. */
static void test_json_error(void)
{
    ls_ruleset *rs;
    ls_error err = {0};
    char want[LS_ERROR_MSG_MAX];
    CHECK_INT(load_one("dup.json", "[{\"id\": \"r1\", \"id\": \"r2\"}]", &rs, &err), -1);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    snprintf(want, sizeof want, "%s/dup.json:1:18: duplicate object key near '\"id\"'", tmpdir);
    CHECK_STR(err.msg, want);
    ls_ruleset_free(rs);
    CHECK_INT(load_one("trunc.json", "[{\"id\": ", &rs, &err), -1);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    snprintf(want, sizeof want, "%s/trunc.json:1:8: unexpected token near end of file", tmpdir);
    CHECK_STR(err.msg, want);
    ls_ruleset_free(rs);
}

static void test_io_error(void)
{
    ls_ruleset *rs = ls_ruleset_new();
    ls_error err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/missing.json", tmpdir);
    CHECK_INT(ls_ruleset_load(rs, path, &err), -1);
    CHECK_INT(err.code, LS_ERR_IO);
    CHECK(strstr(err.msg, "missing.json: ") == err.msg + strlen(tmpdir) + 1);
    ls_ruleset_free(rs);
}

static void test_dir_order_replace_disable(void)
{
    ls_ruleset *rs = ls_ruleset_new();
    ls_error err = {0};
    char sub[512], path[600];
    FILE *f;
    snprintf(sub, sizeof sub, "%s/dir", tmpdir);
    CHECK_INT(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/b.json", sub);
    f = fopen(path, "w");
    fputs("[" RULE("b-one", "") ", " RULE("b-two", "") "]", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/a.json", sub);
    f = fopen(path, "w");
    fputs("[" RULE("a-one", "") "]", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/notes.txt", sub);
    f = fopen(path, "w");
    fputs("not json", f);
    fclose(f);

    CHECK_INT(ls_ruleset_load(rs, sub, &err), 0);
    CHECK_INT(ls_ruleset_count(rs), 3);
    CHECK_STR(ls_ruleset_get(rs, 0)->id, "a-one");
    CHECK_STR(ls_ruleset_get(rs, 1)->id, "b-one");
    CHECK_STR(ls_ruleset_get(rs, 2)->id, "b-two");
    CHECK_INT(ls_ruleset_find(rs, "b-one"), 1);
    CHECK_INT(ls_ruleset_find(rs, "nope"), -1);

    /* A later file redefining an id replaces it in place. */
    write_file("c.json", "[{\"id\": \"b-one\", \"title\": \"Replaced\", "
                         "\"severity\": \"low\", \"confidence\": \"low\", "
                         "\"regex\": \"q\", \"examples\": [{\"text\": \"q\", "
                         "\"secret\": \"q\"}], \"negatives\": [\"z\"]}]");
    snprintf(path, sizeof path, "%s/c.json", tmpdir);
    CHECK_INT(ls_ruleset_load(rs, path, &err), 0);
    CHECK_INT(ls_ruleset_count(rs), 3);
    CHECK_STR(ls_ruleset_get(rs, 1)->title, "Replaced");
    CHECK_INT(ls_ruleset_get(rs, 1)->severity, LS_SEV_LOW);

    /* A bad file leaves the set untouched. */
    write_file("bad2.json", "[" RULE("new-one", "") ", " RULE("a-one", ", \"x\": 1") "]");
    snprintf(path, sizeof path, "%s/bad2.json", tmpdir);
    CHECK_INT(ls_ruleset_load(rs, path, &err), -1);
    CHECK_INT(ls_ruleset_count(rs), 3);
    CHECK_INT(ls_ruleset_find(rs, "new-one"), -1);

    CHECK_INT(ls_ruleset_disable(rs, "b-one"), 0);
    CHECK_INT(ls_ruleset_count(rs), 2);
    CHECK_STR(ls_ruleset_get(rs, 1)->id, "b-two");
    CHECK_INT(ls_ruleset_find(rs, "b-one"), -1);
    CHECK_INT(ls_ruleset_disable(rs, "b-one"), -1);
    ls_ruleset_free(rs);
}

static void test_hash(void)
{
    ls_ruleset *a = ls_ruleset_new(), *b, *c;
    ls_error err = {0};
    char ha[65], hb[65], hc[65];
    ls_ruleset_hash(a, ha);
    CHECK_STR(ha, "8bb1caf09ad167e2dbb208b6a9aa2ec2af96659d1c8178e1316aa910e6e657ef");
    ls_ruleset_free(a);
    CHECK_INT(load_one("h1.json", "[" RULE("h-rule", "") "]", &a, &err), 0);
    CHECK_INT(load_one("h2.json", "[" RULE("h-rule", "") "]", &b, &err), 0);
    CHECK_INT(load_one("h3.json", "[" RULE("h-rule", ", \"min_entropy\": 1") "]", &c, &err), 0);
    ls_ruleset_hash(a, ha);
    ls_ruleset_hash(b, hb);
    ls_ruleset_hash(c, hc);
    CHECK_INT(strlen(ha), 64);
    CHECK_STR(ha, hb); /* same content, another file: same hash */
    CHECK(strcmp(ha, hc) != 0);
    ls_ruleset_free(b);
    ls_ruleset_free(c);
    /* a secret rule that says so hashes as before; another category or
     * narrower scans do not */
    CHECK_INT(load_one("h4.json", "[" RULE("h-rule", ", \"category\": \"secret\","
                                                     " \"scans\": [\"files\", \"history\", \"config\"]") "]",
                       &b, &err), 0);
    ls_ruleset_hash(b, hb);
    CHECK_STR(ha, hb);
    ls_ruleset_free(b);
    CHECK_INT(load_one("h5.json", "[" RULE("h-rule", ", \"category\": \"tamper\"") "]", &b, &err), 0);
    ls_ruleset_hash(b, hb);
    CHECK(strcmp(ha, hb) != 0);
    ls_ruleset_free(b);
    CHECK_INT(load_one("h6.json", "[" RULE("h-rule", ", \"scans\": [\"files\"]") "]", &b, &err), 0);
    ls_ruleset_hash(b, hb);
    CHECK(strcmp(ha, hb) != 0);
    ls_ruleset_free(b);
    ls_ruleset_free(a);
}

static void test_names(void)
{
    ls_severity s;
    ls_confidence c;
    CHECK_STR(ls_severity_name(LS_SEV_CRITICAL), "critical");
    CHECK_STR(ls_severity_name(LS_SEV_LOW), "low");
    CHECK_STR(ls_confidence_name(LS_CONF_HIGH), "high");
    CHECK_INT(ls_severity_parse("medium", &s), 0);
    CHECK_INT(s, LS_SEV_MEDIUM);
    CHECK_INT(ls_severity_parse("Medium", &s), -1);
    CHECK_INT(ls_confidence_parse("low", &c), 0);
    CHECK_INT(c, LS_CONF_LOW);
    CHECK_INT(ls_confidence_parse("critical", &c), -1);
    {
        ls_category k;
        CHECK_STR(ls_category_name(LS_CATEGORY_SECRET), "secret");
        CHECK_STR(ls_category_name(LS_CATEGORY_TAMPER), "tamper");
        CHECK_STR(ls_category_name(LS_CATEGORY_HYGIENE), "hygiene");
        CHECK_INT(ls_category_parse("hygiene", &k), 0);
        CHECK_INT(k, LS_CATEGORY_HYGIENE);
        CHECK_STR(ls_category_name(LS_CATEGORY_PROVENANCE), "provenance");
        CHECK_INT(ls_category_parse("provenance", &k), 0);
        CHECK_INT(k, LS_CATEGORY_PROVENANCE);
        CHECK_INT(ls_category_parse("Tamper", &k), -1);
    }
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_good_file();
    test_category_scans();
    test_errors();
    test_structural();
    test_json_error();
    test_io_error();
    test_dir_order_replace_disable();
    test_hash();
    test_names();
    cleanup();
    CHECK_DONE();
}
