/*
 * policy.c - see policy.h. The config file and baselines are small JSON
 * documents read with jansson; their strings are borrowed from the parsed
 * tree, which lives as long as the config or set does.
 */
#include "cli/policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/filter.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool in_sorted(const char *const *v, size_t n, const char *s)
{
    return n && bsearch(&s, v, n, sizeof *v, cmp_str) != NULL;
}

/* An array of strings at key into a new vector of borrowed pointers. */
static int string_array(const char *file, const char *key, json_t *a, const char ***out, size_t *n,
                        ls_error *err)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: \"%s\" must be an array of strings", file, key);
    *n = 0;
    if (!(*out = calloc(json_array_size(a) + 1, sizeof **out)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", file);
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return ls_error_set(err, LS_ERR_FORMAT, "%s: \"%s\"[%zu] must be a string", file, key, i);
        (*out)[(*n)++] = json_string_value(v);
    }
    return 0;
}

static int level_key(const char *file, const char *key, json_t *v, bool severity, int *out, ls_error *err)
{
    ls_severity s;
    ls_confidence c;
    const char *str = json_string_value(v);
    if (!str || (severity ? ls_severity_parse(str, &s) : ls_confidence_parse(str, &c)) != 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: \"%s\" must be one of %s", file, key,
                            severity ? "critical, high, medium, low" : "high, medium, low");
    *out = severity ? (int)s : (int)c;
    return 0;
}

int cli_config_load(const cli_opts *o, cli_config *cfg, ls_error *err)
{
    const char *file = o->config ? o->config : CLI_CONFIG_DEFAULT;
    json_error_t je;
    json_t *root, *v;
    const char *key;
    memset(cfg, 0, sizeof *cfg);
    cfg->fail_on = cfg->min_confidence = -1;
    if (!o->config && access(CLI_CONFIG_DEFAULT, F_OK) != 0)
        return 0;
    if (!(root = json_load_file(file, JSON_REJECT_DUPLICATES, &je)))
        return ls_error_set(err, je.position == 0 && je.line <= 1 ? LS_ERR_IO : LS_ERR_FORMAT,
                            "%s: config file: %s (line %d)", file, je.text, je.line);
    cfg->json = root;
    cfg->path = file;
    if (!json_is_object(root))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: config file must be a JSON object", file);
    json_object_foreach(root, key, v) {
        int rc;
        if (strcmp(key, "allow_paths") == 0)
            rc = string_array(file, key, v, &cfg->allow_paths, &cfg->n_allow_paths, err);
        else if (strcmp(key, "disable_rules") == 0)
            rc = string_array(file, key, v, &cfg->disable_rules, &cfg->n_disable_rules, err);
        else if (strcmp(key, "allow_fingerprints") == 0)
            rc = string_array(file, key, v, &cfg->fingerprints, &cfg->n_fingerprints, err);
        else if (strcmp(key, "format") == 0) {
            cfg->format = json_string_value(v);
            rc = cfg->format && cli_format_valid(cfg->format)
                     ? 0
                     : ls_error_set(err, LS_ERR_FORMAT, "%s: \"format\" must be text, json, jsonl, sarif or html", file);
        } else if (strcmp(key, "fail_on") == 0)
            rc = level_key(file, key, v, true, &cfg->fail_on, err);
        else if (strcmp(key, "min_confidence") == 0)
            rc = level_key(file, key, v, false, &cfg->min_confidence, err);
        else
            rc = ls_error_set(err, LS_ERR_FORMAT,
                              "%s: unknown key \"%s\" (expected allow_paths, disable_rules, "
                              "allow_fingerprints, format, fail_on, min_confidence)",
                              file, key);
        if (rc != 0)
            return -1;
    }
    if (cfg->n_fingerprints)
        qsort(cfg->fingerprints, cfg->n_fingerprints, sizeof *cfg->fingerprints, cmp_str);
    return 0;
}

void cli_config_free(cli_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->allow_paths);
    free(cfg->disable_rules);
    free(cfg->fingerprints);
    json_decref(cfg->json);
    memset(cfg, 0, sizeof *cfg);
}

