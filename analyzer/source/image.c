/*
 * image.c - ls_image_free: the one place that knows every allocation an
 * ls_image carries, so partly-filled images (a parse that failed halfway)
 * are released as safely as complete ones.
 */
#include "layerscan/image.h"

#include <stdlib.h>

static void strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void ls_image_free(ls_image *img)
{
    if (!img)
        return;
    free(img->reference);
    free(img->transport);
    free(img->manifest_digest);
    free(img->config_digest);
    free(img->os);
    free(img->architecture);
    free(img->variant);
    free(img->created);
    for (size_t i = 0; i < img->n_layers; i++) {
        free(img->layers[i].digest);
        free(img->layers[i].media_type);
        free(img->layers[i].location);
    }
    free(img->layers);
    strv_free(img->diff_ids, img->n_diff_ids);
    for (size_t i = 0; i < img->n_history; i++) {
        free(img->history[i].created_by);
        free(img->history[i].created);
        free(img->history[i].comment);
    }
    free(img->history);
    strv_free(img->env, img->n_env);
    for (size_t i = 0; i < img->n_labels; i++) {
        free(img->labels[i].key);
        free(img->labels[i].value);
    }
    free(img->labels);
    strv_free(img->cmd, img->n_cmd);
    strv_free(img->entrypoint, img->n_entrypoint);
    free(img->user);
    free(img);
}
