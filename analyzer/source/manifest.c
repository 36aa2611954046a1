/*
 * manifest.c - OCI index and manifest, Docker's manifest.json and the image
 * config become plain C structs; jansson's json_t stays inside this file (the
 * other stages that parse JSON - rules, auth files, registry documents,
 * reports - have their own).
 *
 * Everything is typed strictly (a field of the wrong type is an error that
 * names the field) but leniently about absence (a missing or null optional
 * field is just NULL), because images in the wild omit much and a hostile
 * one may put anything anywhere. Counts are bounded before allocating.
 */
#include "source/manifest.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* ---- loading and typed access ------------------------------------------- */

static json_t *load(const char *what, const void *data, size_t len, ls_error *err)
{
    json_error_t je;
    json_t *root;
    if (len > LS_MAX_JSON_HARD) { /* readers enforce --max-json-size; this is the backstop */
        ls_error_set(err, LS_ERR_LIMIT, "%s: larger than %u MiB (refused)", what,
                     LS_MAX_JSON_HARD >> 20);
        return NULL;
    }
    root = json_loadb(data, len, 0, &je);
    if (!root)
        ls_error_set(err, LS_ERR_FORMAT, "%s: invalid JSON at line %d: %s", what, je.line, je.text);
    return root;
}

static int type_error(const char *what, const char *field, const char *want, ls_error *err)
{
    return ls_error_set(err, LS_ERR_FORMAT, "%s: field %s must be %s", what, field, want);
}

/* Copies an optional string field (absent or null -> NULL). */
static int opt_string(json_t *obj, const char *key, char **out, const char *what, const char *field,
                      ls_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return type_error(what, field, "a string", err);
    *out = strndup(json_string_value(v), json_string_length(v));
    if (!*out)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
    return 0;
}

static int req_string(json_t *obj, const char *key, char **out, const char *what, const char *field,
                      ls_error *err)
{
    if (opt_string(obj, key, out, what, field, err) < 0)
        return -1;
    if (!*out)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: field %s is missing", what, field);
    return 0;
}

/* An optional array (absent or null -> NULL, *n = 0), bounded by max. */
static int opt_array(json_t *obj, const char *key, json_t **out, size_t max, const char *what,
                     const char *field, ls_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return type_error(what, field, "an array", err);
    if (json_array_size(v) > max)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: field %s has more than %zu entries", what, field,
                            max);
    *out = v;
    return 0;
}

/* An optional object (absent or null -> NULL). */
static int opt_object(json_t *obj, const char *key, json_t **out, const char *what,
                      const char *field, ls_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return type_error(what, field, "an object", err);
    *out = v;
    return 0;
}

static void strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* An array of strings into a new vector (never NULL on success, even when
 * empty, so "[]" differs from absent). */
static int string_vector(json_t *arr, char ***out, size_t *n, const char *what, const char *field,
                         ls_error *err)
{
    size_t count = json_array_size(arr);
    char **v = calloc(count + 1, sizeof *v);
    *out = NULL;
    *n = 0;
    if (!v)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
    for (size_t i = 0; i < count; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s)) {
            strv_free(v, i);
            ls_error_set(err, LS_ERR_FORMAT, "%s: field %s[%zu] must be a string", what, field, i);
            return -1;
        }
        v[i] = strndup(json_string_value(s), json_string_length(s));
        if (!v[i]) {
            strv_free(v, i);
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
        }
    }
    *out = v;
    *n = count;
    return 0;
}

/* ---- descriptors -------------------------------------------------------- */

void ls_descriptor_clear(ls_descriptor *d)
{
    if (!d)
        return;
    free(d->media_type);
    free(d->digest);
    free(d->os);
    free(d->architecture);
    free(d->variant);
    free(d->ref_name);
    free(d->image_name);
    free(d->artifact_type);
    free(d->ref_digest);
    free(d->kind);
    free(d->predicate_type);
    free(d->signature);
    memset(d, 0, sizeof *d);
    d->size = -1;
}

