/*
 * layer_scan.c - the per-layer loop: every tar entry is classified, recorded
 * in the layer's path table, and (for regular files) hashed and fed block by
 * block into the thread's Hyperscan stream.
 *
 * Archives inside the layer (jar, zip, tar, tar.gz, .gz, .zst, .bz2, .xz;
 * see layer/nested.h) are opened in-stream and each member is scanned as
 * its own stream, reported as "/app/a.jar!/BOOT-INF/x.properties". Each
 * nesting level has its own scanner (the outer stream stays open while its
 * members run), made on first use and kept for the layer. The raw bytes of
 * an archive are scanned as well, but their hits are held: when the archive
 * is read to its end they are dropped (a stored member would otherwise be
 * reported twice, and compressed bytes only yield noise); when it is corrupt,
 * truncated or over a limit, they are kept (minus secrets its members already
 * reported) along with an error entry, and the scan goes on. Every finding
 * inside a layer file carries that file's content id, so its fate is the
 * outer file's. Every layer file's blocks also pass through the layer's
 * vendor capture (pipeline/vendor_capture.h), which keeps package databases
 * and hashes the files that produced findings.
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
#include "detect/detect.h"
#include "detect/magic.h"
#include "layer/layer.h"
#include "layer/nested.h"
#include "layer/pyc.h"
#include "layer/sparse.h"
#include "pipeline/vendor_capture.h"

/* Scanner levels: the layer's files, then one per nesting depth. */
#define MAX_LEVELS (LS_NESTED_MAX_DEPTH + 1)
/* Head bytes every stream is sniffed on (archives, keystores). */
#define SNIFF_BYTES LS_NESTED_SNIFF_BYTES

typedef struct {
    ls_layer_result *out;
    const ls_ruleset *rules;
    ls_nested_limits lim;
    uint64_t max_findings;   /* per stream (--max-findings-per-file) */
    ls_scanner *sc[MAX_LEVELS]; /* [0] the thread's (borrowed); deeper ones made on first use */
    XXH3_state_t *hash;
    char failed_path[1024];  /* the layer file being read, for an error raised while reading it */
    long magic_rule[LS_MAGIC_PKCS12 + 1]; /* rule index per keystore kind, -1 = disabled */
    unsigned char *magic;    /* the kept head of a keystore candidate */
    size_t magic_len, magic_cap;
    unsigned char *view;     /* a block rewritten for scanning (.pyc view) */
    size_t view_cap;
    ls_vendor_capture *vc;   /* package databases and digests (pipeline/vendor_capture.h) */
    int oom;
    bool debug;              /* trace suppressed candidates (ls_scan_opts.debug) */
} scan_ctx;

/* One scanned stream: a layer file, a nested member, or the raw bytes of a
 * nested archive (whose hits are held until we know whether it opened). */
typedef struct {
    scan_ctx *c;
    const char *path;         /* reported path: "/app/a.jar!/x/y.properties" */
    ls_finding_list *dst;
    size_t first;             /* the stream's first finding in dst */
    bool capped;              /* reached max_findings: the rest of the stream is not reported */
} stream_ctx;

/* The stream has as many findings as a file may report: note it once in the
 * layer's errors (for streams that report directly; an archive's held-back
 * raw findings are dropped or kept whole later) and stop scanning it. */
static int cap_reached(stream_ctx *s)
{
    scan_ctx *c = s->c;
    s->capped = true;
    if (s->dst == &c->out->findings &&
        ls_error_list_add(&c->out->errors, c->out->info.index, s->path,
                          "more than %llu findings in this file: the rest are not reported "
                          "(--max-findings-per-file)",
                          (unsigned long long)c->max_findings) != 0)
        c->oom = 1;
    return 1;
}

