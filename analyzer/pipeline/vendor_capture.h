/*
 * vendor_capture.h - gathering one layer's vendor evidence (vendor.h) while
 * the layer scan walks it: the bytes of package databases, the digests of
 * files that produced findings, the .py sources of .pyc files that did.
 *
 * The layer scan hands every layer file's blocks over as they stream past
 * (begin, block..., end) and says at the end whether the file produced a
 * finding. A file of up to LS_VENDOR_HOLD_MAX bytes is kept meanwhile, so
 * its digests come from memory still in cache; a larger one with a finding,
 * and the source of a .pyc with one, are hashed by ls_vendor_capture_finish,
 * which reads the layer a second time: only layers holding such a file pay.
 */
#ifndef LS_PIPELINE_VENDOR_CAPTURE_H
#define LS_PIPELINE_VENDOR_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/findings.h"
#include "pipeline/fsmodel.h"
#include "pipeline/vendor.h"
#include "source/source.h"

/* Files up to this size are kept while they stream past. */
#define LS_VENDOR_HOLD_MAX ((size_t)1 << 20)

typedef struct ls_vendor_capture ls_vendor_capture;

/* Evidence goes to out; a database too large to keep is noted in errors
 * under layer index `layer`. NULL when out of memory. */
ls_vendor_capture *ls_vendor_capture_new(ls_vendor_evidence *out, ls_error_list *errors, long layer);
void ls_vendor_capture_free(ls_vendor_capture *c);

/* Files up to this size are kept when the layer cannot be read again (a
 * stream): a file with findings is then hashed from memory up to here. */
#define LS_VENDOR_HOLD_ONCE_MAX ((size_t)32 << 20)

/* The layer is read once (a stream): hold files up to LS_VENDOR_HOLD_ONCE_MAX. */
void ls_vendor_capture_read_once(ls_vendor_capture *c);

/* A layer file starts (size: what its tar header declares, -1 unknown). */
void ls_vendor_capture_begin(ls_vendor_capture *c, const char *path, int64_t size);
/* One block of it, in order. */
void ls_vendor_capture_block(ls_vendor_capture *c, const void *buf, size_t len);
/* The file was read whole: its content id, and whether it produced a
 * finding. 0, or -1 when memory ran out (here or in an earlier block). */
int ls_vendor_capture_end(ls_vendor_capture *c, const char *path, ls_content_id content, bool findings);

/* After a walk that read the whole layer: hashes what could not be hashed
 * from memory by reading layer `index` of src again (fs: the layer's path
 * table, to find a .pyc's source). A failed second read leaves those files
 * unverified and adds an errors entry. 0, or -1 with err filled on failures
 * that are ours (out of memory). */
int ls_vendor_capture_finish(ls_vendor_capture *c, const ls_fs_layer *fs, ls_source *src, size_t index,
                             ls_error *err);

/* Hashes, into out, the files of layer `index` of src at paths[i] whose
 * content is contents[i] (one more read of the layer; files whose digests
 * out already has are skipped). A failed read is noted in errors under that
 * layer. 0, or -1 with err filled on failures that are ours. */
int ls_vendor_hash_files(ls_vendor_evidence *out, ls_error_list *errors, ls_source *src, size_t index,
                         char *const *paths, const ls_content_id *contents, size_t n, ls_error *err);

#endif
