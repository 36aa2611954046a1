/*
 * image_scan.c - the image-level pipeline: open the source, map history to
 * layers, scan each layer, resolve every file finding's fate against the
 * layers above it, scan the metadata, and order the results.
 */
#include "layerscan/scan.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match/matcher.h"
#include "pipeline/findings.h"
#include "pipeline/history.h"
#include "pipeline/layer_cache.h"
#include "pipeline/layer_scan.h"
#include "pipeline/vendor.h"
#include "pipeline/metadata.h"
#include "pipeline/tamper.h"
#include "pipeline/vendor_capture.h"
#include "pipeline/parallel.h"
#include "pipeline/platforms.h"
#include "pipeline/attestations.h"
#include "pipeline/signatures.h"
#include "pipeline/supply_chain.h"
#include "source/source.h"

const char *ls_status_name(ls_status s)
{
    switch (s) {
    case LS_STATUS_PRESENT: return "present";
    case LS_STATUS_DELETED: return "deleted";
    case LS_STATUS_OVERWRITTEN: return "overwritten";
    case LS_STATUS_METADATA: return "metadata";
    }
    return "unknown";
}

const char *ls_finding_source_name(ls_finding_source s)
{
    switch (s) {
    case LS_SOURCE_FILE: return "file";
    case LS_SOURCE_HISTORY: return "history";
    case LS_SOURCE_CONFIG: return "config";
    case LS_SOURCE_ATTESTATION: return "attestation";
    case LS_SOURCE_SIGNATURE: return "signature";
    }
    return "unknown";
}

const char *ls_origin_name(ls_origin o)
{
    switch (o) {
    case LS_ORIGIN_IMAGE: return "image";
    case LS_ORIGIN_VENDOR: return "vendor";
    case LS_ORIGIN_THIRD_PARTY: return "third-party";
    case LS_ORIGIN_GENERATED: return "generated";
    }
    return "unknown";
}

const char *ls_report_instruction(const ls_report *r, const ls_finding *f)
{
    if (f->history < 0 || (size_t)f->history >= r->n_history)
        return NULL;
    return r->history[f->history].instruction;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Compares two paths, digit runs by value ("history[9]" < "history[10]"). */
static int natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            const char *ea = a, *eb = b;
            size_t la, lb;
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            ea = a;
            eb = b;
            while (*ea >= '0' && *ea <= '9')
                ea++;
            while (*eb >= '0' && *eb <= '9')
                eb++;
            la = (size_t)(ea - a);
            lb = (size_t)(eb - b);
            if (la != lb)
                return la < lb ? -1 : 1;
            {
                int c = memcmp(a, b, la);
                if (c)
                    return c;
            }
            a = ea;
            b = eb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return (unsigned char)*a < (unsigned char)*b ? -1 : (*a != *b);
}

/* Deterministic order: layer (null last), path, offset, then rule id. */
static int finding_cmp(const ls_finding *a, const ls_finding *b, const ls_ruleset *rules)
{
    int c;
    if (a->layer != b->layer) {
        if (a->layer < 0)
            return 1;
        if (b->layer < 0)
            return -1;
        return a->layer < b->layer ? -1 : 1;
    }
    if ((c = natural_cmp(a->path, b->path)) != 0)
        return c;
    if (a->offset != b->offset)
        return a->offset < b->offset ? -1 : 1;
    return strcmp(ls_ruleset_get(rules, a->rule)->id, ls_ruleset_get(rules, b->rule)->id);
}

