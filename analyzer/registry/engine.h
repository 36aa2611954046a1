/*
 * engine.h - an image from a local engine through its API: the Docker
 * Engine, or Podman's Docker-compatible service (`podman system service`),
 * over a Unix socket. GET /images/NAME/get answers with `docker save`'s
 * archive, which the stream source (source/stream.h) reads once as it
 * arrives: nothing is written to disk.
 */
#ifndef LS_REGISTRY_ENGINE_H
#define LS_REGISTRY_ENGINE_H

#include "core/reader.h"
#include "layerscan/error.h"

/* The engine's socket when none is given (Docker's). */
#define LS_ENGINE_DEFAULT_SOCKET "/var/run/docker.sock"

/* A reader over the saved archive of image `name` (NAME[:TAG] or
 * NAME@DIGEST) from the engine listening on socket_path ("/PATH" or
 * "unix:///PATH", as DOCKER_HOST spells it; NULL: the default; another
 * scheme is refused, LS_ERR_USAGE). `label` names the image in messages. NULL with err filled:
 * LS_ERR_IO when the engine cannot be reached ("cannot connect to the
 * engine at unix://PATH"), LS_ERR_USAGE for an image the engine does not
 * have or a name it cannot take, LS_ERR_IO for any other answer (its
 * message quoted). Read errors later are LS_ERR_IO naming the label. */
ls_reader *ls_engine_save(const char *socket_path, const char *name, const char *label, ls_error *err);

#endif
