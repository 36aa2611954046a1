/*
 * platforms.c - every platform of a multi-platform index into one report.
 *
 * The index is resolved once with the platform "all" (source.h), which
 * lists its images as the normal selection would see them; then each is
 * scanned as its own image (ls_scan_image with its "os/arch[/variant]"),
 * all through one layer result cache so a layer two platforms share is read
 * once, and the reports are merged by moving their contents into one: the
 * per-platform reports stay alive (emptied) only because the merged view's
 * image borrows their images' history and layer entries. A registry
 * reference by tag is pinned to the index digest first, so every platform
 * comes from the same index even if the tag moves during the scan.
 */
#include "pipeline/platforms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h" /* ls_monotonic_ms */
#include "match/matcher.h"
#include "pipeline/layer_cache.h"
#include "source/source.h"

/* What a merged report owns through ls_report.owner. */
typedef struct {
    ls_image image;             /* top-level strings its own; arrays of entries borrowed from parts */
    ls_report **parts;          /* the per-platform reports, emptied into the merged one */
    size_t n_parts;
    ls_platform_report *platforms;
    size_t n_platforms;
} merged_owner;

static void platform_report_clear(ls_platform_report *p)
{
    free(p->platform);
    free(p->os);
    free(p->architecture);
    free(p->variant);
    free(p->manifest_digest);
    free(p->config_digest);
    free(p->created);
}

static void owner_free(void *arg)
{
    merged_owner *o = arg;
    if (!o)
        return;
    free(o->image.reference);
    free(o->image.transport);
    free(o->image.manifest_digest);
    free(o->image.config_digest);
    free(o->image.os);
    free(o->image.architecture);
    free(o->image.variant);
    free(o->image.created);
    free(o->image.layers);  /* entries are the parts' images' */
    free(o->image.history);
    for (size_t i = 0; i < o->n_parts; i++)
        ls_report_free(o->parts[i]);
    free(o->parts);
    for (size_t i = 0; i < o->n_platforms; i++)
        platform_report_clear(&o->platforms[i]);
    free(o->platforms);
    free(o);
}

static bool dup_into(char **dst, const char *s)
{
    *dst = s ? strdup(s) : NULL;
    return !s || *dst;
}

/* The index's images, and the reference as the source names it. */
static int list_platforms(const char *ref, const ls_scan_opts *opts, ls_platform_list *l,
                          merged_owner *o, ls_error *err)
{
    ls_source_opts sopts = {.platform = LS_PLATFORM_ALL,
                            .platforms = l,
                            .registry = opts->registry,
                            .max_json_bytes = opts->max_json_bytes,
                            .max_layer_bytes = opts->max_layer_bytes,
                            .engine_socket = opts->engine_socket};
    ls_source *src = NULL;
    const ls_image *img;
    int rc = -1;
    if (opts->image_timeout_ms)
        sopts.deadline_ms = ls_monotonic_ms() + opts->image_timeout_ms;
    if (ls_source_open(&src, ref, &sopts, err) != 0)
        return -1;
    img = ls_source_image(src);
    if (!dup_into(&o->image.reference, img->reference) || !dup_into(&o->image.transport, img->transport)) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
        goto out;
    }
    rc = 0;
out:
    ls_source_free(src);
    return rc;
}

/* "docker://HOST/REPO[:TAG]" pinned to the index it named:
 * "docker://HOST/REPO@DIGEST"; NULL (the reference as given) otherwise. */
static char *pinned_ref(const char *ref, const char *transport, const ls_platform_list *l)
{
    const char *slash, *colon;
    size_t keep;
    char *out;
    if (!transport || strcmp(transport, "docker") != 0 || !l->root_digest || strchr(ref, '@') ||
        strncmp(ref, "docker://", 9) != 0)
        return NULL;
    slash = strrchr(ref + 9, '/'); /* a port's colon is before it; none: "docker://alpine:3" */
    colon = strchr(slash ? slash : ref + 9, ':');
    keep = colon ? (size_t)(colon - ref) : strlen(ref);
    if (!(out = malloc(keep + strlen(l->root_digest) + 2)))
        return NULL;
    memcpy(out, ref, keep);
    sprintf(out + keep, "@%s", l->root_digest);
    return out;
}

