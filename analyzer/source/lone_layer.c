/*
 * lone_layer.c - the transport of a file that is one layer blob (tar,
 * tar.gz, tar.zst) and nothing else: no manifest, no config, no digests.
 *
 * source.c decides that a bare file is a lone layer (it is not an image
 * archive) and hands this transport the open file; the image is then one
 * layer whose location is the path. The whole file is the layer, so a file
 * over --max-layer-size is refused when loading, before any byte is read.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/transport.h"

static int lone_load(void **state, ls_image *img, const ls_transport_args *a, ls_error *err)
{
    const ls_lone_layer *f = *state;
    char lim[32];
    if (f->size > a->max_layer_bytes) { /* the layer is the whole image: refuse it */
        ls_format_size(lim, sizeof lim, a->max_layer_bytes);
        return ls_error_set(err, LS_ERR_LIMIT, "%s: the layer is %llu bytes, more than "
                            "--max-layer-size %s (not read)", a->label, (unsigned long long)f->size, lim);
    }
    img->layers = calloc(1, sizeof *img->layers);
    if (!img->layers)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", a->label);
    img->n_layers = 1;
    img->layers[0].size = -1;
    if (!(img->layers[0].location = strdup(a->label)))
        return ls_error_set(err, LS_ERR_NOMEM, "IMAGE: out of memory");
    return 0;
}

static ls_reader *lone_open_layer(void *state, const ls_image *img, size_t i, const char *label,
                                  ls_error *err)
{
    const ls_lone_layer *f = state;
    ls_reader *r = ls_reader_fd_range(f->fd, 0, f->size, label);
    (void)img;
    (void)i;
    if (!r)
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    return r;
}

static void lone_free(void *state)
{
    ls_lone_layer *f = state;
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f);
}

const ls_transport ls_lone_layer_transport = {
    .load = lone_load,
    .open_layer = lone_open_layer,
    .free = lone_free,
};
