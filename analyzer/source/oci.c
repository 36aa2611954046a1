/*
 * oci.c - an OCI image layout (a directory or the same inside a tar) into an
 * ls_image.
 *
 * index.json may list several images (tags, platforms, BuildKit
 * attestations) and may point at further indexes (buildah and docker save
 * nest them), so selection is a small loop: drop attestations, keep the
 * REF the user named, then pick the platform, and descend until a manifest
 * is reached. Every blob read on the way must hash to the digest that named
 * it. Ambiguity is a usage error that lists the choices, never a guess.
 * The transport's table (ls_oci_transport) reads layers through the store.
 */
#include "source/transport.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/digest.h"
#include "source/manifest.h"

#define OCI_MAX_NESTING 4

/* Candidate indices into an index's manifests. */
typedef struct {
    size_t *idx;
    size_t n;
} candidates;

static bool str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Appends ", item" (bounded) to a listing for messages. */
static void list_add(char *list, size_t cap, const char *item)
{
    size_t len = strlen(list);
    if (strstr(list, item))
        return; /* already listed */
    snprintf(list + len, cap - len, "%s%s", len ? ", " : "", item);
}

static const char *display_ref(const ls_descriptor *d)
{
    if (d->ref_name)
        return d->ref_name;
    if (d->image_name)
        return d->image_name;
    return "<unnamed>";
}

static bool ref_matches(const ls_descriptor *d, const char *ref)
{
    return str_eq(d->ref_name, ref) || str_eq(d->image_name, ref);
}

/* Keeps the candidates for which keep() holds. */
static void filter(candidates *c, const ls_manifest_doc *doc,
                   bool (*keep)(const ls_descriptor *d, const void *arg), const void *arg)
{
    size_t o = 0;
    for (size_t i = 0; i < c->n; i++)
        if (keep(&doc->manifests[c->idx[i]], arg))
            c->idx[o++] = c->idx[i];
    c->n = o;
}

static bool keep_image(const ls_descriptor *d, const void *arg)
{
    (void)arg;
    return !ls_descriptor_is_artifact(d);
}

static bool keep_ref(const ls_descriptor *d, const void *arg)
{
    return ref_matches(d, arg);
}

static bool keep_platform(const ls_descriptor *d, const void *arg)
{
    return ls_platform_match(arg, d->os, d->architecture, d->variant);
}

static void list_refs(const candidates *c, const ls_manifest_doc *doc, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < c->n; i++)
        list_add(out, cap, display_ref(&doc->manifests[c->idx[i]]));
}

static void list_platforms(const candidates *c, const ls_manifest_doc *doc, char *out, size_t cap)
{
    char one[200];
    out[0] = '\0';
    for (size_t i = 0; i < c->n; i++) {
        const ls_descriptor *d = &doc->manifests[c->idx[i]];
        ls_platform_format(one, sizeof one, d->os, d->architecture, d->variant);
        list_add(out, cap, one);
    }
}

static size_t distinct_refs(const candidates *c, const ls_manifest_doc *doc)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *r = display_ref(&doc->manifests[c->idx[i]]);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(r, display_ref(&doc->manifests[c->idx[j]])) == 0;
        n += !seen;
    }
    return n;
}

static bool all_have_platform(const candidates *c, const ls_manifest_doc *doc)
{
    for (size_t i = 0; i < c->n; i++)
        if (!doc->manifests[c->idx[i]].os || !doc->manifests[c->idx[i]].architecture)
            return false;
    return c->n > 0;
}

/* Narrows several candidates by platform: the wanted one, else linux/amd64.
 * Leaves them alone when they carry no platform to choose by. */
static int choose_platform(candidates *c, const ls_manifest_doc *doc, const ls_platform *want,
                           const char *label, ls_error *err)
{
    char avail[LS_ERROR_MSG_MAX], wanted[200];
    ls_platform dflt;
    if (!want && !all_have_platform(c, doc))
        return 0;
    list_platforms(c, doc, avail, sizeof avail);
    ls_platform_parse(&dflt, "linux/amd64", NULL);
    filter(c, doc, keep_platform, want ? want : &dflt);
    if (c->n > 0)
        return 0;
    if (!want)
        return ls_error_set(err, LS_ERR_USAGE,
                            "%s: image has several platforms (%s); choose one with --platform", label,
                            avail);
    ls_platform_format(wanted, sizeof wanted, want->os, want->arch, want->variant);
    return ls_error_set(err, LS_ERR_USAGE, "%s: platform %s not in image (available: %s)", label,
                        wanted, avail);
}

/* --platform all: every remaining candidate listed (replacing what a level
 * above listed: the last index consulted is the one that lists images).
 * Entries that no platform tells apart cannot be scanned one by one. */
