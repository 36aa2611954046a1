/*
 * finding_locate.c - `extract --finding FINGERPRINT`: the layer and path of
 * the file behind a finding, from a JSON report (--report FILE, as `scan
 * --format json` writes it) or from a fresh scan of the image with the same
 * library call, rules and policy the scan command uses.
 *
 * A fingerprint is SHA-256(rule, secret): the same secret in two files
 * shares it. So every finding carrying it is collected (findings[] first;
 * only when none there, the suppressed ones, which a responder may still
 * want), and the extraction goes ahead only when they all name the same
 * layer and path; otherwise the candidates are listed and the user picks one
 * with --layer/--path. History and config findings have no file: refused.
 */
#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/policy.h"
#include "core/fileio.h"
#include "layerscan/scan.h"
#include "match/matcher.h"
#include "source/manifest.h"
#include "source/source.h"

/* Candidates listed in a refusal at most (the message is one line). */
#define MAX_LISTED 8

typedef struct {
    long layer;           /* -1 for history/config */
    char *path;           /* NULL when the finding has none */
    const char *source;   /* "file", "history", "config", "attestation", "signature" (static) */
} candidate;

typedef struct {
    candidate *items;
    size_t n, cap;
} candidates;

static void candidates_free(candidates *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].path);
    free(c->items);
    memset(c, 0, sizeof *c);
}

/* Adds one; path is taken over (freed on failure). */
static int candidates_add(candidates *c, long layer, char *path, const char *source, ls_error *err)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        candidate *p = realloc(c->items, cap * sizeof *p);
        if (!p) {
            free(path);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
        c->items = p;
        c->cap = cap;
    }
    c->items[c->n++] = (candidate){.layer = layer, .path = path, .source = source};
    return 0;
}

static bool valid_fingerprint(const char *fp)
{
    size_t n = 0;
    for (; fp[n]; n++)
        if (!isxdigit((unsigned char)fp[n]))
            return false;
    return n == 32;
}

static const char *source_name(const char *s)
{
    if (s && strcmp(s, "history") == 0)
        return "history";
    if (s && strcmp(s, "config") == 0)
        return "config";
    if (s && strcmp(s, "attestation") == 0)
        return "attestation";
    if (s && strcmp(s, "signature") == 0)
        return "signature";
    return "file";
}

/* A report finding's path: the exact bytes of "path_base64" when the path
 * is not UTF-8, else "path". NULL with err on a malformed field. */
static char *report_path(json_t *f, const char *file, size_t i, ls_error *err)
{
    const char *b64 = json_string_value(json_object_get(f, "path_base64"));
    const char *p = json_string_value(json_object_get(f, "path"));
    if (b64) {
        size_t n = strlen(b64), pad = 0;
        unsigned char *out = malloc(n / 4 * 3 + 1);
        int len;
        if (!out) {
            ls_error_set(err, LS_ERR_NOMEM, "out of memory");
            return NULL;
        }
        len = n % 4 == 0 ? EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n) : -1;
        while (pad < 2 && n > pad && b64[n - 1 - pad] == '=')
            pad++;
        if (len < 0 || (size_t)len < pad || memchr(out, '\0', (size_t)len - pad)) {
            free(out);
            ls_error_set(err, LS_ERR_FORMAT, "%s: findings[%zu].path_base64 is not a path", file, i);
            return NULL;
        }
        out[(size_t)len - pad] = '\0';
        return (char *)out;
    }
    if (!p) {
        ls_error_set(err, LS_ERR_FORMAT, "%s: findings[%zu] has no path", file, i);
        return NULL;
    }
    {
        char *copy = strdup(p);
        if (!copy)
            ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        return copy;
    }
}

/* The findings of array `key` of a report carrying fp. */
static int from_report_array(json_t *root, const char *key, const char *file, const char *fp, candidates *out,
                             ls_error *err)
{
    json_t *arr = json_object_get(root, key), *f;
    size_t i;
    if (!json_is_array(arr))
        return 0;
    json_array_foreach(arr, i, f) {
        const char *got = json_string_value(json_object_get(f, "fingerprint"));
        json_t *layer = json_object_get(f, "layer");
        const char *source = source_name(json_string_value(json_object_get(f, "source")));
        char *path;
        if (!got || strcasecmp(got, fp) != 0)
            continue;
        if (!(path = report_path(f, file, i, err)))
            return -1;
        if (strcmp(source, "file") == 0 && (!json_is_integer(layer) || json_integer_value(layer) < 0)) {
            free(path);
            return ls_error_set(err, LS_ERR_FORMAT, "%s: %s[%zu] is a file finding without a layer", file, key, i);
        }
        if (candidates_add(out, json_is_integer(layer) ? (long)json_integer_value(layer) : -1, path, source, err) != 0)
            return -1;
    }
    return 0;
}

