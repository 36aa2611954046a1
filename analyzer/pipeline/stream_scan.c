/*
 * stream_scan.c - one stream through the matcher, nested archives opened
 * in-stream (see stream_scan.h).
 *
 * Each nesting level has its own scanner (the outer stream stays open while
 * its members run), made on first use and kept for the layer. A keystore
 * (detect/magic.h) keeps its head and is judged at the end of its stream; a
 * .pyc is scanned through a rewritten view (layer/pyc.h).
 */
#include "pipeline/stream_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/magic.h"
#include "layer/pyc.h"
#include "tamper/files.h"

/* Scanner levels: the layer's files, then one per nesting depth. */
#define MAX_LEVELS (LS_NESTED_MAX_DEPTH + 1)
/* Head bytes every stream is sniffed on (archives, keystores). */
#define SNIFF_BYTES LS_NESTED_SNIFF_BYTES

struct ls_stream_scan {
    const ls_ruleset *rules;
    ls_nested_limits lim;
    uint64_t max_findings;   /* per stream (--max-findings-per-file) */
    long layer;
    ls_finding_list *findings;
    ls_error_list *errors;
    uint64_t *bytes_scanned;
    ls_scanner *sc[MAX_LEVELS]; /* [0] the thread's (borrowed); deeper ones made on first use */
    long magic_rule[LS_MAGIC_PKCS12 + 1]; /* rule index per keystore kind, -1 = disabled */
    long key_rule;           /* ssh-authorized-key-added, -1 = disabled */
    unsigned char *magic;    /* the kept head of a keystore candidate */
    size_t magic_len, magic_cap;
    unsigned char *view;     /* a block rewritten for scanning (.pyc view) */
    size_t view_cap;
    bool debug;              /* trace suppressed candidates (ls_scan_opts.debug) */
    ls_error fail;           /* a failure met where no error can be returned (a
                              * matcher callback): out of memory; sticky */
};

/* One scanned stream: a layer file, a nested member, or the raw bytes of a
 * nested archive (whose hits are held until we know whether it opened). */
typedef struct {
    ls_stream_scan *c;
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
    ls_stream_scan *c = s->c;
    s->capped = true;
    if (s->dst == c->findings &&
        ls_error_list_add(c->errors, c->layer, s->path,
                          "more than %llu findings in this file: the rest are not reported "
                          "(--max-findings-per-file)",
                          (unsigned long long)c->max_findings) != 0)
        ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory");
    return 1;
}

static int on_hit(void *ud, const ls_hit *hit)
{
    stream_ctx *s = ud;
    ls_stream_scan *c = s->c;
    ls_content_id none = {0, 0};
    ls_finding *f;
    ls_finding_list *l = s->dst;
    ls_hit key;
    char evidence[1400];
    if (s->capped)
        return 1;
    /* a key line is reported as ssh-keygen -l names the key, and only when
     * sshd would accept it (tamper/files.h) */
    if (c->key_rule >= 0 && hit->rule == (size_t)c->key_rule) {
        key = *hit;
        if (!(key.secret_len = ls_tamper_key_evidence(hit->secret, hit->secret_len, evidence, sizeof evidence)))
            return 0;
        key.secret = evidence;
        hit = &key;
    }
    if (ls_finding_suppressed(c->rules, hit, s->path, c->debug))
        return 0;
    /* a specific rule and a general one on a secret starting at the same byte */
    if (ls_finding_list_supersede(l, s->first, c->rules, hit))
        return 0;
    if (l->n - s->first >= c->max_findings)
        return cap_reached(s);
    f = ls_finding_list_add(l, c->rules, hit, s->path, none);
    if (!f) {
        ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory");
        return 1;
    }
    f->source = LS_SOURCE_FILE;
    f->layer = c->layer;
    return 0;
}

/* The scanner for nesting level d, created on first use and kept for the
 * layer: never one per file. */
static ls_scanner *level(ls_stream_scan *c, unsigned d, ls_error *err)
{
    if (!c->sc[d])
        c->sc[d] = ls_scanner_new(ls_scanner_matcher(c->sc[0]), err);
    return c->sc[d];
}

