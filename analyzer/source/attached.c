/*
 * attached.c - the attached-manifest list, and finding attached manifests in
 * a blob store (OCI layout, oci-archive, docker-archive's OCI form).
 *
 * A store has no tags and no referrers API: what is attached to the image
 * is either named by an index (index.json and the indexes it points at) or
 * lies among blobs/ with a subject. Both are looked at, with every read
 * bounded and verified against its digest, and every walk bounded in depth
 * and count, since a hostile layout may hold anything.
 */
#include "source/attached.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/reader.h"
#include "source/digest.h"
#include "source/manifest.h"

#define ATTACHED_MAX_NESTING 4
#define BLOBS_MAX_LISTED 100000u        /* files of blobs/sha256 looked at */
#define BLOB_MANIFEST_MAX LS_ATTACHED_MANIFEST_MAX /* a larger blob is no manifest of ours */
#define MAX_READS 4096u                 /* documents read while looking */
#define MAX_READ_BYTES (256u << 20)     /* bytes read while looking */

const char *ls_attached_via_name(ls_attached_via via)
{
    switch (via) {
    case LS_ATTACHED_INDEX: return "index";
    case LS_ATTACHED_REFERRER: return "referrer";
    case LS_ATTACHED_TAG: return "tag";
    }
    return "index";
}

int ls_attached_has(const ls_attached_list *l, const char *digest)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].digest, digest) == 0)
            return 1;
    return 0;
}

int ls_attached_add(ls_attached_list *l, const char *digest, ls_attached_via via, const void *data,
                    size_t len, ls_error *err)
{
    ls_attached *a;
    if (ls_attached_has(l, digest))
        return 0;
    if (l->n >= LS_ATTACHED_MAX)
        return ls_error_set(err, LS_ERR_LIMIT, "more than %u attached manifests (the rest not read)",
                            LS_ATTACHED_MAX);
    if (len > LS_ATTACHED_MANIFEST_MAX)
        return ls_error_set(err, LS_ERR_LIMIT, "attached manifest %.19s: larger than %u MiB (not read)",
                            digest, LS_ATTACHED_MANIFEST_MAX >> 20);
    if (l->bytes + len > LS_ATTACHED_TOTAL_MAX)
        return ls_error_set(err, LS_ERR_LIMIT,
                            "attached manifests: more than %u MiB in all (the rest not read)",
                            LS_ATTACHED_TOTAL_MAX >> 20);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        ls_attached *v = realloc(l->items, cap * sizeof *v);
        if (!v)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        l->items = v;
        l->cap = cap;
    }
    a = &l->items[l->n];
    a->digest = strdup(digest);
    a->data = malloc(len + 1);
    if (!a->digest || !a->data) {
        free(a->digest);
        free(a->data);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    memcpy(a->data, data, len);
    a->data[len] = '\0';
    a->len = len;
    a->via = via;
    l->n++;
    l->bytes += len;
    return 0;
}

void ls_attached_list_free(ls_attached_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].digest);
        free(l->items[i].data);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ---- a store ------------------------------------------------------------ */

typedef struct {
    ls_store *store;
    const char *image;      /* the scanned manifest's digest */
    char tag[80];           /* "sha256-<hex>": the tags cosign and the referrers schema use */
    ls_attached_list *out;
    ls_error first;         /* the first problem met; the walk goes on */
    size_t reads;           /* documents read so far (MAX_READS) */
    uint64_t read_bytes;    /* their bytes (MAX_READ_BYTES) */
} find_ctx;

static void note(find_ctx *c, const ls_error *e)
{
    if (c->first.code == LS_OK)
        c->first = *e;
}

/* May one more document be read? A hostile layout may name or hold
 * anything: past the bounds the walk stops, and says so once. */
static bool may_read(find_ctx *c, uint64_t size)
{
    ls_error e = {0};
    if (c->out->n >= LS_ATTACHED_MAX) {
        ls_error_set(&e, LS_ERR_LIMIT, "%s: more than %u attached manifests (the rest not read)",
                     ls_store_label(c->store), LS_ATTACHED_MAX);
    } else if (c->reads >= MAX_READS || c->read_bytes + size > MAX_READ_BYTES) {
        ls_error_set(&e, LS_ERR_LIMIT, "%s: more than %u documents or %u MiB read looking for attached "
                     "manifests (the rest not looked at)", ls_store_label(c->store), MAX_READS,
                     MAX_READ_BYTES >> 20);
    } else {
        c->reads++;
        c->read_bytes += size;
        return true;
    }
    note(c, &e);
    return false;
}