static int descriptor_platform(json_t *obj, ls_descriptor *d, const char *what, const char *field,
                               ls_error *err)
{
    json_t *p;
    char f[96];
    if (opt_object(obj, "platform", &p, what, field, err) < 0)
        return -1;
    if (!p)
        return 0;
    snprintf(f, sizeof f, "%s.platform.os", field);
    if (opt_string(p, "os", &d->os, what, f, err) < 0)
        return -1;
    snprintf(f, sizeof f, "%s.platform.architecture", field);
    if (opt_string(p, "architecture", &d->architecture, what, f, err) < 0)
        return -1;
    snprintf(f, sizeof f, "%s.platform.variant", field);
    return opt_string(p, "variant", &d->variant, what, f, err);
}

static int descriptor_annotations(json_t *obj, ls_descriptor *d, const char *what,
                                  const char *field, ls_error *err)
{
    json_t *a;
    char *kind = NULL;
    char f[96];
    if (opt_object(obj, "annotations", &a, what, field, err) < 0)
        return -1;
    if (!a)
        return 0;
    snprintf(f, sizeof f, "%s.annotations", field);
    if (opt_string(a, "org.opencontainers.image.ref.name", &d->ref_name, what, f, err) < 0 ||
        opt_string(a, "io.containerd.image.name", &d->image_name, what, f, err) < 0 ||
        opt_string(a, "vnd.docker.reference.type", &kind, what, f, err) < 0 ||
        opt_string(a, "vnd.docker.reference.digest", &d->ref_digest, what, f, err) < 0 ||
        opt_string(a, "kind", &d->kind, what, f, err) < 0 ||
        opt_string(a, "in-toto.io/predicate-type", &d->predicate_type, what, f, err) < 0 ||
        opt_string(a, "dev.cosignproject.cosign/signature", &d->signature, what, f, err) < 0) {
        free(kind);
        return -1;
    }
    if (kind && strcmp(kind, "attestation-manifest") == 0)
        d->attestation = true;
    free(kind);
    return 0;
}

static int parse_descriptor(json_t *obj, ls_descriptor *d, const char *what, const char *field,
                            ls_error *err)
{
    char f[96];
    json_t *size;
    memset(d, 0, sizeof *d);
    d->size = -1;
    if (!json_is_object(obj))
        return type_error(what, field, "an object", err);
    snprintf(f, sizeof f, "%s.mediaType", field);
    if (opt_string(obj, "mediaType", &d->media_type, what, f, err) < 0)
        return -1;
    snprintf(f, sizeof f, "%s.digest", field);
    if (req_string(obj, "digest", &d->digest, what, f, err) < 0)
        return -1;
    snprintf(f, sizeof f, "%s.artifactType", field);
    if (opt_string(obj, "artifactType", &d->artifact_type, what, f, err) < 0)
        return -1;
    size = json_object_get(obj, "size");
    if (size && !json_is_null(size)) {
        if (!json_is_integer(size) || json_integer_value(size) < 0) {
            snprintf(f, sizeof f, "%s.size", field);
            return type_error(what, f, "a non-negative integer", err);
        }
        d->size = (int64_t)json_integer_value(size);
    }
    if (descriptor_platform(obj, d, what, field, err) < 0 ||
        descriptor_annotations(obj, d, what, field, err) < 0)
        return -1;
    if (d->os && d->architecture && strcmp(d->os, "unknown") == 0 &&
        strcmp(d->architecture, "unknown") == 0)
        d->attestation = true;
    return 0;
}

/* An array of descriptors, e.g. "manifests" or "layers". */
static int descriptor_array(json_t *arr, ls_descriptor **out, size_t *n, const char *what,
                            const char *key, ls_error *err)
{
    size_t count = json_array_size(arr);
    ls_descriptor *v = calloc(count ? count : 1, sizeof *v);
    char f[64];
    *out = v;
    *n = 0;
    if (!v)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
    for (size_t i = 0; i < count; i++) {
        snprintf(f, sizeof f, "%s[%zu]", key, i);
        *n = i + 1;
        if (parse_descriptor(json_array_get(arr, i), &v[i], what, f, err) < 0)
            return -1;
    }
    return 0;
}

/* "sha256-<64 hex>" optionally followed by a cosign suffix: a tag naming
 * what is attached to another manifest, never an image of its own. */
static bool is_attachment_tag(const char *name)
{
    size_t n;
    if (!name || strncmp(name, "sha256-", 7) != 0)
        return false;
    n = strspn(name + 7, "0123456789abcdef");
    if (n != 64)
        return false;
    name += 7 + n;
    return !*name || !strcmp(name, ".sig") || !strcmp(name, ".att") || !strcmp(name, ".sbom");
}

