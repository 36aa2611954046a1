/*
 * attached.c - what a registry keeps attached to an image: BuildKit's
 * attestation manifests (entries of the image's index), OCI 1.1 referrers
 * (the referrers API or, on registries without it, the referrers tag
 * schema) and cosign's legacy "sha256-<hex>.sig" / ".att" tags.
 *
 * All of it is metadata beside the image, and each place is asked on its
 * own: one of them failing (a 500, a document that is not JSON, a digest
 * mismatch) must not hide what the others hold, so every step records its
 * failure, the first is handed back at the end, and the walk goes on. Only
 * running out of memory (or filling the list) stops it. Trust is the
 * pull's: a manifest fetched by digest must hash to it, and a referrer
 * counts only when its own subject names the image (an index entry or a
 * registry's listing is a claim, the manifest's subject is signed content).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/client.h"
#include "source/digest.h"
#include "source/manifest.h"

#define ACCEPT_INDEX "application/vnd.oci.image.index.v1+json"

/* One walk over the places an image's attachments live. */
typedef struct {
    ls_registry *c;
    const char *repo;      /* "team/app" */
    const char *digest;    /* the image's manifest digest (validated) */
    const char *label;     /* names the image in messages */
    ls_attached_list *out;
    ls_error first;        /* the first failure: returned at the end */
    bool stop;             /* out of memory or the list is full: ask nothing more */
} finder;

/* Keeps e's failure if it is the first; a fatal one, or a full list, ends
 * the walk. */
static void note(finder *f, const ls_error *e)
{
    if (e->code == LS_OK)
        return;
    ls_error_pass(&f->first, e);
    if (ls_error_level_of(e) == LS_LEVEL_FATAL || f->out->n >= LS_ATTACHED_MAX)
        f->stop = true;
}

static void add(finder *f, const char *digest, ls_attached_via via, const ls_small_doc *doc)
{
    ls_error e = {0};
    if (ls_attached_add(f->out, digest, via, doc->data, doc->len, &e) < 0) {
        ls_error_prefix(&e, "%s", f->label);
        note(f, &e);
    }
}

/* GETs manifest `digest` (named `what` in messages), checks that its bytes
 * hash to it and parses it. 0, or -1 with err filled (nothing held). */
static int fetch_manifest(finder *f, const char *digest, const char *what, ls_small_doc *doc,
                          ls_manifest_doc *m, ls_error *err)
{
    char w[160], full[700], got[LS_DIGEST_MAX];
    memset(m, 0, sizeof *m);
    if (ls_digest_validate(digest, f->label, what, err) < 0)
        return -1;
    snprintf(w, sizeof w, "%s %.19s", what, digest);
    if (ls_registry_fetch_object(f->c, f->repo, "manifests", digest, LS_REGISTRY_ACCEPT_MANIFESTS, 0,
                                 false, f->label, w, doc, err) < 0)
        return -1;
    snprintf(full, sizeof full, "%s: %s", f->label, w);
    if (ls_registry_verify(doc->data, doc->len, digest, f->label, w, got, err) < 0 ||
        ls_manifest_parse(m, full, doc->data, doc->len, err) < 0) {
        free(doc->data);
        doc->data = NULL;
        ls_manifest_doc_free(m);
        return -1;
    }
    return 0;
}

/* Fetches manifest `digest` and lists it as `via`: always when
 * by_subject is false (an attestation that the image's index names), else
 * only when the manifest's own subject is the image. One about something
 * else is left out, and is no error. */
static void take(finder *f, const char *digest, bool by_subject, ls_attached_via via,
                 const char *what)
{
    ls_small_doc doc;
    ls_manifest_doc m;
    ls_error e = {0};
    if (f->stop || ls_attached_has(f->out, digest))
        return;
    if (fetch_manifest(f, digest, what, &doc, &m, &e) < 0) {
        note(f, &e);
        return;
    }
    if (!by_subject || (m.subject && strcmp(m.subject, f->digest) == 0))
        add(f, digest, via, &doc);
    ls_manifest_doc_free(&m);
    free(doc.data);
}

/* 1: the entries of the image's index noted by the pull. */
static void from_index(finder *f, const ls_registry_entries *about)
{
    ls_error e = {0};
    if (!about)
        return;
    for (size_t i = 0; i < about->n && !f->stop; i++) {
        const ls_registry_entry *x = &about->items[i];
        if (x->ref_digest)
            take(f, x->digest, false, LS_ATTACHED_INDEX, "attestation manifest");
        else
            take(f, x->digest, true, LS_ATTACHED_REFERRER, "artifact manifest");
    }
    if (about->truncated) {
        ls_error_set(&e, LS_ERR_LIMIT, "%s: the image index lists more than %u attached manifests "
                     "(the rest not read)", f->label, LS_ATTACHED_MAX);
        note(f, &e);
    }
}

/* The image's digest as a tag: "sha256-<hex>" then suffix. */
static void digest_tag(const char *digest, const char *suffix, char *out, size_t cap)
{
    size_t alg = strcspn(digest, ":");
    snprintf(out, cap, "%.*s-%s%s", (int)alg, digest, digest[alg] ? digest + alg + 1 : "", suffix);
}

