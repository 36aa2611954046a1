/*
 * test_registry_ref.c - docker:// references: Docker Hub normalisation
 * (official images under library/, index.docker.io), hosts with ports,
 * localhost, tags and digests, and invalid references with the message that
 * says what is wrong.
 */
#include "check.h"

#include "registry/ref.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void ok(const char *in, const char *domain, const char *host, const char *repo,
               const char *tag, const char *digest)
{
    ls_registry_ref r;
    ls_error err = {0};
    int rc = ls_registry_ref_parse(&r, in, &err);
    if (rc != 0)
        fprintf(stderr, "parse %s failed: %s\n", in, err.msg);
    CHECK_INT(rc, 0);
    if (rc != 0)
        return;
    CHECK_STR(r.domain, domain);
    CHECK_STR(r.host, host);
    CHECK_STR(r.repo, repo);
    if (tag)
        CHECK_STR(r.tag, tag);
    else
        CHECK(r.tag == NULL);
    if (digest)
        CHECK_STR(r.digest, digest);
    else
        CHECK(r.digest == NULL);
    CHECK_STR(ls_registry_ref_object(&r), digest ? digest : tag);
    ls_registry_ref_clear(&r);
}

static void bad(const char *in, const char *want)
{
    ls_registry_ref r;
    ls_error err = {0};
    CHECK_INT(ls_registry_ref_parse(&r, in, &err), -1);
    CHECK_INT(err.code, LS_ERR_USAGE);
    if (!strstr(err.msg, want))
        fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", in, err.msg, want);
    CHECK(strstr(err.msg, want) != NULL);
    CHECK(r.domain == NULL && r.repo == NULL && r.tag == NULL && r.digest == NULL);
}

int main(void)
{
    /* Docker Hub */
    ok("docker://alpine", "docker.io", "registry-1.docker.io", "library/alpine", "latest", NULL);
    ok("alpine:3.19", "docker.io", "registry-1.docker.io", "library/alpine", "3.19", NULL);
    ok("docker://bitnami/redis:7", "docker.io", "registry-1.docker.io", "bitnami/redis", "7", NULL);
    ok("docker://docker.io/alpine", "docker.io", "registry-1.docker.io", "library/alpine", "latest", NULL);
    ok("docker://index.docker.io/library/alpine:edge", "docker.io", "registry-1.docker.io",
       "library/alpine", "edge", NULL);
    /* hosts, ports, localhost */
    ok("docker://127.0.0.1:5000/app:1", "127.0.0.1:5000", "127.0.0.1:5000", "app", "1", NULL);
    ok("docker://localhost/app", "localhost", "localhost", "app", "latest", NULL);
    ok("docker://localhost:5000/team/app", "localhost:5000", "localhost:5000", "team/app", "latest", NULL);
    ok("docker://quay.io/coreos/etcd:v3.5.0", "quay.io", "quay.io", "coreos/etcd", "v3.5.0", NULL);
    ok("docker://[::1]:5000/app:x", "[::1]:5000", "[::1]:5000", "app", "x", NULL);
    ok("docker://reg.example:443/a/b/c.d_e__f-g:T_1.x-y", "reg.example:443", "reg.example:443",
       "a/b/c.d_e__f-g", "T_1.x-y", NULL);
    /* digests, with and without a tag */
    ok("docker://127.0.0.1:5000/app@sha256:" HEX64, "127.0.0.1:5000", "127.0.0.1:5000", "app", NULL,
       "sha256:" HEX64);
    ok("docker://127.0.0.1:5000/app:1@sha256:" HEX64, "127.0.0.1:5000", "127.0.0.1:5000", "app", "1",
       "sha256:" HEX64);
    ok("docker://busybox@sha256:" HEX64, "docker.io", "registry-1.docker.io", "library/busybox", NULL,
       "sha256:" HEX64);

    /* invalid references say which part is wrong */
    bad("docker://", "missing image name");
    bad("docker://127.0.0.1:5000/", "missing repository name");
    bad("docker://127.0.0.1:5000/App", "must be lowercase");
    bad("docker://127.0.0.1:5000/a..b", "invalid repository name");
    bad("docker://127.0.0.1:5000/a___b", "invalid repository name");
    bad("docker://127.0.0.1:5000/-a", "invalid repository name");
    bad("docker://127.0.0.1:5000/a//b", "invalid repository name");
    bad("docker://127.0.0.1:99999/app", "invalid registry port");
    bad("docker://127.0.0.1:/app", "invalid registry port");
    bad("docker://reg_x.io/app", "invalid registry host");
    bad("docker://app:-x", "invalid tag");
    bad("docker://app:", "invalid tag");
    bad("docker://app:a b", "invalid tag");
    bad("docker://app@sha256:abc", "invalid digest");
    bad("docker://app@md5:" HEX64, "invalid digest");
    {
        char longname[400] = "docker://127.0.0.1:5000/";
        for (int i = 0; i < 300; i++)
            strcat(longname, "a");
        bad(longname, "longer than 255");
    }
    {
        /* 250 characters on Docker Hub: 268 once "docker.io/library/" is
         * added, which the bound counts (found by fuzz_image_ref: the
         * parsed reference written back in full no longer parsed) */
        char hub[300] = "docker://";
        for (int i = 0; i < 250; i++)
            strcat(hub, "a");
        bad(hub, "longer than 255");
        ls_registry_ref hr;
        ls_error herr = {0};
        hub[9 + 237] = '\0'; /* 237 + 18 = 255: the longest accepted */
        CHECK_INT(ls_registry_ref_parse(&hr, hub, &herr), 0);
        CHECK_INT((int)(strlen(hr.domain) + 1 + strlen(hr.repo)), 255);
        ls_registry_ref_clear(&hr);
    }
    /* bare hosts and repositories (registry ls) */
    {
        ls_error err = {0};
        CHECK_INT(ls_registry_domain_validate("127.0.0.1:5000", &err), 0);
        CHECK_INT(ls_registry_domain_validate("127.0.0.1:x", &err), -1);
        CHECK(strstr(err.msg, "invalid registry port") != NULL);
        CHECK_INT(ls_registry_repo_validate("team/app", &err), 0);
        CHECK_INT(ls_registry_repo_validate("../etc", &err), -1);
        CHECK_STR(ls_registry_domain_host("docker.io"), "registry-1.docker.io");
        CHECK_STR(ls_registry_domain_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }
    CHECK_DONE();
}