static int collect_all(const candidates *c, const ls_manifest_doc *doc, ls_platform_list *l,
                       const char *what, const char *label, ls_error *err)
{
    ls_platform_entry *items;
    if (c->n > LS_PLATFORM_LIST_MAX)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: %s lists %zu images (--platform all scans at most %d)",
                            label, what, c->n, LS_PLATFORM_LIST_MAX);
    if (c->n > 1 && !all_have_platform(c, doc))
        return ls_error_set(err, LS_ERR_USAGE,
                            "%s: %s lists %zu images, not all with a platform: --platform all cannot "
                            "tell them apart", label, what, c->n);
    if (!(items = calloc(c->n, sizeof *items)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    for (size_t i = 0; i < c->n; i++) {
        const ls_descriptor *d = &doc->manifests[c->idx[i]];
        if (d->os && d->architecture)
            ls_platform_format(items[i].platform, sizeof items[i].platform, d->os, d->architecture,
                               d->variant);
        for (size_t j = 0; j < i && items[i].platform[0]; j++)
            if (strcmp(items[i].platform, items[j].platform) == 0) {
                ls_error_set(err, LS_ERR_USAGE, "%s: %s lists platform %s twice: --platform all cannot "
                             "tell the images apart", label, what, items[i].platform);
                goto fail;
            }
        if (d->digest && !(items[i].digest = strdup(d->digest))) {
            ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
            goto fail;
        }
    }
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].digest);
    free(l->items);
    l->items = items;
    l->n = c->n;
    return 0;
fail:
    for (size_t i = 0; i < c->n; i++)
        free(items[i].digest);
    free(items);
    return -1;
}

int ls_oci_choose_manifest(const ls_manifest_doc *doc, const char *what, const char *ref,
                           const ls_platform *want, const char *label, size_t *chosen, ls_error *err)
{
    candidates c = {malloc((doc->n_manifests ? doc->n_manifests : 1) * sizeof(size_t)), 0};
    char names[LS_ERROR_MSG_MAX];
    int rc = -1;
    if (!c.idx)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    for (size_t i = 0; i < doc->n_manifests; i++)
        c.idx[c.n++] = i;
    filter(&c, doc, keep_image, NULL);
    if (c.n == 0) {
        ls_error_set(err, LS_ERR_FORMAT, "%s: %s lists no images", label, what);
        goto out;
    }
    if (ref) {
        candidates all = c;
        size_t *copy = malloc(c.n * sizeof *copy);
        if (!copy) {
            ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
            goto out;
        }
        memcpy(copy, c.idx, c.n * sizeof *copy);
        all.idx = copy;
        filter(&c, doc, keep_ref, ref);
        if (c.n == 0) {
            list_refs(&all, doc, names, sizeof names);
            ls_error_set(err, LS_ERR_USAGE, "%s: no image named %s in %s (available: %s)", label, ref,
                         what, names);
        }
        free(copy);
        if (c.n == 0)
            goto out;
    } else if (c.n > 1 && distinct_refs(&c, doc) > 1) {
        list_refs(&c, doc, names, sizeof names);
        ls_error_set(err, LS_ERR_USAGE, "%s: %s lists several images (%s); choose one with PATH:REF",
                     label, what, names);
        goto out;
    }
    if (want && want->collect) {
        if (collect_all(&c, doc, want->collect, what, label, err) < 0)
            goto out;
        *chosen = c.idx[0];
        rc = 0;
        goto out;
    }
    if (c.n > 1 && choose_platform(&c, doc, want, label, err) < 0)
        goto out;
    if (c.n > 1) {
        ls_error_set(err, LS_ERR_USAGE,
                     "%s: %s lists %zu images that neither a name nor a platform tells apart", label,
                     what, c.n);
        goto out;
    }
    *chosen = c.idx[0];
    rc = 0;
out:
    free(c.idx);
    return rc;
}

