/*
 * docker_archive.c - `docker save` / `skopeo copy docker-archive:` tars into
 * an ls_image.
 *
 * Both forms are driven by manifest.json's Config and Layers paths: the
 * legacy one (<id>/layer.tar or <diffid>.tar, config <id>.json) and current
 * Docker's, which stores the same paths under blobs/sha256/ next to an OCI
 * index.json. Legacy layers are plain tars named by nothing we can check
 * here, so their digest is NULL (the diff_id check downstream covers them);
 * a blobs/sha256/<hex> path is itself a digest, which we record and, for
 * the config, verify. In current Docker's form the manifest whose config
 * is the chosen one names the image (manifest_digest), as in a layout. The transport's table (ls_docker_archive_transport)
 * reads layers through the store.
 */
#include "source/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/sha256.h"
#include "source/attached.h"
#include "source/digest.h"
#include "source/manifest.h"

static int choose_entry(const ls_docker_manifest *m, const char *ref, const char *label,
                        size_t *chosen, ls_error *err)
{
    char tags[LS_ERROR_MSG_MAX] = "";
    if (m->n == 1) {
        *chosen = 0;
        return 0;
    }
    for (size_t i = 0; i < m->n; i++) {
        for (size_t j = 0; j < m->entries[i].n_repo_tags; j++) {
            size_t len = strlen(tags);
            if (ref && strcmp(m->entries[i].repo_tags[j], ref) == 0) {
                *chosen = i;
                return 0;
            }
            snprintf(tags + len, sizeof tags - len, "%s%s", len ? ", " : "",
                     m->entries[i].repo_tags[j]);
        }
    }
    if (ref)
        return ls_error_set(err, LS_ERR_USAGE, "%s: no image tagged %s in manifest.json (available: %s)",
                            label, ref, tags);
    return ls_error_set(err, LS_ERR_USAGE,
                        "%s: manifest.json lists %zu images (%s); choose one with docker-archive:PATH:TAG",
                        label, m->n, tags);
}

static int load_config(ls_image *img, ls_store *store, const char *path, ls_error *err)
{
    const char *label = ls_store_label(store);
    unsigned char *data = NULL;
    size_t len = 0;
    char digest[LS_DIGEST_MAX], named[LS_DIGEST_MAX], what[200];
    int rc = -1;
    if (ls_store_read_all(store, path, ls_store_max_json(store), &data, &len, err) < 0)
        return -1;
    if (ls_sha256_buffer(data, len, digest, err) < 0)
        goto out;
    if (ls_digest_from_path(path, named, sizeof named) && strcmp(named, digest) != 0) {
        ls_error_set(err, LS_ERR_DIGEST, "%s: %s does not match its digest (content is %s)", label,
                     path, digest);
        goto out;
    }
    snprintf(what, sizeof what, "%s: %s", label, path);
    if (ls_manifest_parse_config(img, what, data, len, err) < 0)
        goto out;
    img->config_digest = strdup(digest);
    if (!img->config_digest) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto out;
    }
    rc = 0;
out:
    free(data);
    return rc;
}

static int fill_layers(ls_image *img, ls_store *store, const ls_docker_entry *e, ls_error *err)
{
    const char *label = ls_store_label(store);
    char digest[LS_DIGEST_MAX];
    img->layers = calloc(e->n_layers ? e->n_layers : 1, sizeof *img->layers);
    if (!img->layers)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    for (size_t i = 0; i < e->n_layers; i++) {
        ls_layer_ref *l = &img->layers[i];
        if (ls_store_check_name(store, e->layers[i], err) < 0)
            return -1;
        img->n_layers = i + 1;
        l->size = -1;
        l->location = strdup(e->layers[i]);
        if (!l->location)
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        if (ls_digest_from_path(e->layers[i], digest, sizeof digest) && !(l->digest = strdup(digest)))
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    }
    return 0;
}

static int load_docker_archive(ls_image *img, ls_store *store, const char *ref, ls_error *err)
{
    const char *label = ls_store_label(store);
    unsigned char *data = NULL;
    size_t len = 0, pick = 0;
    char what[200];
    ls_docker_manifest m = {0};
    int rc = -1;
    if (ls_store_read_all(store, "manifest.json", ls_store_max_json(store), &data, &len, err) < 0)
        return -1;
    snprintf(what, sizeof what, "%s: manifest.json", label);
    if (ls_manifest_parse_docker(&m, what, data, len, err) < 0)
        goto out;
    if (choose_entry(&m, ref, label, &pick, err) < 0)
        goto out;
    if (ls_store_check_name(store, m.entries[pick].config, err) < 0)
        goto out;
    if (load_config(img, store, m.entries[pick].config, err) < 0)
        goto out;
    if (fill_layers(img, store, &m.entries[pick], err) < 0)
        goto out;
    /* the OCI form also lists the image's manifest: what is attached to
     * the image (attestations, signatures) names it by that digest */
    if (ls_store_manifest_of_config(store, img->config_digest, &img->manifest_digest, err) < 0)
        goto out;
    rc = 0;
out:
    ls_manifest_docker_free(&m);
    free(data);
    return rc;
}

static int docker_archive_load(void **state, ls_image *img, const ls_transport_args *a,
                               ls_error *err)
{
    return load_docker_archive(img, *state, a->ref, err);
}

const ls_transport ls_docker_archive_transport = {
    .load = docker_archive_load,
    .open_layer = ls_store_transport_open_layer,
    .find_attached = ls_store_transport_find_attached,
    .read_blob = ls_store_transport_read_blob,
    .free = ls_store_transport_free,
};
