/*
 * cmd_scan.c - `layerscan scan IMAGE`: load rules, compile, scan, write the
 * report, and turn the outcome into an exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/policy.h"
#include "layerscan/scan.h"
#include "match/matcher.h"
#include "report/writer.h"

static int write_report(const ls_report *r, const cli_opts *o, ls_error *err)
{
    ls_write_opts wo = {.show_secrets = o->show_secrets};
    ls_report_writer writer = strcmp(o->format, "json") == 0    ? ls_report_write_json
                              : strcmp(o->format, "jsonl") == 0 ? ls_report_write_jsonl
                              : strcmp(o->format, "sarif") == 0 ? ls_report_write_sarif
                                                                : ls_report_write_text;
    FILE *out = stdout;
    int rc;
    if (o->output && !(out = fopen(o->output, "w")))
        return ls_error_set(err, LS_ERR_IO, "%s: cannot write the report", o->output);
    wo.color = !o->output && strcmp(o->format, "text") == 0 && isatty(STDOUT_FILENO) &&
               !getenv("NO_COLOR");
    rc = writer(r, out, &wo, err);
    if (out == stdout) {
        if (fflush(stdout) != 0 && rc == 0)
            rc = ls_error_set(err, LS_ERR_IO, "cannot write the report to standard output");
    } else if (fclose(out) != 0 && rc == 0) {
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot write the report", o->output);
    }
    return rc;
}

int cli_cmd_scan(const cli_opts *opts, const char *image)
{
    ls_error err;
    ls_ruleset *rs = NULL;
    ls_matcher *m = NULL;
    ls_report *r = NULL;
    cli_config cfg = {0};
    cli_fpset baseline = {0};
    cli_opts eff, *o = &eff;
    ls_scan_opts so = {.platform = opts->platform};
    int status = EXIT_ERROR;
    ls_error_clear(&err);
    if (cli_config_load(opts, &cfg, &err) != 0 || cli_opts_merge(opts, &cfg, &eff, &err) != 0)
        goto out;
    if (o->baseline && cli_baseline_load(o->baseline, &baseline, &err) != 0)
        goto out;
    if (!(rs = cli_load_rules(o, &err)) || ls_matcher_new(&m, rs, &err) != 0)
        goto out;
    if (ls_scan_image(image, m, &so, &r, &err) != 0)
        goto out;
    if (cli_apply_policy(r, o, &cfg, o->baseline ? &baseline : NULL, &err) != 0)
        goto out;
    if (write_report(r, o, &err) != 0)
        goto out;
    status = cli_exit_status(r, o);
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", err.msg);
    ls_report_free(r);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    cli_fpset_free(&baseline);
    cli_config_free(&cfg);
    return status;
}

