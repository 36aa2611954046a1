/*
 * layer_scan.c - the per-layer loop: every tar entry is classified, recorded
 * in the layer's path table, and (for regular files) hashed and fed block by
 * block into the thread's Hyperscan stream.
 */
#include "pipeline/layer_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "blob/blob.h"
#include "detect/detect.h"
#include "layer/layer.h"

typedef struct {
    ls_layer_result *out;
    ls_scanner *sc;
    const ls_ruleset *rules;
    XXH3_state_t *hash;
    const char *path;        /* the file being scanned (valid during its entry) */
    char failed_path[1024];  /* copy of it, for an error raised while reading it */
    ls_content_id content;   /* its content id is known only at its end */
    size_t first_finding;    /* index of the file's first finding */
    int oom;
} scan_ctx;

static int on_hit(void *ud, const ls_hit *hit)
{
    scan_ctx *c = ud;
    ls_content_id none = {0, 0};
    ls_finding *f;
    ls_finding_list *l = &c->out->findings;
    if (ls_finding_suppressed(c->rules, hit, c->path))
        return 0;
    /* a specific rule and a general one on a secret starting at the same byte:
     * keep the specific. Hits arrive in offset order, so only the tail of the
     * file's findings can share this offset: walking back from the end keeps a
     * file with a million hits linear. */
    for (size_t i = l->n; i-- > c->first_finding && l->items[i].offset >= hit->offset;) {
        ls_finding *o = &l->items[i];
        const char *oid = ls_ruleset_get(c->rules, o->rule)->id;
        const char *nid = ls_ruleset_get(c->rules, hit->rule)->id;
        if (o->offset != hit->offset)
            continue;
        if (ls_detect_supersedes(oid, nid))
            return 0;
        if (ls_detect_supersedes(nid, oid)) {
            ls_finding_free_fields(o);
            memmove(o, o + 1, (l->n - i - 1) * sizeof *o);
            memmove(&l->content[i], &l->content[i + 1], (l->n - i - 1) * sizeof *l->content);
            l->n--;
            break;
        }
    }
    f = ls_finding_list_add(l, c->rules, hit, c->path, none);
    if (!f) {
        c->oom = 1;
        return 1;
    }
    f->source = LS_SOURCE_FILE;
    f->layer = c->out->info.index;
    return 0;
}

static int scan_file(scan_ctx *c, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    const void *buf;
    size_t len;
    int r;
    XXH128_hash_t h;
    c->path = e->path;
    snprintf(c->failed_path, sizeof c->failed_path, "%s", e->path);
    c->first_finding = c->out->findings.n;
    XXH3_128bits_reset(c->hash);
    if (ls_scanner_begin(c->sc, e->path, on_hit, c, err) != 0)
        return -1;
    while ((r = ls_entry_data_next(data, &buf, &len, err)) > 0) {
        XXH3_128bits_update(c->hash, buf, len);
        c->out->bytes_scanned += len;
        if (ls_scanner_feed(c->sc, buf, len, err) != 0)
            return -1;
    }
    if (ls_scanner_end(c->sc, err) != 0 && r == 0)
        return -1;
    if (c->oom)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    h = XXH3_128bits_digest(c->hash);
    c->content.lo = h.low64;
    c->content.hi = h.high64;
    for (size_t i = c->first_finding; i < c->out->findings.n; i++)
        c->out->findings.content[i] = c->content;
    if (ls_fs_layer_put(c->out->fs, e->path, LS_FS_FILE, c->content) != 0)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (r < 0)
        return -1;
    c->failed_path[0] = '\0';
    return 0;
}

/* A hard link serves its target's bytes: report the target's findings (from
 * this layer, where the target must precede the link) at the link's path. */
static int link_file(scan_ctx *c, const ls_entry *e)
{
    ls_content_id content;
    ls_finding_list *l = &c->out->findings;
    size_t n = l->n;
    if (!ls_fs_layer_file(c->out->fs, e->target, &content)) {
        ls_fs_layer_put(c->out->fs, e->path, LS_FS_OTHER, (ls_content_id){0, 0});
        return ls_error_list_add(&c->out->errors, c->out->info.index, e->path,
                                 "hard link target %s is not a regular file earlier in this layer",
                                 e->target);
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(l->items[i].path, e->target) == 0 &&
            !ls_finding_list_copy(l, &l->items[i], e->path, content))
            return -1;
    return ls_fs_layer_put(c->out->fs, e->path, LS_FS_FILE, content);
}

