/*
 * transport.c - the registry as an image transport (docker://HOST/REPO...):
 * the operations table source.c calls for every transport.
 *
 * Loading parses the reference, opens a client for its host (credentials,
 * TLS, the /v2/ probe) under the image's deadline and pulls the manifest
 * and config (pull.c); the client stays open as the transport's state, so
 * every layer reader streams its blob over its own connection (stream.c)
 * with the same credentials and tokens. The entries of the image's index
 * that concern it are kept from the pull, so finding what is attached
 * (attached.c) does not fetch the index again.
 */
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "source/transport.h"

typedef struct {
    ls_registry *client;
    char *repo; /* "library/alpine" */
    char *label; /* names the image in messages (read_blob is not told it) */
    ls_registry_entries about; /* the index entries about the image (pull.c) */
} registry_state;

static int registry_load(void **state, ls_image *img, const ls_transport_args *a, ls_error *err)
{
    registry_state *s;
    ls_registry_ref r;
    ls_registry_opts ro = {.creds = NULL};
    int rc = -1;
    if (ls_registry_ref_parse(&r, a->ref, err) < 0)
        return -1;
    if (!(s = calloc(1, sizeof *s))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", a->label);
        goto out;
    }
    *state = s;
    if (a->registry)
        ro = *a->registry;
    ro.deadline_ms = a->deadline_ms; /* this image's */
    ro.repository = r.repo;          /* namespaced auth-file keys ("quay.io/team") */
    if (ls_registry_open(&s->client, r.domain, &ro, err) < 0)
        goto out;
    ls_registry_set_max_json(s->client, a->max_json);
    if (ls_registry_load_image(s->client, &r, a->want, a->label, img, &s->about, err) < 0)
        goto out;
    s->repo = r.repo;
    r.repo = NULL;
    if (!(s->label = strdup(a->label))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", a->label);
        goto out;
    }
    rc = 0;
out:
    ls_registry_ref_clear(&r);
    return rc;
}

static ls_reader *registry_open_layer(void *state, const ls_image *img, size_t i,
                                      const char *label, ls_error *err)
{
    registry_state *s = state;
    const ls_layer_ref *l = &img->layers[i];
    return ls_registry_open_blob(s->client, s->repo, l->digest, l->size, label, err);
}

static int registry_find_attached(void *state, const ls_image *img, const ls_transport_args *a,
                                  ls_attached_list *out, ls_error *err)
{
    registry_state *s = state;
    if (!img->manifest_digest)
        return 0;
    return ls_registry_find_attached(s->client, s->repo, img->manifest_digest, &s->about,
                                     a->index_only, a->label, out, err);
}

static int registry_read_blob(void *state, const char *digest, size_t max, unsigned char **data,
                              size_t *len, ls_error *err)
{
    registry_state *s = state;
    return ls_registry_read_blob(s->client, s->repo, digest, max, s->label, data, len, err);
}

static void registry_free(void *state)
{
    registry_state *s = state;
    if (!s)
        return;
    ls_registry_free(s->client);
    ls_registry_entries_free(&s->about);
    free(s->repo);
    free(s->label);
    free(s);
}

const ls_transport ls_registry_transport = {
    .load = registry_load,
    .open_layer = registry_open_layer,
    .find_attached = registry_find_attached,
    .read_blob = registry_read_blob,
    .free = registry_free,
};
