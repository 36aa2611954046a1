/*
 * ref.c - "docker://HOST[:PORT]/REPO[:TAG][@DIGEST]" into its parts.
 *
 * The grammar is distribution's reference package, checked by hand rather
 * than with a regex so every rejection can say which part is wrong: the
 * reference comes from a user (or a file of thousands of them in an audit)
 * and "invalid reference" alone does not help anyone fix it.
 */
#include "registry/ref.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "source/digest.h"

#define DOCKER_HUB "docker.io"
#define DOCKER_HUB_HOST "registry-1.docker.io"
#define MAX_NAME 255
#define MAX_TAG 128

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*. */
static bool path_component_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    while (i < n) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_'))
            i++;
        else if (s[i] == '_' && i + 2 < n && s[i + 2] != '_')
            i += 2;
        else if (s[i] == '-')
            while (i < n && s[i] == '-')
                i++;
        else
            return false;
        if (i >= n || !is_lower_alnum(s[i]))
            return false;
    }
    return true;
}

/* Why repo is not a valid repository name, or NULL when it is. */
static const char *repo_problem(const char *repo)
{
    const char *p = repo;
    if (!*repo)
        return "missing repository name";
    for (const char *q = repo; *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            return "repository name must be lowercase";
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (!path_component_ok(p, n))
            return "invalid repository name (components are [a-z0-9] joined by '.', '_', '__' or '-')";
        if (!slash)
            return NULL;
        p = slash + 1;
    }
}

/* host[:port], host being DNS labels, an IPv4 address or [IPv6]. */
static const char *domain_problem(const char *d)
{
    const char *colon, *end;
    if (d[0] == '[') {
        end = strchr(d, ']');
        if (!end || end == d + 1)
            return "invalid registry host";
        for (const char *q = d + 1; q < end; q++)
            if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
                return "invalid registry host";
        colon = end[1] == ':' ? end + 1 : NULL;
        if (end[1] && !colon)
            return "invalid registry host";
    } else {
        colon = strchr(d, ':');
        end = colon ? colon : d + strlen(d);
        if (end == d || *d == '-' || *d == '.' || end[-1] == '-' || end[-1] == '.')
            return "invalid registry host";
        for (const char *q = d; q < end; q++)
            if (!isalnum((unsigned char)*q) && *q != '-' && *q != '.')
                return "invalid registry host";
    }
    if (colon) {
        long port = 0;
        const char *q = colon + 1;
        if (!*q)
            return "invalid registry port";
        for (; *q; q++) {
            if (*q < '0' || *q > '9' || port > 65535)
                return "invalid registry port";
            port = port * 10 + (*q - '0');
        }
        if (port < 1 || port > 65535)
            return "invalid registry port";
    }
    return NULL;
}

static bool tag_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > MAX_TAG || t[0] == '.' || t[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
            return false;
    return true;
}

/* Docker's rule: the first component is a registry when it looks like one. */
static bool looks_like_domain(const char *first, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (first[i] == '.' || first[i] == ':' || (first[i] >= 'A' && first[i] <= 'Z'))
            return true;
    return n == 9 && strncmp(first, "localhost", 9) == 0;
}

/* Splits name into domain and repository, applying Docker Hub's defaults. */
static int split_domain(ls_registry_ref *r, const char *name)
{
    const char *slash = strchr(name, '/');
    if (slash && looks_like_domain(name, (size_t)(slash - name))) {
        r->domain = strndup(name, (size_t)(slash - name));
        r->repo = strdup(slash + 1);
    } else {
        r->domain = strdup(DOCKER_HUB);
        r->repo = strdup(name);
    }
    if (!r->domain || !r->repo)
        return -1;
    if (strcmp(r->domain, "index.docker.io") == 0) {
        free(r->domain);
        if (!(r->domain = strdup(DOCKER_HUB)))
            return -1;
    }
    if (strcmp(r->domain, DOCKER_HUB) == 0 && !strchr(r->repo, '/') && *r->repo) {
        char *full = malloc(strlen(r->repo) + 9);
        if (!full)
            return -1;
        strcpy(full, "library/");
        strcat(full, r->repo);
        free(r->repo);
        r->repo = full;
    }
    r->host = strdup(ls_registry_domain_host(r->domain));
    return r->host ? 0 : -1;
}

int ls_registry_ref_parse(ls_registry_ref *r, const char *s, ls_error *err)
{
    const char *at, *last_slash, *colon;
    char *name = NULL;
    const char *problem = NULL;
    int rc = -1;
    memset(r, 0, sizeof *r);
    if (strncmp(s, "docker://", 9) == 0)
        s += 9;
    if (!*s)
        return ls_error_set(err, LS_ERR_USAGE, "docker://: missing image name");
    at = strchr(s, '@');
    if (at) {
        if (!(r->digest = strdup(at + 1)))
            goto oom;
        if (ls_digest_validate(r->digest, "", "", NULL) < 0) {
            problem = "invalid digest (expected @sha256:<64 lowercase hex>)";
            goto bad;
        }
    }
    if (!(name = strndup(s, at ? (size_t)(at - s) : strlen(s))))
        goto oom;
    last_slash = strrchr(name, '/');
    colon = strrchr(last_slash ? last_slash : name, ':');
    if (colon) {
        if (!(r->tag = strdup(colon + 1)))
            goto oom;
        name[colon - name] = '\0';
        if (!tag_ok(r->tag)) {
            problem = "invalid tag (up to 128 of [A-Za-z0-9_.-], not starting with '.' or '-')";
            goto bad;
        }
    } else if (!r->digest && !(r->tag = strdup("latest"))) {
        goto oom;
    }
    if (split_domain(r, name) < 0)
        goto oom;
    /* the bound is on the normalised name, as Docker's is ("alpine" counts as
     * "docker.io/library/alpine"): so a parsed reference written back in
     * full parses again */
    if (strlen(r->domain) + 1 + strlen(r->repo) > MAX_NAME) {
        problem = "name longer than 255 characters";
        goto bad;
    }
    if ((problem = domain_problem(r->domain)) || (problem = repo_problem(r->repo)))
        goto bad;
    rc = 0;
    goto out;
oom:
    ls_error_set(err, LS_ERR_NOMEM, "docker://%s: out of memory", s);
    goto out;
bad:
    ls_error_set(err, LS_ERR_USAGE, "docker://%s: %s", s, problem);
out:
    free(name);
    if (rc < 0)
        ls_registry_ref_clear(r);
    return rc;
}

int ls_registry_repo_validate(const char *repo, ls_error *err)
{
    const char *problem = strlen(repo) > MAX_NAME ? "name longer than 255 characters" : repo_problem(repo);
    return problem ? ls_error_set(err, LS_ERR_USAGE, "%s: %s", repo, problem) : 0;
}

int ls_registry_domain_validate(const char *domain, ls_error *err)
{
    const char *problem = domain_problem(domain);
    return problem ? ls_error_set(err, LS_ERR_USAGE, "docker://%s: %s", domain, problem) : 0;
}

const char *ls_registry_domain_host(const char *domain)
{
    if (strcmp(domain, DOCKER_HUB) == 0 || strcmp(domain, "index.docker.io") == 0)
        return DOCKER_HUB_HOST;
    return domain;
}

const char *ls_registry_ref_object(const ls_registry_ref *r)
{
    return r->digest ? r->digest : r->tag;
}

void ls_registry_ref_clear(ls_registry_ref *r)
{
    free(r->domain);
    free(r->host);
    free(r->repo);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof *r);
}
