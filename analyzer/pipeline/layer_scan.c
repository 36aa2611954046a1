/*
 * layer_scan.c - the layer driver: every tar entry of one layer is
 * classified and recorded in the layer's path table; regular files are
 * hashed (their content id) and handed to the stream scan; links are
 * resolved; the blob's digests are checked.
 *
 * Each file's bytes go through the stream scan (pipeline/stream_scan.h: the
 * matcher, nested archives and their rules); this file adds what makes them
 * a layer's. Every finding inside a layer file carries that file's content
 * id, so its fate is the outer file's; hard links report their target's
 * findings; the blob's digests are checked against the image's. Every layer
 * file's blocks also pass through the layer's vendor capture
 * (pipeline/vendor_capture.h), which keeps package databases and hashes the
 * files that produced findings.
 */
#include "pipeline/layer_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
/* Debian's libxxhash picks SSE2/AVX2/AVX-512 at run time only through its
 * *_dispatch entry points; this header renames the calls to them (the
 * content id of every file is about a tenth of a plain tar's scan time). */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__has_include)
#if __has_include(<xxh_x86dispatch.h>)
#include <xxh_x86dispatch.h>
#endif
#endif

#include "blob/blob.h"
#include "core/failure.h"
#include "layer/layer.h"
#include "layer/nested.h"
#include "layer/sparse.h"
#include "pipeline/stream_scan.h"
#include "pipeline/vendor_capture.h"
#include "tamper/files.h"

typedef struct {
    ls_layer_result *out;
    ls_stream_scan *ss;      /* the files' bytes through the matcher (pipeline/stream_scan.h) */
    XXH3_state_t *hash;
    char failed_path[1024];  /* the layer file being read, for an error raised while reading it */
    ls_vendor_capture *vc;   /* package databases and digests (pipeline/vendor_capture.h) */
    const ls_ruleset *rules;
    long setid_rule;         /* setuid-file-added, -1 = disabled */
} scan_ctx;

/* A layer file's blocks, hashed on the way (its content id) and seen by the
 * vendor capture. */
typedef struct {
    ls_blocks data;          /* the entry's data (layer.h) */
    scan_ctx *c;
} file_blocks;

static int file_blocks_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    file_blocks *f = ud;
    scan_ctx *c = f->c;
    int r = ls_blocks_next(&f->data, buf, len, err);
    if (r > 0) {
        XXH3_128bits_update(c->hash, *buf, *len);
        ls_vendor_capture_block(c->vc, *buf, *len);
    }
    return r;
}

/* A setuid or setgid file is a candidate the image judges once every
 * package database is in (pipeline/tamper.h): recorded before the file's
 * bytes stream, so the vendor capture hashes it like any file with a
 * finding. */
static int setid_candidate(scan_ctx *c, const ls_entry *e)
{
    char evidence[128];
    ls_hit hit = {0};
    ls_tamper_setid_evidence(e->mode, e->uid, e->gid, e->size, evidence, sizeof evidence);
    hit.rule = (size_t)c->setid_rule;
    hit.secret = evidence;
    hit.secret_len = strlen(evidence);
    hit.line = hit.column = 1;
    ls_finding *f = ls_finding_list_add(&c->out->findings, c->rules, &hit, e->path,
                                        (ls_content_id){0, 0});
    if (!f)
        return -1;
    f->source = LS_SOURCE_FILE;
    f->layer = c->out->info.index;
    return 0;
}

/* snprintf(dst, size, "%s", path) without the format machinery, which
 * showed in the profile of a layer of small files. */
static void keep_path(char *dst, size_t size, const char *path)
{
    size_t n = strlen(path);
    if (n >= size)
        n = size - 1;
    memcpy(dst, path, n);
    dst[n] = '\0';
}