/* The report's layers[layer].<key> ("digest", "diff_id"), for the check
 * that it describes this image; NULL when it has none. */
static const char *report_layer_field(json_t *root, long layer, const char *key)
{
    json_t *layers = json_object_get(root, "layers"), *l;
    size_t i;
    json_array_foreach(layers, i, l) {
        json_t *idx = json_object_get(l, "index");
        if (json_is_integer(idx) && json_integer_value(idx) == layer)
            return json_string_value(json_object_get(l, key));
    }
    return NULL;
}

/* The report's JSON, read whole under --max-json-size: only a regular file
 * (a FIFO or a device would block or never end). */
static json_t *load_report(const cli_opts *o, ls_error *err)
{
    uint64_t max = o->max_json_bytes ? o->max_json_bytes : LS_MAX_JSON_BYTES;
    json_error_t je;
    json_t *root;
    bool exists = true;
    size_t len = 0;
    unsigned char *bytes = ls_file_slurp(o->report, max, &len, &exists);
    if (!bytes) {
        ls_error_set(err, LS_ERR_IO, "%s: report: %s", o->report,
                     exists ? "not a regular file of 1 byte to --max-json-size" : "no such file");
        return NULL;
    }
    root = json_loadb((const char *)bytes, len, 0, &je);
    free(bytes);
    if (!root)
        ls_error_set(err, LS_ERR_FORMAT, "%s: report: %s (line %d)", o->report, je.text, je.line);
    return root;
}

static int from_report(const cli_opts *o, const char *fp, candidates *out, json_t **root_out, ls_error *err)
{
    json_t *root = load_report(o, err);
    if (!root)
        return -1;
    *root_out = root;
    if (!json_is_integer(json_object_get(root, "report_version")) || !json_is_array(json_object_get(root, "findings")))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: not a layerscan JSON report", o->report);
    if (from_report_array(root, "findings", o->report, fp, out, err) != 0)
        return -1;
    if (out->n == 0 && from_report_array(root, "suppressed", o->report, fp, out, err) != 0)
        return -1;
    return 0;
}

static const char *finding_source(ls_finding_source s)
{
    return ls_finding_source_name(s);
}

static int add_finding(candidates *out, const ls_finding *f, ls_error *err)
{
    char *path = f->path ? strdup(f->path) : NULL;
    if (f->path && !path)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    return candidates_add(out, f->layer, path, finding_source(f->source), err);
}

/* A fresh scan, as `layerscan scan` runs it (config file, rules, policy). */
static int from_scan(const cli_opts *opts, const char *image, const char *fp, candidates *out, ls_error *err)
{
    ls_ruleset *rs = NULL;
    ls_matcher *m = NULL;
    ls_report *r = NULL;
    cli_config cfg = {0};
    cli_opts eff;
    char cache_buf[4096];
    ls_scan_opts so = cli_scan_opts(opts, false);
    int rc = -1;
    if (cli_config_load(opts, &cfg, err) != 0 || cli_opts_merge(opts, &cfg, &eff, err) != 0)
        goto out;
    if (!(rs = cli_load_rules(&eff, err)) ||
        cli_new_matcher(&eff, rs, cli_rules_cache_dir(opts, cache_buf, sizeof cache_buf), &m, err) != 0)
        goto out;
    if (ls_scan_image(image, m, &so, &r, err) != 0)
        goto out;
    if (cli_apply_policy(r, &eff, &cfg, NULL, err) != 0)
        goto out;
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcasecmp(r->findings[i].fingerprint, fp) == 0 && add_finding(out, &r->findings[i], err) != 0)
            goto out;
    for (size_t i = 0; out->n == 0 && i < r->n_suppressed; i++)
        if (strcasecmp(r->suppressed[i].finding.fingerprint, fp) == 0 &&
            add_finding(out, &r->suppressed[i].finding, err) != 0)
            goto out;
    rc = 0;