static int on_hit(void *ud, const ls_hit *hit)
{
    stream_ctx *s = ud;
    scan_ctx *c = s->c;
    ls_content_id none = {0, 0};
    ls_finding *f;
    ls_finding_list *l = s->dst;
    if (s->capped)
        return 1;
    if (ls_finding_suppressed(c->rules, hit, s->path, c->debug))
        return 0;
    /* a specific rule and a general one on a secret starting at the same byte:
     * keep the specific. Hits arrive in offset order, so only the tail of the
     * stream's findings can share this offset: walking back from the end keeps a
     * file with a million hits linear. */
    for (size_t i = l->n; i-- > s->first && l->items[i].offset >= hit->offset;) {
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
    if (l->n - s->first >= c->max_findings)
        return cap_reached(s);
    f = ls_finding_list_add(l, c->rules, hit, s->path, none);
    if (!f) {
        c->oom = 1;
        return 1;
    }
    f->source = LS_SOURCE_FILE;
    f->layer = c->out->info.index;
    return 0;
}

/* The scanner for nesting level d, created on first use and kept for the
 * layer: never one per file. */
static ls_scanner *level(scan_ctx *c, unsigned d, ls_error *err)
{
    if (!c->sc[d])
        c->sc[d] = ls_scanner_new(ls_scanner_matcher(c->sc[0]), err);
    return c->sc[d];
}

/* A source whose first bytes are read ahead (for sniffing) and then
 * delivered again: zero-copy when the first block is long enough. */
typedef struct {
    ls_block_src *below;
    unsigned char copy[SNIFF_BYTES];
    const unsigned char *head;   /* what the sniffers see */
    size_t head_len;
    const unsigned char *rest;   /* the uncopied tail of the last block read ahead */
    size_t rest_len;
    int stage;                   /* 0 head, 1 rest, 2 below */
    bool eof;
} peek_src;

static int peek_fill(peek_src *p, ls_block_src *below, ls_error *err)
{
    const void *b;
    size_t n = 0, total;
    int r;
    memset(p, 0, sizeof *p);
    p->below = below;
    if ((r = below->next(below->ud, &b, &n, err)) <= 0) {
        p->eof = r == 0;
        return r < 0 ? -1 : 0;
    }
    if (n >= SNIFF_BYTES) {
        p->head = b;
        p->head_len = n;
        return 0;
    }
    if (n) /* libarchive may hand out an empty block with a NULL pointer */
        memcpy(p->copy, b, n);
    total = n;
    while (total < SNIFF_BYTES) {
        size_t take;
        if ((r = below->next(below->ud, &b, &n, err)) < 0)
            return -1;
        if (r == 0) {
            p->eof = true;
            break;
        }
        take = n < SNIFF_BYTES - total ? n : SNIFF_BYTES - total;
        if (take)
            memcpy(p->copy + total, b, take);
        total += take;
        if (take < n) {
            p->rest = (const unsigned char *)b + take;
            p->rest_len = n - take;
        }
    }
    p->head = p->copy;
    p->head_len = total;
    return 0;
}

static int peek_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    peek_src *p = ud;
    if (p->stage == 0) {
        p->stage = 1;
        if (p->head_len) {
            *buf = p->head;
            *len = p->head_len;
            return 1;
        }
    }
    if (p->stage == 1) {
        p->stage = 2;
        if (p->rest_len) {
            *buf = p->rest;
            *len = p->rest_len;
            return 1;
        }
    }
    if (p->eof)
        return 0;
    return p->below->next(p->below->ud, buf, len, err);
}

static int scan_stream(scan_ctx *c, unsigned depth, const char *path, ls_block_src *src, ls_error *err);

/* Keeps the head of a keystore candidate, up to LS_MAGIC_MAX_BYTES. */
static void magic_keep(scan_ctx *c, const void *buf, size_t len)
{
    size_t room = LS_MAGIC_MAX_BYTES - c->magic_len;
    if (len > room)
        len = room;
    if (!len)
        return;
    if (c->magic_len + len > c->magic_cap) {
        size_t cap = c->magic_cap ? c->magic_cap : 64 * 1024;
        unsigned char *m;
        while (cap < c->magic_len + len)
            cap *= 2;
        if (!(m = realloc(c->magic, cap))) {
            c->oom = 1;
            return;
        }
        c->magic = m;
        c->magic_cap = cap;
    }
    memcpy(c->magic + c->magic_len, buf, len);
    c->magic_len += len;
}

/* A keystore's verdict at the end of its stream: a finding whose secret is
 * a descriptor, never the binary bytes. */
static void magic_finding(scan_ctx *c, stream_ctx *s, ls_magic_kind kind, uint64_t total)
{
    char desc[256];
    ls_confidence conf = LS_CONF_MEDIUM;
    ls_hit hit = {0};
    bool report = ls_magic_describe(kind, c->magic, c->magic_len, total, desc, sizeof desc, &conf);
    if (!report) {
        if (c->debug)
            fprintf(stderr, "layerscan: suppressed %s at %s: %s\n", ls_magic_rule_id(kind), s->path, desc);
        return;
    }
    hit.rule = (size_t)c->magic_rule[kind];
    hit.secret = desc;
    hit.secret_len = strlen(desc);
    hit.line = hit.column = 1;
    if (on_hit(s, &hit) == 0 && s->dst->n > s->first) {
        ls_finding *f = &s->dst->items[s->dst->n - 1];
        if (f->rule == hit.rule && f->offset == 0 && strcmp(f->secret, desc) == 0)
            f->confidence = ls_detect_path_confidence(s->path, conf);
    }
}