static int scan_file(scan_ctx *c, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    file_blocks fb = {.data = ls_entry_data_blocks(data), .c = c};
    ls_blocks src = {.next = file_blocks_next, .ud = &fb};
    size_t first = c->out->findings.n;
    ls_content_id content;
    XXH128_hash_t h;
    uint64_t cut_at = 0;
    int r;
    keep_path(c->failed_path, sizeof c->failed_path, e->path);
    XXH3_128bits_reset(c->hash);
    ls_vendor_capture_begin(c->vc, e->path, e->size);
    if (c->setid_rule >= 0 && ls_tamper_setid(e->mode) && setid_candidate(c, e) != 0)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    r = ls_stream_scan_run(c->ss, e->path, &src, err);
    if (r < 0 && ls_error_level_of(err) == LS_LEVEL_FATAL)
        return -1;
    /* what was read is hashed even when the layer breaks off mid-file */
    h = XXH3_128bits_digest(c->hash);
    content.lo = h.low64;
    content.hi = h.high64;
    /* nested findings share the outer file's content: their fate is its fate */
    for (size_t i = first; i < c->out->findings.n; i++)
        c->out->findings.content[i] = content;
    if (ls_fs_layer_put(c->out->fs, e->path, LS_FS_FILE, content) != 0)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (r == 0 && ls_vendor_capture_end(c->vc, e->path, content, c->out->findings.n > first) != 0)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    /* a sparse entry's holes are scanned as zeros up to a bound (layer/sparse.h) */
    if (ls_entry_data_holes_cut(data, &cut_at) &&
        ls_error_list_add(&c->out->errors, c->out->info.index, e->path,
                          "%s: sparse holes beyond %llu zero bytes per layer were shortened: offsets after "
                          "byte %llu are not the file's", e->path, (unsigned long long)LS_SPARSE_FILL_MAX,
                          (unsigned long long)cut_at) != 0)
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
        if (ls_fs_layer_put(c->out->fs, e->path, LS_FS_OTHER, (ls_content_id){0, 0}) != 0)
            return -1;
        return ls_error_list_add(&c->out->errors, c->out->info.index, e->path,
                                 "hard link target %s is not a regular file earlier in this layer",
                                 e->target);
    }
    size_t tlen = strlen(e->target);
    for (size_t i = 0; i < n; i++) {
        const char *p = l->items[i].path;
        char *copy;
        if (strncmp(p, e->target, tlen) != 0 || (p[tlen] != '\0' && strncmp(p + tlen, "!/", 2) != 0))
            continue;
        /* "/t!/inner" is reported at "/link!/inner" */
        if (!(copy = malloc(strlen(e->path) + strlen(p + tlen) + 1)))
            return -1;
        strcpy(copy, e->path);
        strcat(copy, p + tlen);
        if (!ls_finding_list_copy(l, &l->items[i], copy, content)) {
            free(copy);
            return -1;
        }
        free(copy);
    }
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

/* Out of memory fails the whole scan: a report that silently lacks a layer's
 * digest or one of its errors (tamper evidence) must not look complete. */
