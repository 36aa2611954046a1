/*
 * cmd_baseline.c - `layerscan baseline create IMAGE` and `baseline create
 * --from-report REPORT.json`: the fingerprints of today's findings, so a
 * release gate fails only on new ones (`scan --baseline FILE`).
 *
 * A baseline is {"layerscan_baseline": 1, "fingerprints": [{"fingerprint",
 * "rule", "path", "layer"}...]}: one entry per distinct fingerprint (the first
 * finding carrying it); rule, path and layer are for the reader only.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/policy.h"
#include "core/failure.h"
#include "core/fileio.h"
#include "layerscan/scan.h"
#include "match/matcher.h"

static void add_entry(json_t *fps, const char *fp, const char *rule, const char *path, json_t *layer)
{
    size_t i;
    json_t *v, *e;
    json_array_foreach(fps, i, v)
        if (strcmp(json_string_value(json_object_get(v, "fingerprint")), fp) == 0) {
            json_decref(layer);
            return;
        }
    e = json_object();
    json_object_set_new(e, "fingerprint", json_string(fp));
    json_object_set_new(e, "rule", json_string(rule));
    json_object_set_new(e, "path", path ? json_string(path) : json_null());
    json_object_set_new(e, "layer", layer ? layer : json_null());
    json_array_append_new(fps, e);
}

static int from_image(const cli_opts *opts, const char *image, json_t *fps, ls_error *err)
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
    for (size_t i = 0; i < r->n_findings; i++) {
        const ls_finding *f = &r->findings[i];
        add_entry(fps, f->fingerprint, ls_ruleset_get(rs, f->rule)->id, f->path,
                  f->layer >= 0 ? json_integer(f->layer) : NULL);
    }
    rc = 0;
out:
    ls_report_free(r);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    cli_config_free(&cfg);
    return rc;
}

static int from_report(const char *path, json_t *fps, ls_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je), *findings, *f;
    size_t i;
    if (!root)
        return ls_error_set(err, LS_ERR_IO, "%s: report: %s (line %d)", path, je.text, je.line);
    findings = json_object_get(root, "findings");
    if (!json_is_integer(json_object_get(root, "report_version")) || !json_is_array(findings)) {
        json_decref(root);
        return ls_error_set(err, LS_ERR_FORMAT, "%s: not a layerscan JSON report", path);
    }
    json_array_foreach(findings, i, f) {
        const char *fp = json_string_value(json_object_get(f, "fingerprint"));
        const char *rule = json_string_value(json_object_get(f, "rule"));
        json_t *layer = json_object_get(f, "layer");
        if (!fp || !rule) {
            json_decref(root);
            return ls_error_set(err, LS_ERR_FORMAT, "%s: findings[%zu] has no fingerprint or rule", path, i);
        }
        add_entry(fps, fp, rule, json_string_value(json_object_get(f, "path")),
                  json_is_integer(layer) ? json_incref(layer) : NULL);
    }
    json_decref(root);
    return 0;
}

int cli_cmd_baseline(const cli_opts *o, const char *what, const char *image)
{
    ls_error err = {0};
    json_t *root = json_object(), *fps = json_array();
    FILE *out = stdout;
    int status = EXIT_ERROR, rc;
    bool exists;
    if (strcmp(what, "create") != 0) {
        ls_error_set(&err, LS_ERR_USAGE, "baseline %s: expected create", what);
        goto out;
    }
    if ((image != NULL) == (o->from_report != NULL)) {
        ls_error_set(&err, LS_ERR_USAGE, "baseline create takes an IMAGE or --from-report REPORT.json");
        goto out;
    }
    /* a refused -o is known before the scan, not after it */
    if (o->output && ls_file_check_output(o->output, LS_OUT_TRUNCATE, &exists, &err) != 0)
        goto out;
    if ((image ? from_image(o, image, fps, &err) : from_report(o->from_report, fps, &err)) != 0)
        goto out;
    json_object_set_new(root, "layerscan_baseline", json_integer(1));
    json_object_set_new(root, "fingerprints", json_incref(fps));
    /* the baseline file the user asked for (-o), truncated: it is regenerated whole */
    if (o->output && !(out = ls_file_fopen_output(o->output, LS_OUT_TRUNCATE, &err)))
        goto out;
    rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (fputc('\n', out) == EOF)
        rc = -1;
    if ((out == stdout ? fflush(out) : fclose(out)) != 0)
        rc = -1;
    if (rc != 0) {
        ls_error_set(&err, LS_ERR_IO, "%s: cannot write the baseline", o->output ? o->output : "standard output");
        goto out;
    }
    status = EXIT_CLEAN;
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", ls_failure_msg(&err));
    json_decref(fps);
    json_decref(root);
    return status;
}
