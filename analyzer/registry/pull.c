/*
 * pull.c - a registry reference into an ls_image: the manifest (through an
 * index or manifest list, picking the platform exactly as an OCI layout
 * does), then the config.
 *
 * Parsing is source/manifest.c's and selection source/oci.c's, so a
 * registry image and the same image in a layout become the same ls_image.
 * What is particular to a registry is trust: every document fetched by
 * digest (the manifest when the reference names one, each entry of an
 * index, the config) must hash to that digest, and each is read into
 * memory only up to --max-json-size (LS_MAX_JSON_BYTES by default). Layers are not fetched here; the
 * source opens one stream per layer later (stream.c).
 *
 * The indexes passed through on the way down are also where BuildKit lists
 * its attestation manifests and where an artifact may sit beside the image:
 * their entries are noted here for attached.c, which would otherwise fetch
 * the index a second time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/sha256.h"
#include "registry/client.h"
#include "source/digest.h"
#include "source/manifest.h"
#include "source/transport.h"

#define MAX_NESTING 4

static int nomem(const char *label, ls_error *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
}

int ls_registry_fetch_object(ls_registry *c, const char *repo, const char *kind,
                             const char *object, const char *accept, size_t max, bool absent_ok,
                             const char *label, const char *what, ls_small_doc *doc, ls_error *err)
{
    char url[LS_URL_MAX], scope[600];
    const ls_request rq = {.scope = scope, .accept = accept};
    memset(doc, 0, sizeof *doc);
    snprintf(scope, sizeof scope, "repository:%s:pull", repo);
    if (snprintf(url, sizeof url, "%s/v2/%s/%s/%s", c->base, repo, kind, object) >= (int)sizeof url)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: reference too long", label);
    if (!max)
        max = c->max_json;
    if (absent_ok)
        return ls_registry_get_small_opt(c, url, &rq, max, label, what, doc, err);
    return ls_registry_get_small(c, url, &rq, max, label, what, doc, err);
}

int ls_registry_verify(const void *data, size_t len, const char *want, const char *label,
                       const char *what, char got[LS_DIGEST_MAX], ls_error *err)
{
    if (ls_sha256_buffer(data, len, got, err) < 0)
        return -1;
    if (!want || strcmp(got, want) == 0)
        return 0;
    if (strncmp(want, "sha256:", 7) != 0)
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: %s uses digest algorithm %.*s (only sha256 "
                            "is supported)", label, what, (int)strcspn(want, ":"), want);
    return ls_error_set(err, LS_ERR_DIGEST, "%s: %s digest mismatch: asked for %s, the registry sent %s",
                        label, what, want, got);
}

/* Fetches and parses the manifest or index named by object (a tag, or a
 * digest that the bytes must match); digest receives the bytes' digest.
 * `entry` is set for an entry of an index (named in messages). */
static int fetch_doc(ls_registry *c, const char *repo, const char *object, bool by_digest,
                     bool entry, const char *label, ls_manifest_doc *doc,
                     char digest[LS_DIGEST_MAX], ls_error *err)
{
    ls_small_doc small;
    char what[120];
    int rc = -1;
    snprintf(what, sizeof what, "manifest %.19s", entry ? object : "");
    if (ls_registry_fetch_object(c, repo, "manifests", object, LS_REGISTRY_ACCEPT_MANIFESTS, 0, false,
                                 label, entry ? what : "", &small, err) < 0)
        return -1;
    if (strstr(small.content_type, "distribution.manifest.v1")) {
        ls_error_set(err, LS_ERR_UNSUPPORTED,
                     "%s: the registry serves a Docker schema 1 manifest, which is not supported", label);
        goto out;
    }
    if (ls_registry_verify(small.data, small.len, by_digest ? object : NULL, label, "manifest", digest,
                           err) < 0)
        goto out;
    snprintf(what, sizeof what, "%s: manifest %.19s", label, digest);
    rc = ls_manifest_parse(doc, what, small.data, small.len, err);
out:
    free(small.data);
    return rc;
}

void ls_registry_entries_free(ls_registry_entries *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->items[i].digest);
        free(e->items[i].ref_digest);
    }
    free(e->items);
    memset(e, 0, sizeof *e);
}

/* Notes the entries of index doc that may be about the image: BuildKit's
 * attestations (with the digest they name) and artifacts. Which image that
 * is is known only at the bottom of the descent, so every level is noted
 * and keep_about() sorts them out then. */
static int note_entries(const ls_manifest_doc *doc, const char *label, ls_registry_entries *out,
                        ls_error *err)
{
    for (size_t i = 0; out && i < doc->n_manifests; i++) {
        const ls_descriptor *d = &doc->manifests[i];
        ls_registry_entry *e;
        if (!(d->attestation && d->ref_digest) && !d->artifact_type)
            continue;
        if (out->n >= LS_ATTACHED_MAX) {
            out->truncated = true;
            return 0;
        }
        if (!out->items && !(out->items = calloc(LS_ATTACHED_MAX, sizeof *out->items)))
            return nomem(label, err);
        e = &out->items[out->n++];
        e->digest = strdup(d->digest);
        e->ref_digest = d->attestation && d->ref_digest ? strdup(d->ref_digest) : NULL;
        if (!e->digest || (d->attestation && d->ref_digest && !e->ref_digest))
            return nomem(label, err);
    }
    return 0;
}

