/*
 * store.h - a read-only "blob store": named files inside an image, held
 * either by a directory (OCI layout) or by an outer tar (docker-archive,
 * oci-archive). Transports ask for "index.json", "blobs/sha256/<hex>",
 * "<id>/layer.tar" without caring which.
 *
 * Names come from hostile metadata, so every lookup refuses absolute paths
 * and ".." components, and a directory store opens each path component with
 * openat(O_NOFOLLOW) relative to the layout's directory: a symlink in the
 * layout is refused, never followed out of it.
 */
#ifndef LS_SOURCE_STORE_H
#define LS_SOURCE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/reader.h"
#include "layerscan/error.h"
#include "source/tarindex.h"

typedef struct ls_store ls_store;

/* A store over directory `dir`. Returns -1 with err filled (LS_ERR_IO). */
int ls_store_open_dir(ls_store **out, const char *dir, ls_error *err);

/* A store over an indexed tar; takes ownership of fd and idx (both released
 * on failure too). `label` names the archive in messages. Returns -1 on
 * allocation failure. */
int ls_store_open_tar(ls_store **out, int fd, ls_tarindex *idx, const char *label, ls_error *err);

/* Refuses a name that is empty, absolute or has a ".." component:
 * returns -1 with LS_ERR_FORMAT "LABEL: path NAME escapes the image". */
int ls_store_check_name(const ls_store *s, const char *name, ls_error *err);

/* 1 if name exists as a regular file, 0 if not, -1 with err filled for a
 * refused name or an I/O error. */
int ls_store_has(ls_store *s, const char *name, ls_error *err);

/* The archive member that name is, links followed (its normalised name,
 * owned by s), or NULL when absent or the store is a directory. */
const char *ls_store_member(const ls_store *s, const char *name);

/* A reader over the file's bytes, independent of any other reader (pread).
 * NULL with err filled on failure; *missing (if given) is set when the file
 * does not exist, so callers can word that case themselves. */
ls_reader *ls_store_open(ls_store *s, const char *name, bool *missing, ls_error *err);

/* Reads the whole file into a new buffer (NUL-terminated, *len excludes the
 * NUL). Refuses files larger than max (LS_ERR_LIMIT); a missing file is
 * LS_ERR_IO "LABEL: NAME is missing". */
int ls_store_read_all(ls_store *s, const char *name, size_t max, unsigned char **data, size_t *len,
                      ls_error *err);

/* Calls fn for each regular file directly in directory `dir` (a name like
 * "blobs/sha256", no trailing slash) with its base name and size, in no
 * particular order, at most `max` of them (the rest are not visited). A
 * non-zero return from fn stops the walk and is returned. 0 when dir is
 * absent; -1 with err filled for an I/O error. */
typedef int (*ls_store_list_fn)(void *ctx, const char *name, uint64_t size);
int ls_store_list(ls_store *s, const char *dir, size_t max, ls_store_list_fn fn, void *ctx,
                  ls_error *err);

/* The bound on JSON documents read from this store (--max-json-size;
 * LS_MAX_JSON_BYTES unless set; 0 leaves it, values above LS_MAX_JSON_HARD
 * are capped). */
void ls_store_set_max_json(ls_store *s, uint64_t max);
size_t ls_store_max_json(const ls_store *s);

/* The label given at open (the directory or archive path). */
const char *ls_store_label(const ls_store *s);

/* Accepts NULL. */
void ls_store_free(ls_store *s);

#endif
