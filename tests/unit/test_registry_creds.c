/*
 * test_registry_creds.c - where registry credentials come from: --creds,
 * auth files in containers' and Docker's forms (base64 "auth",
 * username/password, URL keys, Docker Hub aliases, namespaced keys for the
 * repositories under them, the most specific first), identity tokens,
 * credential helpers chosen (a registry's own before credsStore) and run
 * (answers, "<token>", not found, junk, a hang cut at its time limit, a
 * missing one), malformed files refused with the file's name and never the
 * secret, and the lookup order of the files.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "check.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry/creds.h"

static char root[64];

static const char *write_file(const char *rel, const char *text)
{
    static char paths[8][512];
    static int k;
    char *p = paths[k++ % 8], dir[512];
    FILE *f;
    snprintf(p, 512, "%s/%s", root, rel);
    snprintf(dir, sizeof dir, "%s", p);
    for (char *s = dir + strlen(root) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(dir, 0700);
            *s = '/';
        }
    f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

static void found(const char *path, const char *domain, const char *user, const char *pass)
{
    ls_creds c;
    ls_error err = {0};
    int rc = ls_authfile_lookup(&c, path, domain, true, &err);
    if (rc != 1)
        fprintf(stderr, "lookup %s in %s: rc %d %s\n", domain, path, rc, err.msg);
    CHECK_INT(rc, 1);
    CHECK_INT(c.kind, LS_CREDS_PASSWORD);
    CHECK_STR(c.user, user);
    CHECK_STR(c.pass, pass);
    CHECK_STR(c.source, path);
    ls_creds_clear(&c);
}

static void none(const char *path, const char *domain)
{
    ls_creds c;
    ls_error err = {0};
    CHECK_INT(ls_authfile_lookup(&c, path, domain, true, &err), 0);
    CHECK_INT(c.kind, LS_CREDS_NONE);
}

static void refused(const char *path, const char *domain, ls_code code, const char *part)
{
    ls_creds c;
    ls_error err = {0};
    CHECK_INT(ls_authfile_lookup(&c, path, domain, true, &err), -1);
    CHECK_INT(err.code, code);
    if (!strstr(err.msg, part))
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.msg, part);
    CHECK(strstr(err.msg, part) != NULL);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK(strstr(err.msg, "s3cr3t") == NULL); /* the secret is never quoted back */
}

static void found_repo(const char *path, const char *domain, const char *repo, const char *user)
{
    ls_creds c;
    ls_error err = {0};
    CHECK_INT(ls_authfile_lookup_repo(&c, path, domain, repo, true, &err), 1);
    CHECK_INT(c.kind, LS_CREDS_PASSWORD);
    CHECK_STR(c.user, user);
    ls_creds_clear(&c);
}

/* A fake docker-credential-NAME in root/bin that runs body (sh). */
static void helper(const char *name, const char *body)
{
    char rel[128], text[2048];
    snprintf(rel, sizeof rel, "bin/docker-credential-%s", name);
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
    chmod(write_file(rel, text), 0700);
}

/* Resolves domain through file (as --authfile) with the fake helpers. */
static int resolve_helper(ls_creds *c, const char *file, const char *domain, ls_error *err)
{
    char bin[600];
    static char *const envp[] = {"PATH=/usr/bin:/bin", NULL}; /* what the scripts run */
    ls_creds_env env = {.helper_timeout_ms = 300, .envp = envp};
    snprintf(bin, sizeof bin, "/nonexistent:%s/bin", root);
    env.path = bin;
    ls_error_clear(err);
    return ls_creds_resolve_in(c, domain, NULL, NULL, file, &env, err);
}