/* Reads the blob d names (verified) and parses it; -1 noted on failure. */
static int read_doc(find_ctx *c, const char *digest, unsigned char **data, size_t *len,
                    ls_manifest_doc *doc)
{
    ls_error e = {0};
    char what[200];
    const char *label = ls_store_label(c->store);
    if (!may_read(c, 0))
        return -1;
    if (ls_digest_validate(digest, label, "attached manifest", &e) < 0 ||
        ls_digest_read_verified(c->store, digest, ls_store_max_json(c->store), data, len, &e) < 0) {
        note(c, &e);
        return -1;
    }
    c->read_bytes += *len;
    snprintf(what, sizeof what, "%s: manifest %.19s", label, digest);
    if (ls_manifest_parse(doc, what, *data, *len, &e) < 0) {
        free(*data);
        *data = NULL;
        note(c, &e);
        return -1;
    }
    return 0;
}

/* Adds the manifest digest names, via `via`; when `need_subject`, only if
 * its subject is the image. */
static void take(find_ctx *c, const char *digest, ls_attached_via via, bool need_subject)
{
    unsigned char *data = NULL;
    size_t len = 0;
    ls_manifest_doc doc;
    ls_error e = {0};
    if (ls_attached_has(c->out, digest) || read_doc(c, digest, &data, &len, &doc) < 0)
        return;
    if (doc.kind == LS_DOC_MANIFEST && (!need_subject || (doc.subject && !strcmp(doc.subject, c->image))))
        if (ls_attached_add(c->out, digest, via, data, len, &e) < 0)
            note(c, &e);
    ls_manifest_doc_free(&doc);
    free(data);
}

static bool named(const ls_descriptor *d, const char *name)
{
    return (d->ref_name && !strcmp(d->ref_name, name)) ||
           (d->image_name && !strcmp(d->image_name, name));
}

static bool cosign_kind(const ls_descriptor *d)
{
    return d->kind && (!strcmp(d->kind, "dev.cosignproject.cosign/sigs") ||
                       !strcmp(d->kind, "dev.cosignproject.cosign/atts"));
}

static bool is_index_type(const char *mt)
{
    return mt && (strstr(mt, "image.index") || strstr(mt, "manifest.list"));
}

static void walk_index(find_ctx *c, const ls_manifest_doc *idx, int depth);

/* An index entry: is it about the image, and how? */
static void visit_entry(find_ctx *c, const ls_descriptor *d, int depth)
{
    char sig[96], att[96];
    snprintf(sig, sizeof sig, "%s.sig", c->tag);
    snprintf(att, sizeof att, "%s.att", c->tag);
    if (!d->digest)
        return;
    if (d->attestation && d->ref_digest) {
        if (!strcmp(d->ref_digest, c->image))
            take(c, d->digest, LS_ATTACHED_INDEX, false);
    } else if (named(d, sig) || named(d, att) || cosign_kind(d)) {
        take(c, d->digest, LS_ATTACHED_TAG, false);
    } else if (is_index_type(d->media_type)) {
        unsigned char *data = NULL;
        size_t len = 0;
        ls_manifest_doc doc;
        if (depth >= ATTACHED_MAX_NESTING || read_doc(c, d->digest, &data, &len, &doc) < 0)
            return;
        walk_index(c, &doc, depth + 1);
        ls_manifest_doc_free(&doc);
        free(data);
    } else if (ls_descriptor_is_artifact(d)) {
        take(c, d->digest, LS_ATTACHED_REFERRER, true);
    }
}

static void walk_index(find_ctx *c, const ls_manifest_doc *idx, int depth)
{
    if (idx->kind != LS_DOC_INDEX)
        return;
    for (size_t i = 0; i < idx->n_manifests; i++)
        visit_entry(c, &idx->manifests[i], depth);
}

/* A file of blobs/sha256: a small JSON document with a subject may be a
 * referrer that no index lists (what `cosign save` and oras leave). */