/* A stream read ahead (core/blocks.h) for sniffing, and its blocks again. */
typedef struct {
    ls_blocks_ahead ahead;
    ls_blocks src;
} peek_src;

static int scan_stream(ls_stream_scan *c, unsigned depth, const char *path, ls_blocks *src, ls_error *err);

/* Keeps the head of a keystore candidate, up to LS_MAGIC_MAX_BYTES. */
static void magic_keep(ls_stream_scan *c, const void *buf, size_t len)
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
            ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory");
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
static void magic_finding(ls_stream_scan *c, stream_ctx *s, ls_magic_kind kind, uint64_t total)
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
static const void *pyc_block(ls_stream_scan *c, ls_pyc_view *v, const void *buf, size_t len)
{
    if (len > c->view_cap) {
        unsigned char *p = realloc(c->view, len);
        if (!p) {
            ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory");
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
static int scan_plain(ls_stream_scan *c, unsigned depth, const char *path, peek_src *pk, ls_error *err)
{
    stream_ctx s = {.c = c, .path = path, .dst = c->findings, .first = c->findings->n};
    ls_scanner *sc = level(c, depth, err);
    ls_magic_kind kind = ls_magic_sniff(pk->ahead.head, pk->ahead.head_len);
    bool pyc = ls_pyc_sniff(pk->ahead.head, pk->ahead.head_len, path);
    ls_pyc_view view;
    const void *buf;
    size_t len;
    uint64_t total = 0;
    int r;
    ls_error rerr = {0};
    if (!sc)
        return -1;
    if (kind != LS_MAGIC_NONE && c->magic_rule[kind] < 0)
        kind = LS_MAGIC_NONE;
    c->magic_len = 0;
    ls_pyc_view_init(&view);
    if (ls_scanner_begin(sc, path, on_hit, &s, err) != 0)
        return -1;
    while ((r = ls_blocks_next(&pk->src, &buf, &len, &rerr)) > 0) {
        *c->bytes_scanned += len;
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
    if (r < 0)
        return ls_error_pass(err, &rerr);
    if (kind != LS_MAGIC_NONE && c->fail.code == LS_OK)
        magic_finding(c, &s, kind, total);
    return 0;
}

/* The raw bytes of a nested archive as libarchive pulls them: scanned too
 * (held), so that an archive that fails to open is still scanned as bytes. */
typedef struct {
    peek_src *pk;
    ls_scanner *sc;
    ls_stream_scan *c;
    bool failed;              /* the scanner failed: *scan_err */
    ls_error scan_err;
} raw_src;

static int raw_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    raw_src *r = ud;
    int n = ls_blocks_next(&r->pk->src, buf, len, err);
    if (n <= 0)
        return n;
    *r->c->bytes_scanned += *len;
    if (ls_scanner_feed(r->sc, *buf, *len, &r->scan_err) != 0) {
        r->failed = true;
        return ls_error_set(err, r->scan_err.code, "%s", r->scan_err.msg);
    }
    return 1;
}

typedef struct {
    ls_stream_scan *c;
    unsigned depth;           /* the members' depth */
    const char *parent;       /* the archive's reported path */
} member_ctx;

static int on_member(void *ud, const ls_nested_member *m, ls_blocks *data, ls_error *err)
{
    member_ctx *mc = ud;
    size_t n = strlen(mc->parent) + 2 + strlen(m->name) + 1;
    char *path = malloc(n);
    int rc;
    if (!path) {
        ls_error_set(&mc->c->fail, LS_ERR_NOMEM, "out of memory");
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
static int keep_raw(ls_stream_scan *c, ls_finding_list *held, size_t members_first)
{
    ls_finding_list *l = c->findings;
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
static int scan_archive(ls_stream_scan *c, unsigned depth, const char *path, ls_nested_kind kind,
                        peek_src *pk, ls_error *err)
{
    ls_finding_list held = {0};
    stream_ctx s = {.c = c, .path = path, .dst = &held, .first = 0};
    raw_src rs = {.pk = pk, .c = c};
    ls_blocks src = {.next = raw_next, .ud = &rs};
    member_ctx mc = {.c = c, .depth = depth + 1, .parent = path};
    size_t members_first = c->findings->n;
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
    if (rs.failed) { /* the matcher's failure outranks what the walk met meanwhile */
        ls_error_clear(err);
        ls_error_pass(err, &rs.scan_err);
    }
    /* the bytes below broke off (a truncated layer): what was read is evidence */
    if (rc < 0 && !rs.failed && ls_error_level_of(err) != LS_LEVEL_FATAL &&
        keep_raw(c, &held, members_first) != 0)
        ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory");
    if (rc == 1) {
        if (ls_error_list_add(c->errors, c->layer, path, "%s: %s", path, why) != 0 ||
            keep_raw(c, &held, members_first) != 0) {
            ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory");
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        } else {
            rc = 0;
        }
    }
    ls_finding_list_free(&held);
    if (rc == 0)
        return ls_error_pass(err, &c->fail);
    return rc;
}

/* One stream at nesting depth `depth`: an archive is opened (when the depth
 * allows) and its members scanned, anything else scanned as bytes. */
static int scan_stream(ls_stream_scan *c, unsigned depth, const char *path, ls_blocks *src, ls_error *err)
{
    peek_src pk;
    ls_nested_kind kind;
    if (ls_blocks_ahead_fill(&pk.ahead, src, SNIFF_BYTES, err) != 0)
        return -1;
    pk.src = ls_blocks_ahead_src(&pk.ahead);
    kind = ls_nested_sniff(pk.ahead.head, pk.ahead.head_len, path);
    if (kind != LS_NESTED_NONE && depth >= c->lim.max_depth) {
        if (ls_error_list_add(c->errors, c->layer, path,
                              "%s: nested archive exceeds depth %u (--max-nested-depth): scanned as bytes",
                              path, c->lim.max_depth) != 0)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        kind = LS_NESTED_NONE;
    }
    if (kind == LS_NESTED_NONE)
        return scan_plain(c, depth, path, &pk, err);
    return scan_archive(c, depth, path, kind, &pk, err);
}

ls_stream_scan *ls_stream_scan_new(const ls_stream_scan_cfg *cfg)
{
    const ls_scan_opts *opts = cfg->opts;
    ls_stream_scan *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->rules = cfg->rules;
    c->lim = ls_nested_limits_resolve(opts ? opts->nested : NULL);
    c->debug = opts && opts->debug;
    c->max_findings = opts && opts->max_findings_per_file ? opts->max_findings_per_file
                                                          : LS_DEFAULT_MAX_FINDINGS_PER_FILE;
    c->layer = cfg->layer;
    c->findings = cfg->findings;
    c->errors = cfg->errors;
    c->bytes_scanned = cfg->bytes_scanned;
    c->sc[0] = cfg->scanner;
    c->key_rule = ls_ruleset_find(cfg->rules, LS_RULE_SSH_KEY);
    for (int k = 0; k <= LS_MAGIC_PKCS12; k++)
        c->magic_rule[k] = k == LS_MAGIC_NONE ? -1 : ls_ruleset_find(cfg->rules, ls_magic_rule_id((ls_magic_kind)k));
    return c;
}

int ls_stream_scan_run(ls_stream_scan *s, const char *path, ls_blocks *src, ls_error *err)
{
    int rc = scan_stream(s, 0, path, src, err);
    if (s->fail.code != LS_OK) {
        /* out of memory outranks whatever the stream met: the scan is unreliable */
        ls_error_clear(err);
        return ls_error_pass(err, &s->fail);
    }
    return rc;
}

void ls_stream_scan_free(ls_stream_scan *s)
{
    if (!s)
        return;
    for (size_t d = 1; d < MAX_LEVELS; d++)
        ls_scanner_free(s->sc[d]);
    free(s->magic);
    free(s->view);
    free(s);
}
