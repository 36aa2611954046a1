/*
 * history.h - what the config's history says about each layer.
 *
 * created_by strings come in the shapes the builders write them:
 *   "/bin/sh -c #(nop) ENV K=V"              (docker build, buildah)
 *   "/bin/sh -c apt-get update"              (a RUN)
 *   "|2 A=1 B=2 /bin/sh -c make"             (a RUN with build args)
 *   "RUN /bin/sh -c make # buildkit"         (BuildKit)
 *   "COPY .env /app/ # buildkit"
 * and are cleaned into one instruction per entry. Entries without
 * empty_layer own the layers in order.
 */
#ifndef LS_HISTORY_H
#define LS_HISTORY_H

#include <stdbool.h>

#include "layerscan/image.h"
#include "layerscan/report.h"

/* The cleaned instruction for a created_by string (newly allocated, NULL on
 * allocation failure; "" for NULL input). Build args go to *args (array of
 * "K=V", *n_args of them, caller frees) when args is not NULL. */
char *ls_history_clean(const char *created_by, char ***args, size_t *n_args);

/* Fills out[img->n_history] (instruction, build args, layer) and sets
 * layer_history[img->n_layers] to the owning entry (-1 when unknown).
 * Returns false when the history does not match the layer count (then every
 * mapping is -1). Returns -1 on allocation failure via *oom. */
bool ls_history_map(const ls_image *img, ls_history_report *out, long *layer_history, bool *oom);

/* The last history entry whose instruction is `KEYWORD ...` and sets KEY
 * (ENV/LABEL: "K=V" forms and the legacy "ENV K V"; CMD/ENTRYPOINT: key
 * ignored). -1 if none. */
long ls_history_find_setter(const ls_history_report *h, size_t n, const char *keyword, const char *key);

void ls_history_report_free(ls_history_report *h, size_t n);

#endif