/* A merge sort: stable, and it can take the rule set, which qsort cannot. */
static void sort_findings(ls_finding *v, size_t n, ls_finding *tmp, const ls_ruleset *rules)
{
    size_t mid, i, j, k;
    if (n < 2)
        return;
    mid = n / 2;
    sort_findings(v, mid, tmp, rules);
    sort_findings(v + mid, n - mid, tmp, rules);
    for (i = 0, j = mid, k = 0; i < mid && j < n;)
        tmp[k++] = finding_cmp(&v[j], &v[i], rules) < 0 ? v[j++] : v[i++];
    while (i < mid)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

void ls_report_free(ls_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_layers; i++) {
        free(r->layers[i].digest);
        free(r->layers[i].diff_id);
        free(r->layers[i].media_type);
    }
    free(r->layers);
    ls_history_report_free(r->history, r->n_history);
    for (size_t i = 0; i < r->n_findings; i++)
        ls_finding_free_fields(&r->findings[i]);
    free(r->findings);
    for (size_t i = 0; i < r->n_suppressed; i++)
        ls_finding_free_fields(&r->suppressed[i].finding);
    free(r->suppressed);
    for (size_t i = 0; i < r->n_packages; i++) {
        free(r->packages[i].name);
        free(r->packages[i].version);
    }
    free(r->packages);
    for (size_t i = 0; i < r->n_errors; i++) {
        free(r->errors[i].path);
        free(r->errors[i].message);
    }
    free(r->errors);
    ls_attestation_reports_free(r->attestations, r->n_attestations);
    ls_signature_reports_free(r->signatures, r->n_signatures);
    if (r->owner_free)
        r->owner_free(r->owner);
    else
        ls_source_free(r->owner);
    free(r);
}

typedef struct {
    ls_report *report;
    ls_layer_result *results;
    ls_fs_layer **fs;
    long *layer_history;
    ls_finding_list findings;
    ls_error_list errors;
    ls_scanner *scanner;
    const ls_scan_opts *opts;
    size_t window;           /* the matcher's confirmation window */
} scan_state;

static void state_release(scan_state *s, size_t n_layers)
{
    if (s->results)
        for (size_t i = 0; i < n_layers; i++)
            ls_layer_result_free(&s->results[i]);
    free(s->results);
    free(s->fs);
    free(s->layer_history);
    ls_finding_list_free(&s->findings);
    ls_error_list_free(&s->errors);
    ls_scanner_free(s->scanner);
}

