/*
 * test_registry_creds.c - where registry credentials come from: --creds,
 * auth files in containers' and Docker's forms (base64 "auth",
 * username/password, URL keys, Docker Hub aliases, namespaced keys
 * ignored), credential helpers reported, malformed files refused with the
 * file's name and never the secret, and the lookup order of the files.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "check.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
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
    CHECK_INT(ls_creds_resolve(&c, "h:1", NULL, NULL, &err), 0);
    CHECK_STR(c.user, "xdg"); /* XDG before Docker's file */
    ls_creds_clear(&c);
    CHECK_INT(ls_creds_resolve(&c, "h:2", NULL, NULL, &err), 0);
    CHECK_STR(c.user, "dock2"); /* not in the XDG file: the next file */
    ls_creds_clear(&c);
    CHECK_INT(ls_creds_resolve(&c, "h:3", NULL, NULL, &err), 0);
    CHECK_INT(c.kind, LS_CREDS_NONE);
    CHECK_INT(ls_creds_resolve(&c, "h:1", "cli:pw", NULL, &err), 0);
    CHECK_STR(c.user, "cli"); /* --creds first */
    ls_creds_clear(&c);
    CHECK_INT(ls_creds_resolve(&c, "h:2", NULL, xdg, &err), 0);
    CHECK_INT(c.kind, LS_CREDS_NONE); /* --authfile is the only file read */
    setenv("REGISTRY_AUTH_FILE", docker, 1);
    CHECK_INT(ls_creds_resolve(&c, "h:1", NULL, NULL, &err), 0);
    CHECK_STR(c.user, "dock"); /* REGISTRY_AUTH_FILE replaces the default files */
    ls_creds_clear(&c);
    unsetenv("REGISTRY_AUTH_FILE");
    {
        char missing[600];
        snprintf(missing, sizeof missing, "%s/nope.json", root);
        ls_error_clear(&err);
        CHECK_INT(ls_creds_resolve(&c, "h:1", NULL, missing, &err), -1); /* --authfile must exist */
        CHECK_INT(err.code, LS_ERR_IO);
    }

    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    CHECK_DONE();
}