static int nomem(ls_error *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

/* Errors that are ours (out of memory, a library failing us), not the
 * layer's: they fail the scan rather than become the layer's errors. */
static bool fatal(const ls_error *e)
{
    return ls_error_level_of(e) == LS_LEVEL_FATAL;
}

/* Compares the digests computed (want->... against out->info's) and
 * records each mismatch. 0, or -1 (out of memory: a mismatch could not be
 * recorded). */
static int verify_digests(ls_layer_result *out, size_t i, const char *want_digest, const char *want_diff,
                          const char *digest, const char *diff_id)
{
    bool declared = want_digest || want_diff;
    bool ok = declared;
    /* a digest left empty was never computed (the blob failed before its
     * end, an error the layer already has): nothing to compare, not verified */
    if (!digest || !diff_id || !digest[0] || !diff_id[0]) {
        out->info.digest_verified = false;
        return 0;
    }
    if (want_digest && strcmp(want_digest, digest) != 0) {
        ok = false;
        if (ls_error_list_add(&out->errors, (long)i, NULL,
                              "layer %zu blob digest mismatch: manifest says %s, content is %s", i,
                              want_digest, digest) != 0)
            return -1;
    }
    if (want_diff && strcmp(want_diff, diff_id) != 0) {
        ok = false;
        if (ls_error_list_add(&out->errors, (long)i, NULL,
                              "layer %zu diff_id mismatch: config says %s, uncompressed content is %s", i,
                              want_diff, diff_id) != 0)
            return -1;
    }
    out->info.digest_verified = ok && out->info.scanned;
    return 0;
}

int ls_layer_scan_blob(ls_reader *raw, size_t index, const ls_layer_expect *want, const ls_blob_opts *bopts,
                       ls_source *again, const ls_ruleset *rules, ls_scanner *sc, const ls_scan_opts *opts,
                       ls_layer_result *out, ls_error *err)
{
    scan_ctx c = {.out = out, .rules = rules, .setid_rule = ls_ruleset_find(rules, LS_RULE_SETID)};
    ls_stream_scan_cfg sscfg = {.scanner = sc, .rules = rules, .opts = opts, .layer = (long)index,
                                .findings = &out->findings, .errors = &out->errors,
                                .bytes_scanned = &out->bytes_scanned};
    ls_layer_counts counts = {0};
    ls_blob_info bi;
    ls_blob *blob = NULL;
    ls_reader *tar = NULL;
    ls_error lerr = {0};
    int rc = -1;

    memset(out, 0, sizeof *out);
    out->info.index = (long)index;
    out->info.history = -1;
    out->info.digest = dup_str(want->digest);
    out->info.media_type = dup_str(want->media_type);
    if ((want->digest && !out->info.digest) || (want->media_type && !out->info.media_type)) {
        ls_reader_free(raw);
        return nomem(err);
    }
    blob = ls_blob_open_with(raw, want->location ? want->location : "layer blob", bopts, &lerr);
    if (!blob && fatal(&lerr))
        return ls_error_pass(err, &lerr);
    if (!blob)
        return ls_error_list_add(&out->errors, (long)index, NULL, "%s", ls_failure_msg(&lerr)) == 0 ? 0 : nomem(err);
    /* verify_digests checks a SHA-256 over these bytes: gzip's CRC-32 is redundant */
    if (want->digest || want->diff_id || want->verified_later)
        ls_blob_skip_checksum(blob);
    out->info.compression = ls_compression_name(ls_blob_compression(blob));
    out->fs = ls_fs_layer_new();
    c.hash = XXH3_createState();
    c.ss = ls_stream_scan_new(&sscfg);
    c.vc = ls_vendor_capture_new(&out->vendor, &out->errors, (long)index);
    tar = ls_blob_reader(blob);
    if (!out->fs || !c.hash || !c.ss || !c.vc || !tar) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (!again)
        ls_vendor_capture_read_once(c.vc);

    if (ls_layer_walk(tar, on_entry, &c, &counts, &lerr) == 0) {
        out->info.scanned = true;
    } else if (fatal(&lerr)) {
        ls_error_pass(err, &lerr);
        goto out;
    } else if (ls_error_list_add(&out->errors, (long)index, c.failed_path[0] ? c.failed_path : NULL,
                                 "layer %zu: %s", index, ls_failure_msg(&lerr)) != 0) {
        nomem(err);
        goto out;
    }
    out->info.entries = counts.entries;
    out->info.whiteouts = counts.whiteouts;

    ls_error_clear(&lerr);
    if (ls_blob_finish(blob, &bi, &lerr) != 0 && out->info.scanned) {
        if (fatal(&lerr)) {
            ls_error_pass(err, &lerr);
            goto out;
        }
        if (ls_error_list_add(&out->errors, (long)index, NULL, "layer %zu: %s", index, ls_failure_msg(&lerr)) != 0) {
            nomem(err);
            goto out;
        }
    }
    out->info.compressed_bytes = bi.compressed_bytes;
    out->info.bytes = bi.bytes;
    out->info.diff_id = dup_str(bi.diff_id);
    if (!out->info.digest)
        out->info.digest = dup_str(bi.digest);
    if (!out->info.diff_id || !out->info.digest ||
        verify_digests(out, index, want->digest, want->diff_id, bi.digest, bi.diff_id) != 0) {
        nomem(err);
        goto out;
    }
    /* large files with findings are hashed now, the first reading done */
    if (out->info.scanned && ls_vendor_capture_finish(c.vc, out->fs, again, index, err) != 0)
        goto out;
    rc = 0;
out:
    ls_reader_free(tar);
    ls_blob_free(blob);
    XXH3_freeState(c.hash);
    ls_stream_scan_free(c.ss);
    ls_vendor_capture_free(c.vc);
    return rc;
}

int ls_layer_scan(ls_source *src, size_t index, const ls_ruleset *rules, ls_scanner *sc,
                  const ls_scan_opts *opts, ls_layer_result *out, ls_error *err)
{
    const ls_image *img = ls_source_image(src);
    const ls_layer_ref *l = &img->layers[index];
    ls_layer_expect want = {.digest = l->digest,
                            .diff_id = index < img->n_diff_ids ? img->diff_ids[index] : NULL,
                            .media_type = l->media_type,
                            .location = l->location};
    ls_error lerr = {0};
    ls_reader *raw = ls_source_open_layer(src, index, &lerr);
    if (raw)
        return ls_layer_scan_blob(raw, index, &want, ls_source_blob_opts(src), src, rules, sc, opts, out, err);
    memset(out, 0, sizeof *out);
    out->info.index = (long)index;
    out->info.history = -1;
    out->info.digest = dup_str(l->digest);
    out->info.media_type = dup_str(l->media_type);
    if ((l->digest && !out->info.digest) || (l->media_type && !out->info.media_type))
        return nomem(err);
    if (fatal(&lerr))
        return ls_error_pass(err, &lerr);
    return ls_error_list_add(&out->errors, (long)index, NULL, "%s", ls_failure_msg(&lerr)) == 0 ? 0 : nomem(err);
}

/* "layer OLD" at the start of a message, as this file and the vendor
 * capture write them, becomes "layer NEW". */
static int renumber_message(char **msg, size_t old, size_t now)
{
    char head[48], *m;
    int n = snprintf(head, sizeof head, "layer %zu", old);
    size_t tail;
    if (strncmp(*msg, head, (size_t)n) != 0 || ((*msg)[n] != ':' && (*msg)[n] != ' '))
        return 0;
    tail = strlen(*msg + n);
    if (!(m = malloc(48 + tail + 1)))
        return -1;
    snprintf(m, 48 + tail + 1, "layer %zu%s", now, *msg + n);
    free(*msg);
    *msg = m;
    return 0;
}

int ls_layer_result_settle(ls_layer_result *r, size_t index, const ls_layer_expect *want, ls_error *err)
{
    size_t old = (size_t)r->info.index;
    char *computed = r->info.digest;
    for (size_t k = 0; k < r->findings.n; k++)
        r->findings.items[k].layer = (long)index;
    for (size_t k = 0; k < r->errors.n; k++) {
        r->errors.items[k].layer = (long)index;
        if (renumber_message(&r->errors.items[k].message, old, index) != 0)
            return nomem(err);
    }
    r->info.index = (long)index;
    free(r->info.media_type);
    r->info.media_type = dup_str(want->media_type);
    if (want->media_type && !r->info.media_type)
        return nomem(err);
    if (verify_digests(r, index, want->digest, want->diff_id, computed, r->info.diff_id) != 0)
        return nomem(err);
    if (want->digest) {
        if (!(r->info.digest = strdup(want->digest))) {
            r->info.digest = computed;
            return nomem(err);
        }
        free(computed);
    }
    return 0;
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
    ls_vendor_evidence_free(&r->vendor);
    memset(r, 0, sizeof *r);
}
