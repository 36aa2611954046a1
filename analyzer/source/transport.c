/*
 * transport.c - the layer operations the store-backed transports share.
 *
 * An OCI layout, an oci-archive and a docker-archive all keep their layer
 * blobs as files of one ls_store (a directory or an indexed tar), named by
 * the `location` their loader put in each ls_layer_ref. Opening a layer is
 * then the same for all three, so oci.c and docker_archive.c put these
 * functions in their tables rather than each writing its own; so is finding
 * what is attached to the image (attached.c) and reading its blobs.
 */
#include "source/transport.h"

#include "source/digest.h"

ls_reader *ls_store_transport_open_layer(void *store, const ls_image *img, size_t i,
                                         const char *label, ls_error *err)
{
    const ls_layer_ref *l = &img->layers[i];
    ls_error local = {0};
    bool missing = false;
    ls_reader *r = ls_store_open(store, l->location, &missing, &local);
    if (r)
        return r;
    if (missing)
        ls_error_set(err, LS_ERR_IO, "%s: layer %zu blob %s is missing", label, i, l->location);
    else
        ls_error_pass(err, &local);
    return NULL;
}

int ls_store_transport_find_attached(void *store, const ls_image *img, const ls_transport_args *a,
                                     ls_attached_list *out, ls_error *err)
{
    (void)a;
    return ls_store_find_attached(store, img, out, err);
}

int ls_store_transport_read_blob(void *store, const char *digest, size_t max, unsigned char **data,
                                 size_t *len, ls_error *err)
{
    if (ls_digest_validate(digest, ls_store_label(store), "blob", err) < 0)
        return -1;
    return ls_digest_read_verified(store, digest, max, data, len, err);
}

void ls_store_transport_free(void *store)
{
    ls_store_free(store);
}
