/*
 * transport.c - the layer operations the store-backed transports share.
 *
 * An OCI layout, an oci-archive and a docker-archive all keep their layer
 * blobs as files of one ls_store (a directory or an indexed tar), named by
 * the `location` their loader put in each ls_layer_ref. Opening a layer is
 * then the same for all three, so oci.c and docker_archive.c put these two
 * functions in their tables rather than each writing its own.
 */
#include "source/transport.h"

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

void ls_store_transport_free(void *store)
{
    ls_store_free(store);
}