/* A copy of a .pyc block rewritten into the scanning view (layer/pyc.h). */
static const void *pyc_block(scan_ctx *c, ls_pyc_view *v, const void *buf, size_t len)
{
    if (len > c->view_cap) {
        unsigned char *p = realloc(c->view, len);
        if (!p) {
            c->oom = 1;
            return NULL;
        }
        c->view = p;
        c->view_cap = len;
    }
    memcpy(c->view, buf, len);
    ls_pyc_view_apply(v, c->view, len);
    return c->view;
}

/* A stream that is not an archive: every block through the level's scanner. */
static int scan_plain(scan_ctx *c, unsigned depth, const char *path, peek_src *pk, ls_error *err)
{
    stream_ctx s = {.c = c, .path = path, .dst = &c->out->findings, .first = c->out->findings.n};
    ls_scanner *sc = level(c, depth, err);
    ls_magic_kind kind = ls_magic_sniff(pk->head, pk->head_len);
    bool pyc = ls_pyc_sniff(pk->head, pk->head_len, path);
    ls_pyc_view view;
    const void *buf;
    size_t len;
    uint64_t total = 0;
    int r;
    ls_error rerr;
    if (!sc)
        return -1;
    if (kind != LS_MAGIC_NONE && c->magic_rule[kind] < 0)
        kind = LS_MAGIC_NONE;
    c->magic_len = 0;
    ls_pyc_view_init(&view);
    if (ls_scanner_begin(sc, path, on_hit, &s, err) != 0)
        return -1;
    ls_error_clear(&rerr);
    while ((r = peek_next(pk, &buf, &len, &rerr)) > 0) {
        c->out->bytes_scanned += len;
        total += len;
        if (kind != LS_MAGIC_NONE)
            magic_keep(c, buf, len);
        if (!len)
            continue;
        if (pyc && !(buf = pyc_block(c, &view, buf, len)))
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        if (ls_scanner_feed(sc, buf, len, err) != 0)
            return -1;
    }
    if (ls_scanner_end(sc, err) != 0)
        return -1;
    if (r < 0) {
        *err = rerr;
        return -1;
    }
    if (kind != LS_MAGIC_NONE && !c->oom)
        magic_finding(c, &s, kind, total);
    return 0;
}

/* The raw bytes of a nested archive as libarchive pulls them: scanned too
 * (held), so that an archive that fails to open is still scanned as bytes. */
typedef struct {
    peek_src *pk;
    ls_scanner *sc;
    scan_ctx *c;
    bool failed;              /* the scanner failed: *scan_err */
    ls_error scan_err;
} raw_src;

static int raw_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    raw_src *r = ud;
    int n = peek_next(r->pk, buf, len, err);
    if (n <= 0)
        return n;
    r->c->out->bytes_scanned += *len;
    if (ls_scanner_feed(r->sc, *buf, *len, &r->scan_err) != 0) {
        r->failed = true;
        return ls_error_set(err, r->scan_err.code, "%s", r->scan_err.msg);
    }
    return 1;
}

typedef struct {
    scan_ctx *c;
    unsigned depth;           /* the members' depth */
    const char *parent;       /* the archive's reported path */
} member_ctx;