static int map_history(scan_state *s, const ls_image *img, ls_error *err)
{
    ls_report *r = s->report;
    bool oom = false;
    r->history = calloc(img->n_history ? img->n_history : 1, sizeof *r->history);
    s->layer_history = calloc(img->n_layers ? img->n_layers : 1, sizeof *s->layer_history);
    if (!r->history || !s->layer_history)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    r->n_history = img->n_history;
    r->history_mismatch = !ls_history_map(img, r->history, s->layer_history, &oom);
    if (oom)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (img->has_config && r->history_mismatch) {
        size_t owners = 0;
        for (size_t i = 0; i < img->n_history; i++)
            owners += !img->history[i].empty_layer;
        if (ls_error_list_add(&s->errors, -1, NULL,
                              "history has %zu entries that create layers but the image has %zu "
                              "layers: findings are not attributed to instructions",
                              owners, img->n_layers) != 0)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    return 0;
}

/* Layers in parallel: each worker has its own scanner over the shared
 * matcher, each layer its own result slot, so the report does not depend on
 * which thread scanned what. */
typedef struct {
    scan_state *s;
    ls_source *src;
    const ls_ruleset *rules;
    ls_scanner **scanners;   /* one per worker; [0] is s->scanner */
    int *rc;                 /* per layer: ls_layer_scan's return */
    ls_error *errs;          /* per layer: its error when rc != 0 */
    size_t *order;           /* the layers in the order they are handed out */
    pthread_mutex_t lock;    /* serializes progress reports from workers */
    size_t done;             /* layers finished, under lock */
} layer_jobs;

/* Progress is reported as layers finish, in completion order: the callback
 * sees a count, never an index, so it cannot tell the order apart. */
static void report_progress(layer_jobs *j, size_t i)
{
    const ls_scan_opts *o = j->s->opts;
    if (!o || !o->progress)
        return;
    pthread_mutex_lock(&j->lock);
    j->done++;
    o->progress(o->progress_ctx, j->done, j->s->report->image->n_layers,
                j->s->results[i].info.compressed_bytes);
    pthread_mutex_unlock(&j->lock);
}

/* With a layer cache, a layer whose result is cached is not read at all;
 * otherwise it is scanned and its result offered to the cache. Either way the
 * slot ends up holding the same result (see layer_cache.h). */
static int scan_one_layer(void *ctx, unsigned worker, size_t k)
{
    layer_jobs *j = ctx;
    size_t i = j->order[k];
    ls_layer_cache *lc = j->s->opts ? j->s->opts->layer_cache : NULL;
    ls_layer_claim claim = {0};
    ls_layer_result *res = &j->s->results[i];
    if (lc && ls_layer_cache_lookup(lc, j->rules, ls_source_image(j->src), i, res, &claim) == 1) {
        j->rc[i] = 0;
    } else {
        j->rc[i] = ls_layer_scan(j->src, i, j->rules, j->scanners[worker],
                                 j->s->opts, res, &j->errs[i]);
        if (lc)
            ls_layer_cache_done(lc, &claim, j->rc[i] == 0 ? res : NULL);
    }
    report_progress(j, i);
    return j->rc[i] != 0;
}

/* Largest first (declared compressed size; unknown sizes last, in index
 * order): with layers in parallel the scan ends when the last layer does,
 * and a big layer started last would run alone on an otherwise idle
 * machine. The order of the results does not depend on it. */
static void order_layers(const ls_image *img, size_t *order)
{
    size_t n = img->n_layers;
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        /* insertion sort: a handful to a few hundred layers */
        while (k > 0 && img->layers[order[k - 1]].size < img->layers[i].size) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
}

static int scan_layers(scan_state *s, ls_source *src, const ls_image *img, const ls_ruleset *rules,
                       const ls_matcher *m, unsigned jobs, ls_error *err)
{
    ls_report *r = s->report;
    size_t n = img->n_layers, workers = jobs ? jobs : ls_parallel_cores();
    layer_jobs j = {.s = s, .src = src, .rules = rules, .lock = PTHREAD_MUTEX_INITIALIZER};
    int rc = -1;
    s->results = calloc(n ? n : 1, sizeof *s->results);
    s->fs = calloc(n ? n : 1, sizeof *s->fs);
    r->layers = calloc(n ? n : 1, sizeof *r->layers);
    if (workers > n)
        workers = n ? n : 1;
    j.scanners = calloc(workers, sizeof *j.scanners);
    j.rc = calloc(n ? n : 1, sizeof *j.rc);
    j.errs = calloc(n ? n : 1, sizeof *j.errs);
    j.order = calloc(n ? n : 1, sizeof *j.order);
    if (!s->results || !s->fs || !r->layers || !j.scanners || !j.rc || !j.errs || !j.order) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    j.scanners[0] = s->scanner;
    for (size_t w = 1; w < workers; w++)
        if (!(j.scanners[w] = ls_scanner_new(m, err)))
            goto out;
    order_layers(img, j.order);
    ls_parallel_for(n, (unsigned)workers, scan_one_layer, &j);
    for (size_t i = 0; i < n; i++) {
        ls_layer_result *res = &s->results[i];
        if (j.rc[i] != 0) {
            ls_error_pass(err, &j.errs[i]); /* the lowest failing layer, as a sequential run */
            goto out;
        }
        res->info.history = s->layer_history[i];
        s->fs[i] = res->fs;
        r->entries += res->info.entries;
        r->bytes_scanned += res->bytes_scanned;
    }
    rc = 0;
out:
    for (size_t w = 1; j.scanners && w < workers; w++)
        ls_scanner_free(j.scanners[w]);
    free(j.scanners);
    free(j.rc);
    free(j.errs);
    free(j.order);
    pthread_mutex_destroy(&j.lock);
    return rc;
}

/* ---- a stream: layers scanned as their blobs pass (source/stream.h) ------ */

/* Until the stream's manifest says which layer a blob is, its result is
 * indexed here: far above any real index, so the "layer N" of its messages
 * cannot be mistaken when it is settled (ls_layer_result_settle). */
#define STREAM_INDEX_BASE ((size_t)1 << 30)

typedef struct {
    char *name;             /* the member, NULL for a lone layer */
    ls_layer_result res;
    long taken_by;          /* the layer whose result it became, -1 while none */
} staged_blob;

typedef struct {
    staged_blob *v;
    size_t n, cap;
    scan_state *s;
    const ls_ruleset *rules;
    ls_blob_opts bopts;
    ls_reader_bounds bounds;
} stream_stage;

static void stage_free(stream_stage *st)
{
    for (size_t i = 0; i < st->n; i++) {
        free(st->v[i].name);
        ls_layer_result_free(&st->v[i].res);
    }
    free(st->v);
}

static int stage_blob(void *ctx, const char *name, ls_reader *raw, ls_error *err)
{
    stream_stage *st = ctx;
    staged_blob *b;
    /* an archive's config declares every layer's diff_id: checked when settled */
    ls_layer_expect want = {.location = name ? name : "stdin", .verified_later = name != NULL};
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        staged_blob *v = realloc(st->v, cap * sizeof *v);
        if (!v) {
            ls_reader_free(raw);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
        st->v = v;
        st->cap = cap;
    }
    b = &st->v[st->n];
    memset(b, 0, sizeof *b);
    b->taken_by = -1;
    if (name && !(b->name = strdup(name))) {
        ls_reader_free(raw);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (!(raw = ls_reader_bounded(raw, &st->bounds, want.location))) { /* raw is freed */
        free(b->name);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    st->n++;
    return ls_layer_scan_blob(raw, STREAM_INDEX_BASE + st->n - 1, &want, &st->bopts, NULL, st->rules,
                              st->s->scanner, st->s->opts, &b->res, err);
}

/* The blob layer i was read from, or NULL. */
static staged_blob *staged_for(stream_stage *st, const ls_source *src, size_t i)
{
    const char *member = ls_source_stream_member(src, i);
    for (size_t k = 0; k < st->n; k++)
        if (member ? st->v[k].name && strcmp(st->v[k].name, member) == 0 : !st->v[k].name && i == 0)
            return &st->v[k];
    return NULL;
}

/* Each layer of the image takes the result of the blob it names. A blob
 * the image names twice was read once: the second layer says so. A blob
 * the stream did not hold goes through ls_layer_scan, whose failed open
 * words it as for a file. */
static int settle_stream(scan_state *s, ls_source *src, const ls_image *img, stream_stage *st, ls_error *err)
{
    ls_report *r = s->report;
    size_t n = img->n_layers;
    s->results = calloc(n ? n : 1, sizeof *s->results);
    s->fs = calloc(n ? n : 1, sizeof *s->fs);
    r->layers = calloc(n ? n : 1, sizeof *r->layers);
    if (!s->results || !s->fs || !r->layers)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const ls_layer_ref *l = &img->layers[i];
        ls_layer_expect want = {.digest = l->digest,
                                .diff_id = i < img->n_diff_ids ? img->diff_ids[i] : NULL,
                                .media_type = l->media_type,
                                .location = l->location};
        staged_blob *b = staged_for(st, src, i);
        ls_layer_result *res = &s->results[i];
        if (b && b->taken_by < 0) {
            *res = b->res;
            memset(&b->res, 0, sizeof b->res);
            b->taken_by = (long)i;
            if (ls_layer_result_settle(res, i, &want, err) != 0)
                return -1;
        } else if (b) {
            res->info.index = (long)i;
            res->info.history = -1;
            if (ls_error_list_add(&res->errors, (long)i, NULL,
                                  "layer %zu: its blob %s is layer %ld's, read once from the stream: "
                                  "scanned and reported there", i, l->location, b->taken_by) != 0)
                return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        } else if (ls_layer_scan(src, i, s->report->rules, s->scanner, s->opts, res, err) != 0) {
            return -1;
        }
        res->info.history = s->layer_history[i];
        s->fs[i] = res->fs;
        r->entries += res->info.entries;
        r->bytes_scanned += res->bytes_scanned;
    }
    return 0;
}

/* Every file finding gets its origin (pipeline/vendor.h): the package
 * databases of all layers are in by now; then the structural tamper
 * checks that span layers (pipeline/tamper.h). */
/* The second read the package-file-modified check asks for. */
typedef struct {
    scan_state *s;
    ls_source *src;
} rehash_ctx;

static int rehash_layer(void *ctx, long layer, char *const *paths, const ls_content_id *contents, size_t n,
                        ls_error *err)
{
    rehash_ctx *x = ctx;
    ls_layer_result *res = &x->s->results[layer];
    if (!res->info.scanned)
        return 0; /* a layer that could not be read once is not read again */
    return ls_vendor_hash_files(&res->vendor, &res->errors, x->src, (size_t)layer, paths, contents, n, err);
}

static int judge_origins(scan_state *s, ls_source *src, const ls_image *img, ls_error *err)
{
    size_t n = img->n_layers;
    ls_vendor_layer *v = calloc(n ? n : 1, sizeof *v);
    rehash_ctx x = {s, src};
    ls_vendor_rehash rehash = {rehash_layer, &x};
    int rc;
    if (!v)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        v[i] = (ls_vendor_layer){.findings = &s->results[i].findings, .evidence = &s->results[i].vendor,
                                 .errors = &s->results[i].errors, .index = (long)i};
    rc = ls_vendor_resolve(v, s->fs, n, s->report, &rehash, err);
    /* the structural tamper checks need the origins (a package's setuid file) */
    if (rc == 0)
        rc = ls_tamper_judge(v, s->fs, n, s->report->rules, err);
    free(v);
    return rc;
}

/* Every file finding gets its fate, then all lists move into the report. */
static int collect(scan_state *s, const ls_image *img)
{
    ls_report *r = s->report;
    for (size_t i = 0; i < img->n_layers; i++) {
        ls_layer_result *res = &s->results[i];
        for (size_t k = 0; k < res->findings.n; k++) {
            ls_finding *f = &res->findings.items[k];
            ls_fs_fate fate = ls_fs_resolve(s->fs, img->n_layers, i, f->path, res->findings.content[k]);
            f->status = fate.status;
            f->removed_in_layer = fate.removed_in_layer;
            f->history = s->layer_history[i];
        }
        if (ls_finding_list_take(&s->findings, &res->findings) != 0 ||
            ls_error_list_take(&s->errors, &res->errors) != 0)
            return -1;
        r->layers[i] = res->info;
        memset(&res->info, 0, sizeof res->info);
        r->n_layers = i + 1;
    }
    return 0;
}

#define GENERIC_PREFIX "generic-"

static bool is_generic(const ls_ruleset *rules, size_t rule)
{
    return strncmp(ls_ruleset_get(rules, rule)->id, GENERIC_PREFIX, strlen(GENERIC_PREFIX)) == 0;
}

static bool overlaps(const ls_finding *a, const ls_finding *b)
{
    uint64_t a_end = a->offset + strlen(a->secret), b_end = b->offset + strlen(b->secret);
    return a->offset < b_end && b->offset < a_end;
}

static bool same_place(const ls_finding *a, const ls_finding *b)
{
    return a->layer == b->layer && strcmp(a->path, b->path) == 0;
}

/* Is v[i] overlapped by a non-generic finding at the same place? Findings are
 * sorted by offset within a place and no secret is longer than the matcher's
 * window, so only neighbours within that distance can overlap: the search
 * stays bounded however many findings one file has. */
static bool shadowed(const ls_finding *v, size_t n, size_t i, const ls_ruleset *rules, size_t window)
{
    for (size_t k = i; k-- > 0 && same_place(&v[k], &v[i]) &&
                       v[i].offset - v[k].offset <= window;)
        if (!is_generic(rules, v[k].rule) && overlaps(&v[k], &v[i]))
            return true;
    for (size_t k = i + 1; k < n && same_place(&v[k], &v[i]) &&
                           v[k].offset < v[i].offset + strlen(v[i].secret); k++)
        if (!is_generic(rules, v[k].rule) && overlaps(&v[k], &v[i]))
            return true;
    return false;
}

/* A generic assignment rule ("TOKEN=...") fires on the same bytes as the
 * specific rule that knows the token's shape; the specific one says more, so
 * the generic duplicate is dropped. Findings are sorted, so candidates sit in
 * the same (layer, path) run. Returns the new count. */
static size_t drop_shadowed_generics(ls_finding *v, size_t n, const ls_ruleset *rules, size_t window)
{
    size_t out = 0;
    bool *drop = calloc(n ? n : 1, sizeof *drop);
    if (!drop)
        return n; /* keeping duplicates is harmless */
    for (size_t i = 0; i < n; i++)
        drop[i] = is_generic(rules, v[i].rule) && shadowed(v, n, i, rules, window);
    for (size_t i = 0; i < n; i++) {
        if (drop[i])
            ls_finding_free_fields(&v[i]);
        else
            v[out++] = v[i];
    }
    free(drop);
    return out;
}

static int finish(scan_state *s, ls_error *err)
{
    ls_report *r = s->report;
    ls_finding *tmp = malloc((s->findings.n ? s->findings.n : 1) * sizeof *tmp);
    if (!tmp)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    sort_findings(s->findings.items, s->findings.n, tmp, r->rules);
    free(tmp);
    s->findings.n = drop_shadowed_generics(s->findings.items, s->findings.n, r->rules, s->window);
    r->findings = s->findings.items;
    r->n_findings = s->findings.n;
    free(s->findings.content);
    memset(&s->findings, 0, sizeof s->findings);
    r->errors = s->errors.items;
    r->n_errors = s->errors.n;
    memset(&s->errors, 0, sizeof s->errors);
    return 0;
}

/* A lone file that is not even a tar is not an image: refuse it. */
static int check_usable(const ls_image *img, const ls_report *r, const scan_state *s, ls_error *err)
{
    if (strcmp(img->transport, "layer") != 0 || img->n_layers != 1)
        return 0;
    if (s->results[0].info.scanned || s->results[0].info.entries > 0)
        return 0;
    (void)r;
    return ls_error_set(err, LS_ERR_FORMAT, "%s: not a container image or layer tarball (%s)",
                        img->reference,
                        s->results[0].errors.n ? s->results[0].errors.items[0].message : "unreadable");
}

/* A stream: its layers are scanned while the source opens, then settled
 * into their places; the source is the report's once open. */
static int open_stream(scan_state *s, const char *ref, const ls_source_opts *sopts, ls_source **src,
                       ls_error *err)
{
    stream_stage st = {.s = s,
                       .rules = s->report->rules,
                       .bopts = sopts->blob,
                       .bounds = {.max_bytes = sopts->max_layer_bytes ? sopts->max_layer_bytes
                                                                      : LS_DEFAULT_MAX_LAYER_BYTES,
                                  .deadline_ms = sopts->deadline_ms}};
    int rc = -1;
    if (ls_source_open_stream(src, ref, s->opts ? s->opts->stream_fd : 0, sopts, stage_blob, &st, err) != 0)
        goto out;
    s->report->owner = *src;
    s->report->image = ls_source_image(*src);
    if (map_history(s, s->report->image, err) != 0 || settle_stream(s, *src, s->report->image, &st, err) != 0)
        goto out;
    rc = 0;
out:
    stage_free(&st);
    return rc;
}

int ls_scan_one_image(const char *ref, const ls_matcher *m, const ls_scan_opts *opts,
                      ls_report **out, ls_error *err)
{
    ls_source_opts sopts = {.platform = opts ? opts->platform : NULL,
                            .registry = opts ? opts->registry : NULL,
                            .max_json_bytes = opts ? opts->max_json_bytes : 0,
                            .max_layer_bytes = opts ? opts->max_layer_bytes : 0,
                            .blob = {.no_map = opts && opts->no_mmap,
                                     .no_thread = opts && opts->no_decode_thread},
                            .engine_socket = opts ? opts->engine_socket : NULL};
    ls_source *src = NULL;
    const ls_image *img;
    scan_state s = {.opts = opts};
    ls_platform_list seen = {0}; /* with platform "all" (a stream): its images */
    double start = now_seconds();
    size_t n_layers = 0;
    int rc = -1;

    *out = NULL;
    sopts.platforms = &seen; /* platform "all" here: a stream, read once (platforms.c) */
    if (opts && opts->image_timeout_ms)
        sopts.deadline_ms = ls_monotonic_ms() + opts->image_timeout_ms;
    s.report = calloc(1, sizeof *s.report);
    if (!s.report)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    s.report->rules = ls_matcher_rules(m);
    s.window = ls_matcher_window(m);
    if (!(s.scanner = ls_scanner_new(m, err)))
        goto out;
    if (ls_source_is_stream(ref)) {
        int opened = open_stream(&s, ref, &sopts, &src, err);
        if (s.report->image)
            n_layers = s.report->image->n_layers; /* results to release, settled or not */
        if (opened != 0)
            goto out;
        if (seen.n > 1) {
            ls_error_set(err, LS_ERR_USAGE, "%s: --platform all reads an image piped in once and it "
                         "holds %zu platforms: save it to a file (oci-archive:FILE) to scan them all",
                         ref, seen.n);
            goto out;
        }
        img = s.report->image;
    } else {
        if (ls_source_open(&src, ref, &sopts, err) != 0)
            goto out;
        img = ls_source_image(src);
        n_layers = img->n_layers;
        s.report->owner = src;
        s.report->image = img;
        if (map_history(&s, img, err) != 0 ||
            scan_layers(&s, src, img, s.report->rules, m, opts ? opts->jobs : 0, err) != 0)
            goto out;
    }
    if (check_usable(img, s.report, &s, err) != 0)
        goto out;
    if (judge_origins(&s, src, img, err) != 0)
        goto out;
    if (collect(&s, img) != 0) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (ls_tamper_settle(&s.findings, s.fs, img->n_layers, s.report->rules, err) != 0)
        goto out;
    if (ls_metadata_scan(img, s.report->history, s.report->rules, s.scanner, &s.findings,
                         &s.report->bytes_scanned, opts && opts->debug, err) != 0 ||
        ls_tamper_config(img, s.report->history, s.report->n_history, s.report->rules, &s.findings, err) != 0 ||
        ls_supply_chain_scan(src, s.report, s.scanner, opts, &s.findings, &s.errors, err) != 0)
        goto out;
    if (finish(&s, err) != 0)
        goto out;
    if (sopts.deadline_ms && ls_monotonic_ms() >= sopts.deadline_ms) {
        /* layers read past the deadline failed: the report is incomplete */
        uint64_t ms = opts->image_timeout_ms;
        if (ms % 1000 == 0)
            ls_error_set(err, LS_ERR_LIMIT, "%s: not scanned within --image-timeout %llus", ref,
                         (unsigned long long)(ms / 1000));
        else
            ls_error_set(err, LS_ERR_LIMIT, "%s: not scanned within --image-timeout %llums", ref,
                         (unsigned long long)ms);
        goto out;
    }
    s.report->seconds = now_seconds() - start;
    *out = s.report;
    s.report = NULL;
    rc = 0;
out:
    state_release(&s, n_layers);
    ls_report_free(s.report);
    ls_platform_list_clear(&seen);
    return rc;
}

int ls_scan_image(const char *ref, const ls_matcher *m, const ls_scan_opts *opts, ls_report **out,
                  ls_error *err)
{
    /* every platform: one scan each, merged (pipeline/platforms.h) */
    if (opts && opts->platform && strcmp(opts->platform, LS_PLATFORM_ALL) == 0)
        return ls_scan_platforms(ref, m, opts, out, err);
    return ls_scan_one_image(ref, m, opts, out, err);
}