/* The cache the scans share: the caller's, else a private one for the run. */
static int open_cache(const ls_scan_opts *opts, const ls_matcher *m, ls_layer_cache **priv,
                      ls_layer_cache **use, ls_error *err)
{
    *priv = NULL;
    *use = opts->layer_cache;
    if (*use)
        return 0;
    if (ls_layer_cache_open(priv, NULL, NULL, ls_matcher_rules(m), "platform-all", NULL, 0, err) != 0)
        return -1;
    *use = *priv;
    return 0;
}

static long shift(long i, size_t by)
{
    return i >= 0 ? i + (long)by : i;
}

typedef struct {
    size_t layers, history, packages, platform;
} offsets;

static void shift_finding(ls_finding *f, const offsets *at)
{
    f->layer = shift(f->layer, at->layers);
    f->history = shift(f->history, at->history);
    f->removed_in_layer = shift(f->removed_in_layer, at->layers);
    f->package = shift(f->package, at->packages);
    f->platform = at->platform;
}

/* Grows r's arrays by p's counts (all zero-filled); false when out of memory. */
static bool grow(void **v, size_t have, size_t more, size_t size)
{
    void *n;
    if (more == 0)
        return true;
    if (!(n = realloc(*v, (have + more) * size)))
        return false;
    *v = n;
    return true;
}

static bool grow_all(ls_report *r, merged_owner *o, const ls_report *p)
{
    size_t n_img_layers = p->image ? p->image->n_layers : 0;
    return grow((void **)&r->layers, r->n_layers, p->n_layers, sizeof *r->layers) &&
           grow((void **)&r->history, r->n_history, p->n_history, sizeof *r->history) &&
           grow((void **)&r->findings, r->n_findings, p->n_findings, sizeof *r->findings) &&
           grow((void **)&r->suppressed, r->n_suppressed, p->n_suppressed, sizeof *r->suppressed) &&
           grow((void **)&r->errors, r->n_errors, p->n_errors, sizeof *r->errors) &&
           grow((void **)&r->packages, r->n_packages, p->n_packages, sizeof *r->packages) &&
           grow((void **)&r->attestations, r->n_attestations, p->n_attestations, sizeof *r->attestations) &&
           grow((void **)&r->signatures, r->n_signatures, p->n_signatures, sizeof *r->signatures) &&
           grow((void **)&o->image.layers, o->image.n_layers, n_img_layers, sizeof *o->image.layers) &&
           grow((void **)&o->image.history, o->image.n_history, p->n_history, sizeof *o->image.history);
}

/* The platform entry for part k: the config's word, else the descriptor's. */
static int describe(ls_platform_report *d, const ls_report *p, const char *listed, ls_error *err)
{
    const ls_image *img = p->image;
    char name[200];
    if (img->os && img->architecture)
        ls_platform_format(name, sizeof name, img->os, img->architecture, img->variant);
    else
        snprintf(name, sizeof name, "%s", listed ? listed : "");
    if (!dup_into(&d->platform, name[0] ? name : NULL) || !dup_into(&d->os, img->os) ||
        !dup_into(&d->architecture, img->architecture) || !dup_into(&d->variant, img->variant) ||
        !dup_into(&d->manifest_digest, img->manifest_digest) ||
        !dup_into(&d->config_digest, img->config_digest) || !dup_into(&d->created, img->created))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory merging the platforms' reports");
    return 0;
}

