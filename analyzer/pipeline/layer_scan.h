/*
 * layer_scan.h - one layer through the whole stack:
 * source blob -> blob (decompress, hash) -> layer (tar walk) -> matcher.
 *
 * A layer's result is self-contained (its findings, its path table, its
 * errors), so layers can be scanned independently and their fates resolved
 * once all of them are in.
 */
#ifndef LS_LAYER_SCAN_H
#define LS_LAYER_SCAN_H

#include "layerscan/scan.h"
#include "match/matcher.h"
#include "pipeline/findings.h"
#include "pipeline/fsmodel.h"
#include "pipeline/vendor.h"
#include "source/source.h"

typedef struct {
    ls_layer_report info;
    ls_fs_layer *fs;           /* NULL when the blob could not be opened */
    ls_finding_list findings;  /* file findings, layer index set, fate not yet */
    ls_error_list errors;
    uint64_t bytes_scanned;
    ls_vendor_evidence vendor; /* package databases, digests of files with findings */
} ls_layer_result;

/* Scans layer `index` of src with the thread's scanner, under the options'
 * nested-archive limits and findings-per-file bound (opts may be NULL: the
 * defaults). Problems with the
 * layer itself (missing blob, corrupt stream, digest mismatch) go to
 * out->errors and the function still returns 0; -1 only for failures that
 * make the whole run unreliable (allocation, matcher errors), with err filled. */
int ls_layer_scan(ls_source *src, size_t index, const ls_ruleset *rules, ls_scanner *sc,
                  const ls_scan_opts *opts, ls_layer_result *out, ls_error *err);

/* What the image declares of a layer before it is read (each may be NULL). */
typedef struct {
    const char *digest;     /* the blob's, from the manifest */
    const char *diff_id;    /* the uncompressed tar's, from the config */
    const char *media_type;
    const char *location;   /* names the blob in messages */
    bool verified_later;    /* digests will be declared and checked (settle): the
                             * compressed stream's own checksum is redundant */
} ls_layer_expect;

/* The same over a blob already open: raw (taken) is the layer's raw bytes;
 * `again` is the source to read the layer a second time from (files with
 * findings too large to hash from memory: pipeline/vendor_capture.h), NULL
 * when it cannot be read again (a stream: those files are noted in errors
 * as not hashed). */
int ls_layer_scan_blob(ls_reader *raw, size_t index, const ls_layer_expect *want, const ls_blob_opts *bopts,
                       ls_source *again, const ls_ruleset *rules, ls_scanner *sc, const ls_scan_opts *opts,
                       ls_layer_result *out, ls_error *err);

/* A result scanned before its place in the image was known (a stream's
 * blob, scanned under a provisional index with nothing declared) becomes
 * layer `index`'s: findings, errors (and the "layer N" that starts their
 * messages) and info move to the index, and the digests the image declares
 * are checked as ls_layer_scan checks them. 0, or -1 (out of memory). */
int ls_layer_result_settle(ls_layer_result *r, size_t index, const ls_layer_expect *want, ls_error *err);

void ls_layer_result_free(ls_layer_result *r);

#endif