static int on_member(void *ud, const ls_nested_member *m, ls_block_src *data, ls_error *err)
{
    member_ctx *mc = ud;
    size_t n = strlen(mc->parent) + 2 + strlen(m->name) + 1;
    char *path = malloc(n);
    int rc;
    if (!path) {
        mc->c->oom = 1;
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    snprintf(path, n, "%s!/%s", mc->parent, m->name);
    rc = scan_stream(mc->c, mc->depth, path, data, err);
    free(path);
    return rc;
}

static bool same_secret(const ls_finding *a, const ls_finding *b)
{
    return a->rule == b->rule && strcmp(a->secret, b->secret) == 0;
}

/* The archive stopped early: its raw findings stand in for what could not be
 * read, except those its members already reported. */
static int keep_raw(scan_ctx *c, ls_finding_list *held, size_t members_first)
{
    ls_finding_list *l = &c->out->findings;
    size_t members_end = l->n;
    for (size_t i = 0; i < held->n; i++) {
        bool dup = false;
        for (size_t k = members_first; k < members_end && !dup; k++)
            dup = same_secret(&held->items[i], &l->items[k]);
        if (!dup && !ls_finding_list_copy(l, &held->items[i], held->items[i].path, held->content[i]))
            return -1;
    }
    return 0;
}

/* A nested archive: its members scanned one level down, its raw bytes held. */
static int scan_archive(scan_ctx *c, unsigned depth, const char *path, ls_nested_kind kind,
                        peek_src *pk, ls_error *err)
{
    ls_finding_list held = {0};
    stream_ctx s = {.c = c, .path = path, .dst = &held, .first = 0};
    raw_src rs = {.pk = pk, .c = c};
    ls_block_src src = {.next = raw_next, .ud = &rs};
    member_ctx mc = {.c = c, .depth = depth + 1, .parent = path};
    size_t members_first = c->out->findings.n;
    char why[400];
    const void *buf;
    size_t len;
    int rc, r;
    if (!(rs.sc = level(c, depth, err)) || ls_scanner_begin(rs.sc, path, on_hit, &s, err) != 0)
        return -1;
    rc = ls_nested_walk(&src, kind, path, &c->lim, on_member, &mc, why, sizeof why, err);
    while (rc >= 0 && (r = raw_next(&rs, &buf, &len, err)) > 0)
        ;
    if (rc >= 0 && r < 0)
        rc = -1;
    if (ls_scanner_end(rs.sc, rs.failed || rc < 0 ? &rs.scan_err : err) != 0 && rc >= 0)
        rc = -1;
    if (rs.failed)
        *err = rs.scan_err;
    /* the bytes below broke off (a truncated layer): what was read is evidence */
    if (rc < 0 && !rs.failed && ls_error_level_of(err) != LS_LEVEL_FATAL &&
        keep_raw(c, &held, members_first) != 0)
        c->oom = 1;
    if (rc == 1) {
        if (ls_error_list_add(&c->out->errors, c->out->info.index, path, "%s: %s", path, why) != 0 ||
            keep_raw(c, &held, members_first) != 0) {
            c->oom = 1;
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        } else {
            rc = 0;
        }
    }
    ls_finding_list_free(&held);
    if (c->oom && rc == 0)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    return rc;
}

/* One stream at nesting depth `depth`: an archive is opened (when the depth
 * allows) and its members scanned, anything else scanned as bytes. */
static int scan_stream(scan_ctx *c, unsigned depth, const char *path, ls_block_src *src, ls_error *err)
{
    peek_src pk;
    ls_nested_kind kind;
    if (peek_fill(&pk, src, err) != 0)
        return -1;
    kind = ls_nested_sniff(pk.head, pk.head_len, path);
    if (kind != LS_NESTED_NONE && depth >= c->lim.max_depth) {
        if (ls_error_list_add(&c->out->errors, c->out->info.index, path,
                              "%s: nested archive exceeds depth %u (--max-nested-depth): scanned as bytes",
                              path, c->lim.max_depth) != 0)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        kind = LS_NESTED_NONE;
    }
    if (kind == LS_NESTED_NONE)
        return scan_plain(c, depth, path, &pk, err);
    return scan_archive(c, depth, path, kind, &pk, err);
}

/* A layer file's blocks, hashed on the way (its content id). */
static int entry_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    void **pair = ud;
    scan_ctx *c = pair[1];
    int r = ls_entry_data_next(pair[0], buf, len, err);
    if (r > 0) {
        XXH3_128bits_update(c->hash, *buf, *len);
        ls_vendor_capture_block(c->vc, *buf, *len);
    }
    return r;
}