/* Moves part p (platform k) into r: its entries become r's, renumbered. */
static int absorb(ls_report *r, merged_owner *o, ls_report *p, size_t k, const char *listed,
                  ls_error *err)
{
    offsets at = {r->n_layers, r->n_history, r->n_packages, k};
    ls_platform_report *d = &o->platforms[k];
    size_t n_hist = p->n_history < p->image->n_history ? p->n_history : p->image->n_history;
    if (!grow_all(r, o, p))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory merging the platforms' reports");
    if (describe(d, p, listed, err) != 0)
        return -1;
    d->first_layer = p->n_layers ? (long)at.layers : -1;
    d->n_layers = p->n_layers;
    d->first_history = p->n_history ? (long)at.history : -1;
    d->n_history = p->n_history;
    for (size_t i = 0; i < p->n_layers; i++) {
        ls_layer_report *l = &r->layers[r->n_layers++];
        *l = p->layers[i];
        l->index = shift(l->index, at.layers);
        l->history = shift(l->history, at.history);
        l->platform = k;
    }
    for (size_t i = 0; i < p->image->n_layers; i++)
        o->image.layers[o->image.n_layers++] = p->image->layers[i];
    for (size_t i = 0; i < p->n_history; i++) {
        ls_history_report *h = &r->history[r->n_history++];
        *h = p->history[i];
        h->index = shift(h->index, at.history);
        h->layer = shift(h->layer, at.layers);
        h->platform = k;
        /* the writers read created_by and created beside it, by index */
        if (i < n_hist)
            o->image.history[o->image.n_history++] = p->image->history[i];
        else
            memset(&o->image.history[o->image.n_history++], 0, sizeof *o->image.history);
    }
    for (size_t i = 0; i < p->n_findings; i++) {
        r->findings[r->n_findings] = p->findings[i];
        shift_finding(&r->findings[r->n_findings++], &at);
    }
    for (size_t i = 0; i < p->n_suppressed; i++) {
        r->suppressed[r->n_suppressed] = p->suppressed[i];
        shift_finding(&r->suppressed[r->n_suppressed++].finding, &at);
    }
    for (size_t i = 0; i < p->n_errors; i++) {
        ls_report_error *e = &r->errors[r->n_errors++];
        *e = p->errors[i];
        e->layer = shift(e->layer, at.layers);
        e->platform = k;
    }
    for (size_t i = 0; i < p->n_packages; i++)
        r->packages[r->n_packages++] = p->packages[i];
    for (size_t i = 0; i < p->n_attestations; i++) {
        r->attestations[r->n_attestations] = p->attestations[i];
        r->attestations[r->n_attestations++].platform = k;
    }
    for (size_t i = 0; i < p->n_signatures; i++) {
        r->signatures[r->n_signatures] = p->signatures[i];
        r->signatures[r->n_signatures++].platform = k;
    }
    r->entries += p->entries;
    r->bytes_scanned += p->bytes_scanned;
    r->history_mismatch = r->history_mismatch || p->history_mismatch;
    /* moved: the part keeps only its image (and empty arrays to free) */
    p->n_layers = p->n_history = p->n_findings = p->n_suppressed = p->n_errors = 0;
    p->n_packages = p->n_attestations = p->n_signatures = 0;
    return 0;
}

/* File findings first, by global layer (each part's are in layer order and
 * the parts in layer order), then the metadata ones in platform order: the
 * order the writers expect of one image's report. Stable. */
static int order_findings(ls_finding *v, size_t n, ls_error *err)
{
    ls_finding *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t k = 0;
    if (!tmp)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory merging the platforms' reports");
    for (size_t i = 0; i < n; i++)
        if (v[i].layer >= 0)
            tmp[k++] = v[i];
    for (size_t i = 0; i < n; i++)
        if (v[i].layer < 0)
            tmp[k++] = v[i];
    memcpy(v, tmp, n * sizeof *v);
    free(tmp);
    return 0;
}

/* The image as the merged report names it: the index (its digest when it
 * has one), or the one image when there is one (no index, or an index of
 * one image). */