bool ls_descriptor_is_artifact(const ls_descriptor *d)
{
    if (d->attestation || d->artifact_type)
        return true;
    if (d->kind && strncmp(d->kind, "dev.cosignproject.cosign/", 25) == 0 &&
        strcmp(d->kind, "dev.cosignproject.cosign/image") != 0 &&
        strcmp(d->kind, "dev.cosignproject.cosign/imageIndex") != 0)
        return true;
    return is_attachment_tag(d->ref_name) || is_attachment_tag(d->image_name);
}

/* ---- index and manifest ------------------------------------------------- */

static int doc_kind(json_t *root, ls_manifest_doc *doc, const char *what, ls_error *err)
{
    json_t *sv = json_object_get(root, "schemaVersion");
    const char *mt = doc->media_type;
    if (json_is_integer(sv) && json_integer_value(sv) == 1)
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: Docker schema 1 manifests are not supported",
                            what);
    if (mt && (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST)))
        doc->kind = LS_DOC_INDEX;
    else if (mt && (!strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST)))
        doc->kind = LS_DOC_MANIFEST;
    else if (json_object_get(root, "manifests"))
        doc->kind = LS_DOC_INDEX;
    else if (json_object_get(root, "layers") || json_object_get(root, "config"))
        doc->kind = LS_DOC_MANIFEST;
    else
        return ls_error_set(err, LS_ERR_FORMAT, "%s: neither an image index nor an image manifest",
                            what);
    return 0;
}

/* subject.digest, when the document refers to another (OCI 1.1). */
static int doc_subject(json_t *root, ls_manifest_doc *doc, const char *what, ls_error *err)
{
    json_t *subject;
    if (opt_object(root, "subject", &subject, what, "subject", err) < 0)
        return -1;
    if (!subject)
        return 0;
    return req_string(subject, "digest", &doc->subject, what, "subject.digest", err);
}

static int parse_doc(json_t *root, ls_manifest_doc *doc, const char *what, ls_error *err)
{
    json_t *arr, *cfg;
    if (!json_is_object(root))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: top level must be an object", what);
    if (opt_string(root, "mediaType", &doc->media_type, what, "mediaType", err) < 0 ||
        opt_string(root, "artifactType", &doc->artifact_type, what, "artifactType", err) < 0 ||
        doc_subject(root, doc, what, err) < 0 || doc_kind(root, doc, what, err) < 0)
        return -1;
    if (doc->kind == LS_DOC_INDEX) {
        if (opt_array(root, "manifests", &arr, LS_MAX_LAYERS, what, "manifests", err) < 0)
            return -1;
        if (!arr)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: field manifests is missing", what);
        return descriptor_array(arr, &doc->manifests, &doc->n_manifests, what, "manifests", err);
    }
    cfg = json_object_get(root, "config");
    if (!cfg)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: field config is missing", what);
    if (parse_descriptor(cfg, &doc->config, what, "config", err) < 0)
        return -1;
    if (opt_array(root, "layers", &arr, LS_MAX_LAYERS, what, "layers", err) < 0)
        return -1;
    if (!arr)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: field layers is missing", what);
    return descriptor_array(arr, &doc->layers, &doc->n_layers, what, "layers", err);
}

int ls_manifest_parse(ls_manifest_doc *doc, const char *what, const void *data, size_t len,
                      ls_error *err)
{
    json_t *root;
    int rc;
    memset(doc, 0, sizeof *doc);
    doc->config.size = -1;
    root = load(what, data, len, err);
    if (!root)
        return -1;
    rc = parse_doc(root, doc, what, err);
    json_decref(root);
    if (rc < 0)
        ls_manifest_doc_free(doc);
    return rc;
}

void ls_manifest_doc_free(ls_manifest_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->n_manifests; i++)
        ls_descriptor_clear(&doc->manifests[i]);
    for (size_t i = 0; i < doc->n_layers; i++)
        ls_descriptor_clear(&doc->layers[i]);
    free(doc->manifests);
    free(doc->layers);
    ls_descriptor_clear(&doc->config);
    free(doc->media_type);
    free(doc->artifact_type);
    free(doc->subject);
    memset(doc, 0, sizeof *doc);
}