/* The referrers index: the API's answer, else (404: no API) the tag
 * schema's. 0 with *doc filled, 1 when neither exists, -1 with err. */
static int referrers_doc(finder *f, ls_small_doc *doc, char *what, size_t cap, ls_error *err)
{
    char tag[200];
    int r;
    snprintf(what, cap, "referrers of %.19s", f->digest);
    r = ls_registry_fetch_object(f->c, f->repo, "referrers", f->digest, ACCEPT_INDEX, 0, true,
                                 f->label, what, doc, err);
    if (r != 1)
        return r;
    digest_tag(f->digest, "", tag, sizeof tag);
    snprintf(what, cap, "referrers tag %.19s", tag);
    return ls_registry_fetch_object(f->c, f->repo, "manifests", tag, LS_REGISTRY_ACCEPT_MANIFESTS, 0,
                                    true, f->label, what, doc, err);
}

/* 2: the referrers, each fetched and kept when its subject is the image. */
static void from_referrers(finder *f)
{
    ls_small_doc doc;
    ls_manifest_doc idx = {0};
    ls_error e = {0};
    char what[120], full[700];
    size_t n;
    int r;
    if (f->stop)
        return;
    if ((r = referrers_doc(f, &doc, what, sizeof what, &e)) != 0) {
        note(f, &e); /* nothing when absent */
        return;
    }
    snprintf(full, sizeof full, "%s: %s", f->label, what);
    if (ls_manifest_parse(&idx, full, doc.data, doc.len, &e) < 0)
        goto out;
    if (idx.kind != LS_DOC_INDEX) {
        ls_error_set(&e, LS_ERR_FORMAT, "%s: not an image index", full);
        goto out;
    }
    n = idx.n_manifests < LS_ATTACHED_MAX ? idx.n_manifests : LS_ATTACHED_MAX;
    for (size_t i = 0; i < n && !f->stop; i++)
        take(f, idx.manifests[i].digest, true, LS_ATTACHED_REFERRER, "referrer");
    if (idx.n_manifests > LS_ATTACHED_MAX)
        ls_error_set(&e, LS_ERR_LIMIT, "%s: more than %u referrers (the rest not read)", full,
                     LS_ATTACHED_MAX);
out:
    note(f, &e);
    ls_manifest_doc_free(&idx);
    free(doc.data);
}

/* 3: cosign's legacy tags; the bytes received name themselves. */
static void from_tag(finder *f, const char *suffix)
{
    ls_small_doc doc;
    ls_manifest_doc m = {0};
    ls_error e = {0};
    char tag[200], what[240], full[800], got[LS_DIGEST_MAX];
    if (f->stop)
        return;
    digest_tag(f->digest, suffix, tag, sizeof tag);
    snprintf(what, sizeof what, "tag %s", tag);
    if (ls_registry_fetch_object(f->c, f->repo, "manifests", tag, LS_REGISTRY_ACCEPT_MANIFESTS, 0, true,
                                 f->label, what, &doc, &e) != 0) {
        note(f, &e);
        return;
    }
    snprintf(full, sizeof full, "%s: %s", f->label, what);
    /* parsed only to refuse what is no manifest; analyzer/supply reads it.
     * A registry answering any tag with the image is not signing it. */
    if (ls_registry_verify(doc.data, doc.len, NULL, f->label, what, got, &e) == 0 &&
        ls_manifest_parse(&m, full, doc.data, doc.len, &e) == 0 && strcmp(got, f->digest) != 0)
        add(f, got, LS_ATTACHED_TAG, &doc);
    note(f, &e);
    ls_manifest_doc_free(&m);
    free(doc.data);
}

int ls_registry_find_attached(ls_registry *c, const char *repo, const char *digest,
                              const ls_registry_entries *about, bool index_only, const char *label,
                              ls_attached_list *out, ls_error *err)
{
    finder f = {.c = c, .repo = repo, .digest = digest, .label = label, .out = out};
    if (ls_digest_validate(digest, label, "the image manifest", err) < 0)
        return -1;
    from_index(&f, about);
    if (!index_only) {
        from_referrers(&f);
        from_tag(&f, ".sig");
        from_tag(&f, ".att");
    }
    return ls_error_pass(err, &f.first);
}

int ls_registry_read_blob(ls_registry *c, const char *repo, const char *digest, size_t max,
                          const char *label, unsigned char **data, size_t *len, ls_error *err)
{
    ls_small_doc doc;
    char what[100], got[LS_DIGEST_MAX];
    *data = NULL;
    *len = 0;
    if (ls_digest_validate(digest, label, "blob", err) < 0)
        return -1;
    snprintf(what, sizeof what, "blob %.19s", digest);
    if (ls_registry_fetch_object(c, repo, "blobs", digest, NULL, max, false, label, what, &doc, err) < 0)
        return -1;
    if (ls_registry_verify(doc.data, doc.len, digest, label, what, got, err) < 0) {
        free(doc.data);
        return -1;
    }
    *data = (unsigned char *)doc.data;
    *len = doc.len;
    return 0;
}