static int on_entry(void *ud, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    scan_ctx *c = ud;
    ls_fs_layer *fs = c->out->fs;
    int rc = 0;
    switch (e->type) {
    case LS_ENTRY_FILE:
        return scan_file(c, e, data, err);
    case LS_ENTRY_HARDLINK:
        /* some writers store a hard link's bytes again: scan those */
        if (e->size > 0)
            return scan_file(c, e, data, err);
        rc = link_file(c, e);
        break;
    case LS_ENTRY_DIR:
        rc = ls_fs_layer_put(fs, e->path, LS_FS_DIR, (ls_content_id){0, 0});
        break;
    case LS_ENTRY_WHITEOUT:
        rc = ls_fs_layer_whiteout(fs, e->path);
        break;
    case LS_ENTRY_OPAQUE:
        rc = ls_fs_layer_opaque(fs, e->path);
        break;
    case LS_ENTRY_OTHER:
        return 0;
    default: /* symlinks, devices, fifos replace whatever was at the path */
        rc = ls_fs_layer_put(fs, e->path, LS_FS_OTHER, (ls_content_id){0, 0});
        break;
    }
    if (rc != 0)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    return 0;
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Compares what the blob hashed against what the image declares. */
static void verify_digests(ls_layer_result *out, const ls_image *img, size_t i, const ls_blob_info *bi)
{
    const char *want_digest = img->layers[i].digest;
    const char *want_diff = i < img->n_diff_ids ? img->diff_ids[i] : NULL;
    bool declared = want_digest || want_diff;
    bool ok = declared;
    if (want_digest && strcmp(want_digest, bi->digest) != 0) {
        ok = false;
        ls_error_list_add(&out->errors, (long)i, NULL,
                          "layer %zu blob digest mismatch: manifest says %s, content is %s", i,
                          want_digest, bi->digest);
    }
    if (want_diff && strcmp(want_diff, bi->diff_id) != 0) {
        ok = false;
        ls_error_list_add(&out->errors, (long)i, NULL,
                          "layer %zu diff_id mismatch: config says %s, uncompressed content is %s", i,
                          want_diff, bi->diff_id);
    }
    out->info.digest_verified = ok && out->info.scanned;
}

int ls_layer_scan(ls_source *src, size_t index, const ls_ruleset *rules, ls_scanner *sc,
                  ls_layer_result *out, ls_error *err)
{
    const ls_image *img = ls_source_image(src);
    scan_ctx c = {.out = out, .sc = sc, .rules = rules};
    ls_layer_counts counts = {0};
    ls_blob_info bi;
    ls_blob *blob = NULL;
    ls_reader *raw, *tar = NULL;
    ls_error lerr;
    int rc = -1;

    memset(out, 0, sizeof *out);
    out->info.index = (long)index;
    out->info.history = -1;
    out->info.digest = dup_str(img->layers[index].digest);
    out->info.media_type = dup_str(img->layers[index].media_type);
    ls_error_clear(&lerr);

    raw = ls_source_open_layer(src, index, &lerr);
    if (!raw)
        return ls_error_list_add(&out->errors, (long)index, NULL, "%s", lerr.msg) == 0 ? 0 : -1;
    blob = ls_blob_open_named(raw, img->layers[index].location ? img->layers[index].location : "layer blob", &lerr);
    if (!blob)
        return ls_error_list_add(&out->errors, (long)index, NULL, "%s", lerr.msg) == 0 ? 0 : -1;
    out->info.compression = ls_compression_name(ls_blob_compression(blob));
    out->fs = ls_fs_layer_new();
    c.hash = XXH3_createState();
    tar = ls_blob_reader(blob);
    if (!out->fs || !c.hash || !tar) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }

    if (ls_layer_walk(tar, on_entry, &c, &counts, &lerr) == 0) {
        out->info.scanned = true;
    } else if (lerr.code == LS_ERR_NOMEM || lerr.code == LS_ERR_INTERNAL) {
        *err = lerr;
        goto out;
    } else if (ls_error_list_add(&out->errors, (long)index, c.failed_path[0] ? c.failed_path : NULL,
                                 "layer %zu: %s", index, lerr.msg) != 0) {
        goto out;
    }
    out->info.entries = counts.entries;
    out->info.whiteouts = counts.whiteouts;

    ls_error_clear(&lerr);
    if (ls_blob_finish(blob, &bi, &lerr) != 0 && out->info.scanned)
        ls_error_list_add(&out->errors, (long)index, NULL, "layer %zu: %s", index, lerr.msg);
    out->info.compressed_bytes = bi.compressed_bytes;
    out->info.bytes = bi.bytes;
    out->info.diff_id = dup_str(bi.diff_id);
    if (!out->info.digest)
        out->info.digest = dup_str(bi.digest);
    verify_digests(out, img, index, &bi);
    rc = 0;
out:
    ls_reader_free(tar);
    ls_blob_free(blob);
    XXH3_freeState(c.hash);
    return rc;
}

void ls_layer_result_free(ls_layer_result *r)
{
    if (!r)
        return;
    free(r->info.digest);
    free(r->info.diff_id);
    free(r->info.media_type);
    ls_fs_layer_free(r->fs);
    ls_finding_list_free(&r->findings);
    ls_error_list_free(&r->errors);
    memset(r, 0, sizeof *r);
}