/* Drops the attestations noted that name another manifest than digest. */
static void keep_about(ls_registry_entries *e, const char *digest)
{
    size_t k = 0;
    for (size_t i = 0; e && i < e->n; i++) {
        if (e->items[i].ref_digest && strcmp(e->items[i].ref_digest, digest) != 0) {
            free(e->items[i].digest);
            free(e->items[i].ref_digest);
            continue;
        }
        e->items[k++] = e->items[i];
    }
    if (e)
        e->n = k;
}

/* Descends from an index (or manifest list) to one image manifest, noting
 * into about (may be NULL) the entries of each index that may concern it. */
static int resolve(ls_registry *c, const char *repo, const ls_platform *want, const char *label,
                   ls_manifest_doc *doc, char digest[LS_DIGEST_MAX], ls_registry_entries *about,
                   ls_error *err)
{
    for (int depth = 0; doc->kind == LS_DOC_INDEX; depth++) {
        ls_manifest_doc next = {0};
        size_t pick = 0;
        const char *what = depth == 0 ? "the image index" : "a nested index";
        if (depth >= MAX_NESTING)
            return ls_error_set(err, LS_ERR_LIMIT, "%s: indexes nested more than %d deep", label,
                                MAX_NESTING);
        if (ls_platform_note_index(want, digest, label, err) < 0 ||
            ls_oci_choose_manifest(doc, what, NULL, want, label, &pick, err) < 0 ||
            note_entries(doc, label, about, err) < 0)
            return -1;
        if (ls_digest_validate(doc->manifests[pick].digest, label, what, err) < 0)
            return -1;
        if (fetch_doc(c, repo, doc->manifests[pick].digest, true, true, label, &next, digest, err) < 0)
            return -1;
        ls_manifest_doc_free(doc);
        *doc = next;
    }
    return 0;
}

static int load_config(ls_registry *c, const char *repo, const ls_manifest_doc *m,
                       const char *label, ls_image *img, ls_error *err)
{
    ls_small_doc small;
    char what[120], got[LS_DIGEST_MAX];
    int rc = -1;
    if (ls_digest_validate(m->config.digest, label, "config", err) < 0)
        return -1;
    snprintf(what, sizeof what, "config %.19s", m->config.digest);
    if (ls_registry_fetch_object(c, repo, "blobs", m->config.digest, NULL, 0, false, label, what, &small,
                                 err) < 0)
        return -1;
    if (ls_registry_verify(small.data, small.len, m->config.digest, label, "config", got, err) < 0)
        goto out;
    snprintf(what, sizeof what, "%s: config %.19s", label, m->config.digest);
    if (ls_manifest_parse_config(img, what, small.data, small.len, err) < 0)
        goto out;
    if (!(img->config_digest = strdup(m->config.digest))) {
        nomem(label, err);
        goto out;
    }
    rc = 0;
out:
    free(small.data);
    return rc;
}

static int fill_layers(ls_registry *c, const char *repo, const ls_manifest_doc *m,
                       const char *label, ls_image *img, ls_error *err)
{
    char what[48];
    img->layers = calloc(m->n_layers ? m->n_layers : 1, sizeof *img->layers);
    if (!img->layers)
        return nomem(label, err);
    for (size_t i = 0; i < m->n_layers; i++) {
        const ls_descriptor *d = &m->layers[i];
        ls_layer_ref *l = &img->layers[i];
        size_t n;
        snprintf(what, sizeof what, "layer %zu", i);
        if (ls_digest_validate(d->digest, label, what, err) < 0)
            return -1;
        img->n_layers = i + 1;
        n = strlen(c->domain) + strlen(repo) + strlen(d->digest) + 3;
        l->digest = strdup(d->digest);
        l->media_type = d->media_type ? strdup(d->media_type) : NULL;
        l->size = d->size;
        if ((l->location = malloc(n)))
            snprintf(l->location, n, "%s/%s@%s", c->domain, repo, d->digest);
        if (!l->digest || !l->location || (d->media_type && !l->media_type))
            return nomem(label, err);
    }
    return 0;
}

int ls_registry_load_image(ls_registry *c, const ls_registry_ref *ref, const ls_platform *want,
                           const char *label, ls_image *img, ls_registry_entries *about,
                           ls_error *err)
{
    ls_manifest_doc doc = {0};
    char digest[LS_DIGEST_MAX];
    int rc = -1;
    if (fetch_doc(c, ref->repo, ls_registry_ref_object(ref), ref->digest != NULL, false, label, &doc,
                  digest, err) < 0)
        goto out;
    if (resolve(c, ref->repo, want, label, &doc, digest, about, err) < 0)
        goto out;
    keep_about(about, digest);
    if (!(img->manifest_digest = strdup(digest))) {
        nomem(label, err);
        goto out;
    }
    if (load_config(c, ref->repo, &doc, label, img, err) < 0 ||
        fill_layers(c, ref->repo, &doc, label, img, err) < 0)
        goto out;
    rc = 0;
out:
    ls_manifest_doc_free(&doc);
    return rc;
}
