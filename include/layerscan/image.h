/*
 * image.h - what a source tells us about an image, as plain C structs.
 *
 * jansson stays inside analyzer/source/manifest.c: everything downstream reads
 * these structs. All strings are owned by the ls_image and freed by
 * ls_image_free(); any of them may be NULL when the image does not carry it.
 */
#ifndef LAYERSCAN_IMAGE_H
#define LAYERSCAN_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *digest;      /* "sha256:<hex>" the manifest names for the blob; NULL if none (legacy docker-archive, lone layer) */
    char *media_type;  /* as declared; NULL if none */
    int64_t size;      /* declared compressed size, -1 if unknown */
    char *location;    /* where the blob lives, for messages: "blobs/sha256/ab..", "<id>/layer.tar" */
} ls_layer_ref;

typedef struct {
    char *created_by;  /* raw history[].created_by, NULL if absent */
    char *created;     /* RFC 3339 timestamp, NULL if absent */
    char *comment;     /* history[].comment, NULL if absent */
    bool empty_layer;  /* history[].empty_layer */
} ls_history_entry;

typedef struct {
    char *key;
    char *value;
} ls_kv;

typedef struct {
    char *reference;        /* what the user typed, minus the transport prefix */
    char *transport;        /* "docker-archive" | "oci" | "oci-archive" | "layer" | "docker" */
    char *manifest_digest;  /* "sha256:..." of the manifest bytes; NULL if none */
    char *config_digest;    /* "sha256:..." of the config blob; NULL if none */
    char *os, *architecture, *variant, *created;

    ls_layer_ref *layers;   /* in manifest order, bottom first */
    size_t n_layers;

    char **diff_ids;        /* config rootfs.diff_ids, "sha256:<hex>" */
    size_t n_diff_ids;

    ls_history_entry *history;
    size_t n_history;

    char **env;             /* config.Env, "KEY=value" strings in order */
    size_t n_env;
    ls_kv *labels;          /* config.Labels, sorted by key */
    size_t n_labels;
    char **cmd;             /* config.Cmd argv, NULL when absent */
    size_t n_cmd;
    char **entrypoint;      /* config.Entrypoint argv, NULL when absent */
    size_t n_entrypoint;
    char *user;             /* config.User, NULL when absent */

    bool has_config;        /* false for a lone layer */
} ls_image;

/* Frees every string and array of img and the struct itself. Accepts NULL. */
void ls_image_free(ls_image *img);

#endif
