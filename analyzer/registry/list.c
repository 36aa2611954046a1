/*
 * list.c - the registry's listings: /v2/_catalog (repositories) and
 * /v2/REPO/tags/list (tags), page by page.
 *
 * A page is asked for with `n` and the next one is wherever the answer's
 * `Link: <...>; rel="next"` points (relative to the page, usually
 * "/v2/_catalog?last=X&n=N"). Names go to a callback as they arrive, so a
 * catalog of a million repositories never sits in memory whole; a page is
 * read with the usual JSON cap.
 *
 * The server writes the Link headers, so the walk trusts none of them: the
 * URL of every page fetched is remembered and a Link back to any of them
 * (a cycle of any length) ends the walk; a name already handed out is not
 * handed out again (a cycle that varies its URL, or a registry repeating
 * itself, cannot make an audit scan an image twice); and pages and names
 * are capped (LS_LIST_MAX_PAGES, LS_LIST_MAX_NAMES) with an error naming
 * the cap. Both sets keep 128-bit hashes, not the strings: 16 bytes a
 * name, whatever the server makes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "registry/client.h"
#include "registry/docs.h"
#include "registry/header.h"
#include "registry/ref.h"
#include "source/manifest.h"

/* A set of 128-bit hashes (open addressing, grown at half full). */
typedef struct {
    XXH128_hash_t *slots; /* {0, 0} = empty (a string hashing to it is kept as {0, 1}) */
    size_t cap, n;
} hash_set;

static XXH128_hash_t key_of(const char *s)
{
    XXH128_hash_t h = XXH3_128bits(s, strlen(s));
    if (h.low64 == 0 && h.high64 == 0)
        h.low64 = 1;
    return h;
}

static bool slot_empty(const XXH128_hash_t *h)
{
    return h->low64 == 0 && h->high64 == 0;
}

/* 1 when s was added, 0 when already there, -1 out of memory. */
static int set_add(hash_set *set, const char *s)
{
    XXH128_hash_t h = key_of(s);
    size_t i;
    if (2 * (set->n + 1) > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 256;
        XXH128_hash_t *grown = calloc(cap, sizeof *grown);
        if (!grown)
            return -1;
        for (size_t k = 0; k < set->cap; k++)
            if (!slot_empty(&set->slots[k])) {
                size_t j = (size_t)set->slots[k].low64 & (cap - 1);
                while (!slot_empty(&grown[j]))
                    j = (j + 1) & (cap - 1);
                grown[j] = set->slots[k];
            }
        free(set->slots);
        set->slots = grown;
        set->cap = cap;
    }
    for (i = (size_t)h.low64 & (set->cap - 1); !slot_empty(&set->slots[i]);
         i = (i + 1) & (set->cap - 1))
        if (XXH128_isEqual(set->slots[i], h))
            return 0;
    set->slots[i] = h;
    set->n++;
    return 1;
}

/* The walk's state, also the context of the de-duplicating callback. */
typedef struct {
    ls_registry_name_fn fn;
    void *ctx;
    const char *label;
    ls_error *err;
    hash_set names;
} name_filter;

static int on_name(void *ctx, const char *name)
{
    name_filter *f = ctx;
    int added;
    if (f->names.n >= LS_LIST_MAX_NAMES)
        return ls_error_set(f->err, LS_ERR_LIMIT,
                            "%s: the listing holds more than %u names (the cap)", f->label,
                            (unsigned)LS_LIST_MAX_NAMES);
    if ((added = set_add(&f->names, name)) < 0)
        return ls_error_set(f->err, LS_ERR_NOMEM, "%s: out of memory", f->label);
    return added ? f->fn(f->ctx, name) : 0;
}

static int list_pages(ls_registry *c, const char *first, const char *scope, const char *key,
                      const char *label, ls_registry_name_fn fn, void *ctx, size_t *pages,
                      ls_error *err)
{
    const ls_request rq = {.scope = scope, .accept = "application/json"};
    char url[LS_URL_MAX], rel[LS_URL_MAX], next[LS_URL_MAX], what[700];
    name_filter f = {.fn = fn, .ctx = ctx, .label = label, .err = err};
    hash_set visited = {0};
    size_t n = 0;
    int rc = 0;
    snprintf(url, sizeof url, "%s", first);
    if (set_add(&visited, url) < 0)
        rc = ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    while (rc == 0) {
        ls_small_doc page;
        int has_next;
        if (n >= LS_LIST_MAX_PAGES) {
            rc = ls_error_set(err, LS_ERR_LIMIT, "%s: the listing runs past %u pages (the cap)",
                              label, (unsigned)LS_LIST_MAX_PAGES);
            break;
        }
        if (ls_registry_get_small(c, url, &rq, c->max_json, label, "", &page, err) < 0) {
            rc = -1;
            break;
        }
        has_next = ls_link_next(page.link, rel, sizeof rel);
        n++;
        if (pages)
            *pages = n;
        snprintf(what, sizeof what, "%s: listing page %zu", label, n);
        rc = ls_docs_names(page.data, page.len, key, what, on_name, &f, err);
        free(page.data);
        if (rc != 0 || has_next == 0)
            break;
        if (has_next < 0 || ls_http_resolve_url(url, rel, next, sizeof next) < 0) {
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s: the registry's Link header is malformed",
                              label);
            break;
        }
        /* 0: a page fetched before, the walk has come round */
        if ((has_next = set_add(&visited, next)) <= 0) {
            rc = has_next < 0 ? ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label) : 0;
            break;
        }
        strcpy(url, next);
    }
    free(visited.slots);
    free(f.names.slots);
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