out:
    ls_report_free(r);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    cli_config_free(&cfg);
    return rc;
}

/* The one (layer, path) the file candidates name, or a refusal. */
static int choose(const candidates *c, const char *fp, const char *where, long *layer, char **path, ls_error *err)
{
    const candidate *first = NULL;
    size_t files = 0;
    bool same = true;
    for (size_t i = 0; i < c->n; i++) {
        const candidate *k = &c->items[i];
        if (strcmp(k->source, "file") != 0)
            continue;
        files++;
        if (!first)
            first = k;
        else if (k->layer != first->layer || strcmp(k->path, first->path) != 0)
            same = false;
    }
    if (c->n == 0)
        return ls_error_set(err, LS_ERR_USAGE, "no finding with fingerprint %s in %s", fp, where);
    if (!first) {
        const candidate *k = &c->items[0];
        return ls_error_set(err, LS_ERR_USAGE, "finding %s is in the image's %s (%s): no file to extract", fp,
                            k->source, k->path ? k->path : "?");
    }
    if (!same) {
        char list[LS_ERROR_MSG_MAX] = "";
        size_t listed = 0, used = 0;
        for (size_t i = 0; i < c->n && listed < MAX_LISTED; i++) {
            const candidate *k = &c->items[i];
            bool dup = false;
            int w;
            if (strcmp(k->source, "file") != 0)
                continue;
            for (size_t j = 0; j < i && !dup; j++)
                dup = strcmp(c->items[j].source, "file") == 0 && c->items[j].layer == k->layer &&
                      strcmp(c->items[j].path, k->path) == 0;
            if (dup)
                continue;
            w = snprintf(list + used, sizeof list - used, "%slayer %ld %s", listed ? ", " : "", k->layer, k->path);
            if (w < 0 || (size_t)w >= sizeof list - used)
                break;
            used += (size_t)w;
            listed++;
        }
        return ls_error_set(err, LS_ERR_USAGE,
                            "fingerprint %s names %zu files: %s%s: pick one with --layer N --path /P", fp, files,
                            list, files > listed ? ", ..." : "");
    }
    if (!(*path = strdup(first->path)))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    *layer = first->layer;
    return 0;
}

int cli_finding_locate(const cli_opts *o, const char *image, const ls_image *img, long *layer, char **path,
                       ls_error *err)
{
    candidates c = {0};
    json_t *root = NULL;
    char where[4200];
    int rc = -1;
    *path = NULL;
    if (!valid_fingerprint(o->finding)) {
        ls_error_set(err, LS_ERR_USAGE, "--finding %s: expected a fingerprint (32 hex digits)", o->finding);
        goto out;
    }
    if (o->report) {
        snprintf(where, sizeof where, "%s", o->report);
        if (from_report(o, o->finding, &c, &root, err) != 0)
            goto out;
    } else {
        snprintf(where, sizeof where, "a scan of %s", image);
        if (from_scan(o, image, o->finding, &c, err) != 0)
            goto out;
    }
    if (choose(&c, o->finding, where, layer, path, err) != 0)
        goto out;
    /* a report of another image names layers this one does not have */
    if (root) {
        size_t l = (size_t)*layer;
        const char *digest = report_layer_field(root, *layer, "digest");
        const char *diff_id = report_layer_field(root, *layer, "diff_id");
        const char *have = l < img->n_layers ? img->layers[l].digest : NULL;
        const char *have_diff = l < img->n_diff_ids ? img->diff_ids[l] : NULL;
        if (digest && have && strcmp(digest, have) != 0) {
            ls_error_set(err, LS_ERR_USAGE, "%s is not a report of %s: its layer %ld is %s, the image's is %s",
                         o->report, image, *layer, digest, have);
            goto out;
        }
        if (diff_id && have_diff && strcmp(diff_id, have_diff) != 0) {
            ls_error_set(err, LS_ERR_USAGE, "%s is not a report of %s: its layer %ld has diff_id %s, the image's is %s",
                         o->report, image, *layer, diff_id, have_diff);
            goto out;
        }
    }
    rc = 0;
out:
    if (rc != 0) {
        free(*path);
        *path = NULL;
    }
    candidates_free(&c);
    json_decref(root);
    return rc;
}