static int top_image(merged_owner *o, const ls_platform_list *l, ls_error *err)
{
    const ls_image *one = o->parts[0]->image;
    bool ok = true;
    o->image.has_config = true;
    if (!o->image.reference)
        ok = dup_into(&o->image.reference, one->reference) && dup_into(&o->image.transport, one->transport);
    if (l->n > 1)
        ok = ok && dup_into(&o->image.manifest_digest, l->index_digest);
    else
        ok = ok && dup_into(&o->image.manifest_digest, one->manifest_digest) &&
             dup_into(&o->image.config_digest, one->config_digest) && dup_into(&o->image.os, one->os) &&
             dup_into(&o->image.architecture, one->architecture) &&
             dup_into(&o->image.variant, one->variant) && dup_into(&o->image.created, one->created);
    return ok ? 0 : ls_error_set(err, LS_ERR_NOMEM, "out of memory merging the platforms' reports");
}

/* Scans every listed image (one, unlisted, when there is no index). */
static int scan_parts(const char *ref, const ls_matcher *m, const ls_scan_opts *opts,
                      ls_layer_cache *cache, const ls_platform_list *l, merged_owner *o, ls_error *err)
{
    size_t n = l->n ? l->n : 1;
    char *pinned = pinned_ref(ref, o->image.transport, l);
    int rc = -1;
    if (!(o->parts = calloc(n, sizeof *o->parts)) || !(o->platforms = calloc(n, sizeof *o->platforms))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
        goto out;
    }
    o->n_platforms = n;
    for (size_t k = 0; k < n; k++) {
        ls_scan_opts one = *opts;
        /* a stream keeps "all": image_scan.c refuses one holding several */
        if (!ls_source_is_stream(ref))
            one.platform = l->n && l->items[k].platform[0] ? l->items[k].platform : NULL;
        one.layer_cache = cache;
        if (ls_scan_one_image(pinned ? pinned : ref, m, &one, &o->parts[k], err) != 0) {
            if (l->n > 1 && one.platform) /* which image of the index could not be read */
                ls_error_prefix(err, "platform %s", one.platform);
            goto out;
        }
        o->n_parts = k + 1;
    }
    rc = 0;
out:
    free(pinned);
    return rc;
}

int ls_scan_platforms(const char *ref, const ls_matcher *m, const ls_scan_opts *opts,
                      ls_report **out, ls_error *err)
{
    ls_platform_list l = {0};
    ls_layer_cache *priv = NULL, *cache = NULL;
    ls_layer_cache_stats before, after;
    merged_owner *o = calloc(1, sizeof *o);
    ls_report *r = calloc(1, sizeof *r);
    uint64_t start = ls_monotonic_ms();
    int rc = -1;
    *out = NULL;
    if (!o || !r) {
        free(o);
        free(r);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
    }
    r->owner = o;
    r->owner_free = owner_free;
    r->rules = ls_matcher_rules(m);
    r->image = &o->image;
    /* a stream is read once: it holds one image, scanned as the default */
    if (!ls_source_is_stream(ref) && list_platforms(ref, opts, &l, o, err) != 0)
        goto out;
    if (open_cache(opts, m, &priv, &cache, err) != 0)
        goto out;
    ls_layer_cache_get_stats(cache, &before);
    if (scan_parts(ref, m, opts, cache, &l, o, err) != 0)
        goto out;
    ls_layer_cache_get_stats(cache, &after);
    r->layers_read = after.scanned - before.scanned;
    r->layers_reused = after.hits - before.hits;
    if (ls_source_is_stream(ref)) /* scanned as they passed, not through the cache */
        r->layers_read = o->parts[0]->n_layers;
    if (top_image(o, &l, err) != 0)
        goto out;
    for (size_t k = 0; k < o->n_parts; k++)
        if (absorb(r, o, o->parts[k], k, l.n ? l.items[k].platform : NULL, err) != 0)
            goto out;
    if (order_findings(r->findings, r->n_findings, err) != 0)
        goto out;
    r->platforms = o->platforms;
    r->n_platforms = o->n_platforms;
    r->seconds = (double)(ls_monotonic_ms() - start) / 1000.0;
    *out = r;
    r = NULL;
    rc = 0;
out:
    ls_report_free(r);
    ls_layer_cache_free(priv);
    ls_platform_list_clear(&l);
    return rc;
}