static int visit_blob(void *ctx, const char *name, uint64_t size)
{
    find_ctx *c = ctx;
    char digest[80], path[120];
    unsigned char head[1];
    if (size < 2 || size > BLOB_MANIFEST_MAX || size > ls_store_max_json(c->store) || strlen(name) != 64)
        return 0;
    snprintf(digest, sizeof digest, "sha256:%s", name);
    if (ls_attached_has(c->out, digest))
        return 0;
    snprintf(path, sizeof path, "blobs/sha256/%s", name);
    {
        /* cheap test before a full read: manifests start with '{' */
        ls_error e = {0};
        ls_reader *r = ls_store_open(c->store, path, NULL, &e);
        ssize_t got = r ? ls_reader_read(r, head, 1, &e) : -1;
        ls_reader_free(r);
        if (got != 1 || head[0] != '{')
            return 0;
    }
    if (!may_read(c, size))
        return 1; /* stop the listing: said once */
    {
        unsigned char *data = NULL;
        size_t len = 0;
        ls_manifest_doc doc;
        ls_error e = {0};
        char what[200];
        if (ls_digest_read_verified(c->store, digest, ls_store_max_json(c->store), &data, &len, &e) < 0)
            return 0; /* not ours to judge: a layer blob the scan reports */
        snprintf(what, sizeof what, "%s: blob %.19s", ls_store_label(c->store), digest);
        if (strstr((const char *)data, "\"subject\"") &&
            ls_manifest_parse(&doc, what, data, len, &e) == 0) {
            if (doc.kind == LS_DOC_MANIFEST && doc.subject && !strcmp(doc.subject, c->image) &&
                ls_attached_add(c->out, digest, LS_ATTACHED_REFERRER, data, len, &e) < 0)
                note(c, &e);
            ls_manifest_doc_free(&doc);
        }
        free(data);
    }
    return 0;
}

/* The manifest among idx's entries (and the indexes they name, depth
 * bounded) whose config is cfg. */
static int find_config(ls_store *store, const ls_manifest_doc *idx, const char *cfg, int depth,
                       char **digest)
{
    for (size_t i = 0; i < idx->n_manifests && !*digest; i++) {
        const ls_descriptor *d = &idx->manifests[i];
        unsigned char *data = NULL;
        size_t len = 0;
        ls_manifest_doc doc;
        ls_error e = {0};
        if (!d->digest || ls_descriptor_is_artifact(d) ||
            ls_digest_validate(d->digest, ls_store_label(store), "index entry", &e) < 0 ||
            ls_digest_read_verified(store, d->digest, ls_store_max_json(store), &data, &len, &e) < 0)
            continue;
        if (ls_manifest_parse(&doc, "index entry", data, len, &e) == 0) {
            if (doc.kind == LS_DOC_MANIFEST && doc.config.digest && !strcmp(doc.config.digest, cfg)) {
                if (!(*digest = strdup(d->digest))) {
                    ls_manifest_doc_free(&doc);
                    free(data);
                    return -1;
                }
            } else if (doc.kind == LS_DOC_INDEX && depth < ATTACHED_MAX_NESTING &&
                       find_config(store, &doc, cfg, depth + 1, digest) < 0) {
                ls_manifest_doc_free(&doc);
                free(data);
                return -1;
            }
            ls_manifest_doc_free(&doc);
        }
        free(data);
    }
    return 0;
}

int ls_store_manifest_of_config(ls_store *store, const char *config_digest, char **digest,
                                ls_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    ls_manifest_doc index;
    ls_error e = {0};
    int has, rc = 0;
    *digest = NULL;
    if (!config_digest || (has = ls_store_has(store, "index.json", err)) == 0)
        return 0;
    if (has < 0)
        return -1;
    if (ls_store_read_all(store, "index.json", ls_store_max_json(store), &data, &len, &e) < 0)
        return e.code == LS_ERR_NOMEM ? ls_error_pass(err, &e) : 0;
    if (ls_manifest_parse(&index, "index.json", data, len, &e) == 0) {
        if (find_config(store, &index, config_digest, 0, digest) < 0)
            rc = ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ls_store_label(store));
        ls_manifest_doc_free(&index);
    }
    free(data);
    return rc;
}

int ls_store_find_attached(ls_store *store, const ls_image *img, ls_attached_list *out, ls_error *err)
{
    find_ctx c = {.store = store, .out = out};
    unsigned char *data = NULL;
    size_t len = 0;
    ls_manifest_doc index;
    ls_error e = {0};
    char what[200];
    int has;
    if (!img->manifest_digest || strncmp(img->manifest_digest, "sha256:", 7) != 0)
        return 0;
    if ((has = ls_store_has(store, "index.json", err)) <= 0)
        return has;
    c.image = img->manifest_digest;
    snprintf(c.tag, sizeof c.tag, "sha256-%.64s", img->manifest_digest + 7);
    if (ls_store_read_all(store, "index.json", ls_store_max_json(store), &data, &len, &e) < 0)
        return ls_error_pass(err, &e);
    snprintf(what, sizeof what, "%s: index.json", ls_store_label(store));
    if (ls_manifest_parse(&index, what, data, len, &e) == 0) {
        walk_index(&c, &index, 0);
        ls_manifest_doc_free(&index);
    } else {
        note(&c, &e);
    }
    free(data);
    if (ls_store_list(store, "blobs/sha256", BLOBS_MAX_LISTED, visit_blob, &c, &e) < 0)
        note(&c, &e);
    if (c.first.code != LS_OK)
        return ls_error_pass(err, &c.first);
    return 0;
}