static void helper_tests(void)
{
    ls_creds c;
    ls_error err = {0};
    char stdin_copy[600], want[700];
    const char *f;
    struct timespec t0, t1;
    long ms;
    snprintf(stdin_copy, sizeof stdin_copy, "%s/helper-stdin", root);
    f = write_file("h/config.json", "{\"credHelpers\": {\"good:1\": \"good\", \"tok:1\": \"tok\","
                                    " \"none:1\": \"none\", \"junk:1\": \"junk\", \"hang:1\": \"hang\","
                                    " \"fail:1\": \"fail\", \"big:1\": \"big\", \"bad:1\": \"../bin/x\","
                                    " \"docker.io\": \"good\"},"
                                    " \"credsStore\": \"missing\"}");
    {
        char body[1024];
        snprintf(body, sizeof body,
                 "[ \"$1\" = get ] || exit 3\ncat >%s\n"
                 "printf '{\"ServerURL\":\"x\",\"Username\":\"helperuser\",\"Secret\":\"s3cr3t-h\"}'",
                 stdin_copy);
        helper("good", body);
    }
    helper("tok", "cat >/dev/null; echo '{\"Username\":\"<token>\",\"Secret\":\"refresh-s3cr3t\"}'");
    helper("none", "cat >/dev/null; echo 'credentials not found in native keychain'; exit 1");
    helper("junk", "cat >/dev/null; echo 's3cr3t-junk {'");
    helper("hang", "exec sleep 5");
    helper("fail", "cat >/dev/null; echo 's3cr3t-fail' >&2; exit 4");
    helper("big", "cat >/dev/null; head -c 70000 /dev/zero | tr '\\0' a");

    CHECK_INT(resolve_helper(&c, f, "good:1", &err), 0);
    CHECK_INT(c.kind, LS_CREDS_PASSWORD);
    CHECK_STR(c.user, "helperuser");
    CHECK_STR(c.pass, "s3cr3t-h");
    CHECK_STR(c.source, "credential helper docker-credential-good");
    ls_creds_clear(&c);
    {
        FILE *in = fopen(stdin_copy, "r");
        char got[64] = "";
        CHECK(in != NULL);
        if (in) {
            CHECK(fgets(got, sizeof got, in) != NULL);
            fclose(in);
        }
        CHECK_STR(got, "good:1"); /* the server, on stdin */
    }
    CHECK_INT(resolve_helper(&c, f, "docker.io", &err), 0);
    CHECK_STR(c.user, "helperuser");
    ls_creds_clear(&c);
    {
        FILE *in = fopen(stdin_copy, "r");
        char got[64] = "";
        if (in) {
            CHECK(fgets(got, sizeof got, in) != NULL);
            fclose(in);
        }
        CHECK_STR(got, "https://index.docker.io/v1/"); /* Docker Hub's server name */
    }

    CHECK_INT(resolve_helper(&c, f, "tok:1", &err), 0);
    CHECK_INT(c.kind, LS_CREDS_TOKEN);
    CHECK(c.user == NULL);
    CHECK_STR(c.pass, "refresh-s3cr3t");
    CHECK(ls_creds_basic(&c) == NULL);
    ls_creds_clear(&c);

    /* no credentials, or a failing helper: no error, the reason kept for a 401 */
    CHECK_INT(resolve_helper(&c, f, "none:1", &err), 0);
    CHECK_INT(c.kind, LS_CREDS_HELPER);
    CHECK_STR(c.helper_msg, "credential helper docker-credential-none has no credentials for none:1");
    CHECK_STR(c.source, f);
    ls_creds_clear(&c);
    CHECK_INT(resolve_helper(&c, f, "junk:1", &err), 0);
    CHECK_INT(c.kind, LS_CREDS_HELPER);
    CHECK_STR(c.helper_msg,
              "credential helper docker-credential-junk for junk:1: its answer is not JSON with Username and Secret");
    ls_creds_clear(&c);
    CHECK_INT(resolve_helper(&c, f, "fail:1", &err), 0);
    CHECK_STR(c.helper_msg, "credential helper docker-credential-fail for fail:1: exited with status 4");
    ls_creds_clear(&c);
    CHECK_INT(resolve_helper(&c, f, "big:1", &err), 0);
    CHECK_STR(c.helper_msg,
              "credential helper docker-credential-big for big:1: its answer is larger than 65536 bytes");
    ls_creds_clear(&c);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(resolve_helper(&c, f, "hang:1", &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000L;
    CHECK(ms >= 250 && ms < 2000); /* killed at its 300 ms limit, not after sleep's 5 s */
    CHECK_STR(c.helper_msg, "credential helper docker-credential-hang for hang:1: no answer within 1s");
    ls_creds_clear(&c);
    CHECK_INT(resolve_helper(&c, f, "bad:1", &err), 0); /* a name with a slash is never run */
    CHECK_STR(c.helper_msg, "credential helper docker-credential-../bin/x for bad:1: not found on PATH");
    ls_creds_clear(&c);
    /* no credHelpers entry: credsStore, here missing from PATH */
    CHECK_INT(resolve_helper(&c, f, "other:1", &err), 0);
    CHECK_INT(c.kind, LS_CREDS_HELPER);
    CHECK_STR(c.helper, "missing");
    snprintf(want, sizeof want, "credential helper docker-credential-missing for other:1: not found on PATH");
    CHECK_STR(c.helper_msg, want);
    ls_creds_clear(&c);
    /* without a PATH nothing is run */
    {
        ls_creds_env env = {.path = NULL};
        CHECK_INT(ls_creds_resolve_in(&c, "good:1", NULL, NULL, f, &env, &err), 0);
        CHECK_INT(c.kind, LS_CREDS_HELPER);
        CHECK_STR(c.helper_msg, "credential helper docker-credential-good for good:1: not found on PATH");
        ls_creds_clear(&c);
    }
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

int main(void)
{
    ls_creds c;
    ls_error err = {0};
    const char *f, *xdg, *docker;
    char *basic;
    snprintf(root, sizeof root, "/tmp/ls-creds-XXXXXX");
    if (!mkdtemp(root))
        return 1;

    /* --creds */
    CHECK_INT(ls_creds_parse(&c, "alice:pa:ss", &err), 0);
    CHECK_STR(c.user, "alice");
    CHECK_STR(c.pass, "pa:ss");
    CHECK_STR(c.source, "--creds");
    basic = ls_creds_basic(&c);
    CHECK_STR(basic, "Basic YWxpY2U6cGE6c3M="); /* base64("alice:pa:ss") */
    free(basic);
    ls_creds_clear(&c);
    CHECK_INT(ls_creds_parse(&c, "s3cr3t", &err), -1);
    CHECK_STR(err.msg, "--creds: expected USER:PASSWORD");
    CHECK_INT(ls_creds_parse(&c, ":s3cr3t", &err), -1);

    /* containers auth.json: base64 auth, username/password, URL keys */
    f = write_file("a/auth.json",
                   "{\"auths\": {\"127.0.0.1:5000\": {\"auth\": \"dXNlcjpzM2NyM3Q=\"},"
                   " \"https://reg.example/v1/\": {\"username\": \"bob\", \"password\": \"pw:x\"},"
                   " \"quay.io/team\": {\"auth\": \"dDpw\"},"
                   " \"index.docker.io\": {\"auth\": \"aHViOmh1YnB3\"}}}");
    found(f, "127.0.0.1:5000", "user", "s3cr3t");
    found(f, "reg.example", "bob", "pw:x");
    found(f, "docker.io", "hub", "hubpw"); /* Docker Hub aliases are one registry */
    none(f, "quay.io");                    /* namespaced keys are for one repository */
    none(f, "127.0.0.1:5001");

    /* Docker's config.json: the URL key of Docker Hub, helpers, stores */
    f = write_file("b/config.json",
                   "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"aHViOmh1YnB3\"},"
                   " \"ghcr.io\": {}},"
                   " \"credHelpers\": {\"123.dkr.ecr.us-east-1.amazonaws.com\": \"ecr-login\"},"
                   " \"credsStore\": \"desktop\"}");
    found(f, "docker.io", "hub", "hubpw");
    CHECK_INT(ls_authfile_lookup(&c, f, "123.dkr.ecr.us-east-1.amazonaws.com", true, &err), 1);
    CHECK_INT(c.kind, LS_CREDS_HELPER);
    CHECK_STR(c.helper, "ecr-login");
    CHECK_STR(c.source, f);
    CHECK_INT(ls_authfile_lookup(&c, f, "ghcr.io", true, &err), 1); /* empty entry: the store has it */
    CHECK_INT(c.kind, LS_CREDS_HELPER);
    CHECK_STR(c.helper, "desktop");

    /* namespaced keys: for the repositories under them, the most specific first */
    f = write_file("n/auth.json",
                   "{\"auths\": {\"quay.io/team/app\": {\"auth\": \"YXBwOnA=\"},"
                   " \"quay.io\": {\"auth\": \"aG9zdDpw\"},"
                   " \"quay.io/team/\": {\"auth\": \"dGVhbTpw\"},"
                   " \"docker.io/library\": {\"auth\": \"bGliOnA=\"},"
                   " \"quay.io/empty\": {}}}");
    found_repo(f, "quay.io", "team/app", "app");   /* app:p */
    found_repo(f, "quay.io", "team/app/x", "app");
    found_repo(f, "quay.io", "team/app2", "team"); /* a path prefix is not a parent */
    found_repo(f, "quay.io", "team", "team");
    found_repo(f, "quay.io", "teamx/a", "host");
    found_repo(f, "quay.io", "empty/a", "host"); /* an empty entry holds nothing */
    found_repo(f, "quay.io", NULL, "host");
    found_repo(f, "registry-1.docker.io", "library/alpine", "lib");
    CHECK_INT(ls_authfile_lookup_repo(&c, f, "docker.io", "me/app", true, &err), 0);

    /* a registry's own helper before its auths entry and before credsStore;
     * an identity token */
    f = write_file("h/order.json",
                   "{\"auths\": {\"h:1\": {\"auth\": \"dDpw\"}, \"h:2\": {\"auth\": \"dDpw\"},"
                   " \"h:3\": {\"auth\": \"dTo=\", \"identitytoken\": \"idt-s3cr3t\"}},"
                   " \"credHelpers\": {\"h:1\": \"own\", \"h:2/ns\": \"ns\"}, \"credsStore\": \"store\"}");
    CHECK_INT(ls_authfile_lookup(&c, f, "h:1", true, &err), 1);
    CHECK_INT(c.kind, LS_CREDS_HELPER);
    CHECK_STR(c.helper, "own");
    ls_creds_clear(&c);
    found(f, "h:2", "t", "p"); /* credHelpers keys are hosts: "h:2/ns" is no key of h:2 */
    CHECK_INT(ls_authfile_lookup(&c, f, "h:3", true, &err), 1);
    CHECK_INT(c.kind, LS_CREDS_TOKEN);
    CHECK_STR(c.pass, "idt-s3cr3t");
    CHECK(ls_creds_basic(&c) == NULL);
    ls_creds_clear(&c);
    CHECK_INT(ls_authfile_lookup(&c, f, "h:4", true, &err), 1);
    CHECK_INT(c.kind, LS_CREDS_HELPER);
    CHECK_STR(c.helper, "store");
    ls_creds_clear(&c);

    helper_tests();

    /* malformed files name the file and the registry, never the secret */
    refused(write_file("c/1.json", "{\"auths\": {\"h:1\": {\"auth\": \"!!!\"}}}"), "h:1", LS_ERR_FORMAT,
            "not base64");
    refused(write_file("c/2.json", "{\"auths\": {\"h:1\": {\"auth\": \"czNjcjN0\"}}}"), "h:1",
            LS_ERR_FORMAT, "not base64 of USER:PASSWORD"); /* "s3cr3t" without a colon */
    refused(write_file("c/3.json", "{\"auths\": [1]}"), "h:1", LS_ERR_FORMAT, "auths must be an object");
    refused(write_file("c/4.json", "{\"auths\": {\"h:1\": \"s3cr3t\"}}"), "h:1", LS_ERR_FORMAT,
            "must be an object");
    refused(write_file("c/5.json", "{\"auths\": {"), "h:1", LS_ERR_FORMAT, "invalid JSON");
    /* jansson's own message quotes the text near the error ("near '\"s3cr3t...'"):
     * only the file, line and column are told */
    {
        static const struct {
            const char *rel, *text, *tail;
        } bad[] = {
            /* an unterminated password string */
            {"c/6.json", "{\"auths\": {\"h:1\": {\"username\": \"u\",\n \"password\": \"s3cr3t-pw}}}",
             ": invalid JSON at line 2, column 26"},
            /* a control character inside the password */
            {"c/7.json", "{\"auths\": {\"h:1\": {\"password\": \"s3cr3t\x01x\"}}}",
             ": invalid JSON at line 1, column 38"},
            /* a bad escape in the base64 auth */
            {"c/8.json", "{\"auths\": {\"h:1\": {\"auth\": \"czNjcjN0\\q\"}}}",
             ": invalid JSON at line 1, column 38"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            const char *file = write_file(bad[i].rel, bad[i].text);
            char want[700];
            ls_error e = {0};
            snprintf(want, sizeof want, "%s%s", file, bad[i].tail);
            CHECK_INT(ls_authfile_lookup(&c, file, "h:1", true, &e), -1);
            CHECK_INT(e.code, LS_ERR_FORMAT);
            CHECK_STR(e.msg, want);
            CHECK(strstr(e.msg, "s3cr3t") == NULL);
            CHECK(strstr(e.msg, "czNjcjN0") == NULL);
            CHECK(strstr(e.msg, "near") == NULL);
        }
    }
    {
        char missing[600];
        snprintf(missing, sizeof missing, "%s/nope.json", root);
        refused(missing, "h:1", LS_ERR_IO, "No such file");
        CHECK_INT(ls_authfile_lookup(&c, missing, "h:1", false, &err), 0);
    }

    /* the chain: --creds, then --authfile alone, then REGISTRY_AUTH_FILE,
     * then $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json */
    xdg = write_file("run/containers/auth.json", "{\"auths\": {\"h:1\": {\"auth\": \"eGRnOnhkZ3B3\"}}}");
    docker = write_file("home/.docker/config.json",
                        "{\"auths\": {\"h:1\": {\"auth\": \"ZG9jazpkb2NrcHc=\"},"
                        " \"h:2\": {\"auth\": \"ZG9jazI6ZDI=\"}}}");
    (void)xdg;
    (void)docker;
    {
        char dir[600];
        unsetenv("REGISTRY_AUTH_FILE");
        snprintf(dir, sizeof dir, "%s/run", root);
        setenv("XDG_RUNTIME_DIR", dir, 1);
        snprintf(dir, sizeof dir, "%s/home", root);
        setenv("HOME", dir, 1);
    }
    CHECK_INT(ls_creds_resolve(&c, "h:1", NULL, NULL, NULL, &err), 0);
    CHECK_STR(c.user, "xdg"); /* XDG before Docker's file */
    ls_creds_clear(&c);
    CHECK_INT(ls_creds_resolve(&c, "h:2", NULL, NULL, NULL, &err), 0);
    CHECK_STR(c.user, "dock2"); /* not in the XDG file: the next file */
    ls_creds_clear(&c);
    CHECK_INT(ls_creds_resolve(&c, "h:3", NULL, NULL, NULL, &err), 0);
    CHECK_INT(c.kind, LS_CREDS_NONE);
    CHECK_INT(ls_creds_resolve(&c, "h:1", NULL, "cli:pw", NULL, &err), 0);
    CHECK_STR(c.user, "cli"); /* --creds first */
    ls_creds_clear(&c);
    CHECK_INT(ls_creds_resolve(&c, "h:2", NULL, NULL, xdg, &err), 0);
    CHECK_INT(c.kind, LS_CREDS_NONE); /* --authfile is the only file read */
    setenv("REGISTRY_AUTH_FILE", docker, 1);
    CHECK_INT(ls_creds_resolve(&c, "h:1", NULL, NULL, NULL, &err), 0);
    CHECK_STR(c.user, "dock"); /* REGISTRY_AUTH_FILE replaces the default files */
    ls_creds_clear(&c);
    unsetenv("REGISTRY_AUTH_FILE");
    {
        char missing[600];
        snprintf(missing, sizeof missing, "%s/nope.json", root);
        ls_error_clear(&err);
        CHECK_INT(ls_creds_resolve(&c, "h:1", NULL, NULL, missing, &err), -1); /* --authfile must exist */
        CHECK_INT(err.code, LS_ERR_IO);
    }

    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    CHECK_DONE();
}
