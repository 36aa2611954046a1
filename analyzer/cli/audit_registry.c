/*
 * audit_registry.c - the --registry enumerator of `layerscan audit`: a
 * registry's catalog and tag lists turned into docker:// references.
 *
 * Repositories come in the catalog's (lexical) order; each repository's tags
 * are sorted, since registries return them in storage order. The reference
 * strings are what --shard hashes, so the same registry gives every shard
 * process the same partition.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cli/audit.h"
#include "registry/registry.h"

typedef struct {
    char **v;
    size_t n, cap;
    const char *glob;
} name_list;

static int keep_name(void *ctx, const char *name)
{
    name_list *l = ctx;
    char **grown;
    if (l->glob && fnmatch(l->glob, name, 0) != 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        if (cap > AUDIT_MAX_REFS || !(grown = realloc(l->v, cap * sizeof *grown)))
            return 1;
        l->v = grown;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(name)))
        return 1;
    l->n++;
    return 0;
}

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A repository whose tags cannot be listed (a 401 or 403 on it alone, a
 * broken listing): docker://HOST/REPO, audited as that failure. */
static int failed_repo(const audit_registry_walk *w, const char *repo, const ls_error *why,
                       audit_refs *refs, ls_error *err)
{
    size_t len = strlen(w->host) + strlen(repo) + 12;
    char *ref = malloc(len);
    int rc;
    if (!ref)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    snprintf(ref, len, "docker://%s/%s", w->host, repo);
    rc = audit_refs_add_failed(refs, ref, why, err);
    free(ref);
    return rc;
}

/* Appends docker://HOST/REPO:TAG for every kept tag of repo. */
static int add_repo(ls_registry *c, const audit_registry_walk *w, const char *repo, audit_refs *refs,
                    ls_error *err)
{
    name_list tags = {.glob = w->tags};
    ls_error why = {0};
    int rc = ls_registry_list_tags(c, repo, w->page_size, keep_name, &tags, NULL, &why);
    if (rc > 0)
        rc = ls_error_set(err, LS_ERR_NOMEM, "--registry %s: out of memory listing tags", w->host);
    else if (rc < 0 && ls_error_level_of(&why) == LS_LEVEL_INPUT)
        rc = failed_repo(w, repo, &why, refs, err); /* that repository's error line; the walk goes on */
    else if (rc < 0)
        rc = ls_error_pass(err, &why);
    if (tags.n > 1) /* a repository without tags has no array at all: qsort(NULL, ...) is undefined */
        qsort(tags.v, tags.n, sizeof *tags.v, cmp_str);
    for (size_t i = 0; rc == 0 && i < tags.n; i++) {
        size_t len = strlen(w->host) + strlen(repo) + strlen(tags.v[i]) + 12;
        char *ref = malloc(len);
        if (!ref) {
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(ref, len, "docker://%s/%s:%s", w->host, repo, tags.v[i]);
        rc = audit_refs_add(refs, ref, err);
        free(ref);
    }
    names_free(&tags);
    return rc;
}

int audit_enum_registry(void *ctx, audit_refs *refs, ls_error *err)
{
    const audit_registry_walk *w = ctx;
    ls_registry *c = NULL;
    name_list repos = {.glob = w->repos};
    int rc;
    if (ls_registry_open(&c, w->host, w->opts, err) != 0)
        return -1;
    rc = ls_registry_list_repos(c, w->page_size, keep_name, &repos, NULL, err);
    if (rc > 0)
        rc = ls_error_set(err, LS_ERR_NOMEM, "--registry %s: out of memory listing repositories", w->host);
    for (size_t i = 0; rc == 0 && i < repos.n; i++)
        rc = add_repo(c, w, repos.v[i], refs, err);
    names_free(&repos);
    ls_registry_free(c);
    return rc == 0 ? 0 : -1;
}