int cli_baseline_load(const char *path, cli_fpset *set, ls_error *err)
{
    json_error_t je;
    json_t *root, *fps, *v;
    size_t i;
    memset(set, 0, sizeof *set);
    if (!(root = json_load_file(path, 0, &je)))
        return ls_error_set(err, LS_ERR_IO, "%s: baseline: %s (line %d)", path, je.text, je.line);
    set->json = root;
    fps = json_object_get(root, "fingerprints");
    if (!json_is_integer(json_object_get(root, "layerscan_baseline")) || !json_is_array(fps))
        return ls_error_set(err, LS_ERR_FORMAT,
                            "%s: not a layerscan baseline (expected \"layerscan_baseline\" and \"fingerprints\")",
                            path);
    if (!(set->fps = calloc(json_array_size(fps) + 1, sizeof *set->fps)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    json_array_foreach(fps, i, v) {
        const char *fp = json_string_value(json_object_get(v, "fingerprint"));
        if (!fp)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: fingerprints[%zu] has no \"fingerprint\" string", path, i);
        set->fps[set->n++] = fp;
    }
    qsort(set->fps, set->n, sizeof *set->fps, cmp_str);
    return 0;
}

void cli_fpset_free(cli_fpset *set)
{
    if (!set)
        return;
    free(set->fps);
    json_decref(set->json);
    memset(set, 0, sizeof *set);
}

int cli_opts_merge(const cli_opts *o, const cli_config *cfg, cli_opts *eff, ls_error *err)
{
    *eff = *o;
    if (!o->format_given && cfg->format)
        eff->format = cfg->format;
    if (o->fail_on < 0)
        eff->fail_on = cfg->fail_on;
    if (o->min_confidence < 0)
        eff->min_confidence = cfg->min_confidence;
    for (size_t i = 0; i < cfg->n_disable_rules; i++) {
        if (eff->n_disabled == CLI_MAX_DISABLED)
            return ls_error_set(err, LS_ERR_LIMIT, "%s: too many disabled rules", cfg->path);
        eff->disabled[eff->n_disabled++] = cfg->disable_rules[i];
    }
    return 0;
}

typedef struct {
    const cli_opts *eff;
    const cli_config *cfg;
    const cli_fpset *baseline;
} policy_ctx;

static const char *suppress_reason(const ls_report *r, const ls_finding *f, void *p)
{
    const policy_ctx *c = p;
    (void)r; /* the finding carries its own confidence and origin */
    if (!c->eff->include_vendor && f->origin == LS_ORIGIN_VENDOR)
        return "vendor";
    if (!c->eff->include_vendor && f->origin == LS_ORIGIN_THIRD_PARTY)
        return "third-party";
    if (!c->eff->include_vendor && f->origin == LS_ORIGIN_GENERATED)
        return "generated";
    if (c->baseline && in_sorted(c->baseline->fps, c->baseline->n, f->fingerprint))
        return "baseline";
    if (in_sorted(c->cfg->fingerprints, c->cfg->n_fingerprints, f->fingerprint))
        return "allowlist-fingerprint";
    for (size_t i = 0; i < c->cfg->n_allow_paths; i++)
        if (fnmatch(c->cfg->allow_paths[i], f->path, 0) == 0)
            return "allowlist-path";
    if (c->eff->min_confidence >= 0 &&
        (int)f->confidence < c->eff->min_confidence)
        return "min-confidence";
    return NULL;
}

int cli_apply_policy(ls_report *r, const cli_opts *eff, const cli_config *cfg, const cli_fpset *baseline,
                     ls_error *err)
{
    policy_ctx c = {.eff = eff, .cfg = cfg, .baseline = baseline};
    return ls_report_suppress(r, suppress_reason, &c, err);
}

int cli_exit_status(const ls_report *r, const cli_opts *eff)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (eff->fail_on < 0 || (int)ls_ruleset_get(r->rules, r->findings[i].rule)->severity >= eff->fail_on)
            return EXIT_FINDINGS;
    return EXIT_CLEAN;
}