static int scan_file(scan_ctx *c, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    void *pair[2] = {data, c};
    ls_block_src src = {.next = entry_next, .ud = pair};
    size_t first = c->out->findings.n;
    ls_content_id content;
    XXH128_hash_t h;
    uint64_t cut_at = 0;
    int r;
    snprintf(c->failed_path, sizeof c->failed_path, "%s", e->path);
    XXH3_128bits_reset(c->hash);
    ls_vendor_capture_begin(c->vc, e->path, e->size);
    r = scan_stream(c, 0, e->path, &src, err);
    if (c->oom)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
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

/* Compares what the blob hashed against what the image declares. 0, or -1
 * (out of memory: a mismatch could not be recorded). */
static int verify_digests(ls_layer_result *out, const ls_image *img, size_t i, const ls_blob_info *bi)
{
    const char *want_digest = img->layers[i].digest;
    const char *want_diff = i < img->n_diff_ids ? img->diff_ids[i] : NULL;
    bool declared = want_digest || want_diff;
    bool ok = declared;
    /* a digest left empty was never computed (the blob failed before its
     * end, an error the layer already has): nothing to compare, not verified */
    if (!bi->digest[0] || !bi->diff_id[0]) {
        out->info.digest_verified = false;
        return 0;
    }
    if (want_digest && strcmp(want_digest, bi->digest) != 0) {
        ok = false;
        if (ls_error_list_add(&out->errors, (long)i, NULL,
                              "layer %zu blob digest mismatch: manifest says %s, content is %s", i,
                              want_digest, bi->digest) != 0)
            return -1;
    }
    if (want_diff && strcmp(want_diff, bi->diff_id) != 0) {
        ok = false;
        if (ls_error_list_add(&out->errors, (long)i, NULL,
                              "layer %zu diff_id mismatch: config says %s, uncompressed content is %s", i,
                              want_diff, bi->diff_id) != 0)
            return -1;
    }
    out->info.digest_verified = ok && out->info.scanned;
    return 0;
}

int ls_layer_scan(ls_source *src, size_t index, const ls_ruleset *rules, ls_scanner *sc,
                  const ls_scan_opts *opts, ls_layer_result *out, ls_error *err)
{
    const ls_image *img = ls_source_image(src);
    scan_ctx c = {.out = out, .sc = {sc}, .rules = rules, .lim = ls_nested_limits_resolve(opts ? opts->nested : NULL),
                  .max_findings = opts && opts->max_findings_per_file ? opts->max_findings_per_file
                                                                      : LS_DEFAULT_MAX_FINDINGS_PER_FILE,
                  .debug = opts && opts->debug};
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
    if ((img->layers[index].digest && !out->info.digest) ||
        (img->layers[index].media_type && !out->info.media_type))
        return nomem(err);
    ls_error_clear(&lerr);
    for (int k = 0; k <= LS_MAGIC_PKCS12; k++)
        c.magic_rule[k] = k == LS_MAGIC_NONE ? -1 : ls_ruleset_find(rules, ls_magic_rule_id((ls_magic_kind)k));

    raw = ls_source_open_layer(src, index, &lerr);
    if (!raw && fatal(&lerr))
        return *err = lerr, -1;
    if (!raw)
        return ls_error_list_add(&out->errors, (long)index, NULL, "%s", lerr.msg) == 0 ? 0 : nomem(err);
    blob = ls_blob_open_with(raw, img->layers[index].location ? img->layers[index].location : "layer blob",
                             ls_source_blob_opts(src), &lerr);
    if (!blob && fatal(&lerr))
        return *err = lerr, -1;
    if (!blob)
        return ls_error_list_add(&out->errors, (long)index, NULL, "%s", lerr.msg) == 0 ? 0 : nomem(err);
    /* verify_digests checks a SHA-256 over these bytes: gzip's CRC-32 is redundant */
    if (img->layers[index].digest || (index < img->n_diff_ids && img->diff_ids[index]))
        ls_blob_skip_checksum(blob);
    out->info.compression = ls_compression_name(ls_blob_compression(blob));
    out->fs = ls_fs_layer_new();
    c.hash = XXH3_createState();
    c.vc = ls_vendor_capture_new(&out->vendor, &out->errors, (long)index);
    tar = ls_blob_reader(blob);
    if (!out->fs || !c.hash || !c.vc || !tar) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }

    if (ls_layer_walk(tar, on_entry, &c, &counts, &lerr) == 0) {
        out->info.scanned = true;
    } else if (fatal(&lerr)) {
        *err = lerr;
        goto out;
    } else if (ls_error_list_add(&out->errors, (long)index, c.failed_path[0] ? c.failed_path : NULL,
                                 "layer %zu: %s", index, lerr.msg) != 0) {
        nomem(err);
        goto out;
    }
    out->info.entries = counts.entries;
    out->info.whiteouts = counts.whiteouts;

    ls_error_clear(&lerr);
    if (ls_blob_finish(blob, &bi, &lerr) != 0 && out->info.scanned) {
        if (fatal(&lerr)) {
            *err = lerr;
            goto out;
        }
        if (ls_error_list_add(&out->errors, (long)index, NULL, "layer %zu: %s", index, lerr.msg) != 0) {
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
        verify_digests(out, img, index, &bi) != 0) {
        nomem(err);
        goto out;
    }
    /* large files with findings are hashed now, the first reading done */
    if (out->info.scanned && ls_vendor_capture_finish(c.vc, out->fs, src, index, err) != 0)
        goto out;
    rc = 0;
out:
    ls_reader_free(tar);
    ls_blob_free(blob);
    XXH3_freeState(c.hash);
    for (size_t d = 1; d < MAX_LEVELS; d++)
        ls_scanner_free(c.sc[d]);
    free(c.magic);
    free(c.view);
    ls_vendor_capture_free(c.vc);
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
    ls_vendor_evidence_free(&r->vendor);
    memset(r, 0, sizeof *r);
}
