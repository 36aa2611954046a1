/*
 * list.c - the registry's listings: /v2/_catalog (repositories) and
 * /v2/REPO/tags/list (tags), page by page.
 *
 * A page is asked for with `n` and the next one is wherever the answer's
 * `Link: <...>; rel="next"` points (relative to the page, usually
 * "/v2/_catalog?last=X&n=N"). Names go to a callback as they arrive, so a
 * catalog of a million repositories never sits in memory at once; a page
 * is read with the usual JSON cap, and a Link that points back at the
 * same page ends the walk instead of looping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/client.h"
#include "registry/docs.h"
#include "registry/header.h"
#include "registry/ref.h"
#include "source/manifest.h"

#define MAX_PAGES 1000000

static int list_pages(ls_registry *c, const char *first, const char *scope, const char *key,
                      const char *label, ls_registry_name_fn fn, void *ctx, size_t *pages,
                      ls_error *err)
{
    const ls_request rq = {.scope = scope, .accept = "application/json"};
    char url[LS_URL_MAX], rel[LS_URL_MAX], next[LS_URL_MAX], what[700];
    size_t n = 0;
    int rc = 0;
    snprintf(url, sizeof url, "%s", first);
    while (rc == 0) {
        ls_small_doc page;
        int has_next;
        if (n >= MAX_PAGES)
            return ls_error_set(err, LS_ERR_LIMIT, "%s: more than %d pages", label, MAX_PAGES);
        if (ls_registry_get_small(c, url, &rq, c->max_json, label, "", &page, err) < 0)
            return -1;
        has_next = ls_link_next(page.link, rel, sizeof rel);
        n++;
        if (pages)
            *pages = n;
        snprintf(what, sizeof what, "%s: listing page %zu", label, n);
        rc = ls_docs_names(page.data, page.len, key, what, fn, ctx, err);
        free(page.data);
        if (rc != 0 || has_next == 0)
            break;
        if (has_next < 0 || ls_registry_resolve_url(url, rel, next, sizeof next) < 0)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: the registry's Link header is malformed",
                                label);
        if (strcmp(next, url) == 0)
            break; /* a page pointing at itself */
        strcpy(url, next);
    }
    return rc;
}

/* "?n=N" (or "") for a page size. */
static void page_param(char *out, size_t cap, unsigned page_size)
{
    if (page_size)
        snprintf(out, cap, "?n=%u", page_size);
    else
        out[0] = '\0';
}

int ls_registry_list_repos(ls_registry *c, unsigned page_size, ls_registry_name_fn fn, void *ctx,
                           size_t *pages, ls_error *err)
{
    char url[LS_URL_MAX], q[32];
    page_param(q, sizeof q, page_size);
    if (pages)
        *pages = 0;
    snprintf(url, sizeof url, "%s/v2/_catalog%s", c->base, q);
    return list_pages(c, url, "registry:catalog:*", "repositories", c->domain, fn, ctx, pages, err);
}

int ls_registry_list_tags(ls_registry *c, const char *repo, unsigned page_size,
                          ls_registry_name_fn fn, void *ctx, size_t *pages, ls_error *err)
{
    char url[LS_URL_MAX], q[32], scope[600], label[600];
    page_param(q, sizeof q, page_size);
    if (pages)
        *pages = 0;
    snprintf(scope, sizeof scope, "repository:%s:pull", repo);
    snprintf(label, sizeof label, "%s/%s", c->domain, repo);
    if (ls_registry_repo_validate(repo, err) < 0) {
        ls_error_prefix(err, "%s", c->domain);
        return -1;
    }
    if (snprintf(url, sizeof url, "%s/v2/%s/tags/list%s", c->base, repo, q) >= (int)sizeof url)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: repository name too long", label);
    return list_pages(c, url, scope, "tags", label, fn, ctx, pages, err);
}