/* ---- Docker manifest.json ----------------------------------------------- */

static void docker_entry_clear(ls_docker_entry *e)
{
    free(e->config);
    strv_free(e->repo_tags, e->n_repo_tags);
    strv_free(e->layers, e->n_layers);
    memset(e, 0, sizeof *e);
}

static int parse_docker_entry(json_t *obj, ls_docker_entry *e, size_t i, const char *what,
                              ls_error *err)
{
    json_t *arr;
    char f[64];
    if (!json_is_object(obj)) {
        snprintf(f, sizeof f, "[%zu]", i);
        return type_error(what, f, "an object", err);
    }
    snprintf(f, sizeof f, "[%zu].Config", i);
    if (req_string(obj, "Config", &e->config, what, f, err) < 0)
        return -1;
    snprintf(f, sizeof f, "[%zu].RepoTags", i);
    if (opt_array(obj, "RepoTags", &arr, LS_MAX_LAYERS, what, f, err) < 0)
        return -1;
    if (arr && string_vector(arr, &e->repo_tags, &e->n_repo_tags, what, f, err) < 0)
        return -1;
    snprintf(f, sizeof f, "[%zu].Layers", i);
    if (opt_array(obj, "Layers", &arr, LS_MAX_LAYERS, what, f, err) < 0)
        return -1;
    if (!arr)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: field %s is missing", what, f);
    return string_vector(arr, &e->layers, &e->n_layers, what, f, err);
}

int ls_manifest_parse_docker(ls_docker_manifest *out, const char *what, const void *data, size_t len,
                             ls_error *err)
{
    json_t *root;
    int rc = -1;
    memset(out, 0, sizeof *out);
    root = load(what, data, len, err);
    if (!root)
        return -1;
    if (!json_is_array(root) || json_array_size(root) == 0) {
        ls_error_set(err, LS_ERR_FORMAT, "%s: top level must be a non-empty array", what);
        goto out;
    }
    if (json_array_size(root) > LS_MAX_LAYERS) {
        ls_error_set(err, LS_ERR_LIMIT, "%s: more than %u images", what, LS_MAX_LAYERS);
        goto out;
    }
    out->entries = calloc(json_array_size(root), sizeof *out->entries);
    if (!out->entries) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(root); i++) {
        out->n = i + 1;
        if (parse_docker_entry(json_array_get(root, i), &out->entries[i], i, what, err) < 0)
            goto out;
    }
    rc = 0;
out:
    json_decref(root);
    if (rc < 0)
        ls_manifest_docker_free(out);
    return rc;
}

void ls_manifest_docker_free(ls_docker_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        docker_entry_clear(&m->entries[i]);
    free(m->entries);
    memset(m, 0, sizeof *m);
}

/* ---- image config ------------------------------------------------------- */

static int config_history(json_t *root, ls_image *img, const char *what, ls_error *err)
{
    json_t *arr;
    size_t n;
    char f[64];
    if (opt_array(root, "history", &arr, 10 * LS_MAX_LAYERS, what, "history", err) < 0)
        return -1;
    if (!arr)
        return 0;
    n = json_array_size(arr);
    img->history = calloc(n ? n : 1, sizeof *img->history);
    if (!img->history)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
    for (size_t i = 0; i < n; i++) {
        json_t *h = json_array_get(arr, i), *empty;
        ls_history_entry *e = &img->history[i];
        img->n_history = i + 1;
        snprintf(f, sizeof f, "history[%zu]", i);
        if (!json_is_object(h))
            return type_error(what, f, "an object", err);
        snprintf(f, sizeof f, "history[%zu].created_by", i);
        if (opt_string(h, "created_by", &e->created_by, what, f, err) < 0)
            return -1;
        snprintf(f, sizeof f, "history[%zu].created", i);
        if (opt_string(h, "created", &e->created, what, f, err) < 0)
            return -1;
        snprintf(f, sizeof f, "history[%zu].comment", i);
        if (opt_string(h, "comment", &e->comment, what, f, err) < 0)
            return -1;
        empty = json_object_get(h, "empty_layer");
        if (empty && !json_is_null(empty) && !json_is_boolean(empty)) {
            snprintf(f, sizeof f, "history[%zu].empty_layer", i);
            return type_error(what, f, "a boolean", err);
        }
        e->empty_layer = json_is_true(empty);
    }
    return 0;
}

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const ls_kv *)a)->key, ((const ls_kv *)b)->key);
}

