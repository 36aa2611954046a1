/*
 * walk.c - one layer's blob walked end to end, with the digest checks the
 * scan does, for the inspect commands.
 */
#include "inspect/inspect.h"

#include <stdio.h>
#include <string.h>

static int skip_entry(void *ud, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    (void)ud, (void)e, (void)data, (void)err;
    return 0;
}

int ls_inspect_walk(ls_source *src, size_t i, ls_entry_fn fn, void *ud, ls_layer_inventory *inv,
                    ls_error *err)
{
    const ls_image *img = ls_source_image(src);
    ls_reader *raw, *tar;
    ls_blob *blob;
    int rc;
    const char *want_digest, *want_diff;
    memset(inv, 0, sizeof *inv);
    inv->index = i;
    if (i >= img->n_layers)
        return ls_error_set(err, LS_ERR_USAGE, "%s: no layer %zu (the image has %zu)", img->reference, i,
                            img->n_layers);
    if (!(raw = ls_source_open_layer(src, i, err)))
        return -1;
    if (!(blob = ls_blob_open_with(raw, img->layers[i].location ? img->layers[i].location : "layer blob",
                                   ls_source_blob_opts(src), err)))
        return -1;
    if (!(tar = ls_blob_reader(blob))) {
        ls_blob_free(blob);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    rc = ls_layer_walk(tar, fn ? fn : skip_entry, ud, &inv->counts, err);
    ls_reader_free(tar);
    if (rc == 0)
        rc = ls_blob_finish(blob, &inv->blob, err);
    else {
        ls_error drain = {0};
        ls_blob_finish(blob, &inv->blob, &drain);
    }
    ls_blob_free(blob);
    inv->complete = rc == 0;
    want_digest = img->layers[i].digest;
    want_diff = i < img->n_diff_ids ? img->diff_ids[i] : NULL;
    inv->digest_verified = rc == 0 && (want_digest || want_diff) &&
                           (!want_digest || strcmp(want_digest, inv->blob.digest) == 0) &&
                           (!want_diff || strcmp(want_diff, inv->blob.diff_id) == 0);
    return rc;
}

ls_layer_trust ls_inspect_trust(const ls_image *img, const ls_layer_inventory *inv, char *why, size_t cap)
{
    size_t i = inv->index;
    const char *want_digest = i < img->n_layers ? img->layers[i].digest : NULL;
    const char *want_diff = i < img->n_diff_ids ? img->diff_ids[i] : NULL;
    bool bad_digest = want_digest && strcmp(want_digest, inv->blob.digest) != 0;
    bool bad_diff = want_diff && strcmp(want_diff, inv->blob.diff_id) != 0;
    if (why && cap)
        why[0] = '\0';
    if (!want_digest && !want_diff)
        return LS_LAYER_NO_DIGEST;
    if (!bad_digest && !bad_diff)
        return LS_LAYER_VERIFIED;
    if (why && cap) {
        int n = 0;
        if (bad_digest)
            n = snprintf(why, cap, "blob digest mismatch: manifest says %s, content is %s", want_digest,
                         inv->blob.digest);
        if (bad_diff && n >= 0 && (size_t)n < cap)
            snprintf(why + n, cap - (size_t)n, "%sdiff_id mismatch: config says %s, uncompressed content is %s",
                     bad_digest ? "; " : "", want_diff, inv->blob.diff_id);
    }
    return LS_LAYER_MISMATCH;
}