/* ---- manifest -> image -------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int fill_layers(ls_image *img, const ls_manifest_doc *m, const char *label, ls_error *err)
{
    char path[160], what[48];
    img->layers = calloc(m->n_layers ? m->n_layers : 1, sizeof *img->layers);
    if (!img->layers)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    for (size_t i = 0; i < m->n_layers; i++) {
        const ls_descriptor *d = &m->layers[i];
        ls_layer_ref *l = &img->layers[i];
        snprintf(what, sizeof what, "layer %zu", i);
        if (ls_digest_validate(d->digest, label, what, err) < 0)
            return -1;
        ls_digest_blob_path(d->digest, path, sizeof path);
        img->n_layers = i + 1;
        l->digest = strdup(d->digest);
        l->media_type = dup_or_null(d->media_type);
        l->location = strdup(path);
        l->size = d->size;
        if (!l->digest || !l->location || (d->media_type && !l->media_type))
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    }
    return 0;
}

static int load_config(ls_image *img, ls_store *store, const ls_manifest_doc *m, ls_error *err)
{
    const char *label = ls_store_label(store);
    unsigned char *data = NULL;
    size_t len = 0;
    char what[200];
    int rc = -1;
    if (ls_digest_validate(m->config.digest, label, "config", err) < 0)
        return -1;
    if (ls_digest_read_verified(store, m->config.digest, ls_store_max_json(store), &data, &len, err) < 0)
        return -1;
    snprintf(what, sizeof what, "%s: config %.19s", label, m->config.digest);
    if (ls_manifest_parse_config(img, what, data, len, err) < 0)
        goto out;
    img->config_digest = strdup(m->config.digest);
    if (!img->config_digest) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto out;
    }
    rc = 0;
out:
    free(data);
    return rc;
}

/* Reads and parses the blob a descriptor names, verifying its digest. */
static int load_doc(ls_store *store, const ls_descriptor *d, const char *via, ls_manifest_doc *doc,
                    ls_error *err)
{
    const char *label = ls_store_label(store);
    unsigned char *data = NULL;
    size_t len = 0;
    char what[200];
    int rc;
    if (ls_digest_validate(d->digest, label, via, err) < 0)
        return -1;
    if (ls_digest_read_verified(store, d->digest, ls_store_max_json(store), &data, &len, err) < 0)
        return -1;
    snprintf(what, sizeof what, "%s: manifest %.19s", label, d->digest);
    rc = ls_manifest_parse(doc, what, data, len, err);
    free(data);
    return rc;
}

/* Descends from an index to one manifest; *digest receives its digest. */
static int resolve_manifest(ls_store *store, ls_manifest_doc *index, const char *ref,
                            const ls_platform *want, ls_manifest_doc *out, char **digest,
                            ls_error *err)
{
    const char *label = ls_store_label(store);
    ls_manifest_doc cur = *index, next;
    const char *what = "index.json";
    int depth = 0, rc = -1;
    memset(index, 0, sizeof *index); /* ownership moves to cur */
    while (cur.kind == LS_DOC_INDEX) {
        size_t pick = 0;
        if (depth++ > OCI_MAX_NESTING) {
            ls_error_set(err, LS_ERR_LIMIT, "%s: indexes nested more than %d deep", label,
                         OCI_MAX_NESTING);
            goto out;
        }
        if (ls_platform_note_index(want, *digest, label, err) < 0 ||
            ls_oci_choose_manifest(&cur, what, depth == 1 ? ref : NULL, want, label, &pick, err) < 0)
            goto out;
        if (load_doc(store, &cur.manifests[pick], what, &next, err) < 0)
            goto out;
        free(*digest);
        *digest = strdup(cur.manifests[pick].digest);
        ls_manifest_doc_free(&cur);
        cur = next;
        what = "nested index";
        if (!*digest) {
            ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
            goto out;
        }
    }
    *out = cur;
    memset(&cur, 0, sizeof cur);
    rc = 0;
out:
    ls_manifest_doc_free(&cur);
    return rc;
}

static int load_oci(ls_image *img, ls_store *store, const char *ref, const ls_platform *want,
                    ls_error *err)
{
    const char *label = ls_store_label(store);
    unsigned char *data = NULL;
    size_t len = 0;
    char what[200];
    ls_manifest_doc index = {0}, manifest = {0};
    int rc = -1;
    if (ls_store_read_all(store, "index.json", ls_store_max_json(store), &data, &len, err) < 0)
        return -1;
    snprintf(what, sizeof what, "%s: index.json", label);
    if (ls_manifest_parse(&index, what, data, len, err) < 0)
        goto out;
    if (index.kind != LS_DOC_INDEX) {
        ls_error_set(err, LS_ERR_FORMAT, "%s: index.json is not an image index", label);
        goto out;
    }
    if (resolve_manifest(store, &index, ref, want, &manifest, &img->manifest_digest, err) < 0)
        goto out;
    if (load_config(img, store, &manifest, err) < 0 || fill_layers(img, &manifest, label, err) < 0)
        goto out;
    rc = 0;
out:
    ls_manifest_doc_free(&index);
    ls_manifest_doc_free(&manifest);
    free(data);
    return rc;
}

static int oci_load(void **state, ls_image *img, const ls_transport_args *a, ls_error *err)
{
    return load_oci(img, *state, a->ref, a->want, err);
}

const ls_transport ls_oci_transport = {
    .load = oci_load,
    .open_layer = ls_store_transport_open_layer,
    .find_attached = ls_store_transport_find_attached,
    .read_blob = ls_store_transport_read_blob,
    .free = ls_store_transport_free,
};