static int config_labels(json_t *cfg, ls_image *img, const char *what, ls_error *err)
{
    json_t *obj, *v;
    const char *k;
    size_t i = 0;
    if (opt_object(cfg, "Labels", &obj, what, "config.Labels", err) < 0)
        return -1;
    if (!obj)
        return 0;
    img->labels = calloc(json_object_size(obj) + 1, sizeof *img->labels);
    if (!img->labels)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
    json_object_foreach(obj, k, v) {
        ls_kv *kv = &img->labels[i];
        if (!json_is_string(v))
            return ls_error_set(err, LS_ERR_FORMAT, "%s: field config.Labels.%s must be a string",
                                what, k);
        kv->key = strdup(k);
        kv->value = strndup(json_string_value(v), json_string_length(v));
        img->n_labels = ++i;
        if (!kv->key || !kv->value)
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
    }
    qsort(img->labels, img->n_labels, sizeof *img->labels, kv_cmp);
    return 0;
}

/* Cmd/Entrypoint: an array, null/absent (NULL), or an old-style string
 * (one argv element). */
static int config_argv(json_t *cfg, const char *key, char ***out, size_t *n, const char *what,
                       const char *field, ls_error *err)
{
    json_t *v = json_object_get(cfg, key);
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        *out = calloc(2, sizeof **out);
        if (!*out || !((*out)[0] = strndup(json_string_value(v), json_string_length(v))))
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", what);
        *n = 1;
        return 0;
    }
    if (!json_is_array(v))
        return type_error(what, field, "an array or a string", err);
    return string_vector(v, out, n, what, field, err);
}

static int config_section(json_t *root, ls_image *img, const char *what, ls_error *err)
{
    json_t *cfg, *arr;
    if (opt_object(root, "config", &cfg, what, "config", err) < 0)
        return -1;
    if (!cfg)
        return 0;
    if (opt_array(cfg, "Env", &arr, SIZE_MAX, what, "config.Env", err) < 0)
        return -1;
    if (arr && string_vector(arr, &img->env, &img->n_env, what, "config.Env", err) < 0)
        return -1;
    if (config_labels(cfg, img, what, err) < 0)
        return -1;
    if (config_argv(cfg, "Cmd", &img->cmd, &img->n_cmd, what, "config.Cmd", err) < 0)
        return -1;
    if (opt_string(cfg, "User", &img->user, what, "config.User", err) < 0)
        return -1;
    return config_argv(cfg, "Entrypoint", &img->entrypoint, &img->n_entrypoint, what,
                       "config.Entrypoint", err);
}

static int parse_config(json_t *root, ls_image *img, const char *what, ls_error *err)
{
    json_t *rootfs, *arr = NULL;
    if (!json_is_object(root))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: top level must be an object", what);
    if (opt_string(root, "os", &img->os, what, "os", err) < 0 ||
        opt_string(root, "architecture", &img->architecture, what, "architecture", err) < 0 ||
        opt_string(root, "variant", &img->variant, what, "variant", err) < 0 ||
        opt_string(root, "created", &img->created, what, "created", err) < 0)
        return -1;
    if (opt_object(root, "rootfs", &rootfs, what, "rootfs", err) < 0)
        return -1;
    if (rootfs && opt_array(rootfs, "diff_ids", &arr, LS_MAX_LAYERS, what, "rootfs.diff_ids", err) < 0)
        return -1;
    if (arr && string_vector(arr, &img->diff_ids, &img->n_diff_ids, what, "rootfs.diff_ids", err) < 0)
        return -1;
    if (config_history(root, img, what, err) < 0)
        return -1;
    if (config_section(root, img, what, err) < 0)
        return -1;
    img->has_config = true;
    return 0;
}

int ls_manifest_parse_config(ls_image *img, const char *what, const void *data, size_t len,
                             ls_error *err)
{
    json_t *root = load(what, data, len, err);
    int rc;
    if (!root)
        return -1;
    rc = parse_config(root, img, what, err);
    json_decref(root);
    return rc;
}
